/**
 * The backup and restore-drill scripts against real servers: PostgreSQL 15, Redis, s3rver as the
 * backup bucket (awscli as the client), the Prometheus Pushgateway. Each case has its own database,
 * bucket, service name (so its own metrics group) and work directory.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    awsCli,
    freePort,
    type Postgres,
    type Pushgateway,
    type Redis,
    type RunResult,
    type S3,
    S3_CREDENTIALS,
    runScript,
    startPostgres,
    startPushgateway,
    startRedis,
    startS3,
    stopAll,
    tempDir,
} from "../../scripts/servers/local-servers";

let pg: Postgres;
let redis: Redis;
let s3: S3;
let pushgateway: Pushgateway;
let caseNumber = 0;

beforeAll(async () => {
    [pg, redis, s3, pushgateway] = await Promise.all([startPostgres(), startRedis(), startS3(), startPushgateway()]);
}, 120_000);

afterAll(async () => {
    await stopAll(pg, redis, s3, pushgateway);
});

interface Case {
    service: string;
    database: string;
    bucket: string;
    dir: string;
}

/** A fresh case: its own bucket, service name, database name and work directory. */
function newCase(label: string): Case {
    caseNumber += 1;
    const id = `${label}-${caseNumber}`;
    const c = { service: id, database: `db_${caseNumber}`, bucket: `estate-it-${id}`, dir: tempDir(id) };
    s3.createBucket(c.bucket);
    return c;
}

function baseEnv(c: Case, engine: "postgres" | "redis" | "mongo"): Record<string, string> {
    return {
        ...S3_CREDENTIALS,
        BACKUP_ENGINE: engine,
        BACKUP_SERVICE: c.service,
        BACKUP_DATABASE: c.database,
        BACKUP_BUCKET: c.bucket,
        BACKUP_S3_ENDPOINT_URL: s3.endpoint,
        PUSHGATEWAY_URL: pushgateway.url,
        BACKUP_WORK_DIR: c.dir,
        TMPDIR: c.dir,
        // No shared awscli config from the machine.
        AWS_CONFIG_FILE: path.join(c.dir, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(c.dir, "no-aws-credentials"),
    };
}

/** A Postgres database with a known content: 1000 + 2 + 3 rows in three tables of two schemas. */
function createShopDatabase(c: Case): void {
    pg.sql("postgres", `CREATE DATABASE ${c.database}`);
    pg.sql(
        c.database,
        `CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL);
         INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g;
         CREATE SCHEMA billing;
         CREATE TABLE billing."Invoice Lines" (id serial PRIMARY KEY, order_id int REFERENCES orders(id));
         INSERT INTO billing."Invoice Lines" (order_id) VALUES (1), (2);
         CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
         CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         INSERT INTO events VALUES (1, '2025-02-01'), (2, '2025-03-01'), (3, '2025-04-01');`,
    );
}

function pgBackupEnv(c: Case, extra: Record<string, string> = {}): Record<string, string> {
    return { ...baseEnv(c, "postgres"), ...pg.env(c.database), ...extra };
}

function pgDrillEnv(c: Case, extra: Record<string, string> = {}): Record<string, string> {
    return { ...baseEnv(c, "postgres"), DRILL_PGHOST: pg.host, DRILL_PGPORT: String(pg.port), DRILL_PGUSER: pg.user, ...extra };
}

function expectSuccess(result: RunResult): void {
    expect(result.stderr + result.stdout, "the script should succeed").not.toMatch(/FAILED/);
    expect(result.status).toBe(0);
}

function expectFailure(result: RunResult, message: RegExp, status = 1): void {
    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(message);
}

function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

function drillDatabases(): string[] {
    return pg.sql("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'estate_drill_%'").split("\n").filter(Boolean);
}

interface Manifest {
    formatVersion: number;
    service: string;
    engine: string;
    database: string;
    tier: string;
    tiers: string[];
    timestamp: string;
    object: { key: string; checksumKey: string; bytes: number; sha256: string };
    source: Record<string, unknown>;
    tools: Record<string, string>;
    startedAt: string;
    finishedAt: string;
    durationSeconds: number;
    postgres?: { tables: { schema: string; table: string; rows: number | null }[]; rowCounts: string };
    redis?: { keys: number; keysWithExpiry: number };
    mongo?: { collections: { namespace: string; documents: number }[]; documents: number };
}

function manifestAt(c: Case, key: string): Manifest {
    return JSON.parse(s3.get(c.bucket, key).toString()) as Manifest;
}

describe("backup.sh (postgres)", () => {
    it("stores dump, checksum and manifest under every tier due on 2023-01-01 (a Sunday and New Year's Day), and pushes metrics", async () => {
        const c = newCase("pg-backup");
        createShopDatabase(c);
        const before = Math.floor(Date.now() / 1000);

        const result = runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2023-01-01T02:00:00Z" }));
        expectSuccess(result);

        const objects = s3.list(c.bucket);
        const stem = `${c.service}/${c.database}/20230101T020000Z`;
        expect(objects.map((o) => o.Key)).toEqual(
            ["daily", "monthly", "weekly", "yearly"].flatMap((tier) => [`${tier}/${stem}.dump`, `${tier}/${stem}.dump.sha256`, `${tier}/${stem}.manifest.json`]),
        );

        const dump = s3.get(c.bucket, `daily/${stem}.dump`);
        expect(dump.subarray(0, 5).toString()).toBe("PGDMP"); // pg_dump's custom format
        expect(s3.get(c.bucket, `daily/${stem}.dump.sha256`).toString()).toBe(`${sha256(dump)}  20230101T020000Z.dump\n`);

        const manifest = manifestAt(c, `daily/${stem}.manifest.json`);
        expect(manifest).toMatchObject({
            formatVersion: 1,
            service: c.service,
            engine: "postgres",
            database: c.database,
            tier: "daily",
            tiers: ["daily", "weekly", "monthly", "yearly"],
            timestamp: "20230101T020000Z",
            object: { key: `daily/${stem}.dump`, checksumKey: `daily/${stem}.dump.sha256`, bytes: dump.length, sha256: sha256(dump) },
            source: { host: "127.0.0.1", port: pg.port, database: c.database },
        });
        expect(manifest.postgres!.tables).toEqual([
            { schema: "billing", table: "Invoice Lines", rows: 2 },
            { schema: "public", table: "events_2025", rows: 3 },
            { schema: "public", table: "orders", rows: 1000 },
        ]);
        expect(manifest.tools.pg_dump).toMatch(/^pg_dump \(PostgreSQL\) 15\./);
        expect(manifest.tools.aws).toMatch(/^aws-cli\//);
        expect(manifest.source.serverVersion).toMatch(/^15\./);
        expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
        expect(manifestAt(c, `yearly/${stem}.manifest.json`)).toMatchObject({ tier: "yearly", object: { key: `yearly/${stem}.dump`, sha256: sha256(dump) } });

        const labels = { job: "estate_backup", service: c.service, database: c.database };
        expect(await pushgateway.value("estate_backup_last_run_success", labels)).toBe(1);
        expect(await pushgateway.value("estate_backup_size_bytes", labels)).toBe(dump.length);
        expect(await pushgateway.value("estate_backup_last_success_timestamp_seconds", labels)).toBeGreaterThanOrEqual(before);
        expect(await pushgateway.value("estate_backup_duration_seconds", labels)).toBeGreaterThan(0);
    });

    it("stores only the daily tier on an ordinary weekday", () => {
        const c = newCase("pg-weekday");
        createShopDatabase(c);
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-04T02:00:00Z" }))); // a Tuesday
        expect(s3.list(c.bucket).map((o) => o.Key)).toEqual([
            `daily/${c.service}/${c.database}/20250304T020000Z.dump`,
            `daily/${c.service}/${c.database}/20250304T020000Z.dump.sha256`,
            `daily/${c.service}/${c.database}/20250304T020000Z.manifest.json`,
        ]);
    });

    it("pushes the newest backup of each tier in its own group: a daily-only run leaves the weekly, monthly and yearly series alone", async () => {
        const c = newCase("pg-tiers");
        createShopDatabase(c);
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2023-01-01T02:00:00Z" }))); // every tier
        const tier = (t: string) => ({ job: "estate_backup", service: c.service, database: c.database, tier: t });
        const firstSize = s3.list(c.bucket).find((o) => o.Key.endsWith(".dump"))!.Size;
        for (const t of ["daily", "weekly", "monthly", "yearly"]) {
            expect(await pushgateway.value("estate_backup_tier_size_bytes", tier(t))).toBe(firstSize);
            expect(await pushgateway.value("estate_backup_tier_last_success_timestamp_seconds", tier(t))).toBeGreaterThan(0);
            expect(await pushgateway.value("estate_backup_tier_duration_seconds", tier(t))).toBeGreaterThan(0);
        }
        const weeklyEnded = await pushgateway.value("estate_backup_tier_last_success_timestamp_seconds", tier("weekly"));

        pg.sql(c.database, "INSERT INTO orders SELECT g, 1 FROM generate_series(1001, 3000) g"); // a bigger dump
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2023-01-03T02:00:00Z" }))); // a Tuesday: daily only
        const secondSize = s3.list(c.bucket).find((o) => o.Key.endsWith("20230103T020000Z.dump"))!.Size;
        expect(secondSize).not.toBe(firstSize);
        expect(await pushgateway.value("estate_backup_tier_size_bytes", tier("daily"))).toBe(secondSize);
        for (const t of ["weekly", "monthly", "yearly"]) {
            expect(await pushgateway.value("estate_backup_tier_size_bytes", tier(t))).toBe(firstSize);
        }
        expect(await pushgateway.value("estate_backup_tier_last_success_timestamp_seconds", tier("weekly"))).toBe(weeklyEnded);
    });

    it("refuses to overwrite an existing backup and leaves it untouched", () => {
        const c = newCase("pg-no-overwrite");
        createShopDatabase(c);
        const env = pgBackupEnv(c, { BACKUP_NOW: "2025-03-04T02:00:00Z" });
        expectSuccess(runScript("backup.sh", env));
        const before = s3.list(c.bucket);
        pg.sql(c.database, "INSERT INTO orders VALUES (1001, 1)");

        const again = runScript("backup.sh", env);
        expectFailure(again, /refusing to overwrite s3:\/\/.*20250304T020000Z.*already exists/);
        expect(s3.list(c.bucket)).toEqual(before);
    });

    it("fails with a clear message when the database is unreachable, stores nothing, and reports the failure while keeping the last success", async () => {
        const c = newCase("pg-unreachable");
        createShopDatabase(c);
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-04T02:00:00Z" })));
        const labels = { job: "estate_backup", service: c.service, database: c.database };
        const lastSuccess = await pushgateway.value("estate_backup_last_success_timestamp_seconds", labels);
        const before = s3.list(c.bucket);

        const closedPort = String(await freePort());
        const result = runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-05T02:00:00Z", PGPORT: closedPort }));
        expectFailure(result, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${closedPort}/${c.database}: .*(Connection refused|could not connect)`));
        expect(result.stderr).toMatch(/backup FAILED/);
        expect(s3.list(c.bucket)).toEqual(before);
        expect(await pushgateway.value("estate_backup_last_run_success", labels)).toBe(0);
        expect(await pushgateway.value("estate_backup_last_failure_timestamp_seconds", labels)).toBeGreaterThan(0);
        expect(await pushgateway.value("estate_backup_last_success_timestamp_seconds", labels)).toBe(lastSuccess);
    });

    it("fails with a clear message when S3 refuses the credentials, and stores nothing", () => {
        const c = newCase("pg-bad-creds");
        createShopDatabase(c);
        // s3rver checks the access key id, not SigV4 signatures: a wrong key id is what it refuses.
        const result = runScript("backup.sh", pgBackupEnv(c, { AWS_ACCESS_KEY_ID: "NOT-S3RVER" }));
        expectFailure(result, /S3 refused access .*check the credentials/);
        expect(s3.list(c.bucket)).toEqual([]);
    });

    it("fails with a clear message when the bucket does not exist", () => {
        const c = newCase("pg-no-bucket");
        createShopDatabase(c);
        const result = runScript("backup.sh", pgBackupEnv(c, { BACKUP_BUCKET: `${c.bucket}-missing` }));
        expectFailure(result, new RegExp(`bucket "${c.bucket}-missing" does not exist`));
    });

    it("exits 3 when the backup is stored but the Pushgateway is unreachable", async () => {
        const c = newCase("pg-no-pushgateway");
        createShopDatabase(c);
        const result = runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-04T02:00:00Z", PUSHGATEWAY_URL: `http://127.0.0.1:${await freePort()}` }));
        expectFailure(result, /the backup is stored, but its metrics could not be pushed/, 3);
        expect(s3.list(c.bucket).filter((o) => o.Key.endsWith(".manifest.json"))).toHaveLength(1);
    });

    it("rejects a configuration error with exit code 2 and names the variable", () => {
        const c = newCase("pg-config");
        const env = pgBackupEnv(c);
        delete env.BACKUP_BUCKET;
        expectFailure(runScript("backup.sh", env), /BACKUP_BUCKET is required/, 2);
        expectFailure(runScript("backup.sh", { ...pgBackupEnv(c), BACKUP_ENGINE: "mysql" }), /BACKUP_ENGINE must be postgres, mongo or redis \(got "mysql"\)/, 2);
        expectFailure(runScript("backup.sh", { ...pgBackupEnv(c), BACKUP_NOW: "yesterday-ish" }), /BACKUP_NOW must be an ISO 8601 time/, 2);
    });
});

describe("drill.sh (postgres)", () => {
    /**
     * A case whose newest backup (2025-03-04) holds 1200 orders; with `older`, an older backup
     * (2025-03-03, 1000 orders) exists too. The source changes after the newest backup.
     */
    function backedUpCase(label: string, older = false): Case {
        const c = newCase(label);
        createShopDatabase(c);
        if (older) {
            expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-03T02:00:00Z" })));
        }
        pg.sql(c.database, "INSERT INTO orders SELECT g, 1 FROM generate_series(1001, 1200) g");
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2025-03-04T02:00:00Z" })));
        pg.sql(c.database, "DELETE FROM orders WHERE id > 10"); // after the newest backup: not in it
        return c;
    }

    const newestDump = (c: Case) => `daily/${c.service}/${c.database}/20250304T020000Z.dump`;

    it("restores the newest backup into a scratch database, checks tables, row counts and SQL checks, reports the RTO and drops the scratch database", async () => {
        const c = backedUpCase("drill-ok", true);
        const before = s3.list(c.bucket);
        const checks = path.join(c.dir, "checks.sql");
        fs.writeFileSync(checks, "-- orders survived the restore\nSELECT count(*) = 1200 FROM orders\nSELECT 1 FROM billing.\"Invoice Lines\" WHERE order_id = 2\n");
        const startedAt = Math.floor(Date.now() / 1000);

        // The source's libpq variables (a shared ConfigMap) must not leak into the drill's connections.
        const sourceVariables = { PGUSER: "no_such_role", PGPASSWORD: "wrong", PGDATABASE: "no_such_database" };
        const result = runScript(
            "drill.sh",
            pgDrillEnv(c, { ...sourceVariables, DRILL_SQL_CHECKS_FILE: checks, DRILL_SQL_CHECKS: "SELECT max(total) = 1500 FROM orders" }),
        );
        expectSuccess(result);
        expect(result.stdout).toMatch(
            new RegExp(`^drill OK: postgres ${c.service}/${c.database} backup 20250304T020000Z, 3 tables, 1205 rows match the manifest; 3 SQL check\\(s\\) passed; rto_seconds=\\d+\\.\\d{3}\\n$`),
        );
        expect(drillDatabases()).toEqual([]);
        expect(s3.list(c.bucket)).toEqual(before);

        const labels = { job: "estate_restore_drill", service: c.service, database: c.database };
        const rto = Number(/rto_seconds=(\S+)/.exec(result.stdout)![1]);
        expect(await pushgateway.value("estate_restore_drill_last_run_success", labels)).toBe(1);
        expect(await pushgateway.value("estate_restore_drill_rto_seconds", labels)).toBe(rto);
        expect(await pushgateway.value("estate_restore_drill_last_success_timestamp_seconds", labels)).toBeGreaterThanOrEqual(startedAt);
        expect(await pushgateway.value("estate_restore_drill_backup_timestamp_seconds", labels)).toBe(Date.UTC(2025, 2, 4, 2) / 1000);
    });

    it("fails on a truncated dump, names it, and leaves the bucket and the server as they were", async () => {
        const c = backedUpCase("drill-truncated");
        const dump = s3.get(c.bucket, newestDump(c));
        s3.put(c.bucket, newestDump(c), dump.subarray(0, Math.floor(dump.length / 2)));
        const before = s3.list(c.bucket);

        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, new RegExp(`dump s3://${c.bucket}/${newestDump(c)} is ${Math.floor(dump.length / 2)} bytes, but its manifest says ${dump.length}: the stored dump is truncated`));
        expect(result.stderr).toMatch(/restore drill FAILED/);
        expect(s3.list(c.bucket)).toEqual(before);
        expect(drillDatabases()).toEqual([]);
        const labels = { job: "estate_restore_drill", service: c.service, database: c.database };
        expect(await pushgateway.value("estate_restore_drill_last_run_success", labels)).toBe(0);
    });

    it("fails on an altered dump of the same size with a checksum mismatch", () => {
        const c = backedUpCase("drill-altered");
        const dump = Buffer.from(s3.get(c.bucket, newestDump(c)));
        dump[Math.floor(dump.length / 2)] ^= 0xff;
        s3.put(c.bucket, newestDump(c), dump);
        const before = s3.list(c.bucket);

        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, new RegExp(`checksum mismatch for s3://${c.bucket}/${newestDump(c)}: SHA-256 is ${sha256(dump)}, the manifest says [0-9a-f]{64}`));
        expect(s3.list(c.bucket)).toEqual(before);
        expect(drillDatabases()).toEqual([]);
    });

    it("fails when the dump a manifest names is missing, after surveying the whole store", async () => {
        const c = backedUpCase("drill-missing");
        s3.remove(c.bucket, newestDump(c));
        const before = s3.list(c.bucket);
        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, new RegExp(`object s3://${c.bucket}/${newestDump(c)} is missing`));
        expect(result.stderr).toMatch(new RegExp(`restore drill FAILED: no complete backup to restore under s3://${c.bucket}/daily/${c.service}/${c.database}/: all 1 are incomplete or inconsistent`));
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { job: "estate_restore_drill", service: c.service, database: c.database, kind: "missing_object" })).toBe(1);
        expect(s3.list(c.bucket)).toEqual(before);
    });

    it("fails when there is no backup at all", () => {
        const c = newCase("drill-empty");
        expectFailure(runScript("drill.sh", pgDrillEnv(c)), new RegExp(`no backup to restore: no manifest \\(\\*\\.manifest\\.json\\) under s3://${c.bucket}/daily/${c.service}/${c.database}/`));
    });

    it("fails when the restored row counts do not match the manifest, naming the table, and drops the scratch database", () => {
        const c = backedUpCase("drill-mismatch");
        const key = `daily/${c.service}/${c.database}/20250304T020000Z.manifest.json`;
        const manifest = manifestAt(c, key);
        manifest.postgres!.tables = manifest.postgres!.tables.map((t) => (t.table === "orders" ? { ...t, rows: 1201 } : t));
        manifest.postgres!.tables.push({ schema: "public", table: "customers", rows: 5 });
        s3.put(c.bucket, key, Buffer.from(JSON.stringify(manifest)));

        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, /restored database does not match the manifest: .*table public\.customers is missing.*table public\.orders has 1200 rows, the manifest says 1201/);
        expect(drillDatabases()).toEqual([]);
    });

    it("fails when an SQL check returns false or no row", () => {
        const c = backedUpCase("drill-sql-check");
        expectFailure(runScript("drill.sh", pgDrillEnv(c, { DRILL_SQL_CHECKS: "SELECT count(*) = 5 FROM orders" })), /SQL check failed: SELECT count\(\*\) = 5 FROM orders returned "f"/);
        expectFailure(runScript("drill.sh", pgDrillEnv(c, { DRILL_SQL_CHECKS: "SELECT id FROM orders WHERE id < 0" })), /SQL check failed: SELECT id FROM orders WHERE id < 0 returned no row/);
        expect(drillDatabases()).toEqual([]);
    });

    it("fails with a clear message when S3 refuses the credentials", () => {
        const c = backedUpCase("drill-bad-creds");
        const before = s3.list(c.bucket);
        expectFailure(runScript("drill.sh", pgDrillEnv(c, { AWS_ACCESS_KEY_ID: "NOT-S3RVER" })), /S3 refused access while listing s3:\/\/.*check the credentials/);
        expect(s3.list(c.bucket)).toEqual(before);
    });

    /** awscli as S3 answers for archived objects (s3rver keeps no storage classes): a stand-in in front of the real one. */
    const archivedS3 = (archived: string, restored?: string) => ({
        AWS_CLI: path.resolve("test/integration/fixtures/s3-archive/aws"),
        REAL_AWS_CLI: awsCli,
        ARCHIVED_KEYS: archived,
        ...(restored ? { RESTORED_KEYS: restored } : {}),
    });

    it("says clearly when the newest dump is archived in DEEP_ARCHIVE and not restored: what a restore takes, and how to do it", async () => {
        const c = backedUpCase("drill-archived", true);
        const dump = newestDump(c).replace(/[.]/g, "\\.");
        const result = runScript("drill.sh", pgDrillEnv(c, archivedS3(`^${dump}$`)));
        expectFailure(result, new RegExp(`the newest backup is archived and not restored: ${newestDump(c).replace(/[.]/g, "\\.")} \\(DEEP_ARCHIVE\\)`));
        expect(result.stderr).toMatch(/DEEP_ARCHIVE Standard typically within 12 hours, Bulk within 48/);
        expect(result.stderr).toMatch(new RegExp(`aws s3api restore-object --bucket ${c.bucket} --key ${newestDump(c).replace(/[.]/g, "\\.")} --restore-request`));
        expect(drillDatabases()).toEqual([]);
        const labels = { job: "estate_restore_drill", service: c.service, database: c.database };
        expect(await pushgateway.value("estate_restore_drill_last_run_success", labels)).toBe(0);
    });

    it("restores an archived newest dump once a restored copy exists, and warns that it was archived", () => {
        const c = backedUpCase("drill-archived-restored");
        const dump = newestDump(c).replace(/[.]/g, "\\.");
        const result = runScript("drill.sh", pgDrillEnv(c, archivedS3(`^${dump}$`, `^${dump}$`)));
        expectSuccess(result);
        expect(result.stderr).toMatch(/warning: the newest backup is archived: .*\(DEEP_ARCHIVE\); the download works only if a restored copy exists/);
        expect(result.stdout).toMatch(/^drill OK: postgres /);
    });

    it("fails with a clear message when the drill server is unreachable", async () => {
        const c = backedUpCase("drill-no-server");
        const result = runScript("drill.sh", pgDrillEnv(c, { DRILL_PGPORT: String(await freePort()) }));
        expectFailure(result, /cannot create scratch database estate_drill_\S+ on 127\.0\.0\.1:\d+\/postgres: .*(Connection refused|could not connect)/);
    });
});

describe("drill.sh: the whole store (postgres)", () => {
    const drillLabels = (c: Case) => ({ job: "estate_restore_drill", service: c.service, database: c.database });
    const prefix = (c: Case, tier = "daily") => `${tier}/${c.service}/${c.database}`;
    /** The source database's content, to show that the drill never touches it. */
    const sourceState = (c: Case) =>
        pg.sql(c.database, "SELECT count(*) || ':' || md5(coalesce(string_agg(id || '=' || total, ',' ORDER BY id), '')) FROM orders") +
        pg.sql(c.database, "SELECT count(*) FROM billing.\"Invoice Lines\"") +
        pg.sql(c.database, "SELECT count(*) FROM events");
    const objectives = { DRILL_RPO_OBJECTIVE_SECONDS: "86400", DRILL_BACKUP_INTERVAL_SECONDS: "86400", DRILL_BACKUP_TIMEOUT_SECONDS: "14400", DRILL_RTO_OBJECTIVE_SECONDS: "3600" };

    /** Backups on 2023-01-01 (every tier: a Sunday and New Year's Day) and 2023-01-02 (daily only). */
    function tieredCase(label: string): Case {
        const c = newCase(label);
        createShopDatabase(c);
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2023-01-01T02:00:00Z" })));
        pg.sql(c.database, "INSERT INTO orders SELECT g, 1 FROM generate_series(1001, 1100) g");
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2023-01-02T02:00:00Z" })));
        return c;
    }

    it("verifies the newest backup of every tier, restores the newest daily one, says the objectives are met, and leaves the source database untouched", async () => {
        const c = tieredCase("store-ok");
        const source = sourceState(c);
        const databases = pg.sql("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database");

        const result = runScript("drill.sh", pgDrillEnv(c, { ...objectives, DRILL_NOW: "2023-01-02T02:30:00Z" }));
        expectSuccess(result);
        expect(result.stdout).toMatch(new RegExp(`^drill OK: postgres ${c.service}/${c.database} backup 20230102T020000Z, 3 tables, 1105 rows match the manifest; rto_seconds=`));
        for (const tier of ["weekly", "monthly", "yearly"]) {
            expect(result.stderr).toContain(`verified the newest ${tier} backup s3://${c.bucket}/${prefix(c, tier)}/20230101T020000Z.manifest.json`);
        }
        expect(result.stderr).not.toMatch(/INCONSISTENT/);
        expect(result.stderr).toMatch(/objectives: the restored backup is 30m old; RPO 1d 0h: met; schedule \(every 1d 0h, 4h 0m to finish\): met; RTO 1h 0m: met \(\S+s\); the store would meet its objectives today/);
        for (const objective of ["rpo", "schedule", "rto"]) {
            expect(await pushgateway.value("estate_restore_drill_objectives_met", { ...drillLabels(c), objective })).toBe(1);
        }
        for (const kind of ["orphan_object", "missing_object", "size_mismatch", "checksum_mismatch", "invalid_manifest"]) {
            expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind })).toBe(0);
        }
        // Never the source: same content, and no database left behind but the ones that were there.
        expect(sourceState(c)).toBe(source);
        expect(pg.sql("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database")).toBe(databases);

        // 30 hours later, with an RPO of 15 minutes: neither the RPO nor the schedule is met; the drill itself passes.
        const late = runScript("drill.sh", pgDrillEnv(c, { ...objectives, DRILL_RPO_OBJECTIVE_SECONDS: "900", DRILL_NOW: "2023-01-03T08:00:00Z" }));
        expectSuccess(late);
        expect(late.stderr).toMatch(
            /objectives: the restored backup is 1d 6h old; RPO 15m: NOT met \(backups every 1d 0h cannot meet it by themselves: point-in-time recovery must\); schedule \(every 1d 0h, 4h 0m to finish\): NOT met; RTO 1h 0m: met .*the store would NOT meet its objectives today/,
        );
        expect(await pushgateway.value("estate_restore_drill_objectives_met", { ...drillLabels(c), objective: "rpo" })).toBe(0);
        expect(await pushgateway.value("estate_restore_drill_objectives_met", { ...drillLabels(c), objective: "schedule" })).toBe(0);
        expect(await pushgateway.value("estate_restore_drill_objectives_met", { ...drillLabels(c), objective: "rto" })).toBe(1);
        expect(sourceState(c)).toBe(source);
    });

    it("reports an object without a manifest (older than the backup timeout), but not one a backup may still be uploading", async () => {
        const c = tieredCase("store-orphan");
        const orphan = `${prefix(c, "weekly")}/20230108T020000Z.dump`;
        s3.put(c.bucket, orphan, Buffer.from("PGDMP half an upload"));

        const uploading = runScript("drill.sh", pgDrillEnv(c));
        expectSuccess(uploading);
        expect(uploading.stderr).toContain(`s3://${c.bucket}/${orphan} (20 bytes) has no manifest yet, but is younger than 14400s: a backup may still be uploading it`);

        const result = runScript("drill.sh", pgDrillEnv(c, { DRILL_BACKUP_TIMEOUT_SECONDS: "0" }));
        expectFailure(result, new RegExp(`^INCONSISTENT: orphan_object: object s3://${c.bucket}/${orphan} \\(20 bytes\\) has no manifest`, "m"));
        expect(result.stdout).toMatch(/^drill INCONSISTENT: postgres .* backup 20230102T020000Z, 3 tables, 1105 rows match the manifest/);
        expect(result.stderr).toMatch(/restore drill FAILED: the backup 20230102T020000Z restored and checked, but the store is inconsistent: 1 finding\(s\)/);
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind: "orphan_object" })).toBe(1);
        expect(await pushgateway.value("estate_restore_drill_last_run_success", drillLabels(c))).toBe(0);
        expect(drillDatabases()).toEqual([]);
    });

    it("reports a manifest whose dump is missing, in an older backup too", async () => {
        const c = tieredCase("store-missing");
        const dump = `${prefix(c)}/20230101T020000Z.dump`;
        s3.remove(c.bucket, dump);
        const before = s3.list(c.bucket);

        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, new RegExp(`^INCONSISTENT: missing_object: object s3://${c.bucket}/${dump} is missing \\(named by the manifest s3://${c.bucket}/${prefix(c)}/20230101T020000Z\\.manifest\\.json\\)`, "m"));
        expect(result.stdout).toMatch(/^drill INCONSISTENT: .* backup 20230102T020000Z,/);
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind: "missing_object" })).toBe(1);
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind: "orphan_object" })).toBe(0);
        expect(s3.list(c.bucket)).toEqual(before);
    });

    it("reports a checksum mismatch in the newest backup of another tier", async () => {
        const c = tieredCase("store-checksum");
        const weekly = `${prefix(c, "weekly")}/20230101T020000Z.dump`;
        const dump = Buffer.from(s3.get(c.bucket, weekly));
        dump[Math.floor(dump.length / 2)] ^= 0xff;
        s3.put(c.bucket, weekly, dump);

        const result = runScript("drill.sh", pgDrillEnv(c));
        expectFailure(result, new RegExp(`^INCONSISTENT: checksum_mismatch: checksum mismatch for s3://${c.bucket}/${weekly}: SHA-256 is ${sha256(dump)}, the manifest says [0-9a-f]{64}`, "m"));
        expect(result.stdout).toMatch(/^drill INCONSISTENT: .* backup 20230102T020000Z,/);
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind: "checksum_mismatch" })).toBe(1);
        expect(drillDatabases()).toEqual([]);
    });

    it("restores the previous complete backup when the newest dump is corrupt, and says why", async () => {
        const c = tieredCase("store-fallback");
        const source = sourceState(c);
        const newest = `${prefix(c)}/20230102T020000Z.dump`;
        const dump = Buffer.from(s3.get(c.bucket, newest));
        dump[Math.floor(dump.length / 2)] ^= 0xff;
        s3.put(c.bucket, newest, dump);

        const result = runScript("drill.sh", pgDrillEnv(c, { ...objectives, DRILL_NOW: "2023-01-02T02:30:00Z" }));
        expectFailure(result, new RegExp(`^INCONSISTENT: checksum_mismatch: checksum mismatch for s3://${c.bucket}/${newest}:`, "m"));
        // The older backup (1000 orders), and why.
        expect(result.stdout).toMatch(/^drill INCONSISTENT: postgres .* backup 20230101T020000Z \(older: the newer ones are incomplete or inconsistent\), 3 tables, 1005 rows match the manifest/);
        expect(result.stderr).toMatch(
            new RegExp(`restoring the older backup 20230101T020000Z because 1 newer one\\(s\\) are incomplete or inconsistent: s3://${c.bucket}/${prefix(c)}/20230102T020000Z\\.manifest\\.json: checksum mismatch`),
        );
        // 24.5 hours old at 02:30 on the 2nd: within the schedule (1 d + 4 h to finish), beyond the RPO of a day.
        expect(result.stderr).toMatch(/the restored backup is 1d 0h old; RPO 1d 0h: NOT met; schedule .*: met;/);
        expect(await pushgateway.value("estate_restore_drill_backup_timestamp_seconds", drillLabels(c))).toBe(Date.UTC(2023, 0, 1, 2) / 1000);
        expect(await pushgateway.value("estate_restore_drill_objectives_met", { ...drillLabels(c), objective: "rpo" })).toBe(0);
        expect(await pushgateway.value("estate_restore_drill_store_inconsistencies", { ...drillLabels(c), kind: "checksum_mismatch" })).toBe(1);
        expect(sourceState(c)).toBe(source);
        expect(drillDatabases()).toEqual([]);
    });
});

describe("rolling back a deploy from its recovery point (docs/runbooks/deploy-rollback.md)", () => {
    it("a bad migration after the deploy's fresh dump: the runbook's commands restore the dump, verified by its checksum, into a new database; the damaged source stays as it was", () => {
        const c = newCase("pg-rollback");
        createShopDatabase(c);
        // The one-off Job before the migration runs the backup CronJob's command: backup.sh.
        expectSuccess(runScript("backup.sh", pgBackupEnv(c, { BACKUP_NOW: "2026-12-06T17:00:00Z" })));
        // The migration goes wrong.
        pg.sql(c.database, `DROP TABLE billing."Invoice Lines"; DELETE FROM orders WHERE id > 10;`);

        // The runbook: the newest manifest of the service, its dump, the checksum, pg_restore into a new database.
        const keys = s3.list(c.bucket).map((o) => o.Key as string);
        const manifestKey = keys.filter((k) => k.startsWith(`daily/${c.service}/${c.database}/`) && k.endsWith(".manifest.json")).sort().at(-1)!;
        const manifest = manifestAt(c, manifestKey);
        const dump = s3.get(c.bucket, manifest.object.key);
        expect(sha256(dump)).toBe(manifest.object.sha256);
        const file = path.join(c.dir, "backup.dump");
        fs.writeFileSync(file, dump);
        const restored = `${c.database}_restored`;
        pg.sql("postgres", `CREATE DATABASE ${restored}`);
        const restore = spawnSync("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "-d", restored, file], { env: { ...process.env, ...pg.env(restored) }, encoding: "utf8" });
        expect(restore.stderr).toBe("");
        expect(restore.status).toBe(0);

        // The data as it was before the migration, matching the manifest's row counts.
        expect(pg.sql(restored, "SELECT count(*) FROM orders").trim()).toBe("1000");
        expect(pg.sql(restored, `SELECT count(*) FROM billing."Invoice Lines"`).trim()).toBe("2");
        expect(manifest.postgres!.tables).toEqual(expect.arrayContaining([expect.objectContaining({ table: "orders", rows: 1000 })]));
        // The restore touched nothing else: the damaged source is as the migration left it.
        expect(pg.sql(c.database, "SELECT count(*) FROM orders").trim()).toBe("10");
    });
});

describe("backup.sh and drill.sh (redis)", () => {
    it("copies the RDB with the key count in the manifest, and the drill loads it into a scratch redis-server and compares", async () => {
        const c = newCase("redis");
        redis.cli("FLUSHALL");
        for (let i = 0; i < 50; i++) {
            redis.cli("SET", `session:${i}`, `value-${i}`);
        }
        redis.cli("-n", "3", "HSET", "cart:1", "sku", "42");
        redis.cli("SET", "ephemeral", "x", "EX", "3600");
        const env = { ...baseEnv(c, "redis"), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port) };
        delete (env as Record<string, string | undefined>).BACKUP_DATABASE; // redis: "all"

        expectSuccess(runScript("backup.sh", { ...env, BACKUP_NOW: "2025-03-04T02:00:00Z" }));
        const stem = `daily/${c.service}/all/20250304T020000Z`;
        expect(s3.list(c.bucket).map((o) => o.Key)).toEqual([`${stem}.manifest.json`, `${stem}.rdb`, `${stem}.rdb.sha256`]);
        const rdb = s3.get(c.bucket, `${stem}.rdb`);
        expect(rdb.subarray(0, 5).toString()).toBe("REDIS");
        const manifest = JSON.parse(s3.get(c.bucket, `${stem}.manifest.json`).toString()) as Manifest;
        expect(manifest.redis).toEqual({ format: "rdb", keys: 52, keysWithExpiry: 1 });
        expect(manifest.object).toMatchObject({ bytes: rdb.length, sha256: sha256(rdb) });

        redis.cli("FLUSHALL"); // the drill restores from the bucket, not from the server
        const drill = runScript("drill.sh", env);
        expectSuccess(drill);
        expect(drill.stdout).toMatch(/drill OK: redis .* 52 keys \(manifest: 52, 1 with a TTL\); rto_seconds=/);
        expect(await pushgateway.value("estate_restore_drill_last_run_success", { job: "estate_restore_drill", service: c.service, database: "all" })).toBe(1);

        // A manifest that promises keys the RDB does not hold fails the drill.
        s3.put(c.bucket, `${stem}.manifest.json`, Buffer.from(JSON.stringify({ ...manifest, redis: { format: "rdb", keys: 60, keysWithExpiry: 0 } })));
        expectFailure(runScript("drill.sh", env), /restored Redis has 52 keys, the manifest says 60/);

        // A corrupt RDB whose checksums were made to match still fails: redis-server cannot load it.
        const corrupt = Buffer.concat([rdb.subarray(0, 40), Buffer.alloc(20, 0xff)]);
        const key = `daily/${c.service}/all/20250305T020000Z`;
        s3.put(c.bucket, `${key}.rdb`, corrupt);
        s3.put(c.bucket, `${key}.rdb.sha256`, Buffer.from(`${sha256(corrupt)}  20250305T020000Z.rdb\n`));
        s3.put(
            c.bucket,
            `${key}.manifest.json`,
            Buffer.from(JSON.stringify({ ...manifest, timestamp: "20250305T020000Z", object: { key: `${key}.rdb`, checksumKey: `${key}.rdb.sha256`, bytes: corrupt.length, sha256: sha256(corrupt) } })),
        );
        expectFailure(runScript("drill.sh", env), /redis-server could not load the RDB s3:\/\/.*20250305T020000Z\.rdb/);
    });

    it("fails with a clear message when Redis is unreachable", async () => {
        const c = newCase("redis-unreachable");
        const port = String(await freePort());
        const result = runScript("backup.sh", { ...baseEnv(c, "redis"), REDIS_HOST: "127.0.0.1", REDIS_PORT: port });
        expectFailure(result, new RegExp(`Redis at 127\\.0\\.0\\.1:${port}: .*Connection refused`));
        expect(s3.list(c.bucket)).toEqual([]);
    });
});

describe("backup.sh and drill.sh (mongo, with stand-ins for MongoDB's tools)", () => {
    // MongoDB's tools are not packaged here: stand-ins that log like mongodump/mongorestore 100.x
    // prove the scripts' plumbing (keys, manifest, parsing, comparison). The real tools run only in a cluster.
    const stubs = path.join(__dirname, "fixtures/mongo-tools");

    it("stores the archive with per-collection counts, and the drill restores into a scratch database, compares and drops it", () => {
        const c = newCase("mongo");
        const mongoshLog = path.join(c.dir, "mongosh.log");
        const env = {
            ...baseEnv(c, "mongo"),
            PATH: `${stubs}:${process.env.PATH}`,
            MONGO_URI: "mongodb://backup:s3cret@127.0.0.1:27017/?authSource=admin",
            DRILL_MONGO_URI: "mongodb://drill:pw@127.0.0.1:27017/",
            STUB_MONGO_COLLECTIONS: "orders:3,users:1",
            STUB_MONGOSH_LOG: mongoshLog,
        };
        expectSuccess(runScript("backup.sh", { ...env, BACKUP_NOW: "2025-03-04T02:00:00Z" }));
        const stem = `daily/${c.service}/${c.database}/20250304T020000Z`;
        const manifest = manifestAt(c, `${stem}.manifest.json`);
        expect(manifest.object.key).toBe(`${stem}.archive.gz`);
        expect(manifest.mongo).toEqual({
            format: "archive+gzip",
            collections: [
                { namespace: `${c.database}.orders`, documents: 3 },
                { namespace: `${c.database}.users`, documents: 1 },
            ],
            documents: 4,
        });
        expect(JSON.stringify(manifest)).not.toContain("s3cret");

        const drill = runScript("drill.sh", env);
        expectSuccess(drill);
        expect(drill.stdout).toMatch(/drill OK: mongo .* 2 collections, 4 documents match the manifest/);
        expect(fs.readFileSync(mongoshLog, "utf8")).toMatch(/db\.getSiblingDB\('estate_drill_\d+_\d+'\)\.dropDatabase\(\)/);

        expectFailure(runScript("drill.sh", { ...env, STUB_MONGO_LOSE: "orders" }), /collection orders has 2 documents, the manifest says 3/);
        expectFailure(runScript("backup.sh", { ...env, BACKUP_NOW: "2025-03-05T02:00:00Z", STUB_MONGO_FAIL: "connection refused" }), /mongodump failed: .*connection refused/);
    });
});
