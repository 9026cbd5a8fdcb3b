/**
 * `Monitoring`: Prometheus, Alertmanager, Grafana and the exporters in the monitoring namespace
 * (kube-prometheus-stack), a Pushgateway for batch jobs, the estate's alert rules as
 * PrometheusRules, the receivers' credentials as a Secret, and the NetworkPolicies the namespace's
 * default-deny needs. Apps get their ServiceMonitors through `appMonitoring` (see `AppService`).
 *
 * Order on a first `pulumi up`: the Secrets (receiver credentials, Grafana's admin login), then
 * the kube-prometheus-stack release, which installs the operator's CRDs and is done only when
 * every workload is ready; then what needs the CRDs: the Pushgateway release (its
 * ServiceMonitor), the PrometheusRules, the cert-manager ServiceMonitor and every app's
 * ServiceMonitor.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { charts, releaseSource } from "../lib/charts";
import { ArgumentError } from "../lib/errors";
import type { AppIngressSettings, AppMonitoringSettings } from "../k8s/app-service";
import { CERT_MANAGER_METRICS_PORT, CERT_MANAGER_METRICS_PORT_NAME, CERT_MANAGER_SERVICE_LABELS } from "../k8s/chart-values";
import { ESTATE_LABELS, NETWORK_FLOWS_OUTPUT } from "../k8s/conventions";
import {
    API_SERVER_PORT,
    EXTERNAL_ADDRESSES,
    type DeclaredFlow,
    type FlowInput,
    acmeSolverFlow,
    admitFlowSpec,
    declaredFlows,
    ipEndpoint,
    podEndpoint,
} from "../k8s/flows";
import { namespacePeer, tcp } from "../k8s/network-policies";
import { requireKubernetesProvider } from "../k8s/provider";
import type { RuleGroup } from "./alert-rules";
import {
    GRAFANA_ADMIN_KEYS,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_PORT,
    OPERATOR_WEBHOOK_PORT,
    POD_LABELS,
    RECEIVER_KEYS,
    RECEIVER_SECRET,
    RELEASES,
    SERVICES,
    kubePrometheusStackValues,
    pushgatewayValues,
} from "./chart-values";

export interface MonitoringArgs {
    /** The namespace everything runs in, usually `Platform.namespaces.monitoring`. Required. */
    namespace: pulumi.Input<string>;
    /**
     * Prometheus: days of retention, the volume of each replica in GiB (old blocks are also deleted
     * at 85 % of it), CPU and memory requests (the memory limit is the request), replicas (each a
     * full copy). Default: 15 days, 50 GiB, 500m, 2Gi, 1.
     */
    prometheus?: { retentionDays?: number; storageGb?: number; cpu?: string; memory?: string; replicas?: number };
    /** Alertmanager replicas (1-5); they gossip silences and notification state. Default: 1. */
    alertmanagerReplicas?: number;
    /** The StorageClass of the Prometheus, Grafana and Pushgateway volumes. Default: the cluster's default class. */
    storageClass?: string;
    /**
     * Run the node exporter (node CPU, memory, disk, filesystem metrics). It needs hostNetwork,
     * hostPID and hostPath volumes: the namespace must then enforce the `privileged` Pod Security
     * level (`Platform` `podSecurity.monitoring`). Default: `false`; the alerts of the estate read
     * the kubelet's (cAdvisor) and kube-state-metrics' series, which need no host access.
     */
    nodeExporter?: boolean;
    /**
     * Alertmanager's receivers besides `null`. Their credentials (Pulumi secrets) go into the Secret
     * `alertmanager-receivers`, which Alertmanager reads as files: the chart's values name no
     * secret. A receiver whose credential is unset is configured but cannot deliver. Default: none.
     */
    receivers?: {
        slack?: { channel: string; webhookUrl?: pulumi.Input<string> };
        pagerduty?: { routingKey?: pulumi.Input<string> };
    };
    /** Rule groups, one PrometheusRule each (named after the group). Default: none. */
    ruleGroups?: RuleGroup[];
    /** Serve Grafana on this host through the ingress controller, with a certificate from its issuer. Default: not exposed. */
    grafana?: { host: string; ingress: AppIngressSettings };
    /** Namespaces whose pods may push to the Pushgateway (batch jobs, backups). Default: none. */
    pushgatewayClients?: pulumi.Input<string>[];
    /** cert-manager's namespace: its controller is scraped for the certificate series. Default: not scraped. */
    certManagerNamespace?: pulumi.Input<string>;
    /** The scrape interval of app ServiceMonitors. Default: `30s`. */
    scrapeInterval?: string;
    /**
     * Exporters outside the monitoring namespace that Prometheus scrapes through a PodMonitor each
     * (the databases' exporters, the ingress controller's metrics): created once the operator's
     * CRDs exist, each in its target's namespace, with the declared flow from Prometheus to the
     * port. The target's own NetworkPolicy must admit Prometheus (`prometheusScraper`). Default: none.
     */
    scrapeTargets?: ScrapeTarget[];
}

/** An exporter Prometheus scrapes through a PodMonitor (see `MonitoringArgs.scrapeTargets`). */
export interface ScrapeTarget {
    /** The PodMonitor's name, a DNS label unique in its namespace, such as `postgres`. */
    name: string;
    /** What is scraped, for the declared flow's description: "CloudNativePG's instances". */
    description: string;
    /** The namespace of the pods; the PodMonitor is created there (a basic-auth Secret must be in the monitor's namespace). */
    namespace: pulumi.Input<string>;
    /** Labels selecting the pods. */
    podLabels: Record<string, string>;
    /** The container port serving the metrics: its name (the PodMonitor's `port`) and number (the flow's). */
    port: { name: string; number: number };
    /** The metrics path. Default: `/metrics`. */
    path?: string;
    /** The scrape interval. Default: the `scrapeInterval` argument. */
    interval?: string;
    /** Keep the labels the exporter sets (such as `namespace`) over the target's. Default: false. */
    honorLabels?: boolean;
    /** HTTP basic auth from a Secret in `namespace`: its name and the keys of the username and password. */
    basicAuth?: { secretName: pulumi.Input<string>; usernameKey: string; passwordKey: string };
    /** Relabelings applied to the scraped series (the PodMonitor endpoint's `metricRelabelings`). Default: none. */
    metricRelabelings?: Record<string, unknown>[];
}

/** The labels of the Prometheus pods a `Monitoring` runs (the chart's), for the NetworkPolicies of the scraped. */
export const PROMETHEUS_POD_LABELS: Readonly<Record<string, string>> = POD_LABELS.prometheus;

/** The scraping pods (Prometheus) of a `Monitoring` in `namespace`, for the NetworkPolicies of the scraped. */
export function prometheusScraper(namespace: pulumi.Input<string>): { namespace: pulumi.Input<string>; podLabels: Record<string, string> } {
    return { namespace, podLabels: { ...POD_LABELS.prometheus } };
}

/** Defaults of the optional arguments, merged once at the top of the constructor. */
const defaults = {
    prometheus: { retentionDays: 15, storageGb: 50, cpu: "500m", memory: "2Gi", replicas: 1 },
    alertmanagerReplicas: 1,
    nodeExporter: false,
    ruleGroups: [] as RuleGroup[],
    scrapeTargets: [] as ScrapeTarget[],
    pushgatewayClients: [] as pulumi.Input<string>[],
    scrapeInterval: "30s",
};

const TYPE = "estate:observability:Monitoring";

export class Monitoring extends pulumi.ComponentResource {
    /** The namespace, once everything in it is deployed. */
    readonly namespace: pulumi.Output<string>;
    /** In-cluster URLs (`http://<service>.<namespace>.svc.cluster.local:<port>`). */
    readonly prometheusUrl: pulumi.Output<string>;
    /** Alertmanager's in-cluster URL. */
    readonly alertmanagerUrl: pulumi.Output<string>;
    /** The Pushgateway's in-cluster URL, where the backup jobs push their metrics. */
    readonly pushgatewayUrl: pulumi.Output<string>;
    /** Grafana's in-cluster URL. */
    readonly grafanaUrl: pulumi.Output<string>;
    /** Grafana's admin login; the password is generated and secret. */
    readonly grafanaAdminUser: string;
    /** Grafana's generated admin password (secret). */
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** The receivers Alertmanager routes to, besides `null`. */
    readonly receivers: string[];
    /** The PrometheusRules created, by group name. */
    readonly ruleGroups: string[];
    /** What an `AppService` needs for its ServiceMonitor. */
    readonly appMonitoring: AppMonitoringSettings;
    /** The network flows the monitoring stack needs (registered as the `networkFlows` output; see components/k8s/flows.ts). */
    readonly networkFlows: pulumi.Output<DeclaredFlow[]>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        const component = `Monitoring ${JSON.stringify(name)}`;
        validateArgs(component, args);
        requireKubernetesProvider(component, opts);
        const prometheus = { ...defaults.prometheus, ...withoutUndefined(args.prometheus ?? {}) };
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);
        const child = { parent: this };
        const namespace = pulumi.output(args.namespace);
        const metadata = (objectName: string) => ({ name: objectName, namespace, labels: ESTATE_LABELS });

        // The receivers' credentials: a Secret Alertmanager mounts and reads its keys as files.
        const receivers = a.receivers ?? {};
        const credentials: Record<string, pulumi.Input<string>> = {};
        if (receivers.slack?.webhookUrl !== undefined) {
            credentials[RECEIVER_KEYS.slackWebhookUrl] = receivers.slack.webhookUrl;
        }
        if (receivers.pagerduty?.routingKey !== undefined) {
            credentials[RECEIVER_KEYS.pagerdutyRoutingKey] = receivers.pagerduty.routingKey;
        }
        const receiverSecret = new k8s.core.v1.Secret(
            `${name}-receivers`,
            { metadata: metadata(RECEIVER_SECRET), type: "Opaque", stringData: pulumi.secret(credentials) },
            child,
        );

        // Grafana's admin login, generated once and kept in state as a secret.
        const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, child);
        const grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: metadata(GRAFANA_ADMIN_SECRET),
                type: "Opaque",
                stringData: { [GRAFANA_ADMIN_KEYS.user]: "admin", [GRAFANA_ADMIN_KEYS.password]: password.result },
            },
            child,
        );

        const grafanaIngress = a.grafana;
        const values = (className?: string, clusterIssuer?: string) =>
            kubePrometheusStackValues({
                prometheus,
                alertmanagerReplicas: a.alertmanagerReplicas,
                storageClass: a.storageClass,
                nodeExporter: a.nodeExporter,
                receivers: { slack: receivers.slack ? { channel: receivers.slack.channel } : undefined, pagerduty: receivers.pagerduty !== undefined },
                receiverSecret: RECEIVER_SECRET,
                grafanaAdminSecret: GRAFANA_ADMIN_SECRET,
                grafanaIngress: grafanaIngress && className && clusterIssuer ? { host: grafanaIngress.host, className, clusterIssuer } : undefined,
            });
        const stack = new k8s.helm.v3.Release(
            `${name}-stack`,
            {
                ...releaseSource(charts.kubePrometheusStack),
                name: RELEASES.stack,
                namespace,
                // Plain values (the Secrets are named, not referenced), so a preview shows them and the policy pack reads them.
                values: grafanaIngress
                    ? pulumi.all([grafanaIngress.ingress.className, grafanaIngress.ingress.clusterIssuer]).apply(([className, clusterIssuer]) => values(className, clusterIssuer))
                    : values(),
                skipAwait: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: 900,
                maxHistory: 10,
            },
            // The Secrets the pods mount exist first.
            { parent: this, dependsOn: [receiverSecret, grafanaAdmin] },
        );
        // What needs the operator's CRDs waits for the release that installs them.
        const afterStack = { parent: this, dependsOn: [stack] };

        const pushgateway = new k8s.helm.v3.Release(
            `${name}-pushgateway`,
            {
                ...releaseSource(charts.pushgateway),
                name: RELEASES.pushgateway,
                namespace,
                values: pushgatewayValues({ namespace, storageClass: a.storageClass }),
                skipAwait: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            afterStack,
        );

        this.ruleGroups = a.ruleGroups.map((group) => {
            new k8s.apiextensions.CustomResource(
                `${name}-rules-${group.name}`,
                { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: metadata(group.name), spec: { groups: [group] } },
                afterStack,
            );
            return group.name;
        });

        if (args.certManagerNamespace !== undefined) {
            // honorLabels keeps the certificates' own namespace label (not the exporter's, cert-manager).
            new k8s.apiextensions.CustomResource(
                `${name}-cert-manager`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: metadata("cert-manager"),
                    spec: {
                        namespaceSelector: { matchNames: [args.certManagerNamespace] },
                        selector: { matchLabels: { ...CERT_MANAGER_SERVICE_LABELS } },
                        endpoints: [{ port: CERT_MANAGER_METRICS_PORT_NAME, path: "/metrics", interval: "60s", honorLabels: true }],
                    },
                },
                afterStack,
            );
        }

        for (const target of a.scrapeTargets) {
            new k8s.apiextensions.CustomResource(
                `${name}-scrape-${target.name}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: target.name, namespace: target.namespace, labels: ESTATE_LABELS },
                    spec: {
                        selector: { matchLabels: { ...target.podLabels } },
                        podMetricsEndpoints: [
                            {
                                port: target.port.name,
                                path: target.path ?? "/metrics",
                                interval: target.interval ?? a.scrapeInterval,
                                ...(target.honorLabels ? { honorLabels: true } : {}),
                                ...(target.basicAuth
                                    ? {
                                          basicAuth: {
                                              username: { name: target.basicAuth.secretName, key: target.basicAuth.usernameKey },
                                              password: { name: target.basicAuth.secretName, key: target.basicAuth.passwordKey },
                                          },
                                      }
                                    : {}),
                                ...(target.metricRelabelings ? { metricRelabelings: target.metricRelabelings } : {}),
                            },
                        ],
                    },
                },
                afterStack,
            );
        }

        // The flows the stack needs. The namespace denies all traffic by default (Platform).
        const prometheusPods = podEndpoint(namespace, { ...POD_LABELS.prometheus });
        const flows: FlowInput[] = [
            {
                name: "prometheus-to-pushgateway",
                description: "Prometheus scrapes the series batch jobs pushed to the Pushgateway.",
                from: prometheusPods,
                to: podEndpoint(namespace, { ...POD_LABELS.pushgateway }),
                port: SERVICES.pushgateway.port,
            },
            {
                name: "grafana-to-prometheus",
                description: "Grafana queries Prometheus for the dashboards.",
                from: podEndpoint(namespace, { ...POD_LABELS.grafana }),
                to: prometheusPods,
                port: SERVICES.prometheus.port,
            },
            {
                name: "api-server-to-operator-webhook",
                description: "The API server validates PrometheusRules through the prometheus-operator's admission webhook.",
                from: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                to: podEndpoint(namespace, { ...POD_LABELS.operator }),
                port: OPERATOR_WEBHOOK_PORT,
            },
            {
                name: "operator-to-api-server",
                description: "The prometheus-operator watches its custom resources and manages Prometheus and Alertmanager through the API server.",
                from: podEndpoint(namespace, { ...POD_LABELS.operator }),
                to: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                port: API_SERVER_PORT,
            },
            {
                name: "prometheus-to-api-server",
                description: "Prometheus discovers its targets (endpoints, pods) through the API server.",
                from: prometheusPods,
                to: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                port: API_SERVER_PORT,
            },
        ];
        if (args.certManagerNamespace !== undefined) {
            flows.push({
                name: "prometheus-to-cert-manager",
                description: "Prometheus scrapes cert-manager's controller for certificate expiry and readiness.",
                from: prometheusPods,
                to: podEndpoint(args.certManagerNamespace, { ...CERT_MANAGER_SERVICE_LABELS }),
                port: CERT_MANAGER_METRICS_PORT,
            });
        }
        for (const target of a.scrapeTargets) {
            flows.push({
                name: `prometheus-to-${target.name}`,
                description: `Prometheus scrapes ${target.description}.`,
                from: prometheusPods,
                to: podEndpoint(target.namespace, target.podLabels),
                port: target.port.number,
            });
        }
        if (receivers.slack !== undefined || receivers.pagerduty !== undefined) {
            flows.push({
                name: "alertmanager-to-receivers",
                description: "Alertmanager delivers notifications to Slack and PagerDuty over HTTPS.",
                from: podEndpoint(namespace, {}),
                to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                port: 443,
            });
        }

        // What the stack needs inside the namespace:
        this.networkPolicy(`${name}-within-namespace`, namespace, "allow-within-namespace", {
            // Prometheus scrapes the exporters, Grafana queries Prometheus, Prometheus alerts Alertmanager, Alertmanagers gossip.
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: {} }] }],
        });
        this.networkPolicy(`${name}-operator-webhook`, namespace, "allow-operator-webhook", {
            // The API server validates PrometheusRules through the operator's webhook; its address is not a pod's.
            podSelector: { matchLabels: { ...POD_LABELS.operator } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: tcp(OPERATOR_WEBHOOK_PORT) }],
        });
        if (a.pushgatewayClients.length > 0) {
            this.networkPolicy(`${name}-pushgateway-clients`, namespace, "allow-pushgateway-clients", {
                podSelector: { matchLabels: { ...POD_LABELS.pushgateway } },
                policyTypes: ["Ingress"],
                ingress: [{ from: a.pushgatewayClients.map((ns) => namespacePeer(ns)), ports: tcp(SERVICES.pushgateway.port) }],
            });
        }
        if (grafanaIngress) {
            const controller = { namespace: grafanaIngress.ingress.controllerNamespace, podLabels: grafanaIngress.ingress.controllerPodLabels };
            // Grafana's Ingress (from the chart's values) lives here, so cert-manager runs its ACME
            // HTTP-01 solver here: admit the ingress controller to it, derived from the declared flow.
            const solver = acmeSolverFlow(namespace, controller, `Grafana's Ingress (${grafanaIngress.host})`);
            flows.push(solver, {
                name: "ingress-to-grafana",
                description: `The ingress controller forwards requests for ${grafanaIngress.host} to Grafana.`,
                from: podEndpoint(controller.namespace, controller.podLabels),
                to: podEndpoint(namespace, { ...POD_LABELS.grafana }),
                port: GRAFANA_PORT,
            });
            this.networkPolicy(`${name}-acme-solver`, namespace, "allow-acme-http01-solver", admitFlowSpec(solver));
            this.networkPolicy(`${name}-grafana-ingress`, namespace, "allow-grafana-ingress", {
                podSelector: { matchLabels: { ...POD_LABELS.grafana } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [namespacePeer(grafanaIngress.ingress.controllerNamespace, grafanaIngress.ingress.controllerPodLabels)], ports: tcp(GRAFANA_PORT) }],
            });
        }

        const url = (service: { name: string; port: number }, after: pulumi.Resource) =>
            pulumi.all([namespace, after.urn]).apply(([ns]) => `http://${service.name}.${ns}.svc.cluster.local:${service.port}`);
        this.namespace = pulumi.all([namespace, stack.urn, pushgateway.urn]).apply(([ns]) => ns);
        this.prometheusUrl = url(SERVICES.prometheus, stack);
        this.alertmanagerUrl = url(SERVICES.alertmanager, stack);
        this.grafanaUrl = url(SERVICES.grafana, stack);
        this.pushgatewayUrl = pulumi.all([namespace, pushgateway.urn]).apply(([ns]) => pushgatewayServiceUrl(ns));
        this.grafanaAdminUser = "admin";
        this.grafanaAdminPassword = pulumi.secret(password.result);
        this.receivers = [...(receivers.slack ? ["slack"] : []), ...(receivers.pagerduty ? ["pagerduty"] : [])];
        this.appMonitoring = { dependsOn: [stack], interval: a.scrapeInterval, scraper: { namespace, podLabels: { ...POD_LABELS.prometheus } } };
        this.networkFlows = declaredFlows(component, flows);

        this.registerOutputs({
            namespace: this.namespace,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            pushgatewayUrl: this.pushgatewayUrl,
            grafanaUrl: this.grafanaUrl,
            receivers: this.receivers,
            ruleGroups: this.ruleGroups,
            [NETWORK_FLOWS_OUTPUT]: this.networkFlows,
        });
    }

    private networkPolicy(resourceName: string, namespace: pulumi.Input<string>, policyName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec): void {
        new k8s.networking.v1.NetworkPolicy(resourceName, { metadata: { name: policyName, namespace, labels: ESTATE_LABELS }, spec }, { parent: this });
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CPU = /^\d+(\.\d+)?m?$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;

function validateArgs(component: string, args: MonitoringArgs): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    const isInt = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
    if (args === null || typeof args !== "object") {
        fail("args", "must be an object with at least namespace");
    }
    if (args.namespace === undefined || args.namespace === "") {
        fail("namespace", "is required (usually Platform.namespaces.monitoring)");
    }
    const p = args.prometheus ?? {};
    const ints: [string, unknown, number, number][] = [
        ["prometheus.retentionDays", p.retentionDays, 1, 3650],
        ["prometheus.storageGb", p.storageGb, 2, 65536],
        ["prometheus.replicas", p.replicas, 1, 5],
        ["alertmanagerReplicas", args.alertmanagerReplicas, 1, 5],
    ];
    for (const [argument, value, min, max] of ints) {
        if (value !== undefined && !isInt(value, min, max)) {
            fail(argument, `must be an integer from ${min} to ${max} (got ${String(value)})`);
        }
    }
    if (p.cpu !== undefined && !CPU.test(p.cpu)) {
        fail("prometheus.cpu", `must be a CPU quantity such as 500m or 2 (got ${JSON.stringify(p.cpu)})`);
    }
    if (p.memory !== undefined && !MEMORY.test(p.memory)) {
        fail("prometheus.memory", `must be a memory quantity such as 2Gi (got ${JSON.stringify(p.memory)})`);
    }
    if (args.storageClass !== undefined && !DNS_LABEL.test(args.storageClass)) {
        fail("storageClass", `must be a StorageClass name such as gp3 (got ${JSON.stringify(args.storageClass)})`);
    }
    if (args.receivers?.slack !== undefined && !/^#[a-z0-9][a-z0-9._-]{0,79}$/.test(args.receivers.slack.channel)) {
        fail("receivers.slack.channel", `must be a Slack channel such as #shop-alerts (got ${JSON.stringify(args.receivers.slack.channel)})`);
    }
    const seen = new Set<string>();
    for (const [i, group] of (args.ruleGroups ?? []).entries()) {
        if (!DNS_LABEL.test(group.name)) {
            fail(`ruleGroups[${i}].name`, `must be a lower-case DNS label, the PrometheusRule's name (got ${JSON.stringify(group.name)})`);
        }
        if (seen.has(group.name)) {
            fail(`ruleGroups[${i}].name`, `must be unique (${JSON.stringify(group.name)} appears twice)`);
        }
        seen.add(group.name);
        if (group.rules.length === 0) {
            fail(`ruleGroups[${i}].rules`, `must not be empty (group ${JSON.stringify(group.name)})`);
        }
    }
    if (args.grafana !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.grafana.host)) {
        fail("grafana.host", `must be a lower-case DNS name such as grafana.example.com (got ${JSON.stringify(args.grafana.host)})`);
    }
    const targets = new Set<string>();
    for (const [i, target] of (args.scrapeTargets ?? []).entries()) {
        if (!DNS_LABEL.test(target.name)) {
            fail(`scrapeTargets[${i}].name`, `must be a lower-case DNS label, the PodMonitor's name (got ${JSON.stringify(target.name)})`);
        }
        if (targets.has(target.name)) {
            fail(`scrapeTargets[${i}].name`, `must be unique (${JSON.stringify(target.name)} appears twice)`);
        }
        targets.add(target.name);
        if (!Number.isSafeInteger(target.port.number) || target.port.number < 1 || target.port.number > 65535 || !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(target.port.name)) {
            fail(`scrapeTargets[${i}].port`, `must name a container port (a name of up to 15 characters) and its number, 1-65535 (got ${JSON.stringify(target.port)})`);
        }
        if (target.interval !== undefined && !/^\d+(s|m)$/.test(target.interval)) {
            fail(`scrapeTargets[${i}].interval`, `must be a duration such as 30s or 1m (got ${JSON.stringify(target.interval)})`);
        }
    }
    if (args.scrapeInterval !== undefined && !/^\d+(s|m)$/.test(args.scrapeInterval)) {
        fail("scrapeInterval", `must be a duration such as 30s or 1m (got ${JSON.stringify(args.scrapeInterval)})`);
    }
}

/** Drops keys whose value is `undefined`, so they do not override the defaults. */
function withoutUndefined<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The in-cluster URL of the Pushgateway `Monitoring` deploys in `namespace` (batch jobs push there). */
export function pushgatewayServiceUrl(namespace: string): string {
    return `http://${SERVICES.pushgateway.name}.${namespace}.svc.cluster.local:${SERVICES.pushgateway.port}`;
}
