/**
 * Statements every estate bucket policy starts with. Pure data: no Pulumi resources, no config
 * reads, so a program of its own (bootstrap/) can use them without pulling in any component.
 */

export type Statement = Record<string, unknown>;

/** An IAM policy document (version 2012-10-17) with these statements. */
export function policyDocument(statements: Statement[]): { Version: string; Statement: Statement[] } {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Deny plain HTTP and TLS older than 1.2, for every action on the bucket and its objects
 * (`aws:SecureTransport` false, `s3:TlsVersion` below 1.2; S3 User Guide, "Security best practices
 * for Amazon S3": enforce encryption of data in transit).
 */
export function tlsOnlyStatements(bucketArn: string): Statement[] {
    const resources = [bucketArn, `${bucketArn}/*`];
    return [
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Sid: "DenyOutdatedTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
    ];
}

/**
 * Keep every object under the bucket's KMS key.
 *
 * The bucket's default encryption (SSE-KMS with this key and a bucket key) applies to uploads that
 * send no encryption header, and that is how backup tools (and the Pulumi CLI) upload. The classic "deny unless
 * `s3:x-amz-server-side-encryption` is `aws:kms`" would reject exactly those uploads, because a
 * missing key makes `StringNotEquals` true. So each deny below is paired with a `Null: false`
 * condition and fires only when the client sends the header, and sends the wrong thing:
 * - an algorithm other than `aws:kms` (e.g. `AES256`);
 * - `aws:kms` with a key other than this one (the header value must be the key ARN);
 * - `aws:kms` without a key id: S3 would then use the AWS managed `aws/s3` key, not the bucket's;
 * - SSE-C (customer-provided keys): S3 cannot replicate those objects, and restores need the key.
 */
export function kmsUploadStatements(bucketArn: string, keyArn: string): Statement[] {
    const objects = `${bucketArn}/*`;
    const deny = (sid: string, condition: Record<string, Record<string, string>>): Statement => ({
        Sid: sid,
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: objects,
        Condition: condition,
    });
    return [
        deny("DenyNonKmsEncryptionHeader", {
            StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
            Null: { "s3:x-amz-server-side-encryption": "false" },
        }),
        deny("DenyOtherKmsKey", {
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        }),
        deny("DenyKmsHeaderWithoutKeyId", {
            StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" },
        }),
        deny("DenyCustomerProvidedKeys", {
            Null: { "s3:x-amz-server-side-encryption-customer-algorithm": "false" },
        }),
    ];
}
