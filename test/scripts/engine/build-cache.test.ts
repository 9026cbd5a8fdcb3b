import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildCached } from "../../../scripts/engine/build-cache.mjs";

const dirs: string[] = [];
afterEach(() => {
    for (const dir of dirs.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

function project() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-build-cache-"));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, "main.ts"), 'import { answer } from "./lib";\nexport const value = answer;\n');
    fs.writeFileSync(path.join(dir, "lib.ts"), "export const answer = 41;\n");
    const options = { entryPoints: [path.join(dir, "main.ts")], bundle: true, platform: "node" as const, format: "cjs" as const, outfile: path.join(dir, "out", "main.cjs"), absWorkingDir: dir, logLevel: "silent" as const };
    const load = () => {
        const file = options.outfile;
        delete require.cache[file];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require(file) as { value: number }).value;
    };
    return { dir, options, load };
}

/** Moves a file's modification time into the future, as an edit after the build would. */
function touch(file: string, content: string) {
    fs.writeFileSync(file, content);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
}

describe("buildCached", () => {
    it("builds once, then reuses the bundle and its metafile while no input changed", async () => {
        const { options, load } = project();
        const first = await buildCached(esbuild, options);
        expect(first.cached).toBe(false);
        expect(Object.keys(first.metafile.inputs).sort()).toEqual(["lib.ts", "main.ts"]);
        expect(load()).toBe(41);
        const second = await buildCached(esbuild, options);
        expect(second).toEqual({ metafile: first.metafile, cached: true });
    });

    it("rebuilds when any input changes, including an imported file", async () => {
        const { dir, options, load } = project();
        await buildCached(esbuild, options);
        touch(path.join(dir, "lib.ts"), "export const answer = 42;\n");
        expect((await buildCached(esbuild, options)).cached).toBe(false);
        expect(load()).toBe(42);
    });

    it("rebuilds when the options change, the bundle is gone, or an input was removed", async () => {
        const { dir, options } = project();
        await buildCached(esbuild, options);
        expect((await buildCached(esbuild, { ...options, minify: true })).cached).toBe(false);
        fs.rmSync(options.outfile);
        expect((await buildCached(esbuild, { ...options, minify: true })).cached).toBe(false);
        touch(path.join(dir, "main.ts"), "export const value = 1;\n");
        fs.rmSync(path.join(dir, "lib.ts"));
        expect((await buildCached(esbuild, { ...options, minify: true })).cached).toBe(false);
    });

    it("reports a build error as esbuild does, and keeps no record of the failed build", async () => {
        const { dir, options } = project();
        touch(path.join(dir, "main.ts"), "export const value = ;\n");
        await expect(buildCached(esbuild, options)).rejects.toThrow(/Unexpected ";"/);
        expect(fs.existsSync(`${options.outfile}.meta.json`)).toBe(false);
    });
});
