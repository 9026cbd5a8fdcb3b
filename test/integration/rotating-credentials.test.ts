/**
 * A password that rotates between two backups, on a real PostgreSQL 15 that checks passwords
 * (scram-sha-256, as RDS does). The backup CronJob is the one `BackupJobs` plans for a rotating
 * connection (a managed Postgres): its password is a file of the Secret its ExternalSecret
 * targets, and backup.sh reads that file when it runs. The External Secrets Operator and the
 * kubelet are played by `renderExternalSecret` and `MaterializedContainer.sync`: the rotated
 * value lands in the mounted file, the pod's environment and the plan stay as they are.
 *
 *  - the first backup runs with the password of the day;
 *  - RDS rotates it (ALTER ROLE ... PASSWORD), the synced Secret follows: the next backup, with
 *    nothing redeployed, succeeds with the new password read from its file;
 *  - a rotation the Secret has not caught up with: the backup fails loudly, exit 1, naming the
 *    user and the credential (PGPASSWORD_FILE and its path), and stores nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupJobs } from "../../components/backup";
import type { RotatingConnection } from "../../components/data/connection";
import type { SecretStoreRef } from "../../components/k8s/external-secrets";
import { type Postgres, type S3, S3_CREDENTIALS, runScript, startPostgres, startS3, stopAll, tempDir } from "../../scripts/servers/local-servers";
import { runWithCluster } from "../components/k8s/harness";
import { MaterializedContainer, type PlannedPod, renderExternalSecret } from "./planned-pod";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-EXAMPLE-AbCdEf";

let pg: Postgres;
let s3: S3;

beforeAll(async () => {
    [pg, s3] = await Promise.all([startPostgres({}, { passwordAuth: true }), startS3()]);
}, 120_000);

afterAll(async () => {
    await stopAll(pg, s3);
});

describe("a rotating database password", () => {
    it("reaches the next backup through its mounted Secret; a stale one fails loudly, naming the credential", async () => {
        const database = "rotating_shop";
        const user = "shop_owner";
        const bucket = "estate-it-rotating";
        const service = "rotating";
        // Passwords as RDS generates them: punctuation included.
        const passwords = ["first-P4ss:w0rd/+=", "second-R0tated!#%&", "third-Not.Synced-yet"];
        pg.sql("postgres", `CREATE ROLE ${user} LOGIN PASSWORD '${passwords[0]}'`);
        pg.sql("postgres", `CREATE DATABASE ${database} OWNER ${user}`);
        pg.sql(database, `SET ROLE ${user}; CREATE TABLE orders (id int PRIMARY KEY, total numeric NOT NULL); INSERT INTO orders SELECT g, g * 2 FROM generate_series(1, 100) g;`);
        s3.createBucket(bucket);

        // The connection a managed Postgres exports: where the password is, never the password.
        const connection: RotatingConnection = {
            host: pulumi.output(pg.host),
            port: pulumi.output(pg.port),
            database: pulumi.output(database),
            user: pulumi.output(user),
            rotating: {
                secretArn: pulumi.output(SECRET_ARN),
                kmsKeyArn: pulumi.output(KEY),
                usernameProperty: "username",
                passwordProperty: "password",
                uriParts: { scheme: "postgresql", host: pg.host, port: pg.port, database, query: { sslmode: "require" } },
            },
        };
        const store: SecretStoreRef = { kind: "ClusterSecretStore", name: pulumi.output("aws-secrets-manager"), ready: [] };
        const built = await runWithCluster((cluster) => {
            new BackupJobs(
                "rotating",
                {
                    engine: "postgres",
                    service,
                    connection,
                    secretStore: store,
                    namespace: "data",
                    bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}`, kmsKeyArn: KEY, region: "us-east-1" },
                    image: "ghcr.io/acme/estate-backup:1.0.0",
                    rtoMinutes: 60,
                    version: "15",
                },
                { provider: cluster },
            );
        });

        // The plan: the password is nowhere but in the ExternalSecret's template, which reads it at sync time.
        const configMap = built.inputs("rotating-config");
        const ownSecret = built.inputs("rotating-secret");
        const externalSecret = built.inputs("rotating-credentials");
        expect(externalSecret.spec.data).toContainEqual({ secretKey: "password", remoteRef: { key: SECRET_ARN, property: "password" } });
        expect(Object.keys(ownSecret.stringData)).not.toContain("PGPASSWORD");
        const synced = externalSecret.spec.target.name as string;

        // Secrets Manager's current value, and what the operator writes from it.
        let current = { username: user, password: passwords[0]! };
        const secrets = () => ({ [ownSecret.metadata.name]: ownSecret.stringData, [synced]: renderExternalSecret(externalSecret.spec.target.template.data, current) });
        const dir = tempDir("rotating");
        const pod: PlannedPod = built.inputs("rotating-backup").spec.jobTemplate.spec.template.spec;
        const container = new MaterializedContainer(pod, 0, { [configMap.metadata.name]: configMap.data }, secrets(), path.join(dir, "pod"));
        expect(container.env).not.toHaveProperty("PGPASSWORD");
        expect(container.env.PGPASSWORD_FILE).toBeDefined();

        const local = {
            BACKUP_WORK_DIR: dir,
            TMPDIR: dir,
            BACKUP_S3_ENDPOINT_URL: s3.endpoint,
            ...S3_CREDENTIALS,
            AWS_CONFIG_FILE: path.join(dir, "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-aws-credentials"),
            PGSSLMODE: "disable",
            // No Pushgateway here: the backup warns and goes on.
            PUSHGATEWAY_URL: undefined,
        };
        const backup = (now: string) => runScript("backup.sh", { ...container.env, ...local, BACKUP_NOW: now });
        const manifests = () => s3.list(bucket).filter((o) => o.Key.endsWith(".manifest.json")).map((o) => o.Key);

        const first = backup("2026-03-10T02:00:00Z");
        expect(first.stderr).toMatch(/backup OK/);
        expect(first.status).toBe(0);

        // RDS rotates the password; the operator's next refresh rewrites the Secret, the kubelet the file.
        pg.sql("postgres", `ALTER ROLE ${user} PASSWORD '${passwords[1]}'`);
        current = { username: user, password: passwords[1]! };
        container.sync(secrets());
        const second = backup("2026-03-11T02:00:00Z");
        expect(second.stderr).toMatch(/backup OK/);
        expect(second.status).toBe(0);
        expect(manifests()).toEqual([`daily/${service}/${database}/20260310T020000Z.manifest.json`, `daily/${service}/${database}/20260311T020000Z.manifest.json`]);

        // Rotated again, and the Secret still holds the previous password: refused, and said so.
        pg.sql("postgres", `ALTER ROLE ${user} PASSWORD '${passwords[2]}'`);
        const stale = backup("2026-03-12T02:00:00Z");
        expect(stale.status).toBe(1);
        expect(stale.stderr).toContain(
            `error: PostgreSQL at ${pg.host}:${pg.port}/${database} refused the credential of user "${user}" from PGPASSWORD_FILE=${container.env.PGPASSWORD_FILE}: authentication failed.`,
        );
        expect(stale.stderr).toContain("backup FAILED");
        expect(stale.stderr).not.toContain(passwords[1]);
        expect(manifests()).toHaveLength(2);
    });

    it("the drill reads its scratch server's password from DRILL_PGPASSWORD_FILE, and names it when refused", () => {
        const database = "drill_file_shop";
        const bucket = "estate-it-rotating-drill";
        const service = "drill-file";
        const dir = tempDir("rotating-drill");
        pg.sql("postgres", `CREATE DATABASE ${database}`);
        pg.sql(database, "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 20);");
        // The drill's server role logs in with a password (the superuser keeps trust in this harness).
        pg.sql("postgres", "CREATE ROLE drill_runner LOGIN CREATEDB PASSWORD 'drill-P4ss'");
        s3.createBucket(bucket);
        const common = {
            BACKUP_ENGINE: "postgres",
            BACKUP_SERVICE: service,
            BACKUP_DATABASE: database,
            BACKUP_BUCKET: bucket,
            BACKUP_WORK_DIR: dir,
            TMPDIR: dir,
            BACKUP_S3_ENDPOINT_URL: s3.endpoint,
            ...S3_CREDENTIALS,
            AWS_CONFIG_FILE: path.join(dir, "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "no-aws-credentials"),
        };
        const backup = runScript("backup.sh", { ...common, ...pg.env(database), PGSSLMODE: "disable" });
        expect(backup.status).toBe(0);

        const file = path.join(dir, "DRILL_PGPASSWORD");
        const drill = () =>
            runScript("drill.sh", { ...common, DRILL_PGHOST: pg.host, DRILL_PGPORT: String(pg.port), DRILL_PGUSER: "drill_runner", DRILL_PGSSLMODE: "disable", DRILL_PGPASSWORD_FILE: file });
        fs.writeFileSync(file, "drill-P4ss\n");
        const ok = drill();
        expect(ok.stderr + ok.stdout).toMatch(/drill OK/);
        expect(ok.status).toBe(0);

        fs.writeFileSync(file, "stale-password\n");
        const refused = drill();
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain(`the drill's PostgreSQL at ${pg.host}:${pg.port}/postgres refused the credential of user "drill_runner" from DRILL_PGPASSWORD_FILE=${file}: authentication failed.`);
    });

    it("refuses a password given twice, and a credential file that is missing or empty, as configuration errors", () => {
        const dir = tempDir("rotating-config");
        const base = { BACKUP_ENGINE: "postgres", BACKUP_SERVICE: "rotating", BACKUP_DATABASE: "app", BACKUP_BUCKET: "b", TMPDIR: dir, ...pg.env("app") };
        const file = path.join(dir, "PGPASSWORD");
        const both = runScript("backup.sh", { ...base, PGPASSWORD: "x", PGPASSWORD_FILE: file });
        expect(both.status).toBe(2);
        expect(both.stderr).toContain("PGPASSWORD and PGPASSWORD_FILE are both set");
        const missing = runScript("backup.sh", { ...base, PGPASSWORD_FILE: file });
        expect(missing.status).toBe(2);
        expect(missing.stderr).toContain(`PGPASSWORD_FILE=${file} is not a readable file: is the credential's Secret mounted there?`);
        fs.writeFileSync(file, "");
        const empty = runScript("backup.sh", { ...base, PGPASSWORD_FILE: file });
        expect(empty.status).toBe(2);
        expect(empty.stderr).toContain(`PGPASSWORD_FILE=${file} is empty`);
    });
});
