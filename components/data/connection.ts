/**
 * The connection every data service hands to its consumers, whichever placement it has: managed on
 * AWS or in the cluster. An app reads host, port, database and user, and the two secrets, and does
 * not care where the database lives.
 */
import * as pulumi from "@pulumi/pulumi";

/** The database an app gets by default, in every Postgres and MongoDB placement (the backup jobs and their alerts name it). */
export const APP_DATABASE = "app";

/** How to reach one database. `password` and `uri` are always Pulumi secrets. */
export interface DatabaseConnection {
    /** DNS name clients connect to (the writer/primary endpoint). */
    host: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** The database (Postgres), the application database (MongoDB), or the logical database index (Redis). */
    database: pulumi.Output<string>;
    user: pulumi.Output<string>;
    /** Secret. */
    password: pulumi.Output<string>;
    /** Secret: a complete connection URI with the credentials and the TLS options the service needs. */
    uri: pulumi.Output<string>;
}

/** Redis adds whether clients must speak TLS (`rediss://`). */
export interface RedisConnection extends DatabaseConnection {
    tls: pulumi.Output<boolean>;
}

/** The parts of a connection URI; `query` values are appended URL-encoded, in the order given. */
export interface UriParts {
    scheme: "postgresql" | "mongodb" | "redis" | "rediss";
    user: pulumi.Input<string>;
    password: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    /** Path after the host: the database name (or Redis index). */
    database: pulumi.Input<string>;
    query?: Record<string, string>;
}

/**
 * Builds a connection URI as a secret. User and password are percent-encoded: managed master
 * passwords contain punctuation such as `:` `@` `/` that would otherwise break the URI.
 */
export function connectionUri(parts: UriParts): pulumi.Output<string> {
    const uri = pulumi
        .all([parts.user, parts.password, parts.host, parts.port, parts.database])
        .apply(([user, password, host, port, database]) => formatUri({ ...parts, user, password, host, port, database }));
    return pulumi.secret(uri);
}

/** The plain formatting behind `connectionUri` (exported for tests). */
export function formatUri(p: { scheme: string; user: string; password: string; host: string; port: number; database: string; query?: Record<string, string> }): string {
    const query = Object.entries(p.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join("&");
    const credentials = `${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}`;
    return `${p.scheme}://${credentials}@${p.host}:${p.port}/${encodeURIComponent(p.database)}${query ? `?${query}` : ""}`;
}

/** A connection from plain inputs, with the password and URI wrapped as secrets. */
export function makeConnection(parts: UriParts): DatabaseConnection {
    return {
        host: pulumi.output(parts.host),
        port: pulumi.output(parts.port),
        database: pulumi.output(parts.database),
        user: pulumi.output(parts.user),
        password: pulumi.secret(parts.password),
        uri: connectionUri(parts),
    };
}
