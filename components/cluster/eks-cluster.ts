/**
 * `EksCluster`: an Amazon EKS control plane as the estate wants it, from raw `@pulumi/aws`
 * resources (so the mock engine and the policies see every part): a cluster IAM role, a rotating
 * customer-managed key that envelope-encrypts Kubernetes Secrets and the control-plane logs, the log
 * group `/aws/eks/<cluster name>/cluster` created before the cluster (else EKS creates it with no key
 * and no retention), a private API endpoint (public only for listed CIDRs), authentication through
 * EKS access entries only (`authenticationMode: "API"`) with named admin roles, and the IAM OIDC
 * provider for IRSA. `clusterProvider()` builds the estate's Kubernetes provider from its outputs.
 *
 * Learnt from terraform-aws-modules/terraform-aws-eks v21.19.0 (main.tf: the cluster role's
 * `sts:AssumeRole`+`sts:TagSession` trust and AmazonEKSClusterPolicy, the `ClusterEncryption` policy
 * on the key, the log group created first, `bootstrap_cluster_creator_admin_permissions = false` with
 * the admins as managed access entries, the OIDC provider with audience `sts.amazonaws.com`) and
 * pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts (`generateKubeconfig`: exec `aws eks get-token`).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { keyPolicy } from "../data/keys";
import { checkLogRetentionDays } from "../data/logs";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { ROLE_ARN } from "../lib/key-guard";

/**
 * The Kubernetes version new clusters get. Amazon EKS gives a minor version 14 months of standard
 * support from its EKS release, then 12 months of extended support at a higher hourly price
 * (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html). As of December 2026
 * the standard-support versions are 1.36 and 1.35: 1.34's standard support ended on December 2, 2026
 * (the page's release calendar, also in awsdocs/amazon-eks-user-guide
 * latest/ug/versioning/kubernetes-versions.adoc), and "Kubernetes 1.36 is now available in Amazon EKS"
 * (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html). 1.36 reached
 * EKS in June 2026, so its standard support ends in August 2027 (14 months on; re-check the
 * calendar's exact date before then). Bump this, with the add-on pins, before that date: the
 * cluster's `upgradePolicy` is STANDARD, so EKS upgrades the control plane itself at the end of
 * standard support rather than billing extended support.
 */
export const EKS_VERSION = "1.36";
/** When standard support of `EKS_VERSION` ends (approximate: EKS release + 14 months; see above). */
export const EKS_VERSION_STANDARD_SUPPORT_ENDS = "2027-08";

/**
 * The control-plane logs the cluster sends to CloudWatch Logs (the API's `ClusterLogType` values,
 * https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). api, audit and
 * authenticator are who did what; controllerManager and scheduler explain why pods were not
 * placed or scaled, which is where an HPA at its maximum with no room goes to be debugged.
 */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** The EKS access policy the admin roles get, cluster-wide (Amazon EKS User Guide, access-policy-reference, "AmazonEKSClusterAdminPolicy"). */
export const CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";
/**
 * The EKS access policy the viewer roles get, cluster-wide: "list/view all resources in a cluster.
 * Note this includes Kubernetes Secrets" (access-policy-reference, "AmazonEKSAdminViewPolicy";
 * awsdocs/amazon-eks-user-guide latest/ug/manage-access/k8s-access/access-policy-reference.adoc).
 * What a read-only `pulumi preview` needs to diff the in-cluster resources, Secrets included.
 */
export const CLUSTER_VIEW_POLICY = "AmazonEKSAdminViewPolicy";

/** Days KMS waits before deleting the cluster's key (the maximum). */
const KEY_DELETION_WINDOW_DAYS = 30;

/** What the cluster's names must look like (aws.eks.Cluster `name`: 1-100 characters, `^[0-9A-Za-z][A-Za-z0-9\-_]*$`). */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

export interface EksClusterArgs {
    /**
     * The VPC of `subnetIds` (the network's). EKS derives the VPC from the subnets; the component
     * records it in its outputs, for whoever reads the estate's state. Required.
     */
    vpcId: pulumi.Input<string>;
    /**
     * Private subnets for the control plane's network interfaces, in at least two zones (EKS's
     * requirement); the nodes go there too. Required.
     */
    subnetIds: pulumi.Input<string>[];
    /**
     * The EKS cluster's name: also the log group's (`/aws/eks/<clusterName>/cluster`), which must exist
     * before the cluster, so it is chosen here rather than generated. Unique per account and region.
     * Default: the component's name.
     */
    clusterName?: string;
    /** Kubernetes minor version, e.g. `1.36`. Default: `EKS_VERSION`. */
    version?: string;
    /**
     * CIDR blocks allowed to reach the public API endpoint. Empty: no public endpoint at all (reach
     * the API from inside the VPC: a VPN, a bastion, a CI runner in the VPC). Never `0.0.0.0/0` or
     * `::/0`. Default: `[]`.
     */
    publicAccessCidrs?: string[];
    /**
     * IAM roles that administer the cluster: each gets an access entry with AmazonEKSClusterAdminPolicy
     * on the whole cluster. At least one, and the role that runs `pulumi up` must be among them: the
     * cluster creator gets no implicit access (`bootstrapClusterCreatorAdminPermissions` is off), and the
     * same `up` creates the in-cluster resources. Required.
     */
    adminRoleArns?: string[];
    /**
     * IAM roles that may read everything in the cluster, Secrets included (AmazonEKSAdminViewPolicy,
     * cluster-wide), and change nothing: the read-only role that previews pull requests. Not one of
     * `adminRoleArns`. Default: none.
     */
    viewerRoleArns?: string[];
    /** Days CloudWatch Logs keeps the control-plane logs (a retention CloudWatch accepts). Default: 365. */
    logRetentionDays?: number;
    /**
     * Prod: `protect` on the cluster and its key, EKS deletion protection on the cluster, and the key
     * and log group kept in AWS if the stack drops them. Default: `true`.
     */
    protectData?: boolean;
    /** AWS region of every resource here. Default: the provider's. */
    region?: string;
    /** Tags for every taggable resource. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    version: EKS_VERSION,
    publicAccessCidrs: [] as string[],
    logRetentionDays: 365,
    protectData: true,
    tags: {} as Record<string, string>,
} satisfies Partial<EksClusterArgs>;

const TYPE = "estate:cluster:EksCluster";

export class EksCluster extends pulumi.ComponentResource {
    /** The EKS cluster itself (what node groups and add-ons depend on). */
    readonly cluster: aws.eks.Cluster;
    /** The EKS cluster's name (`clusterName`), for add-ons, node groups and `aws eks` commands. */
    readonly clusterName: pulumi.Output<string>;
    /** The Kubernetes version asked for (plain: add-on pins are chosen by it). */
    readonly version: string;
    /** The API server's URL (`https://<id>.gr7.<region>.eks.amazonaws.com`), reachable as the endpoint settings allow. */
    readonly endpoint: pulumi.Output<string>;
    /** The cluster's certificate authority, base64 as EKS returns it. */
    readonly certificateAuthority: pulumi.Output<string>;
    /** EKS's cluster security group: managed nodes get it, so data services admit it. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The IAM OIDC provider for IRSA. */
    readonly oidcProviderArn: pulumi.Output<string>;
    /** The issuer URL without `https://` (the condition key prefix of IRSA trust policies). */
    readonly oidcIssuer: pulumi.Output<string>;
    /** A kubeconfig (JSON) that authenticates with `aws eks get-token`; a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The CMK that envelope-encrypts Secrets (and the control-plane logs). */
    readonly secretsKeyArn: pulumi.Output<string>;
    /** The admin roles' access policy associations: what a Kubernetes provider must wait for. */
    readonly adminAccess: aws.eks.AccessPolicyAssociation[];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);
        const { region, tags } = a;
        const clusterName = a.clusterName ?? name;
        const keep: pulumi.CustomResourceOptions = a.protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };

        const account = aws.getCallerIdentityOutput({}, { parent: this });
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const keyRegion = region !== undefined ? pulumi.output(region) : aws.getRegionOutput({}, { parent: this }).region;

        // One key for the cluster's secrets and its logs: the account's IAM decides who uses it, and
        // CloudWatch Logs may use it for this account's log groups in this region (components/data/keys.ts).
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts EKS cluster ${clusterName}: Kubernetes Secrets (envelope encryption) and control-plane logs`,
                enableKeyRotation: true,
                deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
                policy: pulumi.all([account.accountId, partition, keyRegion]).apply(([id, part, r]) => JSON.stringify(keyPolicy(id, part, r, { cloudWatchLogs: true }))),
                region,
                tags,
            },
            keep,
        );
        new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/estate/${name}-eks-`, targetKeyId: key.arn, region }, { parent: this });

        // EKS writes to this exact name, creating it (no key, kept forever) if it does not exist yet:
        // https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html; terraform-aws-eks main.tf
        // `aws_cloudwatch_log_group.this`, which the cluster depends on.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane-logs`,
            { name: controlPlaneLogGroupName(clusterName), retentionInDays: a.logRetentionDays, kmsKeyId: key.arn, region, tags },
            { parent: this, retainOnDelete: a.protectData },
        );

        // The cluster role: trusted by EKS, with AWS's managed AmazonEKSClusterPolicy, and allowed the
        // key operations envelope encryption needs (terraform-aws-eks `aws_iam_policy.cluster_encryption`).
        const role = new aws.iam.Role(
            `${name}-cluster-role`,
            {
                description: `EKS cluster ${clusterName}: the control plane's role`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "EKSClusterAssumeRole", Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
                }),
                tags,
            },
            { parent: this },
        );
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster-policy`,
            { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonEKSClusterPolicy` },
            { parent: this },
        );
        const encryptionPolicy = new aws.iam.RolePolicy(
            `${name}-cluster-encryption`,
            {
                role: role.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "ClusterEncryption", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: key.arn }],
                }),
            },
            { parent: this },
        );

        const publicEndpoint = a.publicAccessCidrs.length > 0;
        this.cluster = new aws.eks.Cluster(
            `${name}-cluster`,
            {
                name: clusterName,
                version: a.version,
                roleArn: role.arn,
                vpcConfig: {
                    subnetIds: a.subnetIds,
                    endpointPrivateAccess: true,
                    endpointPublicAccess: publicEndpoint,
                    // EKS defaults the list to 0.0.0.0/0 when the public endpoint is on: always say it.
                    publicAccessCidrs: publicEndpoint ? a.publicAccessCidrs : undefined,
                },
                accessConfig: {
                    authenticationMode: "API",
                    // The creator (whoever runs `up`) gets no hidden, unmanaged admin entry: admins are the
                    // access entries below, in the stack's state, revocable by a config change.
                    bootstrapClusterCreatorAdminPermissions: false,
                },
                encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
                enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
                upgradePolicy: { supportType: "STANDARD" },
                deletionProtection: a.protectData,
                region,
                tags,
            },
            {
                parent: this,
                protect: a.protectData,
                // The log group first (else EKS creates its own); the role's permissions first, or EKS cannot
                // clean up what it created in the account on deletion (aws.eks.Cluster `roleArn` docs).
                dependsOn: [logGroup, clusterPolicy, encryptionPolicy],
            },
        );

        // An access entry per role, and its access policy on the whole cluster.
        const access = (roleArns: string[], role: string, policy: string) =>
            roleArns.map((principalArn, i) => {
                const entry = new aws.eks.AccessEntry(`${name}-${role}-${i}`, { clusterName: this.cluster.name, principalArn, type: "STANDARD", region, tags }, { parent: this });
                return new aws.eks.AccessPolicyAssociation(
                    `${name}-${role}-${i}`,
                    {
                        clusterName: this.cluster.name,
                        principalArn: entry.principalArn,
                        policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${policy}`,
                        accessScope: { type: "cluster" },
                        region,
                    },
                    { parent: this },
                );
            });
        this.adminAccess = access(a.adminRoleArns ?? [], "admin", CLUSTER_ADMIN_POLICY);
        access(a.viewerRoleArns ?? [], "viewer", CLUSTER_VIEW_POLICY);

        // IRSA: the cluster's OIDC issuer as an IAM identity provider for STS. No thumbprint: the
        // provider's thumbprintLists is optional, and for providers like this one IAM validates with its
        // own trusted CAs (@pulumi/aws 7.48 iam/openIdConnectProvider.d.ts, `thumbprintLists`).
        const issuerUrl = this.cluster.identities.apply((ids) => ids[0]?.oidcs[0]?.issuer ?? "");
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"], tags }, { parent: this });

        this.clusterName = this.cluster.name;
        this.version = a.version;
        this.endpoint = this.cluster.endpoint;
        this.certificateAuthority = this.cluster.certificateAuthority.apply((ca) => ca.data);
        this.clusterSecurityGroupId = this.cluster.vpcConfig.apply((vpc) => vpc.clusterSecurityGroupId);
        this.oidcProviderArn = oidc.arn;
        this.oidcIssuer = issuerUrl.apply((url) => url.replace(/^https:\/\//, ""));
        this.secretsKeyArn = key.arn;
        this.kubeconfig = pulumi.secret(
            pulumi.all([this.cluster.endpoint, this.certificateAuthority, this.cluster.name, keyRegion]).apply(([endpoint, ca, cluster, r]) => JSON.stringify(kubeconfig({ endpoint, certificateAuthority: ca, clusterName: cluster, region: r }))),
        );
        this.registerOutputs({
            vpcId: a.vpcId,
            clusterName: this.clusterName,
            version: this.version,
            endpoint: this.endpoint,
            certificateAuthority: this.certificateAuthority,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuer: this.oidcIssuer,
            kubeconfig: this.kubeconfig,
            secretsKeyArn: this.secretsKeyArn,
        });
    }
}

/** Where EKS writes a cluster's control-plane logs (Amazon EKS User Guide, "Send control plane logs to CloudWatch Logs"). */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/**
 * A kubeconfig for an EKS cluster that authenticates with `aws eks get-token` (exec plugin,
 * `client.authentication.k8s.io/v1beta1`), as pulumi-eks's `generateKubeconfig` builds it: no token
 * or key in the file, the caller's AWS credentials at use time. Pure.
 */
export function kubeconfig(cluster: { endpoint: string; certificateAuthority: string; clusterName: string; region: string }): Record<string, unknown> {
    const context = cluster.clusterName;
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.certificateAuthority } }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [
            {
                name: context,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["--region", cluster.region, "eks", "get-token", "--cluster-name", cluster.clusterName, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    };
}

/**
 * The estate's Kubernetes provider for an `EksCluster`: its kubeconfig from the cluster's outputs
 * (nothing read from disk), and `dependsOn` the cluster, the admins' access (without it the API
 * answers 401/403 to the deployer) and whatever else must run first (node groups, the AWS add-ons).
 * In a preview of a new cluster the kubeconfig is unknown, and the provider previews its resources
 * without a cluster, as for any provider whose configuration is not known yet.
 */
export function clusterProvider(name: string, cluster: EksCluster, dependsOn: pulumi.Input<pulumi.Resource>[]): k8s.Provider {
    return new k8s.Provider(name, { kubeconfig: cluster.kubeconfig }, { dependsOn: [cluster.cluster, ...cluster.adminAccess, ...dependsOn] });
}

function validate(name: string, args: EksClusterArgs): void {
    const check = new ArgChecker(`EksCluster "${name}"`);
    check.required("vpcId", args.vpcId, "the VPC of the subnets");
    if (!Array.isArray(args.subnetIds) || args.subnetIds.length < 2) {
        check.fail("subnetIds", `must list at least two subnets in different availability zones: EKS requires two zones for the control plane (got ${Array.isArray(args.subnetIds) ? args.subnetIds.length : "none"})`);
    }
    check.matches("clusterName", args.clusterName ?? name, CLUSTER_NAME, "an EKS cluster name: 1-100 letters, digits, hyphens and underscores, starting with a letter or digit");
    check.matches("version", args.version, /^1\.\d{2}$/, `a Kubernetes minor version such as ${EKS_VERSION}`);
    for (const [i, cidr] of (args.publicAccessCidrs ?? []).entries()) {
        const problem = publicCidrProblem(cidr);
        if (problem) {
            check.fail(`publicAccessCidrs[${i}]`, problem);
        }
    }
    const admins = args.adminRoleArns ?? [];
    if (admins.length === 0) {
        check.fail("adminRoleArns", "must name at least one IAM role, including the role that runs pulumi up: the cluster creator gets no implicit access (authenticationMode API, bootstrapClusterCreatorAdminPermissions off)");
    }
    for (const [i, arn] of admins.entries()) {
        check.matches(`adminRoleArns[${i}]`, arn, ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/estate-deployer (the role, not an assumed-role session)");
    }
    if (new Set(admins).size !== admins.length) {
        check.fail("adminRoleArns", "must not list a role twice (EKS allows one access entry per principal)");
    }
    const viewers = args.viewerRoleArns ?? [];
    for (const [i, arn] of viewers.entries()) {
        check.matches(`viewerRoleArns[${i}]`, arn, ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/estate-preview");
        if (admins.includes(arn) || viewers.indexOf(arn) !== i) {
            check.fail(`viewerRoleArns[${i}]`, `lists ${arn} again (EKS allows one access entry per principal; an admin can already read everything)`);
        }
    }
    checkLogRetentionDays(check, args.logRetentionDays);
}

/** Why a public-endpoint CIDR is refused, or undefined when it is a specific IPv4/IPv6 block. */
export function publicCidrProblem(cidr: unknown): string | undefined {
    if (typeof cidr !== "string") {
        return `must be a CIDR block (got ${String(cidr)})`;
    }
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const v6 = /^[0-9a-fA-F:]+\/(\d{1,3})$/.exec(cidr);
    if (v4) {
        const prefix = Number(v4[5]);
        if (v4.slice(1, 5).some((o) => Number(o) > 255) || prefix > 32) {
            return `must be an IPv4 CIDR block such as 203.0.113.0/24 (got ${JSON.stringify(cidr)})`;
        }
        if (prefix === 0) {
            return `must not open the API endpoint to the whole internet (got ${JSON.stringify(cidr)}): list the networks that administer the cluster, or none for a private endpoint only`;
        }
        return undefined;
    }
    if (v6 && cidr.includes(":")) {
        const prefix = Number(v6[1]);
        if (prefix > 128) {
            return `must be an IPv6 CIDR block (got ${JSON.stringify(cidr)})`;
        }
        if (prefix === 0) {
            return `must not open the API endpoint to the whole internet (got ${JSON.stringify(cidr)}): list the networks that administer the cluster, or none for a private endpoint only`;
        }
        return undefined;
    }
    return `must be a CIDR block such as 203.0.113.0/24 (got ${JSON.stringify(cidr)})`;
}
