import type * as esbuild from "esbuild";

/** See `build-cache.mjs`. */
export function buildCached(esbuildModule: typeof esbuild, options: esbuild.BuildOptions & { outfile: string }): Promise<{ metafile: esbuild.Metafile; cached: boolean }>;
