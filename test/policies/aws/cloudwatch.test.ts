import { describe, expect, it } from "vitest";
import { CLOUDWATCH_TYPES as T, cloudwatchDatabaseAlarms } from "../../../policies/aws/cloudwatch";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";

const topic = fakeResource({ type: T.topic, name: "alarms-topic", props: {} });
const TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:alarms-topic";

/** An alarm whose dimensions come from `target` and whose alarmActions come from the topic (unless `notify` is false). */
function alarm(name: string, target: RecordedResource, metricName: string, namespace: string, notify = true): RecordedResource {
    return fakeResource({
        type: T.metricAlarm,
        name,
        props: { metricName, namespace, dimensions: { id: `${target.name}-id` }, alarmActions: notify ? [TOPIC_ARN] : [] },
        dependencies: notify ? [target.urn, topic.urn] : [target.urn],
        propertyDependencies: { dimensions: [target.urn], ...(notify ? { alarmActions: [topic.urn] } : {}) },
    });
}
const alarmsOn = (target: RecordedResource, namespace: string, metrics: string[], times = 1) =>
    metrics.flatMap((m) => Array.from({ length: times }, (_, i) => alarm(`${target.name}-${m}-${i}`, target, m, namespace)));

const RDS = ["CPUUtilization", "FreeableMemory", "FreeStorageSpace", "DatabaseConnections"];
const INSTANCE = ["CPUUtilization", "FreeableMemory", "DatabaseConnections"];
const REDIS = ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections", "Evictions", "ReplicationLag"];

const rds = fakeResource({ type: T.rdsInstance, name: "postgres-db", props: { engine: "postgres", instanceClass: "db.r6g.large" } });
function clusterWith(clusterType: string, instanceType: string, name: string, count: number) {
    const cluster = fakeResource({ type: clusterType, name: `${name}-cluster`, props: {} });
    const instances = Array.from({ length: count }, (_, i) =>
        fakeResource({ type: instanceType, name: `${name}-instance-${i}`, props: { instanceClass: "db.r6g.large" }, dependencies: [cluster.urn], propertyDependencies: { clusterIdentifier: [cluster.urn] } }),
    );
    return { cluster, instances };
}
const aurora = clusterWith(T.rdsCluster, T.rdsClusterInstance, "aurora", 2);
const docdb = clusterWith(T.docdbCluster, T.docdbClusterInstance, "mongo", 2);
const redis = fakeResource({ type: T.replicationGroup, name: "redis-redis", props: { numCacheClusters: 2 } });

function compliant(): RecordedResource[] {
    return [
        topic,
        rds,
        ...alarmsOn(rds, "AWS/RDS", RDS),
        aurora.cluster,
        ...aurora.instances.flatMap((i) => [i, ...alarmsOn(i, "AWS/RDS", [...INSTANCE, "FreeLocalStorage", "AuroraReplicaLag"])]),
        docdb.cluster,
        ...docdb.instances.flatMap((i) => [i, ...alarmsOn(i, "AWS/DocDB", [...INSTANCE, "DBInstanceReplicaLag"])]),
        redis,
        ...alarmsOn(redis, "AWS/ElastiCache", REDIS, 2),
    ];
}
const without = (resources: RecordedResource[], name: string) => resources.filter((r) => r.name !== name);

describe("estate-cloudwatch-database-alarms", () => {
    it("passes RDS, Aurora, DocumentDB and ElastiCache with every required alarm notifying a topic of the stack", async () => {
        expect((await check(cloudwatchDatabaseAlarms, compliant())).violations).toEqual([]);
    });

    it("fails an RDS instance without a FreeStorageSpace alarm, on the instance", async () => {
        const report = await check(cloudwatchDatabaseAlarms, without(compliant(), "postgres-db-FreeStorageSpace-0"));
        expect(report.violations.map((v) => v.urn)).toEqual([rds.urn]);
        expect(messagesOf(report)).toEqual(["RDS instance 'postgres-db' has no CloudWatch alarm on FreeStorageSpace (namespace AWS/RDS, dimensions from this resource)."]);
    });

    it("fails an RDS read replica without a ReplicaLag alarm", async () => {
        const replica = fakeResource({ type: T.rdsInstance, name: "postgres-replica", props: { replicateSourceDb: "arn:aws:rds:eu-west-1:123456789012:db:postgres-db" } });
        expect(messagesOf(await check(cloudwatchDatabaseAlarms, [...compliant(), replica, ...alarmsOn(replica, "AWS/RDS", RDS)]))).toEqual([
            "RDS instance 'postgres-replica' has no CloudWatch alarm on ReplicaLag (namespace AWS/RDS, dimensions from this resource).",
        ]);
    });

    it("fails an Aurora reader without a replica-lag alarm; a single-instance cluster needs none", async () => {
        expect(messagesOf(await check(cloudwatchDatabaseAlarms, without(compliant(), "aurora-instance-1-AuroraReplicaLag-0")))).toEqual([
            "Aurora instance 'aurora-instance-1' has no CloudWatch alarm on AuroraReplicaLag (namespace AWS/RDS, dimensions from this resource).",
        ]);
        const single = clusterWith(T.rdsCluster, T.rdsClusterInstance, "solo", 1);
        const resources = [topic, single.cluster, single.instances[0]!, ...alarmsOn(single.instances[0]!, "AWS/RDS", [...INSTANCE, "FreeLocalStorage"])];
        expect((await check(cloudwatchDatabaseAlarms, resources)).violations).toEqual([]);
    });

    it("fails a DocumentDB instance whose alarms are in another namespace", async () => {
        const resources = compliant().filter((r) => !r.name.startsWith("mongo-instance-0-"));
        resources.push(...alarmsOn(docdb.instances[0]!, "AWS/RDS", [...INSTANCE, "DBInstanceReplicaLag"]));
        expect(messagesOf(await check(cloudwatchDatabaseAlarms, resources))).toEqual(
            [...INSTANCE, "DBInstanceReplicaLag"].map((m) => `DocumentDB instance 'mongo-instance-0' has no CloudWatch alarm on ${m} (namespace AWS/DocDB, dimensions from this resource).`),
        );
    });

    it("fails a replication group with fewer alarms on a metric than nodes", async () => {
        expect(messagesOf(await check(cloudwatchDatabaseAlarms, without(compliant(), "redis-redis-Evictions-1")))).toEqual([
            "ElastiCache replication group 'redis-redis' has 1 CloudWatch alarm(s) on Evictions for its 2 nodes; every node needs one.",
        ]);
    });

    it("does not count an alarm whose dimensions come from another resource", async () => {
        const resources = without(compliant(), "postgres-db-CPUUtilization-0");
        resources.push(alarm("postgres-db-CPUUtilization-0", aurora.instances[0]!, "CPUUtilization", "AWS/RDS"));
        expect(messagesOf(await check(cloudwatchDatabaseAlarms, resources))).toEqual(["RDS instance 'postgres-db' has no CloudWatch alarm on CPUUtilization (namespace AWS/RDS, dimensions from this resource)."]);
    });

    it("fails an alarm that notifies no SNS topic of the stack, on the alarm", async () => {
        const silent = alarm("postgres-db-CPUUtilization-0", rds, "CPUUtilization", "AWS/RDS", false);
        const report = await check(cloudwatchDatabaseAlarms, [...without(compliant(), silent.name), silent]);
        expect(report.violations.map((v) => v.urn)).toEqual([silent.urn]);
        expect(messagesOf(report)).toEqual(["MetricAlarm 'postgres-db-CPUUtilization-0' on CPUUtilization of RDS instance 'postgres-db' notifies no SNS topic of this stack (alarmActions [])."]);
    });

    it("does not apply to a stack without managed databases", async () => {
        const report = await check(cloudwatchDatabaseAlarms, [topic]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => n.policy)).toContain("estate-cloudwatch-database-alarms");
    });
});
