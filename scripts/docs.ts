/**
 * `npm run docs:policies [-- --check]`: writes docs/policies.md from the policies' metadata and
 * policies/config/*.json; with `--check`, only reports (exit 1) whether the committed file is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packEnforcementLevel, packName, policies } from "../policies/pack";
import { renderPolicyDocs, type StackPolicyConfig } from "./docs/policies";
import { writeOrCheck } from "./docs/output";
import { loadPolicyConfig } from "./engine/policy-config";

export const POLICY_DOCS = "docs/policies.md";

/** Every policy config file of the repository, validated, in name order. */
export function stackPolicyConfigs(root: string): StackPolicyConfig[] {
    const dir = path.join(root, "policies", "config");
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => {
            const file = `policies/config/${f}`;
            return { name: path.basename(f, ".json"), file, config: loadPolicyConfig(path.join(root, file), policies, file) };
        });
}

/** The Markdown docs/policies.md must hold. */
export function policyDocs(root: string): string {
    return renderPolicyDocs({ packName, packEnforcementLevel, policies, stacks: stackPolicyConfigs(root) });
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const root = process.cwd();
    return Promise.resolve(writeOrCheck(root, POLICY_DOCS, "docs:policies", argv, () => policyDocs(root)));
}
