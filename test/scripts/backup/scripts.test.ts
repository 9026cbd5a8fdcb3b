/**
 * The backup scripts and their image, statically: shellcheck on every script (and on the shell of
 * the Dockerfile's RUN steps), the scripts' usage and configuration errors, and the Dockerfile's
 * pins (clients pinned to the engine versions, non-root user, the scripts it copies exist).
 * There is no Docker engine here: the image itself is built by the CronJob wiring.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BACKUP_IMAGE_CONTEXT, backupImageBuildArgs } from "../../../components/backup/backup-image";
import { BACKUP_JOBS, BACKUP_METRICS } from "../../../components/backup/metrics";
import { POSTGRES_VERSIONS } from "../../../infra/schema";

const root = path.resolve(__dirname, "../../..");
const scriptsDir = path.join(root, "scripts/backup");
const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));
const stubs = path.join(root, "test/integration/fixtures/mongo-tools");
/** The stand-in for awscli that gives s3rver S3's archived objects. */
const s3ArchiveStandIn = path.join(root, "test/integration/fixtures/s3-archive/aws");

function shellcheck(files: string[], cwd = root): { status: number | null; output: string } {
    const result = spawnSync("shellcheck", ["-x", ...files], { cwd, encoding: "utf8" });
    if (result.error) {
        throw new Error(`shellcheck is not installed (apt-get install shellcheck): ${result.error.message}`);
    }
    return { status: result.status, output: result.stdout + result.stderr };
}

describe("the backup scripts", () => {
    it("are backup.sh, drill.sh and their library", () => {
        expect(scripts.sort()).toEqual(["backup.sh", "drill.sh", "lib.sh"]);
    });

    it("pass shellcheck, as do the test stand-ins for MongoDB's tools and for awscli on archived objects", () => {
        const result = shellcheck([...scripts.map((s) => path.join("scripts/backup", s)), ...fs.readdirSync(stubs).map((s) => path.join(stubs, s)), s3ArchiveStandIn]);
        expect(result.output).toBe("");
        expect(result.status).toBe(0);
    });

    it("shellcheck does flag a broken script (the check can fail)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-sc-"));
        fs.writeFileSync(path.join(dir, "bad.sh"), "#!/usr/bin/env bash\nrm -rf $1/*\n");
        const result = shellcheck(["bad.sh"], dir);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(result.status).not.toBe(0);
        expect(result.output).toContain("SC2086");
    });

    it.each(["backup.sh", "drill.sh"])("%s --help documents its configuration; arguments or a missing variable exit 2", (script) => {
        const file = path.join(scriptsDir, script);
        const help = spawnSync("bash", [file, "--help"], { encoding: "utf8" });
        expect(help.status).toBe(0);
        for (const name of ["BACKUP_ENGINE", "BACKUP_SERVICE", "BACKUP_BUCKET", "BACKUP_S3_ENDPOINT_URL", "PUSHGATEWAY_URL", "Exit codes"]) {
            expect(help.stdout).toContain(name);
        }
        const withArgs = spawnSync("bash", [file, "now"], { encoding: "utf8" });
        expect(withArgs.status).toBe(2);
        expect(withArgs.stderr).toContain("takes no arguments");
        const unconfigured = spawnSync("bash", [file], { encoding: "utf8", env: { PATH: process.env.PATH } });
        expect(unconfigured.status).toBe(2);
        expect(unconfigured.stderr).toContain("BACKUP_ENGINE is required");
    });

    it("push exactly the metrics and jobs the alert rules and dashboards query (BACKUP_METRICS, BACKUP_JOBS)", () => {
        const pushed = (script: string) => {
            const text = fs.readFileSync(path.join(scriptsDir, script), "utf8");
            return {
                gauges: new Set([...text.matchAll(/^\s*gauge (estate_[a-z_]+) /gm)].map((m) => m[1]!)),
                jobs: new Set([...text.matchAll(/push_metrics (estate_[a-z_]+) /g)].map((m) => m[1]!)),
            };
        };
        const backup = pushed("backup.sh");
        const drill = pushed("drill.sh");
        expect([...backup.jobs]).toEqual([BACKUP_JOBS.backup]);
        expect([...drill.jobs]).toEqual([BACKUP_JOBS.drill]);
        const expected = Object.values(BACKUP_METRICS);
        expect([...backup.gauges, ...drill.gauges].sort()).toEqual([...expected].sort());
        // And --help lists every one of them, for operators.
        const help = ["backup.sh", "drill.sh"].map((s) => spawnSync("bash", [path.join(scriptsDir, s), "--help"], { encoding: "utf8" }).stdout).join("\n");
        for (const metric of expected) {
            expect(help).toContain(metric);
        }
    });
});

interface Instruction {
    keyword: string;
    args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
    const joined = text
        .split("\n")
        .filter((line) => !/^\s*#/.test(line))
        .join("\n")
        .replace(/\\\n/g, " ");
    return joined
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => {
            const [keyword, ...rest] = line.split(/\s+/);
            return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
        });
}

describe("the backup image's Dockerfile", () => {
    const dockerfile = path.join(root, BACKUP_IMAGE_CONTEXT, "Dockerfile");
    const instructions = parseDockerfile(fs.readFileSync(dockerfile, "utf8"));
    const of = (keyword: string) => instructions.filter((i) => i.keyword === keyword);
    const args = new Map(of("ARG").map((i) => [i.args.split("=")[0]!, i.args.split("=")[1]]));
    const runs = of("RUN").map((i) => i.args).join("\n");

    it("starts from a tagged base image, never latest", () => {
        expect(of("FROM")).toHaveLength(1);
        expect(of("FROM")[0]!.args).toBe("${BASE_IMAGE}");
        expect(args.get("BASE_IMAGE")).toMatch(/^debian:[\w.-]+$/);
        expect(args.get("BASE_IMAGE")).not.toMatch(/:latest$/);
    });

    it("pins every database client and awscli to a build argument", () => {
        expect(runs).toContain('"postgresql-client-${PG_MAJOR}"');
        expect(runs).toContain('"mongodb-database-tools=${MONGO_TOOLS_VERSION}"');
        expect(runs).toContain('"mongodb-mongosh=${MONGOSH_VERSION}"');
        expect(runs).toContain('"awscli=${AWSCLI_VERSION}"');
        expect(runs).toMatch(/redis-tools redis-server/);
        for (const arg of ["PG_MAJOR", "REDIS_VERSION", "MONGO_TOOLS_VERSION", "MONGOSH_VERSION", "AWSCLI_VERSION"]) {
            expect(args.get(arg), arg).toMatch(/^\d[\w.:~-]*$/);
        }
        // The build fails when the installed clients are not the pinned ones.
        expect(runs).toContain('pg_dump --version | grep -q "PostgreSQL) ${PG_MAJOR}\\."');
        expect(runs).toContain('mongodump --version | grep -q "${MONGO_TOOLS_VERSION}"');
    });

    it("trusts the Amazon RDS CA bundle, so mongodump verifies a managed DocumentDB's TLS", () => {
        expect(args.get("RDS_CA_BUNDLE_URL")).toBe("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
        const fetch = runs.indexOf('curl -fsSL "${RDS_CA_BUNDLE_URL}" -o /usr/local/share/ca-certificates/amazon-rds-global-bundle.crt');
        expect(fetch).toBeGreaterThan(-1);
        // Into the trust store after the download, and before the tools that use it run.
        expect(runs.indexOf("update-ca-certificates", fetch)).toBeGreaterThan(fetch);
    });

    it("installs without recommends and leaves no apt lists behind", () => {
        const installs = runs.match(/apt-get install [^;]*/g) ?? [];
        expect(installs.length).toBeGreaterThan(0);
        for (const install of installs) {
            expect(install).toContain("--no-install-recommends");
        }
        expect(runs).toContain("rm -rf /var/lib/apt/lists/*");
    });

    it("runs as a non-root user and copies every script the jobs run", () => {
        const users = of("USER");
        expect(users.length).toBeGreaterThan(0);
        const [uid, gid] = users[users.length - 1]!.args.split(":").map(Number);
        expect(uid).toBeGreaterThan(0);
        expect(gid).toBeGreaterThan(0);
        const copied = of("COPY").flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1));
        expect(copied.sort()).toEqual(scripts.sort());
        for (const file of copied) {
            expect(fs.existsSync(path.join(root, BACKUP_IMAGE_CONTEXT, file)), file).toBe(true);
        }
        expect(of("CMD")[0]!.args).toBe('["/opt/estate-backup/backup.sh"]');
    });

    it("its RUN steps pass shellcheck (bash, as the SHELL instruction says)", () => {
        expect(of("SHELL")[0]!.args).toBe('["/bin/bash", "-o", "pipefail", "-c"]');
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-dockerfile-"));
        const files = of("RUN").map((run, i) => {
            const file = path.join(dir, `run-${i}.sh`);
            fs.writeFileSync(file, `#!/usr/bin/env bash\n${run.args}\n`);
            return file;
        });
        const result = shellcheck(files, dir);
        fs.rmSync(dir, { recursive: true, force: true });
        expect(result.output).toBe("");
        expect(result.status).toBe(0);
    });

    it("takes the build arguments the wiring derives from the config, for every PostgreSQL version the config allows", () => {
        const versions = [...POSTGRES_VERSIONS];
        expect(versions.length).toBeGreaterThan(0);
        for (const version of versions) {
            const buildArgs = backupImageBuildArgs({ postgres: { version } });
            expect(buildArgs).toEqual({ PG_MAJOR: version });
            for (const name of Object.keys(buildArgs)) {
                expect(args.has(name), `Dockerfile ARG ${name}`).toBe(true);
            }
        }
        expect(backupImageBuildArgs({})).toEqual({});
    });
});
