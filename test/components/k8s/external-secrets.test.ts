/**
 * `ExternalSecrets` and `syncedSecret` under mocks: the operator and Reloader at their pins, the
 * store created after the release that brings its CRD, AWS access limited to the rotating
 * secrets and their keys, and ExternalSecrets whose shape the pinned CRDs (ESO v2.9.0, v1) accept.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import type { RotatingSecret } from "../../../components/data/connection";
import { uriTemplate } from "../../../components/data/connection";
import {
    DEFAULT_REFRESH_INTERVAL,
    EXTERNAL_SECRETS_API_VERSION,
    ExternalSecrets,
    externalSecretsValues,
    reloaderValues,
    type ExternalSecretsArgs,
    SECRET_STORE_NAME,
    syncedSecret,
} from "../../../components/k8s/external-secrets";
import { charts } from "../../../components/lib/charts";
import { policies } from "../../../policies/pack";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { evaluatePolicies } from "../../../scripts/engine/policy-harness";
import { crdViolations } from "../../helpers/crds";
import { packConfig } from "../../policies/fixtures";
import { renderExternalSecret } from "../../integration/planned-pod";
import { validateModel } from "../data/harness";
import { runWithCluster, T } from "./harness";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ES_TYPE = "kubernetes:external-secrets.io/v1:ExternalSecret";
const STORE_TYPE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";

/** The v1 schemas of ExternalSecret and ClusterSecretStore at the pinned chart's tag. */
function validateAgainstCrd(kind: "ExternalSecret" | "ClusterSecretStore", object: unknown): string[] {
    return crdViolations(`kubernetes:external-secrets.io/v1:${kind}`, object);
}

const source = (): RotatingSecret => ({
    secretArn: pulumi.output(SECRET_ARN),
    kmsKeyArn: pulumi.output(KEY),
    usernameProperty: "username",
    passwordProperty: "password",
    uriParts: { scheme: "postgresql", host: "db.example.eu-west-1.rds.amazonaws.com", port: 5432, database: "app", query: { sslmode: "require" } },
});

function args(extra: Partial<ExternalSecretsArgs> = {}): ExternalSecretsArgs {
    return { secretArns: [SECRET_ARN], kmsKeyArns: [KEY], region: "eu-west-1", consumerNamespaces: ["apps", "data"], ...extra };
}

async function build(extra: Partial<ExternalSecretsArgs> = {}) {
    return runWithCluster((cluster) => {
        const sync = new ExternalSecrets("external-secrets", args(extra), { provider: cluster });
        syncedSecret(
            "app-connection",
            { namespace: "apps", secretName: "postgres-connection", store: sync.store, source: source(), template: { DATABASE_URL: uriTemplate(source()) } },
            { parent: sync },
        );
    });
}

/**
 * The key paths of `values` that the chart's own values.yaml (at the pinned tag) does not define. A
 * chart default that is an empty map (`resources: {}`, `containerSecurityContext: {}`) takes any keys.
 */
function unknownValueKeys(values: Record<string, unknown>, chartValues: Record<string, unknown>, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) => {
        const at = `${prefix}${key}`;
        if (!Object.prototype.hasOwnProperty.call(chartValues, key)) {
            return [at];
        }
        const chart = chartValues[key];
        const freeForm = chart === null || (typeof chart === "object" && !Array.isArray(chart) && Object.keys(chart).length === 0);
        if (value !== null && typeof value === "object" && !Array.isArray(value) && !freeForm) {
            return unknownValueKeys(value as Record<string, unknown>, chart as Record<string, unknown>, `${at}.`);
        }
        return [];
    });
}

const chartValuesFixture = (file: string) => parseYaml(fs.readFileSync(path.resolve(__dirname, "../../fixtures/charts", file), "utf8")) as Record<string, unknown>;

describe("ExternalSecrets: chart values", () => {
    it("set only keys the pinned charts define (values.yaml at helm-chart-2.9.0 and chart-v2.2.16)", () => {
        expect(charts.externalSecrets.version).toBe("2.9.0");
        expect(charts.reloader.version).toBe("2.2.16");
        expect(unknownValueKeys(externalSecretsValues(2), chartValuesFixture("external-secrets-2.9.0-values.yaml"))).toEqual([]);
        expect(unknownValueKeys(reloaderValues(), chartValuesFixture("reloader-2.2.16-values.yaml"))).toEqual([]);
        // The check can fail: a misspelt key is reported.
        expect(unknownValueKeys({ reloader: { readOnlyRootFilesystem: true } }, chartValuesFixture("reloader-2.2.16-values.yaml"))).toEqual(["reloader.readOnlyRootFilesystem"]);
    });
});

describe("ExternalSecrets: the operator", () => {
    it("installs the pinned External Secrets Operator (CRDs included) and Reloader in a restricted, default-deny namespace", async () => {
        const built = await build();
        const ns = built.inputs("external-secrets-ns");
        expect(ns.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted" });
        validateModel(new Namespace(ns));
        const operator = built.inputs("external-secrets-external-secrets");
        expect(operator).toMatchObject({ chart: "external-secrets", version: charts.externalSecrets.version, repositoryOpts: { repo: "https://charts.external-secrets.io" }, namespace: "external-secrets" });
        expect(operator.values).toMatchObject({ installCRDs: true, leaderElect: false });
        // Helm reports the release only once the controller, the webhook and the cert controller are ready.
        expect(operator.skipAwait).toBe(false);
        const reloader = built.inputs("external-secrets-reloader");
        expect(reloader).toMatchObject({ chart: "reloader", version: charts.reloader.version, repositoryOpts: { repo: "https://stakater.github.io/stakater-charts" } });
        expect(reloader.values.reloader).toMatchObject({ reloadStrategy: "annotations", readOnlyRootFileSystem: true });
        const policiesByName = Object.fromEntries(built.ofType(T.networkPolicy).map((r) => [r.name, built.inputs(r.name)]));
        expect(Object.keys(policiesByName).sort()).toEqual(["external-secrets-allow-dns", "external-secrets-default-deny", "external-secrets-egress", "external-secrets-webhook"]);
        expect(policiesByName["external-secrets-webhook"].spec.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 10250 }] }]);
        for (const policy of Object.values(policiesByName)) {
            validateModel(new NetworkPolicy(policy));
        }
    });

    it("elects a leader when it runs more than one replica", async () => {
        const built = await build({ replicas: 2 });
        expect(built.inputs("external-secrets-external-secrets").values).toMatchObject({ leaderElect: true, replicaCount: 2, webhook: { replicaCount: 2 }, certController: { replicaCount: 2 } });
    });

    it("creates the ClusterSecretStore after the release that brings its CRD and webhook, for the consumer namespaces only", async () => {
        const built = await build({ irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER } });
        const store = built.resource("external-secrets-store", STORE_TYPE);
        expect(store.dependencies).toContain(built.resource("external-secrets-external-secrets").urn);
        const inputs = built.inputs("external-secrets-store");
        expect(inputs).toMatchObject({ apiVersion: EXTERNAL_SECRETS_API_VERSION, kind: "ClusterSecretStore", metadata: { name: SECRET_STORE_NAME } });
        expect(inputs.spec).toEqual({
            provider: { aws: { service: "SecretsManager", region: "eu-west-1", auth: { jwt: { serviceAccountRef: { name: "secrets-manager-reader", namespace: "external-secrets" } } } } },
            conditions: [{ namespaces: ["apps", "data"] }],
        });
        expect(validateAgainstCrd("ClusterSecretStore", inputs)).toEqual([]);
    });

    it("IRSA: a role only its reader ServiceAccount can assume, allowed GetSecretValue and DescribeSecret on the rotating secrets and Decrypt on their keys through Secrets Manager", async () => {
        const built = await build({ irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER } });
        const trust = JSON.parse(built.inputs("external-secrets-role").assumeRolePolicy);
        expect(trust.Statement).toEqual([
            {
                Effect: "Allow",
                Principal: { Federated: OIDC_ARN },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:external-secrets:secrets-manager-reader",
                        "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
                    },
                },
            },
        ]);
        const policy = JSON.parse(built.inputs("external-secrets-role-policy").policy);
        expect(policy.Statement).toEqual([
            { Sid: "ReadRotatingSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [SECRET_ARN] },
            { Sid: "DecryptThroughSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: [KEY], Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } } },
        ]);
        // No wildcard anywhere: exactly these secrets and keys.
        expect(JSON.stringify(policy)).not.toContain("*");
        const reader = built.inputs("external-secrets-reader");
        expect(reader.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": expect.stringMatching(/^arn:aws:iam:.*role\/external-secrets-role$/) });
        expect(reader.automountServiceAccountToken).toBe(false);
        validateModel(new ServiceAccount(reader));
        expect(built.maybe("external-secrets-user")).toBeUndefined();
    });

    it("without IRSA: an IAM user with the same policy, whose key the store reads from a Secret of the namespace", async () => {
        const built = await build();
        expect(JSON.parse(built.inputs("external-secrets-user-policy").policy).Statement[0].Resource).toEqual([SECRET_ARN]);
        expect(built.masked("external-secrets-aws-key").stringData).toBe("[secret]");
        const spec = built.inputs("external-secrets-store").spec;
        const ref = (key: string) => ({ name: "aws-secrets-manager-key", key, namespace: "external-secrets" });
        expect(spec.provider.aws.auth).toEqual({ secretRef: { accessKeyIDSecretRef: ref("access-key-id"), secretAccessKeySecretRef: ref("secret-access-key") } });
        expect(validateAgainstCrd("ClusterSecretStore", built.inputs("external-secrets-store"))).toEqual([]);
        expect(built.maybe("external-secrets-role")).toBeUndefined();
    });

    it("passes every policy with the prod config", async () => {
        const built = await build({ irsa: { oidcProviderArn: OIDC_ARN, oidcIssuer: OIDC_ISSUER } });
        const report = await evaluatePolicies(policies, built.run.resources, { config: packConfig("prod"), packEnforcementLevel: "mandatory" });
        expect(report.violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });
});

describe("syncedSecret: an ExternalSecret", () => {
    it("reads the rotating secret's user and password every 5 minutes and builds the Secret from a template, after the store", async () => {
        const built = await build();
        const es = built.resource("app-connection", ES_TYPE);
        expect(es.dependencies).toEqual(expect.arrayContaining([built.resource("external-secrets-store").urn, built.resource("external-secrets-external-secrets").urn]));
        const inputs = built.inputs("app-connection");
        expect(inputs.metadata).toMatchObject({ name: "postgres-connection", namespace: "apps" });
        expect(inputs.spec).toEqual({
            refreshInterval: DEFAULT_REFRESH_INTERVAL,
            refreshPolicy: "Periodic",
            secretStoreRef: { kind: "ClusterSecretStore", name: SECRET_STORE_NAME },
            target: {
                name: "postgres-connection",
                creationPolicy: "Owner",
                deletionPolicy: "Retain",
                template: {
                    engineVersion: "v2",
                    type: "Opaque",
                    metadata: { labels: expect.any(Object) },
                    data: { DATABASE_URL: "postgresql://{{ .username | urlquery }}:{{ .password | urlquery }}@db.example.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require" },
                },
            },
            data: [
                { secretKey: "username", remoteRef: { key: SECRET_ARN, property: "username" } },
                { secretKey: "password", remoteRef: { key: SECRET_ARN, property: "password" } },
            ],
        });
        expect(validateAgainstCrd("ExternalSecret", inputs)).toEqual([]);
        // The schema does reject what the CRD does not accept.
        expect(validateAgainstCrd("ExternalSecret", { ...inputs, spec: { ...inputs.spec, refreshPolicy: "Sometimes" } })).toEqual([expect.stringContaining("/spec/refreshPolicy")]);
        // What the operator writes from it: the URL with the current password, percent-encoded.
        expect(renderExternalSecret(inputs.spec.target.template.data, { username: "postgres", password: "a:b@c/d" })).toEqual({
            DATABASE_URL: "postgresql://postgres:a%3Ab%40c%2Fd@db.example.eu-west-1.rds.amazonaws.com:5432/app?sslmode=require",
        });
    });

    it("refuses a template without keys and a refresh interval that is not a duration", async () => {
        for (const [extra, message] of [
            [{ template: {} }, "template must name at least one key of the Secret"],
            [{ refreshInterval: "often" }, 'refreshInterval must be a Go duration of at least a second such as 5m or 1h (got "often")'],
        ] as const) {
            const run = await runProgram(
                () => {
                    const store = { kind: "ClusterSecretStore" as const, name: pulumi.output(SECRET_STORE_NAME), ready: [] };
                    const base = { namespace: "apps", secretName: "x", store, source: source(), template: { X: "{{ .password }}" } as Record<string, string> };
                    syncedSecret("bad", { ...base, ...extra }, {});
                },
                { captureErrors: true },
            );
            expect(String((run.error as Error).message)).toContain(message);
        }
    });
});

describe("ExternalSecrets: invalid arguments", () => {
    it.each([
        [{ secretArns: [] }, "secretArns must list at least one"],
        [{ kmsKeyArns: [] }, "kmsKeyArns must list at least one"],
        [{ consumerNamespaces: [] }, "consumerNamespaces must list at least one"],
        [{ secretArns: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"] }, "secretArns[0] must be a Secrets Manager secret ARN (never a wildcard)"],
        [{ replicas: 0 }, "replicas must be an integer from 1 to 10"],
    ])("%j", async (extra, message) => {
        const run = await runProgram(() => new ExternalSecrets("bad", args(extra as Partial<ExternalSecretsArgs>), {}), { captureErrors: true });
        expect(String((run.error as Error).message)).toContain(message);
        expect(run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    });
});
