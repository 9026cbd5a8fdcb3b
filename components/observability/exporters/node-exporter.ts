/**
 * The node exporter (prometheus-node-exporter chart 4.51.1, node_exporter 1.10.2: the subchart of
 * kube-prometheus-stack 81.5.0), only when `nodeExporter.enabled` (MonitoringArgs.nodeExporter).
 * Its collectors build names from what the kernel reports (`node_memory_<field>_bytes` for every
 * /proc/meminfo field), so the catalogue is the `node_` prefix (prometheus/node_exporter
 * collector/*.go: every collector's namespace is `node`).
 */
import { kubePrometheusStackHas } from "./kube-prometheus-stack";
import type { ExporterCatalogue } from "./types";

export const nodeExporter: ExporterCatalogue = {
    name: "node-exporter",
    source: "prometheus/node_exporter collector/*.go at v1.10.2 (namespace \"node\"); kube-prometheus-stack 81.5.0 Chart.yaml: prometheus-node-exporter 4.51.1, condition nodeExporter.enabled",
    metrics: ["node_*"],
    // nodeExporter.enabled defaults to true at kube-prometheus-stack-81.5.0; the estate sets it from MonitoringArgs.nodeExporter.
    scrapedIn: (resources) => kubePrometheusStackHas(resources, "nodeExporter.enabled", true),
};
