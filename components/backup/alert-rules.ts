/**
 * Prometheus alert rules for backups and restore drills, derived from the stack's DR objectives
 * (`estate:dr`) and the databases that are backed up. Pure data: the observability wiring renders
 * the groups into a `PrometheusRule` (`spec: { groups }`) or a rules file; tests check them with
 * `promtool check rules` and `promtool test rules`.
 *
 * The metrics come from `scripts/backup/backup.sh` and `drill.sh` through the Pushgateway, which
 * Prometheus must scrape with `honor_labels: true` so the pushed `job`, `service` and `database`
 * labels survive.
 */
import { ArgumentError } from "../lib/errors";
import { BACKUP_JOBS, BACKUP_METRICS as M } from "./metrics";
import type { Tier } from "./retention";

/** The objectives that set the thresholds (`estate:dr`). */
export interface DrObjectives {
    /** Recovery point objective in minutes: shown in the annotations. */
    rpoMinutes: number;
    /** Recovery time objective in minutes: a drill whose measured RTO exceeds it alerts. */
    rtoMinutes: number;
}

/** One database that a backup CronJob dumps and a drill CronJob restores. */
export interface BackupTarget {
    /** `BACKUP_SERVICE` of the jobs: the data service's name. */
    service: string;
    /** `BACKUP_DATABASE` of the jobs (redis: `all`). */
    database: string;
    engine: "postgres" | "mongo" | "redis";
    /** How often the backup job runs, in minutes (1440 for a daily CronJob). */
    backupIntervalMinutes: number;
    /** How often the restore drill runs, in days. Default: 31 (monthly). */
    drillIntervalDays?: number;
}

export interface DrAlertOptions {
    /** Slack added to the backup interval before a backup counts as late (a dump takes time). Default: 60. */
    backupGraceMinutes?: number;
    /** Slack added to the drill interval before a drill counts as overdue. Default: 1440 (a day). */
    drillGraceMinutes?: number;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export interface RuleGroup {
    name: string;
    interval?: string;
    rules: AlertRule[];
}

const defaults = {
    backupGraceMinutes: 60,
    drillGraceMinutes: 1440,
    drillIntervalDays: 31,
} as const;

/** The alert names, for wiring and runbooks. */
export const DR_ALERTS = {
    backupTooOld: "EstateBackupTooOld",
    backupMissing: "EstateBackupMissing",
    backupFailed: "EstateBackupFailed",
    tierTooOld: "EstateBackupTierTooOld",
    drillFailed: "EstateRestoreDrillFailed",
    drillRtoAboveObjective: "EstateRestoreDrillRtoAboveObjective",
    drillOverdue: "EstateRestoreDrillOverdue",
    drillMissing: "EstateRestoreDrillMissing",
    storeInconsistent: "EstateBackupStoreInconsistent",
    objectiveUnmet: "EstateRestoreDrillObjectiveUnmet",
} as const;

const RUNBOOK_BASE = "docs/runbooks";

/**
 * The longer tiers and how old their newest backup may grow, in days: the tier's longest period
 * (`retention.ts`: a week, 31 days, 366 days) plus a day. The daily tier is every run, which
 * `EstateBackupTooOld` already watches. Every tier is kept (`RetentionTiers` are all >= 1), so
 * every tier is watched.
 */
const TIER_MAX_AGE_DAYS: readonly { tier: Exclude<Tier, "daily">; days: number }[] = [
    { tier: "weekly", days: 8 },
    { tier: "monthly", days: 32 },
    { tier: "yearly", days: 367 },
];

/**
 * The rule groups `estate-dr-backups` and `estate-dr-drills`: per target, a backup older than its
 * schedule allows (or never reported), a failed backup run, a weekly, monthly or yearly tier whose
 * newest backup is older than the tier's period allows, a failed drill, a drill whose RTO is
 * above the objective, a drill overdue (or never reported), an inconsistent store (per `kind`) and
 * an objective the restored backup would not meet (per `objective`). Throws `ArgumentError` on invalid
 * objectives or targets.
 */
export function drAlertRules(objectives: DrObjectives, targets: readonly BackupTarget[], options: DrAlertOptions = {}): RuleGroup[] {
    validate(objectives, targets, options);
    const backupGrace = options.backupGraceMinutes ?? defaults.backupGraceMinutes;
    const drillGrace = options.drillGraceMinutes ?? defaults.drillGraceMinutes;
    const rtoSeconds = objectives.rtoMinutes * 60;

    const backups: AlertRule[] = [];
    const drills: AlertRule[] = [];
    for (const target of targets) {
        const { service, database, engine } = target;
        const labels = { service, database, engine };
        const backupSelector = selector(BACKUP_JOBS.backup, service, database);
        const drillSelector = selector(BACKUP_JOBS.drill, service, database);
        const maxBackupAgeSeconds = (target.backupIntervalMinutes + backupGrace) * 60;
        const drillIntervalDays = target.drillIntervalDays ?? defaults.drillIntervalDays;
        const maxDrillAgeSeconds = (drillIntervalDays * 1440 + drillGrace) * 60;
        const schedule = `every ${minutes(target.backupIntervalMinutes)} plus ${minutes(backupGrace)} grace`;

        backups.push(
            {
                alert: DR_ALERTS.backupTooOld,
                expr: `time() - ${M.backupLastSuccess}${backupSelector} > ${maxBackupAgeSeconds}`,
                labels: { severity: "critical", ...labels },
                annotations: {
                    summary: `The last successful backup of ${service}/${database} is older than its schedule allows (${schedule})`,
                    description: `No backup of ${engine} ${service}/${database} has succeeded for {{ $value | humanizeDuration }}. The RPO objective is ${minutes(objectives.rpoMinutes)}.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#backup-alerts`,
                },
            },
            {
                alert: DR_ALERTS.backupMissing,
                expr: `absent(${M.backupLastSuccess}${backupSelector})`,
                for: duration(maxBackupAgeSeconds),
                labels: { severity: "critical", ...labels },
                annotations: {
                    summary: `No successful backup of ${service}/${database} has been reported for ${duration(maxBackupAgeSeconds)}`,
                    description: `The Pushgateway holds no ${M.backupLastSuccess} for ${service}/${database}: the backup job never succeeded, or the Pushgateway lost its state.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#backup-alerts`,
                },
            },
            {
                alert: DR_ALERTS.backupFailed,
                expr: `${M.backupLastRunSuccess}${backupSelector} == 0`,
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `The last backup run of ${service}/${database} failed`,
                    description: `The backup job of ${engine} ${service}/${database} failed; its log names the reason. ${DR_ALERTS.backupTooOld} follows if the next run fails too.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#backup-alerts`,
                },
            },
            {
                // Only a tier that was stored once has a series: a new database alerts through
                // EstateBackupMissing, not here.
                alert: DR_ALERTS.tierTooOld,
                expr: TIER_MAX_AGE_DAYS.map(
                    ({ tier, days }) => `(time() - ${M.backupTierLastSuccess}${selector(BACKUP_JOBS.backup, service, database, tier)} > ${days * 86400})`,
                ).join(" or "),
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `The newest {{ $labels.tier }} backup of ${service}/${database} is older than its tier's schedule allows`,
                    description: `No backup of ${engine} ${service}/${database} has been stored under the {{ $labels.tier }} tier for {{ $value | humanizeDuration }} (allowed: ${TIER_MAX_AGE_DAYS.map(({ tier, days }) => `${tier} ${days}d`).join(", ")}). The runs on that tier's day failed or did not run: the long-term copies are missing one.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#backup-alerts`,
                },
            },
        );
        drills.push(
            {
                alert: DR_ALERTS.drillFailed,
                expr: `${M.drillLastRunSuccess}${drillSelector} == 0`,
                labels: { severity: "critical", ...labels },
                annotations: {
                    summary: `The restore drill of ${service}/${database} failed: the newest backup could not be restored and verified`,
                    description: `The drill job's log names what failed (missing object, checksum or size mismatch, restore error, tables or row counts that differ from the manifest, an SQL check).`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
            {
                alert: DR_ALERTS.drillRtoAboveObjective,
                expr: `${M.drillRto}${drillSelector} > ${rtoSeconds}`,
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `The measured restore time of ${service}/${database} is above the RTO objective of ${minutes(objectives.rtoMinutes)}`,
                    description: `The last drill took {{ $value | humanizeDuration }} to fetch, verify, restore and check the newest backup.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
            {
                alert: DR_ALERTS.drillOverdue,
                expr: `time() - ${M.drillLastSuccess}${drillSelector} > ${maxDrillAgeSeconds}`,
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `No successful restore drill of ${service}/${database} for more than ${duration(maxDrillAgeSeconds)}`,
                    description: `The drill runs every ${drillIntervalDays} days; the last success was {{ $value | humanizeDuration }} ago.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
            {
                alert: DR_ALERTS.storeInconsistent,
                expr: `${M.drillStoreInconsistencies}${drillSelector} > 0`,
                labels: { severity: "critical", ...labels },
                annotations: {
                    summary: `The backup store of ${service}/${database} is incomplete or inconsistent: {{ $labels.kind }}`,
                    description: `The last restore drill found {{ $value }} {{ $labels.kind }} finding(s) in the tier prefixes of ${service}/${database} (objects without a manifest, manifests without their objects, sizes or checksums that disagree). The drill job's log has one INCONSISTENT line per finding.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
            {
                alert: DR_ALERTS.objectiveUnmet,
                expr: `${M.drillObjectivesMet}${drillSelector} == 0`,
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `Restored from the store today, ${service}/${database} would not meet its {{ $labels.objective }} objective`,
                    description: `The last restore drill compared the restored backup's age with the RPO (${minutes(objectives.rpoMinutes)}) and the backup schedule (every ${minutes(target.backupIntervalMinutes)}), and the measured RTO with its objective (${minutes(objectives.rtoMinutes)}): {{ $labels.objective }} is not met. The drill's log says by how much.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
            {
                alert: DR_ALERTS.drillMissing,
                expr: `absent(${M.drillLastSuccess}${drillSelector})`,
                for: duration(maxDrillAgeSeconds),
                labels: { severity: "warning", ...labels },
                annotations: {
                    summary: `No successful restore drill of ${service}/${database} has been reported for ${duration(maxDrillAgeSeconds)}`,
                    description: `The Pushgateway holds no ${M.drillLastSuccess} for ${service}/${database}.`,
                    runbook_url: `${RUNBOOK_BASE}/README.md#drill-alerts`,
                },
            },
        );
    }
    return [
        { name: "estate-dr-backups", rules: backups },
        { name: "estate-dr-drills", rules: drills },
    ];
}

/** A rules file (`groups:`) as Prometheus and promtool read it. JSON is YAML, so this is both. */
export function renderRulesFile(groups: readonly RuleGroup[]): string {
    return `${JSON.stringify({ groups }, null, 2)}\n`;
}

function selector(job: string, service: string, database: string, tier?: Tier): string {
    return `{job="${job}",service="${service}",database="${database}"${tier ? `,tier="${tier}"` : ""}}`;
}

/** A Prometheus duration such as `25h` or `32d`, from seconds (whole minutes). */
function duration(seconds: number): string {
    const m = Math.round(seconds / 60);
    if (m % 1440 === 0) {
        return `${m / 1440}d`;
    }
    if (m % 60 === 0) {
        return `${m / 60}h`;
    }
    return `${m}m`;
}

function minutes(m: number): string {
    return duration(m * 60);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function validate(objectives: DrObjectives, targets: readonly BackupTarget[], options: DrAlertOptions): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError("drAlertRules", argument, problem);
    };
    const positiveInt = (argument: string, value: unknown) => {
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
            fail(argument, `must be an integer >= 1 (got ${String(value)})`);
        }
    };
    positiveInt("objectives.rpoMinutes", objectives.rpoMinutes);
    positiveInt("objectives.rtoMinutes", objectives.rtoMinutes);
    if (options.backupGraceMinutes !== undefined) {
        positiveInt("options.backupGraceMinutes", options.backupGraceMinutes);
    }
    if (options.drillGraceMinutes !== undefined) {
        positiveInt("options.drillGraceMinutes", options.drillGraceMinutes);
    }
    const seen = new Set<string>();
    targets.forEach((t, i) => {
        for (const field of ["service", "database"] as const) {
            if (typeof t[field] !== "string" || !NAME.test(t[field])) {
                fail(`targets[${i}].${field}`, `must be 1-63 letters, digits, '.', '_' or '-' (got ${JSON.stringify(t[field])})`);
            }
        }
        if (!["postgres", "mongo", "redis"].includes(t.engine)) {
            fail(`targets[${i}].engine`, `must be postgres, mongo or redis (got ${JSON.stringify(t.engine)})`);
        }
        positiveInt(`targets[${i}].backupIntervalMinutes`, t.backupIntervalMinutes);
        if (t.drillIntervalDays !== undefined) {
            positiveInt(`targets[${i}].drillIntervalDays`, t.drillIntervalDays);
        }
        const key = `${t.service}/${t.database}`;
        if (seen.has(key)) {
            fail(`targets[${i}]`, `duplicates ${key}: each service/database is one target`);
        }
        seen.add(key);
    });
}
