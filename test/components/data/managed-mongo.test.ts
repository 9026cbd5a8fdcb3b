import { describe, expect, it } from "vitest";
import { BACKUP_SELECTION_TAG, BACKUP_WINDOWS } from "../../../components/backup/objectives";
import { ManagedMongo, type ManagedMongoArgs } from "../../../components/data";
import { fromWire, MOCK_ACCOUNT_ID, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";
import { backupPlanSelectingByTag, PROD_KEY_GUARD, build, buildError, KEY, NETWORK, OBJECTIVES } from "./harness";

const T = {
    cluster: "aws:docdb/cluster:Cluster",
    instance: "aws:docdb/clusterInstance:ClusterInstance",
    params: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
};
const keyArn = `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/docs-key`;
const mongo = (args: Partial<ManagedMongoArgs> = {}, opts = {}) => build(() => new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES, ...args }), opts);

describe("ManagedMongo with defaults (DocumentDB)", () => {
    it("creates an encrypted, protected cluster of two instances with its key, groups and credentials secret", async () => {
        const b = await mongo();
        expect(b.childrenOf("docs").map((r) => r.name).sort()).toEqual(
            [
                "docs-key",
                "docs-key-alias",
                "docs-subnets",
                "docs-sg",
                "docs-from-sg-0",
                "docs-from-cidr-0",
                "docs-params",
                "docs-password",
                "docs-snapshot-suffix",
                "docs-identifier-suffix",
                "docs-log-audit",
                "docs-log-profiler",
                "docs-cluster",
                "docs-instance-0",
                "docs-instance-1",
                "docs-credentials",
                "docs-credentials-version",
            ].sort(),
        );
        expect(b.inputs("docs-cluster")).toMatchObject({
            engine: "docdb",
            engineVersion: "5.0.0",
            storageEncrypted: true,
            kmsKeyId: keyArn,
            backupRetentionPeriod: 30,
            preferredBackupWindow: BACKUP_WINDOWS.native,
            preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: expect.stringMatching(/^docs-final-\w+$/),
            enabledCloudwatchLogsExports: ["audit", "profiler"],
            port: 27017,
        });
        expect([b.resource("docs-cluster").protect, b.resource("docs-cluster").retainOnDelete]).toEqual([true, true]);
        for (const i of b.ofType(T.instance)) {
            expect(i.propertyDependencies.clusterIdentifier).toEqual([b.resource("docs-cluster").urn]);
            expect(i.protect).toBe(true);
            expect(b.inputs(i.name).preferredMaintenanceWindow).toBe(BACKUP_WINDOWS.maintenance);
        }
    });

    it("is selected by AWS Backup: the cluster (only) carries the estate:backup tag, and its ARN is exported for a plan's resources", async () => {
        const b = await mongo({ tags: { team: "docs" } });
        expect(b.inputs("docs-cluster").tags).toEqual({ team: "docs", [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value });
        for (const name of ["docs-instance-0", "docs-key", "docs-params", "docs-credentials"]) {
            expect(b.inputs(name).tags, name).toEqual({ team: "docs" });
        }
        const run = await runProgram(() => ({ arn: new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES }).databaseArn }));
        expect((fromWire(run.outputs!.toJavaScript()) as { arn: string }).arn).toBe(`arn:aws:docdb:us-east-1:${MOCK_ACCOUNT_ID}:cluster/docs-cluster`);
    });

    it("enforces TLS and turns audit logs and the profiler on in its cluster parameter group, joined by property dependency", async () => {
        const b = await mongo();
        expect(b.inputs("docs-params")).toMatchObject({ family: "docdb5.0" });
        expect(b.inputs("docs-params").parameters).toEqual([
            { name: "tls", value: "enabled", applyMethod: "pending-reboot" },
            { name: "audit_logs", value: "enabled", applyMethod: "immediate" },
            { name: "profiler", value: "enabled", applyMethod: "immediate" },
            { name: "profiler_threshold_ms", value: "500", applyMethod: "immediate" },
            { name: "profiler_sampling_rate", value: "1.0", applyMethod: "immediate" },
        ]);
        expect(b.resource("docs-cluster").propertyDependencies.dbClusterParameterGroupName).toEqual([b.resource("docs-params").urn]);
    });

    it("keeps its parameter group's description, so turning the profiler on updates the existing group rather than replacing it (description is ForceNew)", async () => {
        expect((await mongo()).inputs("docs-params").description).toBe("DocumentDB docs: TLS and audit logs");
    });

    it("exports only logs its parameter group switches on: the profiler export has the profiler enabled (values in range)", async () => {
        const b = await mongo();
        const params = new Map<string, string>(b.inputs("docs-params").parameters.map((p: { name: string; value: string }) => [p.name, p.value]));
        const exports: string[] = b.inputs("docs-cluster").enabledCloudwatchLogsExports;
        expect(exports).toContain("profiler");
        expect(params.get("profiler")).toBe("enabled");
        // DocumentDB's ranges: threshold 50-2147483646 ms, sampling rate 0.0-1.0.
        expect(Number(params.get("profiler_threshold_ms"))).toBeGreaterThanOrEqual(50);
        expect(Number(params.get("profiler_sampling_rate"))).toBeGreaterThan(0);
        expect(Number(params.get("profiler_sampling_rate"))).toBeLessThanOrEqual(1);
        expect(exports).toContain("audit");
        expect(params.get("audit_logs")).toBe("enabled");
    });

    it("sets no autoMinorVersionUpgrade on its instances: DocumentDB ignores it (patches come as maintenance actions)", async () => {
        const b = await mongo();
        for (const i of b.ofType(T.instance)) {
            expect(b.inputs(i.name)).not.toHaveProperty("autoMinorVersionUpgrade");
        }
        expect(b.inputs("docs-cluster").preferredMaintenanceWindow).toBe(BACKUP_WINDOWS.maintenance);
    });

    it("creates the audit and profiler log groups DocumentDB writes to, under its key with a retention, before the cluster", async () => {
        const b = await mongo();
        const identifier: string = b.inputs("docs-cluster").clusterIdentifier;
        expect(identifier).toMatch(/^docs-docdb-[a-z0-9]{8}$/);
        for (const log of ["audit", "profiler"]) {
            expect(b.inputs(`docs-log-${log}`)).toMatchObject({ name: `/aws/docdb/${identifier}/${log}`, kmsKeyId: keyArn, retentionInDays: 365 });
            expect(b.resource("docs-cluster").dependencies).toContain(b.resource(`docs-log-${log}`).urn);
        }
        // The key lets CloudWatch Logs use it.
        expect(JSON.stringify(JSON.parse(b.inputs("docs-key").policy).Statement)).toContain("logs.us-east-1.amazonaws.com");
        // A cluster created before the estate named it is never replaced for its name.
        expect(b.resource("docs-cluster").ignoreChanges).toEqual(["clusterIdentifier"]);
    });

    it("names the log groups after an existing cluster's identifier when given, and keeps logs the days asked", async () => {
        const b = await mongo({ identifier: "docs-cluster-1a2b3c4", logRetentionDays: 90 });
        expect(b.inputs("docs-cluster").clusterIdentifier).toBe("docs-cluster-1a2b3c4");
        expect(b.inputs("docs-log-audit")).toMatchObject({ name: "/aws/docdb/docs-cluster-1a2b3c4/audit", retentionInDays: 90 });
        expect(b.maybe("docs-identifier-suffix")).toBeUndefined();
    });

    it("admits only the allowed sources on 27017", async () => {
        const b = await mongo();
        expect(b.ofType(T.ingress).map((r) => [b.inputs(r.name).fromPort, b.inputs(r.name).toPort])).toEqual([
            [27017, 27017],
            [27017, 27017],
        ]);
        expect(b.resource("docs-cluster").propertyDependencies.vpcSecurityGroupIds).toEqual([b.resource("docs-sg").urn]);
    });

    it("keeps the generated password as a secret: in the cluster's inputs, the credentials secret (under the key) and the connection", async () => {
        const b = await mongo();
        const password = "mock-docs-password-password";
        expect(b.inputs("docs-cluster").masterPassword).toBe(password);
        expect(plainInputs(b.resource("docs-cluster")).masterPassword).toBe("[secret]");
        expect(b.inputs("docs-credentials")).toMatchObject({ kmsKeyId: keyArn, recoveryWindowInDays: 30 });
        expect(JSON.parse(b.inputs("docs-credentials-version").secretString)).toMatchObject({ username: "estate", password, host: "docs-cluster.mock.us-east-1.docdb.amazonaws.com" });
        expect(b.outputs().connection).toEqual({
            host: "docs-cluster.mock.us-east-1.docdb.amazonaws.com",
            port: 27017,
            database: "app",
            user: "estate",
            password,
            uri: `mongodb://estate:${password}@docs-cluster.mock.us-east-1.docdb.amazonaws.com:27017/app?authSource=admin&tls=true&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false`,
        });
        expect(b.shownOutputs().connection).toMatchObject({ password: "[secret]", uri: "[secret]" });
        expect(JSON.stringify(b.shownOutputs())).not.toContain(password);
    });

    it("passes every policy with the prod config next to a BackupPlan that selects it by tag, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const built = await build(() => {
                backupPlanSelectingByTag();
                return new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES, keyGuard: PROD_KEY_GUARD });
            }, { preview });
            const report = await built.policyReport("prod");
            expect(report.violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
        }
    });

    it("without a key guard or a copy to another account, is refused in prod: deleting its key would erase its backups", async () => {
        const built = await build(() => {
            backupPlanSelectingByTag();
            return new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES });
        });
        const report = await built.policyReport("prod");
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn])).toEqual([
            ["estate-backup-database-key-guarded", "mandatory", built.resource("docs-cluster").urn],
        ]);
    });

    it("with a key guard, its key denies deletion and disabling to all but the break-glass role; with a backup account, shares it for copies", async () => {
        const built = await build(
            () => new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES, keyGuard: PROD_KEY_GUARD, backupAccountId: "210987654321" }),
        );
        const statements = JSON.parse(built.inputs("docs-key").policy).Statement as { Sid: string; Effect: string; Condition?: unknown }[];
        expect(statements.map((st) => [st.Sid, st.Effect])).toEqual([
            ["AccountIamDecides", "Allow"],
            ["CloudWatchLogsOfThisAccount", "Allow"],
            ["OnlyBreakGlassMayDeleteOrDisableKey", "Deny"],
            ["OnlyBreakGlassAndDeployersMayChangeKeyPolicy", "Deny"],
            ["BackupAccountMayCopyRecoveryPoints", "Allow"],
            ["BackupAccountMayGrantForCopies", "Allow"],
        ]);
        expect(statements[2]!.Condition).toEqual({ ArnNotEquals: { "aws:PrincipalArn": PROD_KEY_GUARD.breakGlassRoleArn } });
    });
});

describe("ManagedMongo overrides", () => {
    it("instances, class, version, key, and a throwaway stack", async () => {
        const b = await mongo({ instances: 3, instanceClass: "db.t4g.medium", version: "8.0", kmsKeyArn: KEY, protectData: false, objectives: { rpoMinutes: 60, dailyBackupDays: 3 } });
        expect(b.ofType(T.instance)).toHaveLength(3);
        expect(b.inputs("docs-instance-2").instanceClass).toBe("db.t4g.medium");
        expect(b.inputs("docs-params").family).toBe("docdb8.0");
        expect(b.maybe("docs-key")).toBeUndefined();
        expect(b.inputs("docs-cluster")).toMatchObject({ kmsKeyId: KEY, engineVersion: "8.0.0", deletionProtection: false, skipFinalSnapshot: true, backupRetentionPeriod: 3 });
        expect(b.inputs("docs-credentials").recoveryWindowInDays).toBe(0);
        expect(b.resource("docs-cluster").protect).toBe(false);
    });
});

describe("ManagedMongo refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ManagedMongoArgs>, string]>([
        ["version", { version: "6.0" as never }, 'version must be one of 4.0, 5.0, 8.0 (got "6.0")'],
        ["instances", { instances: 0 }, "instances must be an integer from 1 to 16 (got 0)"],
        ["identifier", { identifier: "docs-" }, 'identifier must be a DocumentDB cluster identifier: a lower-case letter, then letters, digits or single hyphens, at most 63, not ending in a hyphen (got "docs-")'],
        ["log retention", { logRetentionDays: 366 }, "logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (got 366)"],
        ["network", { network: { ...NETWORK, vpcId: "" } }, "network.vpcId is required (the VPC the service lives in)"],
        ["user", { user: "app-user" }, 'user must be a user name: a letter, then letters or digits (at most 63) (got "app-user")'],
        ["the backup selection tag", { tags: { "estate:backup": "true" } }, 'tags["estate:backup"] is reserved: the component sets it'],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ManagedMongo("docs", { version: "5.0", network: NETWORK, objectives: OBJECTIVES, ...args }));
        expect(message).toBe(`ManagedMongo "docs": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});
