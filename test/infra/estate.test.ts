/**
 * The example stacks, wired: the cluster provider, the platform and one AppService per
 * `estate:services` entry, the apps' environment from the estate's outputs, the stack outputs.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { planStack } from "../../scripts/cli";
import { type EngineRun, type RecordedResource, fromWire, plainInputs } from "../../scripts/engine/mock-engine";

const root = path.resolve(__dirname, "../..");
const runs = new Map<string, Promise<EngineRun>>();
const plan = (stack: string, preview = false) => {
    const key = `${stack}:${preview}`;
    if (!runs.has(key)) {
        runs.set(key, planStack(root, { stack, preview }));
    }
    return runs.get(key)!;
};

// Engine payloads, typed loosely at this boundary only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inputs = (r: RecordedResource): any => plainInputs(r, "unwrap");
const named = (run: EngineRun, name: string) => {
    const found = run.resources.find((r) => r.name === name);
    expect(found, name).toBeDefined();
    return found!;
};

describe.each(["dev", "prod"])("the %s estate", (stack) => {
    it("reaches the cluster through one explicit provider named cluster, used by every Kubernetes object", async () => {
        const run = await plan(stack);
        const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        expect(providers.map((p) => p.name)).toEqual(["cluster"]);
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(objects.length).toBeGreaterThanOrEqual(30);
        for (const r of objects) {
            expect(r.provider?.startsWith(`${providers[0]!.urn}::`), r.name).toBe(true);
        }
    });

    it("creates the platform and one AppService per configured service", async () => {
        const run = await plan(stack);
        const components = run.resources.filter((r) => r.type.startsWith("estate:k8s:")).map((r) => `${r.type} ${r.name}`);
        expect(components).toEqual(["estate:k8s:Platform platform", "estate:k8s:AppService web", "estate:k8s:AppService worker"]);
    });

    it("gives every app the estate's outputs in its Secret: region, backup bucket and the data connections", async () => {
        const run = await plan(stack);
        const outputs = fromWire(run.outputs!.toJavaScript(), "unwrap") as { data: Record<string, { uri: string; tls?: boolean }> };
        for (const app of ["web", "worker"]) {
            const secret = inputs(named(run, `${app}-env`));
            expect(secret.metadata).toMatchObject({ name: `${app}-env`, namespace: "apps" });
            expect(Object.keys(secret.stringData).sort()).toEqual(["AWS_REGION", "BACKUP_BUCKET", "BACKUP_KMS_KEY_ARN", "DATABASE_URL", "MONGODB_URI", "REDIS_TLS", "REDIS_URL"]);
            expect(secret.stringData.AWS_REGION).toBe("eu-west-1");
            expect(typeof secret.stringData.BACKUP_BUCKET).toBe("string");
            expect(named(run, `${app}-env`).propertyDependencies.stringData).toContain(named(run, "backups-bucket").urn);
            // The very values the stack exports.
            expect(secret.stringData.DATABASE_URL).toBe(outputs.data.postgres!.uri);
            expect(secret.stringData.MONGODB_URI).toBe(outputs.data.mongo!.uri);
            expect(secret.stringData.REDIS_URL).toBe(outputs.data.redis!.uri);
            expect(secret.stringData.REDIS_TLS).toBe(String(outputs.data.redis!.tls));
            expect(secret.stringData.REDIS_URL.startsWith(outputs.data.redis!.tls ? "rediss://" : "redis://")).toBe(true);
            // ... and all of them secret on the way to the engine.
            expect(plainInputs(named(run, `${app}-env`)).stringData).toBe("[secret]");
        }
    });
});

describe("the apps reach their databases", () => {
    it("prod: the apps' NetworkPolicies admit the managed services' ports, to the private subnets only", async () => {
        const run = await plan("prod");
        for (const app of ["web", "worker"]) {
            const egress = inputs(named(run, `${app}-network-policy`)).spec.egress as { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[];
            const toData = egress.filter((rule) => rule.ports?.some((p) => p.port === 5432));
            expect(toData, app).toHaveLength(1);
            expect(toData[0]!.ports!.map((p) => p.port)).toEqual([5432, 27017, 6379]);
            // One block per private subnet of estate:network, each a subnet's CIDR (never the internet).
            expect(toData[0]!.to!.map((peer) => peer.ipBlock!.cidr)).toHaveLength(3);
            for (const peer of toData[0]!.to!) {
                expect(peer.ipBlock!.cidr).toMatch(/^10\.0\.\d+\.0\/24$/);
            }
        }
    });

    it("dev: the data namespace, where the in-cluster services admit the apps; no rule toward a VPC", async () => {
        const run = await plan("dev");
        const egress = inputs(named(run, "web-network-policy")).spec.egress as { to?: Record<string, unknown>[]; ports?: { port: number }[] }[];
        expect(egress.some((rule) => rule.ports?.some((p) => [5432, 27017, 6379].includes(p.port)))).toBe(false);
        expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }] });
        // ... and each in-cluster service admits exactly the apps' namespace.
        for (const policy of ["postgres-network-policy", "mongo-network-policy", "redis-haproxy-network-policy"]) {
            expect(inputs(named(run, policy)).spec.ingress[0].from, policy).toEqual([
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/part-of": "estate" } } },
            ]);
        }
    });
});

describe("profiles reach the apps", () => {
    it.each([
        ["dev", { web: [1, 2], worker: [1, 1] }, "selfsigned", "web.dev.shop.example.com"],
        ["prod", { web: [3, 10], worker: [2, 5] }, "letsencrypt-prod", "shop.example.com"],
    ] as const)("%s: autoscaling bounds, issuer and host", async (stack, bounds, issuer, host) => {
        const run = await plan(stack);
        for (const [app, [min, max]] of Object.entries(bounds)) {
            expect(inputs(named(run, `${app}-hpa`)).spec, app).toMatchObject({ minReplicas: min, maxReplicas: max });
        }
        const ingress = inputs(named(run, "web-ingress"));
        expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe(issuer);
        expect(ingress.spec.rules[0].host).toBe(host);
        expect(ingress.spec.tls[0].hosts).toEqual([host]);
    });

    it("prod creates both Let's Encrypt issuers with the stack's ACME email; dev only the local CA", async () => {
        const prod = await plan("prod");
        expect(inputs(named(prod, "platform-issuer-letsencrypt-prod")).spec.acme.email).toBe("platform@shop.example.com");
        const dev = await plan("dev");
        expect(dev.resources.some((r) => r.name.startsWith("platform-issuer-letsencrypt"))).toBe(false);
    });
});

describe("the stack outputs", () => {
    it("name the namespaces, ingress class, issuer and each app's URL and image", async () => {
        const run = await plan("prod");
        const outputs = fromWire(run.outputs!.toJavaScript()) as Record<string, unknown>;
        expect(outputs.kubernetes).toEqual({
            namespaces: { apps: "apps", data: "data", monitoring: "monitoring", certManager: "cert-manager", ingress: "ingress" },
            ingressClass: "traefik",
            clusterIssuer: "letsencrypt-prod",
        });
        expect(outputs.services).toEqual({
            web: { namespace: "apps", deployment: "web", image: "ghcr.io/acme/shop-web:1.4.2", url: "https://shop.example.com", serviceHost: "web.apps.svc.cluster.local" },
            worker: { namespace: "apps", deployment: "worker", image: "ghcr.io/acme/shop-worker:1.4.2", serviceHost: "worker.apps.svc.cluster.local" },
        });
    });

    it("keep names known in a preview of a new stack", async () => {
        const run = await plan("prod", true);
        const outputs = fromWire(run.outputs!.toJavaScript()) as { kubernetes: unknown; services: { web: { url: string } } };
        expect(outputs.kubernetes).toMatchObject({ ingressClass: "traefik", clusterIssuer: "letsencrypt-prod", namespaces: { apps: "apps" } });
        expect(outputs.services.web.url).toBe("https://shop.example.com");
    });
});

describe("the backup and restore-drill CronJobs", () => {
    const cronJobs = (run: EngineRun) => run.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob").map((r) => inputs(r).metadata.name).sort();

    it("dev: a pair per in-cluster data service in the data namespace, admitted to the databases' pods, IAM users (no IRSA)", async () => {
        const run = await plan("dev");
        expect(cronJobs(run)).toEqual(["mongo-backup", "mongo-restore-drill", "postgres-backup", "postgres-restore-drill", "redis-backup", "redis-restore-drill"]);
        for (const r of run.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob")) {
            expect(inputs(r).metadata.namespace, r.name).toBe("data");
        }
        const ingress = inputs(named(run, "redis-backup-jobs-database-ingress"));
        expect(ingress.spec.podSelector.matchLabels).toEqual({ release: "redis", app: "redis-ha-haproxy" });
        expect(inputs(named(run, "postgres-backup-jobs-database-ingress")).spec.podSelector.matchLabels).toEqual({ "cnpg.io/cluster": "postgres" });
        expect(run.resources.filter((r) => r.type === "aws:iam/user:User" && r.name.endsWith("-backup-jobs-user"))).toHaveLength(3);
        // One image for every database, built with PG_MAJOR from estate:data.postgres.version.
        const images = run.resources.filter((r) => r.type === "docker:index/image:Image" && r.name === "backup-image-image");
        expect(images).toHaveLength(1);
        expect(inputs(images[0]!).build.args).toEqual({ PG_MAJOR: "16" });
    });

    it("prod: postgres and mongo only (ElastiCache refuses redis-cli --rdb: snapshots back it up), IRSA roles, egress to the private subnets", async () => {
        const run = await plan("prod");
        expect(cronJobs(run)).toEqual(["mongo-backup", "mongo-restore-drill", "postgres-backup", "postgres-restore-drill"]);
        expect(run.resources.some((r) => r.type === "aws:iam/user:User" && r.name.endsWith("-backup-jobs-user"))).toBe(false);
        const trust = JSON.parse(inputs(named(run, "postgres-backup-jobs-role")).assumeRolePolicy);
        expect(trust.Statement[0].Condition.StringEquals["oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"]).toBe("system:serviceaccount:data:postgres-backup");
        const egress = inputs(named(run, "postgres-backup-jobs-database-egress")).spec.egress;
        expect(egress[0].to.map((t: { ipBlock: { cidr: string } }) => t.ipBlock.cidr)).toHaveLength(3);
        expect(egress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
        expect(inputs(named(run, "postgres-backup-jobs-config")).data.DRILL_SQL_CHECKS).toBe("SELECT count(*) >= 0 FROM pg_catalog.pg_tables");
    });

    it("are in the stack outputs by service, with names and schedules and no credentials", async () => {
        const run = await plan("prod");
        const outputs = fromWire(run.outputs!.toJavaScript(), "mask") as { backupJobs: { services: Record<string, Record<string, unknown>> } };
        expect(Object.keys(outputs.backupJobs.services).sort()).toEqual(["mongo", "postgres"]);
        expect(outputs.backupJobs.services.postgres).toMatchObject({ backupCronJob: "postgres-backup", backupSchedule: "0 2 * * *", drillCronJob: "postgres-restore-drill", drillSchedule: "0 5 15 * *", namespace: "data" });
        expect(JSON.stringify(outputs.backupJobs)).not.toMatch(/secret|password/i);
    });
});
