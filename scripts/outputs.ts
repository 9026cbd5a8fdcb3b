/**
 * One app's view of a stack's outputs, as a `.env` file or JSON: what an app outside the cluster
 * (a laptop, CI, another platform) needs to reach the estate. The values are the ones the app gets
 * in the cluster through its Secret `<app>-env` (`apps.<app>.env` in the outputs contract).
 *
 *   npm run outputs -- --stack <name> --app <app> [--format env|json] [--file <saved.json>] [--out <file>] [--show-secrets]
 *
 * The outputs come from `pulumi stack output --json --show-secrets --stack <name>`, or from a saved
 * copy of it (`--file`). They are validated against the contract (`infra/contract.ts`) first.
 * Credentials are not printed to a terminal unless `--show-secrets` says so: write them to a file
 * (`--out`, created with mode 0600) or pipe them.
 *
 * Exit codes: 0 written; 2 a usage error, outputs that do not match the contract, or a refusal.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { checkOutputsVersion, estateOutputsSchema, hasSecrets, type AppOutputs } from "../infra/contract";

const USAGE = `usage:
  npm run outputs -- --stack <name> --app <app> [--format env|json] [--file <saved.json>] [--out <file>] [--show-secrets]

  --stack <name>      the stack to read (pulumi stack output --json --show-secrets --stack <name>)
  --app <app>         the app (an estate:services entry) whose outputs to write (required)
  --format env|json   a .env file of the app's environment (default), or the app's outputs as JSON
  --file <saved.json> read a saved 'pulumi stack output --json --show-secrets' instead of calling pulumi
  --out <file>        write to this file (mode 0600) instead of standard output
  --show-secrets      allow credentials on a terminal`;

export interface OutputsResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

export interface OutputsEnvironment {
    /** Whether standard output is a terminal (credentials are then refused without --show-secrets). */
    stdoutIsTTY: boolean;
    /** The `pulumi` executable (tests point it elsewhere). Default: `pulumi` on PATH. */
    pulumi?: string;
    /** Where relative `--file` and `--out` paths start (npm runs scripts in the project root; `INIT_CWD` is the user's directory). Default: the root. */
    cwd?: string;
}

class OutputsError extends Error {}

interface Options {
    stack?: string;
    app: string;
    format: "env" | "json";
    file?: string;
    out?: string;
    showSecrets: boolean;
}

function parseOptions(argv: string[]): Options {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                app: { type: "string" },
                format: { type: "string" },
                file: { type: "string" },
                out: { type: "string" },
                "show-secrets": { type: "boolean" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        throw new OutputsError(`${(err as Error).message}\n${USAGE}`);
    }
    if (values.app === undefined) {
        throw new OutputsError(`--app is required\n${USAGE}`);
    }
    if (values.stack === undefined && values.file === undefined) {
        throw new OutputsError(`--stack is required (or --file with saved outputs)\n${USAGE}`);
    }
    const format = values.format ?? "env";
    if (format !== "env" && format !== "json") {
        throw new OutputsError(`--format must be env or json (got ${JSON.stringify(format)})`);
    }
    return { stack: values.stack, app: values.app, format, file: values.file, out: values.out, showSecrets: values["show-secrets"] === true };
}

/** The stack's outputs as `pulumi stack output --json --show-secrets` prints them. */
function readOutputs(root: string, opts: Options, env: OutputsEnvironment): { text: string; source: string } {
    if (opts.file !== undefined) {
        const file = path.resolve(env.cwd ?? root, opts.file);
        if (!fs.existsSync(file)) {
            throw new OutputsError(`--file ${opts.file}: no such file`);
        }
        return { text: fs.readFileSync(file, "utf8"), source: opts.file };
    }
    const cli = env.pulumi ?? "pulumi";
    const result = spawnSync(cli, ["stack", "output", "--json", "--show-secrets", "--stack", opts.stack!], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) {
        throw new OutputsError(
            `cannot run the Pulumi CLI (${(result.error as NodeJS.ErrnoException).code ?? result.error.message}): install it (https://www.pulumi.com/docs/install/), ` +
                `or pass --file with a saved 'pulumi stack output --json --show-secrets --stack ${opts.stack}'`,
        );
    }
    if (result.status !== 0) {
        throw new OutputsError(`'pulumi stack output --stack ${opts.stack}' failed (exit ${result.status}): ${result.stderr.trim()}`);
    }
    return { text: result.stdout, source: `pulumi stack output --stack ${opts.stack}` };
}

function appOutputs(text: string, source: string, app: string): AppOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new OutputsError(`${source} is not JSON (${(err as Error).message}): expected the output of 'pulumi stack output --json --show-secrets'`);
    }
    const version = checkOutputsVersion(raw);
    if (!version.ok) {
        throw new OutputsError(`${source}: ${version.message}`);
    }
    const apps = (raw as { apps?: Record<string, unknown> }).apps ?? {};
    if (!Object.prototype.hasOwnProperty.call(apps, app)) {
        throw new OutputsError(`${source} has no app ${JSON.stringify(app)} (apps: ${Object.keys(apps).sort().join(", ") || "none"})`);
    }
    if (JSON.stringify(apps[app]).includes('"[secret]"')) {
        throw new OutputsError(`${source} holds "[secret]" placeholders: the outputs were read without --show-secrets, so the credentials are not in them`);
    }
    const parsed = estateOutputsSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(top level)"}: ${i.message}`).join("\n");
        throw new OutputsError(`${source} does not match the outputs contract (infra/contract.ts):\n${problems}`);
    }
    return parsed.data.apps[app]!;
}

/** A `.env` value: bare when safe, else double-quoted with `\`, `"`, `$` and newlines escaped (dotenv and docker compose read both). */
function envValue(value: string): string {
    if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) {
        return value;
    }
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "\\$").replace(/\n/g, "\\n")}"`;
}

export function renderEnv(app: string, outputs: AppOutputs, stack: string | undefined): string {
    const header = [
        `# The estate's environment for app ${app}${stack ? ` of stack ${stack}` : ""}: the values of its Secret ${app}-env in the cluster.`,
        ...(hasSecrets(outputs) ? ["# Contains credentials: keep it out of version control and out of logs."] : []),
    ];
    // A credential that rotates is not in the file (it would be stale within days): say where to read it.
    const rotating = (outputs.syncedEnv ?? []).flatMap((synced) =>
        synced.variables.map(
            (variable) =>
                `# ${variable} is not in this file: its password rotates. In the cluster it comes from Secret ${synced.secret}; ` +
                `elsewhere build it when connecting from 'aws secretsmanager get-secret-value --secret-id ${synced.secretArn}' (docs/credentials.md).`,
        ),
    );
    const lines = Object.keys(outputs.env)
        .sort()
        .map((key) => `${key}=${envValue(outputs.env[key]!)}`);
    return [...header, ...rotating, ...lines].join("\n") + "\n";
}

/** The whole command, returning what to print and the exit code (tests call this directly). */
export function runOutputs(root: string, argv: string[], env: OutputsEnvironment): OutputsResult {
    try {
        const opts = parseOptions(argv);
        const { text, source } = readOutputs(root, opts, env);
        const outputs = appOutputs(text, source, opts.app);
        const body = opts.format === "env" ? renderEnv(opts.app, outputs, opts.stack) : JSON.stringify(outputs, null, 2) + "\n";
        if (opts.out !== undefined) {
            const file = path.resolve(env.cwd ?? root, opts.out);
            fs.writeFileSync(file, body, { mode: 0o600 });
            // An existing file keeps its mode on write: make it private too.
            fs.chmodSync(file, 0o600);
            const what = opts.format === "env" ? `${Object.keys(outputs.env).length} variables` : "outputs";
            return { exitCode: 0, stdout: "", stderr: `wrote ${what} of app ${opts.app} to ${opts.out} (mode 600)\n` };
        }
        if (env.stdoutIsTTY && hasSecrets(outputs) && !opts.showSecrets) {
            throw new OutputsError(
                `refusing to print the credentials of app ${opts.app} to a terminal: write them to a file with --out <file> (mode 600), ` +
                    `pipe them to where they go, or pass --show-secrets`,
            );
        }
        return { exitCode: 0, stdout: body, stderr: "" };
    } catch (err) {
        if (err instanceof OutputsError) {
            return { exitCode: 2, stdout: "", stderr: `error: ${err.message}\n` };
        }
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        return { exitCode: 1, stdout: "", stderr: `internal error (a bug, not a mistake of yours):\n${detail}\n` };
    }
}

/** Entry point for `scripts/run.mjs`. */
export async function main(_command: string, argv: string[]): Promise<number> {
    const result = runOutputs(process.cwd(), argv, { stdoutIsTTY: process.stdout.isTTY === true, cwd: process.env.INIT_CWD });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
