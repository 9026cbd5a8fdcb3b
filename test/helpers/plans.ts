/**
 * The example stacks planned under the mock engine, once per test file and mode: the whole estate
 * takes about a second to plan, and most suites ask about the same run many times.
 */
import * as path from "node:path";
import { planStack } from "../../scripts/cli";
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
