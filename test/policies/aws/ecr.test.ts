import { describe, expect, it } from "vitest";
import { ECR_TYPES, ecrRepositoryPolicyPublic } from "../../../policies/aws/ecr";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";

const pull = (extra: Record<string, unknown> = {}) => ({ Sid: "Pull", Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], ...extra });
const doc = (...Statement: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement });
const repositoryPolicy = (policy: unknown) => fakeResource({ type: ECR_TYPES.repositoryPolicy, name: "app-policy", props: { repository: "app", policy } });

describe("estate-ecr-repository-policy-public", () => {
    it("passes a policy for named accounts, and Principal \"*\" restricted to the organization", async () => {
        const account = pull({ Principal: { AWS: "arn:aws:iam::123456789012:root" } });
        const org = pull({ Sid: "Org", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } });
        const report = await check(ecrRepositoryPolicyPublic, [repositoryPolicy(JSON.stringify(doc(account, org)))]);
        expect(report.violations).toEqual([]);
    });

    it("fails Principal \"*\" without a Condition on a RepositoryPolicy (JSON string), with the statement", async () => {
        const r = repositoryPolicy(JSON.stringify(doc(pull())));
        const report = await check(ecrRepositoryPolicyPublic, [r]);
        expect(report.violations.map((v) => [v.urn, v.severity])).toEqual([[r.urn, "critical"]]);
        expect(messagesOf(report)).toEqual([
            "RepositoryPolicy 'app-policy' makes the repository public: statement 'Pull' allows [\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"] " +
                'to Principal "*", and it has no Condition.',
        ]);
    });

    it("fails a condition that does not narrow, on a RegistryPolicy (object) and a RepositoryCreationTemplate", async () => {
        const notNarrowed = doc(pull({ Principal: { AWS: "*" }, Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }));
        const registry = fakeResource({ type: ECR_TYPES.registryPolicy, name: "registry", props: { policy: notNarrowed } });
        const template = fakeResource({ type: ECR_TYPES.repositoryCreationTemplate, name: "cache-template", props: { prefix: "docker-hub", repositoryPolicy: JSON.stringify(doc(pull())) } });
        expect(messagesOf(await check(ecrRepositoryPolicyPublic, [registry, template]))).toEqual([
            "RegistryPolicy 'registry' makes the registry public: statement 'Pull' allows [\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"] to " +
                'Principal {"AWS":"*"}, and its Condition (StringNotEquals) does not restrict it to fixed values of a principal, aws:SourceIp, ' +
                "aws:SourceArn, aws:SourceAccount, aws:SourceVpc or aws:SourceVpce.",
            "RepositoryCreationTemplate 'cache-template' (its repositoryPolicy) makes the repository public: statement 'Pull' allows " +
                '["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"] to Principal "*", and it has no Condition.',
        ]);
    });

    it("reports a document it cannot read, and passes a template without a policy", async () => {
        const template = fakeResource({ type: ECR_TYPES.repositoryCreationTemplate, name: "t", props: { prefix: "p" } });
        expect(messagesOf(await check(ecrRepositoryPolicyPublic, [repositoryPolicy("{}"), template]))).toEqual([
            "RepositoryPolicy 'app-policy' cannot be checked for public access: the policy has no Statement.",
        ]);
    });

    it("is not applicable to other resources", async () => {
        const repo = fakeResource({ type: "aws:ecr/repository:Repository", name: "app" });
        expect((await check(ecrRepositoryPolicyPublic, [repo])).notApplicable).toHaveLength(1);
    });
});
