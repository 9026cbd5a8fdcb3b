import { LOGICAL_BACKUP_SCHEDULE, RESTORE_DRILL_SCHEDULE } from "../components/backup/objectives";
import type { Profile } from "../infra/schema";

/**
 * dev: a developer's or CI's estate. Data lives in the cluster, nothing is protected from
 * deletion, retention is short; the policy pack reports (advisory) rather than blocks.
 */
export const dev: Profile = {
    config: {
        protectData: false,
        dr: {
            rpoMinutes: 1440,
            rtoMinutes: 480,
            retention: { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 },
        },
        // AWS Backup exists only with a managed database; a dev vault is not locked (dev data is disposable).
        // The backup and drill CronJobs run in dev too: a drill that only ever runs in prod finds its bugs there.
        backup: {
            objectLock: false,
            replication: false,
            accessLogging: false,
            plan: { vaultLock: false },
            jobs: { enabled: true, backupSchedule: LOGICAL_BACKUP_SCHEDULE, drillSchedule: RESTORE_DRILL_SCHEDULE },
        },
        // A local cluster (kind, minikube): certificates from the self-signed estate CA, one replica of each controller.
        platform: { issuer: "selfsigned", replicas: 1 },
        // One small Prometheus with a few days of history; loose thresholds, no traffic alert (a dev
        // stack is idle most of the time).
        monitoring: {
            prometheus: { retentionDays: 3, storageGb: 10, cpu: "200m", memory: "1Gi", replicas: 1 },
            alertmanager: { replicas: 1 },
            nodeExporter: false,
            thresholds: {
                errorRatio: 0.1,
                latencyP95Seconds: 2,
                minRequestRate: 0,
                cpuRequestRatio: 1.5,
                memoryRequestRatio: 1.2,
                memoryLimitRatio: 0.95,
                autoscalerMaxedMinutes: 30,
                certificateExpiryDays: 7,
                crashLoopRestarts: 5,
            },
            // The databases': loose on dev (one small instance, idle most of the time); limits and memory come from each instance class.
            databases: { connectionsRatio: 0.9, freeStorageRatio: 0.05, storageFullHours: 4, cpuRatio: 0.95, freeMemoryRatio: 0.05, replicationLagRpoShare: 1 },
        },
        sentry: { rateLimit: { count: 100, windowSeconds: 60 } },
    },
    serviceDefaults: {
        web: { replicas: { min: 1, max: 2 }, cpu: "100m", memory: "256Mi" },
        worker: { replicas: { min: 1, max: 1 }, cpu: "100m", memory: "256Mi" },
    },
    // One of each: dev data is disposable and lives in the cluster.
    // One NAT gateway for the whole VPC: a zone's outage may cut egress, at a third of the cost.
    clusterDefaults: { natGateways: "single" },
    dataDefaults: {
        postgres: { instances: 1 },
        mongo: { instances: 1 },
        redis: { nodes: 1 },
    },
};
