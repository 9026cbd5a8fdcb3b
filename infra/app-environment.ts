/**
 * The environment every app in the cluster gets, built from the estate's outputs: apps consume
 * the same values the stack exports, through a Secret per app (`<app>-env`). Adding a source is one
 * line here (the estate part it comes from must exist in `EstateParts`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Estate } from "./estate";

/** The parts of the estate built before the apps. */
export type EstateParts = Omit<Estate, "services">;

/**
 * One app's environment. Every value is a secret: the AppService keeps them in the app's Secret,
 * and the connection URIs carry credentials. A source the stack does not declare (a data service,
 * Sentry without an organization) contributes nothing. A credential that rotates is never here: the
 * app gets it from a Secret the External Secrets Operator keeps current (`Estate.credentials.appEnv`).
 */
export function appEnvironment(estate: EstateParts, app: string): Record<string, pulumi.Input<string>> {
    const { spec, backups, data, errorTracking } = estate;
    const environment: Record<string, pulumi.Input<string> | undefined> = {
        AWS_REGION: spec.region,
        BACKUP_BUCKET: backups.bucketName,
        BACKUP_KMS_KEY_ARN: backups.kmsKeyArn,
        // A rotating Postgres has no URI at deploy time: its DATABASE_URL is synced (`credentials.appEnv`).
        DATABASE_URL: data.postgres?.connection.uri,
        MONGODB_URI: data.mongo?.connection.uri,
        REDIS_URL: data.redis?.connection.uri,
        REDIS_TLS: data.redis && pulumi.secret(data.redis.connection.tls.apply(String)),
        SENTRY_DSN: errorTracking?.dsn[app],
    };
    // A source that is not configured (Sentry without an organization) adds no variable.
    return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, pulumi.Input<string>] => entry[1] !== undefined));
}
