import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ConfigError, parseEstateConfig, type ParseContext, type RawConfig } from "../../infra/config";
import { loadStackConfig } from "../../scripts/engine/stack-config";

const root = path.resolve(__dirname, "../..");
const ctx = { project: "estate", stack: "test" };

/** A minimal valid dev config, to which each case adds or changes one thing. */
function devConfig(extra: Record<string, unknown> = {}): RawConfig {
    const raw: RawConfig = { "aws:region": "eu-west-1", "estate:profile": "dev", "estate:domain": "example.com" };
    for (const [k, v] of Object.entries(extra)) {
        raw[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return raw;
}

/** An `estate:network` that managed data services can live in. */
const NETWORK = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    privateSubnetIds: ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b02"],
    allowedSecurityGroupIds: ["sg-0a1b2c3d4e5f60d04"],
};

/** An `estate:cluster` the config accepts: the role that runs `pulumi up` is a cluster admin. */
const CLUSTER = { adminRoleArns: ["arn:aws:iam::123456789012:role/estate-deployer"] };

function problems(raw: RawConfig): string[] {
    try {
        parseEstateConfig(raw, ctx);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => `${i.key} ${i.message}`);
    }
    throw new Error("expected a ConfigError");
}

describe("the example stacks", () => {
    it("dev parses to the dev profile with its objectives, services and in-cluster data", () => {
        const { config, project } = loadStackConfig(root, "dev");
        const spec = parseEstateConfig(config, { project, stack: "dev" });
        expect(spec.profile).toBe("dev");
        expect(spec.region).toBe("eu-west-1");
        expect(spec.protectData).toBe(false);
        expect(spec.dr.retention).toEqual({ dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 });
        expect(spec.backup).toEqual({
            bucketName: undefined,
            objectLock: undefined,
            replication: false,
            accessLogging: false,
            plan: { vaultLock: undefined, restoreTesting: {} },
            jobs: {
                enabled: true,
                backupSchedule: "0 2 * * *",
                drillSchedule: "0 5 15 * *",
                image: undefined,
                drillSqlChecks: [],
                pushgatewayUrl: undefined,
                irsa: undefined,
            },
        });
        expect(Object.keys(spec.services)).toEqual(["web", "worker"]);
        expect(spec.services.web).toMatchObject({ kind: "web", port: 8080, host: "web.dev.shop.example.com", replicas: { min: 1, max: 2 } });
        expect(spec.services.worker).toMatchObject({ kind: "worker", host: undefined, replicas: { min: 1, max: 1 } });
        expect(spec.data.postgres?.placement).toBe("cluster");
        expect(spec.tags).toMatchObject({ team: "platform", "estate:stack": "dev", "estate:profile": "dev", "managed-by": "pulumi" });
        expect(spec.services.worker).toMatchObject({ metricsPort: 9090, image: "ghcr.io/acme/shop-worker:1.4.2" });
        // The apps follow the estate's metrics convention unless they say otherwise.
        expect(spec.services.web!.httpMetrics).toBe(true);
        expect(spec.kubernetes).toEqual({ context: "kind-estate", kubeconfig: undefined });
        expect(spec.platform).toEqual({ issuer: "selfsigned", replicas: 1 });
    });

    it("prod parses with the 30 days / 12 weeks / 12 months / 7 years tiers, object lock, replication and protection", () => {
        const { config, project } = loadStackConfig(root, "prod");
        const spec = parseEstateConfig(config, { project, stack: "prod" });
        expect(spec.profile).toBe("prod");
        expect(spec.protectData).toBe(true);
        expect(spec.dr).toEqual({
            rpoMinutes: 15,
            rtoMinutes: 60,
            drRegion: "eu-central-1",
            retention: { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 },
        });
        expect(spec.backup).toMatchObject({ objectLock: { mode: "GOVERNANCE", days: 30 }, replication: true, accessLogging: true });
        expect(spec.backup.plan).toEqual({
            copyToAccount: { vaultArn: "arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-prod-copies" },
            vaultLock: { changeableForDays: 7 },
            restoreTesting: { schedule: "cron(0 8 15 * ? *)" },
        });
        expect(spec.backup.keyGuard).toEqual({
            breakGlassRoleArn: "arn:aws:iam::123456789012:role/estate-break-glass",
            deployerRoleArns: ["arn:aws:iam::123456789012:role/estate-deployer"],
        });
        // IRSA comes from the cluster the stack builds (infra/cluster.ts), not from a typed ARN.
        expect(spec.backup.jobs).toMatchObject({ enabled: true, irsa: undefined });
        expect(spec.backup.jobs.drillSqlChecks).toHaveLength(1);
        expect(spec.services.web).toMatchObject({ host: "shop.example.com", replicas: { min: 3, max: 10 }, cpu: "500m", memory: "1Gi" });
        expect(spec.services.worker).toMatchObject({ replicas: { min: 2, max: 5 }, cpu: "250m" });
        expect(spec.data.postgres?.placement).toBe("managed");
        expect(spec.platform).toEqual({ issuer: "letsencrypt-prod", acmeEmail: "platform@shop.example.com", replicas: 2 });
        expect(spec.cluster?.name).toBe("shop-prod");
    });
});

describe("profiles", () => {
    it("the profile is chosen by estate:profile, not by the stack's name", () => {
        const spec = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:backup": { replication: false }, "estate:platform": { acmeEmail: "ops@example.com" } }), {
            project: "estate",
            stack: "alice-staging",
        });
        expect(spec.profile).toBe("prod");
        expect(spec.protectData).toBe(true);
        expect(spec.dr.retention.yearlyYears).toBe(7);
        expect(spec.tags["estate:stack"]).toBe("alice-staging");
    });

    it("stack config overrides a profile default key by key, keeping the rest", () => {
        const spec = parseEstateConfig(devConfig({ "estate:dr": { retention: { dailyDays: 14 } } }), ctx);
        expect(spec.dr.retention).toEqual({ dailyDays: 14, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 });
        expect(spec.dr.rpoMinutes).toBe(1440);
    });

    it("an explicit opt-out of protection in a prod stack is honoured (and visible to the policy pack)", () => {
        const spec = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:protectData": "false", "estate:backup": { replication: false }, "estate:platform": { acmeEmail: "ops@example.com" } }), ctx);
        expect(spec.protectData).toBe(false);
    });
});

describe("invalid config: every problem, with its key path and what is allowed", () => {
    it("names a wrongly typed retention value", () => {
        expect(problems(devConfig({ "estate:dr": { retention: { dailyDays: "thirty" } } }))).toEqual([
            'estate:dr.retention.dailyDays must be an integer from 1 to 3650 (got "thirty")',
        ]);
    });

    it("refuses out-of-range and non-integer numbers", () => {
        expect(problems(devConfig({ "estate:dr": { rpoMinutes: 0, rtoMinutes: 1.5 } }))).toEqual([
            "estate:dr.rpoMinutes must be an integer from 1 to 10080 (got 0)",
            "estate:dr.rtoMinutes must be an integer from 1 to 10080 (got 1.5)",
        ]);
    });

    it("rejects an unknown top-level key with the nearest known key", () => {
        expect(problems(devConfig({ "estate:backups": { replication: false } }))).toEqual([
            "estate:backups is not a known key; did you mean estate:backup? (known here: profile, domain, protectData, tags, dr, backup, services, data, cluster, network, kubernetes, platform, monitoring, alerting, grafana, sentry)",
        ]);
    });

    it("rejects an unknown nested key with the nearest known key", () => {
        expect(problems(devConfig({ "estate:dr": { retention: { dailyDay: 3 } } }))).toEqual([
            "estate:dr.retention.dailyDay is not a known key; did you mean estate:dr.retention.dailyDays? (known here: dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)",
        ]);
    });

    it("offers no suggestion when nothing is close", () => {
        expect(problems(devConfig({ "estate:frobnicate": "1" }))[0]).toBe(
            "estate:frobnicate is not a known key (known here: profile, domain, protectData, tags, dr, backup, services, data, cluster, network, kubernetes, platform, monitoring, alerting, grafana, sentry)",
        );
    });

    it("requires a known profile, and the region", () => {
        const raw = devConfig({ "estate:profile": "staging" });
        delete raw["aws:region"];
        expect(problems(raw)).toEqual(["aws:region is required (an AWS region such as eu-west-1)", 'estate:profile must be one of dev, prod (got "staging")']);
        const noProfile = devConfig();
        delete noProfile["estate:profile"];
        expect(problems(noProfile)).toEqual(["estate:profile is required (one of dev, prod)"]);
    });

    it("reports all problems together", () => {
        const found = problems(
            devConfig({
                "estate:domain": "Not A Domain",
                "estate:backup": { objectLock: { mode: "LOCKED", days: 1 } },
                "estate:services": { web: { kind: "web", image: "nginx:latest", replicas: { min: 5, max: 2 } } },
            }),
        );
        expect(found).toEqual([
            'estate:domain must be a lower-case DNS name such as example.com (got "Not A Domain")',
            'estate:backup.objectLock must be false or { mode: GOVERNANCE | COMPLIANCE, days } (got {"mode":"LOCKED","days":1})',
            'estate:services.web.image must be an image with a pinned tag or digest (not latest, not untagged), such as ghcr.io/acme/web:1.4.2 (got "nginx:latest")',
            'estate:services.web.replicas must have min <= max (got {"min":5,"max":2})',
        ]);
    });

    it("takes httpMetrics per app (default true: the app exports its own RED metrics) and refuses a non-boolean", () => {
        const opted = parseEstateConfig(devConfig({ "estate:services": { api: { kind: "web", image: "ghcr.io/acme/api:1.0", port: 8080, httpMetrics: false } } }), ctx);
        expect(opted.services.api!.httpMetrics).toBe(false);
        const defaulted = parseEstateConfig(devConfig({ "estate:services": { api: { kind: "web", image: "ghcr.io/acme/api:1.0", port: 8080 } } }), ctx);
        expect(defaulted.services.api!.httpMetrics).toBe(true);
        expect(problems(devConfig({ "estate:services": { api: { kind: "web", image: "ghcr.io/acme/api:1.0", port: 8080, httpMetrics: "yes" } } }))).toEqual([
            'estate:services.api.httpMetrics must be true or false (got "yes")',
        ]);
        expect(problems(devConfig({ "estate:services": { jobs: { kind: "worker", image: "ghcr.io/acme/jobs:1.0", metricsPort: 9090, httpMetrics: true } } }))).toEqual([
            "estate:services.jobs.httpMetrics applies to web services only: a worker gets no request (RED) rules, from the edge or from itself",
        ]);
    });

    it("refuses untagged images and accepts digests", () => {
        expect(problems(devConfig({ "estate:services": { api: { kind: "worker", image: "ghcr.io/acme/api", metricsPort: 9090 } } }))[0]).toMatch(
            /^estate:services\.api\.image must be an image with a pinned tag or digest/,
        );
        const digest = `ghcr.io/acme/api@sha256:${"a".repeat(64)}`;
        const spec = parseEstateConfig(devConfig({ "estate:services": { api: { kind: "worker", image: digest, metricsPort: 9090 } } }), ctx);
        expect(spec.services.api!.image).toBe(digest);
    });

    it("names an invalid service name", () => {
        expect(problems(devConfig({ "estate:services": { Web_1: { kind: "worker", image: "a/b:1", metricsPort: 9090 } } }))).toEqual([
            'estate:services.Web_1 is not a valid name: must be a lower-case DNS label (got "Web_1")',
        ]);
    });

    it("requires a port on web services", () => {
        expect(problems(devConfig({ "estate:services": { web: { kind: "web", image: "a/b:1" } } }))).toEqual([
            "estate:services.web.port is required for web services (an integer from 1 to 65535)",
        ]);
    });

    it("requires a DR region for replication, different from the primary region", () => {
        expect(problems(devConfig({ "estate:backup": { replication: true } }))).toEqual([
            "estate:backup.replication requires estate:dr.drRegion (a second AWS region), or set estate:backup.replication to false",
        ]);
        expect(problems(devConfig({ "estate:dr": { drRegion: "eu-west-1" } }))).toEqual([
            'estate:dr.drRegion must differ from aws:region (both are "eu-west-1")',
        ]);
    });

    it("a prod stack without a DR region must opt out of replication explicitly", () => {
        expect(problems(devConfig({ "estate:profile": "prod", "estate:platform": { acmeEmail: "ops@example.com" } }))).toEqual([
            "estate:backup.replication requires estate:dr.drRegion (a second AWS region), or set estate:backup.replication to false",
        ]);
    });

    it("names a wrongly typed boolean", () => {
        expect(problems(devConfig({ "estate:protectData": "yes" }))).toEqual(['estate:protectData must be true or false (got "yes")']);
    });
});

describe("data services, network and cluster access", () => {
    const managedData = { postgres: { placement: "managed", version: "16" }, redis: { placement: "managed", version: "7.1" } };

    it("the prod example places every data service on AWS in its network, with the profile's counts where unset", () => {
        const { config, project } = loadStackConfig(root, "prod");
        const spec = parseEstateConfig(config, { project, stack: "prod" });
        // The stack builds its VPC and cluster: the network and the cluster access are derived, not typed.
        expect(spec.network).toBeUndefined();
        expect(spec.cluster).toMatchObject({ name: "shop-prod", zones: 3, natGateways: "perZone", publicAccessCidrs: ["203.0.113.0/24"] });
        expect(spec.data.postgres).toMatchObject({ placement: "managed", version: "16", instances: 2, storageGb: 100 });
        expect(spec.data.mongo).toMatchObject({ placement: "managed", instances: 2 });
        expect(spec.data.redis).toMatchObject({ placement: "managed", nodes: 2 });
        expect(spec.kubernetes).toEqual({ context: undefined, kubeconfig: undefined });
    });

    it("the dev example runs one of each in the cluster", () => {
        const { config, project } = loadStackConfig(root, "dev");
        const spec = parseEstateConfig(config, { project, stack: "dev" });
        expect(spec.network).toBeUndefined();
        expect(spec.data.postgres).toMatchObject({ placement: "cluster", instances: 1 });
        expect(spec.data.mongo).toMatchObject({ placement: "cluster", instances: 1 });
        expect(spec.data.redis).toMatchObject({ placement: "cluster", nodes: 1 });
    });

    it("prod defaults survive an instance loss: 2 Postgres instances, 3-member replica set, 3 Redis nodes", () => {
        const spec = parseEstateConfig(
            devConfig({
                "estate:profile": "prod",
                "estate:backup": { replication: false },
                // prod's issuer is Let's Encrypt, which needs an ACME account email.
                "estate:platform": { acmeEmail: "ops@example.com" },
                "estate:network": NETWORK,
                // In-cluster MongoDB has only a daily dump: prod's 15-minute RPO would be infeasible with it.
                "estate:dr": { rpoMinutes: 1440 },
                "estate:data": { postgres: { placement: "managed", version: "16" }, mongo: { placement: "cluster", version: "8.0" }, redis: { placement: "cluster", version: "7.1" } },
            }),
            ctx,
        );
        expect([spec.data.postgres?.instances, spec.data.mongo?.instances, spec.data.redis?.nodes]).toEqual([2, 3, 3]);
    });

    it("takes the cluster's context and a kubeconfig", async () => {
        const spec = parseEstateConfig(devConfig({ "estate:kubernetes": { context: "kind-estate", kubeconfig: "apiVersion: v1" } }), { ...ctx, secretKeys: ["estate:kubernetes"] });
        expect(spec.kubernetes.context).toBe("kind-estate");
        // The kubeconfig is a secret, and stays one (see "refuses a kubeconfig that is not a secret").
        expect(await pulumi.isSecret(spec.kubernetes.kubeconfig!)).toBe(true);
        expect(await new Promise((resolve) => spec.kubernetes.kubeconfig!.apply(resolve))).toBe("apiVersion: v1");
        expect(problems(devConfig({ "estate:kubernetes": { contxt: "kind" } }))).toEqual([
            "estate:kubernetes.contxt is not a known key; did you mean estate:kubernetes.context? (known here: context, kubeconfig)",
        ]);
    });

    it("a managed service without estate:network names the key, the services and what is needed", () => {
        expect(problems(devConfig({ "estate:data": managedData }))).toEqual([
            "estate:network is required when a data service is managed (estate:data.postgres.placement, estate:data.redis.placement): " +
                "an object with vpcId, privateSubnetIds and allowedSecurityGroupIds and/or allowedCidrBlocks; or set estate:cluster and the estate builds the VPC",
        ]);
    });

    it("estate:cluster builds the VPC: a managed service needs no estate:network, and the profile picks the NAT gateways", () => {
        const dev = parseEstateConfig(devConfig({ "estate:cluster": CLUSTER, "estate:data": managedData }), ctx);
        expect(dev.network).toBeUndefined();
        expect(dev.cluster).toEqual({ name: "estate-test", version: undefined, vpcCidr: "10.0.0.0/16", zones: 3, natGateways: "single", publicAccessCidrs: [], adminRoleArns: CLUSTER.adminRoleArns, viewerRoleArns: [], flowLogRetentionDays: undefined, nodes: {} });
        const prod = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:platform": { acmeEmail: "ops@example.com" }, "estate:backup": { replication: false }, "estate:cluster": { ...CLUSTER, name: "shop-prod", version: 1.35, zones: 2 } }), ctx);
        expect(prod.cluster).toMatchObject({ name: "shop-prod", version: "1.35", zones: 2, natGateways: "perZone" });
        // Opt-in: a stack without the key builds no cluster, whatever its profile.
        expect(parseEstateConfig(devConfig(), ctx).cluster).toBeUndefined();
    });

    it("estate:cluster needs an admin role: the role that runs pulumi up gets no implicit access", () => {
        expect(problems(devConfig({ "estate:cluster": { adminRoleArns: [] } }))).toEqual([
            "estate:cluster.adminRoleArns is required when the estate builds the cluster: at least the IAM role that runs `pulumi up` (the same run creates the Kubernetes objects, " +
                "and the cluster's creator gets no implicit access), such as arn:aws:iam::123456789012:role/estate-deployer",
        ]);
    });

    it("estate:cluster refuses the keys that describe an existing VPC and cluster, naming each", () => {
        expect(
            problems(
                devConfig({
                    "estate:cluster": CLUSTER,
                    "estate:network": NETWORK,
                    "estate:kubernetes": { context: "kind-estate" },
                    "estate:backup": { jobs: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } },
                }),
            ),
        ).toEqual([
            "estate:network must be unset when estate:cluster is set: the managed data services go into the VPC the estate builds (its private subnets, admitting the nodes' security group)",
            "estate:kubernetes.context must be unset when estate:cluster is set: the Kubernetes provider is built from the cluster the estate creates",
            "estate:backup.jobs.oidcProviderArn must be unset when estate:cluster is set: IRSA uses the OIDC provider of the cluster the estate creates",
        ]);
    });

    it("estate:cluster refuses a public VPC block, an open API endpoint and a bad node setting, saying what is allowed", () => {
        expect(
            problems(
                devConfig({
                    "estate:cluster": { ...CLUSTER, vpcCidr: "8.8.0.0/16", flowLogRetentionDays: 100, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"], zones: 4, natGateways: "none", nodes: { amiType: "AL2_x86_64", diskGb: 8 } },
                }),
            ),
        ).toEqual([
            "estate:cluster.vpcCidr must lie in an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), as AWS recommends for a VPC (got \"8.8.0.0/16\")",
            "estate:cluster.zones must be an integer from 2 to 3 (got 4)",
            'estate:cluster.natGateways must be one of perZone, single (got "none")',
            "estate:cluster.publicAccessCidrs[1] must be an IPv4 CIDR block such as 203.0.113.0/24 (never 0.0.0.0/0: the API would be open to the internet) (got \"0.0.0.0/0\")",
            "estate:cluster.flowLogRetentionDays must be one of the retention periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (got 100)",
            'estate:cluster.nodes.amiType must be one of AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, BOTTLEROCKET_x86_64, BOTTLEROCKET_ARM_64 (got "AL2_x86_64")',
            "estate:cluster.nodes.diskGb must be an integer from 20 to 16384 (got 8)",
        ]);
    });

    it("estate:cluster's nodes must let every autoscaler reach its maximum, fit the largest pod, and match the AMI's architecture", () => {
        const web = { kind: "web", image: "ghcr.io/acme/web:1.0.0", port: 8080, replicas: { min: 2, max: 40 }, cpu: "500m", memory: "1Gi" };
        const [problem] = problems(devConfig({ "estate:cluster": { ...CLUSTER, nodes: { maxPerZone: 2 } }, "estate:services": { web } }));
        // 40 × 500m + Prometheus + the controllers: more than 6 m7i.large nodes hold.
        expect(problem).toMatch(/^estate:cluster\.nodes\.maxPerZone must let the apps' autoscalers reach their maximums: they request \d+m CPU, \d+Mi and \d+ pods .* which takes (\d+) m7i\.large nodes, so at least \d+ per zone across 3 zones \(got 2\); or leave it unset to derive it$/);
        const needed = Number(/takes (\d+) /.exec(problem!)![1]);
        expect(needed).toBeGreaterThan(6);
        // Exactly enough passes; unset, it is derived.
        expect(() => parseEstateConfig(devConfig({ "estate:cluster": { ...CLUSTER, nodes: { maxPerZone: Math.ceil(needed / 3) } }, "estate:services": { web } }), ctx)).not.toThrow();
        expect(() => parseEstateConfig(devConfig({ "estate:cluster": CLUSTER, "estate:services": { web } }), ctx)).not.toThrow();
        expect(problems(devConfig({ "estate:cluster": CLUSTER, "estate:services": { web: { ...web, cpu: "4" } } }))).toEqual([
            "estate:cluster.nodes.instanceType m7i.large leaves 1630m CPU and 6503Mi for pods, but a pod of estate:services.web requests 4 and 1Gi: it would never be scheduled (choose a larger type, or lower the app's requests)",
        ]);
        expect(problems(devConfig({ "estate:cluster": { ...CLUSTER, nodes: { instanceType: "m7g.large" } } }))).toEqual([
            "estate:cluster.nodes.instanceType is an arm64 type, but estate:cluster.nodes.amiType AL2023_x86_64_STANDARD is for the other architecture (use an _ARM_64 AMI type)",
        ]);
        expect(problems(devConfig({ "estate:cluster": { ...CLUSTER, nodes: { instanceType: "t2.micro", minPerZone: 3, maxPerZone: 2 } } }))[0]).toMatch(/^estate:cluster\.nodes\.instanceType must be one of m6i\.large, /);
        expect(problems(devConfig({ "estate:cluster": { ...CLUSTER, nodes: { minPerZone: 9, maxPerZone: 8 } } }))).toEqual(["estate:cluster.nodes.minPerZone must not exceed estate:cluster.nodes.maxPerZone (9 > 8)"]);
    });

    it("a migration needs a database to dump and the backup jobs that dump it", () => {
        const web = { kind: "web", image: "ghcr.io/acme/web:1.0.0", port: 8080, migrate: ["node", "dist/migrate.js"] };
        expect(problems(devConfig({ "estate:services": { web } }))).toEqual([
            "estate:services.web.migrate needs a fresh dump of the app's databases before it runs, but there is no database to migrate (estate:data.postgres or estate:data.mongo)",
        ]);
        const postgres = { postgres: { placement: "cluster", version: "16" } };
        expect(problems(devConfig({ "estate:services": { web }, "estate:data": postgres, "estate:backup": { jobs: { enabled: false } } }))).toEqual([
            "estate:services.web.migrate needs a fresh dump of the app's databases before it runs, but estate:backup.jobs.enabled is false, so no dump can be taken before it",
        ]);
        expect(parseEstateConfig(devConfig({ "estate:services": { web }, "estate:data": postgres }), ctx).services.web!.migrate).toEqual(["node", "dist/migrate.js"]);
        expect(problems(devConfig({ "estate:services": { web: { ...web, migrate: [] } }, "estate:data": postgres }))).toEqual([
            "estate:services.web.migrate must be a command as a list of strings, such as [node, dist/migrate.js] (got [])",
        ]);
    });

    it("never admits 0.0.0.0/0, nor anything wider than a /8", () => {
        expect(problems(devConfig({ "estate:network": { ...NETWORK, allowedCidrBlocks: ["10.0.0.0/16", "0.0.0.0/0", "10.0.0.0/4", "10.0.0.300/16"] } }))).toEqual([
            'estate:network.allowedCidrBlocks[1] must not be a /0 such as 0.0.0.0/0: a data service is never open to the internet (got "0.0.0.0/0")',
            'estate:network.allowedCidrBlocks[2] must be a /8 or narrower: a data service admits only networks of the estate (got "10.0.0.0/4")',
            'estate:network.allowedCidrBlocks[3] must be an IPv4 CIDR block such as 10.0.0.0/16 (got "10.0.0.300/16")',
        ]);
    });

    it("requires a VPC id, two private subnets and at least one allowed source", () => {
        expect(problems(devConfig({ "estate:network": { vpcId: "my-vpc", privateSubnetIds: ["subnet-0a1b2c3d4e5f60a01"], allowedCidrBlocks: ["10.0.0.0/16"] } }))).toEqual([
            'estate:network.vpcId must be an id such as vpc-0123456789abcdef0 (got "my-vpc")',
            'estate:network.privateSubnetIds must be a list of at least 2 private subnet ids (in different availability zones) (got ["subnet-0a1b2c3d4e5f60a01"])',
        ]);
        const noSource = { vpcId: NETWORK.vpcId, privateSubnetIds: NETWORK.privateSubnetIds, allowedSecurityGroupIds: [] };
        expect(problems(devConfig({ "estate:network": noSource }))).toEqual([
            `estate:network must allow at least one source: allowedSecurityGroupIds or allowedCidrBlocks (nothing could connect otherwise) (got ${JSON.stringify(noSource)})`,
        ]);
    });

    it("refuses settings of the other placement", () => {
        const data = {
            postgres: { placement: "cluster", version: "16", engine: "aurora", instanceClass: "db.r6g.large" },
            mongo: { placement: "managed", version: "5.0", storageGb: 10 },
            redis: { placement: "cluster", version: "7.1", nodeType: "cache.t4g.small" },
        };
        expect(problems(devConfig({ "estate:network": NETWORK, "estate:data": data }))).toEqual([
            "estate:data.postgres.engine applies only to placement managed (estate:data.postgres.placement is cluster)",
            "estate:data.postgres.instanceClass applies only to placement managed (estate:data.postgres.placement is cluster)",
            "estate:data.mongo.storageGb applies only to placement cluster (estate:data.mongo.placement is managed)",
            "estate:data.redis.nodeType applies only to placement managed (estate:data.redis.placement is cluster)",
        ]);
        const irsa = { postgres: { placement: "managed", version: "16", backupRoleArn: "arn:aws:iam::123456789012:role/cnpg" } };
        expect(problems(devConfig({ "estate:network": NETWORK, "estate:data": irsa }))).toEqual([
            "estate:data.postgres.backupRoleArn applies only to placement cluster (estate:data.postgres.placement is managed)",
        ]);
    });

    it("an RDS instance has 1 or 2 instances; Aurora has no storage size; autoscaling reaches above the start", () => {
        const check = (postgres: Record<string, unknown>) => problems(devConfig({ "estate:network": NETWORK, "estate:data": { postgres: { placement: "managed", version: "16", ...postgres } } }));
        expect(check({ instances: 3 })).toEqual([
            "estate:data.postgres.instances must be 1 or 2 with engine rds (2 = Multi-AZ with a standby); set estate:data.postgres.engine to aurora for readers (got 3)",
        ]);
        expect(check({ engine: "aurora", storageGb: 100 })).toEqual(["estate:data.postgres.storageGb applies only to engine rds (Aurora storage grows by itself)"]);
        expect(check({ storageGb: 200, maxStorageGb: 100 })).toEqual([
            "estate:data.postgres.maxStorageGb must be at least estate:data.postgres.storageGb (200) for storage autoscaling (got 100)",
        ]);
        expect(parseEstateConfig(devConfig({ "estate:network": NETWORK, "estate:data": { postgres: { placement: "managed", version: "16", engine: "aurora", instances: 3 } } }), ctx).data.postgres).toMatchObject({
            engine: "aurora",
            instances: 3,
        });
    });

    it("takes the identifier of an existing managed database (so its log groups match it), well-formed and managed only", () => {
        const managed = (identifier: string) => ({ "estate:network": NETWORK, "estate:data": { postgres: { placement: "managed", version: "16", identifier }, mongo: { placement: "managed", version: "5.0", identifier } } });
        const spec = parseEstateConfig(devConfig(managed("orders-db-0c5f1e2")), ctx);
        expect([spec.data.postgres?.identifier, spec.data.mongo?.identifier]).toEqual(["orders-db-0c5f1e2", "orders-db-0c5f1e2"]);
        const description = "an RDS/DocumentDB identifier such as postgres-db-0c5f1e2a: a lower-case letter, then letters, digits or single hyphens, at most 63";
        expect(problems(devConfig(managed("Orders--DB")))).toEqual([
            `estate:data.postgres.identifier must be ${description} (got "Orders--DB")`,
            `estate:data.mongo.identifier must be ${description} (got "Orders--DB")`,
        ]);
        expect(problems(devConfig({ "estate:data": { postgres: { placement: "cluster", version: "16", identifier: "orders-db" } } }))).toEqual([
            "estate:data.postgres.identifier applies only to placement managed (estate:data.postgres.placement is cluster)",
        ]);
    });

    it("MongoDB 4.0 runs only as DocumentDB", () => {
        expect(problems(devConfig({ "estate:data": { mongo: { placement: "cluster", version: "4.0" } } }))).toEqual([
            'estate:data.mongo.version must be 5.0 or 8.0 with placement cluster: MongoDB 4.0 has no supported release to run in the cluster (got "4.0")',
        ]);
    });

    it("names a malformed IRSA role", () => {
        expect(problems(devConfig({ "estate:data": { postgres: { placement: "cluster", version: "16", backupRoleArn: "cnpg-role" } } }))).toEqual([
            'estate:data.postgres.backupRoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cnpg-backups (got "cnpg-role")',
        ]);
    });
});

describe("AWS Backup settings (estate:backup.plan)", () => {
    it("default to a vault lock with a 7-day cooling-off in prod, none in dev, and monthly restore testing in both", () => {
        const prod = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:backup": { replication: false }, "estate:platform": { acmeEmail: "ops@example.com" } }), ctx);
        expect(prod.backup.plan).toEqual({ vaultLock: { changeableForDays: 7 }, restoreTesting: {} });
        expect(parseEstateConfig(devConfig(), ctx).backup.plan).toEqual({ vaultLock: undefined, restoreTesting: {} });
    });

    it("turn off with false, and take a cooling-off, a restore testing schedule and start window", () => {
        const off = parseEstateConfig(devConfig({ "estate:backup": { plan: { vaultLock: false, restoreTesting: false } } }), ctx);
        expect(off.backup.plan).toEqual({ vaultLock: undefined, restoreTesting: undefined });
        const on = parseEstateConfig(
            devConfig({ "estate:backup": { plan: { vaultLock: { changeableForDays: 30 }, restoreTesting: { schedule: "cron(0 6 ? * MON *)", startWindowHours: 4 } } } }),
            ctx,
        );
        expect(on.backup.plan).toEqual({ vaultLock: { changeableForDays: 30 }, restoreTesting: { schedule: "cron(0 6 ? * MON *)", startWindowHours: 4 } });
    });

    it("refuse a cooling-off shorter than AWS's 3 days, a bad schedule and unknown keys", () => {
        expect(problems(devConfig({ "estate:backup": { plan: { vaultLock: { changeableForDays: 2 } } } }))).toEqual([
            "estate:backup.plan.vaultLock.changeableForDays must be an integer from 3 to 36500 (got 2)",
        ]);
        expect(problems(devConfig({ "estate:backup": { plan: { restoreTesting: { schedule: "0 8 15 * *" } } } }))).toEqual([
            "estate:backup.plan.restoreTesting.schedule must be an AWS cron expression such as cron(0 8 15 * ? *): minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 1-7 (1 is Sunday), year 1970-2199, ? in exactly one day field, UTC; " +
                'this one is not of the form cron(minute hour day-of-month month day-of-week year) (got "0 8 15 * *")',
        ]);
        expect(problems(devConfig({ "estate:backup": { plan: { vaultLocks: false } } }))).toEqual([
            "estate:backup.plan.vaultLocks is not a known key; did you mean estate:backup.plan.vaultLock? (known here: copyToAccount, vaultLock, restoreTesting)",
        ]);
    });

    it("refuse a vault lock on an unprotected stack that has a managed database (the vault could never be deleted)", () => {
        const managed = { postgres: { placement: "managed", version: "16" } };
        expect(problems(devConfig({ "estate:network": NETWORK, "estate:data": managed, "estate:backup": { plan: { vaultLock: { changeableForDays: 3 } } } }))).toEqual([
            "estate:backup.plan.vaultLock requires estate:protectData true: after its cooling-off a locked vault and its recovery points can " +
                "never be deleted, so the stack must not try to; set estate:backup.plan.vaultLock to false for a throwaway stack",
        ]);
        // Without a managed database there is no vault: nothing to refuse.
        expect(() => parseEstateConfig(devConfig({ "estate:backup": { plan: { vaultLock: { changeableForDays: 3 } } } }), ctx)).not.toThrow();
    });
});

describe("backups that survive a compromised account (estate:backup.breakGlassRoleArn, deployerRoleArns, plan.copyToAccount)", () => {
    const BREAK_GLASS = "arn:aws:iam::123456789012:role/estate-break-glass";
    const DEPLOYER = "arn:aws:iam::123456789012:role/estate-deployer";
    const COPIES = "arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies";
    const prodLike = (backup: Record<string, unknown>) =>
        devConfig({ "estate:profile": "prod", "estate:backup": { replication: false, ...backup }, "estate:platform": { acmeEmail: "ops@example.com" } });

    it("take a break-glass role with the deployer roles, and a backup account's vault", () => {
        const spec = parseEstateConfig(prodLike({ breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: [DEPLOYER], plan: { copyToAccount: { vaultArn: COPIES } } }), ctx);
        expect(spec.backup.keyGuard).toEqual({ breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: [DEPLOYER] });
        expect(spec.backup.plan.copyToAccount).toEqual({ vaultArn: COPIES });
        expect(parseEstateConfig(devConfig(), ctx).backup).toMatchObject({ keyGuard: undefined, plan: { copyToAccount: undefined } });
    });

    it("refuse a break-glass role without deployer roles (KMS would refuse the key policy), and the reverse", () => {
        expect(problems(prodLike({ breakGlassRoleArn: BREAK_GLASS }))).toEqual([
            "estate:backup.deployerRoleArns is required with estate:backup.breakGlassRoleArn: the key policies deny deleting and disabling " +
                "the keys to all but the break-glass role, and changing them to all but it and the deployer roles (KMS refuses a key policy " +
                "that would lock out the role setting it)",
        ]);
        expect(problems(prodLike({ deployerRoleArns: [DEPLOYER] }))[0]).toMatch(/^estate:backup\.breakGlassRoleArn is required with estate:backup\.deployerRoleArns/);
    });

    it("refuse a deployer that is the break-glass role, roles in two accounts, and a copy into the stack's own account", () => {
        expect(problems(prodLike({ breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: [BREAK_GLASS] }))).toEqual([
            "estate:backup.deployerRoleArns[0] must not be the break-glass role: the role that deploys every day must not also be able to delete the keys",
        ]);
        expect(problems(prodLike({ breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: ["arn:aws:iam::999999999999:role/deployer"] }))[0]).toMatch(
            /^estate:backup\.breakGlassRoleArn must be in the same account as the deployer roles/,
        );
        expect(
            problems(prodLike({ breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: [DEPLOYER], plan: { copyToAccount: { vaultArn: "arn:aws:backup:eu-central-1:123456789012:backup-vault:x1" } } })),
        ).toEqual([
            "estate:backup.plan.copyToAccount.vaultArn must be a vault in another account than the stack's (123456789012, the break-glass role's): a copy in the same account falls with it",
        ]);
    });

    it("refuse a backup account's vault in another region than the databases' (AWS Backup copies RDS and Aurora across accounts or regions, not both)", () => {
        const managed = { "estate:network": NETWORK, "estate:data": { postgres: { placement: "managed", version: "16" } } };
        const elsewhere = "arn:aws:backup:eu-central-1:210987654321:backup-vault:estate-copies";
        expect(problems({ ...prodLike({ plan: { copyToAccount: { vaultArn: elsewhere } } }), ...devConfig(managed), "estate:profile": "prod", "estate:platform": JSON.stringify({ acmeEmail: "ops@example.com" }) })).toEqual([
            'estate:backup.plan.copyToAccount.vaultArn must be a vault in "eu-west-1", the region of the backed-up databases (got one in "eu-central-1"): ' +
                "AWS Backup copies RDS and Aurora snapshots either to another account or to another region, never both in one copy",
        ]);
        expect(() => parseEstateConfig({ ...prodLike({ plan: { copyToAccount: { vaultArn: COPIES } } }), ...devConfig(managed), "estate:profile": "prod", "estate:platform": JSON.stringify({ acmeEmail: "ops@example.com" }) }, ctx)).not.toThrow();
    });

    it("refuse a break-glass role on an unprotected stack (it could not delete its own keys), and a vault ARN that is none", () => {
        expect(problems(devConfig({ "estate:backup": { breakGlassRoleArn: BREAK_GLASS, deployerRoleArns: [DEPLOYER] } }))).toEqual([
            "estate:backup.breakGlassRoleArn requires estate:protectData true: the guarded keys cannot be deleted by the stack, so it must keep them (retainOnDelete) rather than try",
        ]);
        expect(problems(devConfig({ "estate:backup": { plan: { copyToAccount: { vaultArn: "estate-copies" } } } }))).toEqual([
            'estate:backup.plan.copyToAccount.vaultArn must be a backup vault ARN such as arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies (got "estate-copies")',
        ]);
    });
});

describe("backup and restore-drill CronJobs (estate:backup.jobs)", () => {
    const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    const postgres = { postgres: { placement: "cluster", version: "16" } };

    it("default to on, daily dumps at 02:00 and monthly drills, the built image, no IRSA, in both profiles", () => {
        for (const profile of ["dev", "prod"]) {
            const extra = profile === "prod" ? { "estate:backup": { replication: false }, "estate:platform": { acmeEmail: "ops@example.com" } } : {};
            const spec = parseEstateConfig(devConfig({ "estate:profile": profile, ...extra }), ctx);
            expect(spec.backup.jobs).toEqual({
                enabled: true,
                backupSchedule: "0 2 * * *",
                drillSchedule: "0 5 15 * *",
                image: undefined,
                drillSqlChecks: [],
                pushgatewayUrl: undefined,
                irsa: undefined,
            });
        }
    });

    it("take schedules, a prebuilt image, SQL checks, a Pushgateway and IRSA, the issuer derived from the provider ARN", () => {
        const spec = parseEstateConfig(
            devConfig({
                "estate:data": postgres,
                "estate:backup": {
                    jobs: {
                        enabled: false,
                        backupSchedule: "15 3 * * *",
                        drillSchedule: "@weekly",
                        image: "ghcr.io/acme/estate-backup:1.2.0",
                        drillSqlChecks: ["SELECT count(*) > 0 FROM orders"],
                        pushgatewayUrl: "http://prometheus-pushgateway.observability.svc:9091",
                        oidcProviderArn: OIDC_ARN,
                    },
                },
            }),
            ctx,
        );
        expect(spec.backup.jobs).toEqual({
            enabled: false,
            backupSchedule: "15 3 * * *",
            drillSchedule: "@weekly",
            image: "ghcr.io/acme/estate-backup:1.2.0",
            drillSqlChecks: ["SELECT count(*) > 0 FROM orders"],
            pushgatewayUrl: "http://prometheus-pushgateway.observability.svc:9091",
            irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE" },
        });
    });

    it.each([
        [{ enabled: "yes" }, 'estate:backup.jobs.enabled must be true or false (got "yes")'],
        [
            { backupSchedule: "cron(0 2 * * ? *)" },
            "estate:backup.jobs.backupSchedule must be a Kubernetes cron schedule such as 0 2 * * *: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6 (0 is Sunday), UTC; or @hourly, @daily, @weekly, @monthly, @yearly; this one is an AWS cron expression: a Kubernetes schedule is the five fields alone, such as 0 2 * * * (got \"cron(0 2 * * ? *)\")",
        ],
        [
            { drillSchedule: "CRON_TZ=UTC 0 5 15 * *" },
            "estate:backup.jobs.drillSchedule must be a Kubernetes cron schedule such as 0 2 * * *: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6 (0 is Sunday), UTC; or @hourly, @daily, @weekly, @monthly, @yearly; this one has a TZ= or CRON_TZ= prefix: the estate's CronJobs run in UTC (timeZone: Etc/UTC), and Kubernetes refuses a prefix next to it (got \"CRON_TZ=UTC 0 5 15 * *\")",
        ],
        [
            { image: "ghcr.io/acme/estate-backup:latest" },
            'estate:backup.jobs.image must be an image with a pinned tag or digest (not latest, not untagged), such as ghcr.io/acme/web:1.4.2 (got "ghcr.io/acme/estate-backup:latest")',
        ],
        [{ drillSqlChecks: "SELECT 1" }, 'estate:backup.jobs.drillSqlChecks must be a list of single-line SELECT statements, such as SELECT count(*) > 0 FROM orders (got "SELECT 1")'],
        [
            { drillSqlChecks: ["DROP TABLE orders"] },
            'estate:backup.jobs.drillSqlChecks[0] must be a single-line SELECT statement, such as SELECT count(*) > 0 FROM orders (got "DROP TABLE orders")',
        ],
        [
            { pushgatewayUrl: "pushgateway:9091" },
            'estate:backup.jobs.pushgatewayUrl must be an http(s) URL of a host and optional port, such as http://pushgateway.monitoring.svc:9091 (got "pushgateway:9091")',
        ],
        [
            { oidcProviderArn: "arn:aws:iam::123456789012:role/eks" },
            "estate:backup.jobs.oidcProviderArn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE (got \"arn:aws:iam::123456789012:role/eks\")",
        ],
        [
            { oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE" },
            "estate:backup.jobs.oidcIssuer requires estate:backup.jobs.oidcProviderArn (the cluster's IAM OIDC provider, for IRSA)",
        ],
        [
            { oidcProviderArn: OIDC_ARN, oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER" },
            'estate:backup.jobs.oidcIssuer must be the issuer estate:backup.jobs.oidcProviderArn names (oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE), or be left unset (got "https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER")',
        ],
        [
            { schedule: "0 2 * * *" },
            "estate:backup.jobs.schedule is not a known key (known here: enabled, backupSchedule, drillSchedule, image, drillSqlChecks, pushgatewayUrl, oidcProviderArn, oidcIssuer)",
        ],
    ])("refuse %j, naming the key and what is allowed", (jobs, message) => {
        expect(problems(devConfig({ "estate:data": postgres, "estate:backup": { jobs } }))).toEqual([message]);
    });

    it("refuse SQL checks without a PostgreSQL database to drill", () => {
        expect(problems(devConfig({ "estate:backup": { jobs: { drillSqlChecks: ["SELECT 1"] } } }))).toEqual([
            "estate:backup.jobs.drillSqlChecks applies only to a PostgreSQL drill: declare estate:data.postgres, or remove the checks",
        ]);
    });
});

describe("impossible cron schedules name their key and what is allowed", () => {
    const jobs = (schedule: string) => devConfig({ "estate:backup": { jobs: { backupSchedule: schedule } } });
    const testing = (schedule: string) => devConfig({ "estate:backup": { plan: { restoreTesting: { schedule } } } });

    it.each([
        ["hour 25", "0 25 * * *", 'invalid hour field "25": 25 is out of range: allowed 0-23'],
        ["minute 99", "99 2 * * *", 'invalid minute field "99": 99 is out of range: allowed 0-59'],
        ["day 32", "0 2 32 * *", 'invalid day-of-month field "32": 32 is out of range: allowed 1-31'],
        ["month 13", "0 2 * 13 *", 'invalid month field "13": 13 is out of range: allowed 1-12'],
        ["weekday 8", "0 2 * * 8", 'invalid day-of-week field "8": allowed 0-6 (Sunday is 0) or SUN-SAT'],
        ["a step of 0", "*/0 * * * *", 'invalid minute field "*/0": a step of 0 never advances'],
    ])("estate:backup.jobs.backupSchedule with %s", (_why, schedule, problem) => {
        const [only, ...rest] = problems(jobs(schedule));
        expect(rest).toEqual([]);
        expect(only).toMatch(/^estate:backup\.jobs\.backupSchedule must be a Kubernetes cron schedule such as 0 2 \* \* \*: minute 0-59, /);
        expect(only).toContain(problem);
    });

    it.each([
        ["hour 25", "cron(0 25 * * ? *)", 'invalid hour field "25": 25 is out of range: allowed 0-23'],
        ["day 32", "cron(0 8 32 * ? *)", 'invalid day-of-month field "32": 32 is out of range: allowed 1-31'],
        ["month 13", "cron(0 8 15 13 ? *)", 'invalid month field "13": 13 is out of range: allowed 1-12'],
        ["weekday 8", "cron(0 8 ? * 8 *)", 'invalid day-of-week field "8": 8 is out of range: allowed 1-7 (Sunday is 1) or SUN-SAT'],
        ["a step of 0", "cron(0 */0 15 * ? *)", 'invalid hour field "*/0": a step of 0 never advances'],
    ])("estate:backup.plan.restoreTesting.schedule with %s", (_why, schedule, problem) => {
        const [only, ...rest] = problems(testing(schedule));
        expect(rest).toEqual([]);
        expect(only).toMatch(/^estate:backup\.plan\.restoreTesting\.schedule must be an AWS cron expression such as cron\(0 8 15 \* \? \*\): minute 0-59, /);
        expect(only).toContain(problem);
    });
});

describe("numbers written unquoted in the stack file", () => {
    /** A stack file's `estate:` values as the YAML parser reads them and the CLI passes them (JSON). */
    function fromYaml(yamlText: string): RawConfig {
        const raw = devConfig();
        for (const [key, value] of Object.entries(parseYaml(yamlText) as Record<string, unknown>)) {
            raw[key] = JSON.stringify(value);
        }
        return raw;
    }

    it("takes version: 16, 5.0 and 7.0 as the versions they are", () => {
        const raw = fromYaml(
            "estate:data:\n  postgres: { placement: cluster, version: 16 }\n  mongo: { placement: cluster, version: 5.0 }\n  redis: { placement: cluster, version: 7.0 }\n",
        );
        expect(raw["estate:data"]).toContain('"version":16');
        const spec = parseEstateConfig(raw, ctx);
        expect([spec.data.postgres?.version, spec.data.mongo?.version, spec.data.redis?.version]).toEqual(["16", "5.0", "7.0"]);
    });

    it("takes cpu: 1 as the quantity 1", () => {
        const spec = parseEstateConfig(fromYaml("estate:services:\n  web: { kind: web, image: 'ghcr.io/acme/web:1.0.0', port: 8080, cpu: 1 }\n"), ctx);
        expect(spec.services.web!.cpu).toBe("1");
    });

    it("still refuses a number that is no allowed version, saying what is", () => {
        expect(problems(fromYaml("estate:data:\n  postgres: { placement: cluster, version: 13 }\n"))).toEqual([
            'estate:data.postgres.version must be one of 14, 15, 16, 17 (got "13")',
        ]);
    });
});

describe("one host, one app", () => {
    const web = (extra: Record<string, unknown> = {}) => ({ kind: "web", image: "ghcr.io/acme/web:1.0.0", port: 8080, ...extra });

    it("refuses two apps on the same host, naming both keys", () => {
        expect(problems(devConfig({ "estate:services": { shop: web({ host: "shop.example.com" }), admin: web({ host: "shop.example.com" }) } }))).toEqual([
            'estate:services.admin.host must differ from estate:services.shop.host: both are "shop.example.com", and one host serves one app (set a host of its own on one of them)',
        ]);
    });

    it("counts a default host <service>.<domain> as the service's host, and Grafana's host too", () => {
        expect(problems(devConfig({ "estate:services": { shop: web(), front: web({ host: "shop.example.com" }) }, "estate:grafana": { host: "shop.example.com" } }))).toEqual([
            'estate:services.front.host must differ from estate:services.shop.host: both are "shop.example.com", and one host serves one app (set a host of its own on one of them)',
            'estate:grafana.host must differ from estate:services.shop.host: both are "shop.example.com", and one host serves one app (set a host of its own on one of them)',
        ]);
    });

    it("accepts apps on hosts of their own", () => {
        const spec = parseEstateConfig(devConfig({ "estate:services": { shop: web(), admin: web({ host: "admin.example.com" }) } }), ctx);
        expect([spec.services.shop!.host, spec.services.admin!.host]).toEqual(["shop.example.com", "admin.example.com"]);
    });
});

describe("objectives the estate cannot meet", () => {
    it("refuses an RPO under the 5 minutes managed point-in-time recovery reaches", () => {
        const data = { postgres: { placement: "managed", version: "16" }, mongo: { placement: "cluster", version: "5.0" } };
        expect(problems(devConfig({ "estate:network": NETWORK, "estate:data": data, "estate:dr": { rpoMinutes: 3 } }))).toEqual([
            "estate:dr.rpoMinutes must be at least 5 with estate:data.postgres.placement managed: RDS and DocumentDB point-in-time recovery " +
                "restores to within the last 5 minutes (got 3)",
            "estate:dr.rpoMinutes must be at least 1440 (a day) with estate:data.mongo.placement cluster: in-cluster MongoDB is backed up " +
                "by a daily mongodump only, which can lose up to a day of writes (got 3); use placement managed (DocumentDB point-in-time " +
                "recovery) or raise the RPO",
        ]);
    });

    it("accepts a sub-day RPO for in-cluster PostgreSQL (WAL archiving) and managed databases (point-in-time recovery)", () => {
        const data = { postgres: { placement: "cluster", version: "16" }, mongo: { placement: "managed", version: "5.0" } };
        expect(parseEstateConfig(devConfig({ "estate:network": NETWORK, "estate:data": data, "estate:dr": { rpoMinutes: 5 } }), ctx).dr.rpoMinutes).toBe(5);
    });

    it("refuses a yearly tier AWS Backup cannot keep while a database is managed", () => {
        const data = { mongo: { placement: "managed", version: "5.0" } };
        expect(problems(devConfig({ "estate:network": NETWORK, "estate:data": data, "estate:dr": { retention: { yearlyYears: 100 } } }))).toEqual([
            "estate:dr.retention.yearlyYears must be at most 99 while a database is managed: AWS Backup keeps a recovery point at most " +
                "36500 days and the estate counts 366 days per unit (got 100, 36600 days)",
        ]);
    });

    it("the example stacks' objectives are feasible", () => {
        for (const stack of ["dev", "prod"]) {
            const { config, project } = loadStackConfig(root, stack);
            expect(() => parseEstateConfig(config, { project, stack })).not.toThrow();
        }
    });
});

describe("Kubernetes and apps", () => {
    it("takes a build context instead of an image, with an optional Dockerfile", () => {
        const spec = parseEstateConfig(
            devConfig({ "estate:services": { api: { kind: "web", buildContext: "apps/api", dockerfile: "prod.Dockerfile", port: 3000, healthPath: "/ready" } } }),
            ctx,
        );
        expect(spec.services.api).toMatchObject({ buildContext: "apps/api", dockerfile: "prod.Dockerfile", healthPath: "/ready" });
        expect(spec.services.api!.image).toBeUndefined();
    });

    it("refuses image and buildContext together, and a service with neither", () => {
        expect(problems(devConfig({ "estate:services": { api: { kind: "web", image: "a/b:1", buildContext: "apps/api", port: 3000 } } }))).toEqual([
            "estate:services.api.buildContext cannot be combined with estate:services.api.image: set either image (a pinned tag or digest) or buildContext (a directory with a Dockerfile), not both",
        ]);
        expect(problems(devConfig({ "estate:services": { api: { kind: "web", port: 3000 } } }))).toEqual([
            "estate:services.api.image is required unless estate:services.api.buildContext is set (an image with a pinned tag or digest, such as ghcr.io/acme/web:1.4.2)",
        ]);
    });

    it("refuses a Dockerfile without a build context", () => {
        expect(problems(devConfig({ "estate:services": { api: { kind: "web", image: "a/b:1", dockerfile: "Dockerfile", port: 3000 } } }))).toEqual([
            "estate:services.api.dockerfile requires estate:services.api.buildContext (the directory the Dockerfile is built in)",
        ]);
    });

    it("requires a metrics port on a worker without a port", () => {
        expect(problems(devConfig({ "estate:services": { jobs: { kind: "worker", image: "a/b:1" } } }))).toEqual([
            "estate:services.jobs.metricsPort is required for a worker without a port (an integer from 1 to 65535): its health probes and metrics are served over HTTP there",
        ]);
    });

    it("names invalid service fields: ports, health path, IAM role", () => {
        expect(
            problems(
                devConfig({
                    "estate:services": { api: { kind: "web", image: "a/b:1", port: 3000, metricsPort: 70000, healthPath: "healthz", iamRoleArn: "shop-web" } },
                }),
            ),
        ).toEqual([
            "estate:services.api.metricsPort must be an integer from 1 to 65535 (got 70000)",
            'estate:services.api.healthPath must be an HTTP path starting with /, such as /healthz (got "healthz")',
            'estate:services.api.iamRoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/shop-web (got "shop-web")',
        ]);
    });

    it("requires an ACME email for the Let's Encrypt issuers", () => {
        expect(problems(devConfig({ "estate:platform": { issuer: "letsencrypt-staging" } }))).toEqual([
            "estate:platform.acmeEmail is required when estate:platform.issuer is letsencrypt-staging (an email address for the ACME account, such as ops@example.com)",
        ]);
        const spec = parseEstateConfig(devConfig({ "estate:platform": { issuer: "letsencrypt-staging", acmeEmail: "ops@example.com" } }), ctx);
        expect(spec.platform).toEqual({ issuer: "letsencrypt-staging", acmeEmail: "ops@example.com", replicas: 1 });
    });

    it("names an unknown issuer, a bad email, ingress class and replica count", () => {
        expect(problems(devConfig({ "estate:platform": { issuer: "vault", acmeEmail: "ops", ingressClass: "Traefik", replicas: 0 } }))).toEqual([
            'estate:platform.issuer must be one of letsencrypt-staging, letsencrypt-prod, selfsigned (got "vault")',
            'estate:platform.acmeEmail must be an email address such as ops@example.com (got "ops")',
            'estate:platform.ingressClass must be a lower-case DNS label such as traefik (got "Traefik")',
            "estate:platform.replicas must be an integer from 1 to 10 (got 0)",
        ]);
    });

    it("suggests the nearest key under estate:kubernetes", () => {
        expect(problems(devConfig({ "estate:kubernetes": { contxt: "kind-estate" } }))).toEqual([
            "estate:kubernetes.contxt is not a known key; did you mean estate:kubernetes.context? (known here: context, kubeconfig)",
        ]);
    });

    it("refuses a kubeconfig that is not a secret, and keeps a secret one secret", async () => {
        const raw = devConfig({ "estate:kubernetes": { kubeconfig: "apiVersion: v1\nkind: Config\n" } });
        expect(problems(raw)).toEqual([
            'estate:kubernetes.kubeconfig must be a secret: pulumi config set --secret --path estate:kubernetes.kubeconfig "$(cat <file>)", or leave it unset and export KUBECONFIG',
        ]);
        const spec = parseEstateConfig(raw, { ...ctx, secretKeys: ["estate:kubernetes"] });
        expect(await pulumi.isSecret(spec.kubernetes.kubeconfig!)).toBe(true);
    });
});

describe("credentials that rotate", () => {
    const credentialNotices = (raw: RawConfig) =>
        parseEstateConfig(raw, ctx)
            .notices.filter((n) => n.key === "estate:backup.jobs.oidcProviderArn")
            .map((n) => `${n.level} ${n.key} ${n.message}`);
    const managedPostgres = { "estate:network": NETWORK, "estate:data": { postgres: { placement: "managed", version: "16" } } };

    it("says when the External Secrets Operator must read a managed Postgres's password with an access key (no OIDC provider)", () => {
        expect(credentialNotices(devConfig(managedPostgres))).toEqual([
            "info estate:backup.jobs.oidcProviderArn is not set: the External Secrets Operator reads the managed Postgres's rotating password with an IAM user's access key, kept in a Secret of the external-secrets namespace. Set it to the cluster's IAM OIDC provider for IRSA (no long-lived key).",
        ]);
        const irsa = { "estate:backup": { jobs: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } } };
        expect(credentialNotices(devConfig({ ...managedPostgres, ...irsa }))).toEqual([]);
        // Nothing rotates in the cluster placement: nothing to say.
        expect(credentialNotices(devConfig())).toEqual([]);
    });
});

describe("monitoring, alerting, Grafana and Sentry", () => {
    const notices = (raw: RawConfig, extra: Partial<ParseContext> = {}) => parseEstateConfig(raw, { ...ctx, ...extra }).notices.map((n) => `${n.level} ${n.key} ${n.message}`);

    it("takes the profile's Prometheus sizing and thresholds, overridden key by key", () => {
        const dev = parseEstateConfig(devConfig(), ctx);
        expect(dev.monitoring.prometheus).toEqual({ retentionDays: 3, storageGb: 10, cpu: "200m", memory: "1Gi", replicas: 1 });
        expect(dev.monitoring.nodeExporter).toBe(false);
        const tuned = parseEstateConfig(devConfig({ "estate:monitoring": { storageClass: "gp3", thresholds: { errorRatio: 0.01, certificateExpiryDays: 14 } } }), ctx);
        expect(tuned.monitoring.thresholds).toMatchObject({ errorRatio: 0.01, certificateExpiryDays: 14, latencyP95Seconds: 2, crashLoopRestarts: 5 });
        expect(tuned.monitoring.storageClass).toBe("gp3");
    });

    it("names thresholds and sizes out of range", () => {
        expect(
            problems(
                devConfig({
                    "estate:monitoring": {
                        prometheus: { retentionDays: 0, memory: "4GB" },
                        thresholds: { errorRatio: 1, latencyP95Seconds: 0, memoryLimitRatio: 1.5, minRequestRate: -1, crashLoopRestarts: 2.5 },
                    },
                }),
            ),
        ).toEqual([
            "estate:monitoring.prometheus.retentionDays must be an integer from 1 to 3650 (got 0)",
            'estate:monitoring.prometheus.memory must be a memory quantity such as 512Mi or 2Gi (got "4GB")',
            "estate:monitoring.thresholds.errorRatio must be a number between 0 and 1 (exclusive), such as 0.05 (got 1)",
            "estate:monitoring.thresholds.latencyP95Seconds must be a number of seconds > 0 and <= 600, such as 0.5 (got 0)",
            "estate:monitoring.thresholds.minRequestRate must be a number of requests per second >= 0 (0 turns the alert off) (got -1)",
            "estate:monitoring.thresholds.memoryLimitRatio must be a ratio > 0 and <= 1, such as 0.9 (got 1.5)",
            "estate:monitoring.thresholds.crashLoopRestarts must be an integer from 1 to 100 (got 2.5)",
        ]);
        // The estate sets no CPU limits, so there is no CPU-limit threshold: a stack that still sets one is told.
        expect(problems(devConfig({ "estate:monitoring": { thresholds: { cpuLimitRatio: 0.9 } } }))[0]).toMatch(/^estate:monitoring\.thresholds\.cpuLimitRatio is not a known key/);
        expect(problems(devConfig({ "estate:monitoring": { thresholds: { errorRate: 0.1 } } }))).toEqual([
            "estate:monitoring.thresholds.errorRate is not a known key; did you mean estate:monitoring.thresholds.errorRatio? (known here: errorRatio, latencyP95Seconds, minRequestRate, cpuRequestRatio, memoryRequestRatio, memoryLimitRatio, autoscalerMaxedMinutes, certificateExpiryDays, crashLoopRestarts)",
        ]);
    });

    it("takes Slack and PagerDuty receivers whose credentials are secrets, and keeps them secret", async () => {
        const raw = devConfig({ "estate:alerting": { slack: { channel: "#shop-alerts", webhookUrl: "https://hooks.slack.com/services/T/B/X" }, pagerduty: { routingKey: "R0UT1NG" } } });
        expect(problems(raw)).toEqual([
            "estate:alerting.slack.webhookUrl must be a secret: pulumi config set --secret --path estate:alerting.slack.webhookUrl <webhook URL>",
            "estate:alerting.pagerduty.routingKey must be a secret: pulumi config set --secret --path estate:alerting.pagerduty.routingKey <routing key>",
        ]);
        const spec = parseEstateConfig(raw, { ...ctx, secretKeys: ["estate:alerting"] });
        expect(spec.alerting.slack!.channel).toBe("#shop-alerts");
        expect(await pulumi.isSecret(spec.alerting.slack!.webhookUrl!)).toBe(true);
        expect(await pulumi.isSecret(spec.alerting.pagerduty!.routingKey!)).toBe(true);
        expect(spec.notices.filter((n) => n.key.startsWith("estate:alerting"))).toEqual([]);
    });

    it("warns about a receiver without its credential, and says when no receiver is configured", () => {
        expect(notices(devConfig({ "estate:alerting": { slack: { channel: "#shop-alerts" }, pagerduty: {} } })).filter((n) => n.includes("alerting"))).toEqual([
            "warning estate:alerting.slack.webhookUrl is not set: Alertmanager cannot post to #shop-alerts until it is (pulumi config set --secret --path estate:alerting.slack.webhookUrl <webhook URL>)",
            "warning estate:alerting.pagerduty.routingKey is not set: Alertmanager cannot page until it is (pulumi config set --secret --path estate:alerting.pagerduty.routingKey <routing key>)",
        ]);
        expect(notices(devConfig()).filter((n) => n.includes("alerting"))).toEqual([
            "info estate:alerting configures no receiver: alerts are visible in Alertmanager and Grafana, but reach nobody (set estate:alerting.slack or estate:alerting.pagerduty)",
        ]);
        expect(problems(devConfig({ "estate:alerting": { slack: { channel: "shop-alerts" }, email: {} } }))).toEqual([
            'estate:alerting.slack.channel must be a Slack channel such as #shop-alerts (got "shop-alerts")',
            "estate:alerting.email is not a known key (known here: slack, pagerduty)",
        ]);
    });

    it("skips Grafana until estate:grafana.url is set, and says so", () => {
        const spec = parseEstateConfig(devConfig(), ctx);
        expect(spec.grafana).toEqual({ url: undefined, auth: undefined, host: undefined });
        expect(notices(devConfig()).filter((n) => n.includes("grafana"))).toEqual([
            "info estate:grafana.url is not set: Grafana objects (folder, data source, dashboards, contact point, notification policy) are skipped until it is. " +
                "Once the first pulumi up has installed Grafana, set it to where pulumi reaches Grafana and run pulumi up again.",
        ]);
        const managed = parseEstateConfig(devConfig({ "estate:grafana": { url: "http://localhost:3000", host: "grafana.example.com" } }), ctx);
        expect(managed.grafana).toMatchObject({ url: "http://localhost:3000", host: "grafana.example.com" });
        expect(managed.notices.some((n) => n.key.startsWith("estate:grafana"))).toBe(false);
        expect(problems(devConfig({ "estate:grafana": { url: "grafana.example.com", auth: "admin:admin" } }))).toEqual([
            'estate:grafana.url must be an http(s) URL such as https://grafana.example.com (got "grafana.example.com")',
        ]);
        expect(problems(devConfig({ "estate:grafana": { url: "https://grafana.example.com", auth: "admin:admin" } }))).toEqual([
            "estate:grafana.auth must be a secret: pulumi config set --secret --path estate:grafana.auth <token or user:password>",
        ]);
    });

    it("manages Sentry once the organization is set, with a team named after the stack; the token comes from config or SENTRY_AUTH_TOKEN", async () => {
        const off = parseEstateConfig(devConfig(), ctx);
        expect(off.sentry).toMatchObject({ organization: undefined, team: "estate-test", platform: "other", rateLimit: { count: 100, windowSeconds: 60 } });
        expect(notices(devConfig()).filter((n) => n.includes("sentry"))).toEqual([
            "info estate:sentry.organization is not set: no Sentry team, projects or client keys are managed, and apps get no SENTRY_DSN",
        ]);
        const raw = devConfig({ "estate:sentry": { organization: "acme", team: "shop", platform: "node", rateLimit: { count: 500 } } });
        expect(notices(raw).filter((n) => n.includes("sentry"))).toEqual([
            "warning estate:sentry.token is not set and neither is SENTRY_AUTH_TOKEN: the Sentry provider cannot authenticate (export SENTRY_AUTH_TOKEN, or pulumi config set --secret --path estate:sentry.token <token>)",
        ]);
        expect(notices(raw, { env: { SENTRY_AUTH_TOKEN: "t" } }).filter((n) => n.includes("sentry"))).toEqual([]);
        expect(parseEstateConfig(raw, ctx).sentry).toMatchObject({ organization: "acme", team: "shop", platform: "node", rateLimit: { count: 500, windowSeconds: 60 } });
        const withToken = devConfig({ "estate:sentry": { organization: "acme", token: "sntrys_x" } });
        expect(problems(withToken)).toEqual(["estate:sentry.token must be a secret: pulumi config set --secret --path estate:sentry.token <auth token>"]);
        expect(await pulumi.isSecret(parseEstateConfig(withToken, { ...ctx, secretKeys: ["estate:sentry"] }).sentry.token!)).toBe(true);
        expect(problems(devConfig({ "estate:sentry": { organization: "Acme Inc", rateLimit: { windowSeconds: 10 } } }))).toEqual([
            'estate:sentry.organization must be a slug (lower-case letters, digits, - and _) such as acme (got "Acme Inc")',
            "estate:sentry.rateLimit.windowSeconds must be an integer from 60 to 86400 (got 10)",
        ]);
    });
});

describe("the managed databases' CloudWatch alarms", () => {
    const managed = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => devConfig({ "estate:network": NETWORK, "estate:data": data, ...extra });
    const alarmNotices = (raw: RawConfig) =>
        parseEstateConfig(raw, ctx)
            .notices.filter((n) => n.message.includes("CloudWatch alarms"))
            .map((n) => `${n.level} ${n.key}`);

    it("refuses an instance class whose memory and connection limit AWS's tables do not give, naming the key", () => {
        const [pg, mongo] = problems(
            managed({ postgres: { placement: "managed", version: "16", instanceClass: "db.r9g.large" }, mongo: { placement: "managed", version: "5.0", instanceClass: "db.r8g.large" } }),
        );
        expect(pg).toMatch(/^estate:data\.postgres\.instanceClass is not a class the estate knows the memory and connection limit of \(got "db\.r9g\.large"\): .* Known: db\.t3\.micro, /);
        expect(mongo).toMatch(/^estate:data\.mongo\.instanceClass is not a class the estate knows the memory and connection limit of \(got "db\.r8g\.large"\).* Known: db\.t3\.medium, db\.t4g\.medium, /);
        expect(() => parseEstateConfig(managed({ postgres: { placement: "managed", version: "16", instanceClass: "db.m6i.xlarge" }, mongo: { placement: "managed", version: "5.0", instanceClass: "db.t4g.medium" } }), ctx)).not.toThrow();
        // Aurora also needs the class's local storage: db.m6i is an RDS class without Aurora's figure.
        expect(problems(managed({ postgres: { placement: "managed", version: "16", engine: "aurora", instanceClass: "db.m6i.xlarge" } }))).toEqual([
            expect.stringMatching(/^estate:data\.postgres\.instanceClass is not a class the estate knows the Aurora local storage of \(got "db\.m6i\.xlarge"\)/),
        ]);
    });

    it("takes the PagerDuty CloudWatch integration key as a secret only, and Slack's team and channel ids together", async () => {
        const raw = managed({ redis: { placement: "managed", version: "7.1" } }, { "estate:alerting": { pagerduty: { cloudwatchIntegrationKey: "0123abcd" }, slack: { channel: "#shop-alerts", teamId: "T07EA123LEP", channelId: "C07EZ1ABC23" } } });
        expect(problems(raw)).toEqual(["estate:alerting.pagerduty.cloudwatchIntegrationKey must be a secret: pulumi config set --secret --path estate:alerting.pagerduty.cloudwatchIntegrationKey <integration key>"]);
        const spec = parseEstateConfig(raw, { ...ctx, secretKeys: ["estate:alerting"] });
        expect(await pulumi.isSecret(spec.alerting.pagerduty!.cloudwatchIntegrationKey!)).toBe(true);
        expect(spec.alerting.slack).toMatchObject({ teamId: "T07EA123LEP", channelId: "C07EZ1ABC23" });
        expect(problems(devConfig({ "estate:alerting": { slack: { channel: "#shop-alerts", teamId: "T07EA123LEP" } } }))).toEqual([
            "estate:alerting.slack.channelId is required with the other one: AWS Chatbot needs both the Slack workspace (team) id and the channel id",
        ]);
    });

    it("says, when a database is managed, which receivers its alarms do not reach; nothing without a managed database", () => {
        const receivers = { "estate:alerting": { slack: { channel: "#shop-alerts" }, pagerduty: {} } };
        expect(alarmNotices(managed({ postgres: { placement: "managed", version: "16" } }, receivers))).toEqual([
            "warning estate:alerting.pagerduty.cloudwatchIntegrationKey",
            "warning estate:alerting.slack.teamId",
        ]);
        expect(alarmNotices(managed({ postgres: { placement: "managed", version: "16" } }))).toEqual(["info estate:alerting"]);
        expect(alarmNotices(devConfig(receivers))).toEqual([]);
    });
});
