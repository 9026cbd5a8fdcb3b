/**
 * RDS policies: DB instances (`aws.rds.Instance`) and clusters (`aws.rds.Cluster`, Aurora and
 * Multi-AZ DB clusters), and the instances of a cluster (`aws.rds.ClusterInstance`) where a setting
 * lives on them. Read replicas (`replicateSourceDb`) take backups, snapshots and deletion from their
 * source; the rules about those do not apply to them.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { checkov, awsConfigRule, type EstateResourcePolicy, type EstateStackPolicy, awsGuard } from "../lib/policy";
import { isSet, minimumDays, shown } from "../lib/props";
import { attachedTo, ofType, propsAs, referencedThrough } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const RDS_TYPES = {
    instance: "aws:rds/instance:Instance",
    cluster: "aws:rds/cluster:Cluster",
    clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    clusterParameterGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
} as const;

/** An RDS instance or cluster as a policy sees it, with how messages name it. */
interface RdsDatabase {
    what: string;
    props: Record<string, unknown>;
    kind: "instance" | "cluster";
}

/** The instance or cluster being validated, or `notApplicable`. */
function databaseOf(args: ResourceValidationArgs, policyScope: string): RdsDatabase {
    const instance = args.asType(aws.rds.Instance);
    if (instance) {
        return { what: `RDS instance '${args.name}'`, props: instance as unknown as Record<string, unknown>, kind: "instance" };
    }
    const cluster = args.asType(aws.rds.Cluster);
    if (cluster) {
        return { what: `RDS cluster '${args.name}'`, props: cluster as unknown as Record<string, unknown>, kind: "cluster" };
    }
    return args.notApplicable(`Policy only applies to ${policyScope}`);
}

const INSTANCES_AND_CLUSTERS = `RDS instances and clusters (${RDS_TYPES.instance}, ${RDS_TYPES.cluster})`;

/** Read replicas inherit backups, snapshots and protection from their source. */
function skipReplica(args: ResourceValidationArgs, db: RdsDatabase): void {
    if (db.kind === "instance" && isSet(db.props, "replicateSourceDb")) {
        args.notApplicable(`${db.what} is a read replica (replicateSourceDb): its source's settings apply.`);
    }
}

// ------------------------------------------------------------------------------------------------

export const rdsStorageEncrypted: EstateResourcePolicy = {
    name: "estate-rds-storage-encrypted",
    checks:
        "Every RDS instance and cluster sets storageEncrypted: true (a cross-region read replica may give kmsKeyId instead; one restored from a snapshot without storageEncrypted inherits the snapshot's encryption and is not judged).",
    description:
        "RDS instances and clusters must encrypt their storage, and with it their automated backups, snapshots, " +
        "logs and replicas: a copied snapshot or a disk that leaves AWS is then unreadable without the key.",
    remediationSteps:
        "Set `storageEncrypted: true` and `kmsKeyId` to a customer-managed key on the aws.rds.Instance or aws.rds.Cluster. " +
        "Encryption cannot be turned on in place: restore an encrypted copy of a snapshot into a new instance and switch over.",
    severity: "high",
    tags: ["aws", "rds", checkov("CKV_AWS_16"), checkov("CKV_AWS_96"), awsConfigRule("rds-storage-encrypted"), awsGuard("RDS_STORAGE_ENCRYPTED")],
    validateResource: (args, report) => {
        const db = databaseOf(args, INSTANCES_AND_CLUSTERS);
        // A cross-region replica is encrypted by giving the destination key; storageEncrypted is ignored there.
        if (db.props.storageEncrypted === true || (isSet(db.props, "replicateSourceDb") && isSet(db.props, "kmsKeyId"))) {
            return;
        }
        // Restored from a snapshot without storageEncrypted, a database is encrypted exactly when the
        // snapshot is (RestoreDBInstanceFromDBSnapshot has no StorageEncrypted parameter;
        // RestoreDBClusterFromSnapshot keeps the snapshot's encryption, or encrypts with KmsKeyId when
        // given): only the snapshot knows, and a check offline cannot see it.
        if (isSet(db.props, "snapshotIdentifier") && !isSet(db.props, "storageEncrypted")) {
            if (db.kind === "cluster" && isSet(db.props, "kmsKeyId")) {
                return;
            }
            args.notApplicable(`${db.what} is restored from a snapshot (snapshotIdentifier) without storageEncrypted: it is encrypted exactly when the snapshot is.`);
        }
        report(`${db.what} does not encrypt its storage: storageEncrypted is ${shown(db.props.storageEncrypted)}, it must be true.`);
    },
};

export const rdsStorageEncryptedCmk: EstateResourcePolicy = {
    name: "estate-rds-storage-encrypted-cmk",
    checks:
        "Every encrypted RDS instance and cluster sets kmsKeyId (a customer-managed key, not aws/rds).",
    description:
        "Encrypted RDS storage should use a customer-managed KMS key rather than the AWS managed aws/rds key: only then " +
        "does the estate control who may decrypt, can it share encrypted snapshots with the DR account, and can it cut access by key policy.",
    remediationSteps:
        "Set `kmsKeyId` to the ARN of an aws.kms.Key with rotation (ManagedPostgres creates one per database). The key of an " +
        "existing instance cannot change in place: copy a snapshot with the new key and restore it.",
    severity: "medium",
    tags: ["aws", "rds", checkov("CKV_AWS_327")],
    validateResource: (args, report) => {
        const db = databaseOf(args, INSTANCES_AND_CLUSTERS);
        if (db.props.storageEncrypted !== true) {
            args.notApplicable(`${db.what} is not encrypted at all (estate-rds-storage-encrypted reports that).`);
        }
        if (!isSet(db.props, "kmsKeyId")) {
            report(`${db.what} encrypts with the AWS managed key aws/rds: kmsKeyId is not set; set it to a customer-managed key.`);
        }
    },
};

export const rdsNotPublic: EstateResourcePolicy = {
    name: "estate-rds-not-public",
    checks:
        "No RDS instance or cluster instance sets publiclyAccessible: true.",
    description:
        "RDS instances must not be publicly accessible: a public instance gets an internet-resolvable address, and one " +
        "security group rule then stands between the database and the internet.",
    remediationSteps:
        "Set `publiclyAccessible: false` on the aws.rds.Instance or aws.rds.ClusterInstance, place it in private subnets " +
        "(an aws.rds.SubnetGroup), and reach it from inside the VPC or through a bastion or VPN.",
    severity: "critical",
    tags: ["aws", "rds", checkov("CKV_AWS_17"), awsConfigRule("rds-instance-public-access-check"), awsGuard("RDS_INSTANCE_PUBLIC_ACCESS_CHECK")],
    validateResource: (args, report) => {
        const props = (args.asType(aws.rds.Instance) ?? args.asType(aws.rds.ClusterInstance)) as Record<string, unknown> | undefined;
        if (!props) {
            return args.notApplicable(`Policy only applies to RDS instances (${RDS_TYPES.instance}, ${RDS_TYPES.clusterInstance})`);
        }
        if (props.publiclyAccessible === true) {
            const what = args.type === RDS_TYPES.instance ? "RDS instance" : "RDS cluster instance";
            report(`${what} '${args.name}' is publicly accessible: publiclyAccessible is true, it must be false.`);
        }
    },
};

export interface BackupRetentionConfig {
    minimumDays?: number;
}

/** The stack minimum of automated backup retention when the policy config sets none. */
export const DEFAULT_MINIMUM_RETENTION_DAYS = 7;

export const rdsBackupRetention: EstateResourcePolicy = {
    name: "estate-rds-backup-retention",
    checks:
        "Every RDS instance and cluster (read replicas excepted) keeps automated backups (backupRetentionPeriod) at least minimumDays; unset counts as 1 day for a cluster (AWS's default) and 0 for an instance (the provider sends 0).",
    description:
        "RDS instances and clusters must keep automated backups at least the stack's minimum number of days (the recovery " +
        "objective, at most AWS's 35): they are the point-in-time recovery window when data is deleted or corrupted.",
    remediationSteps:
        "Set `backupRetentionPeriod` to at least the stack minimum (policy config `minimumDays`, policies/config/<stack>.json; " +
        "ManagedPostgres derives it from estate:dr.retention.dailyDays) and an explicit backup window that does not overlap maintenance.",
    severity: "high",
    tags: ["aws", "rds", "backup", checkov("CKV_AWS_133"), awsConfigRule("db-instance-backup-enabled"), awsGuard("DB_INSTANCE_BACKUP_ENABLED")],
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, default: DEFAULT_MINIMUM_RETENTION_DAYS, description: "The least backupRetentionPeriod in days (the stack's objective, 1 to 35)." },
        },
    },
    validateResource: (args, report) => {
        const db = databaseOf(args, INSTANCES_AND_CLUSTERS);
        skipReplica(args, db);
        const minimum = minimumDays(args.getConfig<BackupRetentionConfig>(), DEFAULT_MINIMUM_RETENTION_DAYS);
        const set = db.props.backupRetentionPeriod;
        // Unset on a cluster, the provider omits it and AWS applies its default of 1 day (CreateDBCluster
        // BackupRetentionPeriod "Default: 1"; terraform-provider-aws#34187). Unset on an instance, the
        // provider sends 0, which disables automated backups: terraform-provider-aws
        // internal/service/rds/instance.go builds CreateDBInstanceInput with
        // BackupRetentionPeriod: d.Get("backup_retention_period"), and @pulumi/aws 7 rds/instance.d.ts
        // documents "Default is `0`"; CreateDBInstance's own "Default: 1" applies only when the field is omitted.
        const days = set ?? (db.kind === "instance" ? 0 : 1);
        if (typeof days !== "number" || days < minimum) {
            const why =
                set !== undefined && set !== null
                    ? ` (backupRetentionPeriod ${shown(set)})`
                    : db.kind === "instance"
                      ? ": backupRetentionPeriod not set (@pulumi/aws sends 0, which disables automated backups; AWS's default of 1 day applies only when the API call omits it)"
                      : ": backupRetentionPeriod not set (AWS default: 1 day)";
            report(`${db.what} keeps automated backups ${shown(days)} day(s)${why}; the stack requires at least ${minimum}.`);
        }
    },
};

export const rdsDeletionProtection: EstateResourcePolicy = {
    name: "estate-rds-deletion-protection",
    checks:
        "Every RDS instance and cluster (read replicas excepted) sets deletionProtection: true.",
    description:
        "RDS instances and clusters must have deletion protection, so that no console click, script or replacement " +
        "planned by an infrastructure change can delete the database.",
    remediationSteps: "Set `deletionProtection: true` on the aws.rds.Instance or aws.rds.Cluster (and `protect` on the Pulumi resource).",
    severity: "high",
    tags: ["aws", "rds", checkov("CKV_AWS_293"), checkov("CKV_AWS_139"), awsConfigRule("rds-instance-deletion-protection-enabled"), awsGuard("RDS_INSTANCE_DELETION_PROTECTION_ENABLED")],
    validateResource: (args, report) => {
        const db = databaseOf(args, INSTANCES_AND_CLUSTERS);
        skipReplica(args, db);
        if (db.props.deletionProtection !== true) {
            report(`${db.what} has no deletion protection: deletionProtection is ${shown(db.props.deletionProtection)}, it must be true.`);
        }
    },
};

export const rdsFinalSnapshot: EstateResourcePolicy = {
    name: "estate-rds-final-snapshot",
    checks:
        "Every RDS instance and cluster (read replicas excepted) does not set skipFinalSnapshot: true and sets a finalSnapshotIdentifier.",
    description:
        "RDS instances and clusters must take a final snapshot when deleted: without it, deleting the database deletes the " +
        "last copy of its data (automated backups go with it unless kept).",
    remediationSteps:
        "Leave `skipFinalSnapshot` unset or false and set `finalSnapshotIdentifier` to a name unique over time (ManagedPostgres " +
        "appends a random suffix); keep automated backups on delete with `deleteAutomatedBackups: false`.",
    severity: "high",
    tags: ["aws", "rds", "backup"],
    validateResource: (args, report) => {
        const db = databaseOf(args, INSTANCES_AND_CLUSTERS);
        skipReplica(args, db);
        if (db.props.skipFinalSnapshot === true) {
            report(`${db.what} skips its final snapshot: skipFinalSnapshot is true, it must be false.`);
        } else if (!isSet(db.props, "finalSnapshotIdentifier")) {
            report(`${db.what} has no finalSnapshotIdentifier: deleting it cannot take the final snapshot; set a unique name.`);
        }
    },
};

export const rdsPerformanceInsightsEncrypted: EstateResourcePolicy = {
    name: "estate-rds-performance-insights-encrypted",
    checks:
        "Every RDS instance, cluster instance and cluster that enables Performance Insights sets performanceInsightsKmsKeyId.",
    description:
        "When Performance Insights is on, its data (query texts with literal values, wait events) must be encrypted with a " +
        "customer-managed key: it holds samples of the data the database serves.",
    remediationSteps:
        "Set `performanceInsightsKmsKeyId` to a customer-managed key ARN wherever `performanceInsightsEnabled` is true " +
        "(aws.rds.Instance, aws.rds.ClusterInstance or aws.rds.Cluster). The key cannot change once set.",
    severity: "medium",
    tags: ["aws", "rds", checkov("CKV_AWS_354")],
    validateResource: (args, report) => {
        const props = (args.asType(aws.rds.Instance) ?? args.asType(aws.rds.ClusterInstance) ?? args.asType(aws.rds.Cluster)) as Record<string, unknown> | undefined;
        if (!props) {
            return args.notApplicable(`Policy only applies to RDS instances, cluster instances and clusters`);
        }
        if (props.performanceInsightsEnabled !== true) {
            args.notApplicable(`'${args.name}' does not enable Performance Insights.`);
        }
        if (!isSet(props, "performanceInsightsKmsKeyId")) {
            report(`'${args.name}' (${args.type.split(":").pop()}) enables Performance Insights without performanceInsightsKmsKeyId: it uses the AWS managed key; set a customer-managed key.`);
        }
    },
};

// ------------------------------------------------------------------------------------------------
// Stack policies: they join resources through the engine's property dependencies (never ids).

/** How many instances of an Aurora cluster the stack creates (joined through `clusterIdentifier`). */
function clusterInstancesOf(cluster: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] {
    return attachedTo(cluster, resources, aws.rds.ClusterInstance, "clusterIdentifier");
}

export const rdsMultiAz: EstateStackPolicy = {
    name: "estate-rds-multi-az",
    checks:
        "Every RDS instance (read replicas excepted) sets multiAz: true, and every RDS cluster is a Multi-AZ DB cluster (dbClusterInstanceClass) or has at least two ClusterInstances of the stack.",
    description:
        "RDS databases must survive the loss of an availability zone: a Multi-AZ instance keeps a synchronous standby in " +
        "another zone, an Aurora cluster needs a second instance to fail over to.",
    remediationSteps:
        "Set `multiAz: true` on the aws.rds.Instance (estate:data.postgres.instances: 2), or give the aws.rds.Cluster at least " +
        "two aws.rds.ClusterInstance with `clusterIdentifier: cluster.id` in subnets of different zones.",
    severity: "high",
    tags: ["aws", "rds", checkov("CKV_AWS_157"), awsConfigRule("rds-multi-az-support"), awsGuard("RDS_MULTI_AZ_SUPPORT")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const instances = ofType(args.resources, aws.rds.Instance);
        const clusters = ofType(args.resources, aws.rds.Cluster);
        if (instances.length + clusters.length === 0) {
            args.notApplicable("The stack has no RDS instance or cluster.");
        }
        forEachDeferringUnknowns(instances, (instance) => {
            const props = propsAs(instance, aws.rds.Instance);
            if (isSet(props as Record<string, unknown>, "replicateSourceDb")) {
                return;
            }
            if (props.multiAz !== true) {
                report(`RDS instance '${instance.name}' runs in one availability zone: multiAz is ${shown(props.multiAz)}, it must be true.`, instance.urn);
            }
        });
        forEachDeferringUnknowns(clusters, (cluster) => {
            const props = propsAs(cluster, aws.rds.Cluster);
            // A Multi-AZ DB cluster (dbClusterInstanceClass) always runs a writer and two readers in three zones.
            if (isSet(props as Record<string, unknown>, "dbClusterInstanceClass")) {
                return;
            }
            const members = clusterInstancesOf(cluster, args.resources);
            if (members.length < 2) {
                const listed = members.length === 0 ? "no ClusterInstance" : `only ClusterInstance '${members[0]!.name}'`;
                report(`RDS cluster '${cluster.name}' has ${listed}; it needs at least 2 in different zones to fail over.`, cluster.urn);
            }
        });
    },
};

/** The value of one parameter in a parameter group's props, or undefined. */
function parameterValue(group: PolicyResource, name: string): unknown {
    const parameters = (group.props as { parameters?: unknown }).parameters;
    const entry = Array.isArray(parameters) ? parameters.find((p) => isRecord(p) && p.name === name) : undefined;
    return isRecord(entry) ? entry.value : undefined;
}

/** Whether an attached parameter group name that comes from no resource of the stack is a default group. */
function isDefaultGroupName(name: unknown): boolean {
    return typeof name === "string" && name.startsWith("default.");
}

export const FORCE_SSL = "rds.force_ssl";
export const REQUIRE_SECURE_TRANSPORT = "require_secure_transport";

/** The parameter that makes an engine refuse connections without TLS, and the values that turn it on. */
interface TlsParameter {
    name: string;
    on: readonly unknown[];
}

/**
 * The TLS parameter of each engine (the `engine` strings of CreateDBInstance / CreateDBCluster):
 * - PostgreSQL and Aurora PostgreSQL: `rds.force_ssl` = 1 (RDS and Aurora user guides);
 * - MySQL, MariaDB (10.5 and later) and Aurora MySQL: `require_secure_transport` = 1 (ON); for
 *   Aurora MySQL it exists only in the DB cluster parameter group (RDS user guide "Requiring SSL/TLS
 *   for all connections to a MySQL DB instance" and "... MariaDB DB instance"; Aurora user guide
 *   AuroraMySQL.Security, "Requiring an SSL/TLS connection to an Aurora MySQL DB cluster");
 * - SQL Server (sqlserver-ee, -se, -ex, -web, -dev-ee): `rds.force_ssl` = 1, a static parameter
 *   (RDS user guide SQLServer.Concepts.General.SSL.Using, "Forcing connections to your DB instance to use SSL").
 * Oracle enforces TLS through an option group (the SSL option), not a parameter; Db2 through
 * `db2comm`; the legacy `aurora` engine (Aurora MySQL 1, end of life) has no such parameter. The
 * policy does not check them (docs/policies-aws.md).
 */
export function tlsParameterOf(engine: unknown): TlsParameter | undefined {
    if (typeof engine !== "string") {
        return undefined;
    }
    if (engine === "postgres" || engine === "aurora-postgresql" || engine.startsWith("sqlserver-")) {
        return { name: FORCE_SSL, on: ["1", 1] };
    }
    if (engine === "mysql" || engine === "mariadb" || engine === "aurora-mysql") {
        return { name: REQUIRE_SECURE_TRANSPORT, on: ["1", 1, "ON", "on"] };
    }
    return undefined;
}

export const rdsForceSsl: EstateStackPolicy = {
    name: "estate-rds-force-ssl",
    checks:
        "Every RDS instance and cluster of an engine with a TLS parameter is attached to a (cluster) parameter group of the stack that turns it on: " +
        "rds.force_ssl = 1 for PostgreSQL, Aurora PostgreSQL and SQL Server; require_secure_transport = 1 (ON) for MySQL, MariaDB and Aurora MySQL " +
        "(in the cluster parameter group). Default groups and groups from outside the stack fail. Oracle (option group) and Db2 are not checked.",
    description:
        "RDS databases must refuse connections without TLS: their attached parameter group must set the engine's TLS parameter (rds.force_ssl " +
        "or require_secure_transport), so that no client, driver default or misconfiguration sends credentials and data in clear text.",
    remediationSteps:
        "Create an aws.rds.ParameterGroup (instances) or aws.rds.ClusterParameterGroup (Aurora, Multi-AZ DB clusters) for the engine family with " +
        '`{ name: "rds.force_ssl", value: "1" }` (PostgreSQL, SQL Server; static on SQL Server: reboot) or `{ name: "require_secure_transport", value: "1" }` ' +
        "(MySQL, MariaDB 10.5+, Aurora MySQL), and attach it with `parameterGroupName: group.name` / `dbClusterParameterGroupName: group.name`. " +
        "Default parameter groups cannot be changed and are not accepted.",
    severity: "high",
    tags: ["aws", "rds", checkov("CKV2_AWS_69"), awsConfigRule("rds-mysql-instance-encrypted-in-transit"), awsConfigRule("rds-sqlserver-encrypted-in-transit")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const databases = [
            ...ofType(args.resources, aws.rds.Instance).map((r) => ({ r, what: "RDS instance", property: "parameterGroupName", groupType: RDS_TYPES.parameterGroup, groupKind: "ParameterGroup" })),
            ...ofType(args.resources, aws.rds.Cluster).map((r) => ({ r, what: "RDS cluster", property: "dbClusterParameterGroupName", groupType: RDS_TYPES.clusterParameterGroup, groupKind: "ClusterParameterGroup" })),
        ].flatMap((db) => {
            const engine = peek(() => (db.r.props as { engine?: unknown }).engine);
            const parameter = tlsParameterOf(engine);
            return parameter ? [{ ...db, engine: engine as string, parameter }] : [];
        });
        if (databases.length === 0) {
            args.notApplicable("The stack has no RDS instance or cluster of an engine with a TLS parameter (PostgreSQL, MySQL, MariaDB, SQL Server, Aurora).");
        }
        forEachDeferringUnknowns(databases, ({ r, what, property, groupType, groupKind, engine, parameter }) => {
            const db = `${what} '${r.name}' (engine ${engine})`;
            const wanted = `${parameter.name} = 1`;
            const groups = referencedThrough(r, property, groupType);
            if (groups.length === 0) {
                const name = peek(() => (r.props as Record<string, unknown>)[property]);
                if (name === undefined || name === null || name === "" || isDefaultGroupName(name)) {
                    report(`${db} uses its engine's default parameter group, where ${parameter.name} is not 1; attach a ${groupKind} with ${wanted}.`, r.urn);
                } else {
                    const shownName = name === UNKNOWN ? "a name not known before deployment" : `'${String(name)}'`;
                    report(`${db} uses parameter group ${shownName}, which is not a ${groupKind} of this stack: ${parameter.name} cannot be verified.`, r.urn);
                }
                return;
            }
            for (const group of groups) {
                const value = parameterValue(group, parameter.name);
                if (!parameter.on.includes(value)) {
                    const state = value === undefined ? `does not set ${parameter.name}` : `sets ${parameter.name} to ${shown(value)}`;
                    report(`${groupKind} '${group.name}' of ${db} ${state}; it must set ${wanted} to refuse connections without TLS.`, group.urn);
                }
            }
        });
    },
};

export const rdsPolicies = [
    rdsStorageEncrypted,
    rdsStorageEncryptedCmk,
    rdsNotPublic,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsFinalSnapshot,
    rdsMultiAz,
    rdsPerformanceInsightsEncrypted,
    rdsForceSsl,
];
