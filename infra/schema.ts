/**
 * The schema of the `estate:` stack config: every key, its type, its allowed values. Pure data and
 * zod; nothing here reads config (that is `infra/config.ts`).
 */
import { z } from "zod";
import { AWS_BACKUP_MAX_RETENTION_DAYS, VAULT_LOCK_MIN_CHANGEABLE_DAYS } from "../components/backup/objectives";
import { awsCronProblem, kubernetesCronProblem } from "../components/lib/cron";
import { AMI_TYPES, INSTANCE_TYPES } from "../components/cluster/node-groups";
import { vpcCidrProblem } from "../components/cluster/subnet-plan";
import { eksAddons } from "../components/lib/charts";
import { cidrProblem } from "../components/data/cidr";
import { LOG_RETENTION_DAYS } from "../components/data/logs";
import { DATABASE_IDENTIFIER } from "../components/data/naming";
import { ISSUER_NAMES } from "../components/k8s/issuers";
import { isPinnedImage } from "../components/lib/images";

/** Builds a zod error option whose message says what is allowed, or that the key is required. */
function allowed(description: string) {
    return {
        error: (issue: { input?: unknown }) =>
            issue.input === undefined ? `is required (${description})` : `must be ${description}`,
    };
}

const intRange = (min: number, max?: number) => {
    const description = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    const base = z.int(allowed(description)).min(min, allowed(description));
    return max === undefined ? base : base.max(max, allowed(description));
};

/**
 * Takes the number YAML makes of an unquoted value (`version: 16`, `cpu: 1`) as the string the key
 * holds. YAML reads `7.0` as the number 7, so an option equal to it as a number is taken as written
 * (`"7.0"`); any other number becomes its decimal string, which `schema` then judges.
 */
function numberAsString<T extends z.ZodType>(schema: T, options: readonly string[] = []) {
    return z.preprocess((value) => (typeof value === "number" ? (options.find((o) => Number(o) === value) ?? String(value)) : value), schema);
}

/** One of `values`, which are version numbers: an unquoted YAML number is taken too. */
const versionEnum = <const T extends readonly [string, ...string[]]>(values: T, description = `one of ${values.join(", ")}`) =>
    numberAsString(z.enum(values, allowed(description)), values);

const nonEmptyString = (description = "a non-empty string") => z.string(allowed(description)).min(1, allowed(description));
const bool = () => z.boolean(allowed("true or false"));

/** AWS region names such as `eu-west-1`, `us-gov-west-1`, `ap-southeast-4`. */
const region = () =>
    z.string(allowed("an AWS region such as eu-west-1")).regex(/^[a-z]{2}(-[a-z]+)+-\d$/, allowed("an AWS region such as eu-west-1"));

/** A string schema whose value `problem` (a cron validator) refuses, with what is allowed and what is wrong. */
const cron = (description: string, problem: (value: string) => string | undefined) =>
    z.string(allowed(description)).superRefine((value, ctx) => {
        const found = problem(value);
        if (found !== undefined) {
            ctx.addIssue({ code: "custom", message: `must be ${description}; this one ${found}`, input: value });
        }
    });

/** An AWS cron expression as AWS Backup takes it, such as `cron(0 8 15 * ? *)` (components/lib/cron.ts cites AWS's field ranges). */
const awsCron = () =>
    cron(
        "an AWS cron expression such as cron(0 8 15 * ? *): minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 1-7 (1 is Sunday), year 1970-2199, ? in exactly one day field, UTC",
        awsCronProblem,
    );

/** A Kubernetes CronJob schedule such as `0 2 * * *` (UTC: the estate's CronJobs set `timeZone: Etc/UTC`). */
const kubernetesCron = () =>
    cron(
        "a Kubernetes cron schedule such as 0 2 * * *: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6 (0 is Sunday), UTC; or @hourly, @daily, @weekly, @monthly, @yearly",
        kubernetesCronProblem,
    );

const hostname = () =>
    z
        .string(allowed("a DNS name such as example.com"))
        .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, allowed("a lower-case DNS name such as example.com"));

/** An image reference with a pinned tag or a digest; `latest` and untagged images are refused. */
const pinnedImage = () =>
    z
        .string(allowed("an image with a pinned tag or digest, such as ghcr.io/acme/web:1.4.2"))
        .refine(isPinnedImage, allowed("an image with a pinned tag or digest (not latest, not untagged), such as ghcr.io/acme/web:1.4.2"));

/** A DNS label (RFC 1123): lower-case letters, digits and hyphens, such as a Kubernetes name. */
const dnsLabel = (description = "a lower-case DNS label such as traefik") =>
    z.string(allowed(description)).regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, allowed(description));

const email = () =>
    z.string(allowed("an email address such as ops@example.com")).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, allowed("an email address such as ops@example.com"));

const port = () => intRange(1, 65535);

/** An IAM role ARN, for IRSA / EKS Pod Identity annotations on a service account. */
const iamRoleArn = (example = "shop-web") => {
    const description = `an IAM role ARN such as arn:aws:iam::123456789012:role/${example}`;
    return z.string(allowed(description)).regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/, allowed(description));
};

/** Kubernetes quantities: CPU such as `250m` or `1`, memory such as `512Mi` or `2Gi`. */
const cpuQuantity = () =>
    numberAsString(z.string(allowed("a CPU quantity such as 250m or 1")).regex(/^\d+(\.\d+)?m?$/, allowed("a CPU quantity such as 250m or 1")));
const memoryQuantity = () =>
    z.string(allowed("a memory quantity such as 512Mi or 2Gi")).regex(/^\d+(Ki|Mi|Gi|Ti)$/, allowed("a memory quantity such as 512Mi or 2Gi"));

export const profileNames = ["dev", "prod"] as const;
export type ProfileName = (typeof profileNames)[number];

export const retentionSchema = z.strictObject(
    {
    dailyDays: intRange(1, 3650).describe("How long daily backups are kept, in days."),
    weeklyWeeks: intRange(1, 520).describe("How long weekly backups are kept, in weeks."),
    monthlyMonths: intRange(1, 1200).describe("How long monthly backups are kept, in months."),
    yearlyYears: intRange(1, 100).describe("How long yearly backups are kept, in years."),
    },
    allowed("an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears"),
);

export const drSchema = z.strictObject(
    {
    rpoMinutes: intRange(1, 10080).describe("Recovery point objective: the most data, in minutes, the estate may lose."),
    rtoMinutes: intRange(1, 10080).describe("Recovery time objective: how long, in minutes, a restore may take."),
    drRegion: region().optional().describe("A second AWS region for copies of backups; unset means no cross-region copy."),
    retention: retentionSchema.describe("How long AWS Backup keeps each tier of recovery points (daily, weekly, monthly, yearly)."),
    },
    allowed("an object with rpoMinutes, rtoMinutes, retention and optionally drRegion"),
);

const vaultLockDescription = `false or { changeableForDays: an integer from ${VAULT_LOCK_MIN_CHANGEABLE_DAYS} to ${AWS_BACKUP_MAX_RETENTION_DAYS} }`;
const restoreTestingDescription = "false or { schedule: an AWS cron expression, startWindowHours: an integer from 1 to 168 }";

const backupVaultArnDescription = "a backup vault ARN such as arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies";

export const planSchema = z.strictObject(
    {
    copyToAccount: z
        .strictObject(
            {
                vaultArn: z
                    .string(allowed(backupVaultArnDescription))
                    .regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/, allowed(backupVaultArnDescription))
                    .describe("The ARN of the vault in the backup account, in the stack's own region (aws:region)."),
            },
            allowed("an object with vaultArn"),
        )
        .optional()
        .describe("Copy every tier's recovery points, with the tier's retention, to this vault in a separate backup account of the same AWS Organization, from a second backup plan (docs/backup-protection.md says why, and what that account needs)."),
    vaultLock: z
        .union(
            [z.literal(false), z.strictObject({ changeableForDays: intRange(VAULT_LOCK_MIN_CHANGEABLE_DAYS, AWS_BACKUP_MAX_RETENTION_DAYS).describe("The cooling-off in days: until it ends the lock can still be removed; after it, never.") })],
            allowed(vaultLockDescription),
        )
        .optional()
        .describe("AWS Backup Vault Lock in compliance mode on the vaults: after `changeableForDays` (the cooling-off, at least 3) nobody can delete the lock, the vault or a recovery point before its retention ends. `false`: no lock."),
    restoreTesting: z
        .union(
            [z.literal(false), z.strictObject({
                schedule: awsCron().optional().describe("When restore tests start (AWS cron, UTC); default monthly, `cron(0 8 15 * ? *)`."),
                startWindowHours: intRange(1, 168).optional().describe("Hours after the scheduled time within which the restore jobs must start; default 24."),
            })],
            allowed(restoreTestingDescription),
        )
        .optional()
        .describe("AWS Backup restore testing of the managed databases; `false` turns it off. Default: monthly."),
    },
    allowed("an object with optionally copyToAccount, vaultLock, restoreTesting"),
);

const sqlCheckDescription = "a list of single-line SELECT statements, such as SELECT count(*) > 0 FROM orders";
const oidcProviderDescription = "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const oidcIssuerDescription = "the cluster's OIDC issuer such as https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const pushgatewayDescription = "an http(s) URL of a host and optional port, such as http://pushgateway.monitoring.svc:9091";

/** The backup and restore-drill CronJobs of every data service (managed Redis excepted: ElastiCache refuses `redis-cli --rdb`). */
export const backupJobsSchema = z.strictObject(
    {
    enabled: bool().optional().describe("Create the CronJobs; default true."),
    backupSchedule: kubernetesCron().optional().describe("The backup CronJobs' schedule (Kubernetes cron, UTC); default daily at 02:00."),
    drillSchedule: kubernetesCron().optional().describe("The restore drills' schedule (Kubernetes cron, UTC); default monthly, the 15th at 05:00."),
    image: pinnedImage().optional().describe("A prebuilt backup image (pinned tag or digest); default: built from scripts/backup and pushed to ECR."),
    drillSqlChecks: z
        .array(z.string(allowed(sqlCheckDescription)).regex(/^\s*(select|with)\b[^\n\r]*$/i, allowed("a single-line SELECT statement, such as SELECT count(*) > 0 FROM orders")), allowed(sqlCheckDescription))
        .optional()
        .describe("SQL checks the Postgres drill runs in the restored database (`DRILL_SQL_CHECKS`)."),
    pushgatewayUrl: z.string(allowed(pushgatewayDescription)).regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, allowed(pushgatewayDescription)).optional().describe("The Prometheus Pushgateway the jobs push metrics to; default http://pushgateway.monitoring.svc:9091."),
    oidcProviderArn: z.string(allowed(oidcProviderDescription)).regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[a-z0-9.-]+(\/[\w.-]+)*$/, allowed(oidcProviderDescription)).optional().describe("IRSA: the cluster's IAM OIDC provider; unset, the jobs get an IAM user with an access key in a Secret."),
    oidcIssuer: z.string(allowed(oidcIssuerDescription)).regex(/^(https:\/\/)?[a-z0-9.-]+(\/[\w.-]+)*\/?$/, allowed(oidcIssuerDescription)).optional().describe("IRSA: the cluster's OIDC issuer; default the provider ARN's host and path."),
    },
    allowed("an object with optionally enabled, backupSchedule, drillSchedule, image, drillSqlChecks, pushgatewayUrl, oidcProviderArn, oidcIssuer"),
);

export const backupSchema = z.strictObject(
    {
    bucketName: z
        .string(allowed("a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)"))
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, allowed("a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)"))
        .optional()
        .describe("Explicit S3 name of the backup bucket; default: a generated unique name."),
    objectLock: z
        .union(
            [
                z.literal(false),
                z.strictObject({
                    mode: z.enum(["GOVERNANCE", "COMPLIANCE"], allowed("one of GOVERNANCE, COMPLIANCE")).describe("GOVERNANCE: principals with s3:BypassGovernanceRetention may still delete; COMPLIANCE: nobody can, the root user included."),
                    days: intRange(1, 36500).describe("How long each new object version is locked, in days."),
                }),
            ],
            allowed("false or { mode: GOVERNANCE | COMPLIANCE, days }"),
        )
        .optional()
        .describe("S3 Object Lock default retention; `false` turns it off."),
    replication: bool().optional().describe("Replicate backups to a bucket in `estate:dr.drRegion`."),
    accessLogging: bool().optional().describe("S3 server access logging for the backup bucket."),
    breakGlassRoleArn: iamRoleArn("estate-break-glass").optional().describe("The one IAM role that may delete or disable the keys of the managed data services and of the AWS Backup vaults (their key policies deny it to everyone else). Requires `deployerRoleArns`."),
    deployerRoleArns: z.array(iamRoleArn("estate-deployer"), allowed("a list of IAM role ARNs")).min(1, allowed("a non-empty list of IAM role ARNs")).optional().describe("The IAM roles that run `pulumi up`: the only other principals that may change those key policies."),
    plan: planSchema.optional().describe("AWS Backup of the managed databases (created only when a database is managed)."),
    jobs: backupJobsSchema.optional().describe("The backup and restore-drill CronJobs (logical dumps to the backup bucket)."),
    },
    allowed("an object"),
);

const replicasSchema = z
    .strictObject(
        {
            min: intRange(1, 1000).describe("The fewest replicas the autoscaler keeps."),
            max: intRange(1, 1000).describe("The most replicas the autoscaler runs."),
        },
        allowed("an object with min and max"),
    )
    .refine((r) => r.min <= r.max, { error: "must have min <= max" });

export const serviceSchema = z.strictObject(
    {
    kind: z.enum(["web", "worker"], allowed("one of web, worker")).describe("`web` services get an Ingress on the stack's domain; `worker`s are internal."),
    image: pinnedImage().optional().describe("The image, with a pinned tag or digest; or set `buildContext` instead (exactly one of the two)."),
    buildContext: nonEmptyString("a directory with a Dockerfile, such as apps/web").optional().describe("A directory with a Dockerfile, relative to the project: the image is built and pushed to an ECR repository."),
    dockerfile: nonEmptyString("a path such as Dockerfile or docker/prod.Dockerfile").optional().describe("The Dockerfile, relative to `buildContext`; default `Dockerfile`."),
    port: port().optional().describe("The container port; required for web services."),
    metricsPort: port().optional().describe("The port serving `/metrics` and the health endpoint; default `port`. Required for workers without a port."),
    healthPath: z.string(allowed("an HTTP path starting with /, such as /healthz")).regex(/^\/[\w\-./~%]*$/, allowed("an HTTP path starting with /, such as /healthz")).optional().describe("The HTTP path of the readiness and liveness probes; default `/healthz`."),
    host: hostname().optional().describe("Host name of a web service; default `<service>.<domain>`."),
    command: z.array(nonEmptyString(), allowed("a list of strings")).optional().describe("Container command override."),
    replicas: replicasSchema.optional().describe("Autoscaling bounds; default from the profile, by kind."),
    cpu: cpuQuantity().optional().describe("The container's CPU request; default from the profile, by kind."),
    memory: memoryQuantity().optional().describe("The container's memory request, also its memory limit; default from the profile, by kind."),
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, allowed("an environment variable name such as LOG_LEVEL")).meta({ title: "VAR" }), z.string(allowed("a string"))).optional().describe("Plain (non-secret) environment variables."),
    iamRoleArn: iamRoleArn().optional().describe("An IAM role for the service account (`eks.amazonaws.com/role-arn`)."),
    httpMetrics: z
        .boolean(allowed("true or false"))
        .optional()
        .describe(
            "Web services only: whether the app exports `http_requests_total` (with a `code` label) and the `http_request_duration_seconds` histogram on its metrics port: then it gets the app's own RED rules and alerts besides the edge's (Traefik's), and `EstateServiceAppMetricsAbsent` when they vanish while the edge sees its traffic. Default `true`; set `false` for an app that exports no such metrics (the edge still watches it).",
        ),
    migrate: z
        .array(nonEmptyString("a command word such as node"), allowed("a command as a list of strings, such as [node, dist/migrate.js]"))
        .min(1, allowed("a command as a list of strings, such as [node, dist/migrate.js]"))
        .optional()
        .describe("A schema migration command, run with the app's image and environment as a Job before each new release rolls out, after a fresh dump of the app's databases; a failed migration stops the rollout."),
    },
    allowed("an object with kind, image or buildContext, and optionally port, metricsPort, healthPath, host, command, replicas, cpu, memory, env, iamRoleArn, httpMetrics, migrate"),
);

/** How the program reaches the cluster. Both unset: the provider reads `$KUBECONFIG` (or `~/.kube/config`) and its current context. */
export const kubernetesSchema = z.strictObject(
    {
    context: nonEmptyString("a kubeconfig context name such as kind-estate").optional().describe("The kubeconfig context to use; default the kubeconfig's current context."),
    kubeconfig: nonEmptyString("the contents of a kubeconfig file, set as a secret").optional().describe("The contents of a kubeconfig file; a secret (`pulumi config set --secret --path estate:kubernetes.kubeconfig`)."),
    },
    allowed("an object with optional context and kubeconfig"),
);

/** The cluster platform: certificates and ingress. */
export const platformSchema = z.strictObject(
    {
    issuer: z.enum(ISSUER_NAMES, allowed(`one of ${ISSUER_NAMES.join(", ")}`)).describe("The ClusterIssuer app Ingresses use: Let's Encrypt (staging or production, ACME HTTP-01) or the local self-signed CA."),
    acmeEmail: email().optional().describe("The ACME account email; required for the Let's Encrypt issuers."),
    ingressClass: dnsLabel("a lower-case DNS label such as traefik").optional().describe("The IngressClass the ingress controller registers and app Ingresses use; default `traefik`."),
    replicas: intRange(1, 10).optional().describe("Replicas of the platform's controllers (ingress controller, cert-manager); default from the profile."),
    },
    allowed("an object with issuer and optionally acmeEmail, ingressClass, replicas"),
);

/** A number in a range, with the range in the message: `gt`/`lt` exclusive, `min`/`max` inclusive. */
const numberRange = (description: string, bounds: { gt?: number; min?: number; lt?: number; max?: number }) => {
    let schema = z.number(allowed(description));
    if (bounds.gt !== undefined) schema = schema.gt(bounds.gt, allowed(description));
    if (bounds.min !== undefined) schema = schema.min(bounds.min, allowed(description));
    if (bounds.lt !== undefined) schema = schema.lt(bounds.lt, allowed(description));
    if (bounds.max !== undefined) schema = schema.max(bounds.max, allowed(description));
    return schema;
};

/** An http(s) URL such as https://grafana.example.com. */
const httpUrl = (example: string) =>
    z.string(allowed(`an http(s) URL such as ${example}`)).regex(/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/, allowed(`an http(s) URL such as ${example}`));

/** A Sentry slug: lower-case letters, digits, hyphens and underscores. */
const slug = (example: string) =>
    z.string(allowed(`a slug such as ${example}`)).regex(/^[a-z0-9][a-z0-9_-]{0,49}$/, allowed(`a slug (lower-case letters, digits, - and _) such as ${example}`));

/**
 * Alert thresholds: where the generated Prometheus rules fire. The profile sets every one; a stack
 * overrides any of them (`estate:monitoring.thresholds.errorRatio: 0.01`).
 */
export const alertThresholdsSchema = z.strictObject(
    {
    errorRatio: numberRange("a number between 0 and 1 (exclusive), such as 0.05", { gt: 0, lt: 1 }).describe("Share of requests answered 5xx (5 min rate) above which `EstateServiceEdgeErrorRatioHigh` (at the ingress controller) and `EstateServiceErrorRatioHigh` (the app's own metrics) fire, between 0 and 1."),
    latencyP95Seconds: numberRange("a number of seconds > 0 and <= 600, such as 0.5", { gt: 0, max: 600 }).describe("The 95th percentile request latency, in seconds (5 min), above which `EstateServiceEdgeLatencyHigh` (at the ingress controller) and `EstateServiceLatencyHigh` (the app's own metrics) fire."),
    minRequestRate: numberRange("a number of requests per second >= 0 (0 turns the alert off)", { min: 0, max: 1_000_000 }).describe("Requests per second (seen at the ingress controller) below which a web service's traffic counts as stopped (`EstateServiceEdgeTrafficLow`); 0 turns that alert off."),
    cpuRequestRatio: numberRange("a ratio > 0 and <= 10, such as 1", { gt: 0, max: 10 }).describe("CPU used / CPU requested above which `EstateServiceCpuOverRequest` fires (1 = all of the request)."),
    memoryRequestRatio: numberRange("a ratio > 0 and <= 10, such as 1", { gt: 0, max: 10 }).describe("Memory working set / memory requested above which `EstateServiceMemoryOverRequest` fires."),
    memoryLimitRatio: numberRange("a ratio > 0 and <= 1, such as 0.9", { gt: 0, max: 1 }).describe("Memory working set / memory limit above which `EstateServiceMemoryNearLimit` fires (the OOM killer is next)."),
    autoscalerMaxedMinutes: intRange(1, 1440).describe("Minutes an autoscaler may run at its maximum before `EstateServiceAutoscalerAtMax` fires."),
    certificateExpiryDays: intRange(1, 90).describe("Days before a certificate's expiry at which `EstateCertificateExpiringSoon` fires."),
    crashLoopRestarts: intRange(1, 100).describe("Container restarts within 15 minutes from which `EstateServiceCrashLooping` fires."),
    },
    allowed("an object with errorRatio, latencyP95Seconds, minRequestRate, cpuRequestRatio, memoryRequestRatio, memoryLimitRatio, autoscalerMaxedMinutes, certificateExpiryDays, crashLoopRestarts"),
);

/**
 * Where the databases' alerts fire: the Prometheus rules of the in-cluster databases and the
 * CloudWatch alarms of the managed ones read the same thresholds; what depends on the size of a
 * database (its memory, its connection limit, its storage) is derived from its instance class or
 * volume, and replication lag from the RPO (`estate:dr.rpoMinutes`).
 */
export const databaseThresholdsSchema = z.strictObject(
    {
    connectionsRatio: numberRange("a ratio > 0 and < 1, such as 0.8", { gt: 0, lt: 1 }).describe("Connections in use / the database's connection limit (derived from its instance class or its server setting) above which the connection alerts fire."),
    freeStorageRatio: numberRange("a ratio > 0 and < 1, such as 0.1", { gt: 0, lt: 1 }).describe("Free storage / allocated storage below which the storage alerts fire (a volume in the cluster, an RDS instance's allocated storage)."),
    storageFullHours: intRange(1, 720).describe("Hours ahead of which a storage-filling prediction fires: the volume, at the growth of the last 6 hours, is full within this many hours."),
    cpuRatio: numberRange("a ratio > 0 and <= 1, such as 0.9", { gt: 0, max: 1 }).describe("CPU utilisation (0-1) of a managed database instance or cache node above which its CPU alarm fires (Redis: the engine's thread)."),
    freeMemoryRatio: numberRange("a ratio > 0 and < 1, such as 0.1", { gt: 0, lt: 1 }).describe("Freeable memory / the instance class's memory below which the memory alarm of a managed database or cache fires."),
    replicationLagRpoShare: numberRange("a ratio > 0 and <= 1, such as 0.5", { gt: 0, max: 1 }).describe("Replication lag, as a share of the RPO (`estate:dr.rpoMinutes`), above which the replica-lag alerts fire: a failover then would lose that much of the RPO."),
    },
    allowed("an object with connectionsRatio, freeStorageRatio, storageFullHours, cpuRatio, freeMemoryRatio, replicationLagRpoShare"),
);

/** Prometheus, Alertmanager and the exporters in the `monitoring` namespace (kube-prometheus-stack). */
export const monitoringSchema = z.strictObject(
    {
    prometheus: z
        .strictObject(
        {
        retentionDays: intRange(1, 3650).describe("How long Prometheus keeps samples, in days."),
        storageGb: intRange(2, 65536).describe("The size of each Prometheus replica's volume, in GiB (Prometheus also deletes old blocks at 85 % of it)."),
        cpu: cpuQuantity().describe("The CPU request of each Prometheus replica."),
        memory: memoryQuantity().describe("The memory request of each Prometheus replica, also its memory limit."),
        replicas: intRange(1, 5).describe("Prometheus replicas (each scrapes everything: an HA pair, not shards)."),
        },
        allowed("an object with retentionDays, storageGb, cpu, memory, replicas"),
        )
        .describe("Prometheus, which scrapes the apps, the data services and the cluster."),
    alertmanager: z
        .strictObject(
            { replicas: intRange(1, 5).describe("Alertmanager replicas (they gossip, so silences and notifications survive one).") },
            allowed("an object with replicas"),
        )
        .describe("Alertmanager, which routes the alerts to `estate:alerting`'s receivers."),
    storageClass: dnsLabel("a StorageClass name such as gp3").optional().describe("The StorageClass of the monitoring volumes (Prometheus, Grafana, Pushgateway); default: the cluster's default class."),
    nodeExporter: bool().describe("Run the node exporter (node CPU, memory, disk and filesystem metrics). It needs host access (hostNetwork, hostPID, hostPath), so the `monitoring` namespace then enforces `privileged` instead of `restricted` (list it in the policy config's `relaxed`). Default `false`."),
    thresholds: alertThresholdsSchema.describe("Where the generated alert rules fire; the profile sets every one, a stack overrides any."),
    databases: databaseThresholdsSchema.describe("Where the databases' alerts fire (Prometheus rules in the cluster, CloudWatch alarms on AWS); the profile sets every one, a stack overrides any."),
    },
    allowed("an object with prometheus, alertmanager, nodeExporter, thresholds, databases and optionally storageClass"),
);

/**
 * Where Alertmanager sends alerts. The credentials are secrets:
 * `pulumi config set --secret --path estate:alerting.slack.webhookUrl <url>`.
 */
export const alertingSchema = z.strictObject(
    {
    slack: z
        .strictObject(
            {
            channel: z.string(allowed("a Slack channel such as #shop-alerts")).regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, allowed("a Slack channel such as #shop-alerts")).describe("The channel, such as #shop-alerts."),
            webhookUrl: nonEmptyString("a Slack incoming webhook URL, set as a secret").optional().describe("The incoming webhook URL; a secret."),
            teamId: z.string(allowed("a Slack workspace (team) id such as T07EA123LEP")).regex(/^[A-Z0-9]{9,15}$/, allowed("a Slack workspace (team) id such as T07EA123LEP")).optional().describe("The Slack workspace (team) id AWS Chatbot is authorised for (once, in the AWS Chatbot console): the managed databases' CloudWatch alarms reach the channel through AWS Chatbot. Unset: they do not reach Slack."),
            channelId: z.string(allowed("a Slack channel id such as C07EZ1ABC23")).regex(/^[A-Z0-9]{9,15}$/, allowed("a Slack channel id such as C07EZ1ABC23")).optional().describe("The id of the same channel (Slack: channel details, or the end of the channel's link), for AWS Chatbot; with `teamId`."),
            },
            allowed("an object with channel, webhookUrl (a secret) and optionally teamId and channelId (AWS Chatbot)"),
        )
        .optional()
        .describe("Every alert goes to this Slack channel; the managed databases' CloudWatch alarms too, once teamId and channelId are set."),
    pagerduty: z
        .strictObject(
            {
            routingKey: nonEmptyString("a PagerDuty Events API v2 routing key, set as a secret").optional().describe("The Events API v2 integration (routing) key; a secret."),
            cloudwatchIntegrationKey: nonEmptyString("the integration key of a PagerDuty Amazon CloudWatch integration, set as a secret")
                .optional()
                .describe("The integration key of an \"Amazon CloudWatch\" integration on the same PagerDuty service (not the Events API v2 key): every CloudWatch alarm of the managed databases pages through it. A secret. Unset: those alarms page nobody."),
            },
            allowed("an object with routingKey and cloudwatchIntegrationKey (secrets)"),
        )
        .optional()
        .describe("Critical alerts page through PagerDuty (every alert when Slack is not configured); so do the managed databases' CloudWatch alarms, once cloudwatchIntegrationKey is set."),
    },
    allowed("an object with optional slack and pagerduty"),
);

/** Grafana objects (folder, data source, dashboards, contact point, notification policy), managed once `url` is set. */
export const grafanaSchema = z.strictObject(
    {
    url: httpUrl("https://grafana.example.com").optional().describe("Where the Grafana API is reached from where `pulumi` runs; unset, no Grafana object is managed (first deployment)."),
    auth: nonEmptyString("a Grafana service account token or user:password, set as a secret").optional().describe("An API token (service account token) or `user:password`; a secret. Default: the admin credentials the estate generated for its Grafana."),
    host: hostname().optional().describe("Serve the estate's Grafana on this host through the ingress controller, with TLS. Default: not exposed (kubectl port-forward)."),
    },
    allowed("an object with optional url, auth (a secret), host"),
);

/** Sentry: a team, a project and a client key per app; managed once `organization` is set. */
export const sentrySchema = z.strictObject(
    {
    organization: slug("acme").optional().describe("The organization slug; unset, no Sentry object is managed."),
    team: slug("shop-prod").optional().describe("The team that owns the projects; default `<project>-<stack>`, such as estate-prod."),
    baseUrl: httpUrl("https://sentry.example.com/api/").optional().describe("The Sentry API for a self-hosted Sentry, such as https://sentry.example.com/api/; default sentry.io."),
    token: nonEmptyString("a Sentry auth token, set as a secret").optional().describe("An auth token; a secret. Default: the SENTRY_AUTH_TOKEN environment variable."),
    platform: slug("node").optional().describe("The projects' platform, such as node or python; default other."),
    rateLimit: z.strictObject(
        {
            count: intRange(1, 1_000_000).describe("Events a client key may send per window."),
            windowSeconds: intRange(60, 86400).describe("The window, in seconds."),
        },
        allowed("an object with count and windowSeconds (60 to 86400)"),
    ).describe("How many events each client key may send per window, so an error storm cannot use up the quota."),
    },
    allowed("an object with rateLimit and optionally organization, team, baseUrl, token (a secret), platform"),
);

const placement = () => z.enum(["managed", "cluster"], allowed("one of managed, cluster"));

/** An AWS resource id such as `vpc-0123456789abcdef0`. */
const awsId = (prefix: string, example: string) => {
    const description = `an id such as ${example}`;
    return z.string(allowed(description)).regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), allowed(description));
};

/** An IPv4 CIDR block a data service may admit: never a /0, at most a /8. */
const allowedCidr = () =>
    z.string(allowed("an IPv4 CIDR block such as 10.0.0.0/16")).superRefine((value, ctx) => {
        const problem = cidrProblem(value);
        if (problem) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });

export const networkSchema = z
    .strictObject(
        {
            vpcId: awsId("vpc", "vpc-0123456789abcdef0").describe("The VPC the managed data services live in."),
            privateSubnetIds: z
                .array(awsId("subnet", "subnet-0123456789abcdef0"), allowed("a list of at least 2 private subnet ids"))
                .min(2, allowed("a list of at least 2 private subnet ids (in different availability zones)")).describe("Private subnets in at least two availability zones."),
            allowedSecurityGroupIds: z.array(awsId("sg", "sg-0123456789abcdef0"), allowed("a list of security group ids")).optional().describe("Security groups whose members may connect (the cluster's nodes or pods)."),
            allowedCidrBlocks: z.array(allowedCidr(), allowed("a list of IPv4 CIDR blocks")).optional().describe("IPv4 CIDR blocks that may connect (e.g. the pod network); never 0.0.0.0/0."),
        },
        allowed("an object with vpcId, privateSubnetIds and allowedSecurityGroupIds and/or allowedCidrBlocks"),
    )
    .refine((n) => (n.allowedSecurityGroupIds?.length ?? 0) + (n.allowedCidrBlocks?.length ?? 0) > 0, {
        error: "must allow at least one source: allowedSecurityGroupIds or allowedCidrBlocks (nothing could connect otherwise)",
    });

/** An IPv4 CIDR block of the estate's own VPC: the rule the Network component applies (components/cluster/subnet-plan.ts). */
const vpcCidr = () =>
    z.string(allowed("a private IPv4 CIDR block from /16 to /20 such as 10.0.0.0/16")).superRefine((value, ctx) => {
        const problem = vpcCidrProblem(value);
        if (problem) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });

/** A CIDR block allowed to reach the EKS API's public endpoint: never the whole internet. */
const publicAccessCidr = () => {
    const description = "an IPv4 CIDR block such as 203.0.113.0/24 (never 0.0.0.0/0: the API would be open to the internet)";
    return z.string(allowed(description)).superRefine((value, ctx) => {
        if (!/^(\d{1,3}\.){3}\d{1,3}\/(3[0-2]|[12]?\d)$/.test(value) || value.split(/[./]/).slice(0, 4).some((o) => Number(o) > 255) || value.endsWith("/0")) {
            ctx.addIssue({ code: "custom", message: `must be ${description}`, input: value });
        }
    });
};

/** The Kubernetes versions the estate pins add-ons for (components/lib/charts.ts `eksAddons`). */
const KUBERNETES_VERSIONS = Object.keys(eksAddons).sort() as [string, ...string[]];
/** The instance types whose capacity the node sizing knows (components/cluster/node-groups.ts). */
const NODE_INSTANCE_TYPES = Object.keys(INSTANCE_TYPES) as [string, ...string[]];

/**
 * `estate:cluster`: the estate builds its own VPC, EKS cluster, nodes and add-ons (opt-in). Then
 * `estate:network` is derived from the VPC and `estate:kubernetes` from the cluster, so neither is set.
 */
export const clusterSchema = z.strictObject(
    {
        name: z
            .string(allowed("an EKS cluster name: a letter, then up to 99 letters, digits, hyphens or underscores"))
            .regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/, allowed("an EKS cluster name: a letter, then up to 99 letters, digits, hyphens or underscores"))
            .optional()
            .describe("The EKS cluster's name; default `<project>-<stack>`."),
        version: versionEnum(KUBERNETES_VERSIONS, `one of ${KUBERNETES_VERSIONS.join(", ")} (the versions the estate pins the EKS add-ons for)`)
            .optional()
            .describe("The Kubernetes version; default the estate's pin (docs/cluster.md). The add-ons are pinned for it."),
        vpcCidr: vpcCidr().optional().describe("The VPC's IPv4 block; default `10.0.0.0/16`. Pods take VPC addresses (the VPC CNI), so the private subnets are large."),
        zones: intRange(2, 3).optional().describe("Availability zones the VPC, the control plane and the nodes span; default 3."),
        natGateways: z.enum(["perZone", "single"], allowed("one of perZone, single")).optional().describe("A NAT gateway per zone (a zone's outage leaves the others their egress) or a single one (cheaper); default from the profile."),
        publicAccessCidrs: z.array(publicAccessCidr(), allowed("a list of IPv4 CIDR blocks")).optional().describe("Who may reach the cluster API's public endpoint; default none (private endpoint only: run `pulumi up` from inside the VPC or through a VPN)."),
        adminRoleArns: z.array(iamRoleArn("estate-deployer"), allowed("a list of IAM role ARNs")).optional().describe("IAM roles given cluster-admin through EKS access entries (authentication mode API); the role that runs `pulumi up` must be one."),
        viewerRoleArns: z.array(iamRoleArn("estate-preview"), allowed("a list of IAM role ARNs")).optional().describe("IAM roles given read-only access to the cluster (`AmazonEKSAdminViewPolicy`), such as the bootstrap's preview role."),
        flowLogRetentionDays: z
            .literal(LOG_RETENTION_DAYS, allowed(`one of the retention periods CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(", ")})`))
            .optional()
            .describe("Days the VPC flow logs are kept in CloudWatch Logs; default 365."),
        nodes: z
            .strictObject(
                {
                    amiType: z.enum(AMI_TYPES, allowed(`one of ${AMI_TYPES.join(", ")}`)).optional().describe("The managed node groups' AMI type; default `AL2023_x86_64_STANDARD`."),
                    instanceType: z.enum(NODE_INSTANCE_TYPES, allowed(`one of ${NODE_INSTANCE_TYPES.join(", ")}`)).optional().describe("The nodes' instance type; default `m7i.large`. An ARM type (`m7g`) needs an `_ARM_64` amiType."),
                    minPerZone: intRange(1, 100).optional().describe("Nodes per zone at least; default 1."),
                    maxPerZone: intRange(1, 100).optional().describe("Nodes per zone at most; default what lets every app's autoscaler reach its maximum."),
                    diskGb: intRange(20, 16384).optional().describe("The nodes' root volume (gp3, encrypted) in GiB; default 50."),
                },
                allowed("an object with optional amiType, instanceType, minPerZone, maxPerZone, diskGb"),
            )
            .optional()
            .describe("The managed node groups, one per zone."),
    },
    allowed("an object with optional name, version, vpcCidr, zones, natGateways, publicAccessCidrs, adminRoleArns, viewerRoleArns, flowLogRetentionDays, nodes"),
);

/** An RDS or DocumentDB identifier (the pattern the components check). */
const databaseIdentifier = () => {
    const description = "an RDS/DocumentDB identifier such as postgres-db-0c5f1e2a: a lower-case letter, then letters, digits or single hyphens, at most 63";
    return z.string(allowed(description)).regex(DATABASE_IDENTIFIER, allowed(description));
};

/** The PostgreSQL majors `estate:data.postgres.version` takes. */
export const POSTGRES_VERSIONS = ["14", "15", "16", "17"] as const;

export const dataSchema = z.strictObject(
    {
    postgres: z
        .strictObject({
            placement: placement().describe("`managed`: Amazon RDS or Aurora PostgreSQL in `estate:network`; `cluster`: CloudNativePG in the Kubernetes cluster."),
            version: versionEnum(POSTGRES_VERSIONS).describe("PostgreSQL major version."),
            engine: z.enum(["rds", "aurora"], allowed("one of rds, aurora")).optional().describe("managed only: an RDS instance (`rds`) or an Aurora PostgreSQL cluster (`aurora`)."),
            instanceClass: nonEmptyString("an RDS instance class such as db.r6g.large").optional().describe("managed only: the instance class of every instance; default `db.r6g.large`."),
            storageGb: intRange(20, 65536).optional().describe("The allocated storage in GiB: managed rds only (default 100; Aurora storage grows by itself), or the volume per instance in the cluster (default 20)."),
            maxStorageGb: intRange(20, 65536).optional().describe("managed rds only: the storage autoscaling ceiling."),
            instances: intRange(1, 15).optional().describe("Instances: managed rds 1 or 2 (2 = Multi-AZ with a standby), aurora 1 to 15 (a writer and readers), cluster 1 to 9 (a primary and streaming replicas); default from the profile."),
            identifier: databaseIdentifier().optional().describe("managed only: the identifier of a database created before the estate named it (`<name>-db-<random>` / `<name>-aurora-<random>`), so its log groups match it."),
            backupRoleArn: iamRoleArn("cnpg-backups").optional().describe("cluster only: an IAM role for the instances' service account (EKS IRSA) to write backups with."),
        })
        .optional()
        .describe("A PostgreSQL database for the apps."),
    mongo: z
        .strictObject({
            placement: placement().describe("`managed`: Amazon DocumentDB in `estate:network`; `cluster`: a MongoDB replica set in the Kubernetes cluster."),
            version: versionEnum(["4.0", "5.0", "8.0"], "one of 4.0, 5.0, 8.0 (DocumentDB-compatible MongoDB API versions)").describe("The MongoDB API version (DocumentDB's engine version when managed); 4.0 is managed only."),
            instanceClass: nonEmptyString("a DocumentDB instance class such as db.r6g.large").optional().describe("managed only: the instance class; default `db.r6g.large`."),
            instances: intRange(1, 16).optional().describe("Instances: managed 1 to 16 (a primary and replicas), cluster 1 to 7 replica set members; default from the profile."),
            identifier: databaseIdentifier().optional().describe("managed only: the identifier of a cluster created before the estate named it, so its log groups match it."),
            storageGb: intRange(1, 65536).optional().describe("cluster only: the data volume per member."),
        })
        .optional()
        .describe("A MongoDB database (DocumentDB when managed) for the apps."),
    redis: z
        .strictObject({
            placement: placement().describe("`managed`: Amazon ElastiCache in `estate:network`; `cluster`: Redis with Sentinel in the Kubernetes cluster."),
            version: versionEnum(["6.2", "7.0", "7.1"]).describe("The Redis version."),
            nodeType: nonEmptyString("an ElastiCache node type such as cache.r7g.large").optional().describe("managed only: the node type; default `cache.r7g.large`."),
            nodes: intRange(1, 6).optional().describe("Nodes, a primary and replicas (managed: 2 or more turn on automatic failover and Multi-AZ; cluster: each with a Sentinel); default from the profile."),
            storageGb: intRange(1, 65536).optional().describe("cluster only: the volume per server."),
        })
        .optional()
        .describe("A Redis cache for the apps."),
    },
    allowed("an object with optional postgres, mongo, redis"),
);

/** Everything under the `estate:` namespace, after the profile's defaults are merged in. */
export const estateConfigSchema = z.strictObject({
    profile: z.enum(profileNames, allowed(`one of ${profileNames.join(", ")}`)).describe("The environment profile whose defaults apply (`stacks/<profile>.ts`)."),
    domain: hostname().describe("The DNS zone apps are served under."),
    protectData: bool().describe("`protect`/`retainOnDelete`, deletion protection and final snapshots on everything that holds data."),
    tags: z.record(z.string().meta({ title: "tag" }), z.string(allowed("a string"))).optional().describe("Tags added to every AWS resource."),
    dr: drSchema.describe("Disaster recovery: the recovery objectives, the DR region, and how long backups are kept."),
    backup: backupSchema.optional().describe("The backup bucket, its protection, AWS Backup of the managed databases, and the backup and restore-drill CronJobs."),
    services: z
        .record(z.string().regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, allowed("a lower-case DNS label")).meta({ title: "name" }), serviceSchema)
        .optional()
        .describe("The apps, by name (a lower-case DNS label): each a Deployment with a Service, autoscaling and probes; `web` ones also an Ingress."),
    data: dataSchema.optional().describe("The data services the apps use: PostgreSQL, MongoDB and Redis, each managed on AWS or in the cluster."),
    cluster: clusterSchema.optional().describe("Build the VPC, the EKS cluster, its nodes and add-ons (opt-in); `estate:network` and `estate:kubernetes` are then derived."),
    network: networkSchema.optional().describe("VPC, private subnets and allowed sources of the managed data services (an existing VPC); derived when `estate:cluster` is set."),
    kubernetes: kubernetesSchema.optional().describe("How the program reaches an existing Kubernetes cluster; derived when `estate:cluster` is set."),
    platform: platformSchema.describe("The cluster platform: certificate issuer and ingress."),
    monitoring: monitoringSchema.describe("Prometheus, Alertmanager, the exporters and the alert thresholds."),
    alerting: alertingSchema.optional().describe("Where alerts go."),
    grafana: grafanaSchema.optional().describe("The Grafana objects the estate manages (folder, data source, dashboards, alerting) and where Grafana is served."),
    sentry: sentrySchema.describe("Error tracking in Sentry: a team, and a project and client key per app."),
});

export type EstateConfig = z.infer<typeof estateConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type DataConfig = z.infer<typeof dataSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
export type PlanConfig = z.infer<typeof planSchema>;
export type BackupJobsConfig = z.infer<typeof backupJobsSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export type DatabaseThresholds = z.infer<typeof databaseThresholdsSchema>;
export type AlertThresholds = z.infer<typeof alertThresholdsSchema>;

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Defaults an environment profile contributes, in the same shape as the config. */
export interface Profile {
    /** Config defaults, overridden key by key by the stack's own config. */
    config: DeepPartial<Omit<EstateConfig, "profile">>;
    /** Per-kind service defaults, applied to each service that does not set the field itself. */
    serviceDefaults: Record<ServiceConfig["kind"], Required<Pick<ServiceConfig, "replicas" | "cpu" | "memory">>>;
    /**
     * Per data service defaults that fit both placements, applied to each service the stack declares
     * (a profile cannot declare a data service itself: it has no placement to choose).
     */
    /** Defaults of `estate:cluster`, applied only when a stack sets that key (the cluster is opt-in). */
    clusterDefaults: { natGateways: "perZone" | "single" };
    dataDefaults: {
        postgres: { instances: number };
        mongo: { instances: number };
        redis: { nodes: number };
    };
}
