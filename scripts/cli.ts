/**
 * The offline `plan` and `check`: the very program `pulumi up` runs, under Pulumi's mock engine,
 * with the stack's config; `check` then evaluates the whole policy pack the way the engine would.
 *
 *   npm run plan  -- --stack <name> [--program <dir|file>] [--config k=v]... [--json] [--out <file>] [--preview]
 *   npm run check -- --stack <name> [--program <dir|file>] [--config k=v]... [--json] [--out <file>] [--preview] [--policy-config <file>]
 *
 * Exit codes: 0 clean; 1 a mandatory policy violation (check); 2 a usage or config error; 3 the
 * program itself failed (it does not compile, or it threw); 4 a bug of the checker.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { PolicyPackConfig } from "@pulumi/policy";
import { UserInputError } from "../components/lib/errors";
import { packEnforcementLevel, packName, policies } from "../policies/pack";
import { acceptanceKey, type UnevaluatedConfig } from "../policies/coverage/unevaluated";
import { type Diagnostic, fromWire, plainInputs, runProgram, type EngineRun, type RecordedResource, type UnevaluatedResource } from "./engine/mock-engine";
import { type FlowsVerdict, flowsVerdict, renderFlowsVerdict } from "./engine/flows";
import { loadPolicyConfig } from "./engine/policy-config";
import { evaluatePolicies, type Remediation, type Violation } from "./engine/policy-harness";
import { type BundledProgram, bundleProgram, mapStack, ProgramError, programFrom } from "./engine/program";
import { loadStackConfig, type StackConfig, withOverrides } from "./engine/stack-config";

const USAGE = `usage:
  npm run plan  -- --stack <name> [--program <dir|file>] [--config key=value]... [--json] [--out <file>] [--preview]
  npm run check -- --stack <name> [--program <dir|file>] [--config key=value]... [--json] [--out <file>] [--preview] [--policy-config <file>]

  --stack <name>          the stack whose Pulumi.<name>.yaml config the program runs with (required)
  --program <dir|file>    a Pulumi project folder (with Pulumi.yaml: its name, main and Pulumi.<stack>.yaml
                          are used, it runs in that folder, its node_modules first), or a TypeScript file
                          run with this project's stack config (default: this project, infra/)
  --config key=value      add or override a config value (repeatable; a key without namespace is the project's)
  --json                  print only machine-readable JSON on stdout (the program's own output goes to stderr)
  --out <file>            write the tree, report or JSON to <file> instead; stdout then only says where
                          (npm prints its own banner on stdout: use npm run -s, or --out, for clean JSON)
  --preview               mimic 'pulumi preview' of a new stack: ids and computed outputs unknown
  --policy-config <file>  check only: the --policy-pack-config file (default policies/config/<stack>.json,
                          else policies/config/<profile>.json; a project of its own with neither: pack defaults)

exit codes: 0 clean, 1 a mandatory violation, 2 a usage or config error, 3 the program itself failed, 4 a bug of the checker`;

export interface CliResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

interface Options {
    command: "plan" | "check";
    stack: string;
    json: boolean;
    /** `--program` as given; unset runs this project. */
    program?: string;
    preview: boolean;
    policyConfig?: string;
    /** `--config key=value` overrides, in order. */
    config: string[];
    /** `--out <file>`: where the output goes instead of stdout. */
    out?: string;
}

function parseOptions(command: string, argv: string[]): Options {
    if (command !== "plan" && command !== "check") {
        throw new UserInputError(`unknown command ${JSON.stringify(command)}: expected plan or check\n${USAGE}`);
    }
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                stack: { type: "string" },
                json: { type: "boolean", default: false },
                program: { type: "string" },
                preview: { type: "boolean", default: false },
                "policy-config": { type: "string" },
                config: { type: "string", multiple: true },
                out: { type: "string" },
            },
        }));
    } catch (err) {
        throw new UserInputError(`${(err as Error).message}\n${USAGE}`);
    }
    if (!values.stack) {
        throw new UserInputError(`--stack is required\n${USAGE}`);
    }
    if (command === "plan" && values["policy-config"] !== undefined) {
        throw new UserInputError(`--policy-config is for check only\n${USAGE}`);
    }
    return {
        command,
        stack: values.stack,
        json: values.json ?? false,
        program: values.program,
        preview: values.preview ?? false,
        policyConfig: values["policy-config"],
        config: values.config ?? [],
        out: values.out,
    };
}

/**
 * With `--out`, writes what would have gone to stdout to the file (relative to `root`), and
 * returns the line that says where; without it, returns the output itself.
 */
function deliver(root: string, out: string | undefined, output: string): string {
    if (out === undefined) {
        return output;
    }
    const file = path.resolve(root, out);
    try {
        fs.writeFileSync(file, output);
    } catch (err) {
        throw new UserInputError(`--out ${out}: cannot write the file: ${(err as Error).message}`);
    }
    return `wrote ${out}\n`;
}

/** What a run executes: which program, in which folder, with which stack config. */
export interface Target {
    /** The folder the program runs in (its project's; this project's for a single file). */
    projectDir: string;
    /** The program's entry (file or folder), relative to `projectDir` or absolute. */
    entry: string;
    stackConfig: StackConfig;
    /** A project of its own (not this one): no estate policy config is required for it. */
    foreign: boolean;
}

/** Resolves `--program` (a project folder, or a file run with this project's config) and `--config`. */
export function resolveTarget(root: string, opts: { stack: string; program?: string; config?: readonly string[] }): Target {
    let target: Target;
    const program = opts.program !== undefined ? path.resolve(root, opts.program) : undefined;
    if (program !== undefined && fs.existsSync(path.join(program, "Pulumi.yaml")) && fs.statSync(program).isDirectory()) {
        const stackConfig = loadStackConfig(program, opts.stack);
        target = { projectDir: program, entry: stackConfig.main ?? ".", stackConfig, foreign: path.resolve(program) !== path.resolve(root) };
    } else {
        const stackConfig = loadStackConfig(root, opts.stack);
        target = { projectDir: root, entry: program ?? stackConfig.main ?? "infra/index.ts", stackConfig, foreign: false };
    }
    return { ...target, stackConfig: withOverrides(target.stackConfig, opts.config ?? []) };
}

/**
 * What the program printed while it ran goes to stderr, so that stdout carries only the command's
 * own output (under `--json`, parseable JSON); and no request leaves the machine: a `fetch` is
 * answered with an empty body and reported (a YAML file from a URL is then listed as unevaluated).
 */
async function isolated<T>(cwd: string, diagnostics: () => Diagnostic[] | undefined, fn: () => Promise<T>): Promise<{ result: T; escaped: unknown[] }> {
    const previousCwd = process.cwd();
    const write = process.stdout.write;
    const fetch = globalThis.fetch;
    const exit = process.exit;
    const fetched: string[] = [];
    // What the program let escape: a rejection nobody awaited, an error thrown in a callback.
    // `pulumi up` fails on those too (its Node.js language host reports them and exits non-zero).
    const escaped: unknown[] = [];
    const onEscape = (reason: unknown) => {
        escaped.push(reason);
    };
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
    globalThis.fetch = (async (input: string | URL | Request) => {
        fetched.push(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
        return new Response("", { status: 200, statusText: "OK (offline: not fetched)" });
    }) as typeof globalThis.fetch;
    const refuseExit = (code?: number | string | null): never => {
        const err = new Error(`the program called process.exit(${code ?? ""})`);
        // The stack starts at the program's call, not in this replacement.
        Error.captureStackTrace(err, refuseExit);
        throw err;
    };
    process.exit = refuseExit as typeof process.exit;
    process.on("unhandledRejection", onEscape);
    process.on("uncaughtException", onEscape);
    process.chdir(cwd);
    try {
        const result = await fn();
        // One more turn of the event loop: Node reports a rejection nobody handled only after the
        // microtasks of the turn that made it have run.
        await new Promise((resolve) => setImmediate(resolve));
        return { result, escaped };
    } finally {
        process.chdir(previousCwd);
        process.off("unhandledRejection", onEscape);
        process.off("uncaughtException", onEscape);
        process.exit = exit;
        process.stdout.write = write;
        globalThis.fetch = fetch;
        for (const url of fetched) {
            diagnostics()?.push({ severity: "warning", message: `offline: ${url} was not fetched (the program got an empty body); what it describes is listed as unevaluated` });
        }
    }
}

/** Runs the stack's program under the mock engine (the program's own failure in `EngineRun.error`). */
export async function planStack(
    root: string,
    opts: { stack: string; program?: string; preview?: boolean; config?: readonly string[]; captureErrors?: boolean },
): Promise<EngineRun & { bundle: BundledProgram }> {
    const target = resolveTarget(root, opts);
    const bundle = await bundleProgram(target.projectDir, target.entry, target.foreign ? { projectDir: target.projectDir } : {});
    let run: EngineRun | undefined;
    const { escaped } = await isolated(target.projectDir, () => run?.diagnostics, async () => {
        run = await runProgram(programFrom(bundle), {
            project: target.stackConfig.project,
            stack: opts.stack,
            config: target.stackConfig.config,
            secretKeys: target.stackConfig.secretKeys,
            preview: opts.preview ?? false,
            captureErrors: true,
        });
    });
    if (run!.error === undefined && escaped.length > 0) {
        run!.error = escaped[0];
    }
    if (run!.error !== undefined && !opts.captureErrors) {
        throw run!.error;
    }
    return { ...run!, bundle };
}

/** The policy-pack config file for a stack: explicit, else per stack, else per profile; none for a project of its own. */
export function resolvePolicyConfigFile(root: string, stack: string, explicit?: string, target?: Target): string | undefined {
    if (explicit) {
        if (!fs.existsSync(path.resolve(root, explicit))) {
            throw new UserInputError(`--policy-config ${explicit}: no such file`);
        }
        return path.resolve(root, explicit);
    }
    const perStack = path.join(root, "policies", "config", `${stack}.json`);
    if (fs.existsSync(perStack)) {
        return perStack;
    }
    const profile = (target?.stackConfig ?? loadStackConfig(root, stack)).config["estate:profile"];
    const perProfile = path.join(root, "policies", "config", `${profile}.json`);
    if (profile && fs.existsSync(perProfile)) {
        return perProfile;
    }
    if (target?.foreign) {
        return undefined;
    }
    throw new UserInputError(
        `no policy config for stack ${stack}: create policies/config/${stack}.json (copy dev.json or prod.json) or pass --policy-config`,
    );
}

/** Errors of the SDK's `Config` (a missing or malformed config value): the stack's config is wrong, not the program. */
const CONFIG_ERRORS = new Set(["ConfigMissingError", "ConfigTypeError", "ConfigEnumError", "ConfigRangeError", "ConfigPatternError"]);

/** A stack cut where the program's own frames end (Node's module loader and the checker below it are noise to its author). */
function programFrames(stack: string): string {
    const lines = stack.split("\n");
    const end = lines.findIndex((l) => /^\s+at .*(node:internal\/modules\/|[/\\]\.estate[/\\]build[/\\](?!program-))/.test(l));
    return (end < 0 ? lines : lines.slice(0, end)).join("\n");
}

/**
 * Whether the program failed on its stack's config: a `Config` error of the SDK, or the estate's
 * `UserInputError` (matched by class name along the prototype chain: the program is bundled apart
 * from the checker, with its own copy of the class).
 */
function isConfigError(err: unknown): boolean {
    if (!pulumi.RunError.isInstance(err)) {
        return false;
    }
    for (let proto = Object.getPrototypeOf(err) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "";
        if (name === UserInputError.name || CONFIG_ERRORS.has(name)) {
            return true;
        }
    }
    return false;
}

/** What to print, and the exit code, for a program that failed. */
function programFailure(err: unknown, run: EngineRun & { bundle: BundledProgram }, root: string): CliResult {
    if (isConfigError(err)) {
        return { exitCode: 2, stdout: "", stderr: `error: ${(err as Error).message}\n` };
    }
    const relative = path.relative(root, run.bundle.entry);
    const program = relative && !relative.startsWith("..") ? relative : run.bundle.entry;
    const lines: string[] = [];
    if (pulumi.RunError.isInstance(err)) {
        // The CLI prints a RunError's message only: the program chose to fail with it.
        lines.push(`error: the program ${program} failed: ${(err as Error).message}`);
    } else {
        const error = err instanceof Error ? err : new Error(String(err));
        lines.push(`error: the program ${program} failed:`, programFrames(mapStack(error.stack ?? `${error.name}: ${error.message}`, run.bundle)));
        if ((error as { code?: string }).code === "MODULE_NOT_FOUND") {
            lines.push(`hint: install the program's dependencies (npm install in ${path.dirname(run.bundle.entry)})`);
        }
    }
    if (run.unansweredInvokes.length > 0) {
        lines.push(`note: before it failed, these data sources had no offline answer (their string fields read "unanswered-invoke(...)"): ${run.unansweredInvokes.join(", ")}`);
    }
    return { exitCode: 3, stdout: "", stderr: lines.join("\n") + "\n" };
}

function jsonResources(run: EngineRun) {
    return run.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        custom: r.custom,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        inputs: plainInputs(r),
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    }));
}

function outputsOf(run: EngineRun): Record<string, unknown> {
    return (run.outputs ? fromWire(run.outputs.toJavaScript()) : {}) as Record<string, unknown>;
}

function renderTree(run: EngineRun): string {
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of run.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [];
    const walk = (r: RecordedResource, prefix: string, last: boolean, root: boolean) => {
        const flags = [r.protect ? "protect" : "", r.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean);
        const label = `${r.type} ${r.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`;
        lines.push(root ? label : `${prefix}${last ? "└─ " : "├─ "}${label}`);
        const kids = children.get(r.urn) ?? [];
        kids.forEach((k, i) => walk(k, root ? "" : `${prefix}${last ? "   " : "│  "}`, i === kids.length - 1, false));
    };
    for (const top of children.get(undefined) ?? []) {
        walk(top, "", true, true);
    }
    const custom = run.resources.filter((r) => r.custom).length;
    lines.push("");
    lines.push(`${run.resources.length} resources (${custom} custom, ${run.resources.length - custom} components) in stack ${run.stack}`);
    const outputs = outputsOf(run);
    if (Object.keys(outputs).length > 0) {
        lines.push("", "outputs:");
        for (const [k, v] of Object.entries(outputs)) {
            lines.push(`  ${k}: ${JSON.stringify(v)}`);
        }
    }
    if (run.diagnostics.length > 0) {
        lines.push("", "diagnostics:");
        for (const d of run.diagnostics) {
            lines.push(`  ${d.severity}: ${d.urn ? `${d.urn}: ` : ""}${d.message}`);
        }
    }
    return lines.join("\n") + "\n";
}

function renderReport(
    run: EngineRun,
    remediations: Remediation[],
    violations: Violation[],
    policyCount: number,
    configFile: string | undefined,
    flows: FlowsVerdict,
    unevaluated: ReportedUnevaluated[],
): string {
    const lines: string[] = [];
    // Remediations first, as the engine applies them before it validates; they never fail the check.
    for (const r of remediations) {
        lines.push(`[remediate] ${r.policy}${r.severity ? ` (${r.severity})` : ""}`, `  resource: ${r.urn}`);
        for (const change of r.changes) {
            lines.push(`  would remediate: ${change}`);
        }
    }
    const order = { mandatory: 0, remediate: 0, advisory: 1, disabled: 2 } as const;
    for (const v of [...violations].sort((a, b) => order[a.enforcementLevel] - order[b.enforcementLevel])) {
        lines.push(`[${v.enforcementLevel}] ${v.policy}${v.severity ? ` (${v.severity})` : ""}`);
        if (v.urn) {
            lines.push(`  resource: ${v.urn}`);
        }
        for (const line of v.message.split("\n")) {
            lines.push(`  ${line}`);
        }
    }
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    // The flows verdict (policy estate-k8s-network-flows reports the same denials as violations).
    lines.push(`${lines.length ? "\n" : ""}${renderFlowsVerdict(flows).join("\n")}`);
    for (const d of run.diagnostics.filter((d) => d.severity !== "info")) {
        lines.push(`${d.severity}: ${d.message}`);
    }
    lines.push(...renderUnevaluated(unevaluated));
    const config = configFile ? `config ${path.relative(process.cwd(), configFile) || configFile}` : "no policy config: the pack's defaults, every policy advisory";
    lines.push(
        `policy pack ${packName}: ${policyCount} policies over ${run.resources.length} resources of stack ${run.stack} ` +
            `(${config}): ${mandatory} mandatory, ${violations.length - mandatory} advisory violations` +
            (remediations.length > 0 ? `; ${remediations.length} resource(s) would be remediated` : ""),
    );
    return lines.join("\n") + "\n";
}

/** An unevaluated resource as the report shows it: accepted when the policy config lists it, with the reason given there. */
export interface ReportedUnevaluated {
    urn: string;
    type: string;
    reason: string;
    accepted?: string;
}

function reportedUnevaluated(unevaluated: UnevaluatedResource[], config: PolicyPackConfig | undefined): ReportedUnevaluated[] {
    const entry = config?.["estate-unevaluated-content"];
    const accepted = new Map(((typeof entry === "object" ? (entry as UnevaluatedConfig).accepted : undefined) ?? []).map((a) => [a.resource, a.reason]));
    return unevaluated.map((u) => {
        const why = accepted.get(acceptanceKey(u));
        return { urn: u.urn, type: u.type, reason: u.reason, ...(why ? { accepted: why } : {}) };
    });
}

function renderUnevaluated(unevaluated: ReportedUnevaluated[]): string[] {
    if (unevaluated.length === 0) {
        return ["unevaluated: none (every resource's contents were seen by the policies)"];
    }
    const accepted = unevaluated.filter((u) => u.accepted).length;
    const lines = [`unevaluated: ${unevaluated.length} resource(s) whose contents no policy could see${accepted ? ` (${accepted} accepted by the policy config)` : ""}:`];
    for (const u of unevaluated) {
        lines.push(`  ${u.type} ${u.urn.split("::").pop()}: ${u.reason}${u.accepted ? " [accepted in the policy config]" : ""}`);
    }
    return lines;
}

/** The whole command, returning what to print and the exit code (tests call this directly). */
export async function runCli(root: string, command: string, argv: string[]): Promise<CliResult> {
    try {
        const opts = parseOptions(command, argv);
        const target = resolveTarget(root, opts);
        // No policy config found for the stack is reported after the program has run: when the
        // stack's own config is wrong (no or an unknown estate:profile, an empty file), that is the
        // error to fix first, and the program's config parse names it.
        let policyConfigFile: string | undefined;
        let noPolicyConfig: UserInputError | undefined;
        if (opts.command === "check") {
            try {
                policyConfigFile = resolvePolicyConfigFile(root, opts.stack, opts.policyConfig, target);
            } catch (err) {
                if (!(err instanceof UserInputError) || opts.policyConfig !== undefined) {
                    throw err;
                }
                noPolicyConfig = err;
            }
        }
        // A wrong policy config file fails before the program runs (exit 2, the file, policy and property named).
        const policyConfig = policyConfigFile ? loadPolicyConfig(policyConfigFile, policies, opts.policyConfig ?? path.relative(root, policyConfigFile), path.join(root, ".estate", "cache")) : undefined;
        const run = await planStack(root, { ...opts, captureErrors: true });
        if (run.error !== undefined) {
            return programFailure(run.error, run, root);
        }
        if (noPolicyConfig !== undefined) {
            throw noPolicyConfig;
        }
        const unevaluated = reportedUnevaluated(run.unevaluated, policyConfig);
        if (opts.command === "plan") {
            const stdout = opts.json
                ? JSON.stringify({ project: run.project, stack: run.stack, resources: jsonResources(run), outputs: outputsOf(run), diagnostics: run.diagnostics, unevaluated }, null, 2) + "\n"
                : renderTree(run) + (unevaluated.length > 0 ? `\n${renderUnevaluated(unevaluated).join("\n")}\n` : "");
            return { exitCode: 0, stdout: deliver(root, opts.out, stdout), stderr: "" };
        }
        const report = await evaluatePolicies(policies, run.resources, {
            packEnforcementLevel,
            config: policyConfig,
        });
        const mandatory = report.violations.some((v) => v.enforcementLevel === "mandatory");
        const flows = flowsVerdict(run.resources);
        const stdout = opts.json
            ? JSON.stringify(
                  {
                      project: run.project,
                      stack: run.stack,
                      resources: run.resources.length,
                      policies: policies.length,
                      policyConfig: policyConfigFile ? path.relative(root, policyConfigFile) || policyConfigFile : null,
                      diagnostics: run.diagnostics,
                      flows,
                      unevaluated,
                      remediations: report.remediations.map((r) => ({ policy: r.policy, severity: r.severity ?? null, urn: r.urn, changes: r.changes })),
                      violations: report.violations.map((v) => ({
                          policy: v.policy,
                          enforcementLevel: v.enforcementLevel,
                          severity: v.severity ?? null,
                          urn: v.urn ?? null,
                          message: v.message,
                      })),
                  },
                  null,
                  2,
              ) + "\n"
            : renderReport(run, report.remediations, report.violations, policies.length, policyConfigFile, flows, unevaluated);
        return { exitCode: mandatory ? 1 : 0, stdout: deliver(root, opts.out, stdout), stderr: "" };
    } catch (err) {
        if (err instanceof ProgramError) {
            return { exitCode: 3, stdout: "", stderr: `error: ${err.message}\n` };
        }
        if (pulumi.RunError.isInstance(err)) {
            return { exitCode: 2, stdout: "", stderr: `error: ${(err as Error).message}\n` };
        }
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        return { exitCode: 4, stdout: "", stderr: `internal error (a bug of the checker, not a mistake of yours; please report it):\n${detail}\n` };
    }
}

/** Entry point for `scripts/run.mjs`. */
export async function main(command: string, argv: string[]): Promise<number> {
    const result = await runCli(process.cwd(), command, argv);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
