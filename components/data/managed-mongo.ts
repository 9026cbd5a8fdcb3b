/**
 * `ManagedMongo`: a MongoDB-compatible database on Amazon DocumentDB, hardened: storage encrypted
 * with a customer-managed key; TLS enforced, audit logs and the slow-operation profiler on through
 * its cluster parameter group, both exported to log groups created beforehand under the same key
 * with a retention; backups kept per the stack's objectives (at least 7 days for
 * protected data) with explicit windows; deletion protection and a final snapshot; at least two
 * instances by default; a generated master password kept as a secret and in Secrets Manager. The
 * cluster carries the `estate:backup` tag that AWS Backup's tag selection selects, and `databaseArn`
 * is what a `BackupPlan` takes in `resources`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_SELECTION_TAG, BACKUP_WINDOWS, checkDataObjectives, nativeBackupRetentionDays, type DataObjectives } from "../backup/objectives";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { APP_DATABASE, makeConnection, type DatabaseConnection } from "./connection";
import { dataKey } from "./keys";
import type { KeyGuard } from "../lib/key-guard";
import { DATABASE_IDENTIFIER, DATABASE_LOG_RETENTION_DAYS, checkLogRetentionDays, SERVICE_LOG_GROUPS, databaseIdentifier, serviceLogGroups, warnOnIdentifierDrift } from "./logs";
import type { MonitoredDatabase } from "./monitored";
import { accessSecurityGroup, validateNetwork, type DataNetwork } from "./network";
import { credentialsSecret } from "./secrets";

export const MONGO_VERSIONS = ["4.0", "5.0", "8.0"] as const;
export type MongoVersion = (typeof MONGO_VERSIONS)[number];
export const MONGO_PORT = 27017;

export interface ManagedMongoArgs {
    /** The MongoDB API version DocumentDB implements: 4.0, 5.0 or 8.0. Required. */
    version: MongoVersion;
    /** VPC, private subnets and the allowed sources. Required. */
    network: DataNetwork;
    /** The stack's objectives: backups kept `nativeBackupRetentionDays` (`dailyBackupDays`, at least 7 when `protectData`, at most 35). Required. */
    objectives: DataObjectives;
    /** Instance class. Default: `db.r6g.large`. */
    instanceClass?: string;
    /** Instances, 1 to 16: a primary and replicas across the subnets' zones. Default: 2. */
    instances?: number;
    /** The application database named in the connection (DocumentDB creates it on first write). Default: `app`. */
    database?: string;
    /** The master user. Default: `estate`. */
    user?: string;
    /** Deletion protection, a final snapshot, at least 7 days of backups, `protect` on the cluster and key. Default: `true`. */
    protectData?: boolean;
    /** An existing KMS key ARN; its policy must let CloudWatch Logs use it (the log groups use it). Default: a new rotating key. */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Deny deleting and disabling the key this component creates to all but a break-glass role, and
     * changing its policy to all but that role and the deployers (`components/lib/key-guard.ts`):
     * the database's AWS Backup recovery points stay encrypted with this key, so whoever may delete
     * it may erase them. Not with `kmsKeyArn`. Default: none (KMS's default key policy).
     */
    keyGuard?: KeyGuard;
    /**
     * The account of the vault AWS Backup copies this database's recovery points to (a separate
     * backup account): the created key's policy lets that account use the key for the copies, which
     * AWS Backup then re-encrypts with the destination vault's key. Not with `kmsKeyArn`. Default: none.
     */
    backupAccountId?: string;
    /**
     * The cluster identifier, for a cluster created before the estate named it (keep it, or the
     * log groups are named after another cluster). Default: `<name>-docdb-<8 random characters>`,
     * drawn once; a later change is ignored (the cluster is never replaced for its name).
     */
    identifier?: string;
    /** Days the audit and profiler logs are kept (a CloudWatch Logs retention value). Default: 365. */
    logRetentionDays?: number;
    /** AWS region of the cluster and everything it needs. Default: the provider's. */
    region?: string;
    /** Tags for every taggable child; the cluster also gets `estate:backup: "true"`, so the key is reserved. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    instanceClass: "db.r6g.large",
    instances: 2,
    database: APP_DATABASE,
    user: "estate",
    protectData: true,
    logRetentionDays: DATABASE_LOG_RETENTION_DAYS,
    tags: {} as Record<string, string>,
} satisfies Partial<ManagedMongoArgs>;

/**
 * Cluster parameters (names, valid values and apply types from the DocumentDB Developer Guide,
 * "Amazon DocumentDB cluster parameters reference",
 * https://docs.aws.amazon.com/documentdb/latest/developerguide/cluster_parameter_groups-list_of_parameters.html):
 * - `tls` (static, so pending-reboot): TLS required;
 * - `audit_logs` (dynamic; enabled, disabled, ddl, dml_read, dml_write, all, none; default disabled):
 *   DDL, authentication and user management events;
 * - `profiler` (dynamic; enabled, disabled; default disabled): without it the `profiler` export
 *   carries nothing;
 * - `profiler_threshold_ms` (dynamic; 50-2147483646; default 100): operations slower than this are
 *   logged. 500 ms, the start AWS recommends ("Profiling Amazon DocumentDB operations": a low
 *   threshold costs throughput);
 * - `profiler_sampling_rate` (dynamic; 0.0-1.0; default 1.0): every slow operation.
 */
export const DOCDB_PARAMETERS = [
    { name: "tls", value: "enabled", applyMethod: "pending-reboot" },
    { name: "audit_logs", value: "enabled", applyMethod: "immediate" },
    { name: "profiler", value: "enabled", applyMethod: "immediate" },
    { name: "profiler_threshold_ms", value: "500", applyMethod: "immediate" },
    { name: "profiler_sampling_rate", value: "1.0", applyMethod: "immediate" },
];
/** Logs DocumentDB exports to CloudWatch Logs; each is switched on by a parameter above. */
export const DOCDB_LOG_EXPORTS = ["audit", "profiler"];

const TYPE = "estate:data:ManagedMongo";

export class ManagedMongo extends pulumi.ComponentResource {
    /** Host, port, database, user, secret password and secret URI (TLS, replica set, no retryable writes). */
    readonly connection: DatabaseConnection;
    /** The Secrets Manager secret holding the credentials. */
    readonly secretArn: pulumi.Output<string>;
    /** The key of storage, snapshots, logs and the credentials secret (the given one, or the one created here). */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The security group that admits the allowed sources. */
    readonly securityGroupId: pulumi.Output<string>;
    /**
     * Where a restored copy of this database goes (its subnet group and security group), as AWS
     * Backup's restore metadata: what restore testing (`BackupPlan`'s `restoreMetadataOverrides`)
     * needs so its test restores land in this VPC, not in a default VPC that may not exist.
     */
    readonly restoreMetadata: Record<string, pulumi.Output<string>>;
    /** Days automated backups are kept (`backupRetentionPeriod`). */
    readonly backupRetentionDays: number;
    /** The ARN of what AWS Backup protects: the DocumentDB cluster. */
    readonly databaseArn: pulumi.Output<string>;
    /** The instances and their class, for the CloudWatch alarms (`DatabaseAlarms`). */
    readonly monitored: MonitoredDatabase;

    constructor(name: string, args: ManagedMongoArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const { tags, region } = a;
        const keyArn = a.kmsKeyArn !== undefined ? pulumi.output(a.kmsKeyArn) : dataKey({ name, service: "DocumentDB", region, tags, opts: dataOpts, guard: a.keyGuard, copyToAccountId: a.backupAccountId, allowCloudWatchLogs: true }).arn;
        const retention = nativeBackupRetentionDays({ dailyDays: a.objectives.dailyBackupDays }, { protectData: a.protectData });

        const subnets = new aws.docdb.SubnetGroup(`${name}-subnets`, { description: `DocumentDB ${name}: private subnets`, subnetIds: a.network.subnetIds, region, tags }, { parent: this });
        const group = accessSecurityGroup({ name, network: a.network, port: MONGO_PORT, service: "DocumentDB", region, tags, parent: this });
        const params = new aws.docdb.ClusterParameterGroup(
            `${name}-params`,
            // The description is the one the group was created with, although the profiler is now on
            // too: DocumentDB cannot modify a description (ModifyDBClusterParameterGroup takes
            // parameters only), so the provider replaces the group for a new one (`description`
            // is ForceNew, terraform-provider-aws internal/service/docdb/cluster_parameter_group.go),
            // which swaps every existing cluster to a new group left pending a reboot for `tls`.
            { description: `DocumentDB ${name}: TLS and audit logs`, family: `docdb${a.version}`, parameters: DOCDB_PARAMETERS, region, tags },
            { parent: this },
        );
        // DocumentDB passwords: printable ASCII except / " @; letters and digits avoid URI escaping too.
        const generated = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        const password = pulumi.secret(generated.result);
        const snapshotSuffix = new random.RandomString(`${name}-snapshot-suffix`, { length: 8, special: false, upper: false }, { parent: this });
        // The log groups DocumentDB writes to, named after the cluster, exist before it: else the
        // service creates them itself, without the key and kept forever.
        const identifier = databaseIdentifier(name, `${name}-docdb`, a.identifier, this);
        const logGroups = serviceLogGroups({
            name,
            logs: DOCDB_LOG_EXPORTS,
            groupName: (log) => identifier.apply((id) => SERVICE_LOG_GROUPS.docdbCluster(id, log)),
            keyArn,
            retentionDays: a.logRetentionDays,
            region,
            tags,
            parent: this,
            retainOnDelete: a.protectData,
        });

        const cluster = new aws.docdb.Cluster(
            `${name}-cluster`,
            {
                clusterIdentifier: identifier,
                engine: "docdb",
                engineVersion: `${a.version}.0`,
                masterUsername: a.user,
                masterPassword: password,
                port: MONGO_PORT,
                storageEncrypted: true,
                kmsKeyId: keyArn,
                dbClusterParameterGroupName: params.name,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [group.id],
                backupRetentionPeriod: retention,
                preferredBackupWindow: BACKUP_WINDOWS.native,
                preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
                enabledCloudwatchLogsExports: DOCDB_LOG_EXPORTS,
                deletionProtection: a.protectData,
                skipFinalSnapshot: !a.protectData,
                finalSnapshotIdentifier: a.protectData ? pulumi.interpolate`${name}-final-${snapshotSuffix.result}` : undefined,
                allowMajorVersionUpgrade: false,
                region,
                // Only the cluster is selected: AWS Backup backs up a DocumentDB cluster, not its instances.
                tags: { ...tags, [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value },
            },
            // A cluster created before the estate named it keeps its (auto-)name: never replaced for it.
            { ...dataOpts, dependsOn: logGroups, ignoreChanges: ["clusterIdentifier"] },
        );
        warnOnIdentifierDrift(cluster.clusterIdentifier, identifier, "estate:data.mongo.identifier", cluster);
        const instanceIdentifiers: pulumi.Output<string>[] = [];
        for (let i = 0; i < a.instances; i++) {
            const instance = new aws.docdb.ClusterInstance(
                `${name}-instance-${i}`,
                {
                    clusterIdentifier: cluster.id,
                    instanceClass: a.instanceClass,
                    // No autoMinorVersionUpgrade: DocumentDB ignores it (provider docs, docdb/clusterInstance.d.ts).
                    // Engine patches arrive as pending maintenance actions applied in the cluster's
                    // maintenance window; minor versions (5.0.x) only by changing the engine version.
                    preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
                    promotionTier: i,
                    copyTagsToSnapshot: true,
                    region,
                    tags,
                },
                dataOpts,
            );
            instanceIdentifiers.push(instance.identifier);
        }

        const host = cluster.endpoint;
        const port = cluster.port.apply((p) => p ?? MONGO_PORT);
        const query = { authSource: "admin", tls: "true", replicaSet: "rs0", readPreference: "secondaryPreferred", retryWrites: "false" };
        this.connection = makeConnection({ scheme: "mongodb", user: a.user, password, host, port, database: a.database, query });
        const secret = credentialsSecret({
            name,
            service: "DocumentDB",
            keyArn,
            value: pulumi.jsonStringify({ engine: "docdb", host, port, database: a.database, username: a.user, password, uri: this.connection.uri }),
            protectData: a.protectData,
            region,
            tags,
            parent: this,
        });
        this.secretArn = secret.arn;
        this.kmsKeyArn = keyArn;
        this.securityGroupId = group.id;
        // Restore metadata keys are case-insensitive; list values are JSON.
        this.restoreMetadata = { dbSubnetGroupName: subnets.name, vpcSecurityGroupIds: pulumi.jsonStringify([group.id]) };
        this.backupRetentionDays = retention;
        this.databaseArn = cluster.arn;
        this.monitored = { engine: "docdb", name, instanceClass: a.instanceClass, instanceIdentifiers };
        this.registerOutputs({
            connection: this.connection,
            secretArn: this.secretArn,
            kmsKeyArn: this.kmsKeyArn,
            securityGroupId: this.securityGroupId,
            backupRetentionDays: this.backupRetentionDays,
            databaseArn: this.databaseArn,
        });
    }
}

function validate(name: string, args: ManagedMongoArgs): void {
    const check = new ArgChecker(`ManagedMongo "${name}"`);
    check.required("version", args.version, `one of ${MONGO_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, MONGO_VERSIONS);
    validateNetwork(check.component, args.network);
    checkDataObjectives(check, args.objectives);
    check.matches("instanceClass", args.instanceClass, /^db\.[a-z0-9-]+\.[a-z0-9]+$/, "a DocumentDB instance class such as db.r6g.large");
    check.int("instances", args.instances, 1, 16);
    check.matches("database", args.database, /^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "a database name: a letter, then letters, digits, _ or - (at most 63)");
    check.matches("user", args.user, /^[A-Za-z][A-Za-z0-9]{0,62}$/, "a user name: a letter, then letters or digits (at most 63)");
    check.dataKey(args);
    check.matches("identifier", args.identifier, DATABASE_IDENTIFIER, "a DocumentDB cluster identifier: a lower-case letter, then letters, digits or single hyphens, at most 63, not ending in a hyphen");
    checkLogRetentionDays(check, args.logRetentionDays);
    check.noReservedTags(args.tags, [BACKUP_SELECTION_TAG.key]);
}
