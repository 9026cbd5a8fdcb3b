/**
 * The rules of the databases the estate runs in the cluster: one group per database
 * (`estate-postgres`, `estate-redis`, `estate-mongo`), generated from the thresholds of
 * `estate:monitoring.databases` and the RPO. Pure data, like alert-rules.ts; `Monitoring` turns
 * each group into a PrometheusRule, and the tests run them through promtool on series shaped like
 * the exporters' output (see the catalogues in ./exporters).
 *
 * Where the series come from:
 * - PostgreSQL: CloudNativePG's exporter on every instance (`cnpg_collector_*`, and the default
 *   queries' `cnpg_pg_replication_*`, `cnpg_pg_stat_archiver_*`, `cnpg_backends_total`,
 *   `cnpg_pg_settings_setting`), scraped through a PodMonitor, which adds `namespace` and `pod`;
 * - Redis: the redis-ha chart's redis_exporter sidecar (`redis_*`), likewise;
 * - MongoDB: the percona/mongodb_exporter sidecar of every member (`mongodb_up`, `mongodb_ss_*`,
 *   `mongodb_mongod_replset_*`), likewise;
 * - every database: the kubelet's `kubelet_volume_stats_*` (by `namespace` and
 *   `persistentvolumeclaim`) and kube-state-metrics' `kube_pod_status_ready`, which
 *   kube-prometheus-stack scrapes.
 *
 * Severity: `critical` (pages) for what loses data or availability (no writable primary, WAL
 * archiving failing, replication behind the RPO, a volume about to fill); `warning` otherwise (an
 * instance down among others, connections near the limit, a failover that happened).
 */
import type { AlertingRule, RuleGroup } from "./alert-rules";

/**
 * The thresholds these rules read: the `estate:monitoring.databases` keys they use (the stack's
 * `DatabaseThresholds` fits).
 */
export interface DatabaseAlertThresholds {
    /** Connections in use / the server's own limit above which the connection alerts fire. */
    connectionsRatio: number;
    /** Free bytes / capacity of a volume below which the storage alerts fire. */
    freeStorageRatio: number;
    /** Hours ahead within which a volume predicted full (at the last 6 hours' growth) fires. */
    storageFullHours: number;
    /** Replication lag, as a share of the RPO, above which the lag alerts fire. */
    replicationLagRpoShare: number;
}

/** The in-cluster databases to watch; each is left out when it does not run in the cluster. */
export interface ClusterDatabases {
    /** A CloudNativePG `Cluster`: its namespace and name (its pods are `<name>-<n>`, its volumes too). */
    postgres?: { namespace: string; cluster: string };
    /** A redis-ha release: its namespace and name (pods `<name>-server-<n>`, volumes `data-<name>-server-<n>`). */
    redis?: { namespace: string; release: string };
    /** A `MongoDBCommunity` replica set: its namespace and name (pods `<name>-<n>`, volumes `data-volume-<name>-<n>`, `logs-volume-<name>-<n>`). */
    mongo?: { namespace: string; replicaSet: string };
}

/** The alerts of the databases. */
export const DATA_ALERTS = {
    postgresUnavailable: "EstatePostgresUnavailable",
    postgresInstanceDown: "EstatePostgresInstanceDown",
    postgresReplicationLag: "EstatePostgresReplicationLagHigh",
    postgresReplicaNotStreaming: "EstatePostgresReplicaNotStreaming",
    postgresWalArchiving: "EstatePostgresWalArchivingFailing",
    postgresConnections: "EstatePostgresConnectionsNearLimit",
    postgresFailover: "EstatePostgresFailover",
    postgresVolumeFillingUp: "EstatePostgresVolumeFillingUp",
    postgresVolumeLow: "EstatePostgresVolumeLow",
    redisUnavailable: "EstateRedisUnavailable",
    redisInstanceDown: "EstateRedisInstanceDown",
    redisReplicationLag: "EstateRedisReplicationLagHigh",
    redisConnections: "EstateRedisConnectionsNearLimit",
    redisFailover: "EstateRedisFailover",
    redisVolumeFillingUp: "EstateRedisVolumeFillingUp",
    redisVolumeLow: "EstateRedisVolumeLow",
    mongoUnavailable: "EstateMongoUnavailable",
    mongoInstanceDown: "EstateMongoInstanceDown",
    mongoReplicationLag: "EstateMongoReplicationLagHigh",
    mongoConnections: "EstateMongoConnectionsNearLimit",
    mongoFailover: "EstateMongoFailover",
    mongoVolumeFillingUp: "EstateMongoVolumeFillingUp",
    mongoVolumeLow: "EstateMongoVolumeLow",
} as const;

/** The window over which a volume's growth is extrapolated. */
export const STORAGE_TREND_WINDOW = "6h";

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(4))}%`;
const num = (n: number) => String(Number(n.toFixed(6)));
/** A PromQL selector; regex matchers are given as `~<regex>`. */
const selector = (labels: Record<string, string>) =>
    `{${Object.entries(labels)
        .map(([k, v]) => (v.startsWith("~") ? `${k}=~"${v.slice(1)}"` : `${k}="${v}"`))
        .join(", ")}}`;

/** The replication lag threshold, in seconds: share × RPO. */
export function replicationLagSeconds(t: DatabaseAlertThresholds, rpoMinutes: number): number {
    return Math.max(1, Math.round(t.replicationLagRpoShare * rpoMinutes * 60));
}

/** Every group for the databases that run in the cluster (none for a managed or absent one). */
export function dataRuleGroups(databases: ClusterDatabases, t: DatabaseAlertThresholds, objectives: { rpoMinutes: number }): RuleGroup[] {
    return [
        ...(databases.postgres ? [postgresRuleGroup(databases.postgres, t, objectives)] : []),
        ...(databases.redis ? [redisRuleGroup(databases.redis, t, objectives)] : []),
        ...(databases.mongo ? [mongoRuleGroup(databases.mongo, t, objectives)] : []),
    ];
}

/**
 * The volumes' two alerts: predicted full within `storageFullHours` at the growth of the last
 * `STORAGE_TREND_WINDOW` (held 1 hour, so a burst does not page), and free space below
 * `freeStorageRatio`. Both critical: a full volume stops the database.
 */
function volumeRules(
    what: string,
    names: { fillingUp: string; low: string },
    p: { namespace: string; pvcRegex: string; labels: Record<string, string> },
    t: DatabaseAlertThresholds,
): AlertingRule[] {
    const { namespace, pvcRegex } = p;
    const pvc = selector({ namespace, persistentvolumeclaim: `~${pvcRegex}` });
    const hours = t.storageFullHours;
    return [
        {
            alert: names.fillingUp,
            expr: `predict_linear(kubelet_volume_stats_available_bytes${pvc}[${STORAGE_TREND_WINDOW}], ${hours * 3600}) < 0`,
            for: "1h",
            labels: { ...p.labels, severity: "critical" },
            annotations: {
                summary: `A ${what} volume fills up within ${hours} hours`,
                description: `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} will be full within ${hours} hours at the growth of the last ${STORAGE_TREND_WINDOW}: grow the volume (storageGb) or find what writes.`,
            },
        },
        {
            alert: names.low,
            expr: `kubelet_volume_stats_available_bytes${pvc} / kubelet_volume_stats_capacity_bytes${pvc} < ${num(t.freeStorageRatio)}`,
            for: "5m",
            labels: { ...p.labels, severity: "critical" },
            annotations: {
                summary: `A ${what} volume has less than ${percent(t.freeStorageRatio)} free`,
                description: `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than ${percent(t.freeStorageRatio)} of its capacity free: the database stops writing when it is full.`,
            },
        },
    ];
}

/** The pods of a database that are not ready (kube-state-metrics). */
const notReady = (pods: string) => `kube_pod_status_ready${pods.slice(0, -1)}, condition="true"} == 0`;

/** PostgreSQL (CloudNativePG): availability, replication against the RPO, WAL archiving, connections, failover, volumes. */
export function postgresRuleGroup(db: { namespace: string; cluster: string }, t: DatabaseAlertThresholds, objectives: { rpoMinutes: number }): RuleGroup {
    const { namespace, cluster } = db;
    const where = `${namespace}/${cluster}`;
    // The instances' pods are `<cluster>-<serial>` (the podSelector of cloudnative-pg/charts' cluster chart rules).
    const instances = `${cluster}-[1-9][0-9]*`;
    const pods = selector({ namespace, pod: `~${instances}` });
    const lag = replicationLagSeconds(t, objectives.rpoMinutes);
    const labels = (severity: "critical" | "warning") => ({ severity, database: "postgres", cnpg_cluster: cluster });
    const rules: AlertingRule[] = [
        {
            alert: DATA_ALERTS.postgresUnavailable,
            // No instance both up and out of recovery: nothing accepts writes.
            expr: `(count(cnpg_collector_up${pods} == 1 and on (namespace, pod) cnpg_pg_replication_in_recovery${pods} == 0) or on () vector(0)) == 0`,
            for: "5m",
            labels: { ...labels("critical"), namespace },
            annotations: {
                summary: `PostgreSQL ${where} has no writable primary`,
                description: `No instance of the CloudNativePG cluster ${where} has been up as a primary for 5 minutes (or none is scraped): the apps cannot write. See kubectl cnpg status ${cluster} -n ${namespace}.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresInstanceDown,
            expr: `max by (namespace, pod) (cnpg_collector_up${pods} == 0 or up${pods} == 0 or ${notReady(pods)})`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A PostgreSQL instance of ${where} is down or not ready`,
                description: `Instance {{ $labels.namespace }}/{{ $labels.pod }} has been down, unreachable by Prometheus, or not ready for 5 minutes: the cluster runs with one instance less.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresReplicationLag,
            expr: `max by (namespace, pod) (cnpg_pg_replication_lag${pods}) > ${lag}`,
            for: "2m",
            labels: labels("critical"),
            annotations: {
                summary: `A PostgreSQL replica of ${where} lags more than ${lag}s (${percent(t.replicationLagRpoShare)} of the RPO)`,
                description: `Replica {{ $labels.namespace }}/{{ $labels.pod }} replays WAL more than ${lag} seconds behind the primary: a failover now would lose more than ${percent(t.replicationLagRpoShare)} of the ${objectives.rpoMinutes}-minute RPO.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresReplicaNotStreaming,
            // A replica whose WAL receiver is down reports no lag (nothing received, nothing to replay).
            expr: `max by (namespace, pod) (cnpg_pg_replication_in_recovery${pods} == 1 and on (namespace, pod) cnpg_pg_replication_is_wal_receiver_up${pods} == 0)`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A PostgreSQL replica of ${where} is not streaming`,
                description: `Replica {{ $labels.namespace }}/{{ $labels.pod }} has had no WAL receiver for 5 minutes: it falls behind without reporting lag.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresWalArchiving,
            // The primary's last archiving attempt failed (pg_stat_archiver; -1 when never), or WAL waits
            // to be archived while nothing was archived for longer than the RPO.
            expr:
                `max by (namespace, pod) (cnpg_pg_stat_archiver_last_failed_time${pods} > on (namespace, pod) cnpg_pg_stat_archiver_last_archived_time${pods})` +
                ` or max by (namespace, pod) (cnpg_pg_stat_archiver_seconds_since_last_archival${pods} > ${objectives.rpoMinutes * 60}` +
                ` and on (namespace, pod) cnpg_collector_pg_wal_archive_status${pods.slice(0, -1)}, value="ready"} > 0)`,
            for: "5m",
            labels: labels("critical"),
            annotations: {
                summary: `PostgreSQL ${where} fails to archive WAL`,
                description: `The primary {{ $labels.namespace }}/{{ $labels.pod }} has failed to archive WAL to the backup bucket for 5 minutes (or WAL has waited longer than the ${objectives.rpoMinutes}-minute RPO): a restore would lose everything since the last archived segment. See the plugin-barman-cloud sidecar's logs.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresConnections,
            // Every backend of the instance against its own max_connections (pg_settings, from the default queries).
            expr:
                `sum by (namespace, pod) (cnpg_backends_total${pods})` +
                ` / max by (namespace, pod) (cnpg_pg_settings_setting${pods.slice(0, -1)}, name="max_connections"}) > ${num(t.connectionsRatio)}`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A PostgreSQL instance of ${where} uses more than ${percent(t.connectionsRatio)} of max_connections`,
                description: `Instance {{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(t.connectionsRatio)} of its max_connections for 5 minutes: new connections will be refused at the limit.`,
            },
        },
        {
            alert: DATA_ALERTS.postgresFailover,
            // An instance left recovery in the last 15 minutes: it was promoted (failover or switchover).
            expr: `max by (namespace, pod) (changes(cnpg_pg_replication_in_recovery${pods}[15m]) > 0 and on (namespace, pod) cnpg_pg_replication_in_recovery${pods} == 0)`,
            labels: labels("warning"),
            annotations: {
                summary: `PostgreSQL ${where} has a new primary`,
                description: `Instance {{ $labels.namespace }}/{{ $labels.pod }} became the primary in the last 15 minutes (failover or switchover): check why the old primary went away.`,
            },
        },
        ...volumeRules("PostgreSQL", { fillingUp: DATA_ALERTS.postgresVolumeFillingUp, low: DATA_ALERTS.postgresVolumeLow }, { namespace, pvcRegex: `${instances}(-wal)?`, labels: labels("critical") }, t),
    ];
    return { name: "estate-postgres", rules };
}

/** Redis (redis-ha with the exporter sidecar): availability, replication against the RPO, connections, failover, volumes. */
export function redisRuleGroup(db: { namespace: string; release: string }, t: DatabaseAlertThresholds, objectives: { rpoMinutes: number }): RuleGroup {
    const { namespace, release } = db;
    const where = `${namespace}/${release}`;
    // The chart's StatefulSet is `<fullname>-server`, its volume claim template `data`.
    const servers = `${release}-server-[0-9]+`;
    const pods = selector({ namespace, pod: `~${servers}` });
    const lag = replicationLagSeconds(t, objectives.rpoMinutes);
    const lagMinutes = Math.max(1, Math.round(lag / 60));
    const labels = (severity: "critical" | "warning") => ({ severity, database: "redis", release });
    const rules: AlertingRule[] = [
        {
            alert: DATA_ALERTS.redisUnavailable,
            expr: `(count(redis_instance_info${pods.slice(0, -1)}, role="master"} and on (namespace, pod) redis_up${pods} == 1) or on () vector(0)) == 0`,
            for: "5m",
            labels: { ...labels("critical"), namespace },
            annotations: {
                summary: `Redis ${where} has no master`,
                description: `No server of ${where} has been up as a master for 5 minutes (or none is scraped): the apps cannot write. See the Sentinels' logs.`,
            },
        },
        {
            alert: DATA_ALERTS.redisInstanceDown,
            expr: `max by (namespace, pod) (redis_up${pods} == 0 or up${pods} == 0 or ${notReady(pods)})`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A Redis server of ${where} is down or not ready`,
                description: `Server {{ $labels.namespace }}/{{ $labels.pod }} has been down, unreachable by Prometheus, or not ready for 5 minutes: Sentinel runs with one server less.`,
            },
        },
        {
            alert: DATA_ALERTS.redisReplicationLag,
            // A replica's last contact with its master (the master pings every 10 s), or a link down for the whole window.
            expr:
                `max by (namespace, pod) (redis_master_last_io_seconds_ago${pods}) > ${lag}` +
                ` or max by (namespace, pod) (max_over_time(redis_master_link_up${pods}[${lagMinutes}m])) == 0`,
            for: "1m",
            labels: labels("critical"),
            annotations: {
                summary: `A Redis replica of ${where} is more than ${lag}s behind (${percent(t.replicationLagRpoShare)} of the RPO)`,
                description: `Replica {{ $labels.namespace }}/{{ $labels.pod }} has heard nothing from its master for more than ${lag} seconds: a failover now would lose more than ${percent(t.replicationLagRpoShare)} of the ${objectives.rpoMinutes}-minute RPO.`,
            },
        },
        {
            alert: DATA_ALERTS.redisConnections,
            expr: `max by (namespace, pod) (redis_connected_clients${pods}) / max by (namespace, pod) (redis_config_maxclients${pods}) > ${num(t.connectionsRatio)}`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A Redis server of ${where} uses more than ${percent(t.connectionsRatio)} of maxclients`,
                description: `Server {{ $labels.namespace }}/{{ $labels.pod }} has had more than ${percent(t.connectionsRatio)} of its maxclients connected for 5 minutes: new clients will be refused at the limit.`,
            },
        },
        {
            alert: DATA_ALERTS.redisFailover,
            // A server that has run for 15 minutes and is master now, but was not 15 minutes ago: Sentinel promoted it.
            expr:
                `max by (namespace, pod) (redis_instance_info${pods.slice(0, -1)}, role="master"}` +
                ` unless on (namespace, pod) redis_instance_info${pods.slice(0, -1)}, role="master"} offset 15m)` +
                ` and on (namespace, pod) redis_uptime_in_seconds${pods} > 900`,
            labels: labels("warning"),
            annotations: {
                summary: `Redis ${where} has a new master`,
                description: `Server {{ $labels.namespace }}/{{ $labels.pod }} became the master in the last 15 minutes (Sentinel failover): check why the old master went away.`,
            },
        },
        ...volumeRules("Redis", { fillingUp: DATA_ALERTS.redisVolumeFillingUp, low: DATA_ALERTS.redisVolumeLow }, { namespace, pvcRegex: `data-${servers}`, labels: labels("critical") }, t),
    ];
    return { name: "estate-redis", rules };
}

/**
 * MongoDB (MCK `MongoDBCommunity` with the percona/mongodb_exporter sidecar, `--compatible-mode`):
 * availability, replication against the RPO, connections, failover, volumes.
 */
export function mongoRuleGroup(db: { namespace: string; replicaSet: string }, t: DatabaseAlertThresholds, objectives: { rpoMinutes: number }): RuleGroup {
    const { namespace, replicaSet } = db;
    const where = `${namespace}/${replicaSet}`;
    // The operator's StatefulSet is named after the replica set; its claim templates `data-volume` and `logs-volume`.
    const members = `${replicaSet}-[0-9]+`;
    const pods = selector({ namespace, pod: `~${members}` });
    const state = `mongodb_mongod_replset_my_state${pods}`;
    const connections = (type: string) => `max by (namespace, pod) (mongodb_ss_connections${pods.slice(0, -1)}, conn_type="${type}"})`;
    const lag = replicationLagSeconds(t, objectives.rpoMinutes);
    const labels = (severity: "critical" | "warning") => ({ severity, database: "mongo", replica_set: replicaSet });
    const rules: AlertingRule[] = [
        {
            alert: DATA_ALERTS.mongoUnavailable,
            // my_state 1 is PRIMARY (replSetGetStatus myState).
            expr: `(count(${state} == 1 and on (namespace, pod) mongodb_up${pods} == 1) or on () vector(0)) == 0`,
            for: "5m",
            labels: { ...labels("critical"), namespace },
            annotations: {
                summary: `MongoDB ${where} has no primary`,
                description: `No member of ${where} has been up as the primary for 5 minutes (or none is scraped): the apps cannot write. See the members' agent logs and rs.status().`,
            },
        },
        {
            alert: DATA_ALERTS.mongoInstanceDown,
            expr: `max by (namespace, pod) (mongodb_up${pods} == 0 or up${pods} == 0 or ${notReady(pods)})`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A MongoDB member of ${where} is down or not ready`,
                description: `Member {{ $labels.namespace }}/{{ $labels.pod }} has been down, unreachable by Prometheus, or not ready for 5 minutes: the replica set runs with one member less.`,
            },
        },
        {
            alert: DATA_ALERTS.mongoReplicationLag,
            // Every member reports every secondary's lag behind the primary's optime: by member name.
            expr: `max by (namespace, set, name) (mongodb_mongod_replset_member_replication_lag${pods}) > ${lag}`,
            for: "2m",
            labels: labels("critical"),
            annotations: {
                summary: `A MongoDB secondary of ${where} lags more than ${lag}s (${percent(t.replicationLagRpoShare)} of the RPO)`,
                description: `Secondary {{ $labels.name }} is more than ${lag} seconds behind the primary: a failover now would lose more than ${percent(t.replicationLagRpoShare)} of the ${objectives.rpoMinutes}-minute RPO.`,
            },
        },
        {
            alert: DATA_ALERTS.mongoConnections,
            // The server's limit is what is open plus what is still available (serverStatus connections).
            expr: `${connections("current")} / (${connections("current")} + ${connections("available")}) > ${num(t.connectionsRatio)}`,
            for: "5m",
            labels: labels("warning"),
            annotations: {
                summary: `A MongoDB member of ${where} uses more than ${percent(t.connectionsRatio)} of its connections`,
                description: `Member {{ $labels.namespace }}/{{ $labels.pod }} has had more than ${percent(t.connectionsRatio)} of its incoming connections in use for 5 minutes: new connections will be refused at the limit.`,
            },
        },
        {
            alert: DATA_ALERTS.mongoFailover,
            // Primary now, not 15 minutes ago, while another member was: an election (not the first one).
            expr:
                `max by (namespace, pod) (${state} == 1 unless on (namespace, pod) ${state} offset 15m == 1)` +
                ` and on (namespace) count by (namespace) (${state} offset 15m == 1) > 0`,
            labels: labels("warning"),
            annotations: {
                summary: `MongoDB ${where} has a new primary`,
                description: `Member {{ $labels.namespace }}/{{ $labels.pod }} became the primary in the last 15 minutes (an election): check why the old primary stepped down.`,
            },
        },
        ...volumeRules(
            "MongoDB",
            { fillingUp: DATA_ALERTS.mongoVolumeFillingUp, low: DATA_ALERTS.mongoVolumeLow },
            { namespace, pvcRegex: `(data|logs)-volume-${members}`, labels: labels("critical") },
            t,
        ),
    ];
    return { name: "estate-mongo", rules };
}
