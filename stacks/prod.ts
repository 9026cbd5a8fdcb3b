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
        // An HA pair of Prometheus with a month of history on 100 GiB each, two Alertmanagers;
        // thresholds tight enough to page before users notice. Certificates renew 30 days before
        // expiry, so 21 days left means renewal has failed for over a week.
        monitoring: {
            prometheus: { retentionDays: 30, storageGb: 100, cpu: "1", memory: "4Gi", replicas: 2 },
            alertmanager: { replicas: 2 },
            nodeExporter: false,
            thresholds: {
                errorRatio: 0.02,
                latencyP95Seconds: 0.5,
                minRequestRate: 0.01,
                cpuRequestRatio: 1,
                memoryRequestRatio: 1,
                memoryLimitRatio: 0.9,
                autoscalerMaxedMinutes: 15,
                certificateExpiryDays: 21,
                crashLoopRestarts: 3,
            },
            // The databases': page with a day's warning before a volume fills, and before a failover could lose half the RPO; limits and memory come from each instance class.
            databases: { connectionsRatio: 0.8, freeStorageRatio: 0.15, storageFullHours: 24, cpuRatio: 0.85, freeMemoryRatio: 0.1, replicationLagRpoShare: 0.5 },
        },
        sentry: { rateLimit: { count: 1000, windowSeconds: 60 } },
    },
    serviceDefaults: {
        web: { replicas: { min: 3, max: 10 }, cpu: "250m", memory: "512Mi" },
        worker: { replicas: { min: 2, max: 5 }, cpu: "250m", memory: "512Mi" },
    },
    // A NAT gateway per zone: a zone's outage does not cut the other zones' egress.
    clusterDefaults: { natGateways: "perZone" },
    // Survive the loss of an instance or a zone: Multi-AZ Postgres, replica sets, failover.
    dataDefaults: {
        postgres: { instances: 2 },
        mongo: { instances: 3 },
        redis: { nodes: 3 },
    },
};
