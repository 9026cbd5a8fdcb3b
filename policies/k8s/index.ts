/** The Kubernetes policies of the pack. */
import { k8sContainerPolicies } from "./containers";
import { k8sEnvPolicies } from "./env-credentials";
import { k8sIngressPolicies } from "./ingress";
import { k8sMonitoringPolicies } from "./monitoring";
import { k8sNamespacePolicies } from "./namespaces";
import { k8sNetworkFlowPolicies } from "./network-flows";
import { k8sPodSecurityPolicies } from "./pod-security";
import { k8sServicePolicies } from "./services";
import { k8sWorkloadPolicies } from "./workloads";

export const k8sPolicies = [
    ...k8sPodSecurityPolicies,
    ...k8sContainerPolicies,
    ...k8sEnvPolicies,
    ...k8sWorkloadPolicies,
    ...k8sIngressPolicies,
    ...k8sServicePolicies,
    ...k8sNamespacePolicies,
    ...k8sMonitoringPolicies,
    ...k8sNetworkFlowPolicies,
];
