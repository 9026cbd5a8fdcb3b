/**
 * `ClusterMongo`: a MongoDB replica set in the Kubernetes cluster through MongoDB Controllers for
 * Kubernetes (MCK, MongoDB's maintained operator, which replaced the archived Community Operator):
 * the operator as a Helm release in the database's namespace (which it watches), and a
 * `MongoDBCommunity` with SCRAM authentication on, persistent volumes, and an application user
 * whose generated password lives in a Kubernetes Secret. Logical backups come with the DR work.
 *
 * Metrics: every member runs the community exporter (percona/mongodb_exporter, image pinned in
 * `components/lib/charts.ts`) as a sidecar, with `--collector.diagnosticdata --compatible-mode`
 * (serverStatus and replSetGetStatus series, and the replica-set series of the old exporter), on
 * port 9216 (`metrics`, no auth), logged in to its own member on localhost as a monitoring user
 * (`clusterMonitor` on admin, `read` on local: the exporter's README) whose generated password is
 * in a Secret. The operator's own endpoint (`spec.prometheus`) is not used: its series are the
 * MongoDB agent's, which upstream documents nowhere (mongodb/mongodb-kubernetes docs/mongodbcommunity/prometheus
 * at 1.9.1 shows only a sample dashboard). `metricsEndpoint` says what to scrape; `Monitoring`
 * creates the PodMonitor.
 *
 * Network: NetworkPolicies admit to the members only the client pods and the other members (port
 * 27017), and, given `metricsScraper`, Prometheus on the exporter's port; the members reach DNS, each other and the API server (the operator's readiness probe and
 * version hook record the agent's state on the pod). The operator admits the API server to its
 * webhook and reaches only the API server: in this community mode it configures the members
 * through a Secret their agents read, never over the network.
 *
 * The Kubernetes provider comes from the component's options, and is required; children inherit it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ESTATE_LABELS, NETWORK_FLOWS_OUTPUT } from "../k8s/conventions";
import { API_SERVER_PORT, EXTERNAL_ADDRESSES, type FlowInput, declaredFlows, dnsFlows, ipEndpoint, podEndpoint } from "../k8s/flows";
import { apiServerEgressRule, dnsEgressRule, tcp } from "../k8s/network-policies";
import { requireKubernetesProvider } from "../k8s/provider";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { charts, images, releaseSource } from "../lib/charts";
import { type DataClients, type MetricsEndpoint, type MetricsScraper, checkClients, checkMetricsScraper, clientPeer, metricsIngress } from "./clients";
import { APP_DATABASE, makeConnection, type DatabaseConnection } from "./connection";
import { MONGO_PORT, MONGO_VERSIONS, type MongoVersion } from "./managed-mongo";

/** Labels of the operator's pods (the chart's `operator.name`). */
export const MCK_OPERATOR_POD_LABELS = { "app.kubernetes.io/name": "mongodb-kubernetes-operator" } as const;
/** The operator's admission webhook port, which the API server calls. */
export const MCK_WEBHOOK_PORT = 1993;

/** The exporter sidecar's port (the exporter's default `--web.listen-address` :9216, percona/mongodb_exporter main.go at v0.53.0). */
export const MONGO_EXPORTER_PORT = { name: "metrics", number: 9216 } as const;
/** The MongoDB user the exporter logs in as. */
export const MONGO_EXPORTER_USER = "metrics-exporter";

/** The versions that run in the cluster (4.0 has no supported MongoDB release left). */
export const CLUSTER_MONGO_VERSIONS = Object.keys(images.mongodb) as (keyof typeof images.mongodb)[];

export interface ClusterMongoArgs {
    /** MongoDB API version, 5.0 or 8.0 (the same setting as DocumentDB's; releases pinned in `components/lib/charts.ts`). Required. */
    version: MongoVersion;
    /** The namespace of the database and of the operator, which watches it. Required. */
    namespace: pulumi.Input<string>;
    /** Replica set members, 1 to 7; 3 survive the loss of one. Default: 3. */
    instances?: number;
    /** Data volume per member in GiB. Default: 10. */
    storageGb?: number;
    /** StorageClass of the volumes. Default: the cluster's default class. */
    storageClass?: string;
    /** The application database the user may read and write. Default: `app`. */
    database?: string;
    /** The application user (authenticates against `admin`). Default: `app`. */
    user?: string;
    /** The pods that may connect (port 27017 only). Default: pods labelled `app.kubernetes.io/part-of: estate` in namespace `apps`. */
    clients?: DataClients;
    /** Install the MCK operator in `namespace`. `false` when the platform runs one that watches it. Default: `true`. */
    installOperator?: boolean;
    /** Resources the operator release waits for. Default: none. */
    requires?: pulumi.Resource[];
    /** `protect` and `retainOnDelete` on the `MongoDBCommunity` and its password Secret. Default: `true`. */
    protectData?: boolean;
    /** The pods that scrape the members' exporter (port 9216 only), usually `prometheusScraper(monitoringNamespace)`. Default: none admitted. */
    metricsScraper?: MetricsScraper;
}

const defaults = {
    instances: 3,
    storageGb: 10,
    database: APP_DATABASE,
    user: "app",
    installOperator: true,
    protectData: true,
    requires: [] as pulumi.Resource[],
} satisfies Partial<ClusterMongoArgs>;

const TYPE = "estate:data:ClusterMongo";

export class ClusterMongo extends pulumi.ComponentResource {
    /** Host (the replica set's service), port, database, user, secret password and secret URI. */
    readonly connection: DatabaseConnection;
    /** The Secret holding the application user's password (key `password`). */
    readonly passwordSecretName: string;
    /** Labels of the pods behind `connection.host` (the replica set's members), for NetworkPolicies of other clients such as the backup jobs. */
    readonly servingPodLabels: Record<string, string>;
    /** What Prometheus scrapes: the exporter sidecar of every member (port 9216, `metrics`, no auth). */
    readonly metricsEndpoint: MetricsEndpoint;

    constructor(name: string, args: ClusterMongoArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        requireKubernetesProvider(`ClusterMongo ${JSON.stringify(name)}`, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const namespace = a.namespace;
        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const labels = { ...ESTATE_LABELS, "app.kubernetes.io/component": "mongodb", "app.kubernetes.io/instance": name };

        const releases: pulumi.Resource[] = [];
        if (a.installOperator) {
            releases.push(
                new k8s.helm.v3.Release(
                    `${name}-operator`,
                    {
                        name: "mongodb-kubernetes",
                        ...releaseSource(charts.mongodbKubernetes),
                        namespace,
                        // Run the operand images the versions in charts.ts are published for: the chart's
                        // default repo (quay.io/mongodb) lacks some of them, Docker Hub has them (charts.ts imagePins).
                        values: { community: { mongodb: { repo: images.mongodbOperand.repo, imageType: images.mongodbOperand.imageType } } },
                        atomic: true,
                        timeout: 600,
                    },
                    { parent: this, dependsOn: a.requires },
                ),
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-operator-network-policy`,
                { metadata: { name: `${name}-operator`, namespace, labels }, spec: operatorNetworkPolicySpec() },
                { parent: this },
            );
        }
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            { metadata: { name: `${name}-mongodb`, namespace, labels }, spec: memberNetworkPolicySpec(labels, a.clients, a.metricsScraper) },
            { parent: this },
        );

        const generated = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        const password = pulumi.secret(generated.result);
        const passwordSecretName = `${name}-${a.user}-password`;
        const passwordSecret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: { name: passwordSecretName, namespace, labels }, type: "Opaque", stringData: { password } },
            dataOpts,
        );
        // The exporter's own login: read-only monitoring roles, a generated password.
        const exporterPassword = new random.RandomPassword(`${name}-exporter-password`, { length: 40, special: false }, { parent: this });
        const exporterSecretName = `${name}-${MONGO_EXPORTER_USER}-password`;
        const exporterSecret = new k8s.core.v1.Secret(
            `${name}-exporter-credentials`,
            { metadata: { name: exporterSecretName, namespace, labels }, type: "Opaque", stringData: { password: pulumi.secret(exporterPassword.result) } },
            { parent: this },
        );

        new k8s.apiextensions.CustomResource(
            `${name}-replica-set`,
            {
                apiVersion: "mongodbcommunity.mongodb.com/v1",
                kind: "MongoDBCommunity",
                metadata: { name, namespace, labels },
                spec: mongoSpec({
                    name,
                    version: a.version as keyof typeof images.mongodb,
                    members: a.instances,
                    storageGb: a.storageGb,
                    storageClass: a.storageClass,
                    database: a.database,
                    user: a.user,
                    passwordSecretName,
                    podLabels: labels,
                    exporterPasswordSecretName: exporterSecretName,
                }),
            },
            // The MongoDBCommunity CRD comes with the operator's release (docs/operations.md, on preview).
            { ...dataOpts, dependsOn: [...releases, passwordSecret, exporterSecret] },
        );

        const host = pulumi.interpolate`${name}-svc.${namespace}.svc`;
        this.connection = makeConnection({
            scheme: "mongodb",
            user: a.user,
            password,
            host,
            port: MONGO_PORT,
            database: a.database,
            query: { authSource: "admin", replicaSet: name },
        });
        this.passwordSecretName = passwordSecretName;
        this.servingPodLabels = labels;
        this.metricsEndpoint = { namespace, podLabels: labels, port: { ...MONGO_EXPORTER_PORT }, path: "/metrics" };
        this.registerOutputs({
            connection: this.connection,
            passwordSecretName,
            [NETWORK_FLOWS_OUTPUT]: declaredFlows(`ClusterMongo ${JSON.stringify(name)}`, clusterMongoFlows({ name, namespace, podLabels: labels, operator: a.installOperator })),
        });
    }
}

/**
 * The network flows of a replica set (see components/k8s/flows.ts): the members resolve names,
 * replicate from each other and reach the API server (the agent reads its automation config); with
 * the operator, the API server calls its webhook and the operator calls the API server. The apps'
 * flows to the members are the apps' to declare.
 */
export function clusterMongoFlows(p: { name: string; namespace: pulumi.Input<string>; podLabels: Record<string, string>; operator: boolean }): FlowInput[] {
    const members = podEndpoint(p.namespace, p.podLabels);
    const apiServer = ipEndpoint(EXTERNAL_ADDRESSES.apiServer);
    const flows: FlowInput[] = [
        ...dnsFlows("mongo", members, `The ${p.name} members`),
        { name: "mongo-replication", description: `The ${p.name} members replicate from each other.`, from: members, to: members, port: MONGO_PORT },
        { name: "mongo-to-api-server", description: "The members' agents read their automation config through the API server.", from: members, to: apiServer, port: API_SERVER_PORT },
    ];
    if (p.operator) {
        const operator = podEndpoint(p.namespace, { ...MCK_OPERATOR_POD_LABELS });
        flows.push(
            ...dnsFlows("mck-operator", operator, "The MongoDB operator"),
            { name: "api-server-to-mck-webhook", description: "The API server calls the MongoDB operator's admission webhook.", from: apiServer, to: operator, port: MCK_WEBHOOK_PORT },
            { name: "mck-operator-to-api-server", description: "The MongoDB operator reconciles its resources through the API server.", from: operator, to: apiServer, port: API_SERVER_PORT },
        );
    }
    return flows;
}

/** The `MongoDBCommunity` spec: a SCRAM-authenticated replica set with persistent volumes, and the exporter sidecar with its user. */
export function mongoSpec(p: {
    name: string;
    version: keyof typeof images.mongodb;
    members: number;
    storageGb: number;
    storageClass?: string;
    database: string;
    user: string;
    passwordSecretName: string;
    /** Labels added to the members' pods (the NetworkPolicy selects them by these). */
    podLabels: Record<string, string>;
    /** The Secret (key `password`) of the exporter's user. */
    exporterPasswordSecretName: string;
}) {
    return {
        type: "ReplicaSet",
        members: p.members,
        version: images.mongodb[p.version],
        security: { authentication: { modes: ["SCRAM"], ignoreUnknownUsers: false } },
        users: [
            {
                name: p.user,
                db: "admin",
                passwordSecretRef: { name: p.passwordSecretName },
                roles: [
                    { name: "readWrite", db: p.database },
                    { name: "dbAdmin", db: p.database },
                ],
                scramCredentialsSecretName: `${p.name}-${p.user}-scram`,
            },
            {
                name: MONGO_EXPORTER_USER,
                db: "admin",
                passwordSecretRef: { name: p.exporterPasswordSecretName },
                // What the exporter needs: "clusterMonitor role in admin db and read role in local db" (main.go, v0.53.0).
                roles: [
                    { name: "clusterMonitor", db: "admin" },
                    { name: "read", db: "local" },
                ],
                scramCredentialsSecretName: `${p.name}-${MONGO_EXPORTER_USER}-scram`,
            },
        ],
        statefulSet: {
            spec: {
                // Merged by the operator into the StatefulSet it generates: containers merge by name, so one of
                // another name is added (merge.Containers, pkg/util/merge/merge.go, mongodb/mongodb-kubernetes 1.9.1).
                template: { metadata: { labels: p.podLabels }, spec: { containers: [exporterContainer(p.exporterPasswordSecretName)] } },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data-volume" },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: `${p.storageGb}Gi` } },
                            ...(p.storageClass !== undefined ? { storageClassName: p.storageClass } : {}),
                        },
                    },
                ],
            },
        },
    };
}

/**
 * The exporter sidecar: its own member on localhost (a direct connection, the exporter's default),
 * the getDiagnosticData collector with the old exporter's replica-set series (`--compatible-mode`),
 * credentials from the environment (`MONGODB_USER`/`MONGODB_PASSWORD`, which keep them out of the
 * process list: the exporter's README), restricted Pod Security.
 */
export function exporterContainer(passwordSecretName: string) {
    return {
        name: "mongodb-exporter",
        image: images.mongodbExporter,
        args: ["--mongodb.uri=mongodb://127.0.0.1:27017/admin", "--collector.diagnosticdata", "--compatible-mode", `--web.listen-address=:${MONGO_EXPORTER_PORT.number}`],
        env: [
            { name: "MONGODB_USER", value: MONGO_EXPORTER_USER },
            { name: "MONGODB_PASSWORD", valueFrom: { secretKeyRef: { name: passwordSecretName, key: "password" } } },
        ],
        ports: [{ name: MONGO_EXPORTER_PORT.name, containerPort: MONGO_EXPORTER_PORT.number, protocol: "TCP" }],
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
        securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** The members: in, the clients and the other members on 27017, the metrics scraper (if any) on 9216; out, DNS, the other members, the API server. */
export function memberNetworkPolicySpec(podLabels: Record<string, string>, clients: DataClients | undefined, metricsScraper?: MetricsScraper): NetworkPolicySpec {
    const members = { podSelector: { matchLabels: podLabels } };
    return {
        podSelector: members.podSelector,
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            { from: [clientPeer(clients)], ports: tcp(MONGO_PORT) },
            { from: [members], ports: tcp(MONGO_PORT) },
            ...metricsIngress(metricsScraper, MONGO_EXPORTER_PORT.number),
        ],
        egress: [dnsEgressRule(), { to: [members], ports: tcp(MONGO_PORT) }, apiServerEgressRule()],
    };
}

/** The operator: in, the API server on its webhook port (any source: the pod network does not know its address); out, the API server. */
export function operatorNetworkPolicySpec(): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { ...MCK_OPERATOR_POD_LABELS } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ ports: tcp(MCK_WEBHOOK_PORT) }],
        egress: [dnsEgressRule(), apiServerEgressRule()],
    };
}

function validate(name: string, args: ClusterMongoArgs): void {
    const check = new ArgChecker(`ClusterMongo "${name}"`);
    check.matches("name", name, /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, "a lower-case DNS label of at most 40 characters (it names the replica set and its service)");
    check.required("version", args.version, `one of ${CLUSTER_MONGO_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, MONGO_VERSIONS);
    if (!(CLUSTER_MONGO_VERSIONS as string[]).includes(args.version)) {
        check.fail("version", `must be one of ${CLUSTER_MONGO_VERSIONS.join(", ")} in the cluster: MongoDB ${args.version} has no supported release (got ${JSON.stringify(args.version)})`);
    }
    check.required("namespace", args.namespace, "the namespace of the database");
    checkClients(check, args.clients);
    checkMetricsScraper(check, args.metricsScraper);
    check.int("instances", args.instances, 1, 7);
    check.int("storageGb", args.storageGb, 1, 65536);
    check.matches("database", args.database, /^[A-Za-z][A-Za-z0-9_-]{0,62}$/, "a database name: a letter, then letters, digits, _ or - (at most 63)");
    check.matches("user", args.user, /^[a-z][a-z0-9-]{0,30}$/, "a user name: a lower-case letter, then letters, digits or - (at most 31; it names Secrets)");
    if (args.user === MONGO_EXPORTER_USER) {
        check.fail("user", `must not be ${JSON.stringify(MONGO_EXPORTER_USER)}: the metrics exporter logs in as it`);
    }
}
