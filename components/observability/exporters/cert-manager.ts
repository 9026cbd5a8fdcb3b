/**
 * cert-manager's controller metrics: the `certmanager_*` names in internal/collectors/certificate_collector.go
 * and pkg/metrics/metrics.go of cert-manager/cert-manager at v1.21.1 (the newest v1.21 tag read; the
 * estate pins chart v1.21.2, a patch release). Scraped through the estate's own ServiceMonitor
 * `cert-manager` (Monitoring, `certManagerNamespace`).
 */
import { monitorsOf } from "./planned";
import type { ExporterCatalogue } from "./types";

export const certManager: ExporterCatalogue = {
    name: "cert-manager",
    source: "cert-manager/cert-manager internal/collectors/certificate_collector.go and pkg/metrics/metrics.go at v1.21.1",
    metrics: [
        "certmanager_certificate_expiration_timestamp_seconds", "certmanager_certificate_not_after_timestamp_seconds",
        "certmanager_certificate_not_before_timestamp_seconds", "certmanager_certificate_renewal_timestamp_seconds",
        "certmanager_certificate_ready_status", "certmanager_certificate_challenge_status",
        "certmanager_issuer_ready_status", "certmanager_clusterissuer_ready_status",
        "certmanager_clock_time_seconds", "certmanager_clock_time_seconds_gauge",
        "certmanager_http_acme_client_request_count", "certmanager_http_acme_client_request_duration_seconds",
        "certmanager_http_acme_client_request_duration_seconds_sum", "certmanager_http_acme_client_request_duration_seconds_count",
        "certmanager_controller_sync_call_count", "certmanager_controller_sync_error_count",
    ],
    scrapedIn: (resources) => monitorsOf(resources).some((m) => m.kind === "ServiceMonitor" && m.name === "cert-manager"),
};
