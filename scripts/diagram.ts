/**
 * A picture of the estate: the stack planned offline (the same harness as `plan`), drawn as an SVG
 * by Graphviz compiled to WebAssembly (@viz-js/viz; no system binary).
 *
 *   npm run diagram -- --stack <name> [--out <file.svg> | --out -]
 *
 * Default output: docs/estate-<stack>.svg (the committed pictures, which a test keeps current);
 * `--out -` writes the SVG to standard output. See docs/diagram.md.
 *
 * Exit codes: 0 written; 2 a usage or config error; 3 the program itself failed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UserInputError } from "../components/lib/errors";
import { planStack, resolveTarget } from "./cli";
import { diagramDot } from "./diagram/dot";
import { estateDiagram, type EstateDiagram } from "./diagram/model";
import type { EngineRun } from "./engine/mock-engine";

const USAGE = `usage:
  npm run diagram -- --stack <name> [--out <file.svg> | --out -]

  --stack <name>   the stack whose Pulumi.<name>.yaml config the estate is planned with (required)
  --out <file>     where to write the SVG (default docs/estate-<stack>.svg; - for standard output)`;

export interface DiagramResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/** The committed picture of a stack. */
export function defaultDiagramFile(root: string, stack: string): string {
    return path.join(root, "docs", `estate-${stack}.svg`);
}

/** The diagram of a planned stack: its model and DOT text. `region` is the stack's `aws:region` (resources elsewhere are marked). */
export function diagramOf(run: Pick<EngineRun, "project" | "stack" | "resources">, region: string | undefined): { diagram: EstateDiagram; dot: string } {
    const diagram = estateDiagram(run, { region });
    return { diagram, dot: diagramDot(diagram) };
}

/** Plans the stack (the harness `plan` uses) and returns its diagram. */
export async function planDiagram(root: string, stack: string): Promise<{ diagram: EstateDiagram; dot: string }> {
    const target = resolveTarget(root, { stack });
    const run = await planStack(root, { stack });
    return diagramOf(run, target.stackConfig.config["aws:region"]);
}

/** DOT to SVG with Graphviz's `dot` layout (node_modules/@viz-js/viz/types/index.d.ts: `instance()`, `renderString`). */
export async function renderSvg(dot: string): Promise<string> {
    // Loaded lazily: only this command needs the 1.4 MB WebAssembly build.
    const { instance } = await import("@viz-js/viz");
    const viz = await instance();
    return viz.renderString(dot, { format: "svg", engine: "dot" });
}

/** The whole command (tests call this directly). `cwd` is where a relative `--out` starts. */
export async function runDiagram(root: string, argv: string[], cwd: string = root): Promise<DiagramResult> {
    let values;
    try {
        ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { stack: { type: "string" }, out: { type: "string" } } }));
    } catch (err) {
        return { exitCode: 2, stdout: "", stderr: `error: ${(err as Error).message}\n${USAGE}\n` };
    }
    if (!values.stack) {
        return { exitCode: 2, stdout: "", stderr: `error: --stack is required\n${USAGE}\n` };
    }
    let svg: string;
    try {
        const { dot } = await planDiagram(root, values.stack);
        svg = await renderSvg(dot);
    } catch (err) {
        if (err instanceof UserInputError) {
            return { exitCode: 2, stdout: "", stderr: `error: ${err.message}\n` };
        }
        return { exitCode: 3, stdout: "", stderr: `error: the stack ${values.stack} could not be planned: ${err instanceof Error ? err.message : String(err)}\n(npm run check -- --stack ${values.stack} says more)\n` };
    }
    if (values.out === "-") {
        return { exitCode: 0, stdout: svg, stderr: "" };
    }
    const file = values.out ? path.resolve(cwd, values.out) : defaultDiagramFile(root, values.stack);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, svg);
    return { exitCode: 0, stdout: "", stderr: `wrote ${path.relative(cwd, file) || file}\n` };
}

/** Entry point for `scripts/run.mjs` (npm runs scripts in the project root; INIT_CWD is where the user typed it). */
export async function main(_command: string, argv: string[]): Promise<number> {
    const result = await runDiagram(process.cwd(), argv, process.env.INIT_CWD ?? process.cwd());
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
}
