/**
 * What the CLI tests share: the estate's root, its fixture programs, `runCli` with each distinct
 * command on the estate's own stacks run once per file, and `npm` as a real process.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { runCli as runCliAfresh } from "../../scripts/cli";

export const root = path.resolve(__dirname, "../..");
export const fixture = (name: string) => path.join(root, "test/fixtures/programs", name);

/**
 * `runCli` on the estate's own stacks, each distinct command once per file: the same plain
 * `check --stack dev --json` asked by two tests plans the whole estate once. Calls that name a
 * temporary file or another root always run afresh.
 */
const cliRuns = new Map<string, ReturnType<typeof runCliAfresh>>();
export function runCli(...args: Parameters<typeof runCliAfresh>): ReturnType<typeof runCliAfresh> {
    const [dir, command, argv] = args;
    if (dir !== root || argv.some((a) => path.isAbsolute(a))) {
        return runCliAfresh(...args);
    }
    const key = JSON.stringify([command, argv]);
    if (!cliRuns.has(key)) {
        cliRuns.set(key, runCliAfresh(...args));
    }
    return cliRuns.get(key)!;
}

/** `<command> <args>` as a real process in the estate's folder, awaited without blocking the test process. */
export function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

export interface PlanJson {
    project: string;
    stack: string;
    resources: {
        urn: string;
        type: string;
        name: string;
        parent: string | null;
        custom: boolean;
        protect: boolean;
        retainOnDelete: boolean;
        inputs: Record<string, unknown>;
        dependencies: string[];
        propertyDependencies: Record<string, string[]>;
    }[];
    outputs: Record<string, unknown>;
}

export interface CheckJson {
    stack: string;
    resources: number;
    policies: number;
    flows: {
        required: number;
        allowed: number;
        denied: { name: string; declaredBy: string; urn: string; flow: string; reason: string; policiesAtFault: string[] }[];
        missingSolverFlows: string[];
        invalidPolicies: string[];
    };
    violations: { policy: string; enforcementLevel: string; severity: string | null; urn: string | null; message: string }[];
}
