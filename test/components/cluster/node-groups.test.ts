import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    allocatable,
    DAEMONSET_RESERVE,
    ebsKeyPolicy,
    INSTANCE_TYPES,
    kubeReservedCpuMillicores,
    kubeReservedMemoryMiB,
    maxPerZoneFor,
    NodeGroups,
    nodesFor,
    type NodeGroupsArgs,
} from "../../../components/cluster/node-groups";
import { clusterProvider, EksCluster } from "../../../components/cluster/eks-cluster";
import { Network } from "../../../components/cluster/network";
import { MOCK_ACCOUNT_ID, runProgram, type RunOptions } from "../../../scripts/engine/mock-engine";
import { Built, buildError, KEY } from "../data/harness";

const T = { group: "aws:eks/nodeGroup:NodeGroup", template: "aws:ec2/launchTemplate:LaunchTemplate", key: "aws:kms/key:Key", attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment" };
const SUBNETS = ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b02", "subnet-0a1b2c3d4e5f60c03"];

/** A stand-in for the aws.eks.Cluster the node groups wait for. */
class FakeCluster extends pulumi.CustomResource {
    constructor() {
        super("test:index:Cluster", "cluster", {});
    }
}

async function nodes(args: Partial<NodeGroupsArgs> = {}, opts: RunOptions = {}): Promise<Built> {
    return new Built(
        await runProgram(() => {
            const groups = new NodeGroups("workers", { clusterName: "estate", cluster: new FakeCluster(), subnetIds: SUBNETS, region: "eu-west-1", ...args });
            return { maxNodes: groups.maxNodes, nodeRoleArn: groups.nodeRoleArn };
        }, opts),
    );
}

describe("nodesFor and the figures behind it", () => {
    it("reserves CPU as nodeadm does: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% beyond", () => {
        expect([1, 2, 4, 8, 16].map(kubeReservedCpuMillicores)).toEqual([60, 70, 80, 90, 110]);
        expect([29, 58].map(kubeReservedMemoryMiB)).toEqual([574, 893]);
    });

    it("gives the allocatable Karpenter publishes for these types (AL2023, no prefix delegation)", () => {
        expect(allocatable("m7i.large")).toEqual({ cpuMillicores: 1930, memoryMiB: 6903, pods: 29 });
        expect(allocatable("m7i.xlarge")).toEqual({ cpuMillicores: 3920, memoryMiB: 14162, pods: 58 });
        expect(allocatable("m7i.2xlarge")).toEqual({ cpuMillicores: 7910, memoryMiB: 29317, pods: 58 });
        expect(allocatable("m7g.large")).toEqual({ cpuMillicores: 1930, memoryMiB: 6844, pods: 29 });
        expect(allocatable("m7g.xlarge")).toEqual({ cpuMillicores: 3920, memoryMiB: 14103, pods: 58 });
        expect(() => allocatable("t3.micro")).toThrow(/unknown instance type "t3.micro"/);
    });

    it("takes the most any of CPU, memory and pods needs, after the DaemonSets on every node", () => {
        // An m7i.large leaves 1630m, 6503 MiB and 24 pods for workloads.
        expect(nodesFor({ cpuMillicores: 0, memoryMiB: 0, pods: 0 }, "m7i.large")).toBe(1);
        expect(nodesFor({ cpuMillicores: 1630, memoryMiB: 100, pods: 1 }, "m7i.large")).toBe(1);
        expect(nodesFor({ cpuMillicores: 1631, memoryMiB: 100, pods: 1 }, "m7i.large")).toBe(2);
        expect(nodesFor({ cpuMillicores: 1000, memoryMiB: 6503 * 3 + 1, pods: 10 }, "m7i.large")).toBe(4);
        expect(nodesFor({ cpuMillicores: 1000, memoryMiB: 1000, pods: 24 * 5 }, "m7i.large")).toBe(5);
        expect(nodesFor({ cpuMillicores: 1000, memoryMiB: 1000, pods: 24 * 5 }, "m7i.xlarge")).toBe(3);
        // Without DaemonSets the node's whole allocatable counts.
        expect(nodesFor({ cpuMillicores: 1930, memoryMiB: 6903, pods: 29 }, "m7i.large", { cpuMillicores: 0, memoryMiB: 0, pods: 0 })).toBe(1);
        expect(DAEMONSET_RESERVE.pods).toBeLessThan(Math.min(...Object.values(INSTANCE_TYPES).map((t) => t.maxPods)));
    });

    it("derives nodes per zone as the even share plus one", () => {
        expect(maxPerZoneFor({ cpuMillicores: 8000, memoryMiB: 8000, pods: 40 }, "m7i.large", 3)).toBe(3); // 5 nodes: 2 per zone + 1
        expect(maxPerZoneFor({ cpuMillicores: 100, memoryMiB: 100, pods: 1 }, "m7i.large", 3)).toBe(2);
    });
});

describe("NodeGroups with defaults", () => {
    it("makes one managed node group per subnet, AL2023 on m7i.large, scaling 1..3 per zone, desiredSize left to the autoscaler", async () => {
        const b = await nodes();
        const groups = b.ofType(T.group);
        expect(groups.map((g) => b.inputs(g.name, T.group).subnetIds)).toEqual(SUBNETS.map((s) => [s]));
        for (const group of groups) {
            expect(b.inputs(group.name, T.group)).toMatchObject({
                clusterName: "estate",
                amiType: "AL2023_x86_64_STANDARD",
                instanceTypes: ["m7i.large"],
                capacityType: "ON_DEMAND",
                scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 },
                updateConfig: { maxUnavailable: 1 },
                labels: { "estate.io/node-group": "workers" },
                launchTemplate: { id: "workers-nodes-id", version: "1" },
                region: "eu-west-1",
            });
            expect(group.ignoreChanges).toEqual(["scalingConfig.desiredSize"]);
            expect(group.propertyDependencies.launchTemplate).toEqual([b.resource("workers-nodes", T.template).urn]);
            expect(group.dependencies).toEqual(expect.arrayContaining([b.resource("cluster").urn, ...b.ofType(T.attachment).map((r) => r.urn)]));
        }
        expect(b.outputs().maxNodes).toBe(9);
    });

    it("launch template: IMDSv2 required at hop limit 1, an encrypted gp3 root volume under the CMK, no security groups, tagged instances and volumes", async () => {
        const b = await nodes({ tags: { team: "platform" } });
        const template = b.inputs("workers-nodes", T.template);
        expect(template.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
        const keyArn = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/workers-ebs-key`;
        expect(template.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 50, encrypted: "true", kmsKeyId: keyArn, deleteOnTermination: "true" } }]);
        expect(template).not.toHaveProperty("vpcSecurityGroupIds");
        expect(template).not.toHaveProperty("imageId");
        expect(template.tagSpecifications.map((t: { resourceType: string }) => t.resourceType)).toEqual(["instance", "volume", "network-interface"]);
        expect(template.tagSpecifications[0].tags).toEqual({ team: "platform", "estate:node-group": "workers" });
        expect(b.inputs("workers-ebs-key")).toMatchObject({ enableKeyRotation: true });
        expect([b.resource("workers-ebs-key").protect, b.resource("workers-ebs-key").retainOnDelete]).toEqual([true, true]);
    });

    it("the node role: EC2 trust, the worker and ECR read-only policies, no CNI policy", async () => {
        const b = await nodes();
        expect(JSON.parse(b.inputs("workers-node-role").assumeRolePolicy).Statement[0]).toMatchObject({ Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
        expect(b.ofType(T.attachment).map((r) => b.inputs(r.name, T.attachment).policyArn)).toEqual([
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        ]);
    });

    it("the EBS key lets EC2 Auto Scaling's service-linked role use it, named by condition so an empty account takes the policy", () => {
        const statements = ebsKeyPolicy(MOCK_ACCOUNT_ID, "aws").Statement;
        const slr = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
        expect(statements).toContainEqual(expect.objectContaining({ Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Condition: { ArnEquals: { "aws:PrincipalArn": slr } } }));
        expect(statements).toContainEqual(expect.objectContaining({ Action: "kms:CreateGrant", Condition: { ArnEquals: { "aws:PrincipalArn": slr }, Bool: { "kms:GrantIsForAWSResource": "true" } } }));
    });

    it("with the estate's network and cluster, passes every policy with the prod config, on up and in preview", async () => {
        const program = () => {
            const network = new Network("net", { clusterName: "estate", region: "eu-west-1" });
            const cluster = new EksCluster("estate", { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, adminRoleArns: [`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/estate-deployer`], region: "eu-west-1" });
            const groups = new NodeGroups("workers", { clusterName: cluster.clusterName, cluster: cluster.cluster, subnetIds: network.privateSubnetIds, region: "eu-west-1" });
            clusterProvider("estate-k8s", cluster, groups.groups);
            return {};
        };
        for (const preview of [false, true]) {
            const b = new Built(await runProgram(program, { preview, config: { "aws:region": "eu-west-1" } }));
            expect(b.ofType(T.group)).toHaveLength(3);
            const report = await b.policyReport("prod");
            expect(report.violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
        }
    });
});

describe("NodeGroups overrides", () => {
    it("Bottlerocket: the OS volume /dev/xvda and the data volume /dev/xvdb, both encrypted with the given key", async () => {
        const b = await nodes({ amiType: "BOTTLEROCKET_ARM_64", instanceType: "m7g.xlarge", diskGb: 80, kmsKeyArn: KEY });
        expect(b.inputs("workers-nodes", T.template).blockDeviceMappings).toEqual([
            { deviceName: "/dev/xvda", ebs: { volumeType: "gp3", encrypted: "true", kmsKeyId: KEY, deleteOnTermination: "true" } },
            { deviceName: "/dev/xvdb", ebs: { volumeType: "gp3", volumeSize: 80, encrypted: "true", kmsKeyId: KEY, deleteOnTermination: "true" } },
        ]);
        expect(b.inputs("workers-zone-0", T.group)).toMatchObject({ amiType: "BOTTLEROCKET_ARM_64", instanceTypes: ["m7g.xlarge"] });
        expect(b.ofType(T.key)).toEqual([]);
    });

    it("derives maxPerZone from what must fit, and the total the autoscaler may reach", async () => {
        // 12 m7i.large nodes' worth of CPU: 4 per zone, plus one.
        const b = await nodes({ required: { cpuMillicores: 1630 * 12, memoryMiB: 4096, pods: 60 }, minPerZone: 2 });
        expect(b.inputs("workers-zone-0", T.group).scalingConfig).toEqual({ minSize: 2, maxSize: 5, desiredSize: 2 });
        expect(b.outputs().maxNodes).toBe(15);
    });

    it("keeps a given maxPerZone that holds what must fit", async () => {
        const b = await nodes({ required: { cpuMillicores: 1630 * 12, memoryMiB: 4096, pods: 60 }, maxPerZone: 4 });
        expect(b.inputs("workers-zone-2", T.group).scalingConfig).toMatchObject({ maxSize: 4 });
    });
});

describe("NodeGroups refuses invalid arguments, registering nothing", () => {
    it("a maxPerZone too small for the workloads, naming it and the figures", async () => {
        const { message, registered } = await buildError(
            () => new NodeGroups("workers", { clusterName: "estate", cluster: new FakeCluster(), subnetIds: SUBNETS, required: { cpuMillicores: 1630 * 12, memoryMiB: 4096, pods: 60 }, maxPerZone: 3 }),
        );
        expect(message).toBe(
            'NodeGroups "workers": maxPerZone is too small: 3 per zone × 3 zones = 9 nodes, but the workloads at their HPAs\' maximums (19560m CPU, 4096 MiB, 60 pods) need 12 m7i.large nodes ' +
                "(each 1930m, 6903 MiB, 29 pods allocatable, less 300m, 400 MiB, 5 pods of DaemonSets): set it to at least 4, or leave it out to derive it",
        );
        expect(registered.filter((t) => t.startsWith("aws:"))).toEqual([]);
    });

    it.each<[string, Partial<NodeGroupsArgs>, RegExp]>([
        ["an instance type without figures", { instanceType: "t3.medium" }, /instanceType must be one of m6i.large, .* \(got "t3.medium"\)/],
        ["an Arm type on an x86 AMI", { instanceType: "m7g.large" }, /instanceType is an arm64 type, but amiType AL2023_x86_64_STANDARD is for x86_64/],
        ["an unknown AMI type", { amiType: "AL2_x86_64" as NodeGroupsArgs["amiType"] }, /amiType must be one of AL2023_x86_64_STANDARD/],
        ["max below min", { minPerZone: 4, maxPerZone: 2 }, /maxPerZone must be at least minPerZone \(4\) \(got 2\)/],
        ["no subnets", { subnetIds: [] }, /subnetIds must list the private subnets/],
        ["a tiny disk", { diskGb: 8 }, /diskGb must be an integer from 20 to 16384/],
        ["a key alias instead of an ARN", { kmsKeyArn: "alias/ebs" }, /kmsKeyArn must be a KMS key ARN/],
    ])("%s", async (_what, args, pattern) => {
        const { message, registered } = await buildError(() => new NodeGroups("workers", { clusterName: "estate", cluster: new FakeCluster(), subnetIds: SUBNETS, ...args }));
        expect(message).toMatch(/^NodeGroups "workers": /);
        expect(message).toMatch(pattern);
        expect(registered.filter((t) => t.startsWith("aws:"))).toEqual([]);
    });
});
