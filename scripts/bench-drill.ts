/**
 * `npm run bench:drill [-- --scale 70 --runs 5 --jobs 2]`: what the backup tooling costs on top of
 * the bare tools, in one run on the same data.
 *
 * - data: `pgbench -i -s <scale>` (scale 70 is about 1 GiB) in a throwaway PostgreSQL 15 cluster;
 * - bare: `pg_dump -Fc` to a file, then `pg_restore -j <jobs>` into a new database (dropped
 *   afterwards, inside the timing: the drill drops its scratch database too);
 * - ours: `backup.sh` (pg_dump in a snapshot with exact row counts, SHA-256, upload of dump,
 *   checksum and manifest to s3rver, metrics) then `drill.sh` (newest manifest, download, size
 *   and checksum verification, `pg_restore -j <jobs>` into a scratch database, tables and row
 *   counts against the manifest, metrics); the drill's own measured RTO is reported too.
 *
 * Runs are interleaved (bare, ours, bare, ours, ...) so drift on a noisy machine hits both; the
 * results are ratios of medians: the drill end to end against the bare path (target <= 1.15x),
 * and backup + drill against it (what the whole tooling costs over the bare tools).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runScript, S3_CREDENTIALS, startPostgres, startPushgateway, startS3, stopAll, tempDir } from "./servers/local-servers";

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timed<T>(work: () => T): { seconds: number; result: T } {
    const start = process.hrtime.bigint();
    const result = work();
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

function run(command: string, args: string[], env: Record<string, string>): void {
    const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    }
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: { scale: { type: "string", default: "70" }, runs: { type: "string", default: "5" }, jobs: { type: "string", default: "2" } },
    });
    const scale = Number(values.scale);
    const runs = Number(values.runs);
    const jobs = Number(values.jobs);
    for (const [name, value] of [["--scale", scale], ["--runs", runs], ["--jobs", jobs]] as const) {
        if (!Number.isInteger(value) || value < 1) {
            process.stderr.write(`error: ${name} must be an integer >= 1\n`);
            return 2;
        }
    }

    // Durable writes as in production; a larger WAL so checkpoints do not dominate either side.
    const pg = await startPostgres({ fsync: "on", max_wal_size: "4GB", maintenance_work_mem: "256MB" });
    const [s3, pushgateway] = await Promise.all([startS3(), startPushgateway()]);
    try {
        const work = tempDir("bench-drill");
        const bucket = "estate-bench-drill";
        s3.createBucket(bucket);
        pg.sql("postgres", "CREATE DATABASE bench");
        process.stdout.write(`dataset: pgbench -i -s ${scale} ...`);
        const init = timed(() => run("pgbench", ["-i", "-q", "-s", String(scale), "bench"], pg.env("bench")));
        const size = pg.sql("bench", "SELECT pg_size_pretty(pg_database_size('bench'))");
        process.stdout.write(` ${size} in ${init.seconds.toFixed(1)} s\n`);

        const common = {
            ...S3_CREDENTIALS,
            BACKUP_ENGINE: "postgres",
            BACKUP_SERVICE: "bench",
            BACKUP_DATABASE: "bench",
            BACKUP_BUCKET: bucket,
            BACKUP_S3_ENDPOINT_URL: s3.endpoint,
            PUSHGATEWAY_URL: pushgateway.url,
            BACKUP_WORK_DIR: work,
            TMPDIR: work,
            AWS_CONFIG_FILE: path.join(work, "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(work, "no-aws-credentials"),
        };
        const bare: number[] = [];
        const ours: number[] = [];
        const backups: number[] = [];
        const drills: number[] = [];
        const rtos: number[] = [];
        let dumpBytes = 0;
        for (let i = 0; i < runs; i++) {
            const dumpFile = path.join(work, "bare.dump");
            // Each side starts with no dirty buffers left by the other (DROP DATABASE and the
            // checkpoints it forces would otherwise land in whichever run comes next).
            pg.sql("postgres", "CHECKPOINT");
            const bareRun = timed(() => {
                run("pg_dump", ["-Fc", "-f", dumpFile, "bench"], pg.env("bench"));
                pg.sql("postgres", "CREATE DATABASE bare_restore");
                run("pg_restore", ["-j", String(jobs), "--no-owner", "--no-privileges", "--exit-on-error", "-d", "bare_restore", dumpFile], pg.env("bare_restore"));
                dumpBytes = fs.statSync(dumpFile).size;
                fs.rmSync(dumpFile);
                // The drill drops its scratch database and deletes its files: the same work here.
                pg.sql("postgres", "DROP DATABASE bare_restore");
            });
            bare.push(bareRun.seconds);

            // One ordinary Tuesday, an hour apart: the daily tier only, as on most days.
            pg.sql("postgres", "CHECKPOINT");
            const stamp = `2025-03-04T${String(i % 24).padStart(2, "0")}:${String(Math.floor(i / 24)).padStart(2, "0")}:00Z`;
            const backup = timed(() => runScript("backup.sh", { ...common, ...pg.env("bench"), BACKUP_NOW: stamp }));
            if (backup.result.status !== 0) {
                throw new Error(`backup.sh failed: ${backup.result.stderr}`);
            }
            const drill = timed(() =>
                runScript("drill.sh", { ...common, DRILL_PGHOST: pg.host, DRILL_PGPORT: String(pg.port), DRILL_PGUSER: pg.user, DRILL_RESTORE_JOBS: String(jobs) }),
            );
            if (drill.result.status !== 0) {
                throw new Error(`drill.sh failed: ${drill.result.stderr}`);
            }
            backups.push(backup.seconds);
            drills.push(drill.seconds);
            ours.push(backup.seconds + drill.seconds);
            rtos.push(Number(/rto_seconds=(\S+)/.exec(drill.result.stdout)?.[1]));
            process.stdout.write(
                `run ${i + 1}/${runs}: bare ${bareRun.seconds.toFixed(1)} s; backup ${backup.seconds.toFixed(1)} s + drill ${drill.seconds.toFixed(1)} s (RTO ${rtos[i]!.toFixed(1)} s)\n`,
            );
        }
        const drillRatio = median(drills) / median(bare);
        const fullRatio = median(ours) / median(bare);
        const fastest = (values: number[]) => Math.min(...values);
        process.stdout.write(
            [
                `data: pgbench scale ${scale}, database ${size}, custom-format dump ${(dumpBytes / 2 ** 20).toFixed(0)} MiB; pg_restore -j ${jobs}; ${runs} interleaved runs each`,
                `bare:           pg_dump -Fc + pg_restore -j ${jobs} (+ drop)     median ${median(bare).toFixed(1)} s`,
                `drill:          drill.sh end to end               median ${median(drills).toFixed(1)} s   ratio drill/bare ${drillRatio.toFixed(2)}x (target <= 1.15x)`,
                `backup + drill: backup.sh, then drill.sh          median ${median(ours).toFixed(1)} s   ratio ${fullRatio.toFixed(2)}x  [backup ${median(backups).toFixed(1)} s: +${(median(ours) - median(bare)).toFixed(1)} s over bare]`,
                `fastest runs (least disturbed by other load): bare ${fastest(bare).toFixed(1)} s, drill ${fastest(drills).toFixed(1)} s (${(fastest(drills) / fastest(bare)).toFixed(2)}x), backup + drill ${fastest(ours).toFixed(1)} s (${(fastest(ours) / fastest(bare)).toFixed(2)}x)`,
                `measured RTO (drill: fetch + verify + restore + check), median: ${median(rtos).toFixed(1)} s`,
                "",
            ].join("\n"),
        );
        return 0;
    } finally {
        await stopAll(pg, s3, pushgateway);
    }
}
