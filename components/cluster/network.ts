/**
 * `Network`: the VPC an EKS cluster and the managed data services live in: a private and a public
 * subnet in each of 2 or 3 zones, NAT gateways (one per zone, or a single one), an internet gateway,
 * the default security group emptied, a flow log of all traffic to a KMS-encrypted CloudWatch log
 * group, an S3 gateway endpoint, and the subnet tags the AWS Load Balancer Controller discovers.
 *
 * Built from raw `@pulumi/aws` resources the way terraform-aws-modules/terraform-aws-vpc (v6.6.0,
 * main.tf and vpc-flow-logs.tf) builds one, with the estate's stricter defaults:
 *
 * - one private and one public subnet per zone (2 or 3 zones), in zone order; the private subnets are
 *   large, because with the VPC CNI every pod takes a VPC address;
 * - an internet gateway for the public subnets, which hold only NAT gateways and load balancers
 *   (`mapPublicIpOnLaunch` stays false even there);
 * - NAT gateways (one per zone, or a single one) with their Elastic IPs, and one private route
 *   table per zone whose default route goes to its zone's NAT (or the single NAT);
 * - the VPC's default security group adopted and emptied (terraform-aws-vpc's
 *   `manage_default_security_group`, default true, with no rules);
 * - a VPC flow log of ALL traffic to a CloudWatch log group encrypted with a customer-managed key
 *   made here for it, through an IAM role that only VPC Flow Logs of this account may assume;
 * - an S3 gateway endpoint on the private route tables (S3 traffic, such as ECR image layers and
 *   backups, stays off the NAT gateways);
 * - the subnet tags the AWS Load Balancer Controller discovers subnets by.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DATA_KEY_DELETION_WINDOW_DAYS } from "../data/keys";
import { LOG_RETENTION_DAYS } from "../data/logs";
import { ArgChecker, describe, withoutUndefined } from "../lib/args";
import { guardedKeyPolicy } from "../lib/key-guard";
import { subnetPlan, vpcCidrProblem, zonesProblem } from "./subnet-plan";

export { cidrSubnet, NETWORK_ZONES, subnetPlan, VPC_PREFIX, vpcCidrProblem, type SubnetPlan } from "./subnet-plan";

export interface NetworkArgs {
    /**
     * The VPC's IPv4 block: a network address (no host bits set) from the RFC 1918 private ranges
     * (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), a /16 to a /20. `subnetPlan` carves it: a quarter
     * per zone for the private subnets, small public subnets from the last quarter, the rest kept
     * free. Default: `10.0.0.0/16`.
     */
    cidrBlock?: string;
    /** Availability zones to spread over, 2 or 3; one private and one public subnet each. Default: `3`. */
    zones?: number;
    /**
     * `perZone`: a NAT gateway (and an Elastic IP) in each zone, so losing a zone never cuts the
     * others off the internet. `single`: one NAT gateway in the first zone for every private subnet
     * (cheaper, for dev; a zone outage takes the egress of all zones). Default: `perZone`.
     */
    natGateways?: "perZone" | "single";
    /**
     * Days CloudWatch Logs keeps the VPC flow log, one of the retentions it accepts (1, 3, 5, 7, 14,
     * 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
     * Default: `365`.
     */
    flowLogRetentionDays?: number;
    /**
     * The EKS cluster that uses the subnets: they are also tagged `kubernetes.io/cluster/<name>:
     * shared`. The load balancer role tags (`kubernetes.io/role/elb` on the public subnets,
     * `kubernetes.io/role/internal-elb` on the private ones) are always set. Default: none.
     */
    clusterName?: string;
    /**
     * Guard the flow logs: `protect` and `retainOnDelete` on their KMS key, `retainOnDelete` on the log
     * group. Set `false` only for throwaway (dev) stacks. Default: `true`.
     */
    protectData?: boolean;
    /** The AWS region of every resource. Default: the provider's region. */
    region?: string;
    /** Tags for every taggable resource (each also gets a `Name`). Default: none. */
    tags?: Record<string, string>;
}

const TYPE = "estate:cluster:Network";

const defaults = {
    cidrBlock: "10.0.0.0/16",
    zones: 3,
    natGateways: "perZone" as "perZone" | "single",
    flowLogRetentionDays: 365,
    protectData: true as boolean,
    tags: {} as Record<string, string>,
} satisfies Partial<NetworkArgs>;

export const NAT_GATEWAY_MODES = ["perZone", "single"] as const;

/**
 * Zone ids EKS refuses cluster subnets in ("The subnets can't reside in the following Availability
 * Zones": use1-az3, usw1-az2, cac1-az3; awsdocs/amazon-eks-user-guide
 * latest/ug/networking/network-reqs.adoc, "Subnet requirements for clusters"). Zone ids are unique
 * across regions, so excluding all three everywhere is exact.
 */
export const EKS_UNSUPPORTED_ZONE_IDS = ["use1-az3", "usw1-az2", "cac1-az3"] as const;

// ---------------------------------------------------------------------------------------------
// Policies (pure)

/**
 * The trust policy of the flow log role: VPC Flow Logs may assume it only for flow logs of this
 * account in this region. AWS: "We recommend that you use the aws:SourceAccount and aws:SourceArn
 * condition keys to protect yourself against the confused deputy problem", with the ARN
 * `arn:aws:ec2:region:account_id:vpc-flow-log/flow-log-id` and a wildcard for an id not known yet
 * (awsdocs/amazon-vpc-user-guide doc_source/flow-logs-cwl.md, "IAM role for publishing flow logs to
 * CloudWatch Logs").
 */
export function flowLogTrustPolicy(accountId: string, partition: string, region: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "VpcFlowLogsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId },
                    ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*` },
                },
            },
        ],
    };
}

/**
 * What the flow log role may do: write to its one log group (`logGroupArn` without the `:*` suffix). AWS's minimum is logs:CreateLogGroup,
 * CreateLogStream, PutLogEvents, DescribeLogGroups and DescribeLogStreams on `*` (flow-logs-cwl.md);
 * the log group exists already, so CreateLogGroup is left out and the rest is scoped to the group's
 * streams, as terraform-aws-vpc v6.6.0 does (vpc-flow-logs.tf, `vpc_flow_log_cloudwatch`: the same
 * four actions on `arn:<partition>:logs:<region>:<account>:log-group:<name>:*`, built from the name as here).
 */
export function flowLogRolePolicy(logGroupArn: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "WriteTheFlowLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                Resource: `${logGroupArn}:*`,
            },
        ],
    };
}

/**
 * The flow log key's policy: the account's IAM decides who may use it (KMS's default statement,
 * `guardedKeyPolicy`), and CloudWatch Logs of the region may use it for the one flow log group only,
 * the statement AWS documents: principal `logs.<region>.amazonaws.com`, kms:Encrypt*, Decrypt*,
 * ReEncrypt*, GenerateDataKey*, Describe*, on condition `ArnEquals`
 * `kms:EncryptionContext:aws:logs:arn` = the log group's ARN (awsdocs/amazon-cloudwatch-logs-user-guide
 * doc_source/encrypt-log-data-kms.md, "Step 2: Set Permissions on the CMK"; the same page: "We
 * recommend that you use different CMK keys for each of your encrypted log groups").
 */
export function flowLogKeyPolicy(accountId: string, partition: string, region: string, logGroupName: string) {
    return guardedKeyPolicy(accountId, partition, {
        allow: [
            {
                Sid: "CloudWatchLogsForTheFlowLogGroup",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn(partition, region, accountId, logGroupName) } },
            },
        ],
    });
}

function logGroupArn(partition: string, region: string, accountId: string, name: string): string {
    return `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`;
}

/** The flow log group of a VPC: terraform-aws-vpc's default name, `/aws/vpc-flow-log/<vpc id>`. */
export function flowLogGroupName(vpcId: string): string {
    return `/aws/vpc-flow-log/${vpcId}`;
}

/**
 * Tags of a subnet for the AWS Load Balancer Controller's subnet discovery: `kubernetes.io/role/elb`
 * (public: internet-facing load balancers) or `kubernetes.io/role/internal-elb` (private: internal
 * ones), value `1`; and `kubernetes.io/cluster/<name>` (`owned` or `shared`), required only by
 * controller versions up to v2.1.1 or when another cluster's tag is present
 * (kubernetes-sigs/aws-load-balancer-controller docs/deploy/subnet_discovery.md).
 */
export function subnetDiscoveryTags(tier: "public" | "private", clusterName: string | undefined): Record<string, string> {
    return {
        [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
        ...(clusterName !== undefined ? { [`kubernetes.io/cluster/${clusterName}`]: "shared" } : {}),
    };
}

/**
 * The k-th of the region's usable zones. A region with fewer zones than asked fails the program
 * (the subnets' `availabilityZone` cannot be resolved) before any subnet is created in a zone AWS
 * would pick at random.
 */
export function zoneAt(component: string, names: readonly string[], zones: number, k: number): string {
    if (names.length < zones) {
        throw new Error(`${component}: zones is ${zones}, but the region offers only ${names.length} zones EKS accepts (${names.join(", ")}): set zones to ${names.length}`);
    }
    return names[k]!;
}

// ---------------------------------------------------------------------------------------------

export class Network extends pulumi.ComponentResource {
    /** The VPC's id. */
    readonly vpcId: pulumi.Output<string>;
    /** The VPC's IPv4 block. */
    readonly cidrBlock: string;
    /** The zones the subnets are in, in order (available zones that need no opt-in and that EKS accepts). */
    readonly availabilityZones: pulumi.Output<string>[];
    /** One private subnet per zone, in zone order: nodes, pods, the cluster's ENIs and the data services. */
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** The private subnets' blocks, in zone order (plain, from `subnetPlan`). */
    readonly privateSubnetCidrs: string[];
    /** One public subnet per zone, in zone order: NAT gateways and internet-facing load balancers. */
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** The CloudWatch log group the VPC flow log writes to. */
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const { region } = a;
        const tagged = (role: string, extra: Record<string, string> = {}) => ({ ...a.tags, ...extra, Name: `${name}-${role}` });
        const plan = subnetPlan(a.cidrBlock, a.zones);
        this.cidrBlock = plan.vpc;
        this.privateSubnetCidrs = plan.private;

        // EKS requires both DNS attributes: "Otherwise, nodes can't register to your cluster" (awsdocs/amazon-eks-user-guide
        // latest/ug/networking/network-reqs.adoc, "VPC requirements and considerations").
        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: plan.vpc, enableDnsSupport: true, enableDnsHostnames: true, region, tags: tagged("vpc") }, { parent: this });
        this.vpcId = vpc.id;

        // Adopting the default group removes all its rules; with none given, it admits and sends nothing
        // (ec2/defaultSecurityGroup.d.ts). Nothing may use it by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], region, tags: tagged("default-locked") }, { parent: this });

        // Available zones that need no opt-in (no Local or Wavelength Zones), as terraform-aws-eks's
        // examples select them (`opt-in-status` = `opt-in-not-required`), without the zones EKS refuses.
        const zones = aws.getAvailabilityZonesOutput(
            { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }], excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS], region },
            { parent: this },
        );
        this.availabilityZones = Array.from({ length: a.zones }, (_, k) => zones.names.apply((names) => zoneAt(`Network "${name}"`, names, a.zones, k)));

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, region, tags: tagged("igw") }, { parent: this });

        const subnet = (tier: "public" | "private", k: number) =>
            new aws.ec2.Subnet(
                `${name}-${tier}-${k + 1}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: plan[tier][k],
                    availabilityZone: this.availabilityZones[k],
                    mapPublicIpOnLaunch: false,
                    region,
                    tags: tagged(`${tier}-${k + 1}`, subnetDiscoveryTags(tier, a.clusterName)),
                },
                { parent: this },
            );
        const zoneIndexes = Array.from({ length: a.zones }, (_, k) => k);
        const publicSubnets = zoneIndexes.map((k) => subnet("public", k));
        const privateSubnets = zoneIndexes.map((k) => subnet("private", k));
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);

        // Public: one route table, default route to the internet gateway.
        const publicTable = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, region, tags: tagged("public") }, { parent: this });
        new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id, region }, { parent: this });
        publicSubnets.forEach((s, k) => new aws.ec2.RouteTableAssociation(`${name}-public-${k + 1}-rta`, { subnetId: s.id, routeTableId: publicTable.id, region }, { parent: this }));

        // NAT gateways in the public subnets; an Elastic IP and a NAT need the internet gateway attached
        // first (terraform-aws-vpc main.tf: `depends_on = [aws_internet_gateway.this]` on both).
        const natCount = a.natGateways === "perZone" ? a.zones : 1;
        const nats = Array.from({ length: natCount }, (_, k) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${k + 1}-eip`, { domain: "vpc", region, tags: tagged(`nat-${k + 1}`) }, { parent: this, dependsOn: [igw] });
            return new aws.ec2.NatGateway(
                `${name}-nat-${k + 1}`,
                { allocationId: eip.allocationId, subnetId: publicSubnets[k]!.id, connectivityType: "public", region, tags: tagged(`nat-${k + 1}`) },
                { parent: this, dependsOn: [igw] },
            );
        });

        // Private: a route table per zone, default route to the zone's NAT (or the single one). Routes are
        // separate aws.ec2.Route resources: the S3 endpoint adds its own routes to these tables, which
        // inline `routes` would fight over (ec2/routeTable.d.ts, "NOTE on Route Tables and Routes").
        const privateTables = privateSubnets.map((s, k) => {
            const table = new aws.ec2.RouteTable(`${name}-private-${k + 1}-rt`, { vpcId: vpc.id, region, tags: tagged(`private-${k + 1}`) }, { parent: this });
            const nat = nats[a.natGateways === "perZone" ? k : 0]!;
            new aws.ec2.Route(`${name}-private-${k + 1}-nat`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id, region }, { parent: this });
            new aws.ec2.RouteTableAssociation(`${name}-private-${k + 1}-rta`, { subnetId: s.id, routeTableId: table.id, region }, { parent: this });
            return table;
        });

        // S3 through a gateway endpoint on the private route tables (vpcEndpointType Gateway, service
        // com.amazonaws.<region>.s3; ec2/vpcEndpoint.d.ts). The default endpoint policy (full access) stays:
        // ECR image layers and the estate's backups are S3 buckets of many owners
        // (awsdocs/amazon-vpc-user-guide doc_source/vpc-endpoints-s3.md).
        const regionName = region !== undefined ? pulumi.output(region) : aws.getRegionOutput({}, { parent: this }).region;
        new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            { vpcId: vpc.id, vpcEndpointType: "Gateway", serviceName: pulumi.interpolate`com.amazonaws.${regionName}.s3`, routeTableIds: privateTables.map((t) => t.id), region, tags: tagged("s3") },
            { parent: this },
        );

        this.flowLogGroupName = this.flowLog(name, vpc, regionName, a, tagged);

        this.registerOutputs({
            vpcId: this.vpcId,
            cidrBlock: this.cidrBlock,
            availabilityZones: this.availabilityZones,
            privateSubnetIds: this.privateSubnetIds,
            privateSubnetCidrs: this.privateSubnetCidrs,
            publicSubnetIds: this.publicSubnetIds,
            flowLogGroupName: this.flowLogGroupName,
        });
    }

    /** The flow log of ALL traffic, its encrypted log group, the group's key and the role that writes it. */
    private flowLog(
        name: string,
        vpc: aws.ec2.Vpc,
        region: pulumi.Output<string>,
        a: typeof defaults & NetworkArgs,
        tagged: (role: string) => Record<string, string>,
    ): pulumi.Output<string> {
        const child: pulumi.CustomResourceOptions = { parent: this };
        const account = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child).partition;
        const groupName = vpc.id.apply(flowLogGroupName);
        const keyOpts: pulumi.CustomResourceOptions = a.protectData ? { ...child, protect: true, retainOnDelete: true } : child;

        const key = new aws.kms.Key(
            `${name}-flow-log-key`,
            {
                description: `Encrypts the VPC flow log of network ${name}`,
                enableKeyRotation: true,
                deletionWindowInDays: DATA_KEY_DELETION_WINDOW_DAYS,
                policy: pulumi.all([account.accountId, partition, region, groupName]).apply(([accountId, part, r, group]) => JSON.stringify(flowLogKeyPolicy(accountId, part, r, group))),
                region: a.region,
                tags: tagged("flow-log"),
            },
            keyOpts,
        );
        new aws.kms.Alias(`${name}-flow-log-key-alias`, { namePrefix: `alias/estate/${name}-flow-log-`, targetKeyId: key.arn, region: a.region }, child);

        const group = new aws.cloudwatch.LogGroup(
            `${name}-flow-log`,
            { name: groupName, kmsKeyId: key.arn, retentionInDays: a.flowLogRetentionDays, region: a.region, tags: tagged("flow-log") },
            { ...child, retainOnDelete: a.protectData },
        );

        const role = new aws.iam.Role(
            `${name}-flow-log-role`,
            {
                description: `VPC Flow Logs writes the flow log of network ${name} with it`,
                assumeRolePolicy: pulumi.all([account.accountId, partition, region]).apply(([accountId, part, r]) => JSON.stringify(flowLogTrustPolicy(accountId, part, r))),
                tags: tagged("flow-log"),
            },
            child,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-flow-log-write`,
            { role: role.id, policy: pulumi.all([account.accountId, partition, region, groupName]).apply(([accountId, part, r, g]) => JSON.stringify(flowLogRolePolicy(logGroupArn(part, r, accountId, g)))) },
            child,
        );

        // The role must hold its permissions before the flow log first delivers.
        new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: group.arn,
                iamRoleArn: role.arn,
                region: a.region,
                tags: tagged("flow-log"),
            },
            { ...child, dependsOn: [rolePolicy] },
        );
        return group.name;
    }
}

function validate(name: string, args: NetworkArgs): void {
    const check = new ArgChecker(`Network "${name}"`);
    if (args.cidrBlock !== undefined) {
        const problem = vpcCidrProblem(args.cidrBlock);
        if (problem !== undefined) {
            check.fail("cidrBlock", `${problem} (got ${describe(args.cidrBlock)})`);
        }
    }
    if (args.zones !== undefined) {
        const problem = zonesProblem(args.zones);
        if (problem !== undefined) {
            check.fail("zones", problem);
        }
    }
    check.oneOf("natGateways", args.natGateways, NAT_GATEWAY_MODES);
    if (args.flowLogRetentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(args.flowLogRetentionDays)) {
        check.fail("flowLogRetentionDays", `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(", ")}) (got ${describe(args.flowLogRetentionDays)})`);
    }
    // EKS cluster names: 1-100 characters, `^[0-9A-Za-z][A-Za-z0-9\-_]*$` (eks/cluster.d.ts, `name`).
    check.matches("clusterName", args.clusterName, /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "an EKS cluster name (1-100 letters, digits, hyphens and underscores, starting with a letter or digit)");
}
