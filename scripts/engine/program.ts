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
export async function bundleProgram(root: string, entry: string): Promise<BundledProgram> {
    const absolute = path.resolve(root, entry);
    const file = fs.existsSync(absolute) && fs.statSync(absolute).isDirectory() ? path.join(absolute, "index.ts") : absolute;
    if (!fs.existsSync(file)) {
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
            target: "node20",
            packages: "external",
            outfile,
            logLevel: "silent",
            // Resolve bare imports of a program outside the project from the project's node_modules.
            nodePaths: [path.join(toolRoot(), "node_modules")],
        });
    } catch (err) {
        const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
        const detail = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("\n  ");
        throw new UserInputError(`cannot compile ${path.relative(root, file) || file}:\n  ${detail || (err as Error).message}`);
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
    return { file: outfile, packages: [...packages].sort() };
}

/** A program function for `runProgram` that executes the bundle afresh (its module exports are the stack outputs). */
export function programFrom(bundle: BundledProgram): () => unknown {
    return () => {
        delete require.cache[bundle.file];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(bundle.file);
    };
}
