/**
 * The one place that reads Pulumi config. It validates every `estate:` key against
 * `infra/schema.ts`, merges the chosen profile's defaults from `stacks/`, and hands the rest of the
 * program one typed, fully defaulted `EstateSpec`. All problems are reported together, each naming
 * its full key path and what is allowed; nothing is registered before the config is valid.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LOGICAL_BACKUP_SCHEDULE, RESTORE_DRILL_SCHEDULE, backupVaultRegion, crossAccountRegionProblem, findObjectiveProblems, usesAwsBackup } from "../components/backup/objectives";
import { DEFAULT_AMI_TYPE, DEFAULT_INSTANCE_TYPE, INSTANCE_TYPES, nodesFor, roomForPods } from "../components/cluster/node-groups";
import { withoutUndefined } from "../components/lib/args";
import { UserInputError } from "../components/lib/errors";
import { AURORA_POSTGRES_LOCAL_STORAGE_GIB, DOCDB_INSTANCE_LIMITS, RDS_INSTANCE_MEMORY_GIB, auroraLocalStorageGib, docdbInstanceLimits, rdsInstanceMemoryGib } from "../components/observability/instance-classes";
import { arnAccount, findKeyGuardProblem, type KeyGuard } from "../components/lib/key-guard";
import { profiles } from "../stacks";
import { cpuMillicores, memoryMiB, workloadCapacity } from "./capacity";
import {
    estateConfigSchema,
    profileNames,
    type DataConfig,
    type EstateConfig,
    type MonitoringConfig,
    type ClusterConfig,
    type NetworkConfig,
    type PlatformConfig,
    type Profile,
    type ProfileName,
    type ServiceConfig,
} from "./schema";

export const NAMESPACE = "estate";

export interface ConfigIssue {
    /** The full key path, e.g. `estate:dr.retention.dailyDays`. */
    key: string;
    /** What is wrong and what is allowed. */
    message: string;
}

/** Something about the config the program proceeds with but the user should know (`pulumi preview` shows it under Diagnostics). */
export interface ConfigNotice extends ConfigIssue {
    level: "info" | "warning";
}

/** Invalid stack config: every problem found, each with its key path. */
export class ConfigError extends UserInputError {
    constructor(readonly issues: ConfigIssue[]) {
        super(
            `invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
                issues.map((i) => `  - ${i.key} ${i.message}`).join("\n"),
        );
    }
}

export interface ServiceSpec extends Omit<ServiceConfig, "replicas" | "cpu" | "memory" | "host" | "httpMetrics"> {
    name: string;
    /** The app exports `http_requests_total{code}` and `http_request_duration_seconds` (default true; only web apps' matter). */
    httpMetrics: boolean;
    replicas: { min: number; max: number };
    cpu: string;
    memory: string;
    /** The public host of a web service. */
    host?: string;
}

type Defined<T> = Exclude<T, undefined>;

/** The data services a stack declares, with the profile's defaults applied. */
export interface DataSpec {
    postgres?: Defined<DataConfig["postgres"]> & { instances: number };
    mongo?: Defined<DataConfig["mongo"]> & { instances: number };
    redis?: Defined<DataConfig["redis"]> & { nodes: number };
}

/** The typed, validated, defaulted description of one stack's estate. */
export interface EstateSpec {
    project: string;
    stack: string;
    profile: ProfileName;
    region: string;
    domain: string;
    protectData: boolean;
    /** Tags for every AWS resource: the stack's own plus `estate:stack`, `estate:profile`, `managed-by`. */
    tags: Record<string, string>;
    dr: EstateConfig["dr"];
    backup: {
        bucketName?: string;
        objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
        replication: boolean;
        accessLogging: boolean;
        /**
         * Only this break-glass role may delete or disable the data and vault keys, only it and the
         * deployers may change their policies (`estate:backup.breakGlassRoleArn`, `deployerRoleArns`);
         * `undefined`: KMS's default key policies.
         */
        keyGuard?: KeyGuard;
        /** AWS Backup of the managed databases; `infra/estate.ts` builds it only when a database is managed. */
        plan: {
            /** A vault in a separate backup account that receives a copy of every recovery point; `undefined`: none. */
            copyToAccount?: { vaultArn: string };
            /** Vault lock (compliance mode) with this cooling-off; `undefined`: no lock. */
            vaultLock?: { changeableForDays: number };
            /** Restore testing settings; `undefined`: no restore testing. */
            restoreTesting?: { schedule?: string; startWindowHours?: number };
        };
        /** The backup and restore-drill CronJobs of the data services; `infra/estate.ts` builds them when `enabled`. */
        jobs: BackupJobsSpec;
    };
    services: Record<string, ServiceSpec>;
    data: DataSpec;
    /** The VPC, EKS cluster, nodes and add-ons the estate builds (`estate:cluster`); `undefined`: an existing cluster and VPC. */
    cluster?: ClusterSpec;
    /** Where managed data services live (an existing VPC); required when one is managed, unless `cluster` builds the VPC. */
    network?: NetworkConfig;
    /** How to reach the cluster. Unset fields fall back to `$KUBECONFIG` / `~/.kube/config` and its current context. */
    kubernetes: {
        context?: string;
        /** The kubeconfig's contents, always a Pulumi secret. */
        kubeconfig?: pulumi.Output<string>;
    };
    /** The cluster platform: issuer, ACME email, ingress class, controller replicas. */
    platform: PlatformConfig;
    /** Prometheus, Alertmanager, exporters and alert thresholds (profile defaults merged). */
    monitoring: MonitoringConfig;
    /** Alertmanager's receivers besides the null receiver. Credentials are Pulumi secrets, absent until set. */
    alerting: {
        slack?: { channel: string; webhookUrl?: pulumi.Output<string>; teamId?: string; channelId?: string };
        pagerduty?: { routingKey?: pulumi.Output<string>; cloudwatchIntegrationKey?: pulumi.Output<string> };
    };
    /** Grafana objects are managed only when `url` is set. */
    grafana: { url?: string; auth?: pulumi.Output<string>; host?: string };
    /** Sentry objects are managed only when `organization` is set. */
    sentry: {
        organization?: string;
        team: string;
        baseUrl?: string;
        /** Unset: the provider reads SENTRY_AUTH_TOKEN. */
        token?: pulumi.Output<string>;
        platform: string;
        rateLimit: { count: number; windowSeconds: number };
    };
    /** What the program does not do yet because of the config, and why (logged, not fatal). */
    notices: ConfigNotice[];
}

/** `estate:cluster`, defaulted. Unset fields (`version`, node settings) take the components' own defaults. */
export interface ClusterSpec {
    name: string;
    version?: string;
    vpcCidr: string;
    zones: number;
    natGateways: "perZone" | "single";
    publicAccessCidrs: string[];
    adminRoleArns: string[];
    viewerRoleArns: string[];
    flowLogRetentionDays?: number;
    nodes: NonNullable<ClusterConfig["nodes"]>;
}

/** The backup and restore-drill CronJobs, defaulted. */
export interface BackupJobsSpec {
    enabled: boolean;
    /** Kubernetes cron, UTC. */
    backupSchedule: string;
    drillSchedule: string;
    /** A prebuilt image; `undefined`: the estate builds it (`BackupImage`). */
    image?: string;
    /** Postgres drill SQL checks (`DRILL_SQL_CHECKS`). */
    drillSqlChecks: string[];
    /** `undefined`: the estate's own Pushgateway (`Monitoring`). */
    pushgatewayUrl?: string;
    /** IRSA; `undefined`: an IAM user with an access key. */
    irsa?: { oidcProviderArn: string; oidcIssuer: string };
}

/** Config as the Pulumi CLI hands it to a program: `"<namespace>:<key>"` to a string (objects as JSON). */
export type RawConfig = Record<string, string>;

/** Reads the running stack's config and returns its `EstateSpec`, or throws `ConfigError`. */
export function loadEstateSpec(): EstateSpec {
    const raw = pulumi.runtime.allConfig();
    // The SDK knows which keys hold secrets (`pulumi config set --secret`), but does not type the lookup.
    const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    const secretKeys = Object.keys(raw).filter((key) => isConfigSecret?.(key) === true);
    const spec = parseEstateConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack(), secretKeys, env: process.env });
    for (const notice of spec.notices) {
        void (notice.level === "warning" ? pulumi.log.warn : pulumi.log.info)(`${notice.key} ${notice.message}`);
    }
    return spec;
}

export interface ParseContext {
    project: string;
    stack: string;
    /** The config keys whose values are secrets. Default: none. */
    secretKeys?: readonly string[];
    /** The environment, for the variables providers read themselves (SENTRY_AUTH_TOKEN). Default: none set. */
    env?: Readonly<Record<string, string | undefined>>;
}

/** Pure: raw config in, `EstateSpec` out (or `ConfigError` with every problem). */
export function parseEstateConfig(raw: RawConfig, ctx: ParseContext): EstateSpec {
    const issues: ConfigIssue[] = [];
    const user: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace === NAMESPACE) {
            user[key] = decode(value);
        }
    }

    const region = raw["aws:region"];
    const regionOk = region !== undefined && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region);
    if (!regionOk) {
        issues.push({
            key: "aws:region",
            message: region === undefined ? "is required (an AWS region such as eu-west-1)" : `must be an AWS region such as eu-west-1 (got ${JSON.stringify(region)})`,
        });
    }

    const profileName = user.profile;
    if (typeof profileName !== "string" || !(profileNames as readonly string[]).includes(profileName)) {
        issues.push({
            key: `${NAMESPACE}:profile`,
            message:
                profileName === undefined
                    ? `is required (one of ${profileNames.join(", ")})`
                    : `must be one of ${profileNames.join(", ")} (got ${JSON.stringify(profileName)})`,
        });
        // Without a profile there are no defaults to merge; report the other keys' problems as far as they go.
    }
    const profile = profiles[profileName as ProfileName];
    const merged = profile ? deepMerge(profile.config as Record<string, unknown>, user) : user;

    const parsed = estateConfigSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.path[0] === "profile") {
                continue; // reported above, with the same wording
            }
            if (!profile && issue.code !== "unrecognized_keys" && ("input" in issue ? issue.input : valueAt(merged, issue.path)) === undefined) {
                continue; // a missing key the (unknown) profile would have defaulted
            }
            issues.push(...describeIssue(issue, merged));
        }
    }
    if (!parsed.success || !profile || !regionOk) {
        throw new ConfigError(issues);
    }

    const config = parsed.data;
    const services: Record<string, ServiceSpec> = {};
    for (const [name, service] of Object.entries(config.services ?? {})) {
        const defaults = profile.serviceDefaults[service.kind];
        issues.push(...serviceIssues(name, service));
        services[name] = {
            ...service,
            name,
            replicas: service.replicas ?? defaults.replicas,
            cpu: service.cpu ?? defaults.cpu,
            memory: service.memory ?? defaults.memory,
            host: service.kind === "web" ? (service.host ?? `${name}.${config.domain}`) : undefined,
            // The estate's convention (docs/observability.md): an app that does not follow it says so, and
            // if it silently stops exporting, EstateServiceAppMetricsAbsent says so.
            httpMetrics: service.httpMetrics ?? true,
        };
    }
    issues.push(...sharedHostIssues(services, config.grafana?.host));
    const platform = config.platform;
    if (platform.issuer !== "selfsigned" && platform.acmeEmail === undefined) {
        issues.push({
            key: `${NAMESPACE}:platform.acmeEmail`,
            message: `is required when ${NAMESPACE}:platform.issuer is ${platform.issuer} (an email address for the ACME account, such as ops@example.com)`,
        });
    }
    const kubernetes = config.kubernetes ?? {};
    if (kubernetes.kubeconfig !== undefined && !(ctx.secretKeys ?? []).includes(`${NAMESPACE}:kubernetes`)) {
        issues.push({
            key: `${NAMESPACE}:kubernetes.kubeconfig`,
            message:
                `must be a secret: pulumi config set --secret --path ${NAMESPACE}:kubernetes.kubeconfig "$(cat <file>)", ` +
                "or leave it unset and export KUBECONFIG",
        });
    }
    issues.push(...migrationIssues(config, services));
    issues.push(...clusterIssues(config));
    issues.push(...clusterCapacityIssues(config, { services, data: withDataDefaults(config.data ?? {}, profile.dataDefaults), monitoring: config.monitoring, platform }));
    const backup = config.backup ?? {};
    const replication = backup.replication ?? false;
    if (replication && config.dr.drRegion === undefined) {
        issues.push({
            key: `${NAMESPACE}:backup.replication`,
            message: `requires ${NAMESPACE}:dr.drRegion (a second AWS region), or set ${NAMESPACE}:backup.replication to false`,
        });
    }
    if (config.dr.drRegion !== undefined && config.dr.drRegion === region) {
        issues.push({ key: `${NAMESPACE}:dr.drRegion`, message: `must differ from aws:region (both are ${JSON.stringify(region)})` });
    }
    issues.push(...dataIssues(config));
    // Feasibility: objectives the estate's backup stores cannot meet are refused here, not found out in an incident.
    const databases = { postgres: config.data?.postgres?.placement, mongo: config.data?.mongo?.placement };
    issues.push(...findObjectiveProblems({ rpoMinutes: config.dr.rpoMinutes, retention: config.dr.retention, databases }, { keyPrefix: `${NAMESPACE}:` }));
    const plan = backup.plan ?? {};
    const vaultLock = plan.vaultLock === false ? undefined : plan.vaultLock;
    if (vaultLock !== undefined && !config.protectData && usesAwsBackup(databases)) {
        issues.push({
            key: `${NAMESPACE}:backup.plan.vaultLock`,
            message:
                `requires ${NAMESPACE}:protectData true: after its cooling-off a locked vault and its recovery points can never be deleted, ` +
                `so the stack must not try to; set ${NAMESPACE}:backup.plan.vaultLock to false for a throwaway stack`,
        });
    }
    const copyTo = plan.copyToAccount?.vaultArn;
    if (copyTo !== undefined && regionOk && usesAwsBackup(databases) && backupVaultRegion(copyTo) !== region) {
        issues.push({ key: `${NAMESPACE}:backup.plan.copyToAccount.vaultArn`, message: crossAccountRegionProblem(region!, copyTo) });
    }
    const keyGuard = keyGuardOf(config, issues);
    const observability = observabilityOf(config, ctx);
    issues.push(...observability.issues);
    const jobs = backup.jobs ?? {};
    issues.push(...backupJobsIssues(config));
    if (issues.length > 0) {
        throw new ConfigError(issues);
    }

    return {
        project: ctx.project,
        stack: ctx.stack,
        profile: config.profile,
        region: region!,
        domain: config.domain,
        protectData: config.protectData,
        tags: { ...config.tags, "estate:stack": ctx.stack, "estate:profile": config.profile, "managed-by": "pulumi" },
        dr: config.dr,
        backup: {
            bucketName: backup.bucketName,
            objectLock: backup.objectLock === false ? undefined : backup.objectLock,
            replication,
            accessLogging: backup.accessLogging ?? false,
            keyGuard,
            plan: {
                copyToAccount: plan.copyToAccount ? { vaultArn: plan.copyToAccount.vaultArn } : undefined,
                vaultLock,
                restoreTesting: plan.restoreTesting === false ? undefined : (plan.restoreTesting ?? {}),
            },
            jobs: {
                enabled: jobs.enabled ?? true,
                backupSchedule: jobs.backupSchedule ?? LOGICAL_BACKUP_SCHEDULE,
                drillSchedule: jobs.drillSchedule ?? RESTORE_DRILL_SCHEDULE,
                image: jobs.image,
                drillSqlChecks: jobs.drillSqlChecks ?? [],
                pushgatewayUrl: jobs.pushgatewayUrl,
                irsa: jobs.oidcProviderArn === undefined ? undefined : { oidcProviderArn: jobs.oidcProviderArn, oidcIssuer: jobs.oidcIssuer ?? oidcIssuerOf(jobs.oidcProviderArn) },
            },
        },
        services,
        data: withDataDefaults(config.data ?? {}, profile.dataDefaults),
        cluster: config.cluster ? clusterSpecOf(config.cluster, ctx, profile) : undefined,
        network: config.network,
        kubernetes: {
            context: kubernetes.context,
            kubeconfig: kubernetes.kubeconfig === undefined ? undefined : pulumi.secret(kubernetes.kubeconfig),
        },
        platform,
        monitoring: config.monitoring,
        alerting: observability.alerting,
        grafana: observability.grafana,
        sentry: observability.sentry,
        notices: [...observability.notices, ...credentialNotices(config)],
    };
}

/**
 * A managed Postgres's password rotates, and the External Secrets Operator reads it at run time
 * (docs/credentials.md). Without the cluster's OIDC provider its store uses an IAM user's access key:
 * valid, but a long-lived key in the cluster, so it is said.
 */
function credentialNotices(config: EstateConfig): ConfigNotice[] {
    if (config.data?.postgres?.placement !== "managed" || config.backup?.jobs?.oidcProviderArn !== undefined) {
        return [];
    }
    return [
        {
            level: "info",
            key: `${NAMESPACE}:backup.jobs.oidcProviderArn`,
            message:
                "is not set: the External Secrets Operator reads the managed Postgres's rotating password with an IAM user's access key, kept in a Secret of the external-secrets namespace. " +
                "Set it to the cluster's IAM OIDC provider for IRSA (no long-lived key).",
        },
    ];
}

/** A secret config value must have been set with `--secret`; the message says how. */
function requireSecret(ctx: ParseContext, topKey: string, path: string, what: string): ConfigIssue[] {
    if ((ctx.secretKeys ?? []).includes(`${NAMESPACE}:${topKey}`)) {
        return [];
    }
    return [{ key: `${NAMESPACE}:${path}`, message: `must be a secret: pulumi config set --secret --path ${NAMESPACE}:${path} <${what}>` }];
}

/**
 * Alerting receivers, Grafana and Sentry: their secrets must be secrets, and what is not configured
 * yet becomes a notice (info: skipped by design; warning: configured but unusable).
 */
function observabilityOf(config: EstateConfig, ctx: ParseContext) {
    const issues: ConfigIssue[] = [];
    const notices: ConfigNotice[] = [];
    const secret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

    const alerting = config.alerting ?? {};
    const { slack, pagerduty } = alerting;
    if (slack?.webhookUrl !== undefined) {
        issues.push(...requireSecret(ctx, "alerting", "alerting.slack.webhookUrl", "webhook URL"));
    } else if (slack) {
        notices.push({
            level: "warning",
            key: `${NAMESPACE}:alerting.slack.webhookUrl`,
            message: `is not set: Alertmanager cannot post to ${slack.channel} until it is (pulumi config set --secret --path ${NAMESPACE}:alerting.slack.webhookUrl <webhook URL>)`,
        });
    }
    if (pagerduty?.routingKey !== undefined) {
        issues.push(...requireSecret(ctx, "alerting", "alerting.pagerduty.routingKey", "routing key"));
    } else if (pagerduty) {
        notices.push({
            level: "warning",
            key: `${NAMESPACE}:alerting.pagerduty.routingKey`,
            message: `is not set: Alertmanager cannot page until it is (pulumi config set --secret --path ${NAMESPACE}:alerting.pagerduty.routingKey <routing key>)`,
        });
    }
    if (!slack && !pagerduty) {
        notices.push({
            level: "info",
            key: `${NAMESPACE}:alerting`,
            message: "configures no receiver: alerts are visible in Alertmanager and Grafana, but reach nobody (set estate:alerting.slack or estate:alerting.pagerduty)",
        });
    }
    if (pagerduty?.cloudwatchIntegrationKey !== undefined) {
        issues.push(...requireSecret(ctx, "alerting", "alerting.pagerduty.cloudwatchIntegrationKey", "integration key"));
    }
    if ((slack?.teamId === undefined) !== (slack?.channelId === undefined)) {
        const missing = slack?.teamId === undefined ? "teamId" : "channelId";
        issues.push({ key: `${NAMESPACE}:alerting.slack.${missing}`, message: "is required with the other one: AWS Chatbot needs both the Slack workspace (team) id and the channel id" });
    }
    notices.push(...databaseAlarmNotices(config));

    const grafana = config.grafana ?? {};
    if (grafana.auth !== undefined) {
        issues.push(...requireSecret(ctx, "grafana", "grafana.auth", "token or user:password"));
    }
    if (grafana.url === undefined) {
        notices.push({
            level: "info",
            key: `${NAMESPACE}:grafana.url`,
            message:
                "is not set: Grafana objects (folder, data source, dashboards, contact point, notification policy) are skipped until it is. " +
                "Once the first pulumi up has installed Grafana, set it to where pulumi reaches Grafana and run pulumi up again.",
        });
    }

    const sentry = config.sentry;
    if (sentry.token !== undefined) {
        issues.push(...requireSecret(ctx, "sentry", "sentry.token", "auth token"));
    }
    if (sentry.organization === undefined) {
        notices.push({
            level: "info",
            key: `${NAMESPACE}:sentry.organization`,
            message: "is not set: no Sentry team, projects or client keys are managed, and apps get no SENTRY_DSN",
        });
    } else if (sentry.token === undefined && !ctx.env?.SENTRY_AUTH_TOKEN) {
        notices.push({
            level: "warning",
            key: `${NAMESPACE}:sentry.token`,
            message: "is not set and neither is SENTRY_AUTH_TOKEN: the Sentry provider cannot authenticate (export SENTRY_AUTH_TOKEN, or pulumi config set --secret --path estate:sentry.token <token>)",
        });
    }

    return {
        issues,
        notices,
        alerting: {
            ...(slack ? { slack: { channel: slack.channel, webhookUrl: secret(slack.webhookUrl), ...withoutUndefined({ teamId: slack.teamId, channelId: slack.channelId }) } } : {}),
            ...(pagerduty ? { pagerduty: { routingKey: secret(pagerduty.routingKey), ...withoutUndefined({ cloudwatchIntegrationKey: secret(pagerduty.cloudwatchIntegrationKey) }) } } : {}),
        },
        grafana: { url: grafana.url, auth: secret(grafana.auth), host: grafana.host },
        sentry: {
            organization: sentry.organization,
            team: sentry.team ?? `${ctx.project}-${ctx.stack}`.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 50),
            baseUrl: sentry.baseUrl,
            token: secret(sentry.token),
            platform: sentry.platform ?? "other",
            rateLimit: sentry.rateLimit,
        },
    };
}

const DATA_SERVICES = ["postgres", "mongo", "redis"] as const;

/** Keys that mean something for one placement only. */
const PLACEMENT_ONLY: Record<(typeof DATA_SERVICES)[number], Record<string, "managed" | "cluster">> = {
    postgres: { engine: "managed", instanceClass: "managed", maxStorageGb: "managed", identifier: "managed", backupRoleArn: "cluster" },
    mongo: { instanceClass: "managed", identifier: "managed", storageGb: "cluster" },
    redis: { nodeType: "managed", storageGb: "cluster" },
};

/**
 * The key guard from `estate:backup.breakGlassRoleArn` and `deployerRoleArns`, both or neither;
 * problems go to `issues`, each naming its key.
 */
function keyGuardOf(config: EstateConfig, issues: ConfigIssue[]): KeyGuard | undefined {
    const backup = config.backup ?? {};
    const key = (field: string) => `${NAMESPACE}:backup.${field}`;
    const { breakGlassRoleArn, deployerRoleArns } = backup;
    if (breakGlassRoleArn === undefined && deployerRoleArns === undefined) {
        return undefined;
    }
    if (breakGlassRoleArn === undefined || deployerRoleArns === undefined) {
        const missing = breakGlassRoleArn === undefined ? "breakGlassRoleArn" : "deployerRoleArns";
        const present = breakGlassRoleArn === undefined ? "deployerRoleArns" : "breakGlassRoleArn";
        issues.push({
            key: key(missing),
            message:
                `is required with ${key(present)}: the key policies deny deleting and disabling the keys to all but the break-glass role, ` +
                "and changing them to all but it and the deployer roles (KMS refuses a key policy that would lock out the role setting it)",
        });
        return undefined;
    }
    const guard: KeyGuard = { breakGlassRoleArn, deployerRoleArns };
    const problem = findKeyGuardProblem(guard);
    if (problem) {
        issues.push({ key: key(problem.argument), message: problem.problem });
        return undefined;
    }
    if (!config.protectData) {
        issues.push({
            key: key("breakGlassRoleArn"),
            message: `requires ${NAMESPACE}:protectData true: the guarded keys cannot be deleted by the stack, so it must keep them (retainOnDelete) rather than try`,
        });
    }
    const copyTo = backup.plan?.copyToAccount?.vaultArn;
    if (copyTo !== undefined && arnAccount(copyTo) === arnAccount(breakGlassRoleArn)) {
        issues.push({
            key: key("plan.copyToAccount.vaultArn"),
            message: `must be a vault in another account than the stack's (${arnAccount(breakGlassRoleArn)}, the break-glass role's): a copy in the same account falls with it`,
        });
    }
    return guard;
}

/**
 * A migration runs only behind a fresh dump of the app's databases: it needs a database of record
 * (Postgres or MongoDB) and the backup jobs that dump it.
 */
function migrationIssues(config: EstateConfig, services: Record<string, ServiceSpec>): ConfigIssue[] {
    const migrating = Object.values(services).filter((s) => s.migrate !== undefined);
    if (migrating.length === 0) {
        return [];
    }
    const hasDatabase = config.data?.postgres !== undefined || config.data?.mongo !== undefined;
    const jobsEnabled = config.backup?.jobs?.enabled ?? true;
    if (hasDatabase && jobsEnabled) {
        return [];
    }
    const why = !hasDatabase
        ? `there is no database to migrate (${NAMESPACE}:data.postgres or ${NAMESPACE}:data.mongo)`
        : `${NAMESPACE}:backup.jobs.enabled is false, so no dump can be taken before it`;
    return migrating.map((s) => ({ key: `${NAMESPACE}:services.${s.name}.migrate`, message: `needs a fresh dump of the app's databases before it runs, but ${why}` }));
}

/**
 * With `estate:cluster` the estate builds the VPC and the cluster: the keys that describe an existing
 * one would contradict it, so they are refused rather than silently ignored.
 */
function clusterIssues(config: EstateConfig): ConfigIssue[] {
    if (config.cluster === undefined) {
        return [];
    }
    const key = (path: string) => `${NAMESPACE}:${path}`;
    const issues: ConfigIssue[] = [];
    if ((config.cluster.adminRoleArns ?? []).length === 0) {
        issues.push({
            key: key("cluster.adminRoleArns"),
            message:
                "is required when the estate builds the cluster: at least the IAM role that runs `pulumi up` (the same run creates the Kubernetes objects, " +
                "and the cluster's creator gets no implicit access), such as arn:aws:iam::123456789012:role/estate-deployer",
        });
    }
    if (config.network !== undefined) {
        issues.push({ key: key("network"), message: `must be unset when ${key("cluster")} is set: the managed data services go into the VPC the estate builds (its private subnets, admitting the nodes' security group)` });
    }
    const kubernetes = config.kubernetes ?? {};
    for (const field of ["context", "kubeconfig"] as const) {
        if (kubernetes[field] !== undefined) {
            issues.push({ key: key(`kubernetes.${field}`), message: `must be unset when ${key("cluster")} is set: the Kubernetes provider is built from the cluster the estate creates` });
        }
    }
    const jobs = config.backup?.jobs ?? {};
    for (const field of ["oidcProviderArn", "oidcIssuer"] as const) {
        if (jobs[field] !== undefined) {
            issues.push({ key: key(`backup.jobs.${field}`), message: `must be unset when ${key("cluster")} is set: IRSA uses the OIDC provider of the cluster the estate creates` });
        }
    }
    return issues;
}

/**
 * Nodes the apps can scale onto: the node groups' maximum holds every app at its autoscaler's
 * maximum (`workloadCapacity`), the largest pod fits one node, and the instance type's architecture
 * matches the AMI's. Refused here, naming the key, rather than found out by Pending pods.
 */
function clusterCapacityIssues(config: EstateConfig, workloads: Parameters<typeof workloadCapacity>[0]): ConfigIssue[] {
    const cluster = config.cluster;
    if (cluster === undefined) {
        return [];
    }
    const key = (path: string) => `${NAMESPACE}:cluster.nodes.${path}`;
    const nodes = cluster.nodes ?? {};
    const instanceType = nodes.instanceType ?? DEFAULT_INSTANCE_TYPE;
    const amiType = nodes.amiType ?? DEFAULT_AMI_TYPE;
    const arch = INSTANCE_TYPES[instanceType]!.arch;
    if ((arch === "arm64") !== amiType.includes("ARM_64")) {
        return [{ key: key("instanceType"), message: `is an ${arch} type, but ${key("amiType")} ${amiType} is for the other architecture (use an ${arch === "arm64" ? "_ARM_64" : "_x86_64"} AMI type)` }];
    }
    const issues: ConfigIssue[] = [];
    const room = roomForPods(instanceType);
    for (const service of Object.values(workloads.services)) {
        if (cpuMillicores(service.cpu) > room.cpuMillicores || memoryMiB(service.memory) > room.memoryMiB) {
            issues.push({
                key: key("instanceType"),
                message:
                    `${instanceType} leaves ${room.cpuMillicores}m CPU and ${room.memoryMiB}Mi for pods, but a pod of ${NAMESPACE}:services.${service.name} requests ` +
                    `${service.cpu} and ${service.memory}: it would never be scheduled (choose a larger type, or lower the app's requests)`,
            });
        }
    }
    const required = workloadCapacity(workloads);
    const zones = cluster.zones ?? 3;
    const needed = nodesFor(required, instanceType);
    if (nodes.maxPerZone !== undefined && nodes.maxPerZone * zones < needed) {
        issues.push({
            key: key("maxPerZone"),
            message:
                `must let the apps' autoscalers reach their maximums: they request ${required.cpuMillicores}m CPU, ${required.memoryMiB}Mi and ${required.pods} pods with everything the estate runs, ` +
                `which takes ${needed} ${instanceType} nodes, so at least ${Math.ceil(needed / zones)} per zone across ${zones} zones (got ${nodes.maxPerZone}); or leave it unset to derive it`,
        });
    }
    if (nodes.minPerZone !== undefined && nodes.maxPerZone !== undefined && nodes.minPerZone > nodes.maxPerZone) {
        issues.push({ key: key("minPerZone"), message: `must not exceed ${key("maxPerZone")} (${nodes.minPerZone} > ${nodes.maxPerZone})` });
    }
    return issues;
}

function clusterSpecOf(cluster: ClusterConfig, ctx: ParseContext, profile: Profile): ClusterSpec {
    return {
        name: cluster.name ?? `${ctx.project}-${ctx.stack}`.slice(0, 100),
        version: cluster.version,
        vpcCidr: cluster.vpcCidr ?? "10.0.0.0/16",
        zones: cluster.zones ?? 3,
        natGateways: cluster.natGateways ?? profile.clusterDefaults.natGateways,
        publicAccessCidrs: cluster.publicAccessCidrs ?? [],
        adminRoleArns: cluster.adminRoleArns ?? [],
        viewerRoleArns: cluster.viewerRoleArns ?? [],
        flowLogRetentionDays: cluster.flowLogRetentionDays,
        nodes: cluster.nodes ?? {},
    };
}

/** Cross-field rules of `estate:data` and `estate:network` that the schema cannot express. */
function dataIssues(config: EstateConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const data = config.data ?? {};
    const key = (path: string) => `${NAMESPACE}:${path}`;
    const managed = DATA_SERVICES.filter((service) => data[service]?.placement === "managed");
    if (managed.length > 0 && config.network === undefined && config.cluster === undefined) {
        issues.push({
            key: key("network"),
            message:
                `is required when a data service is managed (${managed.map((s) => key(`data.${s}.placement`)).join(", ")}): ` +
                `an object with vpcId, privateSubnetIds and allowedSecurityGroupIds and/or allowedCidrBlocks; or set ${key("cluster")} and the estate builds the VPC`,
        });
    }
    for (const service of DATA_SERVICES) {
        const settings = data[service] as Record<string, unknown> | undefined;
        if (!settings) {
            continue;
        }
        for (const [field, only] of Object.entries(PLACEMENT_ONLY[service])) {
            if (settings[field] !== undefined && settings.placement !== only) {
                issues.push({
                    key: key(`data.${service}.${field}`),
                    message: `applies only to placement ${only} (${key(`data.${service}.placement`)} is ${String(settings.placement)})`,
                });
            }
        }
    }
    const postgres = data.postgres;
    if (postgres?.placement === "managed") {
        const engine = postgres.engine ?? "rds";
        if (engine === "rds" && postgres.instances !== undefined && postgres.instances > 2) {
            issues.push({
                key: key("data.postgres.instances"),
                message: `must be 1 or 2 with engine rds (2 = Multi-AZ with a standby); set ${key("data.postgres.engine")} to aurora for readers (got ${postgres.instances})`,
            });
        }
        if (engine === "aurora" && (postgres.storageGb !== undefined || postgres.maxStorageGb !== undefined)) {
            const field = postgres.storageGb !== undefined ? "storageGb" : "maxStorageGb";
            issues.push({ key: key(`data.postgres.${field}`), message: "applies only to engine rds (Aurora storage grows by itself)" });
        }
        if (postgres.maxStorageGb !== undefined && postgres.maxStorageGb < (postgres.storageGb ?? 100)) {
            issues.push({
                key: key("data.postgres.maxStorageGb"),
                message: `must be at least ${key("data.postgres.storageGb")} (${postgres.storageGb ?? 100}) for storage autoscaling (got ${postgres.maxStorageGb})`,
            });
        }
    }
    // The CloudWatch alarms derive memory and connection thresholds from the class: a class without
    // AWS's figures on record is refused here rather than alarmed on a guess.
    if (postgres?.placement === "managed" && postgres.instanceClass !== undefined) {
        if (rdsInstanceMemoryGib(postgres.instanceClass) === undefined) {
            issues.push({ key: key("data.postgres.instanceClass"), message: unknownClass(postgres.instanceClass, Object.keys(RDS_INSTANCE_MEMORY_GIB)) });
        } else if (postgres.engine === "aurora" && auroraLocalStorageGib(postgres.instanceClass) === undefined) {
            issues.push({ key: key("data.postgres.instanceClass"), message: unknownClass(postgres.instanceClass, Object.keys(AURORA_POSTGRES_LOCAL_STORAGE_GIB), "Aurora local storage") });
        }
    }
    if (data.mongo?.placement === "managed" && data.mongo.instanceClass !== undefined && docdbInstanceLimits(data.mongo.instanceClass) === undefined) {
        issues.push({ key: key("data.mongo.instanceClass"), message: unknownClass(data.mongo.instanceClass, Object.keys(DOCDB_INSTANCE_LIMITS)) });
    }
    if (data.mongo?.placement === "cluster" && data.mongo.version === "4.0") {
        issues.push({
            key: key("data.mongo.version"),
            message: 'must be 5.0 or 8.0 with placement cluster: MongoDB 4.0 has no supported release to run in the cluster (got "4.0")',
        });
    }
    return issues;
}

/** Why an instance class is refused, and which ones are known. */
function unknownClass(instanceClass: string, known: string[], what = "memory and connection limit"): string {
    return (
        `is not a class the estate knows the ${what} of (got ${JSON.stringify(instanceClass)}): its CloudWatch alarms derive their thresholds from them ` +
        `(components/observability/instance-classes.ts, from AWS's tables). Known: ${known.join(", ")}`
    );
}

/**
 * The managed databases' CloudWatch alarms publish to one SNS topic, which reaches PagerDuty and
 * Slack only through their own keys (docs/alarms.md): say when it reaches nobody, or only some.
 */
function databaseAlarmNotices(config: EstateConfig): ConfigNotice[] {
    const managed = DATA_SERVICES.some((service) => config.data?.[service]?.placement === "managed");
    if (!managed) {
        return [];
    }
    const { slack, pagerduty } = config.alerting ?? {};
    const notices: ConfigNotice[] = [];
    if (pagerduty && pagerduty.cloudwatchIntegrationKey === undefined) {
        notices.push({
            level: "warning",
            key: `${NAMESPACE}:alerting.pagerduty.cloudwatchIntegrationKey`,
            message: `is not set: the managed databases' CloudWatch alarms page nobody until it is (add an "Amazon CloudWatch" integration to the PagerDuty service, then pulumi config set --secret --path ${NAMESPACE}:alerting.pagerduty.cloudwatchIntegrationKey <integration key>)`,
        });
    }
    if (slack && slack.teamId === undefined && slack.channelId === undefined) {
        notices.push({
            level: "warning",
            key: `${NAMESPACE}:alerting.slack.teamId`,
            message: `is not set: the managed databases' CloudWatch alarms do not reach ${slack.channel} until ${NAMESPACE}:alerting.slack.teamId and channelId are (AWS Chatbot, docs/alarms.md)`,
        });
    }
    if (!slack && !pagerduty) {
        notices.push({
            level: "info",
            key: `${NAMESPACE}:alerting`,
            message: "configures no receiver: the managed databases' CloudWatch alarms publish to their SNS topic, which reaches nobody (docs/alarms.md)",
        });
    }
    return notices;
}

/** The issuer an IAM OIDC provider ARN names: `arn:aws:iam::<account>:oidc-provider/<issuer>`. */
function oidcIssuerOf(providerArn: string): string {
    return providerArn.slice(providerArn.indexOf(":oidc-provider/") + ":oidc-provider/".length);
}

/** Cross-field rules of `estate:backup.jobs`. */
function backupJobsIssues(config: EstateConfig): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const jobs = config.backup?.jobs ?? {};
    const key = (path: string) => `${NAMESPACE}:backup.jobs.${path}`;
    if (jobs.oidcIssuer !== undefined && jobs.oidcProviderArn === undefined) {
        issues.push({ key: key("oidcIssuer"), message: `requires ${key("oidcProviderArn")} (the cluster's IAM OIDC provider, for IRSA)` });
    }
    if (jobs.oidcIssuer !== undefined && jobs.oidcProviderArn !== undefined) {
        const issuer = jobs.oidcIssuer.replace(/^https:\/\//, "").replace(/\/+$/, "");
        if (issuer !== oidcIssuerOf(jobs.oidcProviderArn)) {
            issues.push({
                key: key("oidcIssuer"),
                message: `must be the issuer ${key("oidcProviderArn")} names (${oidcIssuerOf(jobs.oidcProviderArn)}), or be left unset (got ${JSON.stringify(jobs.oidcIssuer)})`,
            });
        }
    }
    if ((jobs.drillSqlChecks?.length ?? 0) > 0 && config.data?.postgres === undefined) {
        issues.push({ key: key("drillSqlChecks"), message: `applies only to a PostgreSQL drill: declare ${NAMESPACE}:data.postgres, or remove the checks` });
    }
    return issues;
}

/** The profile's per-service defaults, for the services the stack declares. */
function withDataDefaults(data: DataConfig, defaults: Profile["dataDefaults"]): DataSpec {
    return {
        ...(data.postgres ? { postgres: { ...data.postgres, instances: data.postgres.instances ?? defaults.postgres.instances } } : {}),
        ...(data.mongo ? { mongo: { ...data.mongo, instances: data.mongo.instances ?? defaults.mongo.instances } } : {}),
        ...(data.redis ? { redis: { ...data.redis, nodes: data.redis.nodes ?? defaults.redis.nodes } } : {}),
    };
}

/**
 * Two apps (or an app and Grafana) on one host: their Ingresses would claim the same host and the
 * ingress controller would route it to one of them. Each later claimant is reported, naming the
 * key of the first (a default host `<service>.<domain>` counts as the service's `host`).
 */
function sharedHostIssues(services: Record<string, ServiceSpec>, grafanaHost: string | undefined): ConfigIssue[] {
    const claims: { key: string; host: string }[] = Object.values(services).flatMap((s) => (s.host === undefined ? [] : [{ key: `${NAMESPACE}:services.${s.name}.host`, host: s.host }]));
    if (grafanaHost !== undefined) {
        claims.push({ key: `${NAMESPACE}:grafana.host`, host: grafanaHost });
    }
    const first = new Map<string, string>();
    const issues: ConfigIssue[] = [];
    for (const { key, host } of claims) {
        const owner = first.get(host);
        if (owner === undefined) {
            first.set(host, key);
        } else {
            issues.push({ key, message: `must differ from ${owner}: both are ${JSON.stringify(host)}, and one host serves one app (set a host of its own on one of them)` });
        }
    }
    return issues;
}

/** The checks across one service's fields, each naming the full key path. */
function serviceIssues(name: string, service: ServiceConfig): ConfigIssue[] {
    const key = (field: string) => `${NAMESPACE}:services.${name}.${field}`;
    const issues: ConfigIssue[] = [];
    if (service.image !== undefined && service.buildContext !== undefined) {
        issues.push({
            key: key("buildContext"),
            message: `cannot be combined with ${key("image")}: set either image (a pinned tag or digest) or buildContext (a directory with a Dockerfile), not both`,
        });
    } else if (service.image === undefined && service.buildContext === undefined) {
        issues.push({
            key: key("image"),
            message: `is required unless ${key("buildContext")} is set (an image with a pinned tag or digest, such as ghcr.io/acme/web:1.4.2)`,
        });
    }
    if (service.dockerfile !== undefined && service.buildContext === undefined) {
        issues.push({ key: key("dockerfile"), message: `requires ${key("buildContext")} (the directory the Dockerfile is built in)` });
    }
    if (service.kind === "web" && service.port === undefined) {
        issues.push({ key: key("port"), message: "is required for web services (an integer from 1 to 65535)" });
    }
    if (service.kind === "worker" && service.port === undefined && service.metricsPort === undefined) {
        issues.push({
            key: key("metricsPort"),
            message: "is required for a worker without a port (an integer from 1 to 65535): its health probes and metrics are served over HTTP there",
        });
    }
    if (service.kind === "worker" && service.httpMetrics !== undefined) {
        issues.push({ key: key("httpMetrics"), message: "applies to web services only: a worker gets no request (RED) rules, from the edge or from itself" });
    }
    return issues;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/**
 * The CLI passes structured values as JSON and scalars as strings; decode JSON where it parses,
 * as `Config.getObject/getBoolean/getNumber` would, so `true` and `{...}` become values.
 */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Objects merge key by key; anything else in `override` replaces what `base` had. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(override)) {
        out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
    }
    return out;
}

function keyPath(path: readonly PropertyKey[]): string {
    let out = `${NAMESPACE}:`;
    path.forEach((p, i) => {
        out += typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`;
    });
    return out;
}

function describeIssue(issue: z.core.$ZodIssue, merged: Record<string, unknown>): ConfigIssue[] {
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(issue.path);
        return issue.keys.map((k) => {
            const suggestion = nearest(k, known);
            return {
                key: keyPath([...issue.path, k]),
                message:
                    `is not a known key` +
                    (suggestion ? `; did you mean ${keyPath([...issue.path, suggestion])}?` : "") +
                    (known.length > 0 ? ` (known here: ${known.join(", ")})` : ""),
            };
        });
    }
    if (issue.code === "invalid_key") {
        // A record key (service name, env var name) that does not fit its pattern.
        const key = issue.path[issue.path.length - 1];
        const inner = issue.issues[0];
        return [{ key: keyPath(issue.path), message: `is not a valid name: ${inner?.message ?? "not allowed"} (got ${JSON.stringify(key)})` }];
    }
    const input = "input" in issue ? issue.input : valueAt(merged, issue.path);
    const got = input === undefined ? "" : ` (got ${JSON.stringify(input)})`;
    return [{ key: keyPath(issue.path), message: `${issue.message}${got}` }];
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
    let cur = obj;
    for (const p of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

/** The keys an object schema accepts at a path (unwrapping optional, union and record levels). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
    let schema: z.core.$ZodType | undefined = estateConfigSchema;
    for (const p of path) {
        schema = unwrapToObject(schema);
        if (!schema) {
            return [];
        }
        const def = schema._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType };
        schema = def.type === "record" ? def.valueType : def.shape?.[String(p)];
    }
    const obj = unwrapToObject(schema);
    const shape = obj && (obj._zod.def as { shape?: Record<string, unknown> }).shape;
    return shape ? Object.keys(shape) : [];
}

function unwrapToObject(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
    let cur = schema;
    for (let i = 0; cur && i < 10; i++) {
        const def = cur._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
        if (def.type === "object" || def.type === "record") {
            return cur;
        }
        if (def.type === "optional" || def.type === "nullable" || def.type === "default") {
            cur = def.innerType;
        } else if (def.type === "union") {
            cur = def.options?.find((o) => ["object", "optional"].includes((o._zod.def as { type: string }).type));
        } else {
            return undefined;
        }
    }
    return undefined;
}

/** The known key closest to a typo, if it is close enough to be what was meant. */
function nearest(word: string, candidates: string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(word.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0]!;
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j]!;
            row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length]!;
}
