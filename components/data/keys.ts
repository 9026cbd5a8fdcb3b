/**
 * The customer-managed KMS key of a managed data service: it encrypts the storage, the snapshots,
 * the credentials in Secrets Manager, Performance Insights and the delivered logs. One key per
 * service keeps the blast radius of a key policy (or a key deletion) to that service.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { guardedKeyPolicy, type KeyGuard } from "../lib/key-guard";

/** Days KMS waits before deleting a key scheduled for deletion (the maximum). */
export const DATA_KEY_DELETION_WINDOW_DAYS = 30;

export interface DataKeySpec {
    name: string;
    /** What the key protects, for its description. */
    service: string;
    region?: string;
    tags: Record<string, string>;
    /** Options for the key itself (parent, and protect/retainOnDelete for protected data). */
    opts: pulumi.CustomResourceOptions;
    /**
     * Let CloudWatch Logs in this region encrypt log groups of this account with the key. AWS
     * services such as RDS, ElastiCache and Secrets Manager use the key on the caller's behalf
     * (through grants) and need no statement; CloudWatch Logs does.
     */
    allowCloudWatchLogs?: boolean;
    /**
     * Deny deleting, disabling and re-governing the key to all but a break-glass role (and the key
     * policy to all but it and the deployers): backups encrypted with it (RDS, Aurora and DocumentDB
     * recovery points keep the database's key) then survive a compromised administrator. See
     * `components/lib/key-guard.ts`. Default: none (KMS's default key policy).
     */
    guard?: KeyGuard;
    /** Let this account (the backup account) use the key for AWS Backup's cross-account copies. Default: none. */
    copyToAccountId?: string;
}

/** A rotating customer-managed key with an alias `alias/estate/<name>-...`. */
export function dataKey(spec: DataKeySpec): aws.kms.Key {
    const { name, region, tags, opts } = spec;
    const parent = opts.parent;
    let policy: pulumi.Output<string> | undefined;
    if (spec.allowCloudWatchLogs || spec.guard !== undefined || spec.copyToAccountId !== undefined) {
        const account = aws.getCallerIdentityOutput({}, { parent });
        const partition = aws.getPartitionOutput({}, { parent });
        const keyRegion = region !== undefined ? pulumi.output(region) : aws.getRegionOutput({}, { parent }).region;
        policy = pulumi
            .all([account.accountId, partition.partition, keyRegion])
            .apply(([accountId, part, r]) =>
                JSON.stringify(
                    keyPolicy(accountId, part, r, { cloudWatchLogs: spec.allowCloudWatchLogs === true, guard: spec.guard, copyToAccountId: spec.copyToAccountId }),
                ),
            );
    }
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            description: `Encrypts ${spec.service} ${name}: storage, snapshots, credentials and logs`,
            enableKeyRotation: true,
            deletionWindowInDays: DATA_KEY_DELETION_WINDOW_DAYS,
            policy,
            region,
            tags,
        },
        opts,
    );
    new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/estate/${name}-`, targetKeyId: key.arn, region }, { parent });
    return key;
}

/** What a data key's policy adds to KMS's default statement. */
export interface KeyPolicyExtras {
    /** CloudWatch Logs may use the key for this account's log groups in this region. Default: true. */
    cloudWatchLogs?: boolean;
    /** Only a break-glass role may delete or disable the key (`keyGuardStatements`). Default: none. */
    guard?: KeyGuard;
    /** The backup account may use the key for AWS Backup's cross-account copies. Default: none. */
    copyToAccountId?: string;
}

/**
 * The key policy: the account's IAM decides who may use the key (KMS's default statement), and
 * CloudWatch Logs may use it for this account's log groups in this region only; with a guard, only
 * the break-glass role may destroy the key; with a backup account, that account may copy backups.
 */
export function keyPolicy(accountId: string, partition: string, region: string, extras: KeyPolicyExtras = {}) {
    const { cloudWatchLogs = true, guard, copyToAccountId } = extras;
    return guardedKeyPolicy(accountId, partition, { guard, copyToAccountId, allow: cloudWatchLogs ? [cloudWatchLogsStatement(accountId, partition, region)] : [] });
}

function cloudWatchLogsStatement(accountId: string, partition: string, region: string): Record<string, unknown> {
    return {
        Sid: "CloudWatchLogsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: {
            ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` },
        },
    };
}
