/**
 * The deploy guard: reads `pulumi preview --json` and names every step that would update, replace
 * or delete a resource holding data, with the recovery point to take before the `pulumi up`.
 *
 *   npm run -s deploy-guard -- --preview <preview.json> [--outputs <stack-outputs.json>] [--run-id <id>] [--json]
 *
 * The preview is Pulumi's `PreviewDigest` (pulumi/pulumi pkg/display/json.go): `steps[]` with `op`,
 * `urn`, and the resource's `oldState`/`newState` (`type`, `inputs`, `outputs`). The step ops are the
 * engine's (pkg/resource/deploy/step.go: same, create, update, delete, replace, create-replacement,
 * delete-replaced, read, read-replacement, refresh, ...). The stack outputs (`pulumi stack output
 * --json`) name the AWS Backup vault and role, and the backup CronJobs; without them the commands
 * carry placeholders and the summary says so.
 *
 * Exit codes: 0 nothing that holds data changes; 3 recovery points are required first (the list says
 * which, and how); 2 a usage error or a preview that is not Pulumi's JSON.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { estateOutputsSchema, type EstateOutputs } from "../infra/contract";

const USAGE = `usage:
  npm run -s deploy-guard -- --preview <preview.json> [--outputs <stack-outputs.json>] [--run-id <id>] [--json]

  --preview <file>   the output of 'pulumi preview --json' (required)
  --outputs <file>   the output of 'pulumi stack output --json': the AWS Backup vault and role, the backup CronJobs
  --run-id <id>      a suffix for the recovery points' names (default: the UTC time, yyyymmddhhmm)
  --json             the decision as JSON, for the workflow`;

/** Exit code when recovery points must be taken before the update. */
export const EXIT_BACKUPS_REQUIRED = 3;

/**
 * Ops that never touch an existing resource's data (pkg/resource/deploy/step.go). Every other op on a
 * stateful resource — update, replace, create-replacement, delete-replaced, delete, or one this list
 * does not know — counts as a change: the backup is taken rather than guessed away.
 */
const HARMLESS_OPS = new Set(["same", "create", "read", "read-replacement", "refresh"]);

/** How a recovery point is taken for a kind of resource. */
type RecoveryKind = "aws-backup" | "elasticache-snapshot" | "ebs-snapshot" | "backup-job" | "review";

interface StatefulType {
    /** What the resource holds, for the summary. */
    holds: string;
    recovery: RecoveryKind;
    /** In-cluster: the estate's data service whose backup CronJob covers it. */
    service?: "postgres" | "mongo" | "redis";
}

/** The resource types that hold data, by type token (Helm releases are judged by their chart). */
export const STATEFUL_TYPES: Readonly<Record<string, StatefulType>> = {
    "aws:rds/instance:Instance": { holds: "an RDS database instance", recovery: "aws-backup" },
    "aws:rds/cluster:Cluster": { holds: "an Aurora cluster", recovery: "aws-backup" },
    "aws:docdb/cluster:Cluster": { holds: "a DocumentDB cluster", recovery: "aws-backup" },
    "aws:elasticache/replicationGroup:ReplicationGroup": { holds: "an ElastiCache replication group", recovery: "elasticache-snapshot" },
    "aws:s3/bucket:Bucket": { holds: "an S3 bucket", recovery: "aws-backup" },
    "aws:s3/bucketV2:BucketV2": { holds: "an S3 bucket", recovery: "aws-backup" },
    "aws:backup/vault:Vault": { holds: "an AWS Backup vault and its recovery points", recovery: "review" },
    "aws:ebs/volume:Volume": { holds: "an EBS volume", recovery: "ebs-snapshot" },
    "kubernetes:postgresql.cnpg.io/v1:Cluster": { holds: "a CloudNativePG cluster", recovery: "backup-job", service: "postgres" },
    "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity": { holds: "a MongoDB replica set", recovery: "backup-job", service: "mongo" },
    "kubernetes:core/v1:PersistentVolumeClaim": { holds: "a persistent volume", recovery: "review" },
    "kubernetes:core/v1:PersistentVolume": { holds: "a persistent volume", recovery: "review" },
};

/** Helm charts whose release holds data (the estate's in-cluster Redis). */
const STATEFUL_CHARTS: Readonly<Record<string, StatefulType>> = {
    "redis-ha": { holds: "the Redis release (redis-ha)", recovery: "backup-job", service: "redis" },
};

const resourceState = z.looseObject({
    type: z.string().optional(),
    urn: z.string().optional(),
    id: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
});

const previewSchema = z.looseObject({
    steps: z
        .array(
            z.looseObject({
                op: z.string(),
                urn: z.string().regex(/^urn:pulumi:[^:]+::[^:]+::.+::.*$/, "a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)"),
                oldState: resourceState.optional(),
                newState: resourceState.optional(),
                diffReasons: z.array(z.string()).optional(),
                replaceReasons: z.array(z.string()).optional(),
            }),
        )
        .optional(),
    changeSummary: z.record(z.string(), z.number()).optional(),
});

export type PreviewDigest = z.infer<typeof previewSchema>;
type Step = NonNullable<PreviewDigest["steps"]>[number];

export interface RecoveryPoint {
    kind: RecoveryKind;
    /** What to run (the workflow runs it); for `review`, nothing can be taken automatically. */
    command?: string[];
    /** How to wait until it is complete. */
    wait?: string[];
    /** Why this recovery point, or why none can be taken. */
    note: string;
}

export interface GuardedChange {
    urn: string;
    type: string;
    name: string;
    /** The preview's ops for this resource (a replacement shows several). */
    ops: string[];
    holds: string;
    /** The properties that cause the change, when the preview names them. */
    reasons: string[];
    recoveryPoint: RecoveryPoint;
}

export interface GuardDecision {
    /** True when a recovery point must be taken before `pulumi up`. */
    backupsRequired: boolean;
    changes: GuardedChange[];
    /** Steps over resources that hold no data, counted by op (what the guard let through). */
    otherChanges: Record<string, number>;
    /** What the decision could not fill in (placeholders in commands). */
    notes: string[];
}

class GuardInputError extends Error {}

/** The type and name a URN names (the type is the last of `parent$child` qualifiers). */
export function urnParts(urn: string): { type: string; name: string } {
    const [, , qualified = "", ...rest] = urn.split("::");
    return { type: qualified.split("$").pop() ?? qualified, name: rest.join("::") };
}

function statefulTypeOf(step: Step, type: string): StatefulType | undefined {
    if (type === "kubernetes:helm.sh/v3:Release" || type === "kubernetes:helm.sh/v4:Chart") {
        const chart = [step.newState?.inputs?.chart, step.oldState?.inputs?.chart].find((c): c is string => typeof c === "string");
        return chart === undefined ? undefined : STATEFUL_CHARTS[chart];
    }
    return STATEFUL_TYPES[type];
}

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The recovery point for one changing stateful resource. */
function recoveryPointFor(kind: StatefulType, state: z.infer<typeof resourceState> | undefined, name: string, ctx: { outputs?: EstateOutputs; runId: string; notes: Set<string> }): RecoveryPoint {
    const outputs = state?.outputs ?? {};
    const inputs = state?.inputs ?? {};
    const region = str(inputs.region) ?? str(outputs.region) ?? ctx.outputs?.region;
    const regionArgs = region ? ["--region", region] : [];
    switch (kind.recovery) {
        case "aws-backup": {
            const bucket = str(outputs.bucket) ?? str(inputs.bucket);
            const arn = str(outputs.arn) ?? (bucket ? `arn:aws:s3:::${bucket}` : undefined);
            const vault = ctx.outputs?.awsBackup?.vaultName;
            const role = ctx.outputs?.awsBackup?.roleArn;
            if (!vault || !role) {
                ctx.notes.add("the AWS Backup vault and role are placeholders: pass --outputs <pulumi stack output --json> of a stack with a managed database");
            }
            return {
                kind: "aws-backup",
                command: ["aws", "backup", "start-backup-job", "--backup-vault-name", vault ?? "<vault>", "--resource-arn", arn ?? `<arn of ${name}>`, "--iam-role-arn", role ?? "<AWS Backup role>", ...regionArgs],
                wait: ["aws", "backup", "describe-backup-job", "--backup-job-id", "<BackupJobId from the start>", ...regionArgs],
                note: "an on-demand AWS Backup job into the stack's vault (its lock and copies apply); complete when the job's State is COMPLETED",
            };
        }
        case "elasticache-snapshot": {
            const group = str(outputs.replicationGroupId) ?? str(inputs.replicationGroupId) ?? str(state?.id);
            const snapshot = `${group ?? name}-predeploy-${ctx.runId}`;
            return {
                kind: "elasticache-snapshot",
                command: ["aws", "elasticache", "create-snapshot", "--replication-group-id", group ?? `<id of ${name}>`, "--snapshot-name", snapshot, ...regionArgs],
                wait: ["aws", "elasticache", "describe-snapshots", "--snapshot-name", snapshot, ...regionArgs],
                note: "a manual ElastiCache snapshot (AWS Backup does not take Redis replication groups); complete when SnapshotStatus is available",
            };
        }
        case "ebs-snapshot": {
            const volume = str(state?.id) ?? `<id of ${name}>`;
            return {
                kind: "ebs-snapshot",
                command: ["aws", "ec2", "create-snapshot", "--volume-id", volume, "--description", `${name} before deploy ${ctx.runId}`, ...regionArgs],
                wait: ["aws", "ec2", "wait", "snapshot-completed", "--snapshot-ids", "<SnapshotId from the create>", ...regionArgs],
                note: "an EBS snapshot of the volume",
            };
        }
        case "backup-job": {
            const service = kind.service!;
            const jobs = ctx.outputs?.backupJobs.services[service];
            if (!jobs) {
                ctx.notes.add(`the ${service} backup CronJob is assumed to be data/${service}-backup: pass --outputs to read its name`);
            }
            const namespace = jobs?.namespace ?? "data";
            const cronJob = jobs?.backupCronJob ?? `${service}-backup`;
            const job = `${cronJob}-predeploy-${ctx.runId}`.slice(0, 63);
            return {
                kind: "backup-job",
                command: ["kubectl", "-n", namespace, "create", "job", `--from=cronjob/${cronJob}`, job],
                wait: ["kubectl", "-n", namespace, "wait", "--for=condition=complete", `job/${job}`, "--timeout=3600s"],
                note: `a one-off Job from the ${service} backup CronJob: a fresh dump with its manifest in the backup bucket`,
            };
        }
        case "review":
            return {
                kind: "review",
                note:
                    kind.holds.startsWith("an AWS Backup vault")
                        ? "no recovery point can be taken of a vault: AWS refuses to delete one that holds recovery points, and a replacement starts empty; review before the update"
                        : "no automatic recovery point for a volume outside the estate's backup jobs: snapshot it (VolumeSnapshot or EBS) and review before the update",
            };
    }
}

/** Pure: the preview in, the decision out. */
export function decide(preview: PreviewDigest, opts: { outputs?: EstateOutputs; runId: string }): GuardDecision {
    const notes = new Set<string>();
    const byUrn = new Map<string, { steps: Step[]; kind: StatefulType; type: string; name: string }>();
    const otherChanges: Record<string, number> = {};
    for (const step of preview.steps ?? []) {
        const { type: urnType, name } = urnParts(step.urn);
        const type = step.newState?.type ?? step.oldState?.type ?? urnType;
        const kind = statefulTypeOf(step, type);
        const changing = !HARMLESS_OPS.has(step.op);
        if (kind && changing) {
            const entry = byUrn.get(step.urn) ?? { steps: [], kind, type, name };
            entry.steps.push(step);
            byUrn.set(step.urn, entry);
        } else if (step.op !== "same") {
            otherChanges[step.op] = (otherChanges[step.op] ?? 0) + 1;
        }
    }
    const changes: GuardedChange[] = [...byUrn.entries()].map(([urn, { steps, kind, type, name }]) => {
        // The existing resource's state: what the recovery point is taken of.
        const old = steps.find((s) => s.oldState)?.oldState;
        const reasons = [...new Set(steps.flatMap((s) => [...(s.replaceReasons ?? []), ...(s.diffReasons ?? [])]))];
        return { urn, type, name, ops: steps.map((s) => s.op), holds: kind.holds, reasons, recoveryPoint: recoveryPointFor(kind, old ?? steps[0]?.newState, name, { ...opts, notes }) };
    });
    return { backupsRequired: changes.length > 0, changes, otherChanges, notes: [...notes] };
}

/** The human summary. */
export function renderSummary(decision: GuardDecision): string {
    const lines: string[] = [];
    if (!decision.backupsRequired) {
        lines.push("deploy guard: nothing that holds data changes; no recovery point is needed.");
    } else {
        lines.push(`deploy guard: ${decision.changes.length} change(s) to resources that hold data; take these recovery points before 'pulumi up':`);
        for (const c of decision.changes) {
            lines.push("", `- ${c.name} (${c.type}, ${c.holds}): ${c.ops.join(", ")}${c.reasons.length ? ` of ${c.reasons.join(", ")}` : ""}`);
            lines.push(`  recovery point: ${c.recoveryPoint.note}`);
            if (c.recoveryPoint.command) {
                lines.push(`  take:  ${c.recoveryPoint.command.join(" ")}`);
            }
            if (c.recoveryPoint.wait) {
                lines.push(`  wait:  ${c.recoveryPoint.wait.join(" ")}`);
            }
        }
        lines.push("", "Rollback: restore from these recovery points (docs/runbooks/README.md).");
    }
    const others = Object.entries(decision.otherChanges).map(([op, n]) => `${n} ${op}`);
    if (others.length > 0) {
        lines.push(`other steps (no data held): ${others.join(", ")}`);
    }
    for (const note of decision.notes) {
        lines.push(`note: ${note}`);
    }
    return `${lines.join("\n")}\n`;
}

function readJson(file: string, what: string, cwd: string): unknown {
    const full = path.resolve(cwd, file);
    let text: string;
    try {
        text = fs.readFileSync(full, "utf8");
    } catch {
        throw new GuardInputError(`${what} ${file}: cannot be read`);
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new GuardInputError(`${what} ${file}: not JSON (the output of ${what === "--preview" ? "pulumi preview --json" : "pulumi stack output --json"} is expected)`);
    }
}

function issuesOf(error: z.ZodError): string {
    return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`).slice(0, 5).join("; ");
}

export interface GuardResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/** The command: arguments in, output and exit code out (no process side effects). */
export function runDeployGuard(argv: string[], env: { cwd?: string; now?: Date } = {}): GuardResult {
    const cwd = env.cwd ?? process.cwd();
    try {
        let values;
        try {
            ({ values } = parseArgs({ args: argv, options: { preview: { type: "string" }, outputs: { type: "string" }, "run-id": { type: "string" }, json: { type: "boolean", default: false } }, strict: true }));
        } catch (err) {
            throw new GuardInputError((err as Error).message);
        }
        if (values.preview === undefined) {
            throw new GuardInputError("--preview <file> is required (the output of pulumi preview --json)");
        }
        const parsed = previewSchema.safeParse(readJson(values.preview, "--preview", cwd));
        if (!parsed.success) {
            throw new GuardInputError(`--preview ${values.preview}: not the JSON of pulumi preview --json (${issuesOf(parsed.error)})`);
        }
        let outputs: EstateOutputs | undefined;
        if (values.outputs !== undefined) {
            const o = estateOutputsSchema.safeParse(readJson(values.outputs, "--outputs", cwd));
            if (!o.success) {
                throw new GuardInputError(`--outputs ${values.outputs}: not an estate stack's outputs (${issuesOf(o.error)})`);
            }
            outputs = o.data;
        }
        const runId = values["run-id"] ?? (env.now ?? new Date()).toISOString().replace(/[-:T]/g, "").slice(0, 12);
        if (!/^[a-z0-9-]{1,20}$/.test(runId)) {
            throw new GuardInputError(`--run-id must be 1 to 20 lower-case letters, digits or hyphens (it ends the recovery points' names; got ${JSON.stringify(runId)})`);
        }
        const decision = decide(parsed.data, { outputs, runId });
        return {
            exitCode: decision.backupsRequired ? EXIT_BACKUPS_REQUIRED : 0,
            stdout: values.json ? `${JSON.stringify(decision, null, 2)}\n` : renderSummary(decision),
            stderr: "",
        };
    } catch (err) {
        if (err instanceof GuardInputError) {
            return { exitCode: 2, stdout: "", stderr: `error: ${err.message}\n\n${USAGE}\n` };
        }
        throw err;
    }
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const result = runDeployGuard(argv, { cwd: process.env.INIT_CWD });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
