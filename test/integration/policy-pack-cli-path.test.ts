/**
 * The policy pack the way `pulumi preview --policy-pack policies` starts it: the SDK's
 * `run-policy-pack` given the TypeScript folder, so ts-node type-checks and loads `policies/`
 * on the pack's own dependencies (policies/node_modules, which `.ci/run` installs). The unit
 * suite's analyzer-server tests run the same server on the pack compiled by esbuild, to keep the
 * unit suite fast; this test keeps the CLI's own path covered.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/pack";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const grpc = require("@grpc/grpc-js");
const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const root = path.resolve(__dirname, "../..");

describe("pulumi preview --policy-pack policies (the CLI's path: run-policy-pack on the TypeScript folder)", () => {
    it("type-checks and serves the pack, describing every policy", async () => {
        const entry = path.join(root, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
        // The first argument is the engine's address, which a policy pack does not use.
        const child = spawn(process.execPath, [entry, "127.0.0.1:0", "."], { cwd: path.join(root, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                let err = "";
                child.stdout!.on("data", (chunk: Buffer) => {
                    out += chunk.toString();
                    const match = /^(\d+)\s*$/m.exec(out);
                    if (match) {
                        resolve(match[1]!);
                    }
                });
                child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
                child.on("exit", (code) => reject(new Error(`the policy pack exited with ${code}: ${err}`)));
            });
            const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const info = await new Promise<any>((resolve, reject) =>
                client.getAnalyzerInfo(new rpc.AnalyzerService.getAnalyzerInfo.requestType(), (err: Error | null, res: any) => (err ? reject(err) : resolve(res))),
            );
            client.close();
            expect(info.getName()).toBe("estate");
            expect(info.getPoliciesList().map((p: any) => p.getName()).sort()).toEqual(policies.map((p) => p.name).sort());
        } finally {
            child.kill();
        }
    }, 180_000);
});
