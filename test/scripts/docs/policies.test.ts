/**
 * docs/policies.md: generated from the policies' metadata and the stacks' config files, and kept
 * up to date by this test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { packEnforcementLevel, packName, policies } from "../../../policies/pack";
import type { EstateResourcePolicy } from "../../../policies/lib/policy";
import { kyverno } from "../../../policies/lib/policy";
import { policyDocs, POLICY_DOCS, stackPolicyConfigs } from "../../../scripts/docs";
import { renderPolicyDocs } from "../../../scripts/docs/policies";
import { enforcementOf } from "../../../scripts/engine/policy-harness";

const root = path.resolve(__dirname, "../../..");
const committed = fs.readFileSync(path.join(root, POLICY_DOCS), "utf8");
const stacks = stackPolicyConfigs(root);

describe("docs/policies.md", () => {
    it("is what the generator writes from the current metadata and config files", () => {
        expect(committed === policyDocs(root), "docs/policies.md is out of date: run npm run docs:policies").toBe(true);
    });

    it("has one section and one index row per policy", () => {
        for (const policy of policies) {
            expect(committed.split("\n").filter((l) => l === `### \`${policy.name}\``), policy.name).toHaveLength(1);
            expect(committed).toContain(`| [\`${policy.name}\`](#${policy.name}) |`);
            expect(committed).toContain(`- **Checks:** ${policy.checks}`);
            expect(committed).toContain(`- **How to fix:** ${policy.remediationSteps}`);
        }
    });

    it("shows in the index the enforcement each stack's config file gives each policy", () => {
        expect(stacks.map((s) => s.name)).toEqual(["dev", "prod"]);
        const header = committed.split("\n").find((l) => l.startsWith("| policy |"))!;
        const columns = header.split("|").map((c) => c.trim());
        for (const policy of policies) {
            const row = committed.split("\n").find((l) => l.startsWith(`| [\`${policy.name}\`]`))!;
            const cells = row.split("|").map((c) => c.trim());
            for (const stack of stacks) {
                expect(cells[columns.indexOf(stack.name)], `${policy.name} in ${stack.file}`).toBe(enforcementOf(policy, { config: stack.config, packEnforcementLevel }));
            }
        }
        expect(committed).toMatch(/\| \[`estate-rds-storage-encrypted-cmk`\]\(#estate-rds-storage-encrypted-cmk\) \| rds \| medium \| resource \| advisory \| advisory \| no \|/);
        expect(committed).toMatch(/\| \[`estate-kms-key-rotation`\]\(#estate-kms-key-rotation\) \| kms \| medium \| resource \| remediate \| remediate \| yes \|/);
    });

    it("documents each config property with its type, bounds, default and each stack's value", () => {
        expect(committed).toContain("  | `minimumDays` | integer | an integer from 1 to 35 | `7` | `7` | `30` | The least backupRetentionPeriod in days (the stack's objective, 1 to 35). |");
        expect(committed).toContain("  | `drRegion` | string | a string matching `^[a-z]{2}(-[a-z]+)+-[0-9]+$` | none | not set | `\"eu-central-1\"` |");
    });

    it("names the equivalent scanner rules", () => {
        expect(committed).toContain(
            "- **Equivalent rules:** Checkov: `CKV_AWS_7`; AWS Config: [`cmk-backing-key-rotation-enabled`](https://docs.aws.amazon.com/config/latest/developerguide/cmk-backing-key-rotation-enabled.html); AWS Guard Rules Registry: `CMK_BACKING_KEY_ROTATION_ENABLED`.",
        );
    });

    it("needs only a policy's metadata to document a new one", () => {
        const added: EstateResourcePolicy = {
            name: "estate-k8s-servicemonitor-scraped",
            checks: "Every app Deployment has a ServiceMonitor.",
            description: "Apps that nobody scrapes fail silently; every app must be scraped by Prometheus.",
            remediationSteps: "Add a ServiceMonitor selecting the app's Service on its metrics port.",
            severity: "medium",
            tags: ["k8s", "monitoring", kyverno("require-servicemonitor")],
            configSchema: { properties: { exempt: { type: "array", items: { type: "string" }, description: "Apps not scraped." } } },
            validateResource: () => undefined,
        };
        const markdown = renderPolicyDocs({ packName, packEnforcementLevel, policies: [...policies, added], stacks });
        expect(markdown).toContain("| [`estate-k8s-servicemonitor-scraped`](#estate-k8s-servicemonitor-scraped) | k8s | medium | resource | advisory | mandatory | no |");
        expect(markdown).toContain("- **Equivalent rules:** Kyverno: `require-servicemonitor`.");
        expect(markdown).toContain("  | `exempt` | array | a list of strings | none | not set | not set | Apps not scraped. |");
    });
});
