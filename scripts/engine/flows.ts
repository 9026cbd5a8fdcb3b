/**
 * The network-flows verdict of a stack for the offline `check`: every flow the components declare
 * (`networkFlows` outputs), run through the NetworkPolicy evaluator against the planned
 * NetworkPolicies, exactly as the policy `estate-k8s-network-flows` does (same module), plus a
 * summary a user reads first: `flows: N required, all allowed`.
 */
import { analyzeFlows, describeDenied, describeMissingSolverFlow, policiesAtFault } from "../../policies/k8s/network-flows";
import { describeFlow } from "../../policies/lib/netpol";
import { isUnknownValueError } from "../../policies/lib/unknowns";
import type { RecordedResource } from "./mock-engine";
import { toPolicyResources } from "./policy-harness";

export interface DeniedFlowReport {
    name: string;
    declaredBy: string;
    urn: string;
    /** `TCP 8089 from pod ... in ingress to pod ... in monitoring`. */
    flow: string;
    /** The evaluator's sentence, naming the side at fault and the policies that isolate it. */
    reason: string;
    /** `namespace/name` of the NetworkPolicies at fault. */
    policiesAtFault: string[];
}

export interface FlowsVerdict {
    /** Declared flows. */
    required: number;
    allowed: number;
    denied: DeniedFlowReport[];
    /** ACME-served namespaces without a declared solver flow, one sentence each. */
    missingSolverFlows: string[];
    /** What the API server would reject in a planned NetworkPolicy. */
    invalidPolicies: string[];
    /** Why the flows could not be checked (unknown values in a preview); then the counts are 0. */
    notChecked?: string;
}

/** The verdict over a run's recorded resources (components' registered outputs included). */
export function flowsVerdict(resources: RecordedResource[]): FlowsVerdict {
    const stack = toPolicyResources(resources);
    try {
        const analysis = analyzeFlows(stack);
        return {
            required: analysis.results.length,
            allowed: analysis.results.length - analysis.denied.length,
            denied: analysis.denied.map((d) => ({
                name: d.flow.name,
                declaredBy: d.declaredBy,
                urn: d.urn,
                flow: describeFlow(d.flow),
                reason: describeDenied(d),
                policiesAtFault: policiesAtFault(d.verdict),
            })),
            missingSolverFlows: analysis.missingSolverFlows.map(describeMissingSolverFlow),
            invalidPolicies: analysis.invalidPolicies,
        };
    } catch (err) {
        if (!isUnknownValueError(err)) {
            throw err;
        }
        return { required: 0, allowed: 0, denied: [], missingSolverFlows: [], invalidPolicies: [], notChecked: `a value is unknown until the resources exist (${(err as Error).message})` };
    }
}

/** Whether every declared flow gets through and nothing else is amiss. */
export function flowsOk(verdict: FlowsVerdict): boolean {
    return verdict.notChecked === undefined && verdict.denied.length === 0 && verdict.missingSolverFlows.length === 0 && verdict.invalidPolicies.length === 0;
}

/** The lines `check` prints: `flows: 57 required, all allowed`, or the denied flows with the policies at fault. */
export function renderFlowsVerdict(verdict: FlowsVerdict): string[] {
    if (verdict.notChecked !== undefined) {
        return [`flows: not checked: ${verdict.notChecked}`];
    }
    const problems = verdict.missingSolverFlows.length + verdict.invalidPolicies.length;
    if (verdict.denied.length === 0 && problems === 0) {
        return [`flows: ${verdict.required} required, all allowed`];
    }
    const lines = [
        `flows: ${verdict.required} required, ${verdict.denied.length} denied` + (problems > 0 ? `, ${problems} other problem(s)` : "") + ":",
    ];
    for (const d of verdict.denied) {
        lines.push(`  denied: ${d.reason}`, `    at fault: ${d.policiesAtFault.join(", ")}`);
    }
    for (const m of verdict.missingSolverFlows) {
        lines.push(`  missing: ${m}`);
    }
    for (const p of verdict.invalidPolicies) {
        lines.push(`  invalid: ${p}`);
    }
    return lines;
}
