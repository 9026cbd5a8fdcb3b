/**
 * `NodeGroups`: the cluster's nodes as EKS managed node groups, one per zone (per private subnet),
 * as terraform-aws-eks recommends for pods with EBS volumes (a volume lives in one zone, so the
 * Cluster Autoscaler must be able to grow that zone's group), each with the estate's launch
 * template: IMDSv2 required at hop limit 1 (pods cannot borrow the node's role), encrypted gp3
 * volumes under a customer-managed key, no security groups of its own (so EKS attaches the cluster
 * security group, which the data services admit), and tags on the instances and volumes.
 *
 * Capacity: `nodesFor()` says how many nodes of a type hold what the workloads request at their
 * HPAs' maximums, from the node's allocatable resources computed as the AL2023 AMI's nodeadm sets
 * them (kube-reserved by vCPU count and max pods, the kubelet's hard eviction threshold), and
 * `maxPerZone` follows from it. Managed node groups do not scale by themselves: the Cluster
 * Autoscaler (the add-ons) moves `desiredSize` between `minPerZone` and `maxPerZone`, and EKS tags
 * the groups' Auto Scaling groups for its auto-discovery ("Nodes launched as part of a managed node
 * group are automatically tagged for auto-discovery by the Kubernetes Cluster Autoscaler", Amazon EKS
 * User Guide, managed-node-groups; awsdocs/amazon-eks-user-guide latest/ug/nodes/managed-node-groups.adoc).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { guardedKeyPolicy } from "../lib/key-guard";

/** What must fit on the nodes at the HPAs' maximums: the sum of the pods' requests, and the pod count. */
export interface WorkloadCapacity {
    /** CPU requests, in millicores. */
    cpuMillicores: number;
    /** Memory requests, in MiB. */
    memoryMiB: number;
    /** Pods (each takes one of a node's max pods, and with the VPC CNI a VPC address). */
    pods: number;
}

/** An instance type's size, and how many pods the VPC CNI lets it run. */
export interface InstanceTypeSpec {
    arch: "x86_64" | "arm64";
    vcpus: number;
    memoryMiB: number;
    /**
     * Max pods with the VPC CNI without prefix delegation: ENIs × (IPv4 addresses per ENI − 1) + 2
     * (nodeadm's `calculateStandardMaxPods`).
     */
    maxPods: number;
}

/**
 * The instance types node groups may use: a few current general-purpose sizes. vCPUs and memory are
 * EC2's `DefaultVCpus` and `MemoryInfo.SizeInMiB` as Karpenter's generated instance-type reference
 * lists them (aws/karpenter-provider-aws website/content/en/docs/reference/instance-types.md,
 * `karpenter.k8s.aws/instance-cpu`, `instance-memory`, Aug 2026). Max pods: awslabs/amazon-eks-ami
 * eni-max-pods.txt (templates/shared/runtime/eni-max-pods.txt, last at 2377b69a, Feb 2026: m?.large 29,
 * m?.xlarge and 2xlarge 58), which nodeadm now computes from nodeadm/internal/kubelet/instance-info.jsonl
 * (v20260724: large 3 ENIs × 10 addresses, xlarge/2xlarge 4 × 15).
 */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeSpec>> = {
    "m6i.large": { arch: "x86_64", vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    "m6i.xlarge": { arch: "x86_64", vcpus: 4, memoryMiB: 16384, maxPods: 58 },
    "m7i.large": { arch: "x86_64", vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    "m7i.xlarge": { arch: "x86_64", vcpus: 4, memoryMiB: 16384, maxPods: 58 },
    "m7i.2xlarge": { arch: "x86_64", vcpus: 8, memoryMiB: 32768, maxPods: 58 },
    "m7a.large": { arch: "x86_64", vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    "m7a.xlarge": { arch: "x86_64", vcpus: 4, memoryMiB: 16384, maxPods: 58 },
    "m7g.large": { arch: "arm64", vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    "m7g.xlarge": { arch: "arm64", vcpus: 4, memoryMiB: 16384, maxPods: 58 },
    "m7g.2xlarge": { arch: "arm64", vcpus: 8, memoryMiB: 32768, maxPods: 58 },
    "m8g.large": { arch: "arm64", vcpus: 2, memoryMiB: 8192, maxPods: 29 },
    "m8g.xlarge": { arch: "arm64", vcpus: 4, memoryMiB: 16384, maxPods: 58 },
};

export const AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"] as const;
export type AmiType = (typeof AMI_TYPES)[number];

/** The kubelet's hard eviction threshold for memory in nodeadm's default config (`memory.available: 100Mi`). */
const EVICTION_HARD_MEMORY_MIB = 100;
/**
 * Memory the hypervisor and kernel keep from the instance's nominal size: Karpenter's default
 * `VM_MEMORY_OVERHEAD_PERCENT` (0.075, pkg/operator/options/options.go), and Graviton's 64 MiB of
 * CMA (pkg/providers/instancetype/types.go `memory()`). With it, the figures below equal Karpenter's
 * published allocatable for these types (m7i.large 1930m / 6903Mi, m7g.large 6844Mi).
 */
const VM_MEMORY_OVERHEAD = 0.075;
const GRAVITON_CMA_MIB = 64;

/**
 * CPU kube-reserved as nodeadm computes it (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go
 * `getCPUMillicoresToReserve`, v20260724): 6% of the first core, 1% of the second, 0.5% of the third
 * and fourth, 0.25% of the rest.
 */
export function kubeReservedCpuMillicores(vcpus: number): number {
    const total = vcpus * 1000;
    const ranges: [number, number, number][] = [
        [0, 1000, 600],
        [1000, 2000, 100],
        [2000, 4000, 50],
        [4000, total, 25],
    ];
    return ranges.reduce((sum, [start, end, perTenThousand]) => (total <= start ? sum : sum + Math.floor(((Math.min(total, end) - start) * perTenThousand) / 10000)), 0);
}

/** Memory kube-reserved as nodeadm computes it (`getMemoryMebibytesToReserve`): 11 MiB per pod + 255 MiB. Bottlerocket uses the same formula (its README, `settings.kubernetes.kube-reserved`). */
export function kubeReservedMemoryMiB(maxPods: number): number {
    return 11 * maxPods + 255;
}

/** What the scheduler can place on one node of a type (its Node `allocatable`). */
export function allocatable(instanceType: string): WorkloadCapacity {
    const spec = INSTANCE_TYPES[instanceType];
    if (!spec) {
        throw new Error(`unknown instance type ${JSON.stringify(instanceType)} (known: ${Object.keys(INSTANCE_TYPES).join(", ")})`);
    }
    const memory = spec.memoryMiB - (spec.arch === "arm64" ? GRAVITON_CMA_MIB : 0);
    const capacityMiB = memory - Math.ceil(memory * VM_MEMORY_OVERHEAD);
    return {
        cpuMillicores: spec.vcpus * 1000 - kubeReservedCpuMillicores(spec.vcpus),
        memoryMiB: capacityMiB - kubeReservedMemoryMiB(spec.maxPods) - EVICTION_HARD_MEMORY_MIB,
        pods: spec.maxPods,
    };
}

/**
 * What every node gives the cluster's own DaemonSets before any workload: a budget for aws-node
 * (requests 25m CPU: aws/eks-charts stable/aws-vpc-cni values.yaml), kube-proxy, the EBS CSI node
 * plugin, the Pod Identity agent and a node exporter. An estate figure, not an upstream one: raise it
 * when a DaemonSet is added.
 */
export const DAEMONSET_RESERVE: WorkloadCapacity = { cpuMillicores: 300, memoryMiB: 400, pods: 5 };

/** What one node of `instanceType` leaves for the workloads' pods after its `perNode` DaemonSets. Pure. */
export function roomForPods(instanceType: string, perNode: WorkloadCapacity = DAEMONSET_RESERVE): WorkloadCapacity {
    const node = allocatable(instanceType);
    return { cpuMillicores: node.cpuMillicores - perNode.cpuMillicores, memoryMiB: node.memoryMiB - perNode.memoryMiB, pods: node.pods - perNode.pods };
}

/**
 * How many nodes of `instanceType` hold `required` (in total, across zones): the most any of CPU,
 * memory and pods needs, after each node's `perNode` DaemonSets. Assumes the scheduler packs
 * perfectly; `NodeGroups` adds a node per zone for what it does not. Pure.
 */
export function nodesFor(required: WorkloadCapacity, instanceType: string, perNode: WorkloadCapacity = DAEMONSET_RESERVE): number {
    const free = roomForPods(instanceType, perNode);
    if (free.cpuMillicores <= 0 || free.memoryMiB <= 0 || free.pods <= 0) {
        throw new Error(`${instanceType} has no room left after the per-node DaemonSets`);
    }
    return Math.max(1, Math.ceil(required.cpuMillicores / free.cpuMillicores), Math.ceil(required.memoryMiB / free.memoryMiB), Math.ceil(required.pods / free.pods));
}

/**
 * Nodes per zone so that `required` fits with room to spare: the even share of `nodesFor` per zone,
 * plus one for imperfect packing (pods do not split across nodes, and zonal volumes pin pods to a
 * zone). Pure.
 */
export function maxPerZoneFor(required: WorkloadCapacity, instanceType: string, zones: number): number {
    return Math.ceil(nodesFor(required, instanceType) / zones) + 1;
}

export interface NodeGroupsArgs {
    /** The EKS cluster's name. Required. */
    clusterName: pulumi.Input<string>;
    /** The cluster resource the node groups wait for. Required. */
    cluster: pulumi.Resource;
    /** Private subnets, one per zone: a managed node group in each. Required. */
    subnetIds: pulumi.Input<string>[];
    /** The nodes' AMI family and architecture; must match `instanceType`'s. Default: `AL2023_x86_64_STANDARD`. */
    amiType?: AmiType;
    /** One of `INSTANCE_TYPES`. Default: `m7i.large`. */
    instanceType?: string;
    /** Nodes each zone keeps at least (and starts with). Default: 1. */
    minPerZone?: number;
    /**
     * Nodes each zone may grow to. Default: enough for `required` (`maxPerZoneFor`), or 3 without it.
     * Given with `required`, it must hold it: zones × maxPerZone ≥ `nodesFor(required)`.
     */
    maxPerZone?: number;
    /** What must fit at the HPAs' maximums (requests). Default: nothing known (maxPerZone 3). */
    required?: WorkloadCapacity;
    /** Size of the node's volume for images and containers (AL2023's root, Bottlerocket's data volume), GiB. Default: 50. */
    diskGb?: number;
    /**
     * The EBS key for the nodes' volumes. Its policy must let the Auto Scaling service-linked role use
     * it (the key created here does). Default: a rotating CMK created here.
     */
    kmsKeyArn?: pulumi.Input<string>;
    /** `protect`/`retainOnDelete` on the key created here. Default: `true`. */
    protectData?: boolean;
    /** AWS region of every resource here. Default: the provider's. */
    region?: string;
    /** Tags for every taggable resource, and the instances, volumes and network interfaces. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    amiType: "AL2023_x86_64_STANDARD" as AmiType,
    instanceType: "m7i.large",
    minPerZone: 1,
    diskGb: 50,
    protectData: true,
    tags: {} as Record<string, string>,
} satisfies Partial<NodeGroupsArgs>;
/** The defaults the stack config's checks apply too (infra/config.ts). */
export const DEFAULT_AMI_TYPE = defaults.amiType;
export const DEFAULT_INSTANCE_TYPE = defaults.instanceType;

/** maxPerZone when nothing says what must fit. */
const DEFAULT_MAX_PER_ZONE = 3;

const TYPE = "estate:cluster:NodeGroups";

export class NodeGroups extends pulumi.ComponentResource {
    /** One managed node group per subnet, in subnet order (what add-ons that need nodes wait for). */
    readonly groups: aws.eks.NodeGroup[];
    /** The nodes' IAM role. */
    readonly nodeRoleArn: pulumi.Output<string>;
    /** Nodes across all zones at their maximum (plain: the Cluster Autoscaler's bound). */
    readonly maxNodes: number;
    /** The key of the nodes' volumes (given or created here). */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** The nodes' launch template. */
    readonly launchTemplateId: pulumi.Output<string>;

    constructor(name: string, args: NodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        const maxPerZone = validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);
        const { region, tags } = a;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;

        const keyArn = a.kmsKeyArn !== undefined ? pulumi.output(a.kmsKeyArn) : ebsKey(name, { region, tags, parent: this, protectData: a.protectData, partition });

        // The node role: EC2 instances assume it; the worker policy lets the kubelet join and describe,
        // ECR read-only pulls images. The VPC CNI's permissions (AmazonEKS_CNI_Policy) go to the
        // vpc-cni add-on's own identity, not here: "we recommend that you attach the policy to a separate
        // role used specifically for the Amazon VPC CNI add-on" (Amazon EKS User Guide, create-node-role;
        // awsdocs/amazon-eks-user-guide latest/ug/security/iam-reference/create-node-role.adoc).
        // No access entry: EKS makes the managed node groups' role its EC2_LINUX entry itself ("It's
        // unnecessary to create an access entry for an IAM role that's used for a managed node group",
        // latest/ug/manage-access/k8s-access/grant-k8s-access.adoc).
        const role = new aws.iam.Role(
            `${name}-node-role`,
            {
                description: `EKS nodes ${name}`,
                assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "EKSNodeAssumeRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
                tags,
            },
            { parent: this },
        );
        const attachments = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"].map(
            (policy) => new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}` }, { parent: this }),
        );

        const template = new aws.ec2.LaunchTemplate(
            `${name}-nodes`,
            {
                description: `EKS nodes ${name}: IMDSv2 only at hop limit 1, encrypted gp3 volumes`,
                updateDefaultVersion: true,
                // IMDSv2 only, and a hop limit of 1: a pod's own network namespace is a hop away, so pods
                // (not host-network ones such as aws-node) cannot reach the node's credentials; workloads get
                // their own through Pod Identity or IRSA. The AWS Load Balancer Controller is given the VPC
                // and region explicitly for the same reason.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
                blockDeviceMappings: nodeVolumes(a.amiType, a.diskGb, keyArn),
                // No vpcSecurityGroupIds: then EKS attaches the cluster security group to the nodes.
                tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: { ...tags, "estate:node-group": name } })),
                region,
                tags,
            },
            { parent: this },
        );

        const zones = a.subnetIds.length;
        this.groups = a.subnetIds.map(
            (subnetId, i) =>
                new aws.eks.NodeGroup(
                    `${name}-zone-${i}`,
                    {
                        clusterName: a.clusterName,
                        nodeRoleArn: role.arn,
                        subnetIds: [subnetId],
                        amiType: a.amiType,
                        capacityType: "ON_DEMAND",
                        instanceTypes: [a.instanceType],
                        launchTemplate: { id: template.id, version: template.latestVersion.apply((v) => String(v)) },
                        scalingConfig: { minSize: a.minPerZone, maxSize: maxPerZone, desiredSize: a.minPerZone },
                        // One node at a time: the others keep serving while a node is replaced.
                        updateConfig: { maxUnavailable: 1 },
                        nodeRepairConfig: { enabled: true },
                        labels: { "estate.io/node-group": name },
                        region,
                        tags,
                    },
                    {
                        parent: this,
                        dependsOn: [a.cluster, ...attachments],
                        // The Cluster Autoscaler owns desiredSize: the next `up` must not put it back
                        // (terraform-aws-eks: `lifecycle { ignore_changes = [scaling_config[0].desired_size] }`).
                        ignoreChanges: ["scalingConfig.desiredSize"],
                    },
                ),
        );
        this.nodeRoleArn = role.arn;
        this.maxNodes = maxPerZone * zones;
        this.kmsKeyArn = keyArn;
        this.launchTemplateId = template.id;
        this.registerOutputs({ nodeRoleArn: this.nodeRoleArn, maxNodes: this.maxNodes, kmsKeyArn: this.kmsKeyArn, launchTemplateId: this.launchTemplateId });
    }
}

/**
 * The launch template's volumes. AL2023 has one, the root `/dev/xvda`, which holds the images too.
 * Bottlerocket has two: `/dev/xvda`, its OS (kept at the AMI's size), and `/dev/xvdb`, the data volume
 * for images and containers (pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts: "/dev/xvda is the default
 * device name for the root volume on an Amazon Linux 2 & AL2023 instance", "/dev/xvdb is the default
 * device name for the data volume on a Bottlerocket instance"; bottlerocket README "Default Volumes").
 * Both are encrypted with the key, so nothing of a node is left unencrypted.
 */
export function nodeVolumes(amiType: AmiType, diskGb: number, kmsKeyId: pulumi.Input<string>): aws.types.input.ec2.LaunchTemplateBlockDeviceMapping[] {
    const ebs = (volumeSize?: number) => ({ volumeType: "gp3", volumeSize, encrypted: "true", kmsKeyId, deleteOnTermination: "true" });
    if (amiType.startsWith("BOTTLEROCKET")) {
        return [
            { deviceName: "/dev/xvda", ebs: ebs() },
            { deviceName: "/dev/xvdb", ebs: ebs(diskGb) },
        ];
    }
    return [{ deviceName: "/dev/xvda", ebs: ebs(diskGb) }];
}

/**
 * A rotating CMK for the nodes' EBS volumes. EC2 Auto Scaling launches the managed node groups'
 * instances with its service-linked role, which must be able to use the key ("Required AWS KMS key
 * policy for use with encrypted volumes", EC2 Auto Scaling User Guide; terraform-aws-modules/terraform-aws-kms
 * main.tf `KeyServiceRolesASG` / `KeyServiceRolesASGPersistentVol`). The role is named through
 * `aws:PrincipalArn` rather than as the principal: a key policy naming a principal that does not exist
 * is refused, and in an empty account the service-linked role appears only with the first Auto Scaling group.
 */
function ebsKey(name: string, spec: { region?: string; tags: Record<string, string>; parent: pulumi.Resource; protectData: boolean; partition: pulumi.Output<string> }): pulumi.Output<string> {
    const { region, tags, parent } = spec;
    const account = aws.getCallerIdentityOutput({}, { parent });
    const policy = pulumi.all([account.accountId, spec.partition]).apply(([accountId, partition]) => JSON.stringify(ebsKeyPolicy(accountId, partition)));
    const key = new aws.kms.Key(
        `${name}-ebs-key`,
        { description: `Encrypts the volumes of EKS nodes ${name}`, enableKeyRotation: true, deletionWindowInDays: 30, policy, region, tags },
        spec.protectData ? { parent, protect: true, retainOnDelete: true } : { parent },
    );
    new aws.kms.Alias(`${name}-ebs-key-alias`, { namePrefix: `alias/estate/${name}-ebs-`, targetKeyId: key.arn, region }, { parent });
    return key.arn;
}

/** The nodes' EBS key policy: the account's IAM decides, and EC2 Auto Scaling's service-linked role may use the key. Pure. */
export function ebsKeyPolicy(accountId: string, partition: string): ReturnType<typeof guardedKeyPolicy> {
    const autoScaling = { ArnEquals: { "aws:PrincipalArn": `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling` } };
    return guardedKeyPolicy(accountId, partition, {
        allow: [
            { Sid: "AutoScalingMayUseKeyForNodeVolumes", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: "*", Condition: autoScaling },
            {
                Sid: "AutoScalingMayGrantForNodeVolumes",
                Effect: "Allow",
                Principal: { AWS: "*" },
                Action: "kms:CreateGrant",
                Resource: "*",
                Condition: { ...autoScaling, Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        ],
    });
}

/** Checks the arguments; returns maxPerZone (given, or derived). */
function validate(name: string, args: NodeGroupsArgs): number {
    const check = new ArgChecker(`NodeGroups "${name}"`);
    check.required("clusterName", args.clusterName, "the EKS cluster's name");
    check.required("cluster", args.cluster, "the cluster resource to wait for");
    if (!Array.isArray(args.subnetIds) || args.subnetIds.length === 0) {
        check.fail("subnetIds", "must list the private subnets, one per zone (got none)");
    }
    check.oneOf("amiType", args.amiType, AMI_TYPES);
    const instanceType = args.instanceType ?? defaults.instanceType;
    const spec = INSTANCE_TYPES[instanceType];
    if (!spec) {
        check.fail("instanceType", `must be one of ${Object.keys(INSTANCE_TYPES).join(", ")} (got ${JSON.stringify(instanceType)}): the capacity figures are known for these`);
    }
    const amiArch = (args.amiType ?? defaults.amiType).includes("ARM") ? "arm64" : "x86_64";
    if (spec.arch !== amiArch) {
        check.fail("instanceType", `is an ${spec.arch} type, but amiType ${args.amiType ?? defaults.amiType} is for ${amiArch}`);
    }
    check.int("minPerZone", args.minPerZone, 0, 100);
    check.int("maxPerZone", args.maxPerZone, 1, 100);
    check.int("diskGb", args.diskGb, 20, 16384);
    check.kmsKeyArn("kmsKeyArn", args.kmsKeyArn);
    const required = args.required;
    if (required !== undefined) {
        for (const field of ["cpuMillicores", "memoryMiB", "pods"] as const) {
            check.int(`required.${field}`, required[field], 0, Number.MAX_SAFE_INTEGER);
        }
    }
    const zones = args.subnetIds.length;
    const minPerZone = args.minPerZone ?? defaults.minPerZone;
    const maxPerZone = args.maxPerZone ?? (required ? Math.max(minPerZone, maxPerZoneFor(required, instanceType, zones)) : Math.max(minPerZone, DEFAULT_MAX_PER_ZONE));
    if (maxPerZone < minPerZone) {
        check.fail("maxPerZone", `must be at least minPerZone (${minPerZone}) (got ${maxPerZone})`);
    }
    if (required && args.maxPerZone !== undefined) {
        const needed = nodesFor(required, instanceType);
        if (args.maxPerZone * zones < needed) {
            const node = allocatable(instanceType);
            check.fail(
                "maxPerZone",
                `is too small: ${args.maxPerZone} per zone × ${zones} zones = ${args.maxPerZone * zones} nodes, but the workloads at their HPAs' maximums ` +
                    `(${required.cpuMillicores}m CPU, ${required.memoryMiB} MiB, ${required.pods} pods) need ${needed} ${instanceType} nodes ` +
                    `(each ${node.cpuMillicores}m, ${node.memoryMiB} MiB, ${node.pods} pods allocatable, less ${DAEMONSET_RESERVE.cpuMillicores}m, ${DAEMONSET_RESERVE.memoryMiB} MiB, ${DAEMONSET_RESERVE.pods} pods of DaemonSets): ` +
                    `set it to at least ${Math.ceil(needed / zones)}, or leave it out to derive it`,
            );
        }
    }
    return maxPerZone;
}
