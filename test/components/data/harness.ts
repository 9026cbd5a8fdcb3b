/**
 * Runs data components under the mock engine and looks up what they registered, by name.
 */
import * as k8s from "@pulumi/kubernetes";
import { expect } from "vitest";
import { BackupPlan } from "../../../components/backup";
import type { KeyGuard } from "../../../components/lib/key-guard";
import type { DataNetwork, DataObjectives, DatabaseConnection } from "../../../components/data";
import { cloudwatchDatabaseAlarms } from "../../../policies/aws/cloudwatch";
import { policies } from "../../../policies/pack";
import { fromWire, plainInputs, runProgram, type EngineRun, type RecordedResource, type RunOptions } from "../../../scripts/engine/mock-engine";
import { evaluatePolicies, type PolicyReport } from "../../../scripts/engine/policy-harness";
import { packConfig } from "../../policies/fixtures";

export const NETWORK: DataNetwork = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    subnetIds: ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b02"],
    allowedSecurityGroupIds: ["sg-0a1b2c3d4e5f60d04"],
    allowedCidrBlocks: ["10.42.0.0/16"],
};
export const OBJECTIVES: DataObjectives = { rpoMinutes: 15, dailyBackupDays: 30 };
/** The key guard of Pulumi.prod.yaml: the prod policy config bounds key deletion by its break-glass role. */
export const PROD_KEY_GUARD: KeyGuard = {
    breakGlassRoleArn: "arn:aws:iam::123456789012:role/estate-break-glass",
    deployerRoleArns: ["arn:aws:iam::123456789012:role/estate-deployer"],
};
export const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";

/**
 * AWS Backup as the prod estate wires it (tiers, continuous backup, vault lock, DR copies), but
 * selecting by tag only: what covers a database whose ARN nobody passed on.
 */
export function backupPlanSelectingByTag(): BackupPlan {
    return new BackupPlan("aws-backup", {
        retention: { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 },
        continuousBackup: { days: OBJECTIVES.dailyBackupDays },
        drRegion: "eu-central-1",
        vaultLock: { changeableForDays: 7 },
    });
}

/** The egress rule to the cluster DNS every in-cluster data pod gets. */
export const DNS_EGRESS = {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};

/** A Kubernetes provider for cluster placements (the mock never reaches a cluster). */
export function clusterProvider(): k8s.Provider {
    return new k8s.Provider("cluster", { context: "kind-estate" });
}

export class Built {
    constructor(readonly run: EngineRun) {}

    /** Every registration but the stack, as `type name`. */
    get registered(): string[] {
        return this.run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => `${r.type} ${r.name}`);
    }

    resource(name: string, type?: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
        expect(found, `exactly one resource named ${name}`).toHaveLength(1);
        return found[0]!;
    }

    maybe(name: string): RecordedResource | undefined {
        return this.run.resources.find((r) => r.name === name);
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    // Deserialized engine payloads: typed loosely at this boundary only.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs(name: string, type?: string): any {
        return plainInputs(this.resource(name, type), "unwrap");
    }

    /** Stack outputs with secrets unwrapped. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    outputs(): any {
        return fromWire(this.run.outputs!.toJavaScript(), "unwrap");
    }

    /** Stack outputs as printed: secrets `[secret]`, unknowns `[unknown]`. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    shownOutputs(): any {
        return fromWire(this.run.outputs!.toJavaScript(), "mask");
    }

    /** Children of the component named `name`. */
    childrenOf(name: string): RecordedResource[] {
        const parent = this.run.resources.find((r) => r.name === name && r.type.startsWith("estate:"))!;
        return this.run.resources.filter((r) => r.parent === parent.urn);
    }

    /**
     * Every policy of the pack but the one on CloudWatch alarms: a data component's alarms are
     * another component's (`DatabaseAlarms`, which the estate wires to it); database-alarms.test.ts
     * runs that policy over the data components together with their alarms.
     */
    policyReport(stack: "dev" | "prod" = "prod"): Promise<PolicyReport> {
        const own = policies.filter((p) => p.name !== cloudwatchDatabaseAlarms.name);
        return evaluatePolicies(own, this.run.resources, { config: packConfig(stack), packEnforcementLevel: "advisory" });
    }
}

/** Runs `make`, exporting the connection it returns as the stack output `connection`. */
export async function build(make: () => { connection: DatabaseConnection }, opts: RunOptions = {}): Promise<Built> {
    return new Built(await runProgram(() => ({ connection: make().connection }), opts));
}

/** Runs `make`, expecting it to throw; returns the error and what was registered. */
export async function buildError(make: () => unknown): Promise<{ message: string; registered: string[] }> {
    const run = await runProgram(make, { captureErrors: true });
    expect(run.error, "the component should refuse its arguments").toBeInstanceOf(Error);
    return { message: (run.error as Error).message, registered: run.resources.map((r) => r.type) };
}

/** The connection fields every placement exports, secrets shown as the CLI shows them. */
export const CONNECTION_FIELDS = ["database", "host", "password", "port", "uri", "user"];

/**
 * Validates a `kubernetes-models` object against its schema (throws on the first violation). The
 * models' base class ships ESM-only typings that the project's CommonJS resolution cannot see,
 * hence the narrow cast at this boundary.
 */
export function validateModel(model: object): void {
    (model as { validate(): void }).validate();
}
