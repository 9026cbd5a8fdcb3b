import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { ClusterMongo, type ClusterMongoArgs } from "../../../components/data";
import { charts, imagePins, images } from "../../../components/lib/charts";
import { build, buildError, clusterProvider, DNS_EGRESS, validateModel } from "./harness";

const mongo = (args: Partial<ClusterMongoArgs> = {}, opts = {}) =>
    build(() => new ClusterMongo("mongo", { version: "8.0", namespace: "data", ...args }, { providers: { kubernetes: clusterProvider() } }), opts);

describe("ClusterMongo with defaults", () => {
    it("installs MongoDB's maintained operator (MCK) as a pinned release in the database's namespace", async () => {
        const b = await mongo();
        expect(b.inputs("mongo-operator")).toMatchObject({
            chart: "mongodb-kubernetes",
            version: charts.mongodbKubernetes.version,
            repositoryOpts: { repo: charts.mongodbKubernetes.repo },
            namespace: "data",
        });
        for (const r of b.run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            expect(r.provider, r.name).toMatch(/\$pulumi:providers:kubernetes::cluster::/);
        }
    });

    it("has the operator run a published server image: <repo>/mongodb-community-server:<version>-<imageType> is a pinned image, on Docker Hub", async () => {
        const pinned = Object.values(imagePins).map((p) => `${p.repository}:${p.tag}`);
        for (const version of ["5.0", "8.0"] as const) {
            const b = await mongo({ version });
            const operand = b.inputs("mongo-operator").values.community.mongodb;
            const image = `${operand.repo}/mongodb-community-server:${b.inputs("mongo-replica-set").spec.version}-${operand.imageType}`;
            expect(pinned, version).toContain(image);
        }
        // The chart's default (quay.io/mongodb) has no 8.0.4-ubi8: the release must override it.
        expect((await mongo()).inputs("mongo-operator").values.community.mongodb.repo).toBe("docker.io/mongodb");
    });

    it("runs a 3-member replica set with SCRAM authentication on and persistent volumes", async () => {
        const b = await mongo();
        const rs = b.inputs("mongo-replica-set");
        expect(rs).toMatchObject({ apiVersion: "mongodbcommunity.mongodb.com/v1", kind: "MongoDBCommunity", metadata: { name: "mongo", namespace: "data" } });
        expect(rs.spec).toMatchObject({ type: "ReplicaSet", members: 3, version: images.mongodb["8.0"], security: { authentication: { modes: ["SCRAM"], ignoreUnknownUsers: false } } });
        const [claim] = rs.spec.statefulSet.spec.volumeClaimTemplates;
        expect(() => validateModel(new PersistentVolumeClaim(claim))).not.toThrow();
        expect(claim).toMatchObject({ metadata: { name: "data-volume" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } });
        expect(b.resource("mongo-replica-set").dependencies).toEqual(expect.arrayContaining([b.resource("mongo-operator").urn, b.resource("mongo-credentials").urn]));
    });

    it("creates an application user limited to its database, with a generated password in a Secret", async () => {
        const b = await mongo();
        const [user] = b.inputs("mongo-replica-set").spec.users;
        expect(user).toEqual({
            name: "app",
            db: "admin",
            passwordSecretRef: { name: "mongo-app-password" },
            roles: [
                { name: "readWrite", db: "app" },
                { name: "dbAdmin", db: "app" },
            ],
            scramCredentialsSecretName: "mongo-app-scram",
        });
        const secret = b.inputs("mongo-credentials");
        expect(() => validateModel(new Secret(secret))).not.toThrow();
        expect(secret.metadata).toMatchObject({ name: "mongo-app-password", namespace: "data" });
        const password = secret.stringData.password as string;
        expect(b.outputs().connection).toEqual({
            host: "mongo-svc.data.svc",
            port: 27017,
            database: "app",
            user: "app",
            password,
            uri: `mongodb://app:${password}@mongo-svc.data.svc:27017/app?authSource=admin&replicaSet=mongo`,
        });
        expect(b.shownOutputs().connection).toMatchObject({ password: "[secret]", uri: "[secret]" });
        expect([b.resource("mongo-replica-set").protect, b.resource("mongo-credentials").retainOnDelete]).toEqual([true, true]);
    });
});

describe("ClusterMongo overrides", () => {
    it("members, storage, version, user and a throwaway stack", async () => {
        const b = await mongo({ instances: 1, storageGb: 5, storageClass: "local-path", version: "5.0", database: "orders", user: "orders", protectData: false });
        const spec = b.inputs("mongo-replica-set").spec;
        expect(spec).toMatchObject({ members: 1, version: images.mongodb["5.0"] });
        expect(spec.statefulSet.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "local-path", resources: { requests: { storage: "5Gi" } } });
        expect(spec.users[0].roles).toEqual([
            { name: "readWrite", db: "orders" },
            { name: "dbAdmin", db: "orders" },
        ]);
        expect(b.resource("mongo-replica-set").protect).toBe(false);
    });

    it("without the operator: only the replica set, its secret and the members' NetworkPolicy", async () => {
        const b = await mongo({ installOperator: false });
        expect(b.maybe("mongo-operator")).toBeUndefined();
        expect(b.maybe("mongo-operator-network-policy")).toBeUndefined();
        expect(b.childrenOf("mongo").map((r) => r.name).sort()).toEqual(["mongo-credentials", "mongo-exporter-credentials", "mongo-exporter-password", "mongo-network-policy", "mongo-password", "mongo-replica-set"]);
    });

    it("other clients: their namespace and pod labels", async () => {
        const b = await mongo({ clients: { namespace: "shop", podLabels: { team: "shop" } } });
        expect(b.inputs("mongo-network-policy").spec.ingress[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { team: "shop" } } },
        ]);
    });
});

describe("ClusterMongo metrics", () => {
    const scraper = { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } };

    it("runs the pinned mongodb_exporter beside every member, logged in as a read-only monitoring user from its own Secret", async () => {
        let made: ClusterMongo | undefined;
        const b = await build(() => (made = new ClusterMongo("mongo", { version: "8.0", namespace: "data" }, { providers: { kubernetes: clusterProvider() } })));
        const spec = b.inputs("mongo-replica-set").spec;
        const [container] = spec.statefulSet.spec.template.spec.containers;
        expect(() => validateModel(new Pod({ metadata: { name: "mongo-0" }, spec: { containers: [container] } }))).not.toThrow();
        expect(container).toMatchObject({
            name: "mongodb-exporter",
            image: `docker.io/percona/mongodb_exporter:${imagePins.mongodbExporter.tag}`,
            args: ["--mongodb.uri=mongodb://127.0.0.1:27017/admin", "--collector.diagnosticdata", "--compatible-mode", "--web.listen-address=:9216"],
            env: [
                { name: "MONGODB_USER", value: "metrics-exporter" },
                { name: "MONGODB_PASSWORD", valueFrom: { secretKeyRef: { name: "mongo-metrics-exporter-password", key: "password" } } },
            ],
            ports: [{ name: "metrics", containerPort: 9216, protocol: "TCP" }],
            securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        });
        expect(spec.users[1]).toEqual({
            name: "metrics-exporter",
            db: "admin",
            passwordSecretRef: { name: "mongo-metrics-exporter-password" },
            roles: [
                { name: "clusterMonitor", db: "admin" },
                { name: "read", db: "local" },
            ],
            scramCredentialsSecretName: "mongo-metrics-exporter-scram",
        });
        const secret = b.inputs("mongo-exporter-credentials");
        expect(() => validateModel(new Secret(secret))).not.toThrow();
        expect(secret.metadata.name).toBe("mongo-metrics-exporter-password");
        expect(secret.stringData.password).toEqual(expect.any(String));
        expect(b.resource("mongo-replica-set").dependencies).toContain(b.resource("mongo-exporter-credentials").urn);
        expect(made!.metricsEndpoint).toEqual({ namespace: "data", podLabels: made!.servingPodLabels, port: { name: "metrics", number: 9216 }, path: "/metrics" });
    });

    it("admits the scraper to the members on the exporter port only, and nobody when no scraper is given", async () => {
        const b = await mongo({ metricsScraper: scraper });
        const policy = b.inputs("mongo-network-policy");
        expect(() => validateModel(new NetworkPolicy(policy))).not.toThrow();
        expect(policy.spec.ingress).toContainEqual({
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
            ports: [{ protocol: "TCP", port: 9216 }],
        });
        expect(JSON.stringify((await mongo()).inputs("mongo-network-policy").spec)).not.toContain("9216");
    });
});

describe("ClusterMongo in a default-deny namespace", () => {
    const members = { matchLabels: { "app.kubernetes.io/part-of": "estate", "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/component": "mongodb", "app.kubernetes.io/instance": "mongo" } };

    it("labels the members' pods, so its NetworkPolicy can select them", async () => {
        const b = await mongo();
        expect(b.inputs("mongo-replica-set").spec.statefulSet.spec.template.metadata).toEqual({ labels: members.matchLabels });
    });

    it("admits the apps' pods and the other members on 27017 only; reaches DNS, the members and the API server", async () => {
        const b = await mongo();
        const policy = b.inputs("mongo-network-policy");
        expect(() => validateModel(new NetworkPolicy(policy))).not.toThrow();
        expect(policy.metadata).toMatchObject({ name: "mongo-mongodb", namespace: "data" });
        expect(policy.spec).toEqual({
            podSelector: members,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/part-of": "estate" } } }],
                    ports: [{ protocol: "TCP", port: 27017 }],
                },
                { from: [{ podSelector: members }], ports: [{ protocol: "TCP", port: 27017 }] },
            ],
            egress: [
                DNS_EGRESS,
                { to: [{ podSelector: members }], ports: [{ protocol: "TCP", port: 27017 }] },
                {
                    to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                    ports: [
                        { protocol: "TCP", port: 443 },
                        { protocol: "TCP", port: 6443 },
                    ],
                },
            ],
        });
    });

    it("lets the operator serve its webhook and reach the API server, nothing else", async () => {
        const b = await mongo();
        const policy = b.inputs("mongo-operator-network-policy");
        expect(() => validateModel(new NetworkPolicy(policy))).not.toThrow();
        expect(policy.spec).toMatchObject({
            podSelector: { matchLabels: { "app.kubernetes.io/name": "mongodb-kubernetes-operator" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ ports: [{ protocol: "TCP", port: 1993 }] }],
        });
        expect(policy.spec.egress).toHaveLength(2);
    });

    it("requires a Kubernetes provider: it never falls back to the ambient one", async () => {
        const { message, registered } = await buildError(() => new ClusterMongo("mongo", { version: "8.0", namespace: "data" }));
        expect(message).toBe('ClusterMongo "mongo": opts.provider is required: a kubernetes Provider for the target cluster (the estate never uses the ambient default provider)');
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("ClusterMongo refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ClusterMongoArgs>, string]>([
        ["4.0", { version: "4.0" }, 'version must be one of 5.0, 8.0 in the cluster: MongoDB 4.0 has no supported release (got "4.0")'],
        ["version", { version: "7.0" as never }, 'version must be one of 4.0, 5.0, 8.0 (got "7.0")'],
        ["namespace", { namespace: undefined as never }, "namespace is required (the namespace of the database)"],
        ["members", { instances: 8 }, "instances must be an integer from 1 to 7 (got 8)"],
        ["the exporter's user", { user: "metrics-exporter" }, 'user must not be "metrics-exporter": the metrics exporter logs in as it'],
        ["user", { user: "App_User" }, 'user must be a user name: a lower-case letter, then letters, digits or - (at most 31; it names Secrets) (got "App_User")'],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ClusterMongo("mongo", { version: "8.0", namespace: "data", ...args }));
        expect(message).toBe(`ClusterMongo "mongo": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});
