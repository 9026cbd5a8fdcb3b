/**
 * Typed values for the monitoring charts (`components/lib/charts.ts`): only the keys the estate
 * sets, each checked against the pinned chart's `values.yaml`; everything else keeps the chart's
 * default. Also the Alertmanager configuration, built from the configured receivers.
 *
 * Pod Security: every pod these values produce passes the restricted profile (non-root, no
 * privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no host access), with
 * one exception the estate leaves off by default: the node exporter, which needs the host's
 * network, PID namespace and filesystem (see `MonitoringArgs.nodeExporter`).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerResources, ContainerSecurityContextValues } from "../k8s/chart-values";
import { ALERTS } from "./alert-rules";

/** Helm release names; they prefix the objects the charts create. */
export const RELEASES = { stack: "kube-prometheus-stack", pushgateway: "pushgateway" } as const;

/** In-cluster Services the charts create (names follow from the release names). */
export const SERVICES = {
    prometheus: { name: `${RELEASES.stack}-prometheus`, port: 9090 },
    alertmanager: { name: `${RELEASES.stack}-alertmanager`, port: 9093 },
    grafana: { name: `${RELEASES.stack}-grafana`, port: 80 },
    pushgateway: { name: RELEASES.pushgateway, port: 9091 },
} as const;

/** Pod labels the NetworkPolicies select. */
export const POD_LABELS = {
    operator: { app: `${RELEASES.stack}-operator`, release: RELEASES.stack },
    grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": RELEASES.stack },
    pushgateway: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": RELEASES.pushgateway },
    /**
     * The Prometheus pods the operator runs: the chart's Prometheus Service selects them by this label
     * (prometheus-community/helm-charts charts/kube-prometheus-stack/templates/prometheus/service.yaml).
     */
    prometheus: { "app.kubernetes.io/name": "prometheus" },
} as const;

/** The operator's admission webhook port (`prometheusOperator.tls.internalPort`), called by the API server. */
export const OPERATOR_WEBHOOK_PORT = 10250;
/** Grafana's container port, which the ingress controller reaches. */
export const GRAFANA_PORT = 3000;

/** The Secret holding the receivers' credentials, mounted into Alertmanager (`alertmanagerSpec.secrets`). */
export const RECEIVER_SECRET = "alertmanager-receivers";
/** Its keys. */
export const RECEIVER_KEYS = { slackWebhookUrl: "slack-webhook-url", pagerdutyRoutingKey: "pagerduty-routing-key" } as const;
/** Where the operator mounts `alertmanagerSpec.secrets`. */
const ALERTMANAGER_SECRETS_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

/** The Secret with Grafana's admin credentials (`grafana.admin.existingSecret`). */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_ADMIN_KEYS = { user: "admin-user", password: "admin-password" } as const;

const restrictedContainer: ContainerSecurityContextValues = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

// ------------------------------------------------------------------------------------------------
// Alertmanager configuration
// ------------------------------------------------------------------------------------------------

/** The receivers Alertmanager sends to besides `null`; their credentials live in `RECEIVER_SECRET`. */
export interface ReceiverSettings {
    slack?: { channel: string };
    pagerduty?: boolean;
}

interface Route {
    receiver: string;
    matchers?: string[];
    continue?: boolean;
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
    routes?: Route[];
}

interface Receiver {
    name: string;
    slack_configs?: Record<string, unknown>[];
    pagerduty_configs?: Record<string, unknown>[];
}

/** An alertmanager.yaml, as the chart's `alertmanager.config` takes it. */
export interface AlertmanagerConfig {
    global: { resolve_timeout: string };
    route: Route;
    receivers: Receiver[];
    inhibit_rules: { source_matchers?: string[]; target_matchers: string[]; equal?: string[] }[];
    templates: string[];
}

/**
 * How alerts reach people: every alert to Slack when it is configured; critical alerts also page
 * through PagerDuty (every alert when Slack is not configured); `Watchdog` (Prometheus's
 * always-firing heartbeat) and `InfoInhibitor` to the `null` receiver. Credentials are read from
 * files (`api_url_file`, `routing_key_file`), so the configuration holds no secret.
 */
export function alertmanagerConfig(receivers: ReceiverSettings): AlertmanagerConfig {
    const list: Receiver[] = [{ name: "null" }];
    if (receivers.slack) {
        list.push({
            name: "slack",
            slack_configs: [
                {
                    api_url_file: `${ALERTMANAGER_SECRETS_DIR}/${RECEIVER_KEYS.slackWebhookUrl}`,
                    channel: receivers.slack.channel,
                    send_resolved: true,
                    title: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})',
                    text: "{{ range .Alerts }}*{{ .Annotations.summary }}* ({{ .Labels.severity }})\n{{ .Annotations.description }}\n{{ end }}",
                },
            ],
        });
    }
    if (receivers.pagerduty) {
        list.push({
            name: "pagerduty",
            pagerduty_configs: [
                {
                    routing_key_file: `${ALERTMANAGER_SECRETS_DIR}/${RECEIVER_KEYS.pagerdutyRoutingKey}`,
                    send_resolved: true,
                    severity: '{{ if eq .CommonLabels.severity "critical" }}critical{{ else }}warning{{ end }}',
                    description: "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}",
                },
            ],
        });
    }
    const fallback = receivers.slack ? "slack" : receivers.pagerduty ? "pagerduty" : "null";
    const routes: Route[] = [{ receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] }];
    if (receivers.slack && receivers.pagerduty) {
        routes.push({ receiver: "pagerduty", matchers: ['severity = "critical"'], continue: true });
    }
    // A child route that matches everything: after a `continue` route matched, Alertmanager no
    // longer falls back to the root's receiver.
    routes.push({ receiver: fallback });
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: fallback,
            group_by: ["alertname", "namespace", "service"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes,
        },
        receivers: list,
        // A critical alert silences the warnings of the same name and namespace (the chart's defaults).
        inhibit_rules: [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
            { target_matchers: ['alertname = "InfoInhibitor"'] },
            // An app whose users see the errors or the slowness at the edge is reported once: the edge's
            // alert (what users get) silences the app's own alert of the same kind for the same app.
            ...(
                [
                    [ALERTS.edgeErrorRatioHigh, ALERTS.errorRatioHigh],
                    [ALERTS.edgeLatencyHigh, ALERTS.latencyHigh],
                ] as const
            ).map(([edge, app]) => ({ source_matchers: [`alertname = "${edge}"`], target_matchers: [`alertname = "${app}"`], equal: ["namespace", "service"] })),
        ],
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}

// ------------------------------------------------------------------------------------------------
// kube-prometheus-stack (prometheus-community/kube-prometheus-stack)
// ------------------------------------------------------------------------------------------------

interface PodSecurityContext {
    runAsNonRoot: true;
    runAsUser: number;
    runAsGroup: number;
    fsGroup: number;
    seccompProfile: { type: "RuntimeDefault" };
}

interface VolumeClaimTemplate {
    volumeClaimTemplate: {
        spec: { accessModes: ["ReadWriteOnce"]; resources: { requests: { storage: string } }; storageClassName?: string };
    };
}

export interface KubePrometheusStackValues {
    crds: { enabled: true };
    defaultRules: { create: true; rules: Record<string, boolean> };
    windowsMonitoring: { enabled: false };
    /** Control-plane components managed clusters (EKS) and kind do not expose: their targets would always be down. */
    kubeControllerManager: { enabled: false };
    kubeScheduler: { enabled: false };
    kubeEtcd: { enabled: false };
    kubeProxy: { enabled: false };
    nodeExporter: { enabled: boolean };
    alertmanager: {
        enabled: true;
        config: AlertmanagerConfig;
        alertmanagerSpec: {
            replicas: number;
            secrets: string[];
            resources: ContainerResources;
            securityContext: PodSecurityContext;
        };
    };
    grafana: {
        enabled: true;
        admin: { existingSecret: string; userKey: string; passwordKey: string };
        persistence: { enabled: true; type: "pvc"; size: string; accessModes: ["ReadWriteOnce"]; storageClassName?: string };
        /** Its init container chowns the volume as root; fsGroup already gives Grafana the volume. */
        initChownData: { enabled: false };
        /** One pod at a time on a ReadWriteOnce volume. */
        deploymentStrategy: { type: "Recreate" };
        testFramework: { enabled: false };
        resources: ContainerResources;
        /** Data sources are managed through Grafana's API (GrafanaContent), not provisioned by the chart. */
        sidecar: { datasources: { enabled: false } };
        "grafana.ini": Record<string, Record<string, string | boolean>>;
        ingress:
            | { enabled: false }
            | {
                  enabled: true;
                  ingressClassName: string;
                  annotations: Record<string, string>;
                  hosts: string[];
                  path: "/";
                  tls: { secretName: string; hosts: string[] }[];
              };
    };
    prometheusOperator: {
        resources: ContainerResources;
        containerSecurityContext: ContainerSecurityContextValues;
    };
    prometheus: {
        prometheusSpec: {
            replicas: number;
            retention: string;
            retentionSize: string;
            resources: ContainerResources;
            storageSpec: VolumeClaimTemplate;
            securityContext: PodSecurityContext;
            /** Select every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule, not only the release's. */
            serviceMonitorSelectorNilUsesHelmValues: false;
            podMonitorSelectorNilUsesHelmValues: false;
            probeSelectorNilUsesHelmValues: false;
            ruleSelectorNilUsesHelmValues: false;
            scrapeConfigSelectorNilUsesHelmValues: false;
        };
    };
    "kube-state-metrics": { resources: ContainerResources };
}

export interface StackValuesOptions {
    prometheus: { retentionDays: number; storageGb: number; cpu: string; memory: string; replicas: number };
    alertmanagerReplicas: number;
    storageClass?: string;
    nodeExporter: boolean;
    receivers: ReceiverSettings;
    receiverSecret: string;
    grafanaAdminSecret: string;
    /** Serve Grafana on this host through the ingress controller. */
    grafanaIngress?: { host: string; className: string; clusterIssuer: string };
}

export function kubePrometheusStackValues(opts: StackValuesOptions): KubePrometheusStackValues {
    const storageClass = opts.storageClass === undefined ? {} : { storageClassName: opts.storageClass };
    const p = opts.prometheus;
    const ingress = opts.grafanaIngress;
    return {
        crds: { enabled: true },
        defaultRules: {
            create: true,
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
                windows: false,
                nodeExporterAlerting: opts.nodeExporter,
                nodeExporterRecording: opts.nodeExporter,
                // These groups query node-exporter series too (node_cpu_seconds_total, node_network_*,
                // node_memory_*): without the exporter they would evaluate to nothing, forever. The chart
                // gates the groups node.rules, node-network and kube-prometheus-node-recording.rules by
                // these keys (prometheus-community/helm-charts, charts/kube-prometheus-stack values.yaml
                // `defaultRules.rules` and the rules sync's condition map in hack/).
                node: opts.nodeExporter,
                network: opts.nodeExporter,
                kubePrometheusNodeRecording: opts.nodeExporter,
            },
        },
        windowsMonitoring: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        nodeExporter: { enabled: opts.nodeExporter },
        alertmanager: {
            enabled: true,
            config: alertmanagerConfig(opts.receivers),
            alertmanagerSpec: {
                replicas: opts.alertmanagerReplicas,
                secrets: [opts.receiverSecret],
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
            },
        },
        grafana: {
            enabled: true,
            admin: { existingSecret: opts.grafanaAdminSecret, userKey: GRAFANA_ADMIN_KEYS.user, passwordKey: GRAFANA_ADMIN_KEYS.password },
            persistence: { enabled: true, type: "pvc", size: "5Gi", accessModes: ["ReadWriteOnce"], ...storageClass },
            initChownData: { enabled: false },
            deploymentStrategy: { type: "Recreate" },
            testFramework: { enabled: false },
            resources: { requests: { cpu: "50m", memory: "192Mi" }, limits: { memory: "512Mi" } },
            sidecar: { datasources: { enabled: false } },
            "grafana.ini": {
                ...(ingress ? { server: { root_url: `https://${ingress.host}` } } : {}),
                analytics: { check_for_updates: false, reporting_enabled: false },
                users: { allow_sign_up: false },
                "auth.anonymous": { enabled: false },
            },
            ingress: ingress
                ? {
                      enabled: true,
                      ingressClassName: ingress.className,
                      annotations: { "cert-manager.io/cluster-issuer": ingress.clusterIssuer },
                      hosts: [ingress.host],
                      path: "/",
                      tls: [{ secretName: "grafana-tls", hosts: [ingress.host] }],
                  }
                : { enabled: false },
        },
        prometheusOperator: {
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            containerSecurityContext: restrictedContainer,
        },
        prometheus: {
            prometheusSpec: {
                replicas: p.replicas,
                retention: `${p.retentionDays}d`,
                // Delete old blocks before the volume fills up (the WAL and compaction need room).
                retentionSize: `${Math.max(1, Math.floor(p.storageGb * 0.85))}GiB`,
                resources: { requests: { cpu: p.cpu, memory: p.memory }, limits: { memory: p.memory } },
                storageSpec: {
                    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${p.storageGb}Gi` } }, ...storageClass } },
                },
                securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        "kube-state-metrics": { resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } } },
    };
}

// ------------------------------------------------------------------------------------------------
// Pushgateway (prometheus-community/prometheus-pushgateway)
// ------------------------------------------------------------------------------------------------

export interface PushgatewayValues {
    fullnameOverride: string;
    resources: ContainerResources;
    securityContext: PodSecurityContext;
    containerSecurityContext: ContainerSecurityContextValues;
    /** Keep pushed series across restarts: a backup's last-success time must survive a rollout. */
    persistentVolume: { enabled: true; size: string; storageClass?: string };
    extraArgs: string[];
    serviceMonitor: { enabled: true; namespace: pulumi.Input<string>; honorLabels: true };
}

export function pushgatewayValues(opts: { namespace: pulumi.Input<string>; storageClass?: string }): PushgatewayValues {
    return {
        fullnameOverride: RELEASES.pushgateway,
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: restrictedContainer,
        persistentVolume: { enabled: true, size: "1Gi", ...(opts.storageClass === undefined ? {} : { storageClass: opts.storageClass }) },
        extraArgs: ["--persistence.file=/data/pushgateway.data", "--persistence.interval=1m"],
        // honorLabels keeps the job and instance labels the batch jobs push.
        serviceMonitor: { enabled: true, namespace: opts.namespace, honorLabels: true },
    };
}
