/**
 * Every Kubernetes object the estates produce, checked against the official Kubernetes OpenAPI
 * schemas (`kubernetes-models`), cert-manager's and the prometheus-operator's CRD schemas
 * (`@kubernetes-models/cert-manager`, `.../prometheus-operator`), and the CRD schemas of
 * CloudNativePG, its Barman Cloud plugin and the External Secrets Operator at their pinned tags
 * (`test/helpers/crds.ts`):
 * the object is rebuilt from the inputs the engine received (apiVersion, kind, metadata, spec, ...)
 * and validated. A kind without a packaged schema fails the test, so a new kind cannot slip through
 * unchecked, unless it is on the short list of kinds with no packaged schema at all, each with its
 * reason, whose every part that has a schema is still validated here. The PrometheusRules' groups
 * also go through `promtool check rules`.
 */
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ClusterMongo, ClusterPostgres, ClusterRedis } from "../../components/data";
import { AppService, Platform } from "../../components/k8s";
import { Monitoring, estateRuleGroups } from "../../components/observability";
import { checkRules } from "../components/observability/promtool";
import { runWithCluster } from "../components/k8s/harness";
import { type RecordedResource, plainInputs } from "../../scripts/engine/mock-engine";
import { stackNames } from "../../scripts/engine/stacks";
import { CRD_SCHEMAS, crdViolations } from "../helpers/crds";
import { plannedStack } from "../helpers/plans";

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
    "kubernetes:core/v1:ConfigMap": ConfigMap,
    "kubernetes:batch/v1:CronJob": CronJob,
    "kubernetes:batch/v1:Job": Job,
    "kubernetes:core/v1:Service": Service,
    "kubernetes:core/v1:ServiceAccount": ServiceAccount,
    "kubernetes:apps/v1:Deployment": Deployment,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": HorizontalPodAutoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": PodDisruptionBudget,
    "kubernetes:storage.k8s.io/v1:StorageClass": StorageClass,
    "kubernetes:networking.k8s.io/v1:Ingress": Ingress,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": NetworkPolicy,
    "kubernetes:cert-manager.io/v1:ClusterIssuer": ClusterIssuer,
    "kubernetes:cert-manager.io/v1:Certificate": Certificate,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": ServiceMonitor,
    "kubernetes:monitoring.coreos.com/v1:PodMonitor": PodMonitor,
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": PrometheusRule,
};

/**
 * Custom resources whose CRDs no package ships a schema for. Each says why, and validates every
 * part of the object that does have a packaged schema; the component's tests check the rest field
 * by field (named in `fieldTests`).
 */
const PARTIAL: Record<string, { reason: string; fieldTests: string; check: (object: Record<string, unknown>) => void }> = {
    "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity": {
        reason: "no package ships the MongoDB operator's CRD schemas",
        fieldTests: "test/components/data/cluster-mongo.test.ts (replica set, users, pod labels)",
        check: (object) => {
            const { metadata, spec } = object as { metadata: unknown; spec: { statefulSet: { spec: { template: { metadata: unknown }; volumeClaimTemplates: unknown[] } } } };
            checkMetadata(metadata);
            checkMetadata(spec.statefulSet.spec.template.metadata);
            for (const claim of spec.statefulSet.spec.volumeClaimTemplates) {
                check(PersistentVolumeClaim, claim);
            }
        },
    },
};

/** Kubernetes-provider resources that are not Kubernetes objects: a Helm release is Helm's record of a chart. */
const NOT_OBJECTS = new Set(["kubernetes:helm.sh/v3:Release"]);

/** Validates an ObjectMeta, through the one object that has nothing else: a ConfigMap without data. */
function checkMetadata(metadata: unknown): void {
    check(ConfigMap, { apiVersion: "v1", kind: "ConfigMap", metadata });
}

/** Validates a custom resource against its CRD's schema fixture; throws with every violation. */
function checkCrd(type: string, object: unknown): void {
    const violations = crdViolations(type, object);
    if (violations.length > 0) {
        throw new Error(violations.join("; "));
    }
}

function validate(r: RecordedResource): void {
    const Kind = MODELS[r.type];
    const partial = PARTIAL[r.type];
    if (Kind) {
        check(Kind, plainInputs(r, "unwrap"));
    } else if (CRD_SCHEMAS[r.type]) {
        checkCrd(r.type, plainInputs(r, "unwrap"));
    } else if (partial) {
        partial.check(plainInputs(r, "unwrap"));
    } else {
        throw new Error(`no packaged schema for ${r.type} (${r.name}): add its kubernetes-models class to MODELS`);
    }
}

const KNOWN_KINDS = [...Object.keys(MODELS), ...Object.keys(CRD_SCHEMAS), ...Object.keys(PARTIAL)];

/** Each stack's plan, once per process (test/helpers/plans.ts): the tests below and other files share them. */
const plan = (stack: string) => plannedStack(stack);
const kubernetesObjects = async (stack: string) => (await plan(stack)).resources.filter((r) => r.type.startsWith("kubernetes:") && !NOT_OBJECTS.has(r.type));

describe.each(stackNames(root))("the %s estate's Kubernetes objects", (stack) => {
    it("are all valid against the official schemas, custom resources included", async () => {
        const objects = await kubernetesObjects(stack);
        const failures: string[] = [];
        for (const r of objects) {
            try {
                validate(r);
            } catch (err) {
                failures.push(`${r.type} ${r.name}: ${(err as Error).message}`);
            }
        }
        expect(failures).toEqual([]);
        expect(objects.length).toBeGreaterThanOrEqual(35);
    });

    it("have PrometheusRules whose every group passes promtool check rules", async () => {
        const run = await plan(stack);
        const rules = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        expect(rules.length).toBeGreaterThanOrEqual(3);
        for (const rule of rules) {
            const { spec } = plainInputs(rule, "unwrap") as { spec: { groups: Parameters<typeof checkRules>[0] } };
            const result = checkRules(spec.groups);
            expect(result.status, `${rule.name}: ${result.output}`).toBe(0);
        }
    });
});

describe("the validators", () => {
    it("cover exactly the kinds the stacks create together: dev (data in the cluster) and prod (managed data) among them", async () => {
        const dev = new Set((await kubernetesObjects("dev")).map((r) => r.type));
        const every = new Set<string>();
        for (const stack of stackNames(root)) {
            (await kubernetesObjects(stack)).forEach((r) => every.add(r.type));
        }
        expect(every).toEqual(new Set(KNOWN_KINDS));
        // The in-cluster data kinds come from dev.
        for (const kind of ["kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "kubernetes:barmancloud.cnpg.io/v1:ObjectStore", ...Object.keys(PARTIAL)]) {
            expect(dev.has(kind), kind).toBe(true);
        }
    });

    it("list a reason and the field-level tests for every kind without a packaged schema", () => {
        for (const [kind, entry] of Object.entries(PARTIAL)) {
            expect(entry.reason, kind).toMatch(/\S/);
            expect(fs.existsSync(path.join(root, entry.fieldTests.split(" ")[0]!)), kind).toBe(true);
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
            const clients = { namespace: platform.namespaces.apps, podLabels: { "app.kubernetes.io/component": "web" } };
            new ClusterPostgres(
                "orders",
                {
                    version: "17",
                    namespace: platform.namespaces.data,
                    objectives: { rpoMinutes: 5, dailyBackupDays: 14 },
                    backup: {
                        bucketName: "estate-backups",
                        bucketArn: "arn:aws:s3:::estate-backups",
                        kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000",
                        region: "eu-west-1",
                        iamRoleArn: "arn:aws:iam::123456789012:role/cnpg-backups",
                    },
                    instances: 3,
                    storageGb: 50,
                    storageClass: "gp3",
                    database: "orders",
                    user: "orders",
                    clients,
                    operatorNamespace: "postgres-operator",
                    podSecurityVersion: "v1.33",
                    requires: [platform.certManager],
                    protectData: false,
                },
                { provider: cluster },
            );
            new ClusterMongo(
                "events",
                { version: "5.0", namespace: platform.namespaces.data, instances: 3, storageGb: 20, storageClass: "gp3", database: "events", user: "events", clients, protectData: false },
                { provider: cluster },
            );
            new ClusterRedis("cache", { version: "7.0", namespace: platform.namespaces.data, nodes: 3, storageGb: 4, storageClass: "gp3", clients, protectData: false }, { provider: cluster });
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
        const run = await plan("prod");
        const deployment = run.resources.find((r) => r.name === "web-deployment")!;
        const object = plainInputs(deployment, "unwrap") as { spec: { replicas?: unknown; template: { spec: { containers: { name?: string }[] } } } };
        object.spec.replicas = "three";
        delete object.spec.template.spec.containers[0]!.name;
        expect(() => check(Deployment, object)).toThrow(/spec\/replicas must be integer.*containers\/0 must have required property name/s);

        const issuer = run.resources.find((r) => r.name === "platform-issuer-letsencrypt-prod")!;
        const acme = plainInputs(issuer, "unwrap") as { spec: { acme: { server?: unknown } } };
        delete acme.spec.acme.server;
        expect(() => check(ClusterIssuer, acme)).toThrow(/must have required property server/);

        const postgres = (await plan("dev")).resources.find((r) => r.name === "postgres-cluster")!;
        const cluster = plainInputs(postgres, "unwrap") as { spec: { instances: unknown } };
        cluster.spec.instances = "one";
        expect(() => checkCrd(postgres.type, cluster)).toThrow(/spec\/instances must be integer/);
        // What the CRD's own schema leaves open, the fixture check adds as the API server does: the
        // apiVersion and kind of the type, an ObjectMeta, and the fields' formats (int32 here).
        const intact = () => plainInputs(postgres, "unwrap") as { kind: string; metadata: { labels?: unknown }; spec: { stopDelay?: unknown } };
        expect(() => checkCrd(postgres.type, intact())).not.toThrow();
        expect(() => checkCrd(postgres.type, { ...intact(), kind: "ScheduledBackup" })).toThrow(/\/kind must be equal to constant/);
        expect(() => checkCrd(postgres.type, { ...intact(), metadata: { ...intact().metadata, labels: { tier: 1 } } })).toThrow(/\/metadata .*labels\/tier must be string/);
        expect(() => checkCrd(postgres.type, { ...intact(), spec: { ...intact().spec, stopDelay: 2 ** 40 } })).toThrow(/spec\/stopDelay must match format "int32"/);
        const store = (await plan("dev")).resources.find((r) => r.name === "postgres-object-store")!;
        const broken = plainInputs(store, "unwrap") as { spec: { configuration: { destinationPath?: unknown } } };
        delete broken.spec.configuration.destinationPath;
        expect(() => checkCrd(store.type, broken)).toThrow(/spec\/configuration must have required property 'destinationPath'/);
    });
});
