// A session cache. Its security group admits the VPC's own range on 6379 (fine) and, through a
// separate rule added for a dual-stack test client, ::/0 on 6379: the whole IPv6 internet on the
// Redis port. The replication group itself encrypts and authenticates, but keeps no snapshots and
// does not fail over automatically.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const config = new pulumi.Config();

const vpc = new aws.ec2.Vpc("cache-vpc", { cidrBlock: "10.40.0.0/16", assignGeneratedIpv6CidrBlock: true });
const subnets = ["a", "b"].map(
    (zone, i) =>
        new aws.ec2.Subnet(`cache-${zone}`, {
            vpcId: vpc.id,
            cidrBlock: `10.40.${i}.0/24`,
            availabilityZone: pulumi.interpolate`${aws.getRegionOutput().name}${zone}`,
        }),
);

const cacheSg = new aws.ec2.SecurityGroup("cache-sg", {
    vpcId: vpc.id,
    description: "Redis from the VPC",
    ingress: [{ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: [vpc.cidrBlock] }],
});
new aws.ec2.SecurityGroupRule("cache-ipv6-clients", {
    type: "ingress",
    securityGroupId: cacheSg.id,
    protocol: "tcp",
    fromPort: 6379,
    toPort: 6379,
    ipv6CidrBlocks: ["::/0"],
});

const subnetGroup = new aws.elasticache.SubnetGroup("cache-subnets", { subnetIds: subnets.map((s) => s.id) });
const authToken = new random.RandomPassword("cache-auth", { length: 48, special: false });
const key = new aws.kms.Key("cache-key", { description: "Session cache", enableKeyRotation: true });

const sessions = new aws.elasticache.ReplicationGroup("sessions", {
    description: "Web sessions",
    engine: "redis",
    engineVersion: "7.1",
    nodeType: config.get("nodeType") ?? "cache.t4g.small",
    numCacheClusters: 2,
    subnetGroupName: subnetGroup.name,
    securityGroupIds: [cacheSg.id],
    atRestEncryptionEnabled: true,
    kmsKeyId: key.arn,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    authToken: authToken.result,
});

export const primaryEndpoint = sessions.primaryEndpointAddress;
