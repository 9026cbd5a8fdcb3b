/**
 * `npm run recovery-points`: takes what the deploy guard names and waits for it. The AWS CLI and
 * kubectl are scripted here with the answers their APIs document (AWS Backup StartBackupJob returns
 * `BackupJobId`, DescribeBackupJob a `State` of CREATED, PENDING, RUNNING, ABORTING, ABORTED,
 * COMPLETED, FAILED, EXPIRED or PARTIAL; ElastiCache DescribeSnapshots `Snapshots[].SnapshotStatus` creating, available or failed;
 * EC2 CreateSnapshot `SnapshotId`); the commands are the guard's own.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GuardedChange } from "../../scripts/deploy-guard";
import { runRecoveryPoints, takeRecoveryPoint, type Runner } from "../../scripts/recovery-points";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-recovery-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rds: GuardedChange = {
    urn: "urn:pulumi:prod::estate::estate:data:ManagedPostgres$aws:rds/instance:Instance::postgres-db",
    type: "aws:rds/instance:Instance",
    name: "postgres-db",
    ops: ["update"],
    holds: "an RDS database instance",
    reasons: ["engineVersion"],
    recoveryPoint: {
        kind: "aws-backup",
        command: ["aws", "backup", "start-backup-job", "--backup-vault-name", "estate-prod", "--resource-arn", "arn:aws:rds:eu-west-1:123456789012:db:postgres-db", "--iam-role-arn", "arn:aws:iam::123456789012:role/backup", "--region", "eu-west-1"],
        wait: ["aws", "backup", "describe-backup-job", "--backup-job-id", "<BackupJobId from the start>", "--region", "eu-west-1"],
        note: "",
    },
};
const redis: GuardedChange = {
    ...rds,
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "redis-redis",
    recoveryPoint: {
        kind: "elasticache-snapshot",
        command: ["aws", "elasticache", "create-snapshot", "--replication-group-id", "redis-rg", "--snapshot-name", "redis-rg-predeploy-r1"],
        wait: ["aws", "elasticache", "describe-snapshots", "--snapshot-name", "redis-rg-predeploy-r1"],
        note: "",
    },
};
const cnpg: GuardedChange = {
    ...rds,
    type: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    name: "postgres-cluster",
    recoveryPoint: {
        kind: "backup-job",
        command: ["kubectl", "-n", "data", "create", "job", "--from=cronjob/postgres-backup", "postgres-backup-predeploy-r1"],
        wait: ["kubectl", "-n", "data", "wait", "--for=condition=complete", "job/postgres-backup-predeploy-r1", "--timeout=3600s"],
        note: "",
    },
};
const vault: GuardedChange = { ...rds, type: "aws:backup/vault:Vault", name: "aws-backup-vault", recoveryPoint: { kind: "review", note: "no recovery point can be taken of a vault" } };

/** A scripted CLI: each call's answer by the command's words; records the calls. */
function scripted(answers: { backupStates?: string[]; snapshotStates?: string[]; kubectlWait?: number; startFails?: boolean }): Runner & { calls: string[][]; slept: number } {
    const backupStates = [...(answers.backupStates ?? ["RUNNING", "COMPLETED"])];
    const snapshotStates = [...(answers.snapshotStates ?? ["creating", "available"])];
    const runner = {
        calls: [] as string[][],
        slept: 0,
        run(command: string[]) {
            runner.calls.push(command);
            const line = command.join(" ");
            if (line.startsWith("aws backup start-backup-job")) {
                return answers.startFails ? { status: 254, stdout: "", stderr: "An error occurred (AccessDeniedException) when calling the StartBackupJob operation: not authorized" } : { status: 0, stdout: JSON.stringify({ BackupJobId: "job-1", CreationDate: "2026-12-06T17:00:00Z" }), stderr: "" };
            }
            if (line.startsWith("aws backup describe-backup-job")) {
                const state = backupStates.shift() ?? "RUNNING";
                return { status: 0, stdout: JSON.stringify({ BackupJobId: "job-1", State: state, ...(state === "COMPLETED" ? { RecoveryPointArn: "arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-1" } : {}) }), stderr: "" };
            }
            if (line.startsWith("aws elasticache create-snapshot")) {
                return { status: 0, stdout: JSON.stringify({ Snapshot: { SnapshotName: "redis-rg-predeploy-r1", SnapshotStatus: "creating" } }), stderr: "" };
            }
            if (line.startsWith("aws elasticache describe-snapshots")) {
                return { status: 0, stdout: JSON.stringify({ Snapshots: [{ SnapshotName: "redis-rg-predeploy-r1", SnapshotStatus: snapshotStates.shift() ?? "creating" }] }), stderr: "" };
            }
            if (line.startsWith("kubectl -n data create job")) {
                return { status: 0, stdout: "job.batch/postgres-backup-predeploy-r1 created\n", stderr: "" };
            }
            if (line.startsWith("kubectl -n data wait")) {
                return { status: answers.kubectlWait ?? 0, stdout: "", stderr: answers.kubectlWait ? "error: timed out waiting for the condition on jobs/postgres-backup-predeploy-r1" : "" };
            }
            return { status: 127, stdout: "", stderr: `unexpected ${line}` };
        },
        sleep(seconds: number) {
            runner.slept += seconds;
        },
    };
    return runner;
}

const opts = { timeoutSeconds: 600, pollSeconds: 15 };

describe("taking the recovery points the guard names", () => {
    it("an AWS Backup job: started with JSON output, polled until COMPLETED, recorded by its recovery point ARN", () => {
        const runner = scripted({ backupStates: ["CREATED", "RUNNING", "COMPLETED"] });
        expect(takeRecoveryPoint(rds, runner, opts)).toEqual({
            name: "postgres-db",
            type: "aws:rds/instance:Instance",
            kind: "aws-backup",
            id: "arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-1",
            status: "completed",
            detail: "AWS Backup job job-1: COMPLETED",
        });
        expect(runner.calls[0]).toEqual([...rds.recoveryPoint.command!, "--output", "json"]);
        expect(runner.calls[1]).toEqual(["aws", "backup", "describe-backup-job", "--backup-job-id", "job-1", "--region", "eu-west-1", "--output", "json"]);
        expect(runner.calls).toHaveLength(4);
        expect(runner.slept).toBe(30);
    });

    it.each(["FAILED", "ABORTED", "EXPIRED", "PARTIAL"])("an AWS Backup job that ends %s fails", (state) => {
        expect(takeRecoveryPoint(rds, scripted({ backupStates: ["RUNNING", state] }), opts)).toMatchObject({ status: "failed", detail: `AWS Backup job job-1: ${state}` });
    });

    it("a backup job that never completes times out", () => {
        const runner = scripted({ backupStates: Array(100).fill("RUNNING") });
        expect(takeRecoveryPoint(rds, runner, { timeoutSeconds: 60, pollSeconds: 15 })).toMatchObject({ status: "timed out" });
        expect(runner.slept).toBe(60);
    });

    it("a start the role may not make fails with AWS's message", () => {
        expect(takeRecoveryPoint(rds, scripted({ startFails: true }), opts)).toMatchObject({ status: "failed", detail: expect.stringContaining("AccessDeniedException") });
    });

    it("an ElastiCache snapshot until available; failed fails", () => {
        expect(takeRecoveryPoint(redis, scripted({}), opts)).toMatchObject({ status: "completed", id: "redis-rg-predeploy-r1" });
        expect(takeRecoveryPoint(redis, scripted({ snapshotStates: ["creating", "failed"] }), opts)).toMatchObject({ status: "failed" });
    });

    it("a one-off backup Job: created, waited for; one that does not complete says how to read it", () => {
        expect(takeRecoveryPoint(cnpg, scripted({}), opts)).toMatchObject({ status: "completed", id: "postgres-backup-predeploy-r1" });
        expect(takeRecoveryPoint(cnpg, scripted({ kubectlWait: 1 }), opts)).toMatchObject({
            status: "failed",
            detail: expect.stringContaining("read it with kubectl -n data logs job/postgres-backup-predeploy-r1"),
        });
    });

    it("refuses commands with placeholders and changes that need a review", () => {
        const placeholder = { ...rds, recoveryPoint: { ...rds.recoveryPoint, command: rds.recoveryPoint.command!.map((w) => (w === "estate-prod" ? "<vault>" : w)) } };
        const runner = scripted({});
        expect(takeRecoveryPoint(placeholder, runner, opts)).toMatchObject({ status: "failed", detail: expect.stringContaining("placeholders (<vault>)") });
        expect(takeRecoveryPoint(vault, runner, opts)).toMatchObject({ status: "needs review" });
        expect(runner.calls).toEqual([]);
    });
});

describe("npm run recovery-points: the workflow step", () => {
    const decisionFile = (changes: GuardedChange[]) => {
        const file = path.join(dir, `decision-${changes.length}-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(file, JSON.stringify({ backupsRequired: changes.length > 0, changes, otherChanges: {}, notes: [] }));
        return file;
    };

    it("records every recovery point in the run's summary and exits 0 when all completed", () => {
        const summary = path.join(dir, "summary.md");
        const r = runRecoveryPoints(["--decision", decisionFile([rds, cnpg]), "--summary", summary], scripted({}));
        expect(r.exitCode).toBe(0);
        expect(r.stderr).toBe("");
        const table = fs.readFileSync(summary, "utf8");
        expect(table).toContain("| postgres-db | `aws:rds/instance:Instance` | aws-backup | `arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-1` | completed |");
        expect(table).toContain("| postgres-cluster | `kubernetes:postgresql.cnpg.io/v1:Cluster` | backup-job | `postgres-backup-predeploy-r1` | completed |");
    });

    it("exits 1, naming what was not taken, when any recovery point fails or needs a review: the update must not run", () => {
        const r = runRecoveryPoints(["--decision", decisionFile([rds, vault])], scripted({ backupStates: ["FAILED"] }));
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toBe("error: 2 recovery point(s) not taken: postgres-db (failed), aws-backup-vault (needs review); the update must not run\n");
    });

    it("nothing to take: exit 0 and says so", () => {
        const r = runRecoveryPoints(["--decision", decisionFile([])], scripted({}));
        expect([r.exitCode, r.stdout]).toEqual([0, "### Recovery points\n\nNothing that holds data changes: none needed.\n"]);
    });

    it("bad input: exit 2", () => {
        expect(runRecoveryPoints([], scripted({})).exitCode).toBe(2);
        expect(runRecoveryPoints(["--decision", path.join(dir, "missing.json")], scripted({})).stderr).toMatch(/not the output of npm run -s deploy-guard -- --json/);
        expect(runRecoveryPoints(["--decision", decisionFile([]), "--poll-seconds", "0"], scripted({})).exitCode).toBe(2);
    });
});
