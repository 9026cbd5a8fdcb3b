// helm.v4.Chart is a multi-language component: the Kubernetes provider renders the chart and
// registers its objects as children, none of which this program constructs. An offline check sees
// only the component, and must list it as not evaluated.
import * as k8s from "@pulumi/kubernetes";

const ns = new k8s.core.v1.Namespace("cert-manager", {
    metadata: {
        name: "cert-manager",
        labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.31",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    },
});

const certManager = new k8s.helm.v4.Chart("cert-manager", {
    chart: "oci://quay.io/jetstack/charts/cert-manager",
    version: "v1.17.2",
    namespace: ns.metadata.name,
    values: { crds: { enabled: true } },
});

export const resources = certManager.resources;
