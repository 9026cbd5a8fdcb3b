/**
 * Day 0: what must exist before the estate's first `pulumi up` (docs/bootstrap.md).
 *
 * - the state bucket of the stacks' DIY backend, and the KMS key of their secrets provider;
 * - GitHub's OIDC provider with a read-only role for pull request previews (and the drift check)
 *   and one deploy role per GitHub environment.
 *
 * Its outputs are what the estate's stacks and workflows are configured with: `backendUrl`,
 * `secretsProvider`, the role ARNs, and the commands to run with them.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseBootstrapConfig } from "./config";
import { GitHubOidc } from "./github-oidc";
import { StateBackend } from "./state-backend";

const spec = parseBootstrapConfig(pulumi.runtime.allConfig(), { project: pulumi.getProject(), stack: pulumi.getStack() });

const backend = new StateBackend("state", { region: spec.region, stack: spec.stack, tags: spec.tags });
const ci = new GitHubOidc("github", {
    github: spec.github,
    environments: spec.environments,
    driftEnvironment: spec.driftEnvironment,
    state: {
        region: spec.region,
        bucketArn: backend.bucketArn,
        stateKeyArn: backend.stateKeyArn,
        secretsKeyArn: backend.secretsKeyArn,
        aliasArns: backend.aliasArns,
    },
    tags: spec.tags,
});

const repository = `${spec.github.owner}/${spec.github.repo}`;

export const backendUrl = backend.backendUrl;
export const secretsProvider = backend.secretsProvider;
export const stateBucketName = backend.bucketName;
export const oidcProviderArn = ci.providerArn;
export const previewRoleArn = ci.previewRoleArn;
export const deployRoleArns = ci.deployRoleArns;

/** What to run next, in order (docs/bootstrap.md, "From an empty account"). */
export const commands = {
    login: pulumi.interpolate`pulumi login '${backend.backendUrl}'`,
    stackInit: `pulumi stack init <stack> --secrets-provider '${backend.secretsProvider}'`,
    changeSecretsProvider: `pulumi stack change-secrets-provider '${backend.secretsProvider}'`,
    githubVariables: pulumi
        .all([backend.backendUrl, ci.previewRoleArn, pulumi.all(ci.deployRoleArns)])
        .apply(([url, preview, deploy]) => [
            `gh variable set PULUMI_BACKEND_URL --repo ${repository} --body '${url}'`,
            `gh variable set AWS_PREVIEW_ROLE_ARN --repo ${repository} --body '${preview}'`,
            ...Object.entries(deploy).map(([environment, arn]) => `gh variable set AWS_ROLE_ARN --repo ${repository} --env ${environment} --body '${arn}'`),
        ]),
};
