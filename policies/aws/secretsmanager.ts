/**
 * Secrets Manager policies: the secrets a stack creates (`aws.secretsmanager.Secret`) and the master
 * user secrets RDS creates and manages for an instance or cluster (`manageMasterUserPassword`).
 */
import * as aws from "@pulumi/aws";
import { checkov, type EstateResourcePolicy } from "../lib/policy";
import { isSet } from "../lib/props";

export const secretsManagerSecretCmk: EstateResourcePolicy = {
    name: "estate-secretsmanager-secret-cmk",
    checks:
        "Every Secrets Manager secret sets kmsKeyId, and every RDS instance or cluster with manageMasterUserPassword: true sets masterUserSecretKmsKeyId.",
    description:
        "Secrets in Secrets Manager should be encrypted with a customer-managed KMS key rather than the AWS managed " +
        "aws/secretsmanager key: the key policy then decides who may read them, they can be shared across accounts, and every decryption is attributable.",
    remediationSteps:
        "Set `kmsKeyId` on the aws.secretsmanager.Secret, and `masterUserSecretKmsKeyId` on an aws.rds.Instance or aws.rds.Cluster " +
        "with `manageMasterUserPassword: true`, to a customer-managed key (the data components use the database's own key).",
    severity: "medium",
    tags: ["aws", "secretsmanager", checkov("CKV_AWS_149")],
    validateResource: (args, report) => {
        const secret = args.asType(aws.secretsmanager.Secret);
        if (secret) {
            if (!isSet(secret as unknown as Record<string, unknown>, "kmsKeyId")) {
                report(`Secrets Manager secret '${args.name}' is encrypted with the AWS managed key: kmsKeyId is not set.`);
            }
            return;
        }
        const db = (args.asType(aws.rds.Instance) ?? args.asType(aws.rds.Cluster)) as Record<string, unknown> | undefined;
        if (db) {
            if (db.manageMasterUserPassword !== true) {
                args.notApplicable(`'${args.name}' does not let RDS manage its master password in Secrets Manager.`);
            }
            if (!isSet(db, "masterUserSecretKmsKeyId")) {
                report(`The master user secret RDS manages for '${args.name}' is encrypted with the AWS managed key: masterUserSecretKmsKeyId is not set.`);
            }
            return;
        }
        args.notApplicable("Policy only applies to Secrets Manager secrets and RDS instances and clusters with managed master passwords");
    },
};

export const secretsManagerPolicies = [secretsManagerSecretCmk];
