/**
 * Traefik (the ingress controller): its Prometheus metrics on the `metrics` entry point, which
 * `Platform` enables (`traefikValues` `metrics.prometheus`) and `infra/estate.ts` has `Monitoring`
 * scrape through a PodMonitor in the ingress namespace. The alert rules and the services dashboard
 * read the per-service series: every web app seen from the edge.
 */
import { TRAEFIK_METRICS_PORT_NAME, TRAEFIK_POD_LABELS } from "../../k8s/chart-values";
import { releaseValues, scrapedByPodMonitor } from "./planned";
import type { ExporterCatalogue, PlannedResource } from "./types";

/** The Traefik release keeps Prometheus on, with per-service labels (the chart's default, stated by the estate). */
function servesServiceMetrics(resources: readonly PlannedResource[]): boolean {
    const values = releaseValues(resources, "traefik") as { metrics?: { prometheus?: { entryPoint?: string; addServicesLabels?: boolean } | null } } | undefined;
    const prometheus = values?.metrics?.prometheus;
    return prometheus !== undefined && prometheus !== null && prometheus.entryPoint === TRAEFIK_METRICS_PORT_NAME && prometheus.addServicesLabels === true;
}

export const traefik: ExporterCatalogue = {
    name: "traefik",
    source:
        "traefik/traefik v3.6.0 pkg/observability/metrics/prometheus.go (names and labels: traefik_service_* {code, method, protocol, service}, " +
        "traefik_entrypoint_* {code, method, protocol, entrypoint}); the service label is <namespace>-<service>-<port>@kubernetes " +
        "(pkg/provider/kubernetes/ingress/kubernetes.go, pkg/server/aggregator.go); traefik/traefik-helm-chart v37.3.0 traefik/values.yaml metrics.prometheus",
    metrics: [
        // Per service (an Ingress backend): what the rules and the services dashboard read.
        "traefik_service_requests_total",
        "traefik_service_request_duration_seconds_bucket",
        "traefik_service_request_duration_seconds_sum",
        "traefik_service_request_duration_seconds_count",
        "traefik_service_requests_bytes_total",
        "traefik_service_responses_bytes_total",
        "traefik_service_requests_tls_total",
        "traefik_service_retries_total",
        "traefik_service_server_up",
        // Per entry point (addEntryPointsLabels).
        "traefik_entrypoint_requests_total",
        "traefik_entrypoint_request_duration_seconds_bucket",
        "traefik_entrypoint_request_duration_seconds_sum",
        "traefik_entrypoint_request_duration_seconds_count",
        "traefik_entrypoint_requests_bytes_total",
        "traefik_entrypoint_responses_bytes_total",
        "traefik_entrypoint_requests_tls_total",
        // The server itself.
        "traefik_config_reloads_total",
        "traefik_config_last_reload_success",
        "traefik_open_connections",
        "traefik_tls_certs_not_after",
    ],
    scrapedIn(resources) {
        return scrapedByPodMonitor(resources, TRAEFIK_POD_LABELS, TRAEFIK_METRICS_PORT_NAME) && servesServiceMetrics(resources);
    },
};
