/**
 * What a managed database's instance class gives it, as the CloudWatch alarms need it: the memory
 * (FreeableMemory is compared with a share of it) and the connection limit (DatabaseConnections is
 * compared with a share of it). Every value is read from AWS's own tables; a class that is not in
 * them is refused at config time (`infra/config.ts`), never guessed.
 *
 * Pure data: no Pulumi resources, no config reads.
 */

const GIB = 1024 ** 3;

/**
 * Memory (GiB) of the RDS / Aurora DB instance classes the estate accepts for PostgreSQL, from the
 * RDS User Guide, "Hardware specifications for DB instance classes" (Memory (GiB) column;
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Summary.html,
 * as read in awsdocs/amazon-rds-user-guide doc_source/Concepts.DBInstanceClass.md at 0219b24).
 * Aurora instances of a class have the same hardware; Aurora refuses the classes it does not
 * support (db.t*.micro/small, db.m*) at creation.
 */
export const RDS_INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
    "db.t3.micro": 1,
    "db.t3.small": 2,
    "db.t3.medium": 4,
    "db.t3.large": 8,
    "db.t3.xlarge": 16,
    "db.t3.2xlarge": 32,
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.t4g.2xlarge": 32,
    "db.m5.large": 8,
    "db.m5.xlarge": 16,
    "db.m5.2xlarge": 32,
    "db.m5.4xlarge": 64,
    "db.m5.8xlarge": 128,
    "db.m5.12xlarge": 192,
    "db.m5.16xlarge": 256,
    "db.m5.24xlarge": 384,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6g.4xlarge": 64,
    "db.m6g.8xlarge": 128,
    "db.m6g.12xlarge": 192,
    "db.m6g.16xlarge": 256,
    "db.m6i.large": 8,
    "db.m6i.xlarge": 16,
    "db.m6i.2xlarge": 32,
    "db.m6i.4xlarge": 64,
    "db.m6i.8xlarge": 128,
    "db.m6i.12xlarge": 192,
    "db.m6i.16xlarge": 256,
    "db.m6i.24xlarge": 384,
    "db.m6i.32xlarge": 512,
    "db.r5.large": 16,
    "db.r5.xlarge": 32,
    "db.r5.2xlarge": 64,
    "db.r5.4xlarge": 128,
    "db.r5.8xlarge": 256,
    "db.r5.12xlarge": 384,
    "db.r5.16xlarge": 512,
    "db.r5.24xlarge": 768,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6g.2xlarge": 64,
    "db.r6g.4xlarge": 128,
    "db.r6g.8xlarge": 256,
    "db.r6g.12xlarge": 384,
    "db.r6g.16xlarge": 512,
    "db.r6i.large": 16,
    "db.r6i.xlarge": 32,
    "db.r6i.2xlarge": 64,
    "db.r6i.4xlarge": 128,
    "db.r6i.8xlarge": 256,
    "db.r6i.12xlarge": 384,
    "db.r6i.16xlarge": 512,
    "db.r6i.24xlarge": 768,
    "db.r6i.32xlarge": 1024,
};

/**
 * Local (temporary) storage, in GiB, of the Aurora PostgreSQL DB instance classes: where sorts and
 * index builds spill, and what the `FreeLocalStorage` metric counts down. From the Aurora User Guide,
 * "Temporary storage limits for Aurora PostgreSQL" ("Maximum temporary storage available (GiB)";
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Managing.html).
 * Only the classes whose memory `RDS_INSTANCE_MEMORY_GIB` also has; an Aurora cluster of another
 * class is refused at config time.
 */
export const AURORA_POSTGRES_LOCAL_STORAGE_GIB: Readonly<Record<string, number>> = {
    "db.t3.medium": 7.5,
    "db.t3.large": 16,
    "db.t4g.medium": 8.13,
    "db.t4g.large": 16.5,
    "db.r5.large": 31,
    "db.r5.xlarge": 62,
    "db.r5.2xlarge": 124,
    "db.r5.4xlarge": 249,
    "db.r5.8xlarge": 504,
    "db.r5.12xlarge": 748,
    "db.r5.16xlarge": 1008,
    "db.r5.24xlarge": 1500,
    "db.r6g.large": 32,
    "db.r6g.xlarge": 63,
    "db.r6g.2xlarge": 126,
    "db.r6g.4xlarge": 252,
    "db.r6g.8xlarge": 504,
    "db.r6g.12xlarge": 756,
    "db.r6g.16xlarge": 1008,
    "db.r6i.large": 31,
    "db.r6i.xlarge": 62,
    "db.r6i.2xlarge": 124,
    "db.r6i.4xlarge": 249,
    "db.r6i.8xlarge": 504,
    "db.r6i.12xlarge": 748,
    "db.r6i.16xlarge": 1008,
    "db.r6i.24xlarge": 1500,
    "db.r6i.32xlarge": 1829,
};

/**
 * Memory (GiB) and connection limit ("Connections (all)") of the DocumentDB instance classes, from
 * the DocumentDB Developer Guide, "Amazon DocumentDB Quotas and limits", Instance limits
 * (https://docs.aws.amazon.com/documentdb/latest/developerguide/limits.html#limits.instance; R6G
 * rows include R6GD). DocumentDB also publishes the limit as the `DatabaseConnectionsLimit` metric.
 */
export const DOCDB_INSTANCE_LIMITS: Readonly<Record<string, { memoryGib: number; connections: number }>> = {
    "db.t3.medium": { memoryGib: 4, connections: 1000 },
    "db.t4g.medium": { memoryGib: 4, connections: 1000 },
    "db.r4.large": { memoryGib: 15.25, connections: 1700 },
    "db.r4.xlarge": { memoryGib: 30.5, connections: 3400 },
    "db.r4.2xlarge": { memoryGib: 61, connections: 6800 },
    "db.r4.4xlarge": { memoryGib: 122, connections: 13600 },
    "db.r4.8xlarge": { memoryGib: 288, connections: 27200 },
    "db.r4.16xlarge": { memoryGib: 488, connections: 30000 },
    "db.r5.large": { memoryGib: 16, connections: 3400 },
    "db.r5.xlarge": { memoryGib: 32, connections: 7000 },
    "db.r5.2xlarge": { memoryGib: 64, connections: 14200 },
    "db.r5.4xlarge": { memoryGib: 128, connections: 28400 },
    "db.r5.8xlarge": { memoryGib: 256, connections: 60000 },
    "db.r5.12xlarge": { memoryGib: 384, connections: 60000 },
    "db.r5.16xlarge": { memoryGib: 512, connections: 60000 },
    "db.r5.24xlarge": { memoryGib: 768, connections: 60000 },
    "db.r6g.large": { memoryGib: 16, connections: 3400 },
    "db.r6g.xlarge": { memoryGib: 32, connections: 7000 },
    "db.r6g.2xlarge": { memoryGib: 64, connections: 14200 },
    "db.r6g.4xlarge": { memoryGib: 128, connections: 28400 },
    "db.r6g.8xlarge": { memoryGib: 256, connections: 60000 },
    "db.r6g.12xlarge": { memoryGib: 384, connections: 60000 },
    "db.r6g.16xlarge": { memoryGib: 512, connections: 60000 },
    "db.r6gd.xlarge": { memoryGib: 32, connections: 7000 },
    "db.r6gd.2xlarge": { memoryGib: 64, connections: 14200 },
    "db.r6gd.4xlarge": { memoryGib: 128, connections: 28400 },
    "db.r6gd.8xlarge": { memoryGib: 256, connections: 60000 },
    "db.r6gd.12xlarge": { memoryGib: 384, connections: 60000 },
    "db.r6gd.16xlarge": { memoryGib: 512, connections: 60000 },
};

/**
 * ElastiCache for Redis OSS accepts at most this many clients on every node type: the `maxclients`
 * parameter is "Default: 65000 ... Modifiable: No" (ElastiCache User Guide, "Redis Specific Parameters";
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html, as read in
 * awsdocs/amazon-elasticache-docs doc_source/ParameterGroups.Redis.md at 9cd0e53).
 */
export const REDIS_MAX_CLIENTS = 65000;

/**
 * PostgreSQL's default `max_connections` on RDS and on Aurora, `LEAST({DBInstanceClassMemory/9531392},5000)`
 * (RDS User Guide, "Maximum number of database connections",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections;
 * Aurora User Guide, "Managing Amazon Aurora PostgreSQL",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Managing.html).
 * `DBInstanceClassMemory` is the class's memory less what the OS and RDS reserve, which AWS does not
 * publish: the class's full memory is used, so the limit is an upper bound (the alarm fires a little
 * later than `connectionsRatio` of the true limit; docs/alarms.md says so).
 */
export function postgresDefaultMaxConnections(memoryGib: number): number {
    return Math.min(Math.floor((memoryGib * GIB) / 9531392), 5000);
}

/** The memory of an RDS/Aurora class, or undefined for a class the table does not know. */
export function rdsInstanceMemoryGib(instanceClass: string): number | undefined {
    return Object.hasOwn(RDS_INSTANCE_MEMORY_GIB, instanceClass) ? RDS_INSTANCE_MEMORY_GIB[instanceClass] : undefined;
}

/** The local storage of an Aurora PostgreSQL class, or undefined for a class the table does not know. */
export function auroraLocalStorageGib(instanceClass: string): number | undefined {
    return Object.hasOwn(AURORA_POSTGRES_LOCAL_STORAGE_GIB, instanceClass) ? AURORA_POSTGRES_LOCAL_STORAGE_GIB[instanceClass] : undefined;
}

/** The memory and connection limit of a DocumentDB class, or undefined for a class the table does not know. */
export function docdbInstanceLimits(instanceClass: string): { memoryGib: number; connections: number } | undefined {
    return Object.hasOwn(DOCDB_INSTANCE_LIMITS, instanceClass) ? DOCDB_INSTANCE_LIMITS[instanceClass] : undefined;
}

/** Bytes in `gib` GiB. */
export function gibToBytes(gib: number): number {
    return gib * GIB;
}
