/**
 * Whether a subnet of the stack is public, from the resources the engine shows a stack policy. In a
 * real preview the ids of new subnets, route tables and gateways are unknown, so every join goes
 * through `propertyDependencies` (see `stack.ts`): RouteTableAssociation.subnetId → Subnet,
 * RouteTableAssociation.routeTableId → RouteTable, Route.routeTableId → RouteTable, and a route's
 * gateway → InternetGateway.
 *
 * A subnet is public when it maps a public IPv4 address on launch, or when the route table it uses
 * has a route to an internet gateway (Amazon VPC user guide, "Subnet types": "public subnet – The
 * subnet has a direct route to an internet gateway"). The route table it uses is the one an
 * explicit RouteTableAssociation names, else its VPC's main route table (Amazon VPC user guide,
 * "Route tables": a subnet not explicitly associated is implicitly associated with the main route
 * table). Egress-only internet gateways (IPv6 out only) and NAT gateways do not make a subnet public.
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource } from "@pulumi/policy";
import { asList, isRecord } from "./iam";
import { label, ofType, referencedThrough, typeTokenOf } from "./stack";
import { peek, UNKNOWN } from "./unknowns";

/** The type tokens of `@pulumi/aws` 7.48 (node_modules/@pulumi/aws/ec2/*.js, `__pulumiType`). */
export const NETWORK_TYPES = {
    vpc: typeTokenOf(aws.ec2.Vpc),
    subnet: typeTokenOf(aws.ec2.Subnet),
    routeTable: typeTokenOf(aws.ec2.RouteTable),
    defaultRouteTable: typeTokenOf(aws.ec2.DefaultRouteTable),
    route: typeTokenOf(aws.ec2.Route),
    routeTableAssociation: typeTokenOf(aws.ec2.RouteTableAssociation),
    mainRouteTableAssociation: typeTokenOf(aws.ec2.MainRouteTableAssociation),
    internetGateway: typeTokenOf(aws.ec2.InternetGateway),
} as const;

/** Why a subnet is, or may be, public: each entry a clause of a message. */
export interface SubnetExposure {
    /** Reasons the subnet is public. */
    publicBecause: string[];
    /** What could not be verified (a route table from outside the stack). */
    unverifiable: string[];
}

/** A literal internet gateway id (`igw-…`): written by hand, or an id from another stack. */
function isIgwId(value: unknown): boolean {
    return typeof value === "string" && value.startsWith("igw-");
}

/** The internet gateways a route table's own routes (inline `routes`) go to. */
function inlineIgwRoutes(table: PolicyResource): string[] {
    const gateways = referencedThrough(table, "routes", NETWORK_TYPES.internetGateway).map((igw) => label(igw));
    if (gateways.length > 0) {
        // Once the gateway exists its id (igw-…) is in the routes too: it is the same gateway.
        return gateways;
    }
    const routes = peek(() => (table.props as { routes?: unknown }).routes);
    if (routes !== UNKNOWN) {
        for (const route of asList(routes)) {
            const gateway = isRecord(route) ? peek(() => route.gatewayId) : undefined;
            if (isIgwId(gateway)) {
                gateways.push(`internet gateway '${String(gateway)}'`);
            }
        }
    }
    return gateways;
}

/** The internet gateways the separate aws.ec2.Route resources of a route table go to. */
function separateIgwRoutes(table: PolicyResource, resources: readonly PolicyResource[]): string[] {
    return ofType(resources, aws.ec2.Route)
        .filter((route) => referencedThrough(route, "routeTableId", table.type).some((t) => t.urn === table.urn))
        .flatMap((route) => {
            const viaStack = referencedThrough(route, "gatewayId", NETWORK_TYPES.internetGateway).map((igw) => `${label(igw)} (${label(route)})`);
            const gateway = peek(() => (route.props as { gatewayId?: unknown }).gatewayId);
            return viaStack.length > 0 ? viaStack : isIgwId(gateway) ? [`internet gateway '${String(gateway)}' (${label(route)})`] : [];
        });
}

/** `routes to InternetGateway 'igw'` clauses for a route table of the stack, or none. */
function internetRoutes(table: PolicyResource, resources: readonly PolicyResource[]): string[] {
    return [...inlineIgwRoutes(table), ...separateIgwRoutes(table, resources)].map((to) => `${label(table)} has a route to ${to}`);
}

/** The route tables a subnet uses: its explicit associations, else its VPC's main route table. */
function routeTablesOf(subnet: PolicyResource, resources: readonly PolicyResource[]): { tables: PolicyResource[]; unverifiable: string[] } {
    const associations = ofType(resources, aws.ec2.RouteTableAssociation).filter((a) =>
        referencedThrough(a, "subnetId", NETWORK_TYPES.subnet).some((s) => s.urn === subnet.urn),
    );
    if (associations.length > 0) {
        const tables: PolicyResource[] = [];
        const unverifiable: string[] = [];
        for (const association of associations) {
            const joined = referencedThrough(association, "routeTableId", NETWORK_TYPES.routeTable);
            if (joined.length > 0) {
                tables.push(...joined);
            } else {
                const id = peek(() => (association.props as { routeTableId?: unknown }).routeTableId);
                unverifiable.push(`${label(association)} associates it with route table ${id === UNKNOWN ? "(not known before deployment)" : `'${String(id)}'`}, which is not a RouteTable of this stack`);
            }
        }
        return { tables, unverifiable };
    }
    // No explicit association: the VPC's main route table.
    const vpcs = referencedThrough(subnet, "vpcId", NETWORK_TYPES.vpc);
    if (vpcs.length === 0) {
        return { tables: [], unverifiable: ["it has no RouteTableAssociation and its VPC is not a Vpc of this stack, so its main route table is unknown"] };
    }
    const ofVpc = (r: PolicyResource, property: string) => referencedThrough(r, property, NETWORK_TYPES.vpc).some((v) => vpcs.some((vpc) => vpc.urn === v.urn));
    const mainAssociations = ofType(resources, aws.ec2.MainRouteTableAssociation).filter((m) => ofVpc(m, "vpcId"));
    const mains = mainAssociations.flatMap((m) => referencedThrough(m, "routeTableId", NETWORK_TYPES.routeTable));
    // aws.ec2.DefaultRouteTable manages the VPC's own main route table (defaultRouteTableId: vpc.defaultRouteTableId).
    const defaults = ofType(resources, aws.ec2.DefaultRouteTable).filter((d) => ofVpc(d, "defaultRouteTableId"));
    return { tables: mainAssociations.length > 0 ? mains : defaults, unverifiable: [] };
}

/** Why a subnet of the stack is public (or cannot be shown not to be). */
export function subnetExposure(subnet: PolicyResource, resources: readonly PolicyResource[]): SubnetExposure {
    const publicBecause: string[] = [];
    const mapPublicIp = peek(() => (subnet.props as { mapPublicIpOnLaunch?: unknown }).mapPublicIpOnLaunch);
    if (mapPublicIp === true) {
        publicBecause.push("it assigns a public IPv4 address to every instance it launches (mapPublicIpOnLaunch true)");
    }
    const { tables, unverifiable } = routeTablesOf(subnet, resources);
    for (const table of tables) {
        publicBecause.push(...internetRoutes(table, resources));
    }
    return { publicBecause, unverifiable };
}
