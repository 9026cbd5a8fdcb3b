/**
 * The metrics `scripts/backup/backup.sh` and `drill.sh` push to the Pushgateway: one list for the
 * alert rules, the dashboards and the scripts' `--help` (a test keeps them equal). Each series is
 * grouped by `job` and the labels `service` and `database`; the `backupTier*` series also by `tier`
 * (`TIERS`), one group per tier, so each holds the newest backup of its tier.
 */

/** The Pushgateway job of each script. */
export const BACKUP_JOBS = { backup: "estate_backup", drill: "estate_restore_drill" } as const;

export const BACKUP_METRICS = {
    /** 1 when the last backup run stored its dump, 0 when it failed. */
    backupLastRunSuccess: "estate_backup_last_run_success",
    /** Unix time the last successful backup ended. */
    backupLastSuccess: "estate_backup_last_success_timestamp_seconds",
    /** Unix time the last failed backup ended. */
    backupLastFailure: "estate_backup_last_failure_timestamp_seconds",
    /** Seconds the last successful backup took (dump and uploads). */
    backupDuration: "estate_backup_duration_seconds",
    /** Bytes of the last successful dump. */
    backupSize: "estate_backup_size_bytes",
    /** Per `tier`: Unix time the newest successful backup stored under that tier ended. */
    backupTierLastSuccess: "estate_backup_tier_last_success_timestamp_seconds",
    /** Per `tier`: bytes of the newest backup stored under that tier. */
    backupTierSize: "estate_backup_tier_size_bytes",
    /** Per `tier`: seconds the newest backup stored under that tier took (dump and uploads). */
    backupTierDuration: "estate_backup_tier_duration_seconds",
    /** 1 when the last drill restored and verified the backup, 0 when it failed. */
    drillLastRunSuccess: "estate_restore_drill_last_run_success",
    /** Unix time the last drill ended. */
    drillLastRun: "estate_restore_drill_last_run_timestamp_seconds",
    /** Unix time the last successful drill ended. */
    drillLastSuccess: "estate_restore_drill_last_success_timestamp_seconds",
    /** Unix time the last failed drill ended. */
    drillLastFailure: "estate_restore_drill_last_failure_timestamp_seconds",
    /** The measured RTO of the last successful drill, in seconds: fetch, verify, restore, check. */
    drillRto: "estate_restore_drill_rto_seconds",
    /** Unix time of the backup the last drill restored. */
    drillBackupTime: "estate_restore_drill_backup_timestamp_seconds",
    /**
     * Findings of the last drill's survey of the store, by `kind` (`STORE_INCONSISTENCY_KINDS`):
     * every kind is pushed, 0 when none was found, so a fixed store resolves the alert.
     */
    drillStoreInconsistencies: "estate_restore_drill_store_inconsistencies",
    /**
     * 1 when the restored backup meets the `objective` (`rpo`: its age within the RPO and a schedule
     * no sparser; `schedule`: its age within the backup interval plus the backup timeout; `rto`: the
     * measured RTO within the objective), 0 when not. Only the configured objectives are pushed.
     */
    drillObjectivesMet: "estate_restore_drill_objectives_met",
} as const;

/** The `kind` label of `estate_restore_drill_store_inconsistencies`: what drill.sh reports as `INCONSISTENT: <kind>: ...`. */
export const STORE_INCONSISTENCY_KINDS = ["orphan_object", "missing_object", "size_mismatch", "checksum_mismatch", "invalid_manifest"] as const;
