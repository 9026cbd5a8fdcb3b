/**
 * The estate's Prometheus rules, generated from its services and thresholds: pure data in the
 * Prometheus rule-file format (`groups: [{ name, rules }]`), which is also a PrometheusRule's
 * `spec.groups`. Nothing here creates resources; `Monitoring` turns each group into a
 * PrometheusRule, and the tests run every group through `promtool check rules` and
 * `promtool test rules`.
 *
 * Every web app is seen from two sides (docs/observability.md states both):
 * - from the edge: Traefik's `traefik_service_*` series for the app's Ingress backend (its Service's
 *   `http` port), whatever the app exports; Traefik names that backend `<namespace>-<app>-http@kubernetes`
 *   (`traefikServiceName`), and the recording rules give the result the app's `namespace` and `service`;
 * - from the app, where it exports them (`httpMetrics`, default true): `http_requests_total` with a
 *   `code` label (the HTTP status) and the `http_request_duration_seconds` histogram on its metrics
 *   port; the ServiceMonitor adds `namespace` and `service` (the Service's name, which is the app's name).
 * kube-state-metrics and the kubelet's cAdvisor provide the Kubernetes series; cert-manager its
 * certificate series; Prometheus itself `up` for each scrape target.
 */
import { traefikServiceName } from "../k8s/chart-values";

/** An alerting rule, as in a Prometheus rule file. */
export interface AlertingRule {
    alert: string;
    expr: string;
    /** How long the condition must hold before the alert fires, such as `5m`. */
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

/** A recording rule, as in a Prometheus rule file. */
export interface RecordingRule {
    record: string;
    expr: string;
    labels?: Record<string, string>;
}

export type Rule = AlertingRule | RecordingRule;

/** A rule group; its name becomes the PrometheusRule's name, so it is a DNS label. */
export interface RuleGroup {
    name: string;
    /** Evaluation interval; default Prometheus's global one. */
    interval?: string;
    rules: Rule[];
}

/** Where the generated alerts fire. */
export interface AlertThresholds {
    /** Share of requests answered 5xx (0-1). */
    errorRatio: number;
    /** p95 latency in seconds. */
    latencyP95Seconds: number;
    /** Requests per second below which a web service's traffic counts as stopped; 0: no such alert. */
    minRequestRate: number;
    /** CPU used / requested. */
    cpuRequestRatio: number;
    /** Memory working set / requested. */
    memoryRequestRatio: number;
    /** Memory working set / limit. */
    memoryLimitRatio: number;
    /** Minutes at the autoscaler's maximum. */
    autoscalerMaxedMinutes: number;
    /** Days before a certificate expires. */
    certificateExpiryDays: number;
    /** Container restarts within 15 minutes. */
    crashLoopRestarts: number;
}

/** What the rules need to know about an app. */
export interface MonitoredService {
    /** The app's name: its Deployment, Service, container and HPA are named so. */
    name: string;
    namespace: string;
    /** Web apps serve HTTP requests and get the RED rules; workers do not. */
    kind: "web" | "worker";
    replicas: { min: number; max: number };
    /**
     * A web app exports `http_requests_total{code}` and `http_request_duration_seconds` itself: it
     * gets the app-level RED rules and the guard that notices when they vanish. Default: true.
     */
    httpMetrics?: boolean;
}

/** The port name of an app's Service that its Ingress routes to (`AppService`). */
export const APP_HTTP_PORT_NAME = "http";

/** Names of the recording rules the RED alerts (and anyone's dashboards) read: the app's own view, and the edge's. */
export const RECORDED = {
    requestRate: "estate_service:http_requests:rate5m",
    errorRatio: "estate_service:http_request_errors:ratio_rate5m",
    latencyP95: "estate_service:http_request_duration_seconds:p95_rate5m",
    edgeRequestRate: "estate_service:edge_requests:rate5m",
    edgeErrorRatio: "estate_service:edge_request_errors:ratio_rate5m",
    edgeLatencyP95: "estate_service:edge_request_duration_seconds:p95_rate5m",
} as const;

/** The alerts the estate generates. */
export const ALERTS = {
    edgeTrafficLow: "EstateServiceEdgeTrafficLow",
    edgeErrorRatioHigh: "EstateServiceEdgeErrorRatioHigh",
    edgeLatencyHigh: "EstateServiceEdgeLatencyHigh",
    errorRatioHigh: "EstateServiceErrorRatioHigh",
    latencyHigh: "EstateServiceLatencyHigh",
    appMetricsAbsent: "EstateServiceAppMetricsAbsent",
    metricsDown: "EstateServiceMetricsDown",
    cpuOverRequest: "EstateServiceCpuOverRequest",
    memoryOverRequest: "EstateServiceMemoryOverRequest",
    memoryNearLimit: "EstateServiceMemoryNearLimit",
    autoscalerAtMax: "EstateServiceAutoscalerAtMax",
    crashLooping: "EstateServiceCrashLooping",
    certificateExpiring: "EstateCertificateExpiringSoon",
    certificateNotReady: "EstateCertificateNotReady",
} as const;

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(4))}%`;
const selector = (labels: Record<string, string>) =>
    `{${Object.entries(labels)
        .map(([k, v]) => (v.startsWith("~") ? `${k}=~"${v.slice(1)}"` : `${k}="${v}"`))
        .join(", ")}}`;

/** The rule group of one app: RED (web), saturation, autoscaling, crash loops. */
export function serviceRuleGroup(service: MonitoredService, t: AlertThresholds): RuleGroup {
    const { name, namespace } = service;
    const where = `${namespace}/${name}`;
    const rules: Rule[] = [];
    const alert = (rule: AlertingRule, severity: "critical" | "warning"): AlertingRule => ({
        ...rule,
        labels: { severity, service: name, ...rule.labels },
    });

    const app = { namespace, service: name };
    /** A recorded series of this app. */
    const recorded = (metric: string) => `${metric}${selector(app)}`;
    const up = `up${selector(app)}`;

    if (service.kind === "web") {
        // From the edge: Traefik's series of the app's Ingress backend, whatever the app exports. The
        // sums drop Traefik's own target labels (its pod, its namespace); the rule labels name the app.
        const backend = { service: traefikServiceName(namespace, name, APP_HTTP_PORT_NAME) };
        const edgeRequests = `traefik_service_requests_total${selector(backend)}`;
        const edgeErrors = `traefik_service_requests_total${selector({ ...backend, code: "~5.." })}`;
        const edgeBuckets = `traefik_service_request_duration_seconds_bucket${selector(backend)}`;
        rules.push(
            { record: RECORDED.edgeRequestRate, expr: `sum(rate(${edgeRequests}[5m]))`, labels: app },
            { record: RECORDED.edgeErrorRatio, expr: `sum(rate(${edgeErrors}[5m])) / sum(rate(${edgeRequests}[5m]))`, labels: app },
            { record: RECORDED.edgeLatencyP95, expr: `histogram_quantile(0.95, sum by (le) (rate(${edgeBuckets}[5m])))`, labels: app },
        );
        if (t.minRequestRate > 0) {
            rules.push(
                alert(
                    {
                        alert: ALERTS.edgeTrafficLow,
                        // Traefik drops the series of a backend that left its configuration (an Ingress
                        // gone, no ready endpoints): no series at all is the lowest traffic there is.
                        expr: `${recorded(RECORDED.edgeRequestRate)} < ${t.minRequestRate} or absent(${recorded(RECORDED.edgeRequestRate)})`,
                        for: "15m",
                        annotations: {
                            summary: `${where} receives almost no requests at the edge`,
                            description: `The ingress controller has passed fewer than ${t.minRequestRate} requests per second to {{ $labels.namespace }}/{{ $labels.service }} for 15 minutes, or none at all: check its Ingress, its ready endpoints, DNS and the ingress controller.`,
                        },
                    },
                    "warning",
                ),
            );
        }
        rules.push(
            alert(
                {
                    alert: ALERTS.edgeErrorRatioHigh,
                    expr: `${recorded(RECORDED.edgeErrorRatio)} > ${t.errorRatio}`,
                    for: "5m",
                    annotations: {
                        summary: `${where} answers more than ${percent(t.errorRatio)} of its users' requests with 5xx (seen at the edge)`,
                        description: `More than ${percent(t.errorRatio)} of the requests the ingress controller passed to {{ $labels.namespace }}/{{ $labels.service }} have failed with a 5xx status for 5 minutes (5 minute rate), the app's own or the controller's (502/503/504: no ready pod, refused, timed out). Its errors are in Sentry.`,
                    },
                },
                "critical",
            ),
            alert(
                {
                    alert: ALERTS.edgeLatencyHigh,
                    expr: `${recorded(RECORDED.edgeLatencyP95)} > ${t.latencyP95Seconds}`,
                    for: "10m",
                    annotations: {
                        summary: `${where} is slow at the edge: p95 latency above ${t.latencyP95Seconds}s`,
                        description: `The 95th percentile latency of the requests the ingress controller passed to {{ $labels.namespace }}/{{ $labels.service }} has been above ${t.latencyP95Seconds}s for 10 minutes.`,
                    },
                },
                "warning",
            ),
        );
    }

    if (service.kind === "web" && service.httpMetrics !== false) {
        // From the app: its own request metrics, where it exports them.
        const requests = `http_requests_total${selector(app)}`;
        const errors = `http_requests_total${selector({ ...app, code: "~5.." })}`;
        const buckets = `http_request_duration_seconds_bucket${selector(app)}`;
        rules.push(
            { record: RECORDED.requestRate, expr: `sum by (namespace, service) (rate(${requests}[5m]))` },
            {
                record: RECORDED.errorRatio,
                expr: `sum by (namespace, service) (rate(${errors}[5m])) / sum by (namespace, service) (rate(${requests}[5m]))`,
            },
            { record: RECORDED.latencyP95, expr: `histogram_quantile(0.95, sum by (namespace, service, le) (rate(${buckets}[5m])))` },
        );
        rules.push(
            alert(
                {
                    alert: ALERTS.errorRatioHigh,
                    expr: `${recorded(RECORDED.errorRatio)} > ${t.errorRatio}`,
                    for: "5m",
                    annotations: {
                        summary: `${where} answers more than ${percent(t.errorRatio)} of requests with 5xx`,
                        description: `More than ${percent(t.errorRatio)} of the requests to {{ $labels.namespace }}/{{ $labels.service }} have failed with a 5xx status for 5 minutes (5 minute rate). Its errors are in Sentry.`,
                    },
                },
                "critical",
            ),
            alert(
                {
                    alert: ALERTS.latencyHigh,
                    expr: `${recorded(RECORDED.latencyP95)} > ${t.latencyP95Seconds}`,
                    for: "10m",
                    annotations: {
                        summary: `${where} is slow: p95 latency above ${t.latencyP95Seconds}s`,
                        description: `The 95th percentile request latency of {{ $labels.namespace }}/{{ $labels.service }} has been above ${t.latencyP95Seconds}s for 10 minutes.`,
                    },
                },
                "warning",
            ),
            alert(
                {
                    alert: ALERTS.appMetricsAbsent,
                    // Its metrics target answers and the edge sees it serve requests, yet its own request
                    // metrics are missing: renamed, or no longer exported. Its app-level alerts above are
                    // then blind; this one says so instead of going quiet.
                    expr:
                        `(absent(${requests}) or absent(${buckets}))` +
                        ` and on (namespace, service) (${recorded(RECORDED.edgeRequestRate)} > 0)` +
                        ` and on (namespace, service) (max by (namespace, service) (${up}) == 1)`,
                    for: "15m",
                    annotations: {
                        summary: `${where} serves requests but exports no http_requests_total or http_request_duration_seconds`,
                        description: `{{ $labels.namespace }}/{{ $labels.service }} has served requests through the ingress for 15 minutes and its metrics endpoint answers, but it exports no http_requests_total or no http_request_duration_seconds histogram: its app-level error and latency alerts cannot fire (the edge's still can). Restore the metrics, or set estate:services.<app>.httpMetrics to false.`,
                    },
                },
                "warning",
            ),
        );
    }

    // Every app is scraped on its metrics port: a target that fails, or that Prometheus no longer
    // finds, leaves the app's own series empty.
    rules.push(
        alert(
            {
                alert: ALERTS.metricsDown,
                expr: `min by (namespace, service) (${up}) == 0 or absent(${up})`,
                for: "10m",
                annotations: {
                    summary: `Prometheus cannot scrape ${where}`,
                    description: `A metrics target of {{ $labels.namespace }}/{{ $labels.service }} has failed to answer on /metrics for 10 minutes, or Prometheus has none (no ready pod, or its ServiceMonitor selects nothing): the alerts that read its own metrics are blind.`,
                },
            },
            "warning",
        ),
    );

    // Saturation, per pod: usage (cAdvisor) against requests and limits (kube-state-metrics). CPU has
    // no limit to compare with: AppService sets none (CFS throttling stalls a pod long before it
    // "uses" its limit; the request and the autoscaler size it), and kube-state-metrics emits no
    // limits series for a resource without a limit. Memory has one (the OOM killer's line).
    const pods = { namespace, container: name, pod: `~${name}-[a-z0-9]+-[a-z0-9]+` };
    const cpuUsed = `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total${selector(pods)}[5m]))`;
    const memoryUsed = `sum by (namespace, pod) (container_memory_working_set_bytes${selector(pods)})`;
    const declared = (kind: "requests" | "limits", resource: "cpu" | "memory") =>
        `sum by (namespace, pod) (kube_pod_container_resource_${kind}${selector({ ...pods, resource })})`;
    rules.push(
        alert(
            {
                alert: ALERTS.cpuOverRequest,
                expr: `${cpuUsed} / ${declared("requests", "cpu")} > ${t.cpuRequestRatio}`,
                for: "15m",
                annotations: {
                    summary: `${where} uses more than ${percent(t.cpuRequestRatio)} of its CPU request`,
                    description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(t.cpuRequestRatio)} of its CPU request for 15 minutes: raise the request, or the autoscaler cannot keep up.`,
                },
            },
            "warning",
        ),
        alert(
            {
                alert: ALERTS.memoryOverRequest,
                expr: `${memoryUsed} / ${declared("requests", "memory")} > ${t.memoryRequestRatio}`,
                for: "15m",
                annotations: {
                    summary: `${where} uses more than ${percent(t.memoryRequestRatio)} of its memory request`,
                    description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(t.memoryRequestRatio)} of its memory request for 15 minutes: it is among the first to be evicted under node pressure.`,
                },
            },
            "warning",
        ),
        alert(
            {
                alert: ALERTS.memoryNearLimit,
                expr: `${memoryUsed} / ${declared("limits", "memory")} > ${t.memoryLimitRatio}`,
                for: "5m",
                annotations: {
                    summary: `${where} is about to be OOM-killed`,
                    description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(t.memoryLimitRatio)} of its memory limit for 5 minutes: the kernel kills it at the limit.`,
                },
            },
            "critical",
        ),
    );

    // An autoscaler whose minimum is its maximum is always at its maximum: nothing to report.
    if (service.replicas.max > service.replicas.min) {
        const hpa = selector({ namespace, horizontalpodautoscaler: name });
        rules.push(
            alert(
                {
                    alert: ALERTS.autoscalerAtMax,
                    expr:
                        `max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas${hpa}) >= ` +
                        `max by (namespace, horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas${hpa})`,
                    for: `${t.autoscalerMaxedMinutes}m`,
                    annotations: {
                        summary: `${where} has run at its autoscaler's maximum (${service.replicas.max}) for ${t.autoscalerMaxedMinutes} minutes`,
                        description: `The HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} cannot add pods: raise replicas.max, or find out why the load grew.`,
                    },
                },
                "warning",
            ),
        );
    }

    rules.push(
        alert(
            {
                alert: ALERTS.crashLooping,
                expr:
                    `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total${selector(pods)}[15m])) >= ${t.crashLoopRestarts}` +
                    ` or max by (namespace, pod) (kube_pod_container_status_waiting_reason${selector({ ...pods, reason: "CrashLoopBackOff" })}) == 1`,
                for: "5m",
                annotations: {
                    summary: `${where} is crash-looping`,
                    description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} restarted at least ${t.crashLoopRestarts} times in 15 minutes, or waits in CrashLoopBackOff: see kubectl logs --previous and Sentry.`,
                },
            },
            "critical",
        ),
    );

    return { name: `estate-service-${name}`, rules };
}

/** Certificates cert-manager manages: expiring soon (renewal failing), or not ready. */
export function certificateRuleGroup(t: AlertThresholds): RuleGroup {
    return {
        name: "estate-certificates",
        rules: [
            {
                alert: ALERTS.certificateExpiring,
                // cert-manager reports an expiry of 0 until a certificate is first issued: those are not
                // "expiring", they are not ready (the rule below), so only issued certificates count here.
                expr: `min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds > 0) - time() < ${t.certificateExpiryDays * 86400}`,
                for: "1h",
                labels: { severity: "warning" },
                annotations: {
                    summary: `A certificate expires in less than ${t.certificateExpiryDays} days`,
                    description: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than ${t.certificateExpiryDays} days and has not been renewed: see kubectl describe certificate and the cert-manager logs.`,
                },
            },
            {
                alert: ALERTS.certificateNotReady,
                expr: `max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1`,
                for: "15m",
                labels: { severity: "warning" },
                annotations: {
                    summary: "A certificate is not ready",
                    description: `Certificate {{ $labels.namespace }}/{{ $labels.name }} has not been ready for 15 minutes: its Ingress serves no valid certificate.`,
                },
            },
        ],
    };
}

/**
 * Every rule group of the estate: one per app, then the certificates. More groups (the DR rules,
 * for example) are appended by the caller and passed to `Monitoring` together.
 */
export function estateRuleGroups(services: readonly MonitoredService[], thresholds: AlertThresholds): RuleGroup[] {
    return [...services.map((s) => serviceRuleGroup(s, thresholds)), certificateRuleGroup(thresholds)];
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return "alert" in rule;
}
