/**
 * What a managed data service tells its CloudWatch alarms: which instances (or cache nodes) it runs,
 * of which class, and how much storage it was given. Each managed component exposes one
 * (`monitored`); `components/observability/database-alarms.ts` turns it into alarms.
 */
import type * as pulumi from "@pulumi/pulumi";

/** An RDS for PostgreSQL DB instance (a Multi-AZ standby is not a separate instance: it publishes no metrics of its own). */
export interface MonitoredRdsInstance {
    engine: "rds";
    /** The component's name, for alarm names. */
    name: string;
    instanceClass: string;
    /** `DBInstanceIdentifier` dimension values (one). */
    instanceIdentifiers: pulumi.Output<string>[];
    /** Allocated storage in GiB (`allocatedStorage`), what FreeStorageSpace is compared with. */
    allocatedStorageGb: number;
    /** Read replicas of this instance (the estate creates none: the `ReplicaLag` alarm is for them). */
    readReplica: boolean;
}

/** The instances of an Aurora PostgreSQL or DocumentDB cluster (a writer and readers; roles move on failover). */
export interface MonitoredClusterInstances {
    engine: "aurora" | "docdb";
    name: string;
    instanceClass: string;
    /** `DBInstanceIdentifier` dimension values, one per instance. */
    instanceIdentifiers: pulumi.Output<string>[];
}

/** The cache nodes of an ElastiCache for Redis OSS replication group (cluster mode disabled). */
export interface MonitoredRedisNodes {
    engine: "redis";
    name: string;
    nodeType: string;
    /** `CacheClusterId` dimension values, one per node (`<replication group id>-001`, `-002`, ...). */
    cacheClusterIds: pulumi.Output<string>[];
}

export type MonitoredDatabase = MonitoredRdsInstance | MonitoredClusterInstances | MonitoredRedisNodes;
