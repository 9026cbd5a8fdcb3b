/**
 * Amazon EKS policies: the cluster's Secrets encryption, control-plane logs and API endpoint
 * exposure (aws.eks.Cluster inputs), and where managed node groups run (a stack policy joining
 * NodeGroup.subnetIds to the stack's subnets and their routes). Property names and defaults are
 * those of `@pulumi/aws` 7.48 (node_modules/@pulumi/aws/eks/cluster.d.ts, nodeGroup.d.ts,
 * types/input.d.ts `eks.ClusterEncryptionConfig`, `eks.ClusterVpcConfig`).
 */
import * as aws from "@pulumi/aws";
import type { ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { asList, isRecord } from "../lib/iam";
import { subnetExposure, NETWORK_TYPES } from "../lib/network";
import { awsConfigRule, checkov, securityHub, type EstateResourcePolicy, type EstateStackPolicy } from "../lib/policy";
import { shown } from "../lib/props";
import { ofType, referencedThrough, typeTokenOf } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const EKS_TYPES = {
    cluster: typeTokenOf(aws.eks.Cluster),
    nodeGroup: typeTokenOf(aws.eks.NodeGroup),
} as const;

/** A list input read element by element: an unknown element (or list) as `UNKNOWN`. */
function elements(read: () => unknown): unknown[] {
    const value = peek(read);
    if (value === UNKNOWN) {
        return [UNKNOWN];
    }
    return Array.isArray(value) ? Array.from({ length: value.length }, (_, i) => peek(() => value[i] as unknown)) : asList(value);
}

function clusterName(args: Pick<ResourceValidationArgs, "name">): string {
    return `EKS cluster '${args.name}'`;
}

// ------------------------------------------------------------------------------------------------
// Secrets encryption
// ------------------------------------------------------------------------------------------------

export const eksSecretsEncryption: EstateResourcePolicy = {
    name: "estate-eks-secrets-encryption",
    checks:
        'Every EKS cluster sets encryptionConfig with "secrets" in resources and a provider.keyArn (a KMS key ARN; one not known before deployment passes).',
    description:
        "EKS clusters must envelope-encrypt Kubernetes Secrets with a KMS key the estate controls: without it, Secrets sit in etcd " +
        "under EKS's default encryption only, and anyone who can read etcd data or its backups reads every credential the cluster holds. " +
        "With a customer-managed key, reading a Secret also takes kms:Decrypt, every use is logged in CloudTrail, and access can be cut off.",
    remediationSteps:
        'Set `encryptionConfig: { resources: ["secrets"], provider: { keyArn: key.arn } }` on the aws.eks.Cluster, where `key` is a symmetric ' +
        "aws.kms.Key with rotation enabled, in the cluster's region, whose key policy lets the cluster role use it. It can be added to an " +
        "existing cluster but never removed.",
    severity: "high",
    tags: ["aws", "eks", checkov("CKV_AWS_58"), awsConfigRule("eks-secrets-encrypted"), securityHub("EKS.3")],
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const config = peek(() => cluster.encryptionConfig);
        if (config === UNKNOWN) {
            return;
        }
        if (!isRecord(config)) {
            report(`${clusterName(args)} does not envelope-encrypt Secrets: encryptionConfig is not set; set it with resources ["secrets"] and a KMS key.`);
            return;
        }
        const resources = elements(() => config.resources);
        if (!resources.includes("secrets") && !resources.includes(UNKNOWN)) {
            report(`${clusterName(args)} encryptionConfig does not encrypt Secrets: resources is ${shown(resources.length ? resources : undefined)}; it must include "secrets".`);
        }
        const provider = peek(() => config.provider);
        const keyArn = provider === UNKNOWN ? UNKNOWN : isRecord(provider) ? peek(() => provider.keyArn) : undefined;
        if (keyArn !== UNKNOWN && (typeof keyArn !== "string" || keyArn === "")) {
            report(`${clusterName(args)} encryptionConfig names no KMS key: provider.keyArn is ${shown(keyArn)}; set it to a customer-managed key's ARN.`);
        }
    }),
};

// ------------------------------------------------------------------------------------------------
// Control-plane logs
// ------------------------------------------------------------------------------------------------

/**
 * The control-plane log types the estate requires. Valid types: api, audit, authenticator,
 * controllerManager, scheduler (CloudFormation AWS::EKS::Cluster LoggingTypeConfig, "Allowed values").
 */
export const REQUIRED_LOG_TYPES = ["api", "audit", "authenticator"] as const;

export const eksControlPlaneLogs: EstateResourcePolicy = {
    name: "estate-eks-control-plane-logs",
    checks: "Every EKS cluster's enabledClusterLogTypes includes api, audit and authenticator (controllerManager and scheduler are optional).",
    description:
        "EKS clusters must send their API server, audit and authenticator logs to CloudWatch Logs: control-plane logging is off by " +
        "default, and without the audit log nobody can tell who read a Secret, exec'd into a pod or changed a role binding, nor, " +
        "without the authenticator log, which IAM principal stood behind a Kubernetes user.",
    remediationSteps:
        'Set `enabledClusterLogTypes: ["api", "audit", "authenticator"]` on the aws.eks.Cluster. Create the log group ' +
        "`/aws/eks/<cluster name>/cluster` first (with retention and a KMS key), and make the cluster depend on it, so EKS does not " +
        "create it without either.",
    severity: "medium",
    tags: ["aws", "eks", "logging", checkov("CKV_AWS_37"), awsConfigRule("eks-cluster-log-enabled"), securityHub("EKS.8")],
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const types = elements(() => cluster.enabledClusterLogTypes);
        if (types.includes(UNKNOWN)) {
            return;
        }
        const missing = REQUIRED_LOG_TYPES.filter((t) => !types.includes(t));
        if (missing.length > 0) {
            report(
                `${clusterName(args)} does not send the control-plane logs ${missing.join(", ")} to CloudWatch Logs: enabledClusterLogTypes is ` +
                    `${shown(types.length ? types : undefined)}; it must include ${REQUIRED_LOG_TYPES.join(", ")}.`,
            );
        }
    }),
};

// ------------------------------------------------------------------------------------------------
// API endpoint exposure
// ------------------------------------------------------------------------------------------------

/** A CIDR that contains every address: `0.0.0.0/0`, `::/0` (any address with prefix length 0). */
function isWorld(cidr: unknown): cidr is string {
    return typeof cidr === "string" && /\/0$/.test(cidr.trim());
}

export const eksEndpointExposure: EstateResourcePolicy = {
    name: "estate-eks-endpoint-exposure",
    checks:
        "Every EKS cluster sets vpcConfig.endpointPrivateAccess true, and either endpointPublicAccess false or publicAccessCidrs listing " +
        "the CIDRs that may reach the public endpoint, none of them 0.0.0.0/0 or ::/0. An unset endpointPublicAccess is public (EKS's " +
        "default true); an unset or empty publicAccessCidrs is EKS's default 0.0.0.0/0.",
    description:
        "The Kubernetes API server of an EKS cluster must be reachable privately from the VPC, and from the internet only from listed " +
        "networks, if at all: EKS opens a public endpoint to 0.0.0.0/0 by default, so one leaked or over-privileged credential, or an API " +
        "server vulnerability, is exploitable from anywhere.",
    remediationSteps:
        "In the aws.eks.Cluster's vpcConfig set `endpointPrivateAccess: true` and `endpointPublicAccess: false`; reach the API from the " +
        "VPC (a VPN, SSM, CI runners in the VPC). If a public endpoint is needed, set `publicAccessCidrs` to the office or CI egress CIDRs, " +
        "never 0.0.0.0/0 or ::/0.",
    severity: "high",
    tags: ["aws", "eks", checkov("CKV_AWS_38"), checkov("CKV_AWS_39"), awsConfigRule("eks-endpoint-no-public-access"), securityHub("EKS.1")],
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const vpcConfig = peek(() => cluster.vpcConfig);
        if (vpcConfig === UNKNOWN) {
            return;
        }
        const config: Record<string, unknown> = isRecord(vpcConfig) ? vpcConfig : {};
        // Defaults: node_modules/@pulumi/aws/types/input.d.ts eks.ClusterVpcConfig (private false, public true, CIDRs 0.0.0.0/0).
        const privateAccess = peek(() => config.endpointPrivateAccess);
        if (privateAccess !== UNKNOWN && privateAccess !== true) {
            report(
                `${clusterName(args)} does not enable its private API endpoint: vpcConfig.endpointPrivateAccess is ${shown(privateAccess)} ` +
                    "(EKS's default is false); set it to true so nodes and clients in the VPC reach the API server privately.",
            );
        }
        const publicAccess = peek(() => config.endpointPublicAccess);
        if (publicAccess === false || publicAccess === UNKNOWN) {
            return;
        }
        const publicState = publicAccess === undefined || publicAccess === null ? "endpointPublicAccess is not set (EKS's default is true)" : `endpointPublicAccess is ${shown(publicAccess)}`;
        const cidrs = elements(() => config.publicAccessCidrs);
        if (cidrs.length === 0) {
            report(
                `${clusterName(args)} opens its public API endpoint to the whole internet: ${publicState} and publicAccessCidrs is not set ` +
                    "(EKS's default is 0.0.0.0/0); set endpointPublicAccess to false, or list the CIDRs that may reach it.",
            );
            return;
        }
        const world = cidrs.filter(isWorld);
        if (world.length > 0) {
            report(
                `${clusterName(args)} opens its public API endpoint to the whole internet: ${publicState} and publicAccessCidrs includes ` +
                    `${world.join(" and ")}; set endpointPublicAccess to false, or list only the CIDRs that must reach it.`,
            );
        }
    }),
};

// ------------------------------------------------------------------------------------------------
// Nodes in private subnets
// ------------------------------------------------------------------------------------------------

export const eksNodesPrivateSubnets: EstateStackPolicy = {
    name: "estate-eks-nodes-private-subnets",
    checks:
        "Every EKS NodeGroup's subnetIds are Subnets of the stack (joined through property dependencies) that are private: mapPublicIpOnLaunch " +
        "not true, and the route table they use (an explicit RouteTableAssociation, else the VPC's main route table: MainRouteTableAssociation " +
        "or DefaultRouteTable) has no route, inline or aws.ec2.Route, to an InternetGateway. Subnets or route tables from outside the stack fail: " +
        "they cannot be verified.",
    description:
        "EKS nodes must run in private subnets: a node in a public subnet has (or can be given) a public address and a route from the " +
        "internet, so every port a node or a hostNetwork pod listens on, and every misconfigured security group rule, faces the internet. " +
        "Nodes reach the internet through NAT; load balancers, not nodes, live in the public subnets.",
    remediationSteps:
        "Pass the private subnets to the aws.eks.NodeGroup (`subnetIds: network.privateSubnetIds`): subnets with `mapPublicIpOnLaunch` false " +
        "whose route table sends 0.0.0.0/0 to a NAT gateway, not to an internet gateway. Create the subnets in the same stack (or pass their " +
        "resources' ids) so the policy can verify them.",
    severity: "high",
    tags: ["aws", "eks", "vpc", checkov("CKV_AWS_130"), awsConfigRule("subnet-auto-assign-public-ip-disabled"), securityHub("EC2.15")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const nodeGroups = ofType(args.resources, aws.eks.NodeGroup);
        if (nodeGroups.length === 0) {
            args.notApplicable(`The stack has no ${EKS_TYPES.nodeGroup}.`);
        }
        forEachDeferringUnknowns(nodeGroups, (nodeGroup) => {
            const group = `EKS node group '${nodeGroup.name}'`;
            const subnets = referencedThrough(nodeGroup, "subnetIds", NETWORK_TYPES.subnet);
            const given = elements(() => (nodeGroup.props as { subnetIds?: unknown }).subnetIds);
            const outside = given.length - subnets.length;
            if (outside > 0) {
                // The ids of a new stack's subnets are unknown in a preview: then the known ones are exactly the others.
                const literals = given.filter((s): s is string => typeof s === "string");
                const unknowns = given.filter((s) => s === UNKNOWN).length;
                const shownIds = unknowns === subnets.length && literals.length === outside ? ` (${literals.map((s) => `'${s}'`).join(", ")})` : "";
                report(
                    `${group} runs nodes in ${outside} subnet${outside === 1 ? "" : "s"}${shownIds} that ${outside === 1 ? "is not a Subnet" : "are not Subnets"} of this stack: ` +
                        "whether they are private cannot be verified; create the subnets in this stack and pass their ids.",
                    nodeGroup.urn,
                );
            }
            for (const subnet of subnets) {
                const { publicBecause, unverifiable } = subnetExposure(subnet, args.resources);
                if (publicBecause.length > 0) {
                    report(`${group} runs nodes in public subnet '${subnet.name}': ${publicBecause.join("; ")}. Use private subnets (routes to NAT, no public IPs).`, nodeGroup.urn);
                } else if (unverifiable.length > 0) {
                    report(`${group} runs nodes in subnet '${subnet.name}', whose routes cannot be verified: ${unverifiable.join("; ")}.`, nodeGroup.urn);
                }
            }
        });
    },
};

export const eksPolicies = [eksSecretsEncryption, eksControlPlaneLogs, eksEndpointExposure, eksNodesPrivateSubnets];
