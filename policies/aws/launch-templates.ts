/**
 * EC2 launch templates: the Instance Metadata Service. IMDSv2 required on every launch template;
 * on the templates of EKS managed node groups (aws.eks.NodeGroup.launchTemplate, joined through
 * property dependencies), a metadata response hop limit of exactly 1, so that pods, one network hop
 * further than the node, cannot fetch an IMDSv2 token and with it the node role's credentials. A
 * node group without a launch template runs on the default launch template EKS creates, which sets
 * the hop limit to 2 (Amazon EKS user guide, "Customize managed nodes with launch templates",
 * awsdocs/amazon-eks-user-guide doc_source/launch-templates.md: "If you deploy a managed node group
 * without using a custom launch template, this value [Metadata response hop limit 2] is
 * automatically set for the node group in the default launch template").
 *
 * Property names: node_modules/@pulumi/aws/types/input.d.ts `ec2.LaunchTemplateMetadataOptions`
 * (httpEndpoint, httpTokens, httpPutResponseHopLimit) and `eks.NodeGroupLaunchTemplate` (id, name, version).
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { awsConfigRule, checkov, securityHub, type EstateStackPolicy } from "../lib/policy";
import { shown } from "../lib/props";
import { label, ofType, referencedThrough, typeTokenOf } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const LAUNCH_TEMPLATE_TYPES = {
    launchTemplate: typeTokenOf(aws.ec2.LaunchTemplate),
    nodeGroup: typeTokenOf(aws.eks.NodeGroup),
} as const;

/** The hop limit node launch templates must set. */
export const NODE_HOP_LIMIT = 1;

/** The node groups that run on a launch template of the stack. */
function nodeGroupsOf(template: PolicyResource, nodeGroups: readonly PolicyResource[]): PolicyResource[] {
    return nodeGroups.filter((g) => referencedThrough(g, "launchTemplate", template.type).some((t) => t.urn === template.urn));
}

/** Reports what keeps one launch template from IMDSv2 (and, for node groups, from hop limit 1). */
function checkTemplate(template: PolicyResource, users: readonly PolicyResource[], report: ReportViolation): void {
    const usedBy = users.length > 0 ? ` (used by EKS node group ${users.map((g) => `'${g.name}'`).join(", ")})` : "";
    const what = `${label(template)}${usedBy}`;
    const options = peek(() => (template.props as { metadataOptions?: unknown }).metadataOptions);
    if (options === UNKNOWN) {
        return;
    }
    const metadata = isRecord(options) ? options : {};
    // With the endpoint disabled there is no IMDS at all, neither v1 nor a token to hop anywhere (Checkov CKV_AWS_79 accepts it too).
    if (peek(() => metadata.httpEndpoint) === "disabled") {
        return;
    }
    const tokens = peek(() => metadata.httpTokens);
    if (tokens !== UNKNOWN && tokens !== "required") {
        report(
            `${what} allows IMDSv1: metadataOptions.httpTokens is ${shown(tokens)}${tokens === undefined || tokens === null ? " (the AMI's or account's default, \"optional\" unless they say otherwise)" : ""}; ` +
                'set it to "required".',
            template.urn,
        );
    }
    if (users.length === 0) {
        return;
    }
    const hops = peek(() => metadata.httpPutResponseHopLimit);
    if (hops !== UNKNOWN && hops !== NODE_HOP_LIMIT) {
        const state = hops === undefined || hops === null ? "does not set metadataOptions.httpPutResponseHopLimit (an AMI with ImdsSupport v2.0, such as EKS's, then gives 2)" : `sets metadataOptions.httpPutResponseHopLimit to ${shown(hops)}`;
        report(`${what} ${state}; a node launch template must set it to ${NODE_HOP_LIMIT}, so that pods cannot reach the node role's credentials through IMDS.`, template.urn);
    }
}

export const ec2LaunchTemplateImdsv2: EstateStackPolicy = {
    name: "estate-ec2-launch-template-imdsv2",
    checks:
        'Every EC2 LaunchTemplate sets metadataOptions.httpTokens "required" (or httpEndpoint "disabled"); a LaunchTemplate an EKS NodeGroup ' +
        "uses (launchTemplate joined through property dependencies) also sets httpPutResponseHopLimit to exactly 1. A NodeGroup without a " +
        "launchTemplate fails (EKS's default launch template sets hop limit 2), and so does one whose launch template is not a LaunchTemplate of the stack.",
    description:
        "Instances must require IMDSv2 (session tokens): IMDSv1 answers any GET to 169.254.169.254, so one server-side request forgery or " +
        "open proxy hands out the instance role's credentials. On EKS nodes the token must also stay on the node (hop limit 1): with a " +
        "hop limit of 2 every pod can fetch the node role's credentials, which can pull any image, describe the VPC and, without " +
        "per-pod identities, more.",
    remediationSteps:
        'Set `metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 }` on the aws.ec2.LaunchTemplate, ' +
        "and give every aws.eks.NodeGroup such a template (`launchTemplate: { id: template.id, version: template.latestVersion.apply(String) }`). " +
        "Pods that need AWS credentials get them from EKS Pod Identity or IRSA, not from the node.",
    severity: "high",
    tags: ["aws", "ec2", "eks", checkov("CKV_AWS_79"), checkov("CKV_AWS_341"), awsConfigRule("ec2-launch-template-imdsv2-check"), securityHub("EC2.170")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const templates = ofType(args.resources, aws.ec2.LaunchTemplate);
        const nodeGroups = ofType(args.resources, aws.eks.NodeGroup);
        if (templates.length + nodeGroups.length === 0) {
            args.notApplicable(`The stack has no ${LAUNCH_TEMPLATE_TYPES.launchTemplate} or ${LAUNCH_TEMPLATE_TYPES.nodeGroup}.`);
        }
        forEachDeferringUnknowns(templates, (template) => checkTemplate(template, nodeGroupsOf(template, nodeGroups), report));
        forEachDeferringUnknowns(nodeGroups, (group) => {
            if (referencedThrough(group, "launchTemplate", LAUNCH_TEMPLATE_TYPES.launchTemplate).length > 0) {
                return;
            }
            const launchTemplate = peek(() => (group.props as { launchTemplate?: unknown }).launchTemplate);
            if (launchTemplate === undefined || launchTemplate === null) {
                report(
                    `EKS node group '${group.name}' has no launch template, so EKS gives it a default one whose metadata response hop limit is 2: ` +
                        "every pod can fetch the node role's credentials. Give it a LaunchTemplate with httpTokens \"required\" and httpPutResponseHopLimit 1.",
                    group.urn,
                );
                return;
            }
            const ref = isRecord(launchTemplate) ? launchTemplate : {};
            const id = launchTemplate === UNKNOWN ? UNKNOWN : [peek(() => ref.id), peek(() => ref.name)].find((v) => v !== undefined && v !== null && v !== "");
            const named = id === undefined ? "(none named)" : id === UNKNOWN ? "(not known before deployment)" : `'${String(id)}'`;
            report(
                `EKS node group '${group.name}' uses launch template ${named}, which is not a LaunchTemplate of this stack: its IMDS settings ` +
                    "(httpTokens, hop limit) cannot be verified.",
                group.urn,
            );
        });
    },
};

export const launchTemplatePolicies = [ec2LaunchTemplateImdsv2];
