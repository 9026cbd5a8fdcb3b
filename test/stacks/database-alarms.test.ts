/**
 * The managed databases of every example stack are watched by CloudWatch alarms that notify one SNS
 * topic encrypted with the stack's own customer-managed key; a stack without managed data has none.
 */
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CLOUDWATCH_TYPES as T } from "../../policies/aws/cloudwatch";
import { fromWire, plainInputs, type EngineRun, type RecordedResource } from "../../scripts/engine/mock-engine";
import { stackNames } from "../../scripts/engine/stacks";
import { plannedStack } from "../helpers/plans";

const root = path.resolve(__dirname, "../..");
const DATABASE_TYPES: string[] = [T.rdsInstance, T.rdsClusterInstance, T.docdbClusterInstance, T.replicationGroup];
const outputs = (r: RecordedResource) => fromWire(r.outputs!.toJavaScript(), "unwrap") as Record<string, unknown>;
const ofType = (run: EngineRun, type: string) => run.resources.filter((r) => r.type === type);

describe.each(stackNames(root))("stack %s", (stack) => {
    it("alarms on every managed database notify one SNS topic encrypted with a key of the stack", async () => {
        const run = await plannedStack(stack);
        const databases = run.resources.filter((r) => DATABASE_TYPES.includes(r.type));
        const alarms = ofType(run, T.metricAlarm);
        const topics = ofType(run, T.topic);
        if (databases.length === 0) {
            expect([alarms.length, topics.length]).toEqual([0, 0]);
            return;
        }
        expect(topics).toHaveLength(1);
        const topic = topics[0]!;
        const key = run.resources.find((r) => r.type === "aws:kms/key:Key" && r.urn === topic.propertyDependencies.kmsMasterKeyId?.[0]);
        expect(key, "the topic's kmsMasterKeyId comes from a key of the stack").toBeDefined();
        expect(plainInputs(key!, "unwrap")).toMatchObject({ enableKeyRotation: true });
        expect(plainInputs(topic, "unwrap").kmsMasterKeyId).toBe(outputs(key!).arn);
        for (const db of databases) {
            expect(alarms.filter((a) => a.propertyDependencies.dimensions?.includes(db.urn)).length, `alarms on ${db.name}`).toBeGreaterThanOrEqual(3);
        }
        const topicArn = outputs(topic).arn;
        for (const alarm of alarms) {
            expect(plainInputs(alarm, "unwrap"), alarm.name).toMatchObject({ alarmActions: [topicArn], okActions: [topicArn] });
        }
    });
});

describe("the prod stack", () => {
    it("alarms on its RDS instance, its DocumentDB instances and each node of its Redis group", async () => {
        const run = await plannedStack("prod");
        const metricsOf = (name: string) => {
            const target = run.resources.find((r) => r.name === name)!;
            return ofType(run, T.metricAlarm)
                .filter((a) => a.propertyDependencies.dimensions?.includes(target.urn))
                .map((a) => plainInputs(a, "unwrap").metricName as string)
                .sort();
        };
        expect(metricsOf("postgres-db")).toEqual(["CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"]);
        expect(metricsOf("mongo-instance-1")).toEqual(["CPUUtilization", "DBInstanceReplicaLag", "DatabaseConnections", "FreeableMemory"]);
        expect(metricsOf("redis-redis")).toEqual(
            ["CurrConnections", "DatabaseMemoryUsagePercentage", "EngineCPUUtilization", "Evictions", "ReplicationLag"].flatMap((m) => [m, m]),
        );
    });
});
