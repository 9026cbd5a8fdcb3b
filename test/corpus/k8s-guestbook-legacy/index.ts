// The guestbook as old tutorials wrote it: extensions/v1beta1 and apps/v1beta1 Deployments, and a
// batch/v1beta1 CronJob that trims the guestbook. These API versions were removed from Kubernetes
// (1.16 for extensions/apps v1beta1 Deployments, 1.25 for batch/v1beta1 CronJobs), but the estate's
// pod policies must still see the pods they describe: a policy keyed on apps/v1 only would pass
// them in silence.
import * as k8s from "@pulumi/kubernetes";

const leaderLabels = { app: "redis", role: "leader" };
new k8s.extensions.v1beta1.Deployment("redis-leader", {
    metadata: { labels: leaderLabels },
    spec: {
        replicas: 1,
        template: {
            metadata: { labels: leaderLabels },
            spec: {
                containers: [
                    {
                        name: "leader",
                        image: "redis:6.0.5",
                        ports: [{ containerPort: 6379 }],
                        resources: { requests: { cpu: "100m", memory: "100Mi" } },
                    },
                ],
            },
        },
    },
});
new k8s.core.v1.Service("redis-leader", {
    metadata: { name: "redis-leader", labels: leaderLabels },
    spec: { ports: [{ port: 6379 }], selector: leaderLabels },
});

const frontendLabels = { app: "guestbook", tier: "frontend" };
new k8s.apps.v1beta1.Deployment("frontend", {
    metadata: { labels: frontendLabels },
    spec: {
        replicas: 3,
        template: {
            metadata: { labels: frontendLabels },
            spec: {
                containers: [
                    {
                        name: "php-redis",
                        image: "gcr.io/google_samples/gb-frontend:v4",
                        ports: [{ containerPort: 80 }],
                        env: [{ name: "GET_HOSTS_FROM", value: "dns" }],
                        resources: { requests: { cpu: "100m", memory: "100Mi" } },
                        // Runs as root with every capability, as the old image expects.
                        securityContext: { privileged: true },
                    },
                ],
            },
        },
    },
});
new k8s.core.v1.Service("frontend", {
    metadata: { name: "frontend", labels: frontendLabels },
    spec: { ports: [{ port: 80 }], selector: frontendLabels },
});

new k8s.batch.v1beta1.CronJob("trim-guestbook", {
    spec: {
        schedule: "0 3 * * *",
        jobTemplate: {
            spec: {
                template: {
                    spec: {
                        restartPolicy: "OnFailure",
                        hostNetwork: true,
                        containers: [{ name: "trim", image: "redis:6.0.5", command: ["redis-cli", "-h", "redis-leader", "LTRIM", "guestbook", "0", "999"] }],
                    },
                },
            },
        },
    },
});
