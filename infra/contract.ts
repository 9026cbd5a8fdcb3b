/**
 * The stack outputs as a contract: what `pulumi stack output --json --show-secrets` returns for an
 * estate stack, as a versioned zod schema and the TypeScript types inferred from it. Apps and
 * other stacks (through a `StackReference`) code against these types; `npm run outputs` validates a
 * stack's outputs with the schema before turning them into an app's `.env`; a test runs the dev
 * and prod estates and parses their outputs with it, and `infra/outputs.ts` is checked against the
 * types at compile time.
 *
 * Versioning: `outputsVersion` is bumped when an output is removed, renamed or changes meaning.
 * Adding an output is not a new version (readers ignore keys they do not know). Readers check the
 * version and refuse one they do not know (`checkOutputsVersion`).
 *
 * Secrets: every credential is a Pulumi secret in the stack (`[secret]` without `--show-secrets`):
 * connection passwords and URIs, Sentry DSNs, each app's `env`, Grafana's admin password. A
 * credential that rotates outside Pulumi (managed Postgres: RDS rotates its master password) is
 * never in the outputs, not even as a secret: its connection carries `rotating` instead, the
 * Secrets Manager secret to read at run time (docs/credentials.md).
 *
 * Version 2: a connection is either static (`password`, `uri`) or rotating (`rotating`, no
 * password or URI); a managed Postgres's is rotating, so `DATABASE_URL` is not in `apps.<app>.env`
 * then but in the Secret `apps.<app>.syncedEnv` names, which the External Secrets Operator keeps
 * current. Version 1 copied the password of the day it was deployed.
 *
 * Pure: no Pulumi runtime, no config; `examples/` imports its types.
 */
import { z } from "zod";

/** The version of the outputs this file describes. */
export const OUTPUTS_VERSION = 2 as const;

const retention = z.object({ dailyDays: z.number(), weeklyWeeks: z.number(), monthlyMonths: z.number(), yearlyYears: z.number() });

const endpoint = z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    database: z.string(),
    user: z.string().min(1),
});

/** How to reach a database whose credential Pulumi owns (in-cluster services, DocumentDB, ElastiCache). `password` and `uri` are secrets. */
const staticConnection = endpoint.extend({
    /** Secret. */
    password: z.string().min(1),
    /** Secret: the complete URI with credentials and TLS options; what an app should use. */
    uri: z.string().min(1),
});

/** A credential that rotates outside Pulumi: where to read its current value, at run time. */
const rotatingCredential = z.object({
    /** The Secrets Manager secret, a JSON document with the user and password properties below. */
    secretArn: z.string().startsWith("arn:"),
    /** Its KMS key (readers need `kms:Decrypt` on it). */
    kmsKeyArn: z.string().startsWith("arn:"),
    usernameProperty: z.string().min(1),
    passwordProperty: z.string().min(1),
    /** The command that prints the current value. */
    read: z.string().min(1),
});

/** How to reach a database whose password rotates (managed Postgres): no password or URI, read `rotating` when connecting. */
const rotatingConnection = endpoint.extend({ rotating: rotatingCredential });

/** How to reach one database (Postgres, MongoDB): static or rotating. */
const connection = z.union([staticConnection, rotatingConnection]);
const redisConnection = staticConnection.extend({ tls: z.boolean() });

/** A Secret in the app's namespace that the External Secrets Operator keeps current, in the app's environment besides `env`. */
const syncedEnv = z.object({
    /** The Kubernetes Secret (`envFrom`); the app's pods roll when it changes (Reloader). */
    secret: z.string().min(1),
    /** The variables it holds, such as `DATABASE_URL`. */
    variables: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/)),
    /** The Secrets Manager secret they are built from. */
    secretArn: z.string().startsWith("arn:"),
});

/** What one app consumes: its data, its error tracking, its backups, where it is served. */
const appOutputs = z.object({
    namespace: z.string().min(1),
    deployment: z.string().min(1),
    /** The image the pods run (a built app's pushed digest). */
    image: z.string().min(1),
    /** Web apps: the public HTTPS URL. */
    url: z.url().optional(),
    /** In-cluster DNS name of the app's Service (web apps and apps with a metrics port). */
    serviceHost: z.string().optional(),
    /** The estate's Postgres, when it declares one. */
    database: connection.optional(),
    /** The estate's MongoDB (DocumentDB or in-cluster), when it declares one. */
    mongo: staticConnection.optional(),
    /** The estate's Redis, when it declares one. */
    cache: redisConnection.optional(),
    /** Secret: the app's Sentry project DSN, when Sentry is managed. */
    sentryDsn: z.string().optional(),
    /** Where the app may keep its own backups: the estate's bucket, its key and region. */
    backupBucket: z.object({ name: z.string().min(1), kmsKeyArn: z.string().min(1), region: z.string().min(1) }),
    /**
     * Secret: the app's environment, exactly what its Secret `<app>-env` holds in the cluster
     * (`DATABASE_URL` of a static Postgres, `MONGODB_URI`, `REDIS_URL`, `REDIS_TLS`, `SENTRY_DSN`,
     * `AWS_REGION`, `BACKUP_BUCKET`, `BACKUP_KMS_KEY_ARN`, as declared).
     */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()),
    /** The rest of its environment, from Secrets kept current at run time (a rotating Postgres's `DATABASE_URL`). */
    syncedEnv: z.array(syncedEnv).optional(),
});

export const estateOutputsSchema = z.object({
    outputsVersion: z.literal(OUTPUTS_VERSION),
    profile: z.enum(["dev", "prod"]),
    region: z.string().min(1),
    objectives: z.object({ rpoMinutes: z.number(), rtoMinutes: z.number(), retention }),
    backupBucket: z.object({
        name: z.string().min(1),
        arn: z.string().startsWith("arn:"),
        kmsKeyArn: z.string().startsWith("arn:"),
        prefixes: z.object({ daily: z.string(), weekly: z.string(), monthly: z.string(), yearly: z.string() }),
    }),
    /** Per app (`estate:services`): see `AppOutputs`. */
    apps: z.record(z.string(), appOutputs),
    /** The cluster's ingress: the IngressClass apps use and the load balancer's address (the target of the apps' DNS records; absent until assigned). */
    ingress: z.object({ className: z.string().min(1), address: z.string().optional() }),
    /** Per declared data service: placement and connection (secrets as above). */
    data: z.object({
        postgres: z.union([staticConnection.extend({ placement: z.enum(["managed", "cluster"]) }), rotatingConnection.extend({ placement: z.enum(["managed", "cluster"]) })]).optional(),
        mongo: staticConnection.extend({ placement: z.enum(["managed", "cluster"]) }).optional(),
        redis: redisConnection.extend({ placement: z.enum(["managed", "cluster"]) }).optional(),
    }),
    /** The logical backups and restore drills (CronJobs) per data service; no credentials. */
    backupJobs: z.object({
        /** The jobs' image (built or `estate:backup.jobs.image`); absent when no database is backed up. */
        image: z.string().optional(),
        services: z.record(
            z.string(),
            z.object({
                namespace: z.string(),
                backupCronJob: z.string(),
                backupSchedule: z.string(),
                drillCronJob: z.string(),
                drillSchedule: z.string(),
                serviceAccount: z.string(),
                /** The IRSA role, or else */
                iamRoleArn: z.string().optional(),
                /** the IAM user whose key the jobs use. */
                iamUserName: z.string().optional(),
                prefixes: z.array(z.string()),
            }),
        ),
    }),
    kubernetes: z.object({ namespaces: z.record(z.string(), z.string()), ingressClass: z.string(), clusterIssuer: z.string() }),
    monitoring: z.object({
        namespace: z.string(),
        prometheus: z.string(),
        alertmanager: z.string(),
        pushgateway: z.string(),
        receivers: z.array(z.string()),
        ruleGroups: z.array(z.string()),
    }),
    grafana: z.object({
        /** Where people open Grafana: `estate:grafana.url`, else the exposed host, else the in-cluster Service URL. */
        url: z.string().min(1),
        managed: z.boolean(),
        folder: z.string().optional(),
        dataSource: z.string().optional(),
        dashboards: z.record(z.string(), z.string()).optional(),
        note: z.string().optional(),
        inCluster: z.string(),
        host: z.string().optional(),
        adminUser: z.string(),
        /** Secret. */
        adminPassword: z.string(),
    }),
    errorTracking: z.object({
        managed: z.boolean(),
        organization: z.string().optional(),
        team: z.string().optional(),
        projects: z.record(z.string(), z.string()).optional(),
        note: z.string().optional(),
    }),
    /** Only in stacks with a managed database. */
    awsBackup: z
        .object({
            vaultName: z.string(),
            vaultArn: z.string(),
            kmsKeyArn: z.string(),
            planId: z.string(),
            planArn: z.string(),
            /** The role AWS Backup assumes: what an on-demand backup job (`npm run deploy-guard`) passes as `--iam-role-arn`. */
            roleArn: z.string().optional(),
            drVaultArn: z.string().optional(),
            restoreTestingPlanName: z.string().optional(),
            selectionTag: z.object({ key: z.string(), value: z.string() }).optional(),
        })
        .optional(),
    /**
     * Only in stacks with a managed database: the SNS topic its CloudWatch alarms publish to (subscribe
     * more receivers to it), the topic's key, and who it reaches (`pagerduty`, `slack`; empty: nobody).
     */
    databaseAlarms: z
        .object({
            topicArn: z.string(),
            kmsKeyArn: z.string(),
            receivers: z.array(z.enum(["pagerduty", "slack"])),
        })
        .optional(),
    /** Only in stacks that build their own cluster (`estate:cluster`). `kubeconfig` is a secret. */
    cluster: z
        .object({
            name: z.string(),
            version: z.string(),
            endpoint: z.string(),
            oidcProviderArn: z.string(),
            vpcId: z.string(),
            privateSubnetIds: z.array(z.string()),
            publicSubnetIds: z.array(z.string()),
            nodeRoleArn: z.string(),
            kubeconfig: z.string(),
            updateKubeconfig: z.string(),
        })
        .optional(),
});

/** The outputs of an estate stack, as `pulumi stack output --json --show-secrets` returns them. */
export type EstateOutputs = z.infer<typeof estateOutputsSchema>;
/** What one app consumes: `EstateOutputs["apps"][name]`. */
export type AppOutputs = z.infer<typeof appOutputs>;
export type ConnectionOutputs = z.infer<typeof connection>;
export type RotatingCredentialOutputs = z.infer<typeof rotatingCredential>;
export type RedisConnectionOutputs = z.infer<typeof redisConnection>;

/**
 * Refuses outputs of a version this reader does not know, with a message that says what to do.
 * Returns the version when it is this file's.
 */
export function checkOutputsVersion(outputs: unknown): { ok: true } | { ok: false; message: string } {
    const version = typeof outputs === "object" && outputs !== null ? (outputs as { outputsVersion?: unknown }).outputsVersion : undefined;
    if (version === OUTPUTS_VERSION) {
        return { ok: true };
    }
    if (version === undefined) {
        return { ok: false, message: `the outputs have no outputsVersion: they are not an estate stack's, or predate the contract (this reader knows version ${OUTPUTS_VERSION})` };
    }
    return {
        ok: false,
        message: `the outputs are version ${JSON.stringify(version)}; this reader knows version ${OUTPUTS_VERSION}` + (typeof version === "number" && version > OUTPUTS_VERSION ? ": update the reader" : ""),
    };
}

/** Whether an app's outputs carry credentials (then `npm run outputs` will not print them to a terminal unasked). */
export function hasSecrets(app: AppOutputs): boolean {
    return app.database !== undefined || app.mongo !== undefined || app.cache !== undefined || app.sentryDsn !== undefined;
}
