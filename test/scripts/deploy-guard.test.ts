/**
 * `npm run deploy-guard`: recorded previews in the shape `pulumi preview --json` writes (Pulumi's
 * PreviewDigest, pulumi/pulumi pkg/display/json.go: `steps[]` of `op`, `urn`, `oldState`/`newState`
 * as ResourceV3 — `urn`, `custom`, `type`, `id`, `inputs`, `outputs`, `parent`, `provider` — with
 * `diffReasons`/`replaceReasons`; `changeSummary` by op). The states are the planned estate's own
 * resources (the mock engine's recorded inputs and outputs), so the guard is tested on what a real
 * preview of this estate would show.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EstateOutputs } from "../../infra/contract";
import { EXIT_BACKUPS_REQUIRED, STATEFUL_TYPES, runDeployGuard, urnParts, type GuardDecision } from "../../scripts/deploy-guard";
import { fromWire, type EngineRun, type RecordedResource } from "../../scripts/engine/mock-engine";
import { run } from "../helpers/cli";
import { plannedStack } from "../helpers/plans";

let dir: string;
const plans: Record<string, EngineRun> = {};
const outputsFile: Record<string, string> = {};

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-guard-"));
    for (const stack of ["dev", "prod"]) {
        plans[stack] = await plannedStack(stack);
        outputsFile[stack] = path.join(dir, `${stack}-outputs.json`);
        fs.writeFileSync(outputsFile[stack]!, JSON.stringify(fromWire(plans[stack]!.outputs!.toJavaScript(), "unwrap")));
    }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A resource's state as the preview JSON carries it (apitype.ResourceV3). */
function stateOf(r: RecordedResource, edit: (inputs: Record<string, unknown>) => void = () => {}) {
    const inputs = fromWire(r.inputs.toJavaScript(), "unwrap") as Record<string, unknown>;
    const outputs = r.outputs ? (fromWire(r.outputs.toJavaScript(), "unwrap") as Record<string, unknown>) : {};
    edit(inputs);
    return { urn: r.urn, custom: r.custom, type: r.type, id: `${r.name}-id`, inputs, outputs, parent: r.parent, provider: r.provider };
}

type Change = { name: string; type?: string; op: "create" | "update" | "replace" | "delete"; edit?: (inputs: Record<string, unknown>) => void; reasons?: string[] };

/** A preview of `stack` in which the named resources change as given and every other resource is `same`. */
function recordedPreview(stack: string, changes: Change[]): Record<string, unknown> {
    const resources = plans[stack]!.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    const steps: Record<string, unknown>[] = [];
    for (const r of resources) {
        const change = changes.find((c) => c.name === r.name && (c.type === undefined || c.type === r.type));
        if (!change) {
            steps.push({ op: "same", urn: r.urn, oldState: stateOf(r), newState: stateOf(r) });
        } else if (change.op === "create") {
            steps.push({ op: "create", urn: r.urn, newState: stateOf(r) });
        } else if (change.op === "update") {
            steps.push({ op: "update", urn: r.urn, oldState: stateOf(r), newState: stateOf(r, change.edit), diffReasons: change.reasons ?? [] });
        } else if (change.op === "replace") {
            // The engine's three steps of a replacement (create the new one, mark, delete the old).
            const [oldState, newState] = [stateOf(r), stateOf(r, change.edit)];
            steps.push({ op: "create-replacement", urn: r.urn, oldState, newState, replaceReasons: change.reasons ?? [] });
            steps.push({ op: "replace", urn: r.urn, oldState, newState, replaceReasons: change.reasons ?? [] });
            steps.push({ op: "delete-replaced", urn: r.urn, oldState });
        } else {
            steps.push({ op: "delete", urn: r.urn, oldState: stateOf(r) });
        }
    }
    const changeSummary: Record<string, number> = {};
    for (const s of steps) {
        changeSummary[s.op as string] = (changeSummary[s.op as string] ?? 0) + 1;
    }
    return { config: { "aws:region": "eu-west-1" }, steps, diagnostics: [], duration: 4200000000, changeSummary };
}

function write(name: string, preview: unknown): string {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, typeof preview === "string" ? preview : JSON.stringify(preview));
    return file;
}

function guard(stack: string, name: string, changes: Change[], extra: string[] = []) {
    const result = runDeployGuard(["--preview", write(name, recordedPreview(stack, changes)), "--outputs", outputsFile[stack]!, "--run-id", "r42", "--json", ...extra]);
    return { ...result, decision: result.stdout ? (JSON.parse(result.stdout) as GuardDecision) : undefined };
}

const outputs = (stack: string) => JSON.parse(fs.readFileSync(outputsFile[stack]!, "utf8")) as EstateOutputs;

describe("the deploy guard, on recorded previews of the estate", () => {
    it("lets through a preview where nothing holding data changes: an app's Deployment updated in place", () => {
        const r = guard("prod", "app-update", [{ name: "web-deployment", op: "update", edit: (i) => ((i.spec as { replicas?: number }).replicas = 4), reasons: ["spec"] }]);
        expect(r.exitCode).toBe(0);
        expect(r.decision).toMatchObject({ backupsRequired: false, changes: [], otherChanges: { update: 1 } });
    });

    it("lets through creating a database: a new resource has no data to lose", () => {
        const r = guard("prod", "create", [{ name: "postgres-db", type: "aws:rds/instance:Instance", op: "create" }]);
        expect(r.exitCode).toBe(0);
        expect(r.decision!.otherChanges).toEqual({ create: 1 });
    });

    it("an RDS engine upgrade (update): an on-demand AWS Backup job of that instance into the stack's vault, with its role", () => {
        const r = guard("prod", "rds-upgrade", [{ name: "postgres-db", type: "aws:rds/instance:Instance", op: "update", edit: (i) => (i.engineVersion = "17"), reasons: ["engineVersion"] }]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        const db = plans.prod!.resources.find((x) => x.name === "postgres-db" && x.type === "aws:rds/instance:Instance")!;
        const arn = (fromWire(db.outputs!.toJavaScript(), "unwrap") as { arn: string }).arn;
        const aws = outputs("prod").awsBackup!;
        expect(r.decision!.changes).toEqual([
            expect.objectContaining({
                name: "postgres-db",
                ops: ["update"],
                reasons: ["engineVersion"],
                recoveryPoint: expect.objectContaining({
                    kind: "aws-backup",
                    command: ["aws", "backup", "start-backup-job", "--backup-vault-name", aws.vaultName, "--resource-arn", arn, "--iam-role-arn", aws.roleArn, "--region", "eu-west-1"],
                }),
            }),
        ]);
        expect(r.decision!.notes).toEqual([]);
    });

    it("a DocumentDB replacement: its three steps are one change, backed up before", () => {
        const r = guard("prod", "docdb-replace", [{ name: "mongo-cluster", type: "aws:docdb/cluster:Cluster", op: "replace", edit: (i) => (i.storageEncrypted = false), reasons: ["storageEncrypted"] }]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        expect(r.decision!.changes.map((c) => [c.name, c.ops, c.recoveryPoint.kind, c.reasons])).toEqual([
            ["mongo-cluster", ["create-replacement", "replace", "delete-replaced"], "aws-backup", ["storageEncrypted"]],
        ]);
    });

    it("deleting the ElastiCache group: a manual snapshot named for the run (AWS Backup does not take it)", () => {
        const r = guard("prod", "redis-delete", [{ name: "redis-redis", type: "aws:elasticache/replicationGroup:ReplicationGroup", op: "delete" }]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        const [change] = r.decision!.changes;
        expect(change!.recoveryPoint.command).toEqual(expect.arrayContaining(["aws", "elasticache", "create-snapshot", "--snapshot-name"]));
        expect(change!.recoveryPoint.command!.join(" ")).toMatch(/--snapshot-name \S+-predeploy-r42/);
    });

    it("the backup bucket and the vault are held data too: the bucket is backed up, the vault needs a review", () => {
        const bucket = plans.prod!.resources.find((x) => x.type === "aws:s3/bucket:Bucket" && x.name === "backups-bucket")!;
        const vault = plans.prod!.resources.find((x) => x.type === "aws:backup/vault:Vault")!;
        const r = guard("prod", "stores", [
            { name: bucket.name, type: bucket.type, op: "update", reasons: ["tags"] },
            { name: vault.name, type: vault.type, op: "replace", reasons: ["name"] },
        ]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        expect(r.decision!.changes.map((c) => [c.type, c.recoveryPoint.kind])).toEqual([
            ["aws:s3/bucket:Bucket", "aws-backup"],
            ["aws:backup/vault:Vault", "review"],
        ]);
        expect(r.decision!.changes[0]!.recoveryPoint.command).toContain(`arn:aws:s3:::${(fromWire(bucket.outputs!.toJavaScript(), "unwrap") as { bucket: string }).bucket}`);
    });

    it("in the cluster (dev): the CloudNativePG cluster and the Redis release get a one-off Job from their backup CronJob, and a wait", () => {
        const redis = plans.dev!.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && (fromWire(x.inputs.toJavaScript(), "unwrap") as { chart?: string }).chart === "redis-ha")!;
        const r = guard("dev", "in-cluster", [
            { name: "postgres-cluster", type: "kubernetes:postgresql.cnpg.io/v1:Cluster", op: "update", reasons: ["spec"] },
            { name: redis.name, type: redis.type, op: "update", reasons: ["values"] },
            { name: "web-deployment", op: "update" },
        ]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        const jobs = outputs("dev").backupJobs.services;
        expect(r.decision!.changes.map((c) => c.recoveryPoint.command).sort()).toEqual([
            ["kubectl", "-n", jobs.postgres!.namespace, "create", "job", `--from=cronjob/${jobs.postgres!.backupCronJob}`, `${jobs.postgres!.backupCronJob}-predeploy-r42`],
            ["kubectl", "-n", jobs.redis!.namespace, "create", "job", `--from=cronjob/${jobs.redis!.backupCronJob}`, `${jobs.redis!.backupCronJob}-predeploy-r42`],
        ]);
        expect(r.decision!.changes.find((c) => c.name === "postgres-cluster")!.recoveryPoint.wait).toEqual(["kubectl", "-n", "data", "wait", "--for=condition=complete", `job/${jobs.postgres!.backupCronJob}-predeploy-r42`, "--timeout=3600s"]);
        expect(r.decision!.otherChanges).toEqual({ update: 1 });
    });

    it("without the stack outputs, says which parts of the commands are placeholders", () => {
        const file = write("no-outputs", recordedPreview("prod", [{ name: "postgres-db", type: "aws:rds/instance:Instance", op: "update" }]));
        const r = runDeployGuard(["--preview", file, "--run-id", "r1"]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        expect(r.stdout).toContain("--backup-vault-name <vault>");
        expect(r.stdout).toContain("note: the AWS Backup vault and role are placeholders");
    });

    it("covers every stateful type the planned estates create (a new kind of store needs a line in STATEFUL_TYPES)", () => {
        const stores = ["aws:rds/instance:Instance", "aws:docdb/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket", "aws:backup/vault:Vault", "kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity"];
        const planned = new Set([...plans.dev!.resources, ...plans.prod!.resources].map((r) => r.type));
        for (const type of stores) {
            expect(planned.has(type), type).toBe(true);
            expect(STATEFUL_TYPES[type], type).toBeDefined();
        }
    });

    it("an op it does not know, on a store, counts as a change: the backup is taken rather than guessed away", () => {
        const urn = "urn:pulumi:prod::estate::estate:data:ManagedPostgres$aws:rds/instance:Instance::postgres-db";
        const r = runDeployGuard(["--preview", write("unknown-op", { steps: [{ op: "some-future-op", urn }, { op: "refresh", urn }] }), "--run-id", "r1", "--json"]);
        expect(r.exitCode).toBe(EXIT_BACKUPS_REQUIRED);
        expect((JSON.parse(r.stdout) as GuardDecision).changes.map((c) => c.ops)).toEqual([["some-future-op"]]);
    });

    it("reads URNs with parent qualifiers", () => {
        expect(urnParts("urn:pulumi:prod::estate::estate:data:ManagedPostgres$aws:rds/instance:Instance::postgres-db")).toEqual({ type: "aws:rds/instance:Instance", name: "postgres-db" });
    });
});

describe("bad input: exit 2, saying what is expected", () => {
    it.each([
        ["missing --preview", [], /--preview <file> is required/],
        ["an unknown flag", ["--preveiw", "x"], /Unknown option '--preveiw'/],
        ["a file that is not there", ["--preview", "/nonexistent/preview.json"], /--preview \/nonexistent\/preview.json: cannot be read/],
    ])("%s", (_what, args, message) => {
        const r = runDeployGuard(args as string[]);
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toMatch(message as RegExp);
        expect(r.stderr).toContain("usage:");
    });

    it("a preview that is not Pulumi's JSON: not JSON, a step without op, a URN that is not one", () => {
        expect(runDeployGuard(["--preview", write("text", "Previewing update (prod):")]).stderr).toMatch(/not JSON \(the output of pulumi preview --json is expected\)/);
        expect(runDeployGuard(["--preview", write("no-op", { steps: [{ urn: "urn:pulumi:prod::estate::aws:s3/bucket:Bucket::b" }] })]).stderr).toMatch(/steps\.0\.op: /);
        const badUrn = runDeployGuard(["--preview", write("bad-urn", { steps: [{ op: "update", urn: "arn:aws:s3:::b" }] })]);
        expect(badUrn.exitCode).toBe(2);
        expect(badUrn.stderr).toMatch(/steps\.0\.urn: a Pulumi URN/);
        expect(runDeployGuard(["--preview", write("ok", { steps: [] }), "--run-id", "Has Spaces"]).stderr).toMatch(/--run-id must be 1 to 20 lower-case/);
    });
});

describe("npm run deploy-guard (a real process)", () => {
    it("prints the summary and exits 3 when backups are required", async () => {
        const file = write("cli", recordedPreview("prod", [{ name: "mongo-cluster", type: "aws:docdb/cluster:Cluster", op: "update", reasons: ["engineVersion"] }]));
        const r = await run("node", ["scripts/run.mjs", "deploy-guard", "--preview", file, "--outputs", outputsFile.prod!, "--run-id", "ci1"]);
        expect(r.status).toBe(EXIT_BACKUPS_REQUIRED);
        expect(r.stdout).toMatch(/^deploy guard: 1 change\(s\) to resources that hold data; take these recovery points before 'pulumi up':/);
        expect(r.stdout).toContain("- mongo-cluster (aws:docdb/cluster:Cluster, a DocumentDB cluster): update of engineVersion");
        expect(r.stdout).toContain("take:  aws backup start-backup-job");
    });
});
