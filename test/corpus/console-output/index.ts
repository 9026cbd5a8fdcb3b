// Programs print: progress messages, a JSON blob for debugging, a value once it is known. None of
// it may reach --json's stdout, which must stay one parseable JSON document.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

console.log("creating the uploads bucket...");
console.log(JSON.stringify({ debug: true, stack: pulumi.getStack() }));
process.stdout.write("{ not json\n");

const uploads = new aws.s3.Bucket("uploads", { forceDestroy: true });
new aws.s3.BucketPublicAccessBlock("uploads-public-access", {
    bucket: uploads.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
});
new aws.s3.BucketVersioning("uploads-versioning", { bucket: uploads.id, versioningConfiguration: { status: "Enabled" } });

uploads.bucket.apply((name) => {
    console.log(`uploads bucket is ${name}`);
    console.error("a warning the program prints on stderr");
});
console.info("done declaring resources");

export const uploadsBucket = uploads.bucket;
