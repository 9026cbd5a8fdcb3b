/**
 * Real servers for the integration suite and the drill benchmark, on loopback and free ports, each
 * in its own temporary directory: PostgreSQL 15 (a throwaway `initdb` cluster), Redis, s3rver (S3), the Prometheus
 * Pushgateway. Everything started here is stopped by `stopAll()` (call it in `afterAll`), and
 * killed on process exit as a last resort.
 */
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const root = path.resolve(__dirname, "../..");
export const scriptsDir = path.join(root, "scripts/backup");

/** Debian's awscli (v2) when installed, as in the backup image; otherwise whatever `aws` is. */
export const awsCli = fs.existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_DEFAULT_REGION: "us-east-1" } as const;

const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];

process.on("exit", () => {
    for (const cleanup of cleanups.splice(0)) {
        try {
            cleanup();
        } catch {
            // best effort at exit
        }
    }
    for (const child of children) {
        child.kill("SIGKILL");
    }
    removeTempDirs();
});

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
        });
    });
}

const tempDirs: string[] = [];

/** A new temporary directory, removed by `removeTempDirs()`. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `estate-it-${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

export function removeTempDirs(): void {
    for (const dir of tempDirs.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await probe()) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

function startChild(command: string, args: string[], logFile: string, options: { uid?: number; gid?: number } = {}): ChildProcess {
    const log = fs.openSync(logFile, "a");
    const child = spawn(command, args, { stdio: ["ignore", log, log], ...options });
    fs.closeSync(log);
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
}

function httpOk(url: string): Promise<boolean> {
    return fetch(url).then(
        (r) => r.ok,
        () => false,
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface Postgres {
    host: string;
    port: number;
    user: string;
    /** libpq environment for a database on this server. */
    env(database?: string): Record<string, string>;
    /** Runs SQL with psql (ON_ERROR_STOP), returns unaligned, tuples-only output. */
    sql(database: string, sql: string): string;
    stop(): Promise<void>;
}

/** PostgreSQL's server refuses to run as root: when we are root, the cluster runs as `postgres`. */
function postgresIdentity(): { uid?: number; gid?: number } {
    if (process.getuid?.() !== 0) {
        return {};
    }
    const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (uid.status !== 0 || gid.status !== 0) {
        throw new Error("running as root and there is no `postgres` user to run the PostgreSQL server as (apt-get install postgresql-15)");
    }
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export function pgBinDir(): string {
    const result = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
    if (result.status === 0 && fs.existsSync(path.join(result.stdout.trim(), "initdb"))) {
        return result.stdout.trim();
    }
    return "/usr/lib/postgresql/15/bin";
}

/** How clients other than the superuser `postgres` authenticate over TCP: `trust` (the default), or with a password. */
export interface PostgresOptions {
    passwordAuth?: boolean;
}

/**
 * A throwaway cluster. `settings` are server settings (`-c name=value`), over the defaults for
 * tests (`fsync=off`: durability does not matter for a cluster deleted afterwards). With
 * `passwordAuth`, every role but `postgres` (which `sql()` uses) must give its password
 * (scram-sha-256, as RDS requires with `password_encryption`), so a wrong one is refused.
 */
export async function startPostgres(settings: Record<string, string> = {}, options: PostgresOptions = {}): Promise<Postgres> {
    const dir = tempDir("pg");
    const identity = postgresIdentity();
    if (identity.uid !== undefined) {
        fs.chownSync(dir, identity.uid, identity.gid!);
    }
    const bin = pgBinDir();
    const data = path.join(dir, "data");
    const initdb = spawnSync(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], {
        encoding: "utf8",
        ...identity,
    });
    if (initdb.status !== 0) {
        throw new Error(`initdb failed: ${initdb.stderr}`);
    }
    if (options.passwordAuth) {
        // First match wins: the superuser keeps trust (the harness's own psql), everyone else gives a password.
        const hba = ["local all all trust", "host all postgres 127.0.0.1/32 trust", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n");
        fs.writeFileSync(path.join(data, "pg_hba.conf"), hba);
        if (identity.uid !== undefined) {
            fs.chownSync(path.join(data, "pg_hba.conf"), identity.uid, identity.gid!);
        }
    }
    const port = await freePort();
    const server = startChild(
        path.join(bin, "postgres"),
        [
            "-D",
            data,
            "-p",
            String(port),
            "-k",
            dir,
            ...Object.entries({ listen_addresses: "127.0.0.1", fsync: "off", max_connections: "50", ...settings }).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
        ],
        path.join(dir, "postgres.log"),
        identity,
    );
    const stopCleanup = () => server.kill("SIGKILL");
    cleanups.push(stopCleanup);
    const env = (database = "postgres"): Record<string, string> => ({
        PGHOST: "127.0.0.1",
        PGPORT: String(port),
        PGUSER: "postgres",
        PGDATABASE: database,
    });
    await waitFor("PostgreSQL", () => spawnSync("pg_isready", ["-q"], { env: { ...process.env, ...env() } }).status === 0);
    return {
        host: "127.0.0.1",
        port,
        user: "postgres",
        env,
        sql(database, sql) {
            const result = spawnSync("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
                encoding: "utf8",
                env: { ...process.env, ...env(database) },
            });
            if (result.status !== 0) {
                throw new Error(`psql failed: ${result.stderr}`);
            }
            return result.stdout.trim();
        },
        async stop() {
            // SIGINT is PostgreSQL's "fast" shutdown.
            if (server.exitCode === null && server.signalCode === null) {
                const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
                server.kill("SIGINT");
                await exited;
            }
            cleanups.splice(cleanups.indexOf(stopCleanup), 1);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Redis

export interface Redis {
    port: number;
    cli(...args: string[]): string;
    stop(): Promise<void>;
}

export async function startRedis(): Promise<Redis> {
    const dir = tempDir("redis");
    const port = await freePort();
    const server = startChild(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
        path.join(dir, "redis.log"),
    );
    const cli = (...args: string[]) => {
        const result = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "utf8" });
        if (result.status !== 0) {
            throw new Error(`redis-cli failed: ${result.stderr}`);
        }
        return result.stdout.trim();
    };
    await waitFor("Redis", () => spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "PING"], { encoding: "utf8" }).stdout?.trim() === "PONG");
    return {
        port,
        cli,
        async stop() {
            await stopChild(server);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// S3 (s3rver) and the awscli client

export interface S3Object {
    Key: string;
    Size: number;
    ETag: string;
}

export interface S3 {
    endpoint: string;
    /** Runs awscli against this endpoint with s3rver's credentials (plus `env`). */
    aws(args: string[], env?: Record<string, string>, input?: Buffer): SpawnSyncReturns<Buffer>;
    createBucket(name: string): void;
    list(bucket: string): S3Object[];
    get(bucket: string, key: string): Buffer;
    /** Writes an object directly, as corruption or a person with write access would. */
    put(bucket: string, key: string, body: Buffer): void;
    remove(bucket: string, key: string): void;
    stop(): Promise<void>;
}

export async function startS3(): Promise<S3> {
    const dir = tempDir("s3");
    const port = await freePort();
    const data = path.join(dir, "data");
    fs.mkdirSync(data);
    const server = startChild(
        process.execPath,
        [path.join(root, "node_modules/s3rver/bin/s3rver.js"), "-d", data, "-a", "127.0.0.1", "-p", String(port), "--silent"],
        path.join(dir, "s3rver.log"),
    );
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor("s3rver", () => httpOk(`${endpoint}/`));
    const aws = (args: string[], env: Record<string, string> = {}, input?: Buffer) =>
        spawnSync(awsCli, ["--endpoint-url", endpoint, ...args], { env: { ...process.env, ...S3_CREDENTIALS, ...env }, input, maxBuffer: 1 << 30 });
    const must = (args: string[], input?: Buffer): Buffer => {
        const result = aws(args, {}, input);
        if (result.status !== 0) {
            throw new Error(`aws ${args.join(" ")} failed: ${result.stderr.toString()}`);
        }
        return result.stdout;
    };
    return {
        endpoint,
        aws,
        createBucket: (name) => void must(["s3api", "create-bucket", "--bucket", name]),
        list(bucket) {
            const out = must(["s3api", "list-objects-v2", "--bucket", bucket, "--output", "json"]).toString();
            if (out.trim() === "") {
                return [];
            }
            const parsed = JSON.parse(out) as { Contents?: S3Object[] };
            return (parsed.Contents ?? []).map(({ Key, Size, ETag }) => ({ Key, Size, ETag })).sort((a, b) => a.Key.localeCompare(b.Key));
        },
        get: (bucket, key) => must(["s3", "cp", `s3://${bucket}/${key}`, "-"]),
        put: (bucket, key, body) => void must(["s3", "cp", "-", `s3://${bucket}/${key}`], body),
        remove: (bucket, key) => void must(["s3", "rm", `s3://${bucket}/${key}`]),
        async stop() {
            await stopChild(server);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Pushgateway

export interface Pushgateway {
    url: string;
    /** The value of a metric for a grouping (service, database), or undefined when not pushed. */
    value(metric: string, labels: Record<string, string>): Promise<number | undefined>;
    stop(): Promise<void>;
}

export async function startPushgateway(): Promise<Pushgateway> {
    const dir = tempDir("pushgateway");
    const port = await freePort();
    const server = startChild("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`], path.join(dir, "pushgateway.log"));
    const url = `http://127.0.0.1:${port}`;
    await waitFor("Pushgateway", () => httpOk(`${url}/-/ready`));
    return {
        url,
        async value(metric, labels) {
            const text = await (await fetch(`${url}/metrics`)).text();
            for (const line of text.split("\n")) {
                const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
                if (!match || match[1] !== metric) {
                    continue;
                }
                const have = Object.fromEntries([...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
                if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
                    return Number(match[3]);
                }
            }
            return undefined;
        },
        async stop() {
            await stopChild(server);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

// ---------------------------------------------------------------------------------------------
// The scripts

export interface RunResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs scripts/backup/<script> with a minimal environment plus `env`. */
export function runScript(script: "backup.sh" | "drill.sh", env: Record<string, string | undefined>): RunResult {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries({ PATH: process.env.PATH, HOME: process.env.HOME, AWS_CLI: awsCli, ...env })) {
        if (v !== undefined) {
            clean[k] = v;
        }
    }
    const result = spawnSync("bash", [path.join(scriptsDir, script)], { env: clean, encoding: "utf8", timeout: 1_800_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Stops the servers in reverse order of start, then removes every temporary directory. */
export async function stopAll(...servers: ({ stop(): Promise<void> } | undefined)[]): Promise<void> {
    for (const server of servers.reverse()) {
        await server?.stop();
    }
    removeTempDirs();
}
