/**
 * `npm run bench:drill` works end to end on a tiny dataset (no timing is asserted: the figures
 * in docs/performance.md come from the real run at about 1 GiB).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

function bench(...args: string[]) {
    return spawnSync(process.execPath, [path.join(root, "scripts/run.mjs"), "bench-drill", ...args], { cwd: root, encoding: "utf8", timeout: 600_000 });
}

describe("bench:drill", () => {
    it("runs the bare path, the backup and the drill on a pgbench dataset and reports ratios and the RTO", () => {
        const result = bench("--scale", "1", "--runs", "1");
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(/^dataset: pgbench -i -s 1 \.\.\. \d+ MB/m);
        expect(result.stdout).toMatch(/^run 1\/1: bare [\d.]+ s; backup [\d.]+ s \+ drill [\d.]+ s \(RTO [\d.]+ s\)$/m);
        expect(result.stdout).toMatch(/ratio drill\/bare [\d.]+x \(target <= 1\.15x\)/);
        expect(result.stdout).toMatch(/^measured RTO \(drill: fetch \+ verify \+ restore \+ check\), median: [\d.]+ s$/m);
    });

    it("rejects a bad argument with exit code 2", () => {
        const result = bench("--runs", "0");
        expect(result.status).toBe(2);
        expect(result.stderr).toContain("--runs must be an integer >= 1");
    });
});
