/**
 * The NetworkPolicy evaluator against the behaviour the upstream conformance tests specify.
 *
 * Each case reproduces one test of kubernetes/kubernetes test/e2e/network/netpol/network_policy.go
 * (read at commit 008b3652959ca58af8be3fb5b6ecfe9ae7638282; the `it` names are the upstream test names,
 * verified there) as a truth table over the same topology: namespaces x, y, z with pods a, b, c,
 * each pod labelled `pod=<name>` and serving ports 80 and 81 on TCP, UDP and SCTP under the names
 * `serve-<port>-<protocol>`. As upstream, loopback (a pod to itself) is left out of the tables.
 * Cases without an upstream e2e test (endPort, ipBlock from outside the cluster, policyTypes defaults,
 * selector operators) cite the documentation or API reference they check instead.
 */
import { describe, expect, it } from "vitest";
import {
    cidrContains,
    describeVerdict,
    effectivePolicyTypes,
    evaluateFlow,
    ipBlockContains,
    NAMESPACE_NAME_LABEL,
    selectorMatches,
    validatePolicy,
    type Endpoint,
    type Flow,
    type Namespace,
    type NetworkPolicy,
    type NetworkPolicySpec,
} from "../../../policies/lib/netpol";

const NAMESPACES = ["x", "y", "z"] as const;
const PODS = ["a", "b", "c"] as const;
type Ns = (typeof NAMESPACES)[number];
type PodName = (typeof PODS)[number];

/** The cluster's namespaces, with labels of their own (the evaluator adds the name label). */
const namespaces: Namespace[] = NAMESPACES.map((name) => ({ name, labels: { team: `team-${name}` } }));

function pod(ns: string, name: string, labels: Record<string, string> = { pod: name }): Endpoint {
    const ports = [80, 81].flatMap((port) =>
        (["TCP", "UDP", "SCTP"] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })),
    );
    return { pod: { namespace: ns, labels, ports } };
}

function policy(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
    return { namespace, name, spec };
}

const ALL: [Ns, PodName][] = NAMESPACES.flatMap((ns) => PODS.map((p) => [ns, p] as [Ns, PodName]));

type Pair = `${Ns}/${PodName} -> ${Ns}/${PodName}`;

/** Every non-loopback pair `from -> to` for which `pred` holds, sorted. */
function pairs(pred: (from: [Ns, PodName], to: [Ns, PodName]) => boolean): Pair[] {
    const out: Pair[] = [];
    for (const from of ALL) {
        for (const to of ALL) {
            if (from[0] === to[0] && from[1] === to[1]) continue;
            if (pred(from, to)) out.push(`${from[0]}/${from[1]} -> ${to[0]}/${to[1]}`);
        }
    }
    return out.sort();
}

/** The denied pairs of the whole topology on `port`/`protocol` under `policies`. */
function denied(policies: NetworkPolicy[], port = 80, protocol: Flow["protocol"] = "TCP", ns: Namespace[] = namespaces): Pair[] {
    return pairs((from, to) => !evaluateFlow({ from: pod(...from), to: pod(...to), port, protocol }, policies, ns).allowed);
}

const none: Pair[] = [];
const is = (ns: Ns, p?: PodName) => (e: [Ns, PodName]) => e[0] === ns && (p === undefined || e[1] === p);

describe("isolation per direction, additive policies, both ends", () => {
    it("should support a 'default-deny-ingress' policy", () => {
        const denyIngress = policy("x", "deny-ingress", { podSelector: {} });
        expect(denied([denyIngress])).toEqual(pairs((_, to) => is("x")(to)));

        const verdict = evaluateFlow({ from: pod("y", "a"), to: pod("x", "a"), port: 80 }, [denyIngress], namespaces);
        expect(verdict.ingress).toEqual({ applies: true, isolated: true, selectedBy: ["x/deny-ingress"], allowedBy: [], allowed: false });
        // policyTypes default to Ingress only: the policy does not isolate egress.
        expect(verdict.egress).toEqual({ applies: true, isolated: false, selectedBy: [], allowedBy: [], allowed: true });
    });

    it("should support a 'default-deny-all' policy", () => {
        const denyAll = policy("x", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(denied([denyAll])).toEqual(pairs((from, to) => is("x")(from) || is("x")(to)));
    });

    it("should deny egress from all pods in a namespace", () => {
        const denyEgress = policy("x", "deny-egress-ns-x", { podSelector: {}, policyTypes: ["Egress"] });
        expect(denied([denyEgress])).toEqual(pairs((from) => is("x")(from)));
    });

    it("should deny egress from pods based on PodSelector", () => {
        const denyEgressA = policy("x", "deny-egress-pod-a", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"] });
        expect(denied([denyEgressA])).toEqual(pairs((from) => is("x", "a")(from)));
    });

    it("defaults policyTypes to Ingress, plus Egress only when the policy has egress rules (API reference, defaults.go)", () => {
        expect(effectivePolicyTypes({ podSelector: {} })).toEqual(["Ingress"]);
        expect(effectivePolicyTypes({ podSelector: {}, egress: [] })).toEqual(["Ingress"]);
        expect(effectivePolicyTypes({ podSelector: {}, policyTypes: [] })).toEqual(["Ingress"]);
        expect(effectivePolicyTypes({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] })).toEqual(["Ingress", "Egress"]);
        expect(effectivePolicyTypes({ podSelector: {}, policyTypes: ["Egress"], ingress: [{}] })).toEqual(["Egress"]);

        // A policy meant as "deny all egress" that forgot policyTypes isolates ingress only.
        const forgot = policy("x", "forgot-types", { podSelector: {}, egress: [] });
        expect(denied([forgot])).toEqual(pairs((_, to) => is("x")(to)));
        // With an egress rule and no policyTypes, egress is isolated too (only DNS gets out).
        const dnsOnly = policy("x", "dns-only", { podSelector: {}, ingress: [{}], egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] });
        expect(denied([dnsOnly])).toEqual(pairs((from) => is("x")(from)));
        expect(evaluateFlow({ from: pod("x", "a"), to: pod("y", "a"), port: 53, protocol: "UDP" }, [dnsOnly], namespaces).allowed).toBe(true);
        // An explicit policyTypes wins: ingress rules of an Egress-only policy are ignored.
        const egressOnly = policy("x", "egress-only", { podSelector: {}, policyTypes: ["Egress"], ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] });
        expect(denied([egressOnly])).toEqual(pairs((from) => is("x")(from)));
    });

    it("should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector", () => {
        const target = { matchLabels: { pod: "a" } };
        const allowEgress = policy("x", "allow-egress-for-target", { podSelector: target, policyTypes: ["Egress"], egress: [{}] });
        expect(denied([allowEgress])).toEqual(none);
        const denyIngress = policy("x", "deny-ingress-via-label-selector", { podSelector: target, policyTypes: ["Ingress"] });
        expect(denied([allowEgress, denyIngress])).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should enforce multiple, stacked policies with overlapping podSelectors", () => {
        const fromY = [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }];
        const port81 = policy("x", "allow-client-a-via-ns-selector", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: fromY, ports: [{ port: 81, protocol: "TCP" }] }] });
        const port80 = policy("x", "allow-client-a-via-ns-selector-80", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: fromY, ports: [{ port: 80, protocol: "TCP" }] }] });
        const onlyY = pairs((from, to) => is("x", "a")(to) && !is("y")(from));
        expect(denied([port81], 81)).toEqual(onlyY);
        expect(denied([port81], 80)).toEqual(pairs((_, to) => is("x", "a")(to)));
        // Adding a second policy that selects the same pod unblocks port 80: the rules are a union.
        expect(denied([port81, port80], 80)).toEqual(onlyY);
        const verdict = evaluateFlow({ from: pod("y", "b"), to: pod("x", "a"), port: 80 }, [port81, port80], namespaces);
        expect(verdict.ingress.selectedBy).toEqual(["x/allow-client-a-via-ns-selector", "x/allow-client-a-via-ns-selector-80"]);
        expect(verdict.ingress.allowedBy).toEqual(["x/allow-client-a-via-ns-selector-80"]);
    });

    it("should enforce multiple ingress policies with ingress allow-all policy taking precedence", () => {
        const only80 = policy("x", "allow-ingress-port-80", { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
        expect(denied([only80], 81)).toEqual(pairs((_, to) => is("x")(to)));
        const allowAll = policy("x", "allow-ingress", { podSelector: {}, ingress: [{}] });
        expect(denied([only80, allowAll], 81)).toEqual(none);
    });

    it("should enforce multiple egress policies with egress allow-all policy taking precedence", () => {
        const only80 = policy("x", "allow-egress-port-80", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 80 }] }] });
        expect(denied([only80], 81)).toEqual(pairs((from) => is("x")(from)));
        const allowAll = policy("x", "allow-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
        expect(denied([only80, allowAll], 81)).toEqual(none);
    });

    it("should support allow-all policy", () => {
        const allowAll = policy("x", "allow-all", { podSelector: {}, ingress: [{}] });
        expect(denied([allowAll], 80)).toEqual(none);
        expect(denied([allowAll], 81)).toEqual(none);
    });

    it("should work with Ingress, Egress specified together", () => {
        const both = policy("x", "allow-client-a-via-pod-selector", {
            podSelector: { matchLabels: { pod: "a" } },
            policyTypes: ["Egress", "Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
            egress: [{ ports: [{ port: 80 }] }],
        });
        expect(denied([both], 80)).toEqual(pairs((from, to) => is("x", "a")(to) && !is("x", "b")(from)));
        expect(denied([both], 81)).toEqual(pairs((from, to) => (is("x", "a")(to) && !is("x", "b")(from)) || is("x", "a")(from)));
    });

    it("should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)", () => {
        const xa = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "x" } }, podSelector: { matchLabels: { pod: "a" } } };
        const ya = { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } }, podSelector: { matchLabels: { pod: "a" } } };
        const egress = policy("x", "allow-to-ns-y-pod-a", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [ya] }] });
        const ingressA = policy("y", "allow-from-xa-on-ya-match-selector", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [xa] }] });
        const ingressB = policy("y", "allow-from-xa-on-yb-match-selector", { podSelector: { matchLabels: { pod: "b" } }, ingress: [{ from: [xa] }] });
        const policies = [egress, ingressA, ingressB];
        expect(denied(policies)).toEqual(
            pairs((from, to) => {
                if (is("x", "a")(from)) return !is("y", "a")(to);
                return is("y", "a")(to) || is("y", "b")(to);
            }),
        );
        // x/a -> y/b: the server admits it, the client's egress does not.
        const verdict = evaluateFlow({ from: pod("x", "a"), to: pod("y", "b"), port: 80 }, policies, namespaces);
        expect(verdict.ingress).toMatchObject({ isolated: true, allowed: true, allowedBy: ["y/allow-from-xa-on-yb-match-selector"] });
        expect(verdict.egress).toMatchObject({ isolated: true, allowed: false, selectedBy: ["x/allow-to-ns-y-pod-a"], allowedBy: [] });
        expect(verdict.allowed).toBe(false);
    });

    it("should stop enforcing policies after they are deleted", () => {
        const denyAll = policy("x", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(denied([denyAll])).not.toEqual(none);
        expect(denied([])).toEqual(none);
    });

    it("does not govern an address outside the pod network: that side applies: false and allows (docs: policies apply to connections with a pod on one or both ends)", () => {
        const denyAll = policy("x", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const out = evaluateFlow({ from: pod("x", "a"), to: { ip: "203.0.113.10" }, port: 443 }, [denyAll], namespaces);
        expect(out.ingress).toEqual({ applies: false, isolated: false, selectedBy: [], allowedBy: [], allowed: true });
        expect(out.egress).toMatchObject({ applies: true, isolated: true, allowed: false });
        const inbound = evaluateFlow({ from: { ip: "203.0.113.10" }, to: pod("y", "a"), port: 80 }, [denyAll], namespaces);
        expect(inbound).toMatchObject({ allowed: true, egress: { applies: false }, ingress: { applies: true, isolated: false } });
        expect(evaluateFlow({ from: { ip: "10.0.0.1" }, to: { ip: "10.0.0.2" }, port: 80 }, [denyAll], namespaces).allowed).toBe(true);
    });
});

describe("rules: none, empty from/to, missing ports (API reference: NetworkPolicyIngressRule/EgressRule)", () => {
    it("an empty rule list admits nothing, a rule with empty or missing from admits every source, missing or empty ports every port", () => {
        const noRules = policy("x", "no-rules", { podSelector: {}, ingress: [] });
        expect(denied([noRules])).toEqual(pairs((_, to) => is("x")(to)));
        for (const rule of [{}, { from: [] }, { ports: [] }, { from: [], ports: [] }]) {
            const p = policy("x", "open", { podSelector: {}, ingress: [rule] });
            expect(denied([p], 80)).toEqual(none);
            expect(denied([p], 81, "UDP")).toEqual(none);
        }
        // Egress: a rule with ports and no `to` admits every destination, pods and addresses alike.
        const dns = policy("x", "dns", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] });
        expect(evaluateFlow({ from: pod("x", "a"), to: { ip: "8.8.8.8" }, port: 53, protocol: "UDP" }, [dns], namespaces).allowed).toBe(true);
        expect(evaluateFlow({ from: pod("x", "a"), to: pod("z", "c"), port: 53, protocol: "UDP" }, [dns], namespaces).allowed).toBe(true);
        expect(evaluateFlow({ from: pod("x", "a"), to: pod("z", "c"), port: 53, protocol: "TCP" }, [dns], namespaces).allowed).toBe(false);
    });

    it("should deny ingress from pods on other namespaces", () => {
        const sameNs = policy("x", "deny-empty-policy", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
        expect(denied([sameNs])).toEqual(pairs((from, to) => is("x")(to) && !is("x")(from)));
    });

    it("should enforce policy to allow ingress traffic from pods in all namespaces", () => {
        const anyNs = policy("x", "allow-from-another-ns", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] });
        expect(denied([anyNs])).toEqual(none);
    });

    it("should enforce policy to allow ingress traffic for a target", () => {
        const denyAll = policy("x", "deny-all", { podSelector: {} });
        const allowA = policy("x", "allow-all-to-a", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] });
        expect(denied([denyAll, allowA])).toEqual(pairs((_, to) => is("x")(to) && !is("x", "a")(to)));
    });
});

describe("peers: podSelector, namespaceSelector, both (AND), several (OR)", () => {
    it("should enforce policy to allow traffic from pods within server namespace based on PodSelector", () => {
        const p = policy("x", "x-a-allows-x-b", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }] });
        // A podSelector alone selects pods of the policy's own namespace: y/b and z/b are denied.
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("x", "b")(from)));
    });

    it("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector", () => {
        const p = policy("x", "allow-client-a-via-ns-selector", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }] }] });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
    });

    it("should enforce policy based on PodSelector with MatchExpressions", () => {
        const p = policy("x", "x-a-allows-x-b", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["b"] }] } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("x", "b")(from)));
    });

    it("should enforce policy based on NamespaceSelector with MatchExpressions", () => {
        const p = policy("x", "allow-ns-y-match-selector", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: ["y"] }] } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
    });

    it("should enforce policy based on PodSelector or NamespaceSelector", () => {
        const p = policy("x", "allow-ns-y-match-selector", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [
                {
                    from: [
                        { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: ["x"] }] } },
                        { podSelector: { matchLabels: { pod: "b" } } },
                    ],
                },
            ],
        });
        expect(denied([p])).toEqual(["x/c -> x/a"]);
    });

    it("should enforce policy based on PodSelector and NamespaceSelector", () => {
        const p = policy("x", "allow-ns-y-podselector-and-nsselector", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: ["x"] }] },
                            podSelector: { matchLabels: { pod: "b" } },
                        },
                    ],
                },
            ],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !(from[1] === "b" && from[0] !== "x")));
    });

    it("should enforce policy based on Multiple PodSelectors and NamespaceSelectors", () => {
        const p = policy("x", "allow-ns-y-z-pod-b-c", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: ["x"] }] },
                            podSelector: { matchExpressions: [{ key: "pod", operator: "In", values: ["b", "c"] }] },
                        },
                    ],
                },
            ],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && (is("x")(from) || from[1] === "a")));
    });

    it("should enforce policy based on any PodSelectors", () => {
        const p = policy("x", "allow-ns-x-pod-b-c", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }, { podSelector: { matchLabels: { pod: "c" } } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !(is("x", "b")(from) || is("x", "c")(from))));
    });

    it("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector", () => {
        const p = policy("x", "allow-ns-y-pod-a-via-namespace-pod-selector", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } }, podSelector: { matchLabels: { pod: "a" } } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y", "a")(from)));
        // The same over UDP and SCTP ("NetworkPolicy between server and client using UDP/SCTP").
        expect(denied([p], 80, "UDP")).toEqual(denied([p], 80, "TCP"));
        expect(denied([p], 80, "SCTP")).toEqual(denied([p], 80, "TCP"));
    });

    it("should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector", () => {
        const p = policy("x", "allow-to-ns-y-pod-a", {
            podSelector: { matchLabels: { pod: "a" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } }, podSelector: { matchLabels: { pod: "a" } } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(from) && !is("y", "a")(to)));
    });

    it("should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label", () => {
        const p = policy("x", "allow-client-a-via-ns-selector-for-immutable-ns-label", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }] }],
        });
        // The namespaces carry no such label of their own: the evaluator adds it, as the API server does,
        // even for a namespace it was not told about.
        expect(denied([p], 80, "TCP", [])).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
        // And a user label cannot spoof it.
        const spoofed = namespaces.map((n) => (n.name === "z" ? { ...n, labels: { [NAMESPACE_NAME_LABEL]: "y" } } : n));
        expect(evaluateFlow({ from: pod("z", "a"), to: pod("x", "a"), port: 80 }, [p], spoofed).allowed).toBe(false);
    });

    it("should enforce policy based on NamespaceSelector with MatchExpressions using default ns label", () => {
        const p = policy("x", "allow-ns-y-match-selector-for-immutable-ns-label", {
            podSelector: { matchLabels: { pod: "a" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "NotIn", values: ["y"] }] } }] }],
        });
        expect(denied([p])).toEqual(pairs((from, to) => is("x", "a")(from) && is("y")(to)));
    });

    it("should allow ingress access from updated namespace", () => {
        const p = policy("x", "allow-client-a-via-ns-selector", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: "updated" } } }] }] });
        expect(denied([p])).toEqual(pairs((_, to) => is("x", "a")(to)));
        const updated = namespaces.map((n) => (n.name === "y" ? { ...n, labels: { ...n.labels, ns2: "updated" } } : n));
        expect(denied([p], 80, "TCP", updated)).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
    });

    it("should allow ingress access from updated pod", () => {
        const p = policy("x", "allow-client-a-via-pod-selector", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b", pod2: "updated" } } }] }] });
        const flow = (labels: Record<string, string>): Flow => ({ from: pod("x", "b", labels), to: pod("x", "a"), port: 80 });
        expect(evaluateFlow(flow({ pod: "b" }), [p], namespaces).allowed).toBe(false);
        expect(evaluateFlow(flow({ pod: "b", pod2: "updated" }), [p], namespaces).allowed).toBe(true);
    });

    it("should deny ingress access to updated pod", () => {
        const p = policy("x", "deny-ingress-via-label-selector", { podSelector: { matchLabels: { target: "isolated" } } });
        const flow = (labels: Record<string, string>): Flow => ({ from: pod("y", "a"), to: pod("x", "a", labels), port: 80 });
        expect(evaluateFlow(flow({ pod: "a" }), [p], namespaces).allowed).toBe(true);
        expect(evaluateFlow(flow({ pod: "a", target: "isolated" }), [p], namespaces).allowed).toBe(false);
    });

    it("a policy selects pods of its own namespace only (docs: podSelector selects pods in the policy's namespace)", () => {
        const denyAllInY = policy("y", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(denied([denyAllInY])).toEqual(pairs((from, to) => is("y")(from) || is("y")(to)));
    });
});

describe("label selectors (apimachinery pkg/labels/selector.go Requirement.Matches)", () => {
    const labels = { app: "web", tier: "frontend" };

    it("matches matchLabels and each operator, ANDing everything; {} selects all", () => {
        expect(selectorMatches({}, {})).toBe(true);
        expect(selectorMatches({ matchLabels: {}, matchExpressions: [] }, labels)).toBe(true);
        expect(selectorMatches({ matchLabels: { app: "web" } }, labels)).toBe(true);
        expect(selectorMatches({ matchLabels: { app: "api" } }, labels)).toBe(false);
        expect(selectorMatches({ matchLabels: { app: "web", zone: "a" } }, labels)).toBe(false);
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["backend", "frontend"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, labels)).toBe(false);
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["frontend"] }] }, labels)).toBe(false);
        // NotIn also matches an object without the key (apimachinery; cyclonus's model differs here).
        expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels)).toBe(false);
        expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels)).toBe(false);
        const combined = {
            matchLabels: { app: "web" },
            matchExpressions: [
                { key: "tier", operator: "In" as const, values: ["frontend"] },
                { key: "canary", operator: "DoesNotExist" as const },
            ],
        };
        expect(selectorMatches(combined, labels)).toBe(true);
        expect(selectorMatches(combined, { ...labels, canary: "true" })).toBe(false);
        expect(selectorMatches(combined, { ...labels, app: "api" })).toBe(false);
    });

    it("an empty label value is a value: matchLabels {k: ''} needs the key", () => {
        expect(selectorMatches({ matchLabels: { k: "" } }, {})).toBe(false);
        expect(selectorMatches({ matchLabels: { k: "" } }, { k: "" })).toBe(true);
    });
});

describe("ipBlock with except (IPv4)", () => {
    it("computes CIDR containment from /0 to /32, masking host bits", () => {
        expect(cidrContains("0.0.0.0/0", "203.0.113.7")).toBe(true);
        expect(cidrContains("0.0.0.0/0", "0.0.0.0")).toBe(true);
        expect(cidrContains("10.0.0.0/8", "10.255.255.255")).toBe(true);
        expect(cidrContains("10.0.0.0/8", "11.0.0.0")).toBe(false);
        expect(cidrContains("10.0.0.0/8", "9.255.255.255")).toBe(false);
        expect(cidrContains("128.0.0.0/1", "200.1.1.1")).toBe(true);
        expect(cidrContains("128.0.0.0/1", "127.255.255.255")).toBe(false);
        expect(cidrContains("172.16.0.0/12", "172.31.255.255")).toBe(true);
        expect(cidrContains("172.16.0.0/12", "172.32.0.0")).toBe(false);
        expect(cidrContains("192.168.1.0/24", "192.168.1.0")).toBe(true);
        expect(cidrContains("192.168.1.0/24", "192.168.2.0")).toBe(false);
        expect(cidrContains("192.168.1.5/31", "192.168.1.4")).toBe(true);
        expect(cidrContains("192.168.1.4/31", "192.168.1.6")).toBe(false);
        expect(cidrContains("192.168.1.4/32", "192.168.1.4")).toBe(true);
        expect(cidrContains("192.168.1.4/32", "192.168.1.5")).toBe(false);
        expect(cidrContains("255.255.255.255/32", "255.255.255.255")).toBe(true);
        expect(cidrContains("10.1.2.3/8", "10.9.9.9")).toBe(true);
        // An IPv6 block (a dual-stack policy) never contains an IPv4 address.
        expect(cidrContains("::/0", "10.0.0.1")).toBe(false);
        expect(() => cidrContains("10.0.0.0/33", "10.0.0.1")).toThrow(/not a CIDR/);
        expect(() => cidrContains("10.0.0.0", "10.0.0.1")).toThrow(/not a CIDR/);
        expect(() => cidrContains("10.0.0.0/8", "10.0.0.256")).toThrow(/not an IPv4 address/);
        expect(() => cidrContains("10.0.0.0/8", "010.0.0.1")).toThrow(/not an IPv4 address/);
    });

    it("applies except inside the block (docs example: 172.17.0.0/16 except 172.17.1.0/24)", () => {
        const block = { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] };
        expect(ipBlockContains(block, "172.17.0.255")).toBe(true);
        expect(ipBlockContains(block, "172.17.1.0")).toBe(false);
        expect(ipBlockContains(block, "172.17.1.255")).toBe(false);
        expect(ipBlockContains(block, "172.17.2.0")).toBe(true);
        expect(ipBlockContains(block, "172.18.0.1")).toBe(false);

        const db = policy("default", "test-network-policy", { podSelector: { matchLabels: { role: "db" } }, ingress: [{ from: [{ ipBlock: block }], ports: [{ protocol: "TCP", port: 6379 }] }] });
        const to = pod("default", "db", { role: "db" });
        const from = (ip: string): Flow => ({ from: { ip }, to, port: 6379 });
        expect(evaluateFlow(from("172.17.0.9"), [db], namespaces).allowed).toBe(true);
        expect(evaluateFlow(from("172.17.1.9"), [db], namespaces).allowed).toBe(false);
        expect(evaluateFlow({ ...from("172.17.0.9"), port: 6380 }, [db], namespaces).allowed).toBe(false);
    });

    const podB = "10.64.3.17";

    it("should allow egress access to server in CIDR block", () => {
        const p = policy("x", "allow-client-a-via-cidr-egress-rule", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: `${podB}/32` } }] }] });
        const client = pod("x", "a");
        expect(evaluateFlow({ from: client, to: { ip: podB }, port: 80 }, [p], namespaces).allowed).toBe(true);
        expect(evaluateFlow({ from: client, to: { ip: "10.64.3.18" }, port: 80 }, [p], namespaces).allowed).toBe(false);
        // Upstream builds the /32 from the server pod's IP; a plan has no pod IPs, so the server is an
        // address here, and an ipBlock peer never matches a pod endpoint (docs/network-flows.md).
        expect(evaluateFlow({ from: client, to: pod("y", "b"), port: 80 }, [p], namespaces).allowed).toBe(false);
    });

    it("should enforce except clause while egress access to server in CIDR block", () => {
        // The /4 around the server's address, minus the server itself.
        const p = policy("x", "allow-client-a-via-cidr-egress-rule", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/4", except: [`${podB}/32`] } }] }] });
        const client = pod("x", "a");
        expect(evaluateFlow({ from: client, to: { ip: podB }, port: 80 }, [p], namespaces).allowed).toBe(false);
        expect(evaluateFlow({ from: client, to: { ip: "10.64.3.18" }, port: 80 }, [p], namespaces).allowed).toBe(true);
        expect(evaluateFlow({ from: client, to: { ip: "16.0.0.1" }, port: 80 }, [p], namespaces).allowed).toBe(false);
    });

    it("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed", () => {
        const client = pod("x", "a");
        const withExcept = policy("x", "allow-client-a-via-cidr-egress-rule", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/4", except: [`${podB}/32`] } }] }] });
        const exact = policy("x", "allow-client-a-to-b", { podSelector: { matchLabels: { pod: "a" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: `${podB}/32` } }] }] });
        const verdict = evaluateFlow({ from: client, to: { ip: podB }, port: 80 }, [withExcept, exact], namespaces);
        expect(verdict.allowed).toBe(true);
        expect(verdict.egress.allowedBy).toEqual(["x/allow-client-a-to-b"]);
    });

    it("selector peers never match an address, ipBlock peers never match a pod", () => {
        const everyPod = policy("x", "from-every-pod", { podSelector: {}, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] });
        expect(evaluateFlow({ from: { ip: "10.0.0.1" }, to: pod("x", "a"), port: 80 }, [everyPod], namespaces).allowed).toBe(false);
        const everyAddress = policy("x", "from-everywhere", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] });
        expect(evaluateFlow({ from: { ip: "10.0.0.1" }, to: pod("x", "a"), port: 80 }, [everyAddress], namespaces).allowed).toBe(true);
        expect(evaluateFlow({ from: pod("y", "a"), to: pod("x", "a"), port: 80 }, [everyAddress], namespaces).allowed).toBe(false);
    });

    it("rejects a flow whose address is not IPv4", () => {
        expect(() => evaluateFlow({ from: pod("x", "a"), to: { ip: "s3.amazonaws.com" }, port: 443 }, [], namespaces)).toThrow(/destination "s3.amazonaws.com" is not an IPv4 address/);
    });
});

describe("ports: protocol, number, endPort, named ports", () => {
    it("should enforce policy based on Ports", () => {
        const p = policy("x", "allow-client-a-via-ns-selector", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }], ports: [{ port: 81, protocol: "TCP" }] }],
        });
        expect(denied([p], 81)).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
        expect(denied([p], 80)).toEqual(pairs((_, to) => is("x", "a")(to)));
        // "NetworkPolicy between server and client using UDP: should enforce policy based on Ports"
        const udp = policy("x", "allow-ingress-on-port-81-ns-x", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }], ports: [{ port: 81, protocol: "UDP" }] }],
        });
        expect(denied([udp], 81, "UDP")).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
        expect(denied([udp], 81, "TCP")).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should enforce ingress policy allowing any port traffic to a server on a specific protocol", () => {
        const p = policy("x", "allow-ingress-by-proto", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ protocol: "TCP" }] }] });
        expect(denied([p], 80, "TCP")).toEqual(none);
        expect(denied([p], 12345, "TCP")).toEqual(none);
        expect(denied([p], 80, "UDP")).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should not allow access by TCP when a policy specifies only UDP", () => {
        const p = policy("x", "allow-only-udp-ingress-on-port-81", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: 81, protocol: "UDP" }] }] });
        expect(denied([p], 81, "TCP")).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP", () => {
        const denyIngress = policy("x", "deny-ingress", { podSelector: {} });
        const sctp = policy("x", "allow-only-sctp-ingress-on-port-81", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: 81, protocol: "SCTP" }] }] });
        expect(denied([denyIngress, sctp], 81, "TCP")).toEqual(pairs((_, to) => is("x")(to)));
        expect(denied([denyIngress, sctp], 81, "SCTP")).toEqual(pairs((_, to) => is("x")(to) && !is("x", "a")(to)));
    });

    it("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP", () => {
        const sctp = policy("x", "allow-only-sctp-ingress-on-port-80", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: 80, protocol: "SCTP" }] }] });
        expect(denied([sctp], 81, "TCP")).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should allow ingress access on one named port", () => {
        const p = policy("x", "allow-all", { podSelector: {}, ingress: [{ ports: [{ port: "serve-81-tcp" }] }] });
        expect(denied([p], 81)).toEqual(none);
        expect(denied([p], 80)).toEqual(pairs((_, to) => is("x")(to)));
    });

    it("should allow ingress access from namespace on one named port", () => {
        const p = policy("x", "allow-client-a-via-ns-selector-80", {
            podSelector: { matchLabels: { pod: "a" } },
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "y" } } }], ports: [{ port: "serve-80-tcp", protocol: "TCP" }] }],
        });
        expect(denied([p], 80)).toEqual(pairs((from, to) => is("x", "a")(to) && !is("y")(from)));
        expect(denied([p], 81)).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("should allow egress access on one named port", () => {
        // The name is resolved against the destination pod's container ports, for egress too.
        const p = policy("x", "allow-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: "serve-80-tcp" }] }] });
        expect(denied([p], 80)).toEqual(none);
        expect(denied([p], 81)).toEqual(pairs((from) => is("x")(from)));
        // Toward an address there is no container port to resolve the name against.
        expect(evaluateFlow({ from: pod("x", "a"), to: { ip: "203.0.113.1" }, port: 80 }, [p], namespaces).allowed).toBe(false);
    });

    it("resolves a named port with its protocol, on the destination only (policy-assistant's pathological cases)", () => {
        const web: Endpoint = { pod: { namespace: "x", labels: { app: "web" }, ports: [{ name: "http", containerPort: 8080 }, { name: "dns", containerPort: 53, protocol: "UDP" }] } };
        const client: Endpoint = { pod: { namespace: "x", labels: { app: "client" }, ports: [{ name: "http", containerPort: 9999 }] } };
        const viaName = (name: string, protocol?: string) => policy("x", "named", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: name, ...(protocol ? { protocol } : {}) }] }] });
        const to = (port: number, protocol: Flow["protocol"] = "TCP"): Flow => ({ from: client, to: web, port, protocol });
        expect(evaluateFlow(to(8080), [viaName("http")], namespaces).allowed).toBe(true);
        // The name resolves to 8080 on the destination, whatever the source calls "http".
        expect(evaluateFlow(to(9999), [viaName("http")], namespaces).allowed).toBe(false);
        // "open a named port that doesn't match its protocol": dns is UDP, the rule says TCP (the default).
        expect(evaluateFlow(to(53, "UDP"), [viaName("dns")], namespaces).allowed).toBe(false);
        expect(evaluateFlow(to(53, "UDP"), [viaName("dns", "UDP")], namespaces).allowed).toBe(true);
        // The same over the e2e topology: TCP toward the name of a UDP port opens nothing.
        const wrongProtocol = policy("x", "tcp-on-udp-name", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ protocol: "TCP", port: "serve-81-udp" }] }] });
        expect(denied([wrongProtocol], 81, "TCP")).toEqual(pairs((_, to) => is("x", "a")(to)));
        expect(denied([wrongProtocol], 81, "UDP")).toEqual(pairs((_, to) => is("x", "a")(to)));
        // "open a named port that isn't served".
        expect(evaluateFlow(to(8080), [viaName("metrics")], namespaces).allowed).toBe(false);
    });

    it("admits an endPort range inclusively, on its protocol (docs: 'Targeting a range of ports', KEP-2079)", () => {
        // The docs' example: role=db may reach 10.0.0.0/24 on TCP 32000-32768.
        const p = policy("default", "multi-port-egress", {
            podSelector: { matchLabels: { role: "db" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }],
        });
        const db = pod("default", "db", { role: "db" });
        const at = (port: number, protocol: Flow["protocol"] = "TCP", ip = "10.0.0.7"): boolean => evaluateFlow({ from: db, to: { ip }, port, protocol }, [p], namespaces).allowed;
        expect(at(31999)).toBe(false);
        expect(at(32000)).toBe(true);
        expect(at(32400)).toBe(true);
        expect(at(32768)).toBe(true);
        expect(at(32769)).toBe(false);
        expect(at(32400, "UDP")).toBe(false);
        expect(at(32400, "TCP", "10.0.1.7")).toBe(false);
        // An ingress range between pods, with the protocol defaulted to TCP.
        const range = policy("x", "range", { podSelector: { matchLabels: { pod: "a" } }, ingress: [{ ports: [{ port: 80, endPort: 81 }] }] });
        expect(denied([range], 80)).toEqual(none);
        expect(denied([range], 81)).toEqual(none);
        expect(denied([range], 82)).toEqual(pairs((_, to) => is("x", "a")(to)));
    });

    it("reads a number written as a string as a port name, which matches nothing, and says why", () => {
        const quoted = policy("x", "quoted-port", { podSelector: {}, ingress: [{ ports: [{ port: "80" }, { port: 0 }, { port: "Serve-80" }, { port: 80, endPort: 70000 }] }] });
        expect(denied([quoted], 80)).toEqual(pairs((_, to) => is("x")(to)));
        expect(validatePolicy(quoted)).toEqual([
            'x/quoted-port: spec.ingress[0].ports[0].port: "80" is not a valid port name (a number must be written as a number)',
            "x/quoted-port: spec.ingress[0].ports[1].port: 0 is not a port number (1-65535)",
            'x/quoted-port: spec.ingress[0].ports[2].port: "Serve-80" is not a valid port name (a number must be written as a number)',
            "x/quoted-port: spec.ingress[0].ports[3].endPort: 70000 is not a port number (1-65535)",
        ]);
        expect(validatePolicy(policy("x", "names", { podSelector: {}, ingress: [{ ports: [{ port: "serve-80-tcp" }, { port: "http" }, { port: 1, endPort: 65535 }] }] }))).toEqual([]);
    });

    it("lets no port entry the API would reject admit traffic, and says why", () => {
        const bad = policy("x", "bad-ports", {
            podSelector: {},
            ingress: [{ ports: [{ port: "serve-80-tcp", endPort: 90 }, { port: 90, endPort: 80 }, { endPort: 80 }] }],
        });
        expect(denied([bad], 80)).toEqual(pairs((_, to) => is("x")(to)));
        expect(denied([bad], 85)).toEqual(pairs((_, to) => is("x")(to)));
        expect(validatePolicy(bad)).toEqual([
            "x/bad-ports: spec.ingress[0].ports[0].endPort: needs a numeric port",
            "x/bad-ports: spec.ingress[0].ports[1].endPort: 80 is below port 90",
            "x/bad-ports: spec.ingress[0].ports[2].endPort: needs a numeric port",
        ]);
    });
});

describe("describeVerdict", () => {
    const solver: Endpoint = { pod: { namespace: "monitoring", labels: { "acme.cert-manager.io/http01-solver": "true" } } };
    const controller: Endpoint = { pod: { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } } };
    const flow: Flow = { from: controller, to: solver, port: 8089 };

    it("names the side at fault and the policies isolating it", () => {
        const defaultDeny = policy("monitoring", "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        const verdict = evaluateFlow(flow, [defaultDeny], namespaces);
        expect(describeVerdict(flow, verdict)).toBe(
            "TCP 8089 from pod app.kubernetes.io/name=ingress-nginx in ingress-nginx to pod acme.cert-manager.io/http01-solver=true in monitoring is denied: " +
                "ingress to the destination is isolated by monitoring/default-deny and no ingress rule of that policy admits it.",
        );
    });

    it("names both sides when both deny, and says when a flow is allowed", () => {
        const denyMonitoring = policy("monitoring", "default-deny", { podSelector: {} });
        const allowGrafana = policy("monitoring", "allow-grafana", { podSelector: { matchLabels: { app: "grafana" } }, ingress: [{}] });
        const denyIngressNs = policy("ingress-nginx", "default-deny", { podSelector: {}, policyTypes: ["Egress"] });
        const verdict = evaluateFlow(flow, [denyMonitoring, allowGrafana, denyIngressNs], namespaces);
        expect(describeVerdict(flow, verdict)).toBe(
            "TCP 8089 from pod app.kubernetes.io/name=ingress-nginx in ingress-nginx to pod acme.cert-manager.io/http01-solver=true in monitoring is denied: " +
                "egress from the source is isolated by ingress-nginx/default-deny and no egress rule of that policy admits it; " +
                "ingress to the destination is isolated by monitoring/default-deny and no ingress rule of that policy admits it.",
        );
        const twoPolicies = policy("monitoring", "allow-prometheus", { podSelector: {}, ingress: [{ ports: [{ port: 9090 }] }] });
        const two = evaluateFlow(flow, [denyMonitoring, twoPolicies], namespaces);
        expect(describeVerdict(flow, two)).toMatch(/isolated by monitoring\/default-deny, monitoring\/allow-prometheus and no ingress rule of those policies admits it\.$/);
        const open = evaluateFlow({ from: { ip: "203.0.113.5" }, to: { ip: "198.51.100.1" }, port: 443 }, [], namespaces);
        expect(describeVerdict({ from: { ip: "203.0.113.5" }, to: { ip: "198.51.100.1" }, port: 443 }, open)).toBe("TCP 443 from 203.0.113.5 to 198.51.100.1 is allowed.");
    });
});

describe("validatePolicy (kubernetes/kubernetes pkg/apis/networking/validation)", () => {
    it("passes a valid policy and names each problem of an invalid one by its field", () => {
        expect(validatePolicy(policy("x", "ok", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }] }))).toEqual([]);
        const bad = policy("x", "bad", {
            podSelector: {},
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {},
                        { podSelector: { matchExpressions: [{ key: "pod", operator: "In" }] } },
                        { ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} },
                        { ipBlock: { cidr: "10.0.0.1/8", except: ["10.0.0.0/8", "11.0.0.0/16", "10.0.0.0/33"] } },
                        { namespaceSelector: { matchExpressions: [{ key: "b", operator: "Exists", values: ["x"] }] } },
                    ],
                },
            ],
            egress: [{ ports: [{ protocol: "ICMP" }] }],
        });
        expect(validatePolicy(bad)).toEqual([
            "x/bad: spec.ingress[0].from[0]: a peer needs podSelector, namespaceSelector or ipBlock",
            "x/bad: spec.ingress[0].from[1].podSelector.matchExpressions[0]: In needs at least one value",
            "x/bad: spec.ingress[0].from[2]: ipBlock cannot be combined with a selector",
            "x/bad: spec.ingress[0].from[3].ipBlock.cidr: 10.0.0.1/8 has bits set beyond the prefix length",
            "x/bad: spec.ingress[0].from[3].ipBlock.except[0]: 10.0.0.0/8 is not a strict subset of 10.0.0.1/8",
            "x/bad: spec.ingress[0].from[3].ipBlock.except[1]: 11.0.0.0/16 is not a strict subset of 10.0.0.1/8",
            'x/bad: spec.ingress[0].from[3].ipBlock.except[2]: "10.0.0.0/33" is not a CIDR',
            "x/bad: spec.ingress[0].from[4].namespaceSelector.matchExpressions[0]: Exists takes no values",
            'x/bad: spec.egress[0].ports[0].protocol: "ICMP" is not TCP, UDP or SCTP',
        ]);
        // The invalid peers admit nothing, from a pod of the policy's namespace, another's, or an address.
        for (const from of [pod("x", "b"), pod("y", "a"), { ip: "10.0.0.5" }]) {
            expect(evaluateFlow({ from, to: pod("x", "a"), port: 80 }, [bad], namespaces).allowed).toBe(false);
        }
    });
});
