/**
 * The example consumer (`examples/app-stack`): it compiles against the outputs contract's types
 * (and a typo in a field it reads does not), and, run under the mock engine against the prod
 * estate's outputs, it publishes the app's environment as a secret and points DNS at the ingress.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OUTPUTS_VERSION, type EstateOutputs } from "../../infra/contract";
import { plannedStack } from "../helpers/plans";
import { type EngineRun, fromWire, type MockStackReference, plainInputs, runProgram } from "../../scripts/engine/mock-engine";
import { bundleProgram, programFrom } from "../../scripts/engine/program";
import { typecheck } from "../helpers/typecheck";

const root = path.resolve(__dirname, "../..");
const example = path.join(root, "examples/app-stack");

let estate: MockStackReference;
let outputs: EstateOutputs;

beforeAll(async () => {
    const run = await plannedStack("prod");
    const wire = run.outputs!.toJavaScript() as Record<string, unknown>;
    outputs = fromWire(wire, "unwrap") as EstateOutputs;
    // As the engine reports them: a top-level output holding any secret is a secret output.
    const secretOutputNames = Object.keys(wire).filter((k) => JSON.stringify(fromWire(wire[k], "mask")).includes('"[secret]"'));
    estate = { outputs: outputs as unknown as Record<string, unknown>, secretOutputNames };
});

async function runExample(config: Record<string, string>, stackReference: MockStackReference = estate): Promise<EngineRun> {
    const bundle = await bundleProgram(root, "examples/app-stack/index.ts");
    return runProgram(programFrom(bundle), {
        project: "shop-app",
        stack: "prod",
        config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`shop-app:${k}`, v])),
        stackReferences: { "acme/estate/prod": stackReference },
        captureErrors: true,
    });
}

describe("examples/app-stack", () => {
    it("compiles against the outputs contract", () => {
        // `tsc -p`, in process: the two cases share the SDKs' parsed declarations (test/helpers/typecheck.ts).
        const result = typecheck(path.join(example, "tsconfig.json"));
        expect(result.output).toBe("");
        expect(result.status).toBe(0);
    });

    it("does not compile when it reads a field the contract does not have (the check can fail)", () => {
        const dir = fs.mkdtempSync(path.join(example, ".typo-"));
        try {
            const source = fs.readFileSync(path.join(example, "index.ts"), "utf8").replace("a.database?.host", "a.databse?.host").replaceAll("../../infra/contract", "../../../infra/contract");
            fs.writeFileSync(path.join(dir, "index.ts"), source);
            fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.json", include: ["index.ts"] }));
            const result = typecheck(path.join(dir, "tsconfig.json"));
            expect(result.status).not.toBe(0);
            expect(result.output).toContain("Property 'databse' does not exist");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("publishes the app's environment as a secret SecureString and points its host at the cluster's ingress", async () => {
        const run = await runExample({ estateStack: "acme/estate/prod", app: "web", zoneId: "Z123" });
        expect(run.error).toBeUndefined();
        const parameter = run.resources.find((r) => r.type === "aws:ssm/parameter:Parameter")!;
        const masked = plainInputs(parameter) as { type: string; value: string; name: string };
        expect(masked).toMatchObject({ type: "SecureString", name: "/acme/estate/prod/web/env", value: "[secret]" });
        const value = (plainInputs(parameter, "unwrap") as { value: string }).value;
        expect(JSON.parse(value)).toEqual(outputs.apps.web!.env);

        const record = plainInputs(run.resources.find((r) => r.type === "aws:route53/record:Record")!, "unwrap");
        expect(record).toMatchObject({ zoneId: "Z123", name: "shop.example.com", type: "CNAME", records: [outputs.ingress.address] });

        const exported = fromWire(run.outputs!.toJavaScript(), "unwrap") as Record<string, unknown>;
        expect(exported).toMatchObject({ appUrl: "https://shop.example.com", grafanaUrl: outputs.grafana.url, databaseHost: outputs.apps.web!.database!.host });
    });

    it("refuses an estate whose outputs version it does not know, and an app the estate does not have", async () => {
        const newer = await runExample({ estateStack: "acme/estate/prod" }, { ...estate, outputs: { ...estate.outputs, outputsVersion: OUTPUTS_VERSION + 1 } });
        expect(String(newer.error)).toContain(
            `estate stack acme/estate/prod: the outputs are version ${OUTPUTS_VERSION + 1}; this reader knows version ${OUTPUTS_VERSION}: update the reader`,
        );
        const unknownApp = await runExample({ estateStack: "acme/estate/prod", app: "api" });
        expect(String(unknownApp.error)).toContain('estate stack acme/estate/prod has no app "api" (apps: web, worker)');
        // Refused before anything was created, and as a user error (the CLI prints no stack trace).
        for (const run of [newer, unknownApp]) {
            expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
            expect(pulumi.RunError.isInstance(run.error)).toBe(true);
        }
    });
});
