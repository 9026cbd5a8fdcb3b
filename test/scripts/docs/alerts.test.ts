/**
 * docs/alerts.md: generated from the planned stacks' PrometheusRules and their Alertmanager routing,
 * and kept current by this test; the routing walk checked on the estate's own `alertmanagerConfig`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { alertmanagerConfig } from "../../../components/observability/chart-values";
import { ALERT_DOCS, alertDocs, matches, receiversFor, renderAlertDocs, type StackAlert, stackAlerts } from "../../../scripts/docs/alerts";
import { plainInputs } from "../../../scripts/engine/mock-engine";
import { stackNames } from "../../../scripts/engine/stacks";
import { plannedStack, root } from "../../helpers/plans";

const plan = async (stack: string) => (await plannedStack(stack)).resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r, "unwrap") }));

describe("docs/alerts.md", () => {
    it("is what the generator writes from the planned stacks", async () => {
        const committed = fs.readFileSync(path.join(root, ALERT_DOCS), "utf8");
        expect(committed === (await alertDocs(root, plan)), "docs/alerts.md is out of date: run npm run docs:alerts").toBe(true);
    });

    it("has a row for every alert of every stack, naming the stacks that have it", async () => {
        const committed = fs.readFileSync(path.join(root, ALERT_DOCS), "utf8");
        for (const stack of stackNames(root)) {
            const alerts = stackAlerts(stack, await plan(stack));
            expect(alerts.length, stack).toBeGreaterThan(0);
            for (const alert of new Set(alerts.map((a) => a.alert))) {
                const row = committed.split("\n").find((line) => line.startsWith(`| \`${alert}\` |`));
                expect(row, `${alert} (${stack})`).toBeDefined();
                expect(row!.split(" | ")[4], `${alert} (${stack})`).toMatch(new RegExp(`(^|, )${stack}( \\(\\d+\\))?(,|$)`));
            }
        }
    });
});

describe("the routing walk", () => {
    const both = alertmanagerConfig({ slack: { channel: "#alerts" }, pagerduty: true }).route;
    const route = both as Parameters<typeof receiversFor>[0];

    it("sends a critical alert to PagerDuty and Slack, a warning to Slack, the heartbeat to nobody", () => {
        expect(receiversFor(route, { alertname: "EstateBackupTooOld", severity: "critical" })).toEqual(["pagerduty", "slack"]);
        expect(receiversFor(route, { alertname: "EstateBackupFailed", severity: "warning" })).toEqual(["slack"]);
        expect(receiversFor(route, { alertname: "Watchdog", severity: "none" })).toEqual(["null"]);
    });

    it("sends everything to the only receiver configured, and to nobody without one", () => {
        const pagerOnly = alertmanagerConfig({ pagerduty: true }).route as Parameters<typeof receiversFor>[0];
        expect(receiversFor(pagerOnly, { alertname: "X", severity: "warning" })).toEqual(["pagerduty"]);
        const none = alertmanagerConfig({}).route as Parameters<typeof receiversFor>[0];
        expect(receiversFor(none, { alertname: "X", severity: "critical" })).toEqual(["null"]);
    });

    it("reads Alertmanager's matchers: equality, inequality and anchored regexes", () => {
        expect(matches('severity = "critical"', { severity: "critical" })).toBe(true);
        expect(matches('severity != "critical"', { severity: "critical" })).toBe(false);
        expect(matches('alertname =~ "Watchdog|InfoInhibitor"', { alertname: "InfoInhibitor" })).toBe(true);
        expect(matches('alertname =~ "Watch"', { alertname: "Watchdog" })).toBe(false);
        expect(matches('alertname !~ "Watch.*"', { alertname: "Watchdog" })).toBe(false);
        expect(() => matches("severity", {})).toThrow("unsupported Alertmanager matcher");
    });
});

describe("renderAlertDocs", () => {
    it("gives one row per alert name, with its groups, the stacks that have it and whom it reaches in each", () => {
        const alert = (stack: string, group: string, receivers: string[]): StackAlert => ({ stack, group, alert: "Down", severity: "critical", for: "5m", summary: "a|b is down", receivers });
        const text = renderAlertDocs([alert("dev", "estate-a", ["null"]), alert("prod", "estate-a", ["pagerduty", "slack"]), alert("prod", "estate-b", ["pagerduty", "slack"])], ["dev", "prod"]);
        expect(text).toContain("| `Down` | `estate-a`, `estate-b` | critical | 5m | dev, prod (2) | dev: nobody; prod: PagerDuty and Slack | a\\|b is down |");
    });
});
