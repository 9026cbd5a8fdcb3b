/**
 * The offline plan and check: mistakes and their exit codes, the real `npm run` process a user and
 * CI run, and `--out`. (A file of its own, so the test runner's workers share the CLI tests.)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stackNames } from "../../scripts/engine/stacks";
import { type CheckJson, fixture, type PlanJson, root, run, runCli } from "../helpers/cli";

describe("errors", () => {
    it("a usage error names the flag and exits 2", async () => {
        expect(await runCli(root, "check", ["--stak", "dev"])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^error: Unknown option '--stak'/) });
        expect(await runCli(root, "plan", [])).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^error: --stack is required/) });
        expect(await runCli(root, "plan", ["--stack", "nope"])).toMatchObject({
            exitCode: 2,
            stderr: expect.stringContaining(`error: --stack nope: no Pulumi.nope.yaml here (stacks with a config file: ${stackNames(root).join(", ")})`),
        });
    });

    it("a config error prints every problem without a stack trace, exits 2, and registers nothing", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-config-"));
        fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.mkdirSync(path.join(dir, "policies", "config"), { recursive: true });
        fs.copyFileSync(path.join(root, "policies/config/dev.json"), path.join(dir, "policies/config/broken.json"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.broken.yaml"),
            "config:\n  aws:region: eu-west-1\n  estate:profile: dev\n  estate:domain: example.com\n" +
                "  estate:dr:\n    retention:\n      dailyDays: thirty\n  estate:backups: {}\n",
        );
        const result = await runCli(dir, "check", ["--stack", "broken", "--program", path.join(root, "infra/index.ts")]);
        expect(result.exitCode).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toBe(
            "error: invalid stack configuration (2 problems):\n" +
                '  - estate:dr.retention.dailyDays must be an integer from 1 to 3650 (got "thirty")\n' +
                "  - estate:backups is not a known key; did you mean estate:backup? (known here: profile, domain, protectData, tags, dr, backup, services, data, cluster, network, kubernetes, platform, monitoring, alerting, grafana, sentry)\n",
        );
    });

    describe("stack config errors come before a missing policy config", () => {
        /** A project folder with this project's Pulumi.yaml, one stack file and no policies/config/. */
        async function checkStackFile(contents: string) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-stack-first-"));
            fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.fresh.yaml"), contents);
            try {
                return await runCli(dir, "check", ["--stack", "fresh", "--program", path.join(root, "infra/index.ts")]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
        const base = "  aws:region: eu-west-1\n  estate:domain: example.com\n";

        it.each([
            ["no estate:profile", `config:\n${base}`, "estate:profile is required (one of dev, prod)"],
            ["an unknown estate:profile", `config:\n${base}  estate:profile: staging\n`, 'estate:profile must be one of dev, prod (got "staging")'],
            ["an invalid estate:profile", `config:\n${base}  estate:profile: [dev]\n`, 'estate:profile must be one of dev, prod (got ["dev"])'],
            ["an empty stack file", "", "estate:profile is required (one of dev, prod)"],
            ["a misspelled config:", `confg:\n${base}  estate:profile: dev\n`, "unknown top-level key confg (did you mean config:?)"],
            ["config keys without config:", `aws:region: eu-west-1\nestate:profile: dev\n`, "unknown top-level keys aws:region (a config key: indent it under config:)"],
        ])("%s: exit 2 with that error, not the policy config's", async (_what, contents, message) => {
            const result = await checkStackFile(contents);
            expect(result.exitCode).toBe(2);
            expect(result.stderr).toContain(message);
            expect(result.stderr).not.toContain("no policy config");
            expect(result.stderr).not.toMatch(/\n\s+at /);
        });

        it("a valid stack without a policy config for its stack or profile still fails on that, exit 2", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-no-policy-config-"));
            fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.fresh.yaml"));
            try {
                const result = await runCli(dir, "check", ["--stack", "fresh", "--program", fixture("kms-key-without-rotation.ts")]);
                expect(result.exitCode).toBe(2);
                expect(result.stderr).toMatch(/^error: no policy config for stack fresh: create policies\/config\/fresh\.json/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("a missing config value is a config error (exit 2); a program that throws failed by itself (exit 3), with its own stack", async () => {
        const user = await runCli(root, "plan", ["--stack", "dev", "--program", fixture("throws-config-error.ts")]);
        expect(user.exitCode).toBe(2);
        expect(user.stderr).toMatch(/^error: Missing required configuration variable 'estate:doesNotExist'/);
        const crash = await runCli(root, "plan", ["--stack", "dev", "--program", fixture("crashes.ts")]);
        expect(crash.exitCode).toBe(3);
        // Attributed to the program: its file and line (mapped from the bundle), not the checker's frames.
        expect(crash.stderr).toMatch(/^error: the program test\/fixtures\/programs\/crashes\.ts failed:\nTypeError: Cannot read properties of undefined/);
        expect(crash.stderr).toMatch(/fixtures\/programs\/crashes\.ts:3:\d+\)?$/m);
        expect(crash.stderr).not.toMatch(/\.estate\/build|internal error/);
    });

    it("a program that does not compile names the file and line, exit 3", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-syntax-"));
        fs.writeFileSync(path.join(dir, "bad.ts"), "export const x = ;\n");
        const result = await runCli(root, "plan", ["--stack", "dev", "--program", path.join(dir, "bad.ts")]);
        expect(result.exitCode).toBe(3);
        expect(result.stderr).toMatch(/^error: cannot compile .*bad\.ts:\n {2}.*bad\.ts:1: /);
    });
});

/**
 * `node scripts/run.mjs <command>`: the process `npm run <command>` starts (package.json's scripts),
 * so the exit codes and output are those CI and users get; npm itself is exercised once, below,
 * where its banner matters.
 */
function runMjs(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return run(process.execPath, ["scripts/run.mjs", ...args]);
}

describe("npm run check (a real process, as CI and users run it)", () => {
    it("exits 0 on dev with a summary line, and 1 on a bad program against prod", async () => {
        // The two processes run side by side.
        const [ok, bad] = await Promise.all([
            runMjs(["check", "--stack", "dev"]),
            runMjs(["check", "--stack", "prod", "--program", fixture("public-bucket-acl.ts")]),
        ]);
        expect(ok.status).toBe(0);
        expect(ok.stdout).toMatch(/policy pack estate: \d+ policies over \d+ resources of stack dev .*: 0 mandatory, 0 advisory violations/);
        expect(bad.status).toBe(1);
        expect(bad.stdout).toContain("[mandatory] estate-s3-no-public-acl");
    });

    it("exits 2 on an invalid policy config file, naming the file, policy and property, with no stack trace", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-policy-config-"));
        const file = path.join(dir, "bad.json");
        fs.writeFileSync(file, JSON.stringify({ all: "mandatory", "estate-rds-backup-retention": { minimumDays: 90 } }));
        const result = await runMjs(["check", "--stack", "prod", "--policy-config", file]);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(result.status).toBe(2);
        expect(result.stderr).toContain(`error: ${file}: invalid policy pack config:`);
        expect(result.stderr).toContain("policy estate-rds-backup-retention, property minimumDays: 90 is not allowed; allowed: an integer from 1 to 35");
        expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it("exits 2 on a config error, with no stack trace", async () => {
        const result = await runMjs(["plan", "--stack", "dev", "--program", fixture("throws-config-error.ts")]);
        expect(result.status).toBe(2);
        expect(result.stderr).not.toMatch(/\n\s+at /);
    });
});

describe("--out <file>: the output in a file, stdout only says where", () => {
    function withOutDir<T>(run: (dir: string) => Promise<T> | T): Promise<T> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-out-"));
        return Promise.resolve(run(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    }

    it("plan --json --out writes the JSON to the file", async () => {
        await withOutDir(async (dir) => {
            const file = path.join(dir, "plan.json");
            const result = await runCli(root, "plan", ["--stack", "dev", "--json", "--out", file]);
            expect(result).toMatchObject({ exitCode: 0, stdout: `wrote ${file}\n`, stderr: "" });
            const plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson;
            expect(plan.stack).toBe("dev");
            expect(plan.resources.length).toBeGreaterThan(0);
        });
    });

    it("check --out writes the report, and keeps the exit code of a mandatory violation", async () => {
        await withOutDir(async (dir) => {
            const file = path.join(dir, "report.txt");
            const result = await runCli(root, "check", ["--stack", "prod", "--program", fixture("public-bucket-acl.ts"), "--out", file]);
            expect(result).toMatchObject({ exitCode: 1, stdout: `wrote ${file}\n`, stderr: "" });
            expect(fs.readFileSync(file, "utf8")).toContain("[mandatory] estate-s3-no-public-acl");
        });
    });

    it("a file that cannot be written is a usage error, exit 2", async () => {
        const result = await runCli(root, "plan", ["--stack", "dev", "--program", fixture("kms-key-without-rotation.ts"), "--out", path.join(os.tmpdir(), "no-such-dir-estate", "plan.json")]);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toMatch(/^error: --out .*no-such-dir-estate\/plan\.json: cannot write the file: ENOENT/);
    });

    it("gives JSON that parses through npm run without -s, whose banner goes to stdout", async () => {
        await withOutDir((dir) => {
            const file = path.join(dir, "check.json");
            const result = spawnSync("npm", ["run", "check", "--", "--stack", "dev", "--json", "--out", file], { cwd: root, encoding: "utf8" });
            expect(result.status, result.stderr).toBe(0);
            expect(result.stdout).toContain("> estate@"); // npm's banner: why the JSON goes to a file (or npm run -s)
            expect((JSON.parse(fs.readFileSync(file, "utf8")) as CheckJson).stack).toBe("dev");
        });
    });
});
