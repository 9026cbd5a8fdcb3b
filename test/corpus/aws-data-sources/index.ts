// Everything this program needs to know about the account it reads from data sources: the
// region, partition and account, the availability zones, the default VPC and its subnets, the
// latest Amazon Linux 2023 AMI, and an IAM policy document rendered by the provider. All of them
// are answered offline, so every resource is evaluated.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const adminCidr = config.get("adminCidr") ?? "10.0.0.0/8";

const region = aws.getRegionOutput();
const partition = aws.getPartitionOutput();
const identity = aws.getCallerIdentityOutput();
const zones = aws.getAvailabilityZonesOutput({ state: "available" });
const vpc = aws.ec2.getVpcOutput({ default: true });
const subnets = aws.ec2.getSubnetsOutput({ filters: [{ name: "vpc-id", values: [vpc.id] }] });
const firstSubnet = aws.ec2.getSubnetOutput({ id: subnets.ids[0] });
const ami = aws.ec2.getAmiOutput({
    mostRecent: true,
    owners: ["amazon"],
    filters: [
        { name: "name", values: ["al2023-ami-2023.*-x86_64"] },
        { name: "architecture", values: ["x86_64"] },
    ],
});

// SSH only from the admin network: not open to the internet.
const bastionSg = new aws.ec2.SecurityGroup("bastion-sg", {
    vpcId: vpc.id,
    description: "SSH from the admin network",
    ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [adminCidr] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});

const assumeRole = aws.iam.getPolicyDocumentOutput({
    statements: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["ec2.amazonaws.com"] }] }],
});
const role = new aws.iam.Role("bastion-role", { assumeRolePolicy: assumeRole.json });
new aws.iam.RolePolicyAttachment("bastion-ssm", {
    role: role.name,
    policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
});
const readLogs = aws.iam.getPolicyDocumentOutput({
    statements: [
        {
            actions: ["logs:GetLogEvents", "logs:DescribeLogStreams"],
            resources: [pulumi.interpolate`arn:${partition.partition}:logs:${region.name}:${identity.accountId}:log-group:/bastion/*`],
        },
    ],
});
new aws.iam.RolePolicy("bastion-read-logs", { role: role.id, policy: readLogs.json });
const profile = new aws.iam.InstanceProfile("bastion-profile", { role: role.name });

const bastion = new aws.ec2.Instance("bastion", {
    ami: ami.id,
    instanceType: config.get("instanceType") ?? "t3.micro",
    subnetId: firstSubnet.id,
    availabilityZone: firstSubnet.availabilityZone,
    vpcSecurityGroupIds: [bastionSg.id],
    iamInstanceProfile: profile.name,
    metadataOptions: { httpTokens: "required" },
    rootBlockDevice: { encrypted: true, volumeSize: 8 },
    tags: { Name: pulumi.interpolate`bastion-${zones.names[0]}` },
});

export const account = identity.accountId;
export const amiId = ami.id;
export const bastionId = bastion.id;
export const zoneNames = zones.names;
