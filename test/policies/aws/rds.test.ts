import { describe, expect, it } from "vitest";
import {
    RDS_TYPES,
    rdsBackupRetention,
    rdsDeletionProtection,
    rdsFinalSnapshot,
    rdsForceSsl,
    rdsMultiAz,
    rdsNotPublic,
    rdsPerformanceInsightsEncrypted,
    rdsPolicies,
    rdsStorageEncrypted,
    rdsStorageEncryptedCmk,
} from "../../../policies/aws/rds";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { attach, check, KEY_ARN, messagesOf, packConfig } from "../fixtures";

const instanceProps = {
    engine: "postgres",
    storageEncrypted: true,
    kmsKeyId: KEY_ARN,
    publiclyAccessible: false,
    backupRetentionPeriod: 30,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "orders-final-abc",
    multiAz: true,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: KEY_ARN,
};
const clusterProps = { ...instanceProps, engine: "aurora-postgresql", multiAz: undefined, publiclyAccessible: undefined };

const forceSsl = { parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "immediate" }] };

/** An RDS instance joined to a parameter group of the stack, as the engine records `parameterGroupName: group.name`. */
function instanceWithGroup(props: Record<string, unknown> = {}, groupProps: Record<string, unknown> = forceSsl): RecordedResource[] {
    const group = fakeResource({ type: RDS_TYPES.parameterGroup, name: "orders-params", props: { family: "postgres16", ...groupProps } });
    const instance = attach(RDS_TYPES.instance, "orders-db", group, { ...instanceProps, ...props }, "parameterGroupName");
    return [group, instance];
}

function auroraWithInstances(count: number, props: Record<string, unknown> = {}, groupProps: Record<string, unknown> = forceSsl): RecordedResource[] {
    const group = fakeResource({ type: RDS_TYPES.clusterParameterGroup, name: "au-params", props: { family: "aurora-postgresql16", ...groupProps } });
    const cluster = attach(RDS_TYPES.cluster, "au-cluster", group, { ...clusterProps, ...props }, "dbClusterParameterGroupName");
    const members = Array.from({ length: count }, (_, i) =>
        attach(RDS_TYPES.clusterInstance, `au-instance-${i}`, cluster, { instanceClass: "db.r6g.large", publiclyAccessible: false, performanceInsightsEnabled: true, performanceInsightsKmsKeyId: KEY_ARN }, "clusterIdentifier"),
    );
    return [group, cluster, ...members];
}

const instance = (props: Record<string, unknown>, name = "orders-db") => fakeResource({ type: RDS_TYPES.instance, name, props: { ...instanceProps, ...props } });
const cluster = (props: Record<string, unknown>, name = "au-cluster") => fakeResource({ type: RDS_TYPES.cluster, name, props: { ...clusterProps, ...props } });

/** The single violation, with the message the engine prints after the description. */
function single(report: PolicyReport) {
    expect(report.violations).toHaveLength(1);
    return { urn: report.violations[0]!.urn, text: messagesOf(report)[0]! };
}

describe("a compliant RDS instance and Aurora cluster", () => {
    it("pass every RDS policy with the prod config", async () => {
        const report = await check(rdsPolicies, [...instanceWithGroup(), ...auroraWithInstances(2)], { config: packConfig("prod") });
        expect(report.violations).toEqual([]);
    });

    it("pass in a preview where keys and the snapshot name are unknown, without can't-run notes", async () => {
        const unknownKeys = { kmsKeyId: UNKNOWN, performanceInsightsKmsKeyId: UNKNOWN, finalSnapshotIdentifier: UNKNOWN, parameterGroupName: UNKNOWN };
        const report = await check(rdsPolicies, instanceWithGroup(unknownKeys), { config: packConfig("prod") });
        expect(report.violations).toEqual([]);
    });
});

describe("estate-rds-storage-encrypted", () => {
    it.each([
        ["RDS instance 'orders-db'", () => instance({ storageEncrypted: undefined })],
        ["RDS cluster 'au-cluster'", () => cluster({ storageEncrypted: false })],
    ])("fails %s without storage encryption, on the database", async (what, make) => {
        const r = make();
        const v = single(await check(rdsStorageEncrypted, [r]));
        expect(v.urn).toBe(r.urn);
        expect(v.text).toBe(`${what} does not encrypt its storage: storageEncrypted is ${r.type === RDS_TYPES.instance ? "not set" : "false"}, it must be true.`);
    });

    it("does not judge a database restored from a snapshot without storageEncrypted: it has the snapshot's encryption", async () => {
        const restored = instance({ storageEncrypted: undefined, kmsKeyId: undefined, snapshotIdentifier: "rds:prod-orders-2026-12-01" });
        expect(await check(rdsStorageEncrypted, [restored])).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [
                {
                    policy: "estate-rds-storage-encrypted",
                    urn: restored.urn,
                    reason: "RDS instance 'orders-db' is restored from a snapshot (snapshotIdentifier) without storageEncrypted: it is encrypted exactly when the snapshot is.",
                },
            ],
        });
        // A cluster restored with a KMS key is encrypted with it; one with storageEncrypted false set is still judged.
        expect((await check(rdsStorageEncrypted, [cluster({ storageEncrypted: undefined, snapshotIdentifier: "snap" })])).violations).toEqual([]);
        expect(messagesOf(await check(rdsStorageEncrypted, [instance({ storageEncrypted: false, snapshotIdentifier: "snap" })]))).toEqual([
            "RDS instance 'orders-db' does not encrypt its storage: storageEncrypted is false, it must be true.",
        ]);
    });

    it("accepts a cross-region replica encrypted by its destination key", async () => {
        expect((await check(rdsStorageEncrypted, [instance({ storageEncrypted: undefined, replicateSourceDb: "arn:aws:rds:eu-central-1:123456789012:db:src" })])).violations).toEqual([]);
    });
});

describe("estate-rds-storage-encrypted-cmk (advisory in prod)", () => {
    it("fails encrypted storage under the AWS managed key, as advisory with the prod config", async () => {
        const r = instance({ kmsKeyId: undefined });
        const report = await check(rdsStorageEncryptedCmk, [r], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.urn])).toEqual([["advisory", r.urn]]);
        expect(messagesOf(report)).toEqual(["RDS instance 'orders-db' encrypts with the AWS managed key aws/rds: kmsKeyId is not set; set it to a customer-managed key."]);
    });

    it("leaves unencrypted storage to estate-rds-storage-encrypted", async () => {
        const r = instance({ storageEncrypted: false, kmsKeyId: undefined });
        expect(await check(rdsStorageEncryptedCmk, [r])).toMatchObject({ violations: [], notApplicable: [{ urn: r.urn }] });
    });
});

describe("estate-rds-not-public", () => {
    it.each([
        [RDS_TYPES.instance, "RDS instance 'db'"],
        [RDS_TYPES.clusterInstance, "RDS cluster instance 'db'"],
    ])("fails a publicly accessible %s", async (type, what) => {
        const r = fakeResource({ type, name: "db", props: { publiclyAccessible: true } });
        const v = single(await check(rdsNotPublic, [r]));
        expect(v).toEqual({ urn: r.urn, text: `${what} is publicly accessible: publiclyAccessible is true, it must be false.` });
    });

    it("is not applicable to clusters and other resources", async () => {
        const report = await check(rdsNotPublic, [cluster({})]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable).toHaveLength(1);
    });
});

describe("estate-rds-backup-retention", () => {
    it("fails retention below the stack minimum of the prod config (30 days), on the database", async () => {
        const r = instance({ backupRetentionPeriod: 7 });
        const v = single(await check(rdsBackupRetention, [r], { config: packConfig("prod") }));
        expect(v).toEqual({ urn: r.urn, text: "RDS instance 'orders-db' keeps automated backups 7 day(s) (backupRetentionPeriod 7); the stack requires at least 30." });
    });

    it("says what an unset retention means: AWS's default of 1 day for a cluster, 0 (sent by the provider) for an instance", async () => {
        expect(messagesOf(await check(rdsBackupRetention, [instance({ backupRetentionPeriod: undefined }), cluster({ backupRetentionPeriod: undefined })]))).toEqual([
            "RDS instance 'orders-db' keeps automated backups 0 day(s): backupRetentionPeriod not set (@pulumi/aws sends 0, which disables " +
                "automated backups; AWS's default of 1 day applies only when the API call omits it); the stack requires at least 7.",
            "RDS cluster 'au-cluster' keeps automated backups 1 day(s): backupRetentionPeriod not set (AWS default: 1 day); the stack requires at least 7.",
        ]);
    });

    it("is not applicable to a read replica", async () => {
        const r = instance({ backupRetentionPeriod: 0, replicateSourceDb: "orders-db-id" }, "orders-replica");
        expect(await check(rdsBackupRetention, [r])).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [{ policy: "estate-rds-backup-retention", urn: r.urn, reason: "RDS instance 'orders-replica' is a read replica (replicateSourceDb): its source's settings apply." }],
        });
    });
});

describe("estate-rds-deletion-protection", () => {
    it("fails an instance and a cluster without it", async () => {
        const report = await check(rdsDeletionProtection, [instance({ deletionProtection: false }), cluster({ deletionProtection: undefined })]);
        expect(messagesOf(report)).toEqual([
            "RDS instance 'orders-db' has no deletion protection: deletionProtection is false, it must be true.",
            "RDS cluster 'au-cluster' has no deletion protection: deletionProtection is not set, it must be true.",
        ]);
    });
});

describe("estate-rds-final-snapshot", () => {
    it("fails skipping the final snapshot", async () => {
        const r = instance({ skipFinalSnapshot: true, finalSnapshotIdentifier: undefined });
        expect(single(await check(rdsFinalSnapshot, [r]))).toEqual({ urn: r.urn, text: "RDS instance 'orders-db' skips its final snapshot: skipFinalSnapshot is true, it must be false." });
    });

    it("fails a final snapshot without a name (the delete would fail)", async () => {
        const r = cluster({ finalSnapshotIdentifier: undefined });
        expect(single(await check(rdsFinalSnapshot, [r])).text).toBe(
            "RDS cluster 'au-cluster' has no finalSnapshotIdentifier: deleting it cannot take the final snapshot; set a unique name.",
        );
    });
});

describe("estate-rds-performance-insights-encrypted", () => {
    it.each([RDS_TYPES.instance, RDS_TYPES.clusterInstance, RDS_TYPES.cluster])("fails Performance Insights on a %s without a key", async (type) => {
        const r = fakeResource({ type, name: "db", props: { performanceInsightsEnabled: true } });
        const v = single(await check(rdsPerformanceInsightsEncrypted, [r]));
        expect(v.urn).toBe(r.urn);
        expect(v.text).toBe(`'db' (${type.split(":").pop()}) enables Performance Insights without performanceInsightsKmsKeyId: it uses the AWS managed key; set a customer-managed key.`);
    });

    it("is not applicable when Performance Insights is off", async () => {
        const r = instance({ performanceInsightsEnabled: false, performanceInsightsKmsKeyId: undefined });
        expect(await check(rdsPerformanceInsightsEncrypted, [r])).toMatchObject({ violations: [], notApplicable: [{ reason: "'orders-db' does not enable Performance Insights." }] });
    });
});

describe("estate-rds-multi-az (stack)", () => {
    it("fails a single-AZ instance, on the instance", async () => {
        const [, r] = instanceWithGroup({ multiAz: false });
        const v = single(await check(rdsMultiAz, [r!]));
        expect(v).toEqual({ urn: r!.urn, text: "RDS instance 'orders-db' runs in one availability zone: multiAz is false, it must be true." });
    });

    it("fails an Aurora cluster with one instance, and one with none, counting instances joined through clusterIdentifier", async () => {
        const one = auroraWithInstances(1);
        expect(single(await check(rdsMultiAz, one))).toEqual({
            urn: one[1]!.urn,
            text: "RDS cluster 'au-cluster' has only ClusterInstance 'au-instance-0'; it needs at least 2 in different zones to fail over.",
        });
        const none = auroraWithInstances(0);
        expect(single(await check(rdsMultiAz, none)).text).toBe("RDS cluster 'au-cluster' has no ClusterInstance; it needs at least 2 in different zones to fail over.");
    });

    it("does not count instances of another cluster", async () => {
        const main = fakeResource({ type: RDS_TYPES.cluster, name: "main", props: clusterProps });
        const members = [0, 1].map((i) => attach(RDS_TYPES.clusterInstance, `main-${i}`, main, {}, "clusterIdentifier"));
        const lonely = fakeResource({ type: RDS_TYPES.cluster, name: "lonely", props: clusterProps });
        const report = await check(rdsMultiAz, [main, lonely, ...members]);
        expect(report.violations.map((v) => v.urn)).toEqual([lonely.urn]);
        expect(messagesOf(report)).toEqual(["RDS cluster 'lonely' has no ClusterInstance; it needs at least 2 in different zones to fail over."]);
    });

    it("accepts a Multi-AZ DB cluster (three instances by definition) and a read replica", async () => {
        const report = await check(rdsMultiAz, [cluster({ engine: "postgres", dbClusterInstanceClass: "db.r6gd.large" }), instance({ multiAz: false, replicateSourceDb: "src" })]);
        expect(report.violations).toEqual([]);
    });

    it("is not applicable to a stack without RDS", async () => {
        expect((await check(rdsMultiAz, [fakeResource({ type: "aws:kms/key:Key", name: "k" })])).notApplicable).toEqual([
            { policy: "estate-rds-multi-az", reason: "The stack has no RDS instance or cluster." },
        ]);
    });
});

describe("estate-rds-force-ssl (stack)", () => {
    it("fails a parameter group that does not set rds.force_ssl = 1, on the group", async () => {
        const resources = instanceWithGroup({}, { parameters: [{ name: "rds.force_ssl", value: "0" }] });
        expect(single(await check(rdsForceSsl, resources))).toEqual({
            urn: resources[0]!.urn,
            text: "ParameterGroup 'orders-params' of RDS instance 'orders-db' (engine postgres) sets rds.force_ssl to \"0\"; it must set rds.force_ssl = 1 to refuse connections without TLS.",
        });
        const without = auroraWithInstances(2, {}, { parameters: [] });
        expect(single(await check(rdsForceSsl, without))).toEqual({
            urn: without[0]!.urn,
            text: "ClusterParameterGroup 'au-params' of RDS cluster 'au-cluster' (engine aurora-postgresql) does not set rds.force_ssl; it must set rds.force_ssl = 1 to refuse connections without TLS.",
        });
    });

    it("fails the engine's default parameter group, on the database", async () => {
        const r = instance({ parameterGroupName: undefined });
        expect(single(await check(rdsForceSsl, [r]))).toEqual({
            urn: r.urn,
            text: "RDS instance 'orders-db' (engine postgres) uses its engine's default parameter group, where rds.force_ssl is not 1; attach a ParameterGroup with rds.force_ssl = 1.",
        });
        const named = cluster({ dbClusterParameterGroupName: "default.aurora-postgresql16" });
        expect(single(await check(rdsForceSsl, [named])).text).toBe(
            "RDS cluster 'au-cluster' (engine aurora-postgresql) uses its engine's default parameter group, where rds.force_ssl is not 1; attach a ClusterParameterGroup with rds.force_ssl = 1.",
        );
    });

    it("fails a group it cannot see (a name, not a resource of the stack)", async () => {
        const r = instance({ parameterGroupName: "hand-made-pg" });
        expect(single(await check(rdsForceSsl, [r])).text).toBe(
            "RDS instance 'orders-db' (engine postgres) uses parameter group 'hand-made-pg', which is not a ParameterGroup of this stack: rds.force_ssl cannot be verified.",
        );
    });

    it("joins through property dependencies, not names: a look-alike group elsewhere does not count", async () => {
        const decoy = fakeResource({ type: RDS_TYPES.parameterGroup, name: "decoy", props: forceSsl });
        const r = instance({ parameterGroupName: "decoy-id" });
        expect(single(await check(rdsForceSsl, [decoy, r])).urn).toBe(r.urn);
    });

    it("is not applicable to engines without a TLS parameter (Oracle uses an option group)", async () => {
        const oracle = instance({ engine: "oracle-ee", parameterGroupName: undefined });
        expect(await check(rdsForceSsl, [oracle])).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [{ policy: "estate-rds-force-ssl", reason: "The stack has no RDS instance or cluster of an engine with a TLS parameter (PostgreSQL, MySQL, MariaDB, SQL Server, Aurora)." }],
        });
    });

    it.each([
        ["mysql", "require_secure_transport", "1"],
        ["mysql", "require_secure_transport", "ON"],
        ["mariadb", "require_secure_transport", "1"],
        ["sqlserver-se", "rds.force_ssl", "1"],
        ["sqlserver-ee", "rds.force_ssl", "1"],
    ])("passes a %s instance whose group sets %s = %s", async (engine, name, value) => {
        const report = await check(rdsForceSsl, instanceWithGroup({ engine }, { parameters: [{ name, value }] }));
        expect(report.violations).toEqual([]);
    });

    it.each([
        ["mysql", "require_secure_transport"],
        ["mariadb", "require_secure_transport"],
        ["sqlserver-ex", "rds.force_ssl"],
        ["sqlserver-web", "rds.force_ssl"],
    ])("fails a %s instance whose group does not set %s, naming the parameter and the value", async (engine, name) => {
        const resources = instanceWithGroup({ engine }, { parameters: [{ name: "max_connections", value: "100" }] });
        expect(single(await check(rdsForceSsl, resources))).toEqual({
            urn: resources[0]!.urn,
            text: `ParameterGroup 'orders-params' of RDS instance 'orders-db' (engine ${engine}) does not set ${name}; it must set ${name} = 1 to refuse connections without TLS.`,
        });
    });

    it("does not take PostgreSQL's rds.force_ssl for MySQL, and fails require_secure_transport OFF", async () => {
        const wrongParameter = instanceWithGroup({ engine: "mysql" }, forceSsl);
        expect(single(await check(rdsForceSsl, wrongParameter)).text).toBe(
            "ParameterGroup 'orders-params' of RDS instance 'orders-db' (engine mysql) does not set require_secure_transport; it must set require_secure_transport = 1 to refuse connections without TLS.",
        );
        const off = instanceWithGroup({ engine: "mariadb" }, { parameters: [{ name: "require_secure_transport", value: "OFF" }] });
        expect(single(await check(rdsForceSsl, off)).text).toBe(
            "ParameterGroup 'orders-params' of RDS instance 'orders-db' (engine mariadb) sets require_secure_transport to \"OFF\"; it must set require_secure_transport = 1 to refuse connections without TLS.",
        );
    });

    it("checks an Aurora MySQL cluster's cluster parameter group, and its default group", async () => {
        const aurora = auroraWithInstances(2, { engine: "aurora-mysql" }, { family: "aurora-mysql8.0", parameters: [{ name: "require_secure_transport", value: "ON" }] });
        expect((await check(rdsForceSsl, aurora)).violations).toEqual([]);
        const bare = cluster({ engine: "aurora-mysql", dbClusterParameterGroupName: "default.aurora-mysql8.0" });
        expect(single(await check(rdsForceSsl, [bare])).text).toBe(
            "RDS cluster 'au-cluster' (engine aurora-mysql) uses its engine's default parameter group, where require_secure_transport is not 1; attach a ClusterParameterGroup with require_secure_transport = 1.",
        );
    });

    it("reports a SQL Server instance on its default parameter group", async () => {
        const r = instance({ engine: "sqlserver-se", parameterGroupName: undefined });
        expect(single(await check(rdsForceSsl, [r])).text).toBe(
            "RDS instance 'orders-db' (engine sqlserver-se) uses its engine's default parameter group, where rds.force_ssl is not 1; attach a ParameterGroup with rds.force_ssl = 1.",
        );
    });

    it("is mandatory with the prod config", async () => {
        const report = await check(rdsForceSsl, [instance({ parameterGroupName: undefined })], { config: packConfig("prod") });
        expect(report.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
    });
});
