/**
 * .ci/run, the repository's CI entry: plain-text output (no colour codes, also with CI=true), a
 * progress line per phase with the elapsed seconds, apt's output condensed rather than hidden, every
 * stack checked, and the summary as its last line.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const script = fs.readFileSync(path.join(root, ".ci/run"), "utf8");

/** Runs bash code with .ci/progress.sh sourced, in the repository. */
function withProgress(code: string, input?: string) {
    return spawnSync("bash", ["-c", `. .ci/progress.sh\n${code}`], { cwd: root, encoding: "utf8", input });
}

describe(".ci/run", () => {
    it("passes shellcheck, with the progress helpers it sources", (ctx) => {
        const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
        if (version.status !== 0) return ctx.skip("shellcheck is not installed");
        const result = spawnSync("shellcheck", ["-x", ".ci/run", ".ci/progress.sh"], { cwd: root, encoding: "utf8" });
        expect(result.stdout + result.stderr).toBe("");
        expect(result.status).toBe(0);
    });

    it("turns colours off for vitest, Node and npm, also under CI=true", () => {
        expect(script).toMatch(/^unset FORCE_COLOR$/m);
        expect(script).toMatch(/^export NO_COLOR=1$/m);
        expect(script).toMatch(/^export npm_config_color=false$/m);
        const vitestRuns = script.split("\n").filter((l) => /\bvitest run\b|test:integration --/.test(l));
        expect(vitestRuns.length).toBe(2);
        for (const line of vitestRuns) {
            expect(line).toContain("--no-color");
        }
        // The environment the script exports, seen by a child process: nothing asks for colour.
        const env = spawnSync("bash", ["-c", `${script.split("\n").filter((l) => /^(unset FORCE_COLOR|export (NO_COLOR|npm_config_color)=)/.test(l)).join("\n")}\nnode -e 'console.log(JSON.stringify([process.env.NO_COLOR, process.env.FORCE_COLOR, process.stdout.hasColors?.() ?? false]))'`], {
            encoding: "utf8",
            env: { ...process.env, CI: "true", FORCE_COLOR: "1" },
        });
        expect(env.stderr).toBe("");
        expect(JSON.parse(env.stdout)).toEqual(["1", null, false]);
    });

    it("announces each phase with the seconds since the start, and closes it with its duration", () => {
        const result = withProgress('phase "system packages"\nphase "npm ci"\nphase_end');
        expect(result.status).toBe(0);
        const lines = result.stdout.split("\n").filter((l) => l !== "");
        expect(lines).toHaveLength(4);
        expect(lines[0]).toMatch(/^==> \[\+\d+s\] system packages$/);
        expect(lines[1]).toMatch(/^ {4}\(system packages: \d+s\)$/);
        expect(lines[2]).toMatch(/^==> \[\+\d+s\] npm ci$/);
        expect(lines[3]).toMatch(/^ {4}\(npm ci: \d+s\)$/);
        expect(script).toMatch(/^phase "system packages"$/m);
        expect(script).not.toMatch(/^log /m);
    });

    it("says what apt installs, and passes apt's output through condensed to one line per package", () => {
        expect(script).toMatch(/echo " {4}apt-get install \$\{apt_packages\[\*\]\}"/);
        expect(script).not.toMatch(/\$sudo_cmd apt-get [^\n]*>\/dev\/null/);
        const apt = [
            "Reading package lists...",
            "Get:1 http://deb.debian.org/debian bookworm/main amd64 jq amd64 1.6-2.1 [135 kB]",
            "Fetched 135 kB in 0s (1234 kB/s)",
            "Unpacking jq (1.6-2.1) ...",
            "Setting up libjq1:amd64 (1.6-2.1) ...",
            "Setting up jq (1.6-2.1) ...",
            "W: Some index files failed to download.",
            "E: Unable to locate package nope",
        ].join("\n");
        const result = withProgress("condense_apt", `${apt}\n`);
        expect(result.status).toBe(0);
        expect(result.stdout.split("\n").filter((l) => l !== "")).toEqual([
            "    Setting up libjq1:amd64",
            "    Setting up jq",
            "    W: Some index files failed to download.",
            "    E: Unable to locate package nope",
        ]);
    });

    it("checks every stack, found from its Pulumi.<stack>.yaml, and names none", () => {
        expect(script).toContain("for stack_file in Pulumi.*.yaml; do");
        expect(script).toContain('npm run --silent check -- --stack "$stack"');
        expect(script).not.toMatch(/--stack (dev|prod)\b/);
    });

    it("installs with npm itself on the pinned Node, then runs everything on it", () => {
        expect(script).toContain("node_version=$(tr -d '[:space:]' <.node-version)");
        expect(script).toMatch(/npx --yes --package="node@\$node_version" -- npm ci /);
        const install = script.indexOf("-- npm ci ");
        const pathLine = script.indexOf('export PATH="$PWD/node_modules/.bin:$PATH"');
        expect(install).toBeGreaterThan(0);
        expect(pathLine).toBeGreaterThan(install);
        expect(pathLine).toBeLessThan(script.indexOf('step "typecheck"'));
        // `npx vitest` and the checks come after the PATH line, so they run on node_modules/.bin/node.
        expect(pathLine).toBeLessThan(script.indexOf("npx vitest run"));
    });

    it("checks every stack on Node 22 as well, with that Node running the check itself", () => {
        expect(script).toContain("npm view 'node@22' version --json");
        expect(script).toContain('npx --yes --package="node@$node22" -- node --max-semi-space-size=16 scripts/run.mjs check --stack "$stack"');
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string>; engines: { node: string } };
        // The same Node flags as `npm run check` (a young generation sized for the check: docs/performance.md).
        expect(pkg.scripts.check, "what npm run check runs").toBe("node --max-semi-space-size=16 scripts/run.mjs check");
        expect(pkg.engines.node).toMatch(/\^22\./);
    });

    it("ends with the summary line", () => {
        const lines = script.trimEnd().split("\n");
        expect(lines.at(-2)).toBe('echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"');
        expect(lines.at(-1)).toBe('[ "$failed" -eq 0 ]');
    });
});
