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
}

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
    const cpuLimit = 0.5;
    const memRequest = 256 * 2 ** 20;
    const memLimit = 512 * 2 ** 20;
    const hpa = (metric: string) => `${metric}{namespace="apps", horizontalpodautoscaler="web"}`;
    const D = t.certificateExpiryDays;
    const certificate = (metric: string, extra = "") => `${metric}{namespace="apps", name="web-tls"${extra}}`;
    const certificateLabels = { namespace: "apps", name: "web-tls" };

    const list: Scenario[] = [
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
            alert: ALERTS.cpuNearLimit,
            at: "25m",
            firing: [
                {
                    series: [
                        { series: podSeries("container_cpu_usage_seconds_total"), values: counter(60 * cpuLimit * Math.min(1, t.cpuLimitRatio * 1.05)) },
                        { series: podSeries("kube_pod_container_resource_limits", { resource: "cpu", unit: "core" }), values: gauge(cpuLimit) },
                    ],
                    labels: podLabels,
                },
            ],
            silent: [
                { series: podSeries("container_cpu_usage_seconds_total"), values: counter(60 * cpuLimit * t.cpuLimitRatio * 0.5) },
                { series: podSeries("kube_pod_container_resource_limits", { resource: "cpu", unit: "core" }), values: gauge(cpuLimit) },
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
            alert: ALERTS.trafficLow,
            at: "30m",
            firing: [{ series: [{ series: requests("200"), values: gauge(1234) }], labels: web }],
            silent: [{ series: requests("200"), values: counter(60 * t.minRequestRate * 2) }],
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
        { name: `${s.alert} stays silent`, interval: "1m", input_series: s.silent, alert_rule_test: [{ eval_time: s.at, alertname: s.alert, exp_alerts: [] }] },
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

    it("gives a web app recording rules for rate, error ratio and p95 latency, selected by namespace and Service", () => {
        const group = serviceRuleGroup(WEB, t);
        expect(group.name).toBe("estate-service-web");
        const records = group.rules.filter((r) => !isAlertingRule(r));
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
    });

    it("gives a worker saturation and crash-loop alerts but no RED rules, and no autoscaler alert when min = max", () => {
        const group = serviceRuleGroup(WORKER, t);
        expect(group.rules.map((r) => (isAlertingRule(r) ? r.alert : r.record))).toEqual([
            ALERTS.cpuOverRequest,
            ALERTS.cpuNearLimit,
            ALERTS.memoryOverRequest,
            ALERTS.memoryNearLimit,
            ALERTS.crashLooping,
        ]);
        const scaled = serviceRuleGroup({ ...WORKER, replicas: { min: 2, max: 5 } }, t);
        expect(alertOf([scaled], ALERTS.autoscalerAtMax).for).toBe("15m");
    });

    it("leaves out the traffic alert when minRequestRate is 0", () => {
        const names = (rules: RuleGroup) => rules.rules.filter(isAlertingRule).map((r) => r.alert);
        expect(names(serviceRuleGroup(WEB, { ...t, minRequestRate: 0 }))).not.toContain(ALERTS.trafficLow);
        expect(names(serviceRuleGroup(WEB, t))).toContain(ALERTS.trafficLow);
    });

    it("puts the certificate threshold in seconds and ends the estate's groups with the certificates", () => {
        expect(alertOf([certificateRuleGroup(t)], ALERTS.certificateExpiring).expr).toBe(
            "min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds > 0) - time() < 1814400",
        );
        expect(estateRuleGroups([WEB, WORKER], t).map((g) => g.name)).toEqual(["estate-service-web", "estate-service-worker", "estate-certificates"]);
    });
});
