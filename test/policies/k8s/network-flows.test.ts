/** Every declared network flow gets through the planned NetworkPolicies; no ACME-served namespace is forgotten. */
import { describe, expect, it } from "vitest";
import * as conventions from "../../../components/k8s/conventions";
import { ACME_SOLVER_LABEL, ACME_SOLVER_PORT, NETWORK_FLOWS_OUTPUT, analyzeFlows, k8sNetworkFlows } from "../../../policies/k8s/network-flows";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { UNKNOWN, fakeResource, toPolicyResources } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";
import { K, type Json } from "./fixtures";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const TRAEFIK = { "app.kubernetes.io/name": "traefik" };
const SOLVER = { "acme.cert-manager.io/http01-solver": "true" };
const NAME_LABEL = "kubernetes.io/metadata.name";

const namespace = (name: string): RecordedResource => fakeResource({ type: K.namespace, name: `ns-${name}`, props: { metadata: { name, labels: { "app.kubernetes.io/part-of": "estate" } } } });

const networkPolicy = (ns: string, name: string, spec: Json): RecordedResource =>
    fakeResource({ type: NETWORK_POLICY, name: `${ns}-${name}`, props: { metadata: { name, namespace: ns }, spec } });

const defaultDeny = (ns: string) => networkPolicy(ns, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

/** A component that declares `flows` in its registered outputs, as the engine shows it to stack policies. */
const component = (name: string, flows: Json[]): RecordedResource => fakeResource({ type: "estate:test:Thing", name, props: { networkFlows: flows } });

const solverFlow = (ns: string): Json => ({
    name: "ingress-to-acme-solver",
    description: "Let's Encrypt's HTTP-01 challenge reaches the solver.",
    from: { pod: { namespace: "ingress", labels: TRAEFIK } },
    to: { pod: { namespace: ns, labels: SOLVER } },
    port: 8089,
    protocol: "TCP",
});

const admitSolver = (ns: string) =>
    networkPolicy(ns, "allow-acme-http01-solver", {
        podSelector: { matchLabels: SOLVER },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: "ingress" } }, podSelector: { matchLabels: TRAEFIK } }], ports: [{ protocol: "TCP", port: 8089 }] }],
    });

/** The ingress namespace: Traefik may send anywhere. */
const ingressEgress = networkPolicy("ingress", "allow-web-traffic", { podSelector: { matchLabels: TRAEFIK }, policyTypes: ["Egress"], egress: [{}] });

const acmeIssuer = fakeResource({
    type: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    name: "issuer-letsencrypt-prod",
    props: { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "letsencrypt-prod" }, spec: { acme: { solvers: [{ http01: { ingress: { ingressClassName: "traefik" } } }] } } },
});

const grafanaRelease = (annotations: Json = { "cert-manager.io/cluster-issuer": "letsencrypt-prod" }) =>
    fakeResource({
        type: K.release,
        name: "monitoring-stack",
        props: { chart: "kube-prometheus-stack", name: "kube-prometheus-stack", namespace: "monitoring", values: { grafana: { ingress: { enabled: true, annotations, hosts: ["grafana.example.com"] } } } },
    });

async function violations(resources: RecordedResource[]): Promise<[string, string | undefined][]> {
    const report = await check(k8sNetworkFlows, resources, { config: { all: "mandatory" } });
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

const base = () => [namespace("ingress"), namespace("monitoring"), defaultDeny("ingress"), defaultDeny("monitoring"), ingressEgress];

describe("estate-k8s-network-flows", () => {
    it("reads the output, solver label and port the components write (a policy cannot import them, so they are copies)", () => {
        expect({ NETWORK_FLOWS_OUTPUT, ACME_SOLVER_LABEL, ACME_SOLVER_PORT }).toEqual({
            NETWORK_FLOWS_OUTPUT: conventions.NETWORK_FLOWS_OUTPUT,
            ACME_SOLVER_LABEL: conventions.ACME_SOLVER_LABEL,
            ACME_SOLVER_PORT: conventions.ACME_SOLVER_PORT,
        });
    });

    it("passes when every declared flow is admitted at both ends, and ACME-served namespaces have their solver flow", async () => {
        const declarer = component("monitoring", [solverFlow("monitoring")]);
        expect(await violations([...base(), admitSolver("monitoring"), acmeIssuer, grafanaRelease(), declarer])).toEqual([]);
        const analysis = analyzeFlows(toPolicyResources([...base(), admitSolver("monitoring"), declarer]));
        expect(analysis.results.map((r) => [r.flow.name, r.verdict.allowed, r.verdict.ingress.allowedBy])).toEqual([
            ["ingress-to-acme-solver", true, ["monitoring/allow-acme-http01-solver"]],
        ]);
    });

    it("reports a flow the destination's ingress denies, naming the isolating policy (the ACME solver in monitoring: defect 2)", async () => {
        const declarer = component("monitoring", [solverFlow("monitoring")]);
        expect(await violations([...base(), acmeIssuer, grafanaRelease(), declarer])).toEqual([
            [
                "flow 'ingress-to-acme-solver' declared by Thing 'monitoring': TCP 8089 from pod app.kubernetes.io/name=traefik in ingress to pod " +
                    "acme.cert-manager.io/http01-solver=true in monitoring is denied: ingress to the destination is isolated by monitoring/default-deny " +
                    "and no ingress rule of that policy admits it.",
                declarer.urn,
            ],
        ]);
    });

    it("reports a flow the source's egress denies", async () => {
        const declarer = component("backup", [
            { name: "backup-to-s3", from: { pod: { namespace: "data", labels: { app: "backup" } } }, to: { ip: "203.0.113.10" }, port: 443 },
        ]);
        const onlyDns = networkPolicy("data", "allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: "kube-system" } } }], ports: [{ protocol: "UDP", port: 53 }] }],
        });
        const found = await violations([namespace("data"), defaultDeny("data"), onlyDns, declarer]);
        expect(found).toEqual([
            [
                "flow 'backup-to-s3' declared by Thing 'backup': TCP 443 from pod app=backup in data to 203.0.113.10 is denied: egress from the source is " +
                    "isolated by data/default-deny, data/allow-dns and no egress rule of those policies admits it.",
                declarer.urn,
            ],
        ]);
        // Admitted once an egress rule names the address's block and the port.
        const https = networkPolicy("data", "allow-https", { podSelector: { matchLabels: { app: "backup" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }] });
        expect(await violations([namespace("data"), defaultDeny("data"), onlyDns, https, declarer])).toEqual([]);
    });

    it("reports a flow both ends deny, with the policies of both", async () => {
        const declarer = component("apps", [{ name: "app-to-db", from: { pod: { namespace: "apps", labels: { app: "web" } } }, to: { pod: { namespace: "data", labels: { db: "pg" } } }, port: 5432 }]);
        const found = await violations([namespace("apps"), namespace("data"), defaultDeny("apps"), defaultDeny("data"), declarer]);
        expect(found.map(([m]) => m)).toEqual([expect.stringMatching(/is denied: egress from the source is isolated by apps\/default-deny .*; ingress to the destination is isolated by data\/default-deny/)]);
    });

    it("reports a namespace that serves an ACME-issued Ingress without a declared solver flow: an Ingress resource, or one in a chart's values", async () => {
        const appIngress = fakeResource({
            type: K.ingress,
            name: "web-ingress",
            props: { metadata: { name: "web", namespace: "shop", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" } }, spec: {} },
        });
        expect((await violations([...base(), acmeIssuer, appIngress, grafanaRelease()])).map(([m]) => m)).toEqual([
            "namespace 'shop' serves Ingress 'shop/web' through an ACME HTTP-01 issuer, but no component declares the flow from the ingress controller to " +
                "cert-manager's solver there (acme.cert-manager.io/http01-solver=true, port 8089): the certificate would never be issued.",
            "namespace 'monitoring' serves Helm release 'monitoring/kube-prometheus-stack' (grafana.ingress) through an ACME HTTP-01 issuer, but no component " +
                "declares the flow from the ingress controller to cert-manager's solver there (acme.cert-manager.io/http01-solver=true, port 8089): the certificate would never be issued.",
        ]);
    });

    it("in a preview, reads a chart's values past a leaf not known yet (a new VPC's id), but an unknown `ingress` stays unknown", async () => {
        const withUnknownLeaf = fakeResource({
            type: K.release,
            name: "monitoring-stack",
            props: {
                chart: "kube-prometheus-stack",
                name: "kube-prometheus-stack",
                namespace: "monitoring",
                values: { vpcId: UNKNOWN, grafana: { ingress: { enabled: true, annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" }, hosts: ["grafana.example.com"] } } },
            },
        });
        // The ACME Ingress next to the unknown leaf is still found.
        expect((await violations([...base(), acmeIssuer, withUnknownLeaf, component("x", [])])).map(([m]) => m)).toEqual([
            "namespace 'monitoring' serves Helm release 'monitoring/kube-prometheus-stack' (grafana.ingress) through an ACME HTTP-01 issuer, but no component " +
                "declares the flow from the ingress controller to cert-manager's solver there (acme.cert-manager.io/http01-solver=true, port 8089): the certificate would never be issued.",
        ]);
        const unknownIngress = fakeResource({ type: K.release, name: "monitoring-stack", props: { chart: "x", name: "x", namespace: "monitoring", values: { grafana: { ingress: UNKNOWN } } } });
        const report = await check(k8sNetworkFlows, [...base(), acmeIssuer, unknownIngress, component("x", [])], { config: { all: "mandatory" } });
        expect(report.violations).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy 'estate-k8s-network-flows' during preview/) })]);
    });

    it("leaves Ingresses of a non-ACME issuer (the local CA) alone", async () => {
        const localCa = grafanaRelease({ "cert-manager.io/cluster-issuer": "selfsigned" });
        expect(await violations([...base(), acmeIssuer, localCa, component("x", [])])).toEqual([]);
    });

    it("reports a planned NetworkPolicy the API server would reject", async () => {
        const bad = networkPolicy("monitoring", "bad", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] });
        expect((await violations([...base(), bad, component("x", [])])).map(([m]) => m)).toEqual([
            "NetworkPolicy monitoring/bad: spec.ingress[0].from[0]: ipBlock cannot be combined with a selector: the API server would reject it, and the evaluator lets it admit nothing.",
        ]);
    });

    it("refuses a malformed declaration rather than passing it", async () => {
        await expect(check(k8sNetworkFlows, [...base(), component("x", [{ name: "no-port", from: { ip: "203.0.113.10" }, to: { ip: "203.0.113.11" } }])])).rejects.toThrow(
            /networkFlows\[0\] needs a name, from, to \(a pod or an ip\) and a numeric port/,
        );
    });

    it("is not applicable to a stack without declarations, and says it cannot run in a preview where a flow is unknown", async () => {
        const none = await check(k8sNetworkFlows, base());
        expect(none.violations).toEqual([]);
        expect(none.notApplicable).toEqual([{ policy: "estate-k8s-network-flows", reason: "No resource declares network flows." }]);
        const unknown = await check(k8sNetworkFlows, [...base(), component("x", [{ ...solverFlow("monitoring"), to: { pod: { namespace: UNKNOWN, labels: SOLVER } } }])], {
            config: { all: "mandatory" },
        });
        expect(unknown.violations).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy 'estate-k8s-network-flows' during preview/) })]);
    });
});
