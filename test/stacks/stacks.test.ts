/**
 * The example stacks as a whole: their objectives reach the policy pack unchanged, and a bad
 * config builds nothing.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BACKUP_SELECTION_TAG, BACKUP_WINDOWS, nativeBackupRetentionDays } from "../../components/backup/objectives";
import { parseEstateConfig } from "../../infra/config";
import { backupPolicies } from "../../policies/aws/backup";
import { packEnforcementLevel } from "../../policies/pack";
import { fromWire, plainInputs, runProgram } from "../../scripts/engine/mock-engine";
import { evaluatePolicies } from "../../scripts/engine/policy-harness";
import { bundleProgram, programFrom } from "../../scripts/engine/program";
import { loadStackConfig } from "../../scripts/engine/stack-config";
import { stackNames } from "../../scripts/engine/stacks";
import { resolvePolicyConfigFile } from "../../scripts/cli";
import { plannedStack } from "../helpers/plans";

const root = path.resolve(__dirname, "../..");
const stacks = stackNames(root);

type PolicyConfigFile = Record<
    string,
    { retention?: unknown; drRegion?: unknown; requireCrossRegionCopy?: unknown; minChangeableForDays?: number; minimumDays?: unknown; breakGlassRoleArns?: unknown }
>;

function specAndPolicyConfig(stack: string) {
    const { config, project } = loadStackConfig(root, stack);
    const spec = parseEstateConfig(config, { project, stack });
    const policyConfig = JSON.parse(fs.readFileSync(resolvePolicyConfigFile(root, stack)!, "utf8")) as PolicyConfigFile;
    return { spec, policyConfig };
}

describe.each(stacks)("stack %s", (stack) => {
    it("its policy config enforces exactly the retention objectives the stack declares", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        expect(policyConfig["estate-s3-lifecycle-retention"]?.retention).toEqual(spec.dr.retention);
        expect(policyConfig.all).toBe(spec.profile === "prod" ? "mandatory" : "advisory");
    });

    it("relaxes the monitoring namespace in its policy config exactly when it runs the node exporter", () => {
        const { spec } = specAndPolicyConfig(stack);
        const policyConfig = JSON.parse(fs.readFileSync(resolvePolicyConfigFile(root, stack)!, "utf8")) as Record<string, { relaxed?: string[] }>;
        expect(policyConfig["estate-k8s-namespace-pod-security"]?.relaxed?.includes("monitoring") ?? false).toBe(spec.monitoring.nodeExporter);
    });

    it("its policy config requires exactly the backup retention the data components derive from the objectives", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        const derived = nativeBackupRetentionDays(spec.dr.retention, { protectData: spec.protectData });
        for (const policy of ["estate-rds-backup-retention", "estate-docdb-backup-retention", "estate-elasticache-snapshot-retention"]) {
            expect(policyConfig[policy]?.minimumDays, `${policy} in policies/config/${stack}.json`).toBe(derived);
        }
    });
    it("every policy that takes a retention objective gets the stack's, in the same block", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        const withRetention = Object.entries(policyConfig).filter(([, entry]) => typeof entry === "object" && "retention" in entry);
        expect(withRetention.map(([name]) => name).sort()).toEqual(["estate-backup-plan-retention", "estate-backup-vault-lock", "estate-s3-lifecycle-retention"]);
        for (const [name, entry] of withRetention) {
            expect(entry.retention, name).toEqual(spec.dr.retention);
        }
    });

    it("requires cross-region copies to the stack's DR region exactly when it has one", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        const entry = policyConfig["estate-backup-cross-region-copy"];
        if (spec.dr.drRegion === undefined) {
            expect(entry).toBeUndefined();
        } else {
            expect(entry).toEqual({ drRegion: spec.dr.drRegion, requireCrossRegionCopy: true });
        }
    });

    it("bounds the key-deletion exemptions in its policy config by exactly the stack's break-glass role", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        const entry = policyConfig["estate-backup-database-key-guarded"];
        if (spec.backup.keyGuard === undefined) {
            expect(entry).toBeUndefined();
        } else {
            expect(entry).toEqual({ breakGlassRoleArns: [spec.backup.keyGuard.breakGlassRoleArn] });
        }
    });

    it("its vault lock's cooling-off passes the policy's minimum", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        const minimum = policyConfig["estate-backup-vault-lock"]?.minChangeableForDays ?? 3;
        expect(minimum).toBeGreaterThanOrEqual(3);
        if (spec.backup.plan.vaultLock) {
            expect(spec.backup.plan.vaultLock.changeableForDays).toBeGreaterThanOrEqual(minimum);
        }
    });
});

describe("AWS Backup in the example stacks", () => {
    it("prod, with managed databases, gets a locked vault and DR copies; dev, all in the cluster, none", async () => {
        const bundle = await bundleProgram(root, "infra/index.ts");
        const types = async (stack: string) => {
            const { config, secretKeys } = loadStackConfig(root, stack);
            const run = await runProgram(programFrom(bundle), { stack, config, secretKeys });
            return run.resources.map((r) => r.type);
        };
        const prod = await types("prod");
        expect(prod.filter((t) => t === "estate:backup:BackupPlan")).toHaveLength(1);
        expect(prod.filter((t) => t === "aws:backup/vault:Vault")).toHaveLength(2);
        expect(prod.filter((t) => t === "aws:backup/vaultLockConfiguration:VaultLockConfiguration")).toHaveLength(2);
        expect(prod).toContain("aws:backup/restoreTestingPlan:RestoreTestingPlan");
        const dev = await types("dev");
        expect(dev.filter((t) => t.startsWith("aws:backup/") || t === "estate:backup:BackupPlan")).toEqual([]);
    });

    it("prod's managed databases are in the plan's selection by ARN and by tag; its backup policies pass with them", async () => {
        // The prod plan the other files share (test/helpers/plans.ts): the same program, stack and config.
        const run = await plannedStack("prod");
        const databases = run.resources.filter((r) => r.type === "aws:rds/instance:Instance" || r.type === "aws:docdb/cluster:Cluster");
        expect(databases.map((r) => r.name).sort()).toEqual(["mongo-cluster", "postgres-db"]);
        const selection = run.resources.find((r) => r.type === "aws:backup/selection:Selection" && r.name === "aws-backup-selection")!;
        // Sorted in a copy: the plan is shared, read-only.
        expect([...(selection.propertyDependencies.resources ?? [])].sort()).toEqual(databases.map((r) => r.urn).sort());
        const arnOf = (r: (typeof databases)[number]) => (fromWire(r.outputs!.toJavaScript()) as { arn: string }).arn;
        expect((plainInputs(selection).resources as string[]).slice().sort()).toEqual(databases.map(arnOf).sort());
        for (const db of databases) {
            expect((plainInputs(db).tags as Record<string, string>)[BACKUP_SELECTION_TAG.key], db.name).toBe(BACKUP_SELECTION_TAG.value);
        }
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config/prod.json"), "utf8")) as PolicyPackConfig;
        const report = await evaluatePolicies(backupPolicies, run.resources, { config: policyConfig, packEnforcementLevel });
        expect(report.violations).toEqual([]);
        // It ran over the databases, not over nothing.
        expect(report.notApplicable.filter((n) => n.policy === "estate-backup-selection-coverage")).toEqual([]);
    });

    it("prod's backups survive a deleted database key: only the break-glass role may delete it, and every rule of a second plan copies to the backup account", async () => {
        const { config, project } = loadStackConfig(root, "prod");
        const spec = parseEstateConfig(config, { project, stack: "prod" });
        const guard = spec.backup.keyGuard!;
        const copyTo = spec.backup.plan.copyToAccount!;
        const run = await plannedStack("prod");
        const byName = (name: string) => run.resources.find((r) => r.name === name)!;
        for (const db of ["postgres-db", "mongo-cluster"]) {
            const [keyUrn] = byName(db).propertyDependencies.kmsKeyId ?? [];
            const key = run.resources.find((r) => r.urn === keyUrn)!;
            const statements = JSON.parse(plainInputs(key).policy as string).Statement as { Sid?: string; Effect: string; Action: string[]; Condition?: unknown; Principal: { AWS?: string } }[];
            const deletion = statements.find((st) => st.Effect === "Deny" && st.Action.includes("kms:ScheduleKeyDeletion"));
            expect(deletion, `${key.name} of ${db}`).toMatchObject({ Principal: { AWS: "*" }, Condition: { ArnNotEquals: { "aws:PrincipalArn": guard.breakGlassRoleArn } } });
            // The backup account may use the key for its copies (AWS Backup re-encrypts them with its own vault key).
            expect(statements.some((st) => st.Principal.AWS === `arn:aws:iam::${copyTo.vaultArn.split(":")[4]}:root` && st.Action.includes("kms:CreateGrant")), key.name).toBe(true);
        }
        // From a plan of its own (RDS and Aurora copy cross-region or cross-account, not both, in one plan), over the same selections.
        const rules = plainInputs(byName("aws-backup-account-copy-plan")).rules as { ruleName: string; copyActions: { destinationVaultArn: string }[] }[];
        expect(rules.map((r) => r.ruleName)).toEqual(["daily", "weekly", "monthly", "yearly"]);
        for (const rule of rules) {
            expect(rule.copyActions.map((c) => c.destinationVaultArn), rule.ruleName).toEqual([copyTo.vaultArn]);
        }
        const selectedBy = (plan: string) => run.resources.filter((r) => r.type === "aws:backup/selection:Selection" && r.propertyDependencies.planId?.includes(byName(plan).urn)).length;
        expect(selectedBy("aws-backup-account-copy-plan")).toBe(selectedBy("aws-backup-plan"));
        expect(selectedBy("aws-backup-plan")).toBeGreaterThan(0);
    });

    it("without a key guard and a copy to another account, prod's databases are refused: one key deletion would erase their backups", async () => {
        const { config, secretKeys, project } = loadStackConfig(root, "prod");
        const backup = JSON.parse(config["estate:backup"]!) as { breakGlassRoleArn?: string; deployerRoleArns?: string[]; plan: { copyToAccount?: unknown } };
        delete backup.breakGlassRoleArn;
        delete backup.deployerRoleArns;
        delete backup.plan.copyToAccount;
        const run = await runProgram(programFrom(await bundleProgram(root, "infra/index.ts")), {
            project,
            stack: "prod",
            config: { ...config, "estate:backup": JSON.stringify(backup) },
            secretKeys,
        });
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config/prod.json"), "utf8")) as PolicyPackConfig;
        const report = await evaluatePolicies(backupPolicies, run.resources, { config: policyConfig, packEnforcementLevel });
        const nameOf = (urn: string) => run.resources.find((r) => r.urn === urn)!.name;
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, nameOf(v.urn!)]).sort()).toEqual([
            ["estate-backup-database-key-guarded", "mandatory", "mongo-cluster"],
            ["estate-backup-database-key-guarded", "mandatory", "postgres-db"],
        ]);
    });

    it("prod's databases keep their own backups exactly as long as AWS Backup's continuous rule: one derivation, no drift", async () => {
        const { config, project } = loadStackConfig(root, "prod");
        const spec = parseEstateConfig(config, { project, stack: "prod" });
        const run = await plannedStack("prod");
        const inputsOf = (type: string) => run.resources.filter((r) => r.type === type).map((r) => plainInputs(r));
        const derived = nativeBackupRetentionDays(spec.dr.retention, { protectData: spec.protectData });
        expect(derived).toBe(30);
        const [rds] = inputsOf("aws:rds/instance:Instance");
        const [docdb] = inputsOf("aws:docdb/cluster:Cluster");
        const [redis] = inputsOf("aws:elasticache/replicationGroup:ReplicationGroup");
        expect(rds!.backupRetentionPeriod).toBe(derived);
        expect(docdb!.backupRetentionPeriod).toBe(derived);
        expect(redis!.snapshotRetentionLimit).toBe(derived);
        // One continuous rule in all the plans (the backup account's plan has none: AWS Backup keeps one per resource).
        const continuous = inputsOf("aws:backup/plan:Plan")
            .flatMap((plan) => plan.rules as { ruleName: string; enableContinuousBackup?: boolean; lifecycle: { deleteAfter: number } }[])
            .filter((r) => r.enableContinuousBackup);
        expect(continuous.map((r) => [r.ruleName, r.lifecycle.deleteAfter])).toEqual([["daily", derived]]);
        // And every native window is the shared one, clear of AWS Backup's start and of maintenance.
        expect([rds!.backupWindow, docdb!.preferredBackupWindow, redis!.snapshotWindow]).toEqual([BACKUP_WINDOWS.native, BACKUP_WINDOWS.native, BACKUP_WINDOWS.native]);
        expect([rds!.maintenanceWindow, docdb!.preferredMaintenanceWindow, redis!.maintenanceWindow]).toEqual([
            BACKUP_WINDOWS.maintenance,
            BACKUP_WINDOWS.maintenance,
            BACKUP_WINDOWS.maintenance,
        ]);
    });
});

describe("a stack with an invalid config", () => {
    it("registers nothing but the stack itself", async () => {
        const bundle = await bundleProgram(root, "infra/index.ts");
        const run = await runProgram(programFrom(bundle), {
            stack: "broken",
            config: { "aws:region": "eu-west-1", "estate:profile": "prod", "estate:domain": "example.com", "estate:dr": '{"rpoMinutes":0}' },
            captureErrors: true,
        });
        expect((run.error as Error).message).toContain("estate:dr.rpoMinutes must be an integer from 1 to 10080 (got 0)");
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("the data services of the example stacks", () => {
    async function planOf(stack: string) {
        return plannedStack(stack);
    }

    it("prod runs Postgres, MongoDB and Redis managed on AWS, and exports each connection with its credentials secret (Postgres's rotating secret by reference)", async () => {
        const run = await planOf("prod");
        const components = run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => `${r.type} ${r.name}`);
        expect(components).toEqual(["estate:data:ManagedPostgres postgres", "estate:data:ManagedMongo mongo", "estate:data:ManagedRedis redis"]);
        // The cluster runs the platform and the apps only: no Kubernetes object belongs to a data service.
        const dataComponents = new Set(run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => r.urn));
        expect(run.resources.filter((r) => r.type.startsWith("kubernetes:") && dataComponents.has(r.parent ?? "")).map((r) => r.name)).toEqual([]);
        expect(run.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && ["cnpg", "barman-cloud", "mongodb-kubernetes", "redis"].includes(String(plainInputs(r).name)))).toBe(false);
        const data = (fromWire(run.outputs!.toJavaScript()) as { data: Record<string, Record<string, unknown>> }).data;
        expect(Object.keys(data).sort()).toEqual(["mongo", "postgres", "redis"]);
        for (const [service, connection] of Object.entries(data)) {
            // Postgres's password rotates (RDS): it exports where to read it, never a copy (docs/credentials.md).
            const credentials = service === "postgres" ? { rotating: { secretArn: expect.stringMatching(/^arn:aws:secretsmanager:/) } } : { password: "[secret]", uri: "[secret]" };
            expect(connection, service).toMatchObject({ placement: "managed", ...credentials });
            expect(typeof connection.host, service).toBe("string");
        }
        expect(data.redis).toMatchObject({ tls: true });
    });

    it("dev runs them in the cluster, through the platform's provider, in the platform's default-deny data namespace", async () => {
        const run = await planOf("dev");
        const components = run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => r.type);
        expect(components).toEqual(["estate:data:ClusterPostgres", "estate:data:ClusterMongo", "estate:data:ClusterRedis"]);
        const namespace = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && plainInputs(r).metadata !== undefined && (plainInputs(r).metadata as { name: string }).name === "data")!;
        expect(namespace.name).toBe("platform-ns-data");
        // A stack deployed before the platform had the namespace as the top-level resource `data`: it is adopted, not replaced.
        expect(namespace.aliases).toEqual([{ name: "data", noParent: true }]);
        expect(plainInputs(namespace).metadata).toMatchObject({ name: "data", labels: { "app.kubernetes.io/part-of": "estate", "pod-security.kubernetes.io/enforce": "restricted" } });
        expect(plainInputs(run.resources.find((r) => r.name === "platform-data-default-deny")!).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        // Every namespaced object of a data service lives in the data namespace, or in the operator's own.
        const dataComponents = new Set(run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => r.urn));
        const namespaces = run.resources
            .filter((r) => r.type.startsWith("kubernetes:") && dataComponents.has(r.parent ?? ""))
            .map((r) => plainInputs(r))
            .map((i) => (i.metadata as { namespace?: string } | undefined)?.namespace ?? (i.namespace as string | undefined) ?? "(cluster)");
        expect(new Set(namespaces)).toEqual(new Set(["data", "cnpg-system", "(cluster)"]));
        const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.name).toBe("cluster");
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            expect(r.provider?.startsWith(provider.urn), r.name).toBe(true);
        }
        const data = (fromWire(run.outputs!.toJavaScript()) as { data: Record<string, Record<string, unknown>> }).data;
        expect(data.postgres).toMatchObject({ placement: "cluster", host: "postgres-rw.data.svc", password: "[secret]" });
        expect(data.redis).toMatchObject({ placement: "cluster", tls: false });
    });
});
