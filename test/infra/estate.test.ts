/**
 * The example stacks, wired: the cluster provider, the platform and one AppService per
 * `estate:services` entry, the apps' environment from the estate's outputs, the stack outputs.
 */
import { describe, expect, it } from "vitest";
import { plannedStack } from "../helpers/plans";
import { EKS_VERSION } from "../../components/cluster/eks-cluster";
import { type EngineRun, type RecordedResource, fromWire, plainInputs } from "../../scripts/engine/mock-engine";

const plan = plannedStack;

// Engine payloads, typed loosely at this boundary only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inputs = (r: RecordedResource): any => plainInputs(r, "unwrap");
const named = (run: EngineRun, name: string) => {
    const found = run.resources.find((r) => r.name === name);
    expect(found, name).toBeDefined();
    return found!;
};

/** The CIDR blocks of the private subnets the stack's Network plans, in zone order. */
const privateSubnetCidrs = (run: EngineRun): string[] =>
    run.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.startsWith("network-private-")).map((r) => inputs(r).cidrBlock as string);

describe.each(["dev", "prod"])("the %s estate", (stack) => {
    it("reaches the cluster through one explicit provider named cluster, used by every Kubernetes object", async () => {
        const run = await plan(stack);
        const providers = run.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        expect(providers.map((p) => p.name)).toEqual(["cluster"]);
        const objects = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(objects.length).toBeGreaterThanOrEqual(30);
        for (const r of objects) {
            expect(r.provider?.startsWith(`${providers[0]!.urn}::`), r.name).toBe(true);
        }
    });

    it("creates the platform and one AppService per configured service", async () => {
        const run = await plan(stack);
        const components = run.resources.filter((r) => r.type.startsWith("estate:k8s:")).map((r) => `${r.type} ${r.name}`);
        // Prod's managed Postgres rotates its password: the External Secrets Operator carries it into the cluster.
        const credentials = stack === "prod" ? ["estate:k8s:ExternalSecrets external-secrets"] : [];
        expect(components).toEqual(["estate:k8s:Platform platform", ...credentials, "estate:k8s:AppService web", "estate:k8s:AppService worker"]);
    });

    it("gives every app the estate's outputs in its Secret: region, backup bucket, the data connections and (prod, with Sentry) its DSN", async () => {
        const run = await plan(stack);
        const outputs = fromWire(run.outputs!.toJavaScript(), "unwrap") as { data: Record<string, { uri?: string; tls?: boolean }> };
        // A managed Postgres's password rotates: its DATABASE_URL is synced at run time, never in <app>-env.
        const staticPostgres = outputs.data.postgres!.uri !== undefined;
        for (const app of ["web", "worker"]) {
            const secret = inputs(named(run, `${app}-env`));
            expect(secret.metadata).toMatchObject({ name: `${app}-env`, namespace: "apps" });
            expect(Object.keys(secret.stringData).sort()).toEqual([
                "AWS_REGION",
                "BACKUP_BUCKET",
                "BACKUP_KMS_KEY_ARN",
                ...(staticPostgres ? ["DATABASE_URL"] : []),
                "MONGODB_URI",
                "REDIS_TLS",
                "REDIS_URL",
                ...(stack === "prod" ? ["SENTRY_DSN"] : []),
            ]);
            expect(secret.stringData.AWS_REGION).toBe("eu-west-1");
            expect(typeof secret.stringData.BACKUP_BUCKET).toBe("string");
            expect(named(run, `${app}-env`).propertyDependencies.stringData).toContain(named(run, "backups-bucket").urn);
            // The very values the stack exports.
            expect(secret.stringData.DATABASE_URL).toBe(outputs.data.postgres!.uri);
            expect(staticPostgres).toBe(stack === "dev");
            expect(secret.stringData.MONGODB_URI).toBe(outputs.data.mongo!.uri);
            expect(secret.stringData.REDIS_URL).toBe(outputs.data.redis!.uri);
            expect(secret.stringData.REDIS_TLS).toBe(String(outputs.data.redis!.tls));
            expect(secret.stringData.REDIS_URL.startsWith(outputs.data.redis!.tls ? "rediss://" : "redis://")).toBe(true);
            // ... and all of them secret on the way to the engine.
            expect(plainInputs(named(run, `${app}-env`)).stringData).toBe("[secret]");
        }
    });
});

describe("the apps reach their databases", () => {
    it("prod: the apps' NetworkPolicies admit the managed services' ports, to the private subnets only", async () => {
        const run = await plan("prod");
        for (const app of ["web", "worker"]) {
            const egress = inputs(named(run, `${app}-network-policy`)).spec.egress as { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[];
            const toData = egress.filter((rule) => rule.ports?.some((p) => p.port === 5432));
            expect(toData, app).toHaveLength(1);
            expect(toData[0]!.ports!.map((p) => p.port)).toEqual([5432, 27017, 6379]);
            // One block per private subnet of the VPC the stack builds, each that subnet's CIDR (never the internet).
            expect(toData[0]!.to!.map((peer) => peer.ipBlock!.cidr)).toEqual(privateSubnetCidrs(run));
        }
    });

    it("prod: the managed services live in the private subnets of the VPC the stack builds, admitting the nodes' security group", async () => {
        const run = await plan("prod");
        const cluster = run.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
        const privateSubnets = run.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.startsWith("network-private-"));
        expect(privateSubnets).toHaveLength(3);
        for (const group of ["postgres-subnets", "redis-subnets"]) {
            expect(named(run, group).propertyDependencies.subnetIds?.sort()).toEqual(privateSubnets.map((s) => s.urn).sort());
        }
        for (const rule of ["postgres-from-sg-0", "mongo-from-sg-0", "redis-from-sg-0"]) {
            // EKS's cluster security group: managed nodes (and, with the VPC CNI, their pods) carry it.
            expect(named(run, rule).propertyDependencies.referencedSecurityGroupId).toEqual([cluster.urn]);
        }
    });

    it("dev: the data namespace, where the in-cluster services admit the apps; no rule toward a VPC", async () => {
        const run = await plan("dev");
        const egress = inputs(named(run, "web-network-policy")).spec.egress as { to?: Record<string, unknown>[]; ports?: { port: number }[] }[];
        expect(egress.some((rule) => rule.ports?.some((p) => [5432, 27017, 6379].includes(p.port)))).toBe(false);
        expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }] });
        // ... and each in-cluster service admits exactly the apps' namespace.
        for (const policy of ["postgres-network-policy", "mongo-network-policy", "redis-haproxy-network-policy"]) {
            expect(inputs(named(run, policy)).spec.ingress[0].from, policy).toEqual([
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/part-of": "estate" } } },
            ]);
        }
    });
});

describe("profiles reach the apps", () => {
    it.each([
        ["dev", { web: [1, 2], worker: [1, 1] }, "selfsigned", "web.dev.shop.example.com"],
        ["prod", { web: [3, 10], worker: [2, 5] }, "letsencrypt-prod", "shop.example.com"],
    ] as const)("%s: autoscaling bounds, issuer and host", async (stack, bounds, issuer, host) => {
        const run = await plan(stack);
        for (const [app, [min, max]] of Object.entries(bounds)) {
            expect(inputs(named(run, `${app}-hpa`)).spec, app).toMatchObject({ minReplicas: min, maxReplicas: max });
        }
        const ingress = inputs(named(run, "web-ingress"));
        expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe(issuer);
        expect(ingress.spec.rules[0].host).toBe(host);
        expect(ingress.spec.tls[0].hosts).toEqual([host]);
    });

    it("prod creates both Let's Encrypt issuers with the stack's ACME email; dev only the local CA", async () => {
        const prod = await plan("prod");
        expect(inputs(named(prod, "platform-issuer-letsencrypt-prod")).spec.acme.email).toBe("platform@shop.example.com");
        const dev = await plan("dev");
        expect(dev.resources.some((r) => r.name.startsWith("platform-issuer-letsencrypt"))).toBe(false);
    });
});

describe("the stack outputs", () => {
    it("name the namespaces, ingress class, issuer and each app's URL and image", async () => {
        const run = await plan("prod");
        const outputs = fromWire(run.outputs!.toJavaScript()) as Record<string, unknown>;
        expect(outputs.kubernetes).toEqual({
            namespaces: { apps: "apps", data: "data", monitoring: "monitoring", certManager: "cert-manager", ingress: "ingress" },
            ingressClass: "traefik",
            clusterIssuer: "letsencrypt-prod",
        });
        const apps = outputs.apps as Record<string, Record<string, unknown>>;
        expect(apps.web).toMatchObject({
            namespace: "apps",
            deployment: "web",
            image: "ghcr.io/acme/shop-web:1.4.2",
            url: "https://shop.example.com",
            serviceHost: "web.apps.svc.cluster.local",
            sentryDsn: "[secret]",
        });
        expect(apps.worker).toMatchObject({ namespace: "apps", deployment: "worker", image: "ghcr.io/acme/shop-worker:1.4.2", serviceHost: "worker.apps.svc.cluster.local", sentryDsn: "[secret]" });
        expect(apps.worker!.url).toBeUndefined();
    });

    it("keep names known in a preview of a new stack", async () => {
        const run = await plan("prod", true);
        const outputs = fromWire(run.outputs!.toJavaScript()) as { kubernetes: unknown; apps: { web: { url: string } } };
        expect(outputs.kubernetes).toMatchObject({ ingressClass: "traefik", clusterIssuer: "letsencrypt-prod", namespaces: { apps: "apps" } });
        expect(outputs.apps.web.url).toBe("https://shop.example.com");
    });
});

describe("AWS Backup restore testing (prod)", () => {
    it("restores each database type into that database's own subnet group and security group", async () => {
        const run = await plan("prod");
        const selection = (type: string) => named(run, `aws-backup-restore-testing-${type}`);
        for (const [type, db] of [
            ["rds", "postgres"],
            ["documentdb", "mongo"],
        ] as const) {
            const overrides = inputs(selection(type)).restoreMetadataOverrides;
            // The mock names a subnet group after its resource, and ids end in -id.
            expect(overrides.dbSubnetGroupName, type).toBe(`${db}-subnets`);
            expect(JSON.parse(overrides.vpcSecurityGroupIds), type).toEqual([`${db}-sg-id`]);
            expect(selection(type).propertyDependencies.restoreMetadataOverrides, type).toContain(named(run, `${db}-subnets`).urn);
        }
        // No Aurora in prod: its selection exists (for Aurora restored later) without overrides.
        expect(inputs(selection("aurora")).restoreMetadataOverrides).toBeUndefined();
    });
});

describe("observability", () => {
    it.each(["dev", "prod"])("%s: monitoring in its namespace, a ServiceMonitor per app after the stack's CRDs, a rule group per app, for certificates, for DR and per in-cluster database", async (stack) => {
        const run = await plan(stack);
        const release = named(run, "monitoring-stack");
        expect(inputs(release)).toMatchObject({ chart: "kube-prometheus-stack", namespace: "monitoring" });
        for (const app of ["web", "worker"]) {
            const monitor = named(run, `${app}-service-monitor`);
            expect(inputs(monitor).metadata).toMatchObject({ name: app, namespace: "apps" });
            expect(monitor.dependencies).toContain(release.urn);
        }
        const rules = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((r) => inputs(r).metadata.name);
        // dev runs its databases in the cluster; prod's are managed (CloudWatch alarms watch them).
        const databases = stack === "dev" ? ["estate-mongo", "estate-postgres", "estate-redis"] : [];
        expect(rules.sort()).toEqual(["estate-certificates", "estate-dr-backups", "estate-dr-drills", ...databases, "estate-service-web", "estate-service-worker"].sort());
        expect(inputs(named(run, "monitoring-pushgateway-clients")).spec.ingress[0].from.map((p: { namespaceSelector: { matchLabels: Record<string, string> } }) => p.namespaceSelector.matchLabels["kubernetes.io/metadata.name"])).toEqual(["apps", "data"]);
        // The node exporter is off, so monitoring stays restricted.
        expect(inputs(named(run, "platform-ns-monitoring")).metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    });

    it.each(["dev", "prod"])("%s: the DR alerts watch exactly the series the backup and drill jobs push, against the stack's RTO", async (stack) => {
        const run = await plan(stack);
        const rules = (name: string) => inputs(named(run, `monitoring-rules-${name}`)).spec.groups[0].rules as { alert: string; expr: string; labels: Record<string, string> }[];
        // What each job pushes as its grouping labels: BACKUP_SERVICE and BACKUP_DATABASE of its ConfigMap.
        const jobs = run.resources
            .filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name.endsWith("-backup-jobs-config"))
            .map((r) => inputs(r).data as Record<string, string>)
            .map((env) => `${env.BACKUP_SERVICE}/${env.BACKUP_DATABASE}`);
        // Postgres, MongoDB, and Redis when it runs in the cluster (dev); prod's Redis is ElastiCache (snapshots).
        expect(jobs.sort()).toEqual(stack === "dev" ? ["mongo/app", "postgres/app", "redis/all"] : ["mongo/app", "postgres/app"]);
        const watched = (group: string, alert: string) =>
            rules(group)
                .filter((r) => r.alert === alert)
                .map((r) => `${r.labels.service}/${r.labels.database}`)
                .sort();
        expect(watched("estate-dr-backups", "EstateBackupTooOld")).toEqual(jobs.sort());
        expect(watched("estate-dr-drills", "EstateRestoreDrillRtoAboveObjective")).toEqual(jobs.sort());
        const rto = rules("estate-dr-drills").find((r) => r.alert === "EstateRestoreDrillRtoAboveObjective" && r.labels.service === "postgres")!;
        const rtoMinutes = stack === "dev" ? 480 : 60;
        expect(rto.expr).toBe(`estate_restore_drill_rto_seconds{job="estate_restore_drill",service="postgres",database="app"} > ${rtoMinutes * 60}`);
    });

    it("takes thresholds and Prometheus sizing from the profile", async () => {
        const errorRatio = (run: EngineRun) =>
            inputs(named(run, "monitoring-rules-estate-service-web")).spec.groups[0].rules.find((r: { alert?: string }) => r.alert === "EstateServiceErrorRatioHigh").expr;
        expect(errorRatio(await plan("dev"))).toMatch(/ > 0\.1$/);
        expect(errorRatio(await plan("prod"))).toMatch(/ > 0\.02$/);
        expect(inputs(named(await plan("prod"), "monitoring-stack")).values.prometheus.prometheusSpec).toMatchObject({ replicas: 2, retention: "30d" });
        expect(inputs(named(await plan("dev"), "monitoring-stack")).values.prometheus.prometheusSpec).toMatchObject({ replicas: 1, retention: "3d" });
    });

    it("dev manages no Grafana or Sentry objects (not configured); prod manages both through explicit providers", async () => {
        const dev = await plan("dev");
        expect(dev.resources.filter((r) => r.type.startsWith("grafana:") || r.type.startsWith("sentry:") || r.type.includes("providers:grafana"))).toEqual([]);
        const prod = await plan("prod");
        const grafana = prod.resources.find((r) => r.type === "pulumi:providers:grafana")!;
        expect(inputs(grafana)).toMatchObject({ url: "https://grafana.shop.example.com" });
        // No estate:grafana.auth: the admin login the estate generated for its Grafana.
        expect(inputs(grafana).auth).toBe(`admin:${inputs(named(prod, "monitoring-grafana-admin")).stringData["admin-password"]}`);
        expect(plainInputs(grafana).auth).toBe("[secret]");
        const datasource = inputs(named(prod, "grafana-prometheus"));
        expect(datasource.url).toBe("http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
        // The provider, and with it every Grafana object, waits for the monitoring stack that installs Grafana.
        expect(grafana.dependencies).toContain(named(prod, "monitoring-stack").urn);
        expect(named(prod, "grafana-folder").provider?.startsWith(grafana.urn)).toBe(true);
        expect(inputs(named(prod, "sentry-web-key"))).toMatchObject({ organization: "acme", project: "web-prod", rateLimitCount: 1000, rateLimitWindow: 60 });
        expect(named(prod, "web-env").propertyDependencies.stringData).toContain(named(prod, "sentry-web-key").urn);
    });

    it("says in the plan what is skipped or unusable, and why", async () => {
        expect((await plan("dev")).diagnostics.map((d) => `${d.severity}: ${d.message.split(":")[0]}`)).toEqual([
            "info: estate",
            "info: estate",
            "info: estate",
        ]);
        const dev = (await plan("dev")).diagnostics.map((d) => d.message);
        expect(dev.some((m) => m.startsWith("estate:grafana.url is not set: Grafana objects"))).toBe(true);
        const prod = (await plan("prod")).diagnostics.filter((d) => d.severity === "warning").map((d) => d.message.split(" ")[0]);
        expect(prod).toEqual(expect.arrayContaining(["estate:alerting.slack.webhookUrl", "estate:alerting.pagerduty.routingKey"]));
    });

    it("outputs say whether Grafana and Sentry are managed", async () => {
        const dev = fromWire((await plan("dev")).outputs!.toJavaScript()) as Record<string, Record<string, unknown>>;
        expect(dev.grafana).toMatchObject({ managed: false, note: "Grafana objects are skipped until estate:grafana.url is set (docs/observability.md: Grafana in two steps)", adminPassword: "[secret]" });
        expect(dev.errorTracking).toEqual({ managed: false, note: "Sentry objects are skipped until estate:sentry.organization is set" });
        const prod = fromWire((await plan("prod")).outputs!.toJavaScript()) as Record<string, Record<string, unknown>>;
        expect(prod.grafana).toMatchObject({ managed: true, folder: "estate-prod", dataSource: "estate-prometheus-prod", host: "https://grafana.shop.example.com" });
        expect(prod.errorTracking).toEqual({ managed: true, organization: "acme", team: "estate-prod", projects: { web: "web-prod", worker: "worker-prod" } });
        expect(prod.monitoring).toMatchObject({ receivers: ["slack", "pagerduty"], pushgateway: "http://pushgateway.monitoring.svc.cluster.local:9091" });
    });
});

describe("the backup and restore-drill CronJobs", () => {
    const cronJobs = (run: EngineRun) => run.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob").map((r) => inputs(r).metadata.name).sort();

    it("dev: a pair per in-cluster data service in the data namespace, admitted to the databases' pods, IAM users (no IRSA)", async () => {
        const run = await plan("dev");
        expect(cronJobs(run)).toEqual(["mongo-backup", "mongo-restore-drill", "postgres-backup", "postgres-restore-drill", "redis-backup", "redis-restore-drill"]);
        for (const r of run.resources.filter((r) => r.type === "kubernetes:batch/v1:CronJob")) {
            expect(inputs(r).metadata.namespace, r.name).toBe("data");
        }
        const ingress = inputs(named(run, "redis-backup-jobs-database-ingress"));
        expect(ingress.spec.podSelector.matchLabels).toEqual({ release: "redis", app: "redis-ha-haproxy" });
        expect(inputs(named(run, "postgres-backup-jobs-database-ingress")).spec.podSelector.matchLabels).toEqual({ "cnpg.io/cluster": "postgres" });
        expect(run.resources.filter((r) => r.type === "aws:iam/user:User" && r.name.endsWith("-backup-jobs-user"))).toHaveLength(3);
        // One image for every database, built with PG_MAJOR from estate:data.postgres.version.
        const images = run.resources.filter((r) => r.type === "docker:index/image:Image" && r.name === "backup-image-image");
        expect(images).toHaveLength(1);
        expect(inputs(images[0]!).build.args).toEqual({ PG_MAJOR: "16" });
    });

    it("prod: postgres and mongo only (ElastiCache refuses redis-cli --rdb: snapshots back it up), IRSA roles, egress to the private subnets", async () => {
        const run = await plan("prod");
        expect(cronJobs(run)).toEqual(["mongo-backup", "mongo-restore-drill", "postgres-backup", "postgres-restore-drill"]);
        expect(run.resources.some((r) => r.type === "aws:iam/user:User" && r.name.endsWith("-backup-jobs-user"))).toBe(false);
        // IRSA through the OIDC provider of the cluster the stack builds.
        const oidc = run.resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider")!;
        const issuer = String(inputs(oidc).url).replace(/^https:\/\//, "");
        const trust = JSON.parse(inputs(named(run, "postgres-backup-jobs-role")).assumeRolePolicy);
        expect(trust.Statement[0].Condition.StringEquals[`${issuer}:sub`]).toBe("system:serviceaccount:data:postgres-backup");
        expect(trust.Statement[0].Condition.StringEquals[`${issuer}:aud`]).toBe("sts.amazonaws.com");
        expect(named(run, "postgres-backup-jobs-role").propertyDependencies.assumeRolePolicy).toContain(oidc.urn);
        const egress = inputs(named(run, "postgres-backup-jobs-database-egress")).spec.egress;
        expect(egress[0].to.map((t: { ipBlock: { cidr: string } }) => t.ipBlock.cidr)).toEqual(privateSubnetCidrs(run));
        expect(egress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
        expect(inputs(named(run, "postgres-backup-jobs-config")).data.DRILL_SQL_CHECKS).toBe("SELECT count(*) >= 0 FROM pg_catalog.pg_tables");
    });

    it("are in the stack outputs by service, with names and schedules and no credentials", async () => {
        const run = await plan("prod");
        const outputs = fromWire(run.outputs!.toJavaScript(), "mask") as { backupJobs: { services: Record<string, Record<string, unknown>> } };
        expect(Object.keys(outputs.backupJobs.services).sort()).toEqual(["mongo", "postgres"]);
        expect(outputs.backupJobs.services.postgres).toMatchObject({ backupCronJob: "postgres-backup", backupSchedule: "0 2 * * *", drillCronJob: "postgres-restore-drill", drillSchedule: "0 5 15 * *", namespace: "data" });
        expect(JSON.stringify(outputs.backupJobs)).not.toMatch(/secret|password/i);
    });
});

describe("estate:cluster: from an empty account (prod sets it, dev keeps an existing cluster)", () => {
    const count = (run: EngineRun, type: string) => run.resources.filter((r) => r.type === type).length;

    it("prod holds the network, the cluster, the nodes and the add-ons", async () => {
        const run = await plan("prod");
        expect(count(run, "aws:ec2/vpc:Vpc")).toBe(1);
        expect(count(run, "aws:ec2/subnet:Subnet")).toBe(6);
        // prod's profile: a NAT gateway per zone.
        expect(count(run, "aws:ec2/natGateway:NatGateway")).toBe(3);
        expect(inputs(run.resources.find((r) => r.type === "aws:ec2/flowLog:FlowLog")!)).toMatchObject({ trafficType: "ALL" });
        expect(inputs(run.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")!)).toMatchObject({ vpcEndpointType: "Gateway", serviceName: "com.amazonaws.eu-west-1.s3" });
        const cluster = inputs(run.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!);
        expect(cluster).toMatchObject({ name: "shop-prod", version: EKS_VERSION, accessConfig: { authenticationMode: "API" } });
        expect(cluster.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
        expect(cluster.enabledClusterLogTypes).toEqual(expect.arrayContaining(["api", "audit", "authenticator"]));
        expect(cluster.encryptionConfig.resources).toEqual(["secrets"]);
        expect(count(run, "aws:eks/nodeGroup:NodeGroup")).toBe(3);
        const addons = run.resources.filter((r) => r.type === "aws:eks/addon:Addon").map((r) => inputs(r).addonName as string);
        expect(addons.sort()).toEqual(["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "metrics-server", "vpc-cni"]);
        const storageClass = inputs(run.resources.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!);
        expect(storageClass.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
        expect(storageClass.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
        expect(run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.name)).toEqual(expect.arrayContaining(["cluster-services-lbc", "cluster-services-autoscaler"]));
    });

    it("prod's Kubernetes provider is built from the cluster and waits for its nodes and add-ons; Traefik gets its NLB through the controller", async () => {
        const run = await plan("prod");
        const provider = named(run, "cluster");
        const urnsOf = (type: string) => run.resources.filter((r) => r.type === type).map((r) => r.urn);
        const cluster = urnsOf("aws:eks/cluster:Cluster")[0]!;
        expect(provider.propertyDependencies.kubeconfig).toContain(cluster);
        expect(provider.dependencies).toEqual(expect.arrayContaining([cluster, ...urnsOf("aws:eks/nodeGroup:NodeGroup"), ...urnsOf("aws:eks/addon:Addon")]));
        // No kubeconfig file: the provider's kubeconfig is a secret built from the cluster's outputs.
        expect(plainInputs(provider).kubeconfig).toBe("[secret]");
        const traefik = named(run, "platform-traefik");
        expect(traefik.dependencies).toContain(named(run, "cluster-services-lbc").urn);
        expect(inputs(traefik).values.service.annotations).toMatchObject({ "service.beta.kubernetes.io/aws-load-balancer-type": "external" });
        // Prometheus's volumes use the StorageClass the cluster creates.
        expect(JSON.stringify(inputs(named(run, "monitoring-stack")).values)).toContain('"storageClassName":"gp3"');
    });

    it("dev builds none of it and reaches its existing cluster by kubeconfig context", async () => {
        const run = await plan("dev");
        for (const type of ["aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"]) {
            expect(count(run, type), type).toBe(0);
        }
        expect(inputs(named(run, "cluster")).context).toBe("kind-estate");
    });
});

describe("migrations behind a fresh dump (dev's web declares one)", () => {
    it("web's migration Job waits for a one-off run of the Postgres and MongoDB backup jobs named for its release; the Deployment waits for the migration", async () => {
        const run = await plan("dev");
        const migrate = named(run, "web-migrate");
        const release = (inputs(migrate).metadata.name as string).replace(/^web-migrate-/, "");
        for (const service of ["postgres", "mongo"]) {
            const dump = named(run, `web-predeploy-${service}-backup`);
            expect(dump.type).toBe("kubernetes:batch/v1:Job");
            expect(migrate.dependencies).toContain(dump.urn);
            const job = inputs(dump);
            expect(job.metadata).toMatchObject({ name: `${service}-backup-web-${release}`, namespace: "data" });
            // The backup CronJob's own Job template: the same dump, manifest and upload.
            const cronJob = inputs(named(run, `${service}-backup-jobs-backup`));
            expect(job.spec).toEqual(cronJob.spec.jobTemplate.spec);
        }
        expect(named(run, "web-deployment").dependencies).toContain(migrate.urn);
        // The worker declares none.
        expect(run.resources.some((r) => r.name === "worker-migrate")).toBe(false);
    });
});
