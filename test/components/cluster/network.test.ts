import { describe, expect, it } from "vitest";
import { EKS_UNSUPPORTED_ZONE_IDS, flowLogGroupName, Network, subnetPlan, zoneAt, type NetworkArgs } from "../../../components/cluster/network";
import { MOCK_ACCOUNT_ID, runProgram, type RunOptions } from "../../../scripts/engine/mock-engine";
import { Built, buildError } from "../data/harness";

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    eip: "aws:ec2/eip:Eip",
    nat: "aws:ec2/natGateway:NatGateway",
    routeTable: "aws:ec2/routeTable:RouteTable",
    route: "aws:ec2/route:Route",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    igw: "aws:ec2/internetGateway:InternetGateway",
    defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    flowLog: "aws:ec2/flowLog:FlowLog",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    key: "aws:kms/key:Key",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

const REGION = "eu-west-1";

/** Runs a Network "net" in eu-west-1 (three zones in the mock), exporting its outputs. */
async function network(args: NetworkArgs = {}, opts: RunOptions = {}): Promise<Built> {
    return new Built(
        await runProgram(
            () => {
                const n = new Network("net", args);
                return {
                    vpcId: n.vpcId,
                    cidrBlock: n.cidrBlock,
                    availabilityZones: n.availabilityZones,
                    privateSubnetIds: n.privateSubnetIds,
                    privateSubnetCidrs: n.privateSubnetCidrs,
                    publicSubnetIds: n.publicSubnetIds,
                    flowLogGroupName: n.flowLogGroupName,
                };
            },
            { config: { "aws:region": REGION }, ...opts },
        ),
    );
}

const urn = (b: Built, name: string) => b.resource(name).urn;

describe("Network with defaults (3 zones, a NAT per zone)", () => {
    it("builds a VPC with DNS support and hostnames on, and locks its default security group (no rules)", async () => {
        const b = await network();
        expect(b.inputs("net-vpc", T.vpc)).toMatchObject({ cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
        expect(b.inputs("net-default-sg", T.defaultSg)).toMatchObject({ vpcId: "net-vpc-id", ingress: [], egress: [] });
        expect(b.outputs()).toMatchObject({ vpcId: "net-vpc-id", cidrBlock: "10.0.0.0/16" });
    });

    it("puts 3 private and 3 public subnets in 3 distinct zones, in zone order, none mapping public IPs", async () => {
        const b = await network();
        const plan = subnetPlan("10.0.0.0/16", 3);
        const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        for (const tier of ["private", "public"] as const) {
            const subnets = [1, 2, 3].map((k) => b.inputs(`net-${tier}-${k}`, T.subnet));
            expect(subnets.map((s) => s.availabilityZone)).toEqual(zones);
            expect(subnets.map((s) => s.cidrBlock)).toEqual(plan[tier]);
            expect(subnets.every((s) => s.mapPublicIpOnLaunch === false && s.vpcId === "net-vpc-id")).toBe(true);
        }
        expect(b.ofType(T.subnet)).toHaveLength(6);
        expect(b.outputs()).toMatchObject({
            availabilityZones: zones,
            privateSubnetIds: ["net-private-1-id", "net-private-2-id", "net-private-3-id"],
            publicSubnetIds: ["net-public-1-id", "net-public-2-id", "net-public-3-id"],
            privateSubnetCidrs: plan.private,
        });
    });

    it("tags the subnets for the AWS Load Balancer Controller's discovery, and for the cluster when named", async () => {
        const b = await network({ clusterName: "estate" });
        expect(b.inputs("net-public-1", T.subnet).tags).toEqual({ Name: "net-public-1", "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/estate": "shared" });
        expect(b.inputs("net-private-2", T.subnet).tags).toEqual({ Name: "net-private-2", "kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/estate": "shared" });
        const unnamed = await network();
        expect(unnamed.inputs("net-private-1", T.subnet).tags).toEqual({ Name: "net-private-1", "kubernetes.io/role/internal-elb": "1" });
    });

    it("routes the public subnets to the internet gateway through one route table", async () => {
        const b = await network();
        expect(b.inputs("net-public-internet", T.route)).toMatchObject({ destinationCidrBlock: "0.0.0.0/0", gatewayId: "net-igw-id", routeTableId: "net-public-rt-id" });
        expect(b.inputs("net-igw", T.igw).vpcId).toBe("net-vpc-id");
        for (const k of [1, 2, 3]) {
            expect(b.inputs(`net-public-${k}-rta`, T.association)).toEqual({ subnetId: `net-public-${k}-id`, routeTableId: "net-public-rt-id" });
        }
    });

    it("gives each zone a NAT gateway (with its Elastic IP) in its public subnet, and each private route table its zone's NAT", async () => {
        const b = await network();
        expect(b.ofType(T.nat)).toHaveLength(3);
        expect(b.ofType(T.eip)).toHaveLength(3);
        for (const k of [1, 2, 3]) {
            expect(b.inputs(`net-nat-${k}-eip`, T.eip).domain).toBe("vpc");
            expect(b.inputs(`net-nat-${k}`, T.nat)).toMatchObject({ subnetId: `net-public-${k}-id`, connectivityType: "public", allocationId: expect.stringMatching(/^eipalloc-[0-9a-f]{17}$/) });
            expect(b.resource(`net-nat-${k}`, T.nat).propertyDependencies.allocationId).toEqual([urn(b, `net-nat-${k}-eip`)]);
            // The internet gateway is attached before the Elastic IP and the NAT, as terraform-aws-vpc orders them.
            expect(b.resource(`net-nat-${k}`, T.nat).dependencies).toContain(urn(b, "net-igw"));
            expect(b.resource(`net-nat-${k}-eip`, T.eip).dependencies).toContain(urn(b, "net-igw"));
            expect(b.inputs(`net-private-${k}-nat`, T.route)).toEqual({ destinationCidrBlock: "0.0.0.0/0", natGatewayId: `net-nat-${k}-id`, routeTableId: `net-private-${k}-rt-id` });
            expect(b.inputs(`net-private-${k}-rta`, T.association)).toEqual({ subnetId: `net-private-${k}-id`, routeTableId: `net-private-${k}-rt-id` });
        }
        // No private route table reaches the internet gateway.
        const privateTables = [1, 2, 3].map((k) => urn(b, `net-private-${k}-rt`));
        const routesToIgw = b.ofType(T.route).filter((r) => r.propertyDependencies.gatewayId?.includes(urn(b, "net-igw")));
        expect(routesToIgw.flatMap((r) => r.propertyDependencies.routeTableId)).toEqual([urn(b, "net-public-rt")]);
        expect(routesToIgw.flatMap((r) => r.propertyDependencies.routeTableId).some((t) => privateTables.includes(t!))).toBe(false);
    });

    it("logs ALL of the VPC's traffic to a CloudWatch log group encrypted with a rotating key made for it, kept 365 days", async () => {
        const b = await network();
        const keyArn = `arn:aws:kms:${REGION}:${MOCK_ACCOUNT_ID}:key/net-flow-log-key`;
        const groupName = flowLogGroupName("net-vpc-id");
        expect(groupName).toBe("/aws/vpc-flow-log/net-vpc-id");
        expect(b.inputs("net-flow-log", T.logGroup)).toMatchObject({ name: groupName, kmsKeyId: keyArn, retentionInDays: 365 });
        expect(b.inputs("net-flow-log", T.flowLog)).toMatchObject({ vpcId: "net-vpc-id", trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
        const flowLog = b.resource("net-flow-log", T.flowLog);
        expect(flowLog.propertyDependencies.logDestination).toEqual([b.resource("net-flow-log", T.logGroup).urn]);
        expect(flowLog.propertyDependencies.vpcId).toEqual([urn(b, "net-vpc")]);
        expect(flowLog.propertyDependencies.iamRoleArn).toEqual([urn(b, "net-flow-log-role")]);
        expect(b.resource("net-flow-log", T.logGroup).propertyDependencies.kmsKeyId).toEqual([urn(b, "net-flow-log-key")]);
        expect(b.inputs("net-flow-log-key", T.key)).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(b.outputs().flowLogGroupName).toBe(groupName);
    });

    it("lets CloudWatch Logs use the key for the flow log group only, and nobody else but the account's IAM", async () => {
        const b = await network();
        const policy = JSON.parse(b.inputs("net-flow-log-key", T.key).policy) as { Statement: Record<string, unknown>[] };
        expect(policy.Statement).toEqual([
            { Sid: "AccountIamDecides", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOCK_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogsForTheFlowLogGroup",
                Effect: "Allow",
                Principal: { Service: `logs.${REGION}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${REGION}:${MOCK_ACCOUNT_ID}:log-group:/aws/vpc-flow-log/net-vpc-id` } },
            },
        ]);
    });

    it("writes through a role only VPC Flow Logs of this account may assume, allowed to write the one log group", async () => {
        const b = await network();
        expect(JSON.parse(b.inputs("net-flow-log-role", T.role).assumeRolePolicy)).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "VpcFlowLogsOfThisAccount",
                    Effect: "Allow",
                    Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: {
                        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
                        ArnLike: { "aws:SourceArn": `arn:aws:ec2:${REGION}:${MOCK_ACCOUNT_ID}:vpc-flow-log/*` },
                    },
                },
            ],
        });
        const permissions = JSON.parse(b.inputs("net-flow-log-write", T.rolePolicy).policy) as { Statement: Record<string, unknown>[] };
        expect(permissions.Statement).toEqual([
            {
                Sid: "WriteTheFlowLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                Resource: `arn:aws:logs:${REGION}:${MOCK_ACCOUNT_ID}:log-group:/aws/vpc-flow-log/net-vpc-id:*`,
            },
        ]);
        expect(b.resource("net-flow-log-write", T.rolePolicy).propertyDependencies.role).toEqual([urn(b, "net-flow-log-role")]);
        // The role holds its permissions before the flow log delivers.
        expect(b.resource("net-flow-log", T.flowLog).dependencies).toContain(urn(b, "net-flow-log-write"));
    });

    it("routes S3 through a gateway endpoint on the private route tables only", async () => {
        const b = await network();
        expect(b.inputs("net-s3", T.endpoint)).toEqual({
            vpcId: "net-vpc-id",
            vpcEndpointType: "Gateway",
            serviceName: `com.amazonaws.${REGION}.s3`,
            routeTableIds: ["net-private-1-rt-id", "net-private-2-rt-id", "net-private-3-rt-id"],
            tags: { Name: "net-s3" },
        });
        expect(b.resource("net-s3", T.endpoint).propertyDependencies.routeTableIds?.sort()).toEqual([1, 2, 3].map((k) => urn(b, `net-private-${k}-rt`)).sort());
    });

    it("protects the flow log key and keeps the log group when the stack deletes it", async () => {
        const b = await network();
        expect([b.resource("net-flow-log-key", T.key).protect, b.resource("net-flow-log-key", T.key).retainOnDelete]).toEqual([true, true]);
        expect(b.resource("net-flow-log", T.logGroup).retainOnDelete).toBe(true);
    });

    it("passes every policy of the pack with the prod and the dev config, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const b = await network({}, { preview });
            for (const stack of ["prod", "dev"] as const) {
                const report = await b.policyReport(stack);
                expect(report.violations.filter((v) => !v.message.startsWith("can't run policy")), `${stack}, preview ${preview}`).toEqual([]);
            }
        }
    });
});

describe("Network overrides", () => {
    it("single: one NAT gateway in the first zone, every private route table routed to it", async () => {
        const b = await network({ natGateways: "single" });
        expect(b.ofType(T.nat).map((r) => r.name)).toEqual(["net-nat-1"]);
        expect(b.ofType(T.eip)).toHaveLength(1);
        expect(b.inputs("net-nat-1", T.nat).subnetId).toBe("net-public-1-id");
        for (const k of [1, 2, 3]) {
            expect(b.inputs(`net-private-${k}-nat`, T.route)).toMatchObject({ natGatewayId: "net-nat-1-id", routeTableId: `net-private-${k}-rt-id` });
        }
    });

    it("2 zones, another block, a shorter retention, unprotected (dev)", async () => {
        const b = await network({ zones: 2, cidrBlock: "172.20.0.0/16", flowLogRetentionDays: 30, protectData: false, natGateways: "single" });
        expect(b.ofType(T.subnet).map((r) => b.inputs(r.name).cidrBlock).sort()).toEqual(["172.20.0.0/18", "172.20.192.0/22", "172.20.196.0/22", "172.20.64.0/18"]);
        expect(b.outputs().availabilityZones).toEqual(["eu-west-1a", "eu-west-1b"]);
        expect(b.ofType(T.routeTable)).toHaveLength(3);
        expect(b.inputs("net-flow-log", T.logGroup).retentionInDays).toBe(30);
        expect([b.resource("net-flow-log-key", T.key).protect, b.resource("net-flow-log", T.logGroup).retainOnDelete]).toEqual([false, false]);
    });

    it("passes region and tags to every AWS resource that takes them", async () => {
        const b = await network({ region: "eu-central-1", tags: { team: "platform" } }, { config: { "aws:region": REGION } });
        const aws = b.run.resources.filter((r) => r.type.startsWith("aws:"));
        for (const r of aws.filter((r) => !r.type.startsWith("aws:iam/"))) {
            expect(b.inputs(r.name, r.type).region, `${r.type} ${r.name}`).toBe("eu-central-1");
        }
        const untaggable = new Set<string>([T.route, T.association, T.rolePolicy, "aws:kms/alias:Alias"]);
        for (const r of aws.filter((r) => !untaggable.has(r.type))) {
            expect(b.inputs(r.name, r.type).tags, `${r.type} ${r.name}`).toMatchObject({ team: "platform", Name: expect.stringMatching(/^net-/) });
        }
        expect(b.inputs("net-s3", T.endpoint).serviceName).toBe("com.amazonaws.eu-central-1.s3");
        expect(b.inputs("net-private-1", T.subnet).availabilityZone).toBe("eu-central-1a");
        expect(JSON.parse(b.inputs("net-flow-log-key", T.key).policy).Statement[1].Principal).toEqual({ Service: "logs.eu-central-1.amazonaws.com" });
    });

    it(`skips the zones EKS refuses (${EKS_UNSUPPORTED_ZONE_IDS.join(", ")}): in us-east-1 the mock's use1-az3 is left out`, async () => {
        const b = await network({ zones: 2 }, { config: { "aws:region": "us-east-1" } });
        expect(b.outputs().availabilityZones).toEqual(["us-east-1a", "us-east-1b"]);
        // Fewer usable zones than asked: the subnets' zones do not resolve, so the program fails before creating any.
        expect(() => zoneAt('Network "net"', ["us-east-1a", "us-east-1b"], 3, 0)).toThrow(
            'Network "net": zones is 3, but the region offers only 2 zones EKS accepts (us-east-1a, us-east-1b): set zones to 2',
        );
        expect(zoneAt('Network "net"', ["us-east-1a", "us-east-1b", "us-east-1d"], 3, 2)).toBe("us-east-1d");
    });
});

describe("Network refuses invalid arguments, naming them, registering nothing", () => {
    it.each<[string, NetworkArgs, RegExp]>([
        ["a public block", { cidrBlock: "8.8.0.0/16" }, /Network "net": cidrBlock must lie in an RFC 1918 private range .* \(got "8\.8\.0\.0\/16"\)/],
        ["a block too large", { cidrBlock: "10.0.0.0/12" }, /cidrBlock must be a \/16 to a \/20/],
        ["a block too small", { cidrBlock: "10.0.0.0/24" }, /cidrBlock must be a \/16 to a \/20/],
        ["host bits", { cidrBlock: "10.0.4.0/16" }, /cidrBlock must be a network address: host bits are set \(did you mean 10\.0\.0\.0\/16\?\)/],
        ["not a CIDR", { cidrBlock: "10.0.0.0" }, /cidrBlock must be an IPv4 CIDR block such as 10\.0\.0\.0\/16 \(got "10\.0\.0\.0"\)/],
        ["one zone", { zones: 1 }, /Network "net": zones must be 2 or 3 \(got 1\)/],
        ["four zones", { zones: 4 }, /zones must be 2 or 3 \(got 4\)/],
        ["a fraction of a zone", { zones: 2.5 }, /zones must be 2 or 3 \(got 2\.5\)/],
        ["an unknown NAT mode", { natGateways: "none" as NetworkArgs["natGateways"] }, /natGateways must be one of perZone, single \(got "none"\)/],
        ["a retention CloudWatch refuses", { flowLogRetentionDays: 10 }, /flowLogRetentionDays must be a CloudWatch Logs retention \(1, 3, 5, .*3653\) \(got 10\)/],
        ["never expiring logs", { flowLogRetentionDays: 0 }, /flowLogRetentionDays must be a CloudWatch Logs retention/],
        ["a bad cluster name", { clusterName: "-estate" }, /clusterName must be an EKS cluster name/],
    ])("%s", async (_, args, message) => {
        const { message: error, registered } = await buildError(() => new Network("net", args));
        expect(error).toMatch(message);
        expect(registered.filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});
