import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ManagedMongo, ManagedPostgres, ManagedRedis, type MonitoredDatabase } from "../../../components/data";
import { alarmSpecs, DatabaseAlarms, type DatabaseAlarmsArgs, type DatabaseAlarmThresholds } from "../../../components/observability";
import { postgresDefaultMaxConnections } from "../../../components/observability/instance-classes";
import { cloudwatchPolicies } from "../../../policies/aws/cloudwatch";
import { snsPolicies } from "../../../policies/aws/sns";
import { fromWire, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";
import { evaluatePolicies } from "../../../scripts/engine/policy-harness";
import { Built, buildError, NETWORK, OBJECTIVES } from "../data/harness";

const T = { alarm: "aws:cloudwatch/metricAlarm:MetricAlarm", subscription: "aws:sns/topicSubscription:TopicSubscription", chatbot: "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration" };
/** The prod profile's thresholds (stacks/prod.ts). */
const PROD: DatabaseAlarmThresholds = { connectionsRatio: 0.8, freeStorageRatio: 0.15, cpuRatio: 0.85, freeMemoryRatio: 0.1, replicationLagRpoShare: 0.5 };
const GIB = 1024 ** 3;
const id = (value: string) => pulumi.output(value);

const rds = (instanceClass = "db.r6g.large"): MonitoredDatabase => ({ engine: "rds", name: "postgres", instanceClass, instanceIdentifiers: [id("postgres-db-1")], allocatedStorageGb: 100, readReplica: false });
const aurora = (n: number): MonitoredDatabase => ({ engine: "aurora", name: "postgres", instanceClass: "db.r6g.large", instanceIdentifiers: Array.from({ length: n }, (_, i) => id(`aurora-${i}`)) });
const docdb = (n: number, instanceClass = "db.r6g.large"): MonitoredDatabase => ({ engine: "docdb", name: "mongo", instanceClass, instanceIdentifiers: Array.from({ length: n }, (_, i) => id(`docdb-${i}`)) });
const redis = (n: number): MonitoredDatabase => ({ engine: "redis", name: "redis", nodeType: "cache.r7g.large", cacheClusterIds: Array.from({ length: n }, (_, i) => id(`redis-00${i + 1}`)) });
const byRole = (specs: ReturnType<typeof alarmSpecs>) => Object.fromEntries(specs.map((s) => [s.key, { metric: s.metricName, threshold: s.threshold, op: s.comparisonOperator, unit: s.namespace }]));

describe("alarm thresholds, from the instance class and estate:monitoring.databases", () => {
    it("RDS db.r6g.large (16 GiB): FreeableMemory below 10 % of 16 GiB, connections above 80 % of LEAST(16 GiB / 9531392, 5000), storage below 15 % of 100 GiB", () => {
        const specs = byRole(alarmSpecs(rds(), PROD, 15));
        expect(postgresDefaultMaxConnections(16)).toBe(1802);
        expect(specs).toEqual({
            "postgres-0-cpu": { metric: "CPUUtilization", threshold: 85, op: "GreaterThanThreshold", unit: "AWS/RDS" },
            "postgres-0-memory": { metric: "FreeableMemory", threshold: 1717986918, op: "LessThanThreshold", unit: "AWS/RDS" },
            "postgres-0-connections": { metric: "DatabaseConnections", threshold: 1441, op: "GreaterThanThreshold", unit: "AWS/RDS" },
            "postgres-0-storage": { metric: "FreeStorageSpace", threshold: Math.floor(0.15 * 100 * GIB), op: "LessThanThreshold", unit: "AWS/RDS" },
        });
    });

    it("a bigger class raises the memory and connection thresholds; the 5000 cap holds", () => {
        const specs = byRole(alarmSpecs(rds("db.r6g.16xlarge"), PROD, 15));
        expect(specs["postgres-0-memory"]!.threshold).toBe(Math.floor(0.1 * 512 * GIB));
        expect(specs["postgres-0-connections"]!.threshold).toBe(4000);
    });

    it("Aurora with a reader: AuroraReplicaLag in milliseconds above half the 15-minute RPO, on every instance (roles move on failover), missing data not breaching", () => {
        const lag = alarmSpecs(aurora(2), PROD, 15).filter((s) => s.role === "replica-lag");
        expect(lag.map((s) => [s.key, s.metricName, s.threshold, s.treatMissingData])).toEqual([
            ["postgres-0-replica-lag", "AuroraReplicaLag", 450000, "notBreaching"],
            ["postgres-1-replica-lag", "AuroraReplicaLag", 450000, "notBreaching"],
        ]);
        // No FreeStorageSpace: the cluster volume grows by itself; the instance's local storage does not
        // (db.r6g.large: 32 GiB per the Aurora PostgreSQL temporary storage table).
        const single = alarmSpecs(aurora(1), PROD, 15);
        expect(single.map((s) => s.role)).toEqual(["cpu", "memory", "connections", "local-storage"]);
        expect(single.find((s) => s.role === "local-storage")).toMatchObject({ metricName: "FreeLocalStorage", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: Math.floor(0.15 * 32 * GIB) });
    });

    it("DocumentDB db.r6g.large: AWS's per-class connection limit (3400) and memory (16 GiB); DBInstanceReplicaLag in milliseconds", () => {
        const specs = byRole(alarmSpecs(docdb(2), PROD, 15));
        expect(specs["mongo-0-connections"]).toEqual({ metric: "DatabaseConnections", threshold: 2720, op: "GreaterThanThreshold", unit: "AWS/DocDB" });
        expect(specs["mongo-0-memory"]!.threshold).toBe(1717986918);
        expect(specs["mongo-1-replica-lag"]).toEqual({ metric: "DBInstanceReplicaLag", threshold: 450000, op: "GreaterThanThreshold", unit: "AWS/DocDB" });
    });

    it("Redis: engine CPU, memory used of maxmemory, clients of maxclients 65000, evictions; a replica-less group gets no lag alarm", () => {
        expect(byRole(alarmSpecs(redis(1), PROD, 15))).toEqual({
            "redis-0-cpu": { metric: "EngineCPUUtilization", threshold: 85, op: "GreaterThanThreshold", unit: "AWS/ElastiCache" },
            "redis-0-memory": { metric: "DatabaseMemoryUsagePercentage", threshold: 90, op: "GreaterThanThreshold", unit: "AWS/ElastiCache" },
            "redis-0-connections": { metric: "CurrConnections", threshold: 52000, op: "GreaterThanThreshold", unit: "AWS/ElastiCache" },
            "redis-0-evictions": { metric: "Evictions", threshold: 0, op: "GreaterThanThreshold", unit: "AWS/ElastiCache" },
        });
        const lag = alarmSpecs(redis(2), PROD, 15).filter((s) => s.role === "replica-lag");
        expect(lag.map((s) => [s.key, s.metricName, s.threshold])).toEqual([
            ["redis-0-replica-lag", "ReplicationLag", 450],
            ["redis-1-replica-lag", "ReplicationLag", 450],
        ]);
    });
});

const args = (extra: Partial<DatabaseAlarmsArgs> = {}): DatabaseAlarmsArgs => ({ databases: [rds(), redis(2)], thresholds: PROD, rpoMinutes: 15, ...extra });
const build = async (a: DatabaseAlarmsArgs) =>
    new Built(
        await runProgram(() => {
            const alarms = new DatabaseAlarms("alarms", a);
            return { topicArn: alarms.topicArn };
        }),
    );

describe("DatabaseAlarms", () => {
    it("publishes every alarm's ALARM and OK to one topic encrypted with its own rotating key, which CloudWatch may use", async () => {
        const b = await build(args());
        const key = b.inputs("alarms-key");
        expect(key).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(JSON.parse(key.policy).Statement).toContainEqual({
            Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
        });
        const keyArn = (fromWire(b.resource("alarms-key").outputs!.toJavaScript()) as { arn: string }).arn;
        expect(b.inputs("alarms-topic").kmsMasterKeyId).toBe(keyArn);
        const topicArn = b.outputs().topicArn as string;
        const alarms = b.ofType(T.alarm);
        expect(alarms).toHaveLength(4 + 2 * 5);
        for (const alarm of alarms) {
            expect(b.inputs(alarm.name)).toMatchObject({ alarmActions: [topicArn], okActions: [topicArn] });
        }
        expect(b.inputs("alarms-redis-1-replica-lag")).toMatchObject({ namespace: "AWS/ElastiCache", metricName: "ReplicationLag", dimensions: { CacheClusterId: "redis-002" }, threshold: 450, treatMissingData: "notBreaching" });
        // Not protected: alarms and their topic hold no data.
        expect(alarms.some((r) => r.protect) || b.resource("alarms-topic").protect || b.resource("alarms-key").protect).toBe(false);
    });

    it("with no receiver, the topic still exists and reaches nobody", async () => {
        const b = await build(args());
        expect(b.maybe("alarms-topic")).toBeDefined();
        expect(b.ofType(T.subscription)).toEqual([]);
        expect(b.ofType(T.chatbot)).toEqual([]);
    });

    it("pages PagerDuty through its Amazon CloudWatch integration URL (a secret), and posts to Slack through AWS Chatbot with a read-only role and guardrail", async () => {
        const b = await build(args({ pagerduty: { integrationKey: pulumi.secret("0123456789abcdef0123456789abcdef") }, slack: { teamId: "T07EA123LEP", channelId: "C07EZ1ABC23", configurationName: "prod-database-alarms" } }));
        expect(b.inputs("alarms-pagerduty")).toMatchObject({ protocol: "https", endpoint: "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue", endpointAutoConfirms: true });
        expect(plainInputs(b.resource("alarms-pagerduty"), "mask").endpoint).toBe("[secret]");
        expect(b.inputs("alarms-slack")).toMatchObject({ configurationName: "prod-database-alarms", slackTeamId: "T07EA123LEP", slackChannelId: "C07EZ1ABC23", guardrailPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"] });
        expect(JSON.parse(b.inputs("alarms-chatbot").assumeRolePolicy).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        expect(JSON.parse(b.inputs("alarms-chatbot-notifications").policy).Statement).toEqual([{ Effect: "Allow", Action: ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"], Resource: "*" }]);
    });

    it("refuses an instance class without AWS figures, naming the argument", async () => {
        const { message, registered } = await buildError(() => new DatabaseAlarms("alarms", args({ databases: [docdb(2, "db.r8g.large")] })));
        expect(message).toBe(
            'DatabaseAlarms "alarms": databases[0].instanceClass unknown DocumentDB instance class "db.r8g.large" (no memory or connection limit on record): use a class listed in components/observability/instance-classes.ts',
        );
        expect(registered.filter((t) => t.startsWith("aws:"))).toEqual([]);
    });

    it("refuses no database, a ratio out of range and a half-configured Slack", async () => {
        expect((await buildError(() => new DatabaseAlarms("alarms", args({ databases: [] })))).message).toMatch(/databases must list at least one managed database/);
        expect((await buildError(() => new DatabaseAlarms("alarms", args({ thresholds: { ...PROD, freeMemoryRatio: 1 } })))).message).toBe('DatabaseAlarms "alarms": thresholds.freeMemoryRatio must be a number > 0 and < 1 (got 1)');
        expect((await buildError(() => new DatabaseAlarms("alarms", args({ slack: { teamId: "T07EA123LEP", channelId: "#shop" } })))).message).toBe(
            'DatabaseAlarms "alarms": slack.channelId must be a Slack channel id such as C07EZ1ABC23 (got "#shop")',
        );
    });
});

describe("the managed components with their alarms", () => {
    it("expose what they run, and their alarms pass the alarm and topic policies", async () => {
        const run = await runProgram(() => {
            const pg = new ManagedPostgres("postgres", { version: "16", network: NETWORK, objectives: OBJECTIVES });
            const aur = new ManagedPostgres("aurora", { version: "16", engine: "aurora", instances: 3, network: NETWORK, objectives: OBJECTIVES });
            const mongo = new ManagedMongo("mongo", { version: "5.0", network: NETWORK, objectives: OBJECTIVES });
            const cache = new ManagedRedis("redis", { version: "7.1", network: NETWORK, objectives: OBJECTIVES });
            expect(pg.monitored).toMatchObject({ engine: "rds", instanceClass: "db.r6g.large", allocatedStorageGb: 100 });
            expect(aur.monitored).toMatchObject({ engine: "aurora" });
            new DatabaseAlarms("alarms", { databases: [pg.monitored, aur.monitored, mongo.monitored, cache.monitored], thresholds: PROD, rpoMinutes: 15 });
            return {};
        });
        const b = new Built(run);
        expect(b.inputs("alarms-redis-0-cpu").dimensions).toEqual({ CacheClusterId: expect.stringMatching(/-001$/) });
        expect(b.resource("alarms-aurora-2-cpu").propertyDependencies.dimensions).toEqual([b.resource("aurora-instance-2").urn]);
        const report = await evaluatePolicies([...cloudwatchPolicies, ...snsPolicies], run.resources, {});
        expect(report.violations).toEqual([]);
        // Without the alarms, the policy finds every database unwatched.
        const bare = await evaluatePolicies(cloudwatchPolicies, run.resources.filter((r) => r.type !== T.alarm), {});
        expect(new Set(bare.violations.map((v) => v.urn))).toEqual(
            new Set(["postgres-db", "aurora-instance-0", "aurora-instance-1", "aurora-instance-2", "mongo-instance-0", "mongo-instance-1", "redis-redis"].map((n) => b.resource(n).urn)),
        );
    });
});
