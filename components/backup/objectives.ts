/**
 * Recovery objectives (RPO, retention tiers) turned into backup settings, and the limits of the
 * stores that keep the backups: the one place those derivations live. Pure data and functions: no
 * Pulumi resources, no config reads, so the config layer (feasibility checks), the data components
 * (`components/data`: retention, windows, `archive_timeout`), `BackupPlan`, the policy config and
 * the tests share one derivation and cannot disagree.
 *
 * AWS limits used here, from the AWS Backup, RDS, DocumentDB and ElastiCache documentation:
 * - AWS Backup keeps a recovery point at most 36500 days (100 years); continuous backups
 *   (point-in-time recovery) 1 to 35 days; a recovery point moved to cold storage must stay there
 *   at least 90 days, so `deleteAfter >= moveToColdStorageAfter + 90`.
 * - Cold storage: "Resource types that can transition to cold storage are listed in the Feature
 *   availability by resource table. AWS Backup ignores this expression for other resource types"
 *   (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html); that table
 *   (backup-feature-availability.html#features-by-resource) does not list RDS, Aurora or DocumentDB
 *   under "Lifecycle to cold storage", and "AWS Backup does not support cross-account copies for
 *   storage in cold tiers" (create-cross-account-backup.html). The estate's AWS Backup rules protect
 *   only those databases, so they set no cold storage at all: a setting that does nothing would
 *   only claim savings that never happen.
 * - RDS, Aurora and DocumentDB keep automated backups 1 to 35 days, ElastiCache snapshots 0 to 35;
 *   their point-in-time restores reach to within about 5 minutes of now.
 * - AWS Backup rules of one plan whose start windows overlap produce one backup, for the rule with
 *   the longest retention: every tier can start at the same time.
 */
import type { ArgChecker } from "../lib/args";
import { awsCronProblem, kubernetesCronProblem } from "../lib/cron";
import { type RetentionTiers, type Tier, TIERS, retentionDays, tierField } from "./retention";

/** The longest AWS Backup keeps a recovery point (and the largest vault lock retention). */
export const AWS_BACKUP_MAX_RETENTION_DAYS = 36500;
/** The longest continuous backup (point-in-time recovery) AWS Backup and RDS keep. */
export const CONTINUOUS_BACKUP_MAX_DAYS = 35;
/** The longest RDS, Aurora and DocumentDB keep automated backups, and ElastiCache its snapshots. */
export const NATIVE_BACKUP_MAX_DAYS = 35;
/** How long a recovery point must stay in AWS Backup cold storage before it may be deleted. */
export const COLD_STORAGE_MIN_DAYS = 90;
/** The shortest vault lock cooling-off AWS Backup accepts (72 hours). */
export const VAULT_LOCK_MIN_CHANGEABLE_DAYS = 3;
/**
 * How far behind now a managed point-in-time restore may be: RDS and DocumentDB report a latest
 * restorable time typically within the last 5 minutes.
 */
export const MANAGED_PITR_LAG_MINUTES = 5;
/** An RPO at or above one day is met by daily backups; below it, backups must be continuous. */
export const DAILY_RPO_MINUTES = 1440;
/** The least native backup retention for protected data: a week of point-in-time recovery. */
export const PROTECTED_NATIVE_RETENTION_MIN_DAYS = 7;
/** CloudNativePG's default `archive_timeout`, and the longest the estate uses, in seconds. */
export const WAL_ARCHIVE_TIMEOUT_MAX_SECONDS = 300;
/** The shortest `archive_timeout` the estate uses: each switch archives a whole 16 MiB segment, even when idle. */
export const WAL_ARCHIVE_TIMEOUT_MIN_SECONDS = 60;

/** The part of the stack's objectives a data component needs (`estate:dr`). */
export interface DataObjectives {
    /** Recovery point objective in minutes: the most data a restore may lose. */
    rpoMinutes: number;
    /** How many days of daily backups must be kept (`estate:dr.retention.dailyDays`). */
    dailyBackupDays: number;
}

/** Fails `check` (an `ArgumentError` naming the argument) when a data component's `objectives` argument is wrong. */
export function checkDataObjectives(check: ArgChecker, objectives: DataObjectives | undefined): void {
    const problem = findDataObjectivesProblem(objectives);
    if (problem) {
        check.fail(problem.argument, problem.problem);
    }
}

/** Checks a `DataObjectives` argument; returns the problem with the argument path, or undefined. */
export function findDataObjectivesProblem(objectives: DataObjectives | undefined): { argument: string; problem: string } | undefined {
    if (objectives === undefined || objectives === null || typeof objectives !== "object") {
        return { argument: "objectives", problem: "is required ({ rpoMinutes, dailyBackupDays })" };
    }
    for (const field of ["rpoMinutes", "dailyBackupDays"] as const) {
        const value: unknown = objectives[field];
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
            return { argument: `objectives.${field}`, problem: `must be an integer >= 1 (got ${String(value)})` };
        }
    }
    return undefined;
}

/**
 * The tag that puts a resource in the estate's AWS Backup selection (`estate:backup: "true"`).
 * Components that create databases set it, so a database is backed up even if nobody passes its
 * ARN to the backup plan.
 */
export const BACKUP_SELECTION_TAG = Object.freeze({ key: "estate:backup", value: "true" } as const);

/**
 * UTC windows that keep the databases' own backups, AWS Backup jobs and maintenance apart:
 * - `native`: `preferredBackupWindow` of RDS and DocumentDB, `snapshotWindow` of ElastiCache
 *   (`hh24:mi-hh24:mi`);
 * - `awsBackupStart`: when AWS Backup rules start (plus their 60-minute start window);
 * - `continuousStart`: a separate continuous rule (only when the daily tier is kept longer than
 *   35 days), so it never overlaps the snapshot rules;
 * - `maintenance`: a weekly `preferredMaintenanceWindow` of RDS, Aurora, DocumentDB and
 *   ElastiCache (`maintenanceWindow`); AWS Backup cannot start a database backup in the hour before
 *   or during maintenance, so it lies clear of the start windows;
 * - `clusterBaseBackupSchedule`: CloudNativePG's daily base backup of in-cluster PostgreSQL
 *   (six-field cron, seconds first, as its `ScheduledBackup` takes it), at the start of `native`.
 */
export const BACKUP_WINDOWS = Object.freeze({
    native: "00:00-01:00",
    continuousStart: { hour: 1, minute: 0 },
    awsBackupStart: { hour: 3, minute: 0 },
    maintenance: "sun:06:00-sun:07:00",
    clusterBaseBackupSchedule: "0 0 0 * * *",
} as const);

const start = BACKUP_WINDOWS.awsBackupStart;

/** The default AWS Backup schedule of each tier (all at the same time: overlapping rules make one backup, kept longest). */
export const TIER_SCHEDULES: Readonly<Record<Tier, string>> = Object.freeze({
    daily: `cron(${start.minute} ${start.hour} * * ? *)`,
    weekly: `cron(${start.minute} ${start.hour} ? * SUN *)`,
    monthly: `cron(${start.minute} ${start.hour} 1 * ? *)`,
    yearly: `cron(${start.minute} ${start.hour} 1 1 ? *)`,
});

/** The schedule of a separate continuous-backup rule (see `BACKUP_WINDOWS.continuousStart`). */
export const CONTINUOUS_SCHEDULE = `cron(${BACKUP_WINDOWS.continuousStart.minute} ${BACKUP_WINDOWS.continuousStart.hour} * * ? *)`;

/**
 * The logical dumps of the backup CronJobs (`BackupJobs`, Kubernetes cron, UTC): daily at 02:00,
 * after the databases' own backup window (`BACKUP_WINDOWS.native`, 00:00-01:00), CloudNativePG's
 * base backup (00:00) and a separate continuous rule's start window (01:00-02:00), and before AWS
 * Backup starts (03:00), so the dump does not compete with a snapshot for the database's I/O.
 */
export const LOGICAL_BACKUP_SCHEDULE = "0 2 * * *";
/** How often `LOGICAL_BACKUP_SCHEDULE` runs, in minutes (the alert rules' `backupIntervalMinutes`). */
export const LOGICAL_BACKUP_INTERVAL_MINUTES = 1440;
/**
 * The restore drills of the backup CronJobs: monthly, the 15th at 05:00 UTC, hours after that
 * day's dump and away from the monthly tier (the 1st) and AWS Backup's restore testing (08:00).
 */
export const RESTORE_DRILL_SCHEDULE = "0 5 15 * *";

/**
 * Whether `expression` is a Kubernetes CronJob schedule (five fields in range, or a macro such as
 * `@daily`, no `TZ=` prefix); `kubernetesCronProblem` (components/lib/cron.ts) says what is wrong.
 */
export function isKubernetesCron(expression: unknown): boolean {
    return kubernetesCronProblem(expression) === undefined;
}

/**
 * The longest time between two runs of a Kubernetes cron schedule, in minutes, for the forms a
 * backup or drill schedule takes: hourly (`m * * * *`, `@hourly`), every N minutes or hours (a
 * step in the minute or the hour field), daily (`m h * * *`, `@daily`), weekly (`m h * * d`,
 * `@weekly`), monthly (`m h D * *`, `@monthly`: 31 days) and yearly. Anything else counts as
 * daily, the estate's default; the alert rules use it as a backup's allowed age.
 */
export function cronIntervalMinutes(schedule: string): number {
    const macros: Record<string, number> = { "@hourly": 60, "@daily": 1440, "@midnight": 1440, "@weekly": 10080, "@monthly": 44640, "@yearly": 527040, "@annually": 527040 };
    if (schedule in macros) {
        return macros[schedule]!;
    }
    const [minute, hour, dayOfMonth, month, dayOfWeek] = schedule.trim().split(/\s+/);
    const number = /^\d+$/;
    const step = (field: string | undefined) => /^\*\/(\d+)$/.exec(field ?? "")?.[1];
    if (hour === "*" && dayOfMonth === "*" && month === "*" && dayOfWeek === "*") {
        return step(minute) !== undefined ? Number(step(minute)) : 60;
    }
    if (number.test(minute ?? "") && dayOfMonth === "*" && month === "*" && dayOfWeek === "*") {
        return step(hour) !== undefined ? Number(step(hour)) * 60 : 1440;
    }
    if (number.test(minute ?? "") && number.test(hour ?? "") && dayOfMonth === "*" && month === "*" && number.test(dayOfWeek ?? "")) {
        return 10080;
    }
    if (number.test(minute ?? "") && number.test(hour ?? "") && number.test(dayOfMonth ?? "") && month === "*" && dayOfWeek === "*") {
        return 44640;
    }
    if (number.test(minute ?? "") && number.test(hour ?? "") && number.test(dayOfMonth ?? "") && number.test(month ?? "") && dayOfWeek === "*") {
        return 527040;
    }
    return 1440;
}

/** AWS Backup restore testing, monthly by default: the 15th at 08:00 UTC, away from the monthly backup. */
export const RESTORE_TESTING_SCHEDULE = "cron(0 8 15 * ? *)";

/**
 * Whether `expression` is an AWS cron expression AWS Backup accepts: `cron(m h dom mon dow year)`,
 * every field in range, exactly one of day-of-month and day-of-week `?`, and a single minute (AWS
 * Backup schedules at most hourly); `awsCronProblem` (components/lib/cron.ts) says what is wrong.
 */
export function isAwsCron(expression: unknown): boolean {
    return awsCronProblem(expression) === undefined;
}

function clamp(value: number, min: number, max: number): number {
    return Math.min(Math.max(value, min), max);
}

/**
 * The backup retention of the databases' own automated backups, in days: the daily objective,
 * at least 7 days for protected data (`protectData`; 1 otherwise: 0 would turn backups off) and
 * at most 35 (what RDS, Aurora, DocumentDB and ElastiCache allow; longer tiers are AWS Backup's and
 * the backup bucket's job). The one rule for `backupRetentionPeriod` (RDS, Aurora, DocumentDB),
 * `snapshotRetentionLimit` (ElastiCache) and the AWS Backup continuous-backup retention: AWS
 * Backup takes over RDS automated backups and sets their retention to its rule's, so both must be
 * equal or the database drifts on every update. Keyed on `protectData`, not on the profile, because
 * that is what the data components know. Always > 0, so point-in-time recovery is on.
 */
export function nativeBackupRetentionDays(retention: Pick<RetentionTiers, "dailyDays">, options: { protectData: boolean }): number {
    const minimum = options.protectData ? PROTECTED_NATIVE_RETENTION_MIN_DAYS : 1;
    return clamp(Math.floor(retention.dailyDays), minimum, NATIVE_BACKUP_MAX_DAYS);
}

/**
 * The WAL `archive_timeout` (seconds) that meets an RPO for in-cluster PostgreSQL: PostgreSQL
 * switches to a new WAL segment at least this often, so at most this much committed work waits
 * outside the archive. Half the RPO (the other half is for the upload), at least 60 s (each switch
 * archives a whole 16 MiB segment, even when idle) and at most 300 s (CloudNativePG's default).
 * Never above the RPO, for any RPO of at least a minute.
 */
export function walArchiveTimeoutSeconds(rpoMinutes: number): number {
    return clamp(Math.floor((rpoMinutes * 60) / 2), WAL_ARCHIVE_TIMEOUT_MIN_SECONDS, WAL_ARCHIVE_TIMEOUT_MAX_SECONDS);
}

/** One AWS Backup rule, as data. */
export interface BackupRuleSpec {
    /** The rule name: the tier (`daily` ... `yearly`), or `continuous` for a separate point-in-time rule. */
    name: Tier | "continuous";
    /** The retention tier the rule keeps, if any. */
    tier?: Tier;
    /** AWS cron expression (UTC). */
    schedule: string;
    /** Continuous backup (point-in-time recovery) where the resource type supports it. */
    continuous: boolean;
    /** `lifecycle.deleteAfter`, in days. No rule sets cold storage (see the header: AWS Backup ignores it for the databases). */
    deleteAfterDays: number;
}

export interface BackupRuleOptions {
    /**
     * Days of continuous backup (1-35), or `undefined` for snapshots only. When it is at least the
     * daily objective, the daily rule itself is continuous (kept that long); otherwise a separate
     * `continuous` rule keeps it and the daily rule stays a snapshot rule.
     */
    continuousDays?: number;
    /** Cron expression per tier; default `TIER_SCHEDULES`. */
    schedules?: Partial<Record<Tier, string>>;
}

/**
 * The AWS Backup rules that keep every tier at least its objective (days from `retentionDays`:
 * 7-day weeks, 31-day months, 366-day years), plus continuous backup when asked for.
 */
export function backupRules(retention: RetentionTiers, options: BackupRuleOptions = {}): BackupRuleSpec[] {
    const schedules = { ...TIER_SCHEDULES, ...options.schedules };
    const continuousDays = options.continuousDays;
    const dailyIsContinuous = continuousDays !== undefined && continuousDays >= retention.dailyDays;
    const rules: BackupRuleSpec[] = [];
    if (continuousDays !== undefined && !dailyIsContinuous) {
        rules.push({ name: "continuous", schedule: CONTINUOUS_SCHEDULE, continuous: true, deleteAfterDays: continuousDays });
    }
    for (const tier of TIERS) {
        const days = tier === "daily" && dailyIsContinuous ? continuousDays : retentionDays(retention, tier);
        rules.push({
            name: tier,
            tier,
            schedule: schedules[tier],
            continuous: tier === "daily" && dailyIsContinuous,
            deleteAfterDays: days,
        });
    }
    return rules;
}

/**
 * The vault lock retention bounds that accept exactly these rules' recovery points: a backup or
 * copy job whose retention is outside `[min, max]` fails in a locked vault.
 */
export function vaultLockBounds(rules: readonly Pick<BackupRuleSpec, "deleteAfterDays">[]): { minRetentionDays: number; maxRetentionDays: number } {
    const days = rules.map((r) => r.deleteAfterDays);
    return { minRetentionDays: Math.min(...days), maxRetentionDays: Math.max(...days) };
}

// ---------------------------------------------------------------------------------------------
// Feasibility

export type Placement = "managed" | "cluster";

/** What the feasibility checks need to know about a stack. */
export interface ObjectivesInput {
    rpoMinutes: number;
    retention: RetentionTiers;
    /** Where each database of record lives (Redis is a cache: its daily snapshots are not held to the RPO). */
    databases: { postgres?: Placement; mongo?: Placement };
}

/** An objective the estate cannot meet: the config key at fault (e.g. `estate:dr.rpoMinutes`), and why. */
export interface ObjectiveProblem {
    key: string;
    message: string;
}

/** One unit of every tier: `retentionDays(ONE_OF_EACH, tier)` is the days one unit of the tier counts. */
const ONE_OF_EACH: RetentionTiers = Object.freeze({ dailyDays: 1, weeklyWeeks: 1, monthlyMonths: 1, yearlyYears: 1 });

/** Whether the stack keeps backups in AWS Backup: it does when a database of record is managed. */
export function usesAwsBackup(databases: ObjectivesInput["databases"]): boolean {
    return databases.postgres === "managed" || databases.mongo === "managed";
}

/**
 * Every objective the estate's stores cannot meet, with what would make it feasible. Empty when
 * all are feasible. Keys are config paths such as `dr.rpoMinutes`, after `keyPrefix` (e.g. `estate:`).
 *
 * - An RPO under a day needs continuous backup of every database of record: RDS or DocumentDB
 *   point-in-time recovery (always on: backup retention > 0, restorable to within 5 minutes), or
 *   for in-cluster PostgreSQL WAL archiving with `archive_timeout` from `walArchiveTimeoutSeconds`.
 *   In-cluster MongoDB has only the daily logical dump.
 * - Every tier must fit the stores that keep it: the backup bucket's lifecycle keeps any tier; AWS
 *   Backup (used when a database is managed) keeps a recovery point at most 36500 days.
 */
export function findObjectiveProblems(input: ObjectivesInput, options: { keyPrefix?: string } = {}): ObjectiveProblem[] {
    const problems: ObjectiveProblem[] = [];
    const { rpoMinutes, databases } = input;
    const key = (path: string) => `${options.keyPrefix ?? ""}${path}`;
    if (rpoMinutes < DAILY_RPO_MINUTES) {
        const managed = (["postgres", "mongo"] as const).filter((db) => databases[db] === "managed");
        if (managed.length > 0 && rpoMinutes < MANAGED_PITR_LAG_MINUTES) {
            problems.push({
                key: key("dr.rpoMinutes"),
                message:
                    `must be at least ${MANAGED_PITR_LAG_MINUTES} with ${managed.map((db) => `${key(`data.${db}.placement`)} managed`).join(" and ")}: ` +
                    `RDS and DocumentDB point-in-time recovery restores to within the last ${MANAGED_PITR_LAG_MINUTES} minutes (got ${rpoMinutes})`,
            });
        }
        if (databases.mongo === "cluster") {
            problems.push({
                key: key("dr.rpoMinutes"),
                message:
                    `must be at least ${DAILY_RPO_MINUTES} (a day) with ${key("data.mongo.placement")} cluster: in-cluster MongoDB is backed up by a ` +
                    `daily mongodump only, which can lose up to a day of writes (got ${rpoMinutes}); use placement managed ` +
                    "(DocumentDB point-in-time recovery) or raise the RPO",
            });
        }
    }
    if (usesAwsBackup(databases)) {
        for (const tier of TIERS) {
            const days = retentionDays(input.retention, tier);
            if (days > AWS_BACKUP_MAX_RETENTION_DAYS) {
                const field = tierField(tier);
                const perUnit = retentionDays(ONE_OF_EACH, tier);
                problems.push({
                    key: key(`dr.retention.${field}`),
                    message:
                        `must be at most ${Math.floor(AWS_BACKUP_MAX_RETENTION_DAYS / perUnit)} while a database is managed: AWS Backup keeps a ` +
                        `recovery point at most ${AWS_BACKUP_MAX_RETENTION_DAYS} days and the estate counts ${perUnit} days per unit ` +
                        `(got ${input.retention[field]}, ${days} days)`,
                });
            }
        }
    }
    return problems;
}

/** The region of a backup vault ARN (`arn:aws:backup:<region>:<account>:backup-vault:<name>`). */
export function backupVaultRegion(vaultArn: string): string | undefined {
    return vaultArn.split(":")[3];
}

/**
 * Why a backup account's vault must be in the vault's own region: for RDS and Aurora, AWS Backup
 * copies either across accounts or across regions, never both ("For Amazon RDS and Aurora snapshots,
 * AWS Backup only supports automating either cross-account or cross-Region copies due to how those
 * services create their encryption keys", https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html).
 */
export function crossAccountRegionProblem(region: string, vaultArn: string): string {
    return (
        `must be a vault in ${JSON.stringify(region)}, the region of the backed-up databases (got one in ${JSON.stringify(backupVaultRegion(vaultArn))}): ` +
        "AWS Backup copies RDS and Aurora snapshots either to another account or to another region, never both in one copy"
    );
}
