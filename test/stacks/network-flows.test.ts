/**
 * The example stacks' network flows, as the planned NetworkPolicies let them through. The ACME
 * case is built from what the stack serves (its Ingresses and the Ingresses its charts create from
 * their values), not from the components' declarations, so a forgotten declaration cannot hide a
 * blocked challenge.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { TRAEFIK_POD_LABELS } from "../../components/k8s/chart-values";
import { acmeServedNamespaces, analyzeFlows, namespacesOf, networkPoliciesOf } from "../../policies/k8s/network-flows";
import { describeVerdict, evaluateFlow, type Flow } from "../../policies/lib/netpol";
import { plainInputs } from "../../scripts/engine/mock-engine";
import { toPolicyResources } from "../../scripts/engine/policy-harness";
import { plannedStack, root } from "../helpers/plans";

const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
const servedByStack = new Map<string, string[]>();

describe.each(stacks)("stack %s", (stack) => {
    it("lets Let's Encrypt's HTTP-01 challenge through to the solver in every namespace that serves an ACME-issued Ingress", async () => {
        const run = await plannedStack(stack);
        const resources = toPolicyResources(run.resources);
        const traefik = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && plainInputs(r).chart === "traefik")!;
        const ingressNamespace = String(plainInputs(traefik).namespace);
        const served = [...acmeServedNamespaces(resources).keys()];
        servedByStack.set(stack, served);
        const policies = networkPoliciesOf(resources);
        for (const namespace of served) {
            const challenge: Flow = {
                from: { pod: { namespace: ingressNamespace, labels: { ...TRAEFIK_POD_LABELS } } },
                to: { pod: { namespace, labels: { "acme.cert-manager.io/http01-solver": "true" } } },
                port: 8089,
            };
            const verdict = evaluateFlow(challenge, policies, namespacesOf(resources, [challenge]));
            expect(verdict.allowed, describeVerdict(challenge, verdict)).toBe(true);
        }
    });

    it("declares DNS from every namespace it creates, and every declared flow is allowed", async () => {
        const run = await plannedStack(stack);
        const resources = toPolicyResources(run.resources);
        const analysis = analyzeFlows(resources);
        expect(analysis.denied.map((d) => describeVerdict(d.flow, d.verdict))).toEqual([]);
        expect(analysis.missingSolverFlows).toEqual([]);
        const dnsFrom = new Set(analysis.results.filter((r) => r.flow.port === 53 && "pod" in r.flow.from).map((r) => ("pod" in r.flow.from ? r.flow.from.pod.namespace : "")));
        const created = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => String((plainInputs(r).metadata as { name?: string }).name));
        for (const namespace of created) {
            expect(dnsFrom, `DNS from ${namespace}`).toContain(namespace);
        }
    });
});

describe.each(stacks)("stack %s in a preview of a new stack", (stack) => {
    it("knows every declared flow, so the mandatory flows policy runs in a preview rather than being skipped as unknown", async () => {
        const preview = analyzeFlows(toPolicyResources((await plannedStack(stack, true)).resources));
        const up = analyzeFlows(toPolicyResources((await plannedStack(stack)).resources));
        expect(preview.results.map((r) => `${r.declaredBy} ${r.flow.name}`)).toEqual(up.results.map((r) => `${r.declaredBy} ${r.flow.name}`));
        expect(preview.denied).toEqual([]);
    });
});

describe("the example stacks together", () => {
    it("serve at least one ACME-issued Ingress outside `apps` (Grafana's, from chart values), so the case above is not vacuous", async () => {
        for (const stack of stacks) {
            if (!servedByStack.has(stack)) {
                servedByStack.set(stack, [...acmeServedNamespaces(toPolicyResources((await plannedStack(stack)).resources)).keys()]);
            }
        }
        expect([...servedByStack.values()].some((served) => served.some((ns) => ns !== "apps"))).toBe(true);
    });
});
