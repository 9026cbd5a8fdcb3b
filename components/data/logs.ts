/**
 * The CloudWatch log groups a managed data service writes to, created by the estate BEFORE the
 * service, under the service's customer-managed key and with a retention. RDS and DocumentDB write
 * their exported logs to log groups with fixed names derived from the database's identifier, and
 * create them themselves (no key, logs kept forever) when they do not exist yet. So the estate
 * names the database itself (a stable identifier with a random suffix, known before the database
 * exists) and creates the log groups under those exact names first.
 *
 * Names (sources in docs/aws-settings.md):
 * - RDS instance:   `/aws/rds/instance/<db-instance-identifier>/<log>` (RDS User Guide, "Publishing
 *   database logs to Amazon CloudWatch Logs"; the MySQL page shows `/aws/rds/instance/my_instance/slowquery`);
 * - Aurora cluster: `/aws/rds/cluster/<db-cluster-identifier>/<log>` (Aurora User Guide, same chapter);
 * - DocumentDB:     `/aws/docdb/<cluster-identifier>/<audit|profiler>` (DocumentDB Developer Guide,
 *   "Auditing Amazon DocumentDB events" and "Profiling Amazon DocumentDB operations").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ArgChecker } from "../lib/args";

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy `retentionInDays`). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** An optional `logRetentionDays` argument: one of the retentions CloudWatch Logs accepts. */
export function checkLogRetentionDays(check: ArgChecker, value: number | undefined): void {
    if (value !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(value)) {
        check.fail("logRetentionDays", `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(", ")}) (got ${String(value)})`);
    }
}

/** Default retention of a database's exported logs: a year, as audit trails are usually kept. */
export const DATABASE_LOG_RETENTION_DAYS = 365;

/** Where each service writes an exported log. */
export const SERVICE_LOG_GROUPS = {
    rdsInstance: (identifier: string, log: string) => `/aws/rds/instance/${identifier}/${log}`,
    rdsCluster: (identifier: string, log: string) => `/aws/rds/cluster/${identifier}/${log}`,
    docdbCluster: (identifier: string, log: string) => `/aws/docdb/${identifier}/${log}`,
} as const;

export { DATABASE_IDENTIFIER } from "./naming";

/**
 * The identifier of a database: `explicit` when given (a stack whose database predates this
 * naming keeps its identifier), else `<prefix>-<8 random characters>`, drawn once and kept in
 * the stack's state. Unknown in a preview of a new stack, like any new resource's output.
 */
export function databaseIdentifier(name: string, prefix: string, explicit: string | undefined, parent: pulumi.Resource): pulumi.Output<string> {
    if (explicit !== undefined) {
        return pulumi.output(explicit);
    }
    const suffix = new random.RandomString(`${name}-identifier-suffix`, { length: 8, special: false, upper: false }, { parent });
    return pulumi.interpolate`${prefix}-${suffix.result}`;
}

export interface ServiceLogGroupsSpec {
    /** Component name; each group is `${name}-log-<log>`. */
    name: string;
    /** The exported logs, e.g. `["postgresql", "upgrade"]`. */
    logs: readonly string[];
    /** The log group name of one log, from the database's identifier. */
    groupName: (log: string) => pulumi.Output<string>;
    keyArn: pulumi.Input<string>;
    retentionDays: number;
    region?: string;
    tags: Record<string, string>;
    parent: pulumi.Resource;
    /** Keep the groups (the audit trail) in AWS when the stack deletes them: for protected data. */
    retainOnDelete: boolean;
}

/**
 * One encrypted log group per exported log. The database must `dependsOn` them, so they exist
 * before the service first writes. The key's policy must let CloudWatch Logs use it
 * (`dataKey({ allowCloudWatchLogs: true })`).
 */
export function serviceLogGroups(spec: ServiceLogGroupsSpec): aws.cloudwatch.LogGroup[] {
    return spec.logs.map(
        (log) =>
            new aws.cloudwatch.LogGroup(
                `${spec.name}-log-${log}`,
                { name: spec.groupName(log), kmsKeyId: spec.keyArn, retentionInDays: spec.retentionDays, region: spec.region, tags: spec.tags },
                { parent: spec.parent, retainOnDelete: spec.retainOnDelete },
            ),
    );
}

/**
 * Warns when the database's real identifier differs from the one its log groups are named after:
 * a database created before the estate named it keeps its old identifier (`ignoreChanges`), so
 * its logs still go to the unencrypted groups the service created. The fix is to set the
 * identifier explicitly and import those groups (docs/aws-settings.md, "Existing databases").
 */
export function warnOnIdentifierDrift(actual: pulumi.Output<string>, expected: pulumi.Output<string>, configKey: string, resource: pulumi.Resource): void {
    pulumi.all([actual, expected]).apply(([a, e]) => {
        if (a && e && a !== e) {
            void pulumi.log.warn(
                `the database's identifier is "${a}", not "${e}": it predates the estate's naming, so its logs still go to log groups the service created ` +
                    `without the key. Set ${configKey} to "${a}" and import those log groups (docs/aws-settings.md, "Existing databases").`,
                resource,
            );
        }
    });
}
