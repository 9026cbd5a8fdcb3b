/**
 * Which series the estate queries, and whether something in the stack produces them: every
 * PrometheusRule's expressions and every Grafana dashboard's panel queries of a planned stack,
 * read with Prometheus' own PromQL grammar (`@prometheus-io/lezer-promql`, the parser of the
 * Prometheus web UI: prometheus/prometheus web/ui/module/lezer-promql), against the catalogues of
 * the exporters the stack scrapes (components/observability/exporters). A recording rule's output
 * counts as produced. Used by test/stacks/metric-coverage.test.ts and `npm run docs:alerts`.
 */
import { parser } from "@prometheus-io/lezer-promql";
import type { SyntaxNode } from "@lezer/common";
import type { ExporterCatalogue, PlannedResource } from "../../components/observability/exporters/types";

/** The Pulumi type tokens of what holds queries in a planned stack. */
export const QUERY_HOLDERS = {
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    // @pulumiverse/grafana: node_modules/@pulumiverse/grafana/oss/dashboard.js registers "grafana:oss/dashboard:Dashboard".
    dashboard: "grafana:oss/dashboard:Dashboard",
} as const;

/** A rule of a PrometheusRule, as the estate writes them (prometheus-operator's `Rule`). */
export interface PlannedRule {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface PlannedRuleGroup {
    name: string;
    rules: PlannedRule[];
}

/** One query of the stack and where it is: `rule estate-dr-backups/EstateBackupTooOld` or `panel estate-dr-prod/Backup age`. */
export interface Query {
    where: string;
    expr: string;
}

/** A metric name a query selects, or a selector that names no metric (`{job="x"}`, `{__name__=~"..."}`): unverifiable. */
export interface Selected {
    metrics: string[];
    /** Selectors that name no metric by equality: the checker cannot tell what they read. */
    unnamed: string[];
    /** Parse errors, with the offending text. */
    errors: string[];
}

/**
 * Grafana's built-in interval variables (`$__rate_interval`, ...) stand in for durations; they are
 * not PromQL, so a duration replaces them before parsing. Template variables in label values are
 * inside string literals and parse as they are.
 */
function withoutGrafanaVariables(expr: string): string {
    return expr.replace(/\$__(rate_interval|interval|range|range_s|range_ms|interval_ms)\b|\$\{__(rate_interval|interval|range)\}/g, "5m");
}

function text(expr: string, node: SyntaxNode): string {
    return expr.slice(node.from, node.to);
}

/** The metric names a PromQL expression selects (vector and matrix selectors), with Prometheus' grammar. */
export function selectedMetrics(source: string): Selected {
    const expr = withoutGrafanaVariables(source);
    const metrics = new Set<string>();
    const unnamed: string[] = [];
    const errors: string[] = [];
    const tree = parser.parse(expr);
    tree.iterate({
        enter(ref) {
            if (ref.type.isError) {
                errors.push(`cannot parse ${JSON.stringify(source)} at ${ref.from}: ${JSON.stringify(expr.slice(Math.max(0, ref.from - 10), ref.to + 10))}`);
                return false;
            }
            if (ref.name !== "VectorSelector") {
                return undefined;
            }
            const node = ref.node;
            const identifier = node.getChild("Identifier");
            if (identifier) {
                metrics.add(text(expr, identifier));
                return false;
            }
            // `{__name__="x"}`: the name as a label matcher.
            const matchers = node.getChild("LabelMatchers");
            const byName = matchers
                ?.getChildren("UnquotedLabelMatcher")
                .find((m) => m.getChild("LabelName") && text(expr, m.getChild("LabelName")!) === "__name__");
            const op = byName?.getChild("MatchOp");
            const value = byName?.getChild("StringLiteral");
            if (byName && op && value && text(expr, op) === "=") {
                metrics.add(JSON.parse(text(expr, value).replace(/^'|'$/g, '"')) as string);
            } else {
                unnamed.push(text(expr, node));
            }
            return false;
        },
    });
    return { metrics: [...metrics].sort(), unnamed, errors };
}

/** A resource's plain inputs as the checker needs them (see `PlannedResource`). */
function inputsOf(r: PlannedResource): Record<string, unknown> {
    return r.inputs;
}

/** Every rule group of the stack's PrometheusRules. */
export function ruleGroupsOf(resources: readonly PlannedResource[]): PlannedRuleGroup[] {
    return resources
        .filter((r) => r.type === QUERY_HOLDERS.prometheusRule)
        .flatMap((r) => ((inputsOf(r).spec as { groups?: PlannedRuleGroup[] } | undefined)?.groups ?? []));
}

/** Every query of the stack: each rule's `expr`, each dashboard panel target's `expr`. */
export function queriesOf(resources: readonly PlannedResource[]): Query[] {
    const rules = ruleGroupsOf(resources).flatMap((g) => g.rules.map((r) => ({ where: `rule ${g.name}/${r.alert ?? r.record}`, expr: r.expr })));
    const panels = resources
        .filter((r) => r.type === QUERY_HOLDERS.dashboard)
        .flatMap((r) => {
            const configJson = inputsOf(r).configJson;
            if (typeof configJson !== "string") {
                return [];
            }
            const model = JSON.parse(configJson) as { uid?: string; panels?: DashboardPanel[] };
            return (model.panels ?? []).flatMap((p) => panelQueries(model.uid ?? r.name, p));
        });
    return [...rules, ...panels];
}

interface DashboardPanel {
    title?: string;
    targets?: { expr?: string }[];
    panels?: DashboardPanel[];
}

function panelQueries(uid: string, panel: DashboardPanel): Query[] {
    const own = (panel.targets ?? []).flatMap((t) => (typeof t.expr === "string" && t.expr !== "" ? [{ where: `panel ${uid}/${panel.title ?? "?"}`, expr: t.expr }] : []));
    return [...own, ...(panel.panels ?? []).flatMap((p) => panelQueries(uid, p))];
}

/** The series recording rules write: produced in the stack whatever scrapes it. */
export function recordedMetrics(resources: readonly PlannedResource[]): string[] {
    return ruleGroupsOf(resources).flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : [])));
}

/** Whether a catalogue entry (`name`, or `prefix_*`) produces `metric`. */
function produces(entry: string, metric: string): boolean {
    return entry.endsWith("*") ? metric.startsWith(entry.slice(0, -1)) : entry === metric;
}

export interface CoverageProblem {
    /** The metric no scraped exporter produces, or the unverifiable selector / parse error. */
    metric: string;
    /** The rule or panel that queries it. */
    where: string;
    /** What is wrong, for the message. */
    problem: string;
}

/**
 * Every metric the stack's rules and panels query that no exporter it scrapes produces (nor a
 * recording rule). A metric an exporter produces but the stack does not scrape names that exporter.
 */
export function coverageProblems(resources: readonly PlannedResource[], exporters: readonly ExporterCatalogue[]): CoverageProblem[] {
    const scraped = exporters.filter((e) => e.scrapedIn(resources));
    const unscraped = exporters.filter((e) => !scraped.includes(e));
    const recorded = new Set(recordedMetrics(resources));
    const problems: CoverageProblem[] = [];
    for (const q of queriesOf(resources)) {
        const selected = selectedMetrics(q.expr);
        for (const error of selected.errors) {
            problems.push({ metric: "(parse error)", where: q.where, problem: error });
        }
        for (const selector of selected.unnamed) {
            problems.push({ metric: selector, where: q.where, problem: "a selector with no metric name: nothing can tell which exporter it reads" });
        }
        for (const metric of selected.metrics) {
            if (recorded.has(metric) || scraped.some((e) => e.metrics.some((m) => produces(m, metric)))) {
                continue;
            }
            const elsewhere = unscraped.filter((e) => e.metrics.some((m) => produces(m, metric))).map((e) => e.name);
            problems.push({
                metric,
                where: q.where,
                problem: elsewhere.length > 0 ? `produced by ${elsewhere.join(", ")}, which this stack does not scrape` : "no exporter in the catalogue produces it",
            });
        }
    }
    return problems;
}

/** One line per problem: `<metric> (<rule or panel>): <problem>`. */
export function formatProblems(problems: readonly CoverageProblem[]): string {
    return problems.map((p) => `${p.metric} (${p.where}): ${p.problem}`).join("\n");
}
