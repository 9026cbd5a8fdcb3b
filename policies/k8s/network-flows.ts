/**
 * Network flows: every connection a component declares it needs gets through the planned
 * NetworkPolicies.
 *
 * Components declare their flows (from → to, port) in their registered outputs, under
 * `networkFlows` (the engine gives a stack policy each component's registered outputs as its
 * props). The policy collects them, the planned NetworkPolicies and Namespaces, and runs each flow
 * through the NetworkPolicy evaluator (`../lib/netpol`): both ends must allow it. A denied flow is
 * reported with the policies that isolate the end that refuses it.
 *
 * It also checks that no ACME-served Ingress is forgotten: every namespace that holds an Ingress
 * certified by an ACME HTTP-01 ClusterIssuer (an Ingress resource, or one a Helm release creates
 * from its values) needs a declared flow from the ingress controller to cert-manager's solver there.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { K8S, TYPES, metadataOf, namespaceOf, resourcesOfType } from "../lib/k8s";
import { describeVerdict, evaluateFlow, validatePolicy, type Endpoint, type Flow, type Labels, type Namespace, type NetworkPolicy, type NetworkPolicySpec, type Verdict } from "../lib/netpol";
import type { EstateStackPolicy } from "../lib/policy";
import { UNKNOWN, forEachDeferringUnknowns, peek } from "../lib/unknowns";
import { ISSUER_ANNOTATIONS } from "./ingress";

/** The registered output a component declares its flows in (components/k8s/conventions.ts `NETWORK_FLOWS_OUTPUT`). */
export const NETWORK_FLOWS_OUTPUT = "networkFlows";
/** The label cert-manager puts on its ACME HTTP-01 solver pods, and the port they listen on. */
export const ACME_SOLVER_LABEL = "acme.cert-manager.io/http01-solver";
export const ACME_SOLVER_PORT = 8089;

/** NetworkPolicies of every API version (networking.k8s.io/v1, extensions/v1beta1: the same spec). */
export const NETWORK_POLICY_TYPES = TYPES.NetworkPolicy;
const CLUSTER_ISSUER_TYPE = "kubernetes:cert-manager.io/v1:ClusterIssuer";

/** A flow as a component declares it. */
export interface DeclaredFlow extends Flow {
    name: string;
    description?: string;
}

/** One declared flow, who declared it, and what the evaluator says. */
export interface FlowResult {
    flow: DeclaredFlow;
    /** `Monitoring 'monitoring'`. */
    declaredBy: string;
    urn: string;
    verdict: Verdict;
}

/** An ACME-served namespace without a declared solver flow. */
export interface MissingSolverFlow {
    namespace: string;
    /** What is served there: `Ingress 'apps/web'`, `Helm release 'monitoring/kube-prometheus-stack' (grafana.ingress)`. */
    servedBy: string[];
}

export interface FlowAnalysis {
    results: FlowResult[];
    denied: FlowResult[];
    missingSolverFlows: MissingSolverFlow[];
    /** What the API server would reject in a planned NetworkPolicy (such a piece admits nothing). */
    invalidPolicies: string[];
}

const asLabels = (value: unknown): Labels =>
    isRecord(value) ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string")) : {};

function toEndpoint(value: unknown): Endpoint | undefined {
    if (!isRecord(value)) {
        return undefined;
    }
    if (typeof value.ip === "string") {
        return { ip: value.ip };
    }
    if (isRecord(value.pod) && typeof value.pod.namespace === "string") {
        const ports = Array.isArray(value.pod.ports) ? value.pod.ports.filter(isRecord) : undefined;
        return {
            pod: {
                namespace: value.pod.namespace,
                labels: asLabels(value.pod.labels),
                ...(ports
                    ? {
                          ports: ports.flatMap((p) =>
                              typeof p.name === "string" && typeof p.containerPort === "number"
                                  ? [{ name: p.name, containerPort: p.containerPort, ...(typeof p.protocol === "string" ? { protocol: p.protocol } : {}) }]
                                  : [],
                          ),
                      }
                    : {}),
            },
        };
    }
    return undefined;
}

/**
 * Whether a resource can carry declarations: a component, whose type token has no `/` in its module
 * (`estate:k8s:Platform`), unlike a provider's resource (`kubernetes:networking.k8s.io/v1:NetworkPolicy`,
 * `aws:s3/bucket:Bucket`). Other resources' props are never read, so the check costs little.
 */
export function isComponentType(type: string): boolean {
    const module = type.split(":")[1] ?? "";
    return !module.includes("/") && !type.startsWith("pulumi:");
}

/** The flows a resource declares (none when its props have no `networkFlows`). A malformed entry throws: a declaration must be checkable. */
export function declaredFlowsOf(resource: Pick<PolicyResource, "props" | "type" | "name">): DeclaredFlow[] {
    const list = resource.props[NETWORK_FLOWS_OUTPUT];
    if (list === undefined || list === null) {
        return [];
    }
    if (!Array.isArray(list)) {
        throw new Error(`${resource.type} '${resource.name}': ${NETWORK_FLOWS_OUTPUT} must be a list of flows`);
    }
    return list.map((entry: unknown, i) => {
        const e = isRecord(entry) ? entry : {};
        const from = toEndpoint(e.from);
        const to = toEndpoint(e.to);
        if (typeof e.name !== "string" || !from || !to || typeof e.port !== "number") {
            throw new Error(`${resource.type} '${resource.name}': ${NETWORK_FLOWS_OUTPUT}[${i}] needs a name, from, to (a pod or an ip) and a numeric port`);
        }
        const protocol = e.protocol === "UDP" || e.protocol === "SCTP" ? e.protocol : "TCP";
        return { name: e.name, ...(typeof e.description === "string" ? { description: e.description } : {}), from, to, port: e.port, protocol };
    });
}

/** The planned NetworkPolicies, as the evaluator takes them. */
export function networkPoliciesOf(resources: readonly PolicyResource[]): NetworkPolicy[] {
    return resourcesOfType(resources, NETWORK_POLICY_TYPES).map((r) => {
        const meta = metadataOf(r.props);
        const spec = (isRecord(r.props.spec) ? r.props.spec : { podSelector: {} }) as unknown as NetworkPolicySpec;
        return { namespace: namespaceOf(r.props), name: typeof meta.name === "string" && meta.name !== "" ? meta.name : r.name, spec };
    });
}

/** The planned Namespaces, plus any namespace a flow names that the stack does not create (kube-system), without labels. */
export function namespacesOf(resources: readonly PolicyResource[], flows: readonly Flow[]): Namespace[] {
    const namespaces = new Map<string, Namespace>();
    for (const r of resourcesOfType(resources, K8S.namespace)) {
        const meta = metadataOf(r.props);
        const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : r.name;
        namespaces.set(name, { name, labels: asLabels(meta.labels) });
    }
    for (const flow of flows) {
        for (const end of [flow.from, flow.to]) {
            if ("pod" in end && !namespaces.has(end.pod.namespace)) {
                namespaces.set(end.pod.namespace, { name: end.pod.namespace, labels: {} });
            }
        }
    }
    return [...namespaces.values()];
}

/** The names of the ClusterIssuers in the stack that solve ACME challenges over HTTP-01 (and so run solver pods). */
function http01Issuers(resources: readonly PolicyResource[]): Set<string> {
    const names = new Set<string>();
    for (const r of resourcesOfType(resources, CLUSTER_ISSUER_TYPE)) {
        const spec = isRecord(r.props.spec) ? r.props.spec : {};
        const acme = isRecord(spec.acme) ? spec.acme : undefined;
        const solvers = acme && Array.isArray(acme.solvers) ? acme.solvers.filter(isRecord) : [];
        const name = metadataOf(r.props).name;
        if (typeof name === "string" && solvers.some((s) => isRecord(s.http01))) {
            names.add(name);
        }
    }
    return names;
}

/** The issuer an annotation map names (`cert-manager.io/cluster-issuer` or `cert-manager.io/issuer`). */
function issuerOf(annotations: unknown): string | undefined {
    if (!isRecord(annotations)) {
        return undefined;
    }
    for (const key of ISSUER_ANNOTATIONS) {
        if (typeof annotations[key] === "string") {
            return annotations[key] as string;
        }
    }
    return undefined;
}

/** The paths of enabled `ingress` blocks in Helm values whose annotations name one of `issuers` (`grafana.ingress`). */
function acmeIngressesInValues(values: unknown, issuers: ReadonlySet<string>, path: string[] = []): string[] {
    if (!isRecord(values)) {
        return [];
    }
    const found: string[] = [];
    for (const key of Object.keys(values)) {
        // In a preview a leaf built from a new resource's output (a VPC id) is unknown. Only an
        // unknown `ingress` could hide an ACME Ingress: that one stays unknown (the policy cannot run).
        const value = key === "ingress" ? values[key] : peek(() => values[key]);
        if (value === UNKNOWN || !isRecord(value)) {
            continue;
        }
        const issuer = key === "ingress" && value.enabled === true ? issuerOf(value.annotations) : undefined;
        if (issuer !== undefined && issuers.has(issuer)) {
            found.push([...path, key].join("."));
        } else {
            found.push(...acmeIngressesInValues(value, issuers, [...path, key]));
        }
    }
    return found;
}

/** Namespaces that serve an Ingress certified over ACME HTTP-01, and what serves there. */
export function acmeServedNamespaces(resources: readonly PolicyResource[]): Map<string, string[]> {
    const issuers = http01Issuers(resources);
    const served = new Map<string, string[]>();
    const add = (namespace: string, what: string) => served.set(namespace, [...(served.get(namespace) ?? []), what]);
    if (issuers.size === 0) {
        return served;
    }
    for (const ingress of resourcesOfType(resources, TYPES.Ingress)) {
        const issuer = issuerOf(metadataOf(ingress.props).annotations);
        if (issuer !== undefined && issuers.has(issuer)) {
            add(namespaceOf(ingress.props), `Ingress '${namespaceOf(ingress.props)}/${metadataOf(ingress.props).name ?? ingress.name}'`);
        }
    }
    for (const release of resourcesOfType(resources, new Set<string>([K8S.helmRelease, K8S.helmChart]))) {
        const namespace = typeof release.props.namespace === "string" && release.props.namespace !== "" ? release.props.namespace : "default";
        const releaseName = typeof release.props.name === "string" ? release.props.name : release.name;
        for (const path of acmeIngressesInValues(release.props.values, issuers)) {
            add(namespace, `Helm release '${namespace}/${releaseName}' (${path})`);
        }
    }
    return served;
}

function isSolverFlowTo(flow: Flow, namespace: string): boolean {
    return "pod" in flow.to && flow.to.pod.namespace === namespace && flow.to.pod.labels[ACME_SOLVER_LABEL] === "true" && flow.port === ACME_SOLVER_PORT;
}

/** Collects every declared flow and evaluates it against the planned NetworkPolicies and Namespaces. */
export function analyzeFlows(resources: readonly PolicyResource[]): FlowAnalysis {
    const declared = resources.filter((r) => isComponentType(r.type)).flatMap((r) => declaredFlowsOf(r).map((flow) => ({ flow, declaredBy: describeDeclarer(r), urn: r.urn })));
    const policies = networkPoliciesOf(resources);
    const namespaces = namespacesOf(
        resources,
        declared.map((d) => d.flow),
    );
    const results = declared.map((d) => ({ ...d, verdict: evaluateFlow(d.flow, policies, namespaces) }));
    const missingSolverFlows: MissingSolverFlow[] = [];
    for (const [namespace, servedBy] of acmeServedNamespaces(resources)) {
        if (!declared.some((d) => isSolverFlowTo(d.flow, namespace))) {
            missingSolverFlows.push({ namespace, servedBy });
        }
    }
    return { results, denied: results.filter((r) => !r.verdict.allowed), missingSolverFlows, invalidPolicies: policies.flatMap(validatePolicy) };
}

function describeDeclarer(r: Pick<PolicyResource, "type" | "name">): string {
    return `${r.type.split(":").pop() ?? r.type} '${r.name}'`;
}

/** The policies at fault of a denied flow: those that isolate the end (or ends) that refuse it. */
export function policiesAtFault(verdict: Verdict): string[] {
    return [...(verdict.egress.allowed ? [] : verdict.egress.selectedBy), ...(verdict.ingress.allowed ? [] : verdict.ingress.selectedBy)];
}

/** One line per denied flow: `flow 'x' declared by Monitoring 'monitoring': TCP 8089 from ... is denied: ingress to the destination is isolated by ...`. */
export function describeDenied(result: FlowResult): string {
    return `flow '${result.flow.name}' declared by ${result.declaredBy}: ${describeVerdict(result.flow, result.verdict)}`;
}

export function describeMissingSolverFlow(missing: MissingSolverFlow): string {
    return (
        `namespace '${missing.namespace}' serves ${missing.servedBy.join(", ")} through an ACME HTTP-01 issuer, but no component declares the flow ` +
        `from the ingress controller to cert-manager's solver there (${ACME_SOLVER_LABEL}=true, port ${ACME_SOLVER_PORT}): the certificate would never be issued.`
    );
}

export const k8sNetworkFlows: EstateStackPolicy = {
    name: "estate-k8s-network-flows",
    checks:
        "Every flow a component declares in its `networkFlows` output (from, to, port) is allowed by the planned NetworkPolicies at both ends " +
        "(the source's egress and the destination's ingress), evaluated with Kubernetes NetworkPolicy semantics; and every namespace that serves " +
        "an Ingress certified by an ACME HTTP-01 ClusterIssuer (an Ingress, or one in a Helm release's values) has a declared flow from the " +
        "ingress controller to cert-manager's solver (port 8089).",
    description:
        "Every network flow the estate needs must get through its NetworkPolicies: in default-deny namespaces a forgotten allowance silently " +
        "breaks a path (a certificate never issued, metrics never scraped, backups that cannot reach their database), and nothing fails " +
        "until someone notices.",
    remediationSteps:
        "For a denied flow, add (or fix) a NetworkPolicy that admits it at the end named in the message: an egress rule in the source's " +
        "namespace or an ingress rule in the destination's, selecting the pods, peer and port of the flow (components/k8s/flows.ts " +
        "`admitFlowSpec` derives one from the declaration). For an ACME-served namespace without a solver flow, declare `acmeSolverFlow` " +
        "in the component that creates the Ingress and admit it (see docs/network-flows.md).",
    severity: "high",
    tags: ["k8s", "network-policy"],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const declarers = args.resources.filter((r) => isComponentType(r.type) && NETWORK_FLOWS_OUTPUT in r.props);
        if (declarers.length === 0 && acmeServedNamespaces(args.resources).size === 0) {
            args.notApplicable("No resource declares network flows.");
        }
        let analysis: FlowAnalysis | undefined;
        forEachDeferringUnknowns([0], () => {
            analysis = analyzeFlows(args.resources);
        });
        for (const denied of analysis?.denied ?? []) {
            report(describeDenied(denied), denied.urn);
        }
        for (const missing of analysis?.missingSolverFlows ?? []) {
            report(describeMissingSolverFlow(missing));
        }
        for (const problem of analysis?.invalidPolicies ?? []) {
            report(`NetworkPolicy ${problem}: the API server would reject it, and the evaluator lets it admit nothing.`);
        }
    },
};

export const k8sNetworkFlowPolicies = [k8sNetworkFlows];
