/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as sentry from "@pulumiverse/sentry";
import {
    BackupBucket,
    BackupImage,
    BackupJobs,
    BackupPlan,
    cronIntervalMinutes,
    drAlertRules,
    nativeBackupRetentionDays,
    usesAwsBackup,
    type BackupTarget,
    type RestoreTestResourceType,
} from "../components/backup";
import {
    APP_DATABASE,
    ClusterMongo,
    ClusterPostgres,
    ClusterRedis,
    ManagedMongo,
    ManagedPostgres,
    ManagedRedis,
    managedServiceAddress,
    managedServicesEgressRule,
    uriTemplate,
    type DataClients,
    type DataNetwork,
    type DataObjectives,
    type DatabaseConnection,
    type MetricsEndpoint,
    type MonitoredDatabase,
    type RedisConnection,
} from "../components/data";
import { AppService, ExternalSecrets, Platform, syncedSecret, type IrsaProvider, type SyncedEnvSource } from "../components/k8s";
import { arnAccount } from "../components/lib/key-guard";
import { type EndpointInput, ipEndpoint, podEndpoint } from "../components/k8s/flows";
import type { EgressRule } from "../components/k8s/network-policies";
import {
    DatabaseAlarms,
    ErrorTracking,
    GrafanaContent,
    type MonitoredService,
    Monitoring,
    type RuleGroup,
    type ScrapeTarget,
    dataRuleGroups,
    estateRuleGroups,
    PROMETHEUS_POD_LABELS,
    prometheusScraper,
    pushgatewayServiceUrl,
} from "../components/observability";
import { appEnvironment, type EstateParts } from "./app-environment";
import { buildCluster, type EstateCluster } from "./cluster";
import type { EstateSpec } from "./config";

/** A data service as the stack exports it: where it lives, and how to connect. */
export interface DataService<C extends DatabaseConnection = DatabaseConnection> {
    placement: "managed" | "cluster";
    connection: C;
    /** In the cluster: the labels of the pods behind `connection.host` (for other clients' NetworkPolicies). */
    servingPods?: Record<string, string>;
    /** In the cluster: the name of the component's database (the `Cluster`, release or replica set), which its alert rules select by. */
    clusterName?: string;
    /** In the cluster: its exporter, which Prometheus scrapes; none when it has none. */
    metricsEndpoint?: MetricsEndpoint;
}

/**
 * Credentials that rotate outside Pulumi (managed Postgres), reaching the cluster at run time: the
 * External Secrets Operator and its store, and the Secrets it keeps current for the apps.
 */
export interface EstateCredentials {
    sync: ExternalSecrets;
    /** Per Secret the apps get their environment from (besides `<app>-env`): a rotating Postgres's `DATABASE_URL`. */
    appEnv: (SyncedEnvSource & { secretArn: pulumi.Output<string> })[];
}

/** The backup and restore-drill CronJobs of the data services, and the image they run. */
export interface EstateBackupJobs {
    /** The image reference: built (`BackupImage`) or `estate:backup.jobs.image`. */
    image?: pulumi.Input<string>;
    /** By data service (`postgres`, `mongo`, `redis`; never a managed Redis). */
    jobs: Partial<Record<"postgres" | "mongo" | "redis", BackupJobs>>;
    /** What the DR alert rules watch: one target per database the jobs back up. */
    targets: BackupTarget[];
}

export interface Estate {
    spec: EstateSpec;
    /** The VPC, EKS cluster, nodes and add-ons; only when `estate:cluster` is set. */
    eksCluster?: EstateCluster;
    /** The Kubernetes provider every cluster resource uses (nothing uses the ambient default provider). */
    cluster: k8s.Provider;
    platform: Platform;
    backups: BackupBucket;
    data: {
        postgres?: DataService;
        mongo?: DataService;
        redis?: DataService<RedisConnection>;
    };
    /** AWS Backup of the managed databases; only when a database is managed. */
    awsBackup?: BackupPlan;
    /** CloudWatch alarms of the managed databases and their SNS topic; only when a database is managed. */
    databaseAlarms?: DatabaseAlarms;
    /** Syncing of rotating credentials; only when a data service's credential rotates (managed Postgres). */
    credentials?: EstateCredentials;
    monitoring: Monitoring;
    /** Grafana's folder, data source, dashboards and alert routing; only once `estate:grafana.url` is set. */
    grafana?: GrafanaContent;
    /** Sentry's team, projects and keys; only once `estate:sentry.organization` is set. */
    errorTracking?: ErrorTracking;
    /** The logical backups and restore drills. */
    backupJobs: EstateBackupJobs;
    services: Record<string, AppService>;
}

export function buildEstate(spec: EstateSpec): Estate {
    // The cluster: built from an empty account (`estate:cluster`), or an existing one reached by its kubeconfig.
    const eksCluster = spec.cluster ? buildCluster({ ...spec, cluster: spec.cluster }) : undefined;
    const cluster = eksCluster?.provider ?? new k8s.Provider("cluster", { context: spec.kubernetes.context, kubeconfig: spec.kubernetes.kubeconfig });
    // Where the managed data services live: the private subnets of the VPC the estate builds, or `estate:network`.
    const network = eksCluster?.dataNetwork ?? (spec.network ? dataNetworkOf(spec.network) : undefined);
    // IRSA through the OIDC provider of the cluster the estate builds, or the one `estate:backup.jobs` names.
    const irsa = eksCluster?.irsa ?? spec.backup.jobs.irsa;
    // What every app and in-cluster database relies on: namespaces, certificates, ingress.
    const platform = new Platform(
        "platform",
        {
            issuer: spec.platform.issuer,
            acmeEmail: spec.platform.acmeEmail,
            ingressClass: spec.platform.ingressClass,
            replicas: spec.platform.replicas,
            // Stacks deployed before the platform created `data` at the top level: adopt it, never replace it.
            namespaceAliases: { data: [{ name: "data", parent: pulumi.rootStackResource }] },
            // The node exporter needs host access, which only the privileged level admits.
            podSecurity: spec.monitoring.nodeExporter ? { monitoring: "privileged" } : undefined,
            // On the estate's own cluster: an NLB through the AWS Load Balancer Controller.
            loadBalancerAnnotations: eksCluster?.services.loadBalancerAnnotations,
            loadBalancerController: eksCluster?.services.ready,
            // Only Prometheus, in the platform's own monitoring namespace, reads the metrics ports.
            metricsScraper: { podLabels: { ...PROMETHEUS_POD_LABELS } },
        },
        { provider: cluster },
    );

    const backups = new BackupBucket("backups", {
        retention: spec.dr.retention,
        rtoMinutes: spec.dr.rtoMinutes,
        bucketName: spec.backup.bucketName,
        protectData: spec.protectData,
        objectLock: spec.backup.objectLock,
        replication: spec.backup.replication && spec.dr.drRegion ? { region: spec.dr.drRegion } : undefined,
        accessLogging: spec.backup.accessLogging,
        region: spec.region,
        tags: spec.tags,
    });

    const { data, backupTargets, monitored } = buildDataServices(spec, backups, platform, network);
    const awsBackup = buildAwsBackup(spec, backupTargets);
    const databaseAlarms = buildDatabaseAlarms(spec, monitored);
    const credentials = buildCredentials(spec, platform, data, irsa);
    const backupJobs = buildBackupJobs(spec, backups, platform, data, credentials, network, irsa);
    const monitoring = buildMonitoring(spec, platform, backupJobs, eksCluster?.services.storageClassName, databaseMonitoring(spec, platform, data));
    const grafanaContent = buildGrafana(spec, platform, monitoring);
    const errorTracking = buildErrorTracking(spec);

    // The apps, last: their environment comes from everything above.
    const parts: EstateParts = { spec, eksCluster, cluster, platform, backups, data, awsBackup, databaseAlarms, credentials, backupJobs, monitoring, grafana: grafanaContent, errorTracking };
    const services = buildApps(
        spec,
        platform,
        monitoring,
        (app) => appEnvironment(parts, app),
        credentials?.appEnv ?? [],
        managedDataEgress(spec, data, network),
        dataEndpoints(spec, platform, data, network),
        (app) => freshDumps(backupJobs, app),
    );

    return { ...parts, services };
}

/** Each declared data service, in the placement its config chooses. */
/** The managed databases AWS Backup protects: their ARNs, and where each type's test restores go. */
interface AwsBackupTargets {
    arns: pulumi.Output<string>[];
    restoreMetadata: Partial<Record<RestoreTestResourceType, Record<string, pulumi.Input<string>>>>;
}

/** `estate:network` (an existing VPC) as the data components take it. */
function dataNetworkOf(n: NonNullable<EstateSpec["network"]>): DataNetwork {
    return { vpcId: n.vpcId, subnetIds: n.privateSubnetIds, allowedSecurityGroupIds: n.allowedSecurityGroupIds, allowedCidrBlocks: n.allowedCidrBlocks };
}

/** The managed services' network; config.ts refuses a managed service without `estate:network` or `estate:cluster`. */
function requireNetwork(network: DataNetwork | undefined): DataNetwork {
    if (network === undefined) {
        throw new Error("a managed data service needs estate:network or estate:cluster (config.ts checks this)");
    }
    return network;
}

function buildDataServices(
    spec: EstateSpec,
    backups: BackupBucket,
    platform: Platform,
    dataNetwork: DataNetwork | undefined,
): { data: Estate["data"]; backupTargets: AwsBackupTargets; monitored: MonitoredDatabase[] } {
    const objectives: DataObjectives = { rpoMinutes: spec.dr.rpoMinutes, dailyBackupDays: spec.dr.retention.dailyDays };
    const network = () => requireNetwork(dataNetwork);
    const managed = { protectData: spec.protectData, region: spec.region, tags: spec.tags, keyGuard: spec.backup.keyGuard };
    // The databases' recovery points keep their key: the backup account must be able to use it for its copies.
    const copyTo = spec.backup.plan.copyToAccount;
    const backupAccountId = copyTo && usesAwsBackup({ postgres: spec.data.postgres?.placement, mongo: spec.data.mongo?.placement }) ? arnAccount(copyTo.vaultArn) : undefined;
    // In the cluster: the platform's provider and `data` namespace; the apps are the only clients.
    const inCluster = { namespace: platform.namespaces.data, clients: { namespace: platform.namespaces.apps } satisfies DataClients, protectData: spec.protectData };
    // Prometheus scrapes the in-cluster databases' exporters: their NetworkPolicies admit it on the metrics port.
    const metricsScraper = prometheusScraper(platform.namespaces.monitoring);
    const clusterOpts: pulumi.ComponentResourceOptions = { provider: platform.provider };
    const data: Estate["data"] = {};
    /** The ARNs of the managed databases, for AWS Backup. */
    const backupTargets: AwsBackupTargets = { arns: [], restoreMetadata: {} };
    /** What the managed services run, for their CloudWatch alarms. */
    const monitored: MonitoredDatabase[] = [];

    const postgres = spec.data.postgres;
    if (postgres?.placement === "managed") {
        const db = new ManagedPostgres("postgres", {
            ...managed,
            version: postgres.version,
            engine: postgres.engine,
            instanceClass: postgres.instanceClass,
            storageGb: postgres.storageGb,
            maxStorageGb: postgres.maxStorageGb,
            instances: postgres.instances,
            identifier: postgres.identifier,
            network: network(),
            objectives,
            backupAccountId,
        });
        data.postgres = { placement: "managed", connection: db.connection };
        monitored.push(db.monitored);
        backupTargets.arns.push(db.databaseArn);
        backupTargets.restoreMetadata[postgres.engine === "aurora" ? "Aurora" : "RDS"] = db.restoreMetadata;
    } else if (postgres?.placement === "cluster") {
        const db = new ClusterPostgres(
            "postgres",
            {
                ...inCluster,
                version: postgres.version,
                instances: postgres.instances,
                storageGb: postgres.storageGb,
                objectives,
                backup: { bucketName: backups.bucketName, bucketArn: backups.bucketArn, kmsKeyArn: backups.kmsKeyArn, region: spec.region, iamRoleArn: postgres.backupRoleArn },
                // The Barman Cloud plugin's certificates come from cert-manager.
                requires: [platform.certManager],
                metricsScraper,
            },
            clusterOpts,
        );
        data.postgres = { placement: "cluster", connection: db.connection, servingPods: db.servingPodLabels, clusterName: db.clusterName, metricsEndpoint: db.metricsEndpoint };
    }

    const mongo = spec.data.mongo;
    if (mongo?.placement === "managed") {
        const db = new ManagedMongo("mongo", {
            ...managed,
            version: mongo.version,
            instanceClass: mongo.instanceClass,
            instances: mongo.instances,
            identifier: mongo.identifier,
            network: network(),
            objectives,
            backupAccountId,
        });
        data.mongo = { placement: "managed", connection: db.connection };
        monitored.push(db.monitored);
        backupTargets.arns.push(db.databaseArn);
        backupTargets.restoreMetadata.DocumentDB = db.restoreMetadata;
    } else if (mongo?.placement === "cluster") {
        const db = new ClusterMongo("mongo", { ...inCluster, version: mongo.version, instances: mongo.instances, storageGb: mongo.storageGb, metricsScraper }, clusterOpts);
        data.mongo = { placement: "cluster", connection: db.connection, servingPods: db.servingPodLabels, clusterName: "mongo", metricsEndpoint: db.metricsEndpoint };
    }

    const redis = spec.data.redis;
    if (redis?.placement === "managed") {
        const cache = new ManagedRedis("redis", { ...managed, version: redis.version, nodeType: redis.nodeType, nodes: redis.nodes, network: network(), objectives });
        data.redis = { placement: "managed", connection: cache.connection };
        monitored.push(cache.monitored);
    } else if (redis?.placement === "cluster") {
        const cache = new ClusterRedis("redis", { ...inCluster, version: redis.version, nodes: redis.nodes, storageGb: redis.storageGb, metricsScraper }, clusterOpts);
        data.redis = { placement: "cluster", connection: cache.connection, servingPods: cache.servingPodLabels, clusterName: "redis", metricsEndpoint: cache.metricsEndpoint };
    }
    return { data, backupTargets, monitored };
}

/**
 * CloudWatch alarms on every managed database and cache, to one encrypted SNS topic that reaches
 * PagerDuty and Slack through their CloudWatch-side keys (`estate:alerting`); docs/alarms.md. The
 * topic exists whenever a database is managed, receivers or not.
 */
function buildDatabaseAlarms(spec: EstateSpec, monitored: MonitoredDatabase[]): DatabaseAlarms | undefined {
    if (monitored.length === 0) {
        return undefined;
    }
    const { slack, pagerduty } = spec.alerting;
    return new DatabaseAlarms("database-alarms", {
        databases: monitored,
        thresholds: spec.monitoring.databases,
        rpoMinutes: spec.dr.rpoMinutes,
        pagerduty: pagerduty?.cloudwatchIntegrationKey ? { integrationKey: pagerduty.cloudwatchIntegrationKey } : undefined,
        slack: slack?.teamId && slack.channelId ? { teamId: slack.teamId, channelId: slack.channelId, configurationName: `${spec.stack}-database-alarms` } : undefined,
        region: spec.region,
        tags: spec.tags,
    });
}

/**
 * AWS Backup of the managed databases of record (Postgres, MongoDB; Redis is a cache). A vault, keys
 * and a plan with nothing to protect cost money and, locked, can never be removed: it exists only
 * when a database is managed (`usesAwsBackup`, the predicate the config's feasibility checks use).
 */
function buildAwsBackup(spec: EstateSpec, databases: AwsBackupTargets): BackupPlan | undefined {
    if (!usesAwsBackup({ postgres: spec.data.postgres?.placement, mongo: spec.data.mongo?.placement })) {
        return undefined;
    }
    return new BackupPlan("aws-backup", {
        retention: spec.dr.retention,
        // AWS Backup takes over RDS automated backups and sets their retention to this: it must equal the
        // databases' own backupRetentionPeriod, which the data components derive with the same function
        // from the same objectives (test/stacks/stacks.test.ts asserts they agree).
        continuousBackup: { days: nativeBackupRetentionDays(spec.dr.retention, { protectData: spec.protectData }) },
        // By ARN; the databases also carry the estate:backup tag, which the plan's tag selection selects.
        resources: databases.arns,
        drRegion: spec.dr.drRegion,
        // The copy that survives a compromise of this account; and keys only the break-glass role may destroy.
        copyToAccount: spec.backup.plan.copyToAccount,
        keyGuard: spec.backup.keyGuard,
        vaultLock: spec.backup.plan.vaultLock,
        // Test restores land in the databases' own subnet and security groups.
        restoreTesting: spec.backup.plan.restoreTesting ? { ...spec.backup.plan.restoreTesting, restoreMetadataOverrides: databases.restoreMetadata } : false,
        protectData: spec.protectData,
        region: spec.region,
        tags: spec.tags,
    });
}

/**
 * The External Secrets Operator, when a data service's credential rotates (managed Postgres: RDS
 * rotates its master password): its store may read exactly those secrets, through IRSA when the
 * stack names the cluster's OIDC provider (`estate:backup.jobs.oidcProviderArn`), and the apps'
 * `DATABASE_URL` is a Secret in `apps` it rebuilds from the current password.
 */
function buildCredentials(spec: EstateSpec, platform: Platform, data: Estate["data"], irsa: IrsaProvider | undefined): EstateCredentials | undefined {
    const rotating = Object.values(data).flatMap((service) => (service?.connection.rotating ? [service.connection.rotating] : []));
    if (rotating.length === 0) {
        return undefined;
    }
    const sync = new ExternalSecrets(
        "external-secrets",
        {
            secretArns: rotating.map((r) => r.secretArn),
            kmsKeyArns: rotating.map((r) => r.kmsKeyArn),
            region: spec.region,
            consumerNamespaces: [platform.namespaces.apps, platform.namespaces.data],
            irsa,
            replicas: spec.platform.replicas,
            tags: spec.tags,
        },
        { provider: platform.provider },
    );
    const appEnv: EstateCredentials["appEnv"] = [];
    const postgres = data.postgres?.connection.rotating;
    if (postgres) {
        const secretName = "postgres-connection";
        const synced = syncedSecret(
            "postgres-app-connection",
            { namespace: platform.namespaces.apps, secretName, store: sync.store, source: postgres, template: { DATABASE_URL: uriTemplate(postgres) } },
            { parent: sync },
        );
        appEnv.push({ secretName, variables: ["DATABASE_URL"], dependsOn: [synced], secretArn: postgres.secretArn });
    }
    return { sync, appEnv };
}

/**
 * A backup CronJob and a restore-drill CronJob per data service, in the `data` namespace next to
 * the databases (restricted Pod Security and default-deny like every estate namespace; the
 * credentials they read already live there), all running one image. Managed Redis is left out:
 * ElastiCache refuses `SYNC` (`redis-cli --rdb`), so its daily snapshots are its backups.
 */
function buildBackupJobs(
    spec: EstateSpec,
    backups: BackupBucket,
    platform: Platform,
    data: Estate["data"],
    credentials: EstateCredentials | undefined,
    network: DataNetwork | undefined,
    irsa: IrsaProvider | undefined,
): EstateBackupJobs {
    const settings = spec.backup.jobs;
    const services = (["postgres", "mongo", "redis"] as const).filter((s) => data[s] !== undefined && !(s === "redis" && data[s]?.placement === "managed"));
    if (!settings.enabled || services.length === 0) {
        return { jobs: {}, targets: [] };
    }
    const image =
        settings.image ??
        new BackupImage("backup-image", {
            engines: { postgres: spec.data.postgres ? { version: spec.data.postgres.version } : undefined },
            forceDelete: !spec.protectData,
            region: spec.region,
            tags: spec.tags,
        }).reference;
    const jobs: EstateBackupJobs["jobs"] = {};
    const targets: BackupTarget[] = [];
    for (const service of services) {
        targets.push({
            service,
            database: service === "redis" ? "all" : APP_DATABASE,
            engine: service,
            backupIntervalMinutes: cronIntervalMinutes(settings.backupSchedule),
            drillIntervalDays: Math.ceil(cronIntervalMinutes(settings.drillSchedule) / 1440),
        });
        const target = data[service]!;
        jobs[service] = new BackupJobs(
            `${service}-backup-jobs`,
            {
                engine: service,
                service,
                connection: target.connection,
                // A rotating credential is synced into the jobs' namespace at run time.
                secretStore: target.connection.rotating ? credentials!.sync.store : undefined,
                namespace: platform.namespaces.data,
                bucket: { name: backups.bucketName, arn: backups.bucketArn, kmsKeyArn: backups.kmsKeyArn, region: spec.region },
                image,
                rtoMinutes: spec.dr.rtoMinutes,
                rpoMinutes: spec.dr.rpoMinutes,
                version: service === "redis" ? undefined : spec.data[service]!.version,
                backupSchedule: settings.backupSchedule,
                drillSchedule: settings.drillSchedule,
                drillSqlChecks: service === "postgres" && settings.drillSqlChecks.length > 0 ? settings.drillSqlChecks : undefined,
                pushgatewayUrl: settings.pushgatewayUrl ?? pushgatewayServiceUrl(platform.namespaceNames.monitoring),
                irsa,
                databasePods: target.servingPods,
                databaseAddress: target.placement === "managed" ? managedServiceAddress(requireNetwork(network), { region: spec.region }) : undefined,
                databaseEgress: target.placement === "managed" ? [managedServicesEgressRule(requireNetwork(network), [target.connection.port], { region: spec.region })] : undefined,
                region: spec.region,
                tags: spec.tags,
            },
            { provider: platform.provider },
        );
    }
    return { image, jobs, targets };
}

/**
 * The apps' way to the managed data services: the NetworkPolicy of an app admits DNS, the `data`
 * namespace and HTTPS; a managed database listens on its own port in the private subnets.
 */
function managedDataEgress(spec: EstateSpec, data: Estate["data"], network: DataNetwork | undefined): EgressRule[] {
    const ports = Object.values(data).flatMap((service) => (service?.placement === "managed" ? [service.connection.port] : []));
    return ports.length === 0 ? [] : [managedServicesEgressRule(requireNetwork(network), ports, { region: spec.region })];
}

/** Where each data service is, for the apps' declared network flows: its serving pods, or an address in its subnets. */
function dataEndpoints(spec: EstateSpec, platform: Platform, data: Estate["data"], network: DataNetwork | undefined): { name: string; to: EndpointInput; port: pulumi.Input<number> }[] {
    return (Object.entries(data) as [string, DataService | undefined][]).flatMap(([service, entry]) => {
        if (entry === undefined) {
            return [];
        }
        const to =
            entry.placement === "cluster" && entry.servingPods
                ? podEndpoint(platform.namespaces.data, entry.servingPods)
                : ipEndpoint(managedServiceAddress(requireNetwork(network), { region: spec.region }));
        return [{ name: service, to, port: entry.connection.port }];
    });
}

/**
 * What watches the in-cluster databases: a PodMonitor per exporter (each component admits
 * Prometheus on its metrics port) and the rule groups `estate-postgres`, `estate-redis`,
 * `estate-mongo` from `estate:monitoring.databases` and the RPO. Managed databases are alarmed on
 * AWS instead.
 */
function databaseMonitoring(spec: EstateSpec, platform: Platform, data: Estate["data"]): { scrapeTargets: ScrapeTarget[]; ruleGroups: RuleGroup[] } {
    const inCluster = (entry: DataService | undefined) => (entry?.placement === "cluster" && entry.clusterName !== undefined ? entry : undefined);
    const scraped: [string, string, DataService | undefined][] = [
        ["postgres", "CloudNativePG's exporter on the PostgreSQL instances", data.postgres],
        ["redis", "the redis_exporter sidecar of the Redis servers", data.redis],
        ["mongo", "the mongodb_exporter sidecar of the MongoDB members", data.mongo],
    ];
    const scrapeTargets = scraped.flatMap(([name, description, entry]) => {
        const endpoint = inCluster(entry)?.metricsEndpoint;
        return endpoint ? [{ name, description, ...endpoint }] : [];
    });
    const namespace = platform.namespaceNames.data;
    const name = (entry: DataService | undefined) => inCluster(entry)?.clusterName;
    const [postgres, redis, mongo] = [name(data.postgres), name(data.redis), name(data.mongo)];
    const ruleGroups = dataRuleGroups(
        {
            postgres: postgres !== undefined ? { namespace, cluster: postgres } : undefined,
            redis: redis !== undefined ? { namespace, release: redis } : undefined,
            mongo: mongo !== undefined ? { namespace, replicaSet: mongo } : undefined,
        },
        spec.monitoring.databases,
        { rpoMinutes: spec.dr.rpoMinutes },
    );
    return { scrapeTargets, ruleGroups };
}

/** Metrics, alerts and dashboards of everything the estate runs, apps included. */
function buildMonitoring(
    spec: EstateSpec,
    platform: Platform,
    backupJobs: EstateBackupJobs,
    clusterStorageClass: string | undefined,
    databases: { scrapeTargets: ScrapeTarget[]; ruleGroups: RuleGroup[] },
): Monitoring {
    return new Monitoring(
        "monitoring",
        {
            namespace: platform.namespaces.monitoring,
            prometheus: spec.monitoring.prometheus,
            alertmanagerReplicas: spec.monitoring.alertmanager.replicas,
            // Unset: the default StorageClass the estate's own cluster creates (encrypted gp3), else the cluster's default.
            storageClass: spec.monitoring.storageClass ?? clusterStorageClass,
            nodeExporter: spec.monitoring.nodeExporter,
            receivers: spec.alerting,
            ruleGroups: [
                ...estateRuleGroups(monitoredServices(spec, platform), spec.monitoring.thresholds),
                ...(backupJobs.targets.length > 0 ? drAlertRules({ rpoMinutes: spec.dr.rpoMinutes, rtoMinutes: spec.dr.rtoMinutes }, backupJobs.targets) : []),
                ...databases.ruleGroups,
            ],
            grafana: spec.grafana.host ? { host: spec.grafana.host, ingress: platform.appIngress } : undefined,
            pushgatewayClients: [platform.namespaces.apps, platform.namespaces.data],
            certManagerNamespace: platform.namespaces.certManager,
            scrapeTargets: [...edgeScrapeTargets(platform), ...databases.scrapeTargets],
        },
        { provider: platform.provider },
    );
}

/** The ingress controller's request metrics: every web app seen from the edge. */
function edgeScrapeTargets(platform: Platform): ScrapeTarget[] {
    return [{ name: "traefik", description: "Traefik's request metrics (every web app seen from the edge)", ...platform.metricsEndpoint }];
}

function monitoredServices(spec: EstateSpec, platform: Platform): MonitoredService[] {
    return Object.values(spec.services).map((s) => ({ name: s.name, namespace: platform.namespaceNames.apps, kind: s.kind, replicas: s.replicas, httpMetrics: s.httpMetrics }));
}

/** Grafana's API is reachable only once Grafana runs: its objects wait for estate:grafana.url. */
function buildGrafana(spec: EstateSpec, platform: Platform, monitoring: Monitoring): GrafanaContent | undefined {
    if (spec.grafana.url === undefined) {
        return undefined;
    }
    // The provider, and so every Grafana object, waits until the monitoring stack (Grafana) is deployed.
    const provider = new grafana.Provider(
        "grafana",
        { url: spec.grafana.url, auth: spec.grafana.auth ?? pulumi.interpolate`${monitoring.grafanaAdminUser}:${monitoring.grafanaAdminPassword}` },
        { dependsOn: [monitoring] },
    );
    return new GrafanaContent(
        "grafana",
        {
            instance: spec.stack,
            prometheusUrl: monitoring.prometheusUrl,
            alertmanagerUrl: monitoring.alertmanagerUrl,
            services: monitoredServices(spec, platform),
            thresholds: spec.monitoring.thresholds,
            objectives: { rpoMinutes: spec.dr.rpoMinutes, rtoMinutes: spec.dr.rtoMinutes },
        },
        { provider },
    );
}

/** Sentry's team, a project and a key per app; only once estate:sentry.organization is set. */
function buildErrorTracking(spec: EstateSpec): ErrorTracking | undefined {
    if (spec.sentry.organization === undefined) {
        return undefined;
    }
    // Without a token in config, the provider reads SENTRY_AUTH_TOKEN.
    const provider = new sentry.Provider("sentry", { token: spec.sentry.token, baseUrl: spec.sentry.baseUrl });
    return new ErrorTracking(
        "sentry",
        {
            organization: spec.sentry.organization,
            team: spec.sentry.team,
            apps: Object.keys(spec.services),
            instance: spec.stack,
            platform: spec.sentry.platform,
            rateLimit: spec.sentry.rateLimit,
            protect: spec.protectData,
        },
        { provider },
    );
}

/**
 * Before an app's migration: a fresh dump of each database of record (Postgres, MongoDB) by its
 * backup job, named for the release, so every new release's migration runs behind its own dump.
 */
function freshDumps(backupJobs: EstateBackupJobs, app: string): (release: pulumi.Output<string>) => pulumi.Resource[] {
    return (release) =>
        (["postgres", "mongo"] as const).flatMap((service) => {
            const jobs = backupJobs.jobs[service];
            return jobs ? [jobs.oneOffBackup(`${app}-predeploy-${service}-backup`, pulumi.interpolate`${app}-${release}`)] : [];
        });
}

/** One AppService per `estate:services` entry, in the platform's `apps` namespace. */
function buildApps(
    spec: EstateSpec,
    platform: Platform,
    monitoring: Monitoring,
    environment: (app: string) => Record<string, pulumi.Input<string>>,
    syncedEnv: SyncedEnvSource[],
    egress: EgressRule[],
    dataServices: { name: string; to: EndpointInput; port: pulumi.Input<number> }[],
    dumpsBeforeMigration: (app: string) => (release: pulumi.Output<string>) => pulumi.Resource[],
): Record<string, AppService> {
    const services: Record<string, AppService> = {};
    for (const { name, migrate, ...service } of Object.values(spec.services)) {
        services[name] = new AppService(
            name,
            {
                ...service,
                namespace: platform.namespaces.apps,
                ingress: service.kind === "web" ? platform.appIngress : undefined,
                network: platform.appNetwork,
                monitoring: monitoring.appMonitoring,
                egress,
                dataServices,
                secretEnv: environment(name),
                migration: migrate ? { command: migrate, before: dumpsBeforeMigration(name) } : undefined,
                syncedEnv: syncedEnv.map(({ secretName, variables, dependsOn }) => ({ secretName, variables, dependsOn })),
                forceDeleteRepository: !spec.protectData,
                region: spec.region,
                tags: spec.tags,
            },
            { provider: platform.provider },
        );
    }
    return services;
}
