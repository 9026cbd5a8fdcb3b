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
