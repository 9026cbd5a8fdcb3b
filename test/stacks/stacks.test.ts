/**
 * The example stacks as a whole: their objectives reach the policy pack unchanged, and a bad
 * config builds nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEstateConfig } from "../../infra/config";
import { runProgram } from "../../scripts/engine/mock-engine";
import { bundleProgram, programFrom } from "../../scripts/engine/program";
import { loadStackConfig } from "../../scripts/engine/stack-config";

const root = path.resolve(__dirname, "../..");
const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

type PolicyConfigFile = Record<string, { retention?: unknown; drRegion?: unknown; requireCrossRegionCopy?: unknown; minChangeableForDays?: number }>;

function specAndPolicyConfig(stack: string) {
    const { config, project } = loadStackConfig(root, stack);
    const spec = parseEstateConfig(config, { project, stack });
    const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config", `${stack}.json`), "utf8")) as PolicyConfigFile;
    return { spec, policyConfig };
}

describe.each(stacks)("stack %s", (stack) => {
    it("its policy config enforces exactly the retention objectives the stack declares", () => {
        const { spec, policyConfig } = specAndPolicyConfig(stack);
        expect(policyConfig["estate-s3-lifecycle-retention"]?.retention).toEqual(spec.dr.retention);
        expect(policyConfig.all).toBe(spec.profile === "prod" ? "mandatory" : "advisory");
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
