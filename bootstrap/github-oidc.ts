/**
 * `GitHubOidc`: the identity of the estate's GitHub Actions workflows in AWS, with no stored keys.
 * GitHub's OIDC provider, a read-only role for pull request previews (and the scheduled drift
 * check), and one deploy role per GitHub environment. Each role trusts exactly its `sub` claims and
 * the STS audience; see bootstrap/iam.ts for the documents and docs/bootstrap.md for why.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { roleSegment } from "./config";
import { deployGuardPolicy, environmentSubject, GITHUB_OIDC, type GitHubRepository, githubTrustPolicy, previewStatePolicy, pullRequestSubject } from "./iam";

export interface GitHubOidcArgs {
    github: GitHubRepository;
    /** The GitHub environments that deploy: one role each, `AdministratorAccess` bounded by the guard. */
    environments: string[];
    /** The environment of the read-only drift check (the preview role trusts it too). */
    driftEnvironment: string;
    /** What the roles need to reach, and what the deploy roles must leave alone. */
    state: {
        region: string;
        bucketArn: pulumi.Input<string>;
        stateKeyArn: pulumi.Input<string>;
        secretsKeyArn: pulumi.Input<string>;
        aliasArns: pulumi.Input<string>[];
    };
    tags?: Record<string, string>;
}

/** AWS managed policies (IAM User Guide, "AWS managed policies for job functions"), in the account's partition. */
const managedPolicy = (partition: pulumi.Output<string>, policy: "ReadOnlyAccess" | "AdministratorAccess") => pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`;
/**
 * A deploy's credentials must outlive the longest `pulumi up` (deploy.yml's prod job may run 90
 * minutes); an expired session mid-update leaves the lock file and pending operations behind.
 * The workflows ask for as long as their job's timeout (`role-duration-seconds`); 2 hours is the
 * role's ceiling (IAM allows 1 to 12 hours).
 */
export const DEPLOY_MAX_SESSION_SECONDS = 7200;

const TYPE = "estate:bootstrap:GitHubOidc";

export class GitHubOidc extends pulumi.ComponentResource {
    readonly providerArn: pulumi.Output<string>;
    readonly previewRoleArn: pulumi.Output<string>;
    /** The deploy role of each environment, by environment name. */
    readonly deployRoleArns: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: GitHubOidcArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const { github, environments, driftEnvironment, state } = args;
        const tags = args.tags ?? {};
        const child = { parent: this };
        const partition = aws.getPartitionOutput({}, child).partition;

        // No thumbprint: for GitHub, IAM validates the IdP's certificate against its own library of
        // trusted root CAs and ignores configured thumbprints (IAM API Reference,
        // UpdateOpenIDConnectProviderThumbprint, note; @pulumi/aws 7.48 iam/openIdConnectProvider.d.ts,
        // `thumbprintLists` optional).
        const provider = new aws.iam.OpenIdConnectProvider(`${name}-provider`, { url: GITHUB_OIDC.url, clientIdLists: [GITHUB_OIDC.audience], tags }, child);

        const role = (roleName: string, description: string, subjects: string[], maxSessionDuration?: number) =>
            new aws.iam.Role(
                `${name}-${roleName}`,
                {
                    description,
                    assumeRolePolicy: provider.arn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))),
                    maxSessionDuration,
                    tags,
                },
                child,
            );

        const preview = role(
            "preview",
            `Read-only: pulumi preview of ${github.owner}/${github.repo}'s pull requests and the drift check`,
            [pullRequestSubject(github), environmentSubject(github, driftEnvironment)],
        );
        new aws.iam.RolePolicyAttachment(`${name}-preview-read-only`, { role: preview.name, policyArn: managedPolicy(partition, "ReadOnlyAccess") }, child);
        new aws.iam.RolePolicy(
            `${name}-preview-state`,
            {
                role: preview.name,
                policy: pulumi
                    .all([state.bucketArn, state.stateKeyArn, state.secretsKeyArn])
                    .apply(([bucketArn, stateKeyArn, secretsKeyArn]) => JSON.stringify(previewStatePolicy({ bucketArn, stateKeyArn, secretsKeyArn, region: state.region }))),
            },
            child,
        );

        const deployRoles = environments.map((environment) => {
            const roleName = `deploy-${roleSegment(environment)}`;
            return {
                environment,
                roleName,
                role: role(roleName, `Deploys ${github.owner}/${github.repo} from its GitHub environment ${environment}`, [environmentSubject(github, environment)], DEPLOY_MAX_SESSION_SECONDS),
            };
        });
        const guard = pulumi
            .all([state.bucketArn, state.stateKeyArn, state.secretsKeyArn, pulumi.all(state.aliasArns), preview.arn, pulumi.all(deployRoles.map((d) => d.role.arn)), provider.arn])
            .apply(([bucketArn, stateKeyArn, secretsKeyArn, aliasArns, previewArn, deployArns, oidcProviderArn]) =>
                JSON.stringify(deployGuardPolicy({ bucketArn, keyArns: [stateKeyArn, secretsKeyArn], aliasArns, roleArns: [previewArn, ...deployArns], oidcProviderArn })),
            );
        for (const { roleName, role: deploy } of deployRoles) {
            new aws.iam.RolePolicyAttachment(`${name}-${roleName}-administrator`, { role: deploy.name, policyArn: managedPolicy(partition, "AdministratorAccess") }, child);
            new aws.iam.RolePolicy(`${name}-${roleName}-guard`, { role: deploy.name, policy: guard }, child);
        }

        this.providerArn = provider.arn;
        this.previewRoleArn = preview.arn;
        this.deployRoleArns = Object.fromEntries(deployRoles.map(({ environment, role: r }) => [environment, r.arn]));
        this.registerOutputs({ providerArn: this.providerArn, previewRoleArn: this.previewRoleArn, deployRoleArns: this.deployRoleArns });
    }
}
