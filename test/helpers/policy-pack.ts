/**
 * The policy pack under the SDK's real analyzer server (`run-policy-pack`, what the Pulumi CLI
 * starts for `--policy-pack`), and a gRPC client of it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const grpc = require("@grpc/grpc-js");
const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

const root = path.resolve(__dirname, "../..");

export interface ServedPack {
    child: ChildProcess;
    /** The engine's gRPC client, typed loosely at this boundary. */
    client: any;
}

/**
 * Starts `run-policy-pack` on `program` (the pack's TypeScript folder `.`, or a compiled file) in
 * policies/, where `new PolicyPack` reads package.json, and connects once it prints its port.
 */
export async function servePolicyPack(program: string): Promise<ServedPack> {
    const entry = path.join(root, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
    // The first argument is the engine's address, which a policy pack does not use.
    const child = spawn(process.execPath, [entry, "127.0.0.1:0", program], { cwd: path.join(root, "policies"), stdio: ["ignore", "pipe", "pipe"] });
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
    return { child, client: new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) };
}

export { rpc };
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
