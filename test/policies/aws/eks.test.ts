import { describe, expect, it } from "vitest";
import { EKS_TYPES, eksControlPlaneLogs, eksEndpointExposure, eksNodesPrivateSubnets, eksSecretsEncryption } from "../../../policies/aws/eks";
import { ec2LaunchTemplateImdsv2 } from "../../../policies/aws/launch-templates";
import { vpcFlowLogs } from "../../../policies/aws/vpc";
import { NETWORK_TYPES } from "../../../policies/lib/network";
import { policies } from "../../../policies/pack";
import { runProgram, type RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { check, clusterProgram, KEY_ARN, messagesOf, packConfig } from "../fixtures";

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

/**
 * A resource whose listed properties come from other resources, as the engine records a program
 * that passes `other.id`: the prop holds `<other>-id` (a list for a list of targets), unless
 * `props` says otherwise (UNKNOWN in a preview), and `propertyDependencies` names the targets' URNs.
 */
function linked(type: string, name: string, props: Record<string, unknown>, from: Record<string, RecordedResource | RecordedResource[]> = {}): RecordedResource {
    const propertyDependencies: Record<string, string[]> = {};
    const values: Record<string, unknown> = {};
    for (const [property, targets] of Object.entries(from)) {
        const list = Array.isArray(targets) ? targets : [targets];
        propertyDependencies[property] = list.map((t) => t.urn);
        values[property] = Array.isArray(targets) ? list.map((t) => `${t.name}-id`) : `${list[0].name}-id`;
    }
    return fakeResource({
        type,
        name,
        props: { ...values, ...props },
        dependencies: [...new Set(Object.values(propertyDependencies).flat())],
        propertyDependencies,
    });
}

const compliantCluster = {
    roleArn: "arn:aws:iam::123456789012:role/cluster",
    version: "1.34",
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: KEY_ARN } },
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
    vpcConfig: { subnetIds: ["subnet-0a", "subnet-0b"], endpointPrivateAccess: true, endpointPublicAccess: false },
};

const cluster = (props: Record<string, unknown> = {}) => fakeResource({ type: EKS_TYPES.cluster, name: "main", props: { ...compliantCluster, ...props } });

describe("the cluster program (real classes)", () => {
    it.each([false, true])("passes the six policies and the whole pack (preview: %s), without can't-run notes", async (preview) => {
        const run = await runProgram(() => clusterProgram(), { preview });
        const six = [eksSecretsEncryption, eksControlPlaneLogs, eksEndpointExposure, eksNodesPrivateSubnets, ec2LaunchTemplateImdsv2, vpcFlowLogs];
        const report = await check(six, run.resources, { config: packConfig("prod") });
        clean(report);
        expect(report.notApplicable.filter((n) => n.urn === undefined)).toEqual([]);
        clean(await check(policies, run.resources, { config: packConfig("prod") }));
    });

    it.each([false, true])("fails its mutant on each of the six policies (preview: %s)", async (preview) => {
        const run = await runProgram(() => clusterProgram({ nodesInPublicSubnets: true, flowLog: false, hopLimit: 2, insecureCluster: true }), { preview });
        const report = await check(policies, run.resources, { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.policy, v.urn?.split("::").pop()])).toEqual([
            ["estate-ec2-launch-template-imdsv2", "nodes-lt"],
            ["estate-vpc-flow-logs", "vpc"],
            ["estate-eks-secrets-encryption", "cluster"],
            ["estate-eks-control-plane-logs", "cluster"],
            ["estate-eks-endpoint-exposure", "cluster"],
            ["estate-eks-endpoint-exposure", "cluster"],
            ["estate-eks-nodes-private-subnets", "nodes"],
            ["estate-eks-nodes-private-subnets", "nodes"],
        ]);
        expect(messagesOf(report).filter((m) => m.startsWith("EKS node group"))).toEqual(
            ["a", "b"].map((zone) => `EKS node group 'nodes' runs nodes in public subnet 'public-${zone}': RouteTable 'public-rt' has a route to InternetGateway 'igw'. Use private subnets (routes to NAT, no public IPs).`),
        );
    });

    it("fails a node group without a launch template (EKS's default one has hop limit 2)", async () => {
        const run = await runProgram(() => clusterProgram({ launchTemplate: false }));
        const report = await check(ec2LaunchTemplateImdsv2, run.resources);
        expect(messagesOf(report)).toEqual([
            "EKS node group 'nodes' has no launch template, so EKS gives it a default one whose metadata response hop limit is 2: every pod can fetch the node role's credentials. Give it a LaunchTemplate with httpTokens \"required\" and httpPutResponseHopLimit 1.",
        ]);
    });
});

describe("estate-eks-secrets-encryption", () => {
    it("passes a cluster encrypting Secrets with a KMS key, also one not known before deployment", async () => {
        clean(await check(eksSecretsEncryption, [cluster()]));
        clean(await check(eksSecretsEncryption, [cluster({ encryptionConfig: { resources: ["secrets"], provider: { keyArn: UNKNOWN } } })]));
    });

    it.each([
        [{ encryptionConfig: undefined }, 'EKS cluster \'main\' does not envelope-encrypt Secrets: encryptionConfig is not set; set it with resources ["secrets"] and a KMS key.'],
        [{ encryptionConfig: { resources: [], provider: { keyArn: KEY_ARN } } }, "EKS cluster 'main' encryptionConfig does not encrypt Secrets: resources is not set; it must include \"secrets\"."],
        [{ encryptionConfig: { resources: ["configmaps"], provider: { keyArn: KEY_ARN } } }, 'EKS cluster \'main\' encryptionConfig does not encrypt Secrets: resources is ["configmaps"]; it must include "secrets".'],
        [{ encryptionConfig: { resources: ["secrets"], provider: { keyArn: "" } } }, "EKS cluster 'main' encryptionConfig names no KMS key: provider.keyArn is \"\"; set it to a customer-managed key's ARN."],
    ])("fails mutant %#", async (props, message) => {
        const r = cluster(props);
        const report = await check(eksSecretsEncryption, [r]);
        expect(messagesOf(report)).toEqual([message]);
        expect(report.violations[0].urn).toBe(r.urn);
    });
});

describe("estate-eks-control-plane-logs", () => {
    it("passes api, audit and authenticator (and more), and a list not known before deployment", async () => {
        clean(await check(eksControlPlaneLogs, [cluster({ enabledClusterLogTypes: ["api", "audit", "authenticator", "scheduler"] })]));
        clean(await check(eksControlPlaneLogs, [cluster({ enabledClusterLogTypes: UNKNOWN })]));
    });

    it.each([
        [undefined, "EKS cluster 'main' does not send the control-plane logs api, audit, authenticator to CloudWatch Logs: enabledClusterLogTypes is not set; it must include api, audit, authenticator."],
        [["api", "authenticator"], 'EKS cluster \'main\' does not send the control-plane logs audit to CloudWatch Logs: enabledClusterLogTypes is ["api","authenticator"]; it must include api, audit, authenticator.'],
        [["audit"], 'EKS cluster \'main\' does not send the control-plane logs api, authenticator to CloudWatch Logs: enabledClusterLogTypes is ["audit"]; it must include api, audit, authenticator.'],
    ])("fails %j", async (types, message) => {
        expect(messagesOf(await check(eksControlPlaneLogs, [cluster({ enabledClusterLogTypes: types })]))).toEqual([message]);
    });
});

describe("estate-eks-endpoint-exposure", () => {
    const vpc = (config: Record<string, unknown>) => cluster({ vpcConfig: { subnetIds: ["subnet-0a"], ...config } });

    it("passes a private endpoint alone, or with a public one for listed CIDRs (known or not)", async () => {
        clean(await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: true, endpointPublicAccess: false })]));
        clean(await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] })]));
        clean(await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: true, publicAccessCidrs: [UNKNOWN] })]));
    });

    it("fails the private endpoint off, and an unset one (EKS's default is false)", async () => {
        expect(messagesOf(await check(eksEndpointExposure, [vpc({ endpointPublicAccess: false })]))).toEqual([
            "EKS cluster 'main' does not enable its private API endpoint: vpcConfig.endpointPrivateAccess is not set (EKS's default is false); set it to true so nodes and clients in the VPC reach the API server privately.",
        ]);
        expect(messagesOf(await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: false, endpointPublicAccess: false })]))).toEqual([
            "EKS cluster 'main' does not enable its private API endpoint: vpcConfig.endpointPrivateAccess is false (EKS's default is false); set it to true so nodes and clients in the VPC reach the API server privately.",
        ]);
    });

    it.each([
        [{}, "endpointPublicAccess is not set (EKS's default is true) and publicAccessCidrs is not set (EKS's default is 0.0.0.0/0); set endpointPublicAccess to false, or list the CIDRs that may reach it."],
        [{ endpointPublicAccess: true, publicAccessCidrs: [] }, "endpointPublicAccess is true and publicAccessCidrs is not set (EKS's default is 0.0.0.0/0); set endpointPublicAccess to false, or list the CIDRs that may reach it."],
        [{ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0", "::/0"] }, "endpointPublicAccess is true and publicAccessCidrs includes 0.0.0.0/0 and ::/0; set endpointPublicAccess to false, or list only the CIDRs that must reach it."],
    ])("fails a public endpoint open to the internet %#", async (config, tail) => {
        expect(messagesOf(await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: true, ...config })]))).toEqual([
            `EKS cluster 'main' opens its public API endpoint to the whole internet: ${tail}`,
        ]);
    });

    it("is mandatory with the prod config", async () => {
        const report = await check(eksEndpointExposure, [vpc({ endpointPrivateAccess: true })], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "high"]]);
    });
});

describe("estate-eks-nodes-private-subnets", () => {
    interface NetworkOptions {
        /** Props of the private subnet. */
        privateSubnet?: Record<string, unknown>;
        /** Extra resources. */
        extra?: (n: ReturnType<typeof baseNetwork>) => RecordedResource[];
        /** The node group's subnets (default the private one). */
        subnets?: (n: ReturnType<typeof baseNetwork>) => RecordedResource[];
        /** Leave out the private subnet's association (it then uses the VPC's main route table). */
        associate?: boolean;
        preview?: boolean;
    }

    function baseNetwork(opts: NetworkOptions) {
        const id = (value: string) => (opts.preview ? UNKNOWN : value);
        const vpc = fakeResource({ type: NETWORK_TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16" } });
        const igw = linked(NETWORK_TYPES.internetGateway, "igw", {}, { vpcId: vpc });
        const publicRt = linked(NETWORK_TYPES.routeTable, "public-rt", { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: id("igw-id") }] }, { vpcId: vpc, routes: igw });
        const publicSubnet = linked(NETWORK_TYPES.subnet, "public-a", { cidrBlock: "10.0.0.0/24", mapPublicIpOnLaunch: false }, { vpcId: vpc });
        const publicAssoc = linked(NETWORK_TYPES.routeTableAssociation, "public-a-rta", {}, { subnetId: publicSubnet, routeTableId: publicRt });
        const nat = linked("aws:ec2/natGateway:NatGateway", "nat", {}, { subnetId: publicSubnet });
        const privateRt = linked(NETWORK_TYPES.routeTable, "private-a-rt", {}, { vpcId: vpc });
        const natRoute = linked(NETWORK_TYPES.route, "private-a-default", { destinationCidrBlock: "0.0.0.0/0" }, { routeTableId: privateRt, natGatewayId: nat });
        const privateSubnet = linked(NETWORK_TYPES.subnet, "private-a", { cidrBlock: "10.0.64.0/18", ...opts.privateSubnet }, { vpcId: vpc });
        const privateAssoc = linked(NETWORK_TYPES.routeTableAssociation, "private-a-rta", {}, { subnetId: privateSubnet, routeTableId: privateRt });
        return { vpc, igw, publicRt, publicSubnet, publicAssoc, nat, privateRt, natRoute, privateSubnet, privateAssoc };
    }

    function network(opts: NetworkOptions = {}): { resources: RecordedResource[]; nodes: RecordedResource } {
        const n = baseNetwork(opts);
        const subnets = opts.subnets?.(n) ?? [n.privateSubnet];
        const subnetIds = opts.preview ? subnets.map(() => UNKNOWN) : undefined;
        const nodes = linked(EKS_TYPES.nodeGroup, "nodes", { clusterName: "main", scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 }, ...(subnetIds ? { subnetIds } : {}) }, { subnetIds: subnets });
        const { privateAssoc, ...rest } = n;
        return { resources: [...Object.values(rest), ...(opts.associate === false ? [] : [privateAssoc]), ...(opts.extra?.(n) ?? []), nodes], nodes };
    }

    it("passes nodes in a private subnet (route to NAT), on up and in preview, and is not applicable without node groups", async () => {
        clean(await check(eksNodesPrivateSubnets, network().resources));
        clean(await check(eksNodesPrivateSubnets, network({ preview: true }).resources));
        const report = await check(eksNodesPrivateSubnets, network().resources.filter((r) => r.type !== EKS_TYPES.nodeGroup));
        expect(report.notApplicable).toEqual([{ policy: "estate-eks-nodes-private-subnets", urn: undefined, reason: `The stack has no ${EKS_TYPES.nodeGroup}.` }]);
    });

    it("passes a subnet without an association whose VPC's main route table is untouched (only the local route)", async () => {
        clean(await check(eksNodesPrivateSubnets, network({ associate: false }).resources));
    });

    const tail = ". Use private subnets (routes to NAT, no public IPs).";

    it.each([false, true])("fails nodes in the public subnet (inline route to the internet gateway; preview: %s)", async (preview) => {
        const { resources, nodes } = network({ preview, subnets: (n) => [n.privateSubnet, n.publicSubnet] });
        const report = await check(eksNodesPrivateSubnets, resources);
        expect(messagesOf(report)).toEqual([`EKS node group 'nodes' runs nodes in public subnet 'public-a': RouteTable 'public-rt' has a route to InternetGateway 'igw'${tail}`]);
        expect(report.violations.map((v) => v.urn)).toEqual([nodes.urn]);
    });

    it("fails a subnet that maps public IPs on launch", async () => {
        const report = await check(eksNodesPrivateSubnets, network({ privateSubnet: { mapPublicIpOnLaunch: true } }).resources);
        expect(messagesOf(report)).toEqual([`EKS node group 'nodes' runs nodes in public subnet 'private-a': it assigns a public IPv4 address to every instance it launches (mapPublicIpOnLaunch true)${tail}`]);
    });

    it.each([false, true])("fails a route table given a separate aws.ec2.Route to the internet gateway (preview: %s)", async (preview) => {
        const extra = (n: ReturnType<typeof baseNetwork>) => [
            linked(NETWORK_TYPES.route, "private-a-igw", { destinationIpv6CidrBlock: "::/0", ...(preview ? { gatewayId: UNKNOWN } : {}) }, { routeTableId: n.privateRt, gatewayId: n.igw }),
        ];
        const report = await check(eksNodesPrivateSubnets, network({ preview, extra }).resources);
        expect(messagesOf(report)).toEqual([`EKS node group 'nodes' runs nodes in public subnet 'private-a': RouteTable 'private-a-rt' has a route to InternetGateway 'igw' (Route 'private-a-igw')${tail}`]);
    });

    it("fails routes to a literal internet gateway id, inline or separate", async () => {
        const extra = (n: ReturnType<typeof baseNetwork>) => [linked(NETWORK_TYPES.route, "private-a-igw", { destinationCidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }, { routeTableId: n.privateRt })];
        expect(messagesOf(await check(eksNodesPrivateSubnets, network({ extra }).resources))).toEqual([
            `EKS node group 'nodes' runs nodes in public subnet 'private-a': RouteTable 'private-a-rt' has a route to internet gateway 'igw-0abc' (Route 'private-a-igw')${tail}`,
        ]);
        const inlineRt = (n: ReturnType<typeof baseNetwork>) => linked(NETWORK_TYPES.routeTable, "legacy-rt", { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0abc" }] }, { vpcId: n.vpc });
        const withInline = network({
            associate: false,
            extra: (n) => {
                const rt = inlineRt(n);
                return [rt, linked(NETWORK_TYPES.routeTableAssociation, "private-a-legacy-rta", {}, { subnetId: n.privateSubnet, routeTableId: rt })];
            },
        });
        expect(messagesOf(await check(eksNodesPrivateSubnets, withInline.resources))).toEqual([
            `EKS node group 'nodes' runs nodes in public subnet 'private-a': RouteTable 'legacy-rt' has a route to internet gateway 'igw-0abc'${tail}`,
        ]);
    });

    it("fails a subnet without an association when the VPC's main route table goes to the internet gateway", async () => {
        const viaMain = network({ associate: false, extra: (n) => [linked(NETWORK_TYPES.mainRouteTableAssociation, "main-rt", {}, { vpcId: n.vpc, routeTableId: n.publicRt })] });
        expect(messagesOf(await check(eksNodesPrivateSubnets, viaMain.resources))).toEqual([`EKS node group 'nodes' runs nodes in public subnet 'private-a': RouteTable 'public-rt' has a route to InternetGateway 'igw'${tail}`]);
        const viaDefault = network({
            associate: false,
            extra: (n) => [linked(NETWORK_TYPES.defaultRouteTable, "default-rt", { routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-id" }] }, { defaultRouteTableId: n.vpc, routes: n.igw })],
        });
        expect(messagesOf(await check(eksNodesPrivateSubnets, viaDefault.resources))).toEqual([`EKS node group 'nodes' runs nodes in public subnet 'private-a': DefaultRouteTable 'default-rt' has a route to InternetGateway 'igw'${tail}`]);
    });

    it("fails subnets and route tables from outside the stack: they cannot be verified", async () => {
        const literal = fakeResource({ type: EKS_TYPES.nodeGroup, name: "nodes", props: { clusterName: "main", subnetIds: ["subnet-0a1b", "subnet-0c2d"] } });
        expect(messagesOf(await check(eksNodesPrivateSubnets, [literal]))).toEqual([
            "EKS node group 'nodes' runs nodes in 2 subnets ('subnet-0a1b', 'subnet-0c2d') that are not Subnets of this stack: whether they are private cannot be verified; create the subnets in this stack and pass their ids.",
        ]);
        // In a preview the stack's own subnet id is unknown: the known one is the outsider.
        const n = network({ preview: true });
        const mixed = { ...n.nodes, inputs: fakeResource({ type: EKS_TYPES.nodeGroup, name: "nodes", props: { clusterName: "main", subnetIds: [UNKNOWN, "subnet-0c2d"] } }).inputs };
        expect(messagesOf(await check(eksNodesPrivateSubnets, [...n.resources.filter((r) => r !== n.nodes), mixed]))).toEqual([
            "EKS node group 'nodes' runs nodes in 1 subnet ('subnet-0c2d') that is not a Subnet of this stack: whether they are private cannot be verified; create the subnets in this stack and pass their ids.",
        ]);
        const foreignRt = network({ associate: false, extra: (n2) => [linked(NETWORK_TYPES.routeTableAssociation, "private-a-rta", { routeTableId: "rtb-0abc" }, { subnetId: n2.privateSubnet })] });
        expect(messagesOf(await check(eksNodesPrivateSubnets, foreignRt.resources))).toEqual([
            "EKS node group 'nodes' runs nodes in subnet 'private-a', whose routes cannot be verified: RouteTableAssociation 'private-a-rta' associates it with route table 'rtb-0abc', which is not a RouteTable of this stack.",
        ]);
    });
});
