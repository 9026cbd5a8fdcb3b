// A Helm release: the provider installs the chart in the cluster (as `helm install` would), so
// what it creates is decided there, not in this program. Everything the program itself declares
// is compliant; the only thing an offline check cannot vouch for is the release's content, which
// the prod policy config makes a failure (estate-unevaluated-content is mandatory there).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const ns = new k8s.core.v1.Namespace("cache", {
    metadata: {
        name: "cache",
        labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    },
});

const redis = new k8s.helm.v3.Release("redis", {
    chart: "redis",
    version: config.require("redisChartVersion"),
    namespace: ns.metadata.name,
    repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" },
    values: {
        architecture: "standalone",
        auth: { enabled: true },
        master: { persistence: { size: "8Gi" } },
    },
});

export const releaseName = redis.name;
export const releaseStatus = redis.status;
