/**
 * oliver006/redis_exporter, the redis-ha chart's exporter sidecar (port 9121, `exporter-port`):
 * INFO fields (`redis_*`), `redis_instance_info{role}`, `redis_config_maxclients`/`maxmemory`
 * (from CONFIG GET, exported by default).
 */
import { REDIS_EXPORTER_PORT, REDIS_HA_APP } from "../../data/cluster-redis";
import { scrapedByPodMonitor } from "./planned";
import type { ExporterCatalogue } from "./types";

export const redis: ExporterCatalogue = {
    name: "redis_exporter",
    source: "oliver006/redis_exporter v1.88.0: exporter/exporter.go (metricMapGauges, metricMapCounters, metricDescriptions, extractConfigMetrics), exporter/info.go (instance_info, master_link_up)",
    metrics: [
        "redis_up",
        "redis_instance_info",
        "redis_uptime_in_seconds",
        "redis_connected_clients",
        "redis_blocked_clients",
        "redis_config_maxclients",
        "redis_config_maxmemory",
        "redis_memory_used_bytes",
        "redis_memory_max_bytes",
        "redis_evicted_keys_total",
        "redis_rdb_last_bgsave_status",
        "redis_aof_last_bgrewrite_status",
        "redis_connected_slaves",
        "redis_connected_slave_lag_seconds",
        "redis_connected_slave_offset_bytes",
        "redis_master_repl_offset",
        "redis_master_link_up",
        "redis_master_last_io_seconds_ago",
        "redis_slave_repl_offset",
    ],
    scrapedIn: (resources) => scrapedByPodMonitor(resources, { app: REDIS_HA_APP }, REDIS_EXPORTER_PORT.name),
};
