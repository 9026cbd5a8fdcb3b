/**
 * The network flows a component declares, evaluated against the NetworkPolicies it plans plus the
 * default-deny and DNS policies `Platform` puts in every estate namespace, with the same code the
 * policy `estate-k8s-network-flows` runs.
 */
import { allowDnsSpec, defaultDenySpec } from "../../components/k8s/network-policies";
import { analyzeFlows, type FlowAnalysis } from "../../policies/k8s/network-flows";
import { describeVerdict } from "../../policies/lib/netpol";
import type { EngineRun } from "../../scripts/engine/mock-engine";
import { fakeResource, toPolicyResources } from "../../scripts/engine/policy-harness";

/** `namespaces`: where Platform's default-deny and DNS policies apply. */
export function flowsOf(run: EngineRun, namespaces: string[]): FlowAnalysis {
    const platform = namespaces.flatMap((ns) => [
        fakeResource({ type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: `${ns}-default-deny`, props: { metadata: { name: "default-deny", namespace: ns }, spec: defaultDenySpec() } }),
        fakeResource({ type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: `${ns}-allow-dns`, props: { metadata: { name: "allow-dns", namespace: ns }, spec: allowDnsSpec() } }),
    ]);
    return analyzeFlows(toPolicyResources([...run.resources, ...platform]));
}

/** The names of the declared flows, and the denied ones with the evaluator's reason. */
export function summary(analysis: FlowAnalysis): { names: string[]; denied: string[] } {
    return {
        names: analysis.results.map((r) => r.flow.name),
        denied: analysis.denied.map((d) => `${d.flow.name}: ${describeVerdict(d.flow, d.verdict)}`),
    };
}
