/**
 * `BackupPlan`: AWS Backup for the estate's managed databases (RDS, Aurora, DocumentDB). A vault
 * encrypted with a customer-managed key, optionally locked; a plan with one rule per retention
 * tier (continuous backup for point-in-time recovery on the daily rule) and copies to a vault in the
 * DR region; optionally a second plan, same tiers without continuous backup, whose copies go to a
 * vault in a separate backup account (RDS and Aurora copy cross-region or cross-account, not both,
 * in one plan); selections by ARN and by tag for each plan;
 * and AWS Backup restore testing, which restores the latest recovery point on a schedule and records
 * how long the restore job took.
 *
 * What that duration covers depends on the type. An RDS restore creates a DB instance, so its job
 * ends with a database that serves. An Aurora or DocumentDB restore creates the cluster only: "AWS
 * Backup restores your Aurora cluster; it does not create or attach an Amazon RDS instance to your
 * cluster" (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-aur.html), and a
 * DocumentDB cluster restored from a snapshot "does not have any instances associated with it"
 * (https://docs.aws.amazon.com/documentdb/latest/developerguide/backup_restore-restore_from_snapshot.html).
 * For those, the measured time is a lower bound of the RTO, not the RTO: creating an instance and
 * waiting for it to be available comes on top, and nothing here measures it (docs/backup-protection.md).
 *
 * Every setting derives from the objectives through `./objectives`, the same helpers the config
 * layer uses to refuse infeasible objectives.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { withoutUndefined } from "../lib/args";
import { ArgumentError } from "../lib/errors";
import { arnAccount, findKeyGuardProblem, guardedKeyPolicy, type KeyGuard } from "../lib/key-guard";
import {
    AWS_BACKUP_MAX_RETENTION_DAYS,
    BACKUP_SELECTION_TAG,
    CONTINUOUS_BACKUP_MAX_DAYS,
    RESTORE_TESTING_SCHEDULE,
    VAULT_LOCK_MIN_CHANGEABLE_DAYS,
    type BackupRuleSpec,
    backupRules,
    backupVaultRegion,
    crossAccountRegionProblem,
    nativeBackupRetentionDays,
    vaultLockBounds,
} from "./objectives";
import { awsCronProblem } from "../lib/cron";
import { type RetentionTiers, type Tier, TIERS, findRetentionProblem, retentionDays, tierField } from "./retention";

/** The resource types AWS Backup restore testing restores for this component. */
export const RESTORE_TEST_RESOURCE_TYPES = ["RDS", "Aurora", "DocumentDB"] as const;
export type RestoreTestResourceType = (typeof RESTORE_TEST_RESOURCE_TYPES)[number];

/** AWS Backup Vault Lock in compliance mode. */
export interface VaultLockSettings {
    /**
     * The cooling-off, in days (3 to 36500): until then the lock can still be changed or removed;
     * from then on nobody (root included) can remove the lock, delete the vault, or delete or
     * shorten a recovery point before its retention ends. Default: 7.
     */
    changeableForDays?: number;
}

/**
 * AWS Backup restore testing of the protected databases. The recorded duration is the restore job's:
 * for RDS a serving DB instance, for Aurora and DocumentDB a cluster without instances (a lower bound
 * of the RTO; see the module comment).
 */
export interface RestoreTestingSettings {
    /** When tests start: an AWS cron expression in UTC. Default: monthly, `cron(0 8 15 * ? *)`. */
    schedule?: string;
    /** Hours after the scheduled time within which the restore jobs must start (1-168). Default: 24. */
    startWindowHours?: number;
    /** Restore the latest recovery point of the last N days (1-365). Default: 7. */
    selectionWindowDays?: number;
    /** The resource types to restore-test. Default: RDS, Aurora and DocumentDB. */
    resourceTypes?: RestoreTestResourceType[];
    /**
     * Restore metadata for the test restores of each resource type, such as `dbSubnetGroupName` and
     * `vpcSecurityGroupIds` (a JSON list): where the restored copy goes. AWS Backup otherwise infers
     * it, restoring into the default VPC, and the test fails where there is none (the managed data
     * components give theirs as `restoreMetadata`). Default: none.
     */
    restoreMetadataOverrides?: Partial<Record<RestoreTestResourceType, Record<string, pulumi.Input<string>>>>;
    /**
     * Name of the restore testing plan: 1-50 letters, digits or underscores, unique in the account
     * and region. Default: `<project>_<stack>_<name>` with other characters replaced by `_`.
     */
    name?: string;
}

/** A vault in a separate backup account that receives a copy of every recovery point. */
export interface CopyToAccountSettings {
    /**
     * ARN of the destination vault, `arn:aws:backup:<region>:<account>:backup-vault:<name>`, in
     * another account of the same AWS Organization. That account must have: cross-account backup
     * enabled by the organization's management account; a vault encrypted with a customer-managed key
     * of its own; an access policy allowing `backup:CopyIntoBackupVault` from this account; ideally a
     * Vault Lock in compliance mode whose bounds admit every rule's retention. AWS Backup re-encrypts
     * the copy with the destination vault's key (create-cross-account-backup.html), so the copy no
     * longer depends on any key of this account. Required.
     */
    vaultArn: string;
}

export interface BackupPlanArgs {
    /**
     * How long each tier is kept. Required; integers >= 1. Each tier becomes a rule deleting its
     * recovery points after the tier's retention in days (7-day weeks, 31-day months, 366-day years;
     * at most 36500 days).
     */
    retention: RetentionTiers;
    /**
     * Continuous backup (point-in-time recovery, 1-35 days) for the resource types that support it
     * (RDS, Aurora; the others get snapshots). AWS Backup takes over RDS automated backups and sets
     * their retention to `days`, so pass the databases' own `backupRetentionPeriod` (what the
     * managed data components derive with `nativeBackupRetentionDays`). `false`: snapshots only.
     * Default: `{ days: nativeBackupRetentionDays(retention, { protectData }) }`, the databases' rule.
     */
    continuousBackup?: { days: number } | false;
    /**
     * ARNs of the resources to back up (RDS instances and clusters, DocumentDB clusters). Default: none.
     * The tag selection (`selectByTag`) covers resources created elsewhere.
     */
    resources?: pulumi.Input<string>[];
    /**
     * Also select every resource tagged `estate:backup: "true"` (`BACKUP_SELECTION_TAG`), in the
     * regions where its type is opted in to AWS Backup. Default: `true`.
     */
    selectByTag?: boolean;
    /**
     * Copy every recovery point to a vault in this region (created here, with its own key, locked
     * like the primary). Must differ from `region`. Default: no copies.
     */
    drRegion?: string;
    /**
     * Copy every tier's recovery points, with the tier's retention, to a vault in a separate backup
     * account: the copy that survives a compromise of this account (docs/backup-protection.md). The
     * copies come from a second plan, `${name}-account-copy-plan`, over the same resources: AWS Backup
     * copies RDS and Aurora cross-region or cross-account, not both in one plan (cross-region-backup.html).
     * It takes its own snapshot per tier into the primary vault (a second daily snapshot there, billed).
     * The keys created here let that account use them for the copies; the databases' own keys must
     * too (the data components' `backupAccountId`). Default: no cross-account copy.
     */
    copyToAccount?: CopyToAccountSettings;
    /**
     * Guard the keys created here (primary and DR vault): only the break-glass role may delete or
     * disable them, only it and the deployers may change their policy (`components/lib/key-guard.ts`).
     * Not with `kmsKeyArn` alone: that key's policy is its owner's. Default: none.
     */
    keyGuard?: KeyGuard;
    /**
     * ARN of an existing KMS key for the primary vault (`arn:aws:kms:<region>:<account>:key/<id>`, in
     * the vault's region). Default: a customer-managed key with rotation, a 30-day deletion window
     * and an alias, created here.
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Lock the vaults (compliance mode) with minimum and maximum retention equal to the shortest and
     * longest rule, so nothing outside the tiers can be stored and nothing stored can be deleted
     * early. Requires `protectData`. Irreversible after the cooling-off. Default: no lock.
     */
    vaultLock?: VaultLockSettings;
    /** Restore testing (monthly by default); `false` turns it off. Default: `{}`. */
    restoreTesting?: RestoreTestingSettings | false;
    /** AWS cron expression (UTC) per tier. Default: `TIER_SCHEDULES` (every tier at 03:00 UTC). */
    schedules?: Partial<Record<Tier, string>>;
    /** Minutes a backup job may wait to start before it counts as failed (>= 60). Default: 60. */
    startWindowMinutes?: number;
    /** Minutes a started backup job may run (>= startWindowMinutes + 60). Default: 480. */
    completionWindowMinutes?: number;
    /**
     * `protect` and `retainOnDelete` on the keys, vaults and vault locks, and no `forceDestroy` on the
     * vaults. `false` only for throwaway stacks: then vaults are destroyed with their recovery points.
     * Default: `true`.
     */
    protectData?: boolean;
    /** AWS region of the vault, plan and selections. Default: the provider's region. */
    region?: string;
    /** Tags for every taggable child, and for every recovery point (with `estate:tier`). Default: none. */
    tags?: Record<string, string>;
}

/** Defaults of the optional arguments, merged once at the top of the constructor. */
const defaults = {
    resources: [] as pulumi.Input<string>[],
    selectByTag: true,
    restoreTesting: {} as RestoreTestingSettings | false,
    schedules: {} as Partial<Record<Tier, string>>,
    startWindowMinutes: 60,
    completionWindowMinutes: 480,
    protectData: true,
    tags: {} as Record<string, string>,
} satisfies Partial<BackupPlanArgs>;

const vaultLockDefaults = { changeableForDays: 7 } satisfies VaultLockSettings;

const restoreTestingDefaults = {
    schedule: RESTORE_TESTING_SCHEDULE,
    startWindowHours: 24,
    selectionWindowDays: 7,
    resourceTypes: [...RESTORE_TEST_RESOURCE_TYPES] as RestoreTestResourceType[],
} satisfies RestoreTestingSettings;

/** The AWS managed policies the backup role needs: to back up, and to restore (restore tests too). */
export const BACKUP_SERVICE_ROLE_POLICIES = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"] as const;

const KMS_DELETION_WINDOW_DAYS = 30;
const TYPE = "estate:backup:BackupPlan";

/**
 * AWS Backup for the estate's managed databases. Tag a database `estate:backup: "true"` or pass its
 * ARN in `resources`; it is then backed up per tier, copied to the DR region, and restore-tested.
 *
 * Before the first backup, opt the resource types in to AWS Backup in each region used (AWS
 * Backup console, Settings, Service opt-in; some types, Aurora among them, are off by default). The
 * component does not manage that account-wide setting.
 */
export class BackupPlan extends pulumi.ComponentResource {
    /** The primary backup vault's name. */
    readonly vaultName: pulumi.Output<string>;
    /** The primary backup vault's ARN. */
    readonly vaultArn: pulumi.Output<string>;
    /** The key of the primary vault (the given one, or the one created here). */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The backup plan's id. */
    readonly planId: pulumi.Output<string>;
    /** The backup plan's ARN. */
    readonly planArn: pulumi.Output<string>;
    /** The IAM role AWS Backup uses to back up and restore. */
    readonly roleArn: pulumi.Output<string>;
    /** The rules of the plan, as data (name, schedule, continuous, retention). */
    readonly rules: readonly BackupRuleSpec[];
    /** The tag that selects a resource, when `selectByTag` is on. */
    readonly selectionTag?: { key: string; value: string };
    /** The vault in another account that receives a copy of every recovery point, when `copyToAccount` is set. */
    readonly copyToVaultArn?: string;
    /** The plan that copies to that vault (a plan of its own: see `copyToAccount`), when `copyToAccount` is set. */
    readonly accountCopyPlanArn?: pulumi.Output<string>;
    /** The vault in `drRegion` that receives the copies, when `drRegion` is set. */
    readonly drVaultArn?: pulumi.Output<string>;
    /** The key of the DR vault, when `drRegion` is set. */
    readonly drKmsKeyArn?: pulumi.Output<string>;
    /** The restore testing plan's name, unless restore testing is off. */
    readonly restoreTestingPlanName?: pulumi.Output<string>;

    constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): an invalid component registers nothing.
        validateArgs(name, args);
        const {
            retention,
            continuousBackup,
            resources,
            selectByTag,
            drRegion,
            kmsKeyArn,
            copyToAccount,
            keyGuard,
            vaultLock,
            restoreTesting,
            schedules,
            startWindowMinutes,
            completionWindowMinutes,
            protectData,
            region,
            tags,
        } = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const dataOpts: pulumi.CustomResourceOptions = protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const child = { parent: this };
        const continuousDays =
            continuousBackup === false ? undefined : (continuousBackup?.days ?? nativeBackupRetentionDays(retention, { protectData }));
        const rules = backupRules(retention, { continuousDays, schedules });
        const lock = vaultLock === undefined ? undefined : { ...vaultLockDefaults, ...withoutUndefined(vaultLock), ...vaultLockBounds(rules) };

        const keyPolicy = { guard: keyGuard, copyToAccountId: copyToAccount ? arnAccount(copyToAccount.vaultArn) : undefined };
        const keyArn: pulumi.Output<string> =
            kmsKeyArn !== undefined ? pulumi.output(kmsKeyArn) : this.createKey(name, region, tags, dataOpts, keyPolicy).arn;
        const vault = this.lockedVault(name, { region, keyArn, lock, protectData, tags, dataOpts });

        let drVault: aws.backup.Vault | undefined;
        let drKeyArn: pulumi.Output<string> | undefined;
        if (drRegion !== undefined) {
            drKeyArn = this.createKey(`${name}-dr`, drRegion, tags, dataOpts, keyPolicy).arn;
            drVault = this.lockedVault(`${name}-dr`, { region: drRegion, keyArn: drKeyArn, lock, protectData, tags, dataOpts });
        }

        // No cold storage: AWS Backup ignores it for RDS, Aurora and DocumentDB (see ./objectives).
        const ruleInput = (rule: BackupRuleSpec, continuous: boolean): aws.types.input.backup.PlanRule => ({
            ruleName: rule.name,
            targetVaultName: vault.name,
            schedule: rule.schedule,
            scheduleExpressionTimezone: "Etc/UTC",
            startWindow: startWindowMinutes,
            completionWindow: completionWindowMinutes,
            enableContinuousBackup: continuous,
            lifecycle: { deleteAfter: rule.deleteAfterDays },
            recoveryPointTags: { ...tags, "estate:tier": rule.name },
        });
        const plan = new aws.backup.Plan(
            `${name}-plan`,
            {
                region,
                tags,
                rules: rules.map((rule): aws.types.input.backup.PlanRule => {
                    const input = ruleInput(rule, rule.continuous);
                    // A copy keeps its source's lifecycle: the DR region can restore every tier. Only the DR copy:
                    // the backup account's copies come from the plan below.
                    return drVault ? { ...input, copyActions: [{ destinationVaultArn: drVault.arn, lifecycle: input.lifecycle }] } : input;
                }),
            },
            child,
        );
        // The backup account's copies, from a plan of their own over the same resources: "Amazon RDS and Aurora
        // support cross-Region backup, or cross-account backup, but not both in the same backup plan"
        // (https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html). Same tiers, schedules
        // and retention, into the primary vault (a second snapshot per tier there), each copied to the backup
        // account with the tier's lifecycle. No continuous backup: with the same resource in two plans with a
        // continuous rule, AWS Backup keeps only the first plan it evaluates
        // (https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery-overlapping.html); the
        // continuous rule stays in the main plan. Its own `continuous` rule (when the daily tier outlives continuous
        // backup) is not repeated: the tiers are what the backup account keeps.
        const accountCopyPlan = copyToAccount
            ? new aws.backup.Plan(
                  `${name}-account-copy-plan`,
                  {
                      region,
                      tags,
                      rules: rules
                          .filter((rule) => rule.tier !== undefined)
                          .map((rule): aws.types.input.backup.PlanRule => {
                              const input = ruleInput(rule, false);
                              return {
                                  ...input,
                                  // AWS Backup runs one backup job per resource at a time ("Concurrent backup jobs and
                                  // copy jobs per resource: 1", aws-backup-limits.html) and retries a job that cannot
                                  // start yet "at least every 10 minutes" until its start window ends (BackupRule
                                  // StartWindowMinutes, AWS Backup API reference). Scheduled beside the main plan's job,
                                  // this one waits as long as that job may run, then has the same time to complete.
                                  ...accountCopyWindows({ startWindowMinutes, completionWindowMinutes }),
                                  copyActions: [{ destinationVaultArn: copyToAccount.vaultArn, lifecycle: input.lifecycle }],
                              };
                          }),
                  },
                  child,
              )
            : undefined;

        const partition = aws.getPartitionOutput({}, child).partition;
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `AWS Backup: backs up and restores (restore tests included) for ${name}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            child,
        );
        const attachments = BACKUP_SERVICE_ROLE_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-role-${policy.endsWith("ForBackup") ? "backup" : "restores"}`,
                    { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/${policy}` },
                    child,
                ),
        );
        // AWS Backup checks the role when a selection or a restore test is created.
        const withRole = { parent: this, dependsOn: attachments };

        // The same two selections for each plan: by ARN, and by tag. The main plan's keep their names.
        const selectionsFor = (planName: string, planId: pulumi.Input<string>): void => {
            if (resources.length > 0) {
                new aws.backup.Selection(`${planName}-selection`, { planId, iamRoleArn: role.arn, resources, region }, withRole);
            }
            if (selectByTag) {
                new aws.backup.Selection(
                    `${planName}-selection-tagged`,
                    {
                        planId,
                        iamRoleArn: role.arn,
                        selectionTags: [{ type: "STRINGEQUALS", key: BACKUP_SELECTION_TAG.key, value: BACKUP_SELECTION_TAG.value }],
                        region,
                    },
                    withRole,
                );
            }
        };
        selectionsFor(name, plan.id);
        if (accountCopyPlan) {
            selectionsFor(`${name}-account-copy`, accountCopyPlan.id);
        }
        if (selectByTag) {
            this.selectionTag = { ...BACKUP_SELECTION_TAG };
        }

        if (restoreTesting !== false) {
            const testing = { ...restoreTestingDefaults, ...withoutUndefined(restoreTesting) };
            const testingPlan = new aws.backup.RestoreTestingPlan(
                `${name}-restore-testing`,
                {
                    // Letters, digits and underscores only: Pulumi's auto-name (with hyphens) would be refused.
                    name: testing.name ?? restoreTestingPlanName(name),
                    scheduleExpression: testing.schedule,
                    scheduleExpressionTimezone: "Etc/UTC",
                    startWindowHours: testing.startWindowHours,
                    recoveryPointSelection: {
                        algorithm: "LATEST_WITHIN_WINDOW",
                        // Only this plan's vault: the protected resources below are then exactly the ones this plan backs up.
                        includeVaults: [vault.arn],
                        recoveryPointTypes: continuousDays !== undefined ? ["CONTINUOUS", "SNAPSHOT"] : ["SNAPSHOT"],
                        selectionWindowDays: testing.selectionWindowDays,
                    },
                    region,
                    tags,
                },
                child,
            );
            for (const type of testing.resourceTypes) {
                new aws.backup.RestoreTestingSelection(
                    `${name}-restore-testing-${type.toLowerCase()}`,
                    {
                        name: type.toLowerCase(),
                        restoreTestingPlanName: testingPlan.name,
                        protectedResourceType: type,
                        protectedResourceArns: ["*"],
                        iamRoleArn: role.arn,
                        ...(testing.restoreMetadataOverrides?.[type] ? { restoreMetadataOverrides: testing.restoreMetadataOverrides[type] } : {}),
                        region,
                    },
                    withRole,
                );
            }
            this.restoreTestingPlanName = testingPlan.name;
        }

        this.vaultName = vault.name;
        this.vaultArn = vault.arn;
        this.kmsKeyArn = keyArn;
        this.planId = plan.id;
        this.planArn = plan.arn;
        this.roleArn = role.arn;
        this.rules = Object.freeze(rules.map((r) => Object.freeze({ ...r })));
        this.drVaultArn = drVault?.arn;
        this.drKmsKeyArn = drKeyArn;
        this.copyToVaultArn = copyToAccount?.vaultArn;
        this.accountCopyPlanArn = accountCopyPlan?.arn;

        this.registerOutputs({
            vaultName: this.vaultName,
            vaultArn: this.vaultArn,
            kmsKeyArn: this.kmsKeyArn,
            planId: this.planId,
            planArn: this.planArn,
            roleArn: this.roleArn,
            drVaultArn: this.drVaultArn,
            drKmsKeyArn: this.drKmsKeyArn,
            restoreTestingPlanName: this.restoreTestingPlanName,
            accountCopyPlanArn: this.accountCopyPlanArn,
        });
    }

    /**
     * A customer-managed key with rotation, and an alias so people can find it. With a guard or a
     * backup account, an explicit key policy: KMS's default statement plus the guard's denies and
     * the backup account's copy permissions.
     */
    private createKey(
        name: string,
        region: string | undefined,
        tags: Record<string, string>,
        dataOpts: pulumi.CustomResourceOptions,
        extras: { guard?: KeyGuard; copyToAccountId?: string },
    ): aws.kms.Key {
        let policy: pulumi.Output<string> | undefined;
        if (extras.guard !== undefined || extras.copyToAccountId !== undefined) {
            const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            const partition = aws.getPartitionOutput({}, { parent: this }).partition;
            policy = pulumi.all([account, partition]).apply(([accountId, part]) => JSON.stringify(guardedKeyPolicy(accountId, part, extras)));
        }
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the AWS Backup vault of ${name}`,
                enableKeyRotation: true,
                deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
                policy,
                region,
                tags,
            },
            dataOpts,
        );
        new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/estate/${name}-`, targetKeyId: key.arn, region }, { parent: this });
        return key;
    }

    /** A vault encrypted with `keyArn`, and its lock when one is asked for. */
    private lockedVault(
        name: string,
        spec: {
            region: string | undefined;
            keyArn: pulumi.Input<string>;
            lock: { changeableForDays: number; minRetentionDays: number; maxRetentionDays: number } | undefined;
            protectData: boolean;
            tags: Record<string, string>;
            dataOpts: pulumi.CustomResourceOptions;
        },
    ): aws.backup.Vault {
        const vault = new aws.backup.Vault(
            `${name}-vault`,
            { kmsKeyArn: spec.keyArn, forceDestroy: !spec.protectData, region: spec.region, tags: spec.tags },
            spec.dataOpts,
        );
        if (spec.lock) {
            new aws.backup.VaultLockConfiguration(
                `${name}-vault-lock`,
                {
                    backupVaultName: vault.name,
                    changeableForDays: spec.lock.changeableForDays,
                    minRetentionDays: spec.lock.minRetentionDays,
                    maxRetentionDays: spec.lock.maxRetentionDays,
                    region: spec.region,
                },
                spec.dataOpts,
            );
        }
        return vault;
    }
}

/** `<project>_<stack>_<name>`, as a restore testing plan name allows: letters, digits, `_`, at most 50. */
/**
 * The start and completion windows of the account-copy plan's rules: it starts beside the main plan's
 * job on the same resource, so it may wait up to that job's completion window before it starts.
 */
export function accountCopyWindows(main: { startWindowMinutes: number; completionWindowMinutes: number }): { startWindow: number; completionWindow: number } {
    const startWindow = main.completionWindowMinutes;
    return { startWindow, completionWindow: startWindow + main.completionWindowMinutes };
}

function restoreTestingPlanName(name: string): string {
    return `${pulumi.getProject()}_${pulumi.getStack()}_${name}`.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 50);
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateArgs(name: string, args: BackupPlanArgs): void {
    const component = `BackupPlan ${JSON.stringify(name)}`;
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
        typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
    if (args === undefined || args === null || typeof args !== "object") {
        fail("args", "must be an object with at least `retention`");
    }
    if (args.retention === undefined || args.retention === null || typeof args.retention !== "object") {
        fail("retention", "is required (an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)");
    }
    const retentionProblem = findRetentionProblem(args.retention);
    if (retentionProblem) {
        fail(retentionProblem.argument, retentionProblem.problem);
    }
    for (const tier of TIERS) {
        const days = retentionDays(args.retention, tier);
        if (days > AWS_BACKUP_MAX_RETENTION_DAYS) {
            fail(
                `retention.${tierField(tier)}`,
                `keeps ${days} days; AWS Backup keeps a recovery point at most ${AWS_BACKUP_MAX_RETENTION_DAYS} days (got ${args.retention[tierField(tier)]})`,
            );
        }
    }
    const continuous: unknown = args.continuousBackup;
    if (continuous !== undefined && continuous !== false) {
        const days = (continuous as { days?: unknown } | null)?.days;
        if (!isInt(days, 1, CONTINUOUS_BACKUP_MAX_DAYS)) {
            fail("continuousBackup.days", `must be an integer from 1 to ${CONTINUOUS_BACKUP_MAX_DAYS}, or continuousBackup false (got ${String(days)})`);
        }
    }
    if (args.resources !== undefined) {
        if (!Array.isArray(args.resources)) {
            fail("resources", "must be a list of ARNs");
        }
        args.resources.forEach((arn, i) => {
            if (arn === undefined || arn === null || (typeof arn === "string" && arn.trim() === "")) {
                fail(`resources[${i}]`, `must be a resource ARN (got ${JSON.stringify(arn)})`);
            }
        });
    }
    if (args.selectByTag === false && (args.resources ?? []).length === 0) {
        fail("selectByTag", "is false and resources is empty: the plan would back up nothing; pass resources or keep selectByTag");
    }
    if (args.region !== undefined && (typeof args.region !== "string" || args.region.trim() === "")) {
        fail("region", `must be a non-empty AWS region name such as "eu-west-1" (got ${JSON.stringify(args.region)})`);
    }
    if (args.drRegion !== undefined) {
        if (typeof args.drRegion !== "string" || args.drRegion.trim() === "") {
            fail("drRegion", `must be a non-empty AWS region name (got ${JSON.stringify(args.drRegion)})`);
        } else if (args.region !== undefined && args.drRegion === args.region) {
            fail("drRegion", `must differ from region (both are ${JSON.stringify(args.drRegion)})`);
        }
    }
    if (typeof args.kmsKeyArn === "string") {
        const match = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/.exec(args.kmsKeyArn);
        if (!match) {
            fail("kmsKeyArn", `must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id>, not an alias or a bare key id (got ${JSON.stringify(args.kmsKeyArn)})`);
        } else if (args.region !== undefined && match[1] !== args.region) {
            fail("kmsKeyArn", `must be a key in the vault's region ${JSON.stringify(args.region)} (got a key in ${JSON.stringify(match[1])})`);
        }
    }
    if (args.copyToAccount !== undefined) {
        const arn: unknown = (args.copyToAccount as { vaultArn?: unknown } | null)?.vaultArn;
        if (typeof arn !== "string" || !/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/.test(arn)) {
            fail("copyToAccount.vaultArn", `must be a backup vault ARN such as arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies (got ${JSON.stringify(arn)})`);
        } else if (args.region !== undefined && backupVaultRegion(arn) !== args.region) {
            fail("copyToAccount.vaultArn", crossAccountRegionProblem(args.region, arn));
        }
    }
    if (args.keyGuard !== undefined) {
        const problem = findKeyGuardProblem(args.keyGuard);
        if (problem) {
            fail(`keyGuard.${problem.argument}`, problem.problem);
        }
        const own = arnAccount(args.keyGuard.breakGlassRoleArn);
        if (args.copyToAccount !== undefined && arnAccount(args.copyToAccount.vaultArn) === own) {
            fail("copyToAccount.vaultArn", `must be in another account than this one (${own}, the key guard's): a copy in the same account falls with it`);
        }
    }
    if (args.vaultLock !== undefined) {
        const days = args.vaultLock.changeableForDays;
        if (days !== undefined && !isInt(days, VAULT_LOCK_MIN_CHANGEABLE_DAYS, AWS_BACKUP_MAX_RETENTION_DAYS)) {
            fail(
                "vaultLock.changeableForDays",
                `must be an integer from ${VAULT_LOCK_MIN_CHANGEABLE_DAYS} to ${AWS_BACKUP_MAX_RETENTION_DAYS}: AWS Backup enforces a 72-hour cooling-off (got ${String(days)})`,
            );
        }
        if (args.protectData === false) {
            fail("vaultLock", "requires protectData: after the cooling-off a locked vault can never be deleted, so the stack must not try to");
        }
    }
    for (const [tier, schedule] of Object.entries(args.schedules ?? {})) {
        if (!(TIERS as readonly string[]).includes(tier)) {
            fail(`schedules.${tier}`, `is not a tier (one of ${TIERS.join(", ")})`);
        }
        const problem = awsCronProblem(schedule);
        if (problem !== undefined) {
            fail(`schedules.${tier}`, `must be an AWS cron expression such as cron(0 3 * * ? *); this one ${problem} (got ${JSON.stringify(schedule)})`);
        }
    }
    const startWindow = args.startWindowMinutes ?? defaults.startWindowMinutes;
    if (!isInt(startWindow, 60)) {
        fail("startWindowMinutes", `must be an integer >= 60 (got ${String(startWindow)})`);
    }
    const completionWindow = args.completionWindowMinutes ?? defaults.completionWindowMinutes;
    if (!isInt(completionWindow, startWindow + 60)) {
        fail("completionWindowMinutes", `must be an integer >= startWindowMinutes + 60 = ${startWindow + 60} (got ${String(completionWindow)})`);
    }
    if (args.restoreTesting !== undefined && args.restoreTesting !== false) {
        validateRestoreTesting(args.restoreTesting, fail, isInt);
    }
}

function validateRestoreTesting(
    testing: RestoreTestingSettings,
    fail: (argument: string, problem: string) => never,
    isInt: (v: unknown, min: number, max?: number) => boolean,
): void {
    const problem = testing.schedule === undefined ? undefined : awsCronProblem(testing.schedule);
    if (problem !== undefined) {
        fail("restoreTesting.schedule", `must be an AWS cron expression such as ${RESTORE_TESTING_SCHEDULE}; this one ${problem} (got ${JSON.stringify(testing.schedule)})`);
    }
    if (testing.startWindowHours !== undefined && !isInt(testing.startWindowHours, 1, 168)) {
        fail("restoreTesting.startWindowHours", `must be an integer from 1 to 168 (got ${String(testing.startWindowHours)})`);
    }
    if (testing.selectionWindowDays !== undefined && !isInt(testing.selectionWindowDays, 1, 365)) {
        fail("restoreTesting.selectionWindowDays", `must be an integer from 1 to 365 (got ${String(testing.selectionWindowDays)})`);
    }
    if (testing.resourceTypes !== undefined) {
        const types: unknown[] = Array.isArray(testing.resourceTypes) ? testing.resourceTypes : [];
        const unknown = types.filter((t) => !(RESTORE_TEST_RESOURCE_TYPES as readonly unknown[]).includes(t));
        if (types.length === 0 || unknown.length > 0 || new Set(types).size !== types.length) {
            fail(
                "restoreTesting.resourceTypes",
                `must be a non-empty list of distinct types from ${RESTORE_TEST_RESOURCE_TYPES.join(", ")} (got ${JSON.stringify(testing.resourceTypes)})`,
            );
        }
    }
    if (testing.name !== undefined && (typeof testing.name !== "string" || !/^[A-Za-z0-9_]{1,50}$/.test(testing.name))) {
        fail("restoreTesting.name", `must be 1-50 letters, digits or underscores (got ${JSON.stringify(testing.name)})`);
    }
}
