import * as sentry from "@pulumiverse/sentry";
import { describe, expect, it } from "vitest";
import { ErrorTracking, type ErrorTrackingArgs } from "../../../components/observability/error-tracking";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { Built } from "../k8s/harness";

const S = {
    team: "sentry:index/sentryTeam:SentryTeam",
    project: "sentry:index/sentryProject:SentryProject",
    key: "sentry:index/sentryKey:SentryKey",
} as const;

const ARGS: ErrorTrackingArgs = { organization: "acme", team: "shop-prod", apps: ["web", "worker"], instance: "prod" };

async function tracking(args: Partial<ErrorTrackingArgs> = {}, preview = false): Promise<Built> {
    const run = await runProgram(
        () => {
            const provider = new sentry.Provider("sentry", {});
            const t = new ErrorTracking("sentry", { ...ARGS, ...args }, { provider });
            return { team: t.team, projects: t.projects, dsn: t.dsn };
        },
        { preview },
    );
    return new Built(run);
}

describe("ErrorTracking", () => {
    it("creates a team, and per app a project owned by it and a rate-limited client key", async () => {
        const built = await tracking({ platform: "node", rateLimit: { count: 500, windowSeconds: 300 } });
        expect(built.inputs("sentry-team")).toEqual({ organization: "acme", name: "shop-prod", slug: "shop-prod" });
        expect(built.ofType(S.project).map((p) => p.name)).toEqual(["sentry-web", "sentry-worker"]);
        expect(built.inputs("sentry-web")).toEqual({ organization: "acme", teams: ["shop-prod"], name: "web (prod)", slug: "web-prod", platform: "node" });
        expect(built.resource("sentry-web").propertyDependencies.teams).toEqual([built.resource("sentry-team").urn]);
        expect(built.inputs("sentry-web-key")).toEqual({ organization: "acme", project: "web-prod", name: "web (estate)", rateLimitCount: 500, rateLimitWindow: 300 });
        expect(built.resource("sentry-web-key").propertyDependencies.project).toEqual([built.resource("sentry-web").urn]);
    });

    it("protects the projects (their history) unless told not to, and limits keys to 1000 events a minute by default", async () => {
        const built = await tracking();
        expect(built.resource("sentry-web").protect).toBe(true);
        expect(built.inputs("sentry-web-key")).toMatchObject({ rateLimitCount: 1000, rateLimitWindow: 60 });
        expect(built.inputs("sentry-web").platform).toBe("other");
        expect((await tracking({ protect: false })).resource("sentry-web").protect).toBe(false);
    });

    it("hands each app its key's public DSN, as a secret", async () => {
        const built = await tracking();
        const outputs = built.outputs();
        expect(outputs.dsn.web).toMatch(/^https:\/\/[0-9a-f]{32}@o0\.ingest\.sentry\.io\/\d+$/);
        expect(outputs.dsn.web).not.toBe(outputs.dsn.worker);
        expect(outputs.projects).toEqual({ web: "web-prod", worker: "worker-prod" });
        const masked = built.run.outputs!.toJavaScript() as { dsn: Record<string, unknown> };
        expect(JSON.stringify(masked.dsn.web)).toContain("1b47061264138c4ac30d75fd1eb44270");
    });

    it("leaves the DSN unknown in a preview, where the key does not exist yet", async () => {
        const built = await tracking({}, true);
        expect(built.outputs().dsn.web).toBe("[unknown]");
    });

    it.each([
        ["an organization that is not a slug", { organization: "Acme Inc" }, 'ErrorTracking "sentry": organization must be a slug (lower-case letters, digits, - and _) such as acme (got "Acme Inc")'],
        ["a project slug over 50 characters", { apps: ["a".repeat(48)] }, `ErrorTracking "sentry": apps.${"a".repeat(48)} gives the project slug "${"a".repeat(48)}-prod", which is not a Sentry slug of at most 50 characters`],
        ["a rate-limit window under a minute", { rateLimit: { count: 10, windowSeconds: 10 } }, 'ErrorTracking "sentry": rateLimit.windowSeconds must be an integer from 60 to 86400 (got 10)'],
    ] as const)("refuses %s", async (_, args, message) => {
        await expect(tracking(args as Partial<ErrorTrackingArgs>)).rejects.toThrow(message);
    });

    it("refuses to run without a Sentry provider", async () => {
        await expect(runProgram(() => new ErrorTracking("sentry", ARGS))).rejects.toThrow(/opts.provider is required: a sentry Provider/);
    });
});
