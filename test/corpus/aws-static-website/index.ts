// A public static website: the bucket's website endpoint serves the files of www/, so the bucket
// policy grants s3:GetObject to everyone. The public-access block is present but switched off, as
// the website endpoint needs: the estate's remediation would switch it on, which collides with the
// public policy.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";

const config = new pulumi.Config();
const siteDir = config.get("siteDir") ?? "www";
const indexDocument = config.get("indexDocument") ?? "index.html";
const errorDocument = config.get("errorDocument") ?? "error.html";

const site = new aws.s3.Bucket("site");

const website = new aws.s3.BucketWebsiteConfiguration("site-website", {
    bucket: site.id,
    indexDocument: { suffix: indexDocument },
    errorDocument: { key: errorDocument },
});

const ownership = new aws.s3.BucketOwnershipControls("site-ownership", {
    bucket: site.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
});

const publicAccess = new aws.s3.BucketPublicAccessBlock("site-public-access", {
    bucket: site.id,
    blockPublicAcls: false,
    blockPublicPolicy: false,
    ignorePublicAcls: false,
    restrictPublicBuckets: false,
});

new aws.s3.BucketPolicy(
    "site-policy",
    {
        bucket: site.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "PublicRead",
                    Effect: "Allow",
                    Principal: "*",
                    Action: ["s3:GetObject"],
                    Resource: [pulumi.interpolate`${site.arn}/*`],
                },
            ],
        }),
    },
    { dependsOn: [publicAccess, ownership] },
);

const contentTypes: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
};

// Upload every file under www/, relative to the project's directory (Pulumi runs the program there).
function upload(dir: string, prefix = ""): void {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        const key = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
            upload(file, key);
            continue;
        }
        new aws.s3.BucketObject(key, {
            bucket: site.id,
            key,
            source: new pulumi.asset.FileAsset(file),
            contentType: contentTypes[path.extname(entry.name)] ?? "application/octet-stream",
        });
    }
}
upload(siteDir);

export const bucketName = site.bucket;
export const websiteUrl = pulumi.interpolate`http://${website.websiteEndpoint}`;
