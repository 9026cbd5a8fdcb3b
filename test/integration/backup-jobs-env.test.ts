/**
 * The environment `BackupJobs` plans drives the real scripts: the backup and drill CronJobs'
 * containers are resolved the way the kubelet does it (the ConfigMap through `envFrom`, each
 * secret through its `secretKeyRef`, the source's credential as a file of its Secret volume:
 * `planned-pod.ts`), pointed at real servers on loopback (PostgreSQL 15, s3rver, the
 * Pushgateway), and backup.sh and drill.sh run with exactly that environment.
 *
 * What a pod has that this machine does not is overridden, and only that: the work directory
 * (`/work` is the pod's emptyDir), the S3 endpoint and its credentials (s3rver instead of AWS and
 * the IAM user's key), TLS (the local server has none: `PGSSLMODE=disable`) and the drill server's
 * port (the sidecar listens on 5432 in the pod; here it is the local server's port).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupJobs } from "../../components/backup";
import { makeConnection } from "../../components/data/connection";
import {
    type Postgres,
    type Pushgateway,
    type S3,
    S3_CREDENTIALS,
    runScript,
    startPostgres,
    startPushgateway,
    startS3,
    stopAll,
    tempDir,
} from "../../scripts/servers/local-servers";
import { runWithCluster } from "../components/k8s/harness";
import { MaterializedContainer, type PlannedPod } from "./planned-pod";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";

let pg: Postgres;
let s3: S3;
let pushgateway: Pushgateway;

beforeAll(async () => {
    [pg, s3, pushgateway] = await Promise.all([startPostgres(), startS3(), startPushgateway()]);
}, 120_000);

afterAll(async () => {
    await stopAll(pg, s3, pushgateway);
});

describe("the planned CronJob environment", () => {
    it("backs up and drills a real PostgreSQL database through backup.sh and drill.sh", async () => {
        const database = "jobs_env_shop";
        const bucket = "estate-it-jobs-env";
        const service = "jobs-env";
        pg.sql("postgres", `CREATE DATABASE ${database}`);
        pg.sql(database, "CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL); INSERT INTO orders SELECT g, g * 2 FROM generate_series(1, 250) g;");
        s3.createBucket(bucket);

        const built = await runWithCluster((cluster) => {
            new BackupJobs(
                "jobs-env",
                {
                    engine: "postgres",
                    service,
                    connection: makeConnection({ scheme: "postgresql", user: pg.user, password: "unused-with-trust", host: pg.host, port: pg.port, database, query: { sslmode: "require" } }),
                    namespace: "data",
                    bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}`, kmsKeyArn: KEY, region: "us-east-1" },
                    image: "ghcr.io/acme/estate-backup:1.0.0",
                    rtoMinutes: 60,
                    version: "15",
                    drillSqlChecks: ["SELECT count(*) = 250 FROM orders", "SELECT sum(total) = 62750 FROM orders"],
                    pushgatewayUrl: pushgateway.url,
                },
                { provider: cluster },
            );
        });
        const configMap = built.inputs("jobs-env-config");
        const secret = built.inputs("jobs-env-secret");
        const configMaps = { [configMap.metadata.name]: configMap.data };
        const secrets = { [secret.metadata.name]: secret.stringData };
        const dir = tempDir("jobs-env");
        const pod = (role: "backup" | "drill"): PlannedPod => built.inputs(`jobs-env-${role}`).spec.jobTemplate.spec.template.spec;
        const resolveEnvironment = (role: "backup" | "drill") => new MaterializedContainer(pod(role), 0, configMaps, secrets, path.join(dir, `${role}-pod`)).env;
        const local = {
            BACKUP_WORK_DIR: dir,
            TMPDIR: dir,
            BACKUP_S3_ENDPOINT_URL: s3.endpoint,
            AWS_ACCESS_KEY_ID: S3_CREDENTIALS.AWS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
            AWS_CONFIG_FILE: path.join(dir, "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-aws-credentials"),
            PGSSLMODE: "disable",
            DRILL_PGPORT: String(pg.port),
        };

        const backupEnv = resolveEnvironment("backup");
        // What the pod gets, before the local overrides: the source from the connection, the bucket, the Pushgateway.
        expect(backupEnv).toMatchObject({ BACKUP_ENGINE: "postgres", BACKUP_SERVICE: service, BACKUP_DATABASE: database, BACKUP_BUCKET: bucket, PGHOST: "127.0.0.1", PGPORT: String(pg.port), PUSHGATEWAY_URL: pushgateway.url });
        // The password as a file of the mounted Secret, never in the environment.
        expect(backupEnv).not.toHaveProperty("PGPASSWORD");
        expect(fs.readFileSync(backupEnv.PGPASSWORD_FILE!, "utf8")).toBe("unused-with-trust");
        const backup = runScript("backup.sh", { ...backupEnv, ...local });
        expect(backup.stderr + backup.stdout).toMatch(/backup OK/);
        expect(backup.status).toBe(0);
        const keys = s3.list(bucket).map((o) => o.Key);
        expect(keys.some((k) => k.startsWith(`daily/${service}/${database}/`) && k.endsWith(".dump"))).toBe(true);
        expect(keys.some((k) => k.endsWith(".manifest.json"))).toBe(true);

        const drillEnv = resolveEnvironment("drill");
        expect(drillEnv).toMatchObject({ DRILL_PGHOST: "127.0.0.1", DRILL_PGUSER: "postgres", DRILL_RTO_OBJECTIVE_SECONDS: "3600" });
        expect(drillEnv).not.toHaveProperty("PGPASSWORD");
        const drill = runScript("drill.sh", { ...drillEnv, ...local });
        expect(drill.stderr + drill.stdout).toMatch(/drill OK: .*rto_seconds=/);
        expect(drill.status).toBe(0);
        expect(await pushgateway.value("estate_restore_drill_last_run_success", { service, database })).toBe(1);
        expect(await pushgateway.value("estate_backup_last_run_success", { service, database })).toBe(1);

        // The SQL checks came from the component's drillSqlChecks: a failing one fails the drill.
        const failing = runScript("drill.sh", { ...drillEnv, ...local, DRILL_SQL_CHECKS: "SELECT count(*) = 251 FROM orders" });
        expect(failing.status).toBe(1);
    });
});
