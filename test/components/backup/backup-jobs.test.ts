import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import { BackupJobs, type BackupJobsArgs, DEFAULT_PUSHGATEWAY_URL, LOGICAL_BACKUP_SCHEDULE, RESTORE_DRILL_SCHEDULE } from "../../../components/backup";
import { makeConnection, type RedisConnection, type RotatingConnection } from "../../../components/data/connection";
import type { SecretStoreRef } from "../../../components/k8s/external-secrets";
import { images } from "../../../components/lib/charts";
import { policies } from "../../../policies/pack";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { evaluatePolicies } from "../../../scripts/engine/policy-harness";
import { flowsOf, summary } from "../../helpers/flows";
import { Built, runWithCluster } from "../k8s/harness";
import { packConfig } from "../../policies/fixtures";

const root = path.resolve(__dirname, "../../..");
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";
const BUCKET_ARN = "arn:aws:s3:::estate-backups";
const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/backup@sha256:" + "a".repeat(64);
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const T = {
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    cronJob: "kubernetes:batch/v1:CronJob",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    user: "aws:iam/user:User",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    accessKey: "aws:iam/accessKey:AccessKey",
};

type Engine = BackupJobsArgs["engine"];

const RDS_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";

/** A managed Postgres's connection: where the password is (it rotates), never the password. */
function rotatingConnection(): RotatingConnection {
    const host = "orders.abc.eu-west-1.rds.amazonaws.com";
    return {
        host: pulumi.output(host),
        port: pulumi.output(5432),
        database: pulumi.output("app"),
        user: pulumi.output("postgres"),
        rotating: {
            secretArn: pulumi.output(RDS_SECRET_ARN),
            kmsKeyArn: pulumi.output(KEY),
            usernameProperty: "username",
            passwordProperty: "password",
            uriParts: { scheme: "postgresql", host, port: 5432, database: "app", query: { sslmode: "require" } },
        },
    };
}

const storeRef = (): SecretStoreRef => ({ kind: "ClusterSecretStore", name: pulumi.output("aws-secrets-manager"), ready: [] });

function connection(engine: Engine) {
    switch (engine) {
        case "postgres":
            return makeConnection({ scheme: "postgresql", user: "app", password: "pg-s3cret", host: "postgres-rw.data.svc", port: 5432, database: "app", query: { sslmode: "require" } });
        case "mongo":
            return makeConnection({ scheme: "mongodb", user: "app", password: "mongo-s3cret", host: "mongo-svc.data.svc", port: 27017, database: "app" });
        case "redis":
            return { ...makeConnection({ scheme: "redis", user: "default", password: "redis-s3cret", host: "redis-haproxy.data.svc", port: 6379, database: "0" }), tls: pulumi.output(false) } as RedisConnection;
    }
}

function args(engine: Engine, extra: Partial<BackupJobsArgs> = {}): BackupJobsArgs {
    return {
        engine,
        service: engine,
        connection: connection(engine),
        namespace: "data",
        bucket: { name: "estate-backups", arn: BUCKET_ARN, kmsKeyArn: KEY, region: "eu-west-1" },
        image: IMAGE,
        rtoMinutes: 60,
        version: engine === "postgres" ? "16" : engine === "mongo" ? "5.0" : undefined,
        ...extra,
    };
}

async function build(engine: Engine, extra: Partial<BackupJobsArgs> = {}): Promise<Built> {
    return runWithCluster((cluster) => {
        new BackupJobs(`${engine}-backup-jobs`, args(engine, extra), { provider: cluster });
    });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const podOf = (job: any) => job.spec.jobTemplate.spec.template.spec;

/** Every environment variable the scripts' --help texts name, and the AWS_* family they delegate to awscli. */
function documentedVariables(): { names: Set<string>; prefixes: string[] } {
    const help = ["backup.sh", "drill.sh"].map((script) => execFileSync("bash", [path.join(root, "scripts/backup", script), "--help"], { encoding: "utf8" })).join("\n");
    const names = new Set(help.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\bPG[A-Z]+\b/g) ?? []);
    const prefixes = (help.match(/\b([A-Z]+_)\*/g) ?? []).map((p) => p.slice(0, -1));
    return { names, prefixes };
}

describe("BackupJobs: the environment", () => {
    it("sets only variables the scripts' --help documents, for every engine", async () => {
        const { names, prefixes } = documentedVariables();
        expect(prefixes).toContain("AWS_");
        for (const engine of ["postgres", "mongo", "redis"] as const) {
            for (const irsa of [undefined, { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER }]) {
                const built = await build(engine, { irsa, drillSqlChecks: engine === "postgres" ? ["SELECT 1"] : undefined });
                const config = Object.keys(built.inputs(`${engine}-backup-jobs-config`).data);
                const secret = Object.keys(built.inputs(`${engine}-backup-jobs-secret`).stringData);
                for (const name of [...config, ...secret]) {
                    const documented = names.has(name) || prefixes.some((p) => name.startsWith(p));
                    expect(documented, `${engine}: ${name} is not in backup.sh/drill.sh --help`).toBe(true);
                }
            }
        }
    });

    it("postgres: the source from the connection, the drill's scratch server on loopback, the RTO objective, the SQL checks", async () => {
        const built = await build("postgres", { drillSqlChecks: ["SELECT count(*) > 0 FROM orders", "SELECT 1"] });
        expect(built.inputs("postgres-backup-jobs-config").data).toEqual({
            BACKUP_ENGINE: "postgres",
            BACKUP_SERVICE: "postgres",
            BACKUP_DATABASE: "app",
            BACKUP_BUCKET: "estate-backups",
            AWS_REGION: "eu-west-1",
            PUSHGATEWAY_URL: DEFAULT_PUSHGATEWAY_URL,
            BACKUP_WORK_DIR: "/work",
            DRILL_RTO_OBJECTIVE_SECONDS: "3600",
            DRILL_BACKUP_INTERVAL_SECONDS: "86400",
            DRILL_BACKUP_TIMEOUT_SECONDS: "14400",
            PGHOST: "postgres-rw.data.svc",
            PGPORT: "5432",
            PGUSER: "app",
            PGDATABASE: "app",
            PGSSLMODE: "require",
            PGPASSWORD_FILE: "/var/run/secrets/estate/source/PGPASSWORD",
            DRILL_PGHOST: "127.0.0.1",
            DRILL_PGPORT: "5432",
            DRILL_PGUSER: "postgres",
            DRILL_PGSSLMODE: "disable",
            DRILL_PGMAINTENANCE_DB: "postgres",
            DRILL_SQL_CHECKS: "SELECT count(*) > 0 FROM orders\nSELECT 1",
        });
    });

    it("gives the drill the objectives and the schedule it judges the restored backup's age by", async () => {
        const built = await build("postgres", { rpoMinutes: 15, backupSchedule: "0 * * * *", backupTimeoutMinutes: 30 });
        expect(built.inputs("postgres-backup-jobs-config").data).toMatchObject({
            DRILL_RPO_OBJECTIVE_SECONDS: "900",
            DRILL_RTO_OBJECTIVE_SECONDS: "3600",
            DRILL_BACKUP_INTERVAL_SECONDS: "3600",
            DRILL_BACKUP_TIMEOUT_SECONDS: "1800",
        });
        expect(() => new BackupJobs("x", args("postgres", { rpoMinutes: 0 }))).toThrow(/rpoMinutes/);
    });

    it("mongo and redis: their own variables, no password in the ConfigMap", async () => {
        const mongo = await build("mongo");
        expect(mongo.inputs("mongo-backup-jobs-config").data).toMatchObject({ BACKUP_ENGINE: "mongo", BACKUP_DATABASE: "app", DRILL_MONGO_URI: "mongodb://127.0.0.1:27017" });
        expect(mongo.inputs("mongo-backup-jobs-config").data).not.toHaveProperty("MONGO_URI");
        const redis = await build("redis");
        expect(redis.inputs("redis-backup-jobs-config").data).toMatchObject({ BACKUP_ENGINE: "redis", BACKUP_DATABASE: "all", REDIS_HOST: "redis-haproxy.data.svc", REDIS_PORT: "6379", REDIS_TLS: "false" });
        for (const [built, name] of [
            [mongo, "mongo"],
            [redis, "redis"],
        ] as const) {
            expect(JSON.stringify(built.inputs(`${name}-backup-jobs-config`))).not.toMatch(/s3cret/);
        }
    });

    it("keeps credentials in a Secret that is secret on the wire, and never in the ConfigMap", async () => {
        const built = await build("postgres");
        const secret = built.inputs("postgres-backup-jobs-secret");
        expect(Object.keys(secret.stringData).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DRILL_PGPASSWORD", "PGPASSWORD"]);
        expect(secret.stringData.PGPASSWORD).toBe("pg-s3cret");
        // On the wire the whole stringData is a secret: plan and state never show a value.
        expect(built.masked("postgres-backup-jobs-secret").stringData).toBe("[secret]");
        expect(JSON.stringify(built.inputs("postgres-backup-jobs-config"))).not.toMatch(/s3cret|mock-.*secret-access-key/);
        const mongo = await build("mongo");
        expect(mongo.masked("mongo-backup-jobs-secret").stringData).toBe("[secret]");
        expect(mongo.inputs("mongo-backup-jobs-secret").stringData.MONGO_URI).toMatch(/^mongodb:\/\/app:mongo-s3cret@/);
    });
});

describe("BackupJobs: the CronJobs", () => {
    it("back up daily at 02:00 UTC and drill monthly, one at a time, with deadlines and history limits", async () => {
        const built = await build("postgres");
        const backup = built.inputs("postgres-backup-jobs-backup");
        expect(backup.metadata).toMatchObject({ name: "postgres-backup", namespace: "data" });
        expect(backup.spec).toMatchObject({
            schedule: LOGICAL_BACKUP_SCHEDULE,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 21600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 14400 } },
        });
        expect(LOGICAL_BACKUP_SCHEDULE).toBe("0 2 * * *");
        expect(backup.spec.jobTemplate.spec.podFailurePolicy.rules).toEqual([{ action: "FailJob", onExitCodes: { containerName: "backup", operator: "In", values: [2] } }]);
        const drill = built.inputs("postgres-backup-jobs-drill");
        expect(drill.metadata.name).toBe("postgres-restore-drill");
        expect(drill.spec).toMatchObject({ schedule: RESTORE_DRILL_SCHEDULE, concurrencyPolicy: "Forbid", timeZone: "Etc/UTC", jobTemplate: { spec: { backoffLimit: 0 } } });
        expect(RESTORE_DRILL_SCHEDULE).toBe("0 5 15 * *");
        expect(podOf(backup).containers[0].command).toEqual(["/opt/estate-backup/backup.sh"]);
        expect(podOf(drill).containers[0].command).toEqual(["/opt/estate-backup/drill.sh"]);
        expect(podOf(backup).containers[0].image).toBe(IMAGE);
    });

    it("take schedules and timeouts from the arguments", async () => {
        const built = await build("redis", { backupSchedule: "30 1 * * *", drillSchedule: "0 6 * * 1", backupTimeoutMinutes: 60, drillTimeoutMinutes: 90, backupRetries: 0 });
        expect(built.inputs("redis-backup-jobs-backup").spec).toMatchObject({ schedule: "30 1 * * *", jobTemplate: { spec: { activeDeadlineSeconds: 3600, backoffLimit: 0 } } });
        expect(built.inputs("redis-backup-jobs-drill").spec).toMatchObject({ schedule: "0 6 * * 1", jobTemplate: { spec: { activeDeadlineSeconds: 5400 } } });
    });

    it("read the ConfigMap whole, the source's credential as a mounted file, the drill only its scratch server's password", async () => {
        const built = await build("postgres", { irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER } });
        const backupPod = podOf(built.inputs("postgres-backup-jobs-backup"));
        const backup = backupPod.containers[0];
        expect(backup.envFrom).toEqual([{ configMapRef: { name: "postgres-backup" } }]);
        expect(backup.env).toEqual([]);
        // The whole volume (no subPath, which the kubelet never updates), readable by the pod's group only.
        expect(backup.volumeMounts).toContainEqual({ name: "source-credential", mountPath: "/var/run/secrets/estate/source", readOnly: true });
        expect(backupPod.volumes).toContainEqual({ name: "source-credential", secret: { secretName: "postgres-backup", items: [{ key: "PGPASSWORD", path: "PGPASSWORD" }], defaultMode: 0o440 } });
        const drill = podOf(built.inputs("postgres-backup-jobs-drill")).containers[0];
        expect(drill.env).toEqual([{ name: "DRILL_PGPASSWORD", valueFrom: { secretKeyRef: { name: "postgres-backup", key: "DRILL_PGPASSWORD" } } }]);
        for (const container of [backup, drill]) {
            expect(container.envFrom.some((e: { secretRef?: unknown }) => e.secretRef), "no envFrom of a whole Secret").toBe(false);
            expect(container.env.every((e: { value?: unknown; valueFrom?: { secretKeyRef?: unknown } }) => e.value === undefined && e.valueFrom?.secretKeyRef)).toBe(true);
        }
    });

    it("run restricted pods: non-root, read-only root, no capabilities, RuntimeDefault seccomp, no token, a sized /work, requests and limits", async () => {
        const built = await build("postgres");
        for (const role of ["backup", "drill"] as const) {
            const pod = podOf(built.inputs(`postgres-backup-jobs-${role}`));
            expect(pod).toMatchObject({ serviceAccountName: "postgres-backup", automountServiceAccountToken: false, restartPolicy: "Never" });
            expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
            for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
                expect(container.securityContext, container.name).toMatchObject({
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                });
                expect(container.resources.requests, container.name).toHaveProperty("memory");
                expect(container.resources.limits, container.name).toHaveProperty("memory");
            }
            expect(pod.containers[0].volumeMounts).toContainEqual({ name: "work", mountPath: "/work" });
            expect(pod.volumes).toContainEqual({ name: "work", emptyDir: { sizeLimit: "20Gi" } });
        }
        const policyReport = await evaluatePolicies(policies, built.run.resources, { config: packConfig("prod"), packEnforcementLevel: "mandatory" });
        expect(policyReport.violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });

    it("postgres: the drill restores into a native postgres sidecar on loopback, as uid 999, ready before the drill starts", async () => {
        const built = await build("postgres");
        const pod = podOf(built.inputs("postgres-backup-jobs-drill"));
        expect(pod.initContainers).toHaveLength(1);
        const sidecar = pod.initContainers[0];
        expect(sidecar).toMatchObject({
            name: "scratch-postgres",
            image: images.drill.postgres["16"],
            restartPolicy: "Always",
            args: ["postgres", "-c", "listen_addresses=127.0.0.1"],
            securityContext: { runAsUser: 999, runAsGroup: 999, readOnlyRootFilesystem: true },
            startupProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres"] } },
        });
        expect(sidecar.env).toContainEqual({ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "postgres-backup", key: "DRILL_PGPASSWORD" } } });
        expect(sidecar.env).toContainEqual({ name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" });
        expect(sidecar.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(["/tmp", "/var/lib/postgresql/data", "/var/run/postgresql"]);
        expect(pod.volumes).toContainEqual({ name: "scratch", emptyDir: { sizeLimit: "40Gi" } });
        // The backup pod has no scratch server.
        expect(podOf(built.inputs("postgres-backup-jobs-backup")).initContainers).toBeUndefined();
    });

    it("mongo: a mongod sidecar of the configured version; redis: none (drill.sh starts its own redis-server)", async () => {
        const mongo = podOf((await build("mongo", { version: "8.0" })).inputs("mongo-backup-jobs-drill"));
        expect(mongo.initContainers[0]).toMatchObject({ name: "scratch-mongo", image: images.drill.mongo["8.0"], restartPolicy: "Always", securityContext: { runAsUser: 999 } });
        expect(mongo.initContainers[0].command).toEqual(["mongod", "--bind_ip", "127.0.0.1", "--port", "27017", "--dbpath", "/data/db", "--nounixsocket"]);
        const docdb = podOf((await build("mongo", { version: "4.0" })).inputs("mongo-backup-jobs-drill"));
        expect(docdb.initContainers[0].image).toBe(images.drill.mongo["5.0"]);
        const redis = await build("redis");
        expect(podOf(redis.inputs("redis-backup-jobs-drill")).initContainers).toBeUndefined();
        expect(redis.ofType("random:index/randomPassword:RandomPassword")).toHaveLength(0);
    });

    it("validate against the Kubernetes schemas", async () => {
        for (const engine of ["postgres", "mongo", "redis"] as const) {
            const built = await build(engine, { databasePods: { app: "db" } });
            const models: [string, new (data: never) => object][] = [
                [T.cronJob, CronJob],
                [T.configMap, ConfigMap],
                [T.secret, Secret],
                [T.serviceAccount, ServiceAccount],
                [T.networkPolicy, NetworkPolicy],
            ];
            for (const [type, Model] of models) {
                for (const r of built.ofType(type)) {
                    (new Model(built.inputs(r.name) as never) as unknown as { validate(): void }).validate();
                }
            }
        }
    });
});

describe("BackupJobs: AWS access", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const statements = (policy: string): any[] => JSON.parse(policy).Statement;

    it("IRSA: a role only this ServiceAccount can assume through the cluster's OIDC provider, annotated on the ServiceAccount", async () => {
        const built = await build("postgres", { irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER } });
        expect(built.ofType(T.user)).toHaveLength(0);
        const role = built.inputs("postgres-backup-jobs-role");
        const trust = JSON.parse(role.assumeRolePolicy);
        expect(trust.Statement).toEqual([
            {
                Effect: "Allow",
                Principal: { Federated: OIDC_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:data:postgres-backup",
                        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
                    },
                },
            },
        ]);
        const account = built.inputs("postgres-backup-jobs-service-account");
        expect(account.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:iam:.*:role\/postgres-backup-jobs-role/);
        expect(account.automountServiceAccountToken).toBe(false);
        expect(Object.keys(built.inputs("postgres-backup-jobs-secret").stringData).sort()).toEqual(["DRILL_PGPASSWORD", "PGPASSWORD"]);
        expect(statements(built.inputs("postgres-backup-jobs-role-policy").policy)).toHaveLength(3);
    });

    it("least privilege: list, read and write this service's tier prefixes, use the bucket key, never delete", async () => {
        const built = await build("mongo");
        expect(built.ofType(T.role)).toHaveLength(0);
        const policy = statements(built.inputs("mongo-backup-jobs-user-policy").policy);
        const tiers = ["daily", "weekly", "monthly", "yearly"];
        expect(policy).toEqual([
            { Sid: "ListOwnPrefixes", Effect: "Allow", Action: "s3:ListBucket", Resource: BUCKET_ARN, Condition: { StringLike: { "s3:prefix": tiers.map((t) => `${t}/mongo/*`) } } },
            { Sid: "ReadWriteOwnPrefixes", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: tiers.map((t) => `${BUCKET_ARN}/${t}/mongo/*`) },
            { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY },
        ]);
        expect(JSON.stringify(policy)).not.toMatch(/Delete|s3:\*|"\*"/);
        expect(built.inputs("mongo-backup-jobs-service-account").metadata.annotations).toBeUndefined();
        expect(built.inputs("mongo-backup-jobs-user").path).toBe("/estate/");
        expect(built.ofType(T.accessKey)).toHaveLength(1);
    });
});

describe("BackupJobs: the network", () => {
    it("job pods reach DNS, 443 and the Pushgateway's namespace; backup pods the database's pods, which admit them", async () => {
        const built = await build("postgres", { databasePods: { "cnpg.io/cluster": "postgres" } });
        const jobs = built.inputs("postgres-backup-jobs-egress");
        expect(jobs.spec.policyTypes).toEqual(["Egress"]);
        expect(jobs.spec.podSelector.matchExpressions).toEqual([{ key: "app.kubernetes.io/component", operator: "In", values: ["backup", "restore-drill"] }]);
        expect(jobs.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
        expect(jobs.spec.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9091 }] });
        expect(jobs.spec.egress[0].ports).toContainEqual({ protocol: "UDP", port: 53 });
        const database = built.inputs("postgres-backup-jobs-database-egress");
        expect(database.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("backup");
        expect(database.spec.egress).toEqual([
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } }, podSelector: { matchLabels: { "cnpg.io/cluster": "postgres" } } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ]);
        const ingress = built.inputs("postgres-backup-jobs-database-ingress");
        expect(ingress.spec).toMatchObject({ podSelector: { matchLabels: { "cnpg.io/cluster": "postgres" } }, policyTypes: ["Ingress"] });
        expect(ingress.spec.ingress[0].from[0].podSelector.matchLabels).toMatchObject({ "app.kubernetes.io/component": "backup", "app.kubernetes.io/instance": "postgres" });
        expect(ingress.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
    });

    it("a database outside the cluster: the given egress rules, and no ingress policy; an external Pushgateway: its port", async () => {
        const rule = { to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 27017 }] };
        const built = await build("mongo", { databaseEgress: [rule], pushgatewayUrl: "https://push.example.com" });
        expect(built.inputs("mongo-backup-jobs-database-egress").spec.egress).toEqual([rule]);
        expect(built.maybe("mongo-backup-jobs-database-ingress")).toBeUndefined();
        expect(built.inputs("mongo-backup-jobs-egress").spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
        expect(built.inputs("mongo-backup-jobs-config").data.PUSHGATEWAY_URL).toBe("https://push.example.com");
    });
});

describe("BackupJobs: a rotating credential (managed Postgres)", () => {
    it("mounts the password from the Secret its ExternalSecret keeps current, and holds no copy of it", async () => {
        const built = await build("postgres", { connection: rotatingConnection(), secretStore: storeRef() });
        const es = built.inputs("postgres-backup-jobs-credentials");
        expect(built.resource("postgres-backup-jobs-credentials").type).toBe("kubernetes:external-secrets.io/v1:ExternalSecret");
        expect(es.metadata).toMatchObject({ name: "postgres-backup-credentials", namespace: "data" });
        expect(es.spec).toMatchObject({
            refreshInterval: "5m",
            secretStoreRef: { kind: "ClusterSecretStore", name: "aws-secrets-manager" },
            target: { name: "postgres-backup-credentials", template: { data: { PGPASSWORD: "{{ .password }}" } } },
        });
        expect(es.spec.data).toContainEqual({ secretKey: "password", remoteRef: { key: RDS_SECRET_ARN, property: "password" } });
        const pod = podOf(built.inputs("postgres-backup-jobs-backup"));
        expect(pod.volumes).toContainEqual({
            name: "source-credential",
            secret: { secretName: "postgres-backup-credentials", items: [{ key: "PGPASSWORD", path: "PGPASSWORD" }], defaultMode: 0o440 },
        });
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: "source-credential", mountPath: "/var/run/secrets/estate/source", readOnly: true });
        expect(built.inputs("postgres-backup-jobs-config").data.PGPASSWORD_FILE).toBe("/var/run/secrets/estate/source/PGPASSWORD");
        // The jobs' own Secret has the drill's scratch password and the IAM key, not the database's.
        expect(Object.keys(built.inputs("postgres-backup-jobs-secret").stringData).sort()).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DRILL_PGPASSWORD"]);
        expect(pod.containers[0].env.map((e: { name: string }) => e.name)).not.toContain("PGPASSWORD");
    });

    it.each([
        ["a rotating connection without a store", { connection: rotatingConnection() }, "secretStore is required when connection rotates"],
        ["a store for a static connection", { secretStore: storeRef() }, "secretStore applies only to a rotating connection"],
    ] as [string, Partial<BackupJobsArgs>, string][])("refuses %s", async (_, extra, message) => {
        const run = await runProgram(
            () => new BackupJobs("postgres-backup-jobs", { ...args("postgres"), ...extra }, { provider: new k8s.Provider("cluster", { context: "kind-estate" }) }),
            { captureErrors: true },
        );
        expect((run.error as Error).message).toContain(`BackupJobs "postgres-backup-jobs": ${message}`);
    });
});

describe("BackupJobs: invalid arguments", () => {
    const cases: [string, Partial<BackupJobsArgs> & { engine?: Engine }, string][] = [
        ["an unknown engine", { engine: "mysql" as Engine }, "engine must be one of postgres, mongo, redis"],
        ["a service that is not a DNS label", { service: "Orders_DB" }, "service must be a lower-case DNS label of at most 30 characters"],
        ["no image", { image: undefined }, "image is required"],
        ["an unpinned image", { image: "ghcr.io/acme/backup:latest" }, "image must have a pinned tag or digest"],
        ["postgres without a version", { version: undefined }, "version is required"],
        ["an unknown postgres major", { version: "13" }, "version must be a PostgreSQL major from 14 to 17"],
        ["a six-field schedule", { backupSchedule: "0 0 2 * * *" }, "backupSchedule must be a Kubernetes cron schedule"],
        ["a schedule with a time zone", { drillSchedule: "TZ=Europe/Berlin 0 5 15 * *" }, "drillSchedule must be a Kubernetes cron schedule"],
        ["a multi-line SQL check", { drillSqlChecks: ["SELECT 1\nSELECT 2"] }, "drillSqlChecks[0] must be one single-line SELECT"],
        ["a SQL check that writes", { drillSqlChecks: ["DELETE FROM orders"] }, "drillSqlChecks[0] must be one single-line SELECT"],
        ["a Pushgateway that is not a URL", { pushgatewayUrl: "pushgateway:9091" }, "pushgatewayUrl must be an http(s) URL"],
        ["an OIDC provider that is not an ARN", { irsa: { oidcProviderArn: "oidc.eks.eu-west-1.amazonaws.com/id/X", oidcIssuer: OIDC_ISSUER } }, "irsa.oidcProviderArn must be an IAM OIDC provider ARN"],
        ["an empty database selector", { databasePods: {} }, "databasePods must not be empty"],
        ["both database pods and egress", { databasePods: { a: "b" }, databaseEgress: [] }, "databaseEgress conflicts with databasePods"],
        ["a key that is not a KMS key", { bucket: { name: "b", arn: BUCKET_ARN, kmsKeyArn: "alias/backups", region: "eu-west-1" } }, "bucket.kmsKeyArn must be a KMS key ARN"],
        ["an RTO of zero", { rtoMinutes: 0 }, "rtoMinutes must be an integer from 1 to 10080"],
        ["a tiny work dir", { workDirGi: 0 }, "workDirGi must be an integer from 1 to 65536"],
        ["a bad memory quantity", { resources: { cpu: "250m", memory: "1G", memoryLimit: "2Gi" } }, "resources.memory must be a memory quantity"],
    ];
    it.each(cases)("refuses %s, naming the argument", async (_, extra, message) => {
        const run = await runProgram(
            () => {
                const cluster = new k8s.Provider("cluster", { context: "kind-estate" });
                new BackupJobs("postgres-backup-jobs", { ...args(extra.engine ?? "postgres"), ...extra }, { provider: cluster });
            },
            { captureErrors: true },
        );
        expect((run.error as Error).message).toContain(`BackupJobs "postgres-backup-jobs": ${message}`);
        expect(run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes")).toHaveLength(0);
    });

    it("refuses SQL checks and a version for redis, and a missing Kubernetes provider", async () => {
        const sql = await runProgram(() => new BackupJobs("r", { ...args("redis"), drillSqlChecks: ["SELECT 1"] }, { provider: undefined }), { captureErrors: true });
        expect((sql.error as Error).message).toContain("drillSqlChecks applies only to engine postgres");
        const version = await runProgram(() => new BackupJobs("r", { ...args("redis"), version: "7.0" }), { captureErrors: true });
        expect((version.error as Error).message).toContain("version applies only to postgres and mongo");
        const provider = await runProgram(() => new BackupJobs("r", args("redis")), { captureErrors: true });
        expect((provider.error as Error).message).toContain('BackupJobs "r": opts.provider is required');
    });
});

describe("BackupJobs: network flows", () => {
    it("declares the jobs' flows (DNS, database, S3, Pushgateway) and its NetworkPolicies let them through default-deny namespaces", async () => {
        const built = await build("postgres", { databasePods: { "cnpg.io/cluster": "postgres" }, pushgatewayUrl: "http://pushgateway.monitoring.svc.cluster.local:9091" });
        // The monitoring side admits the data namespace to the Pushgateway (Monitoring's own policy).
        const analysis = flowsOf(built.run, ["data"]);
        const { names, denied } = summary(analysis);
        expect(denied).toEqual([]);
        expect(names).toEqual(["backup-dns-udp", "backup-dns-tcp", "drill-dns-udp", "drill-dns-tcp", "backup-to-database", "backup-to-s3", "backup-to-pushgateway", "drill-to-s3", "drill-to-pushgateway"]);
        const toDatabase = analysis.results.find((r) => r.flow.name === "backup-to-database")!;
        expect(toDatabase.flow.to).toEqual({ pod: { namespace: "data", labels: { "cnpg.io/cluster": "postgres" } } });
        expect(toDatabase.verdict.egress.allowedBy).toEqual(["data/postgres-backup-database"]);
        expect(toDatabase.verdict.ingress.allowedBy).toEqual(["data/postgres-backup-to-postgres"]);
        expect(analysis.results.find((r) => r.flow.name === "drill-to-pushgateway")!.flow.to).toEqual({
            pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": "pushgateway" } },
        });
    });

    it("a managed database's flow goes to its address, through the given egress rule", async () => {
        const built = await build("mongo", {
            databaseAddress: "10.0.17.10",
            databaseEgress: [{ to: [{ ipBlock: { cidr: "10.0.17.0/24" } }], ports: [{ protocol: "TCP", port: 27017 }] }],
        });
        const analysis = flowsOf(built.run, ["data"]);
        expect(summary(analysis).denied).toEqual([]);
        expect(analysis.results.find((r) => r.flow.name === "backup-to-database")!.flow.to).toEqual({ ip: "10.0.17.10" });
    });
});
