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
 * Every value is a secret: the AppService keeps them in the app's Secret, and the connection URIs
 * carry credentials. A data service the stack does not declare contributes nothing.
 */
export function appEnvironment(estate: EstateParts): Record<string, pulumi.Input<string>> {
    const { spec, backups, data } = estate;
    return {
        AWS_REGION: spec.region,
        BACKUP_BUCKET: backups.bucketName,
        BACKUP_KMS_KEY_ARN: backups.kmsKeyArn,
        ...(data.postgres && { DATABASE_URL: data.postgres.connection.uri }),
        ...(data.mongo && { MONGODB_URI: data.mongo.connection.uri }),
        ...(data.redis && { REDIS_URL: data.redis.connection.uri, REDIS_TLS: pulumi.secret(data.redis.connection.tls.apply(String)) }),
        // SENTRY_DSN: estate.sentry.dsn,           (observability)
    };
}
