/**
 * The image of the backup and restore-drill CronJobs, built from `scripts/backup/Dockerfile` by the
 * CronJob wiring (`@pulumi/docker`). Pure data: where the build context is, and the build
 * arguments that pin the database clients to the engine versions of the stack.
 */

/** The Docker build context, relative to the project root; the Dockerfile lives in it. */
export const BACKUP_IMAGE_CONTEXT = "scripts/backup";

/** The engine versions the image must serve (`estate:data.<engine>.version`). */
export interface BackupImageEngines {
    postgres?: { version: string };
}

/**
 * Build arguments for the Dockerfile: `PG_MAJOR` follows the configured PostgreSQL major, so
 * pg_dump is never older than the server (pg_dump refuses to dump a newer major). Redis 6.2/7.0
 * RDBs load in Debian 12's Redis 7.0 (the default), and MongoDB's tools cover every server
 * version, so neither depends on the config.
 */
export function backupImageBuildArgs(engines: BackupImageEngines): Record<string, string> {
    const args: Record<string, string> = {};
    if (engines.postgres) {
        args.PG_MAJOR = engines.postgres.version;
    }
    return args;
}
