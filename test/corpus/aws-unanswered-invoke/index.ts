// A staging copy of production: the newest snapshot of the production database is looked up with
// aws.rds.getSnapshot, which asks RDS about snapshots that exist only in the account. Offline
// nobody can answer that, so what the database inherits from the snapshot cannot be judged; what
// the program sets itself still can, and the exports bucket, which does not depend on the lookup,
// is checked as usual.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const source = config.get("sourceDbIdentifier") ?? "prod-orders";

const latest = aws.rds.getSnapshotOutput({ dbInstanceIdentifier: source, mostRecent: true, snapshotType: "automated" });

const staging = new aws.rds.Instance("staging-db", {
    snapshotIdentifier: latest.id,
    instanceClass: "db.t4g.medium",
    publiclyAccessible: false,
    multiAz: true,
    backupRetentionPeriod: 7,
    deletionProtection: true,
    finalSnapshotIdentifier: "staging-db-final",
    // No storageEncrypted: a restored instance is encrypted exactly when its snapshot is
    // (RestoreDBInstanceFromDBSnapshot has no such parameter), which only the snapshot knows.
});

// A bucket for CSV exports, independent of the snapshot.
const exportsBucket = new aws.s3.Bucket("exports");
new aws.s3.BucketPublicAccessBlock("exports-public-access", {
    bucket: exportsBucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
});

export const stagingEndpoint = staging.endpoint;
export const snapshotTime = latest.snapshotCreateTime;
export const exportsBucketName = exportsBucket.bucket;
