/**
 * The environment every app in the cluster gets, built from the estate's outputs: apps consume
 * the same values the stack exports, through a Secret per app (`<app>-env`). Adding a source is one
 * line here (the estate part it comes from must exist in `EstateParts`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Estate } from "./estate";

/** The parts of the estate built before the apps. */
export type EstateParts = Omit<Estate, "services">;

export function appEnvironment(estate: EstateParts, app: string): Record<string, pulumi.Input<string>> {
    const { spec, backups, errorTracking } = estate;
    const environment: Record<string, pulumi.Input<string> | undefined> = {
        AWS_REGION: spec.region,
        BACKUP_BUCKET: backups.bucketName,
        BACKUP_KMS_KEY_ARN: backups.kmsKeyArn,
        SENTRY_DSN: errorTracking?.dsn[app],
        // DATABASE_URL: estate.database.uri,       (data services)
        // REDIS_URL: estate.cache.uri,             (data services)
    };
    // A source that is not configured (Sentry without an organization) adds no variable.
    return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, pulumi.Input<string>] => entry[1] !== undefined));
}
