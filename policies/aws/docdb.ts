/**
 * Amazon DocumentDB policies: clusters (`aws.docdb.Cluster`) and their cluster parameter groups
 * (`aws.docdb.ClusterParameterGroup`), joined through the engine's property dependencies.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { asList, isRecord } from "../lib/iam";
import { checkov, type EstateResourcePolicy, type EstateStackPolicy } from "../lib/policy";
import { minimumDays, shown } from "../lib/props";
import { ofType, propsAs, referencedThrough } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const DOCDB_TYPES = {
    cluster: "aws:docdb/cluster:Cluster",
    clusterParameterGroup: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
} as const;

/** DocumentDB keeps at least this many days of backups in the estate, whatever the stack config says. */
export const DOCDB_MINIMUM_RETENTION_DAYS = 7;

export const docdbStorageEncrypted: EstateResourcePolicy = {
    name: "estate-docdb-storage-encrypted",
    checks:
        "Every DocumentDB cluster sets storageEncrypted: true.",
    description:
        "DocumentDB clusters must encrypt their storage (it is unencrypted by default), and with it their backups and " +
        "snapshots; encryption can only be chosen when the cluster is created.",
    remediationSteps:
        "Set `storageEncrypted: true` and `kmsKeyId` to a customer-managed key on the aws.docdb.Cluster. An existing " +
        "cluster must be restored from a snapshot into a new encrypted cluster.",
    severity: "high",
    tags: ["aws", "docdb", checkov("CKV_AWS_74")],
    validateResource: validateResourceOfType(aws.docdb.Cluster, (cluster, args, report) => {
        if (cluster.storageEncrypted !== true) {
            report(`DocumentDB cluster '${args.name}' does not encrypt its storage: storageEncrypted is ${shown(cluster.storageEncrypted)}, it must be true.`);
        }
    }),
};

export const docdbBackupRetention: EstateResourcePolicy = {
    name: "estate-docdb-backup-retention",
    checks:
        "Every DocumentDB cluster keeps automated backups (backupRetentionPeriod, unset = 1 day) at least 7 days, or minimumDays when that is longer.",
    description:
        "DocumentDB clusters must keep automated backups at least 7 days, or the stack's minimum when that is longer: " +
        "they are the point-in-time recovery window.",
    remediationSteps:
        "Set `backupRetentionPeriod` (1 to 35 days) to at least the stack minimum (policy config `minimumDays`, never below 7) " +
        "and an explicit `preferredBackupWindow`.",
    severity: "high",
    tags: ["aws", "docdb", "backup", checkov("CKV_AWS_360")],
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: DOCDB_MINIMUM_RETENTION_DAYS, maximum: 35, default: DOCDB_MINIMUM_RETENTION_DAYS, description: "The least backupRetentionPeriod in days (7 to 35)." },
        },
    },
    validateResource: validateResourceOfType(aws.docdb.Cluster, (cluster, args, report) => {
        const minimum = Math.max(DOCDB_MINIMUM_RETENTION_DAYS, minimumDays(args.getConfig<{ minimumDays?: number }>(), DOCDB_MINIMUM_RETENTION_DAYS));
        // Unset, DocumentDB keeps backups 1 day (DocumentDB CreateDBCluster BackupRetentionPeriod "Default: 1").
        const set = cluster.backupRetentionPeriod;
        const days = set ?? 1;
        if (typeof days !== "number" || days < minimum) {
            const why = set === undefined || set === null ? ": backupRetentionPeriod not set (AWS default: 1 day)" : ` (backupRetentionPeriod ${shown(set)})`;
            report(`DocumentDB cluster '${args.name}' keeps automated backups ${shown(days)} day(s)${why}; it must keep at least ${minimum}.`);
        }
    }),
};

export const docdbDeletionProtection: EstateResourcePolicy = {
    name: "estate-docdb-deletion-protection",
    checks:
        "Every DocumentDB cluster sets deletionProtection: true.",
    description: "DocumentDB clusters must have deletion protection, so that no console click, script or planned replacement can delete the data.",
    remediationSteps: "Set `deletionProtection: true` on the aws.docdb.Cluster (and `protect` on the Pulumi resource), and keep a final snapshot.",
    severity: "high",
    tags: ["aws", "docdb"],
    validateResource: validateResourceOfType(aws.docdb.Cluster, (cluster, args, report) => {
        if (cluster.deletionProtection !== true) {
            report(`DocumentDB cluster '${args.name}' has no deletion protection: deletionProtection is ${shown(cluster.deletionProtection)}, it must be true.`);
        }
    }),
};

/** The clusters of the stack; the policy does not apply to a stack without one. */
function clustersOf(args: StackValidationArgs): PolicyResource[] {
    const clusters = ofType(args.resources, aws.docdb.Cluster);
    if (clusters.length === 0) {
        args.notApplicable(`The stack has no ${DOCDB_TYPES.cluster}.`);
    }
    return clusters;
}

function parameterValue(group: PolicyResource, name: string): unknown {
    const parameters = (group.props as { parameters?: unknown }).parameters;
    const entry = Array.isArray(parameters) ? parameters.find((p) => isRecord(p) && p.name === name) : undefined;
    return isRecord(entry) ? entry.value : undefined;
}

/**
 * The parameter group a cluster uses: a group of the stack (joined through
 * `dbClusterParameterGroupName`), the engine default, or a group this stack cannot see.
 */
type AttachedGroup = { kind: "stack"; group: PolicyResource } | { kind: "default" } | { kind: "external"; name: string };

function attachedGroups(cluster: PolicyResource): AttachedGroup[] {
    const groups = referencedThrough(cluster, "dbClusterParameterGroupName", DOCDB_TYPES.clusterParameterGroup);
    if (groups.length > 0) {
        return groups.map((group) => ({ kind: "stack", group }));
    }
    const name = peek(() => (cluster.props as { dbClusterParameterGroupName?: unknown }).dbClusterParameterGroupName);
    if (name === undefined || name === null || name === "" || (typeof name === "string" && name.startsWith("default."))) {
        return [{ kind: "default" }];
    }
    return [{ kind: "external", name: name === UNKNOWN ? "(not known before deployment)" : String(name) }];
}

export const docdbTls: EstateStackPolicy = {
    name: "estate-docdb-tls",
    checks:
        "No DocumentDB ClusterParameterGroup of the stack sets tls to disabled, and no DocumentDB cluster uses a parameter group from outside the stack.",
    description:
        "DocumentDB clusters must require TLS: a cluster parameter group with tls = disabled lets clients send credentials " +
        "and documents in clear text. The default parameter group requires TLS.",
    remediationSteps:
        'Remove `{ name: "tls", value: "disabled" }` from the aws.docdb.ClusterParameterGroup (set "enabled", or "tls1.2+" ' +
        "and newer where the engine supports it) and reboot the instances; attach groups from this stack with " +
        "`dbClusterParameterGroupName: group.name` so the policy can verify them.",
    severity: "high",
    tags: ["aws", "docdb", checkov("CKV_AWS_90")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const clusters = ofType(args.resources, aws.docdb.Cluster);
        const groups = ofType(args.resources, aws.docdb.ClusterParameterGroup);
        if (clusters.length + groups.length === 0) {
            args.notApplicable(`The stack has no ${DOCDB_TYPES.cluster} or ${DOCDB_TYPES.clusterParameterGroup}.`);
        }
        // Every group of the stack, attached or not: a group that disables TLS is one attachment away from a leak.
        forEachDeferringUnknowns(groups, (group) => {
            const value = parameterValue(group, "tls");
            if (value === "disabled") {
                const users = clusters.filter((c) => referencedThrough(c, "dbClusterParameterGroupName", DOCDB_TYPES.clusterParameterGroup).some((g) => g.urn === group.urn));
                const usedBy = users.length > 0 ? ` (used by DocumentDB cluster ${users.map((c) => `'${c.name}'`).join(", ")})` : "";
                report(`ClusterParameterGroup '${group.name}'${usedBy} sets tls to "disabled"; it must require TLS.`, group.urn);
            }
        });
        forEachDeferringUnknowns(clusters, (cluster) => {
            for (const attached of attachedGroups(cluster)) {
                if (attached.kind === "external") {
                    report(`DocumentDB cluster '${cluster.name}' uses parameter group '${attached.name}', which is not a ClusterParameterGroup of this stack: TLS cannot be verified.`, cluster.urn);
                }
            }
        });
    },
};

/** `audit_logs` values that log something (`disabled` and `none` log nothing). */
const AUDITING = new Set(["enabled", "ddl", "dml_read", "dml_write", "all"]);

export const docdbAuditLogs: EstateStackPolicy = {
    name: "estate-docdb-audit-logs",
    checks:
        "Every DocumentDB cluster exports audit logs (enabledCloudwatchLogsExports includes audit) and is attached to a ClusterParameterGroup of the stack whose audit_logs is enabled, ddl, dml_read, dml_write or all; a cluster that exports profiler logs has profiler enabled in that group.",
    description:
        "DocumentDB clusters must record audit events (authentication, user and schema changes) and export them to " +
        "CloudWatch Logs: audit_logs in the cluster parameter group (off by default) and `audit` in the log exports. " +
        "An export whose parameter is off exports nothing: the profiler export needs `profiler = enabled` (off by default; " +
        "DocumentDB cluster parameters reference).",
    remediationSteps:
        'Add `{ name: "audit_logs", value: "enabled" }` (or ddl, dml_read, dml_write, all) and, when exporting profiler logs, ' +
        '`{ name: "profiler", value: "enabled" }` (with `profiler_threshold_ms`) to an aws.docdb.ClusterParameterGroup ' +
        'attached with `dbClusterParameterGroupName: group.name`, and `enabledCloudwatchLogsExports: ["audit", "profiler"]` on the aws.docdb.Cluster.',
    severity: "medium",
    tags: ["aws", "docdb", "logging", checkov("CKV_AWS_104")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        forEachDeferringUnknowns(clustersOf(args), (cluster) => {
            const exports = asList(propsAs(cluster, aws.docdb.Cluster).enabledCloudwatchLogsExports);
            if (!exports.includes("audit")) {
                report(`DocumentDB cluster '${cluster.name}' does not export audit logs: enabledCloudwatchLogsExports is ${shown(exports.length ? exports : undefined)}, it must include "audit".`, cluster.urn);
            }
            for (const attached of attachedGroups(cluster)) {
                if (attached.kind === "default") {
                    report(`DocumentDB cluster '${cluster.name}' uses the default parameter group, where audit_logs is disabled; attach a ClusterParameterGroup with audit_logs enabled.`, cluster.urn);
                } else if (attached.kind === "external") {
                    report(`DocumentDB cluster '${cluster.name}' uses parameter group '${attached.name}', which is not a ClusterParameterGroup of this stack: audit_logs cannot be verified.`, cluster.urn);
                } else {
                    const value = parameterValue(attached.group, "audit_logs");
                    if (typeof value !== "string" || !value.split(",").some((v) => AUDITING.has(v.trim()))) {
                        report(`ClusterParameterGroup '${attached.group.name}' of DocumentDB cluster '${cluster.name}' sets audit_logs to ${shown(value)}; it must be enabled (or ddl, dml_read, dml_write, all).`, attached.group.urn);
                    }
                    const profiler = parameterValue(attached.group, "profiler");
                    if (exports.includes("profiler") && profiler !== "enabled") {
                        report(
                            `ClusterParameterGroup '${attached.group.name}' of DocumentDB cluster '${cluster.name}' ${profiler === undefined ? "does not set profiler (off by default)" : `sets profiler to ${shown(profiler)}`}, but the cluster exports profiler logs: enable the profiler, or stop exporting them.`,
                            attached.group.urn,
                        );
                    }
                }
            }
        });
    },
};

export const docdbPolicies = [docdbStorageEncrypted, docdbBackupRetention, docdbTls, docdbAuditLogs, docdbDeletionProtection];
