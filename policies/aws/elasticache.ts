/**
 * ElastiCache policies, for replication groups (`aws.elasticache.ReplicationGroup`): the resource
 * every Redis/Valkey deployment with replicas, encryption and failover is.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType } from "@pulumi/policy";
import { checkov, awsConfigRule, type EstateResourcePolicy } from "../lib/policy";
import { isSet, minimumDays, shown } from "../lib/props";

export const ELASTICACHE_TYPES = { replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup" } as const;

const what = (name: string) => `ElastiCache replication group '${name}'`;

export const elasticacheEncryptionAtRest: EstateResourcePolicy = {
    name: "estate-elasticache-encryption-at-rest",
    checks:
        "Every ElastiCache replication group encrypts at rest: atRestEncryptionEnabled true (unset passes only for Valkey).",
    description:
        "ElastiCache replication groups must encrypt data at rest (nodes' disks, swap and backups in S3): a cache holds " +
        "sessions, tokens and copies of database rows.",
    remediationSteps:
        "Set `atRestEncryptionEnabled: true` and `kmsKeyId` to a customer-managed key on the aws.elasticache.ReplicationGroup " +
        "(it cannot change in place: create a new group from a snapshot).",
    severity: "high",
    tags: ["aws", "elasticache", checkov("CKV_AWS_29"), awsConfigRule("elasticache-repl-grp-encrypted-at-rest")],
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, report) => {
        // Valkey groups encrypt at rest unless told otherwise.
        const encrypted = group.atRestEncryptionEnabled ?? group.engine === "valkey";
        if (encrypted !== true) {
            report(`${what(args.name)} does not encrypt at rest: atRestEncryptionEnabled is ${shown(group.atRestEncryptionEnabled)}, it must be true.`);
        }
    }),
};

export const elasticacheEncryptionInTransit: EstateResourcePolicy = {
    name: "estate-elasticache-encryption-in-transit",
    checks:
        "Every ElastiCache replication group sets transitEncryptionEnabled: true and a transitEncryptionMode other than preferred.",
    description:
        "ElastiCache replication groups must require TLS between clients and nodes and between nodes; the `preferred` " +
        "mode still accepts clear-text clients and exists only for migrations.",
    remediationSteps:
        'Set `transitEncryptionEnabled: true` and `transitEncryptionMode: "required"` (after a migration through "preferred") ' +
        "and connect with TLS (rediss://).",
    severity: "high",
    tags: ["aws", "elasticache", checkov("CKV_AWS_30"), awsConfigRule("elasticache-repl-grp-encrypted-in-transit")],
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, report) => {
        if (group.transitEncryptionEnabled !== true) {
            report(`${what(args.name)} does not encrypt in transit: transitEncryptionEnabled is ${shown(group.transitEncryptionEnabled)}, it must be true.`);
        } else if (group.transitEncryptionMode === "preferred") {
            report(`${what(args.name)} accepts clients without TLS: transitEncryptionMode is "preferred", it must be "required".`);
        }
    }),
};

export const elasticacheAuth: EstateResourcePolicy = {
    name: "estate-elasticache-auth",
    checks:
        "Every ElastiCache replication group sets authToken (or authTokenWo) or userGroupIds, together with transitEncryptionEnabled: true.",
    description:
        "ElastiCache replication groups must authenticate clients, with an AUTH token or RBAC user groups, over TLS: " +
        "without it anyone who reaches the port can read and change the data (and ElastiCache accepts a token only with TLS).",
    remediationSteps:
        "Set `authToken` (a generated secret, e.g. a random.RandomPassword) or `userGroupIds` (aws.elasticache.UserGroup), " +
        "together with `transitEncryptionEnabled: true`.",
    severity: "high",
    tags: ["aws", "elasticache", checkov("CKV_AWS_31"), awsConfigRule("elasticache-repl-grp-redis-auth-enabled")],
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, report) => {
        const props = group as unknown as Record<string, unknown>;
        const userGroups = Array.isArray(group.userGroupIds) ? group.userGroupIds.length : 0;
        const authenticates = isSet(props, "authToken") || isSet(props, "authTokenWo") || userGroups > 0;
        if (!authenticates) {
            report(`${what(args.name)} does not authenticate clients: neither authToken nor userGroupIds is set.`);
        } else if (group.transitEncryptionEnabled !== true) {
            report(`${what(args.name)} authenticates without TLS: transitEncryptionEnabled is ${shown(group.transitEncryptionEnabled)}, it must be true.`);
        }
    }),
};

export const elasticacheSnapshotRetention: EstateResourcePolicy = {
    name: "estate-elasticache-snapshot-retention",
    checks:
        "Every ElastiCache replication group keeps snapshots (snapshotRetentionLimit, unset = 0) at least minimumDays.",
    description:
        "ElastiCache replication groups must take daily snapshots (0 turns them off) and keep them at least the stack's " +
        "minimum number of days, so a cache that holds state can be restored after corruption or deletion.",
    remediationSteps:
        "Set `snapshotRetentionLimit` to at least the stack minimum (policy config `minimumDays`, at most 35) and an explicit " +
        "`snapshotWindow` that does not overlap `maintenanceWindow`; keep `finalSnapshotIdentifier` for deletion.",
    severity: "medium",
    tags: ["aws", "elasticache", "backup", awsConfigRule("elasticache-redis-cluster-automatic-backup-check")],
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 1, description: "The least snapshotRetentionLimit in days (the stack's objective, 1 to 35)." },
        },
    },
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, report) => {
        const minimum = minimumDays(args.getConfig<{ minimumDays?: number }>(), 1);
        const days = group.snapshotRetentionLimit ?? 0;
        if (typeof days !== "number" || days <= 0) {
            report(`${what(args.name)} takes no snapshots: snapshotRetentionLimit is ${shown(group.snapshotRetentionLimit)}; it must be at least ${minimum}.`);
        } else if (days < minimum) {
            report(`${what(args.name)} keeps snapshots ${days} day(s) (snapshotRetentionLimit); the stack requires at least ${minimum}.`);
        }
    }),
};

export const elasticacheAutomaticFailover: EstateResourcePolicy = {
    name: "estate-elasticache-automatic-failover",
    checks:
        "Every ElastiCache replication group sets automaticFailoverEnabled: true.",
    description:
        "ElastiCache replication groups must fail over automatically to a replica when the primary fails, instead of " +
        "waiting for a node replacement; that needs at least two nodes, ideally in different zones (Multi-AZ).",
    remediationSteps:
        "Set `automaticFailoverEnabled: true` and `multiAzEnabled: true` with `numCacheClusters` of 2 or more (estate:data.redis.nodes).",
    severity: "medium",
    tags: ["aws", "elasticache"],
    validateResource: validateResourceOfType(aws.elasticache.ReplicationGroup, (group, args, report) => {
        if (group.automaticFailoverEnabled !== true) {
            report(`${what(args.name)} does not fail over automatically: automaticFailoverEnabled is ${shown(group.automaticFailoverEnabled)}, it must be true (with at least 2 nodes).`);
        }
    }),
};

export const elasticachePolicies = [
    elasticacheEncryptionAtRest,
    elasticacheEncryptionInTransit,
    elasticacheAuth,
    elasticacheSnapshotRetention,
    elasticacheAutomaticFailover,
];
