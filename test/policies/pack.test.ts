import type { EnforcementLevel } from "@pulumi/policy";
import Ajv from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BACKUP_TIERS, requiredDays, type RetentionObjective } from "../../policies/aws/s3";
import { advisoryInProd, mandatoryInEveryStack, packEnforcementLevel, packName, policies, remediatedInEveryStack } from "../../policies/pack";
import { entrySchema, policyConfigProblems, propertyProblems } from "../../scripts/engine/policy-config";
import { enforcementOf } from "../../scripts/engine/policy-harness";
import { packConfig } from "./fixtures";

const root = path.join(__dirname, "../..");
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
const policyNames = new Set<string>(policies.map((p) => p.name));

describe("the policies of the pack", () => {
    it("have unique estate-<service>-<rule> names", () => {
        for (const policy of policies) {
            expect(policy.name).toMatch(/^estate-[a-z0-9]+(-[a-z0-9]+)+$/);
            expect(policy.name).not.toBe("all");
        }
        expect(policyNames.size).toBe(policies.length);
    });

    it.each(policies.map((p) => [p.name, p] as const))("%s says why, how to fix, how bad, and what it mirrors", (_name, policy) => {
        expect(policy.description.length).toBeGreaterThan(40);
        expect(policy.description).not.toContain("\n");
        expect(policy.remediationSteps.length).toBeGreaterThan(40);
        expect(["low", "medium", "high", "critical"]).toContain(policy.severity);
        const service = policy.name.split("-")[1]!;
        expect(policy.tags).toContain(service);
        for (const tag of policy.tags.filter((t) => t.startsWith("checkov:"))) {
            expect(tag).toMatch(/^checkov:CKV2?_AWS_\d+$/);
        }
        expect(policy.checks.length).toBeGreaterThan(30);
        expect(policy.checks).not.toContain("\n");
        expect("validateResource" in policy || "validateStack" in policy || "remediateResource" in policy).toBe(true);
        // The pack's level comes from config files; a policy-level default would shadow the pack's.
        expect(policy.enforcementLevel).toBeUndefined();
    });

    it("name the Checkov rules they mirror", () => {
        const checkovIds = Object.fromEntries(policies.map((p) => [p.name, p.tags.filter((t) => t.startsWith("checkov:"))]));
        expect(checkovIds).toEqual({
            "estate-s3-bucket-encryption-kms": ["checkov:CKV_AWS_145"],
            "estate-s3-bucket-versioning": ["checkov:CKV_AWS_21"],
            "estate-s3-public-access-block": ["checkov:CKV2_AWS_6", "checkov:CKV_AWS_53", "checkov:CKV_AWS_54", "checkov:CKV_AWS_55", "checkov:CKV_AWS_56"],
            "estate-s3-public-access-block-remediation": [],
            "estate-s3-lifecycle-retention": ["checkov:CKV2_AWS_61", "checkov:CKV_AWS_300"],
            "estate-s3-deny-insecure-transport": [],
            "estate-s3-bucket-policy-public": ["checkov:CKV_AWS_70"],
            "estate-s3-no-public-acl": ["checkov:CKV_AWS_20", "checkov:CKV_AWS_57"],
            "estate-kms-key-rotation": ["checkov:CKV_AWS_7"],
            "estate-rds-storage-encrypted": ["checkov:CKV_AWS_16", "checkov:CKV_AWS_96"],
            "estate-rds-storage-encrypted-cmk": ["checkov:CKV_AWS_327"],
            "estate-rds-not-public": ["checkov:CKV_AWS_17"],
            "estate-rds-backup-retention": ["checkov:CKV_AWS_133"],
            "estate-rds-deletion-protection": ["checkov:CKV_AWS_293", "checkov:CKV_AWS_139"],
            "estate-rds-final-snapshot": [],
            "estate-rds-multi-az": ["checkov:CKV_AWS_157"],
            "estate-rds-performance-insights-encrypted": ["checkov:CKV_AWS_354"],
            "estate-rds-force-ssl": ["checkov:CKV2_AWS_69"],
            "estate-docdb-storage-encrypted": ["checkov:CKV_AWS_74"],
            "estate-docdb-backup-retention": ["checkov:CKV_AWS_360"],
            "estate-docdb-tls": ["checkov:CKV_AWS_90"],
            "estate-docdb-audit-logs": ["checkov:CKV_AWS_104"],
            "estate-docdb-deletion-protection": [],
            "estate-elasticache-encryption-at-rest": ["checkov:CKV_AWS_29"],
            "estate-elasticache-encryption-in-transit": ["checkov:CKV_AWS_30"],
            "estate-elasticache-auth": ["checkov:CKV_AWS_31"],
            "estate-elasticache-snapshot-retention": [],
            "estate-elasticache-automatic-failover": [],
            "estate-ec2-security-group-open-ingress": ["checkov:CKV_AWS_24", "checkov:CKV_AWS_25", "checkov:CKV_AWS_277"],
            "estate-ec2-launch-template-imdsv2": ["checkov:CKV_AWS_79", "checkov:CKV_AWS_341"],
            "estate-vpc-flow-logs": ["checkov:CKV2_AWS_11", "checkov:CKV_AWS_158"],
            "estate-eks-secrets-encryption": ["checkov:CKV_AWS_58"],
            "estate-eks-control-plane-logs": ["checkov:CKV_AWS_37"],
            "estate-eks-endpoint-exposure": ["checkov:CKV_AWS_38", "checkov:CKV_AWS_39"],
            "estate-eks-nodes-private-subnets": ["checkov:CKV_AWS_130"],
            "estate-ecr-repository-policy-public": ["checkov:CKV_AWS_32"],
            "estate-secretsmanager-secret-cmk": ["checkov:CKV_AWS_149"],
            "estate-backup-vault-encryption-cmk": ["checkov:CKV_AWS_166"],
            "estate-backup-vault-lock": [],
            "estate-backup-plan-retention": [],
            "estate-backup-selection-coverage": ["checkov:CKV2_AWS_8"],
            "estate-backup-cross-region-copy": [],
            "estate-backup-database-key-guarded": [],
            "estate-sns-topic-encryption-cmk": ["checkov:CKV_AWS_26"],
            "estate-cloudwatch-database-alarms": [],
            ...Object.fromEntries(policies.filter((p) => p.name.startsWith("estate-k8s-")).map((p) => [p.name, []])),
            // No scanner lists what it could not see; this pack does.
            "estate-unevaluated-content": [],
        });
    });

    it("name the AWS Guard Rules Registry rules they mirror (each confirmed in aws-cloudformation/aws-guard-rules-registry)", () => {
        const guardIds = Object.fromEntries(policies.filter((p) => p.tags.some((t) => t.startsWith("aws-guard:"))).map((p) => [p.name, p.tags.filter((t) => t.startsWith("aws-guard:"))]));
        expect(guardIds).toEqual({
            "estate-s3-bucket-encryption-kms": ["aws-guard:S3_DEFAULT_ENCRYPTION_KMS"],
            "estate-s3-bucket-versioning": ["aws-guard:S3_BUCKET_VERSIONING_ENABLED"],
            "estate-s3-public-access-block": ["aws-guard:S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"],
            "estate-s3-deny-insecure-transport": ["aws-guard:S3_BUCKET_SSL_REQUESTS_ONLY"],
            "estate-s3-bucket-policy-public": ["aws-guard:S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL", "aws-guard:S3_BUCKETPOLICY_NO_ALLOW_PLUS_NOTPRINCIPAL"],
            "estate-ec2-security-group-open-ingress": ["aws-guard:INCOMING_SSH_DISABLED", "aws-guard:RESTRICTED_INCOMING_TRAFFIC"],
            "estate-kms-key-rotation": ["aws-guard:CMK_BACKING_KEY_ROTATION_ENABLED"],
            "estate-rds-storage-encrypted": ["aws-guard:RDS_STORAGE_ENCRYPTED"],
            "estate-rds-not-public": ["aws-guard:RDS_INSTANCE_PUBLIC_ACCESS_CHECK"],
            "estate-rds-backup-retention": ["aws-guard:DB_INSTANCE_BACKUP_ENABLED"],
            "estate-rds-deletion-protection": ["aws-guard:RDS_INSTANCE_DELETION_PROTECTION_ENABLED"],
            "estate-rds-multi-az": ["aws-guard:RDS_MULTI_AZ_SUPPORT"],
        });
    });

    it("name the AWS Security Hub controls they mirror (each seen in the Security Hub user guide's <service>-controls pages)", () => {
        const controls = Object.fromEntries(policies.filter((p) => p.tags.some((t) => t.startsWith("aws-securityhub:"))).map((p) => [p.name, p.tags.filter((t) => t.startsWith("aws-securityhub:"))]));
        expect(controls).toEqual({
            "estate-ec2-launch-template-imdsv2": ["aws-securityhub:EC2.170"],
            "estate-vpc-flow-logs": ["aws-securityhub:EC2.6"],
            "estate-eks-secrets-encryption": ["aws-securityhub:EKS.3"],
            "estate-eks-control-plane-logs": ["aws-securityhub:EKS.8"],
            "estate-eks-endpoint-exposure": ["aws-securityhub:EKS.1"],
            "estate-eks-nodes-private-subnets": ["aws-securityhub:EC2.15"],
        });
    });

    it("remediate only where the fix is safe: KMS key rotation and the S3 public access block settings", () => {
        expect(remediatedInEveryStack).toEqual(["estate-s3-public-access-block-remediation", "estate-kms-key-rotation"]);
    });

    it("name the Kyverno policies they mirror (metadata.name in kyverno/policies)", () => {
        const kyvernoIds = Object.fromEntries(
            policies.filter((p) => p.tags.some((t) => t.startsWith("kyverno:")) || p.name.startsWith("estate-k8s-")).map((p) => [p.name, p.tags.filter((t) => t.startsWith("kyverno:"))]),
        );
        expect(kyvernoIds).toEqual({
            "estate-k8s-pod-privileged": ["kyverno:disallow-privileged-containers"],
            "estate-k8s-pod-host-namespaces": ["kyverno:disallow-host-namespaces"],
            "estate-k8s-pod-host-path": ["kyverno:disallow-host-path"],
            "estate-k8s-pod-capabilities": ["kyverno:disallow-capabilities-strict"],
            "estate-k8s-pod-privilege-escalation": ["kyverno:disallow-privilege-escalation"],
            "estate-k8s-pod-run-as-non-root": ["kyverno:require-run-as-nonroot", "kyverno:require-run-as-non-root-user"],
            "estate-k8s-pod-seccomp": ["kyverno:restrict-seccomp-strict"],
            "estate-k8s-container-resources": ["kyverno:require-requests-limits"],
            "estate-k8s-container-probes": ["kyverno:require-pod-probes"],
            "estate-k8s-image-pinned": ["kyverno:disallow-latest-tag"],
            // Checkov CKV_K8S_35 and Kyverno secrets-not-from-env-vars report the opposite (secretKeyRef in env).
            "estate-k8s-container-env-literal-credentials": [],
            "estate-k8s-deployment-autoscaling": ["kyverno:check-hpa-exists"],
            "estate-k8s-deployment-disruption-budget": ["kyverno:require-pdb", "kyverno:pdb-maxunavailable"],
            "estate-k8s-ingress-tls": [],
            "estate-k8s-single-load-balancer": ["kyverno:no-loadbalancer-service"],
            "estate-k8s-service-no-nodeport": ["kyverno:restrict-nodeport"],
            "estate-k8s-namespace-pod-security": ["kyverno:add-psa-labels"],
            // A labelling convention of the estate's own.
            "estate-k8s-namespace-ownership": [],
            // No scanner has an equivalent of these two.
            "estate-k8s-deployment-service-monitor": [],
            "estate-k8s-alertmanager-receiver": [],
            // Kyverno's network-policy rules generate or require policies; none checks flows through them.
            "estate-k8s-network-flows": [],
        });
    });

    it("declare config schemas the analyzer server accepts", () => {
        for (const policy of policies.filter((p) => p.configSchema)) {
            expect(Object.keys(policy.configSchema!.properties)).not.toContain("enforcementLevel");
            expect(policy.configSchema!.required ?? []).not.toContain("enforcementLevel");
        }
    });

    it("declare config schemas that are valid JSON Schema (the config check skips this meta-validation at run time)", () => {
        const meta = new Ajv({ strict: true });
        for (const policy of policies.filter((p) => p.configSchema)) {
            expect(meta.validateSchema(entrySchema(policy)), `${policy.name}: ${meta.errorsText(meta.errors)}`).toBe(true);
        }
        // The check can fail: a schema with a misspelt type is refused.
        expect(meta.validateSchema({ type: "object", properties: { minimumDays: { type: "integr" } } })).toBe(false);
    });

    it("form a pack whose name the analyzer server accepts, advisory unless configured", () => {
        expect(packName).toMatch(/^[a-zA-Z0-9-_.]{1,100}$/);
        expect(packEnforcementLevel).toBe("advisory");
    });
});

/** The problems of a config entry for one policy, as `check` reports them (the real validator, ajv). */
function validate(name: string, props: Record<string, unknown>): string[] {
    return propertyProblems(policies.find((p) => p.name === name)!, props);
}

/** Policies a profile turns off, and why: each one a deliberate, reviewed exception. */
const DISABLED: Record<"dev" | "prod", Record<string, string>> = {
    dev: { "estate-k8s-alertmanager-receiver": "a dev stack's alerts reach nobody by design (no estate:alerting)" },
    prod: {},
};

describe.each(["dev", "prod"] as const)("policies/config/%s.json", (stack) => {
    const config = packConfig(stack);
    const expected: EnforcementLevel = stack === "dev" ? "advisory" : "mandatory";

    it("names only `all` and real policies, with valid enforcement levels", () => {
        for (const [key, entry] of Object.entries(config)) {
            expect(key === "all" || policyNames.has(key), `unknown policy '${key}'`).toBe(true);
            const level = typeof entry === "string" ? entry : entry.enforcementLevel;
            if (level !== undefined) {
                expect(LEVELS).toContain(level);
            }
        }
    });

    it(`makes every policy ${expected}, but the listed exceptions${stack === "prod" ? " and the recommendations that stay advisory" : " and the ones mandatory everywhere"}, and remediates the safe fixes`, () => {
        expect(config.all).toBe(expected);
        expect(policyConfigProblems(config, policies)).toEqual([]);
        for (const policy of policies) {
            const level =
                policy.name in DISABLED[stack]
                    ? "disabled"
                    : remediatedInEveryStack.includes(policy.name)
                      ? "remediate"
                      : mandatoryInEveryStack.includes(policy.name)
                        ? "mandatory"
                      : stack === "prod" && advisoryInProd.includes(policy.name)
                        ? "advisory"
                        : expected;
            expect(enforcementOf(policy, { config, packEnforcementLevel }), policy.name).toBe(level);
        }
    });

    it("gives each policy properties its config schema accepts", () => {
        for (const policy of policies) {
            const entry = config[policy.name];
            const props = typeof entry === "object" ? Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "enforcementLevel")) : {};
            if (Object.keys(props).length > 0) {
                expect(policy.configSchema, `${policy.name} takes no config`).toBeDefined();
            }
            expect(propertyProblems(policy, props), policy.name).toEqual([]);
        }
    });

    it("sets the backup retention objective of the stack", () => {
        const entry = config["estate-s3-lifecycle-retention"] as { retention: RetentionObjective };
        expect(entry.retention).toEqual(
            stack === "dev"
                ? { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, yearlyYears: 1 }
                : { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 },
        );
    });
});

describe("the retention schema", () => {
    it("accepts no config at all (the policy then only requires the tier rules)", () => {
        expect(validate("estate-s3-lifecycle-retention", {})).toEqual([]);
    });

    it("rejects incomplete, fractional, zero and unknown settings", () => {
        const name = "estate-s3-lifecycle-retention";
        expect(validate(name, { retention: { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3 } })).toEqual([
            `policy ${name}, property retention.yearlyYears: required; allowed: an integer of at least 1`,
        ]);
        expect(validate(name, { retention: { dailyDays: 7.5, weeklyWeeks: 0, monthlyMonths: 3, yearlyYears: 1, hourlyHours: 2 } }).sort()).toEqual([
            `policy ${name}, property retention.dailyDays: 7.5 is not allowed; allowed: an integer of at least 1`,
            `policy ${name}, property retention.hourlyHours: not a setting of this policy; allowed: dailyDays, weeklyWeeks, monthlyMonths, yearlyYears`,
            `policy ${name}, property retention.weeklyWeeks: 0 is not allowed; allowed: an integer of at least 1`,
        ]);
    });

    it("converts objectives to days with 7-day weeks, 31-day months and 366-day years", () => {
        const prod = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
        expect(BACKUP_TIERS.map((tier) => [tier.prefix, requiredDays(prod, tier)])).toEqual([
            ["daily/", 30],
            ["weekly/", 84],
            ["monthly/", 372],
            ["yearly/", 2562],
        ]);
    });
});

describe("the AWS Backup policies' schemas", () => {
    it("take the same retention block as estate-s3-lifecycle-retention", () => {
        const retention = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };
        expect(validate("estate-backup-plan-retention", { retention })).toEqual([]);
        expect(validate("estate-backup-vault-lock", { retention, minChangeableForDays: 7 })).toEqual([]);
        expect(validate("estate-backup-plan-retention", { retention: { ...retention, yearlyYears: 0 } })).toEqual([
            "policy estate-backup-plan-retention, property retention.yearlyYears: 0 is not allowed; allowed: an integer of at least 1",
        ]);
    });

    it("refuse a cooling-off below AWS's 3 days and wrongly typed DR settings", () => {
        expect(validate("estate-backup-vault-lock", { minChangeableForDays: 2 })).toEqual([
            "policy estate-backup-vault-lock, property minChangeableForDays: 2 is not allowed; allowed: an integer from 3 to 36500",
        ]);
        expect(validate("estate-backup-cross-region-copy", { drRegion: "Frankfurt", requireCrossRegionCopy: "yes" })).toEqual([
            "policy estate-backup-cross-region-copy, property drRegion: \"Frankfurt\" is not allowed; allowed: a string matching ^[a-z]{2}(-[a-z]+)+-[0-9]+$",
            "policy estate-backup-cross-region-copy, property requireCrossRegionCopy: \"yes\" is not allowed; allowed: true or false",
        ]);
    });
});

describe("the single-load-balancer schema", () => {
    it("accepts lists of <namespace>/<name>, and rejects anything else", () => {
        const name = "estate-k8s-single-load-balancer";
        expect(validate(name, { allowedServices: [], allowedReleases: ["ingress/traefik"] })).toEqual([]);
        expect(validate(name, { allowedReleases: "ingress/traefik", allowedServices: [1, "traefik"] }).sort()).toEqual([
            `policy ${name}, property allowedReleases: "ingress/traefik" is not allowed; allowed: a list of strings matching ^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`,
            `policy ${name}, property allowedServices.0: 1 is not allowed; allowed: a string matching ^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`,
            `policy ${name}, property allowedServices.1: "traefik" is not allowed; allowed: a string matching ^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`,
        ]);
    });
});

describe("the pack's files", () => {
    const read = (file: string) => fs.readFileSync(path.join(root, "policies", file), "utf8");

    it("only index.ts builds the PolicyPack (its constructor starts a gRPC server)", () => {
        const sources = (fs.readdirSync(path.join(root, "policies"), { recursive: true }) as string[])
            .filter((f) => f.endsWith(".ts") && !f.startsWith("node_modules"))
            .filter((f) => read(f).includes("new PolicyPack("));
        expect(sources).toEqual(["index.ts"]);
    });

    it("PulumiPolicy.yaml runs the pack with Node.js", () => {
        const manifest = parseYaml(read("PulumiPolicy.yaml")) as { runtime: string; description: string };
        expect(manifest.runtime).toBe("nodejs");
        expect(manifest.description).toBeTruthy();
    });

    it("package.json pins the SDKs the estate uses, and has the version PolicyPack requires", () => {
        const pack = JSON.parse(read("package.json")) as { name: string; version: string; dependencies: Record<string, string> };
        const estate = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        expect(pack.name).toBe("estate-policies");
        expect(pack.version).toBeTruthy();
        for (const sdk of ["@pulumi/aws", "@pulumi/policy", "@pulumi/pulumi"]) {
            expect(pack.dependencies[sdk], sdk).toBe(estate.dependencies[sdk]);
        }
    });

    it("package.json runs on the estate's Node versions, with the estate's TypeScript, ts-node and Node types, and its lock file agrees", () => {
        type Manifest = { engines: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
        const pack = JSON.parse(read("package.json")) as Manifest;
        const estate = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;
        expect(pack.engines).toEqual(estate.engines);
        for (const tool of ["typescript", "ts-node", "@types/node"]) {
            expect(pack.devDependencies[tool], tool).toBe(estate.devDependencies[tool]);
        }
        const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, Partial<Manifest> & { version?: string }> };
        expect(lock.packages[""]).toMatchObject({ engines: pack.engines, dependencies: pack.dependencies, devDependencies: pack.devDependencies });
        // The SDKs the pack loads are the versions the estate's own lock file holds.
        const estateLock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as typeof lock;
        for (const sdk of Object.keys(pack.dependencies)) {
            expect(lock.packages[`node_modules/${sdk}`]?.version, sdk).toBe(estateLock.packages[`node_modules/${sdk}`]?.version);
        }
    });
});
