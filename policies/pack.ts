/**
 * The estate policy pack, as data: its name, default enforcement level and policies. Pure, so the
 * offline `check` and the tests import it; only `index.ts` turns it into a served `PolicyPack`.
 *
 * Enforcement per stack comes from `config/<stack>.json` (`all: advisory` in dev, `all: mandatory`
 * in prod, `remediate` for the policies with a safe fix), the same file for `pulumi preview
 * --policy-pack-config` and for the offline `check`.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { backupPolicies } from "./aws/backup";
import { cloudwatchPolicies } from "./aws/cloudwatch";
import { coveragePolicies } from "./coverage/unevaluated";
import { docdbPolicies } from "./aws/docdb";
import { ec2Policies } from "./aws/ec2";
import { ecrPolicies } from "./aws/ecr";
import { eksPolicies } from "./aws/eks";
import { elasticachePolicies } from "./aws/elasticache";
import { kmsPolicies } from "./aws/kms";
import { launchTemplatePolicies } from "./aws/launch-templates";
import { rdsPolicies } from "./aws/rds";
import { s3Policies } from "./aws/s3";
import { secretsManagerPolicies } from "./aws/secretsmanager";
import { snsPolicies } from "./aws/sns";
import { vpcPolicies } from "./aws/vpc";
import { k8sPolicies } from "./k8s";
import type { EstatePolicy } from "./lib/policy";

export const packName = "estate";

/** The level of a policy that the stack's config file does not set. */
export const packEnforcementLevel: EnforcementLevel = "advisory";

export const policies: EstatePolicy[] = [...s3Policies, ...kmsPolicies, ...rdsPolicies, ...docdbPolicies, ...elasticachePolicies, ...ec2Policies, ...launchTemplatePolicies, ...vpcPolicies, ...eksPolicies, ...ecrPolicies, ...secretsManagerPolicies, ...backupPolicies, ...snsPolicies, ...cloudwatchPolicies, ...k8sPolicies, ...coveragePolicies];

/**
 * Policies that stay advisory in prod too (`policies/config/prod.json` says so): recommendations
 * whose violation is a weaker posture, not an exposure.
 */
export const advisoryInProd: readonly string[] = ["estate-rds-storage-encrypted-cmk", "estate-secretsmanager-secret-cmk"];

/**
 * Policies that block in every stack, dev included (`policies/config/*.json` say so): a denied
 * network flow is a broken path, not a weaker posture, and dev finds it first.
 */
export const mandatoryInEveryStack: readonly string[] = ["estate-k8s-network-flows"];

/**
 * Policies with a safe, unambiguous fix (`remediateResource`): every stack's config sets them to
 * `remediate`, so the engine applies the fix before it validates, in dev and prod alike.
 */
export const remediatedInEveryStack: readonly string[] = policies.filter((p) => "remediateResource" in p && typeof p.remediateResource === "function").map((p) => p.name);
