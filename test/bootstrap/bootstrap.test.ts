/**
 * The bootstrap program (bootstrap/) run through the offline plan and check, as a user would run
 * it: `npm run -s plan -- --program bootstrap --stack example`. Asserts what the user relies on:
 * the state bucket's protections joined to the bucket, each role's trust exactly, the outputs'
 * shapes, the policy pack's verdict, and a config mistake named by its key (exit 2).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BUCKET_GUARD_ACTIONS, KEY_GUARD_ACTIONS, OIDC_PROVIDER_GUARD_ACTIONS, ROLE_GUARD_ACTIONS } from "../../bootstrap/iam";
import { type CheckJson, type PlanJson, root, runCli } from "../helpers/cli";

const PROGRAM = ["--program", "bootstrap", "--stack", "example"];
const example = fs.readFileSync(path.join(root, "bootstrap/Pulumi.example.yaml"), "utf8");
const OWNER = /owner: (\S+)/.exec(example)![1]!;
const REPO = /repo: (\S+)/.exec(example)![1]!;

type Resource = PlanJson["resources"][number];
type Doc = { Statement: Record<string, unknown>[] };

let plan: PlanJson;
beforeAll(async () => {
    const result = await runCli(root, "plan", [...PROGRAM, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    plan = JSON.parse(result.stdout) as PlanJson;
});

const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
const one = (type: string, name?: string): Resource => {
    const found = ofType(type).filter((r) => name === undefined || r.name === name);
    expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
    return found[0]!;
};
/** The state bucket's ARN as the engine reports it (`arn:aws:s3:::<name>`). */
const bucketArn = () => `arn:aws:s3:::${plan.outputs.stateBucketName as string}`;
const doc = (r: Resource, key: string): Doc => JSON.parse(r.inputs[key] as string) as Doc;

describe("the state bucket", () => {
    const bucket = () => one("aws:s3/bucket:Bucket");
    /** The one resource of `type` whose `bucket` input comes from the state bucket (joined by URN, as a real preview would see it). */
    const joined = (type: string) => {
        const found = ofType(type).filter((r) => r.propertyDependencies.bucket?.includes(bucket().urn));
        expect(found, type).toHaveLength(1);
        return found[0]!;
    };

    it("is protected and retained, with no forceDestroy, like both keys", () => {
        expect(bucket()).toMatchObject({ protect: true, retainOnDelete: true });
        expect(bucket().inputs.forceDestroy).toBe(false);
        const keys = ofType("aws:kms/key:Key");
        expect(keys).toHaveLength(2);
        for (const key of keys) {
            expect(key, key.name).toMatchObject({ protect: true, retainOnDelete: true });
            expect(key.inputs.enableKeyRotation, key.name).toBe(true);
        }
    });

    it("is versioned, SSE-KMS encrypted under the state key with a bucket key, and blocks all public access with ACLs disabled", () => {
        expect(joined("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).toEqual({ status: "Enabled" });
        const encryption = joined("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
        const stateKey = one("aws:kms/key:Key", "state-state-key");
        expect(encryption.inputs.rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: expect.any(String) }, bucketKeyEnabled: true }]);
        expect(encryption.propertyDependencies.rules).toContain(stateKey.urn);
        expect(joined("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(joined("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    });

    it("has a policy that denies every request without TLS, on the bucket and its objects", () => {
        const policy = doc(joined("aws:s3/bucketPolicy:BucketPolicy"), "policy");
        const deny = policy.Statement.find((s) => JSON.stringify(s.Condition) === JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }));
        expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*" });
        const arn = bucketArn();
        expect(deny!.Resource).toEqual([arn, `${arn}/*`]);
    });

    it("expires noncurrent versions and aborts stale uploads for the whole bucket, after versioning", () => {
        const lifecycle = joined("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
        const rules = lifecycle.inputs.rules as { status: string; filter: unknown; noncurrentVersionExpiration?: { noncurrentDays: number }; abortIncompleteMultipartUpload?: unknown }[];
        expect(rules).toHaveLength(1);
        expect(rules[0]).toMatchObject({
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: expect.any(Number) },
        });
        expect(rules[0]!.noncurrentVersionExpiration!.noncurrentDays).toBeGreaterThanOrEqual(30);
        expect(lifecycle.dependencies).toContain(joined("aws:s3/bucketVersioning:BucketVersioning").urn);
    });
});

describe("the GitHub OIDC roles", () => {
    const subjectKey = "token.actions.githubusercontent.com:sub";
    const trust = (name: string) => {
        const statements = doc(one("aws:iam/role:Role", name), "assumeRolePolicy").Statement;
        expect(statements, name).toHaveLength(1);
        return statements[0] as { Effect: string; Action: string; Principal: { Federated: string }; Condition: { StringEquals: Record<string, unknown> } } & Record<string, unknown>;
    };
    const attached = (role: Resource, type: string) => ofType(type).filter((r) => r.propertyDependencies.role?.includes(role.urn));

    it("trust GitHub's issuer, with the STS audience and no thumbprint", () => {
        const provider = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(provider.inputs.url).toBe("https://token.actions.githubusercontent.com");
        expect(provider.inputs.clientIdLists).toEqual(["sts.amazonaws.com"]);
        expect(provider.inputs.thumbprintLists).toBeUndefined();
    });

    it("the preview role: only this repository's pull requests and its drift environment, read-only plus reading the state", () => {
        const statement = trust("github-preview");
        const provider = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(statement).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity" });
        expect(one("aws:iam/role:Role", "github-preview").propertyDependencies.assumeRolePolicy).toContain(provider.urn);
        expect(statement.Condition).toEqual({
            StringEquals: {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                [subjectKey]: [`repo:${OWNER}/${REPO}:pull_request`, `repo:${OWNER}/${REPO}:environment:drift`],
            },
        });
        const preview = one("aws:iam/role:Role", "github-preview");
        expect(attached(preview, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).toEqual(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        const [inline] = attached(preview, "aws:iam/rolePolicy:RolePolicy");
        const actions = doc(inline!, "policy").Statement.flatMap((s) => [s.Action].flat() as string[]);
        expect(actions).toEqual(expect.arrayContaining(["s3:ListBucket", "s3:GetObject", "kms:Decrypt"]));
        // Read-only: the DIY backend takes no lock on preview, so nothing is written.
        expect(actions.filter((a) => /^s3:(Put|Delete)|^kms:(Encrypt|GenerateDataKey)/.test(a))).toEqual([]);
    });

    it("one deploy role per configured environment, each trusted only from that environment", () => {
        const environments = Object.keys(plan.outputs.deployRoleArns as Record<string, string>);
        expect(environments).toEqual(["development", "production"]);
        for (const environment of environments) {
            expect(trust(`github-deploy-${environment}`).Condition).toEqual({
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", [subjectKey]: `repo:${OWNER}/${REPO}:environment:${environment}` },
            });
        }
    });

    it("deploy roles: AdministratorAccess, with an explicit deny on the bootstrap's bucket, keys, roles and provider", () => {
        const roles = ofType("aws:iam/role:Role");
        const keys = ofType("aws:kms/key:Key");
        for (const role of roles.filter((r) => r.name.startsWith("github-deploy-"))) {
            expect(attached(role, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).toEqual(["arn:aws:iam::aws:policy/AdministratorAccess"]);
            const [guard] = attached(role, "aws:iam/rolePolicy:RolePolicy");
            const statements = doc(guard!, "policy").Statement;
            expect(statements.every((s) => s.Effect === "Deny")).toBe(true);
            const denied = (action: string) => statements.filter((s) => ([s.Action].flat() as string[]).includes(action)).flatMap((s) => [s.Resource].flat() as string[]);
            expect(denied(BUCKET_GUARD_ACTIONS[0])).toEqual([bucketArn()]);
            expect(denied(KEY_GUARD_ACTIONS[0])).toHaveLength(keys.length);
            expect(denied(ROLE_GUARD_ACTIONS[0])).toHaveLength(roles.length);
            expect(denied(OIDC_PROVIDER_GUARD_ACTIONS[0])).toHaveLength(1);
            // The guard names every bootstrap key and role: it depends on each of them.
            for (const r of [...keys, ...roles, one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")]) {
                expect(guard!.propertyDependencies.policy, r.name).toContain(r.urn);
            }
            expect(role.inputs.maxSessionDuration).toBeGreaterThanOrEqual(5400);
        }
    });
});

describe("the outputs", () => {
    it("give the backend login, the secrets provider, the role ARNs and the commands in order", () => {
        const o = plan.outputs as Record<string, unknown>;
        const bucketName = o.stateBucketName as string;
        expect(o.backendUrl).toBe(`s3://${bucketName}?region=eu-west-1&awssdk=v2`);
        expect(o.secretsProvider).toBe("awskms://alias/estate-bootstrap/example/secrets?region=eu-west-1");
        expect(one("aws:kms/alias:Alias", "state-secrets-key-alias").inputs.name).toBe("alias/estate-bootstrap/example/secrets");
        expect(o.previewRoleArn).toMatch(/^arn:aws:iam:.*:role\//);
        for (const arn of Object.values(o.deployRoleArns as Record<string, string>)) {
            expect(arn).toMatch(/^arn:aws:iam:.*:role\//);
        }
        const commands = o.commands as { login: string; stackInit: string; githubVariables: string[] };
        expect(commands.login).toBe(`pulumi login '${o.backendUrl as string}'`);
        expect(commands.stackInit).toBe(`pulumi stack init <stack> --secrets-provider '${o.secretsProvider as string}'`);
        expect(commands.githubVariables).toEqual([
            expect.stringContaining(`gh variable set PULUMI_BACKEND_URL --repo ${OWNER}/${REPO} --body '${o.backendUrl as string}'`),
            expect.stringContaining(`AWS_PREVIEW_ROLE_ARN --repo ${OWNER}/${REPO} --body '${o.previewRoleArn as string}'`),
            ...Object.entries(o.deployRoleArns as Record<string, string>).map(([env, arn]) => expect.stringContaining(`AWS_ROLE_ARN --repo ${OWNER}/${REPO} --env ${env} --body '${arn}'`)),
        ]);
    });
});

describe("the policy pack", () => {
    it.each(["(pack defaults)", "policies/config/prod.json"])("reports no violation on the bootstrap with %s", async (config) => {
        const result = await runCli(root, "check", [...PROGRAM, "--json", ...(config.startsWith("policies/") ? ["--policy-config", config] : [])]);
        expect(result.exitCode, result.stderr).toBe(0);
        const report = JSON.parse(result.stdout) as CheckJson;
        expect(report.violations).toEqual([]);
        expect(report.resources).toBe(plan.resources.length);
    });
});

describe("a config mistake", () => {
    it.each([
        ["estate-bootstrap:github", '{"owner":"example-org"}', "estate-bootstrap:github.repo is required"],
        ["estate-bootstrap:github", '{"owner":"-org-","repo":"estate"}', "estate-bootstrap:github.owner must be a GitHub user or organization name"],
        ["estate-bootstrap:environments", "[]", "estate-bootstrap:environments must list at least one GitHub environment"],
        ["estate-bootstrap:environments", '["production","Production"]', "estate-bootstrap:environments must not list an environment twice"],
        ["estate-bootstrap:environments", '["prod:*"]', "estate-bootstrap:environments[0] must not contain ':', '*' or '?'"],
        ["estate-bootstrap:driftEnvironment", "production", "estate-bootstrap:driftEnvironment must differ from every deploy environment"],
        ["estate-bootstrap:enviroments", '["x"]', "estate-bootstrap:enviroments is not a known key"],
        ["aws:region", "Europe", "aws:region must be an AWS region"],
    ])("%s=%s exits 2 naming the key", async (key, value, message) => {
        const result = await runCli(root, "plan", [...PROGRAM, "--config", `${key}=${value}`]);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toContain(message);
        expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
});
