/**
 * Every Kubernetes object the dev and prod estates produce, checked against the official
 * Kubernetes OpenAPI schemas (`kubernetes-models`), cert-manager's and the prometheus-operator's
 * CRD schemas (`@kubernetes-models/cert-manager`, `@kubernetes-models/prometheus-operator`): the
 * object is rebuilt from the inputs the engine received (apiVersion, kind, metadata, spec, ...) and
 * validated. A kind without a packaged schema fails the test, so a new kind cannot slip through
 * unchecked. The PrometheusRules' groups also go through `promtool check rules`.
 */
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AppService, Platform } from "../../components/k8s";
import { Monitoring, estateRuleGroups } from "../../components/observability";
import { checkRules } from "../components/observability/promtool";
import { planStack } from "../../scripts/cli";
import { runWithCluster } from "../components/k8s/harness";
import { type RecordedResource, plainInputs } from "../../scripts/engine/mock-engine";

const root = path.resolve(__dirname, "../..");

/**
 * A model class: built from a plain object, `validate()` throws on a schema violation. (Under
 * this project's CommonJS module resolution TypeScript does not see the ESM base class's
 * `validate`, hence the cast in `check`.)
 */
type Model = new (data: never) => object;

function check(Kind: Model, object: unknown): void {
    (new Kind(object as never) as { validate?: () => void }).validate!();
}

/** The validator of each Kubernetes kind the estate creates, by Pulumi type token. */
const MODELS: Record<string, Model> = {
    "kubernetes:core/v1:Namespace": Namespace,
    "kubernetes:core/v1:Secret": Secret,
    "kubernetes:core/v1:Service": Service,
    "kubernetes:core/v1:ServiceAccount": ServiceAccount,
    "kubernetes:apps/v1:Deployment": Deployment,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": HorizontalPodAutoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": PodDisruptionBudget,
    "kubernetes:networking.k8s.io/v1:Ingress": Ingress,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": NetworkPolicy,
    "kubernetes:cert-manager.io/v1:ClusterIssuer": ClusterIssuer,
    "kubernetes:cert-manager.io/v1:Certificate": Certificate,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": ServiceMonitor,
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": PrometheusRule,
};

/** Kubernetes-provider resources that are not Kubernetes objects: a Helm release is Helm's record of a chart. */
const NOT_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release"]);

function validate(r: RecordedResource): void {
    const Kind = MODELS[r.type];
    if (!Kind) {
        throw new Error(`no packaged schema for ${r.type} (${r.name}): add its kubernetes-models class to MODELS`);
    }
    check(Kind, plainInputs(r, "unwrap"));
}

describe.each(["dev", "prod"])("the %s estate's Kubernetes objects", (stack) => {
    it("are all valid against the official schemas, custom resources included", async () => {
        const run = await planStack(root, { stack });
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !NOT_OBJECTS.has(r.type));
        const failures: string[] = [];
        for (const r of objects) {
            try {
                validate(r);
            } catch (err) {
                failures.push(`${r.type} ${r.name}: ${(err as Error).message}`);
            }
        }
        expect(failures).toEqual([]);
        // The estate's kinds, every one of them checked.
        expect(new Set(objects.map((r) => r.type))).toEqual(new Set(Object.keys(MODELS)));
        expect(objects.length).toBeGreaterThanOrEqual(35);
    });

    it("have PrometheusRules whose every group passes promtool check rules", async () => {
        const run = await planStack(root, { stack });
        const rules = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        expect(rules.length).toBeGreaterThanOrEqual(3);
        for (const rule of rules) {
            const { spec } = plainInputs(rule, "unwrap") as { spec: { groups: Parameters<typeof checkRules>[0] } };
            const result = checkRules(spec.groups);
            expect(result.status, `${rule.name}: ${result.output}`).toBe(0);
        }
    });
});

describe("components with every option set", () => {
    it("produce valid objects too", async () => {
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "estate-manifest-"));
        fs.writeFileSync(path.join(context, "Dockerfile"), "FROM scratch\n");
        const built = await runWithCluster((cluster) => {
            const platform = new Platform(
                "platform",
                { issuer: "letsencrypt-staging", acmeEmail: "ops@example.com", ingressClass: "public", replicas: 3, podSecurity: { monitoring: "baseline" }, podSecurityVersion: "v1.33" },
                { provider: cluster },
            );
            new AppService(
                "api",
                {
                    kind: "web",
                    namespace: platform.namespaces.apps,
                    buildContext: context,
                    port: 3000,
                    metricsPort: 9464,
                    host: "api.example.com",
                    command: ["node", "server.js"],
                    replicas: { min: 2, max: 20 },
                    cpu: "1",
                    memory: "1Gi",
                    memoryLimit: "2Gi",
                    env: { LOG_LEVEL: "debug" },
                    secretEnv: { DATABASE_URL: "postgres://app@db/app" },
                    iamRoleArn: "arn:aws:iam::123456789012:role/api",
                    ingress: platform.appIngress,
                    network: platform.appNetwork,
                    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
                    autoscaling: { cpuUtilization: 60, memoryUtilization: 75, scaleDownStabilizationSeconds: 900 },
                    zoneSpread: "DoNotSchedule",
                    runAsUser: 1000,
                    startupProbe: false,
                },
                { provider: cluster },
            );
            const monitoring = new Monitoring(
                "monitoring",
                {
                    namespace: platform.namespaces.monitoring,
                    prometheus: { retentionDays: 90, storageGb: 500, cpu: "2", memory: "16Gi", replicas: 3 },
                    alertmanagerReplicas: 3,
                    storageClass: "gp3",
                    nodeExporter: true,
                    receivers: { slack: { channel: "#alerts", webhookUrl: "https://hooks.slack.com/services/x" }, pagerduty: { routingKey: "key" } },
                    ruleGroups: estateRuleGroups([{ name: "api", namespace: "apps", kind: "web", replicas: { min: 2, max: 20 } }], {
                        errorRatio: 0.01,
                        latencyP95Seconds: 0.3,
                        minRequestRate: 1,
                        cpuRequestRatio: 1,
                        cpuLimitRatio: 0.9,
                        memoryRequestRatio: 1,
                        memoryLimitRatio: 0.9,
                        autoscalerMaxedMinutes: 10,
                        certificateExpiryDays: 14,
                        crashLoopRestarts: 2,
                    }),
                    grafana: { host: "grafana.example.com", ingress: platform.appIngress },
                    pushgatewayClients: [platform.namespaces.apps],
                    certManagerNamespace: platform.namespaces.certManager,
                    scrapeInterval: "15s",
                },
                { provider: cluster },
            );
            new AppService(
                "worker",
                {
                    kind: "worker",
                    namespace: platform.namespaces.apps,
                    image: "ghcr.io/acme/worker:1.0.0",
                    metricsPort: 9090,
                    replicas: { min: 1, max: 3 },
                    cpu: "100m",
                    memory: "128Mi",
                    monitoring: monitoring.appMonitoring,
                },
                { provider: cluster },
            );
            new AppService(
                "jobs",
                { kind: "worker", namespace: platform.namespaces.apps, image: "ghcr.io/acme/jobs@sha256:" + "a".repeat(64), metricsPort: 9090, replicas: { min: 1, max: 1 }, cpu: "100m", memory: "128Mi" },
                { provider: cluster },
            );
        });
        const objects = built.run.resources.filter((r) => r.type.startsWith("kubernetes:") && !NOT_OBJECTS.has(r.type));
        expect(objects.length).toBeGreaterThanOrEqual(35);
        for (const r of objects) {
            expect(() => validate(r), `${r.type} ${r.name}`).not.toThrow();
        }
    });
});

describe("the schema check itself", () => {
    it("catches what the API server would reject", async () => {
        const run = await planStack(root, { stack: "prod" });
        const deployment = run.resources.find((r) => r.name === "web-deployment")!;
        const object = plainInputs(deployment, "unwrap") as { spec: { replicas?: unknown; template: { spec: { containers: { name?: string }[] } } } };
        object.spec.replicas = "three";
        delete object.spec.template.spec.containers[0]!.name;
        expect(() => check(Deployment, object)).toThrow(/spec\/replicas must be integer.*containers\/0 must have required property name/s);

        const issuer = run.resources.find((r) => r.name === "platform-issuer-letsencrypt-prod")!;
        const acme = plainInputs(issuer, "unwrap") as { spec: { acme: { server?: unknown } } };
        delete acme.spec.acme.server;
        expect(() => check(ClusterIssuer, acme)).toThrow(/must have required property server/);
    });
});
