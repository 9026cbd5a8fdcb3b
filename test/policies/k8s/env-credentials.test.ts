import { describe, expect, it } from "vitest";
import { credentialWord, k8sContainerEnvLiteralCredentials, mayBeCredential } from "../../../policies/k8s/env-credentials";
import { fakeResource, UNKNOWN } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { container, cronJob, deployment, type Json } from "./fixtures";

const withEnv = (env: Json[], where: (pod: Json) => Json = (pod) => pod.containers[0]) =>
    deployment((p) => {
        where(p.spec.template.spec).env = env;
    });

describe("estate-k8s-container-env-literal-credentials", () => {
    it("passes credentials from a Secret, a mounted file, and a $(VAR) reference", async () => {
        const good = withEnv([
            { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
            { name: "PGPASSWORD_FILE", value: "/var/run/secrets/db/password" },
            { name: "REDIS_PASSWORD_FILE", value: "/var/run/secrets/redis/password" },
            { name: "DATABASE_PASSWORD", value: "$(POSTGRES_PASSWORD)" },
            { name: "API_TOKEN", value: "" },
        ]);
        expect((await check(k8sContainerEnvLiteralCredentials, [good])).violations).toEqual([]);
    });

    it.each([
        ["PASSWORD", "PASSWORD"],
        ["PGPASSWORD", "PGPASSWORD"],
        ["MYSQL_ROOT_PASSWORD", "PASSWORD"],
        ["DB_PASS", "PASS"],
        ["API_KEY", "KEY"],
        ["apiKey", "KEY"],
        ["STRIPE_APIKEY", "APIKEY"],
        ["AWS_SECRET_ACCESS_KEY", "SECRET"],
        ["GITHUB_TOKEN", "TOKEN"],
        ["JWT_SECRET", "SECRET"],
        ["OAUTH_CLIENTSECRET", "CLIENTSECRET"],
        ["SECRET_KEY_BASE", "SECRET"],
        ["dbPassword", "PASSWORD"],
        ["SMTP_PASSPHRASE", "PASSPHRASE"],
    ])("fails %s with a literal value (credential word %s)", async (name, word) => {
        const bad = withEnv([{ name, value: "s3cr3t-Value" }]);
        expect(messagesOf(await check(k8sContainerEnvLiteralCredentials, [bad]))).toEqual([
            `Deployment 'apps/web': container 'web' sets env ${name} (${word}) to a literal value; use valueFrom.secretKeyRef or a mounted file.`,
        ]);
    });

    it.each([
        "PGPASSWORD_FILE",
        "TLS_KEY_PATH",
        "SECRETS_DIR",
        "DB_SECRET_ARN",
        "KMS_KEY_ID",
        "AWS_ACCESS_KEY_ID",
        "SECRET_NAME",
        "KEY_SERVER",
        "TOKEN_URL",
        "OIDC_TOKEN_ENDPOINT",
        "PASSWORD_MIN_LENGTH",
        "SSH_PUBLIC_KEY",
        "DYNAMODB_PARTITION_KEY",
        "CACHE_KEY",
        "MONKEY",
        "BYPASS",
        "PWD",
        "KEYCLOAK_URL",
    ])("does not take %s for a credential", (name) => {
        expect(credentialWord(name)).toBeUndefined();
    });

    it("does not take paths, ARNs, numbers, booleans or $(VAR) references for credential values", () => {
        for (const value of ["/etc/secrets/key", "arn:aws:kms:eu-west-1:123456789012:key/abc", "3600", "true", "Off", "$(DB_PASSWORD)", "postgres://app:$(PGPASSWORD)@db:5432/app", " "]) {
            expect(mayBeCredential(value), value).toBe(false);
        }
        for (const value of ["hunter2", "$$(NOT_A_REF)", "sk_live_0123", "0x1f"]) {
            expect(mayBeCredential(value), value).toBe(true);
        }
    });

    it("looks at init and ephemeral containers, and a CronJob's (any API version)", async () => {
        const init = deployment((p) => {
            p.spec.template.spec.initContainers = [{ ...container("migrate"), env: [{ name: "DB_PASSWORD", value: "hunter2" }] }];
            p.spec.template.spec.ephemeralContainers = [{ name: "debug", image: "busybox:1.36", env: [{ name: "TOKEN", value: "abc" }] }];
        });
        expect(messagesOf(await check(k8sContainerEnvLiteralCredentials, [init]))).toEqual([
            "Deployment 'apps/web': init container 'migrate' sets env DB_PASSWORD (PASSWORD) to a literal value; use valueFrom.secretKeyRef or a mounted file.",
            "Deployment 'apps/web': ephemeral container 'debug' sets env TOKEN (TOKEN) to a literal value; use valueFrom.secretKeyRef or a mounted file.",
        ]);
        const cron = cronJob((p) => (p.spec.jobTemplate.spec.template.spec.containers[0].env = [{ name: "S3_SECRET_KEY", value: "abc" }]), "kubernetes:batch/v1beta1:CronJob");
        expect(messagesOf(await check(k8sContainerEnvLiteralCredentials, [cron]))).toEqual([
            "CronJob 'apps/report': container 'web' sets env S3_SECRET_KEY (SECRET) to a literal value; use valueFrom.secretKeyRef or a mounted file.",
        ]);
    });

    it("fails a value the program computes (unknown in a preview): it lands in the spec in clear text", async () => {
        const computed = withEnv([{ name: "DB_PASSWORD", value: UNKNOWN }]);
        expect(messagesOf(await check(k8sContainerEnvLiteralCredentials, [computed]))).toEqual([
            "Deployment 'apps/web': container 'web' sets env DB_PASSWORD (PASSWORD) to a plain value the program computes: it is written into the spec in clear text; use valueFrom.secretKeyRef or a mounted file.",
        ]);
    });

    it("is mandatory in prod, and not applicable to objects without pods", async () => {
        const bad = withEnv([{ name: "API_KEY", value: "abc" }]);
        const report = await check(k8sContainerEnvLiteralCredentials, [bad], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "high"]]);
        const cm = fakeResource({ type: "kubernetes:core/v1:ConfigMap", name: "settings", props: { data: { API_KEY: "abc" } } });
        expect((await check(k8sContainerEnvLiteralCredentials, [cm])).notApplicable.map((n) => n.urn)).toEqual([cm.urn]);
    });
});
