// An EKS cluster the pulumi/eks way. The VPC is built here from plain resources (so its pieces are
// checked); the cluster is an eks.Cluster, a multi-language component whose control plane, IAM
// roles, security groups and node group the eks provider plugin creates: not visible offline.
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const zones = aws.getAvailabilityZonesOutput({ state: "available" });

const vpc = new aws.ec2.Vpc("eks-vpc", { cidrBlock: "10.30.0.0/16", enableDnsHostnames: true, enableDnsSupport: true });
const igw = new aws.ec2.InternetGateway("eks-igw", { vpcId: vpc.id });
const routes = new aws.ec2.RouteTable("eks-public-rt", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });
const publicSubnets = [0, 1].map((i) => {
    const subnet = new aws.ec2.Subnet(`eks-public-${i}`, {
        vpcId: vpc.id,
        cidrBlock: `10.30.${i}.0/24`,
        availabilityZone: zones.names[i],
        mapPublicIpOnLaunch: true,
        tags: { "kubernetes.io/role/elb": "1" },
    });
    new aws.ec2.RouteTableAssociation(`eks-public-${i}-rta`, { subnetId: subnet.id, routeTableId: routes.id });
    return subnet;
});

const cluster = new eks.Cluster("eks", {
    vpcId: vpc.id,
    publicSubnetIds: publicSubnets.map((s) => s.id),
    version: config.get("kubernetesVersion") ?? "1.31",
    instanceType: "t3.medium",
    desiredCapacity: 2,
    minSize: 1,
    maxSize: 3,
    createOidcProvider: true,
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
});

export const kubeconfig = pulumi.secret(cluster.kubeconfigJson);
export const vpcId = vpc.id;
