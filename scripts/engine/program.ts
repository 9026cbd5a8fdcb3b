/**
 * Loads a Pulumi program (a TypeScript entry point such as `infra/index.ts`) for the mock engine.
 * The project's own TypeScript is bundled with esbuild, `node_modules` left external, instead of
 * hooking a TypeScript loader into the whole process: the SDKs load at plain-Node speed.
 */
import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserInputError } from "../../components/lib/errors";
import { buildCached } from "./build-cache.mjs";

export interface BundledProgram {
    /** The CommonJS bundle to `require`. */
    file: string;
    /** The program's entry file (what errors are attributed to). */
    entry: string;
    /** The npm packages the program imports (what the performance floor loads). */
    packages: string[];
}

/** The folder whose node_modules hold the SDKs (where the estate project is installed). */
export function toolRoot(): string {
    return path.resolve(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "../../..");
}

/**
 * Bundles `entry` (relative to `root`) into the tool root's `.estate/build/`, so its external
 * packages resolve from the estate's node_modules wherever the program itself lives.
 */
export async function bundleProgram(root: string, entry: string, opts: { projectDir?: string } = {}): Promise<BundledProgram> {
    const file = entryFile(path.resolve(root, entry));
    if (!file) {
        throw new UserInputError(`--program ${entry}: no such file`);
    }
    // Loaded lazily: only the offline commands need esbuild, never the program itself.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const outDir = path.join(toolRoot(), ".estate", "build");
    const tag = createHash("sha256").update(file).digest("hex").slice(0, 12);
    const outfile = path.join(outDir, `program-${tag}.cjs`);
    let result;
    try {
        result = await buildCached(esbuild, {
            entryPoints: [file],
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node22",
            packages: "external",
            outfile,
            logLevel: "silent",
            // For stack traces that name the program's own files and lines (`mapStack`).
            sourcemap: "external",
            // The packages a program imports load from its project's node_modules first, as under
            // `pulumi up`, then from the estate's (where the SDKs the engine runs on live).
            banner: { js: projectModulePaths(opts.projectDir) },
        });
    } catch (err) {
        const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
        const detail = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("\n  ");
        throw new ProgramError(`cannot compile ${path.relative(root, file) || file}:\n  ${detail || (err as Error).message}`);
    }
    const packages = new Set<string>();
    for (const input of Object.values(result.metafile.inputs)) {
        for (const imp of input.imports) {
            if (imp.external && !imp.path.startsWith("node:") && !imp.path.startsWith(".") && !builtinModules.includes(imp.path.split("/")[0]!)) {
                const parts = imp.path.split("/");
                packages.add(imp.path.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
            }
        }
    }
    return { file: outfile, entry: file, packages: [...packages].sort() };
}

/** A program that failed by itself (it does not compile, or it threw): exit code 3. */
export class ProgramError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProgramError";
    }
}

/**
 * The file a `--program` path names: a file itself; for a folder, what Node would load from it
 * (`package.json` `main`, else `index.ts`, else `index.js`), as the Pulumi language host does.
 */
export function entryFile(absolute: string): string | undefined {
    if (!fs.existsSync(absolute)) {
        return [".ts", ".js"].map((ext) => absolute + ext).find((f) => fs.existsSync(f));
    }
    if (!fs.statSync(absolute).isDirectory()) {
        return absolute;
    }
    const pkgFile = path.join(absolute, "package.json");
    if (fs.existsSync(pkgFile)) {
        const main = (JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: unknown }).main;
        if (typeof main === "string" && main !== "") {
            const found = entryFile(path.resolve(absolute, main)) ?? entryFile(path.resolve(absolute, main.replace(/\.js$/, ".ts")));
            if (found) {
                return found;
            }
        }
    }
    return ["index.ts", "index.js"].map((f) => path.join(absolute, f)).find((f) => fs.existsSync(f));
}

/** The bundle's preamble that puts the project's node_modules folders first in its module lookup. */
function projectModulePaths(projectDir: string | undefined): string {
    if (!projectDir) {
        return "";
    }
    return `module.paths.unshift(...require("node:module")._nodeModulePaths(${JSON.stringify(path.resolve(projectDir))}));`;
}

/**
 * A program error's stack with the bundle's frames mapped back to the program's own files and
 * lines (from the bundle's source map), so a failure is attributed to the program, not to a
 * build artefact.
 */
export function mapStack(stack: string, bundle: BundledProgram): string {
    let map: import("node:module").SourceMap | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { SourceMap } = require("node:module") as typeof import("node:module");
        map = new SourceMap(JSON.parse(fs.readFileSync(`${bundle.file}.map`, "utf8")));
    } catch {
        return stack;
    }
    const mapDir = path.dirname(bundle.file);
    const escaped = bundle.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, "g"), (whole, line: string, column: string) => {
        const entry = map!.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
        if (!entry.originalSource) {
            return whole;
        }
        const source = path.resolve(mapDir, entry.originalSource.replace(/^file:\/\//, ""));
        return `${source}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
    });
}

/** A program function for `runProgram` that executes the bundle afresh (its module exports are the stack outputs). */
export function programFrom(bundle: BundledProgram): () => unknown {
    return () => {
        delete require.cache[bundle.file];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(bundle.file);
    };
}
