#!/usr/bin/env node
// Runs one of the project's TypeScript commands (plan, check, outputs, bench, bench-drill, docs-policies, pins-verify, docs-pins, docs-config, docs-components, docs-alerts, diagram, deploy-guard, recovery-points) without a TypeScript loader
// hook: esbuild bundles the project's own code (node_modules stay external, loaded by plain Node),
// which keeps the offline check close to the cost of importing the SDKs at all. A bundle is rebuilt
// only when a file it comes from has changed (engine/build-cache.mjs).
import * as esbuild from "esbuild";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCached } from "./engine/build-cache.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entries = { plan: "scripts/cli.ts", check: "scripts/cli.ts", outputs: "scripts/outputs.ts", bench: "scripts/bench.ts", "bench-drill": "scripts/bench-drill.ts", "docs-policies": "scripts/docs.ts", "pins-verify": "scripts/pins/verify.ts", "docs-pins": "scripts/pins/docs.ts", "docs-config": "scripts/docs/config.ts", "docs-components": "scripts/docs/components.ts", "docs-alerts": "scripts/docs/alerts.ts", diagram: "scripts/diagram.ts", "deploy-guard": "scripts/deploy-guard.ts", "recovery-points": "scripts/recovery-points.ts" };
const [command, ...args] = process.argv.slice(2);
const entry = entries[command];
if (!entry) {
    process.stderr.write(`error: unknown command ${JSON.stringify(command ?? "")}: expected one of ${Object.keys(entries).join(", ")}\n`);
    process.exit(2);
}
const outfile = path.join(root, ".estate", "build", `${path.basename(entry, ".ts")}.cjs`);
await buildCached(esbuild, {
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    packages: "external",
    outfile,
    logLevel: "error",
});
const { main } = createRequire(import.meta.url)(outfile);
process.exitCode = await main(command, args);
