// A program from the @pulumi/aws 6 days: aws.s3.BucketV2 (deprecated in v7) with its encryption
// configured inline. Inline encryption is encryption: the bucket must not be reported as
// unencrypted (at most as using a deprecated form). Its ARN is what AWS gives a bucket,
// arn:aws:s3:::<name>; the program checks that itself, because it builds its policy from it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const key = new aws.kms.Key("logs-key", { description: "Application logs", enableKeyRotation: true });

const logs = new aws.s3.BucketV2("app-logs", {
    serverSideEncryptionConfigurations: [
        {
            rules: [
                {
                    applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }],
                    bucketKeyEnabled: true,
                },
            ],
        },
    ],
    tags: { team: "platform" },
});

// The ARN is derived from the name, as S3 does (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
const arn = pulumi.all([logs.arn, logs.bucket]).apply(([bucketArn, name]) => {
    if (bucketArn !== `arn:aws:s3:::${name}`) {
        throw new Error(`unexpected ARN for bucket ${name}: ${bucketArn}`);
    }
    return bucketArn;
});

new aws.s3.BucketPolicy("app-logs-tls", {
    bucket: logs.id,
    policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, pulumi.interpolate`${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    }),
});

export const bucketArn = arn;
