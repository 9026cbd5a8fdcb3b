import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Platform, type PlatformArgs } from "../../../components/k8s";
import { charts } from "../../../components/lib/charts";
import { ArgumentError } from "../../../components/lib/errors";
import { flowsOf, summary } from "../../helpers/flows";
import { type Built, T, registeredTypes, runWithCluster } from "./harness";

async function platform(args: PlatformArgs = {}, opts: { preview?: boolean } = {}): Promise<Built> {
    return runWithCluster((cluster) => {
        const p = new Platform("platform", args, { provider: cluster });
        return { namespaces: p.namespaces, clusterIssuer: p.clusterIssuer, ingressClassName: p.ingressClassName, issuers: p.issuers, metricsEndpoint: p.metricsEndpoint };
    }, opts);
}

const PSA = (enforce: string, version = "latest") => ({
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": version,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": version,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": version,
});

describe("Platform defaults", () => {
    it("creates the five estate namespaces, labelled part-of estate and enforcing the restricted profile", async () => {
        const built = await platform();
        const namespaces = built.ofType(T.namespace).map((r) => built.inputs(r.name).metadata);
        expect(namespaces.map((m) => m.name)).toEqual(["apps", "data", "monitoring", "cert-manager", "ingress"]);
        for (const metadata of namespaces) {
            expect(metadata.labels).toEqual({ "app.kubernetes.io/part-of": "estate", "app.kubernetes.io/managed-by": "pulumi", ...PSA("restricted") });
        }
        expect(built.outputs().namespaces).toEqual({ apps: "apps", data: "data", monitoring: "monitoring", certManager: "cert-manager", ingress: "ingress" });
    });

    it("denies all traffic in every namespace by default, except DNS lookups", async () => {
        const built = await platform();
        for (const ns of ["apps", "data", "monitoring", "cert-manager", "ingress"]) {
            expect(built.inputs(`platform-${ns}-default-deny`)).toMatchObject({
                metadata: { name: "default-deny", namespace: ns },
                spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            });
            expect(built.inputs(`platform-${ns}-default-deny`).spec.ingress).toBeUndefined();
            const dns = built.inputs(`platform-${ns}-allow-dns`);
            expect(dns.spec.policyTypes).toEqual(["Egress"]);
            expect(dns.spec.egress).toEqual([
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ]);
        }
    });

    it("creates every Kubernetes object with the given provider, never the default one", async () => {
        const built = await platform();
        const cluster = built.provider;
        const objects = built.run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(objects.length).toBeGreaterThan(20);
        for (const r of objects) {
            expect(r.provider, r.name).toMatch(new RegExp(`^${cluster.urn.replace(/[$]/g, "\\$")}::`));
        }
    });

    it("installs cert-manager from the pinned chart with its CRDs, waiting for the webhook before it reports done", async () => {
        const built = await platform();
        const release = built.inputs("platform-cert-manager");
        expect(release).toMatchObject({
            chart: "cert-manager",
            version: charts.certManager.version,
            repositoryOpts: { repo: charts.certManager.repo },
            name: "cert-manager",
            namespace: "cert-manager",
            skipAwait: false,
            waitForJobs: true,
            atomic: true,
        });
        expect(release.values.crds).toEqual({ enabled: true, keep: true });
        expect(release.values.startupapicheck).toMatchObject({
            enabled: true,
            timeout: "5m",
            jobAnnotations: { "helm.sh/hook": "post-install,post-upgrade" },
            rbac: { annotations: { "helm.sh/hook": "post-install,post-upgrade" } },
            serviceAccount: { annotations: { "helm.sh/hook": "post-install,post-upgrade" } },
        });
        expect(release.values.replicaCount).toBe(2);
        expect(release.values.webhook.replicaCount).toBe(2);
    });

    it("orders the ClusterIssuers after the cert-manager release, and the local CA issuer after its certificate", async () => {
        const built = await platform();
        const release = built.resource("platform-cert-manager");
        for (const name of ["platform-issuer-selfsigned-root", "platform-local-ca", "platform-issuer-selfsigned"]) {
            expect(built.resource(name).dependencies, name).toContain(release.urn);
        }
        expect(built.resource("platform-local-ca").dependencies).toContain(built.resource("platform-issuer-selfsigned-root").urn);
        expect(built.resource("platform-issuer-selfsigned").dependencies).toContain(built.resource("platform-local-ca").urn);
    });

    it("without an ACME email creates only the local CA, and apps use it", async () => {
        const built = await platform();
        expect(built.ofType(T.clusterIssuer).map((r) => built.inputs(r.name).metadata.name)).toEqual(["estate-selfsigned-root", "selfsigned"]);
        expect(built.inputs("platform-issuer-selfsigned").spec).toEqual({ ca: { secretName: "estate-local-ca" } });
        expect(built.inputs("platform-local-ca")).toMatchObject({
            kind: "Certificate",
            metadata: { name: "estate-local-ca", namespace: "cert-manager" },
            spec: { isCA: true, secretName: "estate-local-ca", issuerRef: { name: "estate-selfsigned-root", kind: "ClusterIssuer" } },
        });
        expect(built.outputs()).toMatchObject({ clusterIssuer: "selfsigned", issuers: ["selfsigned"] });
    });

    it("runs Traefik as the ingress controller behind the one LoadBalancer, with restricted pods", async () => {
        const built = await platform();
        const release = built.inputs("platform-traefik");
        expect(release).toMatchObject({ chart: "traefik", version: charts.traefik.version, name: "traefik", namespace: "ingress" });
        expect(release.values).toMatchObject({
            service: { type: "LoadBalancer" },
            ingressClass: { enabled: true, name: "traefik", isDefaultClass: false },
            deployment: { replicas: 2 },
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            ports: { web: { redirections: { entryPoint: { to: "websecure", scheme: "https" } } } },
        });
        expect(built.outputs().ingressClassName).toBe("traefik");
        // Clients reach Traefik from anywhere, on its entry points only.
        expect(built.inputs("platform-ingress-traffic").spec.ingress[0]).toEqual({ ports: [{ protocol: "TCP", port: 8000 }, { protocol: "TCP", port: 8443 }] });
    });

    it("lets the API server reach cert-manager's webhook, and ACME solver pods receive challenges from the ingress controller only", async () => {
        const built = await platform();
        expect(built.inputs("platform-cert-manager-webhook").spec).toEqual({
            podSelector: { matchLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "webhook" } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: 10250 }] }],
        });
        expect(built.inputs("platform-apps-acme-solver")).toMatchObject({
            metadata: { namespace: "apps" },
            spec: {
                podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
                ingress: [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }],
                        ports: [{ protocol: "TCP", port: 8089 }],
                    },
                ],
            },
        });
    });

    it("serves Traefik's Prometheus metrics on the metrics entry point, kept off the load balancer, with per-service labels and the buckets the alerts need", async () => {
        const built = await platform();
        const values = built.inputs("platform-traefik").values;
        // traefik/traefik-helm-chart v37.3.0 values.yaml: metrics.prometheus and ports.metrics (9100, expose.default false).
        expect(values.metrics).toEqual({
            prometheus: { entryPoint: "metrics", addEntryPointsLabels: true, addRoutersLabels: false, addServicesLabels: true, buckets: "0.01,0.025,0.05,0.1,0.25,0.5,1,2,5,10" },
        });
        expect(values.ports.metrics).toEqual({ port: 9100, expose: { default: false } });
        expect(built.outputs().metricsEndpoint).toEqual({ namespace: "ingress", podLabels: { "app.kubernetes.io/name": "traefik" }, port: { name: "metrics", number: 9100 }, path: "/metrics" });
    });

    it("admits only the monitoring namespace to Traefik's metrics port by default, and only the scraper's pods when given", async () => {
        const rule = (built: Built) => built.inputs("platform-ingress-traffic").spec.ingress[1];
        expect(rule(await platform())).toEqual({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9100 }] });
        const scraper = { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } };
        const built = await platform({ metricsScraper: scraper });
        const peer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } };
        expect(rule(built)).toEqual({ from: [peer], ports: [{ protocol: "TCP", port: 9100 }] });
        expect(built.inputs("platform-cert-manager-metrics").spec.ingress).toEqual([{ from: [peer], ports: [{ protocol: "TCP", port: 9402 }] }]);
    });

    it("lets monitoring scrape cert-manager's controller (certificate expiry) on its metrics port only", async () => {
        const built = await platform();
        expect(built.inputs("platform-cert-manager-metrics")).toMatchObject({
            metadata: { name: "allow-metrics-scrape", namespace: "cert-manager" },
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9402 }] }],
            },
        });
    });

    it("knows namespace, class and issuer names in a preview, where ids are unknown", async () => {
        const built = await platform({ issuer: "letsencrypt-prod", acmeEmail: "ops@example.com" }, { preview: true });
        expect(built.outputs()).toMatchObject({ clusterIssuer: "letsencrypt-prod", ingressClassName: "traefik", namespaces: { apps: "apps" } });
    });
});

describe("Platform with Let's Encrypt", () => {
    it("creates staging and production ACME issuers solving HTTP-01 through the ingress class, and apps use the chosen one", async () => {
        const built = await platform({ issuer: "letsencrypt-prod", acmeEmail: "ops@example.com", ingressClass: "public" });
        expect(built.inputs("platform-issuer-letsencrypt-prod")).toMatchObject({
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: "letsencrypt-prod" },
            spec: {
                acme: {
                    server: "https://acme-v02.api.letsencrypt.org/directory",
                    email: "ops@example.com",
                    privateKeySecretRef: { name: "letsencrypt-prod-account-key" },
                    solvers: [{ http01: { ingress: { ingressClassName: "public" } } }],
                },
            },
        });
        expect(built.inputs("platform-issuer-letsencrypt-staging").spec.acme.server).toBe("https://acme-staging-v02.api.letsencrypt.org/directory");
        expect(built.resource("platform-issuer-letsencrypt-prod").dependencies).toContain(built.resource("platform-cert-manager").urn);
        expect(built.outputs()).toMatchObject({
            clusterIssuer: "letsencrypt-prod",
            ingressClassName: "public",
            issuers: ["letsencrypt-staging", "letsencrypt-prod", "selfsigned"],
        });
    });
});

describe("Platform overrides", () => {
    it("renames namespaces, relaxes one namespace's enforcement (audit and warn stay restricted), pins the PSS version, scales controllers", async () => {
        const built = await platform({
            namespaces: { apps: "shop", monitoring: "observability" },
            podSecurity: { monitoring: "privileged" },
            podSecurityVersion: "v1.33",
            replicas: 3,
            loadBalancerAnnotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "external" },
        });
        expect(built.inputs("platform-ns-apps").metadata).toMatchObject({ name: "shop", labels: PSA("restricted", "v1.33") });
        expect(built.inputs("platform-ns-monitoring").metadata).toMatchObject({ name: "observability", labels: PSA("privileged", "v1.33") });
        expect(built.inputs("platform-apps-default-deny").metadata.namespace).toBe("shop");
        expect(built.inputs("platform-cert-manager").values.replicaCount).toBe(3);
        expect(built.inputs("platform-traefik").values.deployment.replicas).toBe(3);
        expect(built.inputs("platform-traefik").values.service.annotations).toEqual({ "service.beta.kubernetes.io/aws-load-balancer-type": "external" });
        expect(built.outputs().namespaces).toMatchObject({ apps: "shop", monitoring: "observability" });
    });
});

describe("Platform arguments that make no sense", () => {
    async function refused(args: PlatformArgs, withProvider = true): Promise<Error> {
        const run = await runWithCluster(
            (cluster) => {
                new Platform("platform", args, withProvider ? { provider: cluster } : {});
            },
            { captureErrors: true },
        );
        // Nothing but the provider the test itself created.
        expect(registeredTypes(run.run)).toEqual([T.provider]);
        expect(run.run.error).toBeInstanceOf(ArgumentError);
        expect(pulumi.RunError.isInstance(run.run.error)).toBe(true);
        return run.run.error as Error;
    }

    it.each<[string, PlatformArgs, string]>([
        ["a Let's Encrypt issuer without an email", { issuer: "letsencrypt-prod" }, 'Platform "platform": acmeEmail is required when issuer is "letsencrypt-prod" (the ACME account\'s contact, such as ops@example.com)'],
        ["an unknown issuer", { issuer: "vault" as never }, 'Platform "platform": issuer must be one of letsencrypt-staging, letsencrypt-prod, selfsigned (got "vault")'],
        ["a malformed email", { acmeEmail: "ops" }, 'Platform "platform": acmeEmail must be an email address such as ops@example.com (got "ops")'],
        ["zero replicas", { replicas: 0 }, 'Platform "platform": replicas must be an integer from 1 to 10 (got 0)'],
        ["an ingress class that is not a DNS label", { ingressClass: "Public" }, 'Platform "platform": ingressClass must be a lower-case DNS label such as traefik (got "Public")'],
        ["two roles in one namespace", { namespaces: { data: "apps" } }, 'Platform "platform": namespaces.apps must differ from namespaces.data (both are "apps")'],
        ["an unknown namespace role", { namespaces: { cache: "cache" } as never }, 'Platform "platform": namespaces.cache is not a namespace role (known: apps, data, monitoring, certManager, ingress)'],
        ["an unknown Pod Security level", { podSecurity: { apps: "strict" as never } }, 'Platform "platform": podSecurity.apps must be one of privileged, baseline, restricted (got "strict")'],
        ["a Pod Security version that is not a Kubernetes minor", { podSecurityVersion: "1.33" }, 'Platform "platform": podSecurityVersion must be latest or a Kubernetes minor version such as v1.33 (got "1.33")'],
    ])("refuses %s, registering nothing", async (_case, args, message) => {
        expect((await refused(args)).message).toBe(message);
    });

    it("refuses to run without a Kubernetes provider", async () => {
        expect((await refused({}, false)).message).toBe(
            'Platform "platform": opts.provider is required: a kubernetes Provider for the target cluster (the estate never uses the ambient default provider)',
        );
    });
});

describe("Platform network flows", () => {
    it("declares DNS from every namespace, cert-manager's and Traefik's flows, and admits them all in its default-deny namespaces", async () => {
        const built = await platform({ issuer: "letsencrypt-prod", acmeEmail: "ops@example.com" });
        const analysis = flowsOf(built.run, []);
        const { names, denied } = summary(analysis);
        expect(denied).toEqual([]);
        for (const ns of ["apps", "data", "monitoring", "cert-manager", "ingress"]) {
            expect(names).toContain(`${ns}-dns-udp`);
            expect(names).toContain(`${ns}-dns-tcp`);
        }
        expect(names).toEqual(
            expect.arrayContaining([
                "api-server-to-cert-manager-webhook",
                "cert-manager-to-api-server",
                "cert-manager-to-acme-server",
                "clients-to-ingress-web",
                "clients-to-ingress-websecure",
                "ingress-to-api-server",
                "ingress-to-acme-solver",
            ]),
        );
        // The apps' solver allowance is derived from the declared flow: the policy that admits it.
        expect(analysis.results.find((r) => r.flow.name === "ingress-to-acme-solver")!.verdict.ingress.allowedBy).toEqual(["apps/allow-acme-http01-solver"]);
    });

    it("declares the ACME server flow only when there is an ACME account", async () => {
        const { names } = summary(flowsOf((await platform()).run, []));
        expect(names).not.toContain("cert-manager-to-acme-server");
    });
});
