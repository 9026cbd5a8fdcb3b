/**
 * SNS policies: topics (`aws.sns.Topic`), which carry the estate's alarm notifications.
 */
import * as aws from "@pulumi/aws";
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { awsConfigRule, checkov, type EstateStackPolicy } from "../lib/policy";
import { ofType, propsAs, referencedThrough } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const SNS_TYPES = {
    topic: "aws:sns/topic:Topic",
    kmsKey: "aws:kms/key:Key",
    kmsAlias: "aws:kms/alias:Alias",
} as const;

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export const snsTopicEncryptionCmk: EstateStackPolicy = {
    name: "estate-sns-topic-encryption-cmk",
    checks:
        "Every SNS topic sets kmsMasterKeyId to a KMS key (or alias) of the stack, or to a literal KMS key ARN; never unset and never alias/aws/sns.",
    description:
        "SNS topics must encrypt messages at rest with a customer-managed KMS key: the estate's topics carry alarm " +
        "notifications that name databases, hosts and thresholds. The AWS managed key alias/aws/sns cannot be used " +
        "by CloudWatch alarms (its key policy cannot grant the cloudwatch.amazonaws.com principal), so an alarm " +
        "publishing to such a topic is silently dropped; a customer-managed key's policy can grant it, and every use " +
        "is logged in CloudTrail.",
    remediationSteps:
        "Set `kmsMasterKeyId: key.arn` on the aws.sns.Topic, where `key` is an aws.kms.Key with rotation enabled whose " +
        "policy lets the publishing services use it (CloudWatch alarms: kms:Decrypt and kms:GenerateDataKey* for " +
        "cloudwatch.amazonaws.com; the estate's DatabaseAlarms component creates one).",
    severity: "medium",
    tags: ["aws", "sns", checkov("CKV_AWS_26"), awsConfigRule("sns-encrypted-kms")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const topics = ofType(args.resources, aws.sns.Topic);
        if (topics.length === 0) {
            args.notApplicable(`The stack has no ${SNS_TYPES.topic}.`);
        }
        forEachDeferringUnknowns(topics, (topic) => {
            if (referencedThrough(topic, "kmsMasterKeyId", SNS_TYPES.kmsKey).length + referencedThrough(topic, "kmsMasterKeyId", SNS_TYPES.kmsAlias).length > 0) {
                return; // a key (or alias) of this stack: customer-managed by construction
            }
            const value = peek(() => propsAs(topic, aws.sns.Topic).kmsMasterKeyId);
            if (value === UNKNOWN || value === undefined || value === null || value === "") {
                report(`SNS topic '${topic.name}' sets no kmsMasterKeyId, so its messages are not encrypted with a customer-managed key.`, topic.urn);
            } else if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
                report(
                    `SNS topic '${topic.name}' has kmsMasterKeyId ${JSON.stringify(value)}, which is not a KMS key ARN or a key of this stack ` +
                        "(alias/aws/sns names the AWS managed key, which CloudWatch alarms cannot publish with).",
                    topic.urn,
                );
            }
        });
    },
};

export const snsPolicies = [snsTopicEncryptionCmk];
