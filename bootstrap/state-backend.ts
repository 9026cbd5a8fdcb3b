/**
 * `StateBackend`: where the estate's stacks keep their state and encrypt their secrets. An S3
 * bucket for the Pulumi DIY backend (versioned, SSE-KMS under its own rotating key with a bucket
 * key, all public access blocked, ACLs disabled, a TLS-only policy, noncurrent versions kept 90
 * days) and a rotating KMS key with a fixed alias for `--secrets-provider awskms://alias/...`.
 * The bucket and both keys are `protect`ed and `retainOnDelete`: losing either loses every stack.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { kmsUploadStatements, policyDocument, tlsOnlyStatements } from "../components/lib/bucket-policy";
import { guardedKeyPolicy } from "../components/lib/key-guard";

export interface StateBackendArgs {
    /** The AWS region of the bucket and the keys (also written into the backend and secrets-provider URLs). */
    region: string;
    /** Names the secrets key's alias (`alias/estate-bootstrap/<stack>/secrets`), so two bootstraps in one account do not collide. */
    stack: string;
    /** Tags for every taggable child. Default: none. */
    tags?: Record<string, string>;
}

/** Days a key scheduled for deletion waits (the maximum KMS allows). */
const KMS_DELETION_WINDOW_DAYS = 30;
/**
 * Days an overwritten state file version is kept. Every `pulumi up` rewrites the stack's
 * checkpoint; the DIY backend also keeps its own copies under `.pulumi/history/` and
 * `.pulumi/backups/`, which this lifecycle does not touch.
 */
export const NONCURRENT_VERSION_DAYS = 90;
/** Noncurrent versions kept whatever their age, so a stack updated rarely keeps its last states. */
export const NEWER_NONCURRENT_VERSIONS = 10;
const ABORT_MULTIPART_DAYS = 7;

const TYPE = "estate:bootstrap:StateBackend";

export class StateBackend extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    /** The key the state objects are encrypted with (SSE-KMS). */
    readonly stateKeyArn: pulumi.Output<string>;
    /** The key of the stacks' secrets provider. */
    readonly secretsKeyArn: pulumi.Output<string>;
    /** Its alias, e.g. `alias/estate-bootstrap/prod/secrets` (plain: the URL must be known before `up`). */
    readonly secretsKeyAlias: string;
    readonly aliasArns: pulumi.Output<string>[];
    /** `s3://<bucket>?region=<region>&awssdk=v2`: what `pulumi login` takes. */
    readonly backendUrl: pulumi.Output<string>;
    /** `awskms://alias/...?region=<region>`: what `pulumi stack init --secrets-provider` takes. */
    readonly secretsProvider: string;

    constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TYPE, name, {}, opts);
        const { region, stack } = args;
        const tags = args.tags ?? {};
        const child = { parent: this };
        // What holds state: `protect` (an update that would delete it fails) and `retainOnDelete`
        // (a destroy after unprotecting leaves it in the account).
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };

        const account = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child);
        // The estate's key policy (components/lib/key-guard.ts) without a guard: the account's IAM
        // decides who uses the key; the deploy roles' explicit deny keeps it from them.
        const keyPolicy = pulumi.all([account.accountId, partition.partition]).apply(([id, part]) => JSON.stringify(guardedKeyPolicy(id, part, {})));
        const key = (role: string, description: string) =>
            new aws.kms.Key(
                `${name}-${role}-key`,
                { description, enableKeyRotation: true, deletionWindowInDays: KMS_DELETION_WINDOW_DAYS, policy: keyPolicy, region, tags },
                keep,
            );
        const stateKey = key("state", `Encrypts the Pulumi state objects in the ${stack} state bucket`);
        const secretsKey = key("secrets", `Encrypts the data keys of the stacks' secrets (awskms secrets provider, bootstrap ${stack})`);
        // KMS alias names allow letters, digits, "/", "_" and "-" (a stack name may also hold ".").
        const segment = stack.replace(/[^A-Za-z0-9_-]/g, "-");
        const stateAlias = new aws.kms.Alias(`${name}-state-key-alias`, { name: `alias/estate-bootstrap/${segment}/state`, targetKeyId: stateKey.keyId, region }, child);
        this.secretsKeyAlias = `alias/estate-bootstrap/${segment}/secrets`;
        const secretsAlias = new aws.kms.Alias(`${name}-secrets-key-alias`, { name: this.secretsKeyAlias, targetKeyId: secretsKey.keyId, region }, child);

        // The state must never vanish with a stray `destroy`: no forceDestroy.
        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false, region, tags: { ...tags, "estate:role": "pulumi-state" } }, keep);
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, region, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                region,
                // A bucket key: one KMS request per bucket-key period instead of one per object.
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKey.arn }, bucketKeyEnabled: true }],
            },
            child,
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            { bucket: bucket.id, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        // After the public access block: S3 answers concurrent bucket-level changes with OperationAborted.
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, region, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this, dependsOn: [publicAccessBlock] });
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                region,
                policy: pulumi.all([bucket.arn, stateKey.arn]).apply(([arn, keyArn]) => JSON.stringify(policyDocument([...tlsOnlyStatements(arn), ...kmsUploadStatements(arn, keyArn)]))),
            },
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                region,
                rules: [
                    {
                        id: "state-housekeeping",
                        status: "Enabled",
                        filter: {},
                        // The CLI deletes each lock file when an update ends: once its versions have
                        // expired, the delete marker left alone goes too.
                        expiration: { expiredObjectDeleteMarker: true },
                        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS, newerNoncurrentVersions: NEWER_NONCURRENT_VERSIONS },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
                    },
                ],
            },
            // Noncurrent-version rules only mean something once versioning is on.
            { parent: this, dependsOn: [versioning] },
        );

        this.bucket = bucket;
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.stateKeyArn = stateKey.arn;
        this.secretsKeyArn = secretsKey.arn;
        this.aliasArns = [stateAlias.arn, secretsAlias.arn];
        // The DIY backend's S3 URL (Pulumi docs, "Using a DIY backend": `s3://<bucket-name>?region=<region>&awssdk=v2`).
        this.backendUrl = pulumi.interpolate`s3://${bucket.bucket}?region=${region}&awssdk=v2`;
        // Pulumi docs, "Secrets": `--secrets-provider="awskms://alias/ExampleAlias?region=us-east-1"`.
        this.secretsProvider = `awskms://${this.secretsKeyAlias}?region=${region}`;
        this.registerOutputs({ bucketName: this.bucketName, backendUrl: this.backendUrl, secretsProvider: this.secretsProvider, stateKeyArn: this.stateKeyArn, secretsKeyArn: this.secretsKeyArn });
    }
}
