import { describe, expect, it } from "vitest";
import { cidrSubnet, subnetPlan, vpcCidrProblem } from "../../../components/cluster/subnet-plan";

describe("subnetPlan", () => {
    it("gives each zone a quarter of a /16 as its private subnet and a /22 from the last quarter as its public one", () => {
        expect(subnetPlan("10.0.0.0/16", 3)).toEqual({
            vpc: "10.0.0.0/16",
            private: ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"],
            public: ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
        });
    });

    it("scales with the block: a /20 over 2 zones still gives /22 private and /26 public subnets", () => {
        expect(subnetPlan("172.16.16.0/20", 2)).toEqual({
            vpc: "172.16.16.0/20",
            private: ["172.16.16.0/22", "172.16.20.0/22"],
            public: ["172.16.28.0/26", "172.16.28.64/26"],
        });
    });

    it.each([
        ["10.0.0.0/16", 3],
        ["192.168.0.0/16", 3],
        ["172.31.0.0/18", 2],
        ["10.255.240.0/20", 3],
    ] as const)("keeps %s over %i zones disjoint and inside the VPC", (cidr, zones) => {
        const plan = subnetPlan(cidr, zones);
        const range = (block: string) => {
            const [address, prefix] = block.split("/");
            const start = address!.split(".").reduce((n, o) => n * 256 + Number(o), 0);
            return [start, start + 2 ** (32 - Number(prefix))] as const;
        };
        const [vpcStart, vpcEnd] = range(cidr);
        const blocks = [...plan.private, ...plan.public].map(range).sort((x, y) => x[0] - y[0]);
        expect(blocks).toHaveLength(2 * zones);
        blocks.forEach(([start, end], i) => {
            expect(start).toBeGreaterThanOrEqual(vpcStart);
            expect(end).toBeLessThanOrEqual(vpcEnd);
            if (i > 0) expect(start).toBeGreaterThanOrEqual(blocks[i - 1]![1]);
        });
    });

    it("computes Terraform's cidrsubnet", () => {
        expect(cidrSubnet("10.0.0.0/16", 4, 2)).toBe("10.0.32.0/20");
        expect(cidrSubnet("10.0.0.0/16", 8, 48)).toBe("10.0.48.0/24");
        expect(() => cidrSubnet("10.0.0.0/16", 2, 4)).toThrow(RangeError);
    });

    it("refuses a block or zone count it cannot plan", () => {
        expect(() => subnetPlan("10.0.0.0/8", 3)).toThrow(RangeError);
        expect(() => subnetPlan("10.0.0.0/16", 4)).toThrow(/must be 2 or 3 \(got 4\)/);
    });
});

describe("vpcCidrProblem", () => {
    it.each(["10.0.0.0/16", "10.42.0.0/16", "172.16.0.0/16", "172.31.240.0/20", "192.168.0.0/16", "192.168.16.0/20"])("accepts %s", (cidr) => {
        expect(vpcCidrProblem(cidr)).toBeUndefined();
    });

    it.each<[unknown, RegExp]>([
        ["10.0.0.0", /IPv4 CIDR block/],
        ["10.0.0.256/16", /IPv4 CIDR block/],
        [16, /IPv4 CIDR block/],
        ["10.0.0.0/15", /a \/16 to a \/20/],
        ["10.0.0.0/21", /a \/16 to a \/20/],
        ["10.0.1.0/16", /host bits are set \(did you mean 10\.0\.0\.0\/16\?\)/],
        ["8.8.0.0/16", /RFC 1918/],
        ["172.32.0.0/16", /RFC 1918/],
        ["192.169.0.0/16", /RFC 1918/],
    ])("refuses %s", (cidr, message) => {
        expect(vpcCidrProblem(cidr)).toMatch(message);
    });
});
