import { describe, expect, it } from "vitest";
import { EC2_TYPES, ec2SecurityGroupOpenIngress } from "../../../policies/aws/ec2";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { fakeResource, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { check, dataProgram, messagesOf, packConfig } from "../fixtures";

const group = (ingress: Record<string, unknown>[]) => fakeResource({ type: EC2_TYPES.securityGroup, name: "web-sg", props: { vpcId: "vpc-0a1b2c3d", ingress } });
const rule = (props: Record<string, unknown>) => fakeResource({ type: EC2_TYPES.securityGroupRule, name: "web-rule", props: { type: "ingress", securityGroupId: "sg-1", ...props } });
const ingressRule = (props: Record<string, unknown>) => fakeResource({ type: EC2_TYPES.ingressRule, name: "web-in", props: { securityGroupId: "sg-1", ...props } });

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

describe("estate-ec2-security-group-open-ingress", () => {
    it("passes the managed data components' security groups and ingress rules (real classes), on up and in preview", async () => {
        for (const preview of [false, true]) {
            const run = await runProgram(() => dataProgram(), { preview });
            const types = new Set(run.resources.map((r) => r.type));
            expect(types.has(EC2_TYPES.securityGroup) && types.has(EC2_TYPES.ingressRule)).toBe(true);
            clean(await check(ec2SecurityGroupOpenIngress, run.resources, { config: packConfig("prod") }));
        }
    });

    it("passes web ports open to the world, data ports open to a CIDR or a security group, and ICMP", async () => {
        const resources = [
            group([
                { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
                { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
                { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.42.0.0/16"] },
                { protocol: "-1", fromPort: 0, toPort: 0, securityGroups: ["sg-0a1b2c3d"] },
                { protocol: "icmp", fromPort: 8, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
            ]),
            rule({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }),
            ingressRule({ ipProtocol: "tcp", fromPort: 6379, toPort: 6379, referencedSecurityGroupId: "sg-0a1b2c3d" }),
            ingressRule({ ipProtocol: "tcp", fromPort: 27017, toPort: 27017, cidrIpv4: "10.42.0.0/16" }),
        ];
        clean(await check(ec2SecurityGroupOpenIngress, resources));
    });

    it("passes a rule whose CIDR is not known before deployment (a VPC's block is never /0), without a can't-run note", async () => {
        clean(await check(ec2SecurityGroupOpenIngress, [ingressRule({ ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: UNKNOWN })]));
    });

    it.each([
        [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }, '0.0.0.0/0 on every protocol and port (protocol "-1")'],
        [{ protocol: "tcp", fromPort: 0, toPort: 65535, ipv6CidrBlocks: ["::/0"] }, "::/0 on every TCP port (TCP 0-65535)"],
        [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, "0.0.0.0/0 and ::/0 on TCP 22, which includes 22 (SSH)"],
        [{ protocol: "6", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] }, "0.0.0.0/0 on TCP 3389, which includes 3389 (RDP)"],
        [{ protocol: "udp", fromPort: 11211, toPort: 11211, cidrBlocks: ["0.0.0.0/0"] }, "0.0.0.0/0 on UDP 11211, which includes 11211 (Memcached)"],
        [{ protocol: "tcp", fromPort: 1000, toPort: 6000, cidrBlocks: ["0.0.0.0/0"] }, "0.0.0.0/0 on TCP 1000-6000, which includes 1433 (SQL Server), 1521 (Oracle), 3306 (MySQL/MariaDB), 3389 (RDP), 4333 (mSQL), 5432 (PostgreSQL)"],
    ])("fails an inline SecurityGroup ingress %#: %s", async (ingress, what) => {
        const r = group([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { description: "admin", ...ingress }]);
        const report = await check(ec2SecurityGroupOpenIngress, [r]);
        expect(report.violations.map((v) => v.urn)).toEqual([r.urn]);
        expect(messagesOf(report)).toEqual([`SecurityGroup 'web-sg' ingress rule #2 ('admin') admits ${what}.`]);
    });

    it.each([5432, 3306, 1433, 1521, 27017, 6379, 9200, 20, 21])("fails TCP %i open to the world in a SecurityGroupIngressRule", async (port) => {
        const report = await check(ec2SecurityGroupOpenIngress, [ingressRule({ ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0" })]);
        expect(messagesOf(report)).toEqual([expect.stringMatching(new RegExp(`^SecurityGroupIngressRule 'web-in' admits 0\\.0\\.0\\.0/0 on TCP ${port}, which includes ${port} \\(`))]);
    });

    it("fails a SecurityGroupIngressRule with ipProtocol -1 (every port, no fromPort/toPort) on IPv6", async () => {
        const report = await check(ec2SecurityGroupOpenIngress, [ingressRule({ ipProtocol: "-1", cidrIpv6: "::/0" })]);
        expect(messagesOf(report)).toEqual(['SecurityGroupIngressRule \'web-in\' admits ::/0 on every protocol and port (protocol "-1").']);
    });

    it("fails a SecurityGroupRule of type ingress with protocol all, and is not applicable to an egress rule", async () => {
        const report = await check(ec2SecurityGroupOpenIngress, [rule({ protocol: "all", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] })]);
        expect(messagesOf(report)).toEqual(['SecurityGroupRule \'web-rule\' admits 0.0.0.0/0 on every protocol and port (protocol "all").']);
        const egress = rule({ type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
        expect((await check(ec2SecurityGroupOpenIngress, [egress])).notApplicable).toEqual([
            { policy: "estate-ec2-security-group-open-ingress", urn: egress.urn, reason: "SecurityGroupRule 'web-rule' is an egress rule." },
        ]);
    });

    it("is mandatory with the prod config", async () => {
        const report = await check(ec2SecurityGroupOpenIngress, [ingressRule({ ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" })], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "critical"]]);
    });
});
