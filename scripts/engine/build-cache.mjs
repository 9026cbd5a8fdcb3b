/**
 * esbuild with a cache: a bundle is rebuilt only when a file it was built from changed since the
 * last build (or the build options, or esbuild itself, did). The offline commands bundle the CLI
 * and the program on every run, and most runs change neither.
 *
 * Plain JavaScript, so that `scripts/run.mjs` can use it before anything is bundled.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Builds `options.outfile` with `esbuild.build(options)` (a metafile is always produced), unless the
 * previous build of the same options is still current. Returns the metafile either way.
 *
 * @param {typeof import("esbuild")} esbuild
 * @param {import("esbuild").BuildOptions & { outfile: string }} options
 * @returns {Promise<{ metafile: import("esbuild").Metafile; cached: boolean }>}
 */
export async function buildCached(esbuild, options) {
    const metaPath = `${options.outfile}.meta.json`;
    const workingDir = options.absWorkingDir ?? process.cwd();
    const key = createHash("sha256").update(JSON.stringify({ options, workingDir, esbuild: esbuild.version })).digest("hex");
    try {
        const previous = JSON.parse(fs.readFileSync(metaPath, "utf8"));
        // Strictly older than the previous build's start: a file saved while it ran is rebuilt.
        const current =
            previous.key === key &&
            fs.existsSync(options.outfile) &&
            Object.keys(previous.metafile.inputs).every((input) => fs.statSync(path.resolve(workingDir, input)).mtimeMs < previous.startedAt);
        if (current) {
            return { metafile: previous.metafile, cached: true };
        }
    } catch {
        // No usable record of a previous build (none, unreadable, or an input is gone): build.
    }
    const startedAt = Date.now();
    const result = await esbuild.build({ ...options, metafile: true });
    // Written whole and renamed, so a concurrent reader sees the old record or the new one.
    const temporary = `${metaPath}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ key, startedAt, metafile: result.metafile }));
    fs.renameSync(temporary, metaPath);
    return { metafile: result.metafile, cached: false };
}
