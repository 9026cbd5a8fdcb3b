/**
 * `ManagedRedis`: Redis on an Amazon ElastiCache replication group, hardened: encrypted at rest with
 * a customer-managed key and in transit (TLS required); a generated auth token kept as a secret and
 * in Secrets Manager; daily snapshots kept per the stack's objectives in an explicit window, and a
 * final snapshot; automatic failover and Multi-AZ with two or more nodes; slow and engine logs
 * delivered to encrypted CloudWatch log groups; a security group admitting only the allowed sources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_WINDOWS, checkDataObjectives, nativeBackupRetentionDays, type DataObjectives } from "../backup/objectives";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { connectionUri, type RedisConnection } from "./connection";
import { dataKey } from "./keys";
import type { KeyGuard } from "../lib/key-guard";
import { checkLogRetentionDays } from "./logs";
import type { MonitoredDatabase } from "./monitored";
import { accessSecurityGroup, validateNetwork, type DataNetwork } from "./network";
import { credentialsSecret } from "./secrets";

export const REDIS_VERSIONS = ["6.2", "7.0", "7.1"] as const;
export type RedisVersion = (typeof REDIS_VERSIONS)[number];
export const REDIS_PORT = 6379;

export interface ManagedRedisArgs {
    /** Redis OSS engine version: 6.2, 7.0 or 7.1. Required. */
    version: RedisVersion;
    /** VPC, private subnets and the allowed sources. Required. */
    network: DataNetwork;
    /**
     * The stack's objectives: snapshots kept `nativeBackupRetentionDays` (`dailyBackupDays`, at least 7
     * when `protectData`, at most 35), the same rule as the databases'. ElastiCache is a cache: AWS
     * Backup does not select it. Required.
     */
    objectives: DataObjectives;
    /** Node type. Default: `cache.r7g.large`. */
    nodeType?: string;
    /** Nodes (a primary and replicas), 1 to 6; 2 or more turn on automatic failover and Multi-AZ. Default: 2. */
    nodes?: number;
    /** A final snapshot on delete, at least 7 days of snapshots, `protect` on the group and key. Default: `true`. */
    protectData?: boolean;
    /** Days the slow and engine logs are kept. Default: 30. */
    logRetentionDays?: number;
    /** An existing KMS key ARN (its policy must let CloudWatch Logs use it). Default: a new rotating key. */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Deny deleting and disabling the key this component creates to all but a break-glass role, and
     * changing its policy to all but that role and the deployers (`components/lib/key-guard.ts`):
     * its snapshots stay encrypted with this key, so whoever may delete it may erase them. Not with `kmsKeyArn`. Default: none (KMS's default key policy).
     */
    keyGuard?: KeyGuard;
    /** AWS region of the replication group and everything it needs. Default: the provider's. */
    region?: string;
    /** Tags for every taggable child. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    nodeType: "cache.r7g.large",
    nodes: 2,
    protectData: true,
    logRetentionDays: 30,
    tags: {} as Record<string, string>,
} satisfies Partial<ManagedRedisArgs>;

/**
 * `transitEncryptionMode` for a version. The mode exists to migrate an existing group to TLS
 * (`preferred`, then `required`), which ElastiCache supports from Redis OSS 7.0.5 (the provider:
 * "Engine versions prior to 7.0.5 only allow this transit encryption to be configured during
 * creation", elasticache/replicationGroup.d.ts; ElastiCache User Guide, "Enabling in-transit
 * encryption"). A 6.2 group created with `transitEncryptionEnabled` accepts TLS connections only
 * already, and gets no mode; 7.x groups say `required` explicitly.
 */
export function transitEncryptionMode(version: RedisVersion): "required" | undefined {
    return version === "6.2" ? undefined : "required";
}

const TYPE = "estate:data:ManagedRedis";

export class ManagedRedis extends pulumi.ComponentResource {
    /** Host, port, database `0`, user `default`, secret auth token and secret `rediss://` URI; `tls` is true. */
    readonly connection: RedisConnection;
    /** The Secrets Manager secret holding the auth token. */
    readonly secretArn: pulumi.Output<string>;
    /** The key of storage, snapshots, logs and the auth token secret (the given one, or the one created here). */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The security group that admits the allowed sources. */
    readonly securityGroupId: pulumi.Output<string>;
    /** How many days of automatic snapshots ElastiCache keeps (from the daily backup objective). */
    readonly snapshotRetentionDays: number;
    /** The cache nodes and their type, for the CloudWatch alarms (`DatabaseAlarms`). */
    readonly monitored: MonitoredDatabase;

    constructor(name: string, args: ManagedRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const { tags, region } = a;
        const keyArn =
            a.kmsKeyArn !== undefined
                ? pulumi.output(a.kmsKeyArn)
                : dataKey({ name, service: "ElastiCache Redis", region, tags, opts: dataOpts, allowCloudWatchLogs: true, guard: a.keyGuard }).arn;
        const retention = nativeBackupRetentionDays({ dailyDays: a.objectives.dailyBackupDays }, { protectData: a.protectData });
        const highlyAvailable = a.nodes >= 2;

        const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { description: `Redis ${name}: private subnets`, subnetIds: a.network.subnetIds, region, tags }, { parent: this });
        const group = accessSecurityGroup({ name, network: a.network, port: REDIS_PORT, service: "Redis", region, tags, parent: this });
        // Auth tokens: 16-128 printable characters; letters and digits avoid URI escaping.
        const generated = new random.RandomPassword(`${name}-auth-token`, { length: 64, special: false }, { parent: this });
        const token = pulumi.secret(generated.result);
        const snapshotSuffix = new random.RandomString(`${name}-snapshot-suffix`, { length: 8, special: false, upper: false }, { parent: this });

        const logGroup = (kind: "slow-log" | "engine-log") =>
            new aws.cloudwatch.LogGroup(
                `${name}-${kind}`,
                { namePrefix: `/estate/elasticache/${name}/${kind}-`, retentionInDays: a.logRetentionDays, kmsKeyId: keyArn, region, tags },
                { parent: this },
            );
        const logs = [logGroup("slow-log"), logGroup("engine-log")];

        const replicationGroup = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                description: `Redis ${name}`,
                engine: "redis",
                engineVersion: a.version,
                nodeType: a.nodeType,
                numCacheClusters: a.nodes,
                automaticFailoverEnabled: highlyAvailable,
                multiAzEnabled: highlyAvailable,
                port: REDIS_PORT,
                atRestEncryptionEnabled: true,
                kmsKeyId: keyArn,
                transitEncryptionEnabled: true,
                transitEncryptionMode: transitEncryptionMode(a.version),
                authToken: token,
                subnetGroupName: subnets.name,
                securityGroupIds: [group.id],
                snapshotRetentionLimit: retention,
                snapshotWindow: BACKUP_WINDOWS.native,
                maintenanceWindow: BACKUP_WINDOWS.maintenance,
                finalSnapshotIdentifier: a.protectData ? pulumi.interpolate`${name}-final-${snapshotSuffix.result}` : undefined,
                autoMinorVersionUpgrade: true,
                logDeliveryConfigurations: logs.map((log, i) => ({
                    destination: log.name,
                    destinationType: "cloudwatch-logs",
                    logFormat: "json",
                    logType: i === 0 ? "slow-log" : "engine-log",
                })),
                region,
                tags,
            },
            dataOpts,
        );

        const host = replicationGroup.primaryEndpointAddress;
        const port = replicationGroup.port.apply((p) => p ?? REDIS_PORT);
        const user = "default";
        const database = "0";
        const uri = connectionUri({ scheme: "rediss", user, password: token, host, port, database });
        this.connection = {
            host,
            port,
            database: pulumi.output(database),
            user: pulumi.output(user),
            password: token,
            uri,
            tls: pulumi.output(true),
        };
        const secret = credentialsSecret({
            name,
            service: "ElastiCache Redis",
            keyArn,
            value: pulumi.jsonStringify({ engine: "redis", host, port, tls: true, username: user, password: token, uri }),
            protectData: a.protectData,
            region,
            tags,
            parent: this,
        });
        this.secretArn = secret.arn;
        this.kmsKeyArn = keyArn;
        this.securityGroupId = group.id;
        this.snapshotRetentionDays = retention;
        // ElastiCache names a group's member clusters (its nodes) `<group id>-001`, `-002`, ... (ElastiCache
        // User Guide's and the AWS CLI reference's create-replication-group examples: "MemberClusters":
        // ["mygroup-001", ...]); they are the `CacheClusterId` dimension of each node's metrics. Derived
        // from the group id rather than read from `memberClusters`, so each node's alarm exists in a
        // preview already (resources are never created inside an apply).
        const cacheClusterIds = Array.from({ length: a.nodes }, (_, i) => pulumi.interpolate`${replicationGroup.id}-${String(i + 1).padStart(3, "0")}`);
        this.monitored = { engine: "redis", name, nodeType: a.nodeType, cacheClusterIds };
        this.registerOutputs({
            connection: this.connection,
            secretArn: this.secretArn,
            kmsKeyArn: this.kmsKeyArn,
            securityGroupId: this.securityGroupId,
            snapshotRetentionDays: this.snapshotRetentionDays,
        });
    }
}

function validate(name: string, args: ManagedRedisArgs): void {
    const check = new ArgChecker(`ManagedRedis "${name}"`);
    check.required("version", args.version, `one of ${REDIS_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, REDIS_VERSIONS);
    validateNetwork(check.component, args.network);
    checkDataObjectives(check, args.objectives);
    check.matches("nodeType", args.nodeType, /^cache\.[a-z0-9-]+\.[a-z0-9]+$/, "an ElastiCache node type such as cache.r7g.large");
    check.int("nodes", args.nodes, 1, 6);
    checkLogRetentionDays(check, args.logRetentionDays);
    check.dataKey(args);
}
