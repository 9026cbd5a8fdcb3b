import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import {
    s3BucketEncryptionKms,
    s3BucketPolicyPublic,
    s3BucketVersioning,
    s3DenyInsecureTransport,
    s3LifecycleRetention,
    s3NoPublicAcl,
    s3PublicAccessBlock,
    s3PublicAccessBlockRemediation,
} from "../../../policies/aws/s3";
import { policies } from "../../../policies/pack";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { fakeResource, resourceArgs, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import {
    abortUploadsRule,
    allBlocked,
    attach,
    bucket,
    bucketSet,
    check,
    estateProgram,
    KEY_ARN,
    kmsEncryption,
    messagesOf,
    packConfig,
    prodBackupRules,
    sseS3Encryption,
    T,
    tlsOnlyPolicy,
    tlsOnlyStatement,
} from "../fixtures";

const byName = (resources: RecordedResource[], name: string): RecordedResource => {
    const found = resources.find((r) => r.name === name);
    if (!found) {
        throw new Error(`no resource named ${name}`);
    }
    return found;
};

/** The single violation of a report. */
function single(report: PolicyReport) {
    expect(report.violations).toHaveLength(1);
    return { ...report.violations[0]!, text: messagesOf(report)[0]! };
}

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

describe("the realistic estate fragment (real aws classes under the mock engine)", () => {
    it("passes every policy with the prod config on `up`", async () => {
        const run = await runProgram(() => estateProgram());
        clean(await check(policies, run.resources, { config: packConfig("prod") }));
    });

    it("passes in a preview, where ids, ARNs and the key ARN are unknown, without can't-run notes except for the policy document", async () => {
        const run = await runProgram(() => estateProgram(), { preview: true });
        const report = await check(policies, run.resources, { config: packConfig("prod") });
        // The bucket policies are JSON built from the buckets' ARNs: unknown until the buckets exist,
        // so the two policies that read them note that they could not run.
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([
            ["estate-s3-deny-insecure-transport", "advisory"],
            ["estate-s3-bucket-policy-public", "advisory"],
        ]);
        for (const v of report.violations) {
            expect(v.message).toMatch(new RegExp(`^can't run policy '${v.policy}' during preview: string value at \\.policy`));
        }
    });

    it("accepts AES256 on the log bucket only because it is the target of the BucketLogging", async () => {
        const run = await runProgram(() => estateProgram({ logging: false }));
        const v = single(await check(s3BucketEncryptionKms, run.resources));
        expect(v.urn).toBe(byName(run.resources, "access-logs-sse").urn);
        expect(v.text).toMatch(/^BucketServerSideEncryptionConfiguration 'access-logs-sse' of S3 bucket 'access-logs' encrypts with 'AES256'/);
    });

    it("accepts AES256 on a bucket tagged estate:role: access-logs without a BucketLogging (ALB, CloudFront logs)", async () => {
        const run = await runProgram(() => estateProgram({ logging: false, logBucketTags: { "estate:role": "access-logs" } }));
        clean(await check(s3BucketEncryptionKms, run.resources));
    });

    it("reports every missing setting of a bare bucket against the bucket's URN", async () => {
        const run = await runProgram(() => {
            new aws.s3.Bucket("bare");
        });
        const bare = byName(run.resources, "bare");
        const report = await check(policies, run.resources, { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn])).toEqual([
            ["estate-s3-bucket-encryption-kms", "mandatory", bare.urn],
            ["estate-s3-bucket-versioning", "mandatory", bare.urn],
            ["estate-s3-public-access-block", "mandatory", bare.urn],
            ["estate-s3-lifecycle-retention", "mandatory", bare.urn],
            ["estate-s3-deny-insecure-transport", "mandatory", bare.urn],
        ]);
        expect(messagesOf(report)).toEqual([
            "S3 bucket 'bare' has no BucketServerSideEncryptionConfiguration.",
            "S3 bucket 'bare' has no BucketVersioning.",
            "S3 bucket 'bare' has no BucketPublicAccessBlock.",
            "S3 bucket 'bare' has no BucketLifecycleConfiguration.",
            "S3 bucket 'bare' has no BucketPolicy.",
        ]);
    });
});

describe("the deprecated ...V2 variants of v7", () => {
    it("count as buckets, so a BucketV2 does not escape the rules", async () => {
        const bucketV2 = fakeResource({ type: "aws:s3/bucketV2:BucketV2", name: "legacy" });
        const report = await check(policies, [bucketV2]);
        expect(report.violations.map((v) => [v.policy, v.urn])).toEqual([
            ["estate-s3-bucket-encryption-kms", bucketV2.urn],
            ["estate-s3-bucket-versioning", bucketV2.urn],
            ["estate-s3-public-access-block", bucketV2.urn],
            ["estate-s3-lifecycle-retention", bucketV2.urn],
            ["estate-s3-deny-insecure-transport", bucketV2.urn],
        ]);
    });

    it("count as settings of a bucket", async () => {
        const [data, ...settings] = bucketSet("data", { encryption: null, versioning: null, lifecycle: null });
        const v2 = [
            attach("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "sse-v2", data!, kmsEncryption()),
            attach("aws:s3/bucketVersioningV2:BucketVersioningV2", "versioning-v2", data!, { versioningConfiguration: { status: "Enabled" } }),
            attach("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "lifecycle-v2", data!, { rules: [abortUploadsRule] }),
        ];
        clean(await check(policies, [data!, ...settings, ...v2], { config: packConfig("prod") }));
    });
});

describe("enforcement from the policy pack config", () => {
    const resources = bucketSet("data", { versioning: null });

    it("is advisory with the dev config", async () => {
        expect(single(await check(s3BucketVersioning, resources, { config: packConfig("dev") })).enforcementLevel).toBe("advisory");
    });

    it("is mandatory with the prod config (`all: mandatory`)", async () => {
        expect(single(await check(s3BucketVersioning, resources, { config: packConfig("prod") })).enforcementLevel).toBe("mandatory");
    });

    it("reports nothing for a policy the config disables", async () => {
        clean(await check(s3BucketVersioning, resources, { config: { all: "mandatory", "estate-s3-bucket-versioning": "disabled" } }));
    });

    it("takes a per-policy level over `all`", async () => {
        const config = { all: "mandatory" as const, "estate-s3-bucket-versioning": { enforcementLevel: "advisory" as const } };
        expect(single(await check(s3BucketVersioning, resources, { config })).enforcementLevel).toBe("advisory");
    });
});

describe("stack policies without buckets", () => {
    it.each([s3BucketEncryptionKms, s3BucketVersioning, s3PublicAccessBlock, s3LifecycleRetention, s3DenyInsecureTransport])(
        "$name is not applicable",
        async (policy) => {
            const report = await check(policy, [fakeResource({ type: T.key, name: "key", props: { enableKeyRotation: true } })]);
            expect(report).toEqual({ violations: [], remediations: [], notApplicable: [{ policy: policy.name, reason: "The stack has no aws:s3/bucket:Bucket." }] });
        },
    );
});

describe("estate-s3-bucket-encryption-kms", () => {
    it("passes a bucket encrypted with aws:kms and a customer-managed key", async () => {
        clean(await check(s3BucketEncryptionKms, bucketSet("data")));
    });

    it("passes aws:kms:dsse with a key", async () => {
        const encryption = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: "arn:aws:kms:k" } }] };
        clean(await check(s3BucketEncryptionKms, bucketSet("data", { encryption })));
    });

    it("passes in preview when the key ARN is unknown, without a can't-run note", async () => {
        const report = await check(s3BucketEncryptionKms, bucketSet("data", { encryption: { ...kmsEncryption(UNKNOWN), bucket: UNKNOWN } }));
        clean(report);
    });

    it("fails a bucket without encryption configuration, on the bucket", async () => {
        const resources = bucketSet("data", { encryption: null });
        const v = single(await check(s3BucketEncryptionKms, resources));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe("S3 bucket 'data' has no BucketServerSideEncryptionConfiguration.");
        expect(v.message.split("\n")[0]).toBe(s3BucketEncryptionKms.description);
        expect(v.severity).toBe("high");
    });

    it("fails AES256 on a bucket that does not receive access logs, on the configuration", async () => {
        const resources = bucketSet("data", { encryption: sseS3Encryption });
        const v = single(await check(s3BucketEncryptionKms, resources));
        expect(v.urn).toBe(byName(resources, "data-sse").urn);
        expect(v.text).toBe(
            "BucketServerSideEncryptionConfiguration 'data-sse' of S3 bucket 'data' encrypts with 'AES256'; use 'aws:kms' or " +
                "'aws:kms:dsse' with a customer-managed key (AES256 is accepted only for a bucket that receives access logs: the " +
                "targetBucket of a BucketLogging, or tagged estate:role: access-logs).",
        );
    });

    it("fails aws:kms without a key (S3 would use the AWS managed key)", async () => {
        const encryption = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] };
        const resources = bucketSet("data", { encryption });
        const v = single(await check(s3BucketEncryptionKms, resources));
        expect(v.urn).toBe(byName(resources, "data-sse").urn);
        expect(v.text).toBe(
            "BucketServerSideEncryptionConfiguration 'data-sse' of S3 bucket 'data' uses 'aws:kms' without a kmsMasterKeyId, so S3 " +
                "encrypts with the AWS managed key aws/s3; set kmsMasterKeyId to a customer-managed key.",
        );
    });

    it("fails aws:kms with an empty key, as provider state shows an unset key", async () => {
        const v = single(await check(s3BucketEncryptionKms, bucketSet("data", { encryption: kmsEncryption("") })));
        expect(v.text).toMatch(/uses 'aws:kms' without a kmsMasterKeyId/);
    });

    it("fails a configuration without a default encryption rule", async () => {
        const v = single(await check(s3BucketEncryptionKms, bucketSet("data", { encryption: { rules: [{ bucketKeyEnabled: true }] } })));
        expect(v.text).toBe(
            "BucketServerSideEncryptionConfiguration 'data-sse' of S3 bucket 'data' has no default encryption rule (applyServerSideEncryptionByDefault).",
        );
    });

    describe("access log targets", () => {
        const logs = bucketSet("logs", { encryption: sseS3Encryption });
        const data = bucketSet("data");
        const logging = attach(T.logging, "data-logging", data[0]!, { targetBucket: "logs-id", targetPrefix: "data/" });
        logging.propertyDependencies.targetBucket = [logs[0]!.urn];
        logging.dependencies.push(logs[0]!.urn);

        it("accepts AES256 on the targetBucket of a BucketLogging", async () => {
            clean(await check(s3BucketEncryptionKms, [...logs, ...data, logging]));
        });

        it("does not extend the exception to the logged (source) bucket", async () => {
            const source = bucketSet("data", { encryption: sseS3Encryption });
            const v = single(await check(s3BucketEncryptionKms, [...logs, ...source, logging]));
            expect(v.urn).toBe(byName(source, "data-sse").urn);
            expect(v.text).toMatch(/^BucketServerSideEncryptionConfiguration 'data-sse' of S3 bucket 'data' encrypts with 'AES256'/);
        });

        it("still requires a configuration on a log bucket", async () => {
            const bare = bucketSet("logs", { encryption: null });
            const v = single(await check(s3BucketEncryptionKms, [...bare, ...data, logging]));
            expect(v.text).toBe("S3 bucket 'logs' has no BucketServerSideEncryptionConfiguration.");
        });

        it("falls back to plain dependencies only when they name one bucket", async () => {
            // Registered without property dependencies: the logging depends on two buckets, which is
            // ambiguous, so the log bucket is not exempted; the SSE configuration depends on one.
            const strip = (r: RecordedResource): RecordedResource => ({ ...r, propertyDependencies: {} });
            const resources = [...logs.map(strip), ...data, strip(logging)];
            const v = single(await check(s3BucketEncryptionKms, resources));
            expect(v.urn).toBe(byName(logs, "logs-sse").urn);
        });
    });

    it("reports other buckets' violations when one bucket's settings are unknown, then notes it could not run", async () => {
        const unknownAlgorithm = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: UNKNOWN } }] };
        const resources = [...bucketSet("a", { encryption: unknownAlgorithm }), ...bucketSet("b", { encryption: null })];
        const report = await check(s3BucketEncryptionKms, resources, { config: { all: "mandatory" } });
        expect(report.violations.map((v) => [v.enforcementLevel, v.urn ?? null])).toEqual([
            ["mandatory", byName(resources, "b").urn],
            ["advisory", null],
        ]);
        expect(report.violations[1]!.message).toMatch(/^can't run policy 'estate-s3-bucket-encryption-kms' during preview/);
    });
});

describe("estate-s3-bucket-versioning", () => {
    it("passes a bucket with versioning Enabled", async () => {
        clean(await check(s3BucketVersioning, bucketSet("data")));
    });

    it("fails a bucket without BucketVersioning, on the bucket", async () => {
        const resources = bucketSet("data", { versioning: null });
        const v = single(await check(s3BucketVersioning, resources));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe("S3 bucket 'data' has no BucketVersioning.");
    });

    it("fails versioning Suspended, on the BucketVersioning", async () => {
        const resources = bucketSet("data", { versioning: { versioningConfiguration: { status: "Suspended" } } });
        const v = single(await check(s3BucketVersioning, resources));
        expect(v.urn).toBe(byName(resources, "data-versioning").urn);
        expect(v.text).toBe("BucketVersioning 'data-versioning' of S3 bucket 'data' sets versioning status 'Suspended'; it must be 'Enabled'.");
    });

    it("fails a BucketVersioning without a status", async () => {
        const v = single(await check(s3BucketVersioning, bucketSet("data", { versioning: { versioningConfiguration: {} } })));
        expect(v.text).toBe("BucketVersioning 'data-versioning' of S3 bucket 'data' sets versioning status (none); it must be 'Enabled'.");
    });

    it("does not join a BucketVersioning that names the bucket only by a literal id", async () => {
        const [data] = bucketSet("data", { versioning: null });
        const literal = fakeResource({ type: T.versioning, name: "v", props: { bucket: "data-id", versioningConfiguration: { status: "Enabled" } }, propertyDependencies: { bucket: [] } });
        expect(single(await check(s3BucketVersioning, [data!, literal])).text).toBe("S3 bucket 'data' has no BucketVersioning.");
    });
});

describe("estate-s3-public-access-block", () => {
    it("passes a bucket with all four settings true", async () => {
        clean(await check(s3PublicAccessBlock, bucketSet("data")));
    });

    it("fails a bucket without BucketPublicAccessBlock, on the bucket", async () => {
        const resources = bucketSet("data", { publicAccessBlock: null });
        const v = single(await check(s3PublicAccessBlock, resources));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe("S3 bucket 'data' has no BucketPublicAccessBlock.");
    });

    it.each(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])("fails when %s is false", async (setting) => {
        const resources = bucketSet("data", { publicAccessBlock: { ...allBlocked, [setting]: false } });
        const v = single(await check(s3PublicAccessBlock, resources));
        expect(v.urn).toBe(byName(resources, "data-public-access-block").urn);
        expect(v.text).toBe(
            `BucketPublicAccessBlock 'data-public-access-block' of S3 bucket 'data' does not block all public access: ${setting} is false; ` +
                "all four settings must be true.",
        );
    });

    it("names every setting that is missing or false", async () => {
        const v = single(await check(s3PublicAccessBlock, bucketSet("data", { publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: false } })));
        expect(v.text).toBe(
            "BucketPublicAccessBlock 'data-public-access-block' of S3 bucket 'data' does not block all public access: " +
                "blockPublicPolicy is not set, ignorePublicAcls is false, restrictPublicBuckets is not set; all four settings must be true.",
        );
    });
});

describe("estate-s3-public-access-block-remediation", () => {
    const block = (settings: Record<string, unknown>) => fakeResource({ type: T.publicAccessBlock, name: "data-public-access-block", props: { bucket: "data-id", ...settings } });

    it("remediateResource, given engine-shaped arguments, sets the settings that are not true and keeps the rest", async () => {
        const result = await s3PublicAccessBlockRemediation.remediateResource!(resourceArgs(block({ blockPublicAcls: true, ignorePublicAcls: false })));
        expect(result).toEqual({ bucket: "data-id", ...allBlocked });
        expect(await s3PublicAccessBlockRemediation.remediateResource!(resourceArgs(block(allBlocked)))).toBeUndefined();
    });

    it("does not apply to other types", () => {
        expect(() => s3PublicAccessBlockRemediation.remediateResource!(resourceArgs(bucket("data")))).toThrow();
    });

    it("runs before the stack policy at level remediate (both stacks' configs), which then passes", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const resources = bucketSet("data", { publicAccessBlock: { ...allBlocked, restrictPublicBuckets: false } });
            const report = await check([s3PublicAccessBlockRemediation, s3PublicAccessBlock], resources, { config: packConfig(stack) });
            expect(report.violations).toEqual([]);
            expect(report.remediations).toEqual([
                {
                    policy: "estate-s3-public-access-block-remediation",
                    severity: "high",
                    urn: byName(resources, "data-public-access-block").urn,
                    changes: ["restrictPublicBuckets: false -> true"],
                },
            ]);
        }
    });

    it("cannot add a missing BucketPublicAccessBlock: the stack policy still reports it", async () => {
        const report = await check([s3PublicAccessBlockRemediation, s3PublicAccessBlock], bucketSet("data", { publicAccessBlock: null }), { config: packConfig("prod") });
        expect(report.remediations).toEqual([]);
        expect(messagesOf(report)).toEqual(["S3 bucket 'data' has no BucketPublicAccessBlock."]);
    });

    it("does nothing at any other level: the stack policy reports the setting", async () => {
        const resources = bucketSet("data", { publicAccessBlock: { ...allBlocked, blockPublicPolicy: false } });
        const report = await check([s3PublicAccessBlockRemediation, s3PublicAccessBlock], resources, { config: { all: "mandatory" } });
        expect(report.remediations).toEqual([]);
        expect(report.violations.map((v) => v.policy)).toEqual(["estate-s3-public-access-block"]);
    });

    it("in preview, reports an unknown setting as a note instead of remediating", async () => {
        const resources = bucketSet("data", { publicAccessBlock: { ...allBlocked, blockPublicAcls: UNKNOWN } });
        const report = await check([s3PublicAccessBlockRemediation], resources, { config: packConfig("prod") });
        expect(report.remediations).toEqual([]);
        expect(report.violations).toEqual([
            expect.objectContaining({ policy: "estate-s3-public-access-block-remediation", enforcementLevel: "advisory", message: expect.stringMatching(/^can't run remediation 'estate-s3-public-access-block-remediation' during preview: /) }),
        ]);
    });
});

describe("estate-s3-lifecycle-retention", () => {
    const prod = packConfig("prod");
    const dev = packConfig("dev");
    const backup = { tags: { "estate:role": "backup" } };
    const withTier = (tier: string, rule: Record<string, unknown>) =>
        prodBackupRules.map((r) => (r.id === tier ? { ...r, ...rule } : r));

    it("passes a bucket whose lifecycle aborts incomplete uploads", async () => {
        clean(await check(s3LifecycleRetention, bucketSet("data"), { config: prod }));
    });

    it("passes a backup bucket that meets the prod objective, and the dev one", async () => {
        const resources = bucketSet("backups", { props: backup, lifecycle: { rules: prodBackupRules } });
        clean(await check(s3LifecycleRetention, resources, { config: prod }));
        clean(await check(s3LifecycleRetention, resources, { config: dev }));
    });

    it("fails a bucket without BucketLifecycleConfiguration, on the bucket", async () => {
        const resources = bucketSet("data", { lifecycle: null });
        const v = single(await check(s3LifecycleRetention, resources, { config: prod }));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe("S3 bucket 'data' has no BucketLifecycleConfiguration.");
    });

    const noAbort =
        "S3 bucket 'data' has no enabled lifecycle rule that aborts incomplete multipart uploads for the whole bucket " +
        "(no prefix or tag filter, abortIncompleteMultipartUpload.daysAfterInitiation).";

    it.each([
        ["no such rule", [{ id: "expire", status: "Enabled", expiration: { days: 30 } }]],
        ["the rule disabled", [{ ...abortUploadsRule, status: "Disabled" }]],
        ["the rule limited to a prefix", [{ ...abortUploadsRule, filter: { prefix: "tmp/" } }]],
        ["the rule limited by object size", [{ ...abortUploadsRule, filter: { objectSizeGreaterThan: 1024 } }]],
        ["no daysAfterInitiation", [{ ...abortUploadsRule, abortIncompleteMultipartUpload: {} }]],
    ])("fails with %s, on the lifecycle configuration", async (_case, rules) => {
        const resources = bucketSet("data", { lifecycle: { rules } });
        const v = single(await check(s3LifecycleRetention, resources, { config: prod }));
        expect(v.urn).toBe(byName(resources, "data-lifecycle").urn);
        expect(v.text).toBe(noAbort);
    });

    it("accepts the provider-state form of a whole-bucket filter (empty prefix, zero sizes)", async () => {
        const rules = [{ ...abortUploadsRule, prefix: "", filter: { prefix: "", objectSizeGreaterThan: 0, objectSizeLessThan: 0 } }];
        clean(await check(s3LifecycleRetention, bucketSet("data", { lifecycle: { rules } }), { config: prod }));
    });

    it("fails a backup bucket missing a tier rule, naming the tier and the required days", async () => {
        const rules = prodBackupRules.filter((r) => r.id !== "weekly");
        const resources = bucketSet("backups", { props: backup, lifecycle: { rules } });
        const v = single(await check(s3LifecycleRetention, resources, { config: prod }));
        expect(v.urn).toBe(byName(resources, "backups-lifecycle").urn);
        expect(v.text).toBe(
            "Backup bucket 'backups', tier 'weekly/': no enabled lifecycle rule filtering prefix 'weekly/' with expiration.days; " +
                "required at least 84 days (12 weeks), actual none.",
        );
    });

    it.each([
        ["daily", 29, "at least 30 days"],
        ["weekly", 83, "at least 84 days (12 weeks)"],
        ["monthly", 365, "at least 372 days (12 months)"],
        ["yearly", 2555, "at least 2562 days (7 years)"],
    ])("fails a %s tier that expires after %i days (prod)", async (tier, days, required) => {
        const resources = bucketSet("backups", { props: backup, lifecycle: { rules: withTier(tier, { expiration: { days } }) } });
        const v = single(await check(s3LifecycleRetention, resources, { config: prod }));
        expect(v.text).toBe(`Backup bucket 'backups', tier '${tier}/': rule '${tier}' expires objects after ${days} days; required ${required}.`);
    });

    it("uses the dev objective from the dev config", async () => {
        const resources = bucketSet("backups", { props: backup, lifecycle: { rules: withTier("yearly", { expiration: { days: 365 } }) } });
        const v = single(await check(s3LifecycleRetention, resources, { config: dev }));
        expect(v.text).toBe("Backup bucket 'backups', tier 'yearly/': rule 'yearly' expires objects after 365 days; required at least 366 days (1 year).");
    });

    it("fails another rule that expires a tier's objects sooner", async () => {
        const rules = [...prodBackupRules, { id: "expire-all", status: "Enabled", expiration: { days: 90 } }];
        const report = await check(s3LifecycleRetention, bucketSet("backups", { props: backup, lifecycle: { rules } }), { config: prod });
        expect(messagesOf(report)).toEqual([
            "Backup bucket 'backups', tier 'monthly/': rule 'expire-all' (prefix '') expires objects after 90 days; required at least 372 days (12 months).",
            "Backup bucket 'backups', tier 'yearly/': rule 'expire-all' (prefix '') expires objects after 90 days; required at least 2562 days (7 years).",
        ]);
    });

    it("does not count a disabled tier rule, or one narrowed by a tag", async () => {
        const rules = withTier("daily", { status: "Disabled" }).map((r) =>
            r.id === "weekly" ? { ...r, filter: { and: { prefix: "weekly/", tags: { keep: "yes" } } } } : r,
        );
        const report = await check(s3LifecycleRetention, bucketSet("backups", { props: backup, lifecycle: { rules } }), { config: prod });
        expect(messagesOf(report)).toEqual([
            "Backup bucket 'backups', tier 'daily/': no enabled lifecycle rule filtering prefix 'daily/' with expiration.days; required at least 30 days, actual none.",
            "Backup bucket 'backups', tier 'weekly/': no enabled lifecycle rule filtering prefix 'weekly/' with expiration.days; required at least 84 days (12 weeks), actual none.",
        ]);
    });

    it("without config, still requires every tier rule with an expiration, whatever its length", async () => {
        const rules = withTier("daily", { expiration: { days: 1 } }).filter((r) => r.id !== "yearly");
        const v = single(await check(s3LifecycleRetention, bucketSet("backups", { props: backup, lifecycle: { rules } })));
        expect(v.text).toBe(
            "Backup bucket 'backups', tier 'yearly/': no enabled lifecycle rule filtering prefix 'yearly/' with expiration.days; required an expiration, actual none.",
        );
    });

    it("applies retention only to buckets tagged estate:role: backup", async () => {
        clean(await check(s3LifecycleRetention, bucketSet("data", { props: { tags: { "estate:role": "data" } } }), { config: prod }));
    });
});

describe("estate-s3-deny-insecure-transport", () => {
    const arn = "arn:aws:s3:::data";
    const withStatement = (change: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [{ ...tlsOnlyStatement(arn), ...change }] });
    const violation = async (policy: unknown, props: Record<string, unknown> = {}) => {
        const resources = bucketSet("data", { policy, props });
        const v = single(await check(s3DenyInsecureTransport, resources));
        expect(v.urn).toBe(byName(resources, "data-policy").urn);
        return v.text;
    };
    const prefix = "BucketPolicy 'data-policy' of S3 bucket 'data' does not deny requests made without TLS: statement 'DenyInsecureTransport': ";

    it("passes a JSON policy with the TLS-only statement", async () => {
        clean(await check(s3DenyInsecureTransport, bucketSet("data")));
    });

    it("passes a PolicyDocument object, Principal {AWS: *}, Action *, a boolean false, among other statements", async () => {
        const document = {
            Version: "2012-10-17",
            Statement: [
                { Sid: "ReadForApp", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/app" }, Action: "s3:GetObject", Resource: `${arn}/*` },
                { ...tlsOnlyStatement(arn), Principal: { AWS: ["*"] }, Action: ["*"], Condition: { Bool: { "aws:SecureTransport": false } } },
            ],
        };
        clean(await check(s3DenyInsecureTransport, bucketSet("data", { policy: document })));
    });

    it("checks the resources against the bucket's name when the engine shows it", async () => {
        clean(await check(s3DenyInsecureTransport, bucketSet("data", { props: { bucket: "data" } })));
        expect(await violation(tlsOnlyPolicy("arn:aws:s3:::other"), { bucket: "data" })).toBe(
            `${prefix}Resource does not include the bucket (arn:aws:s3:::data); Resource does not include its objects (arn:aws:s3:::data/*).`,
        );
    });

    it("fails a bucket without BucketPolicy, on the bucket", async () => {
        const resources = bucketSet("data", { policy: null });
        const v = single(await check(s3DenyInsecureTransport, resources));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe("S3 bucket 'data' has no BucketPolicy.");
    });

    it("fails a policy without any statement about TLS", async () => {
        const allowOnly = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:root" }, Action: "s3:*", Resource: `${arn}/*` }] });
        expect(await violation(allowOnly)).toBe(
            "BucketPolicy 'data-policy' of S3 bucket 'data' has no statement that denies requests made without TLS (Effect \"Deny\", " +
                'Principal "*", Action "s3:*", Resource the bucket and its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}).',
        );
    });

    it("fails a policy that is not JSON", async () => {
        expect(await violation("{not json")).toMatch(/^BucketPolicy 'data-policy' of S3 bucket 'data' cannot be checked: the policy is not valid JSON/);
    });

    it.each([
        ["Effect Allow", { Effect: "Allow" }, 'Effect is "Allow", not "Deny"'],
        ["a specific principal", { Principal: { AWS: "arn:aws:iam::123456789012:root" } }, 'Principal is {"AWS":"arn:aws:iam::123456789012:root"}, not "*"'],
        ["some actions only", { Action: ["s3:GetObject", "s3:PutObject"] }, 'Action ["s3:GetObject","s3:PutObject"] does not cover every S3 action ("s3:*")'],
        ["no bucket resource", { Resource: `${arn}/*` }, "Resource does not include the bucket (arn:aws:s3:::data)"],
        ["no object resource", { Resource: arn }, "Resource does not include its objects (arn:aws:s3:::data/*)"],
        [
            "two different buckets",
            { Resource: [arn, "arn:aws:s3:::other/*"] },
            "Resource does not name the same bucket for the bucket and its objects (arn:aws:s3:::data and arn:aws:s3:::data/*)",
        ],
        ["SecureTransport true", { Condition: { Bool: { "aws:SecureTransport": "true" } } }, 'Condition Bool aws:SecureTransport is "true", not "false"'],
        ["another operator", { Condition: { StringEquals: { "aws:SecureTransport": "false" } } }, "aws:SecureTransport is tested with StringEquals, not Bool"],
        [
            "a narrowing condition",
            { Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "123456789012" } } },
            "the Condition also tests StringEquals aws:PrincipalAccount, which narrows the denial",
        ],
    ])("fails a TLS statement with %s, naming the problem", async (_case, change, problem) => {
        expect(await violation(withStatement(change))).toBe(`${prefix}${problem}.`);
    });

    it("names every problem of the statement", async () => {
        expect(await violation(withStatement({ Effect: "Allow", Action: "s3:GetObject" }))).toBe(
            `${prefix}Effect is "Allow", not "Deny"; Action "s3:GetObject" does not cover every S3 action ("s3:*").`,
        );
    });

    it("cannot run in preview when the policy document is unknown", async () => {
        const report = await check(s3DenyInsecureTransport, bucketSet("data", { policy: UNKNOWN }), { config: { all: "mandatory" } });
        expect(report.violations).toEqual([
            expect.objectContaining({
                enforcementLevel: "advisory",
                message: "can't run policy 'estate-s3-deny-insecure-transport' during preview: string value at .policy can't be known during preview",
            }),
        ]);
    });

    it("in preview, still fails a statement that is wrong in its known fields though its Resource is unknown", async () => {
        const document = { Statement: [{ ...tlsOnlyStatement(arn), Effect: "Allow", Resource: [UNKNOWN, UNKNOWN] }] };
        expect(await violation(document)).toBe(`${prefix}Effect is "Allow", not "Deny".`);
    });

    it("in preview, cannot decide a statement that is right in its known fields but has an unknown Resource", async () => {
        const document = { Statement: [{ ...tlsOnlyStatement(arn), Resource: [UNKNOWN, UNKNOWN] }] };
        const report = await check(s3DenyInsecureTransport, bucketSet("data", { policy: document }));
        expect(report.violations).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy/) })]);
    });
});

describe("estate-s3-bucket-policy-public", () => {
    const arn = "arn:aws:s3:::data";
    const doc = (...statements: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement: [tlsOnlyStatement(arn), ...statements] });
    const publicRead = (extra: Record<string, unknown> = {}) => ({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*`, ...extra });
    const conflict =
        " It also conflicts with BucketPublicAccessBlock 'data-public-access-block' of the bucket: with blockPublicPolicy true " +
        "(estate-s3-public-access-block-remediation sets it and restrictPublicBuckets to true at level remediate), S3 rejects the " +
        "PutBucketPolicy with AccessDenied, and restrictPublicBuckets limits a public policy already in place to the bucket owner's " +
        "account and AWS services.";

    it("passes the estate's TLS-only policy: a Deny to Principal \"*\" grants nothing", async () => {
        clean(await check(s3BucketPolicyPublic, bucketSet("data")));
    });

    it.each([
        ["aws:SourceArn (CloudFront origin access control)", { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE" } }],
        ["aws:SourceVpce", { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
        ["aws:PrincipalOrgID", { StringEquals: { "aws:PrincipalOrgID": ["o-a1b2c3d4e5"] } }],
        ["aws:SourceAccount with ForAnyValue:", { "ForAnyValue:StringEquals": { "aws:SourceAccount": "123456789012" } }],
        ["aws:SourceIp no broader than /8", { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8", "2001:db8::/32"] } }],
        ["an access point of a fixed account", { ArnLike: { "s3:DataAccessPointArn": "arn:aws:s3:us-east-1:123456789012:accesspoint/*" } }],
        ["one narrowing key next to one that does not narrow", { Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:SourceVpc": "vpc-0a1b2c3d" } }],
    ])("passes Principal \"*\" restricted to fixed values of %s", async (_what, Condition) => {
        clean(await check(s3BucketPolicyPublic, bucketSet("data", { policy: JSON.stringify(doc(publicRead({ Condition }))) })));
    });

    it("passes named principals and service principals without a condition", async () => {
        const statement = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root", Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/*` };
        clean(await check(s3BucketPolicyPublic, bucketSet("data", { policy: doc(statement) })));
    });

    it("passes a condition value not known before deployment (a distribution's ARN in preview): it is a fixed value", async () => {
        const policy = doc(publicRead({ Condition: { StringEquals: { "aws:SourceArn": UNKNOWN } } }));
        clean(await check(s3BucketPolicyPublic, bucketSet("data", { policy })));
    });

    it("fails Principal \"*\" without a Condition, in a JSON string, naming the statement and the public access block it conflicts with", async () => {
        const resources = bucketSet("data", { policy: JSON.stringify(doc(publicRead())) });
        const v = single(await check(s3BucketPolicyPublic, resources));
        expect(v.urn).toBe(byName(resources, "data-policy").urn);
        expect(v.severity).toBe("critical");
        expect(v.text).toBe(
            "BucketPolicy 'data-policy' of S3 bucket 'data' grants public access: statement 'PublicRead' allows \"s3:GetObject\" to " +
                `Principal "*", and it has no Condition.${conflict}`,
        );
    });

    it("fails {AWS: \"*\"} and a principal list that includes \"*\", in a PolicyDocument object", async () => {
        const statements = [publicRead({ Sid: "A", Principal: { AWS: "*" } }), publicRead({ Sid: "B", Principal: { AWS: ["arn:aws:iam::123456789012:root", "*"] } })];
        const v = single(await check(s3BucketPolicyPublic, bucketSet("data", { policy: doc(...statements), publicAccessBlock: null })));
        expect(v.text).toBe(
            "BucketPolicy 'data-policy' of S3 bucket 'data' grants public access: statement 'A' allows \"s3:GetObject\" to Principal " +
                '{"AWS":"*"}, and it has no Condition | statement \'B\' allows "s3:GetObject" to Principal ' +
                '{"AWS":["arn:aws:iam::123456789012:root","*"]}, and it has no Condition.',
        );
    });

    it("fails an Allow with NotPrincipal (everyone but the listed) and NotAction", async () => {
        const statement = { Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, NotAction: "s3:DeleteObject", Resource: `${arn}/*` };
        const v = single(await check(s3BucketPolicyPublic, bucketSet("data", { policy: doc(statement), publicAccessBlock: null })));
        expect(v.text).toBe(
            "BucketPolicy 'data-policy' of S3 bucket 'data' grants public access: statement #2 allows every action but " +
                '"s3:DeleteObject" to everyone but NotPrincipal {"AWS":"arn:aws:iam::123456789012:root"}, and it has no Condition.',
        );
    });

    it.each([
        ["a wildcard value (the S3 guide's own public example)", { StringLike: { "aws:SourceVpc": "vpc-*" } }],
        ["a negated operator", { StringNotEquals: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
        ["...IfExists, true when the key is absent", { StringEqualsIfExists: { "aws:SourceVpce": "vpce-0a1b2c3d" } }],
        ["an aws:SourceIp block broader than /8", { IpAddress: { "aws:SourceIp": "0.0.0.0/1" } }],
        ["an IPv6 aws:SourceIp block broader than /32", { IpAddress: { "aws:SourceIp": "2001:db8::/31" } }],
        ["a key S3 does not count (aws:Referer)", { StringEquals: { "aws:Referer": "https://example.com/" } }],
        ["a policy variable", { StringEquals: { "aws:userid": "${aws:userid}" } }],
    ])("fails a Condition with %s", async (_what, Condition) => {
        const v = single(await check(s3BucketPolicyPublic, bucketSet("data", { policy: doc(publicRead({ Condition })), publicAccessBlock: null })));
        expect(v.text).toBe(
            "BucketPolicy 'data-policy' of S3 bucket 'data' grants public access: statement 'PublicRead' allows \"s3:GetObject\" to " +
                `Principal "*", and its Condition (${Object.keys(Condition).join(", ")}) does not restrict it to fixed values of a principal, ` +
                "aws:SourceIp, aws:SourceArn, aws:SourceAccount, aws:SourceVpc or aws:SourceVpce.",
        );
    });

    it("reports the conflict with the public access block after the remediation turned it on (both stacks' configs)", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const resources = bucketSet("data", { policy: JSON.stringify(doc(publicRead())), publicAccessBlock: { ...allBlocked, blockPublicPolicy: false, restrictPublicBuckets: false } });
            const report = await check([s3PublicAccessBlockRemediation, s3BucketPolicyPublic], resources, { config: packConfig(stack) });
            expect(report.remediations.map((r) => r.changes)).toEqual([["blockPublicPolicy: false -> true", "restrictPublicBuckets: false -> true"]]);
            expect(report.violations.map((v) => v.policy)).toEqual(["estate-s3-bucket-policy-public"]);
            expect(messagesOf(report)[0]).toMatch(/grants public access: .* It also conflicts with BucketPublicAccessBlock 'data-public-access-block' of the bucket/);
        }
    });

    it("fails the deprecated inline policy of a Bucket and a BucketV2, but judges a bucket with a BucketPolicy by that", async () => {
        const inlineDoc = JSON.stringify(doc(publicRead()));
        const legacy = fakeResource({ type: "aws:s3/bucketV2:BucketV2", name: "legacy", props: { policy: inlineDoc } });
        const [data, ...settings] = bucketSet("data", { props: { policy: inlineDoc } });
        const report = await check(s3BucketPolicyPublic, [legacy, data!, ...settings]);
        expect(report.violations.map((v) => v.urn)).toEqual([legacy.urn]);
        expect(messagesOf(report)).toEqual([
            "The deprecated inline policy of S3 bucket 'legacy' grants public access: statement 'PublicRead' allows \"s3:GetObject\" to Principal \"*\", and it has no Condition.",
        ]);
    });

    it("reports a policy document it cannot read", async () => {
        const v = single(await check(s3BucketPolicyPublic, bucketSet("data", { policy: "{not json" })));
        expect(v.text).toMatch(/^BucketPolicy 'data-policy' of S3 bucket 'data' cannot be checked for public access: the policy is not valid JSON/);
    });

    it("in a preview, does not read a bucket's inline policy that is unknown as a whole (its computed output)", async () => {
        const report = await check(s3BucketPolicyPublic, bucketSet("data", { policy: null, props: { policy: UNKNOWN } }));
        expect(report.violations).toEqual([]);
        expect(report.notApplicable).toEqual([{ policy: "estate-s3-bucket-policy-public", reason: "The stack has no BucketPolicy and no bucket with an inline policy." }]);
    });

    it("is not applicable to a stack without bucket policies", async () => {
        expect((await check(s3BucketPolicyPublic, bucketSet("data", { policy: null }))).notApplicable).toEqual([
            { policy: "estate-s3-bucket-policy-public", reason: "The stack has no BucketPolicy and no bucket with an inline policy." },
        ]);
    });
});

describe("estate-s3-bucket-encryption-kms and the deprecated inline encryption", () => {
    const kmsInline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true } };

    it("accepts an inline aws:kms configuration with a key on a Bucket, and on a BucketV2 (its plural shape)", async () => {
        clean(await check(s3BucketEncryptionKms, bucketSet("data", { encryption: null, props: { serverSideEncryptionConfiguration: kmsInline } })));
        const v2 = { serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }] }] }] };
        clean(await check(s3BucketEncryptionKms, [fakeResource({ type: "aws:s3/bucketV2:BucketV2", name: "legacy", props: v2 })]));
    });

    it("fails an inline AES256 configuration, saying it is the deprecated inline one", async () => {
        const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
        const resources = bucketSet("data", { encryption: null, props: { serverSideEncryptionConfiguration: inline } });
        const v = single(await check(s3BucketEncryptionKms, resources));
        expect(v.urn).toBe(resources[0]!.urn);
        expect(v.text).toBe(
            "S3 bucket 'data' has no BucketServerSideEncryptionConfiguration, and its deprecated inline serverSideEncryptionConfiguration " +
                "encrypts with 'AES256'; use 'aws:kms' or 'aws:kms:dsse' with a customer-managed key (AES256 is accepted only for a bucket " +
                "that receives access logs: the targetBucket of a BucketLogging, or tagged estate:role: access-logs).",
        );
    });

    it("fails an inline aws:kms configuration without a key", async () => {
        const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } };
        const v = single(await check(s3BucketEncryptionKms, bucketSet("data", { encryption: null, props: { serverSideEncryptionConfiguration: inline } })));
        expect(v.text).toBe(
            "S3 bucket 'data' has no BucketServerSideEncryptionConfiguration, and its deprecated inline serverSideEncryptionConfiguration " +
                "uses 'aws:kms' without a kmsMasterKeyId, so S3 encrypts with the AWS managed key aws/s3; set kmsMasterKeyId to a customer-managed key.",
        );
    });

    it("in a preview, reads an inline configuration unknown as a whole (a computed output) as none, without a can't-run note", async () => {
        const resources = bucketSet("data", { encryption: null, props: { serverSideEncryptionConfiguration: UNKNOWN } });
        const report = await check(s3BucketEncryptionKms, resources, { config: packConfig("prod") });
        expect(report.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
        expect(messagesOf(report)).toEqual(["S3 bucket 'data' has no BucketServerSideEncryptionConfiguration."]);
    });

    it("in a preview, accepts an inline aws:kms configuration whose key ARN is unknown", async () => {
        const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN } } };
        clean(await check(s3BucketEncryptionKms, bucketSet("data", { encryption: null, props: { serverSideEncryptionConfiguration: inline } })));
    });

    it("judges a bucket with a separate configuration by that, not by what its inline output reads back", async () => {
        const readBack = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
        clean(await check(s3BucketEncryptionKms, bucketSet("data", { props: { serverSideEncryptionConfiguration: readBack } })));
    });
});

describe("estate-s3-no-public-acl", () => {
    const [data] = bucketSet("data");
    const acl = (props: Record<string, unknown>) => attach(T.acl, "data-acl", data!, props);
    const grant = (uri: string, permission = "READ") => ({
        accessControlPolicy: {
            owner: { id: "owner" },
            grants: [
                { grantee: { type: "CanonicalUser", id: "owner" }, permission: "FULL_CONTROL" },
                { grantee: { type: "Group", uri }, permission },
            ],
        },
    });

    it("passes a private BucketAcl, a log-delivery grant and a bucket without inline ACL", async () => {
        const logDelivery = grant("http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE");
        const report = await check(s3NoPublicAcl, [data!, acl({ acl: "private" }), attach(T.acl, "logs-acl", data!, logDelivery)]);
        clean(report);
    });

    it.each([
        ["public-read", "READ to everyone (AllUsers)"],
        ["public-read-write", "READ and WRITE to everyone (AllUsers)"],
        ["authenticated-read", "READ to every AWS account (AuthenticatedUsers)"],
    ])("fails a BucketAcl with the canned ACL %s", async (canned, whom) => {
        const resource = acl({ acl: canned });
        const v = single(await check(s3NoPublicAcl, [resource]));
        expect(v.urn).toBe(resource.urn);
        expect(v.text).toBe(`BucketAcl 'data-acl' makes the bucket public: the canned ACL '${canned}' grants ${whom}.`);
        expect(v.severity).toBe("critical");
    });

    it.each([
        ["http://acs.amazonaws.com/groups/global/AllUsers", "everyone (AllUsers)"],
        ["http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "every AWS account (AuthenticatedUsers)"],
    ])("fails a BucketAcl grant to %s", async (uri, whom) => {
        const resource = acl(grant(uri, "WRITE"));
        const v = single(await check(s3NoPublicAcl, [resource]));
        expect(v.urn).toBe(resource.urn);
        expect(v.text).toBe(`BucketAcl 'data-acl' makes the bucket public: it grants WRITE to ${whom}.`);
    });

    it("fails the deprecated BucketAclV2 and BucketV2 as well", async () => {
        const aclV2 = attach("aws:s3/bucketAclV2:BucketAclV2", "data-acl-v2", data!, { acl: "public-read" });
        const bucketV2 = fakeResource({ type: "aws:s3/bucketV2:BucketV2", name: "site-v2", props: { acl: "public-read-write" } });
        const report = await check(s3NoPublicAcl, [aclV2, bucketV2]);
        expect(report.violations.map((v) => v.urn)).toEqual([aclV2.urn, bucketV2.urn]);
        expect(messagesOf(report)).toEqual([
            "BucketAclV2 'data-acl-v2' makes the bucket public: the canned ACL 'public-read' grants READ to everyone (AllUsers).",
            "S3 bucket 'site-v2' is public through its deprecated inline ACL: the canned ACL 'public-read-write' grants READ and WRITE to everyone (AllUsers).",
        ]);
    });

    it("fails the deprecated inline canned ACL of a Bucket", async () => {
        const resource = bucket("site", { acl: "public-read" });
        const v = single(await check(s3NoPublicAcl, [resource]));
        expect(v.urn).toBe(resource.urn);
        expect(v.text).toBe("S3 bucket 'site' is public through its deprecated inline ACL: the canned ACL 'public-read' grants READ to everyone (AllUsers).");
    });

    it("fails the deprecated inline grants of a Bucket", async () => {
        const resource = bucket("site", { grants: [{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers", permissions: ["READ", "READ_ACP"] }] });
        expect(single(await check(s3NoPublicAcl, [resource])).text).toBe(
            "S3 bucket 'site' is public through its deprecated inline ACL: it grants READ, READ_ACP to everyone (AllUsers).",
        );
    });

    it("is not applicable to other resource types", async () => {
        const key = fakeResource({ type: T.key, name: "key", props: {} });
        expect(await check(s3NoPublicAcl, [key])).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [
                {
                    policy: "estate-s3-no-public-acl",
                    urn: key.urn,
                    reason: "Policy only applies to S3 buckets and bucket ACLs (aws:s3/bucketAcl:BucketAcl, aws:s3/bucket:Bucket, and their V2 variants)",
                },
            ],
        });
    });
});
