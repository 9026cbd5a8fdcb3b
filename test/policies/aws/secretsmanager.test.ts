import { describe, expect, it } from "vitest";
import { secretsManagerSecretCmk } from "../../../policies/aws/secretsmanager";
import { fakeResource, UNKNOWN } from "../../../scripts/engine/policy-harness";
import { check, KEY_ARN, messagesOf, packConfig } from "../fixtures";

const secret = (props: Record<string, unknown>) => fakeResource({ type: "aws:secretsmanager/secret:Secret", name: "creds", props });

describe("estate-secretsmanager-secret-cmk (advisory in prod)", () => {
    it("passes a secret under a customer-managed key, also when the key is unknown in preview", async () => {
        expect((await check(secretsManagerSecretCmk, [secret({ kmsKeyId: KEY_ARN }), secret({ kmsKeyId: UNKNOWN })])).violations).toEqual([]);
    });

    it("reports a secret under the AWS managed key, as advisory even with the prod config", async () => {
        const r = secret({ description: "db creds" });
        const report = await check(secretsManagerSecretCmk, [r], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.urn])).toEqual([["advisory", r.urn]]);
        expect(messagesOf(report)).toEqual(["Secrets Manager secret 'creds' is encrypted with the AWS managed key: kmsKeyId is not set."]);
    });

    it("reports a master user secret RDS manages without a key of ours", async () => {
        const db = fakeResource({ type: "aws:rds/instance:Instance", name: "orders-db", props: { manageMasterUserPassword: true } });
        expect(messagesOf(await check(secretsManagerSecretCmk, [db]))).toEqual([
            "The master user secret RDS manages for 'orders-db' is encrypted with the AWS managed key: masterUserSecretKmsKeyId is not set.",
        ]);
        const withKey = fakeResource({ type: "aws:rds/cluster:Cluster", name: "au", props: { manageMasterUserPassword: true, masterUserSecretKmsKeyId: KEY_ARN } });
        expect((await check(secretsManagerSecretCmk, [withKey])).violations).toEqual([]);
    });

    it("is not applicable to a database without a managed master password, nor to other resources", async () => {
        const db = fakeResource({ type: "aws:rds/instance:Instance", name: "legacy", props: { password: "x" } });
        const key = fakeResource({ type: "aws:kms/key:Key", name: "k" });
        const report = await check(secretsManagerSecretCmk, [db, key]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => n.urn)).toEqual([db.urn, key.urn]);
    });
});
