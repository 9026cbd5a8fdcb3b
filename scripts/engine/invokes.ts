/**
 * Data-source invokes answered as the clouds would, offline.
 *
 * The mock engine hands every invoke (`aws.getAvailabilityZones`, `aws.iam.getPolicyDocument`, the
 * Kubernetes provider's `kubernetes:yaml:decode`, ...) to `answerInvoke`. A known token gets a
 * realistic answer of the shape the installed provider declares (each answer cites the `.d.ts` it
 * was checked against), consistent across calls: the same inputs give the same answer, and ids are
 * derived from the stack's account and region, so `getVpc({ default: true }).id` is the VPC that
 * `getSubnets` and `getSubnet` name. Any other token is unanswered: its result carries
 * `unansweredMarker(token)` in every string field, so what is built from it can be traced.
 *
 * A request the provider itself would reject (a duplicate `Sid`, YAML that does not parse) throws
 * with the provider's message, as the real invoke fails the program.
 *
 * See docs/invokes.md for the table of answered tokens.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UNANSWERED_MARKER_PREFIX } from "../../policies/lib/unevaluated";
import { PolicyDocumentError, record, renderPolicyDocument, str, strings } from "./iam-policy-document";

export interface InvokeContext {
    region: string;
    accountId: string;
    partition?: string;
}

export type InvokeAnswer =
    | { answered: true; outputs: Record<string, unknown> }
    | { answered: false; outputs: Record<string, unknown>; reason: string };

// The marker's prefix is the policies' (policies/lib/unevaluated.ts), which find it in a resource's inputs.
export { UNANSWERED_MARKER_PREFIX };

/** The marker string put in every string field of an unanswered invoke's result. */
export function unansweredMarker(token: string): string {
    return `${UNANSWERED_MARKER_PREFIX}${token})`;
}

type Inputs = Record<string, unknown>;
type Answerer = (inputs: Inputs, ctx: ResolvedContext, token: string) => InvokeAnswer;

/** Answers a data-source invoke as the cloud would, consistently (same inputs -> same answer; ids stable per stack). */
export function answerInvoke(token: string, inputs: Record<string, unknown>, ctx: InvokeContext): InvokeAnswer {
    const answerer = ANSWERERS[token];
    const resolved = resolveContext(inputs, ctx);
    if (answerer) return answerer(inputs ?? {}, resolved, token);
    if (token === "kubernetes:helm:template" || token === "kubernetes:kustomize:directory") {
        return {
            answered: false,
            outputs: { result: [] },
            reason: `${token}: rendered by the provider's Helm/kustomize engine, which the offline check does not run`,
        };
    }
    return unanswered(token, inputs ?? {}, `the data source ${token} has no offline answer (the provider would ask the cloud)`);
}

// ---------------------------------------------------------------------------------------------
// Context: region and partition

interface ResolvedContext {
    /** The region the invoke runs in: its own `region` argument (every @pulumi/aws 7 invoke takes one), else the stack's. */
    region: string;
    accountId: string;
    partition: PartitionInfo;
    /** The stack's region, which the account-wide lookups (default VPC ...) do not depend on. */
    stackRegion: string;
}

interface PartitionInfo {
    partition: string;
    dnsSuffix: string;
    reverseDnsPrefix: string;
}

// Partitions, the regions they hold and their DNS suffixes as AWS's endpoint metadata lists them
// (aws-sdk-js-v3 packages/util-endpoints/src/lib/aws/partitions.json: "aws" amazonaws.com, "aws-cn"
// amazonaws.com.cn, "aws-us-gov" amazonaws.com, "aws-iso" c2s.ic.gov, "aws-iso-b" sc2s.sgov.gov,
// "aws-iso-e" cloud.adc-e.uk, "aws-iso-f" csp.hci.ic.gov, "aws-eusc" amazonaws.eu). The reverse DNS
// prefix is the suffix's labels reversed (hashicorp/terraform-provider-aws website/docs/d/partition.html.markdown:
// `com.amazonaws` in AWS Commercial, `cn.com.amazonaws` in AWS China).
function partitionInfo(partition: string, dnsSuffix: string): PartitionInfo {
    return { partition, dnsSuffix, reverseDnsPrefix: dnsSuffix.split(".").reverse().join(".") };
}
const PARTITIONS: { test: RegExp; info: PartitionInfo }[] = [
    { test: /^cn-/, info: partitionInfo("aws-cn", "amazonaws.com.cn") },
    { test: /^us-gov-/, info: partitionInfo("aws-us-gov", "amazonaws.com") },
    { test: /^us-isob-/, info: partitionInfo("aws-iso-b", "sc2s.sgov.gov") },
    { test: /^us-isof-/, info: partitionInfo("aws-iso-f", "csp.hci.ic.gov") },
    { test: /^us-iso-/, info: partitionInfo("aws-iso", "c2s.ic.gov") },
    { test: /^eu-isoe-/, info: partitionInfo("aws-iso-e", "cloud.adc-e.uk") },
    { test: /^eusc-/, info: partitionInfo("aws-eusc", "amazonaws.eu") },
];
const AWS_PARTITION: PartitionInfo = partitionInfo("aws", "amazonaws.com");

function partitionOf(region: string, explicit?: string): PartitionInfo {
    if (explicit) {
        const known = [AWS_PARTITION, ...PARTITIONS.map((p) => p.info)].find((p) => p.partition === explicit);
        if (known) return known;
    }
    return PARTITIONS.find((p) => p.test.test(region))?.info ?? AWS_PARTITION;
}

function resolveContext(inputs: Inputs | undefined, ctx: InvokeContext): ResolvedContext {
    const region = str(inputs?.region) ?? ctx.region;
    return { region, accountId: ctx.accountId, partition: partitionOf(region, region === ctx.region ? ctx.partition : undefined), stackRegion: ctx.region };
}

// Region descriptions as AWS names them (the same partitions.json, "description"), which aws_region returns.
const REGION_DESCRIPTIONS: Record<string, string> = {
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "cn-north-1": "China (Beijing)",
    "cn-northwest-1": "China (Ningxia)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)",
    "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eusc-de-east-1": "EU (Germany)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)",
    "me-south-1": "Middle East (Bahrain)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (Sao Paulo)",
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
};

// ---------------------------------------------------------------------------------------------
// Small helpers

function digest(parts: unknown[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** An AWS-style resource id: `<prefix>-` and 17 hex digits, derived from the parts (so stable per stack). */
function awsId(prefix: string, ...parts: unknown[]): string {
    return `${prefix}-${digest([prefix, ...parts]).slice(0, 17)}`;
}

/** A stable UUID-shaped id (KMS key ids, ACM certificate ids, secret version ids). */
function uuid(...parts: unknown[]): string {
    const h = digest(parts);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Upper-case alphanumerics, as IAM unique ids (`AIDA...`, `AROA...`) and Route 53 zone ids use. */
function upperAlnum(length: number, ...parts: unknown[]): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const bytes = createHash("sha256").update(JSON.stringify(parts)).digest();
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[bytes[i % bytes.length]! % alphabet.length];
    return out;
}

function hashByte(...parts: unknown[]): number {
    return createHash("sha256").update(JSON.stringify(parts)).digest()[0]!;
}

interface Filter {
    name: string;
    values: string[];
}

function filtersOf(inputs: Inputs): Filter[] {
    return (Array.isArray(inputs.filters) ? inputs.filters : []).map((f) => record(f)).map((f) => ({ name: String(f.name ?? ""), values: strings(f.values) }));
}

function filterValues(inputs: Inputs, ...names: string[]): string[] | undefined {
    const found = filtersOf(inputs).filter((f) => names.includes(f.name));
    return found.length ? found.flatMap((f) => f.values) : undefined;
}

/** The EC2 filter syntax's `*` and `?` wildcards, as a RegExp. */
function wildcard(pattern: string): RegExp {
    return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

function tagsOf(inputs: Inputs): Record<string, string> {
    return Object.fromEntries(Object.entries(record(inputs.tags)).map(([k, v]) => [k, String(v)]));
}

function answered(outputs: Record<string, unknown>): InvokeAnswer {
    return { answered: true, outputs };
}

const CREATED = "2024-01-15T09:30:00Z";

/**
 * The error a provider's failed invoke reaches the program as: the engine wraps it as "invocation of
 * <token> returned an error: ..." (pulumi/pulumi pkg/resource/deploy/source_eval.go, Invoke), and the
 * SDK rejects the invoke with the gRPC error's `details` (@pulumi/pulumi runtime/invoke.js).
 */
function providerError(token: string, message: string): Error & { details: string } {
    const text = `invocation of ${token} returned an error: ${message}`;
    return Object.assign(new Error(text), { details: text });
}

// ---------------------------------------------------------------------------------------------
// Account, partition, region, availability zones

/**
 * AWS's zone-id prefix for a region: `us-east-1` -> `use1`, `ap-southeast-2` -> `apse2`, `us-gov-west-1` -> `usgw1`
 * ("the first three letters of the Region code, followed by the number at the end of the Region code, followed by
 * -az, followed by a number": https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html).
 */
function zoneIdPrefix(region: string): string {
    const parts = region.split("-");
    const num = parts.pop() ?? "1";
    const gov = parts[1] === "gov" ? "g" : "";
    const direction = (gov ? parts[2] : parts[1]) ?? "";
    const dir = ({ east: "e", west: "w", north: "n", south: "s", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw" } as Record<string, string>)[direction] ?? direction.slice(0, 2);
    return `${parts[0]}${gov}${dir}${num}`;
}

interface Zone {
    name: string;
    zoneId: string;
}

/** Three zones per region, `<region>a..c`, with AWS-style zone ids (`use1-az1` ...). */
function zonesOf(region: string): Zone[] {
    return ["a", "b", "c"].map((letter, i) => ({ name: `${region}${letter}`, zoneId: `${zoneIdPrefix(region)}-az${i + 1}` }));
}

// Shape checked against node_modules/@pulumi/aws/getAvailabilityZones.d.ts (GetAvailabilityZonesResult).
const getAvailabilityZones: Answerer = (inputs, ctx) => {
    let zones = zonesOf(ctx.region);
    const state = str(inputs.state);
    // Every zone the engine knows is "available" and needs no opt-in.
    if (state && state !== "available") zones = [];
    const excludeNames = strings(inputs.excludeNames);
    const excludeZoneIds = strings(inputs.excludeZoneIds);
    zones = zones.filter((z) => !excludeNames.includes(z.name) && !excludeZoneIds.includes(z.zoneId));
    const zoneAttribute = (z: Zone, name: string): string | undefined =>
        ({
            "zone-name": z.name,
            "zone-id": z.zoneId,
            "region-name": ctx.region,
            "group-name": ctx.region,
            "opt-in-status": "opt-in-not-required",
            "zone-type": "availability-zone",
            state: "available",
        })[name];
    for (const f of filtersOf(inputs)) {
        zones = zones.filter((z) => {
            const value = zoneAttribute(z, f.name);
            return value === undefined || f.values.some((v) => wildcard(v).test(value));
        });
    }
    return answered({
        ...inputs,
        id: ctx.region,
        region: ctx.region,
        names: zones.map((z) => z.name),
        zoneIds: zones.map((z) => z.zoneId),
        groupNames: zones.length ? [ctx.region] : [],
    });
};

// Shape checked against node_modules/@pulumi/aws/getCallerIdentity.d.ts (GetCallerIdentityResult).
const getCallerIdentity: Answerer = (_inputs, ctx) =>
    answered({
        id: ctx.accountId,
        accountId: ctx.accountId,
        arn: `arn:${ctx.partition.partition}:iam::${ctx.accountId}:user/offline-check`,
        userId: `AIDA${upperAlnum(17, "user", ctx.accountId)}`,
    });

// Shape checked against node_modules/@pulumi/aws/getPartition.d.ts (GetPartitionResult).
const getPartition: Answerer = (_inputs, ctx) => answered({ id: ctx.partition.partition, ...ctx.partition });

// Shape checked against node_modules/@pulumi/aws/getRegion.d.ts (GetRegionResult): `name` is the
// deprecated alias of `region`; `endpoint` is the region's EC2 endpoint.
const getRegion: Answerer = (inputs, ctx) => {
    const region = str(inputs.name) ?? ctx.region;
    const partition = partitionOf(region);
    return answered({
        id: region,
        name: region,
        region,
        endpoint: `ec2.${region}.${partition.dnsSuffix}`,
        description: REGION_DESCRIPTIONS[region] ?? region,
    });
};

// ---------------------------------------------------------------------------------------------
// EC2: AMIs, VPCs, subnets, security groups, internet gateways

// AMI owner aliases and the accounts that publish under them (137112412989 is the owner id public
// programs use for Amazon Linux images; 679593333241 for AWS Marketplace; 099720109477 is Canonical).
const AMI_OWNER_ALIASES: Record<string, string> = { amazon: "137112412989", "aws-marketplace": "679593333241" };
const CANONICAL = "099720109477";

function amiQuery(inputs: Inputs, ctx: ResolvedContext): unknown[] {
    return [ctx.region, ctx.accountId, filtersOf(inputs), strings(inputs.owners), str(inputs.nameRegex) ?? "", strings(inputs.executableUsers)];
}

// Shape checked against node_modules/@pulumi/aws/ec2/getAmi.d.ts (GetAmiResult) and
// types/output.d.ts (GetAmiBlockDeviceMapping: deviceName, ebs map, noDevice, virtualName).
const getAmi: Answerer = (inputs, ctx) => {
    const id = awsId("ami", ...amiQuery(inputs, ctx));
    const owners = strings(inputs.owners);
    const namePattern = filterValues(inputs, "name")?.[0];
    const name = namePattern ? namePattern.replace(/\*/g, "20240115").replace(/\?/g, "0") : `offline-image-${id.slice(4, 12)}`;
    const arch = filterValues(inputs, "architecture")?.[0] ?? (/arm64|aarch64/.test(name) ? "arm64" : "x86_64");
    const windows = /windows/i.test(name) || filterValues(inputs, "platform")?.[0] === "windows";
    const canonical = owners.includes(CANONICAL) || /ubuntu|debian/i.test(name);
    const rootDeviceName = windows || canonical ? "/dev/sda1" : "/dev/xvda";
    const owner = owners[0] ?? "self";
    const ownerId = AMI_OWNER_ALIASES[owner] ?? (/^\d{12}$/.test(owner) ? owner : ctx.accountId);
    const rootSnapshotId = awsId("snap", id);
    return answered({
        ...inputs,
        id,
        imageId: id,
        arn: `arn:${ctx.partition.partition}:ec2:${ctx.region}::image/${id}`,
        name,
        description: name,
        architecture: arch,
        blockDeviceMappings: [{ deviceName: rootDeviceName, ebs: { delete_on_termination: "true", encrypted: "false", iops: "0", snapshot_id: rootSnapshotId, throughput: "0", volume_size: "8", volume_type: "gp3" }, noDevice: "", virtualName: "" }],
        bootMode: "",
        creationDate: "2024-01-15T09:30:00.000Z",
        deprecationTime: "2026-01-15T09:30:00.000Z",
        enaSupport: true,
        hypervisor: "xen",
        imageLocation: `${AMI_OWNER_ALIASES[owner] ? owner : ownerId}/${name}`,
        imageOwnerAlias: AMI_OWNER_ALIASES[owner] ? owner : "",
        imageType: "machine",
        imdsSupport: "v2.0",
        kernelId: "",
        lastLaunchedTime: "",
        ownerId,
        platform: windows ? "windows" : "",
        platformDetails: windows ? "Windows" : "Linux/UNIX",
        productCodes: [],
        public: owner !== "self",
        ramdiskId: "",
        region: ctx.region,
        rootDeviceName,
        rootDeviceType: "ebs",
        rootSnapshotId,
        sriovNetSupport: "simple",
        state: "available",
        stateReason: { code: "UNSET", message: "UNSET" },
        tags: {},
        tpmSupport: "",
        usageOperation: windows ? "RunInstances:0002" : "RunInstances",
        virtualizationType: "hvm",
    });
};

// Shape checked against node_modules/@pulumi/aws/ec2/getAmiIds.d.ts (GetAmiIdsResult).
const getAmiIds: Answerer = (inputs, ctx) =>
    answered({ ...inputs, id: ctx.region, region: ctx.region, owners: strings(inputs.owners), ids: [awsId("ami", ...amiQuery(inputs, ctx))] });

interface VpcInfo {
    id: string;
    cidrBlock: string;
    isDefault: boolean;
}

interface SubnetInfo {
    id: string;
    vpcId: string;
    zone: Zone;
    cidrBlock: string;
    defaultForAz: boolean;
}

/** The default VPC of the account in a region: 172.31.0.0/16, as AWS creates it. */
function defaultVpc(ctx: ResolvedContext): VpcInfo {
    return { id: awsId("vpc", ctx.accountId, ctx.region, "default"), cidrBlock: "172.31.0.0/16", isDefault: true };
}

/** The VPC that subnet ids the engine never issued (an existing network named in config) belong to. */
function existingVpc(ctx: ResolvedContext): VpcInfo {
    return { id: awsId("vpc", ctx.accountId, ctx.region, "existing"), cidrBlock: "10.0.0.0/16", isDefault: false };
}

/** Any other VPC: a /16 of 10.0.0.0/8 derived from its id. */
function vpcById(id: string, ctx: ResolvedContext): VpcInfo {
    for (const known of [defaultVpc(ctx), existingVpc(ctx)]) if (known.id === id) return known;
    return { id, cidrBlock: `10.${1 + (hashByte(id) % 254)}.0.0/16`, isDefault: false };
}

/** One subnet per zone: the default VPC's are /20s of 172.31.0.0/16 (AWS's default subnets), others /20s of their /16. */
function subnetsOf(vpc: VpcInfo, ctx: ResolvedContext): SubnetInfo[] {
    const [a, b] = vpc.cidrBlock.split(".");
    return zonesOf(ctx.region).map((zone, i) => {
        const subnet = { id: awsId("subnet", vpc.id, zone.name), vpcId: vpc.id, zone, cidrBlock: `${a}.${b}.${i * 16}.0/20`, defaultForAz: vpc.isDefault };
        ISSUED_SUBNETS.set(subnet.id, subnet);
        return subnet;
    });
}

/** Subnets answered by getSubnets in this process, so getSubnet of one of their ids names the same VPC and zone. */
const ISSUED_SUBNETS = new Map<string, SubnetInfo>();

/** Which VPC a VPC lookup (`getVpc`, `getVpcs`, or a `vpc-id` filter) selects. */
function selectVpc(inputs: Inputs, ctx: ResolvedContext): VpcInfo {
    const id = str(inputs.id) ?? filterValues(inputs, "vpc-id")?.[0];
    if (id) return vpcById(id, ctx);
    const isDefault = inputs.default === true || filterValues(inputs, "isDefault", "is-default")?.[0] === "true";
    const criteria = { tags: tagsOf(inputs), filters: filtersOf(inputs), cidrBlock: str(inputs.cidrBlock) ?? "" };
    if (isDefault || (Object.keys(criteria.tags).length === 0 && criteria.filters.length === 0 && !criteria.cidrBlock)) return defaultVpc(ctx);
    const vpc = vpcById(awsId("vpc", ctx.accountId, ctx.region, criteria), ctx);
    const cidr = criteria.cidrBlock || filterValues(inputs, "cidr", "cidr-block-association.cidr-block", "cidrBlock")?.[0];
    return cidr ? { ...vpc, cidrBlock: cidr } : vpc;
}

// Shape checked against node_modules/@pulumi/aws/ec2/getVpc.d.ts (GetVpcResult) and types/output.d.ts
// (GetVpcCidrBlockAssociation: associationId, cidrBlock, state).
const getVpc: Answerer = (inputs, ctx) => {
    const vpc = selectVpc(inputs, ctx);
    return answered({
        ...inputs,
        id: vpc.id,
        arn: `arn:${ctx.partition.partition}:ec2:${ctx.region}:${ctx.accountId}:vpc/${vpc.id}`,
        cidrBlock: vpc.cidrBlock,
        cidrBlockAssociations: [{ associationId: awsId("vpc-cidr-assoc", vpc.id), cidrBlock: vpc.cidrBlock, state: "associated" }],
        default: vpc.isDefault,
        dhcpOptionsId: awsId("dopt", ctx.accountId, ctx.region),
        // AWS turns DNS hostnames on in a default VPC only; DNS support is on in every VPC.
        enableDnsHostnames: vpc.isDefault,
        enableDnsSupport: true,
        enableNetworkAddressUsageMetrics: false,
        instanceTenancy: "default",
        ipv6AssociationId: "",
        ipv6CidrBlock: "",
        ipv6CidrBlockAssociations: [],
        mainRouteTableId: awsId("rtb", vpc.id, "main"),
        ownerId: ctx.accountId,
        region: ctx.region,
        state: "available",
        tags: tagsOf(inputs),
    });
};

// Shape checked against node_modules/@pulumi/aws/ec2/getVpcs.d.ts (GetVpcsResult).
const getVpcs: Answerer = (inputs, ctx) => answered({ ...inputs, id: ctx.region, region: ctx.region, ids: [selectVpc(inputs, ctx).id], tags: tagsOf(inputs) });

/** The subnets a getSubnets/getSubnet query selects: those of the VPC it names (the default VPC otherwise), narrowed by zone and id filters. */
function selectSubnets(inputs: Inputs, ctx: ResolvedContext): SubnetInfo[] {
    const vpcId = str(inputs.vpcId) ?? filterValues(inputs, "vpc-id")?.[0];
    const vpc = vpcId ? vpcById(vpcId, ctx) : defaultVpc(ctx);
    let subnets = subnetsOf(vpc, ctx);
    const zones = [...strings(filterValues(inputs, "availability-zone", "availabilityZone")), ...(str(inputs.availabilityZone) ? [str(inputs.availabilityZone)!] : [])];
    if (zones.length) subnets = subnets.filter((s) => zones.some((z) => wildcard(z).test(s.zone.name)));
    const zoneIds = [...strings(filterValues(inputs, "availability-zone-id")), ...(str(inputs.availabilityZoneId) ? [str(inputs.availabilityZoneId)!] : [])];
    if (zoneIds.length) subnets = subnets.filter((s) => zoneIds.includes(s.zone.zoneId));
    return subnets;
}

// Shape checked against node_modules/@pulumi/aws/ec2/getSubnets.d.ts (GetSubnetsResult).
const getSubnets: Answerer = (inputs, ctx) => answered({ ...inputs, id: ctx.region, region: ctx.region, ids: selectSubnets(inputs, ctx).map((s) => s.id), tags: tagsOf(inputs) });

/** A subnet by id: one the engine issued (or the default VPC's), else an existing one of config: a /24 of 10.0.0.0/16 per id. */
function subnetById(id: string, ctx: ResolvedContext): SubnetInfo {
    const issued = ISSUED_SUBNETS.get(id) ?? subnetsOf(defaultVpc(ctx), ctx).find((s) => s.id === id);
    if (issued) return issued;
    const byte = hashByte(id);
    const zones = zonesOf(ctx.region);
    return { id, vpcId: existingVpc(ctx).id, zone: zones[byte % zones.length]!, cidrBlock: `10.0.${byte}.0/24`, defaultForAz: false };
}

// Shape checked against node_modules/@pulumi/aws/ec2/getSubnet.d.ts (GetSubnetResult).
const getSubnet: Answerer = (inputs, ctx) => {
    const id = str(inputs.id) ?? filterValues(inputs, "subnet-id")?.[0];
    const subnet = id ? subnetById(id, ctx) : selectSubnets(inputs, ctx)[0] ?? subnetById(awsId("subnet", inputs), ctx);
    const cidrBlock = str(inputs.cidrBlock) ?? subnet.cidrBlock;
    const [base, bits] = cidrBlock.split("/");
    return answered({
        ...inputs,
        id: subnet.id,
        arn: `arn:${ctx.partition.partition}:ec2:${ctx.region}:${ctx.accountId}:subnet/${subnet.id}`,
        assignIpv6AddressOnCreation: false,
        availabilityZone: subnet.zone.name,
        availabilityZoneId: subnet.zone.zoneId,
        // A subnet's size minus the 5 addresses AWS reserves in each.
        availableIpAddressCount: 2 ** (32 - Number(bits ?? 24)) - 5,
        cidrBlock: `${base}/${bits}`,
        customerOwnedIpv4Pool: "",
        defaultForAz: subnet.defaultForAz,
        enableDns64: false,
        enableLniAtDeviceIndex: 0,
        enableResourceNameDnsARecordOnLaunch: false,
        enableResourceNameDnsAaaaRecordOnLaunch: false,
        ipv6CidrBlock: "",
        ipv6CidrBlockAssociationId: "",
        ipv6Native: false,
        mapCustomerOwnedIpOnLaunch: false,
        mapPublicIpOnLaunch: subnet.defaultForAz,
        outpostArn: "",
        ownerId: ctx.accountId,
        privateDnsHostnameTypeOnLaunch: "ip-name",
        region: ctx.region,
        state: "available",
        tags: tagsOf(inputs),
        vpcId: subnet.vpcId,
    });
};

// Shape checked against node_modules/@pulumi/aws/ec2/getSecurityGroup.d.ts (GetSecurityGroupResult).
const getSecurityGroup: Answerer = (inputs, ctx) => {
    const vpcId = str(inputs.vpcId) ?? filterValues(inputs, "vpc-id")?.[0] ?? defaultVpc(ctx).id;
    const name = str(inputs.name) ?? filterValues(inputs, "group-name")?.[0] ?? (str(inputs.id) ? `sg-name-${str(inputs.id)}` : "default");
    const id = str(inputs.id) ?? filterValues(inputs, "group-id")?.[0] ?? awsId("sg", vpcId, name, tagsOf(inputs));
    return answered({
        ...inputs,
        id,
        arn: `arn:${ctx.partition.partition}:ec2:${ctx.region}:${ctx.accountId}:security-group/${id}`,
        description: name === "default" ? "default VPC security group" : name,
        name,
        region: ctx.region,
        tags: tagsOf(inputs),
        vpcId,
    });
};

// Shape checked against node_modules/@pulumi/aws/ec2/getInternetGateway.d.ts (GetInternetGatewayResult)
// and types/output.d.ts (GetInternetGatewayAttachment: state, vpcId).
const getInternetGateway: Answerer = (inputs, ctx) => {
    const vpcId = filterValues(inputs, "attachment.vpc-id")?.[0] ?? defaultVpc(ctx).id;
    const id = str(inputs.internetGatewayId) ?? filterValues(inputs, "internet-gateway-id")?.[0] ?? awsId("igw", vpcId);
    return answered({
        ...inputs,
        id,
        internetGatewayId: id,
        arn: `arn:${ctx.partition.partition}:ec2:${ctx.region}:${ctx.accountId}:internet-gateway/${id}`,
        attachments: [{ state: "available", vpcId }],
        ownerId: ctx.accountId,
        region: ctx.region,
        tags: tagsOf(inputs),
    });
};

// ---------------------------------------------------------------------------------------------
// IAM policy documents, rendered exactly as the provider renders them (iam-policy-document.ts)

// Shape checked against node_modules/@pulumi/aws/iam/getPolicyDocument.d.ts (GetPolicyDocumentResult:
// id, json, minifiedJson, and the arguments echoed).
const getPolicyDocument: Answerer = (inputs, _ctx, token) => {
    try {
        const rendered = renderPolicyDocument(inputs);
        return answered({ ...inputs, version: str(inputs.version) ?? "2012-10-17", ...rendered });
    } catch (e) {
        if (e instanceof PolicyDocumentError) throw providerError(token, e.message);
        throw e;
    }
};

// ---------------------------------------------------------------------------------------------
// IAM roles, Route 53, ACM, KMS, SSM, EKS, ELB, ECR, Secrets Manager

// Shape checked against node_modules/@pulumi/aws/iam/getRole.d.ts (GetRoleResult).
const getRole: Answerer = (inputs, ctx) => {
    const name = str(inputs.name) ?? "role";
    return answered({
        ...inputs,
        id: name,
        name,
        arn: `arn:${ctx.partition.partition}:iam::${ctx.accountId}:role/${name}`,
        // What the role trusts is the account's own business; the engine answers with a trust of the account itself.
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:${ctx.partition.partition}:iam::${ctx.accountId}:root` }, Action: "sts:AssumeRole" }] }),
        createDate: CREATED,
        description: "",
        maxSessionDuration: 3600,
        path: "/",
        permissionsBoundary: "",
        roleLastUseds: [],
        tags: {},
        uniqueId: `AROA${upperAlnum(17, "role", ctx.accountId, name)}`,
    });
};

// Shape checked against node_modules/@pulumi/aws/route53/getZone.d.ts (GetZoneResult).
const getZone: Answerer = (inputs, ctx) => {
    const zoneId = str(inputs.zoneId) ?? `Z${upperAlnum(20, "zone", ctx.accountId, str(inputs.name) ?? "", inputs.privateZone === true)}`;
    const name = (str(inputs.name) ?? `zone-${zoneId.toLowerCase()}.example.com`).replace(/\.$/, "");
    const n = hashByte("ns", zoneId);
    const nameServers = [`ns-${n * 4}.awsdns-${n % 64}.org`, `ns-${n * 4 + 1}.awsdns-${n % 64}.co.uk`, `ns-${n * 4 + 2}.awsdns-${n % 64}.com`, `ns-${n * 4 + 3}.awsdns-${n % 64}.net`];
    return answered({
        ...inputs,
        id: zoneId,
        zoneId,
        name,
        arn: `arn:${ctx.partition.partition}:route53:::hostedzone/${zoneId}`,
        callerReference: uuid("caller", zoneId),
        comment: "",
        linkedServiceDescription: "",
        linkedServicePrincipal: "",
        nameServers,
        primaryNameServer: nameServers[0],
        privateZone: inputs.privateZone === true,
        resourceRecordSetCount: 2,
        tags: tagsOf(inputs),
    });
};

// Shape checked against node_modules/@pulumi/aws/acm/getCertificate.d.ts (GetCertificateResult).
const getCertificate: Answerer = (inputs, ctx) => {
    const domain = str(inputs.domain) ?? "example.com";
    const arn = `arn:${ctx.partition.partition}:acm:${ctx.region}:${ctx.accountId}:certificate/${uuid("acm", ctx.accountId, ctx.region, domain)}`;
    return answered({
        ...inputs,
        id: arn,
        arn,
        domain,
        certificate: "",
        certificateChain: "",
        status: "ISSUED",
        region: ctx.region,
        tags: tagsOf(inputs),
    });
};

/** The key behind an alias name (`alias/x`): stable per account and region, so getAlias and getKey agree. */
function keyIdForAlias(alias: string, ctx: ResolvedContext): string {
    return uuid("kms-alias", ctx.accountId, ctx.region, alias);
}

function kmsArn(ctx: ResolvedContext, resource: string): string {
    return `arn:${ctx.partition.partition}:kms:${ctx.region}:${ctx.accountId}:${resource}`;
}

// Shape checked against node_modules/@pulumi/aws/kms/getAlias.d.ts (GetAliasResult).
const getAlias: Answerer = (inputs, ctx) => {
    const name = str(inputs.name) ?? "alias/aws/ebs";
    const arn = kmsArn(ctx, name);
    const targetKeyId = keyIdForAlias(name, ctx);
    return answered({ ...inputs, id: arn, arn, name, region: ctx.region, targetKeyId, targetKeyArn: kmsArn(ctx, `key/${targetKeyId}`) });
};

// Shape checked against node_modules/@pulumi/aws/kms/getKey.d.ts (GetKeyResult).
const getKey: Answerer = (inputs, ctx) => {
    const ref = str(inputs.keyId) ?? "";
    const alias = /(?:^|:)(alias\/.+)$/.exec(ref)?.[1];
    const keyId = alias ? keyIdForAlias(alias, ctx) : (/key\/(.+)$/.exec(ref)?.[1] ?? ref);
    const awsManaged = alias?.startsWith("alias/aws/") ?? false;
    return answered({
        ...inputs,
        id: keyId,
        keyId,
        arn: kmsArn(ctx, `key/${keyId}`),
        awsAccountId: ctx.accountId,
        cloudHsmClusterId: "",
        creationDate: CREATED,
        customKeyStoreId: "",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        deletionDate: "",
        description: awsManaged ? `Default key that protects my ${alias!.slice("alias/aws/".length).toUpperCase()} data when no other key is defined` : "",
        enabled: true,
        expirationModel: "",
        keyManager: awsManaged ? "AWS" : "CUSTOMER",
        keySpec: "SYMMETRIC_DEFAULT",
        keyState: "Enabled",
        keyUsage: "ENCRYPT_DECRYPT",
        multiRegion: false,
        multiRegionConfigurations: [],
        origin: "AWS_KMS",
        pendingDeletionWindowInDays: 0,
        region: ctx.region,
        validTo: "",
        xksKeyConfigurations: [],
    });
};

// Shape checked against node_modules/@pulumi/aws/ssm/getParameter.d.ts (GetParameterResult).
// AWS's public parameters under /aws/service/ that name an image answer with an AMI id; any other
// parameter's value is the account's own data, which no offline answer can know: unanswered.
const getParameter: Answerer = (inputs, ctx, token) => {
    const name = str(inputs.name) ?? "";
    const arnName = name.startsWith("/") ? name.slice(1) : name;
    const base = { ...inputs, id: name, name, arn: `arn:${ctx.partition.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter/${arnName}`, region: ctx.region, version: 1 };
    if (/^\/aws\/service\/.*(ami|image_id|image-id)/i.test(name)) {
        const value = awsId("ami", "ssm", ctx.region, name);
        return answered({ ...base, type: "String", value, insecureValue: value });
    }
    const marker = unansweredMarker(token);
    return { answered: false, outputs: { ...base, type: "String", value: marker, insecureValue: marker }, reason: `${token}: the value of parameter ${JSON.stringify(name)} lives in the account; the offline check cannot read it` };
};

// Shape checked against node_modules/@pulumi/aws/eks/getCluster.d.ts (GetClusterResult) and
// types/output.d.ts (GetClusterCertificateAuthority, GetClusterIdentity/Oidc, GetClusterVpcConfig,
// GetClusterAccessConfig, GetClusterKubernetesNetworkConfig).
const getCluster: Answerer = (inputs, ctx) => {
    const name = str(inputs.name) ?? "cluster";
    const oidcId = digest(["eks-oidc", ctx.accountId, ctx.region, name]).slice(0, 32).toUpperCase();
    const vpc = defaultVpc(ctx);
    return answered({
        ...inputs,
        id: name,
        name,
        arn: `arn:${ctx.partition.partition}:eks:${ctx.region}:${ctx.accountId}:cluster/${name}`,
        accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true }],
        certificateAuthorities: [{ data: Buffer.from(`offline certificate authority of ${name}`).toString("base64") }],
        clusterId: "",
        computeConfigs: [],
        controlPlaneScalingConfigs: [],
        createdAt: CREATED,
        deletionProtection: false,
        enabledClusterLogTypes: [],
        endpoint: `https://${oidcId}.gr7.${ctx.region}.eks.${ctx.partition.dnsSuffix}`,
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${ctx.region}.${ctx.partition.dnsSuffix}/id/${oidcId}` }] }],
        kubeApiServerConfigs: [],
        kubeControllerManagerConfigs: [],
        kubeSchedulerConfigs: [],
        kubernetesNetworkConfigs: [{ elasticLoadBalancings: [{ enabled: false }], ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16", serviceIpv6Cidr: "" }],
        outpostConfigs: [],
        platformVersion: "eks.1",
        region: ctx.region,
        remoteNetworkConfigs: [],
        roleArn: `arn:${ctx.partition.partition}:iam::${ctx.accountId}:role/${name}-cluster-role`,
        status: "ACTIVE",
        storageConfigs: [],
        tags: {},
        upgradePolicies: [{ supportType: "STANDARD" }],
        version: "1.33",
        vpcConfig: {
            clusterSecurityGroupId: awsId("sg", vpc.id, `eks-cluster-sg-${name}`),
            controlPlaneEgressMode: "",
            endpointPrivateAccess: false,
            endpointPublicAccess: true,
            publicAccessCidrs: ["0.0.0.0/0"],
            securityGroupIds: [],
            subnetIds: subnetsOf(vpc, ctx).map((s) => s.id),
            vpcId: vpc.id,
        },
        zonalShiftConfigs: [],
    });
};

// Shape checked against node_modules/@pulumi/aws/eks/getClusterAuth.d.ts (GetClusterAuthResult): the token
// is the `k8s-aws-v1.`-prefixed, base64url presigned STS request the AWS IAM authenticator uses.
const getClusterAuth: Answerer = (inputs, ctx) => {
    const name = str(inputs.name) ?? "cluster";
    const url = `https://sts.${ctx.region}.${ctx.partition.dnsSuffix}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60&X-K8s-Aws-Id=${name}`;
    return answered({ ...inputs, id: name, name, region: ctx.region, token: `k8s-aws-v1.${Buffer.from(url).toString("base64url")}` });
};

// The accounts Elastic Load Balancing delivers access logs from, per region: hashicorp/terraform-provider-aws
// internal/service/elb/service_account_data_source.go (accountIDPerRegionMap). Other regions are an error there.
const ELB_ACCOUNTS: Record<string, string> = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
};

// Shape checked against node_modules/@pulumi/aws/elb/getServiceAccount.d.ts (GetServiceAccountResult).
const getServiceAccount: Answerer = (inputs, ctx, token) => {
    const account = ELB_ACCOUNTS[ctx.region];
    if (!account) throw providerError(token, `unsupported AWS Region: ${ctx.region}`);
    return answered({ ...inputs, id: account, arn: `arn:${ctx.partition.partition}:iam::${account}:root`, region: ctx.region });
};

// Shape checked against node_modules/@pulumi/aws/ecr/getAuthorizationToken.d.ts (GetAuthorizationTokenResult):
// the token is base64 of `AWS:<password>`, as ECR returns it.
const getAuthorizationToken: Answerer = (inputs, ctx) => {
    const registryId = str(inputs.registryId) ?? ctx.accountId;
    const registry = `${registryId}.dkr.ecr.${ctx.region}.${ctx.partition.dnsSuffix}`;
    const password = "mock-ecr-password";
    return answered({
        ...inputs,
        id: ctx.region,
        region: ctx.region,
        registryId,
        userName: "AWS",
        password,
        authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
        proxyEndpoint: `https://${registry}`,
        expiresAt: "2099-01-01T00:00:00Z",
    });
};

/** Must equal mock-engine.ts's MOCK_MANAGED_PASSWORD: the password of a master-user secret RDS manages. */
const MANAGED_PASSWORD = "mock-managed-password";

// Shape checked against node_modules/@pulumi/aws/secretsmanager/getSecretVersion.d.ts (GetSecretVersionResult).
// A secret RDS manages for a master user (`rds!...`) holds {"username","password"}; any other secret's
// value is the account's own data: unanswered.
const getSecretVersion: Answerer = (inputs, ctx, token) => {
    const secretId = str(inputs.secretId) ?? "";
    const secretArn = secretId.startsWith("arn:") ? secretId : `arn:${ctx.partition.partition}:secretsmanager:${ctx.region}:${ctx.accountId}:secret:${secretId}-${upperAlnum(6, secretId).toLowerCase()}`;
    const versionId = str(inputs.versionId) ?? uuid("secret-version", secretArn);
    const base = { ...inputs, id: `${secretArn}|${versionId}`, arn: secretArn, secretArn, secretId, versionId, versionStages: ["AWSCURRENT"], createdDate: CREATED, region: ctx.region, secretBinary: "" };
    if (/:secret:rds!|^rds!/.test(secretId)) {
        return answered({ ...base, secretString: JSON.stringify({ username: "postgres", password: MANAGED_PASSWORD }) });
    }
    return { answered: false, outputs: { ...base, secretString: unansweredMarker(token) }, reason: `${token}: the value of secret ${JSON.stringify(secretId)} lives in the account; the offline check cannot read it` };
};

// CloudFront's managed cache policies, by name: id and settings as "Use managed cache policies" lists
// them (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html).
// None of them puts headers, cookies or query strings in the cache key.
const MANAGED_CACHE_POLICIES: Record<string, { id: string; minTtl: number; defaultTtl: number; maxTtl: number; compress: boolean; comment: string }> = {
    CachingOptimized: { id: "658327ea-f89d-4fab-a63d-7e88639e58f6", minTtl: 1, defaultTtl: 86400, maxTtl: 31536000, compress: true, comment: "Policy with caching enabled. Supports Gzip and Brotli compression." },
    CachingOptimizedForUncompressedObjects: { id: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", minTtl: 1, defaultTtl: 86400, maxTtl: 31536000, compress: false, comment: "Default policy when compression is disabled" },
    CachingDisabled: { id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", minTtl: 0, defaultTtl: 0, maxTtl: 0, compress: false, comment: "Policy with caching disabled" },
};

// Shape checked against node_modules/@pulumi/aws/cloudfront/getCachePolicy.d.ts (GetCachePolicyResult) and
// types/output.d.ts (GetCachePolicyParametersInCacheKeyAndForwardedToOrigin and its configs). A policy of
// the account's own is its own business: unanswered.
const getCachePolicy: Answerer = (inputs, ctx, token) => {
    const byName = str(inputs.name);
    const byId = str(inputs.id);
    const entry = Object.entries(MANAGED_CACHE_POLICIES).find(([name, p]) => name === byName || p.id === byId);
    if (!entry) return unanswered(token, inputs, `${token}: ${byName ?? byId ?? "the policy"} is not one of CloudFront's managed cache policies; the account's own policies cannot be read offline`);
    const [name, policy] = entry;
    return answered({
        ...inputs,
        id: policy.id,
        name,
        arn: `arn:${ctx.partition.partition}:cloudfront::${ctx.accountId}:cache-policy/${policy.id}`,
        comment: policy.comment,
        etag: "E23ZP02F085DFQ",
        minTtl: policy.minTtl,
        defaultTtl: policy.defaultTtl,
        maxTtl: policy.maxTtl,
        parametersInCacheKeyAndForwardedToOrigins: [
            {
                cookiesConfigs: [{ cookieBehavior: "none", cookies: [] }],
                enableAcceptEncodingBrotli: policy.compress,
                enableAcceptEncodingGzip: policy.compress,
                headersConfigs: [{ headerBehavior: "none", headers: [] }],
                queryStringsConfigs: [{ queryStringBehavior: "none", queryStrings: [] }],
            },
        ],
    });
};

// ---------------------------------------------------------------------------------------------
// Kubernetes: kubernetes:yaml:decode

/*
 * As the provider's decodeYaml (pulumi/pulumi-kubernetes provider/pkg/provider/invoke_decode_yaml.go):
 * k8s.io's YAMLOrJSONDecoder reads each document (YAML 1.1 through sigs.k8s.io/yaml, so `yes`/`on` are
 * booleans and timestamps stay strings), documents without `kind` or `apiVersion` are skipped, and the
 * invoke returns `{ result: [objects] }` (provider.go Invoke, marshalled with SkipNulls, so null fields
 * are dropped). @pulumi/kubernetes yaml/yaml.js (yamlLoadAll) reads `result`.
 */
function decodeYaml(text: string): unknown[] {
    // Loaded on first use: the yaml package takes ~90 ms to import, which a program without local YAML should not pay.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseAllDocuments } = require("yaml") as typeof import("yaml");
    const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: false, customTags: (tags) => tags.filter((t) => typeof t === "object" && t.tag !== "tag:yaml.org,2002:timestamp") });
    const out: unknown[] = [];
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
        if (doc.errors.length) throw providerError("kubernetes:yaml:decode", doc.errors[0]!.message);
        const value = dropNulls(doc.toJS({ maxAliasCount: 100 }));
        const obj = record(value);
        if (typeof obj.kind !== "string" || !obj.kind || typeof obj.apiVersion !== "string" || !obj.apiVersion) continue;
        out.push(obj);
    }
    return out;
}

function dropNulls(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(dropNulls);
    if (v instanceof Date) return v.toISOString();
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, dropNulls(x)]));
    }
    return v;
}

// Result key checked in node_modules/@pulumi/kubernetes/yaml/yaml.js (yamlLoadAll: `.then(p => p.result)`).
const yamlDecode: Answerer = (inputs) => {
    if (typeof inputs.text !== "string") throw providerError("kubernetes:yaml:decode", "missing required field 'text' of type string");
    return answered({ result: decodeYaml(inputs.text) });
};

// ---------------------------------------------------------------------------------------------
// Unanswered invokes: the provider's declared result shape, every string a marker

function unanswered(token: string, inputs: Inputs, reason: string): InvokeAnswer {
    const marker = unansweredMarker(token);
    const shape = declaredResultShape(token);
    if (!shape) return { answered: false, outputs: { id: marker, ...inputs }, reason };
    const outputs: Record<string, unknown> = {};
    for (const [field, { kind, optional }] of Object.entries(shape)) {
        // An argument the program passed comes back as it passed it, as the provider echoes it; an
        // optional argument it did not pass comes back unset.
        if (field in inputs) outputs[field] = inputs[field];
        else if (!optional) outputs[field] = kind === "string" ? marker : kind === "string[]" ? [marker] : kind === "number" ? 0 : kind === "boolean" ? false : kind === "array" ? [] : {};
    }
    return { answered: false, outputs, reason };
}

type FieldKind = "string" | "string[]" | "number" | "boolean" | "array" | "object";
type ResultShape = Record<string, { kind: FieldKind; optional: boolean }>;

const SHAPES = new Map<string, ResultShape | undefined>();

/**
 * The fields of `<Fn>Result` in the provider SDK's `<module>/<fn>.d.ts` (`index` is the package root),
 * for tokens `<package>:<module>/<fn>:<fn>` of an installed `@pulumi/<package>` or `@pulumiverse/<package>`.
 * Read with a regex over the declaration, once per token.
 */
function declaredResultShape(token: string): ResultShape | undefined {
    if (SHAPES.has(token)) return SHAPES.get(token);
    let shape: ResultShape | undefined;
    try {
        shape = readResultShape(token);
    } catch {
        shape = undefined;
    }
    SHAPES.set(token, shape);
    return shape;
}

function readResultShape(token: string): ResultShape | undefined {
    const m = /^([a-z0-9-]+):([A-Za-z0-9/_-]+)\/([A-Za-z0-9_]+):([A-Za-z0-9_]+)$/.exec(token);
    if (!m) return undefined;
    const [, pkg, mod, file, fn] = m as unknown as [string, string, string, string, string];
    const root = packageRoot(pkg);
    if (!root) return undefined;
    const dts = path.join(root, mod === "index" ? "" : mod, `${file}.d.ts`);
    if (!fs.existsSync(dts)) return undefined;
    const text = fs.readFileSync(dts, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const name = `${fn[0]!.toUpperCase()}${fn.slice(1)}Result`;
    const start = text.indexOf(`export interface ${name} {`);
    if (start < 0) return undefined;
    const body = text.slice(start + `export interface ${name} {`.length, text.indexOf("\n}", start));
    const shape: ResultShape = {};
    for (const prop of body.matchAll(/readonly\s+(\w+)(\??)\s*:\s*([^;{]*(?:\{[^}]*\}[^;]*)?);/g)) {
        const type = prop[3]!.trim();
        const kind: FieldKind = type === "string" ? "string" : type === "string[]" ? "string[]" : type === "number" ? "number" : type === "boolean" ? "boolean" : type.endsWith("[]") ? "array" : "object";
        shape[prop[1]!] = { kind, optional: prop[2] === "?" };
    }
    return shape;
}

function packageRoot(pkg: string): string | undefined {
    for (const scope of ["@pulumi", "@pulumiverse"]) {
        try {
            return path.dirname(require.resolve(`${scope}/${pkg}/package.json`, { paths: [process.cwd(), __dirname] }));
        } catch {
            // not installed under this scope
        }
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------

const ANSWERERS: Record<string, Answerer> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": getAvailabilityZones,
    "aws:index/getCallerIdentity:getCallerIdentity": getCallerIdentity,
    "aws:index/getPartition:getPartition": getPartition,
    "aws:index/getRegion:getRegion": getRegion,
    "aws:ec2/getAmi:getAmi": getAmi,
    "aws:ec2/getAmiIds:getAmiIds": getAmiIds,
    "aws:ec2/getVpc:getVpc": getVpc,
    "aws:ec2/getVpcs:getVpcs": getVpcs,
    "aws:ec2/getSubnets:getSubnets": getSubnets,
    "aws:ec2/getSubnet:getSubnet": getSubnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": getSecurityGroup,
    "aws:ec2/getInternetGateway:getInternetGateway": getInternetGateway,
    "aws:iam/getPolicyDocument:getPolicyDocument": getPolicyDocument,
    "aws:iam/getRole:getRole": getRole,
    "aws:route53/getZone:getZone": getZone,
    "aws:acm/getCertificate:getCertificate": getCertificate,
    "aws:kms/getAlias:getAlias": getAlias,
    "aws:kms/getKey:getKey": getKey,
    "aws:ssm/getParameter:getParameter": getParameter,
    "aws:eks/getCluster:getCluster": getCluster,
    "aws:eks/getClusterAuth:getClusterAuth": getClusterAuth,
    "aws:elb/getServiceAccount:getServiceAccount": getServiceAccount,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": getAuthorizationToken,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": getSecretVersion,
    "aws:cloudfront/getCachePolicy:getCachePolicy": getCachePolicy,
    "kubernetes:yaml:decode": yamlDecode,
};

/** The tokens answered offline (for docs and diagnostics). */
export const ANSWERED_TOKENS: readonly string[] = Object.keys(ANSWERERS);
