/**
 * Where a managed data service lives in the VPC and who may reach it: private subnets, and a
 * security group that admits only the allowed security groups and CIDR blocks on the service's port.
 * Never `0.0.0.0/0`: a data service is never open to the internet.
 */
import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../lib/errors";
import { cidrProblem } from "./cidr";

export { MIN_CIDR_PREFIX, cidrProblem } from "./cidr";

/** The network of a managed data service. */
export interface DataNetwork {
    /** The VPC (`vpc-...`). */
    vpcId: pulumi.Input<string>;
    /** Private subnets (`subnet-...`) in at least two availability zones: the service's subnet group. */
    subnetIds: pulumi.Input<string>[];
    /**
     * The subnets' IPv4 CIDR blocks, in `subnetIds` order, when the estate planned them (a VPC it
     * builds, `estate:cluster`): known in a preview, where a new subnet's id is not. Default: looked up
     * from the subnet ids (`aws.ec2.getSubnet`).
     */
    subnetCidrs?: string[];
    /** Security groups (`sg-...`) whose members may connect, e.g. the cluster's nodes or pods. */
    allowedSecurityGroupIds?: pulumi.Input<string>[];
    /** IPv4 CIDR blocks that may connect, e.g. the pod CIDR. Never `/0`; at most a `/8`. */
    allowedCidrBlocks?: string[];
}

/** Validates a network argument; `fail` throws. */
export function validateNetwork(component: string, network: DataNetwork | undefined, argument = "network"): void {
    const fail = (path: string, problem: string): never => {
        throw new ArgumentError(component, path, problem);
    };
    if (network === undefined || network === null || typeof network !== "object") {
        fail(argument, "is required for a managed service ({ vpcId, subnetIds, allowedSecurityGroupIds and/or allowedCidrBlocks })");
        return;
    }
    if (network.vpcId === undefined || network.vpcId === "") {
        fail(`${argument}.vpcId`, "is required (the VPC the service lives in)");
    }
    if (!Array.isArray(network.subnetIds) || network.subnetIds.length < 2) {
        fail(`${argument}.subnetIds`, `must list at least 2 private subnets in different availability zones (got ${Array.isArray(network.subnetIds) ? network.subnetIds.length : "none"})`);
    }
    const groups = network.allowedSecurityGroupIds ?? [];
    const cidrs = network.allowedCidrBlocks ?? [];
    cidrs.forEach((cidr, i) => {
        const problem = cidrProblem(cidr);
        if (problem) {
            fail(`${argument}.allowedCidrBlocks[${i}]`, `${problem} (got ${JSON.stringify(cidr)})`);
        }
    });
    if (groups.length === 0 && cidrs.length === 0) {
        fail(argument, "must allow at least one source: allowedSecurityGroupIds or allowedCidrBlocks (nothing could connect otherwise)");
    }
}

export interface AccessSecurityGroupSpec {
    /** The component's name; children are `${name}-sg` and `${name}-from-...`. */
    name: string;
    network: DataNetwork;
    /** The TCP port the service listens on. */
    port: number;
    /** What the group guards, for its description. */
    service: string;
    region?: string;
    tags: Record<string, string>;
    parent: pulumi.Resource;
}

/**
 * A security group for one data service: no egress (the provider removes AWS's default allow-all),
 * and one ingress rule per allowed source on `port` only, as separate `aws.vpc.SecurityGroupIngressRule`s.
 */
export function accessSecurityGroup(spec: AccessSecurityGroupSpec): aws.ec2.SecurityGroup {
    const { name, network, port, region, tags, parent } = spec;
    const group = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
            description: `${spec.service} ${name}: admits only the allowed sources on ${port}`,
            vpcId: network.vpcId,
            region,
            tags: { ...tags, Name: `${name}-${spec.service.toLowerCase().replace(/[^a-z0-9]+/g, "-")}` },
        },
        { parent },
    );
    (network.allowedSecurityGroupIds ?? []).forEach((source, i) => {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-sg-${i}`,
            {
                securityGroupId: group.id,
                referencedSecurityGroupId: source,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `${spec.service} clients (security group)`,
                region,
                tags,
            },
            { parent },
        );
    });
    (network.allowedCidrBlocks ?? []).forEach((cidr, i) => {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-cidr-${i}`,
            {
                securityGroupId: group.id,
                cidrIpv4: cidr,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `${spec.service} clients (${cidr})`,
                region,
                tags,
            },
            { parent },
        );
    });
    return group;
}

/**
 * A NetworkPolicy egress rule that lets pods in the cluster reach managed data services: the
 * private subnets they live in (their CIDR blocks, looked up from the subnet ids), on the services'
 * ports only. The services' security groups still decide who gets in.
 */
export function managedServicesEgressRule(
    network: Pick<DataNetwork, "subnetIds" | "subnetCidrs">,
    ports: pulumi.Input<number>[],
    opts: { region?: string; parent?: pulumi.Resource } = {},
): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
    return {
        to: subnetCidrs(network, opts).map((cidr) => ({ ipBlock: { cidr } })),
        ports: ports.map((port) => ({ protocol: "TCP", port })),
    };
}

/**
 * A representative address of a managed data service, for declared network flows: one inside the
 * first of its private subnets (the 10th address of the subnet's CIDR, past the ones AWS reserves).
 * The service's endpoint resolves to an address in one of these subnets, and the apps' egress rule
 * (`managedServicesEgressRule`) admits every one of them alike.
 */
export function managedServiceAddress(network: Pick<DataNetwork, "subnetIds" | "subnetCidrs">, opts: { region?: string; parent?: pulumi.Resource } = {}): pulumi.Output<string> {
    return pulumi.output(subnetCidrs(network, opts)[0]!).apply((cidr) => addressInCidr(cidr, 10));
}

/** The subnets' CIDR blocks: as planned when known, else looked up by id. */
function subnetCidrs(network: Pick<DataNetwork, "subnetIds" | "subnetCidrs">, opts: { region?: string; parent?: pulumi.Resource }): pulumi.Input<string>[] {
    if (network.subnetCidrs !== undefined) {
        return network.subnetCidrs;
    }
    return network.subnetIds.map((id) => aws.ec2.getSubnetOutput({ id, region: opts.region }, { parent: opts.parent }).cidrBlock);
}

/** The `offset`-th address of an IPv4 CIDR block (`10.0.17.0/24`, 10 → `10.0.17.10`). */
export function addressInCidr(cidr: string, offset: number): string {
    const [base] = cidr.split("/");
    const value = base!.split(".").reduce((n, octet) => n * 256 + Number(octet), 0) + offset;
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}
