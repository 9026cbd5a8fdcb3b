/**
 * CloudWatch policies: the alarms that watch the managed databases (`aws.cloudwatch.MetricAlarm`).
 * An alarm is joined to what it watches through its `dimensions` input (the engine records which
 * resources each input came from), never through identifier values, which are unknown in a preview.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { awsConfigRule, type EstateStackPolicy } from "../lib/policy";
import { label, ofType, propsAs, referencedThrough } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const CLOUDWATCH_TYPES = {
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    docdbCluster: "aws:docdb/cluster:Cluster",
    docdbClusterInstance: "aws:docdb/clusterInstance:ClusterInstance",
    replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
} as const;

/** What a watched resource must have alarms on: the metrics of its own dimension (docs/alarms.md cites AWS's metric pages). */
interface Requirement {
    what: string;
    namespace: string;
    metrics: string[];
    /** How many alarms each metric needs (one per cache node). */
    perMetric: number;
}

function replicaCount(resource: PolicyResource, resources: readonly PolicyResource[], clusterType: string): number {
    const cluster = referencedThrough(resource, "clusterIdentifier", clusterType)[0];
    if (cluster === undefined) {
        return 1;
    }
    return resources.filter((r) => r.type === resource.type && referencedThrough(r, "clusterIdentifier", clusterType).some((c) => c.urn === cluster.urn)).length;
}

function requirementOf(resource: PolicyResource, resources: readonly PolicyResource[]): Requirement | undefined {
    const T = CLOUDWATCH_TYPES;
    switch (resource.type) {
        case T.rdsInstance: {
            const replica = peek(() => propsAs(resource, aws.rds.Instance).replicateSourceDb);
            const isReplica = replica !== undefined && replica !== null && replica !== "";
            return { what: `RDS instance '${resource.name}'`, namespace: "AWS/RDS", metrics: ["CPUUtilization", "FreeableMemory", "FreeStorageSpace", "DatabaseConnections", ...(isReplica ? ["ReplicaLag"] : [])], perMetric: 1 };
        }
        case T.rdsClusterInstance: {
            const replicas = replicaCount(resource, resources, T.rdsCluster) >= 2;
            return { what: `Aurora instance '${resource.name}'`, namespace: "AWS/RDS", metrics: ["CPUUtilization", "FreeableMemory", "FreeLocalStorage", "DatabaseConnections", ...(replicas ? ["AuroraReplicaLag"] : [])], perMetric: 1 };
        }
        case T.docdbClusterInstance: {
            const replicas = replicaCount(resource, resources, T.docdbCluster) >= 2;
            return { what: `DocumentDB instance '${resource.name}'`, namespace: "AWS/DocDB", metrics: ["CPUUtilization", "FreeableMemory", "DatabaseConnections", ...(replicas ? ["DBInstanceReplicaLag"] : [])], perMetric: 1 };
        }
        case T.replicationGroup: {
            const count = peek(() => propsAs(resource, aws.elasticache.ReplicationGroup).numCacheClusters);
            const nodes = typeof count === "number" && count > 0 ? count : 1;
            return {
                what: `ElastiCache replication group '${resource.name}'`,
                namespace: "AWS/ElastiCache",
                metrics: ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections", "Evictions", ...(nodes >= 2 ? ["ReplicationLag"] : [])],
                perMetric: nodes,
            };
        }
        default:
            return undefined;
    }
}

export const cloudwatchDatabaseAlarms: EstateStackPolicy = {
    name: "estate-cloudwatch-database-alarms",
    checks:
        "Every RDS instance, Aurora and DocumentDB cluster instance and ElastiCache replication group has CloudWatch metric alarms whose dimensions come from it, in its namespace, on CPU, freeable memory, connections, free storage (RDS; Aurora: local storage), evictions (Redis) and replica lag (where a replica exists), one per cache node; each such alarm's alarmActions include an SNS topic of the stack.",
    description:
        "A managed database that runs out of storage, memory or connections, or whose replica falls behind the RPO, " +
        "must page someone before the applications fail: the estate watches them with CloudWatch alarms (the " +
        "metrics exist only in CloudWatch). An alarm without an action changes colour in the console and tells nobody, " +
        "so each must notify an SNS topic of the stack, which reaches the on-call receivers.",
    remediationSteps:
        "Pass the database's `monitored` output to the estate's DatabaseAlarms component (infra/estate.ts " +
        "buildDatabaseAlarms), or create an aws.cloudwatch.MetricAlarm per missing metric with `dimensions` built from " +
        "the resource's identifier output (DBInstanceIdentifier, or CacheClusterId `<group id>-00N` per node) and " +
        "`alarmActions: [topic.arn]`.",
    severity: "high",
    tags: ["aws", "cloudwatch", awsConfigRule("cloudwatch-alarm-action-check")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const watched = args.resources.filter((r) => requirementOf(r, args.resources) !== undefined);
        if (watched.length === 0) {
            args.notApplicable("The stack has no managed database (RDS instance, Aurora or DocumentDB cluster instance, ElastiCache replication group).");
        }
        const alarms = ofType(args.resources, aws.cloudwatch.MetricAlarm);
        forEachDeferringUnknowns(watched, (resource) => {
            const need = requirementOf(resource, args.resources)!;
            const mine = alarms.filter((a) => referencedThrough(a, "dimensions", resource.type).some((d) => d.urn === resource.urn));
            for (const metric of need.metrics) {
                const onMetric = mine.filter((a) => {
                    const props = propsAs(a, aws.cloudwatch.MetricAlarm);
                    return peek(() => props.metricName) === metric && peek(() => props.namespace) === need.namespace;
                });
                if (onMetric.length === 0) {
                    report(`${need.what} has no CloudWatch alarm on ${metric} (namespace ${need.namespace}, dimensions from this resource).`, resource.urn);
                } else if (onMetric.length < need.perMetric) {
                    report(`${need.what} has ${onMetric.length} CloudWatch alarm(s) on ${metric} for its ${need.perMetric} nodes; every node needs one.`, resource.urn);
                }
                for (const alarm of onMetric) {
                    if (referencedThrough(alarm, "alarmActions", CLOUDWATCH_TYPES.topic).length === 0) {
                        const actions = peek(() => propsAs(alarm, aws.cloudwatch.MetricAlarm).alarmActions);
                        const shown = actions === UNKNOWN ? "not known" : JSON.stringify(actions ?? []);
                        report(`${label(alarm)} on ${metric} of ${need.what} notifies no SNS topic of this stack (alarmActions ${shown}).`, alarm.urn);
                    }
                }
            }
        });
    },
};

export const cloudwatchPolicies = [cloudwatchDatabaseAlarms];
