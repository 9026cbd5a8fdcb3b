// No object sets metadata.name: the Kubernetes provider names each one after its Pulumi name plus a
// random suffix, and the program wires them together through the metadata.name outputs (the
// ConfigMap mounted by name, the HorizontalPodAutoscaler aimed at the Deployment by name). Those
// outputs must be defined offline too; the program fails loudly if one is not.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

function defined(what: string, name: pulumi.Output<string>): pulumi.Output<string> {
    return name.apply((n) => {
        if (!n) {
            throw new Error(`${what} has no metadata.name: auto-naming did not happen`);
        }
        return n;
    });
}

const ns = new k8s.core.v1.Namespace("web", {
    metadata: {
        labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        },
    },
});
const namespace = defined("the namespace", ns.metadata.name);

const site = new k8s.core.v1.ConfigMap("site", {
    metadata: { namespace },
    data: { "index.html": "<h1>auto-named</h1>" },
});

const labels = { "app.kubernetes.io/name": "web" };
const web = new k8s.apps.v1.Deployment("web", {
    metadata: { namespace, labels },
    spec: {
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: "RuntimeDefault" } },
                volumes: [{ name: "site", configMap: { name: defined("the ConfigMap", site.metadata.name) } }],
                containers: [
                    {
                        name: "nginx",
                        image: "nginxinc/nginx-unprivileged:1.27.3-alpine",
                        ports: [{ name: "http", containerPort: 8080 }],
                        volumeMounts: [{ name: "site", mountPath: "/usr/share/nginx/html", readOnly: true }],
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } },
                        readinessProbe: { httpGet: { path: "/", port: "http" } },
                        livenessProbe: { httpGet: { path: "/", port: "http" } },
                        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                    },
                ],
            },
        },
    },
});

new k8s.autoscaling.v2.HorizontalPodAutoscaler("web", {
    metadata: { namespace },
    spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: defined("the Deployment", web.metadata.name) },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 75 } } }],
    },
});
new k8s.policy.v1.PodDisruptionBudget("web", {
    metadata: { namespace },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
});
const svc = new k8s.core.v1.Service("web", {
    metadata: { namespace, labels },
    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
});

export const serviceName = defined("the Service", svc.metadata.name);
export const url = pulumi.interpolate`http://${svc.metadata.name}.${namespace}.svc.cluster.local`;
