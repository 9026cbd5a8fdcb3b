/**
 * NetworkPolicy building blocks shared by the Platform (per namespace) and the AppService (per
 * app). Kubernetes NetworkPolicies are allow-lists that add up: once a pod is selected by a
 * policy of a type (Ingress or Egress), only what some policy allows gets through.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_NAME_LABEL } from "./conventions";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
export type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;

/** Every pod of the namespace: nothing in, nothing out, until another policy allows it. */
export function defaultDenySpec(): Spec {
    return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/** Every pod of the namespace may resolve names through the cluster DNS (CoreDNS in kube-system). */
export function allowDnsSpec(): Spec {
    return { podSelector: {}, policyTypes: ["Egress"], egress: [dnsEgressRule()] };
}

/**
 * The policies every estate namespace starts with, as `[role, name, spec]`: nothing in or out
 * (`default-deny`) but DNS (`allow-dns`). The role is the suffix of the policy's resource name.
 */
export function isolationPolicies(): [string, string, Spec][] {
    return [
        ["default-deny", "default-deny", defaultDenySpec()],
        ["allow-dns", "allow-dns", allowDnsSpec()],
    ];
}

/** Name resolution through the cluster DNS (CoreDNS in kube-system), over UDP and TCP. */
export function dnsEgressRule(): EgressRule {
    return {
        to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
    };
}

/**
 * The Kubernetes API server, for operators and for pods that report their own state. Its address
 * is not a pod and differs per cluster, so the rule names ports only: 443 (the `kubernetes`
 * Service, EKS endpoints) and 6443 (the endpoint behind the Service on kind and kubeadm clusters,
 * which is what a NetworkPolicy sees after the Service is resolved). Port 443 also covers AWS APIs
 * such as S3: a NetworkPolicy cannot tell the two apart.
 */
export function apiServerEgressRule(): EgressRule {
    return { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(443, 6443) };
}

/** The pods of another namespace (all of them, or those with `podLabels`). */
export function namespacePeer(namespace: pulumi.Input<string>, podLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>): Peer {
    return {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
        ...(podLabels === undefined ? {} : { podSelector: { matchLabels: podLabels } }),
    };
}

/** TCP ports, for a rule's `ports`. */
export function tcp(...ports: number[]): { protocol: string; port: number }[] {
    return ports.map((port) => ({ protocol: "TCP", port }));
}
