/**
 * `npm run bench [-- --runs N --stack prod]`: the offline check's cost against its floor, in one
 * run (ratios, never single absolute times: these machines are noisy).
 *
 * - floor: a bare Node process that only imports the packages the program imports;
 * - check: `node scripts/run.mjs check --stack <stack>` (bundling included), the full user path;
 * - growth: the check of generated programs with the platform, monitoring and 1, 10 and 100 web apps
 *   (each an AppService: ServiceAccount, Deployment, Service, HPA, PDB, NetworkPolicy, Ingress,
 *   ServiceMonitor), to
 *   show the cost grows linearly with the estate (per resource, the ratio should stay flat).
 *
 * Runs are interleaved (floor, check, floor, check, ...) so drift on a noisy machine hits both.
 * Peak memory comes from GNU time (`/usr/bin/time`, Debian package `time`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { bundleProgram } from "./engine/program";

interface Sample {
    seconds: number;
    peakMiB?: number;
    stdout: string;
}

const GNU_TIME = "/usr/bin/time";

function measure(root: string, argv: string[]): Sample {
    const useTime = fs.existsSync(GNU_TIME);
    const statsFile = path.join(root, ".estate", "bench", "time.txt");
    const command = useTime ? GNU_TIME : process.execPath;
    const args = useTime ? ["-f", "%M", "-o", statsFile, process.execPath, ...argv] : argv;
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0 && result.status !== 1) {
        throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
    }
    const peakKiB = useTime ? Number(fs.readFileSync(statsFile, "utf8").trim().split("\n").pop()) : NaN;
    return { seconds, peakMiB: Number.isFinite(peakKiB) ? peakKiB / 1024 : undefined, stdout: result.stdout };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(n: number | undefined, digits = 2): string {
    return n === undefined ? "n/a" : n.toFixed(digits);
}

/** A program with the platform and `count` web apps: the estate grown along the axis teams grow it. */
function growthProgram(count: number): string {
    return `import * as k8s from "@pulumi/kubernetes";
import { AppService, Platform } from "../../components/k8s";
import { Monitoring } from "../../components/observability";
const cluster = new k8s.Provider("cluster", {});
const platform = new Platform("platform", {}, { provider: cluster });
const monitoring = new Monitoring(
    "monitoring",
    { namespace: platform.namespaces.monitoring, receivers: { slack: { channel: "#alerts", webhookUrl: "https://hooks.slack.invalid/x" } } },
    { provider: cluster },
);
export const urls = Array.from({ length: ${count} }, (_, i) =>
    new AppService(
        \`app-\${i}\`,
        {
            kind: "web",
            namespace: platform.namespaces.apps,
            image: "ghcr.io/acme/app:1.0.0",
            port: 8080,
            host: \`app-\${i}.example.com\`,
            replicas: { min: 2, max: 4 },
            cpu: "100m",
            memory: "128Mi",
            ingress: platform.appIngress,
            network: platform.appNetwork,
            monitoring: monitoring.appMonitoring,
        },
        { provider: cluster },
    ).url);
`;
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: { runs: { type: "string", default: "7" }, stack: { type: "string", default: "prod" } },
    });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) {
        process.stderr.write(`error: --runs must be an integer >= 1 (got ${JSON.stringify(values.runs)})\n`);
        return 2;
    }
    const stack = values.stack!;
    const root = process.cwd();
    const benchDir = path.join(root, ".estate", "bench");
    fs.mkdirSync(benchDir, { recursive: true });

    const { packages } = await bundleProgram(root, "infra/index.ts");
    const floorFile = path.join(benchDir, "floor.cjs");
    fs.writeFileSync(floorFile, packages.map((p) => `require(${JSON.stringify(p)});`).join("\n") + "\n");

    // The user's path: `npm run check`'s own Node flags (package.json), then the command.
    const checkArgs = [...checkNodeFlags(root), "scripts/run.mjs", "check", "--stack", stack, "--json"];
    const floor: Sample[] = [];
    const check: Sample[] = [];
    measure(root, [floorFile]); // warm the file cache for both
    const first = measure(root, checkArgs);
    const resources = (JSON.parse(first.stdout) as { resources: number }).resources;
    for (let i = 0; i < runs; i++) {
        floor.push(measure(root, [floorFile]));
        check.push(measure(root, checkArgs));
    }
    const floorTime = median(floor.map((s) => s.seconds));
    const checkTime = median(check.map((s) => s.seconds));
    const floorPeak = Math.max(...floor.map((s) => s.peakMiB ?? NaN));
    const checkPeak = Math.max(...check.map((s) => s.peakMiB ?? NaN));

    const lines = [
        `floor: node importing ${packages.join(", ")}`,
        `check: npm run check -- --stack ${stack} (${resources} resources), ${runs} interleaved runs each`,
        `time ratio check/floor (medians): ${fmt(checkTime / floorTime)}x   [floor ${fmt(floorTime, 3)} s, check ${fmt(checkTime, 3)} s]`,
        `peak memory: floor ${fmt(floorPeak, 0)} MiB, check ${fmt(checkPeak, 0)} MiB`,
    ];

    // Growth: the same check over generated programs of the platform and 1, 10 and 100 apps.
    const sizes = [1, 10, 100];
    const growthRuns = Math.max(3, Math.ceil(runs / 2));
    const samples = new Map<number, Sample[]>(sizes.map((n) => [n, []]));
    const counts = new Map<number, number>();
    for (const n of sizes) {
        const file = path.join(benchDir, `growth-${n}.ts`);
        fs.writeFileSync(file, growthProgram(n));
        counts.set(n, (JSON.parse(measure(root, [...checkNodeFlags(root), "scripts/run.mjs", "check", "--stack", stack, "--json", "--program", file]).stdout) as { resources: number }).resources);
    }
    for (let i = 0; i < growthRuns; i++) {
        for (const n of sizes) {
            const file = path.join(benchDir, `growth-${n}.ts`);
            samples.get(n)!.push(measure(root, [...checkNodeFlags(root), "scripts/run.mjs", "check", "--stack", stack, "--json", "--program", file]));
        }
    }
    lines.push(`growth (${growthRuns} interleaved runs each; linear growth keeps the per-resource cost ratio near or below 1):`);
    const aboveFloorPerResource = (n: number) => (median(samples.get(n)!.map((s) => s.seconds)) - floorTime) / counts.get(n)!;
    const reference = 10;
    for (const n of sizes) {
        const t = median(samples.get(n)!.map((s) => s.seconds));
        const peak = Math.max(...samples.get(n)!.map((s) => s.peakMiB ?? NaN));
        lines.push(
            `  ${String(n).padStart(3)} apps, ${String(counts.get(n)!).padStart(5)} resources: ${fmt(t / floorTime)}x floor; ` +
                `per-resource cost above floor vs ${reference} apps: ${fmt(aboveFloorPerResource(n) / aboveFloorPerResource(reference))}; peak ${fmt(peak, 0)} MiB`,
        );
    }
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
}

/** The Node flags `npm run check` starts the checker with (package.json `scripts.check`: `node <flags> scripts/run.mjs check`). */
export function checkNodeFlags(root: string): string[] {
    const script = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.check ?? "";
    const words = script.split(/\s+/);
    const start = words.indexOf("node");
    const end = words.indexOf("scripts/run.mjs");
    return start >= 0 && end > start ? words.slice(start + 1, end) : [];
}
