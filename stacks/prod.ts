import { LOGICAL_BACKUP_SCHEDULE, RESTORE_DRILL_SCHEDULE } from "../components/backup/objectives";
import type { Profile } from "../infra/schema";

/**
 * prod: everything that holds data is protected, encrypted with customer-managed keys, locked
 * against deletion (S3 Object Lock, AWS Backup Vault Lock) and copied to the DR region; retention
 * follows the usual tiers (30 days, 12 weeks, 12 months, 7 years); the policy pack blocks (mandatory).
 */
export const prod: Profile = {
    config: {
        protectData: true,
        dr: {
            rpoMinutes: 15,
            rtoMinutes: 60,
            retention: { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 },
        },
        // A week to notice a mistake before the vault lock becomes irreversible.
        // Daily logical dumps and monthly restore drills of every database, on top of AWS Backup.
        backup: {
            objectLock: { mode: "GOVERNANCE", days: 30 },
            replication: true,
            accessLogging: true,
            plan: { vaultLock: { changeableForDays: 7 } },
            jobs: { enabled: true, backupSchedule: LOGICAL_BACKUP_SCHEDULE, drillSchedule: RESTORE_DRILL_SCHEDULE },
        },
        // Publicly trusted certificates from Let's Encrypt (set estate:platform.acmeEmail); controllers survive a node drain.
        platform: { issuer: "letsencrypt-prod", replicas: 2 },
    },
    serviceDefaults: {
        web: { replicas: { min: 3, max: 10 }, cpu: "250m", memory: "512Mi" },
        worker: { replicas: { min: 2, max: 5 }, cpu: "250m", memory: "512Mi" },
    },
    // Survive the loss of an instance or a zone: Multi-AZ Postgres, replica sets, failover.
    dataDefaults: {
        postgres: { instances: 2 },
        mongo: { instances: 3 },
        redis: { nodes: 3 },
    },
};
