/**
 * The schema of the `estate:` stack config: every key, its type, its allowed values. Pure data and
 * zod; nothing here reads config (that is `infra/config.ts`).
 */
import { z } from "zod";
import { AWS_BACKUP_MAX_RETENTION_DAYS, VAULT_LOCK_MIN_CHANGEABLE_DAYS } from "../components/backup/objectives";
import { awsCronProblem, kubernetesCronProblem } from "../components/lib/cron";
import { cidrProblem } from "../components/data/cidr";
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
        "an AWS cron expression such as cron(0 8 15 * ? *) (minute hour day-of-month month day-of-week year, UTC)",
        awsCronProblem,
    );

/** A Kubernetes CronJob schedule such as `0 2 * * *` (UTC: the estate's CronJobs set `timeZone: Etc/UTC`). */
const kubernetesCron = () =>
    cron(
        "a Kubernetes cron schedule such as 0 2 * * * (minute hour day-of-month month day-of-week, UTC) or @daily",
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
    /** How long daily backups are kept, in days. */
    dailyDays: intRange(1, 3650),
    /** How long weekly backups are kept, in weeks. */
    weeklyWeeks: intRange(1, 520),
    /** How long monthly backups are kept, in months. */
    monthlyMonths: intRange(1, 1200),
    /** How long yearly backups are kept, in years. */
    yearlyYears: intRange(1, 100),
    },
    allowed("an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears"),
);

export const drSchema = z.strictObject(
    {
    /** Recovery point objective: the most data, in minutes, the estate may lose. */
    rpoMinutes: intRange(1, 10080),
    /** Recovery time objective: how long, in minutes, a restore may take. */
    rtoMinutes: intRange(1, 10080),
    /** A second AWS region for copies of backups; unset means no cross-region copy. */
    drRegion: region().optional(),
    retention: retentionSchema,
    },
    allowed("an object with rpoMinutes, rtoMinutes, retention and optionally drRegion"),
);

const vaultLockDescription = `false or { changeableForDays: an integer from ${VAULT_LOCK_MIN_CHANGEABLE_DAYS} to ${AWS_BACKUP_MAX_RETENTION_DAYS} }`;
const restoreTestingDescription = "false or { schedule: an AWS cron expression, startWindowHours: an integer from 1 to 168 }";

const backupVaultArnDescription = "a backup vault ARN such as arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies";

export const planSchema = z.strictObject(
    {
    /**
     * Copy every tier's recovery points, with the tier's retention, to this vault in a separate backup
     * account of the same AWS Organization, from a second backup plan (docs/backup-protection.md says
     * why, and what that account needs).
     */
    copyToAccount: z
        .strictObject(
            {
                vaultArn: z
                    .string(allowed(backupVaultArnDescription))
                    .regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$/, allowed(backupVaultArnDescription)),
            },
            allowed("an object with vaultArn"),
        )
        .optional(),
    /**
     * AWS Backup Vault Lock in compliance mode on the vaults: after `changeableForDays` (the
     * cooling-off, at least 3) nobody can delete the lock, the vault or a recovery point before its
     * retention ends. `false`: no lock.
     */
    vaultLock: z
        .union(
            [z.literal(false), z.strictObject({ changeableForDays: intRange(VAULT_LOCK_MIN_CHANGEABLE_DAYS, AWS_BACKUP_MAX_RETENTION_DAYS) })],
            allowed(vaultLockDescription),
        )
        .optional(),
    /** AWS Backup restore testing of the managed databases; `false` turns it off. Default: monthly. */
    restoreTesting: z
        .union(
            [z.literal(false), z.strictObject({ schedule: awsCron().optional(), startWindowHours: intRange(1, 168).optional() })],
            allowed(restoreTestingDescription),
        )
        .optional(),
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
    /** Create the CronJobs; default true. */
    enabled: bool().optional(),
    /** The backup CronJobs' schedule (Kubernetes cron, UTC); default daily at 02:00. */
    backupSchedule: kubernetesCron().optional(),
    /** The restore drills' schedule (Kubernetes cron, UTC); default monthly, the 15th at 05:00. */
    drillSchedule: kubernetesCron().optional(),
    /** A prebuilt backup image (pinned tag or digest); default: built from scripts/backup and pushed to ECR. */
    image: pinnedImage().optional(),
    /** SQL checks the Postgres drill runs in the restored database (`DRILL_SQL_CHECKS`). */
    drillSqlChecks: z
        .array(z.string(allowed(sqlCheckDescription)).regex(/^\s*(select|with)\b[^\n\r]*$/i, allowed("a single-line SELECT statement, such as SELECT count(*) > 0 FROM orders")), allowed(sqlCheckDescription))
        .optional(),
    /** The Prometheus Pushgateway the jobs push metrics to; default http://pushgateway.monitoring.svc:9091. */
    pushgatewayUrl: z.string(allowed(pushgatewayDescription)).regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, allowed(pushgatewayDescription)).optional(),
    /** IRSA: the cluster's IAM OIDC provider; unset, the jobs get an IAM user with an access key in a Secret. */
    oidcProviderArn: z.string(allowed(oidcProviderDescription)).regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[a-z0-9.-]+(\/[\w.-]+)*$/, allowed(oidcProviderDescription)).optional(),
    /** IRSA: the cluster's OIDC issuer; default the provider ARN's host and path. */
    oidcIssuer: z.string(allowed(oidcIssuerDescription)).regex(/^(https:\/\/)?[a-z0-9.-]+(\/[\w.-]+)*\/?$/, allowed(oidcIssuerDescription)).optional(),
    },
    allowed("an object with optionally enabled, backupSchedule, drillSchedule, image, drillSqlChecks, pushgatewayUrl, oidcProviderArn, oidcIssuer"),
);

export const backupSchema = z.strictObject(
    {
    /** Explicit S3 name of the backup bucket; default: a generated unique name. */
    bucketName: z
        .string(allowed("a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)"))
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, allowed("a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)"))
        .optional(),
    /** S3 Object Lock default retention; `false` turns it off. */
    objectLock: z
        .union(
            [
                z.literal(false),
                z.strictObject({
                    mode: z.enum(["GOVERNANCE", "COMPLIANCE"], allowed("one of GOVERNANCE, COMPLIANCE")),
                    days: intRange(1, 36500),
                }),
            ],
            allowed("false or { mode: GOVERNANCE | COMPLIANCE, days }"),
        )
        .optional(),
    /** Replicate backups to a bucket in `estate:dr.drRegion`. */
    replication: bool().optional(),
    /** S3 server access logging for the backup bucket. */
    accessLogging: bool().optional(),
    /**
     * The one IAM role that may delete or disable the keys of the managed data services and of the
     * AWS Backup vaults (their key policies deny it to everyone else). Requires `deployerRoleArns`.
     */
    breakGlassRoleArn: iamRoleArn("estate-break-glass").optional(),
    /** The IAM roles that run `pulumi up`: the only other principals that may change those key policies. */
    deployerRoleArns: z.array(iamRoleArn("estate-deployer"), allowed("a list of IAM role ARNs")).min(1, allowed("a non-empty list of IAM role ARNs")).optional(),
    /** AWS Backup of the managed databases (created only when a database is managed). */
    plan: planSchema.optional(),
    /** The backup and restore-drill CronJobs (logical dumps to the backup bucket). */
    jobs: backupJobsSchema.optional(),
    },
    allowed("an object"),
);

const replicasSchema = z
    .strictObject({ min: intRange(1, 1000), max: intRange(1, 1000) }, allowed("an object with min and max"))
    .refine((r) => r.min <= r.max, { error: "must have min <= max" });

export const serviceSchema = z.strictObject(
    {
    /** `web` services get an Ingress on the stack's domain; `worker`s are internal. */
    kind: z.enum(["web", "worker"], allowed("one of web, worker")),
    /** The image, with a pinned tag or digest; or set `buildContext` instead (exactly one of the two). */
    image: pinnedImage().optional(),
    /** A directory with a Dockerfile, relative to the project: the image is built and pushed to an ECR repository. */
    buildContext: nonEmptyString("a directory with a Dockerfile, such as apps/web").optional(),
    /** The Dockerfile, relative to `buildContext`; default `Dockerfile`. */
    dockerfile: nonEmptyString("a path such as Dockerfile or docker/prod.Dockerfile").optional(),
    /** The container port; required for web services. */
    port: port().optional(),
    /** The port serving `/metrics` and the health endpoint; default `port`. Required for workers without a port. */
    metricsPort: port().optional(),
    /** The HTTP path of the readiness and liveness probes; default `/healthz`. */
    healthPath: z.string(allowed("an HTTP path starting with /, such as /healthz")).regex(/^\/[\w\-./~%]*$/, allowed("an HTTP path starting with /, such as /healthz")).optional(),
    /** Host name of a web service; default `<service>.<domain>`. */
    host: hostname().optional(),
    /** Container command override. */
    command: z.array(nonEmptyString(), allowed("a list of strings")).optional(),
    /** Autoscaling bounds; default from the profile, by kind. */
    replicas: replicasSchema.optional(),
    cpu: cpuQuantity().optional(),
    memory: memoryQuantity().optional(),
    /** Plain (non-secret) environment variables. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, allowed("an environment variable name such as LOG_LEVEL")), z.string(allowed("a string"))).optional(),
    /** An IAM role for the service account (`eks.amazonaws.com/role-arn`). */
    iamRoleArn: iamRoleArn().optional(),
    },
    allowed("an object with kind, image or buildContext, and optionally port, metricsPort, healthPath, host, command, replicas, cpu, memory, env, iamRoleArn"),
);

/** How the program reaches the cluster. Both unset: the provider reads `$KUBECONFIG` (or `~/.kube/config`) and its current context. */
export const kubernetesSchema = z.strictObject(
    {
    /** The kubeconfig context to use; default the kubeconfig's current context. */
    context: nonEmptyString("a kubeconfig context name such as kind-estate").optional(),
    /** The contents of a kubeconfig file; a secret (`pulumi config set --secret --path estate:kubernetes.kubeconfig`). */
    kubeconfig: nonEmptyString("the contents of a kubeconfig file, set as a secret").optional(),
    },
    allowed("an object with optional context and kubeconfig"),
);

/** The cluster platform: certificates and ingress. */
export const platformSchema = z.strictObject(
    {
    /** The ClusterIssuer app Ingresses use: Let's Encrypt (staging or production, ACME HTTP-01) or the local self-signed CA. */
    issuer: z.enum(ISSUER_NAMES, allowed(`one of ${ISSUER_NAMES.join(", ")}`)),
    /** The ACME account email; required for the Let's Encrypt issuers. */
    acmeEmail: email().optional(),
    /** The IngressClass the ingress controller registers and app Ingresses use; default `traefik`. */
    ingressClass: dnsLabel("a lower-case DNS label such as traefik").optional(),
    /** Replicas of the platform's controllers (ingress controller, cert-manager); default from the profile. */
    replicas: intRange(1, 10).optional(),
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
    /** Share of requests answered 5xx (5 min rate) above which `EstateServiceErrorRatioHigh` fires, between 0 and 1. */
    errorRatio: numberRange("a number between 0 and 1 (exclusive), such as 0.05", { gt: 0, lt: 1 }),
    /** The 95th percentile request latency, in seconds (5 min), above which `EstateServiceLatencyHigh` fires. */
    latencyP95Seconds: numberRange("a number of seconds > 0 and <= 600, such as 0.5", { gt: 0, max: 600 }),
    /** Requests per second below which a web service's traffic counts as stopped (`EstateServiceTrafficLow`); 0 turns that alert off. */
    minRequestRate: numberRange("a number of requests per second >= 0 (0 turns the alert off)", { min: 0, max: 1_000_000 }),
    /** CPU used / CPU requested above which `EstateServiceCpuOverRequest` fires (1 = all of the request). */
    cpuRequestRatio: numberRange("a ratio > 0 and <= 10, such as 1", { gt: 0, max: 10 }),
    /** CPU used / CPU limit above which `EstateServiceCpuNearLimit` fires (only containers with a CPU limit). */
    cpuLimitRatio: numberRange("a ratio > 0 and <= 1, such as 0.9", { gt: 0, max: 1 }),
    /** Memory working set / memory requested above which `EstateServiceMemoryOverRequest` fires. */
    memoryRequestRatio: numberRange("a ratio > 0 and <= 10, such as 1", { gt: 0, max: 10 }),
    /** Memory working set / memory limit above which `EstateServiceMemoryNearLimit` fires (the OOM killer is next). */
    memoryLimitRatio: numberRange("a ratio > 0 and <= 1, such as 0.9", { gt: 0, max: 1 }),
    /** Minutes an autoscaler may run at its maximum before `EstateServiceAutoscalerAtMax` fires. */
    autoscalerMaxedMinutes: intRange(1, 1440),
    /** Days before a certificate's expiry at which `EstateCertificateExpiringSoon` fires. */
    certificateExpiryDays: intRange(1, 90),
    /** Container restarts within 15 minutes from which `EstateServiceCrashLooping` fires. */
    crashLoopRestarts: intRange(1, 100),
    },
    allowed("an object with errorRatio, latencyP95Seconds, minRequestRate, cpuRequestRatio, cpuLimitRatio, memoryRequestRatio, memoryLimitRatio, autoscalerMaxedMinutes, certificateExpiryDays, crashLoopRestarts"),
);

/** Prometheus, Alertmanager and the exporters in the `monitoring` namespace (kube-prometheus-stack). */
export const monitoringSchema = z.strictObject(
    {
    prometheus: z.strictObject(
        {
        /** How long Prometheus keeps samples, in days. */
        retentionDays: intRange(1, 3650),
        /** The size of each Prometheus replica's volume, in GiB (Prometheus also deletes old blocks at 85 % of it). */
        storageGb: intRange(2, 65536),
        /** CPU and memory requests of each Prometheus replica (the memory limit is the request). */
        cpu: cpuQuantity(),
        memory: memoryQuantity(),
        /** Prometheus replicas (each scrapes everything: an HA pair, not shards). */
        replicas: intRange(1, 5),
        },
        allowed("an object with retentionDays, storageGb, cpu, memory, replicas"),
    ),
    alertmanager: z.strictObject({ /** Alertmanager replicas (they gossip, so silences and notifications survive one). */ replicas: intRange(1, 5) }, allowed("an object with replicas")),
    /** The StorageClass of the monitoring volumes (Prometheus, Grafana, Pushgateway); default: the cluster's default class. */
    storageClass: dnsLabel("a StorageClass name such as gp3").optional(),
    /**
     * Run the node exporter (node CPU, memory, disk and filesystem metrics). It needs host access
     * (hostNetwork, hostPID, hostPath), so the `monitoring` namespace then enforces `privileged`
     * instead of `restricted` (list it in the policy config's `relaxed`). Default `false`.
     */
    nodeExporter: bool(),
    thresholds: alertThresholdsSchema,
    },
    allowed("an object with prometheus, alertmanager, nodeExporter, thresholds and optionally storageClass"),
);

/**
 * Where Alertmanager sends alerts. The credentials are secrets:
 * `pulumi config set --secret --path estate:alerting.slack.webhookUrl <url>`.
 */
export const alertingSchema = z.strictObject(
    {
    /** Every alert goes to this Slack channel. */
    slack: z
        .strictObject(
            {
            /** The channel, such as #shop-alerts. */
            channel: z.string(allowed("a Slack channel such as #shop-alerts")).regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, allowed("a Slack channel such as #shop-alerts")),
            /** The incoming webhook URL; a secret. */
            webhookUrl: nonEmptyString("a Slack incoming webhook URL, set as a secret").optional(),
            },
            allowed("an object with channel and webhookUrl (a secret)"),
        )
        .optional(),
    /** Critical alerts page through PagerDuty (every alert when Slack is not configured). */
    pagerduty: z
        .strictObject(
            {
            /** The Events API v2 integration (routing) key; a secret. */
            routingKey: nonEmptyString("a PagerDuty Events API v2 routing key, set as a secret").optional(),
            },
            allowed("an object with routingKey (a secret)"),
        )
        .optional(),
    },
    allowed("an object with optional slack and pagerduty"),
);

/** Grafana objects (folder, data source, dashboards, contact point, notification policy), managed once `url` is set. */
export const grafanaSchema = z.strictObject(
    {
    /** Where the Grafana API is reached from where `pulumi` runs; unset, no Grafana object is managed (first deployment). */
    url: httpUrl("https://grafana.example.com").optional(),
    /** An API token (service account token) or `user:password`; a secret. Default: the admin credentials the estate generated for its Grafana. */
    auth: nonEmptyString("a Grafana service account token or user:password, set as a secret").optional(),
    /** Serve the estate's Grafana on this host through the ingress controller, with TLS. Default: not exposed (kubectl port-forward). */
    host: hostname().optional(),
    },
    allowed("an object with optional url, auth (a secret), host"),
);

/** Sentry: a team, a project and a client key per app; managed once `organization` is set. */
export const sentrySchema = z.strictObject(
    {
    /** The organization slug; unset, no Sentry object is managed. */
    organization: slug("acme").optional(),
    /** The team that owns the projects; default `<project>-<stack>`, such as estate-prod. */
    team: slug("shop-prod").optional(),
    /** The Sentry API for a self-hosted Sentry, such as https://sentry.example.com/api/; default sentry.io. */
    baseUrl: httpUrl("https://sentry.example.com/api/").optional(),
    /** An auth token; a secret. Default: the SENTRY_AUTH_TOKEN environment variable. */
    token: nonEmptyString("a Sentry auth token, set as a secret").optional(),
    /** The projects' platform, such as node or python; default other. */
    platform: slug("node").optional(),
    /** How many events each client key may send per window, so an error storm cannot use up the quota. */
    rateLimit: z.strictObject(
        { count: intRange(1, 1_000_000), windowSeconds: intRange(60, 86400) },
        allowed("an object with count and windowSeconds (60 to 86400)"),
    ),
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
            /** The VPC the managed data services live in. */
            vpcId: awsId("vpc", "vpc-0123456789abcdef0"),
            /** Private subnets in at least two availability zones. */
            privateSubnetIds: z
                .array(awsId("subnet", "subnet-0123456789abcdef0"), allowed("a list of at least 2 private subnet ids"))
                .min(2, allowed("a list of at least 2 private subnet ids (in different availability zones)")),
            /** Security groups whose members may connect (the cluster's nodes or pods). */
            allowedSecurityGroupIds: z.array(awsId("sg", "sg-0123456789abcdef0"), allowed("a list of security group ids")).optional(),
            /** IPv4 CIDR blocks that may connect (e.g. the pod network); never 0.0.0.0/0. */
            allowedCidrBlocks: z.array(allowedCidr(), allowed("a list of IPv4 CIDR blocks")).optional(),
        },
        allowed("an object with vpcId, privateSubnetIds and allowedSecurityGroupIds and/or allowedCidrBlocks"),
    )
    .refine((n) => (n.allowedSecurityGroupIds?.length ?? 0) + (n.allowedCidrBlocks?.length ?? 0) > 0, {
        error: "must allow at least one source: allowedSecurityGroupIds or allowedCidrBlocks (nothing could connect otherwise)",
    });

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
            placement: placement(),
            /** PostgreSQL major version. */
            version: versionEnum(POSTGRES_VERSIONS),
            /** managed only: an RDS instance (`rds`) or an Aurora PostgreSQL cluster (`aurora`). */
            engine: z.enum(["rds", "aurora"], allowed("one of rds, aurora")).optional(),
            instanceClass: nonEmptyString("an RDS instance class such as db.r6g.large").optional(),
            storageGb: intRange(20, 65536).optional(),
            /** managed rds only: the storage autoscaling ceiling. */
            maxStorageGb: intRange(20, 65536).optional(),
            instances: intRange(1, 15).optional(),
            /**
             * managed only: the identifier of a database created before the estate named it
             * (`<name>-db-<random>` / `<name>-aurora-<random>`), so its log groups match it.
             */
            identifier: databaseIdentifier().optional(),
            /** cluster only: an IAM role for the instances' service account (EKS IRSA) to write backups with. */
            backupRoleArn: iamRoleArn("cnpg-backups").optional(),
        })
        .optional(),
    mongo: z
        .strictObject({
            placement: placement(),
            version: versionEnum(["4.0", "5.0", "8.0"], "one of 4.0, 5.0, 8.0 (DocumentDB-compatible MongoDB API versions)"),
            instanceClass: nonEmptyString("a DocumentDB instance class such as db.r6g.large").optional(),
            instances: intRange(1, 16).optional(),
            /** managed only: the identifier of a cluster created before the estate named it, so its log groups match it. */
            identifier: databaseIdentifier().optional(),
            /** cluster only: the data volume per member. */
            storageGb: intRange(1, 65536).optional(),
        })
        .optional(),
    redis: z
        .strictObject({
            placement: placement(),
            version: versionEnum(["6.2", "7.0", "7.1"]),
            nodeType: nonEmptyString("an ElastiCache node type such as cache.r7g.large").optional(),
            nodes: intRange(1, 6).optional(),
            /** cluster only: the volume per server. */
            storageGb: intRange(1, 65536).optional(),
        })
        .optional(),
    },
    allowed("an object with optional postgres, mongo, redis"),
);

/** Everything under the `estate:` namespace, after the profile's defaults are merged in. */
export const estateConfigSchema = z.strictObject({
    /** The environment profile whose defaults apply: dev or prod. */
    profile: z.enum(profileNames, allowed(`one of ${profileNames.join(", ")}`)),
    /** The DNS zone apps are served under. */
    domain: hostname(),
    /** `protect`/`retainOnDelete`, deletion protection and final snapshots on everything that holds data. */
    protectData: bool(),
    /** Tags added to every AWS resource. */
    tags: z.record(z.string(), z.string(allowed("a string"))).optional(),
    dr: drSchema,
    backup: backupSchema.optional(),
    services: z.record(z.string().regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, allowed("a lower-case DNS label")), serviceSchema).optional(),
    data: dataSchema.optional(),
    /** VPC, private subnets and allowed sources of the managed data services. */
    network: networkSchema.optional(),
    /** How the program reaches the Kubernetes cluster. */
    kubernetes: kubernetesSchema.optional(),
    /** The cluster platform: certificate issuer and ingress. */
    platform: platformSchema,
    /** Prometheus, Alertmanager, the exporters and the alert thresholds. */
    monitoring: monitoringSchema,
    /** Where alerts go. */
    alerting: alertingSchema.optional(),
    grafana: grafanaSchema.optional(),
    sentry: sentrySchema,
});

export type EstateConfig = z.infer<typeof estateConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
export type RetentionConfig = z.infer<typeof retentionSchema>;
export type DataConfig = z.infer<typeof dataSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type KubernetesConfig = z.infer<typeof kubernetesSchema>;
export type PlanConfig = z.infer<typeof planSchema>;
export type BackupJobsConfig = z.infer<typeof backupJobsSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
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
    dataDefaults: {
        postgres: { instances: number };
        mongo: { instances: number };
        redis: { nodes: number };
    };
}
