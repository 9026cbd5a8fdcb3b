import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
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

    it("gives a component the outputs it registers, which stack policies then see as its props (as the engine's AnalyzeStack does)", async () => {
        class Thing extends pulumi.ComponentResource {
            constructor(name: string) {
                super("estate:test:Thing", name, {});
                const key = new aws.kms.Key(`${name}-key`, { enableKeyRotation: true }, { parent: this });
                this.registerOutputs({ networkFlows: [{ name: "a-to-b", port: 443 }], keyArn: key.arn });
            }
        }
        for (const preview of [false, true]) {
            const run = await runProgram(() => {
                new Thing("thing");
            }, { preview });
            const thing = run.resources.find((r) => r.name === "thing")!;
            const outputs = fromWire(thing.outputs!.toJavaScript()) as Record<string, unknown>;
            expect(outputs.networkFlows).toEqual([{ name: "a-to-b", port: 443 }]);
            // A value computed by the provider is unknown in a preview, as a real engine sends it.
            expect(outputs.keyArn).toBe(preview ? "[unknown]" : "arn:aws:kms:us-east-1:123456789012:key/thing-key");
        }
    });

    it("auto-names AWS resources as the provider does, so a name passed on keeps its property dependency on `up`", async () => {
        const run = await runProgram(() => {
            const vault = new aws.backup.Vault("vault", {});
            new aws.backup.VaultLockConfiguration("lock", { backupVaultName: vault.name, changeableForDays: 3 });
            new aws.backup.Vault("named", { name: "explicit" });
            return { named: vault.name };
        });
        const lock = run.resources.find((r) => r.name === "lock")!;
        expect(plainInputs(lock).backupVaultName).toBe("vault");
        expect(lock.propertyDependencies.backupVaultName).toEqual([run.resources.find((r) => r.name === "vault")!.urn]);
        expect(plainInputs(run.resources.find((r) => r.name === "named")!).name).toBe("explicit");
    });

    it("auto-names through a namePrefix, and leaves a name out where the provider names through another property", async () => {
        const run = await runProgram(() => {
            const logs = new aws.cloudwatch.LogGroup("logs", { namePrefix: "/estate/app-" });
            const subnets = new aws.rds.SubnetGroup("subnets", { subnetIds: ["subnet-a", "subnet-b"] });
            new aws.cloudwatch.LogStream("stream", { logGroupName: logs.name });
            const db = new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, dbSubnetGroupName: subnets.name });
            return { db: db.arn };
        });
        const outputsOf = (name: string) => fromWire(run.resources.find((r) => r.name === name)!.outputs!.toJavaScript()) as Record<string, unknown>;
        expect(plainInputs(run.resources.find((r) => r.name === "stream")!).logGroupName).toBe("/estate/app-1a2b3c");
        expect(plainInputs(run.resources.find((r) => r.name === "db")!).dbSubnetGroupName).toBe("subnets");
        expect(outputsOf("db").name).toBeUndefined();
        expect(outputsOf("db").arn).toBe("arn:aws:rds:us-east-1:123456789012:instance/db");
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

    it("names Kubernetes objects without metadata.name as the provider does (<name>-<8 chars>), in preview too, so outputs built from the name are defined", async () => {
        const program = () => {
            const ns = new k8s.core.v1.Namespace("shop");
            const named = new k8s.core.v1.ConfigMap("settings", { metadata: { name: "settings", namespace: ns.metadata.name }, data: { a: "b" } });
            return { ns: ns.metadata.name, cm: named.metadata.name, annotations: ns.metadata.annotations };
        };
        for (const preview of [false, true]) {
            const run = await runProgram(program, { stack: "dev", preview });
            const outputs = fromWire(run.outputs!.toJavaScript()) as { ns: string; cm: string; annotations: Record<string, string> };
            expect(outputs.ns).toMatch(/^shop-[a-z0-9]{8}$/);
            expect(outputs.annotations).toEqual({ "pulumi.com/autonamed": "true" });
            expect(outputs.cm).toBe("settings");
            // The ConfigMap's namespace input is the generated name, not undefined dropped from the registration.
            const cm = run.resources.find((r) => r.name === "settings")!;
            expect((plainInputs(cm).metadata as { namespace: string }).namespace).toBe(outputs.ns);
        }
    });

    it("gives a deprecated BucketV2 the ARN AWS gives a bucket (arn:aws:s3:::<name>), and uses the stack's region where ARNs carry one", async () => {
        const run = await runProgram(
            () => {
                const legacy = new aws.s3.BucketV2("legacy", { bucket: "shop-assets" });
                const key = new aws.kms.Key("key", {});
                return { bucketArn: legacy.arn, keyArn: key.arn };
            },
            { stack: "dev", config: { "aws:region": "eu-west-1" } },
        );
        const outputs = fromWire(run.outputs!.toJavaScript()) as { bucketArn: string; keyArn: string };
        expect(outputs.bucketArn).toBe("arn:aws:s3:::shop-assets");
        expect(outputs.keyArn).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);
    });

    it("computes what EKS and IAM return for a cluster and its OIDC provider, keeping the given vpcConfig next to the computed security group; repeatably", async () => {
        const program = () => {
            const cluster = new aws.eks.Cluster("c", { name: "shop", roleArn: "arn:aws:iam::123456789012:role/eks", vpcConfig: { subnetIds: ["subnet-a", "subnet-b"], endpointPrivateAccess: true } });
            const issuer = cluster.identities.apply((ids) => ids[0]!.oidcs[0]!.issuer);
            const oidc = new aws.iam.OpenIdConnectProvider("oidc", { url: issuer, clientIdLists: ["sts.amazonaws.com"] });
            const template = new aws.ec2.LaunchTemplate("lt", {});
            return { endpoint: cluster.endpoint, ca: cluster.certificateAuthority.data, issuer, vpc: cluster.vpcConfig, oidcArn: oidc.arn, ltVersion: template.latestVersion };
        };
        const runs = [await runProgram(program, { config: { "aws:region": "eu-west-1" } }), await runProgram(program, { config: { "aws:region": "eu-west-1" } })];
        const [outputs, again] = runs.map((run) => fromWire(run.outputs!.toJavaScript()) as { endpoint: string; ca: string; issuer: string; vpc: Record<string, unknown>; oidcArn: string; ltVersion: number });
        expect(outputs).toEqual(again);
        const id = /^https:\/\/([0-9A-F]{32})\.gr7\.eu-west-1\.eks\.amazonaws\.com$/.exec(outputs!.endpoint)![1];
        expect(outputs!.issuer).toBe(`https://oidc.eks.eu-west-1.amazonaws.com/id/${id}`);
        expect(Buffer.from(outputs!.ca, "base64").toString()).toContain("shop");
        expect(outputs!.vpc).toMatchObject({ subnetIds: ["subnet-a", "subnet-b"], endpointPrivateAccess: true, clusterSecurityGroupId: expect.stringMatching(/^sg-[0-9a-f]{17}$/) });
        expect(outputs!.oidcArn).toBe(`arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/${id}`);
        expect(outputs!.ltVersion).toBe(1);
    });

    it("rethrows the program's error after the engine settles", async () => {
        await expect(runProgram(() => { throw new pulumi.RunError("bad input"); })).rejects.toThrow("bad input");
    });
});

describe("the SDK's bookkeeping during a run", () => {
    it("passes promises through untracked and drops debug messages, keeps real stacks, and is restored afterwards", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T> };
        const before = debuggable.debuggablePromise;
        const logDebugBefore = pulumi.log.debug;
        let inside: { same?: boolean; debugTrace?: string; stack?: string; value?: number } = {};
        const run = await runProgram(async () => {
            const promise = Promise.resolve(1) as Promise<number> & { _debugStackTrace?: string };
            const tracked = debuggable.debuggablePromise(promise, "test");
            await pulumi.log.debug("a debug message");
            await pulumi.log.info("an info message");
            inside = { same: tracked === promise, debugTrace: promise._debugStackTrace, stack: new Error("boom").stack, value: await tracked };
        });
        expect(inside).toMatchObject({ same: true, debugTrace: undefined, value: 1 });
        expect(inside.stack).toMatch(/^Error: boom\n {4}at /);
        // Info and above still reach the diagnostics; debug does not.
        expect(run.diagnostics).toEqual([{ severity: "info", message: "an info message" }]);
        expect(debuggable.debuggablePromise).toBe(before);
        expect(pulumi.log.debug).toBe(logDebugBefore);
        const outside = Promise.resolve(1) as Promise<number> & { _debugStackTrace?: string };
        void debuggable.debuggablePromise(outside, "test");
        expect(outside._debugStackTrace).toMatch(/^Error:? ?\n {4}at (Object\.)?debuggablePromise /);
    });
});
