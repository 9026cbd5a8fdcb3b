/**
 * The policy pack's entry point for the Pulumi CLI (`pulumi preview --policy-pack policies`).
 * `new PolicyPack` reads package.json from the working directory and starts the analyzer's gRPC
 * server: never import this file from tests or from the offline check; import `./pack` instead.
 */
import { PolicyPack } from "@pulumi/policy";
import { packEnforcementLevel, packName, policies } from "./pack";

new PolicyPack(packName, {
    description:
        "Guardrails for the estate: encrypted, versioned, private, TLS-only S3 buckets with lifecycle and backup retention; rotating KMS keys; " +
        "encrypted, private, backed-up, deletion-protected, TLS-only RDS, DocumentDB and ElastiCache; Secrets Manager under customer-managed keys; " +
        "AWS Backup with customer-managed keys, vault lock, tiered retention, cross-region copies and every database selected; " +
        "Kubernetes workloads under the restricted Pod Security Standard with resources, probes, pinned images, autoscaling and disruption budgets; " +
        "EKS with KMS-encrypted Secrets, control-plane logs, a private API endpoint and nodes in private subnets on IMDSv2 with hop limit 1; VPC flow logs to encrypted log groups; " +
        "TLS on every Ingress; one LoadBalancer; labelled namespaces; every metrics port scraped; Alertmanager routing to a real receiver.",
    provider: "aws",
    enforcementLevel: packEnforcementLevel,
    policies,
});
