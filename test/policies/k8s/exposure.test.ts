/** Ingress TLS, the single LoadBalancer, and namespace labels. */
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { k8sIngressTls } from "../../../policies/k8s/ingress";
import { k8sNamespacePodSecurity } from "../../../policies/k8s/namespaces";
import { k8sSingleLoadBalancer, loadBalancerPaths } from "../../../policies/k8s/services";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { ingress, K, namespace } from "./fixtures";

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
            { policy: "estate-k8s-ingress-tls", urn: svc.urn, reason: `Policy only applies to resources of type '${K.ingress}'` },
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

    it("finds LoadBalancer types anywhere in a values tree", () => {
        expect(loadBalancerPaths({ a: [{ service: { type: "LoadBalancer" } }], b: { type: "ClusterIP" }, type: "LoadBalancer" })).toEqual(["values.a[0].service.type", "values.type"]);
    });
});

describe("estate-k8s-namespace-pod-security", () => {
    it("passes an estate namespace enforcing restricted", async () => {
        expect(await found(k8sNamespacePodSecurity, [namespace()])).toEqual([]);
    });

    it("fails a namespace without the estate label", async () => {
        const bad = namespace((p) => delete p.metadata.labels["app.kubernetes.io/part-of"]);
        expect(await found(k8sNamespacePodSecurity, [bad])).toEqual([["Namespace 'apps' is not labelled app.kubernetes.io/part-of: estate.", bad.urn]]);
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
