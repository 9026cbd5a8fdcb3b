/**
 * Names, labels and annotations the Kubernetes components agree on, and that the policy pack
 * reads back from the resources (policies never import components: they see these values).
 */

/** Every object the estate creates in the cluster carries this label. */
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const PART_OF = "estate";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

/** The labels of every estate object. */
export const ESTATE_LABELS = { [PART_OF_LABEL]: PART_OF, [MANAGED_BY_LABEL]: "pulumi" } as const;

/** The namespaces of the estate, by role. */
export const NAMESPACE_ROLES = ["apps", "data", "monitoring", "certManager", "ingress"] as const;
export type NamespaceRole = (typeof NAMESPACE_ROLES)[number];

/** Default namespace names: what other components and operators can rely on. */
export const DEFAULT_NAMESPACES: Readonly<Record<NamespaceRole, string>> = {
    apps: "apps",
    data: "data",
    monitoring: "monitoring",
    certManager: "cert-manager",
    ingress: "ingress",
};

/** The label Kubernetes sets on every namespace (1.21+): how NetworkPolicies select a namespace by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Pod Security Admission levels, loosest to strictest. */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * The Pod Security Admission labels of a namespace: `enforce` at the given level; `audit` and
 * `warn` always at `restricted`, so a namespace that enforces less still reports every pod that
 * would not pass the restricted profile.
 */
export function podSecurityLabels(enforce: PodSecurityLevel, version: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const [mode, level] of [
        ["enforce", enforce],
        ["audit", "restricted"],
        ["warn", "restricted"],
    ] as const) {
        labels[`pod-security.kubernetes.io/${mode}`] = level;
        labels[`pod-security.kubernetes.io/${mode}-version`] = version;
    }
    return labels;
}

/** The annotation cert-manager's ingress-shim reads to issue an Ingress's TLS certificate. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

/** The service-account annotation of IAM Roles for Service Accounts (EKS). */
export const IAM_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";

/** The label cert-manager puts on its ACME HTTP-01 solver pods. */
export const ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";
/** The port an ACME HTTP-01 solver pod listens on. */
export const ACME_SOLVER_PORT = 8089;

/**
 * The conventional Prometheus scrape annotations of a pod template. An estate workload that
 * serves metrics declares them (or names a container port `metrics`), and the policy pack then
 * requires a ServiceMonitor that scrapes that port.
 */
export const SCRAPE_ANNOTATIONS = { scrape: "prometheus.io/scrape", port: "prometheus.io/port", path: "prometheus.io/path" } as const;

/**
 * The registered output in which a component declares the network flows it needs (see
 * `components/k8s/flows.ts`); the policy `estate-k8s-network-flows` reads it back.
 */
export const NETWORK_FLOWS_OUTPUT = "networkFlows";

/** The annotation Stakater Reloader reads on a workload: roll it when one of these Secrets (comma-separated) changes. */
export const RELOAD_ON_SECRETS_ANNOTATION = "secret.reloader.stakater.com/reload";
