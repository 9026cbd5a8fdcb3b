/**
 * Per-file CPU time, for profiling the suite on a shared machine (docs/testing.md): wall times
 * swing with the other processes' load, CPU seconds do not. Off unless `ESTATE_TEST_CPU` names a
 * file; then each test file appends one JSON line: its own CPU (the test process's user + system
 * time) and its children's (the processes it spawned and waited for: npm, promtool, shellcheck...),
 * in seconds, both read from /proc/self/stat (Linux).
 */
import * as fs from "node:fs";
import { afterAll, expect } from "vitest";

const out = process.env.ESTATE_TEST_CPU;

/** utime, stime, cutime, cstime, in seconds (proc(5): fields 14 to 17, in clock ticks of 1/100 s). */
function cpu(): number[] {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    // The command name (field 2) may hold spaces: count the fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields.slice(11, 15).map((ticks) => Number(ticks) / 100);
}

if (out) {
    // From here (vitest runs the setup file before it imports each test file), so a file's imports count.
    const start = cpu();
    const startWall = performance.now();
    afterAll(() => {
        const [utime, stime, cutime, cstime] = cpu().map((v, i) => v - start[i]!);
        const file = expect.getState().testPath ?? "?";
        const row = { file, self: +(utime! + stime!).toFixed(2), children: +(cutime! + cstime!).toFixed(2), wall: +((performance.now() - startWall) / 1000).toFixed(2) };
        fs.appendFileSync(out, JSON.stringify(row) + "\n");
    });
}
