/**
 * Takes the recovery points the deploy guard names, waits for each to complete, and records them:
 * the deploy workflow's step between the preview and the `pulumi up`.
 *
 *   npm run -s recovery-points -- --decision <guard.json> [--summary <file>] [--timeout-minutes 60] [--poll-seconds 15]
 *
 * `<guard.json>` is `npm run -s deploy-guard -- --json` output. For each change it runs the recovery
 * point's command (the AWS CLI or kubectl, as the job's role and kubeconfig allow) and waits:
 *   - an AWS Backup job until `describe-backup-job` says COMPLETED (FAILED, ABORTED, EXPIRED and PARTIAL
 *     fail; the states of BackupJobState, boto3 `describe_backup_job` / the AWS SDKs' enum);
 *   - an ElastiCache snapshot until `describe-snapshots` says `available` (`failed` fails);
 *   - an EBS snapshot through `aws ec2 wait snapshot-completed`;
 *   - a one-off backup Job through `kubectl wait --for=condition=complete`.
 * A change whose recovery point needs a review cannot be taken here: it fails the step, so the update
 * waits for a person. The table of recovery points goes to standard output and, with `--summary`, is
 * appended to that file (the workflow passes `$GITHUB_STEP_SUMMARY`).
 *
 * Exit codes: 0 every recovery point completed; 1 one failed, timed out or needs a review (the `up`
 * must not run); 2 a usage error.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import type { GuardDecision, GuardedChange } from "./deploy-guard";

const USAGE = `usage:
  npm run -s recovery-points -- --decision <guard.json> [--summary <file>] [--timeout-minutes 60] [--poll-seconds 15]`;

export interface RecordedPoint {
    name: string;
    type: string;
    kind: string;
    /** The recovery point's id: a recovery point ARN, a snapshot name or id, a Job name. */
    id?: string;
    status: "completed" | "failed" | "timed out" | "needs review";
    detail: string;
}

export interface Runner {
    /** Runs a command; returns its exit code and output. */
    run(command: string[]): { status: number; stdout: string; stderr: string };
    /** Waits between polls. */
    sleep(seconds: number): void;
}

const realRunner: Runner = {
    run(command) {
        const r = spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
        return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.error ? String(r.error.message) : (r.stderr ?? "") };
    },
    sleep(seconds) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
    },
};

function json(text: string): Record<string, unknown> {
    try {
        return JSON.parse(text) as Record<string, unknown>;
    } catch {
        return {};
    }
}

/** The AWS CLI, asked for JSON whatever the profile's default output. */
const awsJson = (command: string[]) => (command[0] === "aws" ? [...command, "--output", "json"] : command);

function poll(runner: Runner, opts: { timeoutSeconds: number; pollSeconds: number }, check: () => "done" | "failed" | "pending"): "done" | "failed" | "timed out" {
    for (let waited = 0; ; waited += opts.pollSeconds) {
        const state = check();
        if (state !== "pending") {
            return state;
        }
        if (waited >= opts.timeoutSeconds) {
            return "timed out";
        }
        runner.sleep(opts.pollSeconds);
    }
}

/** Takes one change's recovery point and waits for it. */
export function takeRecoveryPoint(change: GuardedChange, runner: Runner, opts: { timeoutSeconds: number; pollSeconds: number }): RecordedPoint {
    const base = { name: change.name, type: change.type, kind: change.recoveryPoint.kind };
    const { command, wait } = change.recoveryPoint;
    if (change.recoveryPoint.kind === "review" || !command) {
        return { ...base, status: "needs review", detail: change.recoveryPoint.note };
    }
    if (command.some((word) => /^<.*>$/.test(word))) {
        return { ...base, status: "failed", detail: `the command has placeholders (${command.filter((w) => /^<.*>$/.test(w)).join(", ")}): run the guard with --outputs` };
    }
    const started = runner.run(awsJson(command));
    if (started.status !== 0) {
        return { ...base, status: "failed", detail: `${command.slice(0, 3).join(" ")} exited ${started.status}: ${started.stderr.trim().split("\n").pop() ?? ""}` };
    }
    const out = json(started.stdout);
    const outcome = (id: string | undefined, state: "done" | "failed" | "timed out", detail: string): RecordedPoint => ({
        ...base,
        id,
        status: state === "done" ? "completed" : state === "failed" ? "failed" : "timed out",
        detail,
    });
    switch (change.recoveryPoint.kind) {
        case "aws-backup": {
            const jobId = typeof out.BackupJobId === "string" ? out.BackupJobId : undefined;
            if (!jobId || !wait) {
                return { ...base, status: "failed", detail: "start-backup-job returned no BackupJobId" };
            }
            let recoveryPoint = typeof out.RecoveryPointArn === "string" ? out.RecoveryPointArn : undefined;
            let last = "";
            const state = poll(runner, opts, () => {
                const job = json(runner.run(awsJson(wait.map((w) => (w.startsWith("<BackupJobId") ? jobId : w)))).stdout);
                last = String(job.State ?? "unknown");
                recoveryPoint = typeof job.RecoveryPointArn === "string" ? job.RecoveryPointArn : recoveryPoint;
                return last === "COMPLETED" ? "done" : ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"].includes(last) ? "failed" : "pending";
            });
            return outcome(recoveryPoint ?? jobId, state, `AWS Backup job ${jobId}: ${last}`);
        }
        case "elasticache-snapshot": {
            const snapshot = command[command.indexOf("--snapshot-name") + 1]!;
            let last = "";
            const state = poll(runner, opts, () => {
                const described = json(runner.run(awsJson(wait!)).stdout);
                const snapshots = Array.isArray(described.Snapshots) ? (described.Snapshots as Record<string, unknown>[]) : [];
                last = String(snapshots[0]?.SnapshotStatus ?? "unknown");
                return last === "available" ? "done" : last === "failed" ? "failed" : "pending";
            });
            return outcome(snapshot, state, `ElastiCache snapshot ${snapshot}: ${last}`);
        }
        case "ebs-snapshot": {
            const snapshotId = typeof out.SnapshotId === "string" ? out.SnapshotId : undefined;
            if (!snapshotId) {
                return { ...base, status: "failed", detail: "create-snapshot returned no SnapshotId" };
            }
            const waited = runner.run(wait!.map((w) => (w.startsWith("<SnapshotId") ? snapshotId : w)));
            return outcome(snapshotId, waited.status === 0 ? "done" : "failed", `EBS snapshot ${snapshotId}`);
        }
        case "backup-job": {
            const job = command[command.length - 1]!;
            const waited = runner.run(wait!);
            return outcome(job, waited.status === 0 ? "done" : "failed", `Job ${job}: ${waited.status === 0 ? "complete" : `not complete (${waited.stderr.trim().split("\n").pop() ?? ""}); read it with kubectl -n ${command[2]} logs job/${job}`}`);
        }
        default:
            return { ...base, status: "failed", detail: `unknown recovery point kind ${change.recoveryPoint.kind}` };
    }
}

/** The recovery points as a Markdown table (the run's summary). */
export function renderTable(points: RecordedPoint[]): string {
    if (points.length === 0) {
        return "### Recovery points\n\nNothing that holds data changes: none needed.\n";
    }
    const rows = points.map((p) => `| ${p.name} | \`${p.type}\` | ${p.kind} | ${p.id ? `\`${p.id}\`` : "-"} | ${p.status} | ${p.detail.replace(/\|/g, "\\|")} |`);
    return ["### Recovery points taken before `pulumi up`", "", "| resource | type | kind | recovery point | status | detail |", "| --- | --- | --- | --- | --- | --- |", ...rows, ""].join("\n");
}

export function runRecoveryPoints(argv: string[], runner: Runner = realRunner): { exitCode: number; stdout: string; stderr: string } {
    let values;
    try {
        ({ values } = parseArgs({ args: argv, options: { decision: { type: "string" }, summary: { type: "string" }, "timeout-minutes": { type: "string", default: "60" }, "poll-seconds": { type: "string", default: "15" } }, strict: true }));
    } catch (err) {
        return { exitCode: 2, stdout: "", stderr: `error: ${(err as Error).message}\n\n${USAGE}\n` };
    }
    const timeout = Number(values["timeout-minutes"]);
    const pollSeconds = Number(values["poll-seconds"]);
    if (values.decision === undefined || !(timeout > 0) || !(pollSeconds > 0)) {
        return { exitCode: 2, stdout: "", stderr: `error: --decision <file> is required, and --timeout-minutes and --poll-seconds must be positive numbers\n\n${USAGE}\n` };
    }
    let decision: GuardDecision;
    try {
        decision = JSON.parse(fs.readFileSync(values.decision, "utf8")) as GuardDecision;
        if (!Array.isArray(decision.changes)) {
            throw new Error("no changes[]");
        }
    } catch (err) {
        return { exitCode: 2, stdout: "", stderr: `error: --decision ${values.decision}: not the output of npm run -s deploy-guard -- --json (${(err as Error).message})\n\n${USAGE}\n` };
    }
    const points = decision.changes.map((change) => takeRecoveryPoint(change, runner, { timeoutSeconds: timeout * 60, pollSeconds }));
    const table = renderTable(points);
    if (values.summary !== undefined) {
        fs.appendFileSync(values.summary, `${table}\n`);
    }
    const failed = points.filter((p) => p.status !== "completed");
    const stderr = failed.length > 0 ? `error: ${failed.length} recovery point(s) not taken: ${failed.map((p) => `${p.name} (${p.status})`).join(", ")}; the update must not run\n` : "";
    return { exitCode: failed.length > 0 ? 1 : 0, stdout: table, stderr };
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const result = runRecoveryPoints(argv);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
