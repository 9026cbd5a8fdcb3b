import { describe, expect, it } from "vitest";
import { SNS_TYPES, snsTopicEncryptionCmk } from "../../../policies/aws/sns";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { attach, check, KEY_ARN, messagesOf } from "../fixtures";

const key = () => fakeResource({ type: SNS_TYPES.kmsKey, name: "alarms-key", props: { enableKeyRotation: true } });
const topic = (props: Record<string, unknown>) => fakeResource({ type: SNS_TYPES.topic, name: "alarms-topic", props });

describe("estate-sns-topic-encryption-cmk", () => {
    it("passes a topic encrypted with a key of the stack (kmsMasterKeyId: key.arn)", async () => {
        const k = key();
        expect((await check(snsTopicEncryptionCmk, [k, attach(SNS_TYPES.topic, "alarms-topic", k, {}, "kmsMasterKeyId")])).violations).toEqual([]);
    });

    it("passes a literal customer-managed key ARN", async () => {
        expect((await check(snsTopicEncryptionCmk, [topic({ kmsMasterKeyId: KEY_ARN })])).violations).toEqual([]);
    });

    it("fails an unencrypted topic, on the topic", async () => {
        const t = topic({});
        const report = await check(snsTopicEncryptionCmk, [t]);
        expect(report.violations.map((v) => v.urn)).toEqual([t.urn]);
        expect(messagesOf(report)).toEqual(["SNS topic 'alarms-topic' sets no kmsMasterKeyId, so its messages are not encrypted with a customer-managed key."]);
    });

    it("fails the AWS managed key alias/aws/sns", async () => {
        expect(messagesOf(await check(snsTopicEncryptionCmk, [topic({ kmsMasterKeyId: "alias/aws/sns" })]))).toEqual([
            "SNS topic 'alarms-topic' has kmsMasterKeyId \"alias/aws/sns\", which is not a KMS key ARN or a key of this stack (alias/aws/sns names the AWS managed key, which CloudWatch alarms cannot publish with).",
        ]);
    });

    it("does not apply to a stack without topics", async () => {
        const report = await check(snsTopicEncryptionCmk, [key()]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => n.policy)).toContain("estate-sns-topic-encryption-cmk");
    });
});
