/**
 * The Alertmanager configuration the estate renders, checked by the real amtool (Debian's
 * `prometheus-alertmanager` package; `.ci/run` installs it): it loads, and alerts are routed to
 * the receivers docs/observability.md promises.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { type ReceiverSettings, alertmanagerConfig } from "../../../components/observability/chart-values";
import { workDir } from "./promtool";

function amtool(config: unknown, args: string[]): { status: number | null; stdout: string; output: string } {
    const dir = workDir();
    const file = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(file, stringify(config));
    const result = spawnSync("amtool", [...args.map((a) => a.replace("$CONFIG", file))], { encoding: "utf8" });
    if (result.error) {
        throw new Error(`cannot run amtool (apt-get install prometheus-alertmanager): ${result.error.message}`);
    }
    return { status: result.status, stdout: result.stdout.trim(), output: `${result.stdout}${result.stderr}` };
}

/** The receivers an alert with these labels goes to. */
function routeOf(config: unknown, labels: Record<string, string>): string {
    const result = amtool(config, ["config", "routes", "test", "--config.file=$CONFIG", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
    expect(result.status, result.output).toBe(0);
    return result.stdout;
}

const SETUPS: [string, ReceiverSettings][] = [
    ["no receiver", {}],
    ["Slack", { slack: { channel: "#shop-alerts" } }],
    ["PagerDuty", { pagerduty: true }],
    ["Slack and PagerDuty", { slack: { channel: "#shop-alerts" }, pagerduty: true }],
];

describe.each(SETUPS)("Alertmanager's configuration with %s", (_, receivers) => {
    it("passes amtool check-config", () => {
        const result = amtool(alertmanagerConfig(receivers), ["check-config", "$CONFIG"]);
        expect(result.output).toContain("SUCCESS");
        expect(result.status, result.output).toBe(0);
    });
});

describe("how alerts reach people (amtool config routes test)", () => {
    const critical = { alertname: "EstateServiceErrorRatioHigh", severity: "critical", namespace: "apps", service: "web" };
    const warning = { alertname: "EstateServiceLatencyHigh", severity: "warning", namespace: "apps", service: "web" };
    const watchdog = { alertname: "Watchdog", severity: "none" };

    it.each([
        ["Slack and PagerDuty", SETUPS[3]![1], { critical: "pagerduty,slack", warning: "slack", watchdog: "null" }],
        ["Slack only", SETUPS[1]![1], { critical: "slack", warning: "slack", watchdog: "null" }],
        ["PagerDuty only", SETUPS[2]![1], { critical: "pagerduty", warning: "pagerduty", watchdog: "null" }],
        ["no receiver", SETUPS[0]![1], { critical: "null", warning: "null", watchdog: "null" }],
    ] as const)("%s: critical, warning and the Watchdog heartbeat", (_, receivers, expected) => {
        const config = alertmanagerConfig(receivers);
        expect(routeOf(config, critical)).toBe(expected.critical);
        expect(routeOf(config, warning)).toBe(expected.warning);
        expect(routeOf(config, watchdog)).toBe(expected.watchdog);
    });

    it("reports an app's errors and slowness once: the edge's alert silences the app's own of the same kind, for the same app only", () => {
        const rules = alertmanagerConfig(SETUPS[3]![1]).inhibit_rules;
        expect(rules).toContainEqual({ source_matchers: ['alertname = "EstateServiceEdgeErrorRatioHigh"'], target_matchers: ['alertname = "EstateServiceErrorRatioHigh"'], equal: ["namespace", "service"] });
        expect(rules).toContainEqual({ source_matchers: ['alertname = "EstateServiceEdgeLatencyHigh"'], target_matchers: ['alertname = "EstateServiceLatencyHigh"'], equal: ["namespace", "service"] });
    });

    it("names credential files, never credentials", () => {
        const config = alertmanagerConfig(SETUPS[3]![1]);
        const text = JSON.stringify(config);
        expect(text).toContain('"api_url_file":"/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url"');
        expect(text).toContain('"routing_key_file":"/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key"');
        expect(text).not.toMatch(/"api_url"|"routing_key"|"service_key"/);
    });

    it("amtool refuses a configuration whose route names a missing receiver (the check can fail)", () => {
        const config = alertmanagerConfig(SETUPS[1]![1]);
        config.route.receiver = "teams";
        expect(amtool(config, ["check-config", "$CONFIG"]).status).not.toBe(0);
    });
});
