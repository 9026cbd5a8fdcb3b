/**
 * The offline check on a Pulumi project of its own (`--program <dir>`), as a new user runs it:
 * the project's name, main, stack file, folder and node_modules; `--config`; stdout that is only
 * the report; exit codes that say who failed; and nothing a policy could not see passed in silence.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../scripts/cli";

const root = path.resolve(__dirname, "../..");

/** Writes a project folder: `files` maps relative paths to contents. */
function project(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-project-"));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    return dir;
}

interface CheckJson {
    project: string;
    stack: string;
    policyConfig: string | null;
    diagnostics: { severity: string; message: string }[];
    unevaluated: { urn: string; type: string; reason: string; accepted?: string }[];
    violations: { policy: string; enforcementLevel: string; urn: string | null; message: string }[];
}

async function check(dir: string, ...args: string[]): Promise<{ exitCode: number; json: CheckJson; stderr: string }> {
    const result = await runCli(root, "check", ["--program", dir, "--json", ...args]);
    expect(result.stderr).toBe("");
    return { exitCode: result.exitCode, json: JSON.parse(result.stdout) as CheckJson, stderr: result.stderr };
}

const PULUMI_YAML = "name: shop\nruntime: nodejs\n";

describe("--program <project folder>", () => {
    it("runs it as pulumi up would: its name is the config namespace, main is honoured, its stack file and --config apply, in its own folder", async () => {
        const dir = project({
            "Pulumi.yaml": `${PULUMI_YAML}main: src/\nconfig:\n  size:\n    default: small\n`,
            "Pulumi.staging.yaml": "config:\n  aws:region: eu-west-1\n  shop:greeting: hello\n",
            "data/motd.txt": "from the project folder\n",
            "src/index.ts": [
                'import * as pulumi from "@pulumi/pulumi";',
                'import * as fs from "node:fs";',
                "const config = new pulumi.Config();",
                'export const greeting = config.require("greeting");',
                'export const size = config.require("size");',
                'export const motd = fs.readFileSync("data/motd.txt", "utf8").trim();',
                'export const region = new pulumi.Config("aws").require("region");',
            ].join("\n"),
        });
        const plan = await runCli(root, "plan", ["--program", dir, "--stack", "staging", "--json", "--config", "size=large", "--config", "aws:region=eu-north-1"]);
        expect(plan.exitCode).toBe(0);
        const out = JSON.parse(plan.stdout) as { project: string; outputs: Record<string, string> };
        expect(out.project).toBe("shop");
        expect(out.outputs).toEqual({ greeting: "hello", size: "large", motd: "from the project folder", region: "eu-north-1" });
        // The checker's own working directory is untouched afterwards.
        expect(process.cwd()).toBe(root);
    });

    it("names the project's own stacks when --stack has no file, and rejects a --config without '='", async () => {
        const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "index.ts": "export const x = 1;\n" });
        const missing = await runCli(root, "check", ["--program", dir, "--stack", "prod"]);
        expect(missing).toMatchObject({ exitCode: 2, stdout: "" });
        expect(missing.stderr).toMatch(/^error: --stack prod: no Pulumi\.prod\.yaml in .* \(stacks with a config file: dev\)/);
        const bad = await runCli(root, "check", ["--program", dir, "--stack", "dev", "--config", "region"]);
        expect(bad).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/^error: --config "region": expected key=value/) });
    });

    it("loads packages from the project's own node_modules first", async () => {
        const dir = project({
            "Pulumi.yaml": PULUMI_YAML,
            "Pulumi.dev.yaml": "config: {}\n",
            // `yaml` is also in the estate's node_modules: the project's copy must win.
            "node_modules/yaml/package.json": '{ "name": "yaml", "version": "0.0.1-project", "main": "index.js" }',
            "node_modules/yaml/index.js": 'exports.stringify = () => "the project\'s own yaml";',
            "index.ts": 'import { stringify } from "yaml";\nexport const which = stringify({});\n',
        });
        const plan = await runCli(root, "plan", ["--program", dir, "--stack", "dev", "--json"]);
        expect(plan.exitCode).toBe(0);
        expect((JSON.parse(plan.stdout) as { outputs: { which: string } }).outputs.which).toBe("the project's own yaml");
    });
});

describe("honest output", () => {
    it("--json keeps stdout for the JSON: what the program prints goes to stderr (a real process, as CI runs it)", () => {
        const dir = project({
            "Pulumi.yaml": PULUMI_YAML,
            "Pulumi.dev.yaml": "config: {}\n",
            "index.ts": 'console.log("starting the shop");\nprocess.stdout.write("raw progress\\n");\nexport const ok = true;\n',
        });
        const result = spawnSync(process.execPath, ["scripts/run.mjs", "check", "--program", dir, "--stack", "dev", "--json"], { cwd: root, encoding: "utf8" });
        expect(result.status).toBe(0);
        expect((JSON.parse(result.stdout) as CheckJson).project).toBe("shop");
        expect(result.stderr).toContain("starting the shop");
        expect(result.stderr).toContain("raw progress");
    });

    it("exit 3 for a program that throws, with its own message and file; a missing package says how to install it", async () => {
        const dir = project({
            "Pulumi.yaml": PULUMI_YAML,
            "Pulumi.dev.yaml": "config: {}\n",
            "index.ts": 'import { helper } from "./lib";\nhelper();\n',
            "lib.ts": 'export function helper(): void {\n    throw new Error("the shop has no products");\n}\n',
        });
        const failed = await runCli(root, "check", ["--program", dir, "--stack", "dev", "--json"]);
        expect(failed.exitCode).toBe(3);
        expect(failed.stdout).toBe("");
        expect(failed.stderr).toMatch(/^error: the program .*index\.ts failed:\nError: the shop has no products\n\s+at helper \(.*lib\.ts:2:11\)/);
        const missing = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "index.ts": 'import "@acme/not-installed";\n' });
        const result = await runCli(root, "check", ["--program", missing, "--stack", "dev"]);
        expect(result.exitCode).toBe(3);
        expect(result.stderr).toMatch(/Cannot find module '@acme\/not-installed'/);
        expect(result.stderr).toMatch(/hint: install the program's dependencies \(npm install in /);
    });

    it("exit 3, not a dead checker, for a program that calls process.exit or leaves a rejection unhandled", async () => {
        const exits = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "index.ts": "if (!process.env.SHOP_TOKEN) {\n    process.exit(1);\n}\n" });
        const exited = await runCli(root, "check", ["--program", exits, "--stack", "dev", "--json"]);
        expect(exited).toMatchObject({ exitCode: 3, stdout: "" });
        expect(exited.stderr).toMatch(/^error: the program .*index\.ts failed:\nError: the program called process\.exit\(1\)\n\s+at .*index\.ts:2:/);
        const rejects = project({
            "Pulumi.yaml": PULUMI_YAML,
            "Pulumi.dev.yaml": "config: {}\n",
            "index.ts": 'async function lookup(): Promise<string> {\n    throw new Error("inventory service unreachable");\n}\nvoid lookup();\nexport const ok = true;\n',
        });
        const rejected = await runCli(root, "check", ["--program", rejects, "--stack", "dev", "--json"]);
        expect(rejected.exitCode).toBe(3);
        expect(rejected.stderr).toMatch(/Error: inventory service unreachable/);
    });

    it("exit 2 for a project of another runtime, naming it", async () => {
        const dir = project({ "Pulumi.yaml": "name: shop\nruntime:\n  name: python\n", "Pulumi.dev.yaml": "config: {}\n", "__main__.py": "" });
        const result = await runCli(root, "check", ["--program", dir, "--stack", "dev"]);
        expect(result).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/runtime "python" is not supported: the offline check runs Node\.js/) });
    });

    it("exit 2 for a required config value the stack does not set, naming the key", async () => {
        const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "index.ts": 'import * as pulumi from "@pulumi/pulumi";\nexport const v = new pulumi.Config().require("dbName");\n' });
        const result = await runCli(root, "check", ["--program", dir, "--stack", "dev"]);
        expect(result).toMatchObject({ exitCode: 2, stdout: "" });
        expect(result.stderr).toMatch(/^error: Missing required configuration variable 'shop:dbName'/);
    });
});

describe("nothing passed in silence", () => {
    const PROGRAM = [
        'import * as pulumi from "@pulumi/pulumi";',
        'import * as aws from "@pulumi/aws";',
        'import * as k8s from "@pulumi/kubernetes";',
        'new k8s.helm.v3.Chart("wordpress", { chart: "wordpress", version: "24.1.0", fetchOpts: { repo: "https://charts.bitnami.com/bitnami" } });',
        'new k8s.helm.v3.Release("redis", { chart: "redis", version: "20.6.0", repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" } });',
        'new k8s.helm.v4.Chart("nginx", { chart: "oci://ghcr.io/nginx/charts/nginx-ingress", version: "2.0.1" });',
        'new k8s.kustomize.Directory("overlay", { directory: "./overlay" });',
        'new k8s.yaml.ConfigFile("remote", { file: "https://example.com/manifests/app.yaml" });',
        // How a multi-language component registers (the generated SDKs of awsx and eks pass remote = true).
        'class Vpc extends pulumi.ComponentResource { constructor(name: string) { super("awsx:ec2:Vpc", name, {}, {}, true); } }',
        'new Vpc("network");',
        'const snapshot = aws.rds.getSnapshotOutput({ dbInstanceIdentifier: "legacy", mostRecent: true });',
        'new aws.rds.Instance("restored", { instanceClass: "db.t4g.micro", snapshotIdentifier: snapshot.id });',
        'new aws.s3.BucketV2("plain", {});',
    ].join("\n");

    it("lists every resource no policy could see, with why, in the JSON and the summary", async () => {
        const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n", "index.ts": PROGRAM, "overlay/kustomization.yaml": "resources: []\n" });
        const { json } = await check(dir, "--stack", "dev");
        const seen = Object.fromEntries(json.unevaluated.map((u) => [u.urn.split("::").pop(), u.reason]));
        expect(Object.keys(seen).sort()).toEqual(["network", "nginx", "overlay", "redis", "remote", "restored", "wordpress"]);
        expect(seen.wordpress).toMatch(/Helm v3 Chart/);
        expect(seen.redis).toMatch(/Helm release/);
        expect(seen.nginx).toMatch(/Helm v4 Chart/);
        expect(seen.overlay).toMatch(/kustomize/);
        expect(seen.remote).toMatch(/remote file is not fetched/);
        expect(seen.network).toMatch(/multi-language component \(awsx:ec2:Vpc\)/);
        expect(seen.restored).toMatch(/data source aws:rds\/getSnapshot:getSnapshot/);
        expect(json.diagnostics.map((d) => d.message)).toEqual(
            expect.arrayContaining([expect.stringMatching(/aws:rds\/getSnapshot:getSnapshot has no offline answer/), expect.stringMatching(/https:\/\/example\.com\/manifests\/app\.yaml was not fetched/)]),
        );
        // ... and each is a violation of estate-unevaluated-content, at the level the config gives it (dev: advisory).
        const coverage = json.violations.filter((v) => v.policy === "estate-unevaluated-content");
        expect(coverage).toHaveLength(7);
        expect(coverage.every((v) => v.enforcementLevel === "advisory")).toBe(true);

        const human = await runCli(root, "check", ["--program", dir, "--stack", "dev"]);
        expect(human.stdout).toMatch(/^unevaluated: 7 resource\(s\) whose contents no policy could see:$/m);
        expect(human.stdout).toMatch(/^ {2}awsx:ec2:Vpc network: a multi-language component/m);
    });

    it("a policy config can make unevaluated content mandatory (prod does): the check fails instead of passing blind; an accepted resource is still listed", async () => {
        const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.dev.yaml": "config: {}\n", "index.ts": 'import * as k8s from "@pulumi/kubernetes";\nnew k8s.helm.v3.Release("redis", { chart: "redis", version: "20.6.0" });\n' });
        const config = path.join(dir, "policy-config.json");
        fs.writeFileSync(config, JSON.stringify({ all: "advisory", "estate-unevaluated-content": "mandatory" }));
        const blind = await check(dir, "--stack", "dev", "--policy-config", config);
        expect(blind.exitCode).toBe(1);
        expect(blind.json.violations).toContainEqual(expect.objectContaining({ policy: "estate-unevaluated-content", enforcementLevel: "mandatory", message: expect.stringMatching(/Release 'redis' was not evaluated by any policy/) }));

        fs.writeFileSync(
            config,
            JSON.stringify({
                all: "advisory",
                "estate-unevaluated-content": { enforcementLevel: "mandatory", accepted: [{ resource: "kubernetes:helm.sh/v3:Release::redis", reason: "chart reviewed in PR 42" }] },
            }),
        );
        const accepted = await check(dir, "--stack", "dev", "--policy-config", config);
        expect(accepted.exitCode).toBe(0);
        expect(accepted.json.unevaluated).toEqual([expect.objectContaining({ type: "kubernetes:helm.sh/v3:Release", accepted: "chart reviewed in PR 42" })]);
    });

    it("a project of its own without a policy config of its stack's name runs on the pack's defaults, and says so", async () => {
        const dir = project({ "Pulumi.yaml": PULUMI_YAML, "Pulumi.qa.yaml": "config: {}\n", "index.ts": "export const x = 1;\n" });
        const { exitCode, json } = await check(dir, "--stack", "qa");
        expect(exitCode).toBe(0);
        expect(json.policyConfig).toBeNull();
        const human = await runCli(root, "check", ["--program", dir, "--stack", "qa"]);
        expect(human.stdout).toMatch(/no policy config: the pack's defaults, every policy advisory/);
    });
});
