/**
 * percona/mongodb_exporter, ClusterMongo's sidecar (port 9216, `metrics`), run with
 * `--collector.diagnosticdata --compatible-mode`: `mongodb_up`, serverStatus as `mongodb_ss_*`
 * (with the topology labels `cl_role`, `rs_nm`, `rs_state`), and the old exporter's replica-set
 * series `mongodb_mongod_replset_*`.
 */
import { MONGO_EXPORTER_PORT } from "../../data/cluster-mongo";
import { scrapedByPodMonitor } from "./planned";
import type { ExporterCatalogue } from "./types";

export const mongodb: ExporterCatalogue = {
    name: "mongodb_exporter",
    source:
        "percona/mongodb_exporter v0.53.0: exporter/general_collector.go (mongodb_up), exporter/metrics.go (prefixes ss/rs, serverStatus.connections. -> conn_type), " +
        "exporter/v1_compatibility.go (myState, replSetMetrics, oplogStatus; conversions mongodb_connections -> mongodb_ss_connections)",
    metrics: [
        "mongodb_up",
        "mongodb_ss_connections",
        "mongodb_ss_*",
        "mongodb_mongod_replset_my_state",
        "mongodb_mongod_replset_number_of_members",
        "mongodb_mongod_replset_member_replication_lag",
        "mongodb_mongod_replset_member_election_date",
        "mongodb_mongod_replset_member_last_heartbeat",
        "mongodb_mongod_replset_oplog_head_timestamp",
        "mongodb_mongod_replset_oplog_tail_timestamp",
    ],
    scrapedIn: (resources) => scrapedByPodMonitor(resources, { "app.kubernetes.io/component": "mongodb" }, MONGO_EXPORTER_PORT.name),
};
