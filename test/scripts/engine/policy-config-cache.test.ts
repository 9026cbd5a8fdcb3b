/**
 * The config validation's memory (`loadPolicyConfig` with a cache directory): a file found valid is
 * not validated again, and nothing changed, in the file or in the pack's schemas, slips past it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { policies } from "../../../policies/pack";
import { loadPolicyConfig } from "../../../scripts/engine/policy-config";

const dirs: string[] = [];
function scratch(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-policy-cache-"));
    dirs.push(dir);
    return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("loadPolicyConfig with a cache directory", () => {
    it("remembers a valid file, and validates it anew once it changes", () => {
        const dir = scratch();
        const cache = path.join(dir, "cache");
        const file = path.join(dir, "stack.json");
        fs.writeFileSync(file, JSON.stringify({ all: "mandatory", "estate-rds-backup-retention": { minimumDays: 30 } }));
        expect(loadPolicyConfig(file, policies, "stack.json", cache)).toMatchObject({ all: "mandatory" });
        expect(fs.readdirSync(cache)).toHaveLength(1);
        expect(loadPolicyConfig(file, policies, "stack.json", cache)).toMatchObject({ all: "mandatory" });

        fs.writeFileSync(file, JSON.stringify({ all: "mandatory", "estate-rds-backup-retention": { minimumDays: 90 } }));
        expect(() => loadPolicyConfig(file, policies, "stack.json", cache)).toThrow("policy estate-rds-backup-retention, property minimumDays: 90 is not allowed");
        // A wrong file is never remembered.
        expect(fs.readdirSync(cache)).toHaveLength(1);
    });

    it("validates a remembered file anew when a policy's schema changed", () => {
        const dir = scratch();
        const cache = path.join(dir, "cache");
        const file = path.join(dir, "stack.json");
        fs.writeFileSync(file, JSON.stringify({ "estate-rds-backup-retention": { minimumDays: 30 } }));
        loadPolicyConfig(file, policies, "stack.json", cache);
        const stricter = policies.map((p) =>
            p.name === "estate-rds-backup-retention" ? { ...p, configSchema: { properties: { minimumDays: { type: "integer" as const, minimum: 1, maximum: 14 } } } } : p,
        );
        expect(() => loadPolicyConfig(file, stricter, "stack.json", cache)).toThrow("property minimumDays: 30 is not allowed");
    });
});
