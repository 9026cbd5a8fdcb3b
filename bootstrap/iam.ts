/**
 * The IAM documents of the bootstrap: who may assume the CI roles (GitHub's OIDC tokens, by `sub`
 * and `aud`), what the read-only preview role may do on the state, and what the deploy roles may
 * never do to the bootstrap's own resources. Pure data, built from resolved values.
 */
import { policyDocument } from "../components/lib/bucket-policy";

/**
 * GitHub Actions' OIDC issuer, and the audience `aws-actions/configure-aws-credentials` requests
 * (its `action.yml`: `audience` default `sts.amazonaws.com`; AWS IAM User Guide, "Configuring a role
 * for GitHub OIDC identity provider": conditions on `token.actions.githubusercontent.com:aud` and
 * `:sub`).
 */
export const GITHUB_OIDC = {
    url: "https://token.actions.githubusercontent.com",
    host: "token.actions.githubusercontent.com",
    audience: "sts.amazonaws.com",
} as const;

export interface GitHubRepository {
    owner: string;
    repo: string;
}

/**
 * The `sub` claim of a job run for a `pull_request` event that references no environment
 * (GitHub Docs, "OpenID Connect reference", example subject claims:
 * `repo:ORG-NAME/REPO-NAME:pull_request`). A job that references an environment gets the
 * environment's subject instead, so the preview job must not reference one.
 */
export function pullRequestSubject(github: GitHubRepository): string {
    return `repo:${github.owner}/${github.repo}:pull_request`;
}

/** The `sub` claim of a job that references `environment` (`repo:ORG-NAME/REPO-NAME:environment:ENVIRONMENT-NAME`), whatever the event. */
export function environmentSubject(github: GitHubRepository, environment: string): string {
    return `repo:${github.owner}/${github.repo}:environment:${environment}`;
}

/**
 * The trust policy of a CI role: GitHub's OIDC provider may assume it for exactly these subjects
 * (`StringEquals`, no wildcards) and only with the STS audience.
 */
export function githubTrustPolicy(providerArn: string, subjects: string[]) {
    return policyDocument([
        {
            Sid: "GitHubActionsOidc",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience,
                    [`${GITHUB_OIDC.host}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
                },
            },
        },
    ]);
}

export interface StateResources {
    bucketArn: string;
    stateKeyArn: string;
    secretsKeyArn: string;
    region: string;
}

/**
 * What `pulumi preview` needs beyond `ReadOnlyAccess` on a DIY S3 backend with an awskms secrets
 * provider:
 * - read the state: list the bucket, get objects (`.pulumi/meta.yaml`, the stack's checkpoint);
 *   nothing written: the DIY backend's `Preview` calls `apply` with `DryRun` and never `Lock`,
 *   and saves no history or backup on a dry run (pulumi/pulumi `pkg/backend/diy/backend.go`,
 *   `func (b *diyBackend) Preview` and `apply`: `if !opts.DryRun { addToHistory; backupStack }`);
 * - decrypt the state objects (SSE-KMS under the state key, through S3 only);
 * - decrypt the stack's data key with the secrets key (`kms:Decrypt`, called by the CLI itself).
 * `ReadOnlyAccess` grants `kms:Describe*`, `kms:Get*` and `kms:List*` but no `kms:Decrypt`.
 */
export function previewStatePolicy(r: StateResources) {
    return policyDocument([
        { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: r.bucketArn },
        { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${r.bucketArn}/*` },
        {
            Sid: "DecryptStateThroughS3",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: r.stateKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${r.region}.amazonaws.com` } },
        },
        { Sid: "DecryptStackDataKeys", Effect: "Allow", Action: "kms:Decrypt", Resource: r.secretsKeyArn },
    ]);
}

export interface BootstrapResources {
    bucketArn: string;
    keyArns: string[];
    aliasArns: string[];
    roleArns: string[];
    oidcProviderArn: string;
}

/** The actions that would weaken or remove the state bucket's protections, or erase its history. */
export const BUCKET_GUARD_ACTIONS = [
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketAcl",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
] as const;
/** Deleting a version for good (the CLI deletes lock files with `DeleteObject`, which leaves a delete marker). */
export const OBJECT_GUARD_ACTIONS = ["s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"] as const;
export const KEY_GUARD_ACTIONS = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:DeleteImportedKeyMaterial", "kms:UpdateKeyDescription"] as const;
export const ALIAS_GUARD_ACTIONS = ["kms:DeleteAlias", "kms:UpdateAlias"] as const;
export const ROLE_GUARD_ACTIONS = [
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
] as const;
export const OIDC_PROVIDER_GUARD_ACTIONS = [
    "iam:DeleteOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
] as const;

/**
 * The deploy roles' explicit deny: `AdministratorAccess` everywhere else, but nothing that
 * deletes or weakens the bootstrap's own bucket, keys, aliases, roles or OIDC provider. An
 * explicit deny wins over any allow (IAM User Guide, "Policy evaluation logic"), so a deploy
 * cannot lift it by attaching another policy to itself: changing its own policies is denied too.
 * Changes to the bootstrap are made by a person with an administrator session, from bootstrap/.
 */
export function deployGuardPolicy(r: BootstrapResources) {
    return policyDocument([
        { Sid: "KeepStateBucket", Effect: "Deny", Action: [...BUCKET_GUARD_ACTIONS], Resource: r.bucketArn },
        { Sid: "KeepStateHistory", Effect: "Deny", Action: [...OBJECT_GUARD_ACTIONS], Resource: `${r.bucketArn}/*` },
        { Sid: "KeepBootstrapKeys", Effect: "Deny", Action: [...KEY_GUARD_ACTIONS, ...ALIAS_GUARD_ACTIONS], Resource: r.keyArns },
        { Sid: "KeepBootstrapAliases", Effect: "Deny", Action: [...ALIAS_GUARD_ACTIONS], Resource: r.aliasArns },
        { Sid: "KeepCiRoles", Effect: "Deny", Action: [...ROLE_GUARD_ACTIONS], Resource: r.roleArns },
        { Sid: "KeepGitHubOidcProvider", Effect: "Deny", Action: [...OIDC_PROVIDER_GUARD_ACTIONS], Resource: r.oidcProviderArn },
    ]);
}
