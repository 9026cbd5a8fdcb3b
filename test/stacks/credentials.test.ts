/**
 * Credentials that rotate, across every example stack's planned estate: no consumer holds a copy
 * of the RDS-managed master password (RDS rotates it every 7 days by default). The backup job
 * and the apps get it at run time from Secrets the External Secrets Operator keeps current, read
 * through a store whose IAM identity may read exactly that secret.
 */
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parseEstateConfig } from "../../infra/config";
import { MOCK_MANAGED_PASSWORD, plainInputs, fromWire, type RecordedResource } from "../../scripts/engine/mock-engine";
import { loadStackConfig } from "../../scripts/engine/stack-config";
import { everyValue, plannedStack, root } from "../helpers/plans";

const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
const ES_TYPE = "kubernetes:external-secrets.io/v1:ExternalSecret";

// Engine payloads, typed loosely at this boundary only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const inputs = (r: RecordedResource): Json => plainInputs(r, "unwrap");
const state = (r: RecordedResource): Json => fromWire(r.outputs!.toJavaScript(), "unwrap");

describe.each(stacks)("stack %s", (stack) => {
    const { config, project } = loadStackConfig(root, stack);
    const spec = parseEstateConfig(config, { project, stack });
    const managedPostgres = spec.data.postgres?.placement === "managed";

    it("holds no copy of the RDS-managed master password in any resource's inputs or state, or in its outputs", async () => {
        for (const preview of [false, true]) {
            expect(everyValue(await plannedStack(stack, preview))).not.toContain(MOCK_MANAGED_PASSWORD);
        }
    });

    it("gives the backup job and the apps a managed Postgres's current password at run time, from the secret RDS rotates (else installs no operator)", async () => {
        const run = await plannedStack(stack);
        if (!managedPostgres) {
            expect(run.resources.filter((r) => r.type === "estate:k8s:ExternalSecrets" || r.type === ES_TYPE)).toEqual([]);
            return;
        }
        const byName = (name: string) => run.resources.find((r) => r.name === name)!;
        const rds = run.resources.find((r) => r.type === "aws:rds/instance:Instance" || r.type === "aws:rds/cluster:Cluster")!;
        const secretArn = state(rds).masterUserSecrets[0].secretArn as string;
        const externalSecrets = run.resources.filter((r) => r.type === ES_TYPE).map(inputs);
        const syncedFrom = (namespace: string, secretName: string) =>
            externalSecrets.find((es) => es.metadata.namespace === namespace && es.spec.target.name === secretName && es.spec.data.every((d: Json) => d.remoteRef.key === secretArn));

        // The backup: PGPASSWORD_FILE is a file of a Secret synced from that secret.
        const backupPod = inputs(byName("postgres-backup-jobs-backup")).spec.jobTemplate.spec.template.spec;
        const volume = backupPod.volumes.find((v: Json) => v.name === "source-credential");
        expect(syncedFrom(inputs(byName("postgres-backup-jobs-backup")).metadata.namespace, volume.secret.secretName), "the backup's credential Secret is synced from the RDS secret").toBeDefined();
        expect(inputs(byName("postgres-backup-jobs-config")).data.PGPASSWORD_FILE).toBe("/var/run/secrets/estate/source/PGPASSWORD");

        // Each app: DATABASE_URL from the synced Secret, rolled by Reloader; never in its own Secret.
        for (const app of Object.keys(spec.services)) {
            const deployment = inputs(byName(`${app}-deployment`));
            const synced = deployment.spec.template.spec.containers[0].envFrom.map((e: Json) => e.secretRef?.name).filter((n: string) => n !== `${app}-env`);
            expect(synced).toEqual(["postgres-connection"]);
            const es = syncedFrom(deployment.metadata.namespace, "postgres-connection");
            expect(Object.keys(es.spec.target.template.data)).toEqual(["DATABASE_URL"]);
            expect(deployment.metadata.annotations["secret.reloader.stakater.com/reload"]).toBe("postgres-connection");
            expect(inputs(byName(`${app}-env`)).stringData).not.toHaveProperty("DATABASE_URL");
        }

        // The store's identity reads exactly that secret, and decrypts with the database's key only.
        const policy = JSON.parse(inputs(run.resources.find((r) => r.name === "external-secrets-role-policy" || r.name === "external-secrets-user-policy")!).policy);
        expect(policy.Statement[0]).toMatchObject({ Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [secretArn] });
        expect(policy.Statement[1]).toMatchObject({ Action: "kms:Decrypt", Resource: [inputs(rds).masterUserSecretKmsKeyId] });
    });

    it("copies only credentials Pulumi owns: DocumentDB's master password and ElastiCache's auth token are set by this program, and nothing rotates them", async () => {
        const run = await plannedStack(stack);
        for (const cluster of run.resources.filter((r) => r.type === "aws:docdb/cluster:Cluster")) {
            // A managed (rotating) DocumentDB password would make the static MONGODB_URI a stale copy.
            expect(inputs(cluster).manageMasterUserPassword).not.toBe(true);
            expect(inputs(cluster).masterPassword).toEqual(expect.any(String));
        }
        for (const group of run.resources.filter((r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup")) {
            expect(inputs(group).authToken).toEqual(expect.any(String));
        }
        expect(run.resources.filter((r) => r.type === "aws:secretsmanager/secretRotation:SecretRotation")).toEqual([]);
    });
});
