/**
 * `npm run outputs`: one app's outputs as a .env file or JSON, from a saved copy of
 * `pulumi stack output --json --show-secrets` (made here from the prod estate under the mock
 * engine, so it follows the program), or from the Pulumi CLI (a stand-in script here).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTPUTS_VERSION, type EstateOutputs } from "../../infra/contract";
import { plannedStack } from "../helpers/plans";
import { fromWire } from "../../scripts/engine/mock-engine";
import { runOutputs } from "../../scripts/outputs";

const root = path.resolve(__dirname, "../..");
let dir: string;
let saved: string;
let outputs: EstateOutputs;

/** The saved outputs, changed by `edit`, in a file of their own. */
function variant(name: string, edit: (o: Record<string, unknown>) => unknown): string {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(edit(structuredClone(outputs) as unknown as Record<string, unknown>)));
    return file;
}

/** Parses a .env file the way dotenv does for the forms renderEnv writes. */
function parseEnv(text: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
        if (!m) continue;
        const raw = m[2]!;
        env[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\n/g, "\n").replace(/\\([\\"$])/g, "$1") : raw;
    }
    return env;
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-outputs-"));
    const run = await plannedStack("prod");
    outputs = fromWire(run.outputs!.toJavaScript(), "unwrap") as EstateOutputs;
    saved = path.join(dir, "prod.json");
    fs.writeFileSync(saved, JSON.stringify(outputs, null, 2));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const piped = { stdoutIsTTY: false };

describe("npm run outputs", () => {
    it("writes an app's environment as a .env file: the values of its Secret in the cluster", () => {
        const result = runOutputs(root, ["--file", saved, "--app", "web", "--stack", "prod"], piped);
        expect(result.stderr).toBe("");
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^# The estate's environment for app web of stack prod/);
        expect(result.stdout).toContain("# Contains credentials");
        expect(parseEnv(result.stdout)).toEqual(outputs.apps.web!.env);
        expect(Object.keys(parseEnv(result.stdout))).toEqual(expect.arrayContaining(["MONGODB_URI", "REDIS_URL", "SENTRY_DSN", "BACKUP_BUCKET"]));
    });

    it("leaves out a password that rotates (prod's managed Postgres) and says where to read it at run time", () => {
        const result = runOutputs(root, ["--file", saved, "--app", "web"], piped);
        const database = outputs.apps.web!.database!;
        if (!("rotating" in database)) {
            throw new Error("prod's Postgres is managed: its connection must be rotating");
        }
        expect(parseEnv(result.stdout)).not.toHaveProperty("DATABASE_URL");
        expect(result.stdout).toContain(
            `# DATABASE_URL is not in this file: its password rotates. In the cluster it comes from Secret postgres-connection; ` +
                `elsewhere build it when connecting from 'aws secretsmanager get-secret-value --secret-id ${database.rotating.secretArn}'`,
        );
    });

    it("quotes values a shell or dotenv would misread", () => {
        const file = variant("quoting", (o) => {
            (o as unknown as EstateOutputs).apps.web!.env.TRICKY = 'a b$c"d\\e';
            return o;
        });
        const result = runOutputs(root, ["--file", file, "--app", "web"], piped);
        expect(result.stdout).toContain('TRICKY="a b\\$c\\"d\\\\e"');
        expect(parseEnv(result.stdout).TRICKY).toBe('a b$c"d\\e');
        // And bash reads it back the same way (what `set -a; . .env` does).
        const env = path.join(dir, "quoting.env");
        fs.writeFileSync(env, result.stdout);
        const echoed = spawnSync("bash", ["-c", `set -a; . "${env}"; printf %s "$TRICKY"`], { encoding: "utf8" });
        expect(echoed.stdout).toBe('a b$c"d\\e');
    });

    it("writes the app's outputs as JSON, checked against the contract", () => {
        const result = runOutputs(root, ["--file", saved, "--app", "worker", "--format", "json"], piped);
        expect(result.exitCode).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual(outputs.apps.worker);
    });

    it("refuses to print credentials to a terminal unless asked, and writes a private file instead", () => {
        const refused = runOutputs(root, ["--file", saved, "--app", "web"], { stdoutIsTTY: true });
        expect(refused.exitCode).toBe(2);
        expect(refused.stdout).toBe("");
        expect(refused.stderr).toBe(
            "error: refusing to print the credentials of app web to a terminal: write them to a file with --out <file> (mode 600), pipe them to where they go, or pass --show-secrets\n",
        );
        const asked = runOutputs(root, ["--file", saved, "--app", "web", "--show-secrets"], { stdoutIsTTY: true });
        expect(asked.exitCode).toBe(0);
        expect(asked.stdout).toContain("MONGODB_URI=");

        const out = path.join(dir, "web.env");
        fs.writeFileSync(out, "old", { mode: 0o644 });
        const written = runOutputs(root, ["--file", saved, "--app", "web", "--out", out], { stdoutIsTTY: true });
        expect(written.exitCode).toBe(0);
        expect(written.stdout).toBe("");
        expect(written.stderr).toBe(`wrote ${Object.keys(outputs.apps.web!.env).length} variables of app web to ${out} (mode 600)\n`);
        expect(fs.statSync(out).mode & 0o777).toBe(0o600);
        expect(parseEnv(fs.readFileSync(out, "utf8"))).toEqual(outputs.apps.web!.env);
    });

    it.each([
        [["--app", "web"], "--stack is required (or --file with saved outputs)"],
        [["--stack", "prod"], "--app is required"],
        [["--stack", "prod", "--app", "web", "--format", "yaml"], '--format must be env or json (got "yaml")'],
        [["--stack", "prod", "--app", "web", "--verbose"], "Unknown option '--verbose'"],
        [["--file", "missing.json", "--app", "web"], "--file missing.json: no such file"],
    ])("usage error %j exits 2 naming the problem", (argv, message) => {
        const result = runOutputs(root, argv, piped);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it("refuses outputs it cannot trust, exit 2 with what to do", () => {
        const cases: [string, string][] = [
            [variant("unknown-app", (o) => o), 'has no app "api" (apps: web, worker)'],
            [
                variant("newer", (o) => ({ ...o, outputsVersion: OUTPUTS_VERSION + 1 })),
                `the outputs are version ${OUTPUTS_VERSION + 1}; this reader knows version ${OUTPUTS_VERSION}: update the reader`,
            ],
            [variant("no-version", (o) => ({ ...o, outputsVersion: undefined })), "the outputs have no outputsVersion"],
            [
                variant("masked", (o) => {
                    (o as unknown as EstateOutputs).apps.api = { ...(o as unknown as EstateOutputs).apps.web!, env: "[secret]" as unknown as Record<string, string> };
                    return o;
                }),
                'holds "[secret]" placeholders: the outputs were read without --show-secrets',
            ],
            [
                variant("broken", (o) => {
                    (o as unknown as EstateOutputs).apps.api = { ...(o as unknown as EstateOutputs).apps.web!, namespace: "" };
                    return o;
                }),
                "does not match the outputs contract (infra/contract.ts):\n  - apps.api.namespace:",
            ],
        ];
        for (const [file, message] of cases) {
            const result = runOutputs(root, ["--file", file, "--app", "api"], piped);
            expect(result.stderr, file).toContain(message);
            expect(result.exitCode, file).toBe(2);
        }
        const notJson = path.join(dir, "not.json");
        fs.writeFileSync(notJson, "Current stack outputs (3):");
        expect(runOutputs(root, ["--file", notJson, "--app", "web"], piped)).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("is not JSON") });
    });

    it("reads the stack through the Pulumi CLI, and says what to do when there is none", () => {
        const fake = path.join(dir, "pulumi");
        fs.writeFileSync(fake, `#!/bin/sh\n[ "$*" = "stack output --json --show-secrets --stack prod" ] || { echo "unexpected: $*" >&2; exit 3; }\ncat "${saved}"\n`, { mode: 0o755 });
        const viaCli = runOutputs(root, ["--stack", "prod", "--app", "web"], { ...piped, pulumi: fake });
        expect(viaCli.exitCode).toBe(0);
        expect(parseEnv(viaCli.stdout)).toEqual(outputs.apps.web!.env);

        const failing = runOutputs(root, ["--stack", "staging", "--app", "web"], { ...piped, pulumi: fake });
        expect(failing).toMatchObject({ exitCode: 2, stderr: "error: 'pulumi stack output --stack staging' failed (exit 3): unexpected: stack output --json --show-secrets --stack staging\n" });

        const missing = runOutputs(root, ["--stack", "prod", "--app", "web"], { ...piped, pulumi: path.join(dir, "no-such-pulumi") });
        expect(missing.exitCode).toBe(2);
        expect(missing.stderr).toContain("cannot run the Pulumi CLI (ENOENT): install it");
        expect(missing.stderr).toContain("or pass --file with a saved 'pulumi stack output --json --show-secrets --stack prod'");
    });

    it("runs as `npm run outputs`, resolving paths from the caller's directory", () => {
        // npm runs the script in the project root; a relative --file is the caller's (INIT_CWD).
        fs.mkdirSync(path.join(root, ".estate"), { recursive: true });
        const caller = fs.mkdtempSync(path.join(root, ".estate", "outputs-cwd-"));
        try {
            fs.copyFileSync(saved, path.join(caller, "saved.json"));
            const result = spawnSync("npm", ["run", "--silent", "outputs", "--", "--file", "saved.json", "--app", "worker", "--format", "json"], { cwd: caller, encoding: "utf8" });
            expect(result.stderr.replace(/^npm warn.*\n/gm, "")).toBe("");
            expect(result.status).toBe(0);
            expect(JSON.parse(result.stdout)).toEqual(outputs.apps.worker);
        } finally {
            fs.rmSync(caller, { recursive: true, force: true });
        }
    });
});
