/**
 * EC2 / VPC network policies: security group ingress, wherever a program writes it. A rule can live
 * inline in `aws.ec2.SecurityGroup` (`ingress`), in an `aws.ec2.SecurityGroupRule` of type ingress,
 * or in an `aws.vpc.SecurityGroupIngressRule` (the form AWS recommends, one CIDR per rule).
 */
import * as aws from "@pulumi/aws";
import { asList, isRecord } from "../lib/iam";
import { awsConfigRule, awsGuard, checkov, type EstateResourcePolicy } from "../lib/policy";
import { label } from "../lib/stack";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const EC2_TYPES = {
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
} as const;

/**
 * Ports that must never be open to the internet, with what listens there. Sources: the defaults of
 * the AWS Config rule restricted-common-ports (blockedPort1..5: 20, 21, 3389, 3306, 4333) and
 * restricted-ssh (22); Checkov CKV_AWS_24 (22) and CKV_AWS_25 (3389); and the default ports of the
 * data services the estate and its users run (RDS/Aurora engines, DocumentDB, ElastiCache, OpenSearch).
 * Web ports (80, 443) are not listed: a web application is meant to be reachable.
 */
export const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
    [20, "FTP data"],
    [21, "FTP"],
    [22, "SSH"],
    [1433, "SQL Server"],
    [1521, "Oracle"],
    [3306, "MySQL/MariaDB"],
    [3389, "RDP"],
    [4333, "mSQL"],
    [5432, "PostgreSQL"],
    [6379, "Redis"],
    [9200, "Elasticsearch/OpenSearch"],
    [11211, "Memcached"],
    [27017, "MongoDB/DocumentDB"],
]);

/** The ingress fields a rule has, whatever resource it comes from. */
interface Ingress {
    /** `ingress rule #2 ('admin') `, or empty for a rule resource. */
    label: string;
    /** The source CIDRs; `UNKNOWN` for one not known before deployment (a VPC's block: never /0). */
    cidrs: unknown[];
    /** Reads protocol and ports (they may be unknown in a preview; they matter only for a world-open rule). */
    ports: () => { protocol: unknown; fromPort: unknown; toPort: unknown };
}

/** A list input read element by element, an unknown element (or list) as `UNKNOWN`. */
function knownList(read: () => unknown): unknown[] {
    const value = peek(read);
    if (value === UNKNOWN) {
        return [UNKNOWN];
    }
    return Array.isArray(value) ? Array.from({ length: value.length }, (_, i) => peek(() => value[i] as unknown)) : asList(value);
}

/** A CIDR that contains every address: `0.0.0.0/0`, `::/0` (any address with prefix length 0). */
function isWorld(cidr: unknown): cidr is string {
    return typeof cidr === "string" && /\/0$/.test(cidr.trim());
}

/**
 * What an ingress rule opens to the internet, or `undefined`. Protocol `-1` (or `all`) is every
 * protocol and port; TCP and UDP (`tcp`/`6`, `udp`/`17`) open a port range; other protocols (ICMP)
 * have no ports.
 */
function exposure(rule: Ingress): string | undefined {
    const world = rule.cidrs.filter(isWorld);
    if (world.length === 0) {
        return undefined;
    }
    const { protocol: rawProtocol, fromPort, toPort } = rule.ports();
    const protocol = String(rawProtocol ?? "").toLowerCase();
    const sources = world.join(" and ");
    if (protocol === "-1" || protocol === "all") {
        return `${sources} on every protocol and port (protocol ${JSON.stringify(rawProtocol)})`;
    }
    const name = protocol === "tcp" || protocol === "6" ? "TCP" : protocol === "udp" || protocol === "17" ? "UDP" : undefined;
    if (!name) {
        return undefined;
    }
    // A TCP/UDP rule without ports is rejected by EC2; read it as every port rather than as none.
    const from = typeof fromPort === "number" ? fromPort : 0;
    const to = typeof toPort === "number" ? toPort : 65535;
    const range = from === to ? `${name} ${from}` : `${name} ${from}-${to}`;
    if (from <= 0 && to >= 65535) {
        return `${sources} on every ${name} port (${range})`;
    }
    const hits = [...SENSITIVE_PORTS].filter(([port]) => port >= from && port <= to).map(([port, what]) => `${port} (${what})`);
    return hits.length > 0 ? `${sources} on ${range}, which includes ${hits.join(", ")}` : undefined;
}

/** The ingress rules of the resource being validated, or `notApplicable`. */
function ingressOf(args: ResourceValidationArgs): Ingress[] {
    const group = args.asType(aws.ec2.SecurityGroup);
    if (group) {
        // The whole list unknown (built from outputs) cannot be read; the engine notes it.
        return asList(group.ingress).map((entry, i) => {
            const r = isRecord(entry) ? entry : {};
            const description = peek(() => r.description);
            return {
                label: `ingress rule #${i + 1}${typeof description === "string" && description !== "" ? ` ('${description}')` : ""} `,
                cidrs: [...knownList(() => r.cidrBlocks), ...knownList(() => r.ipv6CidrBlocks)],
                ports: () => ({ protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort }),
            };
        });
    }
    const rule = args.asType(aws.ec2.SecurityGroupRule);
    if (rule) {
        if (rule.type !== "ingress") {
            args.notApplicable(`${label(args)} is an ${String(rule.type)} rule.`);
        }
        return [
            {
                label: "",
                cidrs: [...knownList(() => rule.cidrBlocks), ...knownList(() => rule.ipv6CidrBlocks)],
                ports: () => ({ protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort }),
            },
        ];
    }
    const ingress = args.asType(aws.vpc.SecurityGroupIngressRule);
    if (ingress) {
        return [
            {
                label: "",
                cidrs: [...knownList(() => ingress.cidrIpv4), ...knownList(() => ingress.cidrIpv6)],
                ports: () => ({ protocol: ingress.ipProtocol, fromPort: ingress.fromPort, toPort: ingress.toPort }),
            },
        ];
    }
    return args.notApplicable(`Policy only applies to security group ingress (${Object.values(EC2_TYPES).join(", ")})`);
}

export const ec2SecurityGroupOpenIngress: EstateResourcePolicy = {
    name: "estate-ec2-security-group-open-ingress",
    checks:
        "No security group ingress (SecurityGroup ingress, SecurityGroupRule of type ingress, vpc SecurityGroupIngressRule) admits 0.0.0.0/0 or ::/0 on " +
        "every protocol (-1/all), on every TCP or UDP port, or on a port range that includes an administration or data port (20, 21, 22, 1433, " +
        "1521, 3306, 3389, 4333, 5432, 6379, 9200, 11211, 27017). Other ports open to the world (80, 443) pass.",
    description:
        "Security groups must not open administration (SSH, RDP) or data ports (databases, caches, search) to the whole internet, nor every " +
        "port: scanners find such a port within minutes, and then one password or one unpatched service stands between the internet and the estate's data.",
    remediationSteps:
        "Admit only the sources that need the port: another security group (`referencedSecurityGroupId` / `sourceSecurityGroupId`), a " +
        "prefix list, or the VPC or office CIDR. Reach hosts through SSM Session Manager or a VPN instead of opening 22 or 3389, and keep " +
        "databases in private subnets. Open to 0.0.0.0/0 only the ports a public service serves (80, 443), ideally on its load balancer.",
    severity: "critical",
    tags: [
        "aws",
        "ec2",
        checkov("CKV_AWS_24"),
        checkov("CKV_AWS_25"),
        checkov("CKV_AWS_277"),
        awsConfigRule("restricted-ssh"),
        awsConfigRule("restricted-common-ports"),
        awsGuard("INCOMING_SSH_DISABLED"),
        awsGuard("RESTRICTED_INCOMING_TRAFFIC"),
    ],
    // One validation for the three types, so a resource of one type is not also reported "not applicable".
    validateResource: (args, report) => {
        forEachDeferringUnknowns(ingressOf(args), (rule) => {
            const open = exposure(rule);
            if (open !== undefined) {
                report(`${label(args)} ${rule.label}admits ${open}.`);
            }
        });
    },
};

export const ec2Policies = [ec2SecurityGroupOpenIngress];
