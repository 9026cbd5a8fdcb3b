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

describe.each(stacks)("stack %s", (stack) => {
    it("its policy config enforces exactly the retention objectives the stack declares", () => {
        const { config, project } = loadStackConfig(root, stack);
        const spec = parseEstateConfig(config, { project, stack });
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config", `${stack}.json`), "utf8")) as Record<
            string,
            { retention?: unknown }
        >;
        expect(policyConfig["estate-s3-lifecycle-retention"]?.retention).toEqual(spec.dr.retention);
        expect(policyConfig.all).toBe(spec.profile === "prod" ? "mandatory" : "advisory");
    });

    it("relaxes the monitoring namespace in its policy config exactly when it runs the node exporter", () => {
        const { config, project } = loadStackConfig(root, stack);
        const spec = parseEstateConfig(config, { project, stack });
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config", `${stack}.json`), "utf8")) as Record<string, { relaxed?: string[] }>;
        expect(policyConfig["estate-k8s-namespace-pod-security"]?.relaxed?.includes("monitoring") ?? false).toBe(spec.monitoring.nodeExporter);
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
