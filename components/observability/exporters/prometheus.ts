/**
 * Prometheus itself: the series every scrape writes per target (`up`, `scrape_duration_seconds`,
 * `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`, `scrape_series_added`:
 * prometheus.io/docs/concepts/jobs_instances/, "Automatically generated labels and time series"),
 * the alerting rules' `ALERTS` and `ALERTS_FOR_STATE` (prometheus.io/docs/prometheus/latest/configuration/alerting_rules/,
 * "Inspecting alerts during runtime"; ALERTS_FOR_STATE in prometheus/prometheus rules/alerting.go),
 * and its own `prometheus_*` series through the chart's self-monitoring ServiceMonitor
 * (`prometheus.serviceMonitor.selfMonitor`, true by default at kube-prometheus-stack-81.5.0).
 */
import { charts } from "../../lib/charts";
import { releaseValues } from "./planned";
import type { ExporterCatalogue } from "./types";

export const prometheus: ExporterCatalogue = {
    name: "prometheus",
    source: "prometheus.io/docs/concepts/jobs_instances/ (up, scrape_*); prometheus.io/docs/prometheus/latest/configuration/alerting_rules/ (ALERTS); prometheus/prometheus rules/alerting.go (ALERTS_FOR_STATE)",
    metrics: [
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
        "ALERTS", "ALERTS_FOR_STATE",
        "prometheus_*",
    ],
    scrapedIn: (resources) => releaseValues(resources, charts.kubePrometheusStack.chart) !== undefined,
};
