/**
 * A new stack is one file: a copy of the project with an extra `Pulumi.<stack>.yaml` (and no
 * policy config of its own) is found by every helper that lists the stacks, falls back to its
 * profile's policy config, and passes the offline check, as the repository's own stacks do.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePolicyConfigFile, runCli } from "../../scripts/cli";
import { loadStackConfig } from "../../scripts/engine/stack-config";
import { stackNames } from "../../scripts/engine/stacks";

const root = path.resolve(__dirname, "../..");
/** Not a stack of the repository: the test adds it. */
const NEW_STACK = "staging-test";

describe(`a stack added as Pulumi.${NEW_STACK}.yaml (a copy of Pulumi.dev.yaml)`, () => {
    let dir: string;
    beforeAll(() => {
        // The project, its files linked rather than copied; its stack files copied, and the new one added.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-new-stack-"));
        for (const entry of fs.readdirSync(root)) {
            if (/^Pulumi\..+\.yaml$/.test(entry)) {
                fs.copyFileSync(path.join(root, entry), path.join(dir, entry));
            } else if (![".git", ".estate"].includes(entry)) {
                fs.symlinkSync(path.join(root, entry), path.join(dir, entry));
            }
        }
        fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), path.join(dir, `Pulumi.${NEW_STACK}.yaml`));
    });
    afterAll(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("is listed with the repository's stacks", () => {
        expect(stackNames(root)).not.toContain(NEW_STACK);
        expect(stackNames(dir)).toEqual([...stackNames(root), NEW_STACK].sort());
    });

    it("has no policy config of its own, and gets its profile's", () => {
        const profile = loadStackConfig(dir, NEW_STACK).config["estate:profile"];
        expect(fs.existsSync(path.join(dir, "policies/config", `${NEW_STACK}.json`))).toBe(false);
        expect(resolvePolicyConfigFile(dir, NEW_STACK)).toBe(path.join(dir, "policies/config", `${profile}.json`));
    });

    it("passes the offline check with its profile's policy config", async () => {
        const result = await runCli(dir, "check", ["--stack", NEW_STACK]);
        expect(result.stderr).toBe("");
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`of stack ${NEW_STACK} \\(config \\S*policies/config/dev\\.json\\): 0 mandatory, 0 advisory violations`));
    }, 120_000);
});
