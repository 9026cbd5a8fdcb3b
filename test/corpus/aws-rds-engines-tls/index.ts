// Two engines, two ways to require TLS. MariaDB requires it with require_secure_transport = ON, OFF
// by default up to 11.4 and supported from 10.5
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mariadb-ssl-connections.require-ssl.html);
// its group sets it. SQL Server requires it with rds.force_ssl = 1, 0 (off) by default
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/ssl-certificate-rotation-sqlserver.html);
// its group only tunes parallelism, so clients may still connect in clear text. Everything else
// about both instances is what the estate asks for, so only the SQL Server group is flagged.
import * as aws from "@pulumi/aws";

const key = new aws.kms.Key("db-key", { description: "Database storage and secrets", enableKeyRotation: true });

function hardened(name: string, args: Omit<aws.rds.InstanceArgs, "instanceClass"> & { instanceClass: string }): aws.rds.Instance {
    return new aws.rds.Instance(name, {
        allocatedStorage: 20,
        storageEncrypted: true,
        kmsKeyId: key.arn,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: key.arn,
        multiAz: true,
        publiclyAccessible: false,
        backupRetentionPeriod: 14,
        backupWindow: "01:00-02:00",
        deletionProtection: true,
        finalSnapshotIdentifier: `${name}-final`,
        ...args,
    });
}

const mariadbParams = new aws.rds.ParameterGroup("mariadb-params", {
    family: "mariadb10.11",
    parameters: [{ name: "require_secure_transport", value: "ON" }],
});
const reports = hardened("reports-db", {
    engine: "mariadb",
    engineVersion: "10.11",
    instanceClass: "db.t4g.medium",
    username: "reports",
    parameterGroupName: mariadbParams.name,
});

const sqlserverParams = new aws.rds.ParameterGroup("sqlserver-params", {
    family: "sqlserver-se-16.0",
    parameters: [{ name: "max degree of parallelism", value: "4" }],
});
const billing = hardened("billing-db", {
    engine: "sqlserver-se",
    engineVersion: "16.00",
    instanceClass: "db.m6i.xlarge",
    licenseModel: "license-included",
    username: "billing",
    parameterGroupName: sqlserverParams.name,
});

export const reportsEndpoint = reports.endpoint;
export const billingEndpoint = billing.endpoint;
