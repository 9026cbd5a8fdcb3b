/**
 * Exposure: the ingress controller's Service is the estate's only LoadBalancer. Every other
 * LoadBalancer is a second, unreviewed front door (and a second bill) that bypasses TLS, the
 * ingress controller's logs and the NetworkPolicies.
 *
 * The pack sees a Helm release as one resource, not the Services its chart renders, so for
 * releases the policy reads the values: a `type: LoadBalancer` anywhere in them counts. A chart
 * whose Service is a LoadBalancer by default, without saying so in the values, is not seen. In a
 * preview, a value not known yet is read as setting no Service type, unless it is a `type` itself.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { K8S, PATCH_TYPES, TYPES, describeObject, namespaceOf } from "../lib/k8s";
import { type EstateResourcePolicy, kyverno } from "../lib/policy";
import { UNKNOWN, peek } from "../lib/unknowns";

/** `<namespace>/<name>`: two DNS labels or names. */
const NAMESPACED = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$";

/** A Service, or a patch that may change its type. */
const SERVICE_TYPES = new Set([...TYPES.Service, ...PATCH_TYPES.Service]);
const RELEASE_TYPES = new Set<string>([K8S.helmRelease, K8S.helmChart]);

export interface SingleLoadBalancerConfig {
    /** Services allowed to be LoadBalancers, as `<namespace>/<name>`. */
    allowedServices?: string[];
    /** Helm releases allowed to create LoadBalancers, as `<namespace>/<release name>`. */
    allowedReleases?: string[];
}

/** The paths in a values tree that set `type: <serviceType>`. */
export function serviceTypePaths(value: unknown, serviceType: string, at = "values"): string[] {
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => serviceTypePaths(v, serviceType, `${at}[${i}]`));
    }
    if (!isRecord(value)) {
        return [];
    }
    return Object.keys(value).flatMap((key) => {
        // In a preview a leaf built from a new resource's output (a VPC id) is unknown: only an unknown
        // `type` could be the Service type, so that one stays unknown (the policy cannot run); others are skipped.
        const v = key === "type" ? value[key] : peek(() => value[key]);
        if (v === UNKNOWN) {
            return [];
        }
        return key === "type" && v === serviceType ? [`${at}.type`] : serviceTypePaths(v, serviceType, `${at}.${key}`);
    });
}

/** The paths in a values tree that set `type: LoadBalancer`. */
export function loadBalancerPaths(value: unknown, at = "values"): string[] {
    return serviceTypePaths(value, "LoadBalancer", at);
}

/** `<namespace>/<name>` of a Service. */
function serviceKey(args: ResourceValidationArgs): string {
    const name = isRecord(args.props.metadata) ? args.props.metadata.name : undefined;
    return `${namespaceOf(args.props)}/${typeof name === "string" && name !== "" ? name : args.name}`;
}

/** `<namespace>/<release name>` of a Helm release (v3 Release or v4 Chart). */
function releaseKey(args: ResourceValidationArgs): string {
    const namespace = typeof args.props.namespace === "string" && args.props.namespace !== "" ? args.props.namespace : "default";
    const name = typeof args.props.name === "string" && args.props.name !== "" ? args.props.name : args.name;
    return `${namespace}/${name}`;
}

export const k8sSingleLoadBalancer: EstateResourcePolicy = {
    name: "estate-k8s-single-load-balancer",
    checks:
        "No Service is of type LoadBalancer and no Helm release's values set type: LoadBalancer, except those listed in allowedServices and allowedReleases.",
    description:
        "The ingress controller's Service must be the only Service of type LoadBalancer: every app is reached through it, " +
        "with TLS, access logs and NetworkPolicies; another LoadBalancer exposes a workload to the internet around all of that.",
    remediationSteps:
        "Use a ClusterIP Service and an Ingress (estate AppService with kind web). An exception is explicit: list it as " +
        "`<namespace>/<name>` in the policy config's allowedServices (or allowedReleases for a Helm release).",
    severity: "high",
    tags: ["k8s", "exposure", kyverno("no-loadbalancer-service")],
    configSchema: {
        properties: {
            allowedServices: { type: "array", items: { type: "string", pattern: NAMESPACED }, description: "Services allowed to be LoadBalancers, as <namespace>/<name>." },
            allowedReleases: { type: "array", items: { type: "string", pattern: NAMESPACED }, description: "Helm releases allowed to create LoadBalancers, as <namespace>/<release name>." },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<SingleLoadBalancerConfig>();
        if (SERVICE_TYPES.has(args.type)) {
            const spec = isRecord(args.props.spec) ? args.props.spec : {};
            if (spec.type !== "LoadBalancer") {
                return;
            }
            const key = serviceKey(args);
            if (!(config.allowedServices ?? []).includes(key)) {
                report(`${describeObject(args.type, args.props, args.name)} is of type LoadBalancer; only the ingress controller's Service may be (allowed: ${JSON.stringify(config.allowedServices ?? [])}).`);
            }
            return;
        }
        if (args.type === K8S.helmRelease) {
            const paths = loadBalancerPaths(args.props.values);
            if (paths.length === 0) {
                return;
            }
            const key = releaseKey(args);
            if (!(config.allowedReleases ?? []).includes(key)) {
                report(`Helm release '${key}' creates a LoadBalancer Service (${paths.join(", ")}); only the ingress controller's release may (allowed: ${JSON.stringify(config.allowedReleases ?? [])}).`);
            }
            return;
        }
        args.notApplicable(`The policy applies to ${K8S.service} (and its patch) and ${K8S.helmRelease}, not ${args.type}.`);
    },
};

export interface ServiceNoNodePortConfig {
    /** Services allowed to be NodePorts, as `<namespace>/<name>`. */
    allowedServices?: string[];
    /** Helm releases allowed to create NodePort Services, as `<namespace>/<release name>`. */
    allowedReleases?: string[];
}

/**
 * NodePort Services, as Kyverno's best-practices `restrict-nodeport` (kyverno/policies
 * best-practices/restrict-node-port/restrict-node-port.yaml: `spec.type` must not be NodePort).
 * A LoadBalancer is not reported here: it allocates node ports as well (unless
 * allocateLoadBalancerNodePorts is false), explicit or not, as the cloud load balancer's backend, and
 * estate-k8s-single-load-balancer governs it.
 */
export const k8sServiceNoNodePort: EstateResourcePolicy = {
    name: "estate-k8s-service-no-nodeport",
    checks:
        "No Service (or Service patch) is of type NodePort, and no Helm release's values set type: NodePort, except those listed in allowedServices and allowedReleases.",
    description:
        "Services must not be of type NodePort: a NodePort opens the same port on every node's address, to whatever can reach " +
        "the nodes, and NetworkPolicies cannot restrict traffic to host ports; the Service bypasses the ingress controller's TLS " +
        "and logs as well.",
    remediationSteps:
        "Use a ClusterIP Service behind the Ingress (estate AppService with kind web), or `kubectl port-forward` to reach it for " +
        "debugging. An exception is explicit: list it as `<namespace>/<name>` in the policy config's allowedServices (or " +
        "allowedReleases for a Helm release).",
    severity: "medium",
    tags: ["k8s", "exposure", kyverno("restrict-nodeport")],
    configSchema: {
        properties: {
            allowedServices: { type: "array", items: { type: "string", pattern: NAMESPACED }, description: "Services allowed to be NodePorts, as <namespace>/<name>." },
            allowedReleases: { type: "array", items: { type: "string", pattern: NAMESPACED }, description: "Helm releases allowed to create NodePort Services, as <namespace>/<release name>." },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<ServiceNoNodePortConfig>();
        if (SERVICE_TYPES.has(args.type)) {
            const spec = isRecord(args.props.spec) ? args.props.spec : {};
            if (spec.type === "NodePort" && !(config.allowedServices ?? []).includes(serviceKey(args))) {
                const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isRecord).map((p) => p.nodePort).filter((p) => typeof p === "number");
                report(
                    `${describeObject(args.type, args.props, args.name)} is of type NodePort${ports.length > 0 ? ` (node ports ${ports.join(", ")})` : ""}: ` +
                        `it is reachable on every node's address, where NetworkPolicies do not apply; use ClusterIP behind the Ingress (allowed: ${JSON.stringify(config.allowedServices ?? [])}).`,
                );
            }
            return;
        }
        if (RELEASE_TYPES.has(args.type)) {
            const paths = serviceTypePaths(args.props.values, "NodePort");
            const key = releaseKey(args);
            if (paths.length > 0 && !(config.allowedReleases ?? []).includes(key)) {
                report(`Helm release '${key}' creates a NodePort Service (${paths.join(", ")}); use ClusterIP behind the Ingress (allowed: ${JSON.stringify(config.allowedReleases ?? [])}).`);
            }
            return;
        }
        args.notApplicable(`The policy applies to ${K8S.service} (and its patch), ${K8S.helmRelease} and ${K8S.helmChart}, not ${args.type}.`);
    },
};

export const k8sServicePolicies = [k8sSingleLoadBalancer, k8sServiceNoNodePort];
