/**
 * The corpus: Pulumi TypeScript programs in the style of Pulumi's public examples, each a project
 * folder with the verdict a correct check must give it (expected.yaml, described in docs/corpus.md).
 * Every folder with an expected.yaml is a case; none is listed here.
 */
import { Console } from "node:console";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { policies } from "../../policies/pack";
import { runCli } from "../../scripts/cli";

const root = path.resolve(__dirname, "../..");
const corpusDir = __dirname;

/** Reported for every unevaluated resource; its effect shows in the exit code, its entries in `unevaluated`. */
const UNEVALUATED_POLICY = "estate-unevaluated-content";

const Expected = z.strictObject({
    description: z.string().min(1),
    args: z.array(z.string()),
    exitCode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    violations: z.array(z.strictObject({ policy: z.string(), resource: z.string() })),
    mustNotFlag: z.array(z.string()),
    /** `reason` is a substring of the reported reason, compared case-insensitively. */
    unevaluated: z.array(z.strictObject({ type: z.string(), name: z.string(), reason: z.string().min(1) })),
    stderrIncludes: z.array(z.string()).optional(),
});
type Expected = z.infer<typeof Expected>;

interface CheckJson {
    violations: { policy: string; urn: string | null }[];
    unevaluated: { urn: string; type: string; reason: string }[];
}

/** A resource's name is the last `::` segment of its URN (a name may itself contain `/`). */
function nameOf(urn: string | null): string {
    return urn === null ? "(stack)" : urn.slice(urn.lastIndexOf("::") + 2);
}

function key(policy: string, resource: string): string {
    return `${policy} ${resource}`;
}

/**
 * Runs the check in-process as `npm run check` would, capturing what reaches the process's own
 * stdout and stderr meanwhile (a program's console output is written there, not into the result).
 * Vitest replaces the global console with its own; for the run, `console` is again Node's, writing
 * to process.stdout and process.stderr, as under `npm run check`.
 */
async function check(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string; leakedToStdout: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const capture = (sink: string[]) =>
        ((chunk: string | Uint8Array, ...rest: unknown[]) => {
            sink.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
            const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
            done?.();
            return true;
        }) as typeof process.stdout.write;
    const [stdoutWrite, stderrWrite, vitestConsole] = [process.stdout.write, process.stderr.write, globalThis.console];
    process.stdout.write = capture(out);
    process.stderr.write = capture(err);
    globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
    try {
        const result = await runCli(root, "check", argv);
        return { exitCode: result.exitCode, stdout: result.stdout, stderr: err.join("") + result.stderr, leakedToStdout: out.join("") };
    } finally {
        process.stdout.write = stdoutWrite;
        process.stderr.write = stderrWrite;
        globalThis.console = vitestConsole;
    }
}

const programs = fs
    .readdirSync(corpusDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(corpusDir, d.name, "expected.yaml")))
    .map((d) => d.name)
    .sort();

describe("the corpus", () => {
    it("has at least 18 programs, each a Pulumi project", () => {
        expect(programs.length).toBeGreaterThanOrEqual(18);
        for (const name of programs) {
            expect(fs.existsSync(path.join(corpusDir, name, "Pulumi.yaml")), `${name}/Pulumi.yaml`).toBe(true);
        }
    });

    it("is described, program by program, in docs/corpus.md", () => {
        const doc = fs.readFileSync(path.join(root, "docs/corpus.md"), "utf8");
        for (const name of programs) {
            expect(doc, `docs/corpus.md has no row for ${name}`).toContain(`[\`${name}\`](../test/corpus/${name}/)`);
        }
    });
});

describe.each(programs)("corpus program %s", (name) => {
    const dir = path.join(corpusDir, name);
    const expected: Expected = Expected.parse(parseYaml(fs.readFileSync(path.join(dir, "expected.yaml"), "utf8")));

    it("names only policies of the pack (a misspelt mustNotFlag would pass vacuously)", () => {
        const known = new Set<string>(policies.map((p) => p.name));
        const named = [...expected.violations.map((v) => v.policy), ...expected.mustNotFlag];
        expect(named.filter((policy) => !known.has(policy))).toEqual([]);
    });

    it("gets its expected verdict (expected.yaml)", async () => {
        const result = await check(["--program", path.relative(root, dir), "--json", ...expected.args]);
        const context = `${name}: exit ${result.exitCode}\nstderr:\n${result.stderr.slice(0, 4000)}`;
        expect(result.exitCode, context).toBe(expected.exitCode);
        // Whatever the program prints goes to stderr: the process's stdout gets the report only.
        expect(result.leakedToStdout, context).toBe("");
        expect(result.stderr, context).not.toMatch(/internal error/i);
        for (const text of expected.stderrIncludes ?? []) {
            expect(result.stderr, context).toContain(text);
        }
        if (expected.exitCode > 1) {
            return;
        }
        // Under --json, stdout is exactly one JSON document whenever the check ran.
        const json = JSON.parse(result.stdout) as CheckJson;

        const reported = json.violations.filter((v) => v.policy !== UNEVALUATED_POLICY);
        const got = [...new Set(reported.map((v) => key(v.policy, nameOf(v.urn))))].sort();
        const want = [...new Set(expected.violations.map((v) => key(v.policy, v.resource)))].sort();
        expect(got, context).toEqual(want);

        for (const policy of expected.mustNotFlag) {
            expect(reported.filter((v) => v.policy === policy).map((v) => nameOf(v.urn)), `${name} must not be flagged by ${policy}`).toEqual([]);
        }

        const unevaluated = json.unevaluated.map((u) => ({ type: u.type, name: nameOf(u.urn), reason: u.reason }));
        expect(unevaluated.map((u) => `${u.type} ${u.name}`).sort(), context).toEqual(expected.unevaluated.map((u) => `${u.type} ${u.name}`).sort());
        for (const want of expected.unevaluated) {
            const entry = unevaluated.find((u) => u.type === want.type && u.name === want.name);
            expect(entry?.reason.toLowerCase(), `${name}: the reason ${want.type} ${want.name} is unevaluated`).toContain(want.reason.toLowerCase());
        }
    });
});
