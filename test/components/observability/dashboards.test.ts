/**
 * The dashboards as Grafana receives them: valid dashboard JSON of the current schema (the
 * structure of Grafana's `kinds/dashboard` schema: uid, title, schemaVersion, panels with ids,
 * grid positions on the 24-column grid, data source references, queries with refIds), every
 * panel and query on the Prometheus data source, and every PromQL query parsed by promtool.
 */
import { describe, expect, it } from "vitest";
import { plannedStack } from "../../helpers/plans";
import { plainInputs } from "../../../scripts/engine/mock-engine";
import type { MonitoredService } from "../../../components/observability/alert-rules";
import { BACKUP_METRICS } from "../../../components/backup/metrics";
import {
    DASHBOARD_SCHEMA_VERSION,
    type DashboardModel,
    type DataSourceRef,
    disasterRecoveryDashboard,
    queriesOf,
    servicesDashboard,
} from "../../../components/observability/dashboards";
import { checkRules } from "./promtool";

const DATASOURCE: DataSourceRef = { type: "prometheus", uid: "estate-prometheus" };
const SERVICES: MonitoredService[] = [
    { name: "web", namespace: "apps", kind: "web", replicas: { min: 3, max: 10 } },
    { name: "worker", namespace: "apps", kind: "worker", replicas: { min: 2, max: 5 } },
];
const THRESHOLDS = { errorRatio: 0.02, latencyP95Seconds: 0.5, cpuRequestRatio: 1, memoryLimitRatio: 0.9 };

// Engine-free JSON, loosely typed at this boundary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const PANEL_TYPES = new Set(["timeseries", "stat", "row"]);

/**
 * Problems with a dashboard model against Grafana's dashboard schema, as the API stores it after
 * JSON serialization. Returns an empty list for a valid model.
 */
function schemaProblems(model: Json, datasource: DataSourceRef): string[] {
    const problems: string[] = [];
    const need = (ok: boolean, problem: string) => {
        if (!ok) problems.push(problem);
    };
    need(typeof model.uid === "string" && /^[a-zA-Z0-9_-]{1,40}$/.test(model.uid), `uid ${JSON.stringify(model.uid)} must be 1-40 of [a-zA-Z0-9_-]`);
    need(typeof model.title === "string" && model.title.length > 0, "title must be a non-empty string");
    need(model.schemaVersion === DASHBOARD_SCHEMA_VERSION, `schemaVersion must be ${DASHBOARD_SCHEMA_VERSION}`);
    need(model.id === undefined || model.id === null, "id must be left to Grafana");
    need(Array.isArray(model.tags) && model.tags.every((t: unknown) => typeof t === "string"), "tags must be strings");
    need(typeof model.time?.from === "string" && typeof model.time?.to === "string", "time must have from and to");
    need(Array.isArray(model.templating?.list), "templating.list must be a list");
    need(Array.isArray(model.annotations?.list), "annotations.list must be a list");
    need(Array.isArray(model.panels) && model.panels.length > 0, "panels must be a non-empty list");
    const ids = new Set<number>();
    const cells = new Map<string, number>();
    for (const panel of model.panels ?? []) {
        const where = `panel ${panel.id} (${panel.title})`;
        need(Number.isInteger(panel.id) && panel.id > 0 && !ids.has(panel.id), `${where}: id must be a unique positive integer`);
        ids.add(panel.id);
        need(PANEL_TYPES.has(panel.type), `${where}: type ${panel.type} is not a panel type the estate uses`);
        need(typeof panel.title === "string" && panel.title.length > 0, `${where}: title must be set`);
        const g = panel.gridPos ?? {};
        const ints = [g.h, g.w, g.x, g.y].every((n: unknown) => Number.isInteger(n));
        need(ints && g.h > 0 && g.w > 0 && g.w <= 24 && g.x >= 0 && g.x < 24 && g.x + g.w <= 24 && g.y >= 0, `${where}: gridPos must lie on the 24-column grid`);
        if (ints) {
            for (let y = g.y; y < g.y + g.h; y++) {
                for (let x = g.x; x < g.x + g.w; x++) {
                    const other = cells.get(`${x},${y}`);
                    need(other === undefined, `${where}: overlaps panel ${other}`);
                    cells.set(`${x},${y}`, panel.id);
                }
            }
        }
        if (panel.type === "row") {
            need(panel.targets === undefined && Array.isArray(panel.panels), `${where}: a row holds no queries`);
            continue;
        }
        need(JSON.stringify(panel.datasource) === JSON.stringify(datasource), `${where}: datasource must be ${JSON.stringify(datasource)}`);
        need(Array.isArray(panel.targets) && panel.targets.length > 0, `${where}: must have queries`);
        const refIds = new Set<string>();
        for (const target of panel.targets ?? []) {
            need(typeof target.refId === "string" && /^[A-Z]$/.test(target.refId) && !refIds.has(target.refId), `${where}: refIds must be unique letters`);
            refIds.add(target.refId);
            need(JSON.stringify(target.datasource) === JSON.stringify(datasource), `${where} ${target.refId}: datasource must be ${JSON.stringify(datasource)}`);
            need(typeof target.expr === "string" && target.expr.length > 0, `${where} ${target.refId}: expr must be PromQL`);
        }
        need(Array.isArray(panel.fieldConfig?.overrides) && typeof panel.fieldConfig?.defaults === "object", `${where}: fieldConfig must have defaults and overrides`);
        const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
        need(steps.length > 0 && steps[0].value === null, `${where}: the first threshold step is the base (value null)`);
    }
    return problems;
}

/** `$__rate_interval` is Grafana's; it interpolates it before Prometheus sees the query. */
const asPrometheusSees = (expr: string) => expr.replaceAll("$__rate_interval", "5m");

function parseWithPromtool(model: DashboardModel): { status: number | null; output: string } {
    const queries = queriesOf(model);
    return checkRules([{ name: model.uid, rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: asPrometheusSees(q.expr) })) }]);
}

const DASHBOARDS: [string, DashboardModel][] = [
    ["services (RED)", servicesDashboard({ services: SERVICES, datasource: DATASOURCE, thresholds: THRESHOLDS, uid: "prod" })],
    ["DR", disasterRecoveryDashboard({ datasource: DATASOURCE, objectives: { rpoMinutes: 15, rtoMinutes: 60 }, uid: "prod" })],
];

describe.each(DASHBOARDS)("the %s dashboard", (_, model) => {
    it("is valid dashboard JSON of the current schema, every panel and query on the Prometheus data source", () => {
        const json = JSON.parse(JSON.stringify(model)) as Json;
        expect(json).toEqual(model);
        expect(schemaProblems(json, DATASOURCE)).toEqual([]);
    });

    it("has only PromQL that promtool parses", () => {
        const result = parseWithPromtool(model);
        expect(result.output).toContain(`SUCCESS: ${queriesOf(model).length} rules found`);
        expect(result.status, result.output).toBe(0);
    });
});

describe("the dashboards the prod estate uploads", () => {
    it("pass the same checks, on the data source it creates", async () => {
        const run = await plannedStack("prod");
        const datasource = plainInputs(run.resources.find((r) => r.type === "grafana:oss/dataSource:DataSource")!, "unwrap") as { uid: string };
        const uploaded = run.resources.filter((r) => r.type === "grafana:oss/dashboard:Dashboard");
        expect(uploaded).toHaveLength(2);
        for (const resource of uploaded) {
            const model = JSON.parse((plainInputs(resource, "unwrap") as { configJson: string }).configJson) as DashboardModel;
            expect(schemaProblems(model, { type: "prometheus", uid: datasource.uid }), resource.name).toEqual([]);
            expect(parseWithPromtool(model).status, resource.name).toBe(0);
        }
    });
});

describe("the dashboard checks themselves", () => {
    it("find a panel on another data source, overlapping panels and an old schema", () => {
        const model = JSON.parse(JSON.stringify(DASHBOARDS[0]![1])) as Json;
        model.schemaVersion = 16;
        model.panels[1].datasource = { type: "prometheus", uid: "default" };
        model.panels[2].gridPos = { ...model.panels[1].gridPos };
        const problems = schemaProblems(model, DATASOURCE);
        expect(problems).toContain(`schemaVersion must be ${DASHBOARD_SCHEMA_VERSION}`);
        expect(problems.some((p) => p.includes("datasource must be"))).toBe(true);
        expect(problems.some((p) => p.includes("overlaps panel"))).toBe(true);
    });

    it("and promtool refuses a query that does not parse", () => {
        const model = JSON.parse(JSON.stringify(DASHBOARDS[1]![1])) as DashboardModel;
        const panel = model.panels.find((p) => p.type !== "row")!;
        panel.targets[0]!.expr = "sum by (service (estate_backup_size_bytes)";
        expect(parseWithPromtool(model).status).not.toBe(0);
    });
});

describe("what the dashboards show", () => {
    it("RED per web app from the edge and from the app, saturation, replicas and restarts per app, under a row each", () => {
        const model = DASHBOARDS[0]![1];
        expect(model.uid).toBe("estate-services-prod");
        expect(model.panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual(["apps/web (web)", "apps/worker (worker)"]);
        const titles = model.panels.filter((p) => p.type !== "row").map((p) => p.title);
        expect(titles.filter((t) => t.startsWith("web:"))).toEqual([
            "web: requests per second (edge)",
            "web: 5xx ratio (edge)",
            "web: latency (edge)",
            "web: requests per second (app)",
            "web: 5xx ratio (app)",
            "web: latency (app)",
            "web: CPU used / requested",
            "web: memory used / limit",
            "web: replicas",
            "web: restarts (15 min)",
        ]);
        expect(titles.filter((t) => t.startsWith("worker:") && t.includes("5xx"))).toEqual([]);
        for (const view of ["edge", "app"]) {
            const errors = model.panels.find((p) => p.title === `web: 5xx ratio (${view})`)!;
            expect(errors.type !== "row" && errors.fieldConfig.defaults.thresholds!.steps).toEqual([
                { color: "green", value: null },
                { color: "red", value: 0.02 },
            ]);
        }
    });

    it("reads the edge view from Traefik's series of the app's Ingress backend, and the app view from the app's own", () => {
        const model = DASHBOARDS[0]![1];
        const exprs = (title: string) => queriesOf(model).filter((q) => q.panel === title).map((q) => q.expr);
        expect(exprs("web: requests per second (edge)")).toEqual(['sum by (code) (rate(traefik_service_requests_total{service="apps-web-http@kubernetes"}[$__rate_interval]))']);
        expect(exprs("web: latency (edge)")[0]).toBe(
            'histogram_quantile(0.95, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{service="apps-web-http@kubernetes"}[$__rate_interval])))',
        );
        expect(exprs("web: requests per second (app)")).toEqual(['sum by (code) (rate(http_requests_total{namespace="apps", service="web"}[$__rate_interval]))']);
    });

    it("shows only the edge view of an app that exports no request metrics (httpMetrics false)", () => {
        const model = servicesDashboard({ services: [{ ...SERVICES[0]!, httpMetrics: false }], datasource: DATASOURCE, thresholds: THRESHOLDS });
        const titles = model.panels.filter((p) => p.type !== "row").map((p) => p.title);
        expect(titles.slice(0, 4)).toEqual(["web: requests per second (edge)", "web: 5xx ratio (edge)", "web: latency (edge)", "web: CPU used / requested"]);
        expect(queriesOf(model).map((q) => q.expr).join("\n")).not.toContain("http_requests_total");
        expect(schemaProblems(JSON.parse(JSON.stringify(model)), DATASOURCE)).toEqual([]);
    });

    it("DR: backup freshness against the RPO, sizes, durations, drills against the RTO, from the backup metrics", () => {
        const model = DASHBOARDS[1]![1];
        const exprs = queriesOf(model).map((q) => q.expr).join("\n");
        // The names the backup and drill scripts push (test/scripts/backup checks the scripts against BACKUP_METRICS).
        const m = BACKUP_METRICS;
        for (const metric of [m.backupLastSuccess, m.backupLastRunSuccess, m.backupSize, m.backupDuration, m.drillLastRunSuccess, m.drillRto]) {
            expect(exprs).toContain(metric);
        }
        // The newest backup of each tier, from the per-tier groups backup.sh pushes.
        const tiers = model.panels.find((p) => p.title === "Newest backup age per tier")!;
        expect(tiers.type !== "row" && tiers.targets.map((t) => t.expr)).toEqual([`time() - max by (service, database, tier) (${m.backupTierLastSuccess})`]);
        const age = model.panels.find((p) => p.title === "Newest backup age per database")!;
        expect(age.type !== "row" && age.fieldConfig.defaults.thresholds!.steps.at(-1)).toEqual({ color: "red", value: 900 });
        const rto = model.panels.find((p) => p.title === "Drill RTO against the objective")!;
        expect(rto.type !== "row" && rto.fieldConfig.defaults.thresholds!.steps.at(-1)).toEqual({ color: "red", value: 3600 });
    });
});
