/**
 * Credentials of a managed data service in AWS Secrets Manager, encrypted with the service's
 * customer-managed key, so operators and apps can read the current value at runtime instead of
 * from stack outputs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Days Secrets Manager keeps a deleted secret recoverable (the maximum). */
export const SECRET_RECOVERY_DAYS = 30;

export interface CredentialsSecretSpec {
    name: string;
    service: string;
    keyArn: pulumi.Input<string>;
    /** The JSON document to store (a secret output). */
    value: pulumi.Output<string>;
    /** Protected data: deletion waits the recovery window; otherwise the secret is deleted at once. */
    protectData: boolean;
    region?: string;
    tags: Record<string, string>;
    parent: pulumi.Resource;
}

/** A secret `${name}-credentials` and its current version. */
export function credentialsSecret(spec: CredentialsSecretSpec): aws.secretsmanager.Secret {
    const { name, region, tags, parent } = spec;
    const secret = new aws.secretsmanager.Secret(
        `${name}-credentials`,
        {
            description: `${spec.service} ${name}: connection credentials`,
            kmsKeyId: spec.keyArn,
            recoveryWindowInDays: spec.protectData ? SECRET_RECOVERY_DAYS : 0,
            region,
            tags,
        },
        { parent },
    );
    new aws.secretsmanager.SecretVersion(`${name}-credentials-version`, { secretId: secret.id, secretString: pulumi.secret(spec.value), region }, { parent });
    return secret;
}
