/**
 * `npm run pins:verify [-- --require-network]`: checks that every pin of `components/lib/charts.ts`
 * exists upstream: each chart version in its Helm repository's index, each image tag on its
 * registry. Exit 0 when every pin was found, 1 when one is missing (each named), 2 on bad usage.
 * Without network it says `offline: N pins not verified` and exits 0, so the offline check stays
 * usable anywhere; `--require-network` (CI) makes an unverified pin an error (exit 1).
 */
import { allPins, type Pin } from "../../components/lib/charts";
import { ChartChecker, type Fetch, imageExists, NetworkError } from "./registry";

export type PinStatus = { pin: Pin; status: "found" } | { pin: Pin; status: "missing" } | { pin: Pin; status: "unverified"; offline: boolean; reason: string };

const USAGE = "usage: npm run pins:verify [-- --require-network]";

/** The reference a pin is looked up by: `chart@version (repo)` or `image:tag`. */
export function describePin(pin: Pin): string {
    return pin.kind === "chart" ? `chart ${pin.name} ${pin.version} (${pin.repo})` : `image ${pin.name}:${pin.version}`;
}

/** Checks every pin, a few requests at a time. */
export async function verifyPins(pins: readonly Pin[], fetchFn: Fetch, concurrency = 4): Promise<PinStatus[]> {
    const charts = new ChartChecker(fetchFn);
    const results: PinStatus[] = new Array<PinStatus>(pins.length);
    let next = 0;
    const worker = async () => {
        while (next < pins.length) {
            const i = next++;
            const pin = pins[i]!;
            try {
                const found = pin.kind === "chart" ? await charts.exists({ chart: pin.name, version: pin.version, repo: pin.repo }) : await imageExists(fetchFn, `${pin.name}:${pin.version}`);
                results[i] = found ? { pin, status: "found" } : { pin, status: "missing" };
            } catch (err) {
                results[i] = { pin, status: "unverified", offline: err instanceof NetworkError, reason: (err as Error).message };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pins.length) }, worker));
    return results;
}

/** What the command prints and its exit code, from the results. */
export function report(results: readonly PinStatus[], requireNetwork: boolean): { out: string[]; err: string[]; code: number } {
    const out: string[] = [];
    const err: string[] = [];
    for (const r of results) {
        if (r.status === "found") out.push(`ok       ${describePin(r.pin)}`);
        else if (r.status === "missing") err.push(`MISSING  ${describePin(r.pin)}: not published upstream (pinned in components/lib/charts.ts, ${r.pin.key})`);
        else if (!r.offline) err.push(`UNKNOWN  ${describePin(r.pin)}: ${r.reason}`);
    }
    const missing = results.filter((r) => r.status === "missing").length;
    const unverified = results.filter((r) => r.status === "unverified");
    const offline = unverified.filter((r) => r.status === "unverified" && r.offline).length;
    const found = results.length - missing - unverified.length;
    if (offline > 0) {
        (requireNetwork ? err : out).push(`offline: ${offline} pins not verified (the network is unreachable${requireNetwork ? "; --require-network makes this an error" : ""})`);
    }
    out.push(`pins: ${found} found, ${missing} missing, ${unverified.length} not verified, of ${results.length}`);
    const code = missing > 0 || (requireNetwork && unverified.length > 0) ? 1 : 0;
    return { out, err, code };
}

export async function main(_command: string, argv: string[], fetchFn: Fetch = fetch): Promise<number> {
    const unknown = argv.filter((a) => a !== "--require-network");
    if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    if (unknown.length > 0) {
        process.stderr.write(`error: unknown argument ${JSON.stringify(unknown[0])}\n${USAGE}\n`);
        return 2;
    }
    const { out, err, code } = report(await verifyPins(allPins(), fetchFn), argv.includes("--require-network"));
    if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`);
    if (err.length > 0) process.stderr.write(`${err.join("\n")}\n`);
    return code;
}
