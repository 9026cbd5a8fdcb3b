/**
 * The CIDR plan of the estate's VPC (`Network`): which block each zone's private and public subnet
 * gets. Pure (no Pulumi, no SDK), so the config schema and the component can share the rules.
 */
import { IPV4_CIDR } from "../data/cidr";

/** The zone counts a network may span. */
export const NETWORK_ZONES = [2, 3] as const;
/** The VPC prefix lengths accepted: AWS allows /16 to /28; below /20 the private subnets get too small for pods. */
export const VPC_PREFIX = { min: 16, max: 20 } as const;

const describe = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

/** The RFC 1918 private ranges (AWS recommends them for a VPC's primary block). */
const RFC1918: readonly { base: number; prefix: number; text: string }[] = [
    { base: ipv4ToInt("10.0.0.0"), prefix: 8, text: "10.0.0.0/8" },
    { base: ipv4ToInt("172.16.0.0"), prefix: 12, text: "172.16.0.0/12" },
    { base: ipv4ToInt("192.168.0.0"), prefix: 16, text: "192.168.0.0/16" },
];

function ipv4ToInt(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** `cidrsubnet(block, newbits, index)` as Terraform computes it: the index-th block of prefix+newbits. */
export function cidrSubnet(cidr: string, newbits: number, index: number): string {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    const next = prefix + newbits;
    if (next > 32 || index < 0 || index >= 2 ** newbits) {
        throw new RangeError(`cidrSubnet: ${cidr} has no block #${index} of /${next}`);
    }
    return `${intToIpv4(ipv4ToInt(address!) + index * 2 ** (32 - next))}/${next}`;
}

/** Why a VPC CIDR block is not accepted (without the value), or undefined when it is. */
export function vpcCidrProblem(cidr: unknown): string | undefined {
    if (typeof cidr !== "string" || !IPV4_CIDR.test(cidr)) {
        return "must be an IPv4 CIDR block such as 10.0.0.0/16";
    }
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    if (prefix < VPC_PREFIX.min || prefix > VPC_PREFIX.max) {
        return `must be a /${VPC_PREFIX.min} to a /${VPC_PREFIX.max} (AWS allows at most a /${VPC_PREFIX.min}; a smaller block leaves too few addresses for pods, which take VPC addresses with the VPC CNI)`;
    }
    const base = ipv4ToInt(address!);
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
        return `must be a network address: host bits are set (did you mean ${intToIpv4(base - (base % size))}/${prefix}?)`;
    }
    const inPrivateRange = RFC1918.some((range) => prefix >= range.prefix && Math.floor(base / 2 ** (32 - range.prefix)) === Math.floor(range.base / 2 ** (32 - range.prefix)));
    if (!inPrivateRange) {
        return `must lie in an RFC 1918 private range (${RFC1918.map((r) => r.text).join(", ")}), as AWS recommends for a VPC`;
    }
    return undefined;
}

/** The subnets of a VPC, one of each per zone, in zone order. */
export interface SubnetPlan {
    vpc: string;
    /** A quarter of the VPC each (a /18 in a /16): pods take VPC addresses with the VPC CNI. */
    private: string[];
    /** A /22 in a /16 (a 64th of the VPC) each, from the last quarter: NAT gateways and load balancers only. */
    public: string[];
}

/**
 * Carves a VPC block into `zones` private and `zones` public subnets. Private subnet k is the k-th
 * quarter of the VPC (`cidrsubnet(vpc, 2, k)`); public subnet k is `cidrsubnet(vpc, 6, 48 + k)`, a
 * 64th at the start of the last quarter, which keeps the rest of that quarter free for later
 * subnets. The same shape as terraform-aws-eks's examples (`cidrsubnet(local.vpc_cidr, 4, k)` and
 * `cidrsubnet(local.vpc_cidr, 8, k + 48)`), with private subnets four times larger. A /20 VPC still
 * gives 1024-address private subnets and 64-address public ones (the AWS Load Balancer Controller
 * needs 8 free addresses in a subnet; kubernetes-sigs/aws-load-balancer-controller
 * docs/deploy/subnet_discovery.md). Throws a RangeError on an invalid block or zone count.
 */
export function subnetPlan(cidr: string, zones: number): SubnetPlan {
    const problem = vpcCidrProblem(cidr) ?? zonesProblem(zones);
    if (problem !== undefined) {
        throw new RangeError(`subnetPlan(${describe(cidr)}, ${describe(zones)}): ${problem}`);
    }
    const indexes = Array.from({ length: zones }, (_, k) => k);
    return {
        vpc: cidr,
        private: indexes.map((k) => cidrSubnet(cidr, 2, k)),
        public: indexes.map((k) => cidrSubnet(cidr, 6, 48 + k)),
    };
}

export function zonesProblem(zones: unknown): string | undefined {
    return (NETWORK_ZONES as readonly unknown[]).includes(zones) ? undefined : `must be ${NETWORK_ZONES.join(" or ")} (got ${describe(zones)})`;
}
