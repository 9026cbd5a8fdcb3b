/**
 * How the stack's recovery objectives (`estate:dr`) turn into the backup settings of the data
 * services. Pure functions: the components, the config layer, the policy config and the tests share
 * them, so a threshold in `policies/config/<stack>.json` can be checked against the stack.
 */

/** The part of the stack's objectives the data services need. */
export interface DataObjectives {
    /** Recovery point objective in minutes: the most data a restore may lose. */
    rpoMinutes: number;
    /** How many days of daily backups must be kept (`estate:dr.retention.dailyDays`). */
    dailyBackupDays: number;
}

/** Automated backup retention AWS accepts for RDS, Aurora, DocumentDB and ElastiCache, in days. */
export const MANAGED_RETENTION_MAX_DAYS = 35;
/** The least retention for data that is protected (prod): a week of point-in-time recovery. */
export const PROTECTED_RETENTION_MIN_DAYS = 7;

/**
 * Automated backup (snapshot) retention of a managed service: the daily objective, at least 7 days
 * for protected data (1 otherwise: 0 would turn backups off) and at most the 35 days AWS allows.
 * Longer retention than 35 days is the backup bucket's job (logical dumps, snapshot copies).
 */
export function managedBackupRetentionDays(dailyBackupDays: number, protectData: boolean): number {
    const minimum = protectData ? PROTECTED_RETENTION_MIN_DAYS : 1;
    return Math.min(MANAGED_RETENTION_MAX_DAYS, Math.max(minimum, Math.floor(dailyBackupDays)));
}

/** PostgreSQL's default `archive_timeout` in CloudNativePG, in minutes. */
export const DEFAULT_ARCHIVE_TIMEOUT_MINUTES = 5;

/**
 * `archive_timeout` for a CloudNativePG cluster: a WAL segment is switched and archived at least
 * this often even when the database is quiet, so the archive is never further behind than the RPO.
 * The operator's 5 minutes, or the RPO when that is shorter.
 */
export function archiveTimeoutMinutes(rpoMinutes: number): number {
    return Math.max(1, Math.min(DEFAULT_ARCHIVE_TIMEOUT_MINUTES, Math.floor(rpoMinutes)));
}

/**
 * The explicit daily windows, in UTC, shared by every data service so that backups never overlap
 * maintenance: backups (and ElastiCache snapshots) at 02:00-03:00, maintenance on Sunday
 * 04:00-05:00, CloudNativePG's scheduled base backup at 02:00.
 */
export const WINDOWS = {
    backup: "02:00-03:00",
    maintenance: "sun:04:00-sun:05:00",
    /** Six-field cron (seconds first), as CloudNativePG's ScheduledBackup takes it. */
    baseBackupSchedule: "0 0 2 * * *",
} as const;

/** Checks a `DataObjectives` value; returns the problem with the argument path, or undefined. */
export function findObjectivesProblem(objectives: DataObjectives | undefined): { argument: string; problem: string } | undefined {
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
