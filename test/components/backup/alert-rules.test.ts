/**
 * The DR alert rules, checked by the tool that consumes them: `promtool check rules` on the rules
 * rendered for each example stack's objectives, and `promtool test rules` for each alert firing
 * and staying silent on synthetic Pushgateway series.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type AlertRule, type BackupTarget, DR_ALERTS, drAlertRules, renderRulesFile, type RuleGroup } from "../../../components/backup/alert-rules";
import { parseEstateConfig } from "../../../infra/config";
import { loadStackConfig } from "../../../scripts/engine/stack-config";

const root = path.resolve(__dirname, "../../..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "estate-rules-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));


const shop: BackupTarget = { service: "app-db", database: "shop", engine: "postgres", backupIntervalMinutes: 1440 };
const sessions: BackupTarget = { service: "sessions", database: "all", engine: "redis", backupIntervalMinutes: 60, drillIntervalDays: 7 };

function promtool(...args: string[]): { status: number | null; output: string } {
    const result = spawnSync("promtool", args, { cwd: work, encoding: "utf8" });
    if (result.error) {
        throw new Error(`promtool is not installed (apt-get install prometheus): ${result.error.message}`);
    }
    return { status: result.status, output: result.stdout + result.stderr };
}

function writeRules(name: string, groups: RuleGroup[]): string {
    const file = path.join(work, name);
    fs.writeFileSync(file, renderRulesFile(groups));
    return file;
}

/** What Prometheus' `humanizeDuration` prints for whole seconds >= 60, e.g. `1d 1h 0m 1s`. */
function humanizeDuration(seconds: number): string {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return d > 0 ? `${d}d ${h}h ${m}m ${s}s` : h > 0 ? `${h}h ${m}m ${s}s` : `${m}m ${s}s`;
}

function ruleOf(groups: RuleGroup[], alert: string, target: BackupTarget): AlertRule {
    const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alert && r.labels.service === target.service && r.labels.database === target.database);
    if (!rule) {
        throw new Error(`no ${alert} for ${target.service}/${target.database}`);
    }
    return rule;
}

/** The alert as promtool reports it: the series' labels, the rule's labels, rendered annotations. */
function expAlert(rule: AlertRule, seriesLabels: Record<string, string>, value?: number) {
    const annotations = Object.fromEntries(
        Object.entries(rule.annotations).map(([k, v]) => [k, value === undefined ? v : v.replace("{{ $value | humanizeDuration }}", humanizeDuration(value))]),
    );
    return { exp_labels: { ...seriesLabels, ...rule.labels }, exp_annotations: annotations };
}

/** An alert on a series with one more label (`kind`, `objective`), its annotations rendered with it and the value. */
function labelledAlert(rule: AlertRule, seriesLabels: Record<string, string>, extra: Record<string, string>, value?: number) {
    const render = (v: string) =>
        Object.entries(extra).reduce((text, [k, x]) => text.replaceAll(`{{ $labels.${k} }}`, x), v).replaceAll("{{ $value }}", value === undefined ? "{{ $value }}" : String(value));
    return {
        exp_labels: { ...seriesLabels, ...extra, ...rule.labels },
        exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])),
    };
}
const storeAlert = (rule: AlertRule, seriesLabels: Record<string, string>, kind: string, value: number) => labelledAlert(rule, seriesLabels, { kind }, value);

const series = (metric: string, job: string, target: BackupTarget) =>
    `${metric}{job="${job}",service="${target.service}",database="${target.database}",engine="${target.engine}",instance=""}`;
const seriesLabels = (job: string, target: BackupTarget) => ({ job, service: target.service, database: target.database, engine: target.engine });

describe("drAlertRules", () => {
    it("gives each target the backup and drill alerts, with thresholds from its schedule and the RTO objective", () => {
        const groups = drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [shop, sessions]);
        expect(groups.map((g) => g.name)).toEqual(["estate-dr-backups", "estate-dr-drills"]);
        expect(groups[0]!.rules.map((r) => `${r.alert} ${r.labels.service}`)).toEqual([
            "EstateBackupTooOld app-db",
            "EstateBackupMissing app-db",
            "EstateBackupFailed app-db",
            "EstateBackupTierTooOld app-db",
            "EstateBackupTooOld sessions",
            "EstateBackupMissing sessions",
            "EstateBackupFailed sessions",
            "EstateBackupTierTooOld sessions",
        ]);
        // Weekly, monthly and yearly tiers: their period plus a day, each in its own group (tier label).
        expect(ruleOf(groups, DR_ALERTS.tierTooOld, shop).expr).toBe(
            [["weekly", 8], ["monthly", 32], ["yearly", 367]]
                .map(([tier, days]) => `(time() - estate_backup_tier_last_success_timestamp_seconds{job="estate_backup",service="app-db",database="shop",tier="${tier}"} > ${Number(days) * 86400})`)
                .join(" or "),
        );
        // daily + 1h grace = 25h; hourly + 1h = 2h; RTO 60 min; drills monthly (31 d) or weekly, + 1 day.
        expect(ruleOf(groups, DR_ALERTS.backupTooOld, shop).expr).toBe(
            'time() - estate_backup_last_success_timestamp_seconds{job="estate_backup",service="app-db",database="shop"} > 90000',
        );
        expect(ruleOf(groups, DR_ALERTS.backupTooOld, sessions).expr).toContain("> 7200");
        expect(ruleOf(groups, DR_ALERTS.backupMissing, shop).for).toBe("25h");
        expect(ruleOf(groups, DR_ALERTS.drillRtoAboveObjective, shop).expr).toBe(
            'estate_restore_drill_rto_seconds{job="estate_restore_drill",service="app-db",database="shop"} > 3600',
        );
        expect(ruleOf(groups, DR_ALERTS.drillOverdue, shop).expr).toContain(`> ${32 * 86400}`);
        expect(ruleOf(groups, DR_ALERTS.drillMissing, sessions).for).toBe("8d");
        expect(groups[1]!.rules.filter((r) => r.labels.service === "app-db").map((r) => r.alert)).toEqual([
            "EstateRestoreDrillFailed",
            "EstateRestoreDrillRtoAboveObjective",
            "EstateRestoreDrillOverdue",
            "EstateBackupStoreInconsistent",
            "EstateRestoreDrillObjectiveUnmet",
            "EstateRestoreDrillMissing",
        ]);
        expect(ruleOf(groups, DR_ALERTS.storeInconsistent, shop).expr).toBe(
            'estate_restore_drill_store_inconsistencies{job="estate_restore_drill",service="app-db",database="shop"} > 0',
        );
        expect(ruleOf(groups, DR_ALERTS.objectiveUnmet, shop).expr).toBe('estate_restore_drill_objectives_met{job="estate_restore_drill",service="app-db",database="shop"} == 0');
    });

    it("rejects invalid objectives and targets, naming the argument", () => {
        expect(() => drAlertRules({ rpoMinutes: 15, rtoMinutes: 0 }, [shop])).toThrow("drAlertRules: objectives.rtoMinutes must be an integer >= 1 (got 0)");
        expect(() => drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [{ ...shop, service: 'x"}' }])).toThrow("targets[0].service must be 1-63 letters");
        expect(() => drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [shop, shop])).toThrow("targets[1] duplicates app-db/shop");
        expect(() => drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [{ ...shop, backupIntervalMinutes: 0.5 }])).toThrow("targets[0].backupIntervalMinutes must be an integer >= 1");
    });
});

describe("the rendered rules, with promtool", () => {
    const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

    it.each(stacks)("pass `promtool check rules` with the objectives of stack %s", (stack) => {
        const { config, project } = loadStackConfig(root, stack);
        const spec = parseEstateConfig(config, { project, stack });
        const file = writeRules(`${stack}.rules.yml`, drAlertRules(spec.dr, [shop, sessions]));
        const result = promtool("check", "rules", file);
        expect(result.output).toContain("SUCCESS: 20 rules found");
        expect(result.status).toBe(0);
    });

    it("fire when they should and stay silent otherwise (`promtool test rules`)", () => {
        const objectives = { rpoMinutes: 15, rtoMinutes: 60 };
        const groups = drAlertRules(objectives, [shop]);
        writeRules("dr.rules.yml", groups);
        const backupLabels = seriesLabels("estate_backup", shop);
        const drillLabels = seriesLabels("estate_restore_drill", shop);
        const rule = (alert: string) => ruleOf(groups, alert, shop);
        const tests = [
            {
                // The last success at t=0, then nothing: silent within 25h, firing after.
                interval: "1h",
                input_series: [
                    { series: series("estate_backup_last_success_timestamp_seconds", "estate_backup", shop), values: "0x30" },
                    { series: series("estate_backup_last_run_success", "estate_backup", shop), values: "1x30" },
                ],
                alert_rule_test: [
                    { eval_time: "24h", alertname: DR_ALERTS.backupTooOld, exp_alerts: [] },
                    { eval_time: "26h", alertname: DR_ALERTS.backupTooOld, exp_alerts: [expAlert(rule(DR_ALERTS.backupTooOld), backupLabels, 26 * 3600)] },
                    { eval_time: "26h", alertname: DR_ALERTS.backupFailed, exp_alerts: [] },
                    { eval_time: "26h", alertname: DR_ALERTS.backupMissing, exp_alerts: [] },
                ],
            },
            {
                // A fresh success every hour keeps it silent; a failed run shows at once.
                interval: "1h",
                input_series: [
                    { series: series("estate_backup_last_success_timestamp_seconds", "estate_backup", shop), values: "0+3600x30" },
                    { series: series("estate_backup_last_run_success", "estate_backup", shop), values: "1x20 0x10" },
                ],
                alert_rule_test: [
                    { eval_time: "30h", alertname: DR_ALERTS.backupTooOld, exp_alerts: [] },
                    { eval_time: "10h", alertname: DR_ALERTS.backupFailed, exp_alerts: [] },
                    { eval_time: "22h", alertname: DR_ALERTS.backupFailed, exp_alerts: [expAlert(rule(DR_ALERTS.backupFailed), backupLabels)] },
                ],
            },
            {
                // Nothing ever reported: the absent alerts fire once their schedules have passed.
                interval: "1h",
                input_series: [],
                alert_rule_test: [
                    { eval_time: "24h", alertname: DR_ALERTS.backupMissing, exp_alerts: [] },
                    { eval_time: "26h", alertname: DR_ALERTS.backupMissing, exp_alerts: [expAlert(rule(DR_ALERTS.backupMissing), { service: "app-db", database: "shop", job: "estate_backup" })] },
                ],
            },
            {
                // Drills: a success with RTO 30 min, then a failure, then a success with RTO 66m40s.
                interval: "1h",
                input_series: [
                    { series: series("estate_restore_drill_last_run_success", "estate_restore_drill", shop), values: "1x10 0x10 1x10" },
                    { series: series("estate_restore_drill_rto_seconds", "estate_restore_drill", shop), values: "1800x20 4000x10" },
                    { series: series("estate_restore_drill_last_success_timestamp_seconds", "estate_restore_drill", shop), values: "0x20 75600x10" },
                ],
                alert_rule_test: [
                    { eval_time: "5h", alertname: DR_ALERTS.drillFailed, exp_alerts: [] },
                    { eval_time: "5h", alertname: DR_ALERTS.drillRtoAboveObjective, exp_alerts: [] },
                    { eval_time: "15h", alertname: DR_ALERTS.drillFailed, exp_alerts: [expAlert(rule(DR_ALERTS.drillFailed), drillLabels)] },
                    { eval_time: "25h", alertname: DR_ALERTS.drillFailed, exp_alerts: [] },
                    {
                        eval_time: "25h",
                        alertname: DR_ALERTS.drillRtoAboveObjective,
                        exp_alerts: [expAlert(rule(DR_ALERTS.drillRtoAboveObjective), drillLabels, 4000)],
                    },
                ],
            },
            {
                // The store: clean, then an orphan object and a checksum mismatch (one alert per kind), then clean again.
                interval: "1h",
                input_series: [
                    { series: `${series("estate_restore_drill_store_inconsistencies", "estate_restore_drill", shop).slice(0, -1)},kind="orphan_object"}`, values: "0x5 1x5 0x5" },
                    { series: `${series("estate_restore_drill_store_inconsistencies", "estate_restore_drill", shop).slice(0, -1)},kind="checksum_mismatch"}`, values: "0x5 2x5 0x5" },
                    { series: `${series("estate_restore_drill_store_inconsistencies", "estate_restore_drill", shop).slice(0, -1)},kind="missing_object"}`, values: "0x15" },
                ],
                alert_rule_test: [
                    { eval_time: "3h", alertname: DR_ALERTS.storeInconsistent, exp_alerts: [] },
                    {
                        eval_time: "8h",
                        alertname: DR_ALERTS.storeInconsistent,
                        exp_alerts: [
                            storeAlert(rule(DR_ALERTS.storeInconsistent), drillLabels, "orphan_object", 1),
                            storeAlert(rule(DR_ALERTS.storeInconsistent), drillLabels, "checksum_mismatch", 2),
                        ],
                    },
                    { eval_time: "13h", alertname: DR_ALERTS.storeInconsistent, exp_alerts: [] },
                ],
            },
            {
                // Objectives: all met, then the RPO not met; the RTO stays met.
                interval: "1h",
                input_series: [
                    { series: `${series("estate_restore_drill_objectives_met", "estate_restore_drill", shop).slice(0, -1)},objective="rpo"}`, values: "1x5 0x5" },
                    { series: `${series("estate_restore_drill_objectives_met", "estate_restore_drill", shop).slice(0, -1)},objective="rto"}`, values: "1x10" },
                ],
                alert_rule_test: [
                    { eval_time: "3h", alertname: DR_ALERTS.objectiveUnmet, exp_alerts: [] },
                    { eval_time: "8h", alertname: DR_ALERTS.objectiveUnmet, exp_alerts: [labelledAlert(rule(DR_ALERTS.objectiveUnmet), drillLabels, { objective: "rpo" })] },
                ],
            },
            {
                // A drill last succeeded at t=0: overdue after 31 days + 1 day of grace.
                interval: "1d",
                input_series: [{ series: series("estate_restore_drill_last_success_timestamp_seconds", "estate_restore_drill", shop), values: "0x40" }],
                alert_rule_test: [
                    { eval_time: "31d", alertname: DR_ALERTS.drillOverdue, exp_alerts: [] },
                    { eval_time: "33d", alertname: DR_ALERTS.drillOverdue, exp_alerts: [expAlert(rule(DR_ALERTS.drillOverdue), drillLabels, 33 * 86400)] },
                    { eval_time: "33d", alertname: DR_ALERTS.drillMissing, exp_alerts: [] },
                ],
            },
        ];
        // Hourly evaluation: every sample and expectation above falls on a whole hour.
        fs.writeFileSync(path.join(work, "dr.test.yml"), JSON.stringify({ rule_files: ["dr.rules.yml"], evaluation_interval: "1h", tests }, null, 2));
        const result = promtool("test", "rules", "dr.test.yml");
        expect(result.output).toContain("SUCCESS");
        expect(result.status).toBe(0);
    });

    it("fire for a weekly, monthly or yearly tier whose newest backup is older than its period plus a day, and only for that tier", () => {
        const groups = drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [shop]);
        writeRules("tiers.rules.yml", groups);
        const rule = ruleOf(groups, DR_ALERTS.tierTooOld, shop);
        const tierSeries = (tier: string) =>
            `estate_backup_tier_last_success_timestamp_seconds{job="estate_backup",service="app-db",database="shop",engine="postgres",tier="${tier}",instance=""}`;
        const tierAlert = (tier: string, seconds: number) => {
            const render = (v: string) => v.replace("{{ $value | humanizeDuration }}", humanizeDuration(seconds)).replaceAll("{{ $labels.tier }}", tier);
            return {
                exp_labels: { ...seriesLabels("estate_backup", shop), tier, ...rule.labels },
                exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v)])),
            };
        };
        const test = {
            rule_files: ["tiers.rules.yml"],
            evaluation_interval: "1h",
            tests: [
                {
                    // Every tier stored at t=0 (New Year's Day), then only the daily tier, every day.
                    interval: "1d",
                    input_series: [
                        { series: tierSeries("daily"), values: "0+86400x40" },
                        { series: tierSeries("weekly"), values: "0x40" },
                        { series: tierSeries("monthly"), values: "0x40" },
                        { series: tierSeries("yearly"), values: "0x40" },
                    ],
                    alert_rule_test: [
                        { eval_time: "7d", alertname: DR_ALERTS.tierTooOld, exp_alerts: [] },
                        { eval_time: "9d", alertname: DR_ALERTS.tierTooOld, exp_alerts: [tierAlert("weekly", 9 * 86400)] },
                        { eval_time: "33d", alertname: DR_ALERTS.tierTooOld, exp_alerts: [tierAlert("weekly", 33 * 86400), tierAlert("monthly", 33 * 86400)] },
                    ],
                },
                {
                    // A weekly backup every 7 days keeps the weekly tier silent.
                    interval: "1d",
                    input_series: [{ series: tierSeries("weekly"), values: "0x6 604800x6 1209600x6 1814400x6" }],
                    alert_rule_test: [{ eval_time: "27d", alertname: DR_ALERTS.tierTooOld, exp_alerts: [] }],
                },
            ],
        };
        fs.writeFileSync(path.join(work, "tiers.test.yml"), JSON.stringify(test, null, 2));
        const result = promtool("test", "rules", "tiers.test.yml");
        expect(result.output).toContain("SUCCESS");
        expect(result.status).toBe(0);
    });

    it("`promtool test rules` fails when an expected alert does not fire (the harness can fail)", () => {
        writeRules("dr.rules.yml", drAlertRules({ rpoMinutes: 15, rtoMinutes: 60 }, [shop]));
        const test = {
            rule_files: ["dr.rules.yml"],
            evaluation_interval: "1h",
            tests: [
                {
                    interval: "1h",
                    input_series: [{ series: series("estate_backup_last_success_timestamp_seconds", "estate_backup", shop), values: "0x30" }],
                    // 20h is within the 25h the schedule allows: expecting an alert there must fail.
                    alert_rule_test: [{ eval_time: "20h", alertname: DR_ALERTS.backupTooOld, exp_alerts: [{ exp_labels: seriesLabels("estate_backup", shop) }] }],
                },
            ],
        };
        fs.writeFileSync(path.join(work, "wrong.test.yml"), JSON.stringify(test));
        const result = promtool("test", "rules", "wrong.test.yml");
        expect(result.status).not.toBe(0);
        expect(result.output).toContain("FAILED");
    });
});
