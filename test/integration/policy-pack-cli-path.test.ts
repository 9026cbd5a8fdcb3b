/**
 * The policy pack the way `pulumi preview --policy-pack policies` starts it: the SDK's
 * `run-policy-pack` given the TypeScript folder, so ts-node type-checks and loads `policies/`
 * on the pack's own dependencies (policies/node_modules, which `.ci/run` installs). The unit
 * suite's analyzer-server tests run the same server on the pack compiled by esbuild, to keep the
 * unit suite fast; this test keeps the CLI's own path covered.
 */
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/pack";
import { rpc, servePolicyPack } from "../helpers/policy-pack";

describe("pulumi preview --policy-pack policies (the CLI's path: run-policy-pack on the TypeScript folder)", () => {
    it("type-checks and serves the pack, describing every policy", async () => {
        const { child, client } = await servePolicyPack(".");
        try {
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            const info = await new Promise<any>((resolve, reject) =>
                // eslint-disable-next-line @typescript-eslint/no-explicit-any
                client.getAnalyzerInfo(new rpc.AnalyzerService.getAnalyzerInfo.requestType(), (err: Error | null, res: any) => (err ? reject(err) : resolve(res))),
            );
            expect(info.getName()).toBe("estate");
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            expect(info.getPoliciesList().map((p: any) => p.getName()).sort()).toEqual(policies.map((p) => p.name).sort());
        } finally {
            client.close();
            child.kill();
        }
    }, 180_000);
});
