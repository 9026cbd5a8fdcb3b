// The classic guestbook: a Redis leader, Redis followers and a PHP frontend, each a Deployment and a
// Service. On minikube the frontend is exposed as a NodePort (no cloud load balancer there).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const isMinikube = config.getBoolean("isMinikube") ?? false;
const frontendReplicas = config.getNumber("frontendReplicas") ?? 3;

interface Tier {
    name: string;
    image: string;
    replicas: number;
    port: number;
    env?: k8s.types.input.core.v1.EnvVar[];
}

function tier(t: Tier, serviceType: string): k8s.core.v1.Service {
    const labels = { app: "guestbook", tier: t.name };
    new k8s.apps.v1.Deployment(t.name, {
        metadata: { name: t.name, labels },
        spec: {
            replicas: t.replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    containers: [
                        {
                            name: t.name,
                            image: t.image,
                            ports: [{ containerPort: t.port }],
                            resources: { requests: { cpu: "100m", memory: "100Mi" } },
                            env: t.env,
                        },
                    ],
                },
            },
        },
    });
    return new k8s.core.v1.Service(t.name, {
        metadata: { name: t.name, labels },
        spec: { type: serviceType, ports: [{ port: t.port, targetPort: t.port }], selector: labels },
    });
}

tier({ name: "redis-leader", image: "redis:6.0.5", replicas: 1, port: 6379 }, "ClusterIP");
tier({ name: "redis-follower", image: "gcr.io/google_samples/gb-redis-follower:v2", replicas: 2, port: 6379 }, "ClusterIP");
const frontend = tier(
    {
        name: "frontend",
        image: "gcr.io/google_samples/gb-frontend:v5",
        replicas: frontendReplicas,
        port: 80,
        env: [{ name: "GET_HOSTS_FROM", value: "dns" }],
    },
    isMinikube ? "NodePort" : "LoadBalancer",
);

export const frontendService = frontend.metadata.name;
export const frontendType = frontend.spec.type;
