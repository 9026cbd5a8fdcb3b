/**
 * The shape every estate policy has. The SDK's `Policy` makes the metadata optional; here it is
 * required, so a policy cannot ship without saying why it exists, how to fix a violation, how bad a
 * violation is and which scanner rules it mirrors.
 */
import type { ResourceValidationPolicy, Severity, StackValidationPolicy } from "@pulumi/policy";

interface EstatePolicyMetadata {
    /** `estate-<service>-<rule>`; unique in the pack. */
    name: `estate-${string}`;
    /**
     * What the rule checks, in one or two sentences a reviewer can hold against the code (which
     * resources, which settings, which values pass). `docs/policies.md` shows it.
     */
    checks: string;
    /** Why the rule exists (the engine prints it above every violation message). */
    description: string;
    /** How to make a violating resource compliant. */
    remediationSteps: string;
    severity: Severity;
    /**
     * The service, and equivalent scanner rules (`checkov:CKV_AWS_145`, `aws-config:<rule>`,
     * `aws-securityhub:<control>`, `aws-guard:<RULE>`, `kyverno:<policy>`).
     */
    tags: string[];
}

export type EstateResourcePolicy = ResourceValidationPolicy & EstatePolicyMetadata;
export type EstateStackPolicy = StackValidationPolicy & EstatePolicyMetadata;
export type EstatePolicy = EstateResourcePolicy | EstateStackPolicy;

/** A tag naming the equivalent Checkov rule. */
export function checkov(id: string): string {
    return `checkov:${id}`;
}

/** A tag naming the equivalent AWS Config managed rule. */
export function awsConfigRule(identifier: string): string {
    return `aws-config:${identifier}`;
}

/**
 * A tag naming the equivalent AWS Security Hub (CSPM) control, by its id (`EKS.1`, `EC2.170`), as
 * the Security Hub user guide's `<service>-controls` pages list them.
 */
export function securityHub(control: string): string {
    return `aws-securityhub:${control}`;
}

/** A tag naming the equivalent rule of the AWS Guard Rules Registry (cfn-guard; its `rule` name). */
export function awsGuard(rule: string): string {
    return `aws-guard:${rule}`;
}

/** A tag naming the equivalent Kyverno policy of kyverno/policies (its `metadata.name`). */
export function kyverno(policy: string): string {
    return `kyverno:${policy}`;
}
