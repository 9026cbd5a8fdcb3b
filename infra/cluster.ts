/**
 * `estate:cluster`: the network, the EKS cluster, its nodes and add-ons, wired in dependency order,
 * and what the rest of the estate derives from them: the Kubernetes provider, the managed data
 * services' network and the jobs' IRSA.
 */
import type * as k8s from "@pulumi/kubernetes";
import { ClusterServices, EksAddons, EksCluster, Network, NodeGroups, clusterProvider } from "../components/cluster";
import type { DataNetwork } from "../components/data";
import type { IrsaProvider } from "../components/k8s";
import { workloadCapacity } from "./capacity";
import type { ClusterSpec, EstateSpec } from "./config";

/** What `estate:cluster` builds, and what the estate takes from it. */
export interface EstateCluster {
    network: Network;
    eks: EksCluster;
    nodes: NodeGroups;
    addons: EksAddons;
    services: ClusterServices;
    /** The Kubernetes provider: built from the cluster's outputs; waits for the nodes and the add-ons. */
    provider: k8s.Provider;
    /** The managed data services' network: the private subnets, admitting the nodes' security group. */
    dataNetwork: DataNetwork;
    /** IRSA through the cluster's OIDC provider, for the backup jobs and the External Secrets Operator. */
    irsa: IrsaProvider;
}

export function buildCluster(spec: EstateSpec & { cluster: ClusterSpec }): EstateCluster {
    const c = spec.cluster;
    const common = { protectData: spec.protectData, region: spec.region, tags: spec.tags };

    // 1. The VPC: private subnets for the control plane's ENIs, the nodes, the pods and the data services.
    const network = new Network("network", {
        ...common,
        cidrBlock: c.vpcCidr,
        zones: c.zones,
        natGateways: c.natGateways,
        flowLogRetentionDays: c.flowLogRetentionDays,
        clusterName: c.name,
    });

    // 2. The control plane, reachable privately (and publicly only from the listed CIDRs).
    const eks = new EksCluster("eks", {
        ...common,
        clusterName: c.name,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        version: c.version,
        publicAccessCidrs: c.publicAccessCidrs,
        adminRoleArns: c.adminRoleArns,
        viewerRoleArns: c.viewerRoleArns,
    });

    // 3. Nodes in every zone, enough for every app's autoscaler at its maximum.
    const nodes = new NodeGroups("nodes", {
        ...common,
        clusterName: eks.clusterName,
        cluster: eks.cluster,
        subnetIds: network.privateSubnetIds,
        amiType: c.nodes.amiType,
        instanceType: c.nodes.instanceType,
        minPerZone: c.nodes.minPerZone,
        maxPerZone: c.nodes.maxPerZone,
        diskGb: c.nodes.diskGb,
        required: workloadCapacity(spec),
    });

    // 4. The EKS add-ons: the CNI enforcing NetworkPolicies, DNS, EBS volumes, Pod Identity, metrics for the HPAs.
    const addons = new EksAddons("eks-addons", {
        ...common,
        clusterName: eks.clusterName,
        kubernetesVersion: eks.version,
        cluster: eks.cluster,
        nodeGroups: nodes.groups,
        // One key for every EBS volume of the cluster: the nodes' root volumes and the pods' volumes.
        ebsKmsKeyArn: nodes.kmsKeyArn,
    });

    // 5. Every Kubernetes resource of the estate goes through this provider: it waits for the nodes and add-ons.
    const provider = clusterProvider("cluster", eks, [eks.cluster, ...nodes.groups, ...addons.awsAddons]);

    // 6. What the cluster itself must provide: the default encrypted StorageClass, NLBs, node autoscaling.
    const services = new ClusterServices(
        "cluster-services",
        {
            ...common,
            // The name as configured (known in a preview); the provider's dependencies order the services after the cluster.
            clusterName: c.name,
            kubernetesVersion: eks.version,
            vpcId: network.vpcId,
            ebsKmsKeyArn: addons.ebsKmsKeyArn,
            maxNodes: nodes.maxNodes,
            loadBalancerControllerReplicas: spec.platform.replicas,
        },
        { provider },
    );

    return {
        network,
        eks,
        nodes,
        addons,
        services,
        provider,
        dataNetwork: {
            vpcId: network.vpcId,
            subnetIds: network.privateSubnetIds,
            subnetCidrs: network.privateSubnetCidrs,
            // Managed nodes carry EKS's cluster security group, and with the VPC CNI so do their pods.
            allowedSecurityGroupIds: [eks.clusterSecurityGroupId],
        },
        irsa: { oidcProviderArn: eks.oidcProviderArn, oidcIssuer: eks.oidcIssuer },
    };
}
