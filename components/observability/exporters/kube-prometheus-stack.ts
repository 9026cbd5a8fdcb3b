/** The kube-prometheus-stack chart as the exporter catalogues see it: its name and defaults at the pinned version. */
import { charts } from "../../lib/charts";
import { enabled, releaseValues } from "./planned";
import type { PlannedResource } from "./types";

/**
 * Whether the stack installs kube-prometheus-stack with the chart value at `path` on.
 * `chartDefault` is the value's default in charts/kube-prometheus-stack/values.yaml at the pinned
 * tag (components/lib/charts.ts `charts.kubePrometheusStack`).
 */
export function kubePrometheusStackHas(resources: readonly PlannedResource[], path: string, chartDefault: boolean): boolean {
    const values = releaseValues(resources, charts.kubePrometheusStack.chart);
    return values !== undefined && enabled(values, path, chartDefault);
}
