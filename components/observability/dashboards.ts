/**
 * The estate's Grafana dashboards as code: plain dashboard models (Grafana's dashboard JSON,
 * `schemaVersion` 42), generated from the services and the DR objectives. Every panel queries the
 * Prometheus data source by uid. `GrafanaContent` uploads them; the tests validate the models and
 * parse every query with promtool.
 */
import { APP_HTTP_PORT_NAME, type MonitoredService } from "./alert-rules";
import { traefikServiceName } from "../k8s/chart-values";
import { BACKUP_METRICS } from "../backup/metrics";

/** The dashboard JSON schema version the models are written in (Grafana 12's dashboard schema). */
export const DASHBOARD_SCHEMA_VERSION = 42;

/** A data source reference, as panels and queries carry it. */
export interface DataSourceRef {
    type: "prometheus";
    uid: string;
}

export interface GridPos {
    h: number;
    w: number;
    x: number;
    y: number;
}

/** A Prometheus query of a panel. */
export interface PrometheusTarget {
    refId: string;
    datasource: DataSourceRef;
    expr: string;
    legendFormat?: string;
    range?: boolean;
    instant?: boolean;
    editorMode: "code";
}

interface ThresholdStep {
    color: string;
    value: number | null;
}

export interface QueryPanel {
    id: number;
    type: "timeseries" | "stat";
    title: string;
    description?: string;
    gridPos: GridPos;
    datasource: DataSourceRef;
    targets: PrometheusTarget[];
    fieldConfig: {
        defaults: {
            unit?: string;
            min?: number;
            decimals?: number;
            thresholds?: { mode: "absolute"; steps: ThresholdStep[] };
            mappings?: unknown[];
            custom?: Record<string, unknown>;
        };
        overrides: unknown[];
    };
    options: Record<string, unknown>;
}

export interface RowPanel {
    id: number;
    type: "row";
    title: string;
    collapsed: false;
    gridPos: GridPos;
    panels: [];
}

export type Panel = QueryPanel | RowPanel;

/** A dashboard model as Grafana's API takes it (`dashboard` in POST /api/dashboards/db). */
export interface DashboardModel {
    uid: string;
    title: string;
    description: string;
    tags: string[];
    timezone: "utc";
    editable: boolean;
    graphTooltip: 1;
    schemaVersion: number;
    time: { from: string; to: string };
    timepicker: Record<string, never>;
    refresh: string;
    fiscalYearStartMonth: 0;
    liveNow: false;
    weekStart: "";
    annotations: { list: [] };
    templating: { list: [] };
    links: [];
    panels: Panel[];
}


/** Lays panels out left to right, `perRow` to a row, under optional row headers. */
class Layout {
    private nextId = 1;
    private y = 0;
    private x = 0;
    /** The height of the tallest panel on the current line. */
    private rowHeight = 0;
    readonly panels: Panel[] = [];

    constructor(private readonly datasource: DataSourceRef) {}

    row(title: string): void {
        this.newLine();
        this.panels.push({ id: this.nextId++, type: "row", title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: this.y }, panels: [] });
        this.y += 1;
    }

    panel(spec: {
        type?: "timeseries" | "stat";
        title: string;
        description?: string;
        width?: number;
        height?: number;
        queries: { expr: string; legend?: string }[];
        unit?: string;
        decimals?: number;
        /** Red from this value on (a line on time series, a colour on stats). */
        threshold?: number;
        mappings?: unknown[];
    }): void {
        const width = spec.width ?? 8;
        const height = spec.height ?? 8;
        if (this.x + width > 24) {
            this.newLine();
        }
        const type = spec.type ?? "timeseries";
        const refIds = "ABCDEFGHIJ";
        const targets = spec.queries.map((q, i) => ({
            refId: refIds[i]!,
            datasource: this.datasource,
            expr: q.expr,
            ...(q.legend !== undefined ? { legendFormat: q.legend } : {}),
            ...(type === "stat" ? { instant: true, range: false } : { range: true }),
            editorMode: "code" as const,
        }));
        const steps: ThresholdStep[] = [{ color: "green", value: null }, ...(spec.threshold !== undefined ? [{ color: "red", value: spec.threshold }] : [])];
        this.panels.push({
            id: this.nextId++,
            type,
            title: spec.title,
            ...(spec.description ? { description: spec.description } : {}),
            gridPos: { h: height, w: width, x: this.x, y: this.y },
            datasource: this.datasource,
            targets,
            fieldConfig: {
                defaults: {
                    ...(spec.unit ? { unit: spec.unit } : {}),
                    ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
                    ...(type === "timeseries" ? { min: 0 } : {}),
                    thresholds: { mode: "absolute", steps },
                    ...(spec.mappings ? { mappings: spec.mappings } : {}),
                    ...(type === "timeseries" && spec.threshold !== undefined ? { custom: { thresholdsStyle: { mode: "line" } } } : {}),
                },
                overrides: [],
            },
            options:
                type === "stat"
                    ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "background", graphMode: "none", textMode: "value_and_name", justifyMode: "auto", orientation: "auto" }
                    : { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        });
        this.x += width;
        this.rowHeight = Math.max(this.rowHeight, height);
    }

    private newLine(): void {
        this.y += this.rowHeight;
        this.x = 0;
        this.rowHeight = 0;
    }
}

function dashboard(spec: { uid: string; title: string; description: string; tags: string[]; panels: Panel[] }): DashboardModel {
    return {
        uid: spec.uid,
        title: spec.title,
        description: spec.description,
        tags: ["estate", ...spec.tags],
        timezone: "utc",
        // Dashboards are code: a change in the UI would be overwritten by the next `pulumi up`.
        editable: false,
        graphTooltip: 1,
        schemaVersion: DASHBOARD_SCHEMA_VERSION,
        time: { from: "now-6h", to: "now" },
        timepicker: {},
        refresh: "1m",
        fiscalYearStartMonth: 0,
        liveNow: false,
        weekStart: "",
        annotations: { list: [] },
        templating: { list: [] },
        links: [],
        panels: spec.panels,
    };
}

const RATE = "$__rate_interval";

/** RED and saturation per service: a row per app. */
export function servicesDashboard(opts: {
    services: readonly MonitoredService[];
    datasource: DataSourceRef;
    thresholds: { errorRatio: number; latencyP95Seconds: number; cpuRequestRatio: number; memoryLimitRatio: number };
    /** A suffix for uid and title, such as the stack's name, when several stacks share one Grafana. */
    uid?: string;
}): DashboardModel {
    const layout = new Layout(opts.datasource);
    const t = opts.thresholds;
    for (const s of opts.services) {
        const app = `namespace="${s.namespace}", service="${s.name}"`;
        const pods = `namespace="${s.namespace}", container="${s.name}", pod=~"${s.name}-[a-z0-9]+-[a-z0-9]+"`;
        layout.row(`${s.namespace}/${s.name} (${s.kind})`);
        if (s.kind === "web") {
            // From the edge (Traefik, for every web app), then from the app (where it exports its own metrics).
            const edge = `service="${traefikServiceName(s.namespace, s.name, APP_HTTP_PORT_NAME)}"`;
            const views = [
                { view: "edge", where: "at the ingress controller (Traefik), the users' view: includes its own 502/503/504 when no pod answers", requests: "traefik_service_requests_total", buckets: "traefik_service_request_duration_seconds_bucket", selector: edge },
                ...(s.httpMetrics !== false
                    ? [{ view: "app", where: "as the app counts them (its own metrics; also requests that do not come through the ingress)", requests: "http_requests_total", buckets: "http_request_duration_seconds_bucket", selector: app }]
                    : []),
            ];
            for (const v of views) {
                layout.panel({
                    title: `${s.name}: requests per second (${v.view})`,
                    description: `Rate: requests served, by HTTP status, ${v.where}.`,
                    queries: [{ expr: `sum by (code) (rate(${v.requests}{${v.selector}}[${RATE}]))`, legend: "{{code}}" }],
                    unit: "reqps",
                });
                layout.panel({
                    title: `${s.name}: 5xx ratio (${v.view})`,
                    description: `Errors: share of requests answered 5xx, ${v.where}; the red line is the alert threshold.`,
                    queries: [
                        {
                            expr: `sum(rate(${v.requests}{${v.selector}, code=~"5.."}[${RATE}])) / sum(rate(${v.requests}{${v.selector}}[${RATE}]))`,
                            legend: "5xx",
                        },
                    ],
                    unit: "percentunit",
                    threshold: t.errorRatio,
                });
                layout.panel({
                    title: `${s.name}: latency (${v.view})`,
                    description: `Duration: 50th and 95th percentile from the request histogram, ${v.where}; the red line is the p95 alert threshold.`,
                    queries: [
                        { expr: `histogram_quantile(0.95, sum by (le) (rate(${v.buckets}{${v.selector}}[${RATE}])))`, legend: "p95" },
                        { expr: `histogram_quantile(0.5, sum by (le) (rate(${v.buckets}{${v.selector}}[${RATE}])))`, legend: "p50" },
                    ],
                    unit: "s",
                    threshold: t.latencyP95Seconds,
                });
            }
        }
        layout.panel({
            title: `${s.name}: CPU used / requested`,
            description: "Per pod; the red line is the saturation alert threshold.",
            queries: [
                {
                    expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[${RATE}])) / sum by (pod) (kube_pod_container_resource_requests{${pods}, resource="cpu"})`,
                    legend: "{{pod}}",
                },
            ],
            unit: "percentunit",
            threshold: t.cpuRequestRatio,
        });
        layout.panel({
            title: `${s.name}: memory used / limit`,
            description: "Working set per pod; the container is OOM-killed at 100 %; the red line is the alert threshold.",
            queries: [
                {
                    expr: `sum by (pod) (container_memory_working_set_bytes{${pods}}) / sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="memory"})`,
                    legend: "{{pod}}",
                },
            ],
            unit: "percentunit",
            threshold: t.memoryLimitRatio,
        });
        layout.panel({
            title: `${s.name}: replicas`,
            description: "The autoscaler's current replicas against its bounds.",
            queries: [
                { expr: `kube_horizontalpodautoscaler_status_current_replicas{namespace="${s.namespace}", horizontalpodautoscaler="${s.name}"}`, legend: "current" },
                { expr: `kube_horizontalpodautoscaler_spec_max_replicas{namespace="${s.namespace}", horizontalpodautoscaler="${s.name}"}`, legend: "max" },
                { expr: `kube_horizontalpodautoscaler_spec_min_replicas{namespace="${s.namespace}", horizontalpodautoscaler="${s.name}"}`, legend: "min" },
            ],
            decimals: 0,
        });
        layout.panel({
            title: `${s.name}: restarts (15 min)`,
            description: "Container restarts per pod over the last 15 minutes.",
            queries: [{ expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${pods}}[15m]))`, legend: "{{pod}}" }],
            decimals: 0,
        });
    }
    return dashboard({
        uid: `estate-services${opts.uid ? `-${opts.uid}` : ""}`,
        title: `Estate services: RED and saturation${opts.uid ? ` (${opts.uid})` : ""}`,
        description:
            "Per app: requests per second, 5xx ratio and latency of web apps from the edge (Traefik) and from the app (where it exports its own metrics), CPU against requests, memory against limits, replicas, restarts.",
        tags: ["red", "services"],
        panels: layout.panels,
    });
}

/** Backups and restore drills against the DR objectives. */
export function disasterRecoveryDashboard(opts: {
    datasource: DataSourceRef;
    objectives: { rpoMinutes: number; rtoMinutes: number };
    uid?: string;
}): DashboardModel {
    const layout = new Layout(opts.datasource);
    const m = BACKUP_METRICS;
    const rpo = opts.objectives.rpoMinutes * 60;
    const rto = opts.objectives.rtoMinutes * 60;
    layout.row(`Backups (RPO ${opts.objectives.rpoMinutes} min)`);
    layout.panel({
        type: "stat",
        title: "Newest backup age per database",
        description: "Time since the newest successful backup; red once it is older than the recovery point objective.",
        width: 24,
        height: 5,
        queries: [{ expr: `time() - max by (service, database) (${m.backupLastSuccess})`, legend: "{{service}}/{{database}}" }],
        unit: "s",
        threshold: rpo,
    });
    layout.panel({
        type: "stat",
        title: "Newest backup age per tier",
        description:
            "Time since the newest backup stored under each tier (daily every run; weekly, monthly, yearly on their day), from the per-tier series backup.sh pushes. EstateBackupTierTooOld fires past 8, 32 and 367 days.",
        width: 24,
        height: 5,
        queries: [{ expr: `time() - max by (service, database, tier) (${m.backupTierLastSuccess})`, legend: "{{service}}/{{database}} {{tier}}" }],
        unit: "s",
    });
    layout.panel({
        title: "Backup age",
        description: "Time since the last successful backup, per service and database; the red line is the RPO.",
        queries: [{ expr: `time() - max by (service, database) (${m.backupLastSuccess})`, legend: "{{service}}/{{database}}" }],
        unit: "s",
        threshold: rpo,
    });
    layout.panel({
        title: "Failed backup runs",
        description: "Databases whose last backup run failed (the job's exit code was not 0).",
        queries: [{ expr: `max by (service, database) (${m.backupLastRunSuccess} == 0)`, legend: "{{service}}/{{database}}" }],
    });
    layout.panel({
        title: "Backup size",
        queries: [{ expr: `max by (service, database) (${m.backupSize})`, legend: "{{service}}/{{database}}" }],
        unit: "bytes",
    });
    layout.panel({
        title: "Backup duration",
        queries: [{ expr: `max by (service, database) (${m.backupDuration})`, legend: "{{service}}/{{database}}" }],
        unit: "s",
    });
    layout.row(`Restore drills (RTO ${opts.objectives.rtoMinutes} min)`);
    layout.panel({
        type: "stat",
        title: "Last restore drill",
        queries: [{ expr: `min by (service, database) (${m.drillLastRunSuccess})`, legend: "{{service}}/{{database}}" }],
        mappings: [
            {
                type: "value",
                options: { "0": { text: "failed", color: "red", index: 0 }, "1": { text: "passed", color: "green", index: 1 } },
            },
        ],
        width: 12,
    });
    layout.panel({
        type: "stat",
        title: "Drill RTO / objective",
        description: "The last drill's time to restore against the recovery time objective; red above 100 %.",
        queries: [{ expr: `max by (service, database) (${m.drillRto}) / ${rto}`, legend: "{{service}}/{{database}}" }],
        unit: "percentunit",
        threshold: 1,
        width: 12,
    });
    layout.panel({
        title: "Drill RTO against the objective",
        description: "Time each drill took to restore; the red line is the RTO.",
        queries: [{ expr: `max by (service, database) (${m.drillRto})`, legend: "{{service}}/{{database}}" }],
        unit: "s",
        threshold: rto,
        width: 24,
    });
    return dashboard({
        uid: `estate-dr${opts.uid ? `-${opts.uid}` : ""}`,
        title: `Estate DR: backups and restore drills${opts.uid ? ` (${opts.uid})` : ""}`,
        description: "Backup freshness, size and duration per service and database, the newest backup of each tier; restore drills against the RTO.",
        tags: ["dr", "backups"],
        panels: layout.panels,
    });
}

/** Every query of a dashboard, with the panel it belongs to. */
export function queriesOf(model: DashboardModel): { panel: string; expr: string }[] {
    return model.panels.flatMap((p) => (p.type === "row" ? [] : p.targets.map((t) => ({ panel: p.title, expr: t.expr }))));
}
