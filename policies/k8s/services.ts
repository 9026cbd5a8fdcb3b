/**
 * Exposure: the ingress controller's Service is the estate's only LoadBalancer. Every other
 * LoadBalancer is a second, unreviewed front door (and a second bill) that bypasses TLS, the
 * ingress controller's logs and the NetworkPolicies.
 *
 * The pack sees a Helm release as one resource, not the Services its chart renders, so for
 * releases the policy reads the values: a `type: LoadBalancer` anywhere in them counts. A chart
 * whose Service is a LoadBalancer by default, without saying so in the values, is not seen.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { K8S, describeObject, namespaceOf } from "../lib/k8s";
import { type EstateResourcePolicy, kyverno } from "../lib/policy";

/** `<namespace>/<name>`: two DNS labels or names. */
const NAMESPACED = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$";

export interface SingleLoadBalancerConfig {
    /** Services allowed to be LoadBalancers, as `<namespace>/<name>`. */
    allowedServices?: string[];
    /** Helm releases allowed to create LoadBalancers, as `<namespace>/<release name>`. */
    allowedReleases?: string[];
}

/** The paths in a values tree that set `type: LoadBalancer`. */
export function loadBalancerPaths(value: unknown, at = "values"): string[] {
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => loadBalancerPaths(v, `${at}[${i}]`));
    }
    if (!isRecord(value)) {
        return [];
    }
    return Object.entries(value).flatMap(([key, v]) => (key === "type" && v === "LoadBalancer" ? [`${at}.type`] : loadBalancerPaths(v, `${at}.${key}`)));
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
        if (args.type === K8S.service) {
            const spec = isRecord(args.props.spec) ? args.props.spec : {};
            if (spec.type !== "LoadBalancer") {
                return;
            }
            const name = isRecord(args.props.metadata) ? args.props.metadata.name : undefined;
            const key = `${namespaceOf(args.props)}/${typeof name === "string" ? name : args.name}`;
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
            const namespace = typeof args.props.namespace === "string" && args.props.namespace !== "" ? args.props.namespace : "default";
            const name = typeof args.props.name === "string" && args.props.name !== "" ? args.props.name : args.name;
            const key = `${namespace}/${name}`;
            if (!(config.allowedReleases ?? []).includes(key)) {
                report(`Helm release '${key}' creates a LoadBalancer Service (${paths.join(", ")}); only the ingress controller's release may (allowed: ${JSON.stringify(config.allowedReleases ?? [])}).`);
            }
            return;
        }
        args.notApplicable(`The policy applies to ${K8S.service} and ${K8S.helmRelease}, not ${args.type}.`);
    },
};

export const k8sServicePolicies = [k8sSingleLoadBalancer];
