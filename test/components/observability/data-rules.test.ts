/**
 * The databases' rules, checked by the real promtool for both profiles' thresholds and RPO: every
 * alert fires on series shaped like its exporter's output (names and labels as read upstream, see
 * components/observability/exporters) and stays silent on a nearby case.
 */
import { describe, expect, it } from "vitest";
import { type AlertingRule, type RuleGroup, isAlertingRule } from "../../../components/observability/alert-rules";
import { DATA_ALERTS, type DatabaseAlertThresholds, STORAGE_TREND_WINDOW, dataRuleGroups, replicationLagSeconds } from "../../../components/observability/data-rules";
import { cloudnativePg } from "../../../components/observability/exporters/cloudnative-pg";
import { mongodb } from "../../../components/observability/exporters/mongodb";
import { redis as redisExporter } from "../../../components/observability/exporters/redis";
import { dev } from "../../../stacks/dev";
import { prod } from "../../../stacks/prod";
import { type PromtoolTest, checkRules, testRules } from "./promtool";

const PROFILES = {
    dev: { t: dev.config.monitoring!.databases as DatabaseAlertThresholds, rpoMinutes: dev.config.dr!.rpoMinutes as number },
    prod: { t: prod.config.monitoring!.databases as DatabaseAlertThresholds, rpoMinutes: prod.config.dr!.rpoMinutes as number },
};
const NS = "data";
const DATABASES = { postgres: { namespace: NS, cluster: "postgres" }, redis: { namespace: NS, release: "redis" }, mongo: { namespace: NS, replicaSet: "mongo" } };

type Series = PromtoolTest["input_series"];
const num = (n: number) => String(Number(n.toFixed(6)));
const gauge = (value: number, minutes = 30) => `${num(value)}x${minutes}`;
const series = (metric: string, labels: Record<string, string>, values: string) => ({
    series: `${metric}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(", ")}}`,
    values,
});

/** The labels a PodMonitor target adds to an exporter's series (prometheus-operator: namespace, pod, container, endpoint, job, instance). */
const target = (pod: string, container: string, port: string, podMonitor: string) => ({ namespace: NS, pod, container, endpoint: port, job: `${NS}/${podMonitor}`, instance: `10.0.0.1:${port}` });
const pg = (pod: string) => target(pod, "postgres", "metrics", "postgres");
const redis = (pod: string) => target(pod, "redis-exporter", "exporter-port", "redis");
const mongo = (pod: string) => target(pod, "mongodb-exporter", "metrics", "mongo");
/** kube-state-metrics' pod series (honorLabels: the pod's own namespace). */
const ksm = (pod: string) => ({ namespace: NS, pod, uid: "0c5e", job: "kube-state-metrics", instance: "10.0.0.2:8080" });
/** The kubelet's volume series (honorLabels). */
const kubelet = (pvc: string) => ({ namespace: NS, persistentvolumeclaim: pvc, job: "kubelet", node: "ip-10-0-1-1", instance: "10.0.1.1:10250", metrics_path: "/metrics" });

interface Scenario {
    alert: string;
    at: string;
    firing: { series: Series; labels: Record<string, string> }[];
    silent: Series[];
}

/** A volume filling up (or not) within the threshold, and one low (or not) on free space. */
function volumeScenarios(names: { fillingUp: string; low: string }, pvc: string, t: DatabaseAlertThresholds): Scenario[] {
    const capacity = 10e9;
    const start = 0.9 * capacity;
    const minutes = 480;
    const H = t.storageFullHours * 60;
    // Full 30·H minutes after the last sample (within H all through the `for` hour), or 3·H minutes after (never within H).
    const drop = (after: number) => start / (minutes + after);
    const falling = (after: number) => [series("kubelet_volume_stats_available_bytes", kubelet(pvc), `${num(start)}-${num(drop(after))}x${minutes}`), series("kubelet_volume_stats_capacity_bytes", kubelet(pvc), gauge(capacity, minutes))];
    const free = (ratio: number) => [series("kubelet_volume_stats_available_bytes", kubelet(pvc), gauge(ratio * capacity)), series("kubelet_volume_stats_capacity_bytes", kubelet(pvc), gauge(capacity))];
    return [
        { alert: names.fillingUp, at: `${minutes}m`, firing: [{ series: falling(0.5 * H), labels: kubelet(pvc) }], silent: [falling(3 * H), free(0.5)] },
        { alert: names.low, at: "10m", firing: [{ series: free(t.freeStorageRatio / 2), labels: kubelet(pvc) }], silent: [free(Math.min(0.99, t.freeStorageRatio * 2))] },
    ];
}

function scenarios(t: DatabaseAlertThresholds, rpoMinutes: number): Scenario[] {
    const lag = replicationLagSeconds(t, rpoMinutes);
    const lagMinutes = Math.max(1, Math.round(lag / 60));
    const at = (pod: string) => ({ namespace: NS, pod });
    const ready = (pod: string, isReady: boolean) => [
        series("kube_pod_status_ready", { ...ksm(pod), condition: "true" }, gauge(isReady ? 1 : 0)),
        series("kube_pod_status_ready", { ...ksm(pod), condition: "false" }, gauge(isReady ? 0 : 1)),
    ];
    const up = (labels: Record<string, string>, value = 1) => series("up", labels, gauge(value));
    // CloudNativePG: two instances; cnpg_collector_up carries `cluster`, the default queries' series none of their own.
    const cnpgUp = (pod: string, value: number) => series("cnpg_collector_up", { ...pg(pod), cluster: "postgres" }, gauge(value));
    const inRecovery = (pod: string, values: string) => series("cnpg_pg_replication_in_recovery", pg(pod), values);
    const backends = (pod: string, total: number) => [
        series("cnpg_backends_total", { ...pg(pod), datname: "app", usename: "app", application_name: "web", state: "idle" }, gauge(Math.floor(total / 2))),
        series("cnpg_backends_total", { ...pg(pod), datname: "app", usename: "app", application_name: "web", state: "active" }, gauge(Math.ceil(total / 2))),
        series("cnpg_pg_settings_setting", { ...pg(pod), name: "max_connections" }, gauge(100)),
        series("cnpg_pg_settings_setting", { ...pg(pod), name: "shared_buffers" }, gauge(16384)),
    ];
    const archiver = (p: { failed: number; archived: number; since: number; ready: number }) => [
        series("cnpg_pg_stat_archiver_last_failed_time", pg("postgres-1"), gauge(p.failed)),
        series("cnpg_pg_stat_archiver_last_archived_time", pg("postgres-1"), gauge(p.archived)),
        series("cnpg_pg_stat_archiver_seconds_since_last_archival", pg("postgres-1"), gauge(p.since)),
        series("cnpg_collector_pg_wal_archive_status", { ...pg("postgres-1"), value: "ready" }, gauge(p.ready)),
        series("cnpg_collector_pg_wal_archive_status", { ...pg("postgres-1"), value: "done" }, gauge(12)),
    ];
    const rpo = rpoMinutes * 60;
    // redis_exporter: INFO fields, with the labels exporter.go gives them.
    const info = (pod: string, role: string, values = gauge(1)) =>
        series("redis_instance_info", { ...redis(pod), role, redis_version: "7.2.16", redis_build_id: "1", redis_mode: "standalone", os: "Linux", maxmemory_policy: "volatile-lru", tcp_port: "6379", run_id: "abc", process_id: "1", master_replid: "def" }, values);
    const link = { master_host: "redis-announce-0.data.svc.cluster.local", master_port: "6379" };
    const clients = (n: number) => [series("redis_connected_clients", redis("redis-server-0"), gauge(n)), series("redis_config_maxclients", redis("redis-server-0"), gauge(10000))];
    const pgLabels = { database: "postgres", cnpg_cluster: "postgres" };
    const redisLabels = { database: "redis", release: "redis" };
    const mongoLabels = { database: "mongo", replica_set: "mongo" };
    // mongodb_exporter: mongodb_up (general collector), the old exporter's replica-set series (v1_compatibility.go), serverStatus with the topology labels (metrics.go).
    const mongoUp = (pod: string, value: number) => series("mongodb_up", { ...mongo(pod), cluster_role: "mongod" }, gauge(value));
    const myState = (pod: string, values: string) => series("mongodb_mongod_replset_my_state", { ...mongo(pod), set: "mongo" }, values);
    const member = (pod: string) => `${pod}.mongo-svc.data.svc.cluster.local:27017`;
    const memberLag = (pod: string, of: string, seconds: number) => series("mongodb_mongod_replset_member_replication_lag", { ...mongo(pod), name: member(of), state: "SECONDARY", set: "mongo", self: pod === of ? "1" : "0" }, gauge(seconds));
    const mongoConnections = (current: number, limit: number) =>
        (["current", "available", "active"] as const).map((type) =>
            series("mongodb_ss_connections", { ...mongo("mongo-0"), cl_id: "65f0c0ffee", cl_role: "mongod", rs_nm: "mongo", rs_state: "1", conn_type: type }, gauge(type === "current" ? current : type === "available" ? limit - current : 3)),
        );
    const label = (s: Scenario, extra: Record<string, string>): Scenario => ({ ...s, firing: s.firing.map((f) => ({ ...f, labels: { ...f.labels, ...extra } })) });

    return [
        // --- PostgreSQL
        {
            alert: DATA_ALERTS.postgresUnavailable,
            at: "10m",
            firing: [
                { series: [cnpgUp("postgres-1", 1), inRecovery("postgres-1", gauge(1)), cnpgUp("postgres-2", 1), inRecovery("postgres-2", gauge(1))], labels: { namespace: NS } },
                { series: [cnpgUp("postgres-1", 0), inRecovery("postgres-1", gauge(0))], labels: { namespace: NS } },
                { series: [], labels: { namespace: NS } },
            ].map((f) => ({ ...f, labels: { ...f.labels, ...pgLabels } })),
            silent: [[cnpgUp("postgres-1", 1), inRecovery("postgres-1", gauge(0)), cnpgUp("postgres-2", 0), inRecovery("postgres-2", gauge(1))]],
        },
        label(
            {
                alert: DATA_ALERTS.postgresInstanceDown,
                at: "10m",
                firing: [
                    { series: [cnpgUp("postgres-2", 0), up(pg("postgres-2")), ...ready("postgres-2", true)], labels: at("postgres-2") },
                    { series: [up(pg("postgres-2"), 0)], labels: at("postgres-2") },
                    { series: [cnpgUp("postgres-2", 1), ...ready("postgres-2", false)], labels: at("postgres-2") },
                ],
                silent: [[cnpgUp("postgres-2", 1), up(pg("postgres-2")), ...ready("postgres-2", true), ...ready("redis-server-0", false)]],
            },
            pgLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.postgresReplicationLag,
                at: "10m",
                firing: [{ series: [series("cnpg_pg_replication_lag", pg("postgres-2"), gauge(lag + 60))], labels: at("postgres-2") }],
                silent: [[series("cnpg_pg_replication_lag", pg("postgres-2"), gauge(lag - 60)), series("cnpg_pg_replication_lag", pg("postgres-1"), gauge(0))]],
            },
            pgLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.postgresReplicaNotStreaming,
                at: "10m",
                firing: [{ series: [inRecovery("postgres-2", gauge(1)), series("cnpg_pg_replication_is_wal_receiver_up", pg("postgres-2"), gauge(0))], labels: at("postgres-2") }],
                silent: [
                    [inRecovery("postgres-2", gauge(1)), series("cnpg_pg_replication_is_wal_receiver_up", pg("postgres-2"), gauge(1))],
                    // The primary has no WAL receiver.
                    [inRecovery("postgres-1", gauge(0)), series("cnpg_pg_replication_is_wal_receiver_up", pg("postgres-1"), gauge(0))],
                ],
            },
            pgLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.postgresWalArchiving,
                at: "10m",
                firing: [
                    { series: archiver({ failed: 2000, archived: 1000, since: 60, ready: 2 }), labels: at("postgres-1") },
                    { series: archiver({ failed: -1, archived: 1000, since: rpo + 120, ready: 3 }), labels: at("postgres-1") },
                ],
                silent: [
                    archiver({ failed: 500, archived: 1000, since: 60, ready: 1 }),
                    // Idle: nothing archived for long, but nothing waits either.
                    archiver({ failed: -1, archived: 1000, since: rpo + 120, ready: 0 }),
                    archiver({ failed: -1, archived: -1, since: -1, ready: 0 }),
                ],
            },
            pgLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.postgresConnections,
                at: "10m",
                firing: [{ series: backends("postgres-1", Math.round(t.connectionsRatio * 100) + 5), labels: at("postgres-1") }],
                silent: [backends("postgres-1", Math.round(t.connectionsRatio * 100) - 5)],
            },
            pgLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.postgresFailover,
                at: "10m",
                firing: [{ series: [inRecovery("postgres-2", "1x5 0x10"), inRecovery("postgres-1", "0x3 _x12")], labels: at("postgres-2") }],
                silent: [[inRecovery("postgres-1", "0x15"), inRecovery("postgres-2", "1x15")], [inRecovery("postgres-1", "0x5 1x10")]],
            },
            pgLabels,
        ),
        ...volumeScenarios({ fillingUp: DATA_ALERTS.postgresVolumeFillingUp, low: DATA_ALERTS.postgresVolumeLow }, "postgres-1", t).map((s) => label(s, pgLabels)),
        {
            alert: DATA_ALERTS.postgresVolumeLow,
            at: "10m",
            firing: [],
            // Another database's volume is not this cluster's.
            silent: [[series("kubelet_volume_stats_available_bytes", kubelet("data-redis-server-0"), gauge(0)), series("kubelet_volume_stats_capacity_bytes", kubelet("data-redis-server-0"), gauge(1e9))]],
        },

        // --- Redis
        {
            alert: DATA_ALERTS.redisUnavailable,
            at: "10m",
            firing: [
                { series: [series("redis_up", redis("redis-server-0"), gauge(1)), info("redis-server-0", "slave")], labels: { namespace: NS, ...redisLabels } },
                { series: [series("redis_up", redis("redis-server-0"), gauge(0))], labels: { namespace: NS, ...redisLabels } },
            ],
            silent: [[series("redis_up", redis("redis-server-0"), gauge(1)), info("redis-server-0", "master"), series("redis_up", redis("redis-server-1"), gauge(1)), info("redis-server-1", "slave")]],
        },
        label(
            {
                alert: DATA_ALERTS.redisInstanceDown,
                at: "10m",
                firing: [
                    { series: [series("redis_up", redis("redis-server-1"), gauge(0))], labels: at("redis-server-1") },
                    { series: [series("redis_up", redis("redis-server-1"), gauge(1)), ...ready("redis-server-1", false)], labels: at("redis-server-1") },
                ],
                silent: [[series("redis_up", redis("redis-server-1"), gauge(1)), up(redis("redis-server-1")), ...ready("redis-server-1", true), ...ready("redis-haproxy-5d8f-x2x7q", false)]],
            },
            redisLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.redisReplicationLag,
                at: `${lagMinutes + 5}m`,
                firing: [
                    { series: [series("redis_master_last_io_seconds_ago", { ...redis("redis-server-1"), ...link }, gauge(lag + 60, lagMinutes + 10))], labels: at("redis-server-1") },
                    { series: [series("redis_master_link_up", { ...redis("redis-server-1"), ...link }, gauge(0, lagMinutes + 10))], labels: at("redis-server-1") },
                ],
                silent: [
                    [series("redis_master_last_io_seconds_ago", { ...redis("redis-server-1"), ...link }, gauge(5, lagMinutes + 10)), series("redis_master_link_up", { ...redis("redis-server-1"), ...link }, gauge(1, lagMinutes + 10))],
                    // A link that came back within the window.
                    [series("redis_master_link_up", { ...redis("redis-server-1"), ...link }, `0x${lagMinutes} 1x10`)],
                ],
            },
            redisLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.redisConnections,
                at: "10m",
                firing: [{ series: clients(Math.round(t.connectionsRatio * 10000) + 100), labels: at("redis-server-0") }],
                silent: [clients(Math.round(t.connectionsRatio * 10000) - 100)],
            },
            redisLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.redisFailover,
                at: "25m",
                firing: [{ series: [info("redis-server-1", "slave", "1x19 _x20"), info("redis-server-1", "master", "_x19 1x20"), series("redis_uptime_in_seconds", redis("redis-server-1"), "2000+60x40")], labels: at("redis-server-1") }],
                silent: [
                    [info("redis-server-0", "master", "1x40"), series("redis_uptime_in_seconds", redis("redis-server-0"), "2000+60x40")],
                    // A fresh server that starts as master (the first install) is no failover.
                    [info("redis-server-0", "master", "_x19 1x20"), series("redis_uptime_in_seconds", redis("redis-server-0"), "_x19 0+60x20")],
                ],
            },
            redisLabels,
        ),
        ...volumeScenarios({ fillingUp: DATA_ALERTS.redisVolumeFillingUp, low: DATA_ALERTS.redisVolumeLow }, "data-redis-server-0", t).map((s) => label(s, redisLabels)),

        // --- MongoDB (mongodb_exporter --compatible-mode)
        {
            alert: DATA_ALERTS.mongoUnavailable,
            at: "10m",
            firing: [
                { series: [mongoUp("mongo-0", 1), myState("mongo-0", gauge(2)), mongoUp("mongo-1", 1), myState("mongo-1", gauge(2))], labels: { namespace: NS, ...mongoLabels } },
                { series: [mongoUp("mongo-0", 0), myState("mongo-0", gauge(1))], labels: { namespace: NS, ...mongoLabels } },
            ],
            silent: [[mongoUp("mongo-0", 1), myState("mongo-0", gauge(1)), mongoUp("mongo-1", 1), myState("mongo-1", gauge(2))]],
        },
        label(
            {
                alert: DATA_ALERTS.mongoInstanceDown,
                at: "10m",
                firing: [
                    { series: [mongoUp("mongo-1", 0)], labels: at("mongo-1") },
                    { series: [mongoUp("mongo-1", 1), ...ready("mongo-1", false)], labels: at("mongo-1") },
                ],
                silent: [[mongoUp("mongo-1", 1), up(mongo("mongo-1")), ...ready("mongo-1", true), ...ready("mongodb-kubernetes-operator-7c9f-abcde", false)]],
            },
            mongoLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.mongoReplicationLag,
                at: "10m",
                // Two members report the same secondary: one alert, by member name.
                firing: [{ series: [memberLag("mongo-0", "mongo-2", lag + 60), memberLag("mongo-1", "mongo-2", lag + 50)], labels: { namespace: NS, set: "mongo", name: member("mongo-2") } }],
                silent: [[memberLag("mongo-0", "mongo-2", lag - 60), memberLag("mongo-0", "mongo-1", 0)]],
            },
            mongoLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.mongoConnections,
                at: "10m",
                firing: [{ series: mongoConnections(Math.round(t.connectionsRatio * 1000) + 20, 1000), labels: at("mongo-0") }],
                silent: [mongoConnections(Math.round(t.connectionsRatio * 1000) - 20, 1000)],
            },
            mongoLabels,
        ),
        label(
            {
                alert: DATA_ALERTS.mongoFailover,
                at: "25m",
                firing: [{ series: [myState("mongo-0", "1x10 8x30"), myState("mongo-1", "2x19 1x20")], labels: at("mongo-1") }],
                silent: [
                    [myState("mongo-0", "1x40"), myState("mongo-1", "2x40")],
                    // The first election of a new replica set is no failover.
                    [myState("mongo-0", "_x15 5x3 1x20"), myState("mongo-1", "_x15 5x3 2x20")],
                ],
            },
            mongoLabels,
        ),
        ...volumeScenarios({ fillingUp: DATA_ALERTS.mongoVolumeFillingUp, low: DATA_ALERTS.mongoVolumeLow }, "data-volume-mongo-0", t).map((s) => label(s, mongoLabels)),
        label(
            {
                alert: DATA_ALERTS.mongoVolumeLow,
                at: "10m",
                firing: [{ series: [series("kubelet_volume_stats_available_bytes", kubelet("logs-volume-mongo-2"), gauge(0)), series("kubelet_volume_stats_capacity_bytes", kubelet("logs-volume-mongo-2"), gauge(1e9))], labels: kubelet("logs-volume-mongo-2") }],
                silent: [],
            },
            mongoLabels,
        ),
    ];
}

function alertOf(groups: RuleGroup[], name: string): AlertingRule {
    const found = groups.flatMap((g) => g.rules).filter(isAlertingRule).filter((r) => r.alert === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
}

/** What promtool renders from `{{ $labels.x }}` (the rules use no other template). */
function rendered(annotations: Record<string, string> | undefined, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(annotations ?? {}).map(([key, text]) => [key, text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, label: string) => labels[label] ?? "")]));
}

/** The promtool cases of a scenario: each firing set fires with the rule's labels and the series'; each silent set stays silent. */
function casesOf(groups: RuleGroup[], s: Scenario): PromtoolTest[] {
    const rule = alertOf(groups, s.alert);
    return [
        ...s.firing.map((f, i) => ({
            name: `${s.alert} fires (${i})`,
            interval: "1m",
            input_series: f.series,
            alert_rule_test: [{ eval_time: s.at, alertname: s.alert, exp_alerts: [{ exp_labels: { ...rule.labels, ...f.labels }, exp_annotations: rendered(rule.annotations, { ...rule.labels, ...f.labels }) }] }],
        })),
        ...s.silent.map((input, i) => ({
            name: `${s.alert} stays silent (${i})`,
            interval: "1m",
            input_series: input,
            alert_rule_test: [{ eval_time: s.at, alertname: s.alert, exp_alerts: [] }],
        })),
    ];
}

describe.each(Object.entries(PROFILES))("the %s profile's database rules", (_profile, { t, rpoMinutes }) => {
    const groups = dataRuleGroups(DATABASES, t, { rpoMinutes });
    const all = scenarios(t, rpoMinutes);

    it("are three groups, estate-postgres, estate-redis and estate-mongo, that pass promtool check rules", () => {
        expect(groups.map((g) => g.name)).toEqual(["estate-postgres", "estate-redis", "estate-mongo"]);
        const result = checkRules(groups);
        expect(result.output).toContain("SUCCESS");
        expect(result.status, result.output).toBe(0);
    });

    it("has a firing and a silent promtool case for every alert", () => {
        const alerts = groups.flatMap((g) => g.rules).filter(isAlertingRule).map((r) => r.alert);
        expect(new Set(alerts)).toEqual(new Set(Object.values(DATA_ALERTS)));
        for (const alert of alerts) {
            const mine = all.filter((s) => s.alert === alert);
            expect(mine.flatMap((s) => s.firing).length, `${alert} fires somewhere`).toBeGreaterThan(0);
            expect(mine.flatMap((s) => s.silent).length, `${alert} stays silent somewhere`).toBeGreaterThan(0);
        }
    });

    // One promtool run per group (each evaluates only its own rules): the lag windows span the whole RPO (a day on dev).
    it.each(groups.map((g) => [g.name, g] as const))("%s: fire and stay silent as the scenarios say (promtool test rules)", (_name, group) => {
        const mine = all.filter((s) => group.rules.some((r) => isAlertingRule(r) && r.alert === s.alert));
        const result = testRules([group], mine.flatMap((s) => casesOf([group], s)));
        expect(result.status, result.output).toBe(0);
    }, 180_000);
});

describe("database rule generation", () => {
    const { t, rpoMinutes } = PROFILES.prod;

    it("queries only series the databases' exporters' catalogues list (their own prefixes: cnpg_, redis_, mongodb_)", () => {
        const listed = new Set([...cloudnativePg.metrics, ...redisExporter.metrics, ...mongodb.metrics]);
        const queried = dataRuleGroups(DATABASES, t, { rpoMinutes })
            .flatMap((g) => g.rules)
            .flatMap((r) => r.expr.match(/\b(cnpg|redis|mongodb)_[A-Za-z_]+\b/g) ?? []);
        expect(queried.length).toBeGreaterThan(10);
        expect([...new Set(queried)].filter((m) => !listed.has(m))).toEqual([]);
    });

    it("gives only the groups of the databases that run in the cluster", () => {
        expect(dataRuleGroups({}, t, { rpoMinutes })).toEqual([]);
        expect(dataRuleGroups({ redis: DATABASES.redis }, t, { rpoMinutes }).map((g) => g.name)).toEqual(["estate-redis"]);
    });

    it("derives the lag threshold from the RPO share, and pages for what loses data or availability", () => {
        expect(replicationLagSeconds({ ...t, replicationLagRpoShare: 0.5 }, 15)).toBe(450);
        const groups = dataRuleGroups(DATABASES, t, { rpoMinutes: 15 });
        expect(alertOf(groups, DATA_ALERTS.postgresReplicationLag).expr).toContain(`> ${replicationLagSeconds(t, 15)}`);
        const severity = (name: string) => alertOf(groups, name).labels?.severity;
        for (const critical of [DATA_ALERTS.postgresUnavailable, DATA_ALERTS.postgresWalArchiving, DATA_ALERTS.postgresReplicationLag, DATA_ALERTS.postgresVolumeFillingUp, DATA_ALERTS.redisUnavailable, DATA_ALERTS.mongoVolumeLow]) {
            expect(severity(critical), critical).toBe("critical");
        }
        for (const warning of [DATA_ALERTS.postgresConnections, DATA_ALERTS.postgresFailover, DATA_ALERTS.redisFailover, DATA_ALERTS.redisInstanceDown, DATA_ALERTS.mongoInstanceDown, DATA_ALERTS.mongoFailover]) {
            expect(severity(warning), warning).toBe("warning");
        }
        expect(alertOf(groups, DATA_ALERTS.postgresVolumeFillingUp).expr).toContain(`[${STORAGE_TREND_WINDOW}], ${t.storageFullHours * 3600})`);
    });
});
