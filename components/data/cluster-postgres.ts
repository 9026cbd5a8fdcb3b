/**
 * `ClusterPostgres`: PostgreSQL in the Kubernetes cluster through CloudNativePG. The operator and
 * its Barman Cloud plugin come as Helm releases; the database is a `Cluster` with the requested
 * instances and storage, TLS only (the operator's CA, TLS 1.3, non-TLS connections rejected),
 * continuous WAL archiving and base backups to the estate's backup bucket through the plugin's
 * `ObjectStore` (the way CloudNativePG >= 1.26 recommends; the in-tree `barmanObjectStore` is
 * deprecated), a daily `ScheduledBackup`, and generated credentials in a Kubernetes Secret.
 *
 * Network: the operator and the plugin get their own namespace (`cnpg-system`: the estate's labels,
 * restricted Pod Security, default-deny). NetworkPolicies admit to the instances only the client
 * pods (port 5432), the operator (status port 8000 and 5432) and the cluster's own instances
 * (streaming replication), and, given `metricsScraper`, Prometheus on the instances' metrics port
 * (9187); the instances reach only DNS, each other, and port 443/6443 (the API server, which the
 * instance manager reports to, and S3 for the WAL archive).
 *
 * Metrics: every instance serves CloudNativePG's exporter on port 9187 (`metrics`): the
 * `cnpg_collector_*` series and those of the default queries, which the operator chart installs
 * as the `cnpg-default-monitoring` ConfigMap and names in `MONITORING_QUERIES_CONFIGMAP`
 * (cloudnative-pg/charts, charts/cloudnative-pg/templates/monitoring-configmap.yaml and
 * deployment.yaml at cloudnative-pg-v0.29.0; docs/src/monitoring.md at v1.30.0). `metricsEndpoint`
 * says what to scrape; `Monitoring` creates the PodMonitor (the way the docs recommend: the
 * operator's own `enablePodMonitor` is deprecated).
 *
 * The Kubernetes provider comes from the component's options (`provider`/`providers`), and is
 * required: children inherit it; the ambient default provider is never used.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_WINDOWS, checkDataObjectives, walArchiveTimeoutSeconds, type DataObjectives } from "../backup/objectives";
import { ESTATE_LABELS, NAMESPACE_NAME_LABEL, NETWORK_FLOWS_OUTPUT, podSecurityLabels } from "../k8s/conventions";
import { API_SERVER_PORT, EXTERNAL_ADDRESSES, type FlowInput, declaredFlows, dnsFlows, ipEndpoint, podEndpoint } from "../k8s/flows";
import { apiServerEgressRule, dnsEgressRule, isolationPolicies, namespacePeer, tcp } from "../k8s/network-policies";
import { requireKubernetesProvider } from "../k8s/provider";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { charts, images, releaseSource } from "../lib/charts";
import { type DataClients, type MetricsEndpoint, type MetricsScraper, checkClients, checkMetricsScraper, clientPeer, metricsIngress } from "./clients";
import { APP_DATABASE, makeConnection, type DatabaseConnection } from "./connection";
import { POSTGRES_PORT, POSTGRES_VERSIONS, type PostgresVersion } from "./managed-postgres";

/** The plugin's name, as `Cluster.spec.plugins` and `ScheduledBackup.spec.pluginConfiguration` refer to it. */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";
/** Where the WAL archive and base backups live in the backup bucket (outside the tier prefixes: see docs/design.md, ClusterPostgres). */
export const POSTGRES_BACKUP_PREFIX = "postgres";
/** The instance manager's status port, which the operator calls. */
export const CNPG_STATUS_PORT = 8000;
/** The operator's admission webhook port, which the API server calls. */
export const CNPG_WEBHOOK_PORT = 9443;
/** The Barman Cloud plugin's gRPC port, which the operator calls. */
export const BARMAN_CLOUD_PLUGIN_PORT = 9090;
/** Labels of the operator's and of the plugin's pods (the charts' `app.kubernetes.io/name`). */
export const CNPG_OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "cloudnative-pg" } as const;
export const BARMAN_CLOUD_PLUGIN_POD_LABELS = { "app.kubernetes.io/name": "plugin-barman-cloud" } as const;
/** Each instance's exporter: "on port 9187, named `metrics`" (cloudnative-pg docs/src/monitoring.md at v1.30.0). */
export const CNPG_METRICS_PORT = { name: "metrics", number: 9187 } as const;
/** The label CloudNativePG puts on every pod of a `Cluster` (instances and their jobs). */
export const CNPG_CLUSTER_LABEL = "cnpg.io/cluster";

/** Where continuous backups go: the estate's backup bucket. */
export interface ClusterPostgresBackup {
    /** The backup bucket's name. */
    bucketName: pulumi.Input<string>;
    /** The backup bucket's ARN (for the writer's IAM policy). */
    bucketArn: pulumi.Input<string>;
    /** The bucket's KMS key: uploads are encrypted with it by the bucket's default encryption. */
    kmsKeyArn: pulumi.Input<string>;
    /** The bucket's AWS region. */
    region: string;
    /**
     * An IAM role for the instances' service account (EKS IRSA): barman-cloud then inherits it.
     * Default: an IAM user with an access key allowed only this cluster's prefix and the bucket key,
     * kept in a Kubernetes Secret (works on any cluster).
     */
    iamRoleArn?: pulumi.Input<string>;
}

export interface ClusterPostgresArgs {
    /** PostgreSQL major version: 14, 15, 16 or 17 (images pinned in `components/lib/charts.ts`). Required. */
    version: PostgresVersion;
    /** The namespace of the database (and its secrets). Required. */
    namespace: pulumi.Input<string>;
    /**
     * The stack's objectives: the archive keeps a recovery window of `dailyBackupDays` days, and a
     * WAL segment is archived at least every `walArchiveTimeoutSeconds(rpoMinutes)` seconds
     * (`archive_timeout`: half the RPO, 60 to 300 s), the rule the config's feasibility check relies on.
     * Required.
     */
    objectives: DataObjectives;
    /** The backup bucket and how to write to it. Required. */
    backup: ClusterPostgresBackup;
    /** PostgreSQL instances: a primary and streaming replicas on different nodes, 1 to 9. Default: 2. */
    instances?: number;
    /** Volume size per instance in GiB. Default: 20. */
    storageGb?: number;
    /** StorageClass of the volumes. Default: the cluster's default class. */
    storageClass?: string;
    /** The application database. Default: `app`. */
    database?: string;
    /** Its owner, whose generated password is in the credentials Secret. Default: `app`. */
    user?: string;
    /** The pods that may connect (port 5432 only). Default: pods labelled `app.kubernetes.io/part-of: estate` in namespace `apps`. */
    clients?: DataClients;
    /**
     * Install the CloudNativePG operator and the Barman Cloud plugin, in `operatorNamespace`, which
     * this component then creates. Set `false` when another `ClusterPostgres` or the platform already
     * runs them (only one operator per cluster). Default: `true`.
     */
    installOperator?: boolean;
    /**
     * The namespace of the operator and the plugin (they must share one; the instances admit the
     * operator from there). Created with the estate's labels, restricted Pod Security and
     * default-deny NetworkPolicies when `installOperator`. Default: `cnpg-system`.
     */
    operatorNamespace?: string;
    /** The Pod Security Standards version the operator namespace's labels pin: `latest` or `v1.<minor>`. Default: `latest`. */
    podSecurityVersion?: string;
    /**
     * Resources the operator releases wait for. The Barman Cloud plugin needs cert-manager (its
     * certificates are cert-manager `Certificate`s): pass cert-manager's release, e.g.
     * `Platform.certManager`, so a first `pulumi up` installs it first. Default: none.
     */
    requires?: pulumi.Resource[];
    /** `protect` and `retainOnDelete` on the `Cluster` and its credentials. Default: `true`. */
    protectData?: boolean;
    /** The pods that scrape the instances' metrics (port 9187 only), usually `prometheusScraper(monitoringNamespace)`. Default: none admitted. */
    metricsScraper?: MetricsScraper;
}

const defaults = {
    instances: 2,
    storageGb: 20,
    database: APP_DATABASE,
    user: "app",
    installOperator: true,
    operatorNamespace: "cnpg-system",
    podSecurityVersion: "latest",
    protectData: true,
    requires: [] as pulumi.Resource[],
} satisfies Partial<ClusterPostgresArgs>;

const TYPE = "estate:data:ClusterPostgres";

export class ClusterPostgres extends pulumi.ComponentResource {
    /** Host (the read-write service), port, database, user, secret password and secret URI (`sslmode=require`). */
    readonly connection: DatabaseConnection;
    /** The `Cluster`'s name. */
    readonly clusterName: string;
    /** The Kubernetes Secret with the application user's credentials (`kubernetes.io/basic-auth`). */
    readonly credentialsSecretName: string;
    /** Where the WAL archive and base backups go, e.g. `s3://<bucket>/postgres/<name>`. */
    readonly backupDestination: pulumi.Output<string>;
    /** `archive_timeout` in seconds. */
    readonly archiveTimeoutSeconds: number;
    /** Labels of the pods behind `connection.host` (the instances), for NetworkPolicies of other clients such as the backup jobs. */
    readonly servingPodLabels: Record<string, string>;
    /** What Prometheus scrapes: every instance's exporter (port 9187, `metrics`, no auth), selected by `cnpg.io/cluster`. */
    readonly metricsEndpoint: MetricsEndpoint;

    constructor(name: string, args: ClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        requireKubernetesProvider(`ClusterPostgres ${JSON.stringify(name)}`, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const namespace = a.namespace;
        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const labels = { ...ESTATE_LABELS, "app.kubernetes.io/component": "postgres", "app.kubernetes.io/instance": name };

        // 1. The operator and the plugin (CRDs: Cluster, ScheduledBackup, ObjectStore), in their own namespace.
        const releases: pulumi.Resource[] = [];
        if (a.installOperator) {
            const operatorNamespace = this.operatorNamespace(name, a.operatorNamespace, a.podSecurityVersion, namespace);
            const operator = new k8s.helm.v3.Release(
                `${name}-operator`,
                {
                    name: "cnpg",
                    ...releaseSource(charts.cloudnativePg),
                    namespace: operatorNamespace,
                    values: { crds: { create: true } },
                    atomic: true,
                    timeout: 600,
                },
                { parent: this, dependsOn: a.requires },
            );
            const plugin = new k8s.helm.v3.Release(
                `${name}-barman-cloud`,
                {
                    name: "barman-cloud",
                    ...releaseSource(charts.barmanCloudPlugin),
                    namespace: operatorNamespace,
                    atomic: true,
                    timeout: 600,
                },
                // The plugin's chart creates cert-manager Certificates: cert-manager must be running first.
                { parent: this, dependsOn: [operator, ...a.requires] },
            );
            releases.push(operator, plugin);
        }

        // 2. Who may talk to the instances, and what they may reach.
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: { name: `${name}-postgres`, namespace, labels },
                spec: instanceNetworkPolicySpec({ cluster: name, clients: a.clients, operatorNamespace: a.operatorNamespace, metricsScraper: a.metricsScraper }),
            },
            { parent: this },
        );

        // 3. Credentials of the application user, generated, in a basic-auth Secret the operator reads.
        const generated = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        const password = pulumi.secret(generated.result);
        const credentialsSecretName = `${name}-app`;
        const credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: credentialsSecretName, namespace, labels: { ...labels, "cnpg.io/reload": "true" } },
                type: "kubernetes.io/basic-auth",
                stringData: { username: a.user, password },
            },
            dataOpts,
        );

        // 4. Where backups go, and with which credentials.
        const destination = pulumi.interpolate`s3://${a.backup.bucketName}/${POSTGRES_BACKUP_PREFIX}/${name}`;
        const s3Credentials = a.backup.iamRoleArn !== undefined ? { inheritFromIAMRole: true } : this.backupWriter(name, a.backup, namespace, labels);
        const objectStoreName = `${name}-backups`;
        const objectStore = new k8s.apiextensions.CustomResource(
            `${name}-object-store`,
            {
                apiVersion: "barmancloud.cnpg.io/v1",
                kind: "ObjectStore",
                metadata: { name: objectStoreName, namespace, labels },
                spec: objectStoreSpec({ destination, s3Credentials, region: a.backup.region, retentionDays: a.objectives.dailyBackupDays }),
            },
            // The ObjectStore CRD comes with the plugin's release: it must exist first (docs/operations.md, on preview).
            { parent: this, dependsOn: releases },
        );

        // 5. The database.
        const archiveTimeout = walArchiveTimeoutSeconds(a.objectives.rpoMinutes);
        const cluster = new k8s.apiextensions.CustomResource(
            `${name}-cluster`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "Cluster",
                metadata: { name, namespace, labels },
                spec: clusterSpec({
                    version: a.version,
                    instances: a.instances,
                    storageGb: a.storageGb,
                    storageClass: a.storageClass,
                    database: a.database,
                    user: a.user,
                    credentialsSecretName,
                    objectStoreName,
                    archiveTimeoutSeconds: archiveTimeout,
                    iamRoleArn: a.backup.iamRoleArn,
                }),
            },
            { ...dataOpts, dependsOn: [...releases, objectStore, credentials] },
        );
        new k8s.apiextensions.CustomResource(
            `${name}-daily-backup`,
            {
                apiVersion: "postgresql.cnpg.io/v1",
                kind: "ScheduledBackup",
                metadata: { name: `${name}-daily`, namespace, labels },
                spec: {
                    schedule: BACKUP_WINDOWS.clusterBaseBackupSchedule,
                    immediate: true,
                    backupOwnerReference: "self",
                    cluster: { name },
                    method: "plugin",
                    pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
                },
            },
            { parent: this, dependsOn: [cluster] },
        );

        const host = pulumi.interpolate`${name}-rw.${namespace}.svc`;
        this.connection = makeConnection({ scheme: "postgresql", user: a.user, password, host, port: POSTGRES_PORT, database: a.database, query: { sslmode: "require" } });
        this.clusterName = name;
        this.credentialsSecretName = credentialsSecretName;
        this.backupDestination = destination;
        this.archiveTimeoutSeconds = archiveTimeout;
        this.servingPodLabels = { [CNPG_CLUSTER_LABEL]: name };
        this.metricsEndpoint = { namespace, podLabels: { [CNPG_CLUSTER_LABEL]: name }, port: { ...CNPG_METRICS_PORT }, path: "/metrics" };
        this.registerOutputs({
            connection: this.connection,
            clusterName: this.clusterName,
            credentialsSecretName: this.credentialsSecretName,
            backupDestination: this.backupDestination,
            archiveTimeoutSeconds: this.archiveTimeoutSeconds,
            [NETWORK_FLOWS_OUTPUT]: declaredFlows(
                `ClusterPostgres ${JSON.stringify(name)}`,
                clusterPostgresFlows({ cluster: name, namespace, operatorNamespace: a.installOperator ? a.operatorNamespace : undefined }),
            ),
        });
    }

    /**
     * The operator's namespace: the estate's labels and restricted Pod Security (the operator's and
     * the plugin's pods comply), nothing in or out but what the operator and the plugin need.
     * Returns its name, which resolves once the namespace exists.
     */
    private operatorNamespace(name: string, nsName: string, podSecurityVersion: string, clusterNamespace: pulumi.Input<string>): pulumi.Output<string> {
        const ns = new k8s.core.v1.Namespace(
            `${name}-operator-namespace`,
            { metadata: { name: nsName, labels: { ...ESTATE_LABELS, ...podSecurityLabels("restricted", podSecurityVersion) } } },
            { parent: this },
        );
        const namespace = ns.urn.apply(() => nsName);
        for (const [role, policyName, spec] of operatorNamespacePolicies(clusterNamespace)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-operator-${role}`, { metadata: { name: policyName, namespace, labels: ESTATE_LABELS }, spec }, { parent: this });
        }
        return namespace;
    }

    /**
     * An IAM user that may only write and read this cluster's prefix of the backup bucket and use the
     * bucket's key, with an access key kept in a Kubernetes Secret for barman-cloud.
     */
    private backupWriter(name: string, backup: ClusterPostgresBackup, namespace: pulumi.Input<string>, labels: Record<string, string>) {
        const user = new aws.iam.User(`${name}-backup-writer`, { path: "/estate/", tags: { "estate:purpose": `postgres ${name} WAL archive` } }, { parent: this });
        new aws.iam.UserPolicy(
            `${name}-backup-writer-policy`,
            {
                user: user.name,
                policy: pulumi
                    .all([backup.bucketArn, backup.kmsKeyArn])
                    .apply(([bucketArn, keyArn]) => JSON.stringify(backupWriterPolicy(bucketArn, keyArn, `${POSTGRES_BACKUP_PREFIX}/${name}`))),
            },
            { parent: this },
        );
        const accessKey = new aws.iam.AccessKey(`${name}-backup-writer-key`, { user: user.name }, { parent: this });
        const secretName = `${name}-backup-credentials`;
        new k8s.core.v1.Secret(
            `${name}-backup-credentials`,
            {
                metadata: { name: secretName, namespace, labels },
                type: "Opaque",
                stringData: { ACCESS_KEY_ID: accessKey.id, ACCESS_SECRET_KEY: pulumi.secret(accessKey.secret) },
            },
            { parent: this },
        );
        return {
            accessKeyId: { name: secretName, key: "ACCESS_KEY_ID" },
            secretAccessKey: { name: secretName, key: "ACCESS_SECRET_KEY" },
        };
    }
}

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * The NetworkPolicy of a cluster's pods (instances and their jobs): in, the clients on 5432, the
 * operator on 5432 and its status port, the cluster's own pods (replication, status), the metrics
 * scraper (if any) on 9187; out, DNS,
 * the cluster's own pods, and 443/6443 (the API server the instance manager reports to, and S3,
 * where the plugin's sidecar archives WAL and base backups).
 */
export function instanceNetworkPolicySpec(p: { cluster: string; clients?: DataClients; operatorNamespace: pulumi.Input<string>; metricsScraper?: MetricsScraper }): NetworkPolicySpec {
    const own = { podSelector: { matchLabels: { [CNPG_CLUSTER_LABEL]: p.cluster } } };
    return {
        podSelector: own.podSelector,
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            { from: [clientPeer(p.clients)], ports: tcp(POSTGRES_PORT) },
            { from: [namespacePeer(p.operatorNamespace, { ...CNPG_OPERATOR_POD_LABELS })], ports: tcp(CNPG_STATUS_PORT, POSTGRES_PORT) },
            { from: [own], ports: tcp(POSTGRES_PORT, CNPG_STATUS_PORT) },
            ...metricsIngress(p.metricsScraper, CNPG_METRICS_PORT.number),
        ],
        egress: [dnsEgressRule(), { to: [own], ports: tcp(POSTGRES_PORT, CNPG_STATUS_PORT) }, apiServerEgressRule()],
    };
}

/**
 * The operator namespace's NetworkPolicies, as `[role, name, spec]`: default-deny and DNS for
 * every pod; the operator admits the API server to its webhook and reaches the API server, the
 * instances of `clusterNamespace` and the plugin; the plugin admits the operator and reaches the
 * API server.
 */
export function operatorNamespacePolicies(clusterNamespace: pulumi.Input<string>): [string, string, NetworkPolicySpec][] {
    const operator = { podSelector: { matchLabels: { ...CNPG_OPERATOR_POD_LABELS } } };
    const plugin = { podSelector: { matchLabels: { ...BARMAN_CLOUD_PLUGIN_POD_LABELS } } };
    const instances = {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: clusterNamespace } },
        podSelector: { matchExpressions: [{ key: CNPG_CLUSTER_LABEL, operator: "Exists" }] },
    };
    return [
        ...isolationPolicies(),
        [
            "cnpg",
            "cnpg-operator",
            {
                podSelector: operator.podSelector,
                policyTypes: ["Ingress", "Egress"],
                // From the API server, whose address the pod network does not know: any source, this port only.
                ingress: [{ ports: tcp(CNPG_WEBHOOK_PORT) }],
                egress: [
                    apiServerEgressRule(),
                    { to: [instances], ports: tcp(CNPG_STATUS_PORT, POSTGRES_PORT) },
                    { to: [plugin], ports: tcp(BARMAN_CLOUD_PLUGIN_PORT) },
                ],
            },
        ],
        [
            "barman-cloud",
            "barman-cloud-plugin",
            {
                podSelector: plugin.podSelector,
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [operator], ports: tcp(BARMAN_CLOUD_PLUGIN_PORT) }],
                egress: [apiServerEgressRule()],
            },
        ],
    ];
}

/**
 * The network flows a cluster needs (see components/k8s/flows.ts): its instances resolve names,
 * replicate from each other, report to the API server and archive WAL to S3; with the operator
 * installed (in `operatorNamespace`), the API server calls the operator's webhook, the operator
 * calls the API server, the instances' status port and the Barman Cloud plugin, and the plugin
 * calls the API server. The apps' flows to the instances are the apps' to declare.
 */
export function clusterPostgresFlows(p: { cluster: string; namespace: pulumi.Input<string>; operatorNamespace?: string }): FlowInput[] {
    const instances = podEndpoint(p.namespace, { [CNPG_CLUSTER_LABEL]: p.cluster });
    const apiServer = ipEndpoint(EXTERNAL_ADDRESSES.apiServer);
    const flows: FlowInput[] = [
        ...dnsFlows("postgres", instances, `The ${p.cluster} instances`),
        { name: "postgres-replication", description: `The ${p.cluster} replicas stream WAL from the primary.`, from: instances, to: instances, port: POSTGRES_PORT },
        { name: "postgres-to-api-server", description: "The instance manager reports the instance's state to the API server.", from: instances, to: apiServer, port: API_SERVER_PORT },
        {
            name: "postgres-to-s3",
            description: "The Barman Cloud plugin's sidecar archives WAL and base backups to the backup bucket (S3, HTTPS).",
            from: instances,
            to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
            port: 443,
        },
    ];
    if (p.operatorNamespace !== undefined) {
        const operator = podEndpoint(p.operatorNamespace, { ...CNPG_OPERATOR_POD_LABELS });
        const plugin = podEndpoint(p.operatorNamespace, { ...BARMAN_CLOUD_PLUGIN_POD_LABELS });
        flows.push(
            ...dnsFlows("cnpg-operator", operator, "The CloudNativePG operator"),
            ...dnsFlows("barman-cloud", plugin, "The Barman Cloud plugin"),
            { name: "api-server-to-cnpg-webhook", description: "The API server calls CloudNativePG's admission webhooks for Clusters, Backups and Poolers.", from: apiServer, to: operator, port: CNPG_WEBHOOK_PORT },
            { name: "cnpg-operator-to-api-server", description: "The operator reconciles its resources through the API server.", from: operator, to: apiServer, port: API_SERVER_PORT },
            { name: "cnpg-operator-to-instances", description: "The operator polls each instance's status port.", from: operator, to: instances, port: CNPG_STATUS_PORT },
            { name: "cnpg-operator-to-barman-cloud", description: "The operator calls the Barman Cloud plugin over gRPC (CNPG-I).", from: operator, to: plugin, port: BARMAN_CLOUD_PLUGIN_PORT },
            { name: "barman-cloud-to-api-server", description: "The Barman Cloud plugin reads ObjectStores and Secrets through the API server.", from: plugin, to: apiServer, port: API_SERVER_PORT },
        );
    }
    return flows;
}

/** The `ObjectStore` spec: the bucket prefix, credentials, compression, and Barman's recovery window. */
export function objectStoreSpec(p: { destination: pulumi.Input<string>; s3Credentials: Record<string, unknown>; region: string; retentionDays: number }) {
    return {
        configuration: {
            destinationPath: p.destination,
            s3Credentials: p.s3Credentials,
            // No `encryption`: the bucket's default SSE-KMS applies; its policy refuses uploads that ask for another key.
            wal: { compression: "gzip", maxParallel: 2 },
            data: { compression: "gzip", jobs: 2 },
        },
        // Barman keeps every base backup and WAL needed to restore to any point of the window.
        retentionPolicy: `${p.retentionDays}d`,
        instanceSidecarConfiguration: { env: [{ name: "AWS_DEFAULT_REGION", value: p.region }] },
    };
}

/** The `Cluster` spec. */
export function clusterSpec(p: {
    version: PostgresVersion;
    instances: number;
    storageGb: number;
    storageClass?: string;
    database: string;
    user: string;
    credentialsSecretName: string;
    objectStoreName: string;
    archiveTimeoutSeconds: number;
    iamRoleArn?: pulumi.Input<string>;
}) {
    return {
        instances: p.instances,
        imageName: images.postgres[p.version],
        primaryUpdateStrategy: "unsupervised",
        // A single instance cannot be protected by a PDB without blocking node drains.
        enablePDB: p.instances > 1,
        enableSuperuserAccess: false,
        storage: { size: `${p.storageGb}Gi`, ...(p.storageClass !== undefined ? { storageClass: p.storageClass } : {}) },
        bootstrap: { initdb: { database: p.database, owner: p.user, secret: { name: p.credentialsSecretName } } },
        postgresql: {
            parameters: {
                archive_timeout: `${p.archiveTimeoutSeconds}s`,
                ssl_min_protocol_version: "TLSv1.3",
                password_encryption: "scram-sha-256",
            },
            // Before the operator's default `host all all all scram-sha-256`: no connection without TLS.
            pg_hba: ["hostnossl all all all reject"],
        },
        plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: p.objectStoreName } }],
        ...(p.iamRoleArn !== undefined ? { serviceAccountTemplate: { metadata: { annotations: { "eks.amazonaws.com/role-arn": p.iamRoleArn } } } } : {}),
    };
}

/** Least privilege for barman-cloud: its own prefix of the bucket, and the bucket's key. */
export function backupWriterPolicy(bucketArn: string, keyArn: string, prefix: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListOwnPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": [`${prefix}/*`, prefix] } } },
            { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucketArn },
            { Sid: "ReadWriteOwnPrefix", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucketArn}/${prefix}/*` },
            { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: keyArn },
        ],
    };
}

function validate(name: string, args: ClusterPostgresArgs): void {
    const check = new ArgChecker(`ClusterPostgres "${name}"`);
    check.matches("name", name, /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, "a lower-case DNS label of at most 40 characters (it names the Cluster and its services)");
    check.required("version", args.version, `one of ${POSTGRES_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, POSTGRES_VERSIONS);
    check.required("namespace", args.namespace, "the namespace of the database");
    checkClients(check, args.clients);
    checkMetricsScraper(check, args.metricsScraper);
    check.matches("operatorNamespace", args.operatorNamespace, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a lower-case DNS label such as cnpg-system");
    check.matches("podSecurityVersion", args.podSecurityVersion, /^(latest|v1\.\d{1,3})$/, "latest or a Kubernetes minor version such as v1.33");
    checkDataObjectives(check, args.objectives);
    check.backupBucket("backup", args.backup, { name: "bucketName", arn: "bucketArn", kmsKeyArn: "kmsKeyArn", region: "region" });
    check.int("instances", args.instances, 1, 9);
    check.int("storageGb", args.storageGb, 1, 65536);
    check.matches("database", args.database, /^[a-z][a-z0-9_]{0,62}$/, "a database name: a lower-case letter, then letters, digits or _ (at most 63)");
    check.matches("user", args.user, /^[a-z][a-z0-9_]{0,62}$/, "a user name: a lower-case letter, then letters, digits or _ (at most 63)");
    if (args.user === "postgres" || args.user === "streaming_replica") {
        check.fail("user", `must not be ${JSON.stringify(args.user)}: CloudNativePG reserves it`);
    }
}
