/**
 * `Platform`: what every app in the cluster relies on. The estate's namespaces with Pod Security
 * Admission labels and default-deny NetworkPolicies; cert-manager with its CRDs and the
 * ClusterIssuers (Let's Encrypt staging and production over ACME HTTP-01, and a local CA); the
 * ingress controller (Traefik), whose Service is the estate's only LoadBalancer.
 *
 * Order on a first `pulumi up`: namespaces and their NetworkPolicies; then the cert-manager and
 * Traefik releases (in parallel); the ClusterIssuers only once the cert-manager release is
 * deployed, which Helm reports only after the chart's startupapicheck hook has seen the webhook
 * answer (see `certManagerValues`); apps' Ingresses wait for the issuer and the ingress release.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { charts, releaseSource } from "../lib/charts";
import { withoutUndefined } from "../lib/args";
import { ArgumentError } from "../lib/errors";
import type { AppIngressSettings, AppNetworkPeers } from "./app-service";
import {
    CERT_MANAGER_METRICS_PORT,
    CERT_MANAGER_SERVICE_LABELS,
    CERT_MANAGER_WEBHOOK_POD_LABELS,
    CERT_MANAGER_WEBHOOK_PORT,
    TRAEFIK_METRICS_PORT_NAME,
    TRAEFIK_POD_LABELS,
    TRAEFIK_PORTS,
    certManagerValues,
    traefikValues,
} from "./chart-values";
import {
    DEFAULT_NAMESPACES,
    ESTATE_LABELS,
    NAMESPACE_ROLES,
    NETWORK_FLOWS_OUTPUT,
    POD_SECURITY_LEVELS,
    type NamespaceRole,
    type PodSecurityLevel,
    podSecurityLabels,
} from "./conventions";
import {
    ACME_SERVERS,
    ISSUER_NAMES,
    LOCAL_CA_NAME,
    LOCAL_CA_ROOT_ISSUER,
    type AcmeIssuerName,
    type IssuerName,
    acmeIssuerSpec,
    localCaCertificateSpec,
    localCaIssuerSpec,
    selfSignedRootSpec,
} from "./issuers";
import {
    API_SERVER_PORT,
    EXTERNAL_ADDRESSES,
    type DeclaredFlow,
    type FlowInput,
    acmeSolverFlow,
    admitFlowSpec,
    declaredFlows,
    dnsFlows,
    ipEndpoint,
    podEndpoint,
} from "./flows";
import { isolationPolicies, namespacePeer, tcp } from "./network-policies";
import { requireKubernetesProvider } from "./provider";

export interface PlatformArgs {
    /**
     * The ClusterIssuer app Ingresses use: `letsencrypt-prod`, `letsencrypt-staging` (untrusted
     * certificates, generous rate limits: for trying a new stack) or `selfsigned` (the local CA,
     * for clusters Let's Encrypt cannot reach). Default: `selfsigned`.
     */
    issuer?: IssuerName;
    /**
     * The ACME account email. Required for the Let's Encrypt issuers; when set, both the staging
     * and the production issuer are created, whichever `issuer` apps use. Default: none (only the
     * local CA).
     */
    acmeEmail?: string;
    /** The IngressClass Traefik registers, and ACME HTTP-01 challenges are solved through. Default: `traefik`. */
    ingressClass?: string;
    /** Replicas of Traefik and of each cert-manager controller, an integer from 1 to 10. Default: `2`. */
    replicas?: number;
    /** Namespace names by role (`apps`, `data`, `monitoring`, `certManager`, `ingress`). Default: `DEFAULT_NAMESPACES`. */
    namespaces?: Partial<Record<NamespaceRole, string>>;
    /**
     * The Pod Security Admission level each namespace enforces (audit and warn are always
     * `restricted`). Default: `restricted` everywhere; relax one (e.g. `monitoring` for a node
     * exporter) only together with the policy config `estate-k8s-namespace-pod-security.relaxed`.
     */
    podSecurity?: Partial<Record<NamespaceRole, PodSecurityLevel>>;
    /** The Pod Security Standards version the labels pin: `latest` or `v1.<minor>`. Default: `latest`. */
    podSecurityVersion?: string;
    /** Annotations of the ingress controller's LoadBalancer Service (e.g. the AWS Load Balancer Controller's). Default: none. */
    loadBalancerAnnotations?: Record<string, string>;
    /**
     * What must run before the ingress controller's LoadBalancer Service is created: the controller
     * that serves `loadBalancerAnnotations` (the AWS Load Balancer Controller, whose webhook admits
     * Services of type LoadBalancer). Default: none.
     */
    loadBalancerController?: pulumi.Resource[];
    /**
     * Earlier identities of a namespace (Pulumi aliases), by role: a stack that created the namespace
     * elsewhere adopts it instead of deleting it, with everything in it, and creating it anew.
     * Default: none.
     */
    namespaceAliases?: Partial<Record<NamespaceRole, pulumi.Input<string | pulumi.Alias>[]>>;
    /**
     * The pods that scrape the platform's metrics ports (Traefik's and cert-manager's): their labels
     * (as `prometheusScraper` of components/observability gives them) and namespace (default: the
     * platform's own monitoring namespace). Default: every pod of the monitoring namespace.
     */
    metricsScraper?: { namespace?: pulumi.Input<string>; podLabels: Record<string, string> };
}

/** Where Prometheus scrapes the ingress controller (see `Platform.metricsEndpoint`). */
export interface PlatformMetricsEndpoint {
    namespace: pulumi.Output<string>;
    podLabels: Record<string, string>;
    port: { name: string; number: number };
    path: string;
}

/** Defaults of the optional arguments, merged once at the top of the constructor. */
const defaults = {
    issuer: "selfsigned" as IssuerName,
    ingressClass: "traefik",
    replicas: 2,
    podSecurityVersion: "latest",
    loadBalancerAnnotations: {} as Record<string, string>,
} satisfies Partial<PlatformArgs>;

const TYPE = "estate:k8s:Platform";
/** Child name segments per namespace role. */
const ROLE_SLUG: Record<NamespaceRole, string> = { apps: "apps", data: "data", monitoring: "monitoring", certManager: "cert-manager", ingress: "ingress" };
/** Helm release names (they prefix the objects the charts create). */
const RELEASES = { certManager: "cert-manager", ingress: "traefik" } as const;

export class Platform extends pulumi.ComponentResource {
    /** The Kubernetes provider every object of the platform is created with; apps use the same one. */
    readonly provider: k8s.Provider;
    /** The namespace names by role. Each output resolves once its Namespace exists. */
    readonly namespaces: Record<NamespaceRole, pulumi.Output<string>>;
    /** The same names as plain strings, for what is generated from them (alert rules, dashboards). */
    readonly namespaceNames: Readonly<Record<NamespaceRole, string>>;
    /** The IngressClass app Ingresses name; resolves once the ingress controller is deployed. */
    readonly ingressClassName: pulumi.Output<string>;
    /** The ClusterIssuer app Ingresses name; resolves once that issuer exists. */
    readonly clusterIssuer: pulumi.Output<string>;
    /** The ClusterIssuers created, by name. */
    readonly issuers: pulumi.Output<string>[];
    /** What an `AppService` needs to be served through the ingress controller. */
    readonly appIngress: AppIngressSettings;
    /** Which namespaces an `AppService`'s NetworkPolicy admits and reaches. */
    readonly appNetwork: AppNetworkPeers;
    /**
     * The cert-manager release: what needs cert-manager's CRDs or webhook to be installed (the
     * Barman Cloud plugin of `ClusterPostgres`) depends on it.
     */
    readonly certManager: k8s.helm.v3.Release;
    /**
     * Where the cluster's ingress is reached: the hostname (or IP) of Traefik's load balancer, the
     * target of the apps' DNS records. Read back from the Service the chart created, so it is unknown
     * in the preview of a new stack and set once the release is deployed.
     */
    readonly ingressAddress: pulumi.Output<string | undefined>;
    /**
     * Traefik's Prometheus endpoint (requests, errors and latency per entry point and per app's
     * Service: the edge view of every app), for `Monitoring`'s `scrapeTargets`. The ingress
     * namespace's NetworkPolicy admits `metricsScraper` to it; the port is not on the load balancer.
     */
    readonly metricsEndpoint: PlatformMetricsEndpoint;
    /** The network flows the platform needs (registered as the `networkFlows` output; see components/k8s/flows.ts). */
    readonly networkFlows: pulumi.Output<DeclaredFlow[]>;

    constructor(name: string, args: PlatformArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): an invalid component registers nothing.
        const component = `Platform ${JSON.stringify(name)}`;
        validateArgs(component, args);
        const provider = requireKubernetesProvider(component, opts);
        const { issuer, acmeEmail, ingressClass, replicas, podSecurityVersion, loadBalancerAnnotations } = { ...defaults, ...withoutUndefined(args) };
        const namespaceNames: Record<NamespaceRole, string> = { ...DEFAULT_NAMESPACES, ...withoutUndefined(args.namespaces ?? {}) };
        super(TYPE, name, {}, opts);
        this.provider = provider;
        this.namespaceNames = namespaceNames;
        const child = { parent: this };
        const flows: FlowInput[] = [];
        // Who may read the metrics ports: the scraper's pods (by default, the whole monitoring namespace).
        const scraper = () => namespacePeer(args.metricsScraper?.namespace ?? namespaces.monitoring, args.metricsScraper?.podLabels);

        // Namespaces: Pod Security Admission labels, nothing in or out but DNS until a policy allows it.
        const namespaces = {} as Record<NamespaceRole, pulumi.Output<string>>;
        for (const role of NAMESPACE_ROLES) {
            const nsName = namespaceNames[role];
            const level = args.podSecurity?.[role] ?? "restricted";
            const ns = new k8s.core.v1.Namespace(
                `${name}-ns-${ROLE_SLUG[role]}`,
                { metadata: { name: nsName, labels: { ...ESTATE_LABELS, ...podSecurityLabels(level, podSecurityVersion) } } },
                { ...child, aliases: args.namespaceAliases?.[role] },
            );
            // The URN is known even in a preview; the output still waits for the namespace.
            namespaces[role] = ns.urn.apply(() => nsName);
            for (const [policyRole, policyName, spec] of isolationPolicies()) {
                this.networkPolicy(`${name}-${ROLE_SLUG[role]}-${policyRole}`, namespaces[role], policyName, spec);
            }
            flows.push(...dnsFlows(ROLE_SLUG[role], podEndpoint(namespaces[role], {}), `Pods of the default-deny namespace '${nsName}'`));
        }
        this.namespaces = namespaces;

        // cert-manager. The API server calls its webhook, and it calls the API server and ACME servers.
        const certManager = new k8s.helm.v3.Release(
            `${name}-cert-manager`,
            {
                ...releaseSource(charts.certManager),
                name: RELEASES.certManager,
                namespace: namespaces.certManager,
                values: certManagerValues({ replicas }),
                // Wait for every workload and hook (the startupapicheck Job); roll a failed install or upgrade back.
                skipAwait: false,
                waitForJobs: true,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            child,
        );
        const certManagerPods = { "app.kubernetes.io/instance": RELEASES.certManager };
        const certManagerController = podEndpoint(namespaces.certManager, { ...CERT_MANAGER_SERVICE_LABELS });
        flows.push(
            {
                name: "api-server-to-cert-manager-webhook",
                description: "The API server calls cert-manager's admission webhook for every cert-manager resource.",
                from: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                to: podEndpoint(namespaces.certManager, { ...CERT_MANAGER_WEBHOOK_POD_LABELS }),
                port: CERT_MANAGER_WEBHOOK_PORT,
            },
            {
                name: "cert-manager-to-api-server",
                description: "cert-manager's controller watches and updates Certificates, Ingresses, Secrets and solver pods through the API server.",
                from: certManagerController,
                to: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                port: API_SERVER_PORT,
            },
        );
        if (acmeEmail !== undefined) {
            flows.push({
                name: "cert-manager-to-acme-server",
                description: "cert-manager's controller registers the ACME account and orders certificates from Let's Encrypt over HTTPS.",
                from: certManagerController,
                to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                port: 443,
            });
        }
        this.networkPolicy(`${name}-cert-manager-webhook`, namespaces.certManager, "allow-webhook", {
            podSelector: { matchLabels: { ...certManagerPods, "app.kubernetes.io/component": "webhook" } },
            policyTypes: ["Ingress"],
            // From the API server, whose address the pod network does not know: any source, this port only.
            ingress: [{ ports: tcp(CERT_MANAGER_WEBHOOK_PORT) }],
        });
        this.networkPolicy(`${name}-cert-manager-metrics`, namespaces.certManager, "allow-metrics-scrape", {
            // Prometheus reads certificate expiry and readiness from the controller.
            podSelector: { matchLabels: { ...CERT_MANAGER_SERVICE_LABELS } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [scraper()], ports: tcp(CERT_MANAGER_METRICS_PORT) }],
        });
        this.networkPolicy(`${name}-cert-manager-egress`, namespaces.certManager, "allow-egress", {
            podSelector: { matchLabels: certManagerPods },
            policyTypes: ["Egress"],
            // The API server, ACME directories, and the HTTP-01 self-check through the public load balancer.
            egress: [{}],
        });

        // The ingress controller: the one LoadBalancer; it reaches the apps, the API server and nothing else needs it.
        const traefik = new k8s.helm.v3.Release(
            `${name}-traefik`,
            {
                ...releaseSource(charts.traefik),
                name: RELEASES.ingress,
                namespace: namespaces.ingress,
                values: traefikValues({ replicas, ingressClass, loadBalancerAnnotations }),
                skipAwait: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            { ...child, dependsOn: args.loadBalancerController ?? [] },
        );
        this.networkPolicy(`${name}-ingress-traffic`, namespaces.ingress, "allow-web-traffic", {
            podSelector: { matchLabels: { ...TRAEFIK_POD_LABELS } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                // Clients come through the load balancer from anywhere.
                { ports: tcp(TRAEFIK_PORTS.web, TRAEFIK_PORTS.websecure) },
                // Prometheus reads request metrics on the metrics entry point (off the load balancer).
                { from: [scraper()], ports: tcp(TRAEFIK_PORTS.metrics) },
            ],
            // Backends in any namespace and the API server (whose address the pod network does not know).
            egress: [{}],
        });
        const traefikPods = podEndpoint(namespaces.ingress, { ...TRAEFIK_POD_LABELS });
        flows.push(
            ...(["web", "websecure"] as const).map((entryPoint) => ({
                name: `clients-to-ingress-${entryPoint}`,
                description: `Clients (and Let's Encrypt's HTTP-01 validation, on web) reach the ingress controller's ${entryPoint} entry point through the load balancer.`,
                from: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                to: traefikPods,
                port: TRAEFIK_PORTS[entryPoint],
            })),
            {
                name: "ingress-to-api-server",
                description: "Traefik watches Ingresses, Services and EndpointSlices through the API server.",
                from: traefikPods,
                to: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                port: API_SERVER_PORT,
            },
        );
        // cert-manager runs ACME HTTP-01 solver pods next to the Ingress being certified: for app
        // Ingresses, in `apps`. The allowance is derived from the declared flow.
        const appsSolver = acmeSolverFlow(namespaces.apps, { namespace: namespaces.ingress, podLabels: { ...TRAEFIK_POD_LABELS } }, "the apps' Ingresses");
        flows.push(appsSolver);
        this.networkPolicy(`${name}-apps-acme-solver`, namespaces.apps, "allow-acme-http01-solver", admitFlowSpec(appsSolver));
        // Scrapers reach every namespace's metrics ports; what they may scrape is decided by each target's policy.
        this.networkPolicy(`${name}-monitoring-egress`, namespaces.monitoring, "allow-scrape-egress", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{}],
        });

        // ClusterIssuers: custom resources whose CRDs come with the cert-manager release, and whose
        // admission goes through its webhook: created only once the release is deployed.
        const afterCertManager = { parent: this, dependsOn: [certManager] };
        const issuerNames: Partial<Record<IssuerName, pulumi.Output<string>>> = {};
        if (acmeEmail !== undefined) {
            for (const acme of Object.keys(ACME_SERVERS) as AcmeIssuerName[]) {
                const resource = new k8s.apiextensions.CustomResource(
                    `${name}-issuer-${acme}`,
                    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: acme, labels: ESTATE_LABELS }, spec: acmeIssuerSpec(acme, acmeEmail, ingressClass) },
                    afterCertManager,
                );
                issuerNames[acme] = resource.urn.apply(() => acme);
            }
        }
        const root = new k8s.apiextensions.CustomResource(
            `${name}-issuer-selfsigned-root`,
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: LOCAL_CA_ROOT_ISSUER, labels: ESTATE_LABELS }, spec: selfSignedRootSpec() },
            afterCertManager,
        );
        const localCa = new k8s.apiextensions.CustomResource(
            `${name}-local-ca`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: LOCAL_CA_NAME, namespace: namespaces.certManager, labels: ESTATE_LABELS },
                spec: localCaCertificateSpec(),
            },
            { parent: this, dependsOn: [certManager, root] },
        );
        const selfSigned = new k8s.apiextensions.CustomResource(
            `${name}-issuer-selfsigned`,
            { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "selfsigned", labels: ESTATE_LABELS }, spec: localCaIssuerSpec() },
            { parent: this, dependsOn: [certManager, localCa] },
        );
        issuerNames.selfsigned = selfSigned.urn.apply(() => "selfsigned");

        this.issuers = ISSUER_NAMES.flatMap((n) => issuerNames[n] ?? []);
        this.clusterIssuer = issuerNames[issuer]!;
        this.ingressClassName = traefik.urn.apply(() => ingressClass);
        // The chart names its Service after the release (fullname = release name when it contains the chart's name).
        const traefikService = k8s.core.v1.Service.get(`${name}-traefik-service`, pulumi.interpolate`${traefik.status.namespace}/${traefik.status.name}`, { parent: this });
        this.ingressAddress = traefikService.status.apply((status) => {
            const entry = status?.loadBalancer?.ingress?.[0];
            return entry?.hostname ?? entry?.ip;
        });
        this.appIngress = {
            className: this.ingressClassName,
            clusterIssuer: this.clusterIssuer,
            controllerNamespace: namespaces.ingress,
            controllerPodLabels: { ...TRAEFIK_POD_LABELS },
        };
        this.appNetwork = { monitoringNamespace: namespaces.monitoring, dataNamespace: namespaces.data };
        this.certManager = certManager;
        this.metricsEndpoint = {
            namespace: namespaces.ingress,
            podLabels: { ...TRAEFIK_POD_LABELS },
            port: { name: TRAEFIK_METRICS_PORT_NAME, number: TRAEFIK_PORTS.metrics },
            path: "/metrics",
        };
        this.networkFlows = declaredFlows(component, flows);

        this.registerOutputs({
            namespaces: this.namespaces,
            ingressClassName: this.ingressClassName,
            clusterIssuer: this.clusterIssuer,
            issuers: this.issuers,
            ingressAddress: this.ingressAddress,
            [NETWORK_FLOWS_OUTPUT]: this.networkFlows,
        });
    }

    private networkPolicy(
        resourceName: string,
        namespace: pulumi.Input<string>,
        policyName: string,
        spec: k8s.types.input.networking.v1.NetworkPolicySpec,
    ): k8s.networking.v1.NetworkPolicy {
        return new k8s.networking.v1.NetworkPolicy(resourceName, { metadata: { name: policyName, namespace, labels: ESTATE_LABELS }, spec }, { parent: this });
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function validateArgs(component: string, args: PlatformArgs): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    if (args === null || typeof args !== "object") {
        fail("args", "must be an object");
    }
    if (args.issuer !== undefined && !(ISSUER_NAMES as readonly string[]).includes(args.issuer)) {
        fail("issuer", `must be one of ${ISSUER_NAMES.join(", ")} (got ${JSON.stringify(args.issuer)})`);
    }
    if (args.acmeEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(args.acmeEmail)) {
        fail("acmeEmail", `must be an email address such as ops@example.com (got ${JSON.stringify(args.acmeEmail)})`);
    }
    if (args.issuer !== undefined && args.issuer !== "selfsigned" && args.acmeEmail === undefined) {
        fail("acmeEmail", `is required when issuer is ${JSON.stringify(args.issuer)} (the ACME account's contact, such as ops@example.com)`);
    }
    if (args.ingressClass !== undefined && !DNS_LABEL.test(args.ingressClass)) {
        fail("ingressClass", `must be a lower-case DNS label such as traefik (got ${JSON.stringify(args.ingressClass)})`);
    }
    if (args.replicas !== undefined && (!Number.isSafeInteger(args.replicas) || args.replicas < 1 || args.replicas > 10)) {
        fail("replicas", `must be an integer from 1 to 10 (got ${String(args.replicas)})`);
    }
    if (args.podSecurityVersion !== undefined && !/^(latest|v1\.\d{1,3})$/.test(args.podSecurityVersion)) {
        fail("podSecurityVersion", `must be latest or a Kubernetes minor version such as v1.33 (got ${JSON.stringify(args.podSecurityVersion)})`);
    }
    const seen = new Map<string, string>();
    for (const [role, nsName] of Object.entries(args.namespaces ?? {})) {
        if (!(NAMESPACE_ROLES as readonly string[]).includes(role)) {
            fail(`namespaces.${role}`, `is not a namespace role (known: ${NAMESPACE_ROLES.join(", ")})`);
        }
        if (nsName === undefined) {
            continue;
        }
        if (!DNS_LABEL.test(nsName)) {
            fail(`namespaces.${role}`, `must be a lower-case DNS label (got ${JSON.stringify(nsName)})`);
        }
        seen.set(role, nsName);
    }
    const effective = NAMESPACE_ROLES.map((role) => [role, seen.get(role) ?? DEFAULT_NAMESPACES[role]] as const);
    for (const [role, nsName] of effective) {
        const other = effective.find(([r, n]) => r !== role && n === nsName);
        if (other) {
            fail(`namespaces.${role}`, `must differ from namespaces.${other[0]} (both are ${JSON.stringify(nsName)})`);
        }
    }
    for (const [role, level] of Object.entries(args.podSecurity ?? {})) {
        if (!(NAMESPACE_ROLES as readonly string[]).includes(role)) {
            fail(`podSecurity.${role}`, `is not a namespace role (known: ${NAMESPACE_ROLES.join(", ")})`);
        }
        if (level !== undefined && !(POD_SECURITY_LEVELS as readonly string[]).includes(level)) {
            fail(`podSecurity.${role}`, `must be one of ${POD_SECURITY_LEVELS.join(", ")} (got ${JSON.stringify(level)})`);
        }
    }
}
