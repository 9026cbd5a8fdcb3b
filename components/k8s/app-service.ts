/**
 * `AppService`: one app of the estate in the cluster, hardened by default. A Deployment whose
 * replica count belongs to a HorizontalPodAutoscaler, pods under the restricted Pod Security
 * Standard with requests, a memory limit and probes, spread across zones; a Service; a
 * PodDisruptionBudget that always leaves room for a node drain; for web apps an Ingress with TLS
 * from cert-manager; a NetworkPolicy that admits only the ingress controller and monitoring; a
 * ServiceAccount without an API token; environment from a Secret built from the estate's outputs,
 * and from Secrets kept current at run time (`syncedEnv`: a rotating credential), whose changes
 * roll the pods through Reloader.
 * Optionally the image is built from a build context and pushed to a private ECR repository.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { withoutUndefined } from "../lib/args";
import { ArgumentError } from "../lib/errors";
import { isPinnedImage } from "../lib/images";
import { CLUSTER_ISSUER_ANNOTATION, ESTATE_LABELS, IAM_ROLE_ANNOTATION, NETWORK_FLOWS_OUTPUT, RELOAD_ON_SECRETS_ANNOTATION, SCRAPE_ANNOTATIONS } from "./conventions";
import { type DeclaredFlow, type EndpointInput, EXTERNAL_ADDRESSES, type FlowInput, declaredFlows, dnsFlows, ipEndpoint, podEndpoint } from "./flows";
import { type BuiltImage, buildAndPush } from "./image-build";
import { type EgressRule, type IngressRule, namespacePeer, tcp } from "./network-policies";
import { requireKubernetesProvider } from "./provider";

/** What a web app needs from the platform to be served (see `Platform.appIngress`). */
export interface AppIngressSettings {
    /** The IngressClass of the ingress controller. */
    className: pulumi.Input<string>;
    /** The cert-manager ClusterIssuer of the app's certificate. */
    clusterIssuer: pulumi.Input<string>;
    /** The ingress controller's namespace, admitted by the app's NetworkPolicy. */
    controllerNamespace: pulumi.Input<string>;
    /** The labels of the ingress controller's pods. */
    controllerPodLabels: Record<string, string>;
}

/** The namespaces an app talks to besides the ingress controller (see `Platform.appNetwork`). */
export interface AppNetworkPeers {
    /** Pods of this namespace may scrape the app's metrics port. */
    monitoringNamespace: pulumi.Input<string>;
    /** The app may reach every pod of this namespace (in-cluster databases and caches). Default: none. */
    dataNamespace?: pulumi.Input<string>;
}

/** How an app is scraped (see `Monitoring.appMonitoring`). */
export interface AppMonitoringSettings {
    /** What the ServiceMonitor waits for: the release that installs the prometheus-operator's CRDs. */
    dependsOn: pulumi.Resource[];
    /** The scrape interval, such as `30s`. */
    interval: string;
    /** The scraping pods (Prometheus), for the declared flow to the metrics port. Default: none declared. */
    scraper?: { namespace: pulumi.Input<string>; podLabels: Record<string, string> };
}

export interface AppServiceArgs {
    /** `web`: served on `host` through the ingress controller with TLS. `worker`: internal only. Required. */
    kind: "web" | "worker";
    /** The namespace the app runs in, usually `Platform.namespaces.apps`. Required. */
    namespace: pulumi.Input<string>;
    /** The image, with a pinned tag or a digest (never `latest` or untagged). Exactly one of `image` and `buildContext`. */
    image?: string;
    /**
     * A directory with a Dockerfile (relative to the Pulumi project). The image is built, tagged with
     * a fingerprint of the directory, pushed to an ECR repository this component creates (scan on
     * push, immutable tags, KMS encryption, a lifecycle policy), and the pods run the pushed digest.
     */
    buildContext?: string;
    /** The Dockerfile relative to `buildContext`. Default: `Dockerfile`. */
    dockerfile?: string;
    /** The platform the image is built for. Default: `linux/amd64`. */
    buildPlatform?: string;
    /** The container port (named `http`). Required for web apps. */
    port?: number;
    /** The port serving `/metrics` and, without `port`, the health endpoint (named `metrics`). Default: `port`. Workers need `port` or `metricsPort`. */
    metricsPort?: number;
    /** The HTTP path of the readiness, liveness and startup probes. Default: `/healthz`. */
    healthPath?: string;
    /** The startup probe (up to 150 s to start before liveness applies). Default: `true`. */
    startupProbe?: boolean;
    /** The public host name of a web app. Required for web apps, not allowed for workers. */
    host?: string;
    /** The container command. Default: the image's entrypoint. */
    command?: string[];
    /**
     * A schema migration: a Job `<name>-migrate-<release>` with the app's image and environment, run
     * before the new Deployment rolls out (the Deployment depends on it, and `pulumi up` waits for the
     * Job to complete); a failed migration fails the update and the rollout does not happen. A new
     * Job for each new image or command. Default: none.
     */
    migration?: AppMigration;
    /** Autoscaling bounds, integers with 1 <= min <= max <= 1000. The HPA owns the replica count. Required. */
    replicas: { min: number; max: number };
    /** The container's CPU request, such as `250m`. Required. */
    cpu: string;
    /** The container's memory request, such as `512Mi`. Required. */
    memory: string;
    /** The container's memory limit. Default: `memory` (a container never uses more than it asked for). */
    memoryLimit?: string;
    /** Plain environment variables. Default: none. */
    env?: Record<string, string>;
    /** Environment variables from the estate's outputs, stored in a Secret `<name>-env`. Default: none. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /**
     * Secrets in the app's namespace that something else keeps current (an ExternalSecret's target:
     * a rotating credential), whose `variables` join the environment (`envFrom`). Environment
     * variables are read once, when a container starts: the Deployment carries Reloader's
     * `secret.reloader.stakater.com/reload` annotation naming them, so a change rolls the pods
     * (maxUnavailable 0). The Deployment waits for `dependsOn` (the ExternalSecrets). Default: none.
     */
    syncedEnv?: SyncedEnvSource[];
    /** An IAM role for the pods, annotated on the ServiceAccount (`eks.amazonaws.com/role-arn`). Default: none. */
    iamRoleArn?: string;
    /** The ingress controller and issuer. Required for web apps. */
    ingress?: AppIngressSettings;
    /**
     * A ServiceMonitor for the metrics port (`/metrics`), selecting the app's Service by its labels
     * and the port by name; needs the prometheus-operator's CRDs, usually `Monitoring.appMonitoring`.
     * Default: none (the pods still carry `prometheus.io/*` annotations naming the port).
     */
    monitoring?: AppMonitoringSettings;
    /** The namespaces the NetworkPolicy admits or reaches. Default: `{ monitoringNamespace: "monitoring" }`. */
    network?: AppNetworkPeers;
    /** Further egress rules (e.g. a managed database's CIDR and port). Default: none; DNS, the data namespace and HTTPS are always allowed. */
    egress?: EgressRule[];
    /**
     * The data services the app connects to, for its declared network flows (`networkFlows`): each
     * one's name, where it is (its serving pods, or an address in its subnets) and its port. The
     * NetworkPolicy does not change with it; the flows policy checks that the egress rules allow them.
     * Default: none.
     */
    dataServices?: { name: string; to: EndpointInput; port: pulumi.Input<number> }[];
    /** Autoscaling targets: average CPU and memory utilization in % of the requests (1-100), and the scale-down stabilization window in seconds (0-3600). Default: 70, 80, 300. */
    autoscaling?: { cpuUtilization?: number; memoryUtilization?: number; scaleDownStabilizationSeconds?: number };
    /** How strictly pods spread across zones: `ScheduleAnyway` (best effort) or `DoNotSchedule`. Default: `ScheduleAnyway`. */
    zoneSpread?: "ScheduleAnyway" | "DoNotSchedule";
    /** The non-root user (and group) the container runs as. Default: `10001`. */
    runAsUser?: number;
    /** For built images: how many images the repository keeps (5-1000). Default: `30`. */
    keepImages?: number;
    /** For built images: delete the repository and its images on destroy. Default: `false`. */
    forceDeleteRepository?: boolean;
    /** For built images: the repository's AWS region. Default: the provider's. */
    region?: string;
    /** For built images: tags of the ECR repository. Default: none. */
    tags?: Record<string, string>;
}

/** A schema migration run before each release rolls out (`AppServiceArgs.migration`). */
export interface AppMigration {
    /** The command, run with the app's image, environment, service account and resources (e.g. `["node", "dist/migrate.js"]`). */
    command: string[];
    /**
     * What must complete before the migration starts, created for each release (`release`: a short
     * hash of the image and the command, the suffix of the migration Job's name): a fresh dump of the
     * app's databases (`BackupJobs.oneOffBackup`). Default: nothing.
     */
    before?: (release: pulumi.Output<string>) => pulumi.Resource[];
    /** Seconds the migration may run before it is failed. Default: `1800`. */
    timeoutSeconds?: number;
}

/** A Secret kept current at run time, as `AppServiceArgs.syncedEnv` takes it. */
export interface SyncedEnvSource {
    /** The Secret's name. */
    secretName: string;
    /** The variables it holds. */
    variables: string[];
    /** What creates the Secret (an ExternalSecret). */
    dependsOn: pulumi.Resource[];
}

/** Defaults of the optional arguments, merged once at the top of the constructor. */
const defaults = {
    dockerfile: "Dockerfile",
    buildPlatform: "linux/amd64",
    healthPath: "/healthz",
    startupProbe: true,
    env: {} as Record<string, string>,
    secretEnv: {} as Record<string, pulumi.Input<string>>,
    syncedEnv: [] as SyncedEnvSource[],
    network: { monitoringNamespace: "monitoring" } as AppNetworkPeers,
    egress: [] as EgressRule[],
    zoneSpread: "ScheduleAnyway" as "ScheduleAnyway" | "DoNotSchedule",
    runAsUser: 10001,
    keepImages: 30,
    forceDeleteRepository: false,
    tags: {} as Record<string, string>,
} satisfies Partial<AppServiceArgs>;
const autoscalingDefaults = { cpuUtilization: 70, memoryUtilization: 80, scaleDownStabilizationSeconds: 300 };

const TYPE = "estate:k8s:AppService";
/** Writable scratch space: the root filesystem is read-only. */
const TMP_VOLUME = { name: "tmp", mountPath: "/tmp", sizeLimit: "256Mi" };

export class AppService extends pulumi.ComponentResource {
    /** The namespace the app runs in. */
    readonly namespace: pulumi.Output<string>;
    /** The Deployment's name (also the Service's, the ServiceAccount's and the HPA's). */
    readonly deploymentName: pulumi.Output<string>;
    /** The in-cluster DNS name of the Service, when the app has one. */
    readonly serviceHost?: pulumi.Output<string>;
    /** The public URL of a web app (`https://<host>`). */
    readonly url?: pulumi.Output<string>;
    /** The image reference the pods run (for built images, the pushed digest). */
    readonly image: pulumi.Output<string>;
    /** The ECR repository, for built images. */
    readonly repositoryUrl?: pulumi.Output<string>;
    /** The network flows the app needs (registered as the `networkFlows` output; see components/k8s/flows.ts). */
    readonly networkFlows: pulumi.Output<DeclaredFlow[]>;
    /** The current release's migration Job (`kubectl -n <namespace> logs job/<name>`), when the app declares a migration. */
    readonly migrationJobName?: pulumi.Output<string>;

    /**
     * The migration Job of the current release: the app's container with the migration's command
     * (no ports, no probes), as the app's service account, after `before(release)` completed.
     */
    private migrationJob(
        name: string,
        namespace: pulumi.Output<string>,
        p: {
            image: pulumi.Output<string>;
            container: k8s.types.input.core.v1.Container;
            podSecurityContext: k8s.types.input.core.v1.PodSecurityContext;
            serviceAccount: k8s.core.v1.ServiceAccount;
            migration: AppMigration;
            dependsOn: pulumi.Resource[];
        },
    ) {
        const command = p.migration.command;
        // The release: the image and the command; a new one of either is a new Job (Jobs are immutable), and a new dump before it.
        const release = p.image.apply((image) => createHash("sha256").update(JSON.stringify([image, command])).digest("hex").slice(0, 10));
        const selector = { "app.kubernetes.io/name": `${name}-migrate`, "app.kubernetes.io/instance": name };
        const labels = { ...ESTATE_LABELS, ...selector, "app.kubernetes.io/component": "migration" };
        const before = p.migration.before?.(release) ?? [];
        const job = new k8s.batch.v1.Job(
            `${name}-migrate`,
            {
                metadata: { name: pulumi.interpolate`${name}-migrate-${release}`, namespace, labels },
                spec: {
                    // A migration is not retried blindly: the next `pulumi up` runs it again once fixed.
                    backoffLimit: 0,
                    activeDeadlineSeconds: p.migration.timeoutSeconds ?? 1800,
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: p.serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            restartPolicy: "Never",
                            securityContext: p.podSecurityContext,
                            // The app's container, serving nothing: no ports, no probes.
                            containers: [{ ...p.container, name: "migrate", command, ports: undefined, readinessProbe: undefined, livenessProbe: undefined, startupProbe: undefined }],
                            volumes: [{ name: TMP_VOLUME.name, emptyDir: { sizeLimit: TMP_VOLUME.sizeLimit } }],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [...p.dependsOn, ...before] },
        );
        return { job, labels, selector };
    }

    constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): an invalid component registers nothing.
        const component = `AppService ${JSON.stringify(name)}`;
        validateArgs(component, name, args);
        requireKubernetesProvider(component, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        const autoscaling = { ...autoscalingDefaults, ...withoutUndefined(args.autoscaling ?? {}) };
        super(TYPE, name, {}, opts);
        const child = { parent: this };

        const namespace = pulumi.output(a.namespace);
        const selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
        const labels = { ...ESTATE_LABELS, ...selector, "app.kubernetes.io/component": a.kind };
        const metadata = (extra: Partial<k8s.types.input.meta.v1.ObjectMeta> = {}) => ({ name, namespace, labels, ...extra });

        // The image: given, or built and pushed.
        let built: BuiltImage | undefined;
        if (a.buildContext !== undefined) {
            built = buildAndPush(
                name,
                {
                    context: a.buildContext,
                    dockerfile: a.dockerfile,
                    platform: a.buildPlatform,
                    keepImages: a.keepImages,
                    forceDelete: a.forceDeleteRepository,
                    region: a.region,
                    tags: a.tags,
                },
                this,
            );
        }
        const image = built ? built.reference : pulumi.output(a.image!);

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: metadata(a.iamRoleArn ? { annotations: { [IAM_ROLE_ANNOTATION]: a.iamRoleArn } } : {}),
                // Apps do not call the Kubernetes API.
                automountServiceAccountToken: false,
            },
            child,
        );

        const secretNames = Object.keys(a.secretEnv).sort();
        let envSecret: k8s.core.v1.Secret | undefined;
        if (secretNames.length > 0) {
            envSecret = new k8s.core.v1.Secret(
                `${name}-env`,
                { metadata: metadata({ name: `${name}-env` }), type: "Opaque", stringData: pulumi.secret(a.secretEnv) },
                child,
            );
        }

        const ports: k8s.types.input.core.v1.ContainerPort[] = [];
        if (a.port !== undefined) {
            ports.push({ name: "http", containerPort: a.port, protocol: "TCP" });
        }
        const separateMetrics = a.metricsPort !== undefined && a.metricsPort !== a.port;
        if (separateMetrics) {
            ports.push({ name: "metrics", containerPort: a.metricsPort!, protocol: "TCP" });
        }
        const probePort = a.port !== undefined ? "http" : "metrics";
        const probe = (periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe => ({
            httpGet: { path: a.healthPath, port: probePort },
            periodSeconds,
            timeoutSeconds: 2,
            failureThreshold,
        });

        const container: k8s.types.input.core.v1.Container = {
            name,
            image,
            imagePullPolicy: "IfNotPresent",
            ...(a.command ? { command: a.command } : {}),
            ports,
            env: Object.entries(a.env)
                .sort(([x], [y]) => x.localeCompare(y))
                .map(([envName, value]) => ({ name: envName, value })),
            ...(envSecret || a.syncedEnv.length > 0
                ? { envFrom: [...(envSecret ? [`${name}-env`] : []), ...a.syncedEnv.map((s) => s.secretName)].map((secretName) => ({ secretRef: { name: secretName } })) }
                : {}),
            resources: { requests: { cpu: a.cpu, memory: a.memory }, limits: { memory: a.memoryLimit ?? a.memory } },
            readinessProbe: probe(10, 3),
            livenessProbe: probe(20, 3),
            // Up to 30 x 5 s to start before liveness can restart the container.
            ...(a.startupProbe ? { startupProbe: probe(5, 30) } : {}),
            securityContext: {
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: TMP_VOLUME.name, mountPath: TMP_VOLUME.mountPath }],
        };

        const spread = (topologyKey: string, whenUnsatisfiable: string): k8s.types.input.core.v1.TopologySpreadConstraint => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable,
            labelSelector: { matchLabels: selector },
            // Count only the pods of the current ReplicaSet, so a rollout spreads the new pods too.
            matchLabelKeys: ["pod-template-hash"],
        });

        // Pods restart when the Secret's content changes (the checksum is as secret as the content).
        const templateAnnotations: Record<string, pulumi.Input<string>> = { "kubectl.kubernetes.io/default-container": name };
        // The conventional scrape annotations: they declare the metrics port to any reader (and to the policy pack).
        const metricsPort = a.metricsPort ?? a.port;
        if (metricsPort !== undefined) {
            Object.assign(templateAnnotations, { [SCRAPE_ANNOTATIONS.scrape]: "true", [SCRAPE_ANNOTATIONS.port]: String(metricsPort), [SCRAPE_ANNOTATIONS.path]: "/metrics" });
        }
        if (envSecret) {
            templateAnnotations["estate/env-checksum"] = pulumi
                .secret(a.secretEnv)
                .apply((env) => createHash("sha256").update(JSON.stringify(Object.entries(env).sort(([x], [y]) => x.localeCompare(y)))).digest("hex"));
        }

        const podSecurityContext = {
            runAsNonRoot: true,
            runAsUser: a.runAsUser,
            runAsGroup: a.runAsUser,
            fsGroup: a.runAsUser,
            seccompProfile: { type: "RuntimeDefault" },
        };
        const migration = a.migration ? this.migrationJob(name, namespace, { image, container, podSecurityContext, serviceAccount, migration: a.migration, dependsOn: [...(envSecret ? [envSecret] : []), ...a.syncedEnv.flatMap((source) => source.dependsOn)] }) : undefined;

        const synced = a.syncedEnv.map((source) => source.secretName);
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: metadata(synced.length > 0 ? { annotations: { [RELOAD_ON_SECRETS_ANNOTATION]: synced.join(",") } } : {}),
                spec: {
                    // No `replicas`: the HorizontalPodAutoscaler owns the count, and an applied
                    // value would reset it on every update.
                    selector: { matchLabels: selector },
                    revisionHistoryLimit: 5,
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
                    template: {
                        metadata: { labels, annotations: templateAnnotations },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: podSecurityContext,
                            topologySpreadConstraints: [spread("topology.kubernetes.io/zone", a.zoneSpread), spread("kubernetes.io/hostname", "ScheduleAnyway")],
                            containers: [container],
                            volumes: [{ name: TMP_VOLUME.name, emptyDir: { sizeLimit: TMP_VOLUME.sizeLimit } }],
                        },
                    },
                },
            },
            // The new release rolls out only after its migration completed.
            { ...child, dependsOn: [...a.syncedEnv.flatMap((source) => source.dependsOn), ...(migration ? [migration.job] : [])] },
        );
        // Names are set here, so they are known even in a preview; the outputs still wait for the resources.
        const deploymentName = deployment.urn.apply(() => name);

        let service: k8s.core.v1.Service | undefined;
        if (ports.length > 0) {
            service = new k8s.core.v1.Service(
                `${name}-service`,
                {
                    metadata: metadata(),
                    spec: {
                        type: "ClusterIP",
                        selector,
                        ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name, protocol: "TCP" })),
                    },
                },
                child,
            );
            this.serviceHost = pulumi.interpolate`${name}.${namespace}.svc.cluster.local`;
        }

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            {
                metadata: metadata(),
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
                    minReplicas: a.replicas.min,
                    maxReplicas: a.replicas.max,
                    metrics: [
                        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.cpuUtilization } } },
                        { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: autoscaling.memoryUtilization } } },
                    ],
                    behavior: {
                        // Scale down slowly (at most half the pods a minute, after a calm window) ...
                        scaleDown: {
                            stabilizationWindowSeconds: autoscaling.scaleDownStabilizationSeconds,
                            selectPolicy: "Max",
                            policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
                        },
                        // ... and up fast (double, or 4 pods, every 30 s).
                        scaleUp: {
                            stabilizationWindowSeconds: 0,
                            selectPolicy: "Max",
                            policies: [
                                { type: "Percent", value: 100, periodSeconds: 30 },
                                { type: "Pods", value: 4, periodSeconds: 30 },
                            ],
                        },
                    },
                },
            },
            child,
        );

        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata: metadata(),
                spec: {
                    selector: { matchLabels: selector },
                    // One pod may always go: a drain never blocks, even at one replica.
                    maxUnavailable: 1,
                    // Unhealthy pods never count against the budget, so they can always be evicted.
                    unhealthyPodEvictionPolicy: "AlwaysAllow",
                },
            },
            child,
        );

        if (a.kind === "web") {
            const ingress = a.ingress!;
            const serviceName = service!.urn.apply(() => name);
            new k8s.networking.v1.Ingress(
                `${name}-ingress`,
                {
                    metadata: metadata({ annotations: { [CLUSTER_ISSUER_ANNOTATION]: ingress.clusterIssuer } }),
                    spec: {
                        ingressClassName: ingress.className,
                        tls: [{ hosts: [a.host!], secretName: `${name}-tls` }],
                        rules: [
                            {
                                host: a.host!,
                                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: "http" } } } }] },
                            },
                        ],
                    },
                },
                child,
            );
            this.url = pulumi.output(`https://${a.host!}`);
        }

        if (service && a.monitoring) {
            new k8s.apiextensions.CustomResource(
                `${name}-service-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata(),
                    spec: {
                        selector: { matchLabels: selector },
                        namespaceSelector: { matchNames: [namespace] },
                        endpoints: [{ port: separateMetrics ? "metrics" : "http", path: "/metrics", interval: a.monitoring.interval, scrapeTimeout: "10s" }],
                    },
                },
                { parent: this, dependsOn: a.monitoring.dependsOn },
            );
        }

        // Admit the ingress controller (web) and monitoring (metrics); reach DNS (Platform), data and HTTPS.
        const network = a.network;
        const ingressRules: IngressRule[] = [];
        if (a.kind === "web") {
            ingressRules.push({ from: [namespacePeer(a.ingress!.controllerNamespace, a.ingress!.controllerPodLabels)], ports: tcp(a.port!) });
        }
        if (metricsPort !== undefined) {
            ingressRules.push({ from: [namespacePeer(network.monitoringNamespace)], ports: tcp(metricsPort) });
        }
        const egressRules: EgressRule[] = [
            ...(network.dataNamespace !== undefined ? [{ to: [namespacePeer(network.dataNamespace)] }] : []),
            // AWS APIs (S3, ...) and SaaS endpoints (Sentry, ...) over HTTPS.
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(443) },
            ...a.egress,
        ];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-network-policy`,
            {
                metadata: metadata(),
                spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress", "Egress"], ingress: ingressRules, egress: egressRules },
            },
            child,
        );
        if (migration) {
            // The migration reaches what the app reaches, and nothing reaches it.
            new k8s.networking.v1.NetworkPolicy(
                `${name}-migrate-network-policy`,
                {
                    metadata: metadata({ name: `${name}-migrate`, labels: migration.labels }),
                    spec: { podSelector: { matchLabels: migration.selector }, policyTypes: ["Ingress", "Egress"], ingress: [], egress: egressRules },
                },
                child,
            );
        }

        // The flows the app needs, as data the flows policy checks against the NetworkPolicies.
        const appPods = podEndpoint(namespace, labels, ports.map((p) => ({ name: p.name as string, containerPort: p.containerPort as number, protocol: "TCP" })));
        const flows: FlowInput[] = [
            ...dnsFlows("app", appPods, `The pods of ${name}`),
            {
                name: "app-to-https",
                description: `${name} calls AWS APIs and SaaS endpoints (Sentry) over HTTPS.`,
                from: appPods,
                to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                port: 443,
            },
            ...(args.dataServices ?? []).map((data) => ({
                name: `app-to-${data.name}`,
                description: `${name} connects to its ${data.name} data service.`,
                from: appPods,
                to: data.to,
                port: data.port,
            })),
        ];
        if (migration) {
            const migrationPods = podEndpoint(namespace, migration.labels);
            flows.push(
                ...dnsFlows("migration", migrationPods, `The migration Job of ${name}`),
                ...(args.dataServices ?? []).map((data) => ({
                    name: `migration-to-${data.name}`,
                    description: `${name}'s migration connects to its ${data.name} data service.`,
                    from: migrationPods,
                    to: data.to,
                    port: data.port,
                })),
            );
        }
        if (a.kind === "web") {
            flows.push({
                name: "ingress-to-app",
                description: `The ingress controller forwards requests for ${a.host!} to ${name}.`,
                from: podEndpoint(a.ingress!.controllerNamespace, a.ingress!.controllerPodLabels),
                to: appPods,
                port: a.port!,
            });
        }
        if (metricsPort !== undefined && a.monitoring?.scraper) {
            flows.push({
                name: "prometheus-to-app",
                description: `Prometheus scrapes ${name}'s /metrics.`,
                from: podEndpoint(a.monitoring.scraper.namespace, a.monitoring.scraper.podLabels),
                to: appPods,
                port: metricsPort,
            });
        }
        this.networkFlows = declaredFlows(component, flows);

        this.namespace = namespace;
        this.deploymentName = deploymentName;
        this.migrationJobName = migration?.job.metadata.name;
        this.image = image;
        this.repositoryUrl = built?.repository.repositoryUrl;
        this.registerOutputs({
            namespace: this.namespace,
            deploymentName: this.deploymentName,
            serviceHost: this.serviceHost,
            url: this.url,
            image: this.image,
            repositoryUrl: this.repositoryUrl,
            [NETWORK_FLOWS_OUTPUT]: this.networkFlows,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CPU = /^\d+(\.\d+)?m?$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** A Kubernetes object name (DNS subdomain). */
const OBJECT_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

function validateArgs(component: string, name: string, args: AppServiceArgs): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    const isInt = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
    if (args === null || typeof args !== "object") {
        fail("args", "must be an object with at least kind, namespace, image or buildContext, replicas, cpu and memory");
    }
    if (args.migration !== undefined) {
        const m = args.migration;
        if (!Array.isArray(m.command) || m.command.length === 0 || m.command.some((w) => typeof w !== "string" || w === "")) {
            fail("migration.command", "must be a non-empty list of non-empty strings, such as [\"node\", \"dist/migrate.js\"]");
        }
        if (m.timeoutSeconds !== undefined && !isInt(m.timeoutSeconds, 60, 86400)) {
            fail("migration.timeoutSeconds", `must be an integer from 60 to 86400 (got ${JSON.stringify(m.timeoutSeconds)})`);
        }
    }
    if (!/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) {
        fail("name", `must be a lower-case DNS label of at most 40 characters (got ${JSON.stringify(name)})`);
    }
    if (args.kind !== "web" && args.kind !== "worker") {
        fail("kind", `must be "web" or "worker" (got ${JSON.stringify(args.kind)})`);
    }
    if (args.namespace === undefined || args.namespace === "") {
        fail("namespace", "is required (the namespace the app runs in, usually Platform.namespaces.apps)");
    }
    if (args.image !== undefined && args.buildContext !== undefined) {
        fail("buildContext", "cannot be combined with image: set either image (a pinned tag or digest) or buildContext (a directory with a Dockerfile)");
    }
    if (args.image === undefined && args.buildContext === undefined) {
        fail("image", "is required unless buildContext is set (an image with a pinned tag or digest, such as ghcr.io/acme/web:1.4.2)");
    }
    if (args.image !== undefined && !isPinnedImage(args.image)) {
        fail("image", `must have a pinned tag or digest, not latest and not untagged (got ${JSON.stringify(args.image)})`);
    }
    if (args.buildContext !== undefined) {
        const dockerfile = path.join(args.buildContext, args.dockerfile ?? defaults.dockerfile);
        if (!fs.existsSync(args.buildContext) || !fs.statSync(args.buildContext).isDirectory()) {
            fail("buildContext", `must be a directory (got ${JSON.stringify(args.buildContext)}, which does not exist or is not a directory)`);
        }
        if (!fs.existsSync(dockerfile)) {
            fail("dockerfile", `must exist in buildContext (no file ${JSON.stringify(dockerfile)})`);
        }
    } else if (args.dockerfile !== undefined) {
        fail("dockerfile", "requires buildContext (the directory the Dockerfile is built in)");
    }
    for (const key of ["port", "metricsPort"] as const) {
        if (args[key] !== undefined && !isInt(args[key], 1, 65535)) {
            fail(key, `must be an integer from 1 to 65535 (got ${String(args[key])})`);
        }
    }
    if (args.kind === "web") {
        if (args.port === undefined) {
            fail("port", "is required for web apps (the container port the Ingress routes to)");
        }
        if (args.host === undefined || !DNS_NAME.test(args.host)) {
            fail("host", `is required for web apps: a lower-case DNS name such as shop.example.com (got ${JSON.stringify(args.host)})`);
        }
        if (args.ingress === undefined) {
            fail("ingress", "is required for web apps (the IngressClass and ClusterIssuer, usually Platform.appIngress)");
        }
    } else {
        if (args.port === undefined && args.metricsPort === undefined) {
            fail("metricsPort", "is required for a worker without port: its probes and metrics are served over HTTP there");
        }
        if (args.host !== undefined) {
            fail("host", "is only for web apps (a worker is not exposed)");
        }
    }
    if (args.healthPath !== undefined && !/^\/\S*$/.test(args.healthPath)) {
        fail("healthPath", `must be an HTTP path starting with / (got ${JSON.stringify(args.healthPath)})`);
    }
    const replicas = args.replicas as { min?: unknown; max?: unknown } | undefined;
    if (replicas === undefined || replicas === null || typeof replicas !== "object") {
        fail("replicas", "is required ({ min, max }, integers with 1 <= min <= max <= 1000)");
    }
    if (!isInt(replicas!.min, 1, 1000)) {
        fail("replicas.min", `must be an integer from 1 to 1000 (got ${String(replicas!.min)})`);
    }
    if (!isInt(replicas!.max, 1, 1000)) {
        fail("replicas.max", `must be an integer from 1 to 1000 (got ${String(replicas!.max)})`);
    }
    if ((replicas!.min as number) > (replicas!.max as number)) {
        fail("replicas.min", `must be <= replicas.max (got min ${String(replicas!.min)}, max ${String(replicas!.max)})`);
    }
    if (typeof args.cpu !== "string" || !CPU.test(args.cpu)) {
        fail("cpu", `must be a CPU quantity such as 250m or 1 (got ${JSON.stringify(args.cpu)})`);
    }
    for (const key of ["memory", "memoryLimit"] as const) {
        if ((key === "memory" || args[key] !== undefined) && (typeof args[key] !== "string" || !MEMORY.test(args[key]))) {
            fail(key, `must be a memory quantity such as 512Mi or 2Gi (got ${JSON.stringify(args[key])})`);
        }
    }
    for (const [group, names] of [
        ["env", Object.keys(args.env ?? {})],
        ["secretEnv", Object.keys(args.secretEnv ?? {})],
    ] as const) {
        const bad = names.find((n) => !ENV_NAME.test(n));
        if (bad !== undefined) {
            fail(`${group}.${bad}`, "is not a valid environment variable name (upper-case letters, digits and _, such as LOG_LEVEL)");
        }
    }
    const clash = Object.keys(args.env ?? {}).find((n) => Object.prototype.hasOwnProperty.call(args.secretEnv ?? {}, n));
    if (clash !== undefined) {
        fail(`env.${clash}`, "is also in secretEnv: each variable comes from one place");
    }
    const taken = new Set([...Object.keys(args.env ?? {}), ...Object.keys(args.secretEnv ?? {})]);
    (args.syncedEnv ?? []).forEach((source, i) => {
        if (!OBJECT_NAME.test(String(source.secretName))) {
            fail(`syncedEnv[${i}].secretName`, `must be a Secret name: lower-case letters, digits, '-' and '.' (got ${JSON.stringify(source.secretName)})`);
        }
        for (const variable of source.variables ?? []) {
            if (!ENV_NAME.test(variable)) {
                fail(`syncedEnv[${i}].variables`, `${JSON.stringify(variable)} is not a valid environment variable name`);
            }
            if (taken.has(variable)) {
                fail(`syncedEnv[${i}].variables`, `${variable} is also in env, secretEnv or another syncedEnv: each variable comes from one place`);
            }
            taken.add(variable);
        }
    });
    if (args.iamRoleArn !== undefined && !IAM_ROLE_ARN.test(args.iamRoleArn)) {
        fail("iamRoleArn", `must be an IAM role ARN such as arn:aws:iam::123456789012:role/shop-web (got ${JSON.stringify(args.iamRoleArn)})`);
    }
    const auto = args.autoscaling ?? {};
    for (const key of ["cpuUtilization", "memoryUtilization"] as const) {
        if (auto[key] !== undefined && !isInt(auto[key], 1, 100)) {
            fail(`autoscaling.${key}`, `must be an integer from 1 to 100 (% of the request; got ${String(auto[key])})`);
        }
    }
    if (auto.scaleDownStabilizationSeconds !== undefined && !isInt(auto.scaleDownStabilizationSeconds, 0, 3600)) {
        fail("autoscaling.scaleDownStabilizationSeconds", `must be an integer from 0 to 3600 (got ${String(auto.scaleDownStabilizationSeconds)})`);
    }
    if (args.monitoring !== undefined && !/^\d+(s|m)$/.test(String(args.monitoring.interval))) {
        fail("monitoring.interval", `must be a scrape interval such as 30s or 1m (got ${JSON.stringify(args.monitoring.interval)})`);
    }
    if (args.zoneSpread !== undefined && args.zoneSpread !== "ScheduleAnyway" && args.zoneSpread !== "DoNotSchedule") {
        fail("zoneSpread", `must be "ScheduleAnyway" or "DoNotSchedule" (got ${JSON.stringify(args.zoneSpread)})`);
    }
    if (args.runAsUser !== undefined && !isInt(args.runAsUser, 1, 2147483647)) {
        fail("runAsUser", `must be a non-root user id, an integer >= 1 (got ${String(args.runAsUser)})`);
    }
    if (args.keepImages !== undefined && !isInt(args.keepImages, 5, 1000)) {
        fail("keepImages", `must be an integer from 5 to 1000 (got ${String(args.keepImages)})`);
    }
}
