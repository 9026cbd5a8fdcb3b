import { describe, expect, it } from "vitest";
import { DOCDB_TYPES, docdbAuditLogs, docdbBackupRetention, docdbDeletionProtection, docdbPolicies, docdbStorageEncrypted, docdbTls } from "../../../policies/aws/docdb";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { attach, check, KEY_ARN, messagesOf, packConfig } from "../fixtures";

const clusterProps = {
    engine: "docdb",
    storageEncrypted: true,
    kmsKeyId: KEY_ARN,
    backupRetentionPeriod: 30,
    deletionProtection: true,
    enabledCloudwatchLogsExports: ["audit", "profiler"],
};
const secureParameters = {
    family: "docdb5.0",
    parameters: [
        { name: "tls", value: "enabled" },
        { name: "audit_logs", value: "enabled" },
        { name: "profiler", value: "enabled" },
    ],
};

/** A cluster joined to its parameter group through `dbClusterParameterGroupName: group.name`. */
function clusterWithGroup(props: Record<string, unknown> = {}, groupProps: Record<string, unknown> = secureParameters): RecordedResource[] {
    const group = fakeResource({ type: DOCDB_TYPES.clusterParameterGroup, name: "docs-params", props: groupProps });
    return [group, attach(DOCDB_TYPES.cluster, "docs-cluster", group, { ...clusterProps, ...props }, "dbClusterParameterGroupName")];
}
const cluster = (props: Record<string, unknown>) => fakeResource({ type: DOCDB_TYPES.cluster, name: "docs-cluster", props: { ...clusterProps, ...props } });

function single(report: PolicyReport) {
    expect(report.violations).toHaveLength(1);
    return { urn: report.violations[0]!.urn, text: messagesOf(report)[0]! };
}

describe("a compliant DocumentDB cluster", () => {
    it("passes every DocumentDB policy with the prod config", async () => {
        expect((await check(docdbPolicies, clusterWithGroup(), { config: packConfig("prod") })).violations).toEqual([]);
    });
});

describe("estate-docdb-storage-encrypted", () => {
    it("fails an unencrypted cluster (DocumentDB's default), on the cluster", async () => {
        const r = cluster({ storageEncrypted: undefined });
        expect(single(await check(docdbStorageEncrypted, [r]))).toEqual({
            urn: r.urn,
            text: "DocumentDB cluster 'docs-cluster' does not encrypt its storage: storageEncrypted is not set, it must be true.",
        });
    });
});

describe("estate-docdb-backup-retention", () => {
    it("fails less than the prod minimum (30 days)", async () => {
        const r = cluster({ backupRetentionPeriod: 14 });
        expect(single(await check(docdbBackupRetention, [r], { config: packConfig("prod") }))).toEqual({
            urn: r.urn,
            text: "DocumentDB cluster 'docs-cluster' keeps automated backups 14 day(s) (backupRetentionPeriod 14); it must keep at least 30.",
        });
    });

    it("never accepts less than 7 days, even when the config asks for less", async () => {
        const report = await check(docdbBackupRetention, [cluster({ backupRetentionPeriod: undefined })], { config: { all: "advisory", "estate-docdb-backup-retention": { minimumDays: 3 } } });
        expect(messagesOf(report)).toEqual(["DocumentDB cluster 'docs-cluster' keeps automated backups 1 day(s): backupRetentionPeriod not set (AWS default: 1 day); it must keep at least 7."]);
    });
});

describe("estate-docdb-deletion-protection", () => {
    it("fails a cluster without it", async () => {
        expect(single(await check(docdbDeletionProtection, [cluster({ deletionProtection: false })])).text).toBe(
            "DocumentDB cluster 'docs-cluster' has no deletion protection: deletionProtection is false, it must be true.",
        );
    });
});

describe("estate-docdb-tls (stack)", () => {
    it("fails a parameter group that disables TLS, on the group, naming the clusters using it", async () => {
        const resources = clusterWithGroup({}, { parameters: [{ name: "tls", value: "disabled" }] });
        expect(single(await check(docdbTls, resources))).toEqual({
            urn: resources[0]!.urn,
            text: "ClusterParameterGroup 'docs-params' (used by DocumentDB cluster 'docs-cluster') sets tls to \"disabled\"; it must require TLS.",
        });
    });

    it("fails such a group even before a cluster uses it", async () => {
        const group = fakeResource({ type: DOCDB_TYPES.clusterParameterGroup, name: "spare", props: { parameters: [{ name: "tls", value: "disabled" }] } });
        expect(single(await check(docdbTls, [group])).text).toBe("ClusterParameterGroup 'spare' sets tls to \"disabled\"; it must require TLS.");
    });

    it("accepts the default parameter group (TLS on), and fails a group outside the stack", async () => {
        expect((await check(docdbTls, [cluster({})])).violations).toEqual([]);
        const external = cluster({ dbClusterParameterGroupName: "legacy-docdb" });
        expect(single(await check(docdbTls, [external]))).toEqual({
            urn: external.urn,
            text: "DocumentDB cluster 'docs-cluster' uses parameter group 'legacy-docdb', which is not a ClusterParameterGroup of this stack: TLS cannot be verified.",
        });
    });
});

describe("estate-docdb-audit-logs (stack)", () => {
    it("fails a cluster that does not export audit logs", async () => {
        const resources = clusterWithGroup({ enabledCloudwatchLogsExports: ["profiler"] });
        expect(single(await check(docdbAuditLogs, resources))).toEqual({
            urn: resources[1]!.urn,
            text: 'DocumentDB cluster \'docs-cluster\' does not export audit logs: enabledCloudwatchLogsExports is ["profiler"], it must include "audit".',
        });
    });

    it("fails a parameter group with audit_logs off, on the group", async () => {
        const resources = clusterWithGroup({}, { parameters: [{ name: "tls", value: "enabled" }, { name: "audit_logs", value: "disabled" }, { name: "profiler", value: "enabled" }] });
        expect(single(await check(docdbAuditLogs, resources))).toEqual({
            urn: resources[0]!.urn,
            text: "ClusterParameterGroup 'docs-params' of DocumentDB cluster 'docs-cluster' sets audit_logs to \"disabled\"; it must be enabled (or ddl, dml_read, dml_write, all).",
        });
    });

    it("fails the default parameter group, where audit_logs is off", async () => {
        const r = cluster({});
        expect(single(await check(docdbAuditLogs, [r]))).toEqual({
            urn: r.urn,
            text: "DocumentDB cluster 'docs-cluster' uses the default parameter group, where audit_logs is disabled; attach a ClusterParameterGroup with audit_logs enabled.",
        });
    });

    it("accepts the finer-grained audit settings", async () => {
        const resources = clusterWithGroup({ enabledCloudwatchLogsExports: ["audit"] }, { parameters: [{ name: "audit_logs", value: "ddl,dml_write" }] });
        expect((await check(docdbAuditLogs, resources)).violations).toEqual([]);
    });

    it("fails a cluster that exports profiler logs while its parameter group leaves the profiler off, on the group", async () => {
        const resources = clusterWithGroup({}, { parameters: [{ name: "tls", value: "enabled" }, { name: "audit_logs", value: "enabled" }] });
        expect(single(await check(docdbAuditLogs, resources))).toEqual({
            urn: resources[0]!.urn,
            text: "ClusterParameterGroup 'docs-params' of DocumentDB cluster 'docs-cluster' does not set profiler (off by default), but the cluster exports profiler logs: enable the profiler, or stop exporting them.",
        });
        const off = clusterWithGroup({}, { parameters: [{ name: "audit_logs", value: "enabled" }, { name: "profiler", value: "disabled" }] });
        expect(single(await check(docdbAuditLogs, off)).text).toMatch(/sets profiler to "disabled", but the cluster exports profiler logs/);
        const notExported = clusterWithGroup({ enabledCloudwatchLogsExports: ["audit"] }, { parameters: [{ name: "audit_logs", value: "enabled" }] });
        expect((await check(docdbAuditLogs, notExported)).violations).toEqual([]);
    });
});
