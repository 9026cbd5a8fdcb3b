/**
 * What an exporter catalogue's `scrapedIn` reads in a planned stack: the Helm releases' values and
 * the prometheus-operator's ServiceMonitors and PodMonitors, as the engine received them.
 */
import type { PlannedResource } from "./types";

/** The Pulumi type tokens `scrapedIn` looks for. */
export const PLANNED_TYPES = {
    helmRelease: "kubernetes:helm.sh/v3:Release",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
} as const;

/** The values of the stack's release of `chart` (as `helm install` gets them), or `undefined` when the stack does not install it. */
export function releaseValues(resources: readonly PlannedResource[], chart: string): Record<string, unknown> | undefined {
    const release = resources.find((r) => r.type === PLANNED_TYPES.helmRelease && r.inputs.chart === chart);
    return release ? ((release.inputs.values as Record<string, unknown> | undefined) ?? {}) : undefined;
}

/** The value at a dotted path of chart values (`kubelet.serviceMonitor.cAdvisor`), or `undefined`. */
export function valueAt(values: Record<string, unknown>, path: string): unknown {
    return path.split(".").reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), values);
}

/** Whether a chart value is on, given the chart's default at the pinned version. */
export function enabled(values: Record<string, unknown>, path: string, chartDefault: boolean): boolean {
    const v = valueAt(values, path);
    return typeof v === "boolean" ? v : chartDefault;
}

/** A ServiceMonitor or PodMonitor of the stack: its name, namespace and spec. */
export interface PlannedMonitor {
    kind: "ServiceMonitor" | "PodMonitor";
    resourceName: string;
    name?: string;
    namespace?: string;
    labels: Record<string, string>;
    spec: Record<string, unknown>;
}

/** Every ServiceMonitor and PodMonitor the stack creates itself (not those inside chart releases). */
export function monitorsOf(resources: readonly PlannedResource[]): PlannedMonitor[] {
    return resources.flatMap((r) => {
        const kind = r.type === PLANNED_TYPES.serviceMonitor ? "ServiceMonitor" : r.type === PLANNED_TYPES.podMonitor ? "PodMonitor" : undefined;
        if (!kind) {
            return [];
        }
        const metadata = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
        return [{ kind, resourceName: r.name, name: metadata.name, namespace: metadata.namespace, labels: metadata.labels ?? {}, spec: (r.inputs.spec ?? {}) as Record<string, unknown> }];
    });
}

/**
 * Whether the stack has a PodMonitor selecting pods by every one of `labels` (a label mapped to
 * `undefined` may have any value) on the container port named `port`: how an exporter that
 * `Monitoring` scrapes as a scrape target shows it is scraped.
 */
export function scrapedByPodMonitor(resources: readonly PlannedResource[], labels: Record<string, string | undefined>, port: string): boolean {
    return monitorsOf(resources).some((m) => {
        if (m.kind !== "PodMonitor") {
            return false;
        }
        const spec = m.spec as { selector?: { matchLabels?: Record<string, string> }; podMetricsEndpoints?: { port?: string }[] };
        const selected = spec.selector?.matchLabels ?? {};
        const selects = Object.entries(labels).every(([k, v]) => selected[k] !== undefined && (v === undefined || selected[k] === v));
        return selects && (spec.podMetricsEndpoints ?? []).some((e) => e.port === port);
    });
}
