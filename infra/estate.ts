/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import { BackupBucket, BackupPlan, nativeBackupRetentionDays, usesAwsBackup } from "../components/backup";
import type { EstateSpec } from "./config";

export interface Estate {
    spec: EstateSpec;
    backups: BackupBucket;
    /** AWS Backup of the managed databases; only when a database is managed. */
    awsBackup?: BackupPlan;
}

export function buildEstate(spec: EstateSpec): Estate {
    const backups = new BackupBucket("backups", {
        retention: spec.dr.retention,
        bucketName: spec.backup.bucketName,
        protectData: spec.protectData,
        objectLock: spec.backup.objectLock,
        replication: spec.backup.replication && spec.dr.drRegion ? { region: spec.dr.drRegion } : undefined,
        accessLogging: spec.backup.accessLogging,
        region: spec.region,
        tags: spec.tags,
    });

    // A vault, keys and a plan with nothing to protect cost money and, locked, can never be removed:
    // AWS Backup exists only when a database of record is managed.
    const databases = { postgres: spec.data.postgres?.placement, mongo: spec.data.mongo?.placement };
    const awsBackup = usesAwsBackup(databases)
        ? new BackupPlan("aws-backup", {
              retention: spec.dr.retention,
              // Equal to the databases' own backupRetentionPeriod: AWS Backup takes over RDS automated backups.
              continuousBackup: { days: nativeBackupRetentionDays(spec.dr.retention, { production: spec.profile === "prod" }) },
              // The managed databases' ARNs go here; they are also selected by their estate:backup tag.
              resources: [],
              drRegion: spec.dr.drRegion,
              vaultLock: spec.backup.plan.vaultLock,
              restoreTesting: spec.backup.plan.restoreTesting ?? false,
              protectData: spec.protectData,
              region: spec.region,
              tags: spec.tags,
          })
        : undefined;

    return { spec, backups, awsBackup };
}
