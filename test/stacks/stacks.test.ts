/**
 * The example stacks as a whole: their objectives reach the policy pack unchanged, and a bad
 * config builds nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { managedBackupRetentionDays } from "../../components/data/objectives";
import { parseEstateConfig } from "../../infra/config";
import { fromWire, plainInputs, runProgram } from "../../scripts/engine/mock-engine";
import { bundleProgram, programFrom } from "../../scripts/engine/program";
import { loadStackConfig } from "../../scripts/engine/stack-config";

const root = path.resolve(__dirname, "../..");
const stacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);

describe.each(stacks)("stack %s", (stack) => {
    it("its policy config enforces exactly the retention objectives the stack declares", () => {
        const { config, project } = loadStackConfig(root, stack);
        const spec = parseEstateConfig(config, { project, stack });
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config", `${stack}.json`), "utf8")) as Record<
            string,
            { retention?: unknown }
        >;
        expect(policyConfig["estate-s3-lifecycle-retention"]?.retention).toEqual(spec.dr.retention);
        expect(policyConfig.all).toBe(spec.profile === "prod" ? "mandatory" : "advisory");
    });

    it("its policy config requires exactly the backup retention the data components derive from the objectives", () => {
        const { config, project } = loadStackConfig(root, stack);
        const spec = parseEstateConfig(config, { project, stack });
        const policyConfig = JSON.parse(fs.readFileSync(path.join(root, "policies/config", `${stack}.json`), "utf8")) as Record<string, { minimumDays?: unknown }>;
        const derived = managedBackupRetentionDays(spec.dr.retention.dailyDays, spec.protectData);
        for (const policy of ["estate-rds-backup-retention", "estate-docdb-backup-retention", "estate-elasticache-snapshot-retention"]) {
            expect(policyConfig[policy]?.minimumDays, `${policy} in policies/config/${stack}.json`).toBe(derived);
        }
    });
});

describe("a stack with an invalid config", () => {
    it("registers nothing but the stack itself", async () => {
        const bundle = await bundleProgram(root, "infra/index.ts");
        const run = await runProgram(programFrom(bundle), {
            stack: "broken",
            config: { "aws:region": "eu-west-1", "estate:profile": "prod", "estate:domain": "example.com", "estate:dr": '{"rpoMinutes":0}' },
            captureErrors: true,
        });
        expect((run.error as Error).message).toContain("estate:dr.rpoMinutes must be an integer from 1 to 10080 (got 0)");
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("the data services of the example stacks", () => {
    async function planOf(stack: string) {
        const { config, secretKeys, project } = loadStackConfig(root, stack);
        const bundle = await bundleProgram(root, "infra/index.ts");
        return runProgram(programFrom(bundle), { project, stack, config, secretKeys });
    }

    it("prod runs Postgres, MongoDB and Redis managed on AWS, and exports each connection with its credentials secret", async () => {
        const run = await planOf("prod");
        const components = run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => `${r.type} ${r.name}`);
        expect(components).toEqual(["estate:data:ManagedPostgres postgres", "estate:data:ManagedMongo mongo", "estate:data:ManagedRedis redis"]);
        expect(run.resources.some((r) => r.type.startsWith("kubernetes:") || r.type === "pulumi:providers:kubernetes")).toBe(false);
        const data = (fromWire(run.outputs!.toJavaScript()) as { data: Record<string, Record<string, unknown>> }).data;
        expect(Object.keys(data).sort()).toEqual(["mongo", "postgres", "redis"]);
        for (const [service, connection] of Object.entries(data)) {
            expect(connection, service).toMatchObject({ placement: "managed", password: "[secret]", uri: "[secret]" });
            expect(typeof connection.host, service).toBe("string");
        }
        expect(data.redis).toMatchObject({ tls: true });
    });

    it("dev runs them in the cluster, through the stand-in provider, in the data namespace labelled part of the estate", async () => {
        const run = await planOf("dev");
        const components = run.resources.filter((r) => r.type.startsWith("estate:data:")).map((r) => r.type);
        expect(components).toEqual(["estate:data:ClusterPostgres", "estate:data:ClusterMongo", "estate:data:ClusterRedis"]);
        const namespace = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
        expect(plainInputs(namespace).metadata).toMatchObject({ name: "data", labels: { "app.kubernetes.io/part-of": "estate" } });
        const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            expect(r.provider?.startsWith(provider.urn), r.name).toBe(true);
        }
        const data = (fromWire(run.outputs!.toJavaScript()) as { data: Record<string, Record<string, unknown>> }).data;
        expect(data.postgres).toMatchObject({ placement: "cluster", host: "postgres-rw.data.svc", password: "[secret]" });
        expect(data.redis).toMatchObject({ placement: "cluster", tls: false });
    });
});
