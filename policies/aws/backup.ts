/**
 * AWS Backup policies. A vault's lock, a plan's rules and a selection's resources are separate
 * resources that name each other by name, ARN or id, unknown in a real preview; these are stack
 * policies that join them through the engine's property dependencies (see `lib/stack.ts`), and
 * read values only where the join needs them.
 *
 * The backup bucket's tiers are `estate-s3-lifecycle-retention`'s (policies/aws/s3.ts); these
 * policies hold AWS Backup to the same objectives, from the same `retention` config block.
 */
import * as aws from "@pulumi/aws";
import type { PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { asList, isEveryone, isRecord, parsePolicyDocument, statementLabel, type Statement } from "../lib/iam";
import { awsConfigRule, checkov, type EstateStackPolicy } from "../lib/policy";
import { attachedTo, label, ofType, propsAs, referencedThrough } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";
import { BACKUP_TIERS, requiredDays, type BackupTier, type RetentionObjective } from "./s3";

const TYPES = {
    vault: "aws:backup/vault:Vault",
    kmsKey: "aws:kms/key:Key",
} as const;

/** The databases AWS Backup must cover. Aurora cluster instances are covered by their cluster. */
const DATABASES = [aws.rds.Instance, aws.rds.Cluster, aws.docdb.Cluster] as const;
const DATABASE_NOUNS: Record<string, string> = {
    "aws:rds/instance:Instance": "RDS instance",
    "aws:rds/cluster:Cluster": "RDS/Aurora cluster",
    "aws:docdb/cluster:Cluster": "DocumentDB cluster",
};

/** AWS Backup limits the policies check against (AWS Backup Developer Guide). */
const CONTINUOUS_BACKUP_MAX_DAYS = 35;
const COLD_STORAGE_MIN_DAYS = 90;
const VAULT_LOCK_MIN_CHANGEABLE_DAYS = 3;
const VAULT_LOCK_MAX_CHANGEABLE_DAYS = 36500;

const retentionSchema: PolicyConfigSchema["properties"][string] = {
    type: "object",
    description: "The stack's retention objective, per tier (the same block as estate-s3-lifecycle-retention's).",
    properties: {
        dailyDays: { type: "integer", minimum: 1, description: "Days to keep each daily backup." },
        weeklyWeeks: { type: "integer", minimum: 1, description: "Weeks to keep each weekly backup (7 days each)." },
        monthlyMonths: { type: "integer", minimum: 1, description: "Months to keep each monthly backup (31 days each)." },
        yearlyYears: { type: "integer", minimum: 1, description: "Years to keep each yearly backup (366 days each)." },
    },
    required: ["dailyDays", "weeklyWeeks", "monthlyMonths", "yearlyYears"],
    additionalProperties: false,
};

/** A tier's name, as the estate names backup rules: `daily`, `weekly`, `monthly`, `yearly`. */
function tierName(tier: BackupTier): string {
    return tier.prefix.replace(/\/$/, "");
}

function describeObjective(objective: RetentionObjective, tier: BackupTier): string {
    const count = objective[tier.objective];
    const days = requiredDays(objective, tier);
    return tier.unit === "day" ? `${days} days` : `${days} days (${count} ${tier.unit}${count === 1 ? "" : "s"})`;
}

/** Reads a value for its effect: through the analyzer's proxy, an unknown value throws its UnknownValueError. */
function readValue(read: () => unknown): void {
    read();
}

function vaultsOf(args: StackValidationArgs): PolicyResource[] {
    const vaults = ofType(args.resources, aws.backup.Vault);
    if (vaults.length === 0) {
        args.notApplicable("The stack has no aws:backup/vault:Vault.");
    }
    return vaults;
}

function plansOf(args: StackValidationArgs): PolicyResource[] {
    const plans = ofType(args.resources, aws.backup.Plan);
    if (plans.length === 0) {
        args.notApplicable("The stack has no aws:backup/plan:Plan.");
    }
    return plans;
}

type PlanRule = aws.types.output.backup.PlanRule;

function rulesOf(plan: PolicyResource): PlanRule[] {
    return asList(propsAs(plan, aws.backup.Plan).rules).filter(isRecord) as unknown as PlanRule[];
}

function ruleLabel(rule: PlanRule, plan: PolicyResource): string {
    return `rule '${String(rule.ruleName)}' of backup plan '${plan.name}'`;
}

// ------------------------------------------------------------------------------------------------
// Vault encryption
// ------------------------------------------------------------------------------------------------

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export const backupVaultEncryptionCmk: EstateStackPolicy = {
    name: "estate-backup-vault-encryption-cmk",
    checks:
        "Every AWS Backup vault sets kmsKeyArn to a KMS key of the stack or to a literal KMS key ARN (not an alias).",
    description:
        "AWS Backup vaults must encrypt their recovery points with a customer-managed KMS key, not the AWS managed key " +
        "aws/backup: restoring or copying a backup then also requires kms:Decrypt on a key the estate controls, every use " +
        "is logged in CloudTrail, and access can be cut off (or a copy shared across accounts) through the key policy, " +
        "which the AWS managed key does not allow.",
    remediationSteps:
        "Set `kmsKeyArn: key.arn` on the aws.backup.Vault, where `key` is an aws.kms.Key with rotation enabled (the " +
        "estate's BackupPlan component creates one), or the ARN of an existing customer-managed key in the vault's region. " +
        "The key of an existing vault cannot change: create a new vault and move the plan's rules to it.",
    severity: "high",
    tags: ["aws", "backup", checkov("CKV_AWS_166"), awsConfigRule("backup-recovery-point-encrypted")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        forEachDeferringUnknowns(vaultsOf(args), (vault) => {
            if (referencedThrough(vault, "kmsKeyArn", TYPES.kmsKey).length > 0) {
                return; // from an aws.kms.Key of this stack: customer-managed by construction
            }
            const props = propsAs(vault, aws.backup.Vault);
            const value = peek(() => props.kmsKeyArn);
            const fromOtherResource = (vault.propertyDependencies.kmsKeyArn ?? []).length > 0;
            if (value === UNKNOWN && fromOtherResource) {
                // A key from elsewhere (another stack's output): only its value could tell. Reading it through
                // the analyzer's proxy raises its "can't run during preview" note.
                readValue(() => props.kmsKeyArn);
            }
            // Unknown without any resource it comes from: the program did not set it, and the provider will fill
            // in the AWS managed key.
            if (value === UNKNOWN || typeof value !== "string" || value === "") {
                report(`Backup vault '${vault.name}' sets no kmsKeyArn, so AWS Backup encrypts with the AWS managed key aws/backup.`, vault.urn);
            } else if (!KMS_KEY_ARN.test(value)) {
                report(
                    `Backup vault '${vault.name}' has kmsKeyArn ${JSON.stringify(value)}, which is not a KMS key ARN ` +
                        "(arn:aws:kms:<region>:<account>:key/<id>; an alias such as alias/aws/backup names the AWS managed key).",
                    vault.urn,
                );
            }
            // A literal key ARN passes: the policy cannot look the key up to tell who manages it.
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Vault lock
// ------------------------------------------------------------------------------------------------

export interface VaultLockConfig {
    /** The shortest cooling-off accepted, in days (AWS's minimum is 3). */
    minChangeableForDays?: number;
    /** The stack's retention objective: the lock's bounds must accept every tier. */
    retention?: RetentionObjective;
}

export const backupVaultLock: EstateStackPolicy = {
    name: "estate-backup-vault-lock",
    checks:
        "Every AWS Backup vault has a VaultLockConfiguration with changeableForDays at least minChangeableForDays, minRetentionDays not above maxRetentionDays and, with a retention objective, minRetentionDays at least the daily objective (at most 35) and maxRetentionDays (when set) at least the yearly objective in days.",
    description:
        "Every AWS Backup vault must have a Vault Lock in compliance mode (changeableForDays set): after its cooling-off " +
        "nobody, including the account's root user or an attacker with admin rights, can delete the lock, the vault or a " +
        "recovery point before its retention ends, which is what keeps backups through ransomware and mistakes. Its minimum " +
        "retention must keep every recovery point at least the shortest objective, and its maximum must admit the longest " +
        "tier, or AWS Backup fails those backups.",
    remediationSteps:
        "Add an aws.backup.VaultLockConfiguration with `backupVaultName: vault.name`, `changeableForDays` at least the " +
        "policy config's minChangeableForDays (AWS requires 3), `minRetentionDays` at least the daily objective (at most 35: " +
        "continuous backups are kept at most 35 days) and `maxRetentionDays` at least the yearly objective in days (366 per " +
        "year). The estate's BackupPlan does this with `vaultLock`. Review it within the cooling-off: afterwards it is " +
        "irreversible.",
    severity: "high",
    tags: ["aws", "backup"],
    configSchema: {
        properties: {
            minChangeableForDays: {
                type: "integer",
                minimum: VAULT_LOCK_MIN_CHANGEABLE_DAYS,
                maximum: VAULT_LOCK_MAX_CHANGEABLE_DAYS,
                default: VAULT_LOCK_MIN_CHANGEABLE_DAYS,
                description: "The shortest cooling-off (changeableForDays) accepted, 3 to 36500 days; default 3.",
            },
            retention: retentionSchema,
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<VaultLockConfig>();
        const minChangeable = config.minChangeableForDays ?? VAULT_LOCK_MIN_CHANGEABLE_DAYS;
        const objective = config.retention;
        const daily = BACKUP_TIERS[0];
        const yearly = BACKUP_TIERS[BACKUP_TIERS.length - 1]!;
        forEachDeferringUnknowns(vaultsOf(args), (vault) => {
            const locks = attachedTo(vault, args.resources, aws.backup.VaultLockConfiguration, "backupVaultName");
            if (locks.length === 0) {
                report(
                    `Backup vault '${vault.name}' has no VaultLockConfiguration: its recovery points can be deleted before their ` +
                        "retention ends.",
                    vault.urn,
                );
                return;
            }
            for (const lock of locks) {
                const where = `${label(lock)} of backup vault '${vault.name}'`;
                const p = propsAs(lock, aws.backup.VaultLockConfiguration);
                const changeable = p.changeableForDays;
                if (typeof changeable !== "number") {
                    report(
                        `${where} sets no changeableForDays, so it is in governance mode and can be removed at any time; set ` +
                            `changeableForDays to at least ${minChangeable} (compliance mode).`,
                        lock.urn,
                    );
                } else if (changeable < minChangeable) {
                    report(`${where} has changeableForDays ${changeable}; it must be at least ${minChangeable}.`, lock.urn);
                }
                const min = p.minRetentionDays;
                const max = p.maxRetentionDays;
                if (typeof min === "number" && typeof max === "number" && min > max) {
                    report(`${where} has minRetentionDays ${min} above maxRetentionDays ${max}: every backup would fail.`, lock.urn);
                }
                if (!objective) {
                    continue;
                }
                const shortest = Math.min(requiredDays(objective, daily), CONTINUOUS_BACKUP_MAX_DAYS);
                const longest = requiredDays(objective, yearly);
                if (typeof min !== "number") {
                    report(`${where} sets no minRetentionDays; it must be at least ${shortest} (the daily objective).`, lock.urn);
                } else if (min < shortest) {
                    report(`${where} has minRetentionDays ${min}; it must be at least ${shortest} (the daily objective).`, lock.urn);
                }
                if (typeof max === "number" && max < longest) {
                    report(
                        `${where} has maxRetentionDays ${max}, below the yearly objective of ${describeObjective(objective, yearly)}: ` +
                            "AWS Backup would fail the yearly backups.",
                        lock.urn,
                    );
                }
            }
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Plan retention
// ------------------------------------------------------------------------------------------------

export interface PlanRetentionConfig {
    retention?: RetentionObjective;
}

/** The tier a rule keeps: its ruleName is the tier (`daily`), or starts with it and a hyphen (`daily-rds`). */
function ruleTier(rule: PlanRule): BackupTier | undefined {
    const name = typeof rule.ruleName === "string" ? rule.ruleName : "";
    return BACKUP_TIERS.find((tier) => name === tierName(tier) || name.startsWith(`${tierName(tier)}-`));
}

function positive(n: unknown): number | undefined {
    return typeof n === "number" && n > 0 ? n : undefined;
}

export const backupPlanRetention: EstateStackPolicy = {
    name: "estate-backup-plan-retention",
    checks:
        "Every AWS Backup plan has a rule per tier (ruleName daily, weekly, monthly, yearly or <tier>-...) with lifecycle.deleteAfter at least the tier's objective in days (copies too), keeps deleteAfter at least coldStorageAfter + 90, and keeps continuous backups at most 35 days.",
    description:
        "Every AWS Backup plan must have a rule per retention tier (daily, weekly, monthly, yearly) whose recovery points, " +
        "and their copies, are deleted no earlier than the stack's objective, so a restore is possible as far back as " +
        "promised, and no later than a set time (lifecycle.deleteAfter), so backups are not kept and paid for forever; " +
        "cold storage must respect AWS's 90-day minimum and continuous backups its 35-day maximum.",
    remediationSteps:
        "Give the aws.backup.Plan one rule per tier named `daily`, `weekly`, `monthly` and `yearly` (or `<tier>-...`), each " +
        "with a schedule and `lifecycle: { deleteAfter: N }`, N at least the objective in days (week = 7, month = 31, year = " +
        "366 days); keep `deleteAfter` at least 90 days after `coldStorageAfter`, at most 35 on a rule with " +
        "`enableContinuousBackup`, and give copy actions the rule's lifecycle. The estate's BackupPlan derives all of it " +
        "from `retention`. The objective is the policy config `retention` (policies/config/<stack>.json).",
    severity: "high",
    tags: ["aws", "backup", awsConfigRule("backup-plan-min-frequency-and-min-retention-check")],
    configSchema: { properties: { retention: retentionSchema } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const objective = args.getConfig<PlanRetentionConfig>().retention;
        forEachDeferringUnknowns(plansOf(args), (plan) => {
            const rules = rulesOf(plan);
            for (const tier of BACKUP_TIERS) {
                const required = objective ? requiredDays(objective, tier) : undefined;
                const wanted = objective ? `; required deleteAfter at least ${describeObjective(objective, tier)}` : "";
                if (!rules.some((rule) => ruleTier(rule) === tier)) {
                    report(`Backup plan '${plan.name}' has no rule for the ${tierName(tier)} tier (ruleName '${tierName(tier)}')${wanted}.`, plan.urn);
                    continue;
                }
                for (const rule of rules.filter((r) => ruleTier(r) === tier)) {
                    const deleteAfter = positive(rule.lifecycle?.deleteAfter);
                    if (deleteAfter === undefined) {
                        report(`${ruleLabel(rule, plan)} keeps recovery points forever (no lifecycle.deleteAfter)${wanted}.`, plan.urn);
                    } else if (required !== undefined && deleteAfter < required) {
                        report(`${ruleLabel(rule, plan)} deletes recovery points after ${deleteAfter} days${wanted}.`, plan.urn);
                    }
                    for (const copy of asList(rule.copyActions).filter(isRecord)) {
                        const copyDays = positive((copy.lifecycle as { deleteAfter?: unknown } | undefined)?.deleteAfter);
                        if (copyDays !== undefined && required !== undefined && copyDays < required) {
                            report(`${ruleLabel(rule, plan)} deletes its copies after ${copyDays} days${wanted}.`, plan.urn);
                        }
                    }
                }
            }
            for (const rule of rules) {
                const deleteAfter = positive(rule.lifecycle?.deleteAfter);
                const cold = positive(rule.lifecycle?.coldStorageAfter);
                if (cold !== undefined && (deleteAfter === undefined || deleteAfter < cold + COLD_STORAGE_MIN_DAYS)) {
                    report(
                        `${ruleLabel(rule, plan)} moves recovery points to cold storage after ${cold} days but deletes them after ` +
                            `${deleteAfter ?? "never"}: AWS requires deleteAfter >= coldStorageAfter + ${COLD_STORAGE_MIN_DAYS} = ` +
                            `${cold + COLD_STORAGE_MIN_DAYS}.`,
                        plan.urn,
                    );
                }
                if (rule.enableContinuousBackup === true && (deleteAfter === undefined || deleteAfter > CONTINUOUS_BACKUP_MAX_DAYS)) {
                    const kept = deleteAfter === undefined ? "forever" : `${deleteAfter} days`;
                    report(
                        `${ruleLabel(rule, plan)} backs up continuously and keeps recovery points ${kept}: continuous backups are ` +
                            `kept at most ${CONTINUOUS_BACKUP_MAX_DAYS} days.`,
                        plan.urn,
                    );
                }
            }
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Selection coverage
// ------------------------------------------------------------------------------------------------

/** A tag condition a selection selects by. */
interface TagTest {
    key: string;
    value: string;
    /** `equals`, `notEquals`, `like`, `notLike` (the last two with `*` wildcards). */
    op: "equals" | "notEquals" | "like" | "notLike";
}

const RESOURCE_TAG_PREFIX = "aws:ResourceTag/";

function glob(pattern: string, value: string): boolean {
    return new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
}

function tagTestHolds(test: TagTest, tags: Record<string, unknown>): boolean {
    const actual = tags[test.key];
    const value = typeof actual === "string" ? actual : undefined;
    switch (test.op) {
        case "equals":
            return value === test.value;
        case "notEquals":
            return value !== test.value;
        case "like":
            return value !== undefined && glob(test.value, value);
        case "notLike":
            return value === undefined || !glob(test.value, value);
    }
}

/** The selection's `selectionTags` (any one selects a resource) and `conditions` (all must hold). */
function tagTestsOf(selection: PolicyResource): { anyOf: TagTest[]; allOf: TagTest[] } {
    const props = propsAs(selection, aws.backup.Selection);
    const anyOf: TagTest[] = [];
    for (const tag of asList(props.selectionTags).filter(isRecord)) {
        if (String(tag.type).toUpperCase() === "STRINGEQUALS" && typeof tag.key === "string" && typeof tag.value === "string") {
            anyOf.push({ key: tag.key, value: tag.value, op: "equals" });
        }
    }
    const allOf: TagTest[] = [];
    const operators: [string, TagTest["op"]][] = [
        ["stringEquals", "equals"],
        ["stringNotEquals", "notEquals"],
        ["stringLikes", "like"],
        ["stringNotLikes", "notLike"],
    ];
    for (const condition of asList(props.conditions).filter(isRecord)) {
        for (const [field, op] of operators) {
            for (const test of asList(condition[field]).filter(isRecord)) {
                if (typeof test.key === "string" && typeof test.value === "string") {
                    const key = test.key.startsWith(RESOURCE_TAG_PREFIX) ? test.key.slice(RESOURCE_TAG_PREFIX.length) : test.key;
                    allOf.push({ key, value: test.value, op });
                }
            }
        }
    }
    return { anyOf, allOf };
}

/** The list values of a selection property: literals as strings, unknown elements as `UNKNOWN`. */
function listValues(selection: PolicyResource, property: "resources" | "notResources"): (string | typeof UNKNOWN)[] {
    const props = propsAs(selection, aws.backup.Selection);
    const list = peek(() => props[property]);
    if (list === UNKNOWN) {
        return [UNKNOWN];
    }
    if (!Array.isArray(list)) {
        return [];
    }
    // Element by element: copying the list would read every element, and an unknown one throws.
    const values: (string | typeof UNKNOWN)[] = [];
    for (let i = 0; i < list.length; i++) {
        const v = peek(() => list[i] as unknown);
        values.push(v === UNKNOWN ? UNKNOWN : String(v));
    }
    return values;
}

type Coverage = "covered" | "not-covered" | "unknown";

/** What a selection is matched against: the database's ARN and tags, each possibly unknown in preview. */
interface DatabaseFacts {
    db: PolicyResource;
    /** `undefined` when the engine shows none (a fake resource in a test). */
    arn: string | undefined | typeof UNKNOWN;
    tags: Record<string, unknown> | typeof UNKNOWN;
}

/** Whether `selection` selects the database, as far as the engine shows it. */
function selects(selection: PolicyResource, facts: DatabaseFacts): Coverage {
    const { db, arn, tags } = facts;
    const notResources = listValues(selection, "notResources");
    if (referencedThrough(selection, "notResources", db.type).some((r) => r.urn === db.urn) || (typeof arn === "string" && notResources.includes(arn))) {
        return "not-covered";
    }
    if (referencedThrough(selection, "resources", db.type).some((r) => r.urn === db.urn)) {
        return "covered";
    }
    const resources = listValues(selection, "resources");
    if (typeof arn === "string" && resources.includes(arn)) {
        return "covered";
    }
    const { anyOf, allOf } = tagTestsOf(selection);
    const wildcard = resources.includes("*");
    if (wildcard && allOf.length === 0) {
        return "covered"; // every resource of the types opted in for the region
    }
    if (anyOf.length > 0 || wildcard) {
        if (tags === UNKNOWN) {
            return "unknown";
        }
        if (anyOf.some((t) => tagTestHolds(t, tags)) || (wildcard && allOf.every((t) => tagTestHolds(t, tags)))) {
            return "covered";
        }
    }
    // A literal ARN unknown in preview may still be this database's.
    return resources.includes(UNKNOWN) && arn === UNKNOWN ? "unknown" : "not-covered";
}

/** A database's tags (its own and the provider's default tags), or `UNKNOWN`. */
function tagsOf(db: PolicyResource): Record<string, unknown> | typeof UNKNOWN {
    const props = db.props as { tags?: unknown; tagsAll?: unknown };
    const tags = peek(() => props.tags);
    const tagsAll = peek(() => props.tagsAll);
    if (tags === UNKNOWN) {
        return UNKNOWN;
    }
    return { ...(isRecord(tagsAll) ? tagsAll : {}), ...(isRecord(tags) ? tags : {}) };
}

export const backupSelectionCoverage: EstateStackPolicy = {
    name: "estate-backup-selection-coverage",
    checks:
        "Every RDS instance (read replicas excepted), RDS or Aurora cluster and DocumentDB cluster is selected by an AWS Backup selection, by ARN or by a tag, and not excluded by notResources.",
    description:
        "Every RDS instance, RDS or Aurora cluster and DocumentDB cluster must be in an AWS Backup selection, by ARN or by a " +
        "tag the selection selects, so that it is backed up per tier, copied to the DR region and restore-tested like the " +
        "rest: a database left out has only its own short automated backups, which are deleted with it. Aurora cluster " +
        "instances are covered by their cluster, and read replicas by their source.",
    remediationSteps:
        "Pass the database's ARN in an aws.backup.Selection's `resources` (the estate's BackupPlan: `resources: [db.arn]`), " +
        'or tag the database `estate:backup: "true"`, which the BackupPlan\'s tag selection selects; make sure no ' +
        "`notResources` excludes it. AWS Backup also requires the resource type to be opted in for the region (Service " +
        "opt-in); the policy cannot see that setting.",
    severity: "high",
    tags: ["aws", "backup", checkov("CKV2_AWS_8"), awsConfigRule("rds-in-backup-plan"), awsConfigRule("aurora-resources-protected-by-backup-plan")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const databases = ofType(args.resources, DATABASES);
        if (databases.length === 0) {
            args.notApplicable("The stack has no RDS instance, RDS/Aurora cluster or DocumentDB cluster.");
        }
        const selections = ofType(args.resources, aws.backup.Selection);
        forEachDeferringUnknowns(databases, (db) => {
            const props = db.props as { arn?: unknown; tags?: unknown; replicateSourceDb?: unknown };
            if (db.isType(aws.rds.Instance) && "replicateSourceDb" in props && peek(() => props.replicateSourceDb) !== undefined) {
                return; // a read replica: AWS Backup backs up its source
            }
            const arn = peek(() => props.arn);
            const facts: DatabaseFacts = { db, arn: arn === UNKNOWN || typeof arn === "string" ? arn : undefined, tags: tagsOf(db) };
            const results = selections.map((s) => selects(s, facts));
            if (results.includes("covered")) {
                return;
            }
            if (results.includes("unknown")) {
                // Covered or not depends on a value not known yet: raise the analyzer's unknown-value note.
                readValue(() => (facts.tags === UNKNOWN ? props.tags : props.arn));
            }
            const tags = selectedTags(selections);
            report(
                `${DATABASE_NOUNS[db.type] ?? db.type} '${db.name}' is in no AWS Backup selection: no selection names its ARN in ` +
                    `resources, and ${tags ? `it has none of the tags the selections select (${tags})` : "no selection selects by tag"}.`,
                db.urn,
            );
        });
    },
};

/** The tags the stack's selections select, for messages: `estate:backup=true`. */
function selectedTags(selections: PolicyResource[]): string {
    const tags = new Set<string>();
    for (const selection of selections) {
        const tests = peek(() => tagTestsOf(selection));
        if (tests !== UNKNOWN) {
            tests.anyOf.forEach((t) => tags.add(`${t.key}=${t.value}`));
        }
    }
    return [...tags].join(", ");
}

// ------------------------------------------------------------------------------------------------
// Cross-region copy
// ------------------------------------------------------------------------------------------------

export interface CrossRegionCopyConfig {
    /** The DR region copies must go to. */
    drRegion?: string;
    /** Require a copy to another region even without a named DR region. */
    requireCrossRegionCopy?: boolean;
}

/** The region of an AWS Backup vault ARN: `arn:aws:backup:<region>:<account>:backup-vault:<name>`. */
function arnRegion(arn: string): string | undefined {
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

/** Whether a copy action goes to a literal vault ARN in an account none of the stack's own resources is in. */
function copiesOffAccount(copy: Record<string, unknown>, own: Set<string>): boolean {
    const arn = peek(() => copy.destinationVaultArn);
    const account = typeof arn === "string" ? arn.split(":")[4] : undefined;
    return account !== undefined && /^\d{12}$/.test(account) && !own.has(account);
}

/** What the cross-region check finds in one rule: whether it copies to the DR region, and what it shows. */
interface RuleDrCopy {
    rule: PlanRule;
    copies: Record<string, unknown>[];
    copiesToDr: boolean;
    /** Whether a copy goes to a vault of another account outside the DR region (a DR copy is never counted here). */
    copiesOffAccount: boolean;
    destinations: string[];
    unknownCopy: Record<string, unknown> | undefined;
}

export const backupCrossRegionCopy: EstateStackPolicy = {
    name: "estate-backup-cross-region-copy",
    checks:
        "With drRegion (or requireCrossRegionCopy) configured, every rule of every AWS Backup plan has a copy action to a vault in the DR region (or in any region other than the plan's), except a plan whose every rule copies to a vault in another account and none to the DR region, when the stack has a plan whose every rule copies to the DR region and every database the first plan selects is also selected for such a plan; no plan copies both to the DR region and to another account.",
    description:
        "When the stack has a DR region, every rule of every AWS Backup plan must copy its recovery points to a vault in " +
        "that region, so that losing the primary region (or its vault) loses no tier of backups and the DR region can " +
        "restore every tier on its own. AWS Backup copies RDS and Aurora either cross-region or cross-account, not both in " +
        "one plan (https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html), so the copies to a " +
        "backup account come from a plan of their own: such a plan (every rule copies to another account) is accepted " +
        "without DR copies when the databases it selects are also selected for a plan that copies to the DR region, and a " +
        "plan that copies both ways is refused, since one of the two kinds of copy would silently not happen.",
    remediationSteps:
        "Add to every rule of the aws.backup.Plan a `copyActions` entry with `destinationVaultArn` the ARN of a vault in " +
        "the DR region (an aws.backup.Vault with `region: <drRegion>` and its own customer-managed key) and the rule's " +
        "lifecycle. Put copies to another account in a second plan over the same selections, whose every rule copies " +
        "there and not to the DR region. The estate's BackupPlan does both with `drRegion` and `copyToAccount`. The DR " +
        "region is the policy config `drRegion` (or any other region with `requireCrossRegionCopy: true`).",
    severity: "high",
    tags: ["aws", "backup"],
    configSchema: {
        properties: {
            drRegion: { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]+$", description: "The region every rule must copy to (the stack's estate:dr.drRegion)." },
            requireCrossRegionCopy: { type: "boolean", description: "Require a copy to another region even without drRegion." },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const { drRegion, requireCrossRegionCopy } = args.getConfig<CrossRegionCopyConfig>();
        if (drRegion === undefined && requireCrossRegionCopy !== true) {
            args.notApplicable("No DR region is configured (drRegion) and requireCrossRegionCopy is not set.");
        }
        const target = drRegion ?? "another region";
        const own = ownAccounts(args);
        const plans = plansOf(args);
        /** Each rule of the plan, and whether it copies to the DR region, as far as the engine shows it. */
        const drCopies = (plan: PolicyResource): { rules: RuleDrCopy[]; undeterminable: boolean } => {
            const planRegion = peek(() => propsAs(plan, aws.backup.Plan).region);
            const isDrRegion = (region: unknown): boolean =>
                typeof region === "string" &&
                (drRegion !== undefined ? region === drRegion : typeof planRegion !== "string" || planRegion === "" || region !== planRegion);
            // The vaults the rules name (targets and copy destinations), by the region the program gave them; a
            // vault without one is in the provider's region, the primary.
            const named = plan.propertyDependencies.rules ?? [];
            const vaultRegions = referencedThrough(plan, "rules", TYPES.vault).map((v) => peek(() => (v.props as { region?: unknown }).region));
            const drVaultNamed = vaultRegions.some(isDrRegion);
            // A destination from outside the stack (another stack's output), or a vault whose region is not known.
            const undeterminable = vaultRegions.includes(UNKNOWN) || named.some((r) => r.type !== TYPES.vault);
            const rules = rulesOf(plan).map((rule): RuleDrCopy => {
                const copies = asList(rule.copyActions).filter(isRecord);
                const destinations: string[] = [];
                let unknownCopy: Record<string, unknown> | undefined;
                const copiesToDr = copies.some((copy) => {
                    const arn = peek(() => copy.destinationVaultArn);
                    if (arn === UNKNOWN) {
                        // A vault of this stack whose ARN is not known yet: a vault the rules name in the DR region is it.
                        unknownCopy ??= copy;
                        return drVaultNamed;
                    }
                    destinations.push(String(arn));
                    return typeof arn === "string" && isDrRegion(arnRegion(arn));
                });
                const offAccount = copies.some((copy) => {
                    const arn = peek(() => copy.destinationVaultArn);
                    return typeof arn === "string" && !isDrRegion(arnRegion(arn)) && copiesOffAccount(copy, own);
                });
                return { rule, copies, copiesToDr, copiesOffAccount: offAccount, destinations, unknownCopy };
            });
            return { rules, undeterminable };
        };
        const analysed = new Map(plans.map((plan) => [plan.urn, drCopies(plan)]));
        const everyRuleCopiesToDr = (plan: PolicyResource): boolean => {
            const rules = analysed.get(plan.urn)?.rules ?? [];
            return rules.length > 0 && rules.every((r) => r.copiesToDr);
        };
        const databases = ofType(args.resources, DATABASES).filter((db) => {
            const props = db.props as { replicateSourceDb?: unknown };
            return !(db.isType(aws.rds.Instance) && "replicateSourceDb" in props && peek(() => props.replicateSourceDb) !== undefined);
        });
        const selections = ofType(args.resources, aws.backup.Selection);
        const planOf = (selection: PolicyResource) => referencedThrough(selection, "planId", "aws:backup/plan:Plan");

        forEachDeferringUnknowns(plans, (plan) => {
            const { rules, undeterminable } = analysed.get(plan.urn)!;
            const offAccount = rules.filter((r) => r.copiesOffAccount);
            const toDr = rules.filter((r) => r.copiesToDr);
            if (offAccount.length > 0 && toDr.length > 0) {
                report(
                    `Backup plan '${plan.name}' copies both to ${target} (${toDr.map((r) => r.rule.ruleName).join(", ")}) and to another ` +
                        `account (${offAccount.map((r) => r.rule.ruleName).join(", ")}): AWS Backup copies RDS and Aurora ` +
                        "cross-region or cross-account, not both in one plan; put the cross-account copies in a plan of their own.",
                    plan.urn,
                );
                return;
            }
            if (rules.length > 0 && offAccount.length === rules.length && plans.some((other) => other !== plan && everyRuleCopiesToDr(other))) {
                // A cross-account copy plan beside a DR-copying plan: that one must select the same databases. (Without
                // any DR-copying plan, the rules are reported one by one below.)
                const uncovered = databases.filter((db) => {
                    const props = db.props as { arn?: unknown };
                    const arn = peek(() => props.arn);
                    const facts: DatabaseFacts = { db, arn: arn === UNKNOWN || typeof arn === "string" ? arn : undefined, tags: tagsOf(db) };
                    const selectedHere = selections.some((sel) => planOf(sel).some((p) => p.urn === plan.urn) && selects(sel, facts) === "covered");
                    const copiedToDr = selections.some((sel) => planOf(sel).some(everyRuleCopiesToDr) && selects(sel, facts) !== "not-covered");
                    return selectedHere && !copiedToDr;
                });
                for (const db of uncovered) {
                    report(
                        `Backup plan '${plan.name}' copies every rule to another account only, and ${DATABASE_NOUNS[db.type] ?? db.type} ` +
                            `'${db.name}', which it selects, is selected for no plan whose every rule copies to ${target}.`,
                        plan.urn,
                    );
                }
                return;
            }
            for (const { rule, copies, copiesToDr, destinations, unknownCopy } of rules) {
                if (copies.length === 0) {
                    report(`${ruleLabel(rule, plan)} has no copy action: its recovery points never reach ${target}.`, plan.urn);
                    continue;
                }
                if (copiesToDr) {
                    continue;
                }
                if (unknownCopy && undeterminable) {
                    const copy = unknownCopy;
                    readValue(() => copy.destinationVaultArn);
                }
                report(
                    `${ruleLabel(rule, plan)} copies to no vault in ${target}` + (destinations.length > 0 ? ` (destinations: ${destinations.join(", ")}).` : "."),
                    plan.urn,
                );
            }
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Database keys that erase the backups
// ------------------------------------------------------------------------------------------------

export interface DatabaseKeyGuardConfig {
    /**
     * The roles a deny of key deletion and disabling may exempt (the break-glass roles). Unset: any
     * named roles, as long as the deny names them without wildcards.
     */
    breakGlassRoleArns?: string[];
}

/** What a key policy must deny to everyone but named roles, and whether the break-glass list bounds the exemptions. */
const GUARDED_ACTIONS: { action: string; breakGlassOnly: boolean }[] = [
    { action: "kms:ScheduleKeyDeletion", breakGlassOnly: true },
    { action: "kms:DisableKey", breakGlassOnly: true },
    // Whoever may rewrite the policy may remove the other denies; the deployers keep it (KMS's lockout check).
    { action: "kms:PutKeyPolicy", breakGlassOnly: false },
];

/** Condition operators that exempt principals from a deny when keyed on `aws:PrincipalArn`. */
const EXEMPTING_OPERATORS = new Set(["arnnotequals", "arnnotlike", "stringnotequals", "stringnotlike", "stringnotequalsignorecase"]);

function actionMatches(pattern: unknown, action: string): boolean {
    if (typeof pattern !== "string") {
        return false;
    }
    const re = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
    return re.test(action);
}

/**
 * The principals a statement exempts from denying `action` to everyone, or `undefined` when the
 * statement is no such deny (not a Deny, not everyone, another action, a NotAction/NotPrincipal, or a
 * condition on anything but named principals). An empty list: it denies everyone.
 */
function exemptedFromDeny(statement: Statement, action: string): string[] | undefined {
    if (statement.Effect !== "Deny" || "NotPrincipal" in statement || "NotAction" in statement || !isEveryone(statement.Principal)) {
        return undefined;
    }
    if (!asList(statement.Action).some((pattern) => actionMatches(pattern, action))) {
        return undefined;
    }
    if (!asList(statement.Resource).includes("*")) {
        return undefined;
    }
    if (statement.Condition === undefined) {
        return [];
    }
    if (!isRecord(statement.Condition)) {
        return undefined;
    }
    const exempted: string[] = [];
    for (const [operator, block] of Object.entries(statement.Condition)) {
        if (!EXEMPTING_OPERATORS.has(operator.toLowerCase()) || !isRecord(block)) {
            return undefined;
        }
        for (const [key, values] of Object.entries(block)) {
            const list = asList(values);
            if (key.toLowerCase() !== "aws:principalarn" || list.some((v) => typeof v !== "string" || /[*?]/.test(v))) {
                return undefined;
            }
            exempted.push(...(list as string[]));
        }
    }
    return exempted;
}

/** What is wrong with a key policy, as a clause after "which", or undefined when it guards the key. */
function keyPolicyProblem(policy: unknown, breakGlass: readonly string[] | undefined): string | undefined {
    if (policy === undefined || policy === null || policy === "") {
        return (
            "has KMS's default key policy: any principal the account's IAM allows may schedule its deletion (7 days at the " +
            "earliest) or disable it"
        );
    }
    const parsed = parsePolicyDocument(policy);
    if ("error" in parsed) {
        return `has a key policy the policy cannot read (${parsed.error})`;
    }
    const missing: string[] = [];
    const overreaching: string[] = [];
    for (const { action, breakGlassOnly } of GUARDED_ACTIONS) {
        const denies = parsed.statements.map((st, i) => ({ label: statementLabel(st, i), exempted: exemptedFromDeny(st, action) })).filter((d) => d.exempted !== undefined);
        if (denies.length === 0) {
            missing.push(action);
            continue;
        }
        if (breakGlassOnly && breakGlass !== undefined) {
            // Any one deny within bounds is enough: denies add up.
            const within = denies.filter((d) => d.exempted!.every((arn) => breakGlass.includes(arn)));
            if (within.length === 0) {
                const extra = [...new Set(denies.flatMap((d) => d.exempted!.filter((arn) => !breakGlass.includes(arn))))];
                overreaching.push(`${action} (${denies.map((d) => d.label).join(", ")} also exempt ${extra.join(", ")})`);
            }
        }
    }
    const problems: string[] = [];
    if (missing.length > 0) {
        problems.push(`does not deny ${missing.join(", ")} to everyone but named roles (a Deny for Principal "*" with no condition but aws:PrincipalArn)`);
    }
    if (overreaching.length > 0) {
        problems.push(`lets more than the break-glass roles (${breakGlass!.join(", ")}) ${overreaching.join("; ")}`);
    }
    return problems.length > 0 ? problems.join(", and ") : undefined;
}

/** The account ids the stack's own resources show in their ARNs (known values only). */
function ownAccounts(args: StackValidationArgs): Set<string> {
    const accounts = new Set<string>();
    for (const r of args.resources) {
        const arn = peek(() => (r.props as { arn?: unknown }).arn);
        if (typeof arn === "string") {
            const account = arn.split(":")[4];
            if (account && /^\d{12}$/.test(account)) {
                accounts.add(account);
            }
        }
    }
    return accounts;
}

/**
 * Whether every rule of a plan that selects the database copies to a literal vault ARN in an account
 * none of the stack's own resources is in. In a preview where none of the stack's ARNs is known yet,
 * a literal vault ARN that no resource of the stack produced counts as another account's.
 */
function copiedToAnotherAccount(facts: DatabaseFacts, selections: PolicyResource[], own: Set<string>): boolean {
    const covering = selections.filter((sel) => selects(sel, facts) === "covered");
    const plans = covering.flatMap((sel) => referencedThrough(sel, "planId", "aws:backup/plan:Plan"));
    return plans.some((plan) => {
        const rules = rulesOf(plan);
        return rules.length > 0 && rules.every((rule) => asList(rule.copyActions).filter(isRecord).some((copy) => copiesOffAccount(copy, own)));
    });
}

export const backupDatabaseKeyGuarded: EstateStackPolicy = {
    name: "estate-backup-database-key-guarded",
    checks:
        "Every RDS instance (read replicas excepted), RDS or Aurora cluster and DocumentDB cluster whose kmsKeyId is a customer-managed key either has its AWS Backup recovery points copied by every rule of a plan that selects it to a vault in another account, or uses a KMS key of the stack whose key policy denies kms:ScheduleKeyDeletion, kms:DisableKey and kms:PutKeyPolicy to Principal \"*\" with no condition but exempted aws:PrincipalArn values (no wildcards; for deletion and disabling, only the configured breakGlassRoleArns). A key from outside the stack counts as unguarded; no kmsKeyId (the AWS managed aws/rds key, which nobody can delete) passes.",
    description:
        "AWS Backup does not fully manage RDS, Aurora or DocumentDB: their recovery points stay encrypted with the " +
        "database's own KMS key, not the vault's. Whoever may schedule that key's deletion, disable it or rewrite its policy " +
        "can make every recovery point unreadable, vault lock or not, within 7 days. Either the key policy denies that to " +
        "all but a named break-glass role, or a copy of every recovery point lives in another account, re-encrypted with " +
        "that account's vault key.",
    remediationSteps:
        "Set `estate:backup.breakGlassRoleArn` and `estate:backup.deployerRoleArns` (the data components' `keyGuard`): the " +
        "keys then deny kms:ScheduleKeyDeletion and kms:DisableKey to all but the break-glass role, and kms:PutKeyPolicy to " +
        "all but it and the deployers. And/or set `estate:backup.plan.copyToAccount.vaultArn` to a vault in a separate " +
        "backup account (the BackupPlan's `copyToAccount`, the data components' `backupAccountId`). See " +
        "docs/backup-protection.md for what each protects against.",
    severity: "critical",
    tags: ["aws", "backup", "kms"],
    configSchema: {
        properties: {
            breakGlassRoleArns: {
                type: "array",
                items: { type: "string", pattern: "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$" },
                description: "The only roles a deny of key deletion and disabling may exempt (the stack's estate:backup.breakGlassRoleArn).",
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const databases = ofType(args.resources, DATABASES);
        if (databases.length === 0) {
            args.notApplicable("The stack has no RDS instance, RDS/Aurora cluster or DocumentDB cluster.");
        }
        const breakGlass = args.getConfig<DatabaseKeyGuardConfig>().breakGlassRoleArns;
        const selections = ofType(args.resources, aws.backup.Selection);
        const own = ownAccounts(args);
        forEachDeferringUnknowns(databases, (db) => {
            const props = db.props as { arn?: unknown; kmsKeyId?: unknown; replicateSourceDb?: unknown };
            if (db.isType(aws.rds.Instance) && "replicateSourceDb" in props && peek(() => props.replicateSourceDb) !== undefined) {
                return; // a read replica: AWS Backup backs up its source
            }
            const noun = `${DATABASE_NOUNS[db.type] ?? db.type} '${db.name}'`;
            const keys = referencedThrough(db, "kmsKeyId", TYPES.kmsKey);
            const keyId = peek(() => props.kmsKeyId);
            if (keys.length === 0 && (keyId === undefined || keyId === null || keyId === "")) {
                return; // the AWS managed key aws/rds (or no encryption): nobody can schedule its deletion
            }
            const arn = peek(() => props.arn);
            const facts: DatabaseFacts = { db, arn: arn === UNKNOWN || typeof arn === "string" ? arn : undefined, tags: tagsOf(db) };
            if (copiedToAnotherAccount(facts, selections, own)) {
                return;
            }
            const noCopy = "and no rule of a plan that selects it copies its recovery points to a vault in another account.";
            if (keys.length === 0) {
                if (keyId === UNKNOWN && (db.propertyDependencies.kmsKeyId ?? []).length > 0) {
                    readValue(() => props.kmsKeyId); // a key from another stack: its ARN could tell where it lives
                }
                report(
                    `${noun} is encrypted with a KMS key from outside the stack (${keyId === UNKNOWN ? "unknown" : JSON.stringify(keyId)}), whose key ` +
                        `policy the policy cannot see: whoever may delete that key erases every recovery point of the database, ${noCopy}`,
                    db.urn,
                );
                return;
            }
            for (const key of keys) {
                const keyProps = key.props as { policy?: unknown };
                const policy = peek(() => keyProps.policy);
                if (policy === UNKNOWN) {
                    readValue(() => keyProps.policy);
                }
                const problem = keyPolicyProblem(policy, breakGlass);
                if (problem) {
                    report(
                        `${noun} is encrypted with KMS key '${key.name}', which ${problem}; deleting or disabling that key makes every ` +
                            `recovery point of the database unreadable, locked vault or not, ${noCopy}`,
                        db.urn,
                    );
                }
            }
        });
    },
};

export const backupPolicies = [backupVaultEncryptionCmk, backupVaultLock, backupPlanRetention, backupSelectionCoverage, backupCrossRegionCopy, backupDatabaseKeyGuarded];
