/**
 * The offline plan and check, through the same entry the npm scripts use (`runCli`), and through
 * a real `npm run` process for the exit codes and output a user sees.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/pack";
import { type CheckJson, fixture, type PlanJson, root, runCli } from "../helpers/cli";

/** Bad programs with data services only (no buckets), whose violations are exactly the ones listed. */
const DATA_PROGRAMS = ["rds-public-unencrypted.ts", "redis-without-transit-encryption.ts", "docdb-tls-disabled.ts"];
/** The Kubernetes programs: each is wrong in exactly the named ways. */
const K8S_PROGRAMS = ["privileged-pod.ts", "deployment-without-hpa.ts", "ingress-without-tls.ts", "extra-load-balancer.ts"];


async function planJson(args: string[]): Promise<PlanJson> {
    const result = await runCli(root, "plan", [...args, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    return JSON.parse(result.stdout) as PlanJson;
}

describe("plan", () => {
    it("prints the dev estate's resource tree under its components, with a count", async () => {
        const result = await runCli(root, "plan", ["--stack", "dev"]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^pulumi:pulumi:Stack estate-dev$/m);
        expect(result.stdout).toMatch(/^├─ estate:backup:BackupBucket backups$|^└─ estate:backup:BackupBucket backups$/m);
        expect(result.stdout).toMatch(/^[│ ] {2}[├└]─ aws:s3\/bucket:Bucket backups-bucket$/m);
        expect(result.stdout).toMatch(/^\d+ resources \(\d+ custom, \d+ components\) in stack dev$/m);
    });

    it("--json lists every registration with parent, options, inputs and property dependencies", async () => {
        const plan = await planJson(["--stack", "prod"]);
        expect(plan.project).toBe("estate");
        expect(plan.stack).toBe("prod");
        const byName = new Map(plan.resources.map((r) => [r.name, r]));
        const component = byName.get("backups")!;
        expect(component.type).toBe("estate:backup:BackupBucket");
        expect(component.custom).toBe(false);
        const bucket = byName.get("backups-bucket")!;
        expect(bucket.parent).toBe(component.urn);
        // prod protects what holds data
        expect(bucket.protect).toBe(true);
        expect(bucket.retainOnDelete).toBe(true);
        const versioning = byName.get("backups-versioning")!;
        expect(versioning.propertyDependencies.bucket).toEqual([bucket.urn]);
        expect(versioning.dependencies).toContain(bucket.urn);
        expect(plan.outputs).toMatchObject({ profile: "prod", region: "eu-west-1" });
    });

    it("dev does not protect its disposable data", async () => {
        const plan = await planJson(["--stack", "dev"]);
        const bucket = plan.resources.find((r) => r.name === "backups-bucket")!;
        expect(bucket.protect).toBe(false);
    });

    it("replaces every secret value with [secret] in inputs and outputs", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-secret-"));
        const program = path.join(dir, "index.ts");
        fs.writeFileSync(
            program,
            `import * as pulumi from "@pulumi/pulumi";\nimport * as aws from "@pulumi/aws";\n` +
                `const password = pulumi.secret("hunter2-very-secret");\n` +
                `new aws.ssm.Parameter("p", { type: "SecureString", value: password });\n` +
                `export const dsn = pulumi.interpolate\`postgres://app:\${password}@db/app\`;\n`,
        );
        const result = await runCli(root, "plan", ["--stack", "dev", "--json", "--program", program]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).not.toContain("hunter2");
        const plan = JSON.parse(result.stdout) as PlanJson;
        expect(plan.resources.find((r) => r.name === "p")!.inputs.value).toBe("[secret]");
        expect(plan.outputs.dsn).toBe("[secret]");
    });

    it("--preview leaves ids and computed outputs unknown, as a real preview of a new stack does", async () => {
        const plan = await planJson(["--stack", "prod", "--preview"]);
        const versioning = plan.resources.find((r) => r.name === "backups-versioning")!;
        expect(versioning.inputs.bucket).toBe("[unknown]");
        expect((plan.outputs.backupBucket as { arn: unknown }).arn).toBe("[unknown]");
    });
});

describe("check", () => {
    it.each(["dev", "prod"])("the %s stack has no policy violation", async (stack) => {
        const result = await runCli(root, "check", ["--stack", stack, "--json"]);
        expect(result.stderr).toBe("");
        const report = JSON.parse(result.stdout) as CheckJson;
        expect(report.violations).toEqual([]);
        expect(report.policies).toBe(policies.length);
        expect(result.exitCode).toBe(0);
    });

    it("the prod stack has no violation in preview either (policies cope with unknown ids)", async () => {
        const result = await runCli(root, "check", ["--stack", "prod", "--json", "--preview"]);
        const report = JSON.parse(result.stdout) as CheckJson;
        expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });

    it.each([
        ["public-bucket-acl.ts", ["estate-s3-no-public-acl"]],
        [
            "bucket-without-protection.ts",
            [
                "estate-s3-bucket-encryption-kms",
                "estate-s3-bucket-versioning",
                "estate-s3-public-access-block",
                "estate-s3-lifecycle-retention",
                "estate-s3-deny-insecure-transport",
            ],
        ],
        // Its public access block settings are remediated (level remediate), so only the ACL is a violation.
        ["bucket-with-public-acl.ts", ["estate-s3-no-public-acl"]],
        [
            "rds-public-unencrypted.ts",
            [
                "estate-rds-storage-encrypted",
                "estate-rds-not-public",
                "estate-rds-backup-retention",
                "estate-rds-deletion-protection",
                "estate-rds-final-snapshot",
                "estate-rds-multi-az",
                "estate-rds-force-ssl",
                "estate-backup-selection-coverage",
                // No CloudWatch alarm watches it either.
                "estate-cloudwatch-database-alarms",
            ],
        ],
        [
            "redis-without-transit-encryption.ts",
            [
                "estate-elasticache-encryption-at-rest",
                "estate-elasticache-encryption-in-transit",
                "estate-elasticache-auth",
                "estate-elasticache-snapshot-retention",
                "estate-elasticache-automatic-failover",
                "estate-cloudwatch-database-alarms",
            ],
        ],
        [
            "docdb-tls-disabled.ts",
            [
                "estate-docdb-storage-encrypted",
                "estate-docdb-backup-retention",
                "estate-docdb-tls",
                "estate-docdb-audit-logs",
                "estate-docdb-deletion-protection",
                "estate-backup-selection-coverage",
            ],
        ],
        ["rds-instance-without-backup-selection.ts", ["estate-backup-selection-coverage"]],
        ["backup-vault-without-lock.ts", ["estate-backup-vault-lock"]],
        [
            "privileged-pod.ts",
            [
                "estate-k8s-pod-privileged",
                "estate-k8s-pod-host-namespaces",
                "estate-k8s-pod-host-path",
                "estate-k8s-pod-capabilities",
                "estate-k8s-pod-privilege-escalation",
                "estate-k8s-pod-run-as-non-root",
                "estate-k8s-pod-seccomp",
                "estate-k8s-container-probes",
            ],
        ],
        ["deployment-without-hpa.ts", ["estate-k8s-deployment-autoscaling"]],
        ["ingress-without-tls.ts", ["estate-k8s-ingress-tls"]],
        ["extra-load-balancer.ts", ["estate-k8s-single-load-balancer"]],
        ["deployment-without-service-monitor.ts", ["estate-k8s-deployment-service-monitor"]],
        ["alertmanager-null-receiver.ts", ["estate-k8s-alertmanager-receiver"]],
    ])("--program %s against prod exits 1 naming %j", async (file, expected) => {
        const result = await runCli(root, "check", ["--stack", "prod", "--json", "--program", fixture(file)]);
        expect(result.exitCode).toBe(1);
        const report = JSON.parse(result.stdout) as CheckJson;
        const named = new Set(report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy));
        for (const policy of expected) {
            expect(named).toContain(policy);
        }
        if (DATA_PROGRAMS.includes(file) || K8S_PROGRAMS.includes(file)) {
            // Nothing else is mandatory: each bad data or Kubernetes program trips exactly the rules it breaks.
            expect([...named].sort()).toEqual([...expected].sort());
        }
    });

    it.each([
        ["rds-instance-without-backup-selection.ts", "estate-backup-selection-coverage", "aws:rds/instance:Instance::orders", /^RDS instance 'orders' is in no AWS Backup selection/],
        ["backup-vault-without-lock.ts", "estate-backup-vault-lock", "aws:backup/vault:Vault::backups", /^Backup vault 'backups' has no VaultLockConfiguration/],
    ])("--program %s against prod reports exactly %s, on the resource at fault", async (file, policy, urnSuffix, message) => {
        for (const preview of [false, true]) {
            const result = await runCli(root, "check", ["--stack", "prod", "--json", "--program", fixture(file), ...(preview ? ["--preview"] : [])]);
            expect(result.exitCode).toBe(1);
            const report = JSON.parse(result.stdout) as CheckJson;
            expect(report.violations).toHaveLength(1);
            const [violation] = report.violations;
            expect(violation).toMatchObject({ policy, enforcementLevel: "mandatory", severity: "high", urn: `urn:pulumi:prod::estate::pulumi:pulumi:Stack$${urnSuffix}` });
            expect(violation!.message.split("\n")[1]).toMatch(message);
        }
    });

    it("the same bad program against dev is advisory only: reported, exit 0", async () => {
        const result = await runCli(root, "check", ["--stack", "dev", "--program", fixture("public-bucket-acl.ts")]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^\[advisory\] estate-s3-no-public-acl/m);
        expect(result.stdout).toMatch(/0 mandatory, [1-9]\d* advisory violations/);
    });

    it.each(["dev", "prod"])("prints the flows verdict of the %s stack: every declared flow allowed", async (stack) => {
        const text = await runCli(root, "check", ["--stack", stack]);
        expect(text.stdout).toMatch(/^flows: \d+ required, all allowed$/m);
        const report = JSON.parse((await runCli(root, "check", ["--stack", stack, "--json"])).stdout) as CheckJson;
        expect(report.flows.required).toBeGreaterThan(20);
        expect(report.flows).toMatchObject({ allowed: report.flows.required, denied: [], missingSolverFlows: [], invalidPolicies: [] });
        expect(text.stdout).toContain(`flows: ${report.flows.required} required, all allowed`);
    });

    it("reports a denied flow with the policy at fault, and fails even in dev (the flows policy is mandatory in every stack)", async () => {
        const result = await runCli(root, "check", ["--stack", "dev", "--program", fixture("acme-solver-blocked.ts")]);
        expect(result.exitCode).toBe(1);
        expect(result.stdout).toMatch(/^\[mandatory\] estate-k8s-network-flows \(high\)$/m);
        expect(result.stdout).toMatch(/^flows: 1 required, 1 denied:$/m);
        expect(result.stdout).toContain(
            "  denied: flow 'ingress-to-acme-solver' declared by GrafanaSite 'grafana': TCP 8089 from pod app.kubernetes.io/name=traefik in ingress to pod " +
                "acme.cert-manager.io/http01-solver=true in monitoring is denied: ingress to the destination is isolated by monitoring/default-deny and no ingress rule of that policy admits it.",
        );
        expect(result.stdout).toMatch(/^ {4}at fault: monitoring\/default-deny$/m);
        const report = JSON.parse((await runCli(root, "check", ["--stack", "dev", "--json", "--program", fixture("acme-solver-blocked.ts")])).stdout) as CheckJson;
        expect(report.flows).toMatchObject({ required: 1, allowed: 0, missingSolverFlows: [], invalidPolicies: [] });
        expect(report.flows.denied).toEqual([
            expect.objectContaining({
                name: "ingress-to-acme-solver",
                declaredBy: "GrafanaSite 'grafana'",
                urn: "urn:pulumi:dev::estate::pulumi:pulumi:Stack$estate:test:GrafanaSite::grafana",
                flow: "TCP 8089 from pod app.kubernetes.io/name=traefik in ingress to pod acme.cert-manager.io/http01-solver=true in monitoring",
                policiesAtFault: ["monitoring/default-deny"],
            }),
        ]);
        expect(report.violations.map((v) => `${v.enforcementLevel} ${v.policy}`)).toEqual(["mandatory estate-k8s-network-flows"]);
    });

    it("prints each violation with its level, policy, resource and message, then a summary", async () => {
        const result = await runCli(root, "check", ["--stack", "prod", "--program", fixture("public-bucket-acl.ts")]);
        expect(result.stdout).toMatch(/^\[mandatory\] estate-s3-no-public-acl \(critical\)$/m);
        expect(result.stdout).toMatch(/^ {2}resource: urn:pulumi:prod::estate::pulumi:pulumi:Stack\$aws:s3\/bucketAcl:BucketAcl::uploads-acl$/m);
        expect(result.stdout).toMatch(/policy pack estate: \d+ policies over 2 resources of stack prod .*: 1 mandatory, 0 advisory violations/);
    });
});


/** Writes a policy config file for one test, and removes it after. */
function withPolicyConfig<T>(config: unknown, run: (file: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-policy-config-"));
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
    return run(file).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

describe("check: remediations", () => {
    it.each(["dev", "prod"])("reports that %s would remediate a key without rotation, and does not fail", async (stack) => {
        const result = await runCli(root, "check", ["--stack", stack, "--program", fixture("kms-key-without-rotation.ts")]);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^\[remediate\] estate-kms-key-rotation \(medium\)$/m);
        expect(result.stdout).toMatch(new RegExp(`^ {2}resource: urn:pulumi:${stack}::estate::pulumi:pulumi:Stack\\$aws:kms/key:Key::app-key$`, "m"));
        expect(result.stdout).toMatch(/^ {2}would remediate: enableKeyRotation: not set -> true$/m);
        expect(result.stdout).toMatch(/: 0 mandatory, 0 advisory violations; 1 resource\(s\) would be remediated$/m);
    });

    it("lists remediations in the JSON report", async () => {
        const result = await runCli(root, "check", ["--stack", "prod", "--json", "--program", fixture("kms-key-without-rotation.ts")]);
        const report = JSON.parse(result.stdout) as CheckJson & { remediations: { policy: string; urn: string; changes: string[] }[] };
        expect(report.violations).toEqual([]);
        expect(report.remediations).toEqual([
            {
                policy: "estate-kms-key-rotation",
                severity: "medium",
                urn: "urn:pulumi:prod::estate::pulumi:pulumi:Stack$aws:kms/key:Key::app-key",
                changes: ["enableKeyRotation: not set -> true"],
            },
        ]);
    });

    it("fails instead when a stack's config makes the policy mandatory rather than remediate", async () => {
        const result = await withPolicyConfig({ all: "mandatory" }, (file) =>
            runCli(root, "check", ["--stack", "prod", "--policy-config", file, "--program", fixture("kms-key-without-rotation.ts")]),
        );
        expect(result.exitCode).toBe(1);
        expect(result.stdout).toMatch(/^\[mandatory\] estate-kms-key-rotation/m);
        expect(result.stdout).not.toContain("would remediate");
    });
});

describe("check: the policy config file is validated before the program runs", () => {
    it.each([
        ["an unknown policy", { "estate-kms-rotation": "mandatory" }, "policy estate-kms-rotation: no such policy in the pack"],
        ["an unknown level for all", { all: "strict" }, 'all: enforcement level "strict" is not allowed; allowed: "advisory", "mandatory", "remediate", "disabled"'],
        ["an unknown level for a policy", { "estate-rds-not-public": "warn" }, 'policy estate-rds-not-public: enforcement level "warn" is not allowed'],
        ["an unknown property", { "estate-rds-backup-retention": { minDays: 7 } }, "policy estate-rds-backup-retention, property minDays: not a setting of this policy; allowed: minimumDays"],
        ["a threshold out of range", { "estate-docdb-backup-retention": { minimumDays: 3 } }, "policy estate-docdb-backup-retention, property minimumDays: 3 is not allowed; allowed: an integer from 7 to 35"],
        [
            "an incomplete retention block",
            { "estate-backup-plan-retention": { retention: { dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3 } } },
            "policy estate-backup-plan-retention, property retention.yearlyYears: required; allowed: an integer of at least 1",
        ],
        ["settings for a policy without any", { "estate-kms-key-rotation": { days: 90 } }, "policy estate-kms-key-rotation, property days: not a setting of this policy; the policy takes no settings"],
    ])("%s: exit 2, naming the file, the policy and what is allowed", async (_what, config, message) => {
        const result = await withPolicyConfig(config, async (file) => ({ file, ...(await runCli(root, "check", ["--stack", "dev", "--policy-config", file])) }));
        expect(result.exitCode).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain(`error: ${result.file}: invalid policy pack config:\n`);
        expect(result.stderr).toContain(message);
    });

    it("invalid JSON: exit 2, naming the file", async () => {
        const result = await withPolicyConfig("{ all: advisory", async (file) => ({ file, ...(await runCli(root, "check", ["--stack", "dev", "--policy-config", file])) }));
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toMatch(/^error: .*config\.json: invalid policy pack config:\n {2}- not valid JSON: /);
    });

    it("accepts a valid file of its own", async () => {
        const result = await withPolicyConfig({ all: "advisory", "estate-rds-backup-retention": { enforcementLevel: "mandatory", minimumDays: 14 } }, (file) =>
            runCli(root, "check", ["--stack", "dev", "--policy-config", file]),
        );
        expect(result.exitCode).toBe(0);
    });
});
