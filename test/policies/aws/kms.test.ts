import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { kmsKeyRotation } from "../../../policies/aws/kms";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { fakeResource, resourceArgs, UNKNOWN } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig, T } from "../fixtures";

const key = (props: Record<string, unknown>, name = "data-key") => fakeResource({ type: T.key, name, props });

describe("estate-kms-key-rotation", () => {
    it("passes a key with rotation enabled", async () => {
        expect(await check(kmsKeyRotation, [key({ enableKeyRotation: true, rotationPeriodInDays: 180 })])).toEqual({ violations: [], notApplicable: [], remediations: [] });
    });

    it("passes a real aws.kms.Key with rotation, on `up` and in preview", async () => {
        for (const preview of [false, true]) {
            const run = await runProgram(
                () => {
                    new aws.kms.Key("data-key", { enableKeyRotation: true, description: "estate data" });
                },
                { preview },
            );
            expect((await check(kmsKeyRotation, run.resources)).violations).toEqual([]);
        }
    });

    it("fails a key without rotation, on the key", async () => {
        const resource = key({ description: "no rotation" });
        const report = await check(kmsKeyRotation, [resource]);
        expect(report.violations).toEqual([
            {
                policy: "estate-kms-key-rotation",
                enforcementLevel: "advisory",
                severity: "medium",
                urn: resource.urn,
                message: `${kmsKeyRotation.description}\nKMS key 'data-key' does not rotate automatically: enableKeyRotation is not set, it must be true.`,
            },
        ]);
    });

    it("fails a key with rotation disabled", async () => {
        const report = await check(kmsKeyRotation, [key({ enableKeyRotation: false })]);
        expect(messagesOf(report)).toEqual(["KMS key 'data-key' does not rotate automatically: enableKeyRotation is false, it must be true."]);
    });

    it("fails a real aws.kms.Key without rotation, as a mandatory violation where a config makes it mandatory", async () => {
        const run = await runProgram(() => {
            new aws.kms.Key("legacy-key", {});
        });
        const legacy = run.resources.find((r) => r.name === "legacy-key")!;
        const report = await check(kmsKeyRotation, run.resources, { config: { all: "mandatory" } });
        expect(report.violations.map((v) => [v.enforcementLevel, v.urn])).toEqual([["mandatory", legacy.urn]]);
    });

    it.each(["dev", "prod"] as const)("remediates a real aws.kms.Key without rotation with the %s config, and then reports nothing", async (stack) => {
        for (const preview of [false, true]) {
            const run = await runProgram(
                () => {
                    new aws.kms.Key("legacy-key", { description: "legacy" });
                },
                { preview },
            );
            const legacy = run.resources.find((r) => r.name === "legacy-key")!;
            const report = await check(kmsKeyRotation, run.resources, { config: packConfig(stack) });
            expect(report.violations).toEqual([]);
            expect(report.remediations).toEqual([{ policy: "estate-kms-key-rotation", severity: "medium", urn: legacy.urn, changes: ["enableKeyRotation: not set -> true"] }]);
        }
    });
});

describe("estate-kms-key-rotation's remediateResource (engine-shaped arguments)", () => {
    const remediate = (props: Record<string, unknown>) => kmsKeyRotation.remediateResource!(resourceArgs(key(props)));

    it("turns rotation on and keeps every other input", async () => {
        expect(await remediate({ description: "no rotation", deletionWindowInDays: 30 })).toEqual({ description: "no rotation", deletionWindowInDays: 30, enableKeyRotation: true });
        expect(await remediate({ enableKeyRotation: false, rotationPeriodInDays: 180 })).toEqual({ enableKeyRotation: true, rotationPeriodInDays: 180 });
    });

    it("returns nothing for a key that already rotates", async () => {
        expect(await remediate({ enableKeyRotation: true })).toBeUndefined();
    });

    it("leaves an input unknown in preview untouched", async () => {
        const result = (await remediate({ policy: UNKNOWN })) as Record<string, unknown>;
        expect(result.enableKeyRotation).toBe(true);
    });

    it("does not apply to keys that cannot rotate automatically, or to other types", () => {
        expect(() => remediate({ customerMasterKeySpec: "RSA_2048" })).toThrow("only SYMMETRIC_DEFAULT keys rotate automatically");
        expect(() => remediate({ customKeyStoreId: "cks-1" })).toThrow("custom key store");
        expect(() => kmsKeyRotation.remediateResource!(resourceArgs(fakeResource({ type: T.bucket, name: "data" })))).toThrow();
    });

    it("reports nothing when the config disables it", async () => {
        const report = await check(kmsKeyRotation, [key({})], { config: { all: "mandatory", "estate-kms-key-rotation": "disabled" } });
        expect(report.violations).toEqual([]);
    });

    it.each(["RSA_2048", "ECC_NIST_P256", "HMAC_256", "SM2"])("is not applicable to a %s key, which cannot rotate", async (spec) => {
        const asymmetric = key({ customerMasterKeySpec: spec, keyUsage: "SIGN_VERIFY" });
        const report = await check(kmsKeyRotation, [asymmetric]);
        expect(report).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [
                { policy: "estate-kms-key-rotation", urn: asymmetric.urn, reason: `KMS key 'data-key' has key spec ${spec}: only SYMMETRIC_DEFAULT keys rotate automatically.` },
            ],
        });
    });

    it("applies to an explicit SYMMETRIC_DEFAULT key", async () => {
        const report = await check(kmsKeyRotation, [key({ customerMasterKeySpec: "SYMMETRIC_DEFAULT" })]);
        expect(report.violations).toHaveLength(1);
    });

    it("is not applicable to a key in a custom key store, even when the store's id is unknown", async () => {
        const inStore = key({ customKeyStoreId: UNKNOWN });
        const report = await check(kmsKeyRotation, [inStore]);
        expect(report).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [{ policy: "estate-kms-key-rotation", urn: inStore.urn, reason: "KMS key 'data-key' is in a custom key store, whose keys cannot rotate automatically." }],
        });
    });

    it("checks only KMS keys", async () => {
        const bucket = fakeResource({ type: T.bucket, name: "data" });
        expect(await check(kmsKeyRotation, [bucket])).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [{ policy: "estate-kms-key-rotation", urn: bucket.urn, reason: "Policy only applies to resources of type 'aws:kms/key:Key'" }],
        });
    });
});
