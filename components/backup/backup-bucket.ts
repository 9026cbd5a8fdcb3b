/**
 * `BackupBucket`: the S3 bucket that holds the estate's backups, with everything that makes it
 * safe to rely on: a customer-managed KMS key with rotation, versioning, blocked public access,
 * a TLS-only and encryption-enforcing bucket policy, tiered retention with storage-class
 * transitions, and optionally Object Lock, cross-region replication and server access logging.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { withoutUndefined } from "../lib/args";
import { kmsUploadStatements, policyDocument, type Statement, tlsOnlyStatements } from "../lib/bucket-policy";
import { ArgumentError } from "../lib/errors";
import { type RetentionTiers, type Tier, TIERS, findRetentionProblem, newestCopyDays, retentionDays, tierPrefix, tierTransitions } from "./retention";

type LifecycleRule = aws.types.input.s3.BucketLifecycleConfigurationRule;

/** Default Object Lock retention for new backup object versions. */
export interface ObjectLockSettings {
    /**
     * `GOVERNANCE`: users with `s3:BypassGovernanceRetention` may still delete or shorten the lock.
     * `COMPLIANCE`: nobody, including the root user, can delete a locked version before it expires.
     */
    mode: "GOVERNANCE" | "COMPLIANCE";
    /** Default retention period in days, an integer from 1 to 36500. */
    days: number;
}

/** Cross-region replication of the backups. */
export interface ReplicationSettings {
    /** The disaster-recovery AWS region of the replica bucket; must differ from `region`. */
    region: string;
}

export interface BackupBucketArgs {
    /**
     * How long each tier (`daily/`, `weekly/`, `monthly/`, `yearly/`) is kept. Required; integers
     * >= 1. Overwritten or expired versions are kept 30 more days, and incomplete multipart uploads
     * are aborted after 7 days, everywhere in the bucket.
     */
    retention: RetentionTiers;
    /**
     * The recovery time objective in minutes (`estate:dr.rtoMinutes`). The lifecycle never moves a
     * tier's newest copy (up to two periods old: 2 days, 14 days, 62 days, 732 days) to a class
     * that cannot be restored within it: DEEP_ARCHIVE needs a restore request of up to 12 hours
     * first, so it qualifies only for an RTO of 24 hours or more (half the RTO for the retrieval).
     * Older copies still go to DEEP_ARCHIVE. Default: no RTO known, so no newest copy is ever in
     * a class that needs a restore request.
     */
    rtoMinutes?: number;
    /** Explicit S3 bucket name. Default: Pulumi auto-naming (`<name>-bucket-<random>`). Replica and log buckets are always auto-named. */
    bucketName?: string;
    /**
     * ARN of an existing KMS key (`arn:aws:kms:<region>:<account>:key/<id>`, not an alias) to encrypt
     * the backups with. It must live in the bucket's region. Default: a customer-managed key with
     * yearly rotation, a 30-day deletion window and an alias, created here.
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Guard the data: `protect` and `retainOnDelete` on the buckets and the keys this component
     * creates, and no `forceDestroy`. Set `false` only for throwaway (dev) stacks: then nothing is
     * protected and `forceDestroy` is on. Default: `true`.
     */
    protectData?: boolean;
    /**
     * S3 Object Lock default retention for new object versions, also applied to the replica. The
     * bucket is created with `objectLockEnabled`, and S3 never lets Object Lock be turned off again:
     * decide before the bucket holds data. A lock longer than a tier's retention keeps that tier's
     * versions until the lock ends. Default: no Object Lock.
     */
    objectLock?: ObjectLockSettings;
    /**
     * Replicate every new object to a bucket in another region, hardened like the primary (its own
     * rotating KMS key there, versioning, public access block, TLS-only policy, same lifecycle and
     * Object Lock, protected alike), through an IAM role for S3. Deletions are not replicated (delete
     * marker replication is off), so a deletion in the primary never hides the DR copy. Objects
     * written before replication was turned on are not copied. Default: no replication.
     */
    replication?: ReplicationSettings;
    /**
     * S3 server access logging into a separate log bucket (SSE-S3 `AES256`, logs kept 365 days)
     * under the `s3-access/` prefix. Default: `false`.
     */
    accessLogging?: boolean;
    /** AWS region of the bucket, its key and log bucket. Default: the provider's region. */
    region?: string;
    /**
     * Tags for every taggable child. The component adds `estate:role` (`backup` on the bucket,
     * `backup-replica` on the replica, `access-logs` on the log bucket); that key is reserved.
     * Default: none.
     */
    tags?: Record<string, string>;
}

/** Defaults of the optional arguments, merged once at the top of the constructor. */
const defaults = {
    protectData: true,
    accessLogging: false,
    tags: {} as Record<string, string>,
} satisfies Partial<BackupBucketArgs>;

/** The tag that tells policies which buckets hold backups. */
export const ROLE_TAG = "estate:role";
export const BUCKET_ROLES = { backup: "backup", replica: "backup-replica", accessLogs: "access-logs" } as const;
/** Where server access logs land in the log bucket. */
export const ACCESS_LOG_PREFIX = "s3-access/";

const KMS_DELETION_WINDOW_DAYS = 30;
const NONCURRENT_VERSION_DAYS = 30;
const ABORT_MULTIPART_DAYS = 7;
const ACCESS_LOG_RETENTION_DAYS = 365;
const OBJECT_LOCK_MAX_DAYS = 36500;

const TYPE = "estate:backup:BackupBucket";

/**
 * The estate's backup bucket. Backup tools write to `<tier>/...` (see `tierPrefixes`) and should
 * send no encryption headers: the bucket's default SSE-KMS applies. The bucket policy refuses
 * uploads that ask for another algorithm, another key, `aws:kms` without this key's ARN, or SSE-C.
 */
export class BackupBucket extends pulumi.ComponentResource {
    /** The S3 bucket name. */
    readonly bucketName: pulumi.Output<string>;
    /** The S3 bucket ARN. */
    readonly bucketArn: pulumi.Output<string>;
    /** The key the backups are encrypted with (the given one, or the one created here). */
    readonly kmsKeyArn: pulumi.Output<string>;
    /** Where each tier's backups go, e.g. `{ daily: "daily/", ... }`. */
    readonly tierPrefixes: Record<Tier, string>;
    /** The DR replica bucket, when `replication` is set. */
    readonly replicaBucketArn?: pulumi.Output<string>;
    /** The key of the DR replica bucket, when `replication` is set (restores from DR need it). */
    readonly replicaKmsKeyArn?: pulumi.Output<string>;
    /** The server access log bucket, when `accessLogging` is on. */
    readonly logBucketName?: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before super(): an invalid component registers nothing.
        validateArgs(name, args);
        const { retention, rtoMinutes, bucketName, kmsKeyArn, objectLock, replication, region, protectData, accessLogging, tags } = {
            ...defaults,
            ...withoutUndefined(args),
        };
        super(TYPE, name, {}, opts);

        const dataOpts: pulumi.CustomResourceOptions = protectData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
        const lifecycleRules = backupLifecycleRules(retention, rtoMinutes ?? 0);

        const keyArn: pulumi.Output<string> = kmsKeyArn !== undefined ? pulumi.output(kmsKeyArn) : this.createKey(name, region, tags, dataOpts).arn;

        const primary = this.secureBucket({
            name,
            bucketName,
            region,
            tags: { ...tags, [ROLE_TAG]: BUCKET_ROLES.backup },
            encryption: { keyArn },
            objectLock,
            protectData,
            dataOpts,
            lifecycleRules,
            policy: kmsBucketPolicy(keyArn),
        });

        if (replication !== undefined) {
            const drRegion = replication.region;
            const replicaKey = this.createKey(`${name}-replica`, drRegion, tags, dataOpts);
            const replica = this.secureBucket({
                name: `${name}-replica`,
                region: drRegion,
                tags: { ...tags, [ROLE_TAG]: BUCKET_ROLES.replica },
                encryption: { keyArn: replicaKey.arn },
                // Replicas keep their source's retention; S3 requires Object Lock on both ends.
                objectLock,
                protectData,
                dataOpts,
                lifecycleRules,
                policy: kmsBucketPolicy(replicaKey.arn),
            });
            const role = new aws.iam.Role(
                `${name}-replication-role`,
                {
                    description: `S3 replication of backup bucket ${name} to ${drRegion}`,
                    assumeRolePolicy: JSON.stringify(
                        policyDocument([{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }]),
                    ),
                    tags,
                },
                { parent: this },
            );
            const rolePolicy = new aws.iam.RolePolicy(
                `${name}-replication-policy`,
                {
                    // The provider's id of an IAM role is its name.
                    role: role.id,
                    policy: pulumi
                        .all([primary.bucket.arn, replica.bucket.arn, keyArn, replicaKey.arn])
                        .apply(([source, destination, sourceKey, destinationKey]) =>
                            JSON.stringify(replicationPolicy({ source, destination, sourceKey, destinationKey, objectLock: objectLock !== undefined })),
                        ),
                },
                { parent: this },
            );
            new aws.s3.BucketReplicationConfig(
                `${name}-replication`,
                {
                    bucket: primary.bucket.id,
                    region,
                    role: role.arn,
                    rules: [
                        {
                            id: "replicate-to-dr",
                            status: "Enabled",
                            filter: {},
                            // A deletion in the primary must not hide the DR copy; the DR lifecycle expires replicas on its own.
                            deleteMarkerReplication: { status: "Disabled" },
                            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                            destination: {
                                bucket: replica.bucket.arn,
                                encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn },
                            },
                        },
                    ],
                },
                // S3 rejects a replication configuration unless both buckets are versioned.
                { parent: this, dependsOn: [primary.versioning, replica.versioning, rolePolicy] },
            );
            this.replicaBucketArn = replica.bucket.arn;
            this.replicaKmsKeyArn = replicaKey.arn;
        }

        if (accessLogging) {
            const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
            const logs = this.secureBucket({
                name: `${name}-logs`,
                region,
                tags: { ...tags, [ROLE_TAG]: BUCKET_ROLES.accessLogs },
                // S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS
                // (S3 User Guide, "Enabling Amazon S3 server access logging"): SSE-S3 is the supported choice.
                encryption: "AES256",
                protectData,
                dataOpts,
                lifecycleRules: [
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: { prefix: "" },
                        expiration: { days: ACCESS_LOG_RETENTION_DAYS },
                        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
                    },
                    housekeepingRule(),
                ],
                // One policy per bucket: the TLS-only denies and the log delivery grant live together.
                policy: (arn) =>
                    pulumi
                        .all([arn, primary.bucket.arn, accountId])
                        .apply(([a, source, account]) =>
                            JSON.stringify(policyDocument([...tlsOnlyStatements(a), accessLogDeliveryStatement(a, source, account)])),
                        ),
            });
            new aws.s3.BucketLogging(
                `${name}-access-logging`,
                { bucket: primary.bucket.id, region, targetBucket: logs.bucket.bucket, targetPrefix: ACCESS_LOG_PREFIX },
                { parent: this, dependsOn: [logs.policy] },
            );
            this.logBucketName = logs.bucket.bucket;
        }

        this.bucketName = primary.bucket.bucket;
        this.bucketArn = primary.bucket.arn;
        this.kmsKeyArn = keyArn;
        this.tierPrefixes = Object.fromEntries(TIERS.map((tier) => [tier, tierPrefix(tier)])) as Record<Tier, string>;

        this.registerOutputs({
            bucketName: this.bucketName,
            bucketArn: this.bucketArn,
            kmsKeyArn: this.kmsKeyArn,
            tierPrefixes: this.tierPrefixes,
            replicaBucketArn: this.replicaBucketArn,
            replicaKmsKeyArn: this.replicaKmsKeyArn,
            logBucketName: this.logBucketName,
        });
    }

    /** A customer-managed key with rotation, and an alias so people can find it. */
    private createKey(name: string, region: string | undefined, tags: Record<string, string>, dataOpts: pulumi.CustomResourceOptions): aws.kms.Key {
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the backups in ${name}`,
                enableKeyRotation: true,
                deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
                region,
                tags,
            },
            dataOpts,
        );
        new aws.kms.Alias(`${name}-key-alias`, { namePrefix: `alias/estate/${name}-`, targetKeyId: key.arn, region }, { parent: this });
        return key;
    }

    /**
     * A bucket and the settings every bucket of this component gets: versioning, default
     * encryption, all public access blocked, ACLs disabled, a bucket policy and a lifecycle.
     */
    private secureBucket(spec: SecureBucketSpec): SecureBucket {
        const { name, region, dataOpts } = spec;
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                bucket: spec.bucketName,
                forceDestroy: !spec.protectData,
                objectLockEnabled: spec.objectLock !== undefined ? true : undefined,
                region,
                tags: spec.tags,
            },
            dataOpts,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, region, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                region,
                rules: [
                    spec.encryption === "AES256"
                        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
                        : {
                              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: spec.encryption.keyArn },
                              // One KMS request per bucket key period instead of one per object: cheaper, fewer throttles.
                              bucketKeyEnabled: true,
                          },
                ],
            },
            child,
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            { bucket: bucket.id, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        // After the public access block: S3 answers concurrent bucket-level changes with OperationAborted.
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.id, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: bucket.id, region, policy: spec.policy(bucket.arn) },
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket: bucket.id, region, rules: spec.lifecycleRules },
            // Noncurrent-version rules only mean something once versioning is on.
            { parent: this, dependsOn: [versioning] },
        );
        if (spec.objectLock !== undefined) {
            new aws.s3.BucketObjectLockConfiguration(
                `${name}-object-lock`,
                {
                    bucket: bucket.id,
                    region,
                    objectLockEnabled: "Enabled",
                    rule: { defaultRetention: { mode: spec.objectLock.mode, days: spec.objectLock.days } },
                },
                { parent: this, dependsOn: [versioning] },
            );
        }
        return { bucket, versioning, policy };
    }
}

interface SecureBucketSpec {
    /** Prefix of the children's names, e.g. `backups` or `backups-replica`. */
    name: string;
    bucketName?: string;
    region?: string;
    tags: Record<string, string>;
    /** SSE-KMS with this key, or SSE-S3 (`AES256`). */
    encryption: { keyArn: pulumi.Input<string> } | "AES256";
    objectLock?: ObjectLockSettings;
    protectData: boolean;
    /** Options of the stateful bucket (parent, and protect/retainOnDelete when data is protected). */
    dataOpts: pulumi.CustomResourceOptions;
    lifecycleRules: LifecycleRule[];
    /** The bucket policy JSON, given the bucket's ARN. */
    policy: (bucketArn: pulumi.Output<string>) => pulumi.Output<string>;
}

interface SecureBucket {
    bucket: aws.s3.Bucket;
    versioning: aws.s3.BucketVersioning;
    policy: aws.s3.BucketPolicy;
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateArgs(name: string, args: BackupBucketArgs): void {
    const component = `BackupBucket ${JSON.stringify(name)}`;
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    if (args === undefined || args === null || typeof args !== "object") {
        fail("args", "must be an object with at least `retention`");
    }
    if (args.retention === undefined || args.retention === null || typeof args.retention !== "object") {
        fail("retention", "is required (an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)");
    }
    const retentionProblem = findRetentionProblem(args.retention);
    if (retentionProblem) {
        fail(retentionProblem.argument, retentionProblem.problem);
    }
    if (args.bucketName !== undefined && !isValidBucketName(args.bucketName)) {
        fail(
            "bucketName",
            `must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit (got ${JSON.stringify(args.bucketName)})`,
        );
    }
    if (args.rtoMinutes !== undefined && (typeof args.rtoMinutes !== "number" || !Number.isSafeInteger(args.rtoMinutes) || args.rtoMinutes < 1)) {
        fail("rtoMinutes", `must be a whole number of minutes >= 1 (got ${String(args.rtoMinutes)})`);
    }
    if (args.region !== undefined && (typeof args.region !== "string" || args.region.trim() === "")) {
        fail("region", `must be a non-empty AWS region name such as "eu-west-1" (got ${JSON.stringify(args.region)})`);
    }
    if (typeof args.kmsKeyArn === "string") {
        const match = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/.exec(args.kmsKeyArn);
        if (!match) {
            fail("kmsKeyArn", `must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id>, not an alias or a bare key id (got ${JSON.stringify(args.kmsKeyArn)})`);
        } else if (args.region !== undefined && match[1] !== args.region) {
            fail("kmsKeyArn", `must be a key in the bucket's region ${JSON.stringify(args.region)} (got a key in ${JSON.stringify(match[1])})`);
        }
    }
    if (args.objectLock !== undefined) {
        const { mode, days } = args.objectLock;
        if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") {
            fail("objectLock.mode", `must be "GOVERNANCE" or "COMPLIANCE" (got ${JSON.stringify(mode)})`);
        }
        if (typeof days !== "number" || !Number.isSafeInteger(days) || days < 1 || days > OBJECT_LOCK_MAX_DAYS) {
            fail("objectLock.days", `must be an integer from 1 to ${OBJECT_LOCK_MAX_DAYS} (got ${String(days)})`);
        }
    }
    if (args.replication !== undefined) {
        const drRegion: unknown = args.replication.region;
        if (typeof drRegion !== "string" || drRegion.trim() === "") {
            fail("replication.region", `must be a non-empty AWS region name (got ${JSON.stringify(drRegion)})`);
        } else if (args.region !== undefined && drRegion === args.region) {
            fail("replication.region", `must differ from region (both are ${JSON.stringify(drRegion)})`);
        }
    }
    if (args.tags !== undefined && Object.prototype.hasOwnProperty.call(args.tags, ROLE_TAG)) {
        fail(`tags["${ROLE_TAG}"]`, "is reserved: the component sets it to tell backup, replica and log buckets apart");
    }
}

function isValidBucketName(name: string): boolean {
    return (
        typeof name === "string" &&
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
        !name.includes("..") &&
        !/^\d+\.\d+\.\d+\.\d+$/.test(name)
    );
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/**
 * One rule per tier (expire after the tier's retention, move to cheaper classes where S3's
 * minimum durations allow, and to a class that needs a restore request only once an object can
 * no longer be its tier's newest copy, unless that class is restorable within the RTO) and a
 * housekeeping rule for the whole bucket.
 */
function backupLifecycleRules(retention: RetentionTiers, rtoMinutes: number): LifecycleRule[] {
    const tierRules = TIERS.map((tier): LifecycleRule => {
        const days = retentionDays(retention, tier);
        const transitions = tierTransitions(days, { newestDays: newestCopyDays(tier), rtoMinutes });
        return {
            id: `tier-${tier}`,
            status: "Enabled",
            filter: { prefix: tierPrefix(tier) },
            expiration: { days },
            ...(transitions.length > 0 ? { transitions: transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })) } : {}),
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
        };
    });
    return [...tierRules, housekeepingRule()];
}

/**
 * For every object, in or outside the tiers: abort stale multipart uploads, drop overwritten or
 * deleted versions after a grace period, and remove delete markers left with no versions behind
 * them (the tier rules' expirations leave those; S3 forbids `expiredObjectDeleteMarker` in a rule
 * that also sets `days`).
 */
function housekeepingRule(): LifecycleRule {
    return {
        id: "abort-incomplete-uploads",
        status: "Enabled",
        filter: { prefix: "" },
        expiration: { expiredObjectDeleteMarker: true },
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS },
    };
}

// ---------------------------------------------------------------------------------------------
// Policy documents (plain JSON, built from resolved values inside `apply`)

/** The policy of a bucket encrypted with `keyArn`: TLS only, and uploads only under that key. */
function kmsBucketPolicy(keyArn: pulumi.Output<string>): (bucketArn: pulumi.Output<string>) => pulumi.Output<string> {
    return (bucketArn) =>
        pulumi.all([bucketArn, keyArn]).apply(([arn, key]) => JSON.stringify(policyDocument([...tlsOnlyStatements(arn), ...kmsUploadStatements(arn, key)])));
}

/** Lets S3 server access logging write this source bucket's logs, and nothing else's. */
function accessLogDeliveryStatement(logBucketArn: string, sourceBucketArn: string, accountId: string): Statement {
    return {
        Sid: "AllowS3ServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${logBucketArn}/${ACCESS_LOG_PREFIX}*`,
        Condition: {
            ArnLike: { "aws:SourceArn": sourceBucketArn },
            StringEquals: { "aws:SourceAccount": accountId },
        },
    };
}

/**
 * What S3 needs to replicate: read versions (and their tags, ACL and lock state) from the source,
 * write replicas to the destination, decrypt with the source key and encrypt with the destination
 * key. KMS use is limited by encryption context to these two buckets: with a bucket key the
 * context is the bucket ARN, without one the object ARN, hence both patterns. `kms:Decrypt` on
 * the destination key is needed too: S3 checks the destination bucket key's integrity with it.
 */
function replicationPolicy(p: { source: string; destination: string; sourceKey: string; destinationKey: string; objectLock: boolean }) {
    const encryptionContext = (bucketArn: string) => ({ StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } });
    return policyDocument([
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: p.source },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                ...(p.objectLock ? ["s3:GetObjectRetention", "s3:GetObjectLegalHold"] : []),
            ],
            Resource: `${p.source}/*`,
        },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], Resource: `${p.destination}/*` },
        { Sid: "DecryptSource", Effect: "Allow", Action: "kms:Decrypt", Resource: p.sourceKey, Condition: encryptionContext(p.source) },
        { Sid: "EncryptReplicas", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: p.destinationKey, Condition: encryptionContext(p.destination) },
    ]);
}
