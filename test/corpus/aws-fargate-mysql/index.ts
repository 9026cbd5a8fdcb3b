// Fargate service behind an Application Load Balancer, talking to RDS MySQL. Written the way many
// getting-started programs are: the database's security group is open to the world on 3306 "to
// debug from a laptop", and its parameter group tunes the character set but does not set
// require_secure_transport, which is OFF by default on RDS for MySQL
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-ssl-connections.require-ssl.html).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const appImage = config.get("appImage") ?? "public.ecr.aws/nginx/nginx:1.27";
const dbUser = config.require("dbUser");
const dbPassword = config.requireSecret("dbPassword");

const zones = aws.getAvailabilityZonesOutput({ state: "available" });

const vpc = new aws.ec2.Vpc("app-vpc", { cidrBlock: "10.10.0.0/16", enableDnsHostnames: true, enableDnsSupport: true });
const gateway = new aws.ec2.InternetGateway("app-igw", { vpcId: vpc.id });
const publicRoutes = new aws.ec2.RouteTable("app-public-rt", {
    vpcId: vpc.id,
    routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
});
const subnets = [0, 1].map((i) => {
    const subnet = new aws.ec2.Subnet(`app-public-${i}`, {
        vpcId: vpc.id,
        cidrBlock: `10.10.${i}.0/24`,
        availabilityZone: zones.names[i],
        mapPublicIpOnLaunch: true,
    });
    new aws.ec2.RouteTableAssociation(`app-public-${i}-rta`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
    return subnet;
});

// HTTP and HTTPS from anywhere: what a public load balancer is for.
const albSg = new aws.ec2.SecurityGroup("alb-sg", {
    vpcId: vpc.id,
    description: "Public HTTP(S)",
    ingress: [
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
    ],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});
const appSg = new aws.ec2.SecurityGroup("app-sg", {
    vpcId: vpc.id,
    description: "From the load balancer",
    ingress: [{ protocol: "tcp", fromPort: 80, toPort: 80, securityGroups: [albSg.id] }],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});
// MySQL open to the internet.
const dbSg = new aws.ec2.SecurityGroup("db-sg", {
    vpcId: vpc.id,
    description: "MySQL",
    ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"] }],
});

const alb = new aws.lb.LoadBalancer("web-alb", { loadBalancerType: "application", securityGroups: [albSg.id], subnets: subnets.map((s) => s.id) });
const targets = new aws.lb.TargetGroup("web-tg", { port: 80, protocol: "HTTP", targetType: "ip", vpcId: vpc.id, healthCheck: { path: "/" } });
new aws.lb.Listener("web-http", { loadBalancerArn: alb.arn, port: 80, defaultActions: [{ type: "forward", targetGroupArn: targets.arn }] });

const dbSubnets = new aws.rds.SubnetGroup("db-subnets", { subnetIds: subnets.map((s) => s.id) });
const dbParams = new aws.rds.ParameterGroup("db-params", {
    family: "mysql8.0",
    parameters: [
        { name: "character_set_server", value: "utf8mb4" },
        { name: "collation_server", value: "utf8mb4_0900_ai_ci" },
    ],
});
const db = new aws.rds.Instance("app-db", {
    engine: "mysql",
    engineVersion: "8.0",
    instanceClass: config.get("dbInstanceClass") ?? "db.t4g.micro",
    allocatedStorage: 20,
    dbName: "app",
    username: dbUser,
    password: dbPassword,
    dbSubnetGroupName: dbSubnets.name,
    parameterGroupName: dbParams.name,
    vpcSecurityGroupIds: [dbSg.id],
    skipFinalSnapshot: true,
});

const cluster = new aws.ecs.Cluster("app-cluster");
const executionRole = new aws.iam.Role("task-exec-role", {
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ecs-tasks.amazonaws.com" }),
});
new aws.iam.RolePolicyAttachment("task-exec-policy", {
    role: executionRole.name,
    policyArn: aws.iam.ManagedPolicy.AmazonECSTaskExecutionRolePolicy,
});
const task = new aws.ecs.TaskDefinition("app-task", {
    family: "app",
    cpu: "256",
    memory: "512",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    executionRoleArn: executionRole.arn,
    containerDefinitions: pulumi.jsonStringify([
        {
            name: "app",
            image: appImage,
            essential: true,
            portMappings: [{ containerPort: 80, protocol: "tcp" }],
            environment: [
                { name: "DB_HOST", value: db.address },
                { name: "DB_USER", value: dbUser },
            ],
        },
    ]),
});
new aws.ecs.Service("app-svc", {
    cluster: cluster.arn,
    launchType: "FARGATE",
    desiredCount: 2,
    taskDefinition: task.arn,
    networkConfiguration: { assignPublicIp: true, subnets: subnets.map((s) => s.id), securityGroups: [appSg.id] },
    loadBalancers: [{ targetGroupArn: targets.arn, containerName: "app", containerPort: 80 }],
});

export const url = pulumi.interpolate`http://${alb.dnsName}`;
export const dbEndpoint = db.endpoint;
