/**
 * `ManagedPostgres`: PostgreSQL on Amazon RDS (or Aurora PostgreSQL), hardened: storage, snapshots,
 * Performance Insights and the master secret under a customer-managed key; TLS forced by the
 * parameter group; IAM authentication; the exported logs in log groups created beforehand under the
 * same key with a retention; private subnets and a security group that admits only the
 * allowed sources; automated backups kept per the stack's objectives with explicit windows;
 * deletion protection, a final snapshot and `protect` for protected data; Multi-AZ. The database
 * (the instance, or the Aurora cluster) carries the `estate:backup` tag that AWS Backup's tag
 * selection selects, and `databaseArn` is what a `BackupPlan` takes in `resources`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_SELECTION_TAG, BACKUP_WINDOWS, checkDataObjectives, nativeBackupRetentionDays, type DataObjectives } from "../backup/objectives";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { APP_DATABASE, type RotatingConnection } from "./connection";
import { dataKey } from "./keys";
import type { KeyGuard } from "../lib/key-guard";
import { DATABASE_IDENTIFIER, DATABASE_LOG_RETENTION_DAYS, checkLogRetentionDays, SERVICE_LOG_GROUPS, databaseIdentifier, serviceLogGroups, warnOnIdentifierDrift } from "./logs";
import type { MonitoredDatabase } from "./monitored";
import { accessSecurityGroup, validateNetwork, type DataNetwork } from "./network";

export const POSTGRES_VERSIONS = ["14", "15", "16", "17"] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];
export const POSTGRES_PORT = 5432;

export interface ManagedPostgresArgs {
    /** PostgreSQL major version: 14, 15, 16 or 17. Minor versions upgrade automatically in the maintenance window. Required. */
    version: PostgresVersion;
    /** VPC, private subnets and the allowed sources. Required. */
    network: DataNetwork;
    /**
     * The stack's objectives. Automated backups are kept `nativeBackupRetentionDays`: `dailyBackupDays`
     * days, at least 7 when `protectData` (1 otherwise) and at most 35 (AWS's limit); point-in-time
     * recovery covers that window. Required.
     */
    objectives: DataObjectives;
    /** `rds` (an RDS DB instance) or `aurora` (an Aurora PostgreSQL cluster). Default: `rds`. */
    engine?: "rds" | "aurora";
    /** Instance class of every instance. Default: `db.r6g.large`. */
    instanceClass?: string;
    /** Allocated storage in GiB (rds only; Aurora storage grows by itself), 20 to 65536. Default: 100. */
    storageGb?: number;
    /** Storage autoscaling ceiling in GiB (rds only), at least `storageGb`. Default: 4 x `storageGb`, at most 65536. */
    maxStorageGb?: number;
    /**
     * Instances. rds: 1 (single-AZ) or 2 (Multi-AZ: a synchronous standby in a second zone).
     * aurora: 1 to 15 (a writer and readers spread over the subnets' zones; 2 or more is Multi-AZ).
     * Default: 2.
     */
    instances?: number;
    /** The database created at launch. Default: `app`. */
    database?: string;
    /** The master user; its password is generated and rotated by RDS in Secrets Manager. Default: `postgres`. */
    user?: string;
    /**
     * Guard the data: deletion protection, a final snapshot on delete, automated backups kept after
     * deletion, at least 7 days of backups, and `protect`/`retainOnDelete` on the database and its
     * key. `false` only for throwaway stacks. Default: `true`.
     */
    protectData?: boolean;
    /**
     * An existing KMS key ARN for everything this component encrypts; its policy must let
     * CloudWatch Logs use it (the log groups use it). Default: a new rotating key.
     */
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
     * The DB instance (rds) or DB cluster (aurora) identifier, for a database created before the
     * estate named it (keep it, or the log groups are named after another database). Default:
     * `<name>-db-<8 random characters>` (rds) or `<name>-aurora-<8 random characters>` (aurora),
     * drawn once; a later change is ignored (the database is never replaced for its name).
     */
    identifier?: string;
    /** Days the exported PostgreSQL logs are kept (a CloudWatch Logs retention value). Default: 365. */
    logRetentionDays?: number;
    /** AWS region. Default: the provider's. */
    region?: string;
    /**
     * Tags for every taggable child. The database also gets `estate:backup: "true"`
     * (`BACKUP_SELECTION_TAG`), so the key is reserved. Default: none.
     */
    tags?: Record<string, string>;
}

const defaults = {
    engine: "rds",
    instanceClass: "db.r6g.large",
    storageGb: 100,
    instances: 2,
    database: APP_DATABASE,
    user: "postgres",
    protectData: true,
    logRetentionDays: DATABASE_LOG_RETENTION_DAYS,
    tags: {} as Record<string, string>,
} satisfies Partial<ManagedPostgresArgs>;

/**
 * Logs exported to CloudWatch Logs (EnableCloudwatchLogsExports values: RDS for PostgreSQL
 * `postgresql`, `upgrade`, `iam-db-auth-error`; Aurora PostgreSQL `instance`, `postgresql`,
 * `iam-db-auth-error`; RDS API reference, CreateDBInstance / CreateDBCluster).
 */
export const POSTGRES_LOG_EXPORTS = { rds: ["postgresql", "upgrade"], aurora: ["postgresql"] } as const;

const MAX_STORAGE_GB = 65536;
/** Performance Insights retention in days (7 is the free tier). */
const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;
/** The current RDS certificate authority (RSA 2048, valid to 2061). */
const CA_CERTIFICATE = "rds-ca-rsa2048-g1";
/** Parameters every estate Postgres runs with: TLS only, TLS 1.2 or newer, SCRAM password hashes. */
export const POSTGRES_PARAMETERS = [
    { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
    { name: "ssl_min_protocol_version", value: "TLSv1.2", applyMethod: "immediate" },
    { name: "password_encryption", value: "scram-sha-256", applyMethod: "immediate" },
];

const TYPE = "estate:data:ManagedPostgres";

export class ManagedPostgres extends pulumi.ComponentResource {
    /**
     * Host, port, database and user, and where the password is: the master secret, which RDS
     * rotates (every 7 days by default). There is no password or URI here: consumers read the
     * current value at run time (`connection.rotating`), never a copy made at deploy time.
     */
    readonly connection: RotatingConnection;
    /** The Secrets Manager secret RDS manages for the master user (`{"username","password"}`): read it at run time, it rotates. */
    readonly masterSecretArn: pulumi.Output<string>;
    /** The key of storage, snapshots, the master secret and Performance Insights. */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The security group that admits the allowed sources. */
    readonly securityGroupId: pulumi.Output<string>;
    /**
     * Where a restored copy of this database goes (its subnet group and security group), as AWS
     * Backup's restore metadata: what restore testing (`BackupPlan`'s `restoreMetadataOverrides`)
     * needs so its test restores land in this VPC, not in a default VPC that may not exist.
     */
    readonly restoreMetadata: Record<string, pulumi.Output<string>>;
    /** Days automated backups are kept (`backupRetentionPeriod`); AWS Backup's continuous rule must keep the same. */
    readonly backupRetentionDays: number;
    /** The ARN of what AWS Backup protects: the RDS instance, or the Aurora cluster. */
    readonly databaseArn: pulumi.Output<string>;
    /** The instances, their class and storage, for the CloudWatch alarms (`DatabaseAlarms`). */
    readonly monitored: MonitoredDatabase;

    constructor(name: string, args: ManagedPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const tags = a.tags;
        const region = a.region;
        const keyArn = a.kmsKeyArn !== undefined ? pulumi.output(a.kmsKeyArn) : dataKey({ name, service: "PostgreSQL", region, tags, opts: dataOpts, guard: a.keyGuard, copyToAccountId: a.backupAccountId, allowCloudWatchLogs: true }).arn;
        const retention = nativeBackupRetentionDays({ dailyDays: a.objectives.dailyBackupDays }, { protectData: a.protectData });
        // Only the database itself is selected: AWS Backup backs up an Aurora cluster, not its instances.
        const databaseTags = { ...tags, [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value };

        const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { description: `PostgreSQL ${name}: private subnets`, subnetIds: a.network.subnetIds, region, tags }, { parent: this });
        const group = accessSecurityGroup({ name, network: a.network, port: POSTGRES_PORT, service: "PostgreSQL", region, tags, parent: this });
        // A unique, stable suffix: a final snapshot name must not collide with an earlier one.
        const snapshotSuffix = new random.RandomString(`${name}-snapshot-suffix`, { length: 8, special: false, upper: false }, { parent: this });
        const finalSnapshotIdentifier = a.protectData ? pulumi.interpolate`${name}-final-${snapshotSuffix.result}` : undefined;
        // The log groups RDS writes to, named after the database, exist before it: else RDS creates
        // them itself, without the key and kept forever.
        const identifier = databaseIdentifier(name, a.engine === "aurora" ? `${name}-aurora` : `${name}-db`, a.identifier, this);
        const logExports = POSTGRES_LOG_EXPORTS[a.engine];
        const logGroups = serviceLogGroups({
            name,
            logs: logExports,
            groupName: (log) => identifier.apply((id) => (a.engine === "aurora" ? SERVICE_LOG_GROUPS.rdsCluster(id, log) : SERVICE_LOG_GROUPS.rdsInstance(id, log))),
            keyArn,
            retentionDays: a.logRetentionDays,
            region,
            tags,
            parent: this,
            retainOnDelete: a.protectData,
        });
        // A database created before the estate named it keeps its (auto-)name: never replaced for it.
        const databaseOpts = (identifierProperty: string): pulumi.CustomResourceOptions => ({ ...dataOpts, dependsOn: logGroups, ignoreChanges: [identifierProperty] });
        const identifierKey = "estate:data.postgres.identifier";

        const protection = {
            deletionProtection: a.protectData,
            skipFinalSnapshot: !a.protectData,
            finalSnapshotIdentifier,
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: !a.protectData,
        };
        const common = {
            // The major version only ("16"): the provider passes a partial version through "where
            // supported by the API" (rds/cluster.d.ts; that CreateDBCluster resolves a bare major is
            // attested by an emulator mirroring AWS, not an AWS page: docs/aws-settings.md). A
            // minor upgrade in the maintenance window leaves no diff, since the provider keeps the
            // configured "16" while the actual version starts with "16." (terraform-provider-aws
            // internal/service/rds/engine_version.go, compareActualEngineVersion; the actual
            // version is `engineVersionActual`). A pinned minor would turn into a downgrade after an
            // automatic upgrade, and break new stacks once AWS retires it. docs/aws-settings.md.
            engineVersion: a.version,
            storageEncrypted: true,
            kmsKeyId: keyArn,
            manageMasterUserPassword: true,
            masterUserSecretKmsKeyId: keyArn,
            iamDatabaseAuthenticationEnabled: true,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [group.id],
            port: POSTGRES_PORT,
            backupRetentionPeriod: retention,
            ...protection,
            region,
            tags: databaseTags,
        };
        const instanceCommon = {
            instanceClass: a.instanceClass,
            publiclyAccessible: false,
            autoMinorVersionUpgrade: true,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: keyArn,
            performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            caCertIdentifier: CA_CERTIFICATE,
        };

        let host: pulumi.Output<string>;
        let port: pulumi.Output<number>;
        let masterSecrets: pulumi.Output<{ secretArn: string }[]>;
        let databaseArn: pulumi.Output<string>;
        let monitored: MonitoredDatabase;
        if (a.engine === "aurora") {
            const params = new aws.rds.ClusterParameterGroup(
                `${name}-cluster-params`,
                { description: `Aurora PostgreSQL ${name}: TLS only`, family: `aurora-postgresql${a.version}`, parameters: POSTGRES_PARAMETERS, region, tags },
                { parent: this },
            );
            const cluster = new aws.rds.Cluster(
                `${name}-cluster`,
                {
                    ...common,
                    clusterIdentifier: identifier,
                    engine: "aurora-postgresql",
                    databaseName: a.database,
                    masterUsername: a.user,
                    dbClusterParameterGroupName: params.name,
                    preferredBackupWindow: BACKUP_WINDOWS.native,
                    preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
                    enabledCloudwatchLogsExports: [...logExports],
                    allowMajorVersionUpgrade: false,
                },
                databaseOpts("clusterIdentifier"),
            );
            warnOnIdentifierDrift(cluster.clusterIdentifier, identifier, identifierKey, cluster);
            const instanceIdentifiers: pulumi.Output<string>[] = [];
            for (let i = 0; i < a.instances; i++) {
                const instance = new aws.rds.ClusterInstance(
                    `${name}-instance-${i}`,
                    {
                        ...instanceCommon,
                        clusterIdentifier: cluster.id,
                        engine: "aurora-postgresql",
                        engineVersion: a.version,
                        dbSubnetGroupName: subnets.name,
                        preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
                        copyTagsToSnapshot: true,
                        promotionTier: i,
                        region,
                        tags,
                    },
                    dataOpts,
                );
                instanceIdentifiers.push(instance.identifier);
            }
            monitored = { engine: "aurora", name, instanceClass: a.instanceClass, instanceIdentifiers };
            host = cluster.endpoint;
            port = cluster.port;
            masterSecrets = cluster.masterUserSecrets;
            databaseArn = cluster.arn;
        } else {
            const params = new aws.rds.ParameterGroup(
                `${name}-params`,
                { description: `PostgreSQL ${name}: TLS only`, family: `postgres${a.version}`, parameters: POSTGRES_PARAMETERS, region, tags },
                { parent: this },
            );
            const storage = a.storageGb;
            const db = new aws.rds.Instance(
                `${name}-db`,
                {
                    ...common,
                    ...instanceCommon,
                    identifier,
                    engine: "postgres",
                    dbName: a.database,
                    username: a.user,
                    parameterGroupName: params.name,
                    multiAz: a.instances >= 2,
                    allocatedStorage: storage,
                    maxAllocatedStorage: a.maxStorageGb ?? Math.min(MAX_STORAGE_GB, storage * 4),
                    storageType: "gp3",
                    backupWindow: BACKUP_WINDOWS.native,
                    maintenanceWindow: BACKUP_WINDOWS.maintenance,
                    enabledCloudwatchLogsExports: [...logExports],
                    allowMajorVersionUpgrade: false,
                },
                databaseOpts("identifier"),
            );
            warnOnIdentifierDrift(db.identifier, identifier, identifierKey, db);
            host = db.address;
            port = db.port;
            masterSecrets = db.masterUserSecrets;
            databaseArn = db.arn;
            monitored = { engine: "rds", name, instanceClass: a.instanceClass, instanceIdentifiers: [db.identifier], allocatedStorageGb: storage, readReplica: false };
        }

        this.masterSecretArn = masterSecrets.apply((secrets) => secrets[0]?.secretArn ?? "");
        // No copy of the password: RDS rotates it, and a value read here would be stale within a week
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
        this.connection = {
            host,
            port,
            database: pulumi.output(a.database),
            user: pulumi.output(a.user),
            rotating: {
                secretArn: this.masterSecretArn,
                kmsKeyArn: keyArn,
                usernameProperty: "username",
                passwordProperty: "password",
                uriParts: { scheme: "postgresql", host, port, database: a.database, query: { sslmode: "require" } },
            },
        };
        this.kmsKeyArn = keyArn;
        this.securityGroupId = group.id;
        // Restore metadata keys are case-insensitive; list values are JSON.
        this.restoreMetadata = { dbSubnetGroupName: subnets.name, vpcSecurityGroupIds: pulumi.jsonStringify([group.id]) };
        this.backupRetentionDays = retention;
        this.databaseArn = databaseArn;
        this.monitored = monitored;
        this.registerOutputs({
            connection: this.connection,
            masterSecretArn: this.masterSecretArn,
            kmsKeyArn: this.kmsKeyArn,
            securityGroupId: this.securityGroupId,
            backupRetentionDays: this.backupRetentionDays,
            databaseArn: this.databaseArn,
        });
    }
}

function validate(name: string, args: ManagedPostgresArgs): void {
    const check = new ArgChecker(`ManagedPostgres "${name}"`);
    check.required("version", args.version, `one of ${POSTGRES_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, POSTGRES_VERSIONS);
    check.oneOf("engine", args.engine, ["rds", "aurora"]);
    validateNetwork(check.component, args.network);
    checkDataObjectives(check, args.objectives);
    check.matches("instanceClass", args.instanceClass, /^db\.[a-z0-9-]+\.[a-z0-9]+$/, "an RDS instance class such as db.r6g.large");
    const engine = args.engine ?? defaults.engine;
    if (engine === "aurora") {
        if (args.storageGb !== undefined || args.maxStorageGb !== undefined) {
            check.fail(args.storageGb !== undefined ? "storageGb" : "maxStorageGb", "applies only to engine rds (Aurora storage grows by itself)");
        }
        check.int("instances", args.instances, 1, 15);
    } else {
        check.int("storageGb", args.storageGb, 20, MAX_STORAGE_GB);
        check.int("maxStorageGb", args.maxStorageGb, 20, MAX_STORAGE_GB);
        const storage = args.storageGb ?? defaults.storageGb;
        if (args.maxStorageGb !== undefined && args.maxStorageGb < storage) {
            check.fail("maxStorageGb", `must be at least storageGb (${storage}) for storage autoscaling (got ${args.maxStorageGb})`);
        }
        if (args.instances !== undefined && args.instances !== 1 && args.instances !== 2) {
            check.fail("instances", `must be 1 or 2 for engine rds (2 = Multi-AZ with a standby; use engine aurora for readers) (got ${String(args.instances)})`);
        }
    }
    check.matches("database", args.database, /^[a-z][a-z0-9_]{0,62}$/, "a database name: a lower-case letter, then letters, digits or _ (at most 63)");
    check.matches("user", args.user, /^[a-z][a-z0-9_]{0,15}$/, "a user name: a lower-case letter, then letters, digits or _ (at most 16)");
    if (args.user === "rdsadmin" || args.user === "admin") {
        check.fail("user", `must not be ${JSON.stringify(args.user)}: RDS reserves it`);
    }
    check.dataKey(args);
    check.matches("identifier", args.identifier, DATABASE_IDENTIFIER, "an RDS identifier: a lower-case letter, then letters, digits or single hyphens, at most 63, not ending in a hyphen");
    checkLogRetentionDays(check, args.logRetentionDays);
    check.noReservedTags(args.tags, [BACKUP_SELECTION_TAG.key]);
}
