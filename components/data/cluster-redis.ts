/**
 * `ClusterRedis`: Redis in the Kubernetes cluster through the maintained `redis-ha` chart (the
 * official `redis` image, Sentinel failover, an HAProxy that always points at the primary), with
 * AUTH on from a generated password in a Kubernetes Secret, persistent volumes (RDB snapshots and
 * an append-only file), and NetworkPolicies: the client pods reach the HAProxy on 6379 and nothing
 * else; the HAProxy reaches the servers and Sentinels; servers and Sentinels reach each other (and
 * the cluster DNS: they announce themselves by Service names); given `metricsScraper`, Prometheus
 * reaches the servers' exporter port (9121) and nothing else.
 *
 * Metrics: the chart's exporter sidecar (`exporter.enabled`, oliver006/redis_exporter, image pinned
 * in `components/lib/charts.ts`) runs in every server pod, talks to its Redis on localhost with the
 * password from the same Secret (`existingSecret`/`authKey` as `REDIS_PASSWORD`), and serves
 * `/metrics` without auth on container port 9121, named `exporter-port`
 * (charts/redis-ha/values.yaml and templates/redis-ha-statefulset.yaml at redis-ha-4.29.4).
 * `metricsEndpoint` says what to scrape; `Monitoring` creates the PodMonitor.
 *
 * The Kubernetes provider comes from the component's options, and is required; children inherit it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ESTATE_LABELS, NETWORK_FLOWS_OUTPUT } from "../k8s/conventions";
import { type FlowInput, declaredFlows, dnsFlows, podEndpoint } from "../k8s/flows";
import { dnsEgressRule, tcp } from "../k8s/network-policies";
import { requireKubernetesProvider } from "../k8s/provider";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { charts, images, releaseSource } from "../lib/charts";
import { type DataClients, type MetricsEndpoint, type MetricsScraper, checkClients, checkMetricsScraper, clientPeer, metricsIngress } from "./clients";
import { connectionUri, type RedisConnection } from "./connection";
import { REDIS_PORT, REDIS_VERSIONS, type RedisVersion } from "./managed-redis";

export const SENTINEL_PORT = 26379;
/** The chart's `app` label of the server pods (Redis and Sentinel) and of the HAProxy pods; both also carry `release: <name>`. */
export const REDIS_HA_APP = "redis-ha";
export const REDIS_HA_PROXY_APP = "redis-ha-haproxy";
/** The chart's exporter port: `exporter.port` 9121, `exporter.portName` `exporter-port` (values.yaml at redis-ha-4.29.4). */
export const REDIS_EXPORTER_PORT = { name: "exporter-port", number: 9121 } as const;

export interface ClusterRedisArgs {
    /** Redis version: 6.2, 7.0 or 7.1 (ElastiCache's 7.1 runs as Redis 7.2 in the cluster; images pinned in `components/lib/charts.ts`). Required. */
    version: RedisVersion;
    /** The namespace of Redis. Required. */
    namespace: pulumi.Input<string>;
    /** Redis servers, 1 to 6, each with a Sentinel; 3 or more survive the loss of one. Default: 3. */
    nodes?: number;
    /** Volume per server in GiB. Default: 8. */
    storageGb?: number;
    /** StorageClass of the volumes. Default: the cluster's default class. */
    storageClass?: string;
    /** The pods that may connect (to the HAProxy, port 6379 only). Default: pods labelled `app.kubernetes.io/part-of: estate` in namespace `apps`. */
    clients?: DataClients;
    /** `protect` on the release and the password Secret (volumes outlive the release anyway). Default: `true`. */
    protectData?: boolean;
    /** The pods that scrape the servers' exporter (port 9121 only), usually `prometheusScraper(monitoringNamespace)`. Default: none admitted. */
    metricsScraper?: MetricsScraper;
}

const defaults = {
    nodes: 3,
    storageGb: 8,
    protectData: true,
} satisfies Partial<ClusterRedisArgs>;

const TYPE = "estate:data:ClusterRedis";

export class ClusterRedis extends pulumi.ComponentResource {
    /** Host (the HAProxy in front of the primary), port, database `0`, user `default`, secret password and URI; `tls` is false. */
    readonly connection: RedisConnection;
    /** The Secret holding the password (key `auth`). */
    readonly passwordSecretName: string;
    /** Labels of the pods behind `connection.host` (the HAProxy, which always points at the primary), for NetworkPolicies of other clients such as the backup jobs. */
    readonly servingPodLabels: Record<string, string>;
    /** What Prometheus scrapes: the exporter sidecar of every server pod (port 9121, `exporter-port`, no auth). */
    readonly metricsEndpoint: MetricsEndpoint;

    constructor(name: string, args: ClusterRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        requireKubernetesProvider(`ClusterRedis ${JSON.stringify(name)}`, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const namespace = a.namespace;
        const dataOpts: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const labels = { ...ESTATE_LABELS, "app.kubernetes.io/component": "redis", "app.kubernetes.io/instance": name };

        const generated = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
        const password = pulumi.secret(generated.result);
        const passwordSecretName = `${name}-auth`;
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            { metadata: { name: passwordSecretName, namespace, labels }, type: "Opaque", stringData: { auth: password } },
            dataOpts,
        );

        const policies = networkPolicySpecs(name, a.clients, a.metricsScraper);
        new k8s.networking.v1.NetworkPolicy(`${name}-servers-network-policy`, { metadata: { name: `${name}-servers`, namespace, labels }, spec: policies.servers }, { parent: this });
        new k8s.networking.v1.NetworkPolicy(`${name}-haproxy-network-policy`, { metadata: { name: `${name}-haproxy`, namespace, labels }, spec: policies.haproxy }, { parent: this });

        new k8s.helm.v3.Release(
            `${name}-redis`,
            {
                name,
                ...releaseSource(charts.redisHa),
                namespace,
                values: redisValues({ name, version: a.version, nodes: a.nodes, storageGb: a.storageGb, storageClass: a.storageClass, passwordSecretName }),
                atomic: true,
                timeout: 600,
            },
            { ...dataOpts, dependsOn: [secret] },
        );

        const host = pulumi.interpolate`${name}-haproxy.${namespace}.svc`;
        const user = "default";
        const database = "0";
        this.connection = {
            host,
            port: pulumi.output(REDIS_PORT),
            database: pulumi.output(database),
            user: pulumi.output(user),
            password,
            uri: connectionUri({ scheme: "redis", user, password, host, port: REDIS_PORT, database }),
            tls: pulumi.output(false),
        };
        this.passwordSecretName = passwordSecretName;
        this.servingPodLabels = { release: name, app: REDIS_HA_PROXY_APP };
        this.metricsEndpoint = { namespace, podLabels: { release: name, app: REDIS_HA_APP }, port: { ...REDIS_EXPORTER_PORT }, path: "/metrics" };
        this.registerOutputs({
            connection: this.connection,
            passwordSecretName,
            [NETWORK_FLOWS_OUTPUT]: declaredFlows(`ClusterRedis ${JSON.stringify(name)}`, clusterRedisFlows(name, namespace)),
        });
    }
}

/** Chart values: AUTH from the Secret, persistence, quorum and write safety sized to `nodes`, the exporter sidecar. */
export function redisValues(p: { name: string; version: RedisVersion; nodes: number; storageGb: number; storageClass?: string; passwordSecretName: string }) {
    const [repository, tag] = images.redis[p.version].split(":");
    const [exporterRepository, exporterTag] = images.redisExporter.split(":");
    return {
        fullnameOverride: p.name,
        image: { repository, tag },
        replicas: p.nodes,
        auth: true,
        existingSecret: p.passwordSecretName,
        authKey: "auth",
        persistentVolume: { enabled: true, size: `${p.storageGb}Gi`, ...(p.storageClass !== undefined ? { storageClass: p.storageClass } : {}) },
        redis: {
            config: {
                // A write must reach a replica when there is one; a lone server accepts writes on its own.
                "min-replicas-to-write": p.nodes > 1 ? 1 : 0,
                appendonly: "yes",
                save: "900 1 300 10",
            },
        },
        sentinel: { quorum: Math.floor(p.nodes / 2) + 1 },
        // Spread over nodes where possible, without refusing to schedule on small clusters.
        hardAntiAffinity: false,
        haproxy: { enabled: true, replicas: Math.min(p.nodes, 3), hardAntiAffinity: false },
        // The exporter sidecar in every server pod (port 9121 `exporter-port`, the chart's defaults), on the pinned image.
        exporter: { enabled: true, image: exporterRepository, tag: exporterTag },
    };
}

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * The network flows of a release (see components/k8s/flows.ts): servers and HAProxy resolve names;
 * the servers replicate and gossip (Redis and Sentinel ports); HAProxy checks and forwards to them.
 * The apps' flows to HAProxy are the apps' to declare.
 */
export function clusterRedisFlows(release: string, namespace: pulumi.Input<string>): FlowInput[] {
    const servers = podEndpoint(namespace, { release, app: REDIS_HA_APP });
    const haproxy = podEndpoint(namespace, { release, app: REDIS_HA_PROXY_APP });
    return [
        ...dnsFlows("redis", servers, `The ${release} servers`),
        ...dnsFlows("haproxy", haproxy, `The ${release} HAProxy pods`),
        ...([
            ["redis", REDIS_PORT],
            ["sentinel", SENTINEL_PORT],
        ] as const).flatMap(([what, port]) => [
            { name: `${what}-between-servers`, description: `The ${release} servers replicate and gossip on the ${what} port.`, from: servers, to: servers, port },
            { name: `haproxy-to-${what}`, description: `HAProxy checks (and forwards to) the ${release} servers on the ${what} port.`, from: haproxy, to: servers, port },
        ]),
    ];
}

/**
 * The release's NetworkPolicies. Servers (Redis and Sentinel in one pod): in and out, the release's
 * own pods on 6379 and 26379 (replication, Sentinel gossip, HAProxy health checks), plus DNS. HAProxy:
 * in, the clients on 6379; out, the servers on 6379 and 26379, plus DNS. The metrics scraper, when
 * given, reaches the servers' exporter on 9121.
 */
export function networkPolicySpecs(release: string, clients: DataClients | undefined, metricsScraper?: MetricsScraper): { servers: NetworkPolicySpec; haproxy: NetworkPolicySpec } {
    const servers = { podSelector: { matchLabels: { release, app: REDIS_HA_APP } } };
    const haproxy = { podSelector: { matchLabels: { release, app: REDIS_HA_PROXY_APP } } };
    const both = tcp(REDIS_PORT, SENTINEL_PORT);
    return {
        servers: {
            podSelector: servers.podSelector,
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [servers, haproxy], ports: both }, ...metricsIngress(metricsScraper, REDIS_EXPORTER_PORT.number)],
            egress: [dnsEgressRule(), { to: [servers], ports: both }],
        },
        haproxy: {
            podSelector: haproxy.podSelector,
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [clientPeer(clients)], ports: tcp(REDIS_PORT) }],
            egress: [dnsEgressRule(), { to: [servers], ports: both }],
        },
    };
}

function validate(name: string, args: ClusterRedisArgs): void {
    const check = new ArgChecker(`ClusterRedis "${name}"`);
    check.matches("name", name, /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "a lower-case DNS label of at most 32 characters (it names the release and its services)");
    check.required("version", args.version, `one of ${REDIS_VERSIONS.join(", ")}`);
    check.oneOf("version", args.version, REDIS_VERSIONS);
    check.required("namespace", args.namespace, "the namespace of Redis");
    check.int("nodes", args.nodes, 1, 6);
    check.int("storageGb", args.storageGb, 1, 65536);
    checkClients(check, args.clients);
    checkMetricsScraper(check, args.metricsScraper);
}
