import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { ClusterMongo, type ClusterMongoArgs } from "../../../components/data";
import { charts, images } from "../../../components/lib/charts";
import { build, buildError, clusterProvider, validateModel } from "./harness";

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

    it("without the operator: only the replica set and its secret", async () => {
        const b = await mongo({ installOperator: false });
        expect(b.maybe("mongo-operator")).toBeUndefined();
        expect(b.childrenOf("mongo").map((r) => r.name).sort()).toEqual(["mongo-credentials", "mongo-password", "mongo-replica-set"]);
    });
});

describe("ClusterMongo refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ClusterMongoArgs>, string]>([
        ["4.0", { version: "4.0" }, 'version must be one of 5.0, 8.0 in the cluster: MongoDB 4.0 has no supported release (got "4.0")'],
        ["version", { version: "7.0" as never }, 'version must be one of 4.0, 5.0, 8.0 (got "7.0")'],
        ["namespace", { namespace: undefined as never }, "namespace is required (the namespace of the database)"],
        ["members", { instances: 8 }, "instances must be an integer from 1 to 7 (got 8)"],
        ["user", { user: "App_User" }, 'user must be a user name: a lower-case letter, then letters, digits or - (at most 31; it names Secrets) (got "App_User")'],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ClusterMongo("mongo", { version: "8.0", namespace: "data", ...args }));
        expect(message).toBe(`ClusterMongo "mongo": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});
