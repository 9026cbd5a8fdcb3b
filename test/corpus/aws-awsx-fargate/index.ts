// The awsx crosswalk way: three lines of components, each expanded into a dozen AWS resources by
// the awsx provider plugin at deployment time (they are multi-language components). Only the ECS
// cluster is an ordinary resource here; the VPC, load balancer and service contents cannot be seen
// offline, and are listed as not evaluated.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const vpc = new awsx.ec2.Vpc("web-vpc", { cidrBlock: "10.20.0.0/16", numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } });

const cluster = new aws.ecs.Cluster("web-cluster", { settings: [{ name: "containerInsights", value: "enabled" }] });

const lb = new awsx.lb.ApplicationLoadBalancer("web-lb", { subnetIds: vpc.publicSubnetIds, listener: { port: 80 } });

new awsx.ecs.FargateService("web", {
    cluster: cluster.arn,
    desiredCount: config.getNumber("desiredCount") ?? 2,
    networkConfiguration: { subnets: vpc.privateSubnetIds, assignPublicIp: false },
    taskDefinitionArgs: {
        container: {
            name: "nginx",
            image: "public.ecr.aws/nginx/nginx:1.27",
            cpu: 256,
            memory: 512,
            essential: true,
            portMappings: [{ containerPort: 80, targetGroup: lb.defaultTargetGroup }],
        },
    },
});

export const vpcId = vpc.vpcId;
export const url = pulumi.interpolate`http://${lb.loadBalancer.dnsName}`;
