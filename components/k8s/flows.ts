/**
 * Network flows as data. A component declares every connection it needs, from → to on a port, as
 * plain data in its registered outputs (`networkFlows`). The engine hands a component's registered
 * outputs to stack policies (`AnalyzeStack` gets each resource's final `Outputs`, which
 * `RegisterResourceOutputs` sets for a component: pulumi/pulumi pkg/resource/deploy/step_executor.go,
 * `executeRegisterResourceOutputs`, and step_generator.go, `AnalyzeResources`), so the policy
 * `estate-k8s-network-flows` sees the declarations without importing a component, and runs each
 * through the NetworkPolicy evaluator (policies/lib/netpol.ts) against the planned policies.
 *
 * The shapes (`Endpoint`, `Flow`) are the evaluator's own; a declaration adds a `name` and a
 * `description` a reader understands. Where the allowance of a flow is derived from its
 * declaration (`admitFlowSpec`), the two cannot drift apart.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerPort, Endpoint, Flow, Labels } from "../../policies/lib/netpol";
import { ACME_SOLVER_LABEL, ACME_SOLVER_PORT, NAMESPACE_NAME_LABEL } from "./conventions";

export type { ContainerPort, Endpoint, Flow, Labels };

/** A flow as a component declares it: the evaluator's `Flow`, named and explained. */
export interface DeclaredFlow extends Flow {
    /** Short and unique within the component, such as `ingress-to-acme-solver`. */
    name: string;
    /** What the connection is for, in one sentence. */
    description: string;
}

/** A pod end with inputs (a namespace that is an output of the Namespace resource). */
export interface PodEndpointInput {
    pod: { namespace: pulumi.Input<string>; labels: Labels; ports?: ContainerPort[] };
}
export type EndpointInput = PodEndpointInput | { ip: pulumi.Input<string> };

/** A declaration whose ends may still be outputs. */
export interface FlowInput extends Omit<DeclaredFlow, "from" | "to" | "port"> {
    from: EndpointInput;
    to: EndpointInput;
    port: pulumi.Input<number>;
}

/** A declaration between two pods: one whose allowance can be derived (`admitFlowSpec`). */
export type PodFlowInput = FlowInput & { from: PodEndpointInput; to: PodEndpointInput };

/**
 * Addresses outside the pod network that the estate cannot know at deploy time. A flow to (or from)
 * one of them names a representative address of its kind; NetworkPolicies can only tell them apart by
 * `ipBlock`, so what matters is which ranges they fall in. Documentation ranges (RFC 5737), so no
 * reader mistakes them for real hosts.
 */
export const EXTERNAL_ADDRESSES = {
    /**
     * A public address on the internet: an ACME directory (Let's Encrypt), S3's regional endpoint,
     * Sentry. Not in a private range, so a policy that allows only the VPC does not admit it.
     */
    internet: "203.0.113.10",
    /**
     * The Kubernetes API server as pods see it after the `kubernetes` Service is resolved (its
     * endpoint), and as webhooks see its calls. On EKS these are the control plane's network
     * interfaces; any address: the estate's rules name ports only.
     */
    apiServer: "198.51.100.10",
} as const;

/** The port the API server connects to on the control plane's endpoint (EKS, kubeadm expose 443 or 6443). */
export const API_SERVER_PORT = 443;

/** CoreDNS in kube-system: the pods the `kube-dns` Service selects (label `k8s-app: kube-dns`, as on EKS and kubeadm). */
export const CLUSTER_DNS: PodEndpointInput = { pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } } };

/** A pod of `namespace` with `labels`. */
export function podEndpoint(namespace: pulumi.Input<string>, labels: Labels, ports?: ContainerPort[]): PodEndpointInput {
    return { pod: { namespace, labels: { ...labels }, ...(ports ? { ports } : {}) } };
}

/** An address outside the pod network. */
export function ipEndpoint(ip: pulumi.Input<string>): EndpointInput {
    return { ip };
}

/** The two DNS flows (UDP and TCP 53) of a pod to the cluster DNS. */
export function dnsFlows(namePrefix: string, from: PodEndpointInput, who: string): FlowInput[] {
    return (["UDP", "TCP"] as const).map((protocol) => ({
        name: `${namePrefix}-dns-${protocol.toLowerCase()}`,
        description: `${who} resolve names through the cluster DNS (CoreDNS in kube-system), over ${protocol}.`,
        from,
        to: CLUSTER_DNS,
        port: 53,
        protocol,
    }));
}

/** An ACME HTTP-01 solver pod cert-manager runs in `namespace` (label and port of cert-manager's solver). */
export function acmeSolverEndpoint(namespace: pulumi.Input<string>): PodEndpointInput {
    return podEndpoint(namespace, { [ACME_SOLVER_LABEL]: "true" });
}

/**
 * The ingress controller → the ACME HTTP-01 solver that cert-manager runs in the namespace of the
 * Ingress it certifies (`namespace`): Let's Encrypt fetches the challenge through the load balancer
 * and the controller, which forwards it to the solver's port.
 */
export function acmeSolverFlow(namespace: pulumi.Input<string>, controller: { namespace: pulumi.Input<string>; podLabels: Labels }, what: string): PodFlowInput {
    return {
        name: "ingress-to-acme-solver",
        description: `The ingress controller forwards Let's Encrypt's HTTP-01 challenge for ${what} to cert-manager's solver pod in the Ingress's namespace.`,
        from: podEndpoint(controller.namespace, controller.podLabels),
        to: acmeSolverEndpoint(namespace),
        port: ACME_SOLVER_PORT,
    };
}

/**
 * The NetworkPolicy spec that admits a pod-to-pod flow at its destination: the destination's pods
 * (by their labels), from the source's pods (by namespace and labels), on the flow's port. The
 * source's egress is another policy's business.
 */
export function admitFlowSpec(flow: PodFlowInput): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { ...flow.to.pod.labels } },
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: flow.from.pod.namespace } }, podSelector: { matchLabels: { ...flow.from.pod.labels } } }],
                ports: [{ protocol: flow.protocol ?? "TCP", port: flow.port }],
            },
        ],
    };
}

/**
 * The declarations as one output, for `registerOutputs({ networkFlows })`. Names must be unique
 * within a component: a policy violation names the flow.
 */
export function declaredFlows(component: string, flows: FlowInput[]): pulumi.Output<DeclaredFlow[]> {
    const seen = new Set<string>();
    for (const flow of flows) {
        if (seen.has(flow.name)) {
            throw new Error(`${component}: network flow ${JSON.stringify(flow.name)} is declared twice`);
        }
        seen.add(flow.name);
    }
    return pulumi.output(flows.map((flow) => ({ ...flow, protocol: flow.protocol ?? "TCP" }))) as pulumi.Output<DeclaredFlow[]>;
}
