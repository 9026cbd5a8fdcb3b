// Two private ECR repositories. "tools" was meant to be pullable by a partner, but its policy says
// Principal "*": anyone with an AWS account can pull its images. "app" grants the same actions to
// the partner's account only. Run with a policy config that makes every policy mandatory, as a
// team would in CI.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const partner = config.get("partnerAccountId") ?? "210987654321";

const pullActions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

const tools = new aws.ecr.Repository("tools", {
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
});
new aws.ecr.RepositoryPolicy("tools-policy", {
    repository: tools.name,
    policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "PullForEveryone", Effect: "Allow", Principal: "*", Action: pullActions }],
    }),
});

const app = new aws.ecr.Repository("app", {
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
});
new aws.ecr.RepositoryPolicy("app-policy", {
    repository: app.name,
    policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "PullForPartner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${partner}:root` }, Action: pullActions }],
    }),
});

export const toolsUrl = tools.repositoryUrl;
export const appUrl = app.repositoryUrl;
