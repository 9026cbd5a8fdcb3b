/**
 * The metric-coverage checker on small synthetic stacks: it reads metric names with the real PromQL
 * grammar, counts recording rules' outputs as produced, and fails on a metric no exporter produces
 * and on one whose exporter the stack does not scrape.
 */
import { describe, expect, it } from "vitest";
import type { ExporterCatalogue, PlannedResource } from "../../../components/observability/exporters";
import { EXPORTERS } from "../../../components/observability/exporters";
import { CADVISOR_DROPPED_BY_CHART, kubelet } from "../../../components/observability/exporters/kubelet";
import { coverageProblems, queriesOf, QUERY_HOLDERS, selectedMetrics } from "../../../scripts/metrics/coverage";

const rule = (name: string, rules: { alert?: string; record?: string; expr: string }[]): PlannedResource => ({
    type: QUERY_HOLDERS.prometheusRule,
    name: `rules-${name}`,
    inputs: { spec: { groups: [{ name, rules }] } },
});
const dashboard = (uid: string, panels: { title: string; targets: { expr: string }[] }[]): PlannedResource => ({
    type: QUERY_HOLDERS.dashboard,
    name: `dashboard-${uid}`,
    inputs: { configJson: JSON.stringify({ uid, panels }) },
});
const marker = (name: string): PlannedResource => ({ type: "test:index:Marker", name, inputs: {} });

/** Two exporters, each scraped when the stack holds its marker resource. */
const exporters: ExporterCatalogue[] = [
    { name: "alpha", source: "test", metrics: ["alpha_requests_total", "alpha_latency_seconds_bucket", "alpha_generated_*"], scrapedIn: (rs) => rs.some((r) => r.name === "alpha") },
    { name: "beta", source: "test", metrics: ["beta_up"], scrapedIn: (rs) => rs.some((r) => r.name === "beta") },
];

describe("selectedMetrics", () => {
    it("reads the metric names of vector and matrix selectors, not functions, labels or keywords", () => {
        expect(
            selectedMetrics(
                'sum by (service) (rate(alpha_requests_total{code=~"5.."}[5m])) / ignoring(code) group_left sum(rate(alpha_requests_total[5m])) > on() vector(0.05)',
            ),
        ).toEqual({ metrics: ["alpha_requests_total"], unnamed: [], errors: [] });
        expect(selectedMetrics('histogram_quantile(0.95, sum by (le) (rate(alpha_latency_seconds_bucket[$__rate_interval])))').metrics).toEqual(["alpha_latency_seconds_bucket"]);
        expect(selectedMetrics('time() - max by (tier) (x_seconds offset 1h) or absent({__name__="z_total"})').metrics).toEqual(["x_seconds", "z_total"]);
        expect(selectedMetrics("ALERTS{alertstate=\"firing\"} unless up == 0").metrics).toEqual(["ALERTS", "up"]);
    });

    it("reports a selector with no metric name, and a query that does not parse", () => {
        expect(selectedMetrics('{job="alpha"} or {__name__=~"alpha_.*"}').unnamed).toEqual(['{job="alpha"}', '{__name__=~"alpha_.*"}']);
        expect(selectedMetrics("sum(rate(alpha_requests_total[5m])").errors).toHaveLength(1);
    });
});

describe("coverageProblems", () => {
    it("passes a stack whose rules and panels query only what its scraped exporters and recording rules produce", () => {
        const resources = [
            marker("alpha"),
            rule("recording", [{ record: "service:alpha_requests:rate5m", expr: "sum(rate(alpha_requests_total[5m]))" }]),
            rule("alerts", [{ alert: "AlphaQuiet", expr: "service:alpha_requests:rate5m == 0 or absent(alpha_generated_rows)" }]),
            dashboard("d", [{ title: "Latency", targets: [{ expr: "histogram_quantile(0.9, rate(alpha_latency_seconds_bucket[$__rate_interval]))" }] }]),
        ];
        expect(queriesOf(resources).map((q) => q.where)).toEqual(["rule recording/service:alpha_requests:rate5m", "rule alerts/AlphaQuiet", "panel d/Latency"]);
        expect(coverageProblems(resources, exporters)).toEqual([]);
    });

    it("fails on a metric no exporter produces, naming the metric and the rule or panel", () => {
        const resources = [
            marker("alpha"),
            rule("alerts", [{ alert: "AlphaSlow", expr: "alpha_latency_seconds > 1" }]),
            dashboard("d", [{ title: "Errors", targets: [{ expr: "rate(alpha_errors_total[5m])" }] }]),
        ];
        expect(coverageProblems(resources, exporters)).toEqual([
            { metric: "alpha_latency_seconds", where: "rule alerts/AlphaSlow", problem: "no exporter in the catalogue produces it" },
            { metric: "alpha_errors_total", where: "panel d/Errors", problem: "no exporter in the catalogue produces it" },
        ]);
    });

    it("fails on a metric whose exporter the stack does not scrape, naming the exporter", () => {
        const resources = [marker("alpha"), rule("alerts", [{ alert: "BetaDown", expr: "beta_up == 0" }])];
        expect(coverageProblems(resources, exporters)).toEqual([
            { metric: "beta_up", where: "rule alerts/BetaDown", problem: "produced by beta, which this stack does not scrape" },
        ]);
        expect(coverageProblems([...resources, marker("beta")], exporters)).toEqual([]);
    });

    it("fails on a selector it cannot attribute, and on a query that does not parse", () => {
        const resources = [marker("alpha"), rule("alerts", [{ alert: "Any", expr: '{job="alpha"} == 0' }, { alert: "Broken", expr: "rate(alpha_requests_total[5m]" }])];
        const problems = coverageProblems(resources, exporters);
        expect(problems.map((p) => `${p.where}: ${p.metric}`)).toEqual(['rule alerts/Any: {job="alpha"}', "rule alerts/Broken: (parse error)"]);
    });
});

describe("EXPORTERS", () => {
    it("names each exporter once, with its upstream source and at least one series", () => {
        const names = EXPORTERS.map((e) => e.name);
        expect(new Set(names).size).toBe(names.length);
        for (const e of EXPORTERS) {
            expect(e.source, e.name).not.toBe("");
            expect(e.metrics.length, e.name).toBeGreaterThan(0);
            for (const m of e.metrics) {
                expect(m, e.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*\*?$/);
            }
        }
    });

    it("offers no cAdvisor series the chart's kubelet ServiceMonitor drops", () => {
        expect(kubelet.metrics.filter((m) => CADVISOR_DROPPED_BY_CHART.some((drop) => drop.test(m)))).toEqual([]);
        expect(CADVISOR_DROPPED_BY_CHART.some((drop) => drop.test("container_spec_cpu_quota"))).toBe(true);
    });

    it("scrapes the node exporter only where kube-prometheus-stack enables it, and kube-state-metrics unless disabled", () => {
        const release = (values: Record<string, unknown>): PlannedResource => ({ type: "kubernetes:helm.sh/v3:Release", name: "stack", inputs: { chart: "kube-prometheus-stack", values } });
        const scraped = (resources: PlannedResource[]) => EXPORTERS.filter((e) => e.scrapedIn(resources)).map((e) => e.name);
        expect(scraped([release({ nodeExporter: { enabled: false } })])).toEqual(["kube-state-metrics", "kubelet", "prometheus"]);
        expect(scraped([release({ nodeExporter: { enabled: true }, kubeStateMetrics: { enabled: false } })])).toEqual(["kubelet", "prometheus", "node-exporter"]);
        expect(scraped([])).toEqual([]);
    });
});
