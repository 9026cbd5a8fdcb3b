/**
 * `DatabaseAlarms`: CloudWatch metric alarms on every managed database instance and cache node of
 * the estate (RDS and Aurora PostgreSQL, DocumentDB, ElastiCache for Redis OSS), publishing to one
 * SNS topic encrypted with its own rotating customer-managed key, which reaches the same people as
 * Alertmanager: PagerDuty through its Amazon CloudWatch integration (an HTTPS subscription), Slack
 * through AWS Chatbot. Thresholds come from `estate:monitoring.databases` and from each instance
 * class (`instance-classes.ts`); what each alarm watches and why is in docs/alarms.md.
 *
 * Metric names, dimensions, units and statistics, as AWS documents them:
 * - RDS: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html (namespace AWS/RDS,
 *   dimension DBInstanceIdentifier; CPUUtilization Percent, FreeableMemory and FreeStorageSpace
 *   Bytes, DatabaseConnections Count, ReplicaLag Seconds, read replicas only);
 * - Aurora: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
 *   (instance-level CPUUtilization, FreeableMemory, DatabaseConnections, FreeLocalStorage Bytes;
 *   AuroraReplicaLag in Milliseconds, reported by the replicas);
 * - DocumentDB: https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html
 *   (namespace AWS/DocDB, dimension DBInstanceIdentifier; DBInstanceReplicaLag in milliseconds,
 *   reported by the replicas);
 * - ElastiCache: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html and
 *   CacheMetrics.HostLevel.html (namespace AWS/ElastiCache, dimension CacheClusterId;
 *   EngineCPUUtilization and DatabaseMemoryUsagePercentage Percent, CurrConnections and Evictions
 *   Count, ReplicationLag Seconds, "only applicable for a node running as a read replica").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MonitoredDatabase } from "../data/monitored";
import { ArgChecker, describe, withoutUndefined } from "../lib/args";
import { findKeyGuardProblem, guardedKeyPolicy, type KeyGuard } from "../lib/key-guard";
import { auroraLocalStorageGib, docdbInstanceLimits, gibToBytes, postgresDefaultMaxConnections, rdsInstanceMemoryGib, REDIS_MAX_CLIENTS } from "./instance-classes";

/** The shares that set the alarms' thresholds (`estate:monitoring.databases`). */
export interface DatabaseAlarmThresholds {
    /** Connections / the connection limit above which the connections alarm fires (0-1, exclusive). */
    connectionsRatio: number;
    /** Free storage / allocated storage below which the storage alarm fires (0-1, exclusive; RDS only). */
    freeStorageRatio: number;
    /** CPU utilisation (0-1] above which the CPU alarm fires (Redis: the engine thread). */
    cpuRatio: number;
    /** Freeable memory / the class's memory below which the memory alarm fires (0-1, exclusive; Redis: used / maxmemory above 1 - this). */
    freeMemoryRatio: number;
    /** Replica lag, as a share (0-1] of `rpoMinutes`, above which the lag alarm fires. */
    replicationLagRpoShare: number;
}

export interface DatabaseAlarmsArgs {
    /** The managed databases and caches (their `monitored` output). At least one. Required. */
    databases: MonitoredDatabase[];
    /** Where the alarms fire. Required. */
    thresholds: DatabaseAlarmThresholds;
    /** The recovery point objective in minutes (`estate:dr.rpoMinutes`): the replica-lag thresholds are a share of it. Required. */
    rpoMinutes: number;
    /**
     * PagerDuty: the integration key of an "Amazon CloudWatch" integration on the service to page. The
     * topic gets an HTTPS subscription to `https://events.pagerduty.com/integration/<key>/enqueue`,
     * which PagerDuty confirms by itself. Default: none (nobody is paged).
     */
    pagerduty?: { integrationKey: pulumi.Input<string> };
    /**
     * Slack, through AWS Chatbot: the workspace (team) id, authorised once in the AWS Chatbot console,
     * and the channel id. Default: none (nothing is posted).
     */
    slack?: { teamId: string; channelId: string; configurationName?: string };
    /** Deny deleting and disabling the topic's key to all but a break-glass role (`components/lib/key-guard.ts`). Default: none (KMS's default key policy). */
    keyGuard?: KeyGuard;
    /** AWS region of the alarms, the topic and its key; the databases' region. Default: the provider's. */
    region?: string;
    /** Tags for every taggable child. Default: none. */
    tags?: Record<string, string>;
}

/** One alarm, before it is a resource: what it watches and where it fires. */
export interface AlarmSpec {
    /** `<database>-<instance index>-<role>`: the Pulumi name suffix. */
    key: string;
    role: "cpu" | "memory" | "storage" | "local-storage" | "connections" | "replica-lag" | "evictions";
    namespace: "AWS/RDS" | "AWS/DocDB" | "AWS/ElastiCache";
    metricName: string;
    dimensions: Record<string, pulumi.Output<string>>;
    statistic: "Average" | "Maximum" | "Minimum" | "Sum";
    /** Seconds per datapoint. */
    period: number;
    /** Datapoints evaluated; all must breach. */
    evaluationPeriods: number;
    comparisonOperator: "GreaterThanThreshold" | "LessThanThreshold";
    /** In the metric's own unit (Percent, Bytes, Count, Seconds or Milliseconds). */
    threshold: number;
    /** `notBreaching` for lag metrics, which only a replica reports (roles move on failover). */
    treatMissingData: "missing" | "notBreaching";
    description: string;
}

/** The alarms of one managed database, derived from its class and the thresholds; throws for an unknown class. */
export function alarmSpecs(db: MonitoredDatabase, t: DatabaseAlarmThresholds, rpoMinutes: number): AlarmSpec[] {
    const lagSeconds = t.replicationLagRpoShare * rpoMinutes * 60;
    const pct = (ratio: number) => round(ratio * 100);
    const specs: AlarmSpec[] = [];
    const add = (i: number, spec: Omit<AlarmSpec, "key">) => specs.push({ key: `${db.name}-${i}-${spec.role}`, ...spec });
    const fiveMinutes = { period: 300, evaluationPeriods: 3 };
    const lagWindow = { period: 60, evaluationPeriods: 5 };

    if (db.engine === "redis") {
        const replicas = db.cacheClusterIds.length >= 2;
        db.cacheClusterIds.forEach((id, i) => {
            const dimensions = { CacheClusterId: id };
            const node = `Redis ${db.name} node ${i + 1}`;
            const common = { namespace: "AWS/ElastiCache" as const, dimensions, treatMissingData: "missing" as const };
            // The engine thread: Redis runs commands on one core, so host CPUUtilization understates it
            // on nodes with more vCPUs (ElastiCache "Which metrics should I monitor?", EngineCPUUtilization).
            add(i, { ...common, ...fiveMinutes, role: "cpu", metricName: "EngineCPUUtilization", statistic: "Average", comparisonOperator: "GreaterThanThreshold", threshold: pct(t.cpuRatio), description: `${node}: the Redis engine thread uses more than ${pct(t.cpuRatio)} % CPU (15 min).` });
            // used_memory / maxmemory: eviction (or OOM errors under noeviction) starts at 100 %; host
            // FreeableMemory would also count the 25 % ElastiCache reserves outside maxmemory.
            add(i, { ...common, ...fiveMinutes, role: "memory", metricName: "DatabaseMemoryUsagePercentage", statistic: "Average", comparisonOperator: "GreaterThanThreshold", threshold: pct(1 - t.freeMemoryRatio), description: `${node}: Redis uses more than ${pct(1 - t.freeMemoryRatio)} % of maxmemory (15 min); at 100 % it evicts keys.` });
            const limit = Math.floor(t.connectionsRatio * REDIS_MAX_CLIENTS);
            add(i, { ...common, period: 300, evaluationPeriods: 2, role: "connections", metricName: "CurrConnections", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: limit, description: `${node}: more than ${limit} client connections (${pct(t.connectionsRatio)} % of maxclients ${REDIS_MAX_CLIENTS}).` });
            add(i, { ...common, ...fiveMinutes, role: "evictions", metricName: "Evictions", statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, description: `${node}: Redis evicted keys in each of the last three 5-minute periods: the cache is too small for its data.` });
            if (replicas) {
                add(i, { ...common, ...lagWindow, treatMissingData: "notBreaching", role: "replica-lag", metricName: "ReplicationLag", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: round(lagSeconds), description: `${node}: as a replica, more than ${round(lagSeconds)} s behind the primary (5 min): a failover now loses ${pct(t.replicationLagRpoShare)} % of the RPO.` });
            }
        });
        return specs;
    }

    const docdb = db.engine === "docdb";
    const namespace = docdb ? ("AWS/DocDB" as const) : ("AWS/RDS" as const);
    const limits = docdb ? docdbInstanceLimits(db.instanceClass) : undefined;
    const memoryGib = docdb ? limits?.memoryGib : rdsInstanceMemoryGib(db.instanceClass);
    if (memoryGib === undefined) {
        throw new Error(`unknown ${docdb ? "DocumentDB" : "RDS"} instance class ${describe(db.instanceClass)} (no memory or connection limit on record)`);
    }
    const localStorageGib = db.engine === "aurora" ? auroraLocalStorageGib(db.instanceClass) : undefined;
    if (db.engine === "aurora" && localStorageGib === undefined) {
        throw new Error(`unknown Aurora PostgreSQL instance class ${describe(db.instanceClass)} (no local storage on record)`);
    }
    const connectionLimit = limits?.connections ?? postgresDefaultMaxConnections(memoryGib);
    const product = { rds: "PostgreSQL", aurora: "Aurora PostgreSQL", docdb: "DocumentDB" }[db.engine];
    db.instanceIdentifiers.forEach((id, i) => {
        const dimensions = { DBInstanceIdentifier: id };
        const instance = `${product} ${db.name} instance ${i + 1}`;
        const common = { namespace, dimensions, treatMissingData: "missing" as const };
        add(i, { ...common, ...fiveMinutes, role: "cpu", metricName: "CPUUtilization", statistic: "Average", comparisonOperator: "GreaterThanThreshold", threshold: pct(t.cpuRatio), description: `${instance}: CPU above ${pct(t.cpuRatio)} % (15 min).` });
        const freeBytes = Math.floor(t.freeMemoryRatio * gibToBytes(memoryGib));
        add(i, { ...common, ...fiveMinutes, role: "memory", metricName: "FreeableMemory", statistic: "Average", comparisonOperator: "LessThanThreshold", threshold: freeBytes, description: `${instance}: less than ${pct(t.freeMemoryRatio)} % of the ${db.instanceClass}'s ${memoryGib} GiB freeable (15 min).` });
        const connections = Math.floor(t.connectionsRatio * connectionLimit);
        add(i, { ...common, period: 300, evaluationPeriods: 2, role: "connections", metricName: "DatabaseConnections", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: connections, description: `${instance}: more than ${connections} connections (${pct(t.connectionsRatio)} % of the ${db.instanceClass}'s limit ${connectionLimit}).` });
        if (db.engine === "rds") {
            const freeStorage = Math.floor(t.freeStorageRatio * gibToBytes(db.allocatedStorageGb));
            add(i, { ...common, period: 300, evaluationPeriods: 1, role: "storage", metricName: "FreeStorageSpace", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: freeStorage, description: `${instance}: less than ${pct(t.freeStorageRatio)} % of its ${db.allocatedStorageGb} GiB allocated storage free.` });
            if (db.readReplica) {
                add(i, { ...common, ...lagWindow, role: "replica-lag", metricName: "ReplicaLag", statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: round(lagSeconds), description: `${instance}: the read replica is more than ${round(lagSeconds)} s behind (5 min).` });
            }
        } else if (localStorageGib !== undefined) {
            // Aurora's cluster volume grows by itself; each instance's local storage (temporary files:
            // sorts, index builds) does not, and a full one fails those queries.
            const freeLocal = Math.floor(t.freeStorageRatio * gibToBytes(localStorageGib));
            add(i, { ...common, period: 300, evaluationPeriods: 1, role: "local-storage", metricName: "FreeLocalStorage", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: freeLocal, description: `${instance}: less than ${pct(t.freeStorageRatio)} % of the ${db.instanceClass}'s ${localStorageGib} GiB local (temporary) storage free.` });
        }
        if (db.engine !== "rds" && db.instanceIdentifiers.length >= 2) {
            const metricName = docdb ? "DBInstanceReplicaLag" : "AuroraReplicaLag";
            const lagMs = round(lagSeconds * 1000);
            add(i, { ...common, ...lagWindow, treatMissingData: "notBreaching", role: "replica-lag", metricName, statistic: "Maximum", comparisonOperator: "GreaterThanThreshold", threshold: lagMs, description: `${instance}: as a replica, more than ${lagMs} ms behind the writer (5 min): a failover now loses ${pct(t.replicationLagRpoShare)} % of the RPO.` });
        }
    });
    return specs;
}

/** Rounds away floating-point noise (0.85 * 100 = 85.00000000000001). */
function round(value: number): number {
    return Math.round(value * 1e6) / 1e6;
}

/** PagerDuty's endpoint for an "Amazon CloudWatch" integration (the integration URL PagerDuty shows). */
export function pagerDutyCloudWatchUrl(integrationKey: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`https://events.pagerduty.com/integration/${integrationKey}/enqueue`);
}

/** Days KMS waits before deleting the topic's key (the maximum, as for every estate key). */
const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * The key policy statement that lets CloudWatch alarms publish to a topic encrypted with the key:
 * "To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt permissions, add the
 * following statement to the KMS policy" (SNS Developer Guide, "Enable compatibility between event
 * sources from AWS services and encrypted topics",
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services),
 * with the service principal `cloudwatch.amazonaws.com`. Without it the alarms change state but
 * every notification is dropped. Subscribers need nothing: SNS decrypts before it delivers.
 */
export const CLOUDWATCH_PUBLISH_STATEMENT = {
    Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Resource: "*",
} as const;

/**
 * What the AWS Chatbot channel role may do: read CloudWatch, to render the alarm notifications
 * (AWS Chatbot's "Notification permissions" template); nothing else. The channel's guardrail is
 * CloudWatchReadOnlyAccess instead of the default AdministratorAccess
 * (aws.chatbot.SlackChannelConfiguration `guardrailPolicyArns`), so no one can run commands through it.
 */
export const CHATBOT_NOTIFICATION_ACTIONS = ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"] as const;

const TYPE = "estate:observability:DatabaseAlarms";

export class DatabaseAlarms extends pulumi.ComponentResource {
    /** The SNS topic every alarm notifies (ALARM and OK); subscribe more receivers to it. */
    readonly topicArn: pulumi.Output<string>;
    /** The customer-managed key the topic is encrypted with. */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The alarms, by `<database>-<instance index>-<role>`. */
    readonly alarmNames: Record<string, pulumi.Output<string>>;
    /** Who the topic reaches: `pagerduty`, `slack`; empty when it reaches nobody. */
    readonly receivers: readonly ("pagerduty" | "slack")[];

    constructor(name: string, args: DatabaseAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        const specs = validate(name, args);
        const a = { tags: {} as Record<string, string>, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);
        const { region, tags } = a;

        const account = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this });
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the SNS topic of the database alarms ${name}`,
                enableKeyRotation: true,
                deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
                policy: pulumi
                    .all([account.accountId, partition.partition])
                    .apply(([accountId, part]) => JSON.stringify(guardedKeyPolicy(accountId, part, { guard: a.keyGuard, allow: [CLOUDWATCH_PUBLISH_STATEMENT] }))),
                region,
                tags,
            },
            { parent: this },
        );
        new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/estate/${name}-`, targetKeyId: key.arn, region }, { parent: this });
        // The key's ARN, not an alias: an alias can be repointed, and alias/aws/sns is the AWS managed key,
        // whose policy CloudWatch cannot be added to.
        const topic = new aws.sns.Topic(`${name}-topic`, { displayName: `Database alarms (${name})`, kmsMasterKeyId: key.arn, region, tags }, { parent: this });

        const receivers: ("pagerduty" | "slack")[] = [];
        if (a.pagerduty) {
            new aws.sns.TopicSubscription(
                `${name}-pagerduty`,
                { topic: topic.arn, protocol: "https", endpoint: pagerDutyCloudWatchUrl(a.pagerduty.integrationKey), endpointAutoConfirms: true, region },
                { parent: this },
            );
            receivers.push("pagerduty");
        }
        if (a.slack) {
            const role = new aws.iam.Role(
                `${name}-chatbot`,
                {
                    description: `AWS Chatbot: posts the database alarms ${name} to Slack`,
                    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
                    tags,
                },
                { parent: this },
            );
            new aws.iam.RolePolicy(
                `${name}-chatbot-notifications`,
                { role: role.name, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: [...CHATBOT_NOTIFICATION_ACTIONS], Resource: "*" }] }) },
                { parent: this },
            );
            new aws.chatbot.SlackChannelConfiguration(
                `${name}-slack`,
                {
                    configurationName: a.slack.configurationName ?? name,
                    iamRoleArn: role.arn,
                    slackTeamId: a.slack.teamId,
                    slackChannelId: a.slack.channelId,
                    snsTopicArns: [topic.arn],
                    guardrailPolicyArns: [pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`],
                    loggingLevel: "ERROR",
                    region,
                    tags,
                },
                { parent: this },
            );
            receivers.push("slack");
        }

        const alarmNames: Record<string, pulumi.Output<string>> = {};
        for (const spec of specs) {
            const alarm = new aws.cloudwatch.MetricAlarm(
                `${name}-${spec.key}`,
                {
                    alarmDescription: spec.description,
                    namespace: spec.namespace,
                    metricName: spec.metricName,
                    dimensions: spec.dimensions,
                    statistic: spec.statistic,
                    period: spec.period,
                    evaluationPeriods: spec.evaluationPeriods,
                    datapointsToAlarm: spec.evaluationPeriods,
                    comparisonOperator: spec.comparisonOperator,
                    threshold: spec.threshold,
                    treatMissingData: spec.treatMissingData,
                    // ALARM pages / posts; OK resolves the PagerDuty incident and tells the channel.
                    alarmActions: [topic.arn],
                    okActions: [topic.arn],
                    region,
                    tags,
                },
                { parent: this },
            );
            alarmNames[spec.key] = alarm.name;
        }

        this.topicArn = topic.arn;
        this.kmsKeyArn = key.arn;
        this.alarmNames = alarmNames;
        this.receivers = receivers;
        this.registerOutputs({ topicArn: this.topicArn, kmsKeyArn: this.kmsKeyArn, alarmNames: this.alarmNames, receivers: this.receivers });
    }
}

function validate(name: string, args: DatabaseAlarmsArgs): AlarmSpec[] {
    const check = new ArgChecker(`DatabaseAlarms "${name}"`);
    if (!Array.isArray(args.databases) || args.databases.length === 0) {
        check.fail("databases", "must list at least one managed database (the `monitored` output of ManagedPostgres, ManagedMongo or ManagedRedis)");
    }
    const t = args.thresholds;
    if (t === undefined || t === null) {
        check.fail("thresholds", "is required (connectionsRatio, freeStorageRatio, cpuRatio, freeMemoryRatio, replicationLagRpoShare)");
    }
    const ratio = (field: keyof DatabaseAlarmThresholds, inclusiveMax: boolean) => {
        const value = t[field] as unknown;
        if (typeof value !== "number" || !(value > 0) || (inclusiveMax ? value > 1 : value >= 1)) {
            check.fail(`thresholds.${field}`, `must be a number > 0 and ${inclusiveMax ? "<= 1" : "< 1"} (got ${describe(value)})`);
        }
    };
    ratio("connectionsRatio", false);
    ratio("freeStorageRatio", false);
    ratio("cpuRatio", true);
    ratio("freeMemoryRatio", false);
    ratio("replicationLagRpoShare", true);
    if (typeof args.rpoMinutes !== "number" || !(args.rpoMinutes > 0)) {
        check.fail("rpoMinutes", `must be a number of minutes > 0 (got ${describe(args.rpoMinutes)})`);
    }
    if (args.slack !== undefined) {
        check.matches("slack.teamId", args.slack.teamId, /^[A-Z0-9]{9,15}$/, "a Slack workspace (team) id such as T07EA123LEP");
        check.matches("slack.channelId", args.slack.channelId, /^[A-Z0-9]{9,15}$/, "a Slack channel id such as C07EZ1ABC23");
        check.required("slack.teamId", args.slack.teamId, "the Slack workspace id AWS Chatbot was authorised for");
        check.required("slack.channelId", args.slack.channelId, "the Slack channel id");
    }
    if (args.pagerduty !== undefined) {
        check.required("pagerduty.integrationKey", args.pagerduty.integrationKey, "the integration key of PagerDuty's Amazon CloudWatch integration");
    }
    if (args.keyGuard !== undefined) {
        const problem = findKeyGuardProblem(args.keyGuard);
        if (problem) {
            check.fail(`keyGuard.${problem.argument}`, problem.problem);
        }
    }
    const names = new Set<string>();
    return args.databases.flatMap((db, i) => {
        if (names.has(db.name)) {
            check.fail(`databases[${i}].name`, `must be unique (${describe(db.name)} appears twice)`);
        }
        names.add(db.name);
        try {
            return alarmSpecs(db, t, args.rpoMinutes);
        } catch (e) {
            return check.fail(`databases[${i}].instanceClass`, `${(e as Error).message}: use a class listed in components/observability/instance-classes.ts`);
        }
    });
}
