/**
 * Whether a planned stack has a PodMonitor scraping a given port of pods carrying a given label:
 * how the databases' exporters show they are scraped (`Monitoring` creates one per scrape target).
 */
import type { PlannedResource } from "./types";

export const POD_MONITOR_TYPE = "kubernetes:monitoring.coreos.com/v1:PodMonitor";

interface PodMonitorInputs {
    spec?: { selector?: { matchLabels?: Record<string, string> }; podMetricsEndpoints?: { port?: string }[] };
}

/** A PodMonitor selecting pods by `label` (any value, or `value`) on the port named `port`. */
export function hasPodMonitor(resources: readonly PlannedResource[], p: { label: string; value?: string; port: string }): boolean {
    return resources.some((r) => {
        if (r.type !== POD_MONITOR_TYPE) {
            return false;
        }
        const spec = (r.inputs as PodMonitorInputs).spec;
        const selected = spec?.selector?.matchLabels?.[p.label];
        return selected !== undefined && (p.value === undefined || selected === p.value) && (spec?.podMetricsEndpoints ?? []).some((e) => e.port === p.port);
    });
}
