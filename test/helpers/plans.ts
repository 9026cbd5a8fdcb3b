/**
 * The example stacks planned under the mock engine, once per test file and mode: the whole estate
 * takes about a second to plan, and most suites ask about the same run many times.
 */
import * as path from "node:path";
import { planStack } from "../../scripts/cli";
import * as mockEngine from "../../scripts/engine/mock-engine";
import type { EngineRun } from "../../scripts/engine/mock-engine";

export const root = path.resolve(__dirname, "../..");

const runs = new Map<string, Promise<EngineRun>>();

/** The stack's plan as `pulumi up` (every value known) or, with `preview`, as a preview of a new stack. */
export function plannedStack(stack: string, preview = false): Promise<EngineRun> {
    const key = `${stack}:${preview}`;
    if (!runs.has(key)) {
        runs.set(key, planStack(root, { stack, preview }));
    }
    return runs.get(key)!;
}

/**
 * Everything a run holds, secrets unwrapped, as one text: every resource's inputs and the state the
 * (mock) provider returned, and the stack outputs. What a value must never appear in.
 */
export function everyValue(run: EngineRun): string {
    const { fromWire } = mockEngine;
    const values = run.resources.map((r) => ({
        urn: r.urn,
        inputs: fromWire(r.inputs.toJavaScript(), "unwrap"),
        outputs: r.outputs ? fromWire(r.outputs.toJavaScript(), "unwrap") : undefined,
    }));
    return JSON.stringify({ values, outputs: run.outputs ? fromWire(run.outputs.toJavaScript(), "unwrap") : undefined });
}
