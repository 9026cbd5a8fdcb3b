// The first program many people write (aws-ts-webserver style): an Amazon Linux instance serving a
// page on port 80, with SSH open "for now". HTTP from anywhere is what a web server is for; SSH
// from anywhere is not. A second group, added later for a load test, takes a separate ingress rule
// that opens every port to the IPv6 internet.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

const ami = aws.ec2.getAmiOutput({
    mostRecent: true,
    owners: ["amazon"],
    filters: [{ name: "name", values: ["al2023-ami-2023.*-x86_64"] }],
});

const webSg = new aws.ec2.SecurityGroup("web-sg", {
    description: "HTTP and SSH",
    ingress: [
        { description: "http", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
        { description: "ssh", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
    ],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});

const loadTestSg = new aws.ec2.SecurityGroup("load-test-sg", { description: "Load generators" });
new aws.vpc.SecurityGroupIngressRule("load-test-all", {
    securityGroupId: loadTestSg.id,
    ipProtocol: "-1",
    cidrIpv6: "::/0",
});
new aws.vpc.SecurityGroupEgressRule("load-test-egress", {
    securityGroupId: loadTestSg.id,
    ipProtocol: "-1",
    cidrIpv4: "0.0.0.0/0",
});

const userData = `#!/bin/bash
dnf install -y nginx
echo "<h1>Hello, World!</h1>" > /usr/share/nginx/html/index.html
systemctl enable --now nginx
`;

const server = new aws.ec2.Instance("web-server", {
    ami: ami.id,
    instanceType: config.get("instanceType") ?? "t3.micro",
    vpcSecurityGroupIds: [webSg.id, loadTestSg.id],
    userData,
    userDataReplaceOnChange: true,
    metadataOptions: { httpTokens: "required" },
    tags: { Name: "web-server" },
});

export const publicIp = server.publicIp;
export const url = pulumi.interpolate`http://${server.publicDns}`;
