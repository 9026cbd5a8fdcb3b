/** Ingress TLS, the single LoadBalancer, and namespace labels. */
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { k8sIngressTls } from "../../../policies/k8s/ingress";
import { k8sNamespaceOwnership, k8sNamespacePodSecurity, registeredByEstate } from "../../../policies/k8s/namespaces";
import { k8sServiceNoNodePort, k8sSingleLoadBalancer, loadBalancerPaths } from "../../../policies/k8s/services";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { UNKNOWN, fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { ingress, type Json, K, namespace } from "./fixtures";

async function found(policy: Policy, resources: RecordedResource[], config?: PolicyPackConfig): Promise<[string, string | undefined][]> {
    const report = await check(policy, resources, config ? { config } : {});
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

describe("estate-k8s-ingress-tls", () => {
    it("passes an Ingress with TLS for its host and a cert-manager issuer", async () => {
        expect(await found(k8sIngressTls, [ingress()])).toEqual([]);
    });

    it("accepts a namespaced issuer and a wildcard TLS host", async () => {
        const good = ingress((p) => {
            p.metadata.annotations = { "cert-manager.io/issuer": "team-ca" };
            p.spec.tls[0].hosts = ["*.example.com"];
        });
        expect(await found(k8sIngressTls, [good])).toEqual([]);
    });

    it("skips other resources by type, as the analyzer does, without reading them", async () => {
        const svc = fakeResource({ type: K.service, name: "web-service", props: { spec: { type: "ClusterIP" } } });
        expect((await check([k8sIngressTls, k8sNamespacePodSecurity], [svc])).notApplicable).toEqual([
            {
                policy: "estate-k8s-ingress-tls",
                urn: svc.urn,
                reason: "Policy only applies to resources of the types kubernetes:networking.k8s.io/v1:Ingress, kubernetes:networking.k8s.io/v1beta1:Ingress, kubernetes:extensions/v1beta1:Ingress",
            },
            { policy: "estate-k8s-namespace-pod-security", urn: svc.urn, reason: `Policy only applies to resources of type '${K.namespace}'` },
        ]);
    });

    it("fails an Ingress without TLS", async () => {
        const bad = ingress((p) => delete p.spec.tls);
        expect(await found(k8sIngressTls, [bad])).toEqual([["Ingress 'apps/web' has no spec.tls: its hosts are served over plain HTTP.", bad.urn]]);
    });

    it("fails a host that TLS does not cover (a wildcard covers one label only)", async () => {
        const bad = ingress((p) => (p.spec.tls[0].hosts = ["*.shop.example.com"]));
        expect(await found(k8sIngressTls, [bad])).toEqual([["Ingress 'apps/web': host \"shop.example.com\" is not in spec.tls[].hosts.", bad.urn]]);
        const deep = ingress((p) => {
            p.spec.tls[0].hosts = ["*.example.com"];
            p.spec.rules[0].host = "a.shop.example.com";
        });
        expect(messagesOf(await check(k8sIngressTls, [deep]))).toEqual(["Ingress 'apps/web': host \"a.shop.example.com\" is not in spec.tls[].hosts."]);
    });

    it("fails a rule without a host", async () => {
        const bad = ingress((p) => delete p.spec.rules[0].host);
        expect(await found(k8sIngressTls, [bad])).toEqual([["Ingress 'apps/web': spec.rules[0] has no host, so no certificate can cover it.", bad.urn]]);
    });

    it("fails a TLS entry without a secret name", async () => {
        const bad = ingress((p) => delete p.spec.tls[0].secretName);
        expect(await found(k8sIngressTls, [bad])).toEqual([["Ingress 'apps/web': spec.tls[0] has no secretName for cert-manager to store the certificate in.", bad.urn]]);
    });

    it("fails an Ingress without a cert-manager issuer annotation", async () => {
        const bad = ingress((p) => delete p.metadata.annotations);
        expect(await found(k8sIngressTls, [bad])).toEqual([
            ["Ingress 'apps/web' names no cert-manager issuer (annotation cert-manager.io/cluster-issuer or cert-manager.io/issuer).", bad.urn],
        ]);
    });
});

const service = (type: string, name = "db-public", namespace = "data") =>
    fakeResource({ type: K.service, name: `${name}-service`, props: { metadata: { name, namespace }, spec: { type, ports: [{ port: 5432 }] } } });
const release = (values: unknown, name = "traefik", ns = "ingress") =>
    fakeResource({ type: K.release, name: `platform-${name}`, props: { chart: name, name, namespace: ns, values } });

describe("estate-k8s-single-load-balancer", () => {
    const prod = packConfig("prod");

    it("passes ClusterIP Services and the ingress controller's release (allowed in the stack's policy config)", async () => {
        const resources = [service("ClusterIP"), release({ service: { type: "LoadBalancer" } })];
        expect(await found(k8sSingleLoadBalancer, resources, prod)).toEqual([]);
    });

    it("fails a LoadBalancer Service", async () => {
        const bad = service("LoadBalancer");
        expect(await found(k8sSingleLoadBalancer, [bad], prod)).toEqual([["Service 'data/db-public' is of type LoadBalancer; only the ingress controller's Service may be (allowed: []).", bad.urn]]);
    });

    it("fails a Helm release whose values ask for a LoadBalancer", async () => {
        const bad = release({ primary: { service: { type: "LoadBalancer" } } }, "postgresql", "data");
        expect(await found(k8sSingleLoadBalancer, [bad], prod)).toEqual([
            ["Helm release 'data/postgresql' creates a LoadBalancer Service (values.primary.service.type); only the ingress controller's release may (allowed: [\"ingress/traefik\"]).", bad.urn],
        ]);
    });

    it("allows exactly what the config lists", async () => {
        const lb = service("LoadBalancer", "vpn", "ops");
        expect(await found(k8sSingleLoadBalancer, [lb], { all: "mandatory", "estate-k8s-single-load-balancer": { allowedServices: ["ops/vpn"] } })).toEqual([]);
        const traefik = release({ service: { type: "LoadBalancer" } });
        expect(messagesOf(await check(k8sSingleLoadBalancer, [traefik], { config: { all: "mandatory" } }))).toEqual([
            "Helm release 'ingress/traefik' creates a LoadBalancer Service (values.service.type); only the ingress controller's release may (allowed: []).",
        ]);
    });

    it("in a preview, reads a release's values past a leaf not known yet (a new VPC's id); an unknown `type` stays unknown", async () => {
        const bad = release({ vpcId: UNKNOWN, controller: { service: { type: "LoadBalancer" } } }, "postgresql", "data");
        expect(await found(k8sSingleLoadBalancer, [bad], { all: "mandatory" })).toEqual([
            ["Helm release 'data/postgresql' creates a LoadBalancer Service (values.controller.service.type); only the ingress controller's release may (allowed: []).", bad.urn],
        ]);
        const unknownType = await check(k8sSingleLoadBalancer, [release({ service: { type: UNKNOWN } }, "postgresql", "data")], { config: { all: "mandatory" } });
        expect(unknownType.violations).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy 'estate-k8s-single-load-balancer' during preview/) })]);
    });

    it("finds LoadBalancer types anywhere in a values tree", () => {
        expect(loadBalancerPaths({ a: [{ service: { type: "LoadBalancer" } }], b: { type: "ClusterIP" }, type: "LoadBalancer" })).toEqual(["values.a[0].service.type", "values.type"]);
    });
});

describe("estate-k8s-service-no-nodeport", () => {
    const prod = packConfig("prod");

    it("passes ClusterIP Services, and leaves LoadBalancers (whose node ports back the cloud load balancer) to estate-k8s-single-load-balancer", async () => {
        const lb = fakeResource({ type: K.service, name: "lb", props: { metadata: { name: "lb", namespace: "ingress" }, spec: { type: "LoadBalancer", ports: [{ port: 443, nodePort: 30443 }] } } });
        expect(await found(k8sServiceNoNodePort, [service("ClusterIP"), lb, release({ service: { type: "LoadBalancer" } })], prod)).toEqual([]);
    });

    it("fails a NodePort Service, naming its explicit node ports", async () => {
        const bad = service("NodePort");
        expect(await found(k8sServiceNoNodePort, [bad], prod)).toEqual([
            ["Service 'data/db-public' is of type NodePort: it is reachable on every node's address, where NetworkPolicies do not apply; use ClusterIP behind the Ingress (allowed: []).", bad.urn],
        ]);
        const pinned = fakeResource({ type: K.service, name: "ssh", props: { metadata: { name: "ssh", namespace: "ops" }, spec: { type: "NodePort", ports: [{ port: 22, nodePort: 30022 }] } } });
        expect(messagesOf(await check(k8sServiceNoNodePort, [pinned]))).toEqual([
            "Service 'ops/ssh' is of type NodePort (node ports 30022): it is reachable on every node's address, where NetworkPolicies do not apply; use ClusterIP behind the Ingress (allowed: []).",
        ]);
    });

    it("fails a ServicePatch that turns a Service into a NodePort", async () => {
        const patch = fakeResource({ type: "kubernetes:core/v1:ServicePatch", name: "web-patch", props: { metadata: { name: "web", namespace: "apps" }, spec: { type: "NodePort" } } });
        expect((await check(k8sServiceNoNodePort, [patch])).violations.map((v) => v.urn)).toEqual([patch.urn]);
    });

    it("fails a Helm release (v3 or v4) whose values ask for a NodePort", async () => {
        const bad = release({ controller: { service: { type: "NodePort" } } }, "ingress-nginx", "ingress");
        const v4 = fakeResource({ type: K.chart, name: "grafana", props: { chart: "grafana", namespace: "monitoring", values: { service: { type: "NodePort" } } } });
        expect(messagesOf(await check(k8sServiceNoNodePort, [bad, v4]))).toEqual([
            "Helm release 'ingress/ingress-nginx' creates a NodePort Service (values.controller.service.type); use ClusterIP behind the Ingress (allowed: []).",
            "Helm release 'monitoring/grafana' creates a NodePort Service (values.service.type); use ClusterIP behind the Ingress (allowed: []).",
        ]);
    });

    it("allows exactly what the config lists, and is not applicable to other types", async () => {
        const config = { all: "mandatory" as const, "estate-k8s-service-no-nodeport": { allowedServices: ["data/db-public"], allowedReleases: ["ingress/ingress-nginx"] } };
        expect(await found(k8sServiceNoNodePort, [service("NodePort"), release({ service: { type: "NodePort" } }, "ingress-nginx")], config)).toEqual([]);
        expect(await found(k8sServiceNoNodePort, [service("NodePort", "other")], config)).toHaveLength(1);
        expect((await check(k8sServiceNoNodePort, [ingress()])).notApplicable.map((n) => n.policy)).toEqual(["estate-k8s-service-no-nodeport"]);
    });
});

describe("estate-k8s-namespace-ownership", () => {
    /** A Namespace registered under `parentType` (the URN's type chain), or by the program itself. */
    const registered = (parentType: string | undefined, change: (p: Json) => void = () => undefined): RecordedResource => {
        const r = namespace(change);
        const chain = parentType === undefined ? K.namespace : `${parentType}$${K.namespace}`;
        return { ...r, urn: `urn:pulumi:dev::estate::${chain}::${r.name}` };
    };
    const unlabelled = (p: Json) => delete p.metadata.labels["app.kubernetes.io/part-of"];

    it("passes an estate namespace with the label", async () => {
        expect(await found(k8sNamespaceOwnership, [registered("estate:k8s:Platform")])).toEqual([]);
    });

    it("fails an estate component's namespace without the label, or with another value", async () => {
        const bad = registered("estate:k8s:Platform", unlabelled);
        expect(await found(k8sNamespaceOwnership, [bad])).toEqual([["Namespace 'apps' is not labelled app.kubernetes.io/part-of: estate.", bad.urn]]);
        const other = registered("pulumi:pulumi:Stack$estate:data:ClusterPostgres", (p) => (p.metadata.labels["app.kubernetes.io/part-of"] = "shop"));
        expect(messagesOf(await check(k8sNamespaceOwnership, [other]))).toEqual(['Namespace \'apps\' is labelled app.kubernetes.io/part-of: "shop", not app.kubernetes.io/part-of: estate.']);
    });

    it("leaves other programs' namespaces alone (registered by the program or by a foreign component)", async () => {
        const own = registered(undefined, unlabelled);
        const foreign = registered("acme:platform:Tenant", unlabelled);
        const report = await check(k8sNamespaceOwnership, [own, foreign]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => [n.urn, n.reason])).toEqual([
            [own.urn, "The namespace is not registered by an estate component."],
            [foreign.urn, "The namespace is not registered by an estate component."],
        ]);
    });

    it("is low severity, a convention", async () => {
        const report = await check(k8sNamespaceOwnership, [registered("estate:k8s:Platform", unlabelled)], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "low"]]);
    });

    it("reads the URN's type chain: an estate: type among the parents, not the resource's own type", () => {
        expect(registeredByEstate("urn:pulumi:s::p::estate:k8s:Platform$kubernetes:core/v1:Namespace::x")).toBe(true);
        expect(registeredByEstate("urn:pulumi:s::p::pulumi:pulumi:Stack$estate:k8s:Platform$acme:x:Y$kubernetes:core/v1:Namespace::x")).toBe(true);
        expect(registeredByEstate("urn:pulumi:s::p::kubernetes:core/v1:Namespace::estate")).toBe(false);
        expect(registeredByEstate("urn:pulumi:s::p::estate:k8s:Thing::x")).toBe(false);
    });
});

describe("estate-k8s-namespace-pod-security", () => {
    it("passes an estate namespace enforcing restricted", async () => {
        expect(await found(k8sNamespacePodSecurity, [namespace()])).toEqual([]);
    });

    it("does not ask for the ownership label, a convention that estate-k8s-namespace-ownership checks apart", async () => {
        const foreign = namespace((p) => delete p.metadata.labels["app.kubernetes.io/part-of"]);
        expect(await found(k8sNamespacePodSecurity, [foreign])).toEqual([]);
    });

    it("fails a namespace without an enforce label, or with a level that is not one", async () => {
        const none = namespace((p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce"]);
        expect(await found(k8sNamespacePodSecurity, [none])).toEqual([["Namespace 'apps' has no pod-security.kubernetes.io/enforce label: the API server admits any pod there.", none.urn]]);
        const bogus = namespace((p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "strict"));
        expect(messagesOf(await check(k8sNamespacePodSecurity, [bogus]))).toEqual([
            'Namespace \'apps\' sets pod-security.kubernetes.io/enforce to "strict", which is not a Pod Security level (privileged, baseline, restricted).',
        ]);
    });

    it("fails a namespace enforcing less than restricted unless the config relaxes it", async () => {
        const baseline = namespace((p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"), "monitoring");
        expect(await found(k8sNamespacePodSecurity, [baseline], packConfig("prod"))).toEqual([
            ["Namespace 'monitoring' enforces \"baseline\"; it must enforce restricted (or be listed in the policy config's relaxed).", baseline.urn],
        ]);
        expect(await found(k8sNamespacePodSecurity, [baseline], { all: "mandatory", "estate-k8s-namespace-pod-security": { relaxed: ["monitoring"] } })).toEqual([]);
    });

    it("fails a missing or invalid enforce version", async () => {
        const bad = namespace((p) => (p.metadata.labels["pod-security.kubernetes.io/enforce-version"] = "1.33"));
        expect(messagesOf(await check(k8sNamespacePodSecurity, [bad]))).toEqual([
            'Namespace \'apps\' sets an invalid ("1.33") pod-security.kubernetes.io/enforce-version label (latest or v1.<minor>).',
        ]);
        const none = namespace((p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce-version"]);
        expect(messagesOf(await check(k8sNamespacePodSecurity, [none]))).toEqual(["Namespace 'apps' has no pod-security.kubernetes.io/enforce-version label (latest or v1.<minor>)."]);
    });

    it.each(["audit", "warn"])("fails a namespace that does not %s at restricted", async (mode) => {
        const bad = namespace((p) => (p.metadata.labels[`pod-security.kubernetes.io/${mode}`] = "baseline"));
        expect(await found(k8sNamespacePodSecurity, [bad])).toEqual([[`Namespace 'apps' does not ${mode} at the restricted level (pod-security.kubernetes.io/${mode}: restricted).`, bad.urn]]);
    });
});
