/**
 * The stack outputs as a contract (`infra/contract.ts`): the dev and prod estates' outputs parse
 * with the versioned schema, declare nothing the contract does not, keep every credential a secret,
 * and give each app the same environment as its Secret in the cluster.
 */
import { describe, expect, it } from "vitest";
import { plannedStack } from "../helpers/plans";
import { checkOutputsVersion, estateOutputsSchema, hasSecrets, OUTPUTS_VERSION, type EstateOutputs } from "../../infra/contract";
import { fromWire, mockLoadBalancerHostname, plainInputs } from "../../scripts/engine/mock-engine";

const plan = plannedStack;
const unwrapped = async (stack: string) => fromWire((await plan(stack)).outputs!.toJavaScript(), "unwrap") as Record<string, unknown>;
const masked = async (stack: string) => fromWire((await plan(stack)).outputs!.toJavaScript(), "mask") as EstateOutputs;

describe.each(["dev", "prod"])("the %s estate's outputs", (stack) => {
    it(`parse with the contract, version ${OUTPUTS_VERSION}`, async () => {
        const result = estateOutputsSchema.safeParse(await unwrapped(stack));
        expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([]);
        expect(result.data?.outputsVersion).toBe(OUTPUTS_VERSION);
    });

    it("export nothing the contract does not describe", async () => {
        const exported = Object.keys(await unwrapped(stack));
        const described = Object.keys(estateOutputsSchema.shape);
        expect(exported.filter((k) => !described.includes(k))).toEqual([]);
    });

    it("give every app its database, cache, backup bucket and URL (web), the same env as its Secret", async () => {
        const outputs = estateOutputsSchema.parse(await unwrapped(stack));
        const run = await plan(stack);
        expect(Object.keys(outputs.apps).sort()).toEqual(["web", "worker"]);
        const withoutPlacement = <T extends { placement: string }>(c: T | undefined) => c && Object.fromEntries(Object.entries(c).filter(([k]) => k !== "placement"));
        for (const [name, app] of Object.entries(outputs.apps)) {
            expect(app.database).toEqual(withoutPlacement(outputs.data.postgres));
            expect(app.mongo).toEqual(withoutPlacement(outputs.data.mongo));
            expect(app.cache).toEqual(withoutPlacement(outputs.data.redis));
            expect(app.backupBucket).toEqual({ name: outputs.backupBucket.name, kmsKeyArn: outputs.backupBucket.kmsKeyArn, region: outputs.region });
            const secret = plainInputs(run.resources.find((r) => r.name === `${name}-env`)!, "unwrap") as { stringData: Record<string, string> };
            expect(app.env).toEqual(secret.stringData);
            if (app.database && "rotating" in app.database) {
                // The URL is built in the cluster from the current password, never here.
                expect(app.env).not.toHaveProperty("DATABASE_URL");
                expect(app.syncedEnv).toEqual([{ secret: "postgres-connection", variables: ["DATABASE_URL"], secretArn: app.database.rotating.secretArn }]);
            } else {
                expect(app.env.DATABASE_URL).toBe(app.database?.uri);
                expect(app.syncedEnv).toBeUndefined();
            }
            expect(hasSecrets(app)).toBe(true);
        }
        expect(outputs.apps.web!.url).toMatch(/^https:\/\//);
        expect(outputs.apps.worker!.url).toBeUndefined();
    });

    it("keep every credential a secret", async () => {
        const outputs = await masked(stack);
        for (const app of Object.values(outputs.apps)) {
            expect(app.env).toBe("[secret]");
            for (const c of [app.database, app.mongo, app.cache]) {
                if (c && "rotating" in c) {
                    expect(Object.keys(c)).not.toContain("password");
                    expect(Object.keys(c)).not.toContain("uri");
                } else {
                    expect(c?.password).toBe("[secret]");
                    expect(c?.uri).toBe("[secret]");
                }
            }
            if (stack === "prod") {
                expect(app.sentryDsn).toBe("[secret]");
            }
        }
        expect(outputs.grafana.adminPassword).toBe("[secret]");
        for (const service of Object.values(outputs.data)) {
            if (service && !("rotating" in service)) {
                expect(service.password).toBe("[secret]");
            }
        }
    });

    it("carry no password that rotates: a managed Postgres names its Secrets Manager secret and how to read it", async () => {
        const outputs = estateOutputsSchema.parse(await unwrapped(stack));
        const postgres = outputs.data.postgres;
        if (postgres?.placement !== "managed") {
            expect(postgres && "rotating" in postgres).toBeFalsy();
            return;
        }
        expect(postgres).not.toHaveProperty("password");
        expect(postgres).not.toHaveProperty("uri");
        if (!("rotating" in postgres)) {
            throw new Error("a managed Postgres's connection must be rotating");
        }
        expect(postgres.rotating).toMatchObject({ secretArn: expect.stringMatching(/^arn:aws:secretsmanager:/), usernameProperty: "username", passwordProperty: "password" });
        expect(postgres.rotating.read).toBe(`aws secretsmanager get-secret-value --secret-id ${postgres.rotating.secretArn} --query SecretString --output text`);
    });

    it("name the database alarms' topic, its key and receivers exactly when a data service is managed", async () => {
        const outputs = estateOutputsSchema.parse(await unwrapped(stack));
        const topic = (await plan(stack)).resources.find((r) => r.type === "aws:sns/topic:Topic" && r.name === "database-alarms-topic");
        if (!Object.values(outputs.data).some((service) => service?.placement === "managed")) {
            expect([outputs.databaseAlarms, topic]).toEqual([undefined, undefined]);
            return;
        }
        const state = fromWire(topic!.outputs!.toJavaScript(), "unwrap") as { arn: string; kmsMasterKeyId: string };
        expect(outputs.databaseAlarms).toEqual({ topicArn: state.arn, kmsKeyArn: state.kmsMasterKeyId, receivers: [] });
    });

    it("name the cluster's ingress: its class and, once Traefik's load balancer has one, its address", async () => {
        const outputs = estateOutputsSchema.parse(await unwrapped(stack));
        expect(outputs.ingress).toEqual({ className: "traefik", address: mockLoadBalancerHostname("platform-traefik-service") });
        const preview = fromWire((await plan(stack, true)).outputs!.toJavaScript(), "unwrap") as { ingress: { address: unknown } };
        expect(preview.ingress.address).toBe("[unknown]");
    });

    it("give the Grafana URL people open: the exposed host (prod), else the in-cluster Service (dev)", async () => {
        const outputs = estateOutputsSchema.parse(await unwrapped(stack));
        expect(outputs.grafana.inCluster).toMatch(/^http:\/\/.+\.monitoring\.svc/);
        expect(outputs.grafana.url).toBe(stack === "prod" ? "https://grafana.shop.example.com" : outputs.grafana.inCluster);
    });
});

describe("checkOutputsVersion", () => {
    it("accepts this version and refuses others with a message that says what to do", () => {
        expect(checkOutputsVersion({ outputsVersion: OUTPUTS_VERSION })).toEqual({ ok: true });
        expect(checkOutputsVersion({ outputsVersion: OUTPUTS_VERSION + 1 })).toEqual({
            ok: false,
            message: `the outputs are version ${OUTPUTS_VERSION + 1}; this reader knows version ${OUTPUTS_VERSION}: update the reader`,
        });
        expect(checkOutputsVersion({ profile: "dev" })).toMatchObject({ ok: false, message: expect.stringContaining("no outputsVersion") });
        expect(checkOutputsVersion(null)).toMatchObject({ ok: false });
    });
});
