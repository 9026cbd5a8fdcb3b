import { describe, expect, it } from "vitest";
import { BACKUP_SELECTION_TAG, BACKUP_WINDOWS } from "../../../components/backup/objectives";
import { ManagedPostgres, type ManagedPostgresArgs } from "../../../components/data";
import { ArgumentError } from "../../../components/lib/errors";
import { fromWire, MOCK_ACCOUNT_ID, MOCK_MANAGED_PASSWORD, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";
import { everyValue } from "../../helpers/plans";
import { backupPlanSelectingByTag, PROD_KEY_GUARD, build, buildError, KEY, NETWORK, OBJECTIVES } from "./harness";

const T = {
    component: "estate:data:ManagedPostgres",
    instance: "aws:rds/instance:Instance",
    cluster: "aws:rds/cluster:Cluster",
    clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    params: "aws:rds/parameterGroup:ParameterGroup",
    clusterParams: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    subnets: "aws:rds/subnetGroup:SubnetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    key: "aws:kms/key:Key",
    alias: "aws:kms/alias:Alias",
    random: "random:index/randomString:RandomString",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
};
const keyArn = (name: string) => `arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/${name}`;

const postgres = (args: Partial<ManagedPostgresArgs> = {}, opts = {}) =>
    build(() => new ManagedPostgres("orders", { version: "16", network: NETWORK, objectives: OBJECTIVES, ...args }), opts);
/** The database next to the estate's AWS Backup, which selects it by its tag alone. */
const postgresWithBackupPlan = (args: Partial<ManagedPostgresArgs> = {}, opts = {}) =>
    build(() => {
        backupPlanSelectingByTag();
        return new ManagedPostgres("orders", { version: "16", network: NETWORK, objectives: OBJECTIVES, keyGuard: PROD_KEY_GUARD, ...args });
    }, opts);

describe("ManagedPostgres with defaults (RDS)", () => {
    it("creates an RDS instance with its key, parameter group, subnet group and security group, all under the component", async () => {
        const b = await postgres();
        expect(b.childrenOf("orders").map((r) => `${r.type} ${r.name}`).sort()).toEqual(
            [
                `${T.key} orders-key`,
                `${T.alias} orders-key-alias`,
                `${T.subnets} orders-subnets`,
                `${T.sg} orders-sg`,
                `${T.ingress} orders-from-sg-0`,
                `${T.ingress} orders-from-cidr-0`,
                `${T.random} orders-snapshot-suffix`,
                `${T.random} orders-identifier-suffix`,
                `${T.logGroup} orders-log-postgresql`,
                `${T.logGroup} orders-log-upgrade`,
                `${T.params} orders-params`,
                `${T.instance} orders-db`,
            ].sort(),
        );
    });

    it("encrypts storage, the managed master secret and Performance Insights with its own rotating key", async () => {
        const b = await postgres();
        expect(b.inputs("orders-key")).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(b.inputs("orders-db")).toMatchObject({
            engine: "postgres",
            engineVersion: "16",
            storageEncrypted: true,
            kmsKeyId: keyArn("orders-key"),
            manageMasterUserPassword: true,
            masterUserSecretKmsKeyId: keyArn("orders-key"),
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: keyArn("orders-key"),
            iamDatabaseAuthenticationEnabled: true,
        });
        expect(b.inputs("orders-db").password).toBeUndefined();
    });

    it("forces TLS through its attached parameter group, joined by property dependency", async () => {
        const b = await postgres();
        expect(b.inputs("orders-params")).toMatchObject({ family: "postgres16" });
        expect(b.inputs("orders-params").parameters).toContainEqual({ name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
        expect(b.resource("orders-db").propertyDependencies.parameterGroupName).toEqual([b.resource("orders-params").urn]);
    });

    it("is private: its subnet group, no public address, and a security group admitting only the allowed sources on 5432", async () => {
        const b = await postgres();
        expect(b.inputs("orders-db").publiclyAccessible).toBe(false);
        expect(b.inputs("orders-subnets").subnetIds).toEqual(NETWORK.subnetIds);
        expect(b.resource("orders-db").propertyDependencies.dbSubnetGroupName).toEqual([b.resource("orders-subnets").urn]);
        expect(b.resource("orders-db").propertyDependencies.vpcSecurityGroupIds).toEqual([b.resource("orders-sg").urn]);
        expect(b.inputs("orders-sg")).toMatchObject({ vpcId: NETWORK.vpcId });
        expect(b.inputs("orders-sg").ingress).toBeUndefined();
        const rules = b.ofType(T.ingress).map((r) => b.inputs(r.name));
        expect(rules.map((r) => [r.referencedSecurityGroupId ?? r.cidrIpv4, r.ipProtocol, r.fromPort, r.toPort])).toEqual([
            ["sg-0a1b2c3d4e5f60d04", "tcp", 5432, 5432],
            ["10.42.0.0/16", "tcp", 5432, 5432],
        ]);
    });

    it("keeps backups per the objectives with explicit windows, survives a zone, and guards against deletion", async () => {
        const b = await postgres();
        expect(b.inputs("orders-db")).toMatchObject({
            backupRetentionPeriod: 30,
            backupWindow: BACKUP_WINDOWS.native,
            maintenanceWindow: BACKUP_WINDOWS.maintenance,
            multiAz: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: expect.stringMatching(/^orders-final-\w+$/),
            copyTagsToSnapshot: true,
            deleteAutomatedBackups: false,
            autoMinorVersionUpgrade: true,
            allowMajorVersionUpgrade: false,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            allocatedStorage: 100,
            maxAllocatedStorage: 400,
            storageType: "gp3",
        });
        // A suffix unique to this database, so a re-created one never collides with an old snapshot.
        expect(b.resource("orders-db").propertyDependencies.finalSnapshotIdentifier).toEqual([b.resource("orders-snapshot-suffix").urn]);
        for (const name of ["orders-db", "orders-key"]) {
            expect([b.resource(name).protect, b.resource(name).retainOnDelete], name).toEqual([true, true]);
        }
    });

    it("exports where the password is (the master secret RDS rotates), never a copy of it", async () => {
        const b = await postgres();
        const connection = b.outputs().connection;
        expect(connection).toMatchObject({
            host: "orders-db.mock.us-east-1.rds.amazonaws.com",
            port: 5432,
            database: "app",
            user: "postgres",
            rotating: {
                secretArn: `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT_ID}:secret:rds!orders-db`,
                kmsKeyArn: keyArn("orders-key"),
                usernameProperty: "username",
                passwordProperty: "password",
            },
        });
        expect(connection).not.toHaveProperty("password");
        expect(connection).not.toHaveProperty("uri");
        // Not in any input or output either: nothing read the secret at deploy time.
        expect(everyValue(b.run)).not.toContain(MOCK_MANAGED_PASSWORD);
    });

    it("is selected by AWS Backup: the instance (only) carries the estate:backup tag, and its ARN is exported for a plan's resources", async () => {
        const b = await postgres({ tags: { team: "orders" } });
        expect(b.inputs("orders-db").tags).toEqual({ team: "orders", [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value });
        for (const name of ["orders-key", "orders-subnets", "orders-sg", "orders-params"]) {
            expect(b.inputs(name).tags ?? {}, name).not.toHaveProperty(BACKUP_SELECTION_TAG.key);
        }
        const arnOf = async (args: Partial<ManagedPostgresArgs>) => {
            const run = await runProgram(() => ({ arn: new ManagedPostgres("orders", { version: "16", network: NETWORK, objectives: OBJECTIVES, ...args }).databaseArn }));
            return (fromWire(run.outputs!.toJavaScript()) as { arn: string }).arn;
        };
        expect(await arnOf({})).toBe(`arn:aws:rds:us-east-1:${MOCK_ACCOUNT_ID}:instance/orders-db`);
        expect(await arnOf({ engine: "aurora" })).toBe(`arn:aws:rds:us-east-1:${MOCK_ACCOUNT_ID}:cluster/orders-cluster`);
    });

    it("passes every policy with the prod config next to a BackupPlan that selects it by tag, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const b = await postgresWithBackupPlan({}, { preview });
            const report = await b.policyReport("prod");
            expect(report.violations.filter((v) => v.enforcementLevel === "mandatory"), `preview: ${preview}`).toEqual([]);
            expect(report.violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
        }
    });

    it("without a key guard or a copy to another account, is refused in prod: deleting its key would erase its backups", async () => {
        const b = await postgresWithBackupPlan({ keyGuard: undefined });
        const report = await b.policyReport("prod");
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn])).toEqual([
            ["estate-backup-database-key-guarded", "mandatory", b.resource("orders-db").urn],
        ]);
    });

    it("denies nothing on its key without a key guard (KMS's default statement, and CloudWatch Logs for the log groups), and refuses a guard for a key it did not create", async () => {
        const statements = JSON.parse((await postgres()).inputs("orders-key").policy).Statement as { Sid: string; Effect: string }[];
        expect(statements.map((st) => [st.Sid, st.Effect])).toEqual([
            ["AccountIamDecides", "Allow"],
            ["CloudWatchLogsOfThisAccount", "Allow"],
        ]);
        expect(await buildError(() => new ManagedPostgres("orders", { version: "16", network: NETWORK, objectives: OBJECTIVES, kmsKeyArn: KEY, keyGuard: PROD_KEY_GUARD }))).toEqual({
            message: 'ManagedPostgres "orders": keyGuard applies only to the key the component creates; guard the given kmsKeyArn\'s own key policy instead',
            registered: ["pulumi:pulumi:Stack"],
        });
    });

    it("leaves the endpoint and the master secret unknown in preview", async () => {
        const b = await postgres({}, { preview: true });
        expect(b.shownOutputs().connection).toMatchObject({ host: "[unknown]", port: 5432, user: "postgres", rotating: { secretArn: "[unknown]" } });
    });
});

describe("ManagedPostgres backup retention from the objectives", () => {
    it.each([
        [3, true, 7],
        [30, true, 30],
        [90, true, 35],
        [3, false, 3],
    ])("daily objective %i days, protectData %s: %i days", async (dailyBackupDays, protectData, expected) => {
        const b = await postgres({ objectives: { rpoMinutes: 60, dailyBackupDays }, protectData });
        expect(b.inputs("orders-db").backupRetentionPeriod).toBe(expected);
    });
});

describe("ManagedPostgres overrides", () => {
    it("protectData: false, for throwaway stacks: no protection, no final snapshot, backups deleted with it", async () => {
        const b = await postgres({ protectData: false });
        expect(b.inputs("orders-db")).toMatchObject({ deletionProtection: false, skipFinalSnapshot: true, deleteAutomatedBackups: true });
        expect(b.inputs("orders-db").finalSnapshotIdentifier).toBeUndefined();
        expect(b.resource("orders-db").protect).toBe(false);
        expect(b.resource("orders-key").protect).toBe(false);
    });

    it("an existing key is used everywhere and no key is created", async () => {
        const b = await postgres({ kmsKeyArn: KEY });
        expect(b.maybe("orders-key")).toBeUndefined();
        expect(b.inputs("orders-db")).toMatchObject({ kmsKeyId: KEY, masterUserSecretKmsKeyId: KEY, performanceInsightsKmsKeyId: KEY });
    });

    it("one instance is single-AZ; size, class, database and user are taken as given", async () => {
        const b = await postgres({ instances: 1, storageGb: 50, maxStorageGb: 60, instanceClass: "db.t4g.medium", database: "orders", user: "owner" });
        expect(b.inputs("orders-db")).toMatchObject({ multiAz: false, allocatedStorage: 50, maxAllocatedStorage: 60, instanceClass: "db.t4g.medium", dbName: "orders", username: "owner" });
        expect(b.outputs().connection).toMatchObject({ database: "orders", user: "owner" });
    });

    it("region and tags reach every child", async () => {
        const b = await postgres({ region: "eu-west-1", tags: { team: "platform" } });
        expect(b.inputs("orders-db")).toMatchObject({ region: "eu-west-1", tags: { team: "platform" } });
        expect(b.inputs("orders-sg").region).toBe("eu-west-1");
    });
});

describe("ManagedPostgres on Aurora", () => {
    it("creates a cluster with a TLS-only cluster parameter group and the requested instances, joined to it", async () => {
        const b = await postgresWithBackupPlan({ engine: "aurora", instances: 3 });
        expect(b.maybe("orders-db")).toBeUndefined();
        expect(b.inputs("orders-cluster-params")).toMatchObject({ family: "aurora-postgresql16" });
        expect(b.inputs("orders-cluster-params").parameters).toContainEqual({ name: "rds.force_ssl", value: "1", applyMethod: "immediate" });
        const cluster = b.resource("orders-cluster", T.cluster);
        expect(cluster.propertyDependencies.dbClusterParameterGroupName).toEqual([b.resource("orders-cluster-params").urn]);
        expect(b.inputs("orders-cluster")).toMatchObject({
            engine: "aurora-postgresql",
            storageEncrypted: true,
            kmsKeyId: keyArn("orders-key"),
            manageMasterUserPassword: true,
            masterUserSecretKmsKeyId: keyArn("orders-key"),
            backupRetentionPeriod: 30,
            preferredBackupWindow: BACKUP_WINDOWS.native,
            preferredMaintenanceWindow: BACKUP_WINDOWS.maintenance,
            deletionProtection: true,
            skipFinalSnapshot: false,
            copyTagsToSnapshot: true,
            iamDatabaseAuthenticationEnabled: true,
        });
        const instances = b.ofType(T.clusterInstance);
        expect(instances.map((i) => i.name)).toEqual(["orders-instance-0", "orders-instance-1", "orders-instance-2"]);
        for (const i of instances) {
            expect(i.propertyDependencies.clusterIdentifier).toEqual([cluster.urn]);
            expect(b.inputs(i.name)).toMatchObject({ publiclyAccessible: false, performanceInsightsEnabled: true, performanceInsightsKmsKeyId: keyArn("orders-key") });
            expect(i.protect).toBe(true);
            // AWS Backup backs up the cluster, not its instances: only the cluster is selected by tag.
            expect(b.inputs(i.name).tags ?? {}).not.toHaveProperty(BACKUP_SELECTION_TAG.key);
        }
        expect(b.inputs("orders-cluster").tags).toEqual({ [BACKUP_SELECTION_TAG.key]: BACKUP_SELECTION_TAG.value });
        expect(b.outputs().connection.host).toBe("orders-cluster.mock.us-east-1.rds.amazonaws.com");
        expect((await b.policyReport("prod")).violations).toEqual([]);
    });

    it("asks for the major version only, on the cluster and every instance alike (RDS picks the minor and upgrades it)", async () => {
        const b = await postgres({ engine: "aurora", instances: 2 });
        expect(b.inputs("orders-cluster").engineVersion).toBe("16");
        for (const i of b.ofType(T.clusterInstance)) {
            expect(b.inputs(i.name).engineVersion).toBe("16");
        }
    });

    it("creates the cluster's log group /aws/rds/cluster/<id>/postgresql under its key, before the cluster", async () => {
        const b = await postgres({ engine: "aurora" });
        const identifier: string = b.inputs("orders-cluster").clusterIdentifier;
        expect(identifier).toMatch(/^orders-aurora-[a-z0-9]{8}$/);
        expect(b.inputs("orders-cluster").enabledCloudwatchLogsExports).toEqual(["postgresql"]);
        expect(b.ofType(T.logGroup).map((l) => b.inputs(l.name).name)).toEqual([`/aws/rds/cluster/${identifier}/postgresql`]);
        expect(b.inputs("orders-log-postgresql")).toMatchObject({ kmsKeyId: keyArn("orders-key"), retentionInDays: 365 });
        expect(b.resource("orders-cluster").dependencies).toContain(b.resource("orders-log-postgresql").urn);
        expect(b.resource("orders-cluster").ignoreChanges).toEqual(["clusterIdentifier"]);
    });
});

describe("ManagedPostgres logs: the log groups RDS writes to exist first, encrypted with its key", () => {
    it("creates /aws/rds/instance/<id>/<log> for every exported log, under the key (which lets CloudWatch Logs use it), with a retention", async () => {
        const b = await postgres();
        const identifier: string = b.inputs("orders-db").identifier;
        expect(identifier).toMatch(/^orders-db-[a-z0-9]{8}$/);
        const exported: string[] = b.inputs("orders-db").enabledCloudwatchLogsExports;
        expect(b.ofType(T.logGroup).map((l) => b.inputs(l.name).name).sort()).toEqual(exported.map((log) => `/aws/rds/instance/${identifier}/${log}`).sort());
        for (const log of b.ofType(T.logGroup)) {
            expect(b.inputs(log.name)).toMatchObject({ kmsKeyId: keyArn("orders-key"), retentionInDays: 365 });
            // Before the database: RDS would otherwise create the group itself, unencrypted and kept forever.
            expect(b.resource("orders-db").dependencies).toContain(log.urn);
            // Protected data: the audit trail stays in AWS if the stack deletes the group.
            expect(log.retainOnDelete).toBe(true);
        }
        const statements = JSON.parse(b.inputs("orders-key").policy).Statement as { Principal: { Service?: string } }[];
        expect(statements.map((s) => s.Principal.Service)).toContain("logs.us-east-1.amazonaws.com");
    });

    it("never replaces a database for its name: an existing one keeps its identifier (ignoreChanges), or names it explicitly", async () => {
        const b = await postgres({ identifier: "orders-db-0c5f1e2", logRetentionDays: 30 });
        expect(b.resource("orders-db").ignoreChanges).toEqual(["identifier"]);
        expect(b.inputs("orders-db").identifier).toBe("orders-db-0c5f1e2");
        expect(b.inputs("orders-log-postgresql")).toMatchObject({ name: "/aws/rds/instance/orders-db-0c5f1e2/postgresql", retentionInDays: 30 });
        expect(b.maybe("orders-identifier-suffix")).toBeUndefined();
    });

    it("leaves the identifier and the log group names unknown in a preview of a new stack", async () => {
        const b = await postgres({}, { preview: true });
        expect(plainInputs(b.resource("orders-log-postgresql"), "mask").name).toBe("[unknown]");
    });
});

describe("ManagedPostgres refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ManagedPostgresArgs>, string]>([
        ["version", { version: "9.6" as never }, 'version must be one of 14, 15, 16, 17 (got "9.6")'],
        ["engine", { engine: "mysql" as never }, 'engine must be one of rds, aurora (got "mysql")'],
        ["network", { network: undefined as never }, "network is required for a managed service ({ vpcId, subnetIds, allowedSecurityGroupIds and/or allowedCidrBlocks })"],
        ["one subnet", { network: { ...NETWORK, subnetIds: ["subnet-0a"] } }, "network.subnetIds must list at least 2 private subnets in different availability zones (got 1)"],
        ["the internet", { network: { ...NETWORK, allowedCidrBlocks: ["0.0.0.0/0"] } }, 'network.allowedCidrBlocks[0] must not be a /0 such as 0.0.0.0/0: a data service is never open to the internet (got "0.0.0.0/0")'],
        ["no source", { network: { vpcId: "vpc-1", subnetIds: ["a", "b"] } }, "network must allow at least one source: allowedSecurityGroupIds or allowedCidrBlocks (nothing could connect otherwise)"],
        ["objectives", { objectives: { rpoMinutes: 15, dailyBackupDays: 0 } }, "objectives.dailyBackupDays must be an integer >= 1 (got 0)"],
        ["3 RDS instances", { instances: 3 }, "instances must be 1 or 2 for engine rds (2 = Multi-AZ with a standby; use engine aurora for readers) (got 3)"],
        ["small storage", { storageGb: 10 }, "storageGb must be an integer from 20 to 65536 (got 10)"],
        ["autoscaling below", { storageGb: 100, maxStorageGb: 50 }, "maxStorageGb must be at least storageGb (100) for storage autoscaling (got 50)"],
        ["Aurora storage", { engine: "aurora", storageGb: 100 }, "storageGb applies only to engine rds (Aurora storage grows by itself)"],
        ["instance class", { instanceClass: "r6g.large" }, 'instanceClass must be an RDS instance class such as db.r6g.large (got "r6g.large")'],
        ["reserved user", { user: "rdsadmin" }, 'user must not be "rdsadmin": RDS reserves it'],
        ["identifier", { identifier: "Orders_DB" }, 'identifier must be an RDS identifier: a lower-case letter, then letters, digits or single hyphens, at most 63, not ending in a hyphen (got "Orders_DB")'],
        ["log retention", { logRetentionDays: 10 }, "logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653) (got 10)"],
        ["key alias", { kmsKeyArn: "alias/data" }, 'kmsKeyArn must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id> (got "alias/data")'],
        ["the backup selection tag", { tags: { "estate:backup": "false" } }, 'tags["estate:backup"] is reserved: the component sets it'],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ManagedPostgres("orders", { version: "16", network: NETWORK, objectives: OBJECTIVES, ...args }));
        expect(message).toBe(`ManagedPostgres "orders": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("throws an ArgumentError (a user error, printed without a trace)", () => {
        expect(() => new ManagedPostgres("x", { version: "16", network: NETWORK, objectives: OBJECTIVES, instances: 0 })).toThrow(ArgumentError);
    });
});
