/**
 * An evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1): does a flow from one
 * endpoint to another get through the planned policies? Pure data in, verdict out: no Pulumi, no
 * cluster. The stack policy `estate-k8s-network-flows` runs every flow the components declare
 * through it.
 *
 * The shapes below are the contract between the evaluator and its callers. The semantics, each with
 * the upstream source it was checked against, are in docs/network-flows.md ("Evaluator"):
 * - the Kubernetes docs, "Network Policies" (kubernetes/website
 *   content/en/docs/concepts/services-networking/network-policies.md);
 * - the API reference, kubernetes/api networking/v1/types.go (NetworkPolicySpec, Peer, Port, IPBlock),
 *   and the defaulting in kubernetes/kubernetes pkg/apis/networking/v1/defaults.go;
 * - label selectors as kubernetes/apimachinery pkg/labels/selector.go (`Requirement.Matches`) reads them;
 * - the conformance behaviour of kubernetes/kubernetes test/e2e/network/netpol/network_policy.go and
 *   the truth-table model of kubernetes-sigs/network-policy-api cmd/policy-assistant/pkg/matcher.
 */

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
}

/** A label selector; `{}` selects everything, a missing selector in a peer means "not this kind of peer". */
export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: LabelSelectorRequirement[];
}

export interface NetworkPolicyPort {
    /** TCP when omitted. */
    protocol?: string;
    /** A number, or a named port (resolved against the destination pod's container ports); every port when omitted. */
    port?: number | string;
    /** With a numeric `port`: the last port of a range. */
    endPort?: number;
}

export interface IpBlock {
    cidr: string;
    except?: string[];
}

export interface NetworkPolicyPeer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: IpBlock;
}

export interface NetworkPolicySpec {
    podSelector: LabelSelector;
    /** When omitted: Ingress, plus Egress when the policy has egress rules. */
    policyTypes?: ("Ingress" | "Egress")[];
    ingress?: { from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
    egress?: { to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
}

/** A NetworkPolicy as planned. */
export interface NetworkPolicy {
    namespace: string;
    name: string;
    spec: NetworkPolicySpec;
}

/** A namespace and its labels (`kubernetes.io/metadata.name` is added by the evaluator, as the API server does). */
export interface Namespace {
    name: string;
    labels: Labels;
}

/** A container port a pod declares, for named ports. */
export interface ContainerPort {
    name: string;
    containerPort: number;
    /** TCP when omitted. */
    protocol?: string;
}

/**
 * One end of a flow: a pod (its namespace and labels), or an address outside the pod network (an
 * ACME server, S3, the API server, a managed database), as an IPv4 address.
 */
export type Endpoint = { pod: { namespace: string; labels: Labels; ports?: ContainerPort[] } } | { ip: string };

/** A connection one endpoint opens to another, on the destination's port. */
export interface Flow {
    from: Endpoint;
    to: Endpoint;
    port: number;
    /** TCP when omitted. */
    protocol?: "TCP" | "UDP" | "SCTP";
}

/** What one end's policies say. */
export interface SideVerdict {
    /** False when that end is not a pod (NetworkPolicies do not govern it): then it allows. */
    applies: boolean;
    /** Whether any policy selects the pod for this direction. */
    isolated: boolean;
    /** `namespace/name` of the policies that select the pod for this direction. */
    selectedBy: string[];
    /** `namespace/name` of the policies with a rule that admits the flow. */
    allowedBy: string[];
    /** Not isolated, or admitted by some rule. */
    allowed: boolean;
}

export interface Verdict {
    /** Both ends allow. */
    allowed: boolean;
    /** The source's egress. */
    egress: SideVerdict;
    /** The destination's ingress. */
    ingress: SideVerdict;
}


type PolicyType = "Ingress" | "Egress";
type PodEndpoint = Extract<Endpoint, { pod: unknown }>["pod"];

/**
 * The label the API server sets on every namespace, its value the namespace's name (immutable), so a
 * `namespaceSelector` can name one namespace. Upstream: "Targeting a Namespace by its name" in the
 * Network Policies docs; the e2e test "should enforce policy to allow traffic based on
 * NamespaceSelector with MatchLabels using default ns label" relies on it.
 */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** `namespace/name`, how verdicts and messages name a policy. */
export function policyId(policy: Pick<NetworkPolicy, "namespace" | "name">): string {
    return `${policy.namespace}/${policy.name}`;
}

/**
 * The directions a policy applies to. `policyTypes` omitted or empty defaults to Ingress, plus Egress
 * when the policy has at least one egress rule (kubernetes/kubernetes pkg/apis/networking/v1/defaults.go
 * `SetDefaults_NetworkPolicy`: `len(PolicyTypes) == 0`, then `len(Egress) != 0`). So a policy with
 * `egress: []` and no `policyTypes` does not isolate egress: a default-deny-egress must say `Egress`.
 */
export function effectivePolicyTypes(spec: NetworkPolicySpec): PolicyType[] {
    if (spec.policyTypes && spec.policyTypes.length > 0) return [...spec.policyTypes];
    return (spec.egress ?? []).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
}

/**
 * One `matchExpressions` requirement, as apimachinery's `Requirement.Matches` reads it: `In` needs the
 * key with one of the values; `NotIn` matches when the key is absent or its value is not listed;
 * `Exists` / `DoesNotExist` test the key alone.
 */
export function requirementMatches(requirement: LabelSelectorRequirement, labels: Labels): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
        case "In":
            return has && values.includes(labels[requirement.key]!);
        case "NotIn":
            return !has || !values.includes(labels[requirement.key]!);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        default:
            // An operator the API would reject selects nothing (fail closed).
            return false;
    }
}

/**
 * Whether a label selector selects an object with `labels`. `matchLabels` and every
 * `matchExpressions` requirement are ANDed; an empty selector (`{}`) selects everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
        if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== value) return false;
    }
    return (selector.matchExpressions ?? []).every((requirement) => requirementMatches(requirement, labels));
}

/** An IPv4 address as an unsigned 32-bit number, or undefined when `text` is not a dotted quad. */
export function parseIPv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4) return undefined;
    let value = 0;
    for (const part of parts) {
        // Decimal octets without leading zeros, as Go's net.ParseIP has required since Go 1.17.
        if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
        const octet = Number(part);
        if (octet > 255) return undefined;
        value = value * 256 + octet;
    }
    return value;
}

interface ParsedCidr {
    family: 4 | 6;
    /** IPv4 only. */
    network?: number;
    prefix: number;
}

function parseCidr(cidr: string): ParsedCidr | undefined {
    const slash = cidr.indexOf("/");
    if (slash < 0) return undefined;
    const address = cidr.slice(0, slash);
    const prefixText = cidr.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    if (address.includes(":")) {
        // An IPv6 block (a dual-stack policy) is valid but never contains an IPv4 address.
        return prefix <= 128 ? { family: 6, prefix } : undefined;
    }
    const network = parseIPv4(address);
    if (network === undefined || prefix > 32) return undefined;
    return { family: 4, network, prefix };
}

function maskOf(prefix: number): number {
    // `<<` takes its count modulo 32, so /0 needs its own case.
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function inBlock(block: ParsedCidr, ip: number): boolean {
    if (block.family !== 4 || block.network === undefined) return false;
    const mask = maskOf(block.prefix);
    return ((ip & mask) >>> 0) === ((block.network & mask) >>> 0);
}

/**
 * Whether the IPv4 CIDR `cidr` (`/0` to `/32`) contains the IPv4 address `ip`. Host bits in the CIDR
 * are masked off, as Go's `net.ParseCIDR` does. An IPv6 CIDR never contains an IPv4 address. Throws
 * when `ip` is not an IPv4 address or `cidr` is not a CIDR.
 */
export function cidrContains(cidr: string, ip: string): boolean {
    const address = parseIPv4(ip);
    if (address === undefined) throw new Error(`"${ip}" is not an IPv4 address`);
    const block = parseCidr(cidr);
    if (!block) throw new Error(`"${cidr}" is not a CIDR`);
    return inBlock(block, address);
}

/**
 * Whether an `ipBlock` peer admits `ip`: inside `cidr` and inside none of `except`. A block the API
 * server would reject (a malformed CIDR) admits nothing.
 */
export function ipBlockContains(block: IpBlock, ip: string): boolean {
    const address = parseIPv4(ip);
    if (address === undefined) throw new Error(`"${ip}" is not an IPv4 address`);
    const cidr = parseCidr(block.cidr);
    if (!cidr || !inBlock(cidr, address)) return false;
    return (block.except ?? []).every((except) => {
        const excluded = parseCidr(except);
        return excluded !== undefined && !inBlock(excluded, address);
    });
}

/** What a policy's rules see of the cluster: each namespace's labels, with the name label added. */
class Cluster {
    private readonly labels = new Map<string, Labels>();

    constructor(namespaces: readonly Namespace[]) {
        for (const ns of namespaces) this.labels.set(ns.name, { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name });
    }

    /** A namespace not listed still carries the name label the API server would set. */
    namespaceLabels(name: string): Labels {
        return this.labels.get(name) ?? { [NAMESPACE_NAME_LABEL]: name };
    }
}

/**
 * Whether a peer of a rule in a policy of `policyNamespace` matches `endpoint`. Selector peers match
 * pods only and `ipBlock` peers match `ip` endpoints only: whether an `ipBlock` also matches pod IPs
 * is not defined by the API (the docs: "These should be cluster-external IPs, since Pod IPs are
 * ephemeral and unpredictable", and rewriting of source/destination IPs may happen before or after
 * policy processing). A peer the API server would reject (nothing set, or `ipBlock` with a selector)
 * matches nothing.
 */
function peerMatches(peer: NetworkPolicyPeer, endpoint: Endpoint, policyNamespace: string, cluster: Cluster): boolean {
    const hasSelector = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (peer.ipBlock) {
        if (hasSelector) return false;
        return "ip" in endpoint && ipBlockContains(peer.ipBlock, endpoint.ip);
    }
    if (!hasSelector || !("pod" in endpoint)) return false;
    const pod = endpoint.pod;
    const namespaceOk = peer.namespaceSelector
        ? selectorMatches(peer.namespaceSelector, cluster.namespaceLabels(pod.namespace))
        : pod.namespace === policyNamespace;
    return namespaceOk && (peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels));
}

function protocolOf(protocol: string | undefined): string {
    return protocol ?? "TCP";
}

const isPortNumber = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;

/**
 * Whether one `ports` entry admits the flow. Numeric `port` (with `endPort`: the inclusive range
 * `port..endPort`); a named port resolves against the destination pod's container ports, with the
 * protocol (a name the destination does not declare for that number and protocol, or any name toward
 * an `ip` destination, matches nothing). An entry the API server would reject (`endPort` without a
 * numeric `port` or below it, a number outside 1-65535) matches nothing.
 */
function portMatches(entry: NetworkPolicyPort, flow: Flow, destination: Endpoint): boolean {
    const protocol = protocolOf(flow.protocol);
    if (protocolOf(entry.protocol) !== protocol) return false;
    if (entry.port === undefined) return entry.endPort === undefined;
    if (typeof entry.port === "number") {
        if (!isPortNumber(entry.port)) return false;
        if (entry.endPort === undefined) return flow.port === entry.port;
        return isPortNumber(entry.endPort) && entry.endPort >= entry.port && flow.port >= entry.port && flow.port <= entry.endPort;
    }
    if (entry.endPort !== undefined || !("pod" in destination)) return false;
    const name = entry.port;
    return (destination.pod.ports ?? []).some(
        (p) => p.name === name && p.containerPort === flow.port && protocolOf(p.protocol) === protocol,
    );
}

/** A rule admits the flow when its peers (none listed: every peer) and its ports (none listed: every port) both do. */
function ruleAdmits(
    peers: NetworkPolicyPeer[] | undefined,
    ports: NetworkPolicyPort[] | undefined,
    peer: Endpoint,
    flow: Flow,
    policyNamespace: string,
    cluster: Cluster,
): boolean {
    const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, peer, policyNamespace, cluster));
    const portOk = !ports || ports.length === 0 || ports.some((p) => portMatches(p, flow, flow.to));
    return peerOk && portOk;
}

function notGoverned(): SideVerdict {
    return { applies: false, isolated: false, selectedBy: [], allowedBy: [], allowed: true };
}

/** One side: the source pod's egress (peer = destination) or the destination pod's ingress (peer = source). */
function evaluateSide(
    direction: PolicyType,
    subject: PodEndpoint,
    peer: Endpoint,
    flow: Flow,
    policies: readonly NetworkPolicy[],
    cluster: Cluster,
): SideVerdict {
    const selectedBy: string[] = [];
    const allowedBy: string[] = [];
    for (const policy of policies) {
        // A policy selects pods of its own namespace only.
        if (policy.namespace !== subject.namespace) continue;
        if (!selectorMatches(policy.spec.podSelector, subject.labels)) continue;
        if (!effectivePolicyTypes(policy.spec).includes(direction)) continue;
        const id = policyId(policy);
        selectedBy.push(id);
        const admits =
            direction === "Egress"
                ? (policy.spec.egress ?? []).some((r) => ruleAdmits(r.to, r.ports, peer, flow, policy.namespace, cluster))
                : (policy.spec.ingress ?? []).some((r) => ruleAdmits(r.from, r.ports, peer, flow, policy.namespace, cluster));
        if (admits) allowedBy.push(id);
    }
    const isolated = selectedBy.length > 0;
    return { applies: true, isolated, selectedBy, allowedBy, allowed: !isolated || allowedBy.length > 0 };
}

function checkEndpoint(endpoint: Endpoint, role: string): void {
    if ("ip" in endpoint && parseIPv4(endpoint.ip) === undefined) {
        throw new Error(`flow ${role} "${endpoint.ip}" is not an IPv4 address`);
    }
}

/**
 * Whether `flow` gets through `policies`, given the cluster's `namespaces`. The source pod's egress
 * and the destination pod's ingress must both allow it; each side is isolated only by policies that
 * select the pod and apply to that direction, and then allowed only by the union of those policies'
 * rules. An `ip` end is outside the pod network: no NetworkPolicy governs it, so that side allows.
 * Throws when an `ip` end is not an IPv4 address (a caller's mistake, not a policy's).
 */
export function evaluateFlow(flow: Flow, policies: readonly NetworkPolicy[], namespaces: readonly Namespace[]): Verdict {
    checkEndpoint(flow.from, "source");
    checkEndpoint(flow.to, "destination");
    const cluster = new Cluster(namespaces);
    const egress = "pod" in flow.from ? evaluateSide("Egress", flow.from.pod, flow.to, flow, policies, cluster) : notGoverned();
    const ingress = "pod" in flow.to ? evaluateSide("Ingress", flow.to.pod, flow.from, flow, policies, cluster) : notGoverned();
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

function describeLabels(labels: Labels): string {
    const pairs = Object.keys(labels)
        .sort()
        .map((k) => `${k}=${labels[k]}`);
    return pairs.length > 0 ? pairs.join(",") : "(no labels)";
}

/** `pod app=web in apps`, or the address of an `ip` end. */
export function describeEndpoint(endpoint: Endpoint): string {
    return "pod" in endpoint ? `pod ${describeLabels(endpoint.pod.labels)} in ${endpoint.pod.namespace}` : endpoint.ip;
}

/** `TCP 5432 from pod app=web in apps to pod app=db in data`. */
export function describeFlow(flow: Flow): string {
    return `${protocolOf(flow.protocol)} ${flow.port} from ${describeEndpoint(flow.from)} to ${describeEndpoint(flow.to)}`;
}

function describeDenial(side: SideVerdict, what: string, rules: string): string {
    const policies = side.selectedBy.join(", ");
    const one = side.selectedBy.length === 1;
    return `${what} is isolated by ${policies} and no ${rules} rule of ${one ? "that policy" : "those policies"} admits it`;
}

/**
 * One sentence for a verdict, naming the side(s) at fault and the policies that isolate them, e.g.
 * "TCP 8089 from pod app=ingress-nginx in ingress to pod acme.cert-manager.io/http01-solver=true in
 * monitoring is denied: ingress to the destination is isolated by monitoring/default-deny and no
 * ingress rule of that policy admits it."
 */
export function describeVerdict(flow: Flow, verdict: Verdict): string {
    if (verdict.allowed) return `${describeFlow(flow)} is allowed.`;
    const reasons: string[] = [];
    if (!verdict.egress.allowed) reasons.push(describeDenial(verdict.egress, "egress from the source", "egress"));
    if (!verdict.ingress.allowed) reasons.push(describeDenial(verdict.ingress, "ingress to the destination", "ingress"));
    return `${describeFlow(flow)} is denied: ${reasons.join("; ")}.`;
}

function selectorProblems(selector: LabelSelector, where: string): string[] {
    return (selector.matchExpressions ?? []).flatMap((r, i) => {
        const at = `${where}.matchExpressions[${i}]`;
        const n = (r.values ?? []).length;
        if ((r.operator === "In" || r.operator === "NotIn") && n === 0) return [`${at}: ${r.operator} needs at least one value`];
        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && n > 0) return [`${at}: ${r.operator} takes no values`];
        if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(r.operator)) return [`${at}: unknown operator "${String(r.operator)}"`];
        return [];
    });
}

function cidrProblems(parsed: ParsedCidr | undefined, text: string, at: string): string[] {
    if (!parsed) return [`${at}: "${text}" is not a CIDR`];
    // Newer API servers refuse host bits beyond the prefix in new objects (IsValidCIDRForLegacyField).
    if (parsed.family === 4 && ((parsed.network! & ~maskOf(parsed.prefix)) >>> 0) !== 0) {
        return [`${at}: ${text} has bits set beyond the prefix length`];
    }
    return [];
}

function peerProblems(peer: NetworkPolicyPeer, where: string): string[] {
    const problems: string[] = [];
    const hasSelector = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (!peer.ipBlock && !hasSelector) problems.push(`${where}: a peer needs podSelector, namespaceSelector or ipBlock`);
    if (peer.ipBlock && hasSelector) problems.push(`${where}: ipBlock cannot be combined with a selector`);
    if (peer.podSelector) problems.push(...selectorProblems(peer.podSelector, `${where}.podSelector`));
    if (peer.namespaceSelector) problems.push(...selectorProblems(peer.namespaceSelector, `${where}.namespaceSelector`));
    if (peer.ipBlock) {
        const block = peer.ipBlock;
        const cidr = parseCidr(block.cidr);
        problems.push(...cidrProblems(cidr, block.cidr, `${where}.ipBlock.cidr`));
        (block.except ?? []).forEach((except, i) => {
            const inner = parseCidr(except);
            const at = `${where}.ipBlock.except[${i}]`;
            problems.push(...cidrProblems(inner, except, at));
            // kubernetes/kubernetes pkg/apis/networking/validation: "must be a strict subset of `cidr`".
            const strictSubset =
                !inner || !cidr || (inner.family === cidr.family && inner.prefix > cidr.prefix && (cidr.family === 6 || inBlock(cidr, inner.network!)));
            if (!strictSubset) problems.push(`${at}: ${except} is not a strict subset of ${block.cidr}`);
        });
    }
    return problems;
}

/**
 * apimachinery pkg/util/validation `IsValidPortName`: 1-15 characters of [-a-z0-9], at least one
 * letter, no leading, trailing or doubled hyphen.
 */
function isValidPortName(name: string): boolean {
    return /^[-a-z0-9]{1,15}$/.test(name) && /[a-z]/.test(name) && !name.includes("--") && !name.startsWith("-") && !name.endsWith("-");
}

function portProblems(entry: NetworkPolicyPort, where: string): string[] {
    const problems: string[] = [];
    if (entry.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(entry.protocol)) {
        problems.push(`${where}.protocol: "${entry.protocol}" is not TCP, UDP or SCTP`);
    }
    if (typeof entry.port === "number" && !isPortNumber(entry.port)) problems.push(`${where}.port: ${entry.port} is not a port number (1-65535)`);
    if (typeof entry.port === "string" && !isValidPortName(entry.port)) {
        // A number written as a string ("5432") is read as a name, which the API server refuses.
        problems.push(`${where}.port: "${entry.port}" is not a valid port name (a number must be written as a number)`);
    }
    if (entry.endPort !== undefined && !isPortNumber(entry.endPort)) problems.push(`${where}.endPort: ${entry.endPort} is not a port number (1-65535)`);
    if (entry.endPort !== undefined) {
        if (typeof entry.port !== "number") problems.push(`${where}.endPort: needs a numeric port`);
        else if (entry.endPort < entry.port) problems.push(`${where}.endPort: ${entry.endPort} is below port ${entry.port}`);
    }
    return problems;
}

/**
 * What the API server would reject in a policy, one message per problem with the field's path (empty
 * when valid). The evaluator never lets such a piece admit traffic; this says why.
 */
export function validatePolicy(policy: NetworkPolicy): string[] {
    const id = policyId(policy);
    const spec = policy.spec;
    const problems = selectorProblems(spec.podSelector, "spec.podSelector");
    (spec.policyTypes ?? []).forEach((t, i) => {
        if (t !== "Ingress" && t !== "Egress") problems.push(`spec.policyTypes[${i}]: "${String(t)}" is not Ingress or Egress`);
    });
    (spec.ingress ?? []).forEach((rule, i) => {
        (rule.from ?? []).forEach((peer, j) => problems.push(...peerProblems(peer, `spec.ingress[${i}].from[${j}]`)));
        (rule.ports ?? []).forEach((port, j) => problems.push(...portProblems(port, `spec.ingress[${i}].ports[${j}]`)));
    });
    (spec.egress ?? []).forEach((rule, i) => {
        (rule.to ?? []).forEach((peer, j) => problems.push(...peerProblems(peer, `spec.egress[${i}].to[${j}]`)));
        (rule.ports ?? []).forEach((port, j) => problems.push(...portProblems(port, `spec.egress[${i}].ports[${j}]`)));
    });
    return problems.map((p) => `${id}: ${p}`);
}
