/**
 * Resource sets for policy tests. `fakeResource` builds registrations exactly as the engine receives
 * them; `attach` links a bucket setting to its bucket through property dependencies, as the engine
 * records it when the program passes `bucket.id`. `estateProgram` builds a realistic compliant set
 * from the real `@pulumi/aws` classes, for `runProgram`.
 */
import * as aws from "@pulumi/aws";
import { ManagedMongo, ManagedPostgres, ManagedRedis } from "../../components/data";
import { DatabaseAlarms } from "../../components/observability/database-alarms";
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluatePolicies, fakeResource, type PolicyRunOptions, type PolicyReport } from "../../scripts/engine/policy-harness";
import type { RecordedResource } from "../../scripts/engine/mock-engine";

export const T = {
    bucket: "aws:s3/bucket:Bucket",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    logging: "aws:s3/bucketLogging:BucketLogging",
    acl: "aws:s3/bucketAcl:BucketAcl",
    key: "aws:kms/key:Key",
} as const;

/** Runs policies over resources the way the analyzer server does. */
export function check(policies: Policy | Policy[], resources: RecordedResource[], opts: PolicyRunOptions = {}): Promise<PolicyReport> {
    return evaluatePolicies(Array.isArray(policies) ? policies : [policies], resources, opts);
}

/** The message the engine prints: the policy's description, then the violation's own message. */
export function messagesOf(report: PolicyReport): string[] {
    return report.violations.map((v) => v.message.split("\n").slice(1).join("\n") || v.message);
}

export function bucket(name: string, props: Record<string, unknown> = {}): RecordedResource {
    return fakeResource({ type: T.bucket, name, props });
}

/**
 * A resource of `type` whose `property` (default `bucket`) comes from `target`, with the target's
 * id in the prop unless `props` says otherwise.
 */
export function attach(
    type: string,
    name: string,
    target: RecordedResource,
    props: Record<string, unknown> = {},
    property = "bucket",
): RecordedResource {
    return fakeResource({
        type,
        name,
        props: { [property]: `${target.name}-id`, ...props },
        dependencies: [target.urn],
        propertyDependencies: { [property]: [target.urn] },
    });
}

export const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";

export const kmsEncryption = (keyArn: unknown = KEY_ARN) => ({
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true }],
});

export const sseS3Encryption = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] };

export const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

export const abortUploadsRule = { id: "abort-incomplete-uploads", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } };

/** Lifecycle rules of a backup bucket that meet the prod objective (30 d, 12 w, 12 mo, 7 y). */
export const prodBackupRules = [
    abortUploadsRule,
    { id: "daily", status: "Enabled", filter: { prefix: "daily/" }, expiration: { days: 30 } },
    { id: "weekly", status: "Enabled", filter: { prefix: "weekly/" }, expiration: { days: 84 } },
    { id: "monthly", status: "Enabled", filter: { prefix: "monthly/" }, expiration: { days: 372 } },
    { id: "yearly", status: "Enabled", filter: { prefix: "yearly/" }, expiration: { days: 2562 } },
];

export function tlsOnlyStatement(bucketArn: string): Record<string, unknown> {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

export function tlsOnlyPolicy(bucketArn: string): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: [tlsOnlyStatement(bucketArn)] });
}

export interface BucketSetOptions {
    props?: Record<string, unknown>;
    /** `null` leaves the setting out. */
    encryption?: Record<string, unknown> | null;
    versioning?: Record<string, unknown> | null;
    publicAccessBlock?: Record<string, unknown> | null;
    lifecycle?: Record<string, unknown> | null;
    policy?: unknown;
}

/** A bucket and its settings, compliant with every S3 policy unless an option says otherwise. */
export function bucketSet(name: string, opts: BucketSetOptions = {}): RecordedResource[] {
    const b = bucket(name, opts.props);
    const arn = `arn:aws:s3:::${name}`;
    const pieces: [string, string, Record<string, unknown> | null | undefined, Record<string, unknown>][] = [
        [T.sse, "sse", opts.encryption, kmsEncryption()],
        [T.versioning, "versioning", opts.versioning, { versioningConfiguration: { status: "Enabled" } }],
        [T.publicAccessBlock, "public-access-block", opts.publicAccessBlock, allBlocked],
        [T.lifecycle, "lifecycle", opts.lifecycle, { rules: [abortUploadsRule] }],
        [T.policy, "policy", opts.policy === undefined ? undefined : opts.policy === null ? null : { policy: opts.policy }, { policy: tlsOnlyPolicy(arn) }],
    ];
    const settings = pieces.flatMap(([type, role, given, compliant]) =>
        given === null ? [] : [attach(type, `${name}-${role}`, b, given ?? compliant)],
    );
    return [b, ...settings];
}

/** Reads a policy-pack config file as the CLI does (`--policy-pack-config`). */
export function packConfig(stack: "dev" | "prod"): PolicyPackConfig {
    const file = path.join(__dirname, "../../policies/config", `${stack}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig;
}

export interface EstateProgramOptions {
    /** Whether the backup bucket's access logs go to the log bucket (default true). */
    logging?: boolean;
    /** Tags of the log bucket (default none: it is accepted as a log target through the BucketLogging). */
    logBucketTags?: Record<string, string>;
}

/**
 * A realistic estate fragment built with the real aws classes: a backup bucket and the bucket that
 * receives its access logs, each with every setting the policies require, and a rotating key.
 */
export function estateProgram(opts: EstateProgramOptions = {}): void {
    const key = new aws.kms.Key("data-key", { enableKeyRotation: true, deletionWindowInDays: 30 });

    const secure = (name: string, b: aws.s3.Bucket, rules: aws.types.input.s3.BucketLifecycleConfigurationRule[]) => {
        new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: b.id, versioningConfiguration: { status: "Enabled" } });
        new aws.s3.BucketPublicAccessBlock(`${name}-public-access-block`, {
            bucket: b.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        new aws.s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: b.id, rules });
        new aws.s3.BucketPolicy(`${name}-policy`, {
            bucket: b.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [b.arn, pulumi.interpolate`${b.arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        });
    };

    const logs = new aws.s3.Bucket("access-logs", opts.logBucketTags ? { tags: opts.logBucketTags } : {});
    new aws.s3.BucketServerSideEncryptionConfiguration("access-logs-sse", {
        bucket: logs.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    secure("access-logs", logs, [
        { id: "abort-incomplete-uploads", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
    ]);

    const backups = new aws.s3.Bucket("backups", { tags: { "estate:role": "backup" } }, { protect: true });
    new aws.s3.BucketServerSideEncryptionConfiguration("backups-sse", {
        bucket: backups.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
    });
    secure("backups", backups, [
        { id: "abort-incomplete-uploads", status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        { id: "daily", status: "Enabled", filter: { prefix: "daily/" }, expiration: { days: 30 } },
        { id: "weekly", status: "Enabled", filter: { prefix: "weekly/" }, expiration: { days: 84 } },
        { id: "monthly", status: "Enabled", filter: { prefix: "monthly/" }, expiration: { days: 372 } },
        { id: "yearly", status: "Enabled", filter: { prefix: "yearly/" }, expiration: { days: 2562 } },
    ]);
    if (opts.logging === false) {
        return;
    }
    new aws.s3.BucketLogging("backups-logging", { bucket: backups.id, targetBucket: logs.id, targetPrefix: "backups/" });
}

/** The managed data components as the estate builds them: RDS and Aurora Postgres, DocumentDB, ElastiCache. */
export function dataProgram(): void {
    const network = { vpcId: "vpc-0a1b2c3d4e5f60718", subnetIds: ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b02"], allowedSecurityGroupIds: ["sg-0a1b2c3d4e5f60d04"] };
    const objectives = { rpoMinutes: 15, dailyBackupDays: 30 };
    const databases = [
        new ManagedPostgres("orders", { version: "16", network, objectives }),
        new ManagedPostgres("ledger", { version: "16", network, objectives, engine: "aurora" }),
        new ManagedMongo("docs", { version: "5.0", network, objectives }),
        new ManagedRedis("cache", { version: "7.1", network, objectives }),
    ];
    // And their alarms, as infra/estate.ts wires them (prod's thresholds).
    const thresholds = { connectionsRatio: 0.8, freeStorageRatio: 0.15, cpuRatio: 0.85, freeMemoryRatio: 0.1, replicationLagRpoShare: 0.5 };
    new DatabaseAlarms("database-alarms", { databases: databases.map((d) => d.monitored), thresholds, rpoMinutes: objectives.rpoMinutes });
}

export interface ClusterProgramOptions {
    /** Run the node group in the public subnets instead of the private ones. */
    nodesInPublicSubnets?: boolean;
    /** Leave the VPC without a flow log. */
    flowLog?: boolean;
    /** The node launch template's metadata response hop limit (default 1). */
    hopLimit?: number;
    /** Give the node group no launch template (EKS's default one). */
    launchTemplate?: boolean;
    /** Open the cluster's public endpoint to the internet, without encryption or logs. */
    insecureCluster?: boolean;
}

/**
 * A VPC, its subnets, routes and flow log, an EKS cluster and a managed node group, built from the
 * real aws classes the way components/cluster builds them (terraform-aws-vpc's layout: public
 * subnets route to the internet gateway, private ones to a NAT gateway through aws.ec2.Route).
 * Compliant with every EKS, VPC and launch template policy unless an option says otherwise.
 */
export function clusterProgram(opts: ClusterProgramOptions = {}): void {
    const key = new aws.kms.Key("cluster-key", { enableKeyRotation: true, deletionWindowInDays: 30 });
    const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
    const igw = new aws.ec2.InternetGateway("igw", { vpcId: vpc.id });
    const publicRoutes = new aws.ec2.RouteTable("public-rt", { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] });
    const zones = ["a", "b"];
    const publicSubnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(`public-${zone}`, { vpcId: vpc.id, cidrBlock: `10.0.${i}.0/24`, availabilityZone: `us-east-1${zone}`, mapPublicIpOnLaunch: false });
        new aws.ec2.RouteTableAssociation(`public-${zone}-rta`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
        return subnet;
    });
    const eip = new aws.ec2.Eip("nat-eip", { domain: "vpc" });
    const nat = new aws.ec2.NatGateway("nat", { allocationId: eip.id, subnetId: publicSubnets[0].id });
    const privateSubnets = zones.map((zone, i) => {
        const subnet = new aws.ec2.Subnet(`private-${zone}`, { vpcId: vpc.id, cidrBlock: `10.0.${64 * (i + 1)}.0/18`, availabilityZone: `us-east-1${zone}` });
        const routes = new aws.ec2.RouteTable(`private-${zone}-rt`, { vpcId: vpc.id });
        new aws.ec2.Route(`private-${zone}-default`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
        new aws.ec2.RouteTableAssociation(`private-${zone}-rta`, { subnetId: subnet.id, routeTableId: routes.id });
        return subnet;
    });
    if (opts.flowLog !== false) {
        const logs = new aws.cloudwatch.LogGroup("flow-logs", { retentionInDays: 365, kmsKeyId: key.arn });
        const role = new aws.iam.Role("flow-logs-role", {
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        });
        new aws.ec2.FlowLog("flow-log", { vpcId: vpc.id, trafficType: "ALL", logDestination: logs.arn, iamRoleArn: role.arn });
    }
    const clusterRole = new aws.iam.Role("cluster-role", {
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    });
    const cluster = new aws.eks.Cluster("cluster", {
        roleArn: clusterRole.arn,
        version: "1.34",
        vpcConfig: opts.insecureCluster
            ? { subnetIds: privateSubnets.map((s) => s.id) }
            : { subnetIds: privateSubnets.map((s) => s.id), endpointPrivateAccess: true, endpointPublicAccess: false },
        ...(opts.insecureCluster
            ? {}
            : { encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } }, enabledClusterLogTypes: ["api", "audit", "authenticator"] }),
    });
    const nodeRole = new aws.iam.Role("node-role", {
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    });
    const template = new aws.ec2.LaunchTemplate("nodes-lt", {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: opts.hopLimit ?? 1 },
    });
    new aws.eks.NodeGroup("nodes", {
        clusterName: cluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: (opts.nodesInPublicSubnets ? publicSubnets : privateSubnets).map((s) => s.id),
        scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 },
        ...(opts.launchTemplate === false ? {} : { launchTemplate: { id: template.id, version: template.latestVersion.apply(String) } }),
    });
}
