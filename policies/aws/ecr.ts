/**
 * Amazon ECR policies: the resource policies of repositories (`aws.ecr.RepositoryPolicy`), of the
 * registry (`aws.ecr.RegistryPolicy`) and of repository creation templates
 * (`aws.ecr.RepositoryCreationTemplate`, which give the policy to the repositories a pull-through
 * cache or replication creates).
 */
import * as aws from "@pulumi/aws";
import { publicGrants } from "../lib/iam";
import { checkov, type EstateResourcePolicy } from "../lib/policy";
import { label } from "../lib/stack";

export const ECR_TYPES = {
    repositoryPolicy: "aws:ecr/repositoryPolicy:RepositoryPolicy",
    registryPolicy: "aws:ecr/registryPolicy:RegistryPolicy",
    repositoryCreationTemplate: "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
} as const;

export const ecrRepositoryPolicyPublic: EstateResourcePolicy = {
    name: "estate-ecr-repository-policy-public",
    checks:
        'No ECR RepositoryPolicy, RegistryPolicy or RepositoryCreationTemplate repositoryPolicy has an Allow statement to Principal "*" ' +
        "(or a principal list with \"*\", or NotPrincipal) unless its Condition restricts it to fixed values of a principal key, aws:SourceIp, " +
        "aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner or aws:SourceAccount (the same reading as estate-s3-bucket-policy-public).",
    description:
        "An ECR repository policy must not grant access to everyone: Principal \"*\" without a condition that pins it to fixed principals or " +
        "networks lets any AWS account pull the estate's images (and what they contain: code, dependencies, sometimes configuration), or push over them.",
    remediationSteps:
        "Name the accounts, roles or organization that need the images (`Principal: { AWS: \"arn:aws:iam::<account>:root\" }`, or Principal \"*\" " +
        'with `Condition: { StringEquals: { "aws:PrincipalOrgID": "<org id>" } }`). Publish public images to ECR Public (aws.ecrpublic.Repository) instead.',
    severity: "critical",
    tags: ["aws", "ecr", checkov("CKV_AWS_32")],
    // One validation for the three types, so a resource of one type is not also reported "not applicable".
    validateResource: (args, report) => {
        if (!(Object.values(ECR_TYPES) as string[]).includes(args.type)) {
            args.notApplicable(`Policy only applies to ECR resource policies (${Object.values(ECR_TYPES).join(", ")})`);
        }
        // The document is a JSON string, or an object when the program passed a PolicyDocument literal.
        const document =
            args.asType(aws.ecr.RepositoryPolicy)?.policy ?? args.asType(aws.ecr.RegistryPolicy)?.policy ?? args.asType(aws.ecr.RepositoryCreationTemplate)?.repositoryPolicy;
        if (document === undefined || document === null || document === "") {
            return;
        }
        const where = `${label(args)}${args.type === ECR_TYPES.repositoryCreationTemplate ? " (its repositoryPolicy)" : ""}`;
        const verdict = publicGrants(document as unknown);
        if ("error" in verdict) {
            report(`${where} cannot be checked for public access: ${verdict.error}.`);
        } else if (verdict.grants.length > 0) {
            report(`${where} makes the ${args.type === ECR_TYPES.registryPolicy ? "registry" : "repository"} public: ${verdict.grants.join(" | ")}.`);
        }
    },
};

export const ecrPolicies = [ecrRepositoryPolicyPublic];
