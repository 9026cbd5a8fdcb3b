/**
 * The estate's Prometheus rules, generated from its services and thresholds: pure data in the
 * Prometheus rule-file format (`groups: [{ name, rules }]`), which is also a PrometheusRule's
 * `spec.groups`. Nothing here creates resources; `Monitoring` turns each group into a
 * PrometheusRule, and the tests run every group through `promtool check rules` and
 * `promtool test rules`.
 *
 * Conventions the rules rely on (and docs/observability.md states): apps expose `http_requests_total` with a
 * `code` label (the HTTP status) and the `http_request_duration_seconds` histogram on their metrics
 * port; the ServiceMonitor adds `namespace` and `service` (the Service's name, which is the app's
 * name); kube-state-metrics and the kubelet's cAdvisor provide the Kubernetes series; cert-manager
 * its certificate series.
 */

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
    /** CPU used / limit. */
    cpuLimitRatio: number;
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
}

/** Names of the recording rules the RED alerts (and anyone's dashboards) read. */
export const RECORDED = {
    requestRate: "estate_service:http_requests:rate5m",
    errorRatio: "estate_service:http_request_errors:ratio_rate5m",
    latencyP95: "estate_service:http_request_duration_seconds:p95_rate5m",
} as const;

/** The alerts the estate generates. */
export const ALERTS = {
    trafficLow: "EstateServiceTrafficLow",
    errorRatioHigh: "EstateServiceErrorRatioHigh",
    latencyHigh: "EstateServiceLatencyHigh",
    cpuOverRequest: "EstateServiceCpuOverRequest",
    cpuNearLimit: "EstateServiceCpuNearLimit",
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

    if (service.kind === "web") {
        const requests = `http_requests_total${selector({ namespace, service: name })}`;
        const errors = `http_requests_total${selector({ namespace, service: name, code: "~5.." })}`;
        const buckets = `http_request_duration_seconds_bucket${selector({ namespace, service: name })}`;
        const recorded = (metric: string) => `${metric}${selector({ namespace, service: name })}`;
        rules.push(
            { record: RECORDED.requestRate, expr: `sum by (namespace, service) (rate(${requests}[5m]))` },
            {
                record: RECORDED.errorRatio,
                expr: `sum by (namespace, service) (rate(${errors}[5m])) / sum by (namespace, service) (rate(${requests}[5m]))`,
            },
            { record: RECORDED.latencyP95, expr: `histogram_quantile(0.95, sum by (namespace, service, le) (rate(${buckets}[5m])))` },
        );
        if (t.minRequestRate > 0) {
            rules.push(
                alert(
                    {
                        alert: ALERTS.trafficLow,
                        expr: `${recorded(RECORDED.requestRate)} < ${t.minRequestRate}`,
                        for: "15m",
                        annotations: {
                            summary: `${where} receives almost no requests`,
                            description: `{{ $labels.namespace }}/{{ $labels.service }} has served fewer than ${t.minRequestRate} requests per second for 15 minutes: check its Ingress, DNS and the ingress controller.`,
                        },
                    },
                    "warning",
                ),
            );
        }
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
        );
    }

    // Saturation, per pod: usage (cAdvisor) against requests and limits (kube-state-metrics).
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
                alert: ALERTS.cpuNearLimit,
                expr: `${cpuUsed} / ${declared("limits", "cpu")} > ${t.cpuLimitRatio}`,
                for: "15m",
                annotations: {
                    summary: `${where} is near its CPU limit (throttled)`,
                    description: `Pod {{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(t.cpuLimitRatio)} of its CPU limit for 15 minutes and is being throttled.`,
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
