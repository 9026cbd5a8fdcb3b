/**
 * The Pushgateway: the series the backup and drill scripts push (`BACKUP_METRICS`, kept equal to
 * what scripts/backup/*.sh push by test/scripts/backup/scripts.test.ts) and the Pushgateway's own
 * `push_time_seconds` and `push_failure_time_seconds` per group (prometheus/pushgateway README.md,
 * "Exposed metrics"). Scraped through the chart's ServiceMonitor (`serviceMonitor.enabled`,
 * components/observability/chart-values.ts `pushgatewayValues`).
 */
import { BACKUP_METRICS } from "../../backup/metrics";
import { charts } from "../../lib/charts";
import { enabled, releaseValues } from "./planned";
import type { ExporterCatalogue } from "./types";

export const pushgateway: ExporterCatalogue = {
    name: "pushgateway",
    source: "components/backup/metrics.ts BACKUP_METRICS (what scripts/backup/backup.sh and drill.sh push); prometheus/pushgateway README.md, Exposed metrics",
    metrics: [...Object.values(BACKUP_METRICS), "push_time_seconds", "push_failure_time_seconds"],
    scrapedIn: (resources) => {
        const values = releaseValues(resources, charts.pushgateway.chart);
        // serviceMonitor.enabled defaults to false in charts/prometheus-pushgateway/values.yaml (prometheus-pushgateway-3.6.1).
        return values !== undefined && enabled(values, "serviceMonitor.enabled", false);
    },
};
