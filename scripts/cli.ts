/**
 * The offline `plan` and `check`: the very program `pulumi up` runs, under Pulumi's mock engine,
 * with the stack's config; `check` then evaluates the whole policy pack the way the engine would.
 *
 *   npm run plan  -- --stack <name> [--json] [--program <file.ts>] [--preview]
 *   npm run check -- --stack <name> [--json] [--program <file.ts>] [--preview] [--policy-config <file>]
 *
 * Exit codes: 0 fine; 1 a mandatory policy violation (check) or a crash; 2 a usage or config error.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UserInputError } from "../components/lib/errors";
import { packEnforcementLevel, packName, policies } from "../policies/pack";
import { fromWire, plainInputs, runProgram, type EngineRun, type RecordedResource } from "./engine/mock-engine";
import { type FlowsVerdict, flowsVerdict, renderFlowsVerdict } from "./engine/flows";
import { loadPolicyConfig } from "./engine/policy-config";
import { evaluatePolicies, type Remediation, type Violation } from "./engine/policy-harness";
import { bundleProgram, programFrom } from "./engine/program";
import { loadStackConfig } from "./engine/stack-config";

const USAGE = `usage:
  npm run plan  -- --stack <name> [--json] [--program <file.ts>] [--preview]
  npm run check -- --stack <name> [--json] [--program <file.ts>] [--preview] [--policy-config <file>]

  --stack <name>          the stack whose Pulumi.<name>.yaml config the program runs with (required)
  --json                  print machine-readable JSON instead of the tree/report
  --program <file.ts>     run this TypeScript module as the program instead of infra/
  --preview               mimic 'pulumi preview' of a new stack: ids and computed outputs unknown
  --policy-config <file>  check only: the --policy-pack-config file (default policies/config/<stack>.json,
                          else policies/config/<profile>.json)`;

export interface CliResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

interface Options {
    command: "plan" | "check";
    stack: string;
    json: boolean;
    program: string;
    preview: boolean;
    policyConfig?: string;
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
        program: values.program ?? "infra/index.ts",
        preview: values.preview ?? false,
        policyConfig: values["policy-config"],
    };
}

/** Runs the stack's program under the mock engine. */
export async function planStack(root: string, opts: { stack: string; program?: string; preview?: boolean }): Promise<EngineRun> {
    const stackConfig = loadStackConfig(root, opts.stack);
    const bundle = await bundleProgram(root, opts.program ?? "infra/index.ts");
    return runProgram(programFrom(bundle), {
        project: stackConfig.project,
        stack: opts.stack,
        config: stackConfig.config,
        secretKeys: stackConfig.secretKeys,
        preview: opts.preview ?? false,
    });
}

/** The policy-pack config file for a stack: explicit, else per stack, else per profile. */
export function resolvePolicyConfigFile(root: string, stack: string, explicit?: string): string {
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
    const profile = loadStackConfig(root, stack).config["estate:profile"];
    const perProfile = path.join(root, "policies", "config", `${profile}.json`);
    if (profile && fs.existsSync(perProfile)) {
        return perProfile;
    }
    throw new UserInputError(
        `no policy config for stack ${stack}: create policies/config/${stack}.json (copy dev.json or prod.json) or pass --policy-config`,
    );
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
    stack: string,
    remediations: Remediation[],
    violations: Violation[],
    policyCount: number,
    resourceCount: number,
    configFile: string,
    flows: FlowsVerdict,
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
    lines.push(
        `policy pack ${packName}: ${policyCount} policies over ${resourceCount} resources of stack ${stack} ` +
            `(config ${path.relative(process.cwd(), configFile) || configFile}): ${mandatory} mandatory, ${violations.length - mandatory} advisory violations` +
            (remediations.length > 0 ? `; ${remediations.length} resource(s) would be remediated` : ""),
    );
    return lines.join("\n") + "\n";
}

/** The whole command, returning what to print and the exit code (tests call this directly). */
export async function runCli(root: string, command: string, argv: string[]): Promise<CliResult> {
    try {
        const opts = parseOptions(command, argv);
        const policyConfigFile = opts.command === "check" ? resolvePolicyConfigFile(root, opts.stack, opts.policyConfig) : undefined;
        // A wrong config file fails before the program runs (exit 2, the file, policy and property named).
        const policyConfig = policyConfigFile ? loadPolicyConfig(policyConfigFile, policies, opts.policyConfig ?? path.relative(root, policyConfigFile), path.join(root, ".estate", "cache")) : undefined;
        const run = await planStack(root, opts);
        if (opts.command === "plan") {
            const stdout = opts.json
                ? JSON.stringify({ project: run.project, stack: run.stack, resources: jsonResources(run), outputs: outputsOf(run), diagnostics: run.diagnostics }, null, 2) + "\n"
                : renderTree(run);
            return { exitCode: 0, stdout, stderr: "" };
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
                      stack: run.stack,
                      resources: run.resources.length,
                      policies: policies.length,
                      diagnostics: run.diagnostics,
                      flows,
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
            : renderReport(run.stack, report.remediations, report.violations, policies.length, run.resources.length, policyConfigFile!, flows);
        return { exitCode: mandatory ? 1 : 0, stdout, stderr: "" };
    } catch (err) {
        if (pulumi.RunError.isInstance(err)) {
            return { exitCode: 2, stdout: "", stderr: `error: ${(err as Error).message}\n` };
        }
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        return { exitCode: 1, stdout: "", stderr: `internal error (a bug, not a mistake of yours):\n${detail}\n` };
    }
}

/** Entry point for `scripts/run.mjs`. */
export async function main(command: string, argv: string[]): Promise<number> {
    const result = await runCli(process.cwd(), command, argv);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
