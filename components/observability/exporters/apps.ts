/**
 * The estate's apps: what docs/observability.md ("Metrics the estate expects") asks every app with
 * a metrics port to export, scraped through each `AppService`'s ServiceMonitor. The contract of the
 * estate, not an upstream exporter: an app that exports other names leaves its app-level rules empty.
 */
import { monitorsOf } from "./planned";
import type { ExporterCatalogue } from "./types";

export const apps: ExporterCatalogue = {
    name: "apps",
    source: "docs/observability.md, Metrics the estate expects (the estate's contract with its apps)",
    metrics: ["http_requests_total", "http_request_duration_seconds_bucket", "http_request_duration_seconds_sum", "http_request_duration_seconds_count"],
    // AppService names its ServiceMonitor `<app>-service-monitor` (components/k8s/app-service.ts).
    scrapedIn: (resources) => monitorsOf(resources).some((m) => m.kind === "ServiceMonitor" && m.resourceName.endsWith("-service-monitor")),
};
