import { describe, expect, it } from "vitest";
import { BackupBucket, type BackupBucketArgs } from "../../../components/backup";
import { type RetentionTiers, STORAGE_LADDER } from "../../../components/backup/retention";
import { ArgumentError } from "../../../components/lib/errors";
import { type EngineRun, MOCK_ACCOUNT_ID, type RecordedResource, type RunOptions, fromWire, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";

const RETENTION: RetentionTiers = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
const COMPONENT = "estate:backup:BackupBucket";
const T = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    objectLock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    logging: "aws:s3/bucketLogging:BucketLogging",
    key: "aws:kms/key:Key",
    alias: "aws:kms/alias:Alias",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

// -------------------------------------------------------------------------------------------
// Harness

/** One run of a BackupBucket "backups" under the mock engine, with lookups by child role. */
class Built {
    constructor(readonly run: EngineRun) {}

    get component(): RecordedResource {
        return this.resource("backups", COMPONENT);
    }

    resource(name: string, type?: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
        expect(found, `exactly one resource named ${name}`).toHaveLength(1);
        return found[0]!;
    }

    maybe(name: string): RecordedResource | undefined {
        return this.run.resources.find((r) => r.name === name);
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    // Inputs and outputs are deserialized engine payloads: typed loosely at this boundary only.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs(name: string): any {
        return plainInputs(this.resource(name), "unwrap");
    }

    policy(name: string): PolicyDocument {
        return JSON.parse(this.inputs(name).policy) as PolicyDocument;
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    outputs(): any {
        return fromWire(this.run.outputs!.toJavaScript(), "unwrap");
    }
}

async function build(args: Partial<BackupBucketArgs> = {}, opts: RunOptions = {}): Promise<Built> {
    const run = await runProgram(() => {
        const backups = new BackupBucket("backups", { retention: RETENTION, ...args });
        return {
            bucketName: backups.bucketName,
            bucketArn: backups.bucketArn,
            kmsKeyArn: backups.kmsKeyArn,
            tierPrefixes: backups.tierPrefixes,
            replicaBucketArn: backups.replicaBucketArn,
            replicaKmsKeyArn: backups.replicaKmsKeyArn,
            logBucketName: backups.logBucketName,
        };
    }, opts);
    return new Built(run);
}

/** A lifecycle rule as the engine receives it. */
interface LifecycleRuleJson {
    id: string;
    status: string;
    filter: { prefix?: string };
    expiration: { days?: number; expiredObjectDeleteMarker?: boolean };
    transitions?: { days: number; storageClass: string }[];
    noncurrentVersionExpiration: { noncurrentDays: number };
    abortIncompleteMultipartUpload: { daysAfterInitiation: number };
}

/** The ARN the mock engine gives a key created by the component. */
const mockKeyArn = (name: string, region = "us-east-1") => `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/${name}`;

// -------------------------------------------------------------------------------------------
// A small evaluator for the Deny statements of a bucket policy: enough to answer "would S3
// refuse this request?" for the condition operators the component uses.

interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}
interface PolicyDocument {
    Version: string;
    Statement: PolicyStatement[];
}
interface Request {
    action: string;
    resource: string;
    /** Request context keys; a missing key is absent from the request. */
    context: Record<string, string>;
}

const list = <V>(v: V | V[]): V[] => (Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string) =>
    new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);

function conditionHolds(operator: string, key: string, expected: string[], context: Record<string, string>): boolean {
    const actual = context[key];
    switch (operator) {
        case "Null":
            return expected.includes(actual === undefined ? "true" : "false");
        case "Bool":
        case "StringEquals":
            return actual !== undefined && expected.includes(actual);
        case "StringNotEquals":
            // A negated operator is true when the key is absent.
            return actual === undefined || !expected.includes(actual);
        case "NumericLessThan":
            return actual !== undefined && expected.some((e) => Number(actual) < Number(e));
        case "ArnLike":
        case "StringLike":
            return actual !== undefined && expected.some((e) => glob(e, actual));
        default:
            throw new Error(`the test evaluator does not know ${operator}`);
    }
}

function matches(statement: PolicyStatement, request: Request): boolean {
    const actionOk = list(statement.Action).some((a) => glob(a, request.action));
    const resourceOk = list(statement.Resource).some((r) => glob(r, request.resource));
    const conditionsOk = Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), request.context)),
    );
    return actionOk && resourceOk && conditionsOk;
}

/** The Sids of the Deny statements that refuse a request. */
function denials(policy: PolicyDocument, request: Request): string[] {
    return policy.Statement.filter((s) => s.Effect === "Deny" && matches(s, request)).map((s) => s.Sid ?? "?");
}

const HTTPS = { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" };
const SSE = "s3:x-amz-server-side-encryption";
const SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";
const SSE_C = "s3:x-amz-server-side-encryption-customer-algorithm";

// -------------------------------------------------------------------------------------------

/** Legal per S3: STANDARD_IA not before day 30; each class kept its minimum duration. */
function expectLegalTransitions(transitions: { days: number; storageClass: string }[], expiration: number) {
    const ladder = new Map(STORAGE_LADDER.map((s) => [s.storageClass as string, s]));
    transitions.forEach((t, i) => {
        const step = ladder.get(t.storageClass);
        expect(step, `${t.storageClass} is a known class`).toBeDefined();
        expect(t.days).toBeGreaterThanOrEqual(step!.earliestDay);
        expect((transitions[i + 1]?.days ?? expiration) - t.days).toBeGreaterThanOrEqual(step!.minimumStayDays);
    });
}

describe("BackupBucket with defaults", () => {
    it("creates the bucket and every hardening child, parented to the component", async () => {
        const b = await build();
        const component = b.component;
        expect(component.type).toBe(COMPONENT);
        const children = b.run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== COMPONENT);
        expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
            [
                `${T.alias} backups-key-alias`,
                `${T.bucket} backups-bucket`,
                `${T.encryption} backups-encryption`,
                `${T.key} backups-key`,
                `${T.lifecycle} backups-lifecycle`,
                `${T.ownership} backups-ownership`,
                `${T.policy} backups-policy`,
                `${T.publicAccessBlock} backups-public-access-block`,
                `${T.versioning} backups-versioning`,
            ].sort(),
        );
        for (const child of children) {
            expect(child.parent, child.name).toBe(component.urn);
        }
    });

    it("encrypts with a rotating customer-managed key and a bucket key", async () => {
        const b = await build();
        expect(b.inputs("backups-key")).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(b.inputs("backups-key-alias").namePrefix).toMatch(/^alias\//);
        expect(b.resource("backups-key-alias").propertyDependencies.targetKeyId).toEqual([b.resource("backups-key").urn]);
        expect(b.inputs("backups-encryption").rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: mockKeyArn("backups-key") }, bucketKeyEnabled: true },
        ]);
        expect(b.outputs().kmsKeyArn).toBe(mockKeyArn("backups-key"));
    });

    it("versions the bucket, blocks all public access and disables ACLs", async () => {
        const b = await build();
        expect(b.inputs("backups-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
        expect(b.inputs("backups-public-access-block")).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(b.inputs("backups-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    });

    it("protects and retains the bucket and the key, and never force-destroys", async () => {
        const b = await build();
        for (const name of ["backups-bucket", "backups-key"]) {
            expect(b.resource(name).protect, name).toBe(true);
            expect(b.resource(name).retainOnDelete, name).toBe(true);
        }
        expect(b.inputs("backups-bucket").forceDestroy).not.toBe(true);
        expect(b.inputs("backups-bucket").objectLockEnabled).toBeUndefined();
    });

    it("tags the bucket as a backup bucket and names it by auto-naming", async () => {
        const b = await build();
        const bucket = b.inputs("backups-bucket");
        expect(bucket.tags).toEqual({ "estate:role": "backup" });
        expect(bucket.bucket).toBeUndefined();
        expect(bucket.region).toBeUndefined();
    });

    it("keeps each tier for at least its objective, in cheaper classes where S3's minimum durations allow", async () => {
        const b = await build();
        const rules: LifecycleRuleJson[] = b.inputs("backups-lifecycle").rules;
        const tiers = [
            ["daily", RETENTION.dailyDays, []],
            ["weekly", RETENTION.weeklyWeeks * 7, ["STANDARD_IA"]],
            ["monthly", RETENTION.monthlyMonths * 31, ["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]],
            ["yearly", RETENTION.yearlyYears * 366, ["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]],
        ] as const;
        for (const [tier, objectiveDays, classes] of tiers) {
            const rule = rules.find((r) => r.id === `tier-${tier}`)!;
            expect(rule, tier).toBeDefined();
            expect(rule.status).toBe("Enabled");
            expect(rule.filter).toEqual({ prefix: `${tier}/` });
            expect(rule.expiration.days).toBeGreaterThanOrEqual(objectiveDays);
            const transitions = rule.transitions ?? [];
            expect(transitions.map((t) => t.storageClass)).toEqual(classes);
            expectLegalTransitions(transitions, rule.expiration.days!);
            expect(rule.noncurrentVersionExpiration.noncurrentDays).toBeGreaterThan(0);
            expect(rule.abortIncompleteMultipartUpload).toEqual({ daysAfterInitiation: 7 });
        }
        const housekeeping = rules.find((r) => r.id === "abort-incomplete-uploads")!;
        expect(housekeeping).toMatchObject({
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
        });
        expect(housekeeping.expiration.days).toBeUndefined();
        expect(rules).toHaveLength(5);
        // Lifecycle rules on noncurrent versions need versioning first.
        expect(b.resource("backups-lifecycle").dependencies).toContain(b.resource("backups-versioning").urn);
    });

    it("keeps each tier's newest copy restorable within the RTO: nothing goes to DEEP_ARCHIVE while it may still be its tier's newest", async () => {
        // prod: a 60-minute RTO; DEEP_ARCHIVE needs a restore request of up to 12 hours first.
        const b = await build({ rtoMinutes: 60 });
        const rules: LifecycleRuleJson[] = b.inputs("backups-lifecycle").rules;
        // The newest copy of a tier is at most two periods old (one missed backup of slack).
        const newestDays = { daily: 2, weekly: 14, monthly: 62, yearly: 732 } as const;
        const needsRestore = new Set(STORAGE_LADDER.filter((s) => s.retrievalMinutes > 0).map((s) => s.storageClass as string));
        expect([...needsRestore]).toEqual(["DEEP_ARCHIVE"]);
        for (const [tier, days] of Object.entries(newestDays)) {
            const rule = rules.find((r) => r.id === `tier-${tier}`)!;
            for (const t of rule.transitions ?? []) {
                if (needsRestore.has(t.storageClass)) {
                    expect(t.days, `${tier}: ${t.storageClass}`).toBeGreaterThanOrEqual(days);
                }
            }
            expectLegalTransitions(rule.transitions ?? [], rule.expiration.days!);
        }
        // A 7-year tier of yearly copies: the newest stays in GLACIER_IR (milliseconds) until day 732.
        expect(rules.find((r) => r.id === "tier-yearly")!.transitions).toEqual([
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER_IR" },
            { days: 732, storageClass: "DEEP_ARCHIVE" },
        ]);
        // Monthly copies are long superseded on day 180.
        expect(rules.find((r) => r.id === "tier-monthly")!.transitions!.map((t) => [t.storageClass, t.days])).toContainEqual(["DEEP_ARCHIVE", 180]);
    });

    it("derives the lifecycle from the RTO: a week-long RTO leaves time for a 12-hour restore, so yearly copies archive on day 180", async () => {
        const b = await build({ rtoMinutes: 10080 });
        const yearly = (b.inputs("backups-lifecycle").rules as LifecycleRuleJson[]).find((r) => r.id === "tier-yearly")!;
        expect(yearly.transitions!.map((t) => [t.storageClass, t.days])).toEqual([
            ["STANDARD_IA", 30],
            ["GLACIER_IR", 90],
            ["DEEP_ARCHIVE", 180],
        ]);
    });

    it("without an RTO, never puts a tier's newest copy in a class that needs a restore request", async () => {
        const b = await build({ retention: { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 } });
        const yearly = (b.inputs("backups-lifecycle").rules as LifecycleRuleJson[]).find((r) => r.id === "tier-yearly")!;
        // A 1-year tier's only copy is always its newest: it never reaches DEEP_ARCHIVE.
        expect(yearly.transitions!.map((t) => t.storageClass)).toEqual(["STANDARD_IA", "GLACIER_IR"]);
    });

    it("publishes the tier prefixes and the bucket's name and ARN", async () => {
        const b = await build();
        const outputs = b.outputs();
        expect(outputs.tierPrefixes).toEqual({ daily: "daily/", weekly: "weekly/", monthly: "monthly/", yearly: "yearly/" });
        expect(outputs.bucketArn).toBe(`arn:aws:s3:::${outputs.bucketName}`);
        expect(outputs.replicaBucketArn).toBeUndefined();
        expect(outputs.logBucketName).toBeUndefined();
    });

    it("joins every bucket setting to the bucket through its `bucket` property", async () => {
        const b = await build();
        const bucketUrn = b.resource("backups-bucket").urn;
        for (const name of ["versioning", "encryption", "lifecycle", "policy", "public-access-block", "ownership"]) {
            expect(b.resource(`backups-${name}`).propertyDependencies.bucket, name).toEqual([bucketUrn]);
        }
    });
});

describe("BackupBucket bucket policy", () => {
    async function policyAndArns() {
        const b = await build();
        const { bucketArn, kmsKeyArn } = b.outputs();
        return { b, policy: b.policy("backups-policy"), bucketArn: bucketArn as string, keyArn: kmsKeyArn as string };
    }

    it("covers the bucket and its objects, and waits for the public access block", async () => {
        const { b, policy, bucketArn } = await policyAndArns();
        expect(policy.Version).toBe("2012-10-17");
        const resources = new Set(policy.Statement.flatMap((s) => list(s.Resource)));
        expect([...resources].sort()).toEqual([bucketArn, `${bucketArn}/*`].sort());
        expect(policy.Statement.every((s) => s.Effect === "Deny" && s.Principal === "*")).toBe(true);
        expect(b.resource("backups-policy").dependencies).toContain(b.resource("backups-public-access-block").urn);
        expect(b.resource("backups-policy").propertyDependencies.policy).toEqual(
            expect.arrayContaining([b.resource("backups-bucket").urn, b.resource("backups-key").urn]),
        );
    });

    it("denies plain HTTP and TLS older than 1.2 for reads and writes alike", async () => {
        const { policy, bucketArn } = await policyAndArns();
        const object = `${bucketArn}/daily/db.dump`;
        expect(denials(policy, { action: "s3:GetObject", resource: object, context: { "aws:SecureTransport": "false" } })).toEqual(["DenyInsecureTransport"]);
        expect(denials(policy, { action: "s3:ListBucket", resource: bucketArn, context: { "aws:SecureTransport": "false" } })).toEqual(["DenyInsecureTransport"]);
        expect(denials(policy, { action: "s3:GetObject", resource: object, context: { ...HTTPS, "s3:TlsVersion": "1.1" } })).toEqual(["DenyOutdatedTls"]);
        expect(denials(policy, { action: "s3:GetObject", resource: object, context: HTTPS })).toEqual([]);
        expect(denials(policy, { action: "s3:GetObject", resource: object, context: { ...HTTPS, "s3:TlsVersion": "1.2" } })).toEqual([]);
    });

    it("lets uploads that rely on the bucket's default encryption through", async () => {
        const { policy, bucketArn, keyArn } = await policyAndArns();
        const put = (context: Record<string, string>) => denials(policy, { action: "s3:PutObject", resource: `${bucketArn}/daily/db.dump`, context: { ...HTTPS, ...context } });
        expect(put({})).toEqual([]);
        expect(put({ [SSE]: "aws:kms", [SSE_KEY]: keyArn })).toEqual([]);
    });

    it("denies uploads that explicitly ask for anything but this bucket's key", async () => {
        const { policy, bucketArn, keyArn } = await policyAndArns();
        const put = (context: Record<string, string>) => denials(policy, { action: "s3:PutObject", resource: `${bucketArn}/daily/db.dump`, context: { ...HTTPS, ...context } });
        expect(put({ [SSE]: "AES256" })).toEqual(["DenyNonKmsEncryptionHeader"]);
        expect(put({ [SSE]: "aws:kms", [SSE_KEY]: mockKeyArn("someone-elses-key") })).toEqual(["DenyOtherKmsKey"]);
        // aws:kms without a key id would use the AWS managed aws/s3 key, not the bucket's.
        expect(put({ [SSE]: "aws:kms" })).toEqual(["DenyKmsHeaderWithoutKeyId"]);
        expect(put({ [SSE_C]: "AES256" })).toEqual(["DenyCustomerProvidedKeys"]);
        expect(put({ [SSE_KEY]: keyArn })).toEqual([]);
    });
});

describe("BackupBucket overrides", () => {
    it("uses a given KMS key instead of creating one", async () => {
        const given = "arn:aws:kms:eu-central-1:111122223333:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
        const b = await build({ kmsKeyArn: given, region: "eu-central-1" });
        expect(b.ofType(T.key)).toEqual([]);
        expect(b.ofType(T.alias)).toEqual([]);
        expect(b.inputs("backups-encryption").rules[0].applyServerSideEncryptionByDefault).toEqual({ sseAlgorithm: "aws:kms", kmsMasterKeyId: given });
        expect(b.outputs().kmsKeyArn).toBe(given);
        const policy = b.policy("backups-policy");
        const bucketArn: string = b.outputs().bucketArn;
        const put = (context: Record<string, string>) => denials(policy, { action: "s3:PutObject", resource: `${bucketArn}/x`, context: { ...HTTPS, ...context } });
        expect(put({ [SSE]: "aws:kms", [SSE_KEY]: given })).toEqual([]);
        expect(put({ [SSE]: "aws:kms", [SSE_KEY]: mockKeyArn("backups-key", "eu-central-1") })).toEqual(["DenyOtherKmsKey"]);
    });

    it("names the bucket explicitly", async () => {
        const b = await build({ bucketName: "acme-prod-backups" });
        expect(b.inputs("backups-bucket").bucket).toBe("acme-prod-backups");
        expect(b.outputs().bucketName).toBe("acme-prod-backups");
    });

    it("with protectData false (dev), protects nothing and lets the bucket be destroyed with its objects", async () => {
        const b = await build({ protectData: false, replication: { region: "eu-west-1" }, accessLogging: true });
        expect(b.run.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name)).toEqual([]);
        for (const bucket of b.ofType(T.bucket)) {
            expect(plainInputs(bucket).forceDestroy, bucket.name).toBe(true);
        }
    });

    it("with objectLock, creates the bucket with Object Lock and the default retention", async () => {
        const b = await build({ objectLock: { mode: "COMPLIANCE", days: 90 } });
        expect(b.inputs("backups-bucket").objectLockEnabled).toBe(true);
        expect(b.inputs("backups-object-lock")).toMatchObject({
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode: "COMPLIANCE", days: 90 } },
        });
        const lock = b.resource("backups-object-lock", T.objectLock);
        expect(lock.propertyDependencies.bucket).toEqual([b.resource("backups-bucket").urn]);
        expect(lock.dependencies).toContain(b.resource("backups-versioning").urn);
    });

    it("puts every primary resource in the given region", async () => {
        const b = await build({ region: "eu-central-1", accessLogging: true });
        const regional = b.run.resources.filter((r) => r.type.startsWith("aws:"));
        expect(regional.length).toBeGreaterThan(10);
        for (const r of regional) {
            expect(plainInputs(r).region, r.name).toBe("eu-central-1");
        }
    });

    it("merges the given tags into every taggable child, and keeps each bucket's role", async () => {
        const tags = { team: "platform", "estate:stack": "prod" };
        const b = await build({ tags, replication: { region: "eu-west-1" }, accessLogging: true });
        expect(b.inputs("backups-bucket").tags).toEqual({ ...tags, "estate:role": "backup" });
        expect(b.inputs("backups-replica-bucket").tags).toEqual({ ...tags, "estate:role": "backup-replica" });
        expect(b.inputs("backups-logs-bucket").tags).toEqual({ ...tags, "estate:role": "access-logs" });
        for (const name of ["backups-key", "backups-replica-key", "backups-replication-role"]) {
            expect(b.inputs(name).tags, name).toEqual(tags);
        }
    });
});

describe("BackupBucket replication", () => {
    const DR = "eu-west-1";
    const args: Partial<BackupBucketArgs> = { region: "eu-central-1", replication: { region: DR } };

    it("creates a hardened, protected replica bucket with its own rotating key in the DR region", async () => {
        const b = await build(args);
        const replica = b.inputs("backups-replica-bucket");
        expect(replica.region).toBe(DR);
        expect(b.inputs("backups-replica-key")).toMatchObject({ region: DR, enableKeyRotation: true, deletionWindowInDays: 30 });
        for (const name of ["backups-replica-bucket", "backups-replica-key"]) {
            expect(b.resource(name).protect, name).toBe(true);
            expect(b.resource(name).retainOnDelete, name).toBe(true);
        }
        const replicaKeyArn = mockKeyArn("backups-replica-key", DR);
        expect(b.inputs("backups-replica-versioning")).toMatchObject({ region: DR, versioningConfiguration: { status: "Enabled" } });
        expect(b.inputs("backups-replica-encryption").rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: replicaKeyArn }, bucketKeyEnabled: true },
        ]);
        expect(b.inputs("backups-replica-public-access-block")).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(b.inputs("backups-replica-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        expect(b.inputs("backups-replica-lifecycle").rules).toEqual(b.inputs("backups-lifecycle").rules);
        const replicaArn: string = b.outputs().replicaBucketArn;
        const policy = b.policy("backups-replica-policy");
        expect(denials(policy, { action: "s3:GetObject", resource: `${replicaArn}/x`, context: { "aws:SecureTransport": "false" } })).toEqual(["DenyInsecureTransport"]);
        expect(b.outputs().replicaKmsKeyArn).toBe(replicaKeyArn);
    });

    it("replicates KMS-encrypted objects with the DR key, once both buckets are versioned", async () => {
        const b = await build(args);
        const replication = b.resource("backups-replication", T.replication);
        const inputs = b.inputs("backups-replication");
        expect(inputs.region).toBe("eu-central-1");
        expect(inputs.rules).toHaveLength(1);
        const rule = inputs.rules[0];
        expect(rule.status).toBe("Enabled");
        expect(rule.sourceSelectionCriteria).toEqual({ sseKmsEncryptedObjects: { status: "Enabled" } });
        expect(rule.destination.bucket).toBe(b.outputs().replicaBucketArn);
        expect(rule.destination.encryptionConfiguration).toEqual({ replicaKmsKeyId: mockKeyArn("backups-replica-key", DR) });
        expect(rule.deleteMarkerReplication).toEqual({ status: "Disabled" });
        expect(replication.propertyDependencies.bucket).toEqual([b.resource("backups-bucket").urn]);
        expect(replication.propertyDependencies.role).toEqual([b.resource("backups-replication-role").urn]);
        expect(replication.dependencies).toEqual(
            expect.arrayContaining([b.resource("backups-versioning").urn, b.resource("backups-replica-versioning").urn, b.resource("backups-replication-policy").urn]),
        );
    });

    it("gives S3 a least-privilege replication role", async () => {
        const b = await build(args);
        const trust = JSON.parse(b.inputs("backups-replication-role").assumeRolePolicy) as PolicyDocument;
        expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        const { bucketArn, replicaBucketArn, kmsKeyArn, replicaKmsKeyArn } = b.outputs();
        const policy = b.policy("backups-replication-policy");
        const grants = (resource: string) =>
            policy.Statement.filter((s) => s.Effect === "Allow" && list(s.Resource).includes(resource)).flatMap((s) => list(s.Action)).sort();
        expect(grants(bucketArn)).toEqual(["s3:GetReplicationConfiguration", "s3:ListBucket"]);
        expect(grants(`${bucketArn}/*`)).toEqual(["s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging"]);
        expect(grants(`${replicaBucketArn}/*`)).toEqual(["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"]);
        expect(grants(kmsKeyArn)).toEqual(["kms:Decrypt"]);
        expect(grants(replicaKmsKeyArn)).toEqual(["kms:Decrypt", "kms:Encrypt"]);
        expect(policy.Statement.flatMap((s) => list(s.Resource)).some((r) => r === "*")).toBe(false);
        // KMS use is bound to the two buckets' encryption contexts.
        const decrypt = policy.Statement.find((s) => list(s.Resource).includes(kmsKeyArn))!;
        expect(decrypt.Condition).toEqual({ StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } });
        expect(b.resource("backups-replication-policy").propertyDependencies.role).toEqual([b.resource("backups-replication-role").urn]);
    });

    it("with Object Lock, locks the replica too and lets S3 read the lock state it must copy", async () => {
        const b = await build({ ...args, objectLock: { mode: "GOVERNANCE", days: 35 } });
        expect(b.inputs("backups-replica-bucket").objectLockEnabled).toBe(true);
        expect(b.inputs("backups-replica-object-lock").rule).toEqual({ defaultRetention: { mode: "GOVERNANCE", days: 35 } });
        const actions = b.policy("backups-replication-policy").Statement.flatMap((s) => list(s.Action));
        expect(actions).toEqual(expect.arrayContaining(["s3:GetObjectRetention", "s3:GetObjectLegalHold"]));
    });
});

describe("BackupBucket access logging", () => {
    it("logs to a separate SSE-S3 bucket that S3 log delivery may write to", async () => {
        const b = await build({ accessLogging: true });
        const { bucketArn, logBucketName } = b.outputs();
        expect(logBucketName).toBeTruthy();
        // S3 server access logging cannot deliver to an SSE-KMS default-encrypted bucket.
        expect(b.inputs("backups-logs-encryption").rules).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        expect(b.inputs("backups-logs-versioning").versioningConfiguration).toEqual({ status: "Enabled" });
        expect(b.inputs("backups-logs-public-access-block")).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(b.inputs("backups-logs-ownership").rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        expect(b.resource("backups-logs-bucket").protect).toBe(true);

        const rules: LifecycleRuleJson[] = b.inputs("backups-logs-lifecycle").rules;
        expect(rules.find((r) => r.id === "expire-access-logs")).toMatchObject({ expiration: { days: 365 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });

        const logging = b.resource("backups-access-logging", T.logging);
        expect(plainInputs(logging)).toMatchObject({ targetBucket: logBucketName, targetPrefix: "s3-access/" });
        expect(logging.propertyDependencies.bucket).toEqual([b.resource("backups-bucket").urn]);
        expect(logging.propertyDependencies.targetBucket).toEqual([b.resource("backups-logs-bucket").urn]);
        expect(logging.dependencies).toContain(b.resource("backups-logs-policy").urn);

        const logArn = `arn:aws:s3:::${logBucketName}`;
        const policy = b.policy("backups-logs-policy");
        const delivery = policy.Statement.find((s) => s.Effect === "Allow")!;
        expect(delivery).toMatchObject({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${logArn}/s3-access/*` });
        expect(delivery.Condition).toEqual({ ArnLike: { "aws:SourceArn": bucketArn }, StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID } });
        expect(denials(policy, { action: "s3:GetObject", resource: `${logArn}/s3-access/x`, context: { "aws:SecureTransport": "false" } })).toEqual(["DenyInsecureTransport"]);
        expect(denials(policy, { action: "s3:PutObject", resource: `${logArn}/s3-access/x`, context: HTTPS })).toEqual([]);
    });
});

describe("BackupBucket invalid arguments", () => {
    const cases: [string, Partial<BackupBucketArgs>, string][] = [
        ["a zero retention", { retention: { ...RETENTION, dailyDays: 0 } }, 'BackupBucket "backups": retention.dailyDays must be an integer >= 1 (got 0)'],
        ["a fractional retention", { retention: { ...RETENTION, weeklyWeeks: 1.5 } }, 'BackupBucket "backups": retention.weeklyWeeks must be an integer >= 1 (got 1.5)'],
        ["a missing retention", { retention: undefined }, 'BackupBucket "backups": retention is required (an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)'],
        ["a zero lock", { objectLock: { mode: "GOVERNANCE", days: 0 } }, 'BackupBucket "backups": objectLock.days must be an integer from 1 to 36500 (got 0)'],
        ["a century-long lock", { objectLock: { mode: "COMPLIANCE", days: 36501 } }, 'BackupBucket "backups": objectLock.days must be an integer from 1 to 36500 (got 36501)'],
        ["an unknown lock mode", { objectLock: { mode: "LEGAL" as "GOVERNANCE", days: 30 } }, 'BackupBucket "backups": objectLock.mode must be "GOVERNANCE" or "COMPLIANCE" (got "LEGAL")'],
        ["replication to the same region", { region: "eu-west-1", replication: { region: "eu-west-1" } }, 'BackupBucket "backups": replication.region must differ from region (both are "eu-west-1")'],
        ["replication to no region", { replication: { region: " " } }, 'BackupBucket "backups": replication.region must be a non-empty AWS region name (got " ")'],
        ["an empty region", { region: "" }, 'BackupBucket "backups": region must be a non-empty AWS region name such as "eu-west-1" (got "")'],
        [
            "a key alias for kmsKeyArn",
            { kmsKeyArn: "alias/backups" },
            'BackupBucket "backups": kmsKeyArn must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id>, not an alias or a bare key id (got "alias/backups")',
        ],
        [
            "a key in another region",
            { region: "eu-central-1", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/abc" },
            'BackupBucket "backups": kmsKeyArn must be a key in the bucket\'s region "eu-central-1" (got a key in "us-east-1")',
        ],
        [
            "an invalid bucket name",
            { bucketName: "Backups_Prod" },
            'BackupBucket "backups": bucketName must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit (got "Backups_Prod")',
        ],
        [
            "a reserved tag",
            { tags: { "estate:role": "other" } },
            'BackupBucket "backups": tags["estate:role"] is reserved: the component sets it to tell backup, replica and log buckets apart',
        ],
    ];

    it.each(cases)("rejects %s with an ArgumentError, registering nothing", async (_case, override, message) => {
        let caught: unknown;
        const run = await runProgram(() => {
            try {
                new BackupBucket("backups", { retention: RETENTION, ...override } as BackupBucketArgs);
            } catch (err) {
                caught = err;
            }
        });
        expect(caught).toBeInstanceOf(ArgumentError);
        expect((caught as Error).message).toBe(message);
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("fails the program with the same message when not caught", async () => {
        await expect(runProgram(() => new BackupBucket("backups", { retention: { ...RETENTION, yearlyYears: 0 } }))).rejects.toThrow(
            'BackupBucket "backups": retention.yearlyYears must be an integer >= 1 (got 0)',
        );
    });
});

describe("BackupBucket in preview", () => {
    it("builds every child although ids and ARNs are unknown", async () => {
        const args: Partial<BackupBucketArgs> = { replication: { region: "eu-west-1" }, accessLogging: true, objectLock: { mode: "GOVERNANCE", days: 30 }, region: "eu-central-1" };
        const preview = await build(args, { preview: true });
        const up = await build(args);
        expect(preview.run.resources.map((r) => r.name).sort()).toEqual(up.run.resources.map((r) => r.name).sort());
        expect(preview.inputs("backups-versioning").bucket).toBe("[unknown]");
        expect(preview.inputs("backups-policy").policy).toBe("[unknown]");
        expect(preview.inputs("backups-lifecycle").rules).toEqual(up.inputs("backups-lifecycle").rules);
        // The joins policies rely on are there even when values are not.
        expect(preview.resource("backups-versioning").propertyDependencies.bucket).toEqual([preview.resource("backups-bucket").urn]);
        expect(preview.outputs().tierPrefixes.daily).toBe("daily/");
    });
});
