/**
 * Key policy statements that keep a KMS key, and every backup encrypted with it, from being erased
 * by an ordinary principal of the account.
 *
 * Why: AWS Backup does not fully manage RDS, Aurora or DocumentDB. Their recovery points stay
 * encrypted with the source database's key, not the vault's ("Amazon RDS snapshots are
 * automatically encrypted with the same encryption key that was used to encrypt the source Amazon
 * RDS database"; https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html). Whoever may
 * schedule that key's deletion (or disable it, or rewrite its policy) can make every locked
 * recovery point unreadable, vault lock or not. KMS's default key policy lets the account's IAM
 * decide, so every administrator may.
 *
 * The statements here are explicit denies, which win over any allow: only the break-glass role may
 * schedule deletion or disable the key, and only the break-glass role and the deployers may change
 * the key policy. The deployers keep `kms:PutKeyPolicy` on purpose: KMS's policy lockout safety
 * check refuses a key policy that would not let the principal setting it make a subsequent
 * `PutKeyPolicy` request (CreateKey/PutKeyPolicy, `BypassPolicyLockoutSafetyCheck`;
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html), and the stack must
 * keep managing its keys. A deployer left out is refused by that check at `pulumi up`: the failure
 * is a refused update, never a locked key. What this does not stop is in docs/backup-protection.md:
 * a compromised deployer can still rewrite the policy, and an IAM administrator can take over the
 * break-glass role; only a copy in another account survives those.
 *
 * Pure data: no Pulumi resources, no config reads.
 */

/** Who may still destroy or re-govern a guarded key. */
export interface KeyGuard {
    /**
     * The one IAM role that may schedule the key's deletion or disable the key, and (with the
     * deployers) change its policy (cancelling a deletion and re-enabling stay open to the account's IAM): `arn:aws:iam::<account>:role/<name>`, in the key's account (KMS
     * allows key management only from the key's own account).
     */
    breakGlassRoleArn: string;
    /**
     * The IAM roles that run `pulumi up`: they may change the key policy (`kms:PutKeyPolicy`), nothing
     * more destructive. At least one; the role that creates or updates the key must be among them, or
     * KMS's lockout safety check refuses the policy.
     */
    deployerRoleArns: string[];
}

/** The actions that make a key (and every backup encrypted with it) unusable, for good or for now. */
export const KEY_DESTRUCTION_ACTIONS = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DeleteImportedKeyMaterial"] as const;
/** Changing the key policy: a principal allowed this can remove any deny, so it is guarded too. */
export const KEY_POLICY_ACTIONS = ["kms:PutKeyPolicy"] as const;

/** Statement ids, so a policy, a test or a person can find the statements. */
export const KEY_GUARD_SIDS = {
    destruction: "OnlyBreakGlassMayDeleteOrDisableKey",
    policy: "OnlyBreakGlassAndDeployersMayChangeKeyPolicy",
} as const;

/** The IAM role ARN form the guard accepts (no wildcards: a wildcard would exempt more than one role). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/** The problem with a guard, naming the field, or undefined when it is usable. */
export function findKeyGuardProblem(guard: KeyGuard): { argument: string; problem: string } | undefined {
    if (typeof guard.breakGlassRoleArn !== "string" || !ROLE_ARN.test(guard.breakGlassRoleArn)) {
        return { argument: "breakGlassRoleArn", problem: `must be an IAM role ARN such as arn:aws:iam::123456789012:role/break-glass (got ${JSON.stringify(guard.breakGlassRoleArn)})` };
    }
    if (!Array.isArray(guard.deployerRoleArns) || guard.deployerRoleArns.length === 0) {
        return { argument: "deployerRoleArns", problem: "must name at least one IAM role: the role that runs pulumi up, or KMS's lockout safety check refuses the key policy" };
    }
    for (const [i, arn] of guard.deployerRoleArns.entries()) {
        if (typeof arn !== "string" || !ROLE_ARN.test(arn)) {
            return { argument: `deployerRoleArns[${i}]`, problem: `must be an IAM role ARN (got ${JSON.stringify(arn)})` };
        }
        if (arn === guard.breakGlassRoleArn) {
            return { argument: `deployerRoleArns[${i}]`, problem: "must not be the break-glass role: the role that deploys every day must not also be able to delete the keys" };
        }
    }
    const account = (arn: string) => arn.split(":")[4];
    const accounts = new Set([guard.breakGlassRoleArn, ...guard.deployerRoleArns].map(account));
    if (accounts.size > 1) {
        return { argument: "breakGlassRoleArn", problem: `must be in the same account as the deployer roles, the keys' account: KMS key management is not allowed across accounts (got accounts ${[...accounts].join(", ")})` };
    }
    return undefined;
}

/**
 * The deny statements of a guarded key. `aws:PrincipalArn` is the role's ARN for a session of an
 * assumed role, so the exemption names roles, never sessions.
 */
export function keyGuardStatements(guard: KeyGuard): Record<string, unknown>[] {
    return [
        {
            Sid: KEY_GUARD_SIDS.destruction,
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: [...KEY_DESTRUCTION_ACTIONS],
            Resource: "*",
            Condition: { ArnNotEquals: { "aws:PrincipalArn": guard.breakGlassRoleArn } },
        },
        {
            Sid: KEY_GUARD_SIDS.policy,
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: [...KEY_POLICY_ACTIONS],
            Resource: "*",
            Condition: { ArnNotEquals: { "aws:PrincipalArn": [guard.breakGlassRoleArn, ...guard.deployerRoleArns] } },
        },
    ];
}

/**
 * Lets another account (the backup account) use the key for AWS Backup's cross-account copies:
 * "if your resources are encrypted with a customer managed key, you must share this customer managed
 * key with the destination account" (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
 * The grant is only for AWS resources (AWS Backup's copy), as in AWS's own example for copies.
 */
export function crossAccountCopyStatements(partition: string, accountId: string): Record<string, unknown>[] {
    const principal = { AWS: `arn:${partition}:iam::${accountId}:root` };
    return [
        {
            Sid: "BackupAccountMayCopyRecoveryPoints",
            Effect: "Allow",
            Principal: principal,
            Action: ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            Resource: "*",
        },
        {
            Sid: "BackupAccountMayGrantForCopies",
            Effect: "Allow",
            Principal: principal,
            Action: ["kms:CreateGrant"],
            Resource: "*",
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    ];
}

/**
 * A complete key policy, the one every key of the estate gets: KMS's default statement (the
 * account's IAM decides who may use the key), then `allow` (e.g. a service principal's use), then
 * the guard's denies and the backup account's copy permissions, when given.
 */
export function guardedKeyPolicy(
    accountId: string,
    partition: string,
    extras: { guard?: KeyGuard; copyToAccountId?: string; allow?: Record<string, unknown>[] },
): { Version: string; Statement: Record<string, unknown>[] } {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountIamDecides", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            ...(extras.allow ?? []),
            ...(extras.guard ? keyGuardStatements(extras.guard) : []),
            ...(extras.copyToAccountId !== undefined ? crossAccountCopyStatements(partition, extras.copyToAccountId) : []),
        ],
    };
}

/** The account id of an ARN (`arn:<partition>:<service>:<region>:<account>:...`), if it has one. */
export function arnAccount(arn: string): string | undefined {
    const account = arn.split(":")[4];
    return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}
