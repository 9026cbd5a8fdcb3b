/**
 * An evaluator of Kubernetes NetworkPolicy semantics (networking.k8s.io/v1): does a flow from one
 * endpoint to another get through the planned policies? Pure data in, verdict out: no Pulumi, no
 * cluster. The stack policy `estate-k8s-network-flows` runs every flow the components declare
 * through it.
 *
 * INTERFACE ONLY (to be implemented on branch `netpol`): the shapes below are the contract between
 * the evaluator and its callers.
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

/** Whether `flow` gets through `policies`, given the cluster's `namespaces`. */
export function evaluateFlow(flow: Flow, policies: readonly NetworkPolicy[], namespaces: readonly Namespace[]): Verdict {
    void flow;
    void policies;
    void namespaces;
    throw new Error("evaluateFlow: not implemented yet (branch netpol)");
}
