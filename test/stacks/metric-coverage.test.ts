/**
 * "Every rule and panel queries series that some enabled exporter in the estate produces": every
 * stack is planned, every metric name its PrometheusRules and Grafana dashboards query is read with
 * Prometheus' PromQL grammar, and each must come from an exporter the stack scrapes
 * (components/observability/exporters, EXPORTERS) or from one of its recording rules.
 */
import { describe, expect, it } from "vitest";
import { EXPORTERS } from "../../components/observability/exporters";
import { nodeExporter } from "../../components/observability/exporters/node-exporter";
import { plainInputs } from "../../scripts/engine/mock-engine";
import { stackNames } from "../../scripts/engine/stacks";
import { coverageProblems, formatProblems, queriesOf, QUERY_HOLDERS } from "../../scripts/metrics/coverage";
import { plannedStack, root } from "../helpers/plans";

async function planned(stack: string) {
    const run = await plannedStack(stack);
    return run.resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r, "unwrap") }));
}

describe.each(stackNames(root))("stack %s", (stack) => {
    it("queries, in every rule and dashboard panel, only series an exporter it scrapes (or a recording rule) produces", async () => {
        const resources = await planned(stack);
        // The test sees what it checks: rules always, dashboards when the stack configures Grafana.
        expect(resources.some((r) => r.type === QUERY_HOLDERS.prometheusRule)).toBe(true);
        expect(queriesOf(resources).length).toBeGreaterThan(0);
        const problems = coverageProblems(resources, EXPORTERS);
        expect(problems, formatProblems(problems)).toEqual([]);
    });
});

describe.each(stackNames(root))("stack %s, given a rule on a node-exporter series", (stack) => {
    it("fails unless the stack scrapes the node exporter", async () => {
        const resources = await planned(stack);
        const extra = {
            type: QUERY_HOLDERS.prometheusRule,
            name: "rules-mutant",
            inputs: { spec: { groups: [{ name: "mutant", rules: [{ alert: "NodeBusy", expr: 'rate(node_cpu_seconds_total{mode="idle"}[5m]) < 0.1' }] }] } },
        };
        expect(coverageProblems([...resources, extra], EXPORTERS)).toEqual(
            nodeExporter.scrapedIn(resources)
                ? []
                : [{ metric: "node_cpu_seconds_total", where: "rule mutant/NodeBusy", problem: "produced by node-exporter, which this stack does not scrape" }],
        );
    });
});

it("sees the Grafana dashboards' panel queries of a stack that has them", async () => {
    // Dashboards exist where estate:grafana.url is set; at least one stack of the repository does.
    const all = await Promise.all(stackNames(root).map(planned));
    expect(all.some((resources) => queriesOf(resources).some((q) => q.where.startsWith("panel ")))).toBe(true);
});
