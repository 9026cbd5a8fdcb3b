/**
 * The generated Prometheus rules, checked by the real promtool: every group of both profiles
 * passes `promtool check rules`, and `promtool test rules` shows each alert firing on series that
 * cross its threshold and staying silent on series that do not.
 */
import { describe, expect, it } from "vitest";
import {
    ALERTS,
    type AlertThresholds,
    type AlertingRule,
    type MonitoredService,
    RECORDED,
    type RuleGroup,
    certificateRuleGroup,
    estateRuleGroups,
    isAlertingRule,
    serviceRuleGroup,
} from "../../../components/observability/alert-rules";
import { TRAEFIK_LATENCY_BUCKETS, traefikServiceName } from "../../../components/k8s/chart-values";
import { dev } from "../../../stacks/dev";
import { prod } from "../../../stacks/prod";
import { type PromtoolTest, checkRules, testRules } from "./promtool";

const PROFILES = {
    dev: dev.config.monitoring!.thresholds as AlertThresholds,
    prod: prod.config.monitoring!.thresholds as AlertThresholds,
};
const WEB: MonitoredService = { name: "web", namespace: "apps", kind: "web", replicas: { min: 2, max: 10 } };
const WORKER: MonitoredService = { name: "worker", namespace: "apps", kind: "worker", replicas: { min: 1, max: 1 } };
const POD = "web-5d8f7c9b4-x2x7q";

function alertOf(groups: RuleGroup[], name: string): AlertingRule {
    const found = groups.flatMap((g) => g.rules).filter(isAlertingRule).filter((r) => r.alert === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
}

/** What promtool renders from `{{ $labels.x }}` (the rules use no other template). */
function rendered(annotations: Record<string, string> | undefined, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(annotations ?? {}).map(([key, text]) => {
            const out = text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, label: string) => labels[label] ?? "");
            expect(out, `${key} uses only $labels`).not.toContain("{{");
            return [key, out];
        }),
    );
}

const num = (n: number) => String(Number(n.toFixed(6)));
/** A counter growing by `perMinute` every minute, for `minutes`. */
const counter = (perMinute: number, minutes = 60) => `0+${num(perMinute)}x${minutes}`;
/** A constant gauge. */
const gauge = (value: number, minutes = 60) => `${num(value)}x${minutes}`;

interface Scenario {
    alert: string;
    /** When to evaluate: after the rule's `for` has passed. */
    at: string;
    /** Series on which the alert fires, and the labels it then carries (besides the rule's). */
    firing: { series: PromtoolTest["input_series"]; labels: Record<string, string> }[];
    /** Series on which it stays silent. */
    silent: PromtoolTest["input_series"];
    /** More series on which it must stay silent, each a case of its own. */
    alsoSilent?: PromtoolTest["input_series"][];
}

/**
 * Traefik's series as Prometheus stores them from the PodMonitor: Traefik's own labels (code, method,
 * protocol, service: traefik/traefik v3.6.0 pkg/observability/metrics/prometheus.go) and the
 * target's (its namespace, pod, ...). The Ingress backend of apps/web's `http` port is
 * `apps-web-http@kubernetes`.
 */
function traefik(metric: string, labels: Record<string, string>, replica = "abcde"): string {
    const all = {
        ...labels,
        namespace: "ingress",
        pod: `traefik-6c9f8d7b5-${replica}`,
        container: "traefik",
        endpoint: "metrics",
        job: "ingress/traefik",
        instance: `10.0.1.${replica.length}:9100`,
    };
    return `${metric}{${Object.entries(all)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ")}}`;
}
const EDGE_WEB = "apps-web-http@kubernetes";

/** Firing and silent cases of every alert of a web app and the certificates, for thresholds `t`. */
function scenarios(t: AlertThresholds): Scenario[] {
    const web = { namespace: "apps", service: "web" };
    const requests = (code: string) => `http_requests_total{namespace="apps", service="web", code="${code}"}`;
    const ratioFiring = (t.errorRatio + 1) / 2;
    const ratioSilent = t.errorRatio / 2;
    const failuresPer100 = (ratio: number) => (100 * ratio) / (1 - ratio);
    const le = (n: number) => num(n);
    const bucket = (bound: string) => `http_request_duration_seconds_bucket{namespace="apps", service="web", le="${bound}"}`;
    const T = t.latencyP95Seconds;
    const pod = { namespace: "apps", pod: POD, container: "web" };
    const podSeries = (metric: string, extra: Record<string, string> = {}) =>
        `${metric}{${Object.entries({ ...pod, ...extra })
            .map(([k, v]) => `${k}="${v}"`)
            .join(", ")}}`;
    const podLabels = { namespace: "apps", pod: POD };
    const cpuRequest = 0.25;
    const memRequest = 256 * 2 ** 20;
    const memLimit = 512 * 2 ** 20;
    const hpa = (metric: string) => `${metric}{namespace="apps", horizontalpodautoscaler="web"}`;
    const D = t.certificateExpiryDays;
    const certificate = (metric: string, extra = "") => `${metric}{namespace="apps", name="web-tls"${extra}}`;
    const certificateLabels = { namespace: "apps", name: "web-tls" };

    const edgeRequests = (code: string, replica?: string, service = EDGE_WEB) =>
        traefik("traefik_service_requests_total", { code, method: "GET", protocol: "http", service }, replica);
    const edgeBucket = (bound: string) => traefik("traefik_service_request_duration_seconds_bucket", { code: "200", method: "GET", protocol: "http", service: EDGE_WEB, le: bound });
    /** The app's scrape target, as the ServiceMonitor labels it. */
    const up = (service: string, pod: string) => `up{namespace="apps", service="${service}", pod="${pod}", job="${service}", endpoint="http", instance="10.0.2.7:8080"}`;
    const edgeTraffic = [{ series: edgeRequests("200"), values: counter(600) }];
    const appMetrics = [
        { series: requests("200"), values: counter(600) },
        { series: bucket("+Inf"), values: counter(600) },
    ];
    // The worker's target, up: the scenarios are about the web app, but every app has the up alert.
    const workerUp = { series: up("worker", "worker-7b9c8d6f5-q8w2e"), values: gauge(1) };

    const list: Scenario[] = [
        {
            alert: ALERTS.edgeErrorRatioHigh,
            at: "20m",
            // Two Traefik replicas: one passed the successes, the other the failures; the rule sums them.
            firing: [
                {
                    series: [
                        { series: edgeRequests("200", "abcde"), values: counter(100) },
                        { series: edgeRequests("502", "fghij"), values: counter(failuresPer100(ratioFiring)) },
                    ],
                    labels: web,
                },
            ],
            silent: [
                { series: edgeRequests("200", "abcde"), values: counter(100) },
                { series: edgeRequests("503", "fghij"), values: counter(failuresPer100(ratioSilent)) },
                { series: edgeRequests("404", "fghij"), values: counter(100) },
                // Another app's failures are not web's.
                { series: edgeRequests("500", "abcde", "apps-api-http@kubernetes"), values: counter(1000) },
            ],
        },
        {
            alert: ALERTS.edgeLatencyHigh,
            at: "25m",
            firing: [
                {
                    series: [
                        { series: edgeBucket(le(T / 2)), values: gauge(0) },
                        { series: edgeBucket(le(2 * T)), values: gauge(0) },
                        { series: edgeBucket(le(4 * T)), values: counter(10) },
                        { series: edgeBucket("+Inf"), values: counter(10) },
                    ],
                    labels: web,
                },
            ],
            silent: [
                { series: edgeBucket(le(T / 2)), values: counter(10) },
                { series: edgeBucket(le(2 * T)), values: counter(10) },
                { series: edgeBucket(le(4 * T)), values: counter(10) },
                { series: edgeBucket("+Inf"), values: counter(10) },
            ],
        },
        {
            alert: ALERTS.appMetricsAbsent,
            at: "30m",
            firing: [
                // Served through the edge, its target up, but no request metrics of its own ...
                { series: [...edgeTraffic, { series: up("web", POD), values: gauge(1) }], labels: web },
                // ... or the counter without the histogram.
                { series: [...edgeTraffic, { series: up("web", POD), values: gauge(1) }, appMetrics[0]!], labels: web },
            ],
            silent: [...edgeTraffic, { series: up("web", POD), values: gauge(1) }, ...appMetrics],
            alsoSilent: [
                // Idle: no request at the edge, so no request metrics is no news.
                [{ series: up("web", POD), values: gauge(1) }],
                // Its target is down: EstateServiceMetricsDown says so, not this.
                [...edgeTraffic, { series: up("web", POD), values: gauge(0) }],
            ],
        },
        {
            alert: ALERTS.metricsDown,
            at: "20m",
            firing: [
                // One of its targets fails ...
                {
                    series: [workerUp, { series: up("web", POD), values: gauge(0) }, { series: up("web", "web-5d8f7c9b4-k9p3z"), values: gauge(1) }],
                    labels: web,
                },
                // ... or Prometheus has no target at all.
                { series: [workerUp], labels: web },
            ],
            silent: [workerUp, { series: up("web", POD), values: gauge(1) }, { series: up("web", "web-5d8f7c9b4-k9p3z"), values: gauge(1) }],
            // A target down for a few minutes (a pod replaced) is not yet an alert.
            alsoSilent: [[workerUp, { series: up("web", POD), values: `1x10 0x5 1x10` }]],
        },
        {
            alert: ALERTS.errorRatioHigh,
            at: "20m",
            firing: [
                {
                    series: [
                        { series: requests("200"), values: counter(100) },
                        { series: requests("500"), values: counter(failuresPer100(ratioFiring)) },
                    ],
                    labels: web,
                },
            ],
            silent: [
                { series: requests("200"), values: counter(100) },
                { series: requests("503"), values: counter(failuresPer100(ratioSilent)) },
                { series: requests("404"), values: counter(100) },
            ],
        },
        {
            alert: ALERTS.latencyHigh,
            at: "25m",
            // Every request takes between 2T and 4T: p95 is about 3.9T.
            firing: [
                {
                    series: [
                        { series: bucket(le(T / 2)), values: gauge(0) },
                        { series: bucket(le(2 * T)), values: gauge(0) },
                        { series: bucket(le(4 * T)), values: counter(10) },
                        { series: bucket("+Inf"), values: counter(10) },
                    ],
                    labels: web,
                },
            ],
            // Every request takes at most T/2.
            silent: [
                { series: bucket(le(T / 2)), values: counter(10) },
                { series: bucket(le(2 * T)), values: counter(10) },
                { series: bucket(le(4 * T)), values: counter(10) },
                { series: bucket("+Inf"), values: counter(10) },
            ],
        },
        {
            alert: ALERTS.cpuOverRequest,
            at: "25m",
            firing: [
                {
                    series: [
                        { series: podSeries("container_cpu_usage_seconds_total"), values: counter(60 * cpuRequest * t.cpuRequestRatio * 1.5) },
                        { series: podSeries("kube_pod_container_resource_requests", { resource: "cpu", unit: "core" }), values: gauge(cpuRequest) },
                    ],
                    labels: podLabels,
                },
            ],
            silent: [
                { series: podSeries("container_cpu_usage_seconds_total"), values: counter(60 * cpuRequest * t.cpuRequestRatio * 0.5) },
                { series: podSeries("kube_pod_container_resource_requests", { resource: "cpu", unit: "core" }), values: gauge(cpuRequest) },
                // Another app's container in the same pod name space does not count.
                { series: `container_cpu_usage_seconds_total{namespace="apps", pod="${POD}", container="sidecar"}`, values: counter(600) },
            ],
        },
        {
            alert: ALERTS.memoryOverRequest,
            at: "25m",
            firing: [
                {
                    series: [
                        { series: podSeries("container_memory_working_set_bytes"), values: gauge(memRequest * t.memoryRequestRatio * 1.1) },
                        { series: podSeries("kube_pod_container_resource_requests", { resource: "memory", unit: "byte" }), values: gauge(memRequest) },
                    ],
                    labels: podLabels,
                },
            ],
            silent: [
                { series: podSeries("container_memory_working_set_bytes"), values: gauge(memRequest * t.memoryRequestRatio * 0.5) },
                { series: podSeries("kube_pod_container_resource_requests", { resource: "memory", unit: "byte" }), values: gauge(memRequest) },
            ],
        },
        {
            alert: ALERTS.memoryNearLimit,
            at: "15m",
            firing: [
                {
                    series: [
                        { series: podSeries("container_memory_working_set_bytes"), values: gauge(memLimit * Math.min(1, t.memoryLimitRatio * 1.04)) },
                        { series: podSeries("kube_pod_container_resource_limits", { resource: "memory", unit: "byte" }), values: gauge(memLimit) },
                    ],
                    labels: podLabels,
                },
            ],
            silent: [
                { series: podSeries("container_memory_working_set_bytes"), values: gauge(memLimit * t.memoryLimitRatio * 0.5) },
                { series: podSeries("kube_pod_container_resource_limits", { resource: "memory", unit: "byte" }), values: gauge(memLimit) },
            ],
        },
        {
            alert: ALERTS.autoscalerAtMax,
            at: `${t.autoscalerMaxedMinutes + 5}m`,
            firing: [
                {
                    series: [
                        { series: hpa("kube_horizontalpodautoscaler_status_current_replicas"), values: gauge(10) },
                        { series: hpa("kube_horizontalpodautoscaler_spec_max_replicas"), values: gauge(10) },
                    ],
                    labels: { namespace: "apps", horizontalpodautoscaler: "web" },
                },
            ],
            silent: [
                { series: hpa("kube_horizontalpodautoscaler_status_current_replicas"), values: gauge(9) },
                { series: hpa("kube_horizontalpodautoscaler_spec_max_replicas"), values: gauge(10) },
            ],
        },
        {
            alert: ALERTS.crashLooping,
            at: "25m",
            firing: [
                // Restarting every minute ...
                {
                    series: [{ series: podSeries("kube_pod_container_status_restarts_total"), values: counter(1) }],
                    labels: podLabels,
                },
                // ... or waiting in CrashLoopBackOff.
                {
                    series: [
                        { series: podSeries("kube_pod_container_status_restarts_total"), values: gauge(4) },
                        { series: podSeries("kube_pod_container_status_waiting_reason", { reason: "CrashLoopBackOff" }), values: gauge(1) },
                    ],
                    labels: podLabels,
                },
            ],
            silent: [
                { series: podSeries("kube_pod_container_status_restarts_total"), values: `0x20 1x40` },
                { series: podSeries("kube_pod_container_status_waiting_reason", { reason: "CrashLoopBackOff" }), values: gauge(0) },
            ],
        },
        {
            alert: ALERTS.certificateExpiring,
            at: "90m",
            // At 90 minutes (time() = 5400 s), one day less than the threshold is left.
            firing: [
                {
                    series: [{ series: certificate("certmanager_certificate_expiration_timestamp_seconds", ', issuer_name="letsencrypt-prod"'), values: gauge(5400 + (D - 1) * 86400, 100) }],
                    labels: certificateLabels,
                },
            ],
            silent: [
                { series: certificate("certmanager_certificate_expiration_timestamp_seconds"), values: gauge(5400 + (D + 1) * 86400, 100) },
                // Never issued: cert-manager reports 0 until the first issuance. Not "expiring": EstateCertificateNotReady covers it.
                { series: 'certmanager_certificate_expiration_timestamp_seconds{namespace="apps", name="never-issued"}', values: gauge(0, 100) },
            ],
        },
        {
            alert: ALERTS.certificateNotReady,
            at: "30m",
            firing: [
                {
                    series: [
                        { series: certificate("certmanager_certificate_ready_status", ', condition="False"'), values: gauge(1) },
                        { series: certificate("certmanager_certificate_ready_status", ', condition="True"'), values: gauge(0) },
                    ],
                    labels: certificateLabels,
                },
            ],
            silent: [
                { series: certificate("certmanager_certificate_ready_status", ', condition="False"'), values: gauge(0) },
                { series: certificate("certmanager_certificate_ready_status", ', condition="True"'), values: gauge(1) },
            ],
        },
    ];
    if (t.minRequestRate > 0) {
        list.push({
            alert: ALERTS.edgeTrafficLow,
            at: "30m",
            firing: [
                // Its counter at the edge stands still, whatever the app counts itself (probes, internal callers) ...
                { series: [{ series: edgeRequests("200"), values: gauge(1234) }, { series: requests("200"), values: counter(600) }], labels: web },
                // ... or Traefik has no series for it (its Ingress or its endpoints are gone), while it serves others.
                { series: [{ series: edgeRequests("200", "abcde", "apps-api-http@kubernetes"), values: counter(600) }], labels: web },
            ],
            silent: [{ series: edgeRequests("200"), values: counter(60 * t.minRequestRate * 2) }],
            // Two Traefik replicas, each passing half of the traffic: the rule sums them.
            alsoSilent: [[{ series: edgeRequests("200", "abcde"), values: counter(30 * t.minRequestRate * 2) }, { series: edgeRequests("200", "fghij"), values: counter(30 * t.minRequestRate * 2) }]],
        });
    }
    return list;
}

/** The promtool cases of one scenario: each firing case, then the silent one. */
function casesOf(groups: RuleGroup[], s: Scenario): PromtoolTest[] {
    // The scenarios are about the web app (and the certificates); the worker's rule of the same name stays silent.
    const rule = alertOf(groups.filter((g) => g.name !== "estate-service-worker"), s.alert);
    const expected = (labels: Record<string, string>) => {
        const all = { ...labels, ...rule.labels };
        return { exp_labels: all, exp_annotations: rendered(rule.annotations, all) };
    };
    return [
        ...s.firing.map((f, i) => ({
            name: `${s.alert} fires (${i + 1})`,
            interval: "1m",
            input_series: f.series,
            alert_rule_test: [{ eval_time: s.at, alertname: s.alert, exp_alerts: [expected(f.labels)] }],
        })),
        ...[s.silent, ...(s.alsoSilent ?? [])].map((series, i) => ({
            name: `${s.alert} stays silent (${i + 1})`,
            interval: "1m",
            input_series: series,
            alert_rule_test: [{ eval_time: s.at, alertname: s.alert, exp_alerts: [] }],
        })),
    ];
}

describe.each(Object.entries(PROFILES))("the %s profile's rules", (profile, thresholds) => {
    const groups = estateRuleGroups([WEB, WORKER], thresholds);

    it("pass promtool check rules, every group", () => {
        // One promtool process for all the groups: it reports the rules it found in the file, and
        // names the group and rule of any error.
        const result = checkRules(groups);
        const total = groups.reduce((n, g) => n + g.rules.length, 0);
        expect(result.output).toMatch(new RegExp(`SUCCESS: ${total} rules found`));
        expect(result.status, result.output).toBe(0);
    });

    const cases = scenarios(thresholds);
    it("cover every alert the groups define with a promtool test", () => {
        const defined = groups.flatMap((g) => g.rules).filter(isAlertingRule).map((r) => r.alert);
        expect(new Set(cases.map((c) => c.alert))).toEqual(new Set(defined));
    });

    // Every scenario's cases in one promtool run; only if that run fails does each scenario run on
    // its own, so a failure is still named by its alert.
    let together: ReturnType<typeof testRules> | undefined;
    const allPass = () => {
        together ??= testRules(groups, cases.flatMap((c) => casesOf(groups, c)));
        return together.status === 0 && together.output.includes("SUCCESS");
    };

    it.each(cases.map((c) => [c.alert, c] as const))(`${profile}: %s fires over its threshold and stays silent under it (promtool test rules)`, (_, scenario) => {
        if (allPass()) {
            return;
        }
        const result = testRules(groups, casesOf(groups, scenario));
        expect(result.output).toContain("SUCCESS");
        expect(result.status, result.output).toBe(0);
    });
});

describe("promtool catches a wrong expectation (the tests above can fail)", () => {
    it("reports an alert that was expected to fire but stayed silent", () => {
        const groups = estateRuleGroups([WEB], PROFILES.prod);
        const scenario = scenarios(PROFILES.prod).find((s) => s.alert === ALERTS.errorRatioHigh)!;
        const [firing] = casesOf(groups, scenario);
        const wrong = { ...firing!, input_series: scenario.silent };
        const result = testRules(groups, [wrong]);
        expect(result.status).not.toBe(0);
        expect(result.output).toMatch(/FAILED/);
    });

    it("and check rules refuses a broken expression", () => {
        const result = checkRules([{ name: "broken", rules: [{ alert: "Broken", expr: "sum by (namespace (up)" }] }]);
        expect(result.status).not.toBe(0);
    });
});

describe("rule generation", () => {
    const t = PROFILES.prod;

    it("gives a web app edge recording rules from Traefik's series of its Ingress backend, labelled with the app's namespace and Service", () => {
        const group = serviceRuleGroup(WEB, t);
        expect(group.name).toBe("estate-service-web");
        const edge = group.rules.filter((r) => !isAlertingRule(r) && r.record.startsWith("estate_service:edge_"));
        const labels = { namespace: "apps", service: "web" };
        expect(edge).toEqual([
            { record: RECORDED.edgeRequestRate, expr: 'sum(rate(traefik_service_requests_total{service="apps-web-http@kubernetes"}[5m]))', labels },
            {
                record: RECORDED.edgeErrorRatio,
                expr:
                    'sum(rate(traefik_service_requests_total{service="apps-web-http@kubernetes", code=~"5.."}[5m])) / ' +
                    'sum(rate(traefik_service_requests_total{service="apps-web-http@kubernetes"}[5m]))',
                labels,
            },
            {
                record: RECORDED.edgeLatencyP95,
                expr: 'histogram_quantile(0.95, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{service="apps-web-http@kubernetes"}[5m])))',
                labels,
            },
        ]);
        expect(alertOf([group], ALERTS.edgeErrorRatioHigh)).toMatchObject({
            expr: `${RECORDED.edgeErrorRatio}{namespace="apps", service="web"} > 0.02`,
            for: "5m",
            labels: { severity: "critical", service: "web" },
        });
    });

    it("names the backend as Traefik's Ingress provider does: Normalize(namespace-service-port)@kubernetes", () => {
        expect(traefikServiceName("apps", "web", "http")).toBe("apps-web-http@kubernetes");
        // Normalize joins runs of letters and digits with one "-" (traefik v3.6.0 pkg/provider/configuration.go).
        expect(traefikServiceName("apps", "shop--api", "http")).toBe("apps-shop-api-http@kubernetes");
    });

    it("keeps the app-level recording rules and alerts of an app that exports its own metrics, selected by namespace and Service", () => {
        const group = serviceRuleGroup(WEB, t);
        const records = group.rules.filter((r) => !isAlertingRule(r) && !r.record.startsWith("estate_service:edge_"));
        expect(records).toEqual([
            { record: RECORDED.requestRate, expr: 'sum by (namespace, service) (rate(http_requests_total{namespace="apps", service="web"}[5m]))' },
            {
                record: RECORDED.errorRatio,
                expr:
                    'sum by (namespace, service) (rate(http_requests_total{namespace="apps", service="web", code=~"5.."}[5m])) / ' +
                    'sum by (namespace, service) (rate(http_requests_total{namespace="apps", service="web"}[5m]))',
            },
            {
                record: RECORDED.latencyP95,
                expr: 'histogram_quantile(0.95, sum by (namespace, service, le) (rate(http_request_duration_seconds_bucket{namespace="apps", service="web"}[5m])))',
            },
        ]);
        expect(alertOf([group], ALERTS.errorRatioHigh)).toMatchObject({
            expr: `${RECORDED.errorRatio}{namespace="apps", service="web"} > 0.02`,
            for: "5m",
            labels: { severity: "critical", service: "web" },
        });
        expect(alertOf([group], ALERTS.errorRatioHigh).annotations!.summary).toBe("apps/web answers more than 2% of requests with 5xx");
        expect(alertOf([group], ALERTS.appMetricsAbsent).expr).toContain('absent(http_requests_total{namespace="apps", service="web"})');
    });

    it("watches an app that exports no request metrics (httpMetrics false) from the edge only", () => {
        const names = serviceRuleGroup({ ...WEB, httpMetrics: false }, t).rules.map((r) => (isAlertingRule(r) ? r.alert : r.record));
        expect(names).toEqual(expect.arrayContaining([RECORDED.edgeRequestRate, ALERTS.edgeErrorRatioHigh, ALERTS.edgeLatencyHigh, ALERTS.edgeTrafficLow, ALERTS.metricsDown]));
        for (const appLevel of [RECORDED.requestRate, RECORDED.errorRatio, RECORDED.latencyP95, ALERTS.errorRatioHigh, ALERTS.latencyHigh, ALERTS.appMetricsAbsent]) {
            expect(names).not.toContain(appLevel);
        }
    });

    it("gives a worker saturation, crash-loop and scrape alerts but no RED rules, no CPU-limit alert, and no autoscaler alert when min = max", () => {
        const group = serviceRuleGroup(WORKER, t);
        expect(group.rules.map((r) => (isAlertingRule(r) ? r.alert : r.record))).toEqual([
            ALERTS.metricsDown,
            ALERTS.cpuOverRequest,
            ALERTS.memoryOverRequest,
            ALERTS.memoryNearLimit,
            ALERTS.crashLooping,
        ]);
        // The estate sets no CPU limit (AppService), so no rule divides by one: kube-state-metrics has no such series.
        expect(group.rules.map((r) => r.expr).join("\n")).not.toMatch(/resource_limits\{[^}]*resource="cpu"/);
        const scaled = serviceRuleGroup({ ...WORKER, replicas: { min: 2, max: 5 } }, t);
        expect(alertOf([scaled], ALERTS.autoscalerAtMax).for).toBe("15m");
    });

    it("leaves out the traffic alert when minRequestRate is 0", () => {
        const names = (rules: RuleGroup) => rules.rules.filter(isAlertingRule).map((r) => r.alert);
        expect(names(serviceRuleGroup(WEB, { ...t, minRequestRate: 0 }))).not.toContain(ALERTS.edgeTrafficLow);
        expect(names(serviceRuleGroup(WEB, t))).toContain(ALERTS.edgeTrafficLow);
    });

    it("puts each profile's latency threshold on a bound of Traefik's histogram, so the edge p95 is exact where it crosses", () => {
        for (const thresholds of Object.values(PROFILES)) {
            expect(TRAEFIK_LATENCY_BUCKETS).toContain(thresholds.latencyP95Seconds);
        }
    });

    it("puts the certificate threshold in seconds and ends the estate's groups with the certificates", () => {
        expect(alertOf([certificateRuleGroup(t)], ALERTS.certificateExpiring).expr).toBe(
            "min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds > 0) - time() < 1814400",
        );
        expect(estateRuleGroups([WEB, WORKER], t).map((g) => g.name)).toEqual(["estate-service-web", "estate-service-worker", "estate-certificates"]);
    });
});
