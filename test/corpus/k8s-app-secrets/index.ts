// Credentials four ways: a generated database password kept in a Kubernetes Secret and read with
// valueFrom (fine), a path to a mounted secret file in *_FILE (fine), a config secret copied into
// Secrets Manager (fine, though with the AWS managed key), and one shortcut a reviewer must catch:
// the admin password pasted into the container's env as a plain value.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const config = new pulumi.Config();
const image = config.get("image") ?? "ghcr.io/example/api:1.4.2";
const stripeKey = config.requireSecret("stripeKey");

const dbPassword = new random.RandomPassword("db-password", { length: 32, special: false });

const dbSecret = new k8s.core.v1.Secret("db-credentials", {
    metadata: { name: "db-credentials" },
    type: "Opaque",
    stringData: { username: "api", password: dbPassword.result },
});

const stripe = new aws.secretsmanager.Secret("stripe-key", { description: "Stripe API key for the API server" });
new aws.secretsmanager.SecretVersion("stripe-key-value", { secretId: stripe.id, secretString: stripeKey });

const labels = { app: "api" };
new k8s.apps.v1.Deployment("api", {
    metadata: { name: "api", labels },
    spec: {
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
                volumes: [{ name: "db", secret: { secretName: dbSecret.metadata.name } }],
                containers: [
                    {
                        name: "api",
                        image,
                        ports: [{ containerPort: 8080 }],
                        env: [
                            { name: "LOG_LEVEL", value: "info" },
                            { name: "DB_USER", valueFrom: { secretKeyRef: { name: dbSecret.metadata.name, key: "username" } } },
                            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: dbSecret.metadata.name, key: "password" } } },
                            { name: "DB_PASSWORD_FILE", value: "/var/run/secrets/db/password" },
                            { name: "STRIPE_CREDENTIALS_ARN", value: stripe.arn },
                            // The shortcut: a literal credential in the pod spec, readable by anyone who can get the Deployment.
                            { name: "ADMIN_PASSWORD", value: "hunter2-change-me" },
                        ],
                        volumeMounts: [{ name: "db", mountPath: "/var/run/secrets/db", readOnly: true }],
                        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
                        readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
                        livenessProbe: { httpGet: { path: "/live", port: 8080 } },
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                    },
                ],
            },
        },
    },
});

new k8s.autoscaling.v2.HorizontalPodAutoscaler("api", {
    metadata: { name: "api" },
    spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
    },
});
new k8s.policy.v1.PodDisruptionBudget("api", {
    metadata: { name: "api" },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
});

export const dbSecretName = dbSecret.metadata.name;
export const adminPassword = config.requireSecret("adminPassword");
