/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackupBucket, BackupPlan, nativeBackupRetentionDays, usesAwsBackup } from "../components/backup";
import {
    ClusterMongo,
    ClusterPostgres,
    ClusterRedis,
    ManagedMongo,
    ManagedPostgres,
    ManagedRedis,
    type DataNetwork,
    type DataObjectives,
    type DatabaseConnection,
    type RedisConnection,
} from "../components/data";
import type { EstateSpec } from "./config";

/** A data service as the stack exports it: where it lives, and how to connect. */
export interface DataService<C extends DatabaseConnection = DatabaseConnection> {
    placement: "managed" | "cluster";
    connection: C;
}

export interface Estate {
    spec: EstateSpec;
    backups: BackupBucket;
    data: {
        postgres?: DataService;
        mongo?: DataService;
        redis?: DataService<RedisConnection>;
    };
    /** AWS Backup of the managed databases; only when a database is managed. */
    awsBackup?: BackupPlan;
}

/** What cluster placements need: the provider for the cluster, and the namespace of the data. */
export interface ClusterAccess {
    provider: k8s.Provider;
    dataNamespace: pulumi.Input<string>;
}

export function buildEstate(spec: EstateSpec): Estate {
    const backups = new BackupBucket("backups", {
        retention: spec.dr.retention,
        bucketName: spec.backup.bucketName,
        protectData: spec.protectData,
        objectLock: spec.backup.objectLock,
        replication: spec.backup.replication && spec.dr.drRegion ? { region: spec.dr.drRegion } : undefined,
        accessLogging: spec.backup.accessLogging,
        region: spec.region,
        tags: spec.tags,
    });

    const usesCluster = Object.values(spec.data).some((service) => service?.placement === "cluster");
    const cluster = usesCluster ? standInClusterAccess(spec) : undefined;

    const { services, backupTargets } = buildDataServices(spec, backups, cluster);
    const awsBackup = buildAwsBackup(spec, backupTargets);

    return { spec, backups, data: services, awsBackup };
}

// --- BEGIN stand-in cluster access (issue 3) ---------------------------------------------------
// The Kubernetes platform (issue 4) owns cluster access: the `cluster` provider from
// `estate:kubernetes` and the estate namespaces labelled `app.kubernetes.io/part-of: estate`.
// At merge, replace this function with the platform's provider and its `data` namespace.
function standInClusterAccess(spec: EstateSpec): ClusterAccess {
    const { context, kubeconfig } = spec.kubernetes;
    const provider = new k8s.Provider("cluster", { context, kubeconfig: kubeconfig !== undefined ? pulumi.secret(kubeconfig) : undefined });
    const namespace = new k8s.core.v1.Namespace(
        "data",
        { metadata: { name: "data", labels: { "app.kubernetes.io/part-of": "estate", "app.kubernetes.io/name": "data" } } },
        { provider },
    );
    return { provider, dataNamespace: namespace.metadata.name };
}
// --- END stand-in cluster access ---------------------------------------------------------------

/** Each declared data service, in the placement its config chooses. */
function buildDataServices(
    spec: EstateSpec,
    backups: BackupBucket,
    cluster: ClusterAccess | undefined,
): { services: Estate["data"]; backupTargets: pulumi.Output<string>[] } {
    const objectives: DataObjectives = { rpoMinutes: spec.dr.rpoMinutes, dailyBackupDays: spec.dr.retention.dailyDays };
    const network = (): DataNetwork => {
        // config.ts refuses a managed service without estate:network.
        const n = spec.network!;
        return { vpcId: n.vpcId, subnetIds: n.privateSubnetIds, allowedSecurityGroupIds: n.allowedSecurityGroupIds, allowedCidrBlocks: n.allowedCidrBlocks };
    };
    const inCluster = (): { access: ClusterAccess; opts: pulumi.ComponentResourceOptions } => {
        const access = cluster!;
        return { access, opts: { providers: { kubernetes: access.provider } } };
    };
    const managed = { protectData: spec.protectData, region: spec.region, tags: spec.tags };
    const data: Estate["data"] = {};
    /** The ARNs of the managed databases, for AWS Backup. */
    const backupTargets: pulumi.Output<string>[] = [];

    const postgres = spec.data.postgres;
    if (postgres?.placement === "managed") {
        const db = new ManagedPostgres("postgres", {
            ...managed,
            version: postgres.version,
            engine: postgres.engine,
            instanceClass: postgres.instanceClass,
            storageGb: postgres.storageGb,
            maxStorageGb: postgres.maxStorageGb,
            instances: postgres.instances,
            network: network(),
            objectives,
        });
        data.postgres = { placement: "managed", connection: db.connection };
        backupTargets.push(db.databaseArn);
    } else if (postgres?.placement === "cluster") {
        const { access, opts } = inCluster();
        const db = new ClusterPostgres(
            "postgres",
            {
                version: postgres.version,
                namespace: access.dataNamespace,
                instances: postgres.instances,
                storageGb: postgres.storageGb,
                objectives,
                backup: { bucketName: backups.bucketName, bucketArn: backups.bucketArn, kmsKeyArn: backups.kmsKeyArn, region: spec.region, iamRoleArn: postgres.backupRoleArn },
                protectData: spec.protectData,
            },
            opts,
        );
        data.postgres = { placement: "cluster", connection: db.connection };
    }

    const mongo = spec.data.mongo;
    if (mongo?.placement === "managed") {
        const db = new ManagedMongo("mongo", { ...managed, version: mongo.version, instanceClass: mongo.instanceClass, instances: mongo.instances, network: network(), objectives });
        data.mongo = { placement: "managed", connection: db.connection };
        backupTargets.push(db.databaseArn);
    } else if (mongo?.placement === "cluster") {
        const { access, opts } = inCluster();
        const db = new ClusterMongo(
            "mongo",
            { version: mongo.version, namespace: access.dataNamespace, instances: mongo.instances, storageGb: mongo.storageGb, protectData: spec.protectData },
            opts,
        );
        data.mongo = { placement: "cluster", connection: db.connection };
    }

    const redis = spec.data.redis;
    if (redis?.placement === "managed") {
        const cache = new ManagedRedis("redis", { ...managed, version: redis.version, nodeType: redis.nodeType, nodes: redis.nodes, network: network(), objectives });
        data.redis = { placement: "managed", connection: cache.connection };
    } else if (redis?.placement === "cluster") {
        const { access, opts } = inCluster();
        const cache = new ClusterRedis(
            "redis",
            { version: redis.version, namespace: access.dataNamespace, nodes: redis.nodes, storageGb: redis.storageGb, protectData: spec.protectData },
            opts,
        );
        data.redis = { placement: "cluster", connection: cache.connection };
    }
    return { services: data, backupTargets };
}

/**
 * AWS Backup of the managed databases of record (Postgres, MongoDB; Redis is a cache). A vault, keys
 * and a plan with nothing to protect cost money and, locked, can never be removed: it exists only
 * when a database is managed (`usesAwsBackup`, the predicate the config's feasibility checks use).
 */
function buildAwsBackup(spec: EstateSpec, databases: pulumi.Input<string>[]): BackupPlan | undefined {
    if (!usesAwsBackup({ postgres: spec.data.postgres?.placement, mongo: spec.data.mongo?.placement })) {
        return undefined;
    }
    return new BackupPlan("aws-backup", {
        retention: spec.dr.retention,
        // AWS Backup takes over RDS automated backups and sets their retention to this: it must equal the
        // databases' own backupRetentionPeriod, which the data components derive with the same function
        // from the same objectives (test/stacks/stacks.test.ts asserts they agree).
        continuousBackup: { days: nativeBackupRetentionDays(spec.dr.retention, { protectData: spec.protectData }) },
        // By ARN; the databases also carry the estate:backup tag, which the plan's tag selection selects.
        resources: databases,
        drRegion: spec.dr.drRegion,
        vaultLock: spec.backup.plan.vaultLock,
        restoreTesting: spec.backup.plan.restoreTesting ?? false,
        protectData: spec.protectData,
        region: spec.region,
        tags: spec.tags,
    });
}
