/**
 * `BackupJobs`: the logical backup and the restore drill of ONE database, as two Kubernetes
 * CronJobs running `scripts/backup/backup.sh` and `drill.sh` from the backup image.
 *
 * What it creates, in the given namespace with the given Kubernetes provider:
 * - a ConfigMap with the scripts' non-secret environment (exactly the variables their `--help`
 *   documents) and a Secret with the static passwords and URIs. The database credential reaches
 *   the backup as a mounted file (`PGPASSWORD_FILE`, `MONGO_URI_FILE`, `REDIS_PASSWORD_FILE`), read
 *   when the job runs: for a rotating credential (managed Postgres) the file comes from an
 *   ExternalSecret that the External Secrets Operator keeps current, never from a copy made at
 *   deploy time; the drill's scratch password and an IAM user's key come through `secretKeyRef`;
 * - a ServiceAccount, and AWS access to the backup bucket: an IAM role for IRSA when the cluster's
 *   OIDC provider is given, otherwise an IAM user whose access key sits in the Secret (the pattern
 *   of `ClusterPostgres`'s WAL archive). Either way one least-privilege policy: list, read and
 *   write the tier prefixes of this service only, use the bucket's key, never delete;
 * - the backup CronJob (daily) and the restore-drill CronJob (monthly). The drill restores into a
 *   scratch server that is never production: for postgres and mongo a native sidecar (an init
 *   container with `restartPolicy: Always`, Kubernetes >= 1.29) on 127.0.0.1, for redis the
 *   `redis-server` drill.sh starts itself;
 * - NetworkPolicies for default-deny namespaces: the job pods reach DNS, 443 (S3, STS) and the
 *   Pushgateway, the backup pods the database; for an in-cluster database, one more policy admits
 *   the backup pods to the database's pods (NetworkPolicies add up).
 *
 * Pods run under the restricted Pod Security profile: non-root, read-only root filesystem, all
 * capabilities dropped, RuntimeDefault seccomp, no privilege escalation, no service-account token
 * (IRSA's EKS webhook mounts its own projected token).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConnection, RedisConnection } from "../data/connection";
import { ESTATE_LABELS, IAM_ROLE_ANNOTATION, NETWORK_FLOWS_OUTPUT } from "../k8s/conventions";
import { type DeclaredFlow, EXTERNAL_ADDRESSES, declaredFlows, ipEndpoint, podEndpoint } from "../k8s/flows";
import { syncedSecret, type SecretStoreRef } from "../k8s/external-secrets";
import { irsaTrustPolicy, type IrsaProvider } from "../k8s/irsa";
import { dnsEgressRule, namespacePeer, type EgressRule } from "../k8s/network-policies";
import { requireKubernetesProvider } from "../k8s/provider";
import { ArgChecker, describe, withoutUndefined } from "../lib/args";
import { images } from "../lib/charts";
import { isPinnedImage } from "../lib/images";
import { DEFAULT_PUSHGATEWAY_POD_LABELS, backupJobsFlows } from "./backup-flows";
import { kubernetesCronProblem } from "../lib/cron";
import { LOGICAL_BACKUP_SCHEDULE, RESTORE_DRILL_SCHEDULE, cronIntervalMinutes } from "./objectives";
import { TIERS } from "./retention";

export { irsaTrustPolicy, issuerHost } from "../k8s/irsa";

export const BACKUP_ENGINES = ["postgres", "mongo", "redis"] as const;
export type BackupEngine = (typeof BACKUP_ENGINES)[number];

/** Where the Pushgateway is expected until the monitoring stack passes its own URL. */
export const DEFAULT_PUSHGATEWAY_URL = "http://pushgateway.monitoring.svc:9091";
/** Where the jobs stage dumps (an emptyDir; the image's `BACKUP_WORK_DIR` and `TMPDIR`). */
export const BACKUP_WORK_DIR = "/work";
/** The user the backup image runs as (`scripts/backup/Dockerfile`). */
export const BACKUP_IMAGE_UID = 10001;
/** The user of the official `postgres` and `mongo` images (`postgres`, `mongodb`). */
export const SCRATCH_SERVER_UID = 999;
/** The port of the drill's scratch server, on the pod's loopback. */
const SCRATCH_PORTS = { postgres: 5432, mongo: 27017 } as const;
/** Exit code of backup.sh and drill.sh for a configuration error: retrying cannot help. */
const CONFIG_ERROR_EXIT_CODE = 2;

/** The backup bucket (`BackupBucket`'s outputs). */
export interface BackupJobsBucket {
    /** The bucket's name (`BACKUP_BUCKET`). */
    name: pulumi.Input<string>;
    /** The bucket's ARN, for the IAM policy. */
    arn: pulumi.Input<string>;
    /** The bucket's KMS key ARN: uploads are encrypted with it by the bucket's default encryption. */
    kmsKeyArn: pulumi.Input<string>;
    /** The bucket's AWS region (`AWS_REGION`). */
    region: string;
}

/** EKS IAM Roles for Service Accounts: the cluster's OIDC identity provider (`components/k8s/irsa.ts`). */
export type BackupJobsIrsa = IrsaProvider;

/** CPU and memory of one container: requests, and a memory limit. */
export interface ContainerResources {
    cpu: string;
    memory: string;
    memoryLimit: string;
}

export interface BackupJobsArgs {
    /** The database engine: `postgres`, `mongo` or `redis` (`BACKUP_ENGINE`). Required. */
    engine: BackupEngine;
    /**
     * The data service's name: `BACKUP_SERVICE`, a segment of every key (`<tier>/<service>/...`) and
     * the `service` label of the metrics; also names the Kubernetes objects (`<service>-backup`,
     * `<service>-restore-drill`). A lower-case DNS label of at most 30 characters. Required.
     */
    service: string;
    /**
     * How to reach the database (`DatabaseConnection`; Redis's `RedisConnection` adds `tls`). A
     * rotating connection (managed Postgres) needs `secretStore`. Required.
     */
    connection: DatabaseConnection | RedisConnection;
    /**
     * Where a rotating connection's credential is synced from (`ExternalSecrets.store`): the jobs get
     * an ExternalSecret `<service>-backup-credentials` and mount it. Required when `connection`
     * rotates; not allowed otherwise.
     */
    secretStore?: SecretStoreRef;
    /** The namespace of the jobs, their ConfigMap, Secret, ServiceAccount and NetworkPolicies. Required. */
    namespace: pulumi.Input<string>;
    /** The backup bucket. Required. */
    bucket: BackupJobsBucket;
    /** The image of both jobs (`BackupImage.reference`, or a prebuilt image with a pinned tag or digest). Required. */
    image: pulumi.Input<string>;
    /** The recovery time objective in minutes (`estate:dr.rtoMinutes`): `DRILL_RTO_OBJECTIVE_SECONDS`. Required. */
    rtoMinutes: number;
    /**
     * The recovery point objective in minutes (`estate:dr.rpoMinutes`): `DRILL_RPO_OBJECTIVE_SECONDS`,
     * against which the drill compares the age of the backup it restored (with the backup schedule's
     * interval, `DRILL_BACKUP_INTERVAL_SECONDS`, and `backupTimeoutMinutes`, `DRILL_BACKUP_TIMEOUT_SECONDS`).
     * Default: none, the drill reports no RPO objective.
     */
    rpoMinutes?: number;
    /**
     * The server version the drill's scratch server runs: postgres, the major (`14`-`17`, the
     * `postgres` image of `images.drill.postgres`); mongo, `4.0`, `5.0` or `8.0` (the `mongo` image of `images.drill.mongo`,
     * 5.0 for DocumentDB 4.0). Required for postgres and mongo; unused for redis.
     */
    version?: string;
    /** The backup CronJob's schedule (Kubernetes cron, UTC). Default: `LOGICAL_BACKUP_SCHEDULE`, daily at 02:00. */
    backupSchedule?: string;
    /** The restore drill's schedule (Kubernetes cron, UTC). Default: `RESTORE_DRILL_SCHEDULE`, monthly, the 15th at 05:00. */
    drillSchedule?: string;
    /** Postgres only: SQL checks the drill runs in the restored database (`DRILL_SQL_CHECKS`), one single-line `SELECT` each. Default: none. */
    drillSqlChecks?: string[];
    /** The Prometheus Pushgateway (`PUSHGATEWAY_URL`); its namespace and port open the egress policy. Default: `DEFAULT_PUSHGATEWAY_URL`. */
    pushgatewayUrl?: string;
    /** IRSA: the role the ServiceAccount assumes. Default: none, an IAM user with an access key in the Secret (works on any cluster). */
    irsa?: BackupJobsIrsa;
    /**
     * Labels of the pods that serve `connection.host` when the database runs in the cluster (in
     * `databaseNamespace`): the backup pods get egress to them, and they get a NetworkPolicy that
     * admits the backup pods on the database port. Default: none (a database outside the cluster).
     */
    databasePods?: Record<string, string>;
    /** The namespace of `databasePods`. Default: `namespace`. */
    databaseNamespace?: pulumi.Input<string>;
    /**
     * Egress rules toward a database outside the cluster (e.g. `managedServicesEgressRule`), used
     * when `databasePods` is unset. Default: the database port to any address.
     */
    databaseEgress?: EgressRule[];
    /**
     * An address of the database outside the cluster (e.g. one in its private subnets), for the
     * backup's declared network flow. Default: a public address (`EXTERNAL_ADDRESSES.internet`),
     * which the default database egress (its port to any address) admits.
     */
    databaseAddress?: pulumi.Input<string>;
    /** The labels of the Pushgateway's pods, for the declared flows. Default: the estate's (`Monitoring`). */
    pushgatewayPods?: Record<string, string>;
    /** Postgres: `PGSSLMODE` of the backup's connection. `require` (TLS, as the connections' URIs) or `verify-full` (needs the server's CA in the image). Default: `require`. */
    pgSslMode?: "require" | "verify-full";
    /** The emptyDir at `/work` where a dump is staged, in GiB: room for the largest dump (and for the drill, its download). Default: 20. */
    workDirGi?: number;
    /** The emptyDir of the drill's scratch server, in GiB: room for the restored database. Default: 40. */
    scratchGi?: number;
    /** The backup and drill containers. Default: `{ cpu: "250m", memory: "512Mi", memoryLimit: "2Gi" }`. */
    resources?: ContainerResources;
    /** The drill's scratch server. Default: `{ cpu: "250m", memory: "1Gi", memoryLimit: "4Gi" }`. */
    scratchResources?: ContainerResources;
    /** How long a backup may run before Kubernetes stops it (`activeDeadlineSeconds`), in minutes. Default: 240. */
    backupTimeoutMinutes?: number;
    /** How long a drill may run, in minutes. Default: 360. */
    drillTimeoutMinutes?: number;
    /** How late a missed run may still start (`startingDeadlineSeconds`), in minutes; later, it is skipped. Default: 360 (backup), 1440 (drill). */
    startingDeadlineMinutes?: { backup?: number; drill?: number };
    /** Pod retries of a failed backup (`backoffLimit`); the drill never retries (a failure is a finding). Default: 2. */
    backupRetries?: number;
    /** AWS region of the IAM resources' API calls. Default: the provider's. */
    region?: string;
    /** Tags of the IAM role or user. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    backupSchedule: LOGICAL_BACKUP_SCHEDULE,
    drillSchedule: RESTORE_DRILL_SCHEDULE,
    drillSqlChecks: [] as string[],
    pushgatewayUrl: DEFAULT_PUSHGATEWAY_URL,
    pgSslMode: "require" as const,
    workDirGi: 20,
    scratchGi: 40,
    resources: { cpu: "250m", memory: "512Mi", memoryLimit: "2Gi" },
    scratchResources: { cpu: "250m", memory: "1Gi", memoryLimit: "4Gi" },
    backupTimeoutMinutes: 240,
    drillTimeoutMinutes: 360,
    backupRetries: 2,
    tags: {} as Record<string, string>,
} satisfies Partial<BackupJobsArgs>;

const TYPE = "estate:backup:BackupJobs";

export class BackupJobs extends pulumi.ComponentResource {
    /** The namespace of the jobs. */
    readonly namespace: pulumi.Output<string>;
    /** The backup CronJob's name (`<service>-backup`) and schedule. */
    readonly backupCronJobName: pulumi.Output<string>;
    /** The backup CronJob's schedule (Kubernetes cron, UTC). */
    readonly backupSchedule: string;
    /** The restore drill CronJob's name (`<service>-restore-drill`) and schedule. */
    readonly drillCronJobName: pulumi.Output<string>;
    /** The restore drill CronJob's schedule (Kubernetes cron, UTC). */
    readonly drillSchedule: string;
    /** The jobs' ServiceAccount. */
    readonly serviceAccountName: string;
    /** The IAM role the ServiceAccount assumes (IRSA), or the IAM user's name (without IRSA). */
    readonly iamRoleArn?: pulumi.Output<string>;
    /** The IAM user whose access key the jobs use, without IRSA. */
    readonly iamUserName?: pulumi.Output<string>;
    /** The keys this database's dumps live under, one per tier (`daily/<service>/`, ...). */
    readonly prefixes: string[];
    /** The network flows the jobs need (registered as the `networkFlows` output; see components/k8s/flows.ts). */
    readonly networkFlows: pulumi.Output<DeclaredFlow[]>;
    /** The backup CronJob's Job template, for one-off runs (`oneOffBackup`). */
    private readonly backupJob: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string>; template: k8s.types.input.batch.v1.JobTemplateSpec; cronJob: k8s.batch.v1.CronJob };

    /**
     * A one-off run of the backup, now: a Job from the CronJob's template, `<cronjob>-<suffix>` (a new
     * suffix, a new Job and a new dump with its manifest; the same suffix, the Job already run). An
     * app's migration waits for it (`pulumi up` waits for the Job to complete, and fails with it).
     */
    oneOffBackup(resourceName: string, suffix: pulumi.Input<string>): k8s.batch.v1.Job {
        const { name, namespace, labels, template, cronJob } = this.backupJob;
        return new k8s.batch.v1.Job(
            resourceName,
            {
                metadata: { name: pulumi.output(suffix).apply((s) => `${name}-${s}`.slice(0, 63).replace(/-+$/, "")), namespace, labels },
                spec: template.spec!,
            },
            { parent: this, dependsOn: [cronJob] },
        );
    }

    constructor(name: string, args: BackupJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        requireKubernetesProvider(`BackupJobs ${JSON.stringify(name)}`, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);

        const service = a.service;
        const namespace = a.namespace;
        const objectName = `${service}-backup`;
        const drillName = `${service}-restore-drill`;
        const labels = { ...ESTATE_LABELS, "app.kubernetes.io/name": "estate-backup", "app.kubernetes.io/instance": service };
        const backupPodLabels = { ...labels, "app.kubernetes.io/component": "backup" };
        const drillPodLabels = { ...labels, "app.kubernetes.io/component": "restore-drill" };

        // 1. AWS access: IRSA, or an IAM user whose key goes into the Secret.
        const policy = pulumi.jsonStringify(backupJobsPolicy({ bucketArn: a.bucket.arn, kmsKeyArn: a.bucket.kmsKeyArn, service }));
        let accessKey: aws.iam.AccessKey | undefined;
        if (a.irsa) {
            const role = new aws.iam.Role(
                `${name}-role`,
                {
                    description: `estate backup and restore drill of ${service}: ServiceAccount ${objectName} (IRSA)`,
                    assumeRolePolicy: pulumi.jsonStringify(irsaTrustPolicy({ ...a.irsa, namespace, serviceAccount: objectName })),
                    tags: a.tags,
                },
                { parent: this },
            );
            new aws.iam.RolePolicy(`${name}-role-policy`, { role: role.id, policy }, { parent: this });
            this.iamRoleArn = role.arn;
        } else {
            const user = new aws.iam.User(`${name}-user`, { path: "/estate/", tags: { ...a.tags, "estate:purpose": `backup and restore drill of ${service}` } }, { parent: this });
            new aws.iam.UserPolicy(`${name}-user-policy`, { user: user.name, policy }, { parent: this });
            accessKey = new aws.iam.AccessKey(`${name}-user-key`, { user: user.name }, { parent: this });
            this.iamUserName = user.name;
        }

        // 2. The environment: plain values in a ConfigMap, credentials in a Secret.
        const scratch = a.engine === "redis" ? undefined : scratchServer(a.engine, a.version!);
        const environment = backupEnvironment({
            engine: a.engine,
            service,
            connection: a.connection,
            bucket: a.bucket,
            pushgatewayUrl: a.pushgatewayUrl,
            rtoMinutes: a.rtoMinutes,
            rpoMinutes: a.rpoMinutes,
            backupIntervalMinutes: cronIntervalMinutes(a.backupSchedule),
            backupTimeoutMinutes: a.backupTimeoutMinutes,
            pgSslMode: a.pgSslMode,
            drillSqlChecks: a.drillSqlChecks,
        });
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: objectName, namespace, labels }, data: environment }, { parent: this });
        const scratchPassword =
            a.engine === "postgres" ? pulumi.secret(new random.RandomPassword(`${name}-scratch-password`, { length: 32, special: false }, { parent: this }).result) : undefined;
        const secrets = backupSecrets({ engine: a.engine, connection: a.connection, accessKey, scratchPassword });
        // The source's credential, as a file: synced from Secrets Manager when it rotates, else the jobs' own Secret.
        const credentialKey = SOURCE_CREDENTIAL_KEYS[a.engine];
        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            { metadata: { name: objectName, namespace, labels }, type: "Opaque", stringData: Object.fromEntries([secrets.credential, secrets.backup, secrets.drill].flatMap(Object.entries).map(([k, v]) => [k, pulumi.secret(v)])) },
            { parent: this },
        );

        // 3. Who the pods are.
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: { name: objectName, namespace, labels, ...(this.iamRoleArn ? { annotations: { [IAM_ROLE_ANNOTATION]: this.iamRoleArn } } : {}) },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );

        // 4. The jobs.
        const configMapName = configMap.metadata.name;
        const secretName = secret.metadata.name;
        const rotating = a.connection.rotating;
        const credentialSecret = rotating
            ? syncedSecret(
                  `${name}-credentials`,
                  {
                      namespace,
                      secretName: `${service}-backup-credentials`,
                      store: a.secretStore!,
                      source: rotating,
                      template: { [credentialKey]: `{{ .${rotating.passwordProperty} }}` },
                  },
                  { parent: this },
              ).metadata.name
            : secretName;
        const accountName = serviceAccount.metadata.name;
        const common = { image: a.image, configMapName, secretName, serviceAccountName: accountName, resources: a.resources, workDirGi: a.workDirGi };
        const backupSpec = cronJobSpec({
            ...common,
            schedule: a.backupSchedule,
            podLabels: backupPodLabels,
            container: "backup",
            command: ["/opt/estate-backup/backup.sh"],
            secretEnv: Object.keys(secrets.backup),
            credentialFile: { secretName: credentialSecret, key: credentialKey },
            backoffLimit: a.backupRetries,
            activeDeadlineSeconds: a.backupTimeoutMinutes * 60,
            startingDeadlineSeconds: (a.startingDeadlineMinutes?.backup ?? 360) * 60,
        });
        const backupCronJob = new k8s.batch.v1.CronJob(`${name}-backup`, { metadata: { name: objectName, namespace, labels: backupPodLabels }, spec: backupSpec }, { parent: this });
        this.backupJob = { name: objectName, namespace, labels: backupPodLabels, template: backupSpec.jobTemplate as k8s.types.input.batch.v1.JobTemplateSpec, cronJob: backupCronJob };
        const drillCronJob = new k8s.batch.v1.CronJob(
            `${name}-drill`,
            {
                metadata: { name: drillName, namespace, labels: drillPodLabels },
                spec: cronJobSpec({
                    ...common,
                    schedule: a.drillSchedule,
                    podLabels: drillPodLabels,
                    container: "restore-drill",
                    command: ["/opt/estate-backup/drill.sh"],
                    secretEnv: Object.keys(secrets.drill),
                    backoffLimit: 0,
                    activeDeadlineSeconds: a.drillTimeoutMinutes * 60,
                    startingDeadlineSeconds: (a.startingDeadlineMinutes?.drill ?? 1440) * 60,
                    sidecar: scratch ? { ...scratch, secretName, resources: a.scratchResources, sizeGi: a.scratchGi } : undefined,
                }),
            },
            { parent: this },
        );

        // 5. The network: the namespaces deny everything by default.
        const jobPods = {
            matchLabels: { "app.kubernetes.io/name": "estate-backup", "app.kubernetes.io/instance": service },
            matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["backup", "restore-drill"] }],
        };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-egress`,
            { metadata: { name: `${objectName}-jobs`, namespace, labels }, spec: { podSelector: jobPods, policyTypes: ["Egress"], egress: jobsEgressRules(a.pushgatewayUrl) } },
            { parent: this },
        );
        const databaseNamespace = a.databaseNamespace ?? namespace;
        const port = a.connection.port;
        const databaseEgress: EgressRule[] = a.databasePods
            ? [{ to: [namespacePeer(databaseNamespace, a.databasePods)], ports: [{ protocol: "TCP", port }] }]
            : (a.databaseEgress ?? [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port }] }]);
        new k8s.networking.v1.NetworkPolicy(
            `${name}-database-egress`,
            {
                metadata: { name: `${objectName}-database`, namespace, labels },
                spec: { podSelector: { matchLabels: backupPodLabels }, policyTypes: ["Egress"], egress: databaseEgress },
            },
            { parent: this },
        );
        if (a.databasePods) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-database-ingress`,
                {
                    metadata: { name: `${objectName}-to-${service}`, namespace: databaseNamespace, labels },
                    spec: {
                        podSelector: { matchLabels: a.databasePods },
                        policyTypes: ["Ingress"],
                        ingress: [{ from: [namespacePeer(namespace, backupPodLabels)], ports: [{ protocol: "TCP", port }] }],
                    },
                },
                { parent: this },
            );
        }

        this.namespace = pulumi.output(namespace);
        this.backupCronJobName = backupCronJob.metadata.name;
        this.backupSchedule = a.backupSchedule;
        this.drillCronJobName = drillCronJob.metadata.name;
        this.drillSchedule = a.drillSchedule;
        this.serviceAccountName = objectName;
        this.prefixes = TIERS.map((tier) => `${tier}/${service}/`);
        this.networkFlows = declaredFlows(
            `BackupJobs ${JSON.stringify(name)}`,
            backupJobsFlows({
                service,
                namespace,
                backupPodLabels,
                drillPodLabels,
                database: a.databasePods ? podEndpoint(databaseNamespace, a.databasePods) : ipEndpoint(a.databaseAddress ?? EXTERNAL_ADDRESSES.internet),
                databasePort: port,
                pushgatewayUrl: a.pushgatewayUrl,
                pushgatewayPods: a.pushgatewayPods ?? DEFAULT_PUSHGATEWAY_POD_LABELS,
            }),
        );
        this.registerOutputs({
            namespace: this.namespace,
            backupCronJobName: this.backupCronJobName,
            backupSchedule: this.backupSchedule,
            drillCronJobName: this.drillCronJobName,
            drillSchedule: this.drillSchedule,
            serviceAccountName: this.serviceAccountName,
            iamRoleArn: this.iamRoleArn,
            iamUserName: this.iamUserName,
            prefixes: this.prefixes,
            [NETWORK_FLOWS_OUTPUT]: this.networkFlows,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The environment

/**
 * The non-secret environment of backup.sh and drill.sh for one database, as the ConfigMap holds
 * it. Only variables the scripts' `--help` documents; never a password (those are `backupSecrets`).
 */
export function backupEnvironment(p: {
    engine: BackupEngine;
    service: string;
    connection: DatabaseConnection | RedisConnection;
    bucket: Pick<BackupJobsBucket, "name" | "region">;
    pushgatewayUrl: string;
    rtoMinutes: number;
    /** The RPO objective; unset, the drill judges no RPO. */
    rpoMinutes?: number;
    /** How often the backup runs (`cronIntervalMinutes` of its schedule); unset, the drill judges no schedule. */
    backupIntervalMinutes?: number;
    /** How long a backup may run: an object without a manifest that is younger may be an upload in progress. */
    backupTimeoutMinutes?: number;
    pgSslMode?: "require" | "verify-full";
    drillSqlChecks?: string[];
}): Record<string, pulumi.Input<string>> {
    const c = p.connection;
    const env: Record<string, pulumi.Input<string>> = {
        BACKUP_ENGINE: p.engine,
        BACKUP_SERVICE: p.service,
        BACKUP_BUCKET: p.bucket.name,
        AWS_REGION: p.bucket.region,
        PUSHGATEWAY_URL: p.pushgatewayUrl,
        BACKUP_WORK_DIR: BACKUP_WORK_DIR,
        DRILL_RTO_OBJECTIVE_SECONDS: String(p.rtoMinutes * 60),
    };
    // What the drill compares the restored backup's age with (drill.sh --help).
    if (p.rpoMinutes !== undefined) env.DRILL_RPO_OBJECTIVE_SECONDS = String(p.rpoMinutes * 60);
    if (p.backupIntervalMinutes !== undefined) env.DRILL_BACKUP_INTERVAL_SECONDS = String(p.backupIntervalMinutes * 60);
    if (p.backupTimeoutMinutes !== undefined) env.DRILL_BACKUP_TIMEOUT_SECONDS = String(p.backupTimeoutMinutes * 60);
    switch (p.engine) {
        case "postgres":
            Object.assign(env, {
                BACKUP_DATABASE: c.database,
                PGHOST: c.host,
                PGPORT: c.port.apply(String),
                PGUSER: c.user,
                PGDATABASE: c.database,
                PGSSLMODE: p.pgSslMode ?? "require",
                PGPASSWORD_FILE: sourceCredentialFile("postgres"),
                // The scratch server: the drill's own sidecar on the pod's loopback, never production.
                DRILL_PGHOST: "127.0.0.1",
                DRILL_PGPORT: String(SCRATCH_PORTS.postgres),
                DRILL_PGUSER: "postgres",
                DRILL_PGSSLMODE: "disable",
                DRILL_PGMAINTENANCE_DB: "postgres",
            });
            if (p.drillSqlChecks !== undefined && p.drillSqlChecks.length > 0) {
                env.DRILL_SQL_CHECKS = p.drillSqlChecks.join("\n");
            }
            break;
        case "mongo":
            Object.assign(env, { BACKUP_DATABASE: c.database, MONGO_URI_FILE: sourceCredentialFile("mongo"), DRILL_MONGO_URI: `mongodb://127.0.0.1:${SCRATCH_PORTS.mongo}` });
            break;
        case "redis": {
            const tls = "tls" in c ? c.tls : pulumi.output(false);
            // An RDB holds every logical database.
            Object.assign(env, {
                BACKUP_DATABASE: "all",
                REDIS_HOST: c.host,
                REDIS_PORT: c.port.apply(String),
                REDIS_TLS: tls.apply((t) => (t ? "true" : "false")),
                REDIS_PASSWORD_FILE: sourceCredentialFile("redis"),
            });
            break;
        }
    }
    return env;
}

/** The key (and file name) of the source's credential, per engine: what backup.sh reads from `<KEY>_FILE`. */
export const SOURCE_CREDENTIAL_KEYS = { postgres: "PGPASSWORD", mongo: "MONGO_URI", redis: "REDIS_PASSWORD" } as const satisfies Record<BackupEngine, string>;
/** Where the backup container finds the source's credential (a Secret volume, never a subPath: kubelet updates it in place). */
export const SOURCE_CREDENTIAL_DIR = "/var/run/secrets/estate/source";

/** The file backup.sh reads the source's credential from (`<KEY>_FILE`). */
export function sourceCredentialFile(engine: BackupEngine): string {
    return `${SOURCE_CREDENTIAL_DIR}/${SOURCE_CREDENTIAL_KEYS[engine]}`;
}

/**
 * What the jobs' own Secret holds: the source's static credential (mounted as a file into the
 * backup; a rotating one is not here: it is synced), the drill's scratch password, and without
 * IRSA the IAM user's access key. `backup` and `drill` list the keys each job reads through
 * `secretKeyRef`; `credential` is the file-only part.
 */
export function backupSecrets(p: {
    engine: BackupEngine;
    connection: DatabaseConnection;
    accessKey?: aws.iam.AccessKey;
    scratchPassword?: pulumi.Output<string>;
}): { backup: Record<string, pulumi.Input<string>>; drill: Record<string, pulumi.Input<string>>; credential: Record<string, pulumi.Input<string>> } {
    const awsKey: Record<string, pulumi.Input<string>> = p.accessKey ? { AWS_ACCESS_KEY_ID: p.accessKey.id, AWS_SECRET_ACCESS_KEY: p.accessKey.secret } : {};
    const c = p.connection;
    const staticCredential: Record<BackupEngine, pulumi.Input<string> | undefined> = { postgres: c.password, mongo: c.uri, redis: c.password };
    const value = staticCredential[p.engine];
    return {
        backup: { ...awsKey },
        drill: { ...(p.scratchPassword ? { DRILL_PGPASSWORD: p.scratchPassword } : {}), ...awsKey },
        credential: value !== undefined ? { [SOURCE_CREDENTIAL_KEYS[p.engine]]: value } : {},
    };
}

// ---------------------------------------------------------------------------------------------
// IAM

/** The tiers' prefixes of one service, as the scripts write them: `<tier>/<service>/`. */
export function tierPrefixes(service: string): string[] {
    return TIERS.map((tier) => `${tier}/${service}/`);
}

/**
 * Least privilege for the jobs: list the bucket only under this service's tier prefixes, read and
 * write objects there, and encrypt/decrypt with the bucket's key. No `s3:DeleteObject`: the jobs
 * never delete or replace a backup (the bucket's lifecycle expires them).
 */
export function backupJobsPolicy(p: { bucketArn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string>; service: string }) {
    const prefixes = tierPrefixes(p.service);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListOwnPrefixes",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: p.bucketArn,
                Condition: { StringLike: { "s3:prefix": prefixes.map((prefix) => `${prefix}*`) } },
            },
            { Sid: "ReadWriteOwnPrefixes", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: prefixes.map((prefix) => pulumi.interpolate`${p.bucketArn}/${prefix}*`) },
            { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: p.kmsKeyArn },
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Pods

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** The restricted Pod Security profile's container settings. */
const RESTRICTED_CONTAINER = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The drill's scratch server: which image, and how it runs with a read-only root filesystem. */
interface ScratchServer {
    engine: "postgres" | "mongo";
    image: string;
}

/** The scratch server of a drill: the pinned `postgres` image of the major, or the `mongo` image of the version (5.0 for DocumentDB 4.0). */
export function scratchServer(engine: "postgres" | "mongo", version: string): ScratchServer {
    if (engine === "postgres") {
        const image: string | undefined = images.drill.postgres[version as keyof typeof images.drill.postgres];
        if (image === undefined) {
            throw new Error(`no pinned postgres image for the drill of PostgreSQL ${JSON.stringify(version)} (components/lib/charts.ts images.drill.postgres)`);
        }
        return { engine, image };
    }
    return { engine, image: images.drill.mongo[version as keyof typeof images.drill.mongo] ?? images.drill.mongo["5.0"] };
}

/**
 * The scratch server as a native sidecar (an init container with `restartPolicy: Always`): it
 * starts before the drill, passes its startup probe before the drill runs, and is stopped when the
 * drill's container ends, so the Job completes. It listens on 127.0.0.1 only, its data on an
 * emptyDir, as the images' own non-root user (999).
 */
export function scratchSidecar(p: ScratchServer & { secretName: pulumi.Input<string>; resources: ContainerResources }): Container {
    const common: Container = {
        name: `scratch-${p.engine}`,
        image: p.image,
        restartPolicy: "Always",
        securityContext: { ...RESTRICTED_CONTAINER, runAsUser: SCRATCH_SERVER_UID, runAsGroup: SCRATCH_SERVER_UID },
        resources: containerResources(p.resources),
    };
    if (p.engine === "postgres") {
        return {
            ...common,
            // The image's entrypoint initialises PGDATA (as 999, on the emptyDir) and then execs postgres.
            args: ["postgres", "-c", "listen_addresses=127.0.0.1"],
            env: [
                { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                { name: "POSTGRES_USER", value: "postgres" },
                { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: p.secretName, key: "DRILL_PGPASSWORD" } } },
            ],
            volumeMounts: [
                { name: "scratch", mountPath: "/var/lib/postgresql/data" },
                { name: "scratch-run", mountPath: "/var/run/postgresql" },
                { name: "scratch-tmp", mountPath: "/tmp" },
            ],
            startupProbe: { exec: { command: ["pg_isready", "-h", "127.0.0.1", "-p", String(SCRATCH_PORTS.postgres), "-U", "postgres"] }, periodSeconds: 2, failureThreshold: 150 },
        };
    }
    return {
        ...common,
        // mongod itself (not the image's entrypoint, which wants to write outside the volumes): no auth, loopback only, no unix socket.
        command: ["mongod", "--bind_ip", "127.0.0.1", "--port", String(SCRATCH_PORTS.mongo), "--dbpath", "/data/db", "--nounixsocket"],
        env: [{ name: "HOME", value: "/tmp" }],
        volumeMounts: [
            { name: "scratch", mountPath: "/data/db" },
            { name: "scratch-tmp", mountPath: "/tmp" },
        ],
        startupProbe: {
            exec: { command: ["mongosh", "--quiet", "--norc", `mongodb://127.0.0.1:${SCRATCH_PORTS.mongo}/admin`, "--eval", "db.runCommand({ ping: 1 }).ok"] },
            periodSeconds: 2,
            failureThreshold: 150,
        },
    };
}

function containerResources(r: ContainerResources) {
    return { requests: { cpu: r.cpu, memory: r.memory }, limits: { memory: r.memoryLimit } };
}

/** A CronJob spec for one of the two jobs. */
export function cronJobSpec(p: {
    schedule: string;
    image: pulumi.Input<string>;
    podLabels: Record<string, string>;
    container: string;
    command: string[];
    configMapName: pulumi.Input<string>;
    secretName: pulumi.Input<string>;
    /** The Secret's keys this job's container reads (each through a `secretKeyRef`). */
    secretEnv: string[];
    /** The source's credential, mounted read-only at `SOURCE_CREDENTIAL_DIR/<key>` (the backup only). */
    credentialFile?: { secretName: pulumi.Input<string>; key: string };
    serviceAccountName: pulumi.Input<string>;
    resources: ContainerResources;
    workDirGi: number;
    backoffLimit: number;
    activeDeadlineSeconds: number;
    startingDeadlineSeconds: number;
    sidecar?: ScratchServer & { secretName: pulumi.Input<string>; resources: ContainerResources; sizeGi: number };
}): k8s.types.input.batch.v1.CronJobSpec {
    const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "work", emptyDir: { sizeLimit: `${p.workDirGi}Gi` } }];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "work", mountPath: BACKUP_WORK_DIR }];
    if (p.credentialFile) {
        // Readable by the pod's group (fsGroup) only; a whole-volume mount, so kubelet keeps it current.
        volumes.push({ name: "source-credential", secret: { secretName: p.credentialFile.secretName, items: [{ key: p.credentialFile.key, path: p.credentialFile.key }], defaultMode: 0o440 } });
        mounts.push({ name: "source-credential", mountPath: SOURCE_CREDENTIAL_DIR, readOnly: true });
    }
    if (p.sidecar) {
        volumes.push({ name: "scratch", emptyDir: { sizeLimit: `${p.sidecar.sizeGi}Gi` } }, { name: "scratch-tmp", emptyDir: { sizeLimit: "1Gi" } });
        if (p.sidecar.engine === "postgres") {
            volumes.push({ name: "scratch-run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } });
        }
    }
    const pod: PodSpec = {
        serviceAccountName: p.serviceAccountName,
        // IRSA needs no API token: the EKS webhook mounts its own projected token for STS.
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        securityContext: {
            runAsNonRoot: true,
            runAsUser: BACKUP_IMAGE_UID,
            runAsGroup: BACKUP_IMAGE_UID,
            fsGroup: BACKUP_IMAGE_UID,
            seccompProfile: { type: "RuntimeDefault" },
        },
        ...(p.sidecar ? { initContainers: [scratchSidecar(p.sidecar)] } : {}),
        containers: [
            {
                name: p.container,
                image: p.image,
                command: p.command,
                envFrom: [{ configMapRef: { name: p.configMapName } }],
                env: p.secretEnv.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: p.secretName, key } } })),
                securityContext: RESTRICTED_CONTAINER,
                resources: containerResources(p.resources),
                volumeMounts: mounts,
            },
        ],
        volumes,
    };
    return {
        schedule: p.schedule,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: p.startingDeadlineSeconds,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
            metadata: { labels: p.podLabels },
            spec: {
                backoffLimit: p.backoffLimit,
                activeDeadlineSeconds: p.activeDeadlineSeconds,
                // A configuration error (exit 2) fails the Job at once: a retry would fail the same way.
                podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: p.container, operator: "In", values: [CONFIG_ERROR_EXIT_CODE] } }] },
                template: { metadata: { labels: p.podLabels }, spec: pod },
            },
        },
    };
}

/**
 * What every job pod may reach: DNS; TCP 443 anywhere (S3 and STS: AWS endpoints have no fixed
 * addresses); the Pushgateway, in its namespace when the URL names a cluster Service
 * (`<service>.<namespace>.svc[.cluster.local]`), else its port anywhere.
 */
export function jobsEgressRules(pushgatewayUrl: string): EgressRule[] {
    const url = new URL(pushgatewayUrl);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const match = /^[a-z0-9-]+\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(url.hostname);
    const pushgateway: EgressRule = match
        ? { to: [namespacePeer(match[1]!)], ports: [{ protocol: "TCP", port }] }
        : { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port }] };
    return [dnsEgressRule(), { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }, pushgateway];
}

// ---------------------------------------------------------------------------------------------
// Arguments

const QUANTITY_CPU = /^\d+(\.\d+)?m?$/;
const QUANTITY_MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;

function validate(name: string, args: BackupJobsArgs): void {
    const check = new ArgChecker(`BackupJobs "${name}"`);
    if (args === undefined || args === null || typeof args !== "object") {
        check.fail("args", "are required ({ engine, service, connection, namespace, bucket, image, rtoMinutes })");
    }
    check.required("engine", args.engine, `one of ${BACKUP_ENGINES.join(", ")}`);
    check.oneOf("engine", args.engine, BACKUP_ENGINES);
    check.required("service", args.service, "the data service's name, such as postgres");
    check.matches("service", args.service, /^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/, "a lower-case DNS label of at most 30 characters (it names the CronJobs and every key)");
    check.required("connection", args.connection, "the database's DatabaseConnection");
    if (args.connection?.rotating !== undefined) {
        if (args.engine !== "postgres") {
            check.fail("connection", `rotates, which only a managed Postgres's connection does (engine ${describe(args.engine)})`);
        }
        if (args.secretStore === undefined) {
            check.fail("secretStore", "is required when connection rotates: the store (ExternalSecrets.store) the jobs' credential is synced from at run time");
        }
    } else if (args.secretStore !== undefined) {
        check.fail("secretStore", "applies only to a rotating connection (managed Postgres); a static credential is in the jobs' own Secret");
    }
    check.required("namespace", args.namespace, "the namespace of the jobs");
    check.required("image", args.image, "the backup image: BackupImage.reference, or an image with a pinned tag or digest");
    if (typeof args.image === "string" && !isPinnedImage(args.image)) {
        check.fail("image", `must have a pinned tag or digest, not latest or untagged (got ${describe(args.image)})`);
    }
    check.required("rtoMinutes", args.rtoMinutes, "the recovery time objective in minutes");
    check.int("rtoMinutes", args.rtoMinutes, 1, 10080);
    check.int("rpoMinutes", args.rpoMinutes, 1, 10080);
    check.backupBucket("bucket", args.bucket, { name: "name", arn: "arn", kmsKeyArn: "kmsKeyArn", region: "region" });
    if (args.engine === "postgres") {
        check.required("version", args.version, "the PostgreSQL major of the drill's scratch server: 14 to 17");
        check.matches("version", args.version, /^1[4-7]$/, "a PostgreSQL major from 14 to 17");
    } else if (args.engine === "mongo") {
        check.required("version", args.version, "the MongoDB API version of the drill's scratch server: 4.0, 5.0 or 8.0");
        check.oneOf("version", args.version, ["4.0", "5.0", "8.0"]);
    } else if (args.version !== undefined) {
        check.fail("version", "applies only to postgres and mongo (redis's drill starts its own redis-server)");
    }
    for (const key of ["backupSchedule", "drillSchedule"] as const) {
        const problem = args[key] === undefined ? undefined : kubernetesCronProblem(args[key]);
        if (problem !== undefined) {
            check.fail(key, `must be a Kubernetes cron schedule such as "0 2 * * *" (five fields, UTC; no TZ= prefix); this one ${problem} (got ${describe(args[key])})`);
        }
    }
    if (args.drillSqlChecks !== undefined) {
        if (args.engine !== "postgres") {
            check.fail("drillSqlChecks", "applies only to engine postgres");
        }
        args.drillSqlChecks.forEach((sql, i) => {
            if (typeof sql !== "string" || !/^\s*(select|with)\b[^\n\r]*$/i.test(sql)) {
                check.fail(`drillSqlChecks[${i}]`, `must be one single-line SELECT (or WITH ... SELECT) statement (got ${describe(sql)})`);
            }
        });
    }
    if (args.pushgatewayUrl !== undefined && !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/.test(args.pushgatewayUrl)) {
        check.fail("pushgatewayUrl", `must be an http(s) URL of a host and optional port, such as ${DEFAULT_PUSHGATEWAY_URL} (got ${describe(args.pushgatewayUrl)})`);
    }
    if (args.irsa !== undefined) {
        check.required("irsa.oidcProviderArn", args.irsa.oidcProviderArn, "the cluster's IAM OIDC provider ARN");
        // Outputs (a cluster the estate creates) are known to be well-formed; strings are checked.
        if (!pulumi.Output.isInstance(args.irsa.oidcProviderArn)) check.matches("irsa.oidcProviderArn", args.irsa.oidcProviderArn, /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/\S+$/, "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE");
        check.required("irsa.oidcIssuer", args.irsa.oidcIssuer, "the cluster's OIDC issuer, such as oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE");
        if (!pulumi.Output.isInstance(args.irsa.oidcIssuer)) check.matches("irsa.oidcIssuer", args.irsa.oidcIssuer, /^(https:\/\/)?[a-z0-9.-]+(\/[\w.-]+)*\/?$/, "an OIDC issuer host and path such as oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE");
    }
    if (args.databasePods !== undefined && Object.keys(args.databasePods).length === 0) {
        check.fail("databasePods", "must not be empty: an empty selector would admit the backup pods to every pod of the namespace");
    }
    if (args.databasePods !== undefined && args.databaseEgress !== undefined) {
        check.fail("databaseEgress", "conflicts with databasePods: a database is either in the cluster (databasePods) or outside it (databaseEgress)");
    }
    check.matches("pgSslMode", args.pgSslMode, /^(require|verify-full)$/, "require or verify-full");
    check.int("workDirGi", args.workDirGi, 1, 65536);
    check.int("scratchGi", args.scratchGi, 1, 65536);
    check.int("backupTimeoutMinutes", args.backupTimeoutMinutes, 5, 1440);
    check.int("drillTimeoutMinutes", args.drillTimeoutMinutes, 5, 2880);
    check.int("startingDeadlineMinutes.backup", args.startingDeadlineMinutes?.backup, 1, 1440);
    check.int("startingDeadlineMinutes.drill", args.startingDeadlineMinutes?.drill, 1, 10080);
    check.int("backupRetries", args.backupRetries, 0, 10);
    for (const key of ["resources", "scratchResources"] as const) {
        const r = args[key];
        if (r !== undefined) {
            check.matches(`${key}.cpu`, r.cpu, QUANTITY_CPU, "a CPU quantity such as 250m or 1");
            check.matches(`${key}.memory`, r.memory, QUANTITY_MEMORY, "a memory quantity such as 512Mi or 2Gi");
            check.matches(`${key}.memoryLimit`, r.memoryLimit, QUANTITY_MEMORY, "a memory quantity such as 512Mi or 2Gi");
        }
    }
}
