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
        expect(spec.backup).toEqual({
            bucketName: undefined,
            objectLock: undefined,
            replication: false,
            accessLogging: false,
            plan: { vaultLock: undefined, restoreTesting: {} },
        });
        expect(Object.keys(spec.services)).toEqual(["web", "worker"]);
        expect(spec.services.web).toMatchObject({ kind: "web", port: 8080, host: "web.dev.shop.example.com", replicas: { min: 1, max: 2 } });
        expect(spec.services.worker).toMatchObject({ kind: "worker", host: undefined, replicas: { min: 1, max: 1 } });
        expect(spec.data.postgres?.placement).toBe("cluster");
        expect(spec.tags).toMatchObject({ team: "platform", "estate:stack": "dev", "estate:profile": "dev", "managed-by": "pulumi" });
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
        expect(spec.backup.plan).toEqual({ vaultLock: { changeableForDays: 7 }, restoreTesting: { schedule: "cron(0 8 15 * ? *)" } });
        expect(spec.services.web).toMatchObject({ host: "shop.example.com", replicas: { min: 3, max: 10 }, cpu: "500m", memory: "1Gi" });
        expect(spec.services.worker).toMatchObject({ replicas: { min: 2, max: 5 }, cpu: "250m" });
        expect(spec.data.postgres?.placement).toBe("managed");
    });
});

describe("profiles", () => {
    it("the profile is chosen by estate:profile, not by the stack's name", () => {
        const spec = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:backup": { replication: false } }), {
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
        const spec = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:protectData": "false", "estate:backup": { replication: false } }), ctx);
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
            "estate:backups is not a known key; did you mean estate:backup? (known here: profile, domain, protectData, tags, dr, backup, services, data)",
        ]);
    });

    it("rejects an unknown nested key with the nearest known key", () => {
        expect(problems(devConfig({ "estate:dr": { retention: { dailyDay: 3 } } }))).toEqual([
            "estate:dr.retention.dailyDay is not a known key; did you mean estate:dr.retention.dailyDays? (known here: dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)",
        ]);
    });

    it("offers no suggestion when nothing is close", () => {
        expect(problems(devConfig({ "estate:frobnicate": "1" }))[0]).toBe(
            "estate:frobnicate is not a known key (known here: profile, domain, protectData, tags, dr, backup, services, data)",
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
        expect(problems(devConfig({ "estate:services": { api: { kind: "worker", image: "ghcr.io/acme/api" } } }))[0]).toMatch(
            /^estate:services\.api\.image must be an image with a pinned tag or digest/,
        );
        const digest = `ghcr.io/acme/api@sha256:${"a".repeat(64)}`;
        const spec = parseEstateConfig(devConfig({ "estate:services": { api: { kind: "worker", image: digest } } }), ctx);
        expect(spec.services.api!.image).toBe(digest);
    });

    it("names an invalid service name", () => {
        expect(problems(devConfig({ "estate:services": { Web_1: { kind: "worker", image: "a/b:1" } } }))).toEqual([
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
        expect(problems(devConfig({ "estate:profile": "prod" }))).toEqual([
            "estate:backup.replication requires estate:dr.drRegion (a second AWS region), or set estate:backup.replication to false",
        ]);
    });

    it("names a wrongly typed boolean", () => {
        expect(problems(devConfig({ "estate:protectData": "yes" }))).toEqual(['estate:protectData must be true or false (got "yes")']);
    });
});

describe("AWS Backup settings (estate:backup.plan)", () => {
    it("default to a vault lock with a 7-day cooling-off in prod, none in dev, and monthly restore testing in both", () => {
        const prod = parseEstateConfig(devConfig({ "estate:profile": "prod", "estate:backup": { replication: false } }), ctx);
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
            "estate:backup.plan.restoreTesting.schedule must be an AWS cron expression such as cron(0 8 15 * ? *): six fields, one of " +
                'day-of-month and day-of-week \'?\', a single minute (got "0 8 15 * *")',
        ]);
        expect(problems(devConfig({ "estate:backup": { plan: { vaultLocks: false } } }))).toEqual([
            "estate:backup.plan.vaultLocks is not a known key; did you mean estate:backup.plan.vaultLock? (known here: vaultLock, restoreTesting)",
        ]);
    });

    it("refuse a vault lock on an unprotected stack that has a managed database (the vault could never be deleted)", () => {
        const managed = { postgres: { placement: "managed", version: "16" } };
        expect(problems(devConfig({ "estate:data": managed, "estate:backup": { plan: { vaultLock: { changeableForDays: 3 } } } }))).toEqual([
            "estate:backup.plan.vaultLock requires estate:protectData true: after its cooling-off a locked vault and its recovery points can " +
                "never be deleted, so the stack must not try to; set estate:backup.plan.vaultLock to false for a throwaway stack",
        ]);
        // Without a managed database there is no vault: nothing to refuse.
        expect(() => parseEstateConfig(devConfig({ "estate:backup": { plan: { vaultLock: { changeableForDays: 3 } } } }), ctx)).not.toThrow();
    });
});

describe("objectives the estate cannot meet", () => {
    it("refuses an RPO under the 5 minutes managed point-in-time recovery reaches", () => {
        const data = { postgres: { placement: "managed", version: "16" }, mongo: { placement: "cluster", version: "5.0" } };
        expect(problems(devConfig({ "estate:data": data, "estate:dr": { rpoMinutes: 3 } }))).toEqual([
            "estate:dr.rpoMinutes must be at least 5 with estate:data.postgres.placement managed: RDS and DocumentDB point-in-time recovery " +
                "restores to within the last 5 minutes (got 3)",
            "estate:dr.rpoMinutes must be at least 1440 (a day) with estate:data.mongo.placement cluster: in-cluster MongoDB is backed up " +
                "by a daily mongodump only, which can lose up to a day of writes (got 3); use placement managed (DocumentDB point-in-time " +
                "recovery) or raise the RPO",
        ]);
    });

    it("accepts a sub-day RPO for in-cluster PostgreSQL (WAL archiving) and managed databases (point-in-time recovery)", () => {
        const data = { postgres: { placement: "cluster", version: "16" }, mongo: { placement: "managed", version: "5.0" } };
        expect(parseEstateConfig(devConfig({ "estate:data": data, "estate:dr": { rpoMinutes: 5 } }), ctx).dr.rpoMinutes).toBe(5);
    });

    it("refuses a yearly tier AWS Backup cannot keep while a database is managed", () => {
        const data = { mongo: { placement: "managed", version: "5.0" } };
        expect(problems(devConfig({ "estate:data": data, "estate:dr": { retention: { yearlyYears: 100 } } }))).toEqual([
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
