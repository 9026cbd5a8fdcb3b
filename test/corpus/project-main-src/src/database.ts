import * as aws from "@pulumi/aws";

export interface DatabaseOptions {
    instanceClass: string;
    publiclyAccessible: boolean;
    backupRetentionDays: number;
}

/** A PostgreSQL instance with TLS required, encryption under its own key, automated backups and deletion protection. */
export function database(name: string, opts: DatabaseOptions): aws.rds.Instance {
    const key = new aws.kms.Key(`${name}-db-key`, { description: `${name} database`, enableKeyRotation: true });
    const params = new aws.rds.ParameterGroup(`${name}-db-params`, {
        family: "postgres16",
        parameters: [{ name: "rds.force_ssl", value: "1" }],
    });
    const db = new aws.rds.Instance(`${name}-db`, {
        engine: "postgres",
        engineVersion: "16.4",
        instanceClass: opts.instanceClass,
        allocatedStorage: 20,
        storageEncrypted: true,
        kmsKeyId: key.arn,
        username: "shop",
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: key.arn,
        parameterGroupName: params.name,
        multiAz: true,
        publiclyAccessible: opts.publiclyAccessible,
        backupRetentionPeriod: opts.backupRetentionDays,
        backupWindow: "02:00-03:00",
        deletionProtection: true,
        finalSnapshotIdentifier: `${name}-db-final`,
    });
    return db;
}
