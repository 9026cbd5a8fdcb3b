/**
 * Runs the real pack the way `pulumi preview --policy-pack policies` does (the SDK's
 * `run-policy-pack` entry point, ts-node with policies/tsconfig.json, cwd policies/), talks to its
 * analyzer server over gRPC as the engine does, and checks that it reports exactly what the
 * harness reports for the same resources. This is the only test that runs policies/index.ts, in
 * its own process.
 */
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies } from "../../policies/pack";
import { runProgram, type RecordedResource } from "../../scripts/engine/mock-engine";
import { enforcementOf, evaluatePolicies, fakeResource, UNKNOWN } from "../../scripts/engine/policy-harness";
import { bundleProgram } from "../../scripts/engine/program";
import { servePolicyPack } from "../helpers/policy-pack";
import { attach, bucket, bucketSet, dataProgram, estateProgram, KEY_ARN, packConfig, sseS3Encryption, T } from "./fixtures";
import { deployment as k8sDeployment, hpa as k8sHpa, ingress as k8sIngress, K, namespace as k8sNamespace, pdb as k8sPdb } from "./k8s/fixtures";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
// The engine's gRPC protocol, typed loosely at this boundary.
const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const root = path.join(__dirname, "../..");
const LEVEL = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 } as const;
const LEVEL_NAME = ["advisory", "mandatory", "disabled", "remediate"];

interface Finding {
    policy: string;
    level: string;
    urn: string;
    message: string;
}

let pack: ChildProcess | undefined;
let client: any;

const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](request, (err: unknown, resp: T) => (err ? reject(err) : resolve(resp))));

function toAnalyzerResource(r: RecordedResource): any {
    const res = new pb.AnalyzerResource();
    res.setType(r.type);
    res.setUrn(r.urn);
    res.setName(r.name);
    res.setProperties(Struct.fromJavaScript(r.inputs.toJavaScript()));
    const opts = new pb.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    if (r.parent) {
        opts.setParent(r.parent);
        res.setParent(r.parent);
    }
    res.setOptions(opts);
    res.setDependenciesList(r.dependencies);
    const propertyDependencies = res.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
        const deps = new pb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        propertyDependencies.set(key, deps);
    }
    return res;
}

/** The diagnostics of a response; the engine attributes one without a URN to the analyzed resource. */
function findingsOf(resp: any, analyzedUrn = ""): Finding[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: LEVEL_NAME[d.getEnforcementlevel()]!,
        urn: d.getUrn() || analyzedUrn,
        // The server names the pack in its can't-run notes; the harness does not.
        message: d.getMessage().replace(/ from policy pack '[^']*'/, ""),
    }));
}

/** What the engine sends to `Configure`: the config file reconciled with the pack's policies. */
async function configure(config: PolicyPackConfig): Promise<void> {
    const request = new pb.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const policy of policies) {
        const entry = config[policy.name];
        const props = typeof entry === "object" ? Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "enforcementLevel")) : {};
        const policyConfig = new pb.PolicyConfig();
        policyConfig.setEnforcementlevel(LEVEL[enforcementOf(policy, { config, packEnforcementLevel: "advisory" })]);
        policyConfig.setProperties(Struct.fromJavaScript(props));
        map.set(policy.name, policyConfig);
    }
    await call("configure", request);
}

/**
 * Everything the server reports for a stack, in the engine's order: each resource remediated (the
 * `remediate` policies' fixes replace its inputs), then analyzed, then the stack.
 */
async function serverFindings(original: RecordedResource[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const resources: RecordedResource[] = [];
    for (const r of original) {
        const request = new pb.AnalyzeRequest();
        const res = toAnalyzerResource(r);
        request.setType(res.getType());
        request.setUrn(res.getUrn());
        request.setName(res.getName());
        request.setProperties(res.getProperties());
        request.setOptions(res.getOptions());
        const remediated = ((await call("remediate", request)) as { getRemediationsList(): { getProperties(): RecordedResource["inputs"] | undefined }[] })
            .getRemediationsList()
            .map((rem) => rem.getProperties())
            .filter((props): props is RecordedResource["inputs"] => props !== undefined);
        resources.push(remediated.length > 0 ? { ...r, inputs: remediated[remediated.length - 1]!, outputs: undefined } : r);
    }
    for (const r of resources) {
        const request = new pb.AnalyzeRequest();
        const res = toAnalyzerResource(r);
        request.setType(res.getType());
        request.setUrn(res.getUrn());
        request.setName(res.getName());
        request.setProperties(res.getProperties());
        request.setOptions(res.getOptions());
        findings.push(...findingsOf(await call("analyze", request), r.urn));
    }
    const stackRequest = new pb.AnalyzeStackRequest();
    stackRequest.setResourcesList(resources.map(toAnalyzerResource));
    findings.push(...findingsOf(await call("analyzeStack", stackRequest)));
    return findings;
}

async function harnessFindings(resources: RecordedResource[], config: PolicyPackConfig): Promise<Finding[]> {
    const report = await evaluatePolicies(policies, resources, { config, packEnforcementLevel: "advisory" });
    return report.violations.map((v) => ({ policy: v.policy, level: v.enforcementLevel, urn: v.urn ?? "", message: v.message }));
}

const sorted = (findings: Finding[]) => [...findings].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

beforeAll(async () => {
    // The pack's entry point compiled to JavaScript, as the offline check compiles programs
    // (scripts/engine/program.ts): given a TypeScript folder, run-policy-pack registers ts-node with
    // `typeCheck: true` (node_modules/@pulumi/pulumi/cmd/run-policy-pack/run.js), and type-checking
    // policies/ against the SDKs' declarations costs about 12 s of CPU here before the server
    // answers, a check `tsc --noEmit -p .` already makes; the CLI's own path is tested in
    // test/integration/policy-pack-cli-path.test.ts. The server and the pack are the same.
    const packBundle = await bundleProgram(root, "policies/index.ts");
    ({ child: pack, client } = await servePolicyPack(packBundle.file));
}, 120_000);

afterAll(() => {
    client?.close();
    pack?.kill();
});

describe("the pack under the real analyzer server", () => {
    it("describes every policy of policies/pack.ts, with its config schema", async () => {
        const info = await call<any>("getAnalyzerInfo", new rpc.AnalyzerService.getAnalyzerInfo.requestType());
        expect(info.getName()).toBe("estate");
        expect(info.getSupportsconfig()).toBe(true);
        const described = info.getPoliciesList().map((p: any) => [p.getName(), p.getDescription(), p.getEnforcementlevel()]);
        expect(described).toEqual(policies.map((p) => [p.name, p.description, LEVEL.advisory]));
        const retention = info.getPoliciesList().find((p: any) => p.getName() === "estate-s3-lifecycle-retention");
        expect(retention.getConfigschema().getProperties().toJavaScript()).toEqual(
            policies.find((p) => p.name === "estate-s3-lifecycle-retention")!.configSchema!.properties,
        );
    });

    const cases: [string, () => Promise<RecordedResource[]>][] = [
        ["the estate fragment on up", async () => (await runProgram(() => estateProgram())).resources],
        ["the estate fragment in preview", async () => (await runProgram(() => estateProgram(), { preview: true })).resources],
        ["the estate fragment without access logging", async () => (await runProgram(() => estateProgram({ logging: false }))).resources],
        ["the managed data components on up", async () => (await runProgram(() => dataProgram())).resources],
        ["the managed data components in preview", async () => (await runProgram(() => dataProgram(), { preview: true })).resources],
        [
            "violating databases, caches and secrets",
            async () => {
                const pg = fakeResource({ type: "aws:rds/parameterGroup:ParameterGroup", name: "pg", props: { parameters: [{ name: "rds.force_ssl", value: "0" }] } });
                const docParams = fakeResource({ type: "aws:docdb/clusterParameterGroup:ClusterParameterGroup", name: "doc-params", props: { parameters: [{ name: "tls", value: "disabled" }] } });
                const aurora = fakeResource({ type: "aws:rds/cluster:Cluster", name: "au", props: { engine: "aurora-postgresql", storageEncrypted: true, performanceInsightsEnabled: true } });
                return [
                    pg,
                    attach("aws:rds/instance:Instance", "db", pg, { engine: "postgres", publiclyAccessible: true, backupRetentionPeriod: 1, manageMasterUserPassword: true }, "parameterGroupName"),
                    aurora,
                    attach("aws:rds/clusterInstance:ClusterInstance", "au-0", aurora, { performanceInsightsEnabled: true, performanceInsightsKmsKeyId: UNKNOWN }, "clusterIdentifier"),
                    docParams,
                    attach("aws:docdb/cluster:Cluster", "docs", docParams, { backupRetentionPeriod: 3, enabledCloudwatchLogsExports: ["profiler"] }, "dbClusterParameterGroupName"),
                    fakeResource({ type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "cache", props: { transitEncryptionEnabled: true, transitEncryptionMode: "preferred", snapshotRetentionLimit: 1 } }),
                    fakeResource({ type: "aws:secretsmanager/secret:Secret", name: "creds", props: {} }),
                    fakeResource({ type: "aws:secretsmanager/secret:Secret", name: "creds-cmk", props: { kmsKeyId: KEY_ARN } }),
                ];
            },
        ],
        [
            "violating buckets, ACLs and keys",
            async () => {
                const [logs] = bucketSet("logs");
                return [
                    bucket("bare", { acl: "public-read" }),
                    ...bucketSet("a", { encryption: sseS3Encryption, versioning: { versioningConfiguration: { status: "Suspended" } } }),
                    ...bucketSet("b", { publicAccessBlock: { blockPublicAcls: true }, policy: JSON.stringify({ Statement: [{ Effect: "Allow" }] }) }),
                    ...bucketSet("c", {
                        props: { tags: { "estate:role": "backup" } },
                        lifecycle: { rules: [{ id: "daily", status: "Enabled", filter: { prefix: "daily/" }, expiration: { days: 3 } }] },
                    }),
                    ...bucketSet("d", { encryption: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: UNKNOWN } }] }, policy: UNKNOWN }),
                    attach(T.acl, "logs-acl", logs!, { acl: "public-read-write" }),
                    fakeResource({ type: T.key, name: "plain-key", props: {} }),
                    fakeResource({ type: T.key, name: "signing-key", props: { customerMasterKeySpec: "RSA_2048" } }),
                ];
            },
        ],
    ];

    cases.push([
        "violating Kubernetes objects",
        async () => {
            const deployment = k8sDeployment((props) => {
                const pod = props.spec.template.spec;
                pod.hostNetwork = true;
                pod.containers[0].image = "nginx:latest";
                pod.containers[0].securityContext = { privileged: true };
                props.spec.replicas = 2;
            });
            return [
                deployment,
                k8sHpa(),
                k8sPdb((props) => (props.spec.maxUnavailable = 0)),
                k8sIngress((props) => delete props.spec.tls),
                k8sNamespace((props) => (props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")),
                fakeResource({ type: K.service, name: "public", props: { metadata: { name: "public", namespace: "apps" }, spec: { type: "LoadBalancer" } } }),
                fakeResource({ type: K.release, name: "platform-traefik", props: { name: "traefik", namespace: "ingress", values: { service: { type: "LoadBalancer" } } } }),
            ];
        },
    ]);

    for (const stack of ["dev", "prod"] as const) {
        it.each(cases)(`reports what the harness reports for %s (${stack} config)`, async (_name, build) => {
            const config = packConfig(stack);
            await configure(config);
            const resources = await build();
            expect(sorted(await serverFindings(resources))).toEqual(sorted(await harnessFindings(resources, config)));
        });
    }
});
