/**
 * CloudNativePG's instance exporter (port 9187, `metrics`): the `cnpg_collector_*` series of the
 * instance manager, and those of the default queries the operator chart installs as the
 * `cnpg-default-monitoring` ConfigMap (a query `q`'s column `c` is `cnpg_q_c`).
 */
import { CNPG_CLUSTER_LABEL, CNPG_METRICS_PORT } from "../../data/cluster-postgres";
import { scrapedByPodMonitor } from "./planned";
import type { ExporterCatalogue } from "./types";

export const cloudnativePg: ExporterCatalogue = {
    name: "cloudnative-pg",
    source:
        "cloudnative-pg/cloudnative-pg v1.30.0: pkg/management/postgres/webserver/metricserver/pg_collector.go (cnpg_collector_*), " +
        "pkg/management/postgres/metrics/mappings.go (cnpg_<query>_<column>), config/manager/default-monitoring.yaml and docs/src/monitoring.md; " +
        "cloudnative-pg/charts cloudnative-pg-v0.29.0: charts/cloudnative-pg/values.yaml monitoringQueriesConfigMap (the same queries)",
    metrics: [
        "cnpg_collector_up",
        "cnpg_collector_last_collection_error",
        "cnpg_collector_pg_wal",
        "cnpg_collector_pg_wal_archive_status",
        "cnpg_collector_sync_replicas",
        "cnpg_collector_replica_mode",
        "cnpg_collector_manual_switchover_required",
        "cnpg_collector_fencing_on",
        "cnpg_collector_nodes_used",
        "cnpg_collector_postgres_version",
        "cnpg_backends_total",
        "cnpg_backends_max_tx_duration_seconds",
        "cnpg_backends_waiting_total",
        "cnpg_pg_database_size_bytes",
        "cnpg_pg_database_xid_age",
        "cnpg_pg_postmaster_start_time",
        "cnpg_pg_replication_lag",
        "cnpg_pg_replication_in_recovery",
        "cnpg_pg_replication_is_wal_receiver_up",
        "cnpg_pg_replication_streaming_replicas",
        "cnpg_pg_replication_slots_active",
        "cnpg_pg_replication_slots_pg_wal_lsn_diff",
        "cnpg_pg_stat_archiver_archived_count",
        "cnpg_pg_stat_archiver_failed_count",
        "cnpg_pg_stat_archiver_seconds_since_last_archival",
        "cnpg_pg_stat_archiver_seconds_since_last_failure",
        "cnpg_pg_stat_archiver_last_archived_time",
        "cnpg_pg_stat_archiver_last_failed_time",
        "cnpg_pg_stat_replication_replay_lag_seconds",
        "cnpg_pg_stat_replication_replay_diff_bytes",
        "cnpg_pg_settings_setting",
    ],
    scrapedIn: (resources) => scrapedByPodMonitor(resources, { [CNPG_CLUSTER_LABEL]: undefined }, CNPG_METRICS_PORT.name),
};
