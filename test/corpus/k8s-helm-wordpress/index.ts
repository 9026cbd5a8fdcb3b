// WordPress from a Helm chart, the way kubernetes-ts-helm-wordpress does it: helm.v3.Chart renders
// the chart's templates on the machine running the program (it runs `helm template` through the
// provider), so the Deployments, Services and Secrets it makes exist only after the chart is
// fetched. An offline check cannot see them and must say so.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const ns = new k8s.core.v1.Namespace("wordpress", {
    metadata: {
        labels: {
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/enforce-version": "latest",
        },
    },
});

const wordpress = new k8s.helm.v3.Chart("wordpress", {
    chart: "wordpress",
    version: config.get("chartVersion") ?? "24.1.7",
    namespace: ns.metadata.name,
    fetchOpts: { repo: "https://charts.bitnami.com/bitnami" },
    values: {
        service: { type: "ClusterIP" },
        mariadb: { auth: { rootPassword: "changeme" } },
    },
});

export const namespace = ns.metadata.name;
export const ready = wordpress.ready;
