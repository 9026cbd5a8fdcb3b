/** KMS policies. */
import * as aws from "@pulumi/aws";
import { remediateResourceOfType, validateResourceOfType, type ResourceValidationArgs } from "@pulumi/policy";
import { awsConfigRule, checkov, type EstateResourcePolicy, awsGuard } from "../lib/policy";

/** The only key spec AWS KMS rotates automatically: symmetric encryption keys. */
const ROTATABLE_KEY_SPEC = "SYMMETRIC_DEFAULT";

/** Declares the policy not applicable to a key that cannot rotate automatically (asymmetric, HMAC, custom key store). */
function skipUnrotatable(key: { customerMasterKeySpec?: string }, args: ResourceValidationArgs): void {
    const spec = key.customerMasterKeySpec ?? ROTATABLE_KEY_SPEC;
    if (spec !== ROTATABLE_KEY_SPEC) {
        args.notApplicable(`KMS key '${args.name}' has key spec ${spec}: only ${ROTATABLE_KEY_SPEC} keys rotate automatically.`);
    }
    // Presence is enough (the id may be unknown in a preview).
    if ("customKeyStoreId" in key) {
        args.notApplicable(`KMS key '${args.name}' is in a custom key store, whose keys cannot rotate automatically.`);
    }
}

export const kmsKeyRotation: EstateResourcePolicy = {
    name: "estate-kms-key-rotation",
    checks:
        "Every symmetric (SYMMETRIC_DEFAULT) KMS key outside a custom key store sets enableKeyRotation: true.",
    description:
        "Customer-managed symmetric KMS keys must rotate their key material automatically: it limits how much data " +
        "one key version protects and how long a leaked version is useful, and costs nothing in availability because " +
        "KMS keeps old versions for decryption. Asymmetric and HMAC keys, and keys in a custom key store, cannot " +
        "rotate automatically; the policy does not apply to them.",
    remediationSteps:
        "Set `enableKeyRotation: true` on the aws.kms.Key (and optionally `rotationPeriodInDays`, 90 to 2560, default " +
        "365). For a key that cannot rotate automatically, rotate by hand: create a new key and move the alias.",
    severity: "medium",
    tags: ["aws", "kms", checkov("CKV_AWS_7"), awsConfigRule("cmk-backing-key-rotation-enabled"), awsGuard("CMK_BACKING_KEY_ROTATION_ENABLED")],
    // Safe and unambiguous: rotation keeps every old key version for decryption, costs no availability,
    // and changes in place. At level `remediate` the engine turns it on before validating.
    remediateResource: remediateResourceOfType(aws.kms.Key, (key, args) => {
        skipUnrotatable(key, args);
        if (key.enableKeyRotation === true) {
            return undefined;
        }
        key.enableKeyRotation = true;
        return key;
    }),
    validateResource: validateResourceOfType(aws.kms.Key, (key, args, report) => {
        skipUnrotatable(key, args);
        if (key.enableKeyRotation !== true) {
            const actual = key.enableKeyRotation === undefined ? "not set" : JSON.stringify(key.enableKeyRotation);
            report(`KMS key '${args.name}' does not rotate automatically: enableKeyRotation is ${actual}, it must be true.`);
        }
    }),
};

export const kmsPolicies = [kmsKeyRotation];
