// The bucket stays private: CloudFront reads it through an origin access control, and the bucket
// policy grants s3:GetObject to the CloudFront service principal only for this distribution
// (Condition on AWS:SourceArn), the statement AWS documents for OAC
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
// The deny of plain HTTP has Principal "*" too, but it is a Deny: nothing here is public.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";

const config = new pulumi.Config();
const contentDir = config.get("contentDir") ?? "site";

const key = new aws.kms.Key("content-key", {
    description: "Encrypts the site's objects",
    enableKeyRotation: true,
    deletionWindowInDays: 30,
});

const content = new aws.s3.Bucket("content");

new aws.s3.BucketPublicAccessBlock("content-public-access", {
    bucket: content.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
});
new aws.s3.BucketVersioning("content-versioning", {
    bucket: content.id,
    versioningConfiguration: { status: "Enabled" },
});
new aws.s3.BucketServerSideEncryptionConfiguration("content-encryption", {
    bucket: content.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
});
new aws.s3.BucketLifecycleConfiguration("content-lifecycle", {
    bucket: content.id,
    rules: [
        {
            id: "abort-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
        },
    ],
});

const oac = new aws.cloudfront.OriginAccessControl("content-oac", {
    originAccessControlOriginType: "s3",
    signingBehavior: "always",
    signingProtocol: "sigv4",
});

const cdn = new aws.cloudfront.Distribution("cdn", {
    enabled: true,
    defaultRootObject: "index.html",
    priceClass: config.get("priceClass") ?? "PriceClass_100",
    origins: [{ originId: "content", domainName: content.bucketRegionalDomainName, originAccessControlId: oac.id }],
    defaultCacheBehavior: {
        targetOriginId: "content",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        // The AWS managed CachingOptimized policy (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html).
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        compress: true,
    },
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
});

new aws.s3.BucketPolicy("content-policy", {
    bucket: content.id,
    policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AllowCloudFrontRead",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: pulumi.interpolate`${content.arn}/*`,
                Condition: { StringEquals: { "AWS:SourceArn": cdn.arn } },
            },
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [content.arn, pulumi.interpolate`${content.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    }),
});

// CloudFront needs kms:Decrypt on the bucket's key for SSE-KMS objects; grant it for this distribution only.
new aws.kms.KeyPolicy("content-key-policy", {
    keyId: key.id,
    policy: pulumi.all([aws.getCallerIdentityOutput().accountId, cdn.arn]).apply(([account, distributionArn]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudFrontDecrypt",
                    Effect: "Allow",
                    Principal: { Service: "cloudfront.amazonaws.com" },
                    Action: ["kms:Decrypt"],
                    Resource: "*",
                    Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
                },
            ],
        }),
    ),
});

for (const name of fs.readdirSync(contentDir)) {
    new aws.s3.BucketObject(`content-${name}`, {
        bucket: content.id,
        key: name,
        source: new pulumi.asset.FileAsset(path.join(contentDir, name)),
        contentType: name.endsWith(".html") ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
    });
}

export const url = pulumi.interpolate`https://${cdn.domainName}`;
