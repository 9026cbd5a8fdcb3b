import * as random from "@pulumi/random";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { BACKUP_WINDOWS, walArchiveTimeoutSeconds } from "../../../components/backup/objectives";
import { ClusterPostgres, type ClusterPostgresArgs } from "../../../components/data";
import { charts, images } from "../../../components/lib/charts";
import { policies } from "../../../policies/pack";
import { evaluatePolicies, fakeResource } from "../../../scripts/engine/policy-harness";
import { crdViolations } from "../../helpers/crds";
import { packConfig } from "../../policies/fixtures";
import { build, buildError, clusterProvider, DNS_EGRESS, KEY, OBJECTIVES, validateModel } from "./harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    secret: "kubernetes:core/v1:Secret",
    objectStore: "kubernetes:barmancloud.cnpg.io/v1:ObjectStore",
    cluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
    scheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
    user: "aws:iam/user:User",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    accessKey: "aws:iam/accessKey:AccessKey",
};
const BACKUP = { bucketName: "estate-backups", bucketArn: "arn:aws:s3:::estate-backups", kmsKeyArn: KEY, region: "eu-west-1" };

function postgres(args: Partial<ClusterPostgresArgs> = {}, opts = {}) {
    return build(() => {
        const provider = clusterProvider();
        return new ClusterPostgres("pg", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP, ...args }, { providers: { kubernetes: provider } });
    }, opts);
}

describe("ClusterPostgres with defaults", () => {
    it("installs the CloudNativePG operator and the Barman Cloud plugin as pinned Helm releases, the plugin after the operator", async () => {
        const b = await postgres();
        // In their own namespace (cnpg-system), apart from the databases.
        expect(b.inputs("pg-operator")).toMatchObject({ chart: "cloudnative-pg", version: charts.cloudnativePg.version, repositoryOpts: { repo: charts.cloudnativePg.repo }, namespace: "cnpg-system", name: "cnpg" });
        expect(b.inputs("pg-barman-cloud")).toMatchObject({ chart: "plugin-barman-cloud", version: charts.barmanCloudPlugin.version, namespace: "cnpg-system" });
        expect(b.resource("pg-barman-cloud").dependencies).toContain(b.resource("pg-operator").urn);
    });

    it("uses the Kubernetes provider it was given for every Kubernetes child, never the default one", async () => {
        const b = await postgres();
        const kubernetes = b.run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(kubernetes.length).toBeGreaterThan(5);
        for (const r of kubernetes) {
            expect(r.provider, r.name).toMatch(/\$pulumi:providers:kubernetes::cluster::/);
        }
    });

    it("defines a Cluster with the requested instances and storage, TLS only, valid against the CloudNativePG schema", async () => {
        const b = await postgres({ instances: 3, storageGb: 50, storageClass: "gp3" });
        const manifest = b.inputs("pg-cluster");
        expect(crdViolations(T.cluster, manifest)).toEqual([]);
        expect(manifest.metadata).toMatchObject({ name: "pg", namespace: "data" });
        expect(manifest.spec).toMatchObject({
            instances: 3,
            imageName: images.postgres["16"],
            storage: { size: "50Gi", storageClass: "gp3" },
            enableSuperuserAccess: false,
            bootstrap: { initdb: { database: "app", owner: "app", secret: { name: "pg-app" } } },
            enablePDB: true,
        });
        expect(manifest.spec.postgresql.parameters).toMatchObject({ ssl_min_protocol_version: "TLSv1.3", password_encryption: "scram-sha-256" });
        expect(manifest.spec.postgresql.pg_hba).toEqual(["hostnossl all all all reject"]);
    });

    it("is checked by a real schema: the same manifest with a wrong type is refused", async () => {
        const manifest = (await postgres()).inputs("pg-cluster");
        expect(crdViolations(T.cluster, { ...manifest, spec: { ...manifest.spec, instances: "two" } })).toEqual(["/spec/instances must be integer"]);
    });

    it("archives WAL continuously through the Barman Cloud plugin, to its own prefix of the backup bucket", async () => {
        const b = await postgres();
        const cluster = b.inputs("pg-cluster");
        expect(cluster.spec.plugins).toEqual([{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "pg-backups" } }]);
        expect(cluster.spec.backup).toBeUndefined();
        const store = b.inputs("pg-object-store");
        expect(store).toMatchObject({ apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: { name: "pg-backups", namespace: "data" } });
        expect(crdViolations(T.objectStore, store)).toEqual([]);
        expect(store.spec.configuration).toMatchObject({ destinationPath: "s3://estate-backups/postgres/pg", wal: { compression: "gzip" }, data: { compression: "gzip" } });
        // No explicit encryption: the bucket's default SSE-KMS applies, and its policy refuses other keys.
        expect(store.spec.configuration.wal.encryption).toBeUndefined();
        expect(store.spec.retentionPolicy).toMatch(/^[1-9][0-9]*[dwm]$/);
        expect(store.spec.retentionPolicy).toBe("30d");
        expect(store.spec.instanceSidecarConfiguration.env).toEqual([{ name: "AWS_DEFAULT_REGION", value: "eu-west-1" }]);
    });

    it("keeps the archive at most the RPO behind: archive_timeout is walArchiveTimeoutSeconds (half the RPO, 60 to 300 s)", async () => {
        expect((await postgres()).inputs("pg-cluster").spec.postgresql.parameters.archive_timeout).toBe("300s");
        const five = await postgres({ objectives: { rpoMinutes: 5, dailyBackupDays: 7 } });
        expect(five.inputs("pg-cluster").spec.postgresql.parameters.archive_timeout).toBe("150s");
        const tight = await postgres({ objectives: { rpoMinutes: 2, dailyBackupDays: 7 } });
        expect(tight.inputs("pg-cluster").spec.postgresql.parameters.archive_timeout).toBe("60s");
        expect(tight.inputs("pg-object-store").spec.retentionPolicy).toBe("7d");
        for (const rpoMinutes of [1, 2, 5, 15, 1440]) {
            const archiveTimeout = (await postgres({ objectives: { rpoMinutes, dailyBackupDays: 7 } })).inputs("pg-cluster").spec.postgresql.parameters.archive_timeout;
            expect(archiveTimeout).toBe(`${walArchiveTimeoutSeconds(rpoMinutes)}s`);
        }
    });

    it("takes a daily base backup through the plugin, valid against the schema", async () => {
        const b = await postgres();
        const backup = b.inputs("pg-daily-backup");
        expect(crdViolations(T.scheduledBackup, backup)).toEqual([]);
        expect(backup.spec).toEqual({
            schedule: BACKUP_WINDOWS.clusterBaseBackupSchedule,
            immediate: true,
            backupOwnerReference: "self",
            cluster: { name: "pg" },
            method: "plugin",
            pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
        });
    });

    it("writes backups with an access key allowed only its prefix and the bucket's key, kept in a Kubernetes Secret", async () => {
        const b = await postgres();
        const policy = JSON.parse(b.inputs("pg-backup-writer-policy").policy) as { Statement: { Action: string | string[]; Resource: string; Condition?: unknown }[] };
        expect(policy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
            ["s3:ListBucket", "arn:aws:s3:::estate-backups"],
            ["s3:GetBucketLocation", "arn:aws:s3:::estate-backups"],
            [["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::estate-backups/postgres/pg/*"],
            [["kms:GenerateDataKey", "kms:Decrypt"], KEY],
        ]);
        expect(policy.Statement[0]!.Condition).toEqual({ StringLike: { "s3:prefix": ["postgres/pg/*", "postgres/pg"] } });
        const secret = b.inputs("pg-backup-credentials");
        expect(() => validateModel(new Secret(secret))).not.toThrow();
        expect(Object.keys(secret.stringData).sort()).toEqual(["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]);
        expect(b.inputs("pg-object-store").spec.configuration.s3Credentials).toEqual({
            accessKeyId: { name: "pg-backup-credentials", key: "ACCESS_KEY_ID" },
            secretAccessKey: { name: "pg-backup-credentials", key: "ACCESS_SECRET_KEY" },
        });
    });

    it("generates the application user's password into a basic-auth Secret the operator reads, and exports it as a secret", async () => {
        const b = await postgres();
        const secret = b.inputs("pg-credentials");
        expect(() => validateModel(new Secret(secret))).not.toThrow();
        expect(secret).toMatchObject({ type: "kubernetes.io/basic-auth", metadata: { name: "pg-app", namespace: "data" } });
        expect(secret.stringData.username).toBe("app");
        const password = secret.stringData.password as string;
        expect(password.length).toBeGreaterThan(0);
        expect(b.outputs().connection).toEqual({
            host: "pg-rw.data.svc",
            port: 5432,
            database: "app",
            user: "app",
            password,
            uri: `postgresql://app:${password}@pg-rw.data.svc:5432/app?sslmode=require`,
        });
        expect(b.shownOutputs().connection).toMatchObject({ password: "[secret]", uri: "[secret]" });
    });

    it("orders the custom resources after the releases that bring their CRDs", async () => {
        const b = await postgres();
        const [operator, plugin] = [b.resource("pg-operator").urn, b.resource("pg-barman-cloud").urn];
        expect(b.resource("pg-object-store").dependencies).toEqual(expect.arrayContaining([operator, plugin]));
        expect(b.resource("pg-cluster").dependencies).toEqual(expect.arrayContaining([operator, plugin, b.resource("pg-object-store").urn, b.resource("pg-credentials").urn]));
        expect(b.resource("pg-daily-backup").dependencies).toContain(b.resource("pg-cluster").urn);
    });

    it("protects and retains the Cluster and its credentials", async () => {
        const b = await postgres();
        for (const name of ["pg-cluster", "pg-credentials"]) {
            expect([b.resource(name).protect, b.resource(name).retainOnDelete], name).toEqual([true, true]);
        }
    });

    it("in preview, knows the host but not the generated password", async () => {
        const b = await postgres({}, { preview: true });
        expect(b.outputs().connection).toMatchObject({ host: "pg-rw.data.svc", password: "[unknown]" });
        // The unknown password stays secret: since @pulumi/pulumi 3.276 (pulumi/pulumi#24500) the SDK
        // keeps the secret marker on an unknown value, so it prints as a secret, as the CLI shows it.
        expect(b.shownOutputs().connection).toMatchObject({ host: "pg-rw.data.svc", password: "[secret]" });
    });
});

describe("ClusterPostgres in a default-deny namespace", () => {
    const TCP = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
    const API_SERVER = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: TCP(443, 6443) };

    it("creates the operator's namespace with the estate's labels and restricted Pod Security, before the releases", async () => {
        const b = await postgres();
        const ns = b.inputs("pg-operator-namespace");
        expect(() => validateModel(new Namespace(ns))).not.toThrow();
        expect(ns.metadata).toEqual({
            name: "cnpg-system",
            labels: {
                "app.kubernetes.io/part-of": "estate",
                "app.kubernetes.io/managed-by": "pulumi",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "latest",
            },
        });
        for (const release of ["pg-operator", "pg-barman-cloud"]) {
            expect(b.resource(release).propertyDependencies.namespace, release).toContain(b.resource("pg-operator-namespace").urn);
        }
    });

    it("admits to the instances the apps (5432), the operator (5432, status 8000) and the cluster's own pods; they reach DNS, each other, the API server and S3", async () => {
        const b = await postgres();
        const policy = b.inputs("pg-network-policy");
        expect(() => validateModel(new NetworkPolicy(policy))).not.toThrow();
        expect(policy.metadata).toMatchObject({ name: "pg-postgres", namespace: "data" });
        const own = { podSelector: { matchLabels: { "cnpg.io/cluster": "pg" } } };
        expect(policy.spec).toEqual({
            podSelector: own.podSelector,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/part-of": "estate" } } }],
                    ports: TCP(5432),
                },
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } } }],
                    ports: TCP(8000, 5432),
                },
                { from: [own], ports: TCP(5432, 8000) },
            ],
            egress: [DNS_EGRESS, { to: [own], ports: TCP(5432, 8000) }, API_SERVER],
        });
    });

    it("locks the operator's namespace down: default-deny, DNS, the operator's webhook and its calls, the plugin's gRPC port", async () => {
        const b = await postgres();
        const policies = Object.fromEntries(
            ["default-deny", "allow-dns", "cnpg", "barman-cloud"].map((role) => {
                const policy = b.inputs(`pg-operator-${role}`);
                expect(() => validateModel(new NetworkPolicy(policy)), role).not.toThrow();
                expect(policy.metadata.namespace, role).toBe("cnpg-system");
                return [role, policy.spec];
            }),
        );
        expect(policies["default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(policies["allow-dns"]).toEqual({ podSelector: {}, policyTypes: ["Egress"], egress: [DNS_EGRESS] });
        const plugin = { podSelector: { matchLabels: { "app.kubernetes.io/name": "plugin-barman-cloud" } } };
        const operator = { podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg" } } };
        expect(policies.cnpg).toEqual({
            ...operator,
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ ports: TCP(9443) }],
            egress: [
                API_SERVER,
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } }, podSelector: { matchExpressions: [{ key: "cnpg.io/cluster", operator: "Exists" }] } }],
                    ports: TCP(8000, 5432),
                },
                { to: [plugin], ports: TCP(9090) },
            ],
        });
        expect(policies["barman-cloud"]).toEqual({ ...plugin, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [operator], ports: TCP(9090) }], egress: [API_SERVER] });
    });

    it("without the operator: no operator namespace, but the instances still admit the operator from it", async () => {
        const b = await postgres({ installOperator: false, operatorNamespace: "postgres-operator" });
        expect(b.maybe("pg-operator-namespace")).toBeUndefined();
        expect(b.maybe("pg-operator-cnpg")).toBeUndefined();
        expect(b.inputs("pg-network-policy").spec.ingress[1].from[0].namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "postgres-operator" } });
    });

    it("passes every Kubernetes policy of the prod pack, its operator namespace included, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const report = await (await postgres({}, { preview })).policyReport("prod");
            expect(report.violations.filter((v) => v.policy.startsWith("estate-k8s-"))).toEqual([]);
        }
    });

    it("an operator namespace without its Pod Security labels would fail the prod pack (the check is real)", async () => {
        const b = await postgres();
        const ns = b.resource("pg-operator-namespace");
        const unlabelled = fakeResource({ type: ns.type, name: ns.name, props: { metadata: { name: "cnpg-system", labels: { "app.kubernetes.io/part-of": "estate" } } } });
        const report = await evaluatePolicies(policies, [unlabelled], { config: packConfig("prod"), packEnforcementLevel: "advisory" });
        expect(report.violations.filter((v) => v.policy === "estate-k8s-namespace-pod-security").length).toBeGreaterThan(0);
    });

    it("requires a Kubernetes provider: it never falls back to the ambient one", async () => {
        const { message, registered } = await buildError(() => new ClusterPostgres("pg", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP }));
        expect(message).toBe('ClusterPostgres "pg": opts.provider is required: a kubernetes Provider for the target cluster (the estate never uses the ambient default provider)');
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("ClusterPostgres metrics", () => {
    const scraper = { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } };

    it("exposes what to scrape: every instance's exporter, port 9187 named metrics, no auth", async () => {
        let made: ClusterPostgres | undefined;
        await build(() => (made = new ClusterPostgres("pg", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP }, { providers: { kubernetes: clusterProvider() } })));
        expect(made!.metricsEndpoint).toEqual({ namespace: "data", podLabels: { "cnpg.io/cluster": "pg" }, port: { name: "metrics", number: 9187 }, path: "/metrics" });
    });

    it("admits the scraper to the instances on port 9187 only, and nobody when no scraper is given", async () => {
        const b = await postgres({ metricsScraper: scraper });
        const policy = b.inputs("pg-network-policy");
        expect(() => validateModel(new NetworkPolicy(policy))).not.toThrow();
        expect(policy.spec.ingress).toContainEqual({
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
            ports: [{ protocol: "TCP", port: 9187 }],
        });
        expect(JSON.stringify((await postgres()).inputs("pg-network-policy").spec)).not.toContain("9187");
    });
});

describe("ClusterPostgres overrides", () => {
    it("an IRSA role instead of an access key", async () => {
        const role = "arn:aws:iam::123456789012:role/cnpg-backups";
        const b = await postgres({ backup: { ...BACKUP, iamRoleArn: role } });
        expect(b.ofType(T.user)).toEqual([]);
        expect(b.maybe("pg-backup-credentials")).toBeUndefined();
        expect(b.inputs("pg-object-store").spec.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
        const cluster = b.inputs("pg-cluster");
        expect(cluster.spec.serviceAccountTemplate).toEqual({ metadata: { annotations: { "eks.amazonaws.com/role-arn": role } } });
        expect(crdViolations(T.cluster, cluster)).toEqual([]);
    });

    it("without the operator (the platform runs it): no releases, the database alone", async () => {
        const b = await postgres({ installOperator: false });
        expect(b.ofType(T.release)).toEqual([]);
        expect(b.resource("pg-cluster").type).toBe(T.cluster);
    });

    it("requires: the operator releases wait for cert-manager", async () => {
        const b = await build(() => {
            const provider = clusterProvider();
            const certManager = new random.RandomString("cert-manager", { length: 8 });
            return new ClusterPostgres("pg", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP, requires: [certManager] }, { provider });
        });
        const certManager = b.resource("cert-manager").urn;
        expect(b.resource("pg-operator").dependencies).toContain(certManager);
        expect(b.resource("pg-barman-cloud").dependencies).toContain(certManager);
    });

    it("a single instance, a throwaway stack: no PDB to block drains, nothing protected", async () => {
        const b = await postgres({ instances: 1, protectData: false, database: "orders", user: "orders" });
        expect(b.inputs("pg-cluster").spec).toMatchObject({ instances: 1, enablePDB: false, bootstrap: { initdb: { database: "orders", owner: "orders" } } });
        expect(b.resource("pg-cluster").protect).toBe(false);
        expect(b.outputs().connection).toMatchObject({ database: "orders", user: "orders" });
    });

    it("another namespace and operator namespace", async () => {
        const b = await postgres({ namespace: "orders", operatorNamespace: "cnpg-system" });
        expect(b.inputs("pg-operator").namespace).toBe("cnpg-system");
        expect(b.inputs("pg-barman-cloud").namespace).toBe("cnpg-system");
        expect(b.inputs("pg-cluster").metadata.namespace).toBe("orders");
        expect(b.outputs().connection.host).toBe("pg-rw.orders.svc");
    });
});

describe("ClusterPostgres refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ClusterPostgresArgs>, string]>([
        ["version", { version: "13" as never }, 'version must be one of 14, 15, 16, 17 (got "13")'],
        ["namespace", { namespace: "" }, "namespace is required (the namespace of the database)"],
        ["backup", { backup: undefined as never }, "backup is required ({ bucketName, bucketArn, kmsKeyArn, region }: the estate's backup bucket)"],
        ["backup region", { backup: { ...BACKUP, region: "Ireland" } }, 'backup.region must be an AWS region such as eu-west-1 (got "Ireland")'],
        ["backup key", { backup: { ...BACKUP, kmsKeyArn: "alias/backups" } }, 'backup.kmsKeyArn must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id> (got "alias/backups")'],
        ["instances", { instances: 0 }, "instances must be an integer from 1 to 9 (got 0)"],
        ["objectives", { objectives: { rpoMinutes: 0, dailyBackupDays: 7 } }, "objectives.rpoMinutes must be an integer >= 1 (got 0)"],
        ["reserved user", { user: "postgres" }, 'user must not be "postgres": CloudNativePG reserves it'],
        ["operator namespace", { operatorNamespace: "CNPG" }, 'operatorNamespace must be a lower-case DNS label such as cnpg-system (got "CNPG")'],
        ["an open client selector", { clients: { namespace: "apps", podLabels: {} } }, "clients.podLabels must name at least one label: an empty selector would admit every pod of the namespace"],
        ["an open metrics scraper", { metricsScraper: { namespace: "monitoring", podLabels: {} } }, "metricsScraper.podLabels must name at least one label: an empty selector would admit every pod of the namespace"],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ClusterPostgres("pg", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP, ...args }));
        expect(message).toBe(`ClusterPostgres "pg": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("a name that cannot name a Cluster", async () => {
        const { message } = await buildError(() => new ClusterPostgres("Orders_DB", { version: "16", namespace: "data", objectives: OBJECTIVES, backup: BACKUP }));
        expect(message).toBe('ClusterPostgres "Orders_DB": name must be a lower-case DNS label of at most 40 characters (it names the Cluster and its services) (got "Orders_DB")');
    });
});
