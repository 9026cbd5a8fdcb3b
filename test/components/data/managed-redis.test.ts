import { describe, expect, it } from "vitest";
import { BACKUP_WINDOWS } from "../../../components/backup/objectives";
import { ManagedRedis, type ManagedRedisArgs } from "../../../components/data";
import { fromWire, MOCK_ACCOUNT_ID } from "../../../scripts/engine/mock-engine";
import { build, buildError, NETWORK, OBJECTIVES } from "./harness";

const T = { group: "aws:elasticache/replicationGroup:ReplicationGroup", logGroup: "aws:cloudwatch/logGroup:LogGroup", ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" };
const keyArn = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/cache-key`;
const redis = (args: Partial<ManagedRedisArgs> = {}, opts = {}) => build(() => new ManagedRedis("cache", { version: "7.1", network: NETWORK, objectives: OBJECTIVES, ...args }), opts);

describe("ManagedRedis with defaults (ElastiCache)", () => {
    it("creates a replication group encrypted at rest with its key and in transit, with a generated auth token", async () => {
        const b = await redis();
        expect(b.inputs("cache-redis")).toMatchObject({
            engine: "redis",
            engineVersion: "7.1",
            nodeType: "cache.r7g.large",
            numCacheClusters: 2,
            atRestEncryptionEnabled: true,
            kmsKeyId: keyArn,
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            authToken: "mock-cache-auth-token-password",
            port: 6379,
        });
        expect(b.shownOutputs().connection).toMatchObject({ password: "[secret]", uri: "[secret]" });
    });

    it("fails over automatically across zones, snapshots daily per the objectives, keeps a final snapshot and is protected", async () => {
        const b = await redis();
        expect(b.inputs("cache-redis")).toMatchObject({
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            snapshotRetentionLimit: 30,
            snapshotWindow: BACKUP_WINDOWS.native,
            maintenanceWindow: BACKUP_WINDOWS.maintenance,
            finalSnapshotIdentifier: expect.stringMatching(/^cache-final-\w+$/),
            autoMinorVersionUpgrade: true,
        });
        expect([b.resource("cache-redis").protect, b.resource("cache-redis").retainOnDelete]).toEqual([true, true]);
        // A cache: AWS Backup does not select it.
        expect(b.inputs("cache-redis").tags ?? {}).not.toHaveProperty("estate:backup");
    });

    it("delivers slow and engine logs to log groups encrypted with the key, which lets CloudWatch Logs use it", async () => {
        const b = await redis();
        const logName = (name: string) => (fromWire(b.resource(name).outputs!.toJavaScript()) as { name: string }).name;
        expect(b.inputs("cache-redis").logDeliveryConfigurations).toEqual([
            { destination: logName("cache-slow-log"), destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
            { destination: logName("cache-engine-log"), destinationType: "cloudwatch-logs", logFormat: "json", logType: "engine-log" },
        ]);
        expect(b.resource("cache-redis").propertyDependencies.logDeliveryConfigurations?.sort()).toEqual([b.resource("cache-slow-log").urn, b.resource("cache-engine-log").urn].sort());
        for (const log of b.ofType(T.logGroup)) {
            expect(b.inputs(log.name)).toMatchObject({ kmsKeyId: keyArn, retentionInDays: 30 });
        }
        // CloudWatch Logs may use the key, for this account's log groups in this region only (else it cannot write the encrypted groups).
        const statements = JSON.parse(b.inputs("cache-key").policy).Statement as Record<string, unknown>[];
        expect(statements).toContainEqual(
            expect.objectContaining({
                Effect: "Allow",
                Principal: { Service: "logs.us-east-1.amazonaws.com" },
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${MOCK_ACCOUNT_ID}:log-group:*` } },
            }),
        );
        expect(statements.filter((st) => st.Effect === "Deny")).toEqual([]);
    });

    it("admits only the allowed sources on 6379", async () => {
        const b = await redis();
        expect(b.ofType(T.ingress).map((r) => [b.inputs(r.name).referencedSecurityGroupId ?? b.inputs(r.name).cidrIpv4, b.inputs(r.name).fromPort])).toEqual([
            ["sg-0a1b2c3d4e5f60d04", 6379],
            ["10.42.0.0/16", 6379],
        ]);
        expect(b.resource("cache-redis").propertyDependencies.securityGroupIds).toEqual([b.resource("cache-sg").urn]);
    });

    it("exports a TLS connection (rediss://, tls true) and stores the token in Secrets Manager under the key", async () => {
        const b = await redis();
        const token = "mock-cache-auth-token-password";
        const host = "master.cache-redis.mock.us-east-1.cache.amazonaws.com";
        expect(b.outputs().connection).toEqual({ host, port: 6379, database: "0", user: "default", password: token, uri: `rediss://default:${token}@${host}:6379/0`, tls: true });
        expect(b.inputs("cache-credentials").kmsKeyId).toBe(keyArn);
        expect(JSON.parse(b.inputs("cache-credentials-version").secretString)).toMatchObject({ password: token, tls: true });
    });

    it("passes every policy with the prod config, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const report = await (await redis({}, { preview })).policyReport("prod");
            expect(report.violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
        }
    });
});

describe("ManagedRedis transit encryption per engine version", () => {
    it("on 6.2 encrypts in transit from creation and sends no transitEncryptionMode (a 7.0.5+ migration setting); the policies still pass", async () => {
        const b = await redis({ version: "6.2" });
        expect(b.inputs("cache-redis")).toMatchObject({ engineVersion: "6.2", transitEncryptionEnabled: true });
        expect(b.inputs("cache-redis")).not.toHaveProperty("transitEncryptionMode");
        expect((await b.policyReport("prod")).violations).toEqual([]);
    });

    it.each(["7.0", "7.1"] as const)("on %s requires TLS explicitly", async (version) => {
        const b = await redis({ version });
        expect(b.inputs("cache-redis")).toMatchObject({ transitEncryptionEnabled: true, transitEncryptionMode: "required" });
    });
});

describe("ManagedRedis overrides", () => {
    it("one node: no failover or Multi-AZ (the policies flag it in prod); a throwaway stack skips the final snapshot", async () => {
        const b = await redis({ nodes: 1, protectData: false, logRetentionDays: 7 });
        expect(b.inputs("cache-redis")).toMatchObject({ numCacheClusters: 1, automaticFailoverEnabled: false, multiAzEnabled: false });
        expect(b.inputs("cache-redis").finalSnapshotIdentifier).toBeUndefined();
        expect(b.inputs("cache-slow-log").retentionInDays).toBe(7);
        const report = await b.policyReport("prod");
        expect(report.violations.map((v) => v.policy)).toEqual(["estate-elasticache-automatic-failover"]);
    });
});

describe("ManagedRedis refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ManagedRedisArgs>, string]>([
        ["version", { version: "7.2" as never }, 'version must be one of 6.2, 7.0, 7.1 (got "7.2")'],
        ["nodes", { nodes: 7 }, "nodes must be an integer from 1 to 6 (got 7)"],
        ["node type", { nodeType: "r7g.large" }, 'nodeType must be an ElastiCache node type such as cache.r7g.large (got "r7g.large")'],
        ["log retention", { logRetentionDays: 10 }, "logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (got 10)"],
        ["a wide CIDR", { network: { ...NETWORK, allowedCidrBlocks: ["10.0.0.0/4"] } }, 'network.allowedCidrBlocks[0] must be a /8 or narrower: a data service admits only networks of the estate (got "10.0.0.0/4")'],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ManagedRedis("cache", { version: "7.1", network: NETWORK, objectives: OBJECTIVES, ...args }));
        expect(message).toBe(`ManagedRedis "cache": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});
