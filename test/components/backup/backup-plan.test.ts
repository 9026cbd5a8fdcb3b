import * as aws from "@pulumi/aws";
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { BackupPlan, type BackupPlanArgs } from "../../../components/backup";
import { CONTINUOUS_SCHEDULE, RESTORE_TESTING_SCHEDULE, TIER_SCHEDULES } from "../../../components/backup/objectives";
import type { RetentionTiers } from "../../../components/backup/retention";
import { ArgumentError } from "../../../components/lib/errors";
import { type EngineRun, MOCK_ACCOUNT_ID, type RecordedResource, type RunOptions, fromWire, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";
import { loadStackConfig } from "../../../scripts/engine/stack-config";
import { plannedStack, root } from "../../helpers/plans";

const PROD: RetentionTiers = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
const DEV: RetentionTiers = { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 };
const COMPONENT = "estate:backup:BackupPlan";
const T = {
    key: "aws:kms/key:Key",
    alias: "aws:kms/alias:Alias",
    vault: "aws:backup/vault:Vault",
    lock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    plan: "aws:backup/plan:Plan",
    selection: "aws:backup/selection:Selection",
    restorePlan: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
    restoreSelection: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
};

/** The production-like arguments estate.ts passes. */
const PROD_ARGS: BackupPlanArgs = {
    retention: PROD,
    continuousBackup: { days: 30 },
    drRegion: "eu-central-1",
    vaultLock: { changeableForDays: 7 },
    region: "eu-west-1",
};

interface RuleJson {
    ruleName: string;
    targetVaultName: string;
    schedule: string;
    scheduleExpressionTimezone: string;
    startWindow: number;
    completionWindow: number;
    enableContinuousBackup: boolean;
    lifecycle: { deleteAfter: number; coldStorageAfter?: number };
    recoveryPointTags: Record<string, string>;
    copyActions?: { destinationVaultArn: string; lifecycle: { deleteAfter: number; coldStorageAfter?: number } }[];
}

/** One run of a BackupPlan "aws-backup" under the mock engine, with lookups by child name. */
class Built {
    constructor(readonly run: EngineRun) {}

    get component(): RecordedResource {
        return this.resource("aws-backup", COMPONENT);
    }

    resource(name: string, type?: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
        expect(found, `exactly one resource named ${name}`).toHaveLength(1);
        return found[0]!;
    }

    maybe(name: string): RecordedResource | undefined {
        return this.run.resources.find((r) => r.name === name);
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    // Inputs and outputs are deserialized engine payloads: typed loosely at this boundary only.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs(name: string): any {
        return plainInputs(this.resource(name), "unwrap");
    }

    rules(): RuleJson[] {
        return this.inputs("aws-backup-plan").rules as RuleJson[];
    }

    rule(name: string): RuleJson {
        const rule = this.rules().find((r) => r.ruleName === name);
        expect(rule, `a rule named ${name}`).toBeDefined();
        return rule!;
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    outputs(): any {
        return fromWire(this.run.outputs!.toJavaScript(), "unwrap");
    }
}

async function build(args: Partial<BackupPlanArgs> = {}, opts: RunOptions = {}): Promise<Built> {
    const run = await runProgram(() => {
        const plan = new BackupPlan("aws-backup", { retention: DEV, ...args });
        const outputs = {
            vaultName: plan.vaultName,
            vaultArn: plan.vaultArn,
            kmsKeyArn: plan.kmsKeyArn,
            planId: plan.planId,
            planArn: plan.planArn,
            roleArn: plan.roleArn,
            drVaultArn: plan.drVaultArn,
            drKmsKeyArn: plan.drKmsKeyArn,
            restoreTestingPlanName: plan.restoreTestingPlanName,
            selectionTag: plan.selectionTag,
            rules: plan.rules,
        };
        // Undefined outputs (no DR region, no restore testing) are left out, as the engine would.
        return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
    }, opts);
    return new Built(run);
}

const mockArn = (service: string, kind: string, name: string, region = "us-east-1") => `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${kind}/${name}`;

describe("BackupPlan with defaults (dev-like: no lock, no DR region)", () => {
    it("creates a key, a vault, a plan, a backup role, a tag selection and restore testing, parented to the component", async () => {
        const b = await build();
        const children = b.run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== COMPONENT);
        expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
            [
                `${T.key} aws-backup-key`,
                `${T.alias} aws-backup-key-alias`,
                `${T.vault} aws-backup-vault`,
                `${T.plan} aws-backup-plan`,
                `${T.role} aws-backup-role`,
                `${T.attachment} aws-backup-role-backup`,
                `${T.attachment} aws-backup-role-restores`,
                `${T.selection} aws-backup-selection-tagged`,
                `${T.restorePlan} aws-backup-restore-testing`,
                `${T.restoreSelection} aws-backup-restore-testing-rds`,
                `${T.restoreSelection} aws-backup-restore-testing-aurora`,
                `${T.restoreSelection} aws-backup-restore-testing-documentdb`,
            ].sort(),
        );
        for (const child of children) {
            expect(child.parent, child.name).toBe(b.component.urn);
        }
    });

    it("encrypts the vault with a rotating customer-managed key, joined through kmsKeyArn", async () => {
        const b = await build();
        expect(b.inputs("aws-backup-key")).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(b.inputs("aws-backup-vault").kmsKeyArn).toBe(mockArn("kms", "key", "aws-backup-key"));
        expect(b.resource("aws-backup-vault").propertyDependencies.kmsKeyArn).toEqual([b.resource("aws-backup-key").urn]);
    });

    it("protects and retains the key and the vault, and never force-destroys the vault", async () => {
        const b = await build();
        for (const name of ["aws-backup-key", "aws-backup-vault"]) {
            expect(b.resource(name).protect, name).toBe(true);
            expect(b.resource(name).retainOnDelete, name).toBe(true);
        }
        expect(b.inputs("aws-backup-vault").forceDestroy).toBe(false);
        expect(b.resource("aws-backup-plan").protect).toBe(false);
    });

    it("has one rule per tier, deleting at the tier's retention, all starting at 03:00 UTC with explicit windows", async () => {
        const b = await build();
        expect(b.rules().map((r) => [r.ruleName, r.schedule, r.lifecycle])).toEqual([
            ["daily", TIER_SCHEDULES.daily, { deleteAfter: 7 }],
            ["weekly", TIER_SCHEDULES.weekly, { deleteAfter: 28 }],
            ["monthly", TIER_SCHEDULES.monthly, { deleteAfter: 93 }],
            ["yearly", TIER_SCHEDULES.yearly, { deleteAfter: 366 }],
        ]);
        for (const rule of b.rules()) {
            expect(rule).toMatchObject({ scheduleExpressionTimezone: "Etc/UTC", startWindow: 60, completionWindow: 480 });
            // The mock auto-names the vault after the resource, as the provider does (plus a random suffix).
            expect(rule.targetVaultName).toBe("aws-backup-vault");
            expect(rule.recoveryPointTags).toEqual({ "estate:tier": rule.ruleName });
            expect(rule.copyActions).toBeUndefined();
        }
        expect(b.resource("aws-backup-plan").propertyDependencies.rules).toEqual([b.resource("aws-backup-vault").urn]);
    });

    it("backs up continuously on the daily rule (point-in-time recovery), kept the daily objective", async () => {
        const b = await build();
        expect(b.rules().map((r) => [r.ruleName, r.enableContinuousBackup])).toEqual([
            ["daily", true],
            ["weekly", false],
            ["monthly", false],
            ["yearly", false],
        ]);
    });

    it("lets AWS Backup assume a role with the AWS managed backup and restore policies", async () => {
        const b = await build();
        const trust = JSON.parse(b.inputs("aws-backup-role").assumeRolePolicy as string) as { Statement: { Principal: unknown; Action: string }[] };
        expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        expect(b.ofType(T.attachment).map((a) => plainInputs(a, "unwrap").policyArn).sort()).toEqual([
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        ]);
    });

    it("selects by the estate:backup tag, with the role's policies attached first", async () => {
        const b = await build();
        const selection = b.resource("aws-backup-selection-tagged");
        expect(b.inputs("aws-backup-selection-tagged")).toMatchObject({
            planId: "aws-backup-plan-id",
            iamRoleArn: mockArn("iam", "role", "aws-backup-role"),
            selectionTags: [{ type: "STRINGEQUALS", key: "estate:backup", value: "true" }],
        });
        expect(selection.propertyDependencies.planId).toEqual([b.resource("aws-backup-plan").urn]);
        for (const attachment of b.ofType(T.attachment)) {
            expect(selection.dependencies).toContain(attachment.urn);
        }
        expect(b.maybe("aws-backup-selection")).toBeUndefined();
        expect(b.outputs().selectionTag).toEqual({ key: "estate:backup", value: "true" });
    });

    it("restore-tests RDS, Aurora and DocumentDB monthly from this plan's vault, the latest point of the last week", async () => {
        const b = await build();
        expect(b.inputs("aws-backup-restore-testing")).toMatchObject({
            name: "estate_test_aws_backup",
            scheduleExpression: RESTORE_TESTING_SCHEDULE,
            scheduleExpressionTimezone: "Etc/UTC",
            startWindowHours: 24,
            recoveryPointSelection: {
                algorithm: "LATEST_WITHIN_WINDOW",
                includeVaults: [mockArn("backup", "vault", "aws-backup-vault")],
                recoveryPointTypes: ["CONTINUOUS", "SNAPSHOT"],
                selectionWindowDays: 7,
            },
        });
        for (const type of ["RDS", "Aurora", "DocumentDB"]) {
            const name = `aws-backup-restore-testing-${type.toLowerCase()}`;
            expect(b.inputs(name)).toMatchObject({
                name: type.toLowerCase(),
                restoreTestingPlanName: "estate_test_aws_backup",
                protectedResourceType: type,
                protectedResourceArns: ["*"],
                iamRoleArn: mockArn("iam", "role", "aws-backup-role"),
            });
        }
        expect(b.outputs().restoreTestingPlanName).toBe("estate_test_aws_backup");
    });

    it("publishes the vault, key, plan and role, and no DR vault", async () => {
        const b = await build();
        expect(b.outputs()).toMatchObject({
            vaultArn: mockArn("backup", "vault", "aws-backup-vault"),
            kmsKeyArn: mockArn("kms", "key", "aws-backup-key"),
            planId: "aws-backup-plan-id",
            planArn: mockArn("backup", "plan", "aws-backup-plan"),
            roleArn: mockArn("iam", "role", "aws-backup-role"),
        });
        expect(b.outputs().drVaultArn).toBeUndefined();
        expect(b.ofType(T.lock)).toEqual([]);
    });
});

describe("BackupPlan in production (lock, DR copies, continuous backup matching the databases)", () => {
    it("locks the vault in compliance mode with the cooling-off and retention bounds of the tiers", async () => {
        const b = await build(PROD_ARGS);
        const lock = b.inputs("aws-backup-vault-lock");
        expect(lock).toEqual({
            backupVaultName: "aws-backup-vault",
            changeableForDays: 7,
            minRetentionDays: 30,
            maxRetentionDays: 2562,
            region: "eu-west-1",
        });
        expect(b.resource("aws-backup-vault-lock").propertyDependencies.backupVaultName).toEqual([b.resource("aws-backup-vault").urn]);
        expect(b.resource("aws-backup-vault-lock").protect).toBe(true);
        // Every rule's retention fits the lock, or AWS would fail its jobs.
        for (const rule of b.rules()) {
            expect(rule.lifecycle.deleteAfter).toBeGreaterThanOrEqual(lock.minRetentionDays as number);
            expect(rule.lifecycle.deleteAfter).toBeLessThanOrEqual(lock.maxRetentionDays as number);
        }
    });

    it("keeps the prod tiers and moves nothing to cold storage, which AWS Backup ignores for RDS, Aurora and DocumentDB", async () => {
        const b = await build(PROD_ARGS);
        expect(b.rules().map((r) => [r.ruleName, r.enableContinuousBackup, r.lifecycle])).toEqual([
            ["daily", true, { deleteAfter: 30 }],
            ["weekly", false, { deleteAfter: 84 }],
            ["monthly", false, { deleteAfter: 372 }],
            ["yearly", false, { deleteAfter: 2562 }],
        ]);
        // Not on the copies either: cold storage would also block the cross-account copy.
        for (const rule of b.rules()) {
            for (const copy of rule.copyActions ?? []) {
                expect(copy.lifecycle, rule.ruleName).not.toHaveProperty("coldStorageAfter");
            }
        }
    });

    it("copies every rule to a locked vault in the DR region with its own rotating key, keeping the source lifecycle", async () => {
        const b = await build(PROD_ARGS);
        expect(b.inputs("aws-backup-dr-key")).toMatchObject({ enableKeyRotation: true, region: "eu-central-1" });
        expect(b.inputs("aws-backup-dr-vault")).toMatchObject({ region: "eu-central-1", kmsKeyArn: mockArn("kms", "key", "aws-backup-dr-key", "eu-central-1") });
        expect(b.inputs("aws-backup-dr-vault-lock")).toMatchObject({ changeableForDays: 7, minRetentionDays: 30, maxRetentionDays: 2562, region: "eu-central-1" });
        const drVaultArn = mockArn("backup", "vault", "aws-backup-dr-vault", "eu-central-1");
        for (const rule of b.rules()) {
            expect(rule.copyActions, rule.ruleName).toEqual([{ destinationVaultArn: drVaultArn, lifecycle: rule.lifecycle }]);
        }
        expect(b.resource("aws-backup-plan").propertyDependencies.rules.sort()).toEqual(
            [b.resource("aws-backup-vault").urn, b.resource("aws-backup-dr-vault").urn].sort(),
        );
        for (const name of ["aws-backup-dr-key", "aws-backup-dr-vault", "aws-backup-dr-vault-lock"]) {
            expect(b.resource(name).protect, name).toBe(true);
        }
        expect(b.outputs().drVaultArn).toBe(drVaultArn);
        expect(b.outputs().drKmsKeyArn).toBe(mockArn("kms", "key", "aws-backup-dr-key", "eu-central-1"));
    });

    it("puts the primary resources in the given region", async () => {
        const b = await build(PROD_ARGS);
        for (const name of ["aws-backup-key", "aws-backup-vault", "aws-backup-plan", "aws-backup-selection-tagged", "aws-backup-restore-testing"]) {
            expect(b.inputs(name).region, name).toBe("eu-west-1");
        }
    });

    it("adds a separate continuous rule when the daily tier outlives what continuous backup keeps", async () => {
        const b = await build({ ...PROD_ARGS, retention: { ...PROD, dailyDays: 60 }, continuousBackup: { days: 35 } });
        expect(b.rules().map((r) => [r.ruleName, r.schedule, r.enableContinuousBackup, r.lifecycle.deleteAfter])).toEqual([
            ["continuous", CONTINUOUS_SCHEDULE, true, 35],
            ["daily", TIER_SCHEDULES.daily, false, 60],
            ["weekly", TIER_SCHEDULES.weekly, false, 84],
            ["monthly", TIER_SCHEDULES.monthly, false, 372],
            ["yearly", TIER_SCHEDULES.yearly, false, 2562],
        ]);
        expect(b.inputs("aws-backup-vault-lock")).toMatchObject({ minRetentionDays: 35, maxRetentionDays: 2562 });
    });
});

const GUARD = {
    breakGlassRoleArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/estate-break-glass`,
    deployerRoleArns: [`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/estate-deployer`],
};
const BACKUP_ACCOUNT_VAULT = "arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies";

describe("BackupPlan copies to a backup account and guards its keys", () => {
    it("puts the backup account's copies in a plan of their own: no rule copies both cross-region and cross-account", async () => {
        const b = await build({ ...PROD_ARGS, copyToAccount: { vaultArn: BACKUP_ACCOUNT_VAULT } });
        const drVaultArn = mockArn("backup", "vault", "aws-backup-dr-vault", "eu-central-1");
        // The main plan copies to the DR region only.
        for (const rule of b.rules()) {
            expect(rule.copyActions, rule.ruleName).toEqual([{ destinationVaultArn: drVaultArn, lifecycle: rule.lifecycle }]);
        }
        // The second plan: the same tiers, schedules and retention, into the primary vault, no continuous backup,
        // each rule copying to the backup account's vault only.
        const second = b.inputs("aws-backup-account-copy-plan").rules as RuleJson[];
        expect(second.map((r) => [r.ruleName, r.schedule, r.enableContinuousBackup, r.lifecycle, r.targetVaultName])).toEqual(
            b.rules().map((r) => [r.ruleName, r.schedule, false, r.lifecycle, r.targetVaultName]),
        );
        for (const rule of second) {
            expect(rule.copyActions, rule.ruleName).toEqual([{ destinationVaultArn: BACKUP_ACCOUNT_VAULT, lifecycle: rule.lifecycle }]);
        }
        // One backup job per resource at a time: the second plan's job, scheduled beside the main plan's, may wait
        // as long as that job may run (its completion window) before it starts, then has as long to complete.
        const mainRule = b.rules()[0] as RuleJson & { startWindow: number; completionWindow: number };
        for (const rule of second as (RuleJson & { startWindow: number; completionWindow: number })[]) {
            expect([rule.startWindow, rule.completionWindow], rule.ruleName).toEqual([mainRule.completionWindow, 2 * mainRule.completionWindow]);
        }
        // Both plans select the same resources, by ARN and by tag.
        const selections = b.ofType(T.selection).map((s) => ({ name: s.name, ...(plainInputs(s, "unwrap") as { planId: string }) }));
        const planOf = (selection: string) => selections.find((s) => s.name === selection)!.planId;
        expect(planOf("aws-backup-selection-tagged")).toBe(b.outputs().planId);
        expect(planOf("aws-backup-account-copy-selection-tagged")).not.toBe(b.outputs().planId);
        const main = selections.find((s) => s.name === "aws-backup-selection-tagged")!;
        const copy = selections.find((s) => s.name === "aws-backup-account-copy-selection-tagged")!;
        expect({ ...copy, name: main.name, planId: main.planId }).toEqual(main);
        // Nowhere a rule with both kinds of copy.
        for (const plan of b.ofType(T.plan)) {
            for (const rule of plainInputs(plan, "unwrap").rules as RuleJson[]) {
                const destinations = (rule.copyActions ?? []).map((c) => c.destinationVaultArn);
                expect(destinations.includes(BACKUP_ACCOUNT_VAULT) && destinations.includes(drVaultArn), `${plan.name} ${rule.ruleName}`).toBe(false);
            }
        }
    });

    it("selects the given ARNs in the backup account's plan too, and keeps the main plan's resources where they were", async () => {
        const db = mockArn("rds", "cluster", "db", "eu-west-1");
        const b = await build({ ...PROD_ARGS, resources: [db], copyToAccount: { vaultArn: BACKUP_ACCOUNT_VAULT } });
        expect(b.inputs("aws-backup-selection").resources).toEqual([db]);
        expect(b.inputs("aws-backup-account-copy-selection").resources).toEqual([db]);
        for (const name of ["aws-backup-plan", "aws-backup-selection", "aws-backup-selection-tagged", "aws-backup-account-copy-plan"]) {
            expect(b.resource(name).parent, name).toBe(b.component.urn);
        }
    });

    it("leaves a separate continuous rule out of the backup account's plan", async () => {
        const b = await build({
            ...PROD_ARGS,
            retention: { ...PROD, dailyDays: 60 },
            continuousBackup: { days: 35 },
            copyToAccount: { vaultArn: BACKUP_ACCOUNT_VAULT },
        });
        const second = b.inputs("aws-backup-account-copy-plan").rules as RuleJson[];
        expect(second.map((r) => [r.ruleName, r.enableContinuousBackup, r.lifecycle.deleteAfter])).toEqual([
            ["daily", false, 60],
            ["weekly", false, 84],
            ["monthly", false, 372],
            ["yearly", false, 2562],
        ]);
    });

    it("has no second plan without a backup account", async () => {
        const b = await build(PROD_ARGS);
        expect(b.ofType(T.plan).map((p) => p.name)).toEqual(["aws-backup-plan"]);
        expect(b.ofType(T.selection).map((s) => s.name)).toEqual(["aws-backup-selection-tagged"]);
    });

    it("lets the backup account use the vault keys for the copies, and no other account", async () => {
        const b = await build({ ...PROD_ARGS, copyToAccount: { vaultArn: BACKUP_ACCOUNT_VAULT } });
        for (const key of ["aws-backup-key", "aws-backup-dr-key"]) {
            const statements = JSON.parse(b.inputs(key).policy).Statement as { Sid: string; Principal: { AWS: string } }[];
            const outside = statements.filter((st) => !st.Principal.AWS.includes(MOCK_ACCOUNT_ID));
            expect(outside.map((st) => [st.Sid, st.Principal.AWS]), key).toEqual([
                ["BackupAccountMayCopyRecoveryPoints", "arn:aws:iam::210987654321:root"],
                ["BackupAccountMayGrantForCopies", "arn:aws:iam::210987654321:root"],
            ]);
        }
    });

    it("denies deleting or disabling its keys to all but the break-glass role, and their policy to all but it and the deployers", async () => {
        const b = await build({ ...PROD_ARGS, keyGuard: GUARD });
        for (const key of ["aws-backup-key", "aws-backup-dr-key"]) {
            const denies = (JSON.parse(b.inputs(key).policy).Statement as { Effect: string }[]).filter((st) => st.Effect === "Deny");
            expect(denies, key).toEqual([
                {
                    Sid: "OnlyBreakGlassMayDeleteOrDisableKey",
                    Effect: "Deny",
                    Principal: { AWS: "*" },
                    Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DeleteImportedKeyMaterial"],
                    Resource: "*",
                    Condition: { ArnNotEquals: { "aws:PrincipalArn": GUARD.breakGlassRoleArn } },
                },
                {
                    Sid: "OnlyBreakGlassAndDeployersMayChangeKeyPolicy",
                    Effect: "Deny",
                    Principal: { AWS: "*" },
                    Action: ["kms:PutKeyPolicy"],
                    Resource: "*",
                    Condition: { ArnNotEquals: { "aws:PrincipalArn": [GUARD.breakGlassRoleArn, ...GUARD.deployerRoleArns] } },
                },
            ]);
        }
    });

    it("keeps KMS's default key policy when neither is asked for", async () => {
        const b = await build(PROD_ARGS);
        expect(b.inputs("aws-backup-key").policy).toBeUndefined();
    });
});

describe("BackupPlan overrides", () => {
    it("selects the given ARNs too, joined through `resources`", async () => {
        const run = await runProgram(() => {
            const db = new aws.rds.Instance("db", { instanceClass: "db.t4g.micro", engine: "postgres", allocatedStorage: 20 });
            new BackupPlan("aws-backup", { retention: DEV, resources: [db.arn, "arn:aws:rds:eu-west-1:111122223333:cluster:legacy"] });
        });
        const b = new Built(run);
        expect(b.inputs("aws-backup-selection").resources).toEqual([mockArn("rds", "instance", "db"), "arn:aws:rds:eu-west-1:111122223333:cluster:legacy"]);
        expect(b.resource("aws-backup-selection").propertyDependencies.resources).toEqual([b.resource("db").urn]);
        expect(b.maybe("aws-backup-selection-tagged")).toBeDefined();
    });

    it("selects only by ARN when selectByTag is off", async () => {
        const b = await build({ resources: ["arn:aws:rds:us-east-1:111122223333:db:app"], selectByTag: false });
        expect(b.maybe("aws-backup-selection-tagged")).toBeUndefined();
        expect(b.inputs("aws-backup-selection").resources).toEqual(["arn:aws:rds:us-east-1:111122223333:db:app"]);
        expect(b.outputs().selectionTag).toBeUndefined();
    });

    it("uses a given KMS key instead of creating one", async () => {
        const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/0d3b5c1e-0000-4000-8000-000000000000";
        const b = await build({ kmsKeyArn: keyArn, region: "eu-west-1" });
        expect(b.maybe("aws-backup-key")).toBeUndefined();
        expect(b.inputs("aws-backup-vault").kmsKeyArn).toBe(keyArn);
        expect(b.outputs().kmsKeyArn).toBe(keyArn);
    });

    it("with protectData false (dev), protects nothing and lets the vault be destroyed with its recovery points", async () => {
        const b = await build({ protectData: false });
        for (const r of b.run.resources) {
            expect(r.protect, r.name).toBe(false);
            expect(r.retainOnDelete, r.name).toBe(false);
        }
        expect(b.inputs("aws-backup-vault").forceDestroy).toBe(true);
    });

    it("takes snapshots only when continuous backup is off", async () => {
        const b = await build({ continuousBackup: false });
        expect(b.rules().every((r) => !r.enableContinuousBackup)).toBe(true);
        expect(b.inputs("aws-backup-restore-testing").recoveryPointSelection.recoveryPointTypes).toEqual(["SNAPSHOT"]);
    });

    it("takes schedules, windows and tags", async () => {
        const b = await build({
            schedules: { weekly: "cron(0 4 ? * SAT *)" },
            startWindowMinutes: 120,
            completionWindowMinutes: 720,
            tags: { team: "platform" },
        });
        expect(b.rule("weekly").schedule).toBe("cron(0 4 ? * SAT *)");
        expect(b.rule("daily")).toMatchObject({ startWindow: 120, completionWindow: 720, recoveryPointTags: { team: "platform", "estate:tier": "daily" } });
        for (const name of ["aws-backup-key", "aws-backup-vault", "aws-backup-plan", "aws-backup-role", "aws-backup-restore-testing"]) {
            expect(b.inputs(name).tags, name).toEqual({ team: "platform" });
        }
    });

    it("takes restore testing settings, or none at all", async () => {
        const b = await build({
            restoreTesting: {
                schedule: "cron(0 6 ? * MON *)",
                startWindowHours: 4,
                selectionWindowDays: 2,
                resourceTypes: ["RDS", "DocumentDB"],
                restoreMetadataOverrides: { RDS: { dbSubnetGroupName: "restore-tests" } },
                name: "prod_restore_tests",
            },
        });
        expect(b.inputs("aws-backup-restore-testing")).toMatchObject({
            name: "prod_restore_tests",
            scheduleExpression: "cron(0 6 ? * MON *)",
            startWindowHours: 4,
            recoveryPointSelection: { selectionWindowDays: 2 },
        });
        expect(b.ofType(T.restoreSelection).map((r) => r.name).sort()).toEqual(["aws-backup-restore-testing-documentdb", "aws-backup-restore-testing-rds"]);
        // Each type gets its own overrides, and only its own.
        expect(b.inputs("aws-backup-restore-testing-rds").restoreMetadataOverrides).toEqual({ dbSubnetGroupName: "restore-tests" });
        expect(b.inputs("aws-backup-restore-testing-documentdb").restoreMetadataOverrides).toBeUndefined();

        const off = await build({ restoreTesting: false });
        expect(off.ofType(T.restorePlan)).toEqual([]);
        expect(off.ofType(T.restoreSelection)).toEqual([]);
        expect(off.outputs().restoreTestingPlanName).toBeUndefined();
    });

    it("defaults the vault lock's cooling-off to 7 days", async () => {
        const b = await build({ vaultLock: {} });
        expect(b.inputs("aws-backup-vault-lock")).toMatchObject({ changeableForDays: 7, minRetentionDays: 7, maxRetentionDays: 366 });
    });
});

describe("BackupPlan invalid arguments", () => {
    const cases: [string, Partial<BackupPlanArgs>, string][] = [
        ["a zero retention", { retention: { ...DEV, dailyDays: 0 } }, "retention.dailyDays must be an integer >= 1 (got 0)"],
        ["a missing retention", { retention: undefined }, "retention is required (an object with dailyDays, weeklyWeeks, monthlyMonths, yearlyYears)"],
        [
            "a tier AWS Backup cannot keep",
            { retention: { ...DEV, yearlyYears: 100 } },
            "retention.yearlyYears keeps 36600 days; AWS Backup keeps a recovery point at most 36500 days (got 100)",
        ],
        ["continuous backup beyond 35 days", { continuousBackup: { days: 36 } }, "continuousBackup.days must be an integer from 1 to 35, or continuousBackup false (got 36)"],
        ["a cooling-off under 72 hours", { vaultLock: { changeableForDays: 2 } }, "vaultLock.changeableForDays must be an integer from 3 to 36500: AWS Backup enforces a 72-hour cooling-off (got 2)"],
        [
            "a lock on an unprotected plan",
            { vaultLock: {}, protectData: false },
            "vaultLock requires protectData: after the cooling-off a locked vault can never be deleted, so the stack must not try to",
        ],
        ["a DR region equal to the region", { region: "eu-west-1", drRegion: "eu-west-1" }, 'drRegion must differ from region (both are "eu-west-1")'],
        ["an empty DR region", { drRegion: "" }, 'drRegion must be a non-empty AWS region name (got "")'],
        [
            "a key alias",
            { kmsKeyArn: "alias/aws/backup" },
            'kmsKeyArn must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id>, not an alias or a bare key id (got "alias/aws/backup")',
        ],
        [
            "a key in another region",
            { region: "eu-west-1", kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/abc" },
            'kmsKeyArn must be a key in the vault\'s region "eu-west-1" (got a key in "us-east-1")',
        ],
        ["a selection of nothing", { selectByTag: false }, "selectByTag is false and resources is empty: the plan would back up nothing; pass resources or keep selectByTag"],
        ["an empty ARN", { resources: [""] }, 'resources[0] must be a resource ARN (got "")'],
        ["a Unix cron schedule", { schedules: { daily: "0 3 * * *" } }, 'schedules.daily must be an AWS cron expression such as cron(0 3 * * ? *); this one is not of the form cron(minute hour day-of-month month day-of-week year) (got "0 3 * * *")'],
        ["a schedule for no tier", { schedules: { hourly: "cron(0 * * * ? *)" } as never }, "schedules.hourly is not a tier (one of daily, weekly, monthly, yearly)"],
        ["a short start window", { startWindowMinutes: 30 }, "startWindowMinutes must be an integer >= 60 (got 30)"],
        ["a completion window too short for the start window", { startWindowMinutes: 120, completionWindowMinutes: 150 }, "completionWindowMinutes must be an integer >= startWindowMinutes + 60 = 180 (got 150)"],
        ["a bad restore testing schedule", { restoreTesting: { schedule: "monthly" } }, 'restoreTesting.schedule must be an AWS cron expression such as cron(0 8 15 * ? *); this one is not of the form cron(minute hour day-of-month month day-of-week year) (got "monthly")'],
        ["a week-long restore start window", { restoreTesting: { startWindowHours: 169 } }, "restoreTesting.startWindowHours must be an integer from 1 to 168 (got 169)"],
        ["a zero selection window", { restoreTesting: { selectionWindowDays: 0 } }, "restoreTesting.selectionWindowDays must be an integer from 1 to 365 (got 0)"],
        [
            "an unsupported restore test type",
            { restoreTesting: { resourceTypes: ["EBS" as "RDS"] } },
            'restoreTesting.resourceTypes must be a non-empty list of distinct types from RDS, Aurora, DocumentDB (got ["EBS"])',
        ],
        [
            "a copy destination that is not a vault ARN",
            { copyToAccount: { vaultArn: "arn:aws:kms:eu-west-1:210987654321:key/abc" } },
            'copyToAccount.vaultArn must be a backup vault ARN such as arn:aws:backup:eu-west-1:210987654321:backup-vault:estate-copies (got "arn:aws:kms:eu-west-1:210987654321:key/abc")',
        ],
        [
            "a backup account's vault in another region than the vault's (RDS and Aurora copy across accounts or regions, not both)",
            { region: "eu-west-1", copyToAccount: { vaultArn: "arn:aws:backup:eu-central-1:210987654321:backup-vault:copies" } },
            'copyToAccount.vaultArn must be a vault in "eu-west-1", the region of the backed-up databases (got one in "eu-central-1"): ' +
                "AWS Backup copies RDS and Aurora snapshots either to another account or to another region, never both in one copy",
        ],
        [
            "a copy destination in the guarded keys' own account",
            { keyGuard: GUARD, copyToAccount: { vaultArn: `arn:aws:backup:eu-west-1:${MOCK_ACCOUNT_ID}:backup-vault:copies` } },
            `copyToAccount.vaultArn must be in another account than this one (${MOCK_ACCOUNT_ID}, the key guard's): a copy in the same account falls with it`,
        ],
        [
            "a key guard without deployers",
            { keyGuard: { ...GUARD, deployerRoleArns: [] } },
            "keyGuard.deployerRoleArns must name at least one IAM role: the role that runs pulumi up, or KMS's lockout safety check refuses the key policy",
        ],
        ["a hyphenated restore testing plan name", { restoreTesting: { name: "prod-tests" } }, 'restoreTesting.name must be 1-50 letters, digits or underscores (got "prod-tests")'],
    ];

    it.each(cases)("rejects %s with an ArgumentError, registering nothing", async (_case, override, message) => {
        let caught: unknown;
        const run = await runProgram(() => {
            try {
                new BackupPlan("aws-backup", { retention: DEV, ...override } as BackupPlanArgs);
            } catch (err) {
                caught = err;
            }
        });
        expect(caught).toBeInstanceOf(ArgumentError);
        expect((caught as Error).message).toBe(`BackupPlan "aws-backup": ${message}`);
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("BackupPlan in preview", () => {
    it("builds every child although ids and ARNs are unknown, and keeps the joins policies rely on", async () => {
        const preview = await build(PROD_ARGS, { preview: true });
        const up = await build(PROD_ARGS);
        expect(preview.run.resources.map((r) => r.name).sort()).toEqual(up.run.resources.map((r) => r.name).sort());
        expect(preview.inputs("aws-backup-vault").kmsKeyArn).toBe("[unknown]");
        expect(preview.resource("aws-backup-vault").propertyDependencies.kmsKeyArn).toEqual([preview.resource("aws-backup-key").urn]);
        expect(preview.resource("aws-backup-vault-lock").propertyDependencies.backupVaultName).toEqual([preview.resource("aws-backup-vault").urn]);
        expect(preview.rule("yearly").copyActions![0]!.destinationVaultArn).toBe("[unknown]");
        expect(preview.rule("yearly").lifecycle).toEqual(up.rule("yearly").lifecycle);
        expect(preview.outputs().rules).toEqual(up.outputs().rules);
    });
});

const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

describe.each(stacks)("the AWS Backup plans of stack %s", (stack) => {
    it("puts the backup account's copies in a plan of their own: no rule copies both cross-region and cross-account", async () => {
        const run = await plannedStack(stack);
        const { config } = loadStackConfig(root, stack);
        const accountOf = (arn: string) => arn.split(":")[4];
        const regionOf = (arn: string) => arn.split(":")[3];
        const plans = run.resources.filter((r) => r.type === T.plan);
        for (const plan of plans) {
            const inputs = plainInputs(plan, "unwrap") as { region?: string; rules: RuleJson[] };
            const planRegion = inputs.region ?? config["aws:region"];
            for (const rule of inputs.rules) {
                const destinations = (rule.copyActions ?? []).map((c) => c.destinationVaultArn);
                const crossRegion = destinations.filter((arn) => regionOf(arn) !== planRegion);
                const crossAccount = destinations.filter((arn) => accountOf(arn) !== MOCK_ACCOUNT_ID);
                expect(crossRegion.length > 0 && crossAccount.length > 0, `${plan.name} ${rule.ruleName}: ${destinations.join(", ")}`).toBe(false);
            }
        }
        // A stack with a backup account still copies every tier there, and to the DR region.
        const backup = config["estate:backup"] ? (JSON.parse(config["estate:backup"]) as { plan?: { copyToAccount?: { vaultArn: string } } }) : {};
        const copyTo = backup.plan?.copyToAccount?.vaultArn;
        if (copyTo !== undefined && plans.length > 0) {
            const copying = plans.filter((p) => (plainInputs(p, "unwrap").rules as RuleJson[]).every((r) => (r.copyActions ?? []).some((c) => c.destinationVaultArn === copyTo)));
            expect(copying.map((p) => p.name)).toEqual([expect.stringMatching(/-account-copy-plan$/)]);
        }
    });
});
