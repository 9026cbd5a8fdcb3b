import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as sentry from "@pulumiverse/sentry";
import { describe, expect, it } from "vitest";
import { fromWire, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";

function program() {
    const key = new aws.kms.Key("key", { enableKeyRotation: true });
    const bucket = new aws.s3.Bucket("bucket", { bucket: "estate-test" }, { protect: true, retainOnDelete: true });
    new aws.s3.BucketServerSideEncryptionConfiguration("sse", {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn } }],
    });
    return { bucketName: bucket.bucket, keyArn: key.arn, token: pulumi.secret("s3cr3t") };
}

describe("runProgram", () => {
    it("records registrations with parent, options and property dependencies", async () => {
        const run = await runProgram(program, { stack: "dev" });
        const byName = new Map(run.resources.map((r) => [r.name, r]));
        const stack = byName.get("estate-dev")!;
        expect(stack.type).toBe("pulumi:pulumi:Stack");
        const bucket = byName.get("bucket")!;
        expect(bucket.parent).toBe(stack.urn);
        expect(bucket.protect).toBe(true);
        expect(bucket.retainOnDelete).toBe(true);
        const sse = byName.get("sse")!;
        expect(sse.propertyDependencies.bucket).toEqual([bucket.urn]);
        expect(sse.propertyDependencies.rules).toEqual([byName.get("key")!.urn]);
        expect(sse.dependencies).toEqual(expect.arrayContaining([bucket.urn, byName.get("key")!.urn]));
    });

    it("keeps secrets marked in the stack outputs", async () => {
        const run = await runProgram(program, { stack: "dev" });
        const outputs = fromWire(run.outputs!.toJavaScript()) as Record<string, unknown>;
        expect(outputs.token).toBe("[secret]");
        expect(outputs.bucketName).toBe("estate-test");
    });

    it("leaves ids and computed outputs unknown in preview, as a real preview of a new stack does", async () => {
        const run = await runProgram(program, { stack: "dev", preview: true });
        const sse = run.resources.find((r) => r.name === "sse")!;
        const inputs = plainInputs(sse) as { bucket: string; rules: { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[] };
        expect(inputs.bucket).toBe("[unknown]");
        expect(inputs.rules[0]!.applyServerSideEncryptionByDefault.kmsMasterKeyId).toBe("[unknown]");
        const outputs = fromWire(run.outputs!.toJavaScript()) as Record<string, unknown>;
        expect(outputs.keyArn).toBe("[unknown]");
    });

    it("isolates runs: config and resources of one run do not leak into the next", async () => {
        const read = () => ({ profile: new pulumi.Config("estate").get("profile") ?? "unset" });
        const first = await runProgram(read, { config: { "estate:profile": "prod" } });
        const second = await runProgram(read, {});
        expect(fromWire(first.outputs!.toJavaScript())).toEqual({ profile: "prod" });
        expect(fromWire(second.outputs!.toJavaScript())).toEqual({ profile: "unset" });
    });

    it("records what the program logs as diagnostics instead of printing it, debug messages left out", async () => {
        const run = await runProgram(() => {
            const key = new aws.kms.Key("key", {});
            void pulumi.log.info("Grafana objects are skipped");
            void pulumi.log.warn("no webhook configured", key);
            void pulumi.log.debug("noise");
        });
        expect(run.diagnostics).toEqual([
            { severity: "info", message: "Grafana objects are skipped" },
            { severity: "warning", message: "no webhook configured", urn: run.resources.find((r) => r.name === "key")!.urn },
        ]);
    });

    it("computes what the Sentry and Grafana providers return on create: a client key's DSN, a dashboard's uid and URL", async () => {
        const run = await runProgram(() => {
            const key = new sentry.SentryKey("web-key", { organization: "acme", project: "web-prod" });
            const dashboard = new grafana.oss.Dashboard("red", { configJson: JSON.stringify({ uid: "estate-red", title: "RED" }) });
            return { dsn: key.dsnPublic, uid: dashboard.uid, url: dashboard.url };
        });
        const outputs = fromWire(run.outputs!.toJavaScript()) as Record<string, string>;
        expect(outputs.dsn).toMatch(/^https:\/\/[0-9a-f]{32}@o0\.ingest\.sentry\.io\/\d+$/);
        expect(outputs.uid).toBe("estate-red");
        expect(outputs.url).toBe("https://grafana.invalid/d/estate-red");
        const preview = await runProgram(() => ({ dsn: new sentry.SentryKey("web-key", { organization: "acme", project: "web-prod" }).dsnPublic }), { preview: true });
        expect(fromWire(preview.outputs!.toJavaScript())).toEqual({ dsn: "[unknown]" });
    });

    it("rethrows the program's error after the engine settles", async () => {
        await expect(runProgram(() => { throw new pulumi.RunError("bad input"); })).rejects.toThrow("bad input");
    });
});
