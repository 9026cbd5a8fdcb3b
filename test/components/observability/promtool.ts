/**
 * Runs the real `promtool` (Debian's `prometheus` package; `.ci/run` installs it) on generated
 * rule files: `check rules` parses and validates them as Prometheus would load them, `test rules`
 * evaluates them against synthetic series.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import type { RuleGroup } from "../../../components/observability/alert-rules";

export interface PromtoolResult {
    status: number | null;
    output: string;
}

function run(args: string[], cwd: string): PromtoolResult {
    const result = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (result.error) {
        throw new Error(`cannot run promtool (apt-get install prometheus): ${result.error.message}`);
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A fresh directory for one promtool run. */
export function workDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "estate-promtool-"));
}

/** `promtool check rules` on a rule file holding `groups`. */
export function checkRules(groups: readonly RuleGroup[], dir = workDir()): PromtoolResult {
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify({ groups }));
    return run(["check", "rules", "rules.yml"], dir);
}

/** One `tests:` entry of a promtool unit-test file. */
export interface PromtoolTest {
    name?: string;
    interval: string;
    input_series: { series: string; values: string }[];
    alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[];
    promql_expr_test?: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[];
}

/** `promtool test rules` with `groups` as the rule file and `tests` as the cases. */
export function testRules(groups: readonly RuleGroup[], tests: PromtoolTest[], dir = workDir()): PromtoolResult {
    fs.writeFileSync(path.join(dir, "rules.yml"), stringify({ groups }));
    fs.writeFileSync(path.join(dir, "tests.yml"), stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }));
    return run(["test", "rules", "tests.yml"], dir);
}
