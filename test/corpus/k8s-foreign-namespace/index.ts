// A team's own program, not the estate: its namespace is labelled as the team's
// (app.kubernetes.io/part-of: payments), enforces the restricted Pod Security level, and its
// workload follows every rule. The estate's ownership label is for the estate's own namespaces
// only, so nothing here may be reported.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const image = config.get("image") ?? "ghcr.io/example/payments@sha256:4f1c2e0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";

const ns = new k8s.core.v1.Namespace("payments", {
    metadata: {
        name: "payments",
        labels: {
            "app.kubernetes.io/part-of": "payments",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.31",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    },
});

const labels = { "app.kubernetes.io/name": "payments-api", "app.kubernetes.io/part-of": "payments" };
new k8s.apps.v1.Deployment("payments-api", {
    metadata: { name: "payments-api", namespace: ns.metadata.name, labels },
    spec: {
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "api",
                        image,
                        ports: [{ name: "http", containerPort: 8080 }],
                        env: [
                            { name: "PORT", value: "8080" },
                            { name: "SIGNING_KEY_FILE", value: "/var/run/secrets/payments/signing-key" },
                        ],
                        resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { memory: "256Mi" } },
                        readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
                        livenessProbe: { httpGet: { path: "/livez", port: "http" }, periodSeconds: 10 },
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                    },
                ],
            },
        },
    },
});
new k8s.autoscaling.v2.HorizontalPodAutoscaler("payments-api", {
    metadata: { name: "payments-api", namespace: ns.metadata.name },
    spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "payments-api" },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
    },
});
new k8s.policy.v1.PodDisruptionBudget("payments-api", {
    metadata: { name: "payments-api", namespace: ns.metadata.name },
    spec: { minAvailable: 2, selector: { matchLabels: labels } },
});
new k8s.core.v1.Service("payments-api", {
    metadata: { name: "payments-api", namespace: ns.metadata.name, labels },
    spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
});

export const namespace = ns.metadata.name;
