import { describe, expect, it } from "vitest";
import {
    ELASTICACHE_TYPES,
    elasticacheAuth,
    elasticacheAutomaticFailover,
    elasticacheEncryptionAtRest,
    elasticacheEncryptionInTransit,
    elasticachePolicies,
    elasticacheSnapshotRetention,
} from "../../../policies/aws/elasticache";
import { fakeResource, UNKNOWN, wireSecret, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { check, KEY_ARN, messagesOf, packConfig } from "../fixtures";

const compliant = {
    engine: "redis",
    atRestEncryptionEnabled: true,
    kmsKeyId: KEY_ARN,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    authToken: wireSecret("a-generated-token-of-64-characters"),
    snapshotRetentionLimit: 30,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    numCacheClusters: 2,
};
const group = (props: Record<string, unknown> = {}) => fakeResource({ type: ELASTICACHE_TYPES.replicationGroup, name: "cache", props: { ...compliant, ...props } });
const WHAT = "ElastiCache replication group 'cache'";

function single(report: PolicyReport) {
    expect(report.violations).toHaveLength(1);
    return { urn: report.violations[0]!.urn, text: messagesOf(report)[0]! };
}

describe("a compliant replication group", () => {
    it("passes every ElastiCache policy with the prod config, also with an unknown token in preview", async () => {
        expect((await check(elasticachePolicies, [group()], { config: packConfig("prod") })).violations).toEqual([]);
        expect((await check(elasticachePolicies, [group({ authToken: UNKNOWN, kmsKeyId: UNKNOWN })], { config: packConfig("prod") })).violations).toEqual([]);
    });
});

describe("estate-elasticache-encryption-at-rest", () => {
    it("fails a group without it, on the group", async () => {
        const r = group({ atRestEncryptionEnabled: false });
        expect(single(await check(elasticacheEncryptionAtRest, [r]))).toEqual({ urn: r.urn, text: `${WHAT} does not encrypt at rest: atRestEncryptionEnabled is false, it must be true.` });
    });

    it("counts Valkey's default (on), but not Redis's (off)", async () => {
        expect((await check(elasticacheEncryptionAtRest, [group({ engine: "valkey", atRestEncryptionEnabled: undefined })])).violations).toEqual([]);
        expect(single(await check(elasticacheEncryptionAtRest, [group({ atRestEncryptionEnabled: undefined })])).text).toBe(
            `${WHAT} does not encrypt at rest: atRestEncryptionEnabled is not set, it must be true.`,
        );
    });
});

describe("estate-elasticache-encryption-in-transit", () => {
    it("fails a group without TLS", async () => {
        expect(single(await check(elasticacheEncryptionInTransit, [group({ transitEncryptionEnabled: undefined })])).text).toBe(
            `${WHAT} does not encrypt in transit: transitEncryptionEnabled is not set, it must be true.`,
        );
    });

    it("fails the migration mode that still accepts clear text", async () => {
        expect(single(await check(elasticacheEncryptionInTransit, [group({ transitEncryptionMode: "preferred" })])).text).toBe(
            `${WHAT} accepts clients without TLS: transitEncryptionMode is "preferred", it must be "required".`,
        );
    });
});

describe("estate-elasticache-auth", () => {
    it("fails a group that authenticates nobody", async () => {
        expect(single(await check(elasticacheAuth, [group({ authToken: undefined })])).text).toBe(`${WHAT} does not authenticate clients: neither authToken nor userGroupIds is set.`);
    });

    it("accepts RBAC user groups instead of a token", async () => {
        expect((await check(elasticacheAuth, [group({ authToken: undefined, userGroupIds: ["app-users"] })])).violations).toEqual([]);
    });

    it("fails a token without transit encryption", async () => {
        expect(single(await check(elasticacheAuth, [group({ transitEncryptionEnabled: false })])).text).toBe(
            `${WHAT} authenticates without TLS: transitEncryptionEnabled is false, it must be true.`,
        );
    });
});

describe("estate-elasticache-snapshot-retention", () => {
    it("fails a group without snapshots (0 turns them off)", async () => {
        expect(single(await check(elasticacheSnapshotRetention, [group({ snapshotRetentionLimit: 0 })], { config: packConfig("prod") })).text).toBe(
            `${WHAT} takes no snapshots: snapshotRetentionLimit is 0; it must be at least 30.`,
        );
    });

    it("fails fewer days than the stack minimum", async () => {
        expect(single(await check(elasticacheSnapshotRetention, [group({ snapshotRetentionLimit: 7 })], { config: packConfig("prod") })).text).toBe(
            `${WHAT} keeps snapshots 7 day(s) (snapshotRetentionLimit); the stack requires at least 30.`,
        );
    });
});

describe("estate-elasticache-automatic-failover", () => {
    it("fails a group that does not fail over", async () => {
        const r = group({ automaticFailoverEnabled: undefined, numCacheClusters: 1 });
        expect(single(await check(elasticacheAutomaticFailover, [r]))).toEqual({
            urn: r.urn,
            text: `${WHAT} does not fail over automatically: automaticFailoverEnabled is not set, it must be true (with at least 2 nodes).`,
        });
    });
});
