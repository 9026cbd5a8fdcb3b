/**
 * S3 policies. With `@pulumi/aws` v7 a bucket's encryption, versioning, public access block,
 * lifecycle, policy and logging are separate resources that take the bucket's id; the rules about
 * them are stack policies that join those resources to the `aws:s3/bucket:Bucket` through the
 * engine's property dependencies (see `lib/stack.ts`). The deprecated inline settings of
 * `aws.s3.Bucket` are not accepted in their place, except the inline encryption configuration,
 * which still encrypts the bucket and is checked like the separate resource.
 */
import * as aws from "@pulumi/aws";
import { remediateResourceOfType, type PolicyResource, type ReportViolation, type StackValidationArgs } from "@pulumi/policy";
import { asList, isEveryone, isRecord, parsePolicyDocument, publicGrants, statementLabel, type Statement } from "../lib/iam";
import { awsConfigRule, checkov, type EstateResourcePolicy, type EstateStackPolicy, awsGuard } from "../lib/policy";
import { isSet } from "../lib/props";
import { attachedTo, label, ofType, propsAs, referencedThrough, typeTokenOf } from "../lib/stack";
import { forEachDeferringUnknowns, isUnknownValueError, peek, UNKNOWN } from "../lib/unknowns";

/**
 * The classes of each kind of S3 resource. v7 keeps deprecated `...V2` variants, with their own
 * type tokens and the same shape; they count, so that using one neither escapes a rule nor fails it.
 */
const S3 = {
    bucket: [aws.s3.Bucket, aws.s3.BucketV2],
    encryption: [aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketServerSideEncryptionConfigurationV2],
    versioning: [aws.s3.BucketVersioning, aws.s3.BucketVersioningV2],
    publicAccessBlock: [aws.s3.BucketPublicAccessBlock],
    lifecycle: [aws.s3.BucketLifecycleConfiguration, aws.s3.BucketLifecycleConfigurationV2],
    policy: [aws.s3.BucketPolicy],
    logging: [aws.s3.BucketLogging, aws.s3.BucketLoggingV2],
} as const;

/** The bucket tag that tells policies what a bucket is for. */
export const ROLE_TAG = "estate:role";
/** `estate:role` of a bucket that holds backups: its lifecycle must keep each tier long enough. */
export const BACKUP_ROLE = "backup";
/** `estate:role` of a bucket that receives access logs (S3, ALB, CloudFront): SSE-S3 is accepted. */
export const ACCESS_LOGS_ROLE = "access-logs";

/** The buckets of the stack; the policy does not apply to a stack without one. */
function bucketsOf(args: StackValidationArgs): PolicyResource[] {
    const buckets = ofType(args.resources, S3.bucket);
    if (buckets.length === 0) {
        args.notApplicable("The stack has no aws:s3/bucket:Bucket.");
    }
    return buckets;
}

/** The bucket's `estate:role` tag (reading it throws in preview only if the tags are unknown). */
function roleOf(bucket: PolicyResource): string | undefined {
    const tags = propsAs(bucket, aws.s3.Bucket).tags;
    return isRecord(tags) ? (tags[ROLE_TAG] as string | undefined) : undefined;
}

// ------------------------------------------------------------------------------------------------
// Encryption
// ------------------------------------------------------------------------------------------------

const KMS_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse"]);

/** Whether the bucket receives access logs, which S3 and ELB cannot write to an SSE-KMS bucket. */
function receivesAccessLogs(bucket: PolicyResource, resources: readonly PolicyResource[]): boolean {
    return attachedTo(bucket, resources, S3.logging, "targetBucket").length > 0 || roleOf(bucket) === ACCESS_LOGS_ROLE;
}

export const s3BucketEncryptionKms: EstateStackPolicy = {
    name: "estate-s3-bucket-encryption-kms",
    checks:
        "Every S3 bucket has a BucketServerSideEncryptionConfiguration (or, without one, a deprecated inline serverSideEncryptionConfiguration) whose default rule uses aws:kms or aws:kms:dsse with a kmsMasterKeyId; AES256 passes only for a bucket that receives access logs (a BucketLogging target or tagged estate:role: access-logs).",
    description:
        "S3 buckets must encrypt new objects by default with a customer-managed KMS key (SSE-KMS or DSSE-KMS): reading " +
        "the data then also requires kms:Decrypt on a key the estate controls, every use is logged in CloudTrail, and " +
        "access can be cut off by the key policy. A bucket that receives access logs is the exception and uses SSE-S3 " +
        "(AES256), because S3 server access logging and load balancer logs cannot be delivered to an SSE-KMS bucket.",
    remediationSteps:
        "Add an aws.s3.BucketServerSideEncryptionConfiguration with `bucket: bucket.id` and the rule " +
        '`{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }` ' +
        "where `key` is an aws.kms.Key with rotation enabled. A bucket that receives access logs (the `targetBucket` of an " +
        'aws.s3.BucketLogging, or tagged `estate:role: access-logs`) uses `sseAlgorithm: "AES256"` instead. The deprecated ' +
        "inline `serverSideEncryptionConfiguration` of aws.s3.Bucket is checked the same way when the bucket has no separate " +
        "configuration; prefer moving it to the separate resource.",
    severity: "high",
    tags: ["aws", "s3", checkov("CKV_AWS_145"), awsConfigRule("s3-default-encryption-kms"), awsGuard("S3_DEFAULT_ENCRYPTION_KMS")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        forEachDeferringUnknowns(bucketsOf(args), (bucket) => {
            const configs = attachedTo(bucket, resources, S3.encryption, "bucket");
            const sources: EncryptionSource[] = configs.map((config) => ({
                where: `${label(config)} of S3 bucket '${bucket.name}'`,
                urn: config.urn,
                defaults: (propsAs(config, aws.s3.BucketServerSideEncryptionConfiguration).rules ?? []).map((rule) => rule.applyServerSideEncryptionByDefault),
            }));
            if (sources.length === 0) {
                // The deprecated inline configuration still encrypts the bucket (@pulumi/aws 7 keeps it on
                // aws.s3.Bucket and BucketV2); it counts only where no separate resource exists, whose
                // settings the bucket's own output may read back before they apply.
                const inline = inlineEncryptionDefaults(bucket);
                if (inline === undefined) {
                    report(`S3 bucket '${bucket.name}' has no BucketServerSideEncryptionConfiguration.`, bucket.urn);
                    return;
                }
                sources.push({
                    where: `S3 bucket '${bucket.name}' has no BucketServerSideEncryptionConfiguration, and its deprecated inline serverSideEncryptionConfiguration`,
                    urn: bucket.urn,
                    defaults: inline,
                });
            }
            for (const source of sources) {
                checkEncryptionDefaults(source, bucket, resources, report);
            }
        });
    },
};

/** Where a bucket's default encryption is set, and its `applyServerSideEncryptionByDefault` blocks as written. */
interface EncryptionSource {
    where: string;
    urn: string;
    defaults: unknown[];
}

/**
 * The default-encryption blocks of a bucket's deprecated inline configuration, or `undefined` when it
 * has none. The shapes differ: aws.s3.Bucket has `serverSideEncryptionConfiguration.rule
 * .applyServerSideEncryptionByDefault`, aws.s3.BucketV2 `serverSideEncryptionConfigurations[].rules[]
 * .applyServerSideEncryptionByDefaults[]` (@pulumi/aws 7 types/input.d.ts).
 */
function inlineEncryptionDefaults(bucket: PolicyResource): unknown[] | undefined {
    // Unknown as a whole, it is the computed output of a bucket being created in a preview, not a
    // configuration the program wrote (a written one is known, even when its key ARN is not).
    if (bucket.isType(aws.s3.BucketV2)) {
        const configs = peek(() => propsAs(bucket, aws.s3.BucketV2).serverSideEncryptionConfigurations);
        if (configs === UNKNOWN || asList(configs).length === 0) {
            return undefined;
        }
        return asList(configs)
            .flatMap((c) => (isRecord(c) ? asList(c.rules) : []))
            .flatMap((r) => (isRecord(r) ? asList(r.applyServerSideEncryptionByDefaults) : []));
    }
    const config = peek(() => propsAs(bucket, aws.s3.Bucket).serverSideEncryptionConfiguration);
    if (config === UNKNOWN || !isRecord(config)) {
        return undefined;
    }
    return [isRecord(config.rule) ? config.rule.applyServerSideEncryptionByDefault : undefined];
}

/** Reports what keeps one source's default encryption from SSE-KMS with a customer-managed key. */
function checkEncryptionDefaults(source: EncryptionSource, bucket: PolicyResource, resources: readonly PolicyResource[], report: ReportViolation): void {
    const { where, urn } = source;
    const defaults = source.defaults.filter((d): d is Record<string, unknown> => isRecord(d));
    if (defaults.length === 0) {
        report(`${where} has no default encryption rule (applyServerSideEncryptionByDefault).`, urn);
        return;
    }
    for (const byDefault of defaults) {
        const algorithm = byDefault.sseAlgorithm;
        if (typeof algorithm === "string" && KMS_ALGORITHMS.has(algorithm)) {
            // Only the presence of the key matters: its ARN is unknown in a preview.
            const key = "kmsMasterKeyId" in byDefault ? peek(() => byDefault.kmsMasterKeyId) : undefined;
            if (key !== UNKNOWN && (typeof key !== "string" || key === "")) {
                report(
                    `${where} uses '${algorithm}' without a kmsMasterKeyId, so S3 encrypts with the AWS managed key ` +
                        "aws/s3; set kmsMasterKeyId to a customer-managed key.",
                    urn,
                );
            }
        } else if (algorithm === "AES256" && receivesAccessLogs(bucket, resources)) {
            // An access log target: SSE-S3 is the only encryption log delivery supports.
        } else {
            const used = typeof algorithm === "string" ? `encrypts with '${algorithm}'` : "sets no sseAlgorithm";
            report(
                `${where} ${used}; use 'aws:kms' or 'aws:kms:dsse' with a customer-managed ` +
                    "key (AES256 is accepted only for a bucket that receives access logs: the targetBucket of a " +
                    `BucketLogging, or tagged ${ROLE_TAG}: ${ACCESS_LOGS_ROLE}).`,
                urn,
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Versioning
// ------------------------------------------------------------------------------------------------

export const s3BucketVersioning: EstateStackPolicy = {
    name: "estate-s3-bucket-versioning",
    checks:
        "Every S3 bucket has a BucketVersioning with status Enabled.",
    description:
        "S3 buckets must have versioning enabled, so that an object overwritten or deleted by mistake, by a faulty " +
        "deployment or by ransomware can be recovered from its previous version; replication and object lock also " +
        "require it.",
    remediationSteps:
        'Add an aws.s3.BucketVersioning with `bucket: bucket.id` and `versioningConfiguration: { status: "Enabled" }`. ' +
        "Pair it with a lifecycle rule that expires noncurrent versions so old versions do not accumulate forever.",
    severity: "medium",
    tags: ["aws", "s3", checkov("CKV_AWS_21"), awsConfigRule("s3-bucket-versioning-enabled"), awsGuard("S3_BUCKET_VERSIONING_ENABLED")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        forEachDeferringUnknowns(bucketsOf(args), (bucket) => {
            const versionings = attachedTo(bucket, resources, S3.versioning, "bucket");
            if (versionings.length === 0) {
                report(`S3 bucket '${bucket.name}' has no BucketVersioning.`, bucket.urn);
                return;
            }
            for (const versioning of versionings) {
                const status = propsAs(versioning, aws.s3.BucketVersioning).versioningConfiguration?.status;
                if (status !== "Enabled") {
                    report(
                        `${label(versioning)} of S3 bucket '${bucket.name}' sets versioning status ` +
                            `${status === undefined ? "(none)" : `'${status}'`}; it must be 'Enabled'.`,
                        versioning.urn,
                    );
                }
            }
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Public access block
// ------------------------------------------------------------------------------------------------

const PUBLIC_ACCESS_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

export const s3PublicAccessBlock: EstateStackPolicy = {
    name: "estate-s3-public-access-block",
    checks:
        "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    description:
        "Every S3 bucket must block public access with all four settings, so that no ACL or bucket policy, " +
        "present or added later by mistake, can make its objects readable or writable from the internet.",
    remediationSteps:
        "Add an aws.s3.BucketPublicAccessBlock with `bucket: bucket.id` and blockPublicAcls, blockPublicPolicy, " +
        "ignorePublicAcls and restrictPublicBuckets all set to true. Serve public content through CloudFront with " +
        "origin access control instead of opening the bucket.",
    severity: "high",
    tags: [
        "aws",
        "s3",
        checkov("CKV2_AWS_6"),
        checkov("CKV_AWS_53"),
        checkov("CKV_AWS_54"),
        checkov("CKV_AWS_55"),
        checkov("CKV_AWS_56"),
        awsConfigRule("s3-bucket-level-public-access-prohibited"),
        awsGuard("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"),
    ],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        forEachDeferringUnknowns(bucketsOf(args), (bucket) => {
            const blocks = attachedTo(bucket, resources, S3.publicAccessBlock, "bucket");
            if (blocks.length === 0) {
                report(`S3 bucket '${bucket.name}' has no BucketPublicAccessBlock.`, bucket.urn);
                return;
            }
            for (const block of blocks) {
                const settings = propsAs(block, aws.s3.BucketPublicAccessBlock);
                const off = PUBLIC_ACCESS_SETTINGS.flatMap((setting) => {
                    const value = settings[setting];
                    if (value === true) {
                        return [];
                    }
                    return [value === undefined ? `${setting} is not set` : `${setting} is ${JSON.stringify(value)}`];
                });
                if (off.length > 0) {
                    report(
                        `${label(block)} of S3 bucket '${bucket.name}' does not block all public access: ${off.join(", ")}; ` +
                            "all four settings must be true.",
                        block.urn,
                    );
                }
            }
        });
    },
};

export const s3PublicAccessBlockRemediation: EstateResourcePolicy = {
    name: "estate-s3-public-access-block-remediation",
    checks:
        "Remediation only: on every BucketPublicAccessBlock, sets blockPublicAcls, blockPublicPolicy, ignorePublicAcls and " +
        "restrictPublicBuckets to true where one is not. It cannot add a missing BucketPublicAccessBlock (estate-s3-public-access-block reports that). " +
        "It does not hide a public bucket policy on the same bucket, which S3 would then reject: estate-s3-bucket-policy-public reports that conflict.",
    description:
        "A BucketPublicAccessBlock exists only to block public access: one with a setting left false or unset is a mistake with " +
        "one safe fix, turning it on, which changes the resource in place and removes no access the pack allows.",
    remediationSteps:
        "Nothing to do at level `remediate`: the engine sets the four settings to true before it validates. To stop the " +
        "remediation, set the policy to advisory or disabled in policies/config/<stack>.json; estate-s3-public-access-block still reports the settings.",
    severity: "high",
    tags: ["aws", "s3", "remediation"],
    remediateResource: remediateResourceOfType(aws.s3.BucketPublicAccessBlock, (block) => {
        const off = PUBLIC_ACCESS_SETTINGS.filter((setting) => block[setting] !== true);
        if (off.length === 0) {
            return undefined;
        }
        for (const setting of off) {
            block[setting] = true;
        }
        return block;
    }),
};

// ------------------------------------------------------------------------------------------------
// Lifecycle and backup retention
// ------------------------------------------------------------------------------------------------

/** The retention objective of backup buckets, per tier (policy config `retention`). */
export interface RetentionObjective {
    dailyDays: number;
    weeklyWeeks: number;
    monthlyMonths: number;
    yearlyYears: number;
}

export interface LifecycleRetentionConfig {
    retention?: RetentionObjective;
}

/**
 * The tiers of a backup bucket, by key prefix. Objectives in weeks, months and years convert to
 * days with the longest calendar length (31-day months, 366-day years), so that an expiration that
 * meets the objective in days never deletes a backup before the objective in calendar time.
 */
export const BACKUP_TIERS = [
    { prefix: "daily/", objective: "dailyDays", daysPerUnit: 1, unit: "day" },
    { prefix: "weekly/", objective: "weeklyWeeks", daysPerUnit: 7, unit: "week" },
    { prefix: "monthly/", objective: "monthlyMonths", daysPerUnit: 31, unit: "month" },
    { prefix: "yearly/", objective: "yearlyYears", daysPerUnit: 366, unit: "year" },
] as const;

export type BackupTier = (typeof BACKUP_TIERS)[number];

/** The minimum expiration, in days, of a tier under an objective. */
export function requiredDays(objective: RetentionObjective, tier: BackupTier): number {
    return objective[tier.objective] * tier.daysPerUnit;
}

function describeObjective(objective: RetentionObjective, tier: BackupTier): string {
    const count = objective[tier.objective];
    const required = requiredDays(objective, tier);
    const inUnits = tier.unit === "day" ? "" : ` (${count} ${tier.unit}${count === 1 ? "" : "s"})`;
    return `at least ${required} days${inUnits}`;
}

type LifecycleRule = aws.types.output.s3.BucketLifecycleConfigurationRule;

/** Which objects a rule applies to: a key prefix, and whether tags or sizes narrow it further. */
function scopeOf(rule: LifecycleRule): { prefix: string; narrowed: boolean } {
    const filter = isRecord(rule.filter) ? rule.filter : undefined;
    const and = isRecord(filter?.and) ? filter.and : undefined;
    // Provider state fills unset sizes with 0 and unset prefixes with "": neither narrows a rule.
    const sized = (n: unknown) => typeof n === "number" && n > 0;
    const tagged = (t: unknown) => isRecord(t) && Object.keys(t).length > 0;
    const narrowed =
        tagged(filter?.tag) ||
        sized(filter?.objectSizeGreaterThan) ||
        sized(filter?.objectSizeLessThan) ||
        tagged(and?.tags) ||
        sized(and?.objectSizeGreaterThan) ||
        sized(and?.objectSizeLessThan);
    const prefix = [and?.prefix, filter?.prefix, rule.prefix].find((p): p is string => typeof p === "string" && p !== "") ?? "";
    return { prefix, narrowed };
}

function isEnabled(rule: LifecycleRule): boolean {
    return rule.status === "Enabled";
}

function expirationDays(rule: LifecycleRule): number | undefined {
    const days = rule.expiration?.days;
    return typeof days === "number" && days > 0 ? days : undefined;
}

export const s3LifecycleRetention: EstateStackPolicy = {
    name: "estate-s3-lifecycle-retention",
    checks:
        "Every S3 bucket has a BucketLifecycleConfiguration with an enabled whole-bucket rule that aborts incomplete multipart uploads; a bucket tagged estate:role: backup also has an enabled expiration rule per tier prefix (daily/, weekly/, monthly/, yearly/), and no rule expires a tier before the configured retention.",
    description:
        "Every S3 bucket must have a lifecycle configuration that aborts incomplete multipart uploads, whose parts are " +
        "invisible but billed forever. Backup buckets (tagged estate:role: backup) must also expire each tier " +
        "(daily/, weekly/, monthly/, yearly/) no earlier than the stack's retention objective, so backups are neither " +
        "deleted before the restore window promised nor kept (and paid for) indefinitely.",
    remediationSteps:
        "Add an aws.s3.BucketLifecycleConfiguration with `bucket: bucket.id` and an enabled rule for the whole bucket " +
        "(`filter: {}`, no prefix, tag or size filter) that sets `abortIncompleteMultipartUpload: { daysAfterInitiation: 7 }`. For a backup bucket, add " +
        "one enabled rule per tier with `filter: { prefix: \"daily/\" }` (and weekly/, monthly/, yearly/) and " +
        "`expiration: { days: N }`, N at least the objective in days (week = 7, month = 31, year = 366 days), and make " +
        "sure no other rule expires those prefixes sooner. The objective is the policy config `retention` " +
        "(policies/config/<stack>.json).",
    severity: "medium",
    tags: ["aws", "s3", "backup", checkov("CKV2_AWS_61"), checkov("CKV_AWS_300"), awsConfigRule("s3-lifecycle-policy-check")],
    configSchema: {
        properties: {
            retention: {
                type: "object",
                description: "Retention objective of backup buckets (tagged estate:role: backup), per tier.",
                properties: {
                    dailyDays: { type: "integer", minimum: 1, description: "Days to keep each daily/ backup." },
                    weeklyWeeks: { type: "integer", minimum: 1, description: "Weeks to keep each weekly/ backup (7 days each)." },
                    monthlyMonths: { type: "integer", minimum: 1, description: "Months to keep each monthly/ backup (31 days each)." },
                    yearlyYears: { type: "integer", minimum: 1, description: "Years to keep each yearly/ backup (366 days each)." },
                },
                required: ["dailyDays", "weeklyWeeks", "monthlyMonths", "yearlyYears"],
                additionalProperties: false,
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        const objective = args.getConfig<LifecycleRetentionConfig>().retention;
        forEachDeferringUnknowns(bucketsOf(args), (bucket) => {
            const configs = attachedTo(bucket, resources, S3.lifecycle, "bucket");
            if (configs.length === 0) {
                report(`S3 bucket '${bucket.name}' has no BucketLifecycleConfiguration.`, bucket.urn);
                return;
            }
            const [first] = configs;
            const rules = configs
                .flatMap((c) => propsAs(c, aws.s3.BucketLifecycleConfiguration).rules ?? [])
                .filter(isRecord) as LifecycleRule[];
            const enabled = rules.filter(isEnabled);

            const abortsUploads = enabled.some((rule) => {
                const scope = scopeOf(rule);
                const days = rule.abortIncompleteMultipartUpload?.daysAfterInitiation;
                return scope.prefix === "" && !scope.narrowed && typeof days === "number" && days > 0;
            });
            if (!abortsUploads) {
                report(
                    `S3 bucket '${bucket.name}' has no enabled lifecycle rule that aborts incomplete multipart uploads ` +
                        "for the whole bucket (no prefix or tag filter, abortIncompleteMultipartUpload.daysAfterInitiation).",
                    first?.urn ?? bucket.urn,
                );
            }

            if (roleOf(bucket) !== BACKUP_ROLE) {
                return;
            }
            for (const tier of BACKUP_TIERS) {
                const where = `Backup bucket '${bucket.name}', tier '${tier.prefix}'`;
                const required = objective ? describeObjective(objective, tier) : undefined;
                const tierRules = enabled.filter((rule) => {
                    const scope = scopeOf(rule);
                    return scope.prefix === tier.prefix && !scope.narrowed && expirationDays(rule) !== undefined;
                });
                if (tierRules.length === 0) {
                    report(
                        `${where}: no enabled lifecycle rule filtering prefix '${tier.prefix}' with expiration.days; ` +
                            (required ? `required ${required}, actual none.` : "required an expiration, actual none."),
                        first?.urn ?? bucket.urn,
                    );
                    continue;
                }
                if (!objective) {
                    continue;
                }
                const minimum = requiredDays(objective, tier);
                for (const rule of enabled) {
                    const scope = scopeOf(rule);
                    const overlaps = tier.prefix.startsWith(scope.prefix) || scope.prefix.startsWith(tier.prefix);
                    if (!overlaps) {
                        continue;
                    }
                    const days = expirationDays(rule);
                    const ruleName = tierRules.includes(rule) ? `rule '${rule.id}'` : `rule '${rule.id}' (prefix '${scope.prefix}')`;
                    if (days !== undefined && days < minimum) {
                        report(`${where}: ${ruleName} expires objects after ${days} days; required ${required}.`, first?.urn ?? bucket.urn);
                    } else if (typeof rule.expiration?.date === "string" && rule.expiration.date !== "") {
                        report(
                            `${where}: ${ruleName} expires objects on the fixed date ${rule.expiration.date}; required ${required}.`,
                            first?.urn ?? bucket.urn,
                        );
                    }
                }
            }
        });
    },
};

// ------------------------------------------------------------------------------------------------
// TLS-only bucket policy
// ------------------------------------------------------------------------------------------------

/** An S3 bucket ARN (any partition), or with `/*` the ARN of all its objects. */
const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)(\/\*)?$/;
const SECURE_TRANSPORT = "aws:securetransport";

/** The bucket's name, where the engine shows it and it is known; `undefined` otherwise. */
function knownBucketName(bucket: PolicyResource): string | undefined {
    const props = propsAs(bucket, aws.s3.Bucket);
    const name = peek(() => props.bucket);
    if (typeof name === "string" && name !== "") {
        return name;
    }
    const arn = peek(() => props.arn);
    const match = typeof arn === "string" ? S3_ARN.exec(arn) : null;
    return match && !match[2] ? match[1] : undefined;
}

function mentionsSecureTransport(statement: Statement): boolean {
    const condition = statement.Condition;
    return (
        isRecord(condition) &&
        Object.values(condition).some((tests) => isRecord(tests) && Object.keys(tests).some((k) => k.toLowerCase() === SECURE_TRANSPORT))
    );
}

function isFalse(value: unknown): boolean {
    const values = asList(value);
    return values.length === 1 && (values[0] === false || values[0] === "false");
}

/** What keeps a statement from denying every request made without TLS to the bucket and its objects. */
function tlsProblems(statement: Statement, bucketName: string | undefined): string[] {
    const problems: string[] = [];
    if (statement.Effect !== "Deny") {
        problems.push(`Effect is ${JSON.stringify(statement.Effect ?? null)}, not "Deny"`);
    }
    if ("NotPrincipal" in statement) {
        problems.push("it uses NotPrincipal instead of Principal \"*\"");
    } else if (!isEveryone(statement.Principal)) {
        problems.push(`Principal is ${JSON.stringify(statement.Principal ?? null)}, not "*"`);
    }
    if ("NotAction" in statement) {
        problems.push('it uses NotAction instead of Action "s3:*"');
    } else if (!asList(statement.Action).some((a) => typeof a === "string" && (a === "*" || a.toLowerCase() === "s3:*"))) {
        problems.push(`Action ${JSON.stringify(statement.Action ?? null)} does not cover every S3 action ("s3:*")`);
    }
    problems.push(...conditionProblems(statement.Condition));
    // Resource comes last: in a preview it is usually built from the bucket's unknown ARN, and the
    // statement may already be ruled out without it.
    try {
        problems.push(...resourceProblems(statement, bucketName));
    } catch (err) {
        if (!isUnknownValueError(err) || problems.length === 0) {
            throw err;
        }
    }
    return problems;
}

function conditionProblems(condition: unknown): string[] {
    if (!isRecord(condition)) {
        return ['there is no Condition {"Bool": {"aws:SecureTransport": "false"}}'];
    }
    const problems: string[] = [];
    const others: string[] = [];
    let tested = false;
    for (const [operator, tests] of Object.entries(condition)) {
        for (const [key, value] of Object.entries(isRecord(tests) ? tests : {})) {
            if (key.toLowerCase() !== SECURE_TRANSPORT) {
                others.push(`${operator} ${key}`);
                continue;
            }
            tested = true;
            if (operator !== "Bool") {
                problems.push(`aws:SecureTransport is tested with ${operator}, not Bool`);
            } else if (!isFalse(value)) {
                problems.push(`Condition Bool aws:SecureTransport is ${JSON.stringify(value)}, not "false"`);
            }
        }
    }
    if (!tested) {
        problems.push("the Condition does not test aws:SecureTransport");
    }
    if (others.length > 0) {
        problems.push(`the Condition also tests ${others.join(", ")}, which narrows the denial`);
    }
    return problems;
}

function resourceProblems(statement: Statement, bucketName: string | undefined): string[] {
    if ("NotResource" in statement) {
        return ["it uses NotResource instead of Resource"];
    }
    const bucketArns = new Set<string>();
    const objectArns = new Set<string>();
    for (const resource of asList(statement.Resource)) {
        const match = typeof resource === "string" ? S3_ARN.exec(resource) : null;
        if (match?.[1] && (bucketName === undefined || match[1] === bucketName)) {
            (match[2] ? objectArns : bucketArns).add(match[1]);
        }
    }
    if ([...bucketArns].some((name) => objectArns.has(name))) {
        return [];
    }
    const shownName = bucketName ?? [...bucketArns, ...objectArns][0] ?? "<bucket>";
    const bucketArn = `arn:aws:s3:::${shownName}`;
    const problems: string[] = [];
    if (bucketArns.size === 0) {
        problems.push(`Resource does not include the bucket (${bucketArn})`);
    }
    if (objectArns.size === 0) {
        problems.push(`Resource does not include its objects (${bucketArn}/*)`);
    }
    if (problems.length === 0) {
        problems.push(`Resource does not name the same bucket for the bucket and its objects (${bucketArn} and ${bucketArn}/*)`);
    }
    return problems;
}

/** Checks one bucket policy: silent when one statement denies insecure transport, a violation otherwise. */
function checkTlsPolicy(policy: PolicyResource, bucket: PolicyResource, bucketName: string | undefined, report: ReportViolation): void {
    const where = `${label(policy)} of S3 bucket '${bucket.name}'`;
    // `policy` is a JSON string, or an object when the program passed a PolicyDocument literal.
    const document = parsePolicyDocument(propsAs(policy, aws.s3.BucketPolicy).policy as unknown);
    if ("error" in document) {
        report(`${where} cannot be checked: ${document.error}.`, policy.urn);
        return;
    }
    let unknown: unknown;
    const findings: string[] = [];
    for (const [index, statement] of document.statements.entries()) {
        let problems: string[];
        try {
            problems = tlsProblems(statement, bucketName);
        } catch (err) {
            if (!isUnknownValueError(err)) {
                throw err;
            }
            unknown ??= err;
            continue;
        }
        if (problems.length === 0) {
            return;
        }
        if (mentionsSecureTransport(statement)) {
            findings.push(`${statementLabel(statement, index)}: ${problems.join("; ")}`);
        }
    }
    if (unknown !== undefined) {
        // A statement that could not be read may be the compliant one.
        throw unknown;
    }
    report(
        findings.length > 0
            ? `${where} does not deny requests made without TLS: ${findings.join(" | ")}.`
            : `${where} has no statement that denies requests made without TLS (Effect "Deny", Principal "*", ` +
                  'Action "s3:*", Resource the bucket and its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}).',
        policy.urn,
    );
}

export const s3DenyInsecureTransport: EstateStackPolicy = {
    name: "estate-s3-deny-insecure-transport",
    checks:
        "Every S3 bucket has a BucketPolicy with a statement that denies s3:* to Principal \"*\" on the bucket and its objects when aws:SecureTransport is false, with no other condition.",
    description:
        "Every S3 bucket must have a bucket policy that denies any request made without TLS, so that no client, SDK " +
        "misconfiguration or plain-HTTP endpoint can send or receive the bucket's data unencrypted on the network.",
    remediationSteps:
        "Add an aws.s3.BucketPolicy with `bucket: bucket.id` whose policy has the statement " +
        '`{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket.arn, ' +
        'pulumi.interpolate`${bucket.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }` ' +
        "(as a JSON string with pulumi.jsonStringify, or as a PolicyDocument object). Do not add further conditions to " +
        "that statement.",
    severity: "high",
    tags: ["aws", "s3", awsConfigRule("s3-bucket-ssl-requests-only"), awsGuard("S3_BUCKET_SSL_REQUESTS_ONLY")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        forEachDeferringUnknowns(bucketsOf(args), (bucket) => {
            const policies = attachedTo(bucket, resources, S3.policy, "bucket");
            if (policies.length === 0) {
                report(`S3 bucket '${bucket.name}' has no BucketPolicy.`, bucket.urn);
                return;
            }
            const bucketName = knownBucketName(bucket);
            forEachDeferringUnknowns(policies, (policy) => checkTlsPolicy(policy, bucket, bucketName, report));
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Public bucket policies
// ------------------------------------------------------------------------------------------------

/** The bucket a BucketPolicy's `bucket` input comes from, of either bucket type. */
function bucketOfPolicy(policy: PolicyResource): PolicyResource | undefined {
    return S3.bucket.flatMap((cls) => referencedThrough(policy, "bucket", typeTokenOf(cls)))[0];
}

/**
 * Why a public policy on `bucket` cannot take effect: the bucket's BucketPublicAccessBlock. S3
 * rejects a PutBucketPolicy whose policy is public when blockPublicPolicy is true, and
 * restrictPublicBuckets limits a public policy already in place to the owner's account and AWS
 * services (PublicAccessBlockConfiguration in the S3 API Reference; the S3 User Guide's "Block
 * public access settings"). The remediation turns both on, so the two rules must not meet in silence.
 */
function publicAccessBlockConflict(bucket: PolicyResource, resources: readonly PolicyResource[]): string {
    const blocks = attachedTo(bucket, resources, S3.publicAccessBlock, "bucket");
    if (blocks.length === 0) {
        return "";
    }
    const names = blocks.map((b) => label(b)).join(", ");
    return (
        ` It also conflicts with ${names} of the bucket: with blockPublicPolicy true (estate-s3-public-access-block-remediation ` +
        "sets it and restrictPublicBuckets to true at level remediate), S3 rejects the PutBucketPolicy with AccessDenied, and " +
        "restrictPublicBuckets limits a public policy already in place to the bucket owner's account and AWS services."
    );
}

export const s3BucketPolicyPublic: EstateStackPolicy = {
    name: "estate-s3-bucket-policy-public",
    checks:
        'No BucketPolicy (or deprecated inline bucket policy) has an Allow statement to Principal "*" (or a principal list with "*", or ' +
        "NotPrincipal) unless its Condition restricts it to fixed values of a principal key, aws:SourceIp (no broader than /8 or IPv6 /32), " +
        "aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:userid or an S3 access point key, as S3 defines " +
        "\"public\". A violation also names the bucket's BucketPublicAccessBlock, which makes S3 reject such a policy.",
    description:
        "A bucket policy must not grant access to everyone: a statement that allows Principal \"*\" without a condition that pins it to " +
        "fixed principals, networks or source resources publishes the bucket's objects (or lets anyone write to them) regardless of IAM. " +
        "Such a policy also collides with the estate's public access block, which makes S3 reject it.",
    remediationSteps:
        "Name the principals that need access instead of \"*\" (an account, role or service principal), or restrict the statement with a " +
        'Condition on fixed values, for example `{ StringEquals: { "aws:SourceArn": distribution.arn } }` for CloudFront origin access ' +
        "control. Serve public content through CloudFront rather than a public bucket. Deny statements (such as the TLS-only one) are fine.",
    severity: "critical",
    tags: [
        "aws",
        "s3",
        checkov("CKV_AWS_70"),
        awsConfigRule("s3-bucket-public-read-prohibited"),
        awsConfigRule("s3-bucket-public-write-prohibited"),
        awsGuard("S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL"),
        awsGuard("S3_BUCKETPOLICY_NO_ALLOW_PLUS_NOTPRINCIPAL"),
    ],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources;
        const policies = ofType(resources, S3.policy);
        // v7 still accepts the deprecated inline `policy` of aws.s3.Bucket and BucketV2. A bucket with a
        // BucketPolicy is judged by it: its `policy` output may only read that policy back. A `policy`
        // unknown as a whole is the computed output of a bucket being created (or a document built from
        // unknown ARNs): nothing to read before the bucket exists.
        const inline = ofType(resources, S3.bucket).filter((b) => {
            const policy = peek(() => b.props.policy);
            return policy !== UNKNOWN && isSet(b.props, "policy") && !policies.some((p) => bucketOfPolicy(p)?.urn === b.urn);
        });
        if (policies.length + inline.length === 0) {
            args.notApplicable("The stack has no BucketPolicy and no bucket with an inline policy.");
        }
        const check = (where: string, document: unknown, bucket: PolicyResource | undefined, urn: string) => {
            const verdict = publicGrants(document);
            if ("error" in verdict) {
                report(`${where} cannot be checked for public access: ${verdict.error}.`, urn);
            } else if (verdict.grants.length > 0) {
                const conflict = bucket ? publicAccessBlockConflict(bucket, resources) : "";
                report(`${where} grants public access: ${verdict.grants.join(" | ")}.${conflict}`, urn);
            }
        };
        forEachDeferringUnknowns(policies, (policy) => {
            const bucket = bucketOfPolicy(policy);
            const where = bucket ? `${label(policy)} of S3 bucket '${bucket.name}'` : label(policy);
            check(where, propsAs(policy, aws.s3.BucketPolicy).policy as unknown, bucket, policy.urn);
        });
        forEachDeferringUnknowns(inline, (bucket) => {
            check(`The deprecated inline policy of S3 bucket '${bucket.name}'`, propsAs(bucket, aws.s3.Bucket).policy as unknown, bucket, bucket.urn);
        });
    },
};

// ------------------------------------------------------------------------------------------------
// Public ACLs
// ------------------------------------------------------------------------------------------------

/** Canned ACLs that grant access beyond the bucket owner, and to whom. */
const PUBLIC_CANNED_ACLS: Record<string, string> = {
    "public-read": "READ to everyone (AllUsers)",
    "public-read-write": "READ and WRITE to everyone (AllUsers)",
    "authenticated-read": "READ to every AWS account (AuthenticatedUsers)",
};

/** The grantee groups that are public, by URI without scheme. */
const PUBLIC_GROUPS: Record<string, string> = {
    "acs.amazonaws.com/groups/global/allusers": "everyone (AllUsers)",
    "acs.amazonaws.com/groups/global/authenticatedusers": "every AWS account (AuthenticatedUsers)",
};

function publicGroup(uri: unknown): string | undefined {
    return typeof uri === "string" ? PUBLIC_GROUPS[uri.trim().toLowerCase().replace(/^https?:\/\//, "")] : undefined;
}

function cannedAclProblem(acl: unknown): string | undefined {
    return typeof acl === "string" && acl in PUBLIC_CANNED_ACLS ? `the canned ACL '${acl}' grants ${PUBLIC_CANNED_ACLS[acl]}` : undefined;
}

export const s3NoPublicAcl: EstateResourcePolicy = {
    name: "estate-s3-no-public-acl",
    checks:
        "No BucketAcl (or deprecated inline bucket ACL) uses the canned ACLs public-read, public-read-write or authenticated-read, or grants anything to the AllUsers or AuthenticatedUsers groups.",
    description:
        "No S3 ACL may grant access to everyone (AllUsers) or to every AWS account (AuthenticatedUsers): such a grant " +
        "publishes the bucket's objects, or lets anyone write to it, regardless of IAM.",
    remediationSteps:
        "Remove the public canned ACL (public-read, public-read-write, authenticated-read) and any grant to the " +
        "AllUsers or AuthenticatedUsers group from the aws.s3.BucketAcl (or the deprecated acl/grants of aws.s3.Bucket). " +
        'Prefer disabling ACLs altogether with an aws.s3.BucketOwnershipControls `objectOwnership: "BucketOwnerEnforced"`, ' +
        "and grant access through IAM and bucket policies.",
    severity: "critical",
    tags: ["aws", "s3", checkov("CKV_AWS_20"), checkov("CKV_AWS_57"), awsConfigRule("s3-bucket-public-read-prohibited")],
    // One validation for both types, so a resource of either type is not also reported "not applicable".
    validateResource: (args, report) => {
        const bucketAcl = args.asType(aws.s3.BucketAcl) ?? args.asType(aws.s3.BucketAclV2);
        if (bucketAcl) {
            const problems = [cannedAclProblem(bucketAcl.acl)];
            for (const grant of bucketAcl.accessControlPolicy?.grants ?? []) {
                const group = publicGroup(grant.grantee?.uri);
                problems.push(group ? `it grants ${grant.permission} to ${group}` : undefined);
            }
            for (const problem of problems.filter((p) => p !== undefined)) {
                report(`${label(args)} makes the bucket public: ${problem}.`);
            }
            return;
        }
        const bucket = args.asType(aws.s3.Bucket) ?? args.asType(aws.s3.BucketV2);
        if (bucket) {
            // v7 still accepts the deprecated inline ACL of the bucket itself.
            const problems = [cannedAclProblem(bucket.acl)];
            for (const grant of bucket.grants ?? []) {
                const group = publicGroup(grant.uri);
                problems.push(group ? `it grants ${asList(grant.permissions).join(", ")} to ${group}` : undefined);
            }
            for (const problem of problems.filter((p) => p !== undefined)) {
                report(`S3 bucket '${args.name}' is public through its deprecated inline ACL: ${problem}.`);
            }
            return;
        }
        args.notApplicable("Policy only applies to S3 buckets and bucket ACLs (aws:s3/bucketAcl:BucketAcl, aws:s3/bucket:Bucket, and their V2 variants)");
    },
};

export const s3Policies = [
    s3BucketEncryptionKms,
    s3BucketVersioning,
    s3PublicAccessBlock,
    s3PublicAccessBlockRemediation,
    s3LifecycleRetention,
    s3DenyInsecureTransport,
    s3BucketPolicyPublic,
    s3NoPublicAcl,
];
