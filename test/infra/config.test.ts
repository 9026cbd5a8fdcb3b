import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEstateConfig, type RawConfig } from "../../infra/config";
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
        expect(spec.backup).toEqual({ bucketName: undefined, objectLock: undefined, replication: false, accessLogging: false });
        expect(Object.keys(spec.services)).toEqual(["web", "worker"]);
        expect(spec.services.web).toMatchObject({ kind: "web", port: 8080, host: "web.dev.shop.example.com", replicas: { min: 1, max: 2 } });
        expect(spec.services.worker).toMatchObject({ kind: "worker", host: undefined, replicas: { min: 1, max: 1 } });
        expect(spec.data.postgres?.placement).toBe("cluster");
        expect(spec.tags).toMatchObject({ team: "platform", "estate:stack": "dev", "estate:profile": "dev", "managed-by": "pulumi" });
        expect(spec.services.worker).toMatchObject({ metricsPort: 9090, image: "ghcr.io/acme/shop-worker:1.4.2" });
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
        expect(spec.services.web).toMatchObject({ host: "shop.example.com", replicas: { min: 3, max: 10 }, cpu: "500m", memory: "1Gi" });
        expect(spec.services.worker).toMatchObject({ replicas: { min: 2, max: 5 }, cpu: "250m" });
        expect(spec.data.postgres?.placement).toBe("managed");
        expect(spec.platform).toEqual({ issuer: "letsencrypt-prod", acmeEmail: "platform@shop.example.com", replicas: 2 });
        expect(spec.kubernetes.context).toBe("arn:aws:eks:eu-west-1:123456789012:cluster/shop-prod");
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
            "estate:backups is not a known key; did you mean estate:backup? (known here: profile, domain, protectData, tags, dr, backup, services, data, kubernetes, platform)",
        ]);
    });

    it("rejects an unknown nested key with the nearest known key", () => {
        expect(problems(devConfig({ "estate:dr": { retention: { dailyDay: 3 } } }))).toEqual([
            "estate:dr.retention.dailyDay is not a known key; did you mean estate:dr.retention.dailyDays? (known here: dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)",
        ]);
    });

    it("offers no suggestion when nothing is close", () => {
        expect(problems(devConfig({ "estate:frobnicate": "1" }))[0]).toBe(
            "estate:frobnicate is not a known key (known here: profile, domain, protectData, tags, dr, backup, services, data, kubernetes, platform)",
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
