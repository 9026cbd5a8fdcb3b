import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    backupCrossRegionCopy,
    backupDatabaseKeyGuarded,
    backupPlanRetention,
    backupPolicies,
    backupSelectionCoverage,
    backupVaultEncryptionCmk,
    backupVaultLock,
} from "../../../policies/aws/backup";
import { policies } from "../../../policies/pack";
import { type RecordedResource, runProgram } from "../../../scripts/engine/mock-engine";
import { fakeResource, type PolicyReport, UNKNOWN } from "../../../scripts/engine/policy-harness";
import { attach, check, KEY_ARN, messagesOf, packConfig, T } from "../fixtures";
import { guardedKeyPolicy, type KeyGuard } from "../../../components/lib/key-guard";

const B = {
    vault: "aws:backup/vault:Vault",
    lock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    plan: "aws:backup/plan:Plan",
    selection: "aws:backup/selection:Selection",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    docdbCluster: "aws:docdb/cluster:Cluster",
    stackReference: "pulumi:pulumi:StackReference",
} as const;

const PROD_RETENTION = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
/** The key guard of Pulumi.prod.yaml (its break-glass role is the one policies/config/prod.json names). */
const PROD_GUARD: KeyGuard = {
    breakGlassRoleArn: "arn:aws:iam::123456789012:role/estate-break-glass",
    deployerRoleArns: ["arn:aws:iam::123456789012:role/estate-deployer"],
};
const DR_REGION = "eu-central-1";

/** The single violation of a report, with its message after the description; on `urn` when given. */
function single(report: PolicyReport, urn?: string) {
    expect(report.violations).toHaveLength(1);
    if (urn !== undefined) {
        expect(report.violations[0]!.urn).toBe(urn);
    }
    return { ...report.violations[0]!, text: messagesOf(report)[0]! };
}

/** The URN of `fakeResource`'s plan named `plan`. */
const PLAN_URN = "urn:pulumi:test::estate::pulumi:pulumi:Stack$aws:backup/plan:Plan::plan";

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

const key = (name = "vault-key") => fakeResource({ type: T.key, name, props: { enableKeyRotation: true, arn: KEY_ARN } });

function vault(name = "vault", props: Record<string, unknown> = {}, keyResource?: RecordedResource): RecordedResource {
    if (keyResource) {
        return attach(B.vault, name, keyResource, { kmsKeyArn: KEY_ARN, ...props }, "kmsKeyArn");
    }
    return fakeResource({ type: B.vault, name, props });
}

const lockProps = { changeableForDays: 7, minRetentionDays: 30, maxRetentionDays: 2562 };
const lock = (target: RecordedResource, props: Record<string, unknown> = lockProps, name = `${target.name}-lock`) =>
    attach(B.lock, name, target, props, "backupVaultName");

/** Prod rules: daily (continuous), weekly, monthly, yearly, each copied to `drArn` when given. */
function prodRules(drArn?: unknown) {
    const rule = (ruleName: string, deleteAfter: number, extra: Record<string, unknown> = {}) => ({
        ruleName,
        targetVaultName: "vault",
        schedule: "cron(0 3 * * ? *)",
        lifecycle: { deleteAfter, ...((extra.lifecycle as object | undefined) ?? {}) },
        ...(drArn !== undefined ? { copyActions: [{ destinationVaultArn: drArn, lifecycle: { deleteAfter } }] } : {}),
        ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "lifecycle")),
    });
    return [
        rule("daily", 30, { enableContinuousBackup: true }),
        rule("weekly", 84),
        rule("monthly", 372, { lifecycle: { coldStorageAfter: 30 } }),
        rule("yearly", 2562, { lifecycle: { coldStorageAfter: 30 } }),
    ];
}

function plan(rules: unknown[], vaults: RecordedResource[] = [], props: Record<string, unknown> = {}, name = "plan"): RecordedResource {
    return fakeResource({
        type: B.plan,
        name,
        props: { rules, ...props },
        dependencies: vaults.map((v) => v.urn),
        propertyDependencies: vaults.length > 0 ? { rules: vaults.map((v) => v.urn) } : {},
    });
}

function selection(name: string, props: Record<string, unknown>, refs: { resources?: RecordedResource[]; notResources?: RecordedResource[] } = {}) {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(refs)) {
        propertyDependencies[k] = v.map((r) => r.urn);
    }
    return fakeResource({
        type: B.selection,
        name,
        props: { planId: "plan-id", iamRoleArn: "arn:aws:iam::123456789012:role/backup", ...props },
        dependencies: Object.values(propertyDependencies).flat(),
        propertyDependencies,
    });
}

const tagSelection = (name = "tagged") => selection(name, { selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }] });

const db = (type: string, name: string, props: Record<string, unknown> = {}) =>
    fakeResource({ type, name, props: { arn: `arn:aws:rds:eu-west-1:123456789012:db:${name}`, ...props } });

const prodConfig = packConfig("prod");

// ------------------------------------------------------------------------------------------------

/**
 * An estate fragment built with the real aws classes, the way the BackupPlan component builds it:
 * a CMK-encrypted, locked vault and DR vault, a plan per tier with copies, a tag selection and an ARN
 * selection, and the three kinds of databases.
 */
function awsBackupProgram(opts: { lock?: boolean; tagDocdb?: boolean } = {}) {
    const tags = { "estate:backup": "true" };
    const backedUp = (name: string, region?: string) => {
        const k = new aws.kms.Key(`${name}-key`, { enableKeyRotation: true, region });
        const v = new aws.backup.Vault(`${name}-vault`, { kmsKeyArn: k.arn, region });
        if (opts.lock !== false) {
            new aws.backup.VaultLockConfiguration(`${name}-lock`, { backupVaultName: v.name, region, ...lockProps });
        }
        return v;
    };
    const primary = backedUp("primary", "eu-west-1");
    const dr = backedUp("dr", DR_REGION);
    const lifecycle = (deleteAfter: number, cold?: number) => ({ deleteAfter, ...(cold ? { coldStorageAfter: cold } : {}) });
    const rule = (ruleName: string, schedule: string, days: number, cold?: number, continuous = false) => ({
        ruleName,
        targetVaultName: primary.name,
        schedule,
        enableContinuousBackup: continuous,
        lifecycle: lifecycle(days, cold),
        copyActions: [{ destinationVaultArn: dr.arn, lifecycle: lifecycle(days, cold) }],
    });
    const backupPlan = new aws.backup.Plan("plan", {
        region: "eu-west-1",
        rules: [
            rule("daily", "cron(0 3 * * ? *)", 30, undefined, true),
            rule("weekly", "cron(0 3 ? * SUN *)", 84),
            rule("monthly", "cron(0 3 1 * ? *)", 372, 30),
            rule("yearly", "cron(0 3 1 1 ? *)", 2562, 30),
        ],
    });
    // Databases as hardened as the RDS and DocumentDB rules of the pack want them, so the whole pack
    // passes: encrypted with a CMK, TLS forced and audited, backups kept the prod minimum, protected.
    const dbKey = new aws.kms.Key("db-key", { enableKeyRotation: true, policy: JSON.stringify(guardedKeyPolicy("123456789012", "aws", { guard: PROD_GUARD })) });
    const protectedData = { storageEncrypted: true, kmsKeyId: dbKey.arn, backupRetentionPeriod: 30, deletionProtection: true };
    const forceSsl = [{ name: "rds.force_ssl", value: "1" }];
    const auroraParams = new aws.rds.ClusterParameterGroup("aurora-params", { family: "aurora-postgresql16", parameters: forceSsl });
    const aurora = new aws.rds.Cluster("aurora", {
        engine: "aurora-postgresql",
        masterUsername: "app",
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: dbKey.arn,
        dbClusterParameterGroupName: auroraParams.name,
        finalSnapshotIdentifier: "aurora-final",
        ...protectedData,
    });
    const aurora1 = new aws.rds.ClusterInstance("aurora-1", { clusterIdentifier: aurora.id, instanceClass: "db.r6g.large", engine: "aurora-postgresql" });
    const aurora2 = new aws.rds.ClusterInstance("aurora-2", { clusterIdentifier: aurora.id, instanceClass: "db.r6g.large", engine: "aurora-postgresql" });
    const postgresParams = new aws.rds.ParameterGroup("postgres-params", { family: "postgres16", parameters: forceSsl });
    const postgres = new aws.rds.Instance("postgres", {
        engine: "postgres",
        instanceClass: "db.t4g.micro",
        allocatedStorage: 20,
        parameterGroupName: postgresParams.name,
        multiAz: true,
        finalSnapshotIdentifier: "postgres-final",
        ...protectedData,
        tags,
    });
    const replica = new aws.rds.Instance("postgres-replica", { replicateSourceDb: postgres.arn, instanceClass: "db.t4g.micro", storageEncrypted: true, kmsKeyId: dbKey.arn });
    // Alarms on every instance, to an encrypted topic, as the whole pack wants them (estate-cloudwatch-database-alarms).
    const topic = new aws.sns.Topic("alarms", { kmsMasterKeyId: dbKey.arn });
    const alarms = (name: string, id: pulumi.Output<string>, metrics: string[]) =>
        metrics.forEach(
            (metricName) =>
                new aws.cloudwatch.MetricAlarm(`${name}-${metricName}`, {
                    namespace: "AWS/RDS",
                    metricName,
                    dimensions: { DBInstanceIdentifier: id },
                    statistic: "Maximum",
                    period: 300,
                    evaluationPeriods: 1,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: 1,
                    alarmActions: [topic.arn],
                }),
        );
    const rdsMetrics = ["CPUUtilization", "FreeableMemory", "FreeStorageSpace", "DatabaseConnections"];
    alarms("postgres", postgres.identifier, rdsMetrics);
    alarms("postgres-replica", replica.identifier, [...rdsMetrics, "ReplicaLag"]);
    for (const [name, instance] of [["aurora-1", aurora1], ["aurora-2", aurora2]] as const) {
        alarms(name, instance.identifier, ["CPUUtilization", "FreeableMemory", "FreeLocalStorage", "DatabaseConnections", "AuroraReplicaLag"]);
    }
    const docdbParams = new aws.docdb.ClusterParameterGroup("docdb-params", {
        family: "docdb5.0",
        parameters: [
            { name: "tls", value: "enabled" },
            { name: "audit_logs", value: "enabled" },
            { name: "profiler", value: "enabled" },
        ],
    });
    new aws.docdb.Cluster("docdb", {
        masterUsername: "app",
        manageMasterUserPassword: true,
        dbClusterParameterGroupName: docdbParams.name,
        enabledCloudwatchLogsExports: ["audit", "profiler"],
        ...protectedData,
        ...(opts.tagDocdb === false ? {} : { tags }),
    });
    const role = "arn:aws:iam::123456789012:role/backup";
    new aws.backup.Selection("by-arn", { planId: backupPlan.id, iamRoleArn: role, resources: [aurora.arn] });
    new aws.backup.Selection("by-tag", { planId: backupPlan.id, iamRoleArn: role, selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }] });
}

describe("the AWS Backup policies on real aws classes under the mock engine", () => {
    it.each([false, true])("pass a compliant fragment with the prod config (preview: %s), without can't-run notes", async (preview) => {
        const run = await runProgram(() => awsBackupProgram(), { preview });
        clean(await check(backupPolicies, run.resources, { config: prodConfig }));
    });

    it("pass it with the whole pack, on `up` and in preview", async () => {
        for (const preview of [false, true]) {
            const run = await runProgram(() => awsBackupProgram(), { preview });
            clean(await check(policies, run.resources, { config: prodConfig }));
        }
    });

    it("refuse its vaults without locks, and a database left out, naming the resources", async () => {
        const run = await runProgram(() => awsBackupProgram({ lock: false, tagDocdb: false }), { preview: true });
        const report = await check(backupPolicies, run.resources, { config: prodConfig });
        const urnOf = (name: string) => run.resources.find((r) => r.name === name)!.urn;
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn])).toEqual([
            ["estate-backup-vault-lock", "mandatory", urnOf("primary-vault")],
            ["estate-backup-vault-lock", "mandatory", urnOf("dr-vault")],
            ["estate-backup-selection-coverage", "mandatory", urnOf("docdb")],
        ]);
        expect(messagesOf(report)[2]).toBe(
            "DocumentDB cluster 'docdb' is in no AWS Backup selection: no selection names its ARN in resources, and it has none of " +
                "the tags the selections select (estate:backup=true).",
        );
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-vault-encryption-cmk", () => {
    it("passes a vault whose kmsKeyArn comes from an aws.kms.Key, even when the ARN is unknown", async () => {
        const k = key();
        clean(await check(backupVaultEncryptionCmk, [k, vault("vault", {}, k)]));
        clean(await check(backupVaultEncryptionCmk, [k, vault("vault", { kmsKeyArn: UNKNOWN }, k)]));
    });

    it("passes a literal key ARN (a key managed elsewhere)", async () => {
        clean(await check(backupVaultEncryptionCmk, [vault("vault", { kmsKeyArn: KEY_ARN })]));
    });

    it("fails a vault without kmsKeyArn (AWS managed key aws/backup), on the vault", async () => {
        const v = vault("vault");
        const violation = single(await check(backupVaultEncryptionCmk, [v], { config: prodConfig }));
        expect(violation).toMatchObject({ policy: "estate-backup-vault-encryption-cmk", enforcementLevel: "mandatory", severity: "high", urn: v.urn });
        expect(violation.text).toBe("Backup vault 'vault' sets no kmsKeyArn, so AWS Backup encrypts with the AWS managed key aws/backup.");
        expect(violation.message.split("\n")[0]).toBe(backupVaultEncryptionCmk.description);
    });

    it("fails in preview a kmsKeyArn that is unknown and comes from no resource (the provider fills in aws/backup)", async () => {
        const v = vault("vault", { kmsKeyArn: UNKNOWN });
        expect(single(await check(backupVaultEncryptionCmk, [v]), v.urn).text).toBe(
            "Backup vault 'vault' sets no kmsKeyArn, so AWS Backup encrypts with the AWS managed key aws/backup.",
        );
    });

    it("fails an alias", async () => {
        const v = vault("vault", { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/aws/backup" });
        const violation = single(await check(backupVaultEncryptionCmk, [v]));
        expect(violation.urn).toBe(v.urn);
        expect(violation.text).toBe(
            'Backup vault \'vault\' has kmsKeyArn "arn:aws:kms:eu-west-1:123456789012:alias/aws/backup", which is not a KMS key ARN ' +
                "(arn:aws:kms:<region>:<account>:key/<id>; an alias such as alias/aws/backup names the AWS managed key).",
        );
    });

    it("notes that it cannot run in preview when the key comes from another stack", async () => {
        const ref = fakeResource({ type: B.stackReference, name: "shared" });
        const v = attach(B.vault, "vault", ref, { kmsKeyArn: UNKNOWN }, "kmsKeyArn");
        const violation = single(await check(backupVaultEncryptionCmk, [ref, v], { config: prodConfig }));
        expect(violation.enforcementLevel).toBe("advisory");
        expect(violation.message).toMatch(/^can't run policy 'estate-backup-vault-encryption-cmk' during preview/);
    });

    it("does not apply to a stack without vaults", async () => {
        expect((await check(backupVaultEncryptionCmk, [key()])).notApplicable).toEqual([
            { policy: "estate-backup-vault-encryption-cmk", reason: "The stack has no aws:backup/vault:Vault." },
        ]);
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-vault-lock", () => {
    const v = vault("vault", { kmsKeyArn: KEY_ARN });

    it("passes a compliance-mode lock whose bounds admit every tier of the prod objective", async () => {
        clean(await check(backupVaultLock, [v, lock(v)], { config: prodConfig }));
    });

    it("fails a vault without a lock, on the vault", async () => {
        const violation = single(await check(backupVaultLock, [v], { config: prodConfig }));
        expect(violation).toMatchObject({ enforcementLevel: "mandatory", urn: v.urn });
        expect(violation.text).toBe("Backup vault 'vault' has no VaultLockConfiguration: its recovery points can be deleted before their retention ends.");
    });

    it("does not count a lock of another vault", async () => {
        const other = vault("other", { kmsKeyArn: KEY_ARN });
        const violation = single(await check(backupVaultLock, [v, other, lock(other)], { config: prodConfig }));
        expect(violation.urn).toBe(v.urn);
    });

    it("fails a governance-mode lock (no changeableForDays), on the lock", async () => {
        const l = lock(v, { minRetentionDays: 30, maxRetentionDays: 2562 });
        const violation = single(await check(backupVaultLock, [v, l], { config: prodConfig }));
        expect(violation.urn).toBe(l.urn);
        expect(violation.text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' sets no changeableForDays, so it is in governance mode and " +
                "can be removed at any time; set changeableForDays to at least 3 (compliance mode).",
        );
    });

    it("fails a cooling-off shorter than the configured minimum", async () => {
        const l = lock(v, { ...lockProps, changeableForDays: 5 });
        const config = { "estate-backup-vault-lock": { minChangeableForDays: 7 } };
        expect(single(await check(backupVaultLock, [v, l], { config }), l.urn).text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' has changeableForDays 5; it must be at least 7.",
        );
    });

    it("fails a minimum retention below the daily objective, or none", async () => {
        const low = lock(v, { ...lockProps, minRetentionDays: 7 });
        expect(single(await check(backupVaultLock, [v, low], { config: prodConfig }), low.urn).text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' has minRetentionDays 7; it must be at least 30 (the daily objective).",
        );
        const none = lock(v, { changeableForDays: 7, maxRetentionDays: 2562 });
        expect(single(await check(backupVaultLock, [v, none], { config: prodConfig }), none.urn).text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' sets no minRetentionDays; it must be at least 30 (the daily objective).",
        );
    });

    it("caps the required minimum at 35 days, what continuous backups can be kept", async () => {
        const config = { "estate-backup-vault-lock": { retention: { ...PROD_RETENTION, dailyDays: 60 } } };
        clean(await check(backupVaultLock, [v, lock(v, { ...lockProps, minRetentionDays: 35 })], { config }));
    });

    it("fails a maximum retention below the yearly objective", async () => {
        const l = lock(v, { ...lockProps, maxRetentionDays: 365 });
        expect(single(await check(backupVaultLock, [v, l], { config: prodConfig }), l.urn).text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' has maxRetentionDays 365, below the yearly objective of " +
                "2562 days (7 years): AWS Backup would fail the yearly backups.",
        );
    });

    it("fails a minimum above the maximum", async () => {
        const l = lock(v, { changeableForDays: 7, minRetentionDays: 40, maxRetentionDays: 35 });
        const config = { "estate-backup-vault-lock": {} };
        expect(single(await check(backupVaultLock, [v, l], { config }), l.urn).text).toBe(
            "VaultLockConfiguration 'vault-lock' of backup vault 'vault' has minRetentionDays 40 above maxRetentionDays 35: every backup would fail.",
        );
    });

    it("without an objective, checks the cooling-off only", async () => {
        clean(await check(backupVaultLock, [v, lock(v, { changeableForDays: 3 })]));
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-plan-retention", () => {
    it("passes a rule per tier kept at least the prod objective, copies included", async () => {
        clean(await check(backupPlanRetention, [plan(prodRules("arn:aws:backup:eu-central-1:123456789012:backup-vault:dr"))], { config: prodConfig }));
    });

    it("accepts rules named <tier>-...", async () => {
        const rules = prodRules().map((r) => ({ ...r, ruleName: `${r.ruleName}-rds` }));
        clean(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }));
    });

    it("fails a plan without a rule for a tier, on the plan", async () => {
        const p = plan(prodRules().filter((r) => r.ruleName !== "yearly"));
        const violation = single(await check(backupPlanRetention, [p], { config: prodConfig }));
        expect(violation).toMatchObject({ policy: "estate-backup-plan-retention", enforcementLevel: "mandatory", urn: p.urn });
        expect(violation.text).toBe("Backup plan 'plan' has no rule for the yearly tier (ruleName 'yearly'); required deleteAfter at least 2562 days (7 years).");
    });

    it("fails a rule that deletes before the objective", async () => {
        const rules = prodRules().map((r) => (r.ruleName === "weekly" ? { ...r, lifecycle: { deleteAfter: 28 } } : r));
        expect(single(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }), PLAN_URN).text).toBe(
            "rule 'weekly' of backup plan 'plan' deletes recovery points after 28 days; required deleteAfter at least 84 days (12 weeks).",
        );
    });

    it("fails a rule that keeps recovery points forever", async () => {
        const rules = prodRules().map((r) => (r.ruleName === "monthly" ? { ...r, lifecycle: {} } : r));
        expect(single(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }), PLAN_URN).text).toBe(
            "rule 'monthly' of backup plan 'plan' keeps recovery points forever (no lifecycle.deleteAfter); required deleteAfter at least 372 days (12 months).",
        );
    });

    it("fails copies kept shorter than the objective", async () => {
        const rules = prodRules("arn:aws:backup:eu-central-1:123456789012:backup-vault:dr").map((r) =>
            r.ruleName === "daily" ? { ...r, copyActions: [{ destinationVaultArn: "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr", lifecycle: { deleteAfter: 7 } }] } : r,
        );
        expect(single(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }), PLAN_URN).text).toBe(
            "rule 'daily' of backup plan 'plan' deletes its copies after 7 days; required deleteAfter at least 30 days.",
        );
    });

    it("fails cold storage that breaks AWS's 90-day rule", async () => {
        const rules = prodRules().map((r) => (r.ruleName === "weekly" ? { ...r, lifecycle: { deleteAfter: 84, coldStorageAfter: 30 } } : r));
        expect(single(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }), PLAN_URN).text).toBe(
            "rule 'weekly' of backup plan 'plan' moves recovery points to cold storage after 30 days but deletes them after 84: AWS " +
                "requires deleteAfter >= coldStorageAfter + 90 = 120.",
        );
    });

    it("fails continuous backups kept longer than 35 days", async () => {
        const rules = prodRules().map((r) => (r.ruleName === "daily" ? { ...r, lifecycle: { deleteAfter: 60 } } : r));
        expect(single(await check(backupPlanRetention, [plan(rules)], { config: prodConfig }), PLAN_URN).text).toBe(
            "rule 'daily' of backup plan 'plan' backs up continuously and keeps recovery points 60 days: continuous backups are kept at most 35 days.",
        );
    });

    it("without an objective, requires only a rule per tier with a deleteAfter", async () => {
        const rules = prodRules().map((r) => ({ ...r, lifecycle: { deleteAfter: 1 }, enableContinuousBackup: false }));
        clean(await check(backupPlanRetention, [plan(rules)]));
        expect(single(await check(backupPlanRetention, [plan(rules.slice(1))]), PLAN_URN).text).toBe("Backup plan 'plan' has no rule for the daily tier (ruleName 'daily').");
    });

    it("does not apply to a stack without plans", async () => {
        expect((await check(backupPlanRetention, [vault("vault", { kmsKeyArn: KEY_ARN })])).notApplicable).toEqual([
            { policy: "estate-backup-plan-retention", reason: "The stack has no aws:backup/plan:Plan." },
        ]);
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-selection-coverage", () => {
    const instance = db(B.rdsInstance, "orders", { tags: { team: "orders" } });
    const cluster = db(B.rdsCluster, "aurora");
    const docdb = db(B.docdbCluster, "catalog", { tags: { "estate:backup": "true" } });

    it("passes databases selected by ARN reference, by literal ARN and by tag", async () => {
        const byRef = selection("by-ref", { resources: [UNKNOWN] }, { resources: [instance] });
        const byArn = selection("by-arn", { resources: ["arn:aws:rds:eu-west-1:123456789012:db:aurora"] });
        clean(await check(backupSelectionCoverage, [instance, cluster, docdb, byRef, byArn, tagSelection()], { config: prodConfig }));
    });

    it("passes databases selected by a wildcard, alone or with tag conditions", async () => {
        clean(await check(backupSelectionCoverage, [instance, selection("all", { resources: ["*"] })]));
        const conditioned = selection("conditioned", {
            resources: ["*"],
            conditions: [{ stringEquals: [{ key: "aws:ResourceTag/team", value: "orders" }], stringLikes: [{ key: "aws:ResourceTag/team", value: "ord*" }] }],
        });
        clean(await check(backupSelectionCoverage, [instance, conditioned]));
    });

    it("fails a database in no selection, on the database", async () => {
        const violation = single(await check(backupSelectionCoverage, [instance], { config: prodConfig }));
        expect(violation).toMatchObject({ policy: "estate-backup-selection-coverage", enforcementLevel: "mandatory", severity: "high", urn: instance.urn });
        expect(violation.text).toBe("RDS instance 'orders' is in no AWS Backup selection: no selection names its ARN in resources, and no selection selects by tag.");
    });

    it("fails a database without the selected tag, naming the tags selected", async () => {
        const report = await check(backupSelectionCoverage, [instance, cluster, tagSelection()], { config: prodConfig });
        expect(report.violations.map((v) => v.urn)).toEqual([instance.urn, cluster.urn]);
        expect(messagesOf(report)).toEqual([
            "RDS instance 'orders' is in no AWS Backup selection: no selection names its ARN in resources, and it has none of the tags the selections select (estate:backup=true).",
            "RDS/Aurora cluster 'aurora' is in no AWS Backup selection: no selection names its ARN in resources, and it has none of the tags the selections select (estate:backup=true).",
        ]);
    });

    it("fails a database a selection's notResources excludes", async () => {
        const excluded = selection("all-but", { resources: ["*"], notResources: [UNKNOWN] }, { notResources: [instance] });
        expect(single(await check(backupSelectionCoverage, [instance, excluded]), instance.urn).text).toBe(
            "RDS instance 'orders' is in no AWS Backup selection: no selection names its ARN in resources, and no selection selects by tag.",
        );
    });

    it("fails a database whose tag conditions do not all hold", async () => {
        const conditioned = selection("conditioned", {
            resources: ["*"],
            conditions: [{ stringEquals: [{ key: "aws:ResourceTag/team", value: "orders" }], stringNotEquals: [{ key: "aws:ResourceTag/team", value: "orders" }] }],
        });
        expect(single(await check(backupSelectionCoverage, [instance, conditioned]), instance.urn).text).toMatch(/^RDS instance 'orders' is in no AWS Backup selection/);
    });

    it("leaves out Aurora cluster instances (their cluster is selected) and read replicas (their source is)", async () => {
        const member = fakeResource({ type: B.clusterInstance, name: "aurora-1", props: {} });
        const replica = db(B.rdsInstance, "orders-replica", { replicateSourceDb: "orders" });
        clean(await check(backupSelectionCoverage, [member, replica, selection("x", { resources: ["arn:aws:rds:eu-west-1:1:db:x"] })]));
    });

    it("takes the provider's default tags (tagsAll) into account", async () => {
        const tagged = db(B.rdsInstance, "billing", { tagsAll: { "estate:backup": "true" } });
        clean(await check(backupSelectionCoverage, [tagged, tagSelection()]));
    });

    it("notes that it cannot run in preview when coverage depends on unknown tags", async () => {
        const unknownTags = db(B.rdsInstance, "orders", { tags: UNKNOWN });
        const violation = single(await check(backupSelectionCoverage, [unknownTags, tagSelection()], { config: prodConfig }));
        expect(violation.enforcementLevel).toBe("advisory");
        expect(violation.message).toMatch(/^can't run policy 'estate-backup-selection-coverage' during preview/);
    });

    it("fails in preview a database whose ARN is unknown and that no selection references", async () => {
        const unknownArn = db(B.rdsInstance, "orders", { arn: UNKNOWN, tags: {} });
        const report = await check(backupSelectionCoverage, [unknownArn, selection("by-arn", { resources: ["arn:aws:rds:eu-west-1:1:db:x"] })], { config: prodConfig });
        expect(single(report, unknownArn.urn)).toMatchObject({ enforcementLevel: "mandatory", text: expect.stringMatching(/^RDS instance 'orders' is in no AWS Backup selection/) });
    });

    it("does not apply to a stack without databases", async () => {
        expect((await check(backupSelectionCoverage, [tagSelection()])).notApplicable).toEqual([
            { policy: "estate-backup-selection-coverage", reason: "The stack has no RDS instance, RDS/Aurora cluster or DocumentDB cluster." },
        ]);
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-cross-region-copy", () => {
    const primary = vault("vault", { kmsKeyArn: KEY_ARN, region: "eu-west-1" });
    const dr = vault("dr-vault", { kmsKeyArn: KEY_ARN, region: DR_REGION });
    const drArn = `arn:aws:backup:${DR_REGION}:123456789012:backup-vault:dr-vault`;

    it("passes copies to the DR region, by literal ARN or (in preview) through a DR-region vault the rules name", async () => {
        clean(await check(backupCrossRegionCopy, [primary, dr, plan(prodRules(drArn), [primary], { region: "eu-west-1" })], { config: prodConfig }));
        clean(await check(backupCrossRegionCopy, [primary, dr, plan(prodRules(UNKNOWN), [primary, dr], { region: "eu-west-1" })], { config: prodConfig }));
    });

    it("fails a rule without a copy action, on the plan", async () => {
        const rules = prodRules(drArn).map((r) => (r.ruleName === "yearly" ? { ...r, copyActions: undefined } : r));
        const p = plan(rules, [primary, dr]);
        const violation = single(await check(backupCrossRegionCopy, [primary, dr, p], { config: prodConfig }));
        expect(violation).toMatchObject({ policy: "estate-backup-cross-region-copy", enforcementLevel: "mandatory", urn: p.urn });
        expect(violation.text).toBe("rule 'yearly' of backup plan 'plan' has no copy action: its recovery points never reach eu-central-1.");
    });

    it("fails copies to another region than the DR region", async () => {
        const elsewhere = "arn:aws:backup:us-east-1:123456789012:backup-vault:far";
        const report = await check(backupCrossRegionCopy, [primary, plan(prodRules(elsewhere), [primary])], { config: prodConfig });
        expect(report.violations.map((v) => v.urn)).toEqual([PLAN_URN, PLAN_URN, PLAN_URN, PLAN_URN]);
        expect(messagesOf(report)[0]).toBe(`rule 'daily' of backup plan 'plan' copies to no vault in eu-central-1 (destinations: ${elsewhere}).`);
    });

    it("fails in preview copies whose destination can only be the primary vault", async () => {
        const report = await check(backupCrossRegionCopy, [primary, plan(prodRules(UNKNOWN), [primary])], { config: prodConfig });
        expect(report.violations.map((v) => [v.enforcementLevel, v.urn])).toEqual(Array(4).fill(["mandatory", PLAN_URN]));
        expect(messagesOf(report)[3]).toBe("rule 'yearly' of backup plan 'plan' copies to no vault in eu-central-1.");
    });

    it("notes that it cannot run in preview when the destination comes from another stack", async () => {
        const ref = fakeResource({ type: B.stackReference, name: "dr-stack" });
        const p = fakeResource({ type: B.plan, name: "plan", props: { rules: prodRules(UNKNOWN) }, propertyDependencies: { rules: [primary.urn, ref.urn] } });
        const report = await check(backupCrossRegionCopy, [primary, ref, p], { config: prodConfig });
        expect(report.violations).toHaveLength(1);
        expect(report.violations[0]).toMatchObject({ enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy 'estate-backup-cross-region-copy' during preview/) });
    });

    it("with requireCrossRegionCopy and no DR region, accepts any other region than the plan's", async () => {
        const config = { "estate-backup-cross-region-copy": { requireCrossRegionCopy: true } };
        clean(await check(backupCrossRegionCopy, [plan(prodRules(drArn), [], { region: "eu-west-1" })], { config }));
        const sameRegion = "arn:aws:backup:eu-west-1:123456789012:backup-vault:other";
        const report = await check(backupCrossRegionCopy, [plan(prodRules(sameRegion), [], { region: "eu-west-1" })], { config });
        expect(report.violations.map((v) => v.urn)).toEqual(Array(4).fill(PLAN_URN));
        expect(messagesOf(report)[0]).toBe(`rule 'daily' of backup plan 'plan' copies to no vault in another region (destinations: ${sameRegion}).`);
    });

    describe("with a backup account (RDS and Aurora copy cross-region or cross-account, not both, in one plan)", () => {
        const ACCOUNT_VAULT = "arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies";
        const tags = { "estate:backup": "true" };
        const tagged = (name: string, p: RecordedResource) =>
            attach(B.selection, name, p, { planId: "plan-id", iamRoleArn: "arn:aws:iam::123456789012:role/backup", selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }] }, "planId");
        const byArn = (name: string, p: RecordedResource, arns: string[]) =>
            attach(B.selection, name, p, { planId: "plan-id", iamRoleArn: "arn:aws:iam::123456789012:role/backup", resources: arns }, "planId");
        /** The prod tiers without continuous backup, each copying to the backup account only. */
        const accountRules = () =>
            prodRules(ACCOUNT_VAULT).map((r) => ({ ...r, enableContinuousBackup: false, lifecycle: { deleteAfter: r.lifecycle.deleteAfter } }));
        const main = plan(prodRules(drArn), [primary, dr], { region: "eu-west-1" }, "main");
        const accountPlan = plan(accountRules(), [primary], { region: "eu-west-1" }, "account-copy");
        const postgres = db(B.rdsInstance, "postgres", { tags });

        it("accepts a plan whose every rule copies to the backup account, beside a plan copying the same databases to the DR region", async () => {
            clean(await check(backupCrossRegionCopy, [primary, dr, main, accountPlan, postgres, tagged("main-tagged", main), tagged("account-tagged", accountPlan)], { config: prodConfig }));
            // By ARN as well as by tag.
            const arn = "arn:aws:rds:eu-west-1:123456789012:db:postgres";
            clean(await check(backupCrossRegionCopy, [primary, dr, main, accountPlan, postgres, byArn("main-arn", main, [arn]), byArn("account-arn", accountPlan, [arn])], { config: prodConfig }));
        });

        it("refuses a plan that copies both to the DR region and to the backup account", async () => {
            const both = plan(
                prodRules(drArn).map((r) => ({ ...r, copyActions: [...r.copyActions!, { destinationVaultArn: ACCOUNT_VAULT, lifecycle: r.lifecycle }] })),
                [primary, dr],
                { region: "eu-west-1" },
            );
            const violation = single(await check(backupCrossRegionCopy, [primary, dr, both, postgres, tagged("tagged", both)], { config: prodConfig }), both.urn);
            expect(violation.text).toBe(
                "Backup plan 'plan' copies both to eu-central-1 (daily, weekly, monthly, yearly) and to another account (daily, weekly, monthly, yearly): " +
                    "AWS Backup copies RDS and Aurora cross-region or cross-account, not both in one plan; put the cross-account copies in a plan of their own.",
            );
        });

        it("refuses the backup account's plan for a database no DR-copying plan selects", async () => {
            const mongo = db(B.docdbCluster, "mongo", { tags });
            const resources = [primary, dr, main, accountPlan, postgres, mongo, byArn("main-arn", main, ["arn:aws:rds:eu-west-1:123456789012:db:postgres"]), tagged("account-tagged", accountPlan)];
            const violation = single(await check(backupCrossRegionCopy, resources, { config: prodConfig }), accountPlan.urn);
            expect(violation.text).toBe(
                "Backup plan 'account-copy' copies every rule to another account only, and DocumentDB cluster 'mongo', which it selects, is selected for no plan whose every rule copies to eu-central-1.",
            );
        });

        it("refuses the backup account's plan alone: without a DR-copying plan its rules reach no DR vault", async () => {
            const report = await check(backupCrossRegionCopy, [primary, accountPlan, postgres, tagged("account-tagged", accountPlan)], { config: prodConfig });
            expect(report.violations.map((v) => v.urn)).toEqual(Array(4).fill(accountPlan.urn));
            expect(messagesOf(report)[0]).toBe(`rule 'daily' of backup plan 'account-copy' copies to no vault in eu-central-1 (destinations: ${ACCOUNT_VAULT}).`);
        });

        it("the backup account's plan keeps every tier as long as the objective (estate-backup-plan-retention)", async () => {
            clean(await check(backupPlanRetention, [accountPlan], { config: prodConfig }));
            const short = plan(accountRules().filter((r) => r.ruleName !== "yearly"), [primary], {}, "account-copy");
            expect(single(await check(backupPlanRetention, [short], { config: prodConfig })).text).toMatch(/^Backup plan 'account-copy' has no rule for the yearly tier/);
        });
    });

    it("does not apply without a DR region in the policy config", async () => {
        expect((await check(backupCrossRegionCopy, [plan(prodRules())], { config: packConfig("dev") })).notApplicable).toEqual([
            { policy: "estate-backup-cross-region-copy", reason: "No DR region is configured (drRegion) and requireCrossRegionCopy is not set." },
        ]);
    });
});

// ------------------------------------------------------------------------------------------------

describe("estate-backup-database-key-guarded", () => {
    const BACKUP_ACCOUNT_VAULT = "arn:aws:backup:eu-central-1:210987654321:backup-vault:estate-copies";
    const OWN_ACCOUNT_VAULT = "arn:aws:backup:eu-central-1:123456789012:backup-vault:dr";
    const guarded = (guard: KeyGuard = PROD_GUARD) => JSON.stringify(guardedKeyPolicy("123456789012", "aws", { guard }));
    const dbKey = (policy?: unknown) =>
        fakeResource({ type: T.key, name: "db-key", props: { enableKeyRotation: true, arn: KEY_ARN, ...(policy !== undefined ? { policy } : {}) } });
    const tags = { "estate:backup": "true" };
    const encrypted = (type: string, name: string, k: RecordedResource, props: Record<string, unknown> = {}) =>
        attach(type, name, k, { kmsKeyId: KEY_ARN, arn: `arn:aws:rds:eu-west-1:123456789012:db:${name}`, tags, ...props }, "kmsKeyId");
    /** A plan whose rules copy to `destinations`, and a tag selection that names it through planId. */
    const planSelecting = (destinations: string[][]) => {
        const p = plan(
            prodRules().map((rule, i) => ({ ...rule, copyActions: (destinations[i] ?? []).map((d) => ({ destinationVaultArn: d, lifecycle: rule.lifecycle })) })),
        );
        const sel = attach(B.selection, "tagged", p, { planId: "plan-id", iamRoleArn: "arn:aws:iam::123456789012:role/backup", selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }] }, "planId");
        return [p, sel];
    };
    const everyRule = (arn: string) => [[arn], [arn], [arn], [arn]];
    const run = (resources: RecordedResource[]) => check(backupDatabaseKeyGuarded, resources, { config: prodConfig });

    it.each([
        [B.rdsInstance, "RDS instance"],
        [B.rdsCluster, "RDS/Aurora cluster"],
        [B.docdbCluster, "DocumentDB cluster"],
    ])("passes a %s (%s) whose key denies deletion, disabling and policy changes to all but the break-glass role (and the deployers)", async (type, _noun) => {
        const k = dbKey(guarded());
        clean(await run([k, encrypted(type, "db", k), ...planSelecting([])]));
    });

    it("passes a database with KMS's default key policy when every rule of its plan copies to another account's vault", async () => {
        const k = dbKey();
        clean(await run([k, encrypted(B.rdsInstance, "postgres", k), ...planSelecting(everyRule(BACKUP_ACCOUNT_VAULT))]));
    });

    it("passes a database with KMS's default key policy selected both for a DR-copying plan and for a plan copying every rule to the backup account", async () => {
        const k = dbKey();
        const [main, mainSelection] = planSelecting(everyRule(OWN_ACCOUNT_VAULT));
        const accountPlan = plan(
            prodRules().map((rule) => ({ ...rule, enableContinuousBackup: false, copyActions: [{ destinationVaultArn: "arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies", lifecycle: rule.lifecycle }] })),
            [],
            {},
            "account-copy",
        );
        const accountSelection = attach(B.selection, "account-tagged", accountPlan, { planId: "plan-id", iamRoleArn: "arn:aws:iam::123456789012:role/backup", selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }] }, "planId");
        const postgres = encrypted(B.rdsInstance, "postgres", k);
        clean(await run([k, postgres, main!, mainSelection!, accountPlan, accountSelection]));
        // Without the second plan, the same database is refused.
        expect((await run([k, postgres, main!, mainSelection!])).violations).toHaveLength(1);
    });

    it("passes a database on the AWS managed key aws/rds (no kmsKeyId), which nobody can delete", async () => {
        clean(await run([db(B.rdsInstance, "postgres", { storageEncrypted: true, tags })]));
    });

    it("fails a database whose key has KMS's default key policy and no copy in another account, on the database", async () => {
        const k = dbKey();
        const postgres = encrypted(B.rdsInstance, "postgres", k);
        const violation = single(await run([k, postgres, ...planSelecting(everyRule(OWN_ACCOUNT_VAULT))]), postgres.urn);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.text).toBe(
            "RDS instance 'postgres' is encrypted with KMS key 'db-key', which has KMS's default key policy: any principal the " +
                "account's IAM allows may schedule its deletion (7 days at the earliest) or disable it; deleting or disabling that " +
                "key makes every recovery point of the database unreadable, locked vault or not, and no rule of a plan that selects " +
                "it copies its recovery points to a vault in another account.",
        );
    });

    it("fails a key policy that denies deletion but not disabling or policy changes", async () => {
        const policy = JSON.parse(guarded()) as { Statement: Record<string, unknown>[] };
        policy.Statement = policy.Statement.filter((st) => st.Sid !== "OnlyBreakGlassAndDeployersMayChangeKeyPolicy");
        policy.Statement[1]!.Action = ["kms:ScheduleKeyDeletion"];
        const k = dbKey(JSON.stringify(policy));
        expect(single(await run([k, encrypted(B.docdbCluster, "mongo", k)])).text).toMatch(
            /^DocumentDB cluster 'mongo' is encrypted with KMS key 'db-key', which does not deny kms:DisableKey, kms:PutKeyPolicy to everyone but named roles/,
        );
    });

    it("does not count a deny that holds only under another condition, or exempts a wildcard", async () => {
        for (const condition of [
            { ArnNotEquals: { "aws:PrincipalArn": PROD_GUARD.breakGlassRoleArn }, Bool: { "aws:MultiFactorAuthPresent": "false" } },
            { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/*" } },
        ]) {
            const policy = JSON.parse(guarded()) as { Statement: Record<string, unknown>[] };
            policy.Statement[1]!.Condition = condition;
            const k = dbKey(JSON.stringify(policy));
            expect(single(await run([k, encrypted(B.rdsInstance, "postgres", k)])).text, JSON.stringify(condition)).toMatch(
                /which does not deny kms:ScheduleKeyDeletion, kms:DisableKey to everyone but named roles/,
            );
        }
    });

    it("fails a deny of deletion that exempts more than the configured break-glass roles", async () => {
        const k = dbKey(guarded({ ...PROD_GUARD, breakGlassRoleArn: "arn:aws:iam::123456789012:role/admin" }));
        expect(single(await run([k, encrypted(B.rdsInstance, "postgres", k)])).text).toMatch(
            /lets more than the break-glass roles \(arn:aws:iam::123456789012:role\/estate-break-glass\) kms:ScheduleKeyDeletion \(statement 'OnlyBreakGlassMayDeleteOrDisableKey' also exempt arn:aws:iam::123456789012:role\/admin\)/,
        );
    });

    it("fails when only some rules copy to another account", async () => {
        const k = dbKey();
        expect((await run([k, encrypted(B.rdsInstance, "postgres", k), ...planSelecting([[BACKUP_ACCOUNT_VAULT], [BACKUP_ACCOUNT_VAULT]])])).violations).toHaveLength(1);
    });

    it("fails a key from outside the stack unless the recovery points are copied to another account", async () => {
        const outside = db(B.rdsInstance, "postgres", { kmsKeyId: KEY_ARN, tags });
        expect(single(await run([outside])).text).toBe(
            `RDS instance 'postgres' is encrypted with a KMS key from outside the stack ("${KEY_ARN}"), whose key policy the policy ` +
                "cannot see: whoever may delete that key erases every recovery point of the database, and no rule of a plan that " +
                "selects it copies its recovery points to a vault in another account.",
        );
        clean(await run([outside, ...planSelecting(everyRule(BACKUP_ACCOUNT_VAULT))]));
    });

    it("notes that it cannot run in preview while the key policy is unknown", async () => {
        const k = dbKey(UNKNOWN);
        const violation = single(await run([k, encrypted(B.rdsInstance, "postgres", k)]));
        expect(violation.enforcementLevel).toBe("advisory");
        expect(violation.message).toMatch(/^can't run policy 'estate-backup-database-key-guarded' during preview/);
    });

    it("leaves out read replicas, whose source is backed up", async () => {
        const k = dbKey();
        clean(await run([k, encrypted(B.rdsInstance, "replica", k, { replicateSourceDb: "arn:aws:rds:eu-west-1:123456789012:db:postgres" })]));
    });

    it("does not apply to a stack without databases", async () => {
        expect((await run([dbKey()])).notApplicable).toEqual([
            { policy: "estate-backup-database-key-guarded", reason: "The stack has no RDS instance, RDS/Aurora cluster or DocumentDB cluster." },
        ]);
    });
});
