/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import { BackupBucket } from "../components/backup";
import type { EstateSpec } from "./config";

export interface Estate {
    spec: EstateSpec;
    backups: BackupBucket;
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

    return { spec, backups };
}
