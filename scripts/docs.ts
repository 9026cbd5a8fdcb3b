/**
 * `npm run docs:policies [-- --check]`: writes docs/policies.md from the policies' metadata and
 * policies/config/*.json; with `--check`, only reports (exit 1) whether the committed file is stale.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserInputError } from "../components/lib/errors";
import { packEnforcementLevel, packName, policies } from "../policies/pack";
import { renderPolicyDocs, type StackPolicyConfig } from "./docs/policies";
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
    try {
        const unknown = argv.filter((a) => a !== "--check");
        if (unknown.length > 0) {
            throw new UserInputError(`unknown argument ${JSON.stringify(unknown[0])}\nusage: npm run docs:policies [-- --check]`);
        }
        const wanted = policyDocs(root);
        const file = path.join(root, POLICY_DOCS);
        if (argv.includes("--check")) {
            const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
            if (current !== wanted) {
                process.stderr.write(`${POLICY_DOCS} is out of date: run npm run docs:policies\n`);
                return 1;
            }
            process.stdout.write(`${POLICY_DOCS} is up to date\n`);
            return 0;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, wanted);
        process.stdout.write(`wrote ${POLICY_DOCS} (${policies.length} policies)\n`);
        return 0;
    } catch (err) {
        if (pulumi.RunError.isInstance(err)) {
            process.stderr.write(`error: ${(err as Error).message}\n`);
            return 2;
        }
        throw err;
    }
}
