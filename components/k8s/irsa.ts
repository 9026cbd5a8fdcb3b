/**
 * IAM Roles for Service Accounts (EKS): a role that exactly one ServiceAccount can assume through the
 * cluster's OIDC provider. Shared by the backup jobs and the External Secrets Operator's store.
 */
import * as pulumi from "@pulumi/pulumi";

/** EKS IAM Roles for Service Accounts: the cluster's IAM OIDC identity provider. */
export interface IrsaProvider {
    /** The IAM OIDC provider's ARN, e.g. `arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`. */
    oidcProviderArn: pulumi.Input<string>;
    /**
     * The cluster's OIDC issuer, with or without `https://` (e.g. `oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED...`):
     * the trust policy's condition keys. An output when the estate creates the cluster (`estate:cluster`).
     */
    oidcIssuer: pulumi.Input<string>;
}

/** The issuer as IAM condition keys spell it: without `https://` and a trailing slash. */
export function issuerHost(issuer: string): string {
    return issuer.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

/** The role's trust policy: only this ServiceAccount, through the cluster's OIDC provider, for STS. */
export function irsaTrustPolicy(p: IrsaProvider & { namespace: pulumi.Input<string>; serviceAccount: string }): pulumi.Output<object> {
    // The issuer names the condition keys: an output issuer (a cluster the estate creates) is resolved first.
    return pulumi.output(p.oidcIssuer).apply((oidcIssuer) => trustPolicyFor(p, issuerHost(oidcIssuer)));
}

function trustPolicyFor(p: IrsaProvider & { namespace: pulumi.Input<string>; serviceAccount: string }, issuer: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: p.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: pulumi.interpolate`system:serviceaccount:${p.namespace}:${p.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

