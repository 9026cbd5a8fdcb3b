/**
 * `npm run docs:alerts [-- --check]`: writes docs/alerts.md, every alert the stacks' PrometheusRules
 * define (group, severity, `for`, who it reaches, what it means), from the planned stacks
 * themselves: each stack of the repository (`Pulumi.<stack>.yaml`) is planned, its rules read,
 * and each alert routed through the Alertmanager configuration the stack gives kube-prometheus-stack
 * (components/observability/chart-values.ts `alertmanagerConfig`). With `--check`, only reports
 * (exit 1) whether the committed file is stale.
 */
import { charts } from "../../components/lib/charts";
import { releaseValues } from "../../components/observability/exporters/planned";
import type { PlannedResource } from "../../components/observability/exporters/types";
import { planStack } from "../cli";
import { plainInputs } from "../engine/mock-engine";
import { stackNames } from "../engine/stacks";
import { ruleGroupsOf } from "../metrics/coverage";
import { cell, writeOrCheck } from "./output";

export const ALERT_DOCS = "docs/alerts.md";

/** One alerting rule of one stack, with the receivers Alertmanager sends it to. */
export interface StackAlert {
    stack: string;
    group: string;
    alert: string;
    severity: string;
    for?: string;
    summary: string;
    /** Receiver names, in routing order (`null` means nobody). */
    receivers: string[];
}

interface Route {
    receiver?: string;
    matchers?: string[];
    continue?: boolean;
    routes?: Route[];
}

/**
 * Whether an Alertmanager matcher (`name = "value"`, `!=`, `=~`, `!~`; regexes anchored, as
 * Alertmanager anchors them: prometheus/alertmanager docs/configuration.md, "Matchers") holds for
 * the labels.
 */
export function matches(matcher: string, labels: Record<string, string>): boolean {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(matcher);
    if (!m) {
        throw new Error(`unsupported Alertmanager matcher ${JSON.stringify(matcher)}`);
    }
    const [, name, op, raw] = m as unknown as [string, string, string, string];
    const value = JSON.parse(`"${raw}"`) as string;
    const actual = labels[name] ?? "";
    switch (op) {
        case "=":
            return actual === value;
        case "!=":
            return actual !== value;
        case "=~":
            return new RegExp(`^(?:${value})$`).test(actual);
        default:
            return !new RegExp(`^(?:${value})$`).test(actual);
    }
}

/**
 * The receivers an alert with `labels` reaches through `route`, as Alertmanager walks the tree:
 * the children in order, each matching child's own receivers, stopping after the first match
 * unless it says `continue`; the route's own receiver when no child matched.
 */
export function receiversFor(route: Route, labels: Record<string, string>): string[] {
    const found: string[] = [];
    for (const child of route.routes ?? []) {
        if ((child.matchers ?? []).every((m) => matches(m, labels))) {
            found.push(...receiversFor({ receiver: route.receiver, ...child }, labels));
            if (!child.continue) {
                break;
            }
        }
    }
    return found.length > 0 ? found : [route.receiver ?? "null"];
}

/** Every alerting rule of a planned stack, routed through its Alertmanager configuration. */
export function stackAlerts(stack: string, resources: readonly PlannedResource[]): StackAlert[] {
    const values = releaseValues(resources, charts.kubePrometheusStack.chart);
    const route = (values?.alertmanager as { config?: { route?: Route } } | undefined)?.config?.route;
    return ruleGroupsOf(resources).flatMap((group) =>
        group.rules.flatMap((rule) => {
            if (!rule.alert) {
                return [];
            }
            const labels = { alertname: rule.alert, ...(rule.labels ?? {}) };
            return [
                {
                    stack,
                    group: group.name,
                    alert: rule.alert,
                    severity: rule.labels?.severity ?? "",
                    for: rule.for,
                    summary: rule.annotations?.summary ?? "",
                    receivers: route ? [...new Set(receiversFor(route, labels))] : [],
                },
            ];
        }),
    );
}

const RECEIVER_NAMES: Record<string, string> = { pagerduty: "PagerDuty", slack: "Slack", null: "nobody" };

function reach(receivers: readonly string[]): string {
    if (receivers.length === 0) {
        return "no Alertmanager";
    }
    return [...receivers]
        .map((r) => RECEIVER_NAMES[r] ?? r)
        .sort()
        .join(" and ");
}

const distinct = (values: readonly string[]) => [...new Set(values)];

/**
 * The Markdown of docs/alerts.md: one row per alert name (the same alert of several services or
 * databases is one row), the rule groups that define it, the stacks that have it and whom it
 * reaches in each.
 */
export function renderAlertDocs(alerts: readonly StackAlert[], stacks: readonly string[]): string {
    const names = distinct(alerts.map((a) => a.alert));
    const lines = [
        "# Alerts",
        "",
        "<!-- Generated by `npm run docs:alerts` from the planned stacks: do not edit by hand. -->",
        "",
        `Every alert the estate's own PrometheusRules define, in the stacks ${stacks.map((s) => `\`${s}\``).join(", ")}:`,
        "the rule groups that hold it, its severity, how long the condition must hold (`for`), the stacks",
        "that have it (with the number of instances when it is defined once per service or database), whom",
        "Alertmanager sends it to in each stack, and what it means (the summary of its first instance;",
        "`{{ ... }}` is filled in from the series).",
        "",
        "Routing (`alertmanagerConfig` in components/observability/chart-values.ts): every alert goes to",
        "Slack when `estate:alerting.slack` is configured, and `severity=\"critical\"` also to PagerDuty",
        "when `estate:alerting.pagerduty` is; with neither, to nobody (Alertmanager's `null` receiver).",
        "A critical alert silences the warnings of the same name and namespace. The chart's own default",
        "rules (kube-prometheus-stack `defaultRules`) are not listed: they come with the chart. The",
        "managed databases are watched by CloudWatch alarms instead, routed the same way through SNS",
        "(critical ones page): [alarms.md](alarms.md).",
        "",
        "| alert | groups | severity | for | stacks | reaches | what it means |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ];
    for (const name of names) {
        const instances = alerts.filter((a) => a.alert === name);
        const inStacks = stacks
            .map((s) => ({ stack: s, count: instances.filter((a) => a.stack === s).length }))
            .filter((s) => s.count > 0)
            .map((s) => (s.count > 1 ? `${s.stack} (${s.count})` : s.stack));
        const reaches = stacks.flatMap((s) => {
            const own = instances.filter((a) => a.stack === s);
            return own.length > 0 ? [`${s}: ${distinct(own.map((a) => reach(a.receivers))).join(" or ")}`] : [];
        });
        const durations = distinct(instances.map((a) => a.for ?? "")).filter((f) => f !== "");
        lines.push(
            `| \`${name}\` | ${distinct(instances.map((a) => `\`${a.group}\``)).join(", ")} | ${distinct(instances.map((a) => a.severity)).join(", ")} | ${durations.join(", ") || "-"} | ${inStacks.join(", ")} | ${cell(reaches.join("; "))} | ${cell(instances[0]!.summary)} |`,
        );
    }
    return `${lines.join("\n")}\n`;
}

/** Plans every stack of the repository and collects its alerts. */
export async function collectAlerts(root: string, plan: (stack: string) => Promise<readonly PlannedResource[]>): Promise<{ alerts: StackAlert[]; stacks: string[] }> {
    const stacks = stackNames(root);
    const alerts: StackAlert[] = [];
    for (const stack of stacks) {
        alerts.push(...stackAlerts(stack, await plan(stack)));
    }
    return { alerts, stacks };
}

/** A stack as the engine would see it on `pulumi up`, reduced to what the docs read. */
export async function plannedResources(root: string, stack: string): Promise<PlannedResource[]> {
    const run = await planStack(root, { stack });
    if (run.error) {
        throw run.error instanceof Error ? run.error : new Error(String(run.error));
    }
    return run.resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r, "unwrap") }));
}

export async function alertDocs(root: string, plan: (stack: string) => Promise<readonly PlannedResource[]> = (s) => plannedResources(root, s)): Promise<string> {
    const { alerts, stacks } = await collectAlerts(root, plan);
    return renderAlertDocs(alerts, stacks);
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const root = process.cwd();
    const text = await alertDocs(root);
    return writeOrCheck(root, ALERT_DOCS, "docs:alerts", argv, () => text);
}
