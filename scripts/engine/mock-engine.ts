/**
 * The one engine harness: runs a Pulumi program under the SDK's mock engine and records every
 * registration the way the real engine receives it (type, name, parent, custom, protect,
 * retainOnDelete, serialized inputs, dependencies, property dependencies), plus the stack outputs.
 *
 * `plan`, `check`, `bench` and the tests all go through `runProgram`.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { OFFLINE_UNEVALUATED_KEY, unansweredInvokeIn, unansweredInvokeReason, unevaluatedReason } from "../../policies/lib/unevaluated";
import { answerInvoke, type InvokeContext } from "./invokes";
import { getStore, runInPulumiStack, setMockOptions, waitForRPCs, withLocalStorage, withoutSdkBookkeeping } from "./pulumi-internals";

/** A resource as the engine saw its registration. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    /** The serialized inputs, exactly as sent to the engine (secrets and unknowns in wire form). */
    inputs: Struct;
    /**
     * The state the (mock) provider returned: inputs plus computed outputs such as `arn` on `up`,
     * inputs with unknowns in preview; for a component, what it passed to `registerOutputs`. Stack
     * policies see this, as the engine's AnalyzeStack does.
     */
    outputs?: Struct;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    provider?: string;
    /** The earlier identities the resource claims (`aliases`): a URN, or a name/type/parent spec. */
    aliases: RecordedAlias[];
    /** Properties whose changes the engine ignores (`ignoreChanges`). */
    ignoreChanges?: string[];
    /** A multi-language component (`remote: true`): its provider plugin would create its children. */
    remote?: boolean;
}

/** A resource whose contents no policy could see offline, and why (`check` lists them; see policies/lib/unevaluated.ts). */
export interface UnevaluatedResource {
    urn: string;
    type: string;
    name: string;
    reason: string;
}

export interface RecordedAlias {
    urn?: string;
    name?: string;
    type?: string;
    /** The earlier parent's URN; `noParent` when it had none (a top-level resource). */
    parentUrn?: string;
    noParent?: boolean;
}

/** A message the program logged (`pulumi.log.info`, `warn`, `error`), as the CLI shows it under "Diagnostics". */
export interface Diagnostic {
    severity: "info" | "warning" | "error";
    message: string;
    /** The resource the message is about, when the program named one. */
    urn?: string;
}

export interface EngineRun {
    project: string;
    stack: string;
    preview: boolean;
    resources: RecordedResource[];
    /** What the program logged, in order (debug messages left out, as the CLI does by default). */
    diagnostics: Diagnostic[];
    /** The root stack's outputs, serialized the way the engine receives them. */
    outputs?: Struct;
    /** What the program threw, when run with `captureErrors`. */
    error?: unknown;
    /** The resources whose contents no policy could see offline. */
    unevaluated: UnevaluatedResource[];
    /** The data-source invokes the engine could not answer (their tokens, in order of first call). */
    unansweredInvokes: string[];
}

export interface RunOptions {
    project?: string;
    stack?: string;
    /** Stack config as the CLI hands it to a program: `"<namespace>:<key>"` to a string (objects as JSON). */
    config?: Record<string, string>;
    /** Config keys whose values are secrets. */
    secretKeys?: string[];
    /**
     * `true` mimics `pulumi preview` of a new stack: ids and every provider-computed output are
     * unknown. `false` (the default) mimics `pulumi up`: the mock echoes inputs and fills in ids and
     * ARNs, so every value is known.
     */
    preview?: boolean;
    /** Return the program's error in `EngineRun.error` (with what was registered before it) instead of throwing. */
    captureErrors?: boolean;
    /**
     * The stacks a program reads through `pulumi.StackReference`, by their name (`org/project/stack`):
     * the outputs `pulumi stack output --json --show-secrets` would show, and which of them are secrets.
     * A reference to a stack not listed fails as the engine does ("unknown stack").
     */
    stackReferences?: Record<string, MockStackReference>;
}

export interface MockStackReference {
    outputs: Record<string, unknown>;
    secretOutputNames?: string[];
}

/** The hostname the mock gives a LoadBalancer Service the program reads back (`Service.get`). */
export function mockLoadBalancerHostname(name: string): string {
    return `${name}.elb.mock.amazonaws.com`;
}

/** The AWS account id the mock uses in ARNs it invents. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** The password the mock's `aws.secretsmanager.getSecretVersion` returns for secrets RDS manages. */
export const MOCK_MANAGED_PASSWORD = "mock-managed-password";

/** The suffix the mock appends where the provider would generate a unique name from a `namePrefix`. */
const MOCK_NAME_SUFFIX = "1a2b3c";

/**
 * The provider's auto-naming, as one rule for every AWS resource: a resource registered without a
 * `name` gets one, `<namePrefix><suffix>` when the program set `namePrefix`, else its resource name
 * (the real provider appends a random suffix; the mock keeps it readable). Without it a `vault.name`
 * or `subnets.name` passed on would resolve to undefined, and the engine would drop that input and its
 * property dependency, which a real `up` keeps. The types `computedOutputs` handles one by one are
 * named through another property (`bucket`, `identifier`, `clusterIdentifier`, `replicationGroupId`)
 * or not at all, and get no `name`.
 */
function autoName(name: string, inputs: Record<string, unknown>): { name?: string } {
    if (inputs.name !== undefined) {
        return {};
    }
    return { name: typeof inputs.namePrefix === "string" ? `${inputs.namePrefix}${MOCK_NAME_SUFFIX}` : name };
}

/** The DNS-1123 alphabet the Kubernetes provider draws an auto-name's suffix from. */
const DNS1123 = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * The Kubernetes provider's auto-naming: an object registered without `metadata.name` is named
 * `<resource name>-<8 random DNS-1123 characters>` and annotated `pulumi.com/autonamed: "true"`
 * (pulumi/pulumi-kubernetes provider/pkg/metadata/naming.go, `AssignNameIfAutonamable`). The
 * provider does it in Check, so the name is known in a preview too. The mock derives the suffix from
 * the resource name, so runs are repeatable. Helm releases name themselves; providers are no objects.
 */
export function kubernetesAutoName(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (!type.startsWith("kubernetes:") || type.startsWith("kubernetes:helm.sh/") || type.endsWith("Patch")) {
        return {};
    }
    const metadata = inputs.metadata !== null && typeof inputs.metadata === "object" ? (inputs.metadata as Record<string, unknown>) : {};
    if (typeof metadata.name === "string" && metadata.name !== "") {
        return {};
    }
    const digest = createHash("sha256").update(name).digest();
    const suffix = Array.from(digest.subarray(0, 8), (b) => DNS1123[b % DNS1123.length]).join("");
    const annotations = metadata.annotations !== null && typeof metadata.annotations === "object" ? metadata.annotations : {};
    return { metadata: { ...metadata, name: `${name}-${suffix}`, annotations: { ...annotations, "pulumi.com/autonamed": "true" } } };
}

/** Outputs a provider would compute that programs commonly read; the mock fills them in on `up`. */
function computedOutputs(type: string, name: string, inputs: Record<string, unknown>, stackRegion: string): Record<string, unknown> {
    if (type === "random:index/randomPassword:RandomPassword") {
        return { result: `mock-${name}-password` };
    }
    if (type === "random:index/randomString:RandomString") {
        return { result: "m0ck5uff" };
    }
    if (type === "docker:index/image:Image") {
        // The registry's digest of the pushed image: `<repository>@sha256:<digest>`.
        const imageName = typeof inputs.imageName === "string" ? inputs.imageName : name;
        const repository = imageName.replace(/:[^:/]+$/, "");
        return { repoDigest: `${repository}@sha256:${createHash("sha256").update(imageName).digest("hex")}` };
    }
    if (type === "sentry:index/sentryKey:SentryKey") {
        // A client key's DSN: https://<public key>@<ingest host>/<project id>.
        const publicKey = createHash("sha256").update(`${name}-public`).digest("hex").slice(0, 32);
        const projectId = Number.parseInt(createHash("sha256").update(String(inputs.project ?? name)).digest("hex").slice(0, 6), 16);
        const dsn = `https://${publicKey}@o0.ingest.sentry.io/${projectId}`;
        return { public: publicKey, projectId, dsnPublic: dsn, dsnCsp: `https://o0.ingest.sentry.io/api/${projectId}/security/?sentry_key=${publicKey}` };
    }
    if (type === "grafana:oss/dashboard:Dashboard") {
        const model = typeof inputs.configJson === "string" ? (JSON.parse(inputs.configJson) as { uid?: string }) : {};
        return { uid: model.uid ?? name, url: `https://grafana.invalid/d/${model.uid ?? name}` };
    }
    if (!type.startsWith("aws:")) {
        return {};
    }
    const region = typeof inputs.region === "string" ? inputs.region : stackRegion;
    const [pkgModule, kind] = type.split(":").slice(1);
    const service = (pkgModule ?? "").split("/")[0] ?? "aws";
    const arn = `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${(kind ?? "").toLowerCase()}/${name}`;
    const named = autoName(name, inputs);
    const host = (suffix: string) => `${name}.mock.${region}.${suffix}`;
    const managedSecret = inputs.manageMasterUserPassword === true ? { masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:rds!${name}`, kmsKeyId: inputs.masterUserSecretKmsKeyId, secretStatus: "active" }] } : {};
    switch (type) {
        // The deprecated BucketV2 is the same bucket: S3 ARNs carry neither region nor account.
        case "aws:s3/bucketV2:BucketV2":
        case "aws:s3/bucket:Bucket": {
            const bucket = typeof inputs.bucket === "string" ? inputs.bucket : `${name}-bucket`;
            return { bucket, arn: `arn:aws:s3:::${bucket}`, region };
        }
        case "aws:rds/instance:Instance": {
            const port = typeof inputs.port === "number" ? inputs.port : 5432;
            return { arn, address: host("rds.amazonaws.com"), endpoint: `${host("rds.amazonaws.com")}:${port}`, port, ...managedSecret };
        }
        case "aws:rds/cluster:Cluster":
            return { arn, endpoint: host("rds.amazonaws.com"), readerEndpoint: `ro-${host("rds.amazonaws.com")}`, port: inputs.port ?? 5432, ...managedSecret };
        case "aws:docdb/cluster:Cluster":
            return { arn, endpoint: host("docdb.amazonaws.com"), readerEndpoint: `ro-${host("docdb.amazonaws.com")}`, port: inputs.port ?? 27017 };
        case "aws:elasticache/replicationGroup:ReplicationGroup":
            return { arn, primaryEndpointAddress: `master.${host("cache.amazonaws.com")}`, readerEndpointAddress: `replica.${host("cache.amazonaws.com")}`, port: inputs.port ?? 6379 };
        case "aws:ec2/eip:Eip": {
            // An Elastic IP's allocation id (`eipalloc-` and 17 hex digits) and its public address
            // (documentation range 203.0.113.0/24), which a NAT gateway's `allocationId` reads
            // (ec2/eip.d.ts: `allocationId`, `publicIp`).
            const digest = createHash("sha256").update(name).digest();
            return { arn, allocationId: `eipalloc-${digest.toString("hex").slice(0, 17)}`, publicIp: `203.0.113.${digest[0]! % 254 + 1}`, domain: inputs.domain ?? "vpc" };
        }
        case "aws:iam/accessKey:AccessKey":
            return { secret: `mock-${name}-secret-access-key` };
        case "aws:ecr/repository:Repository": {
            const repo = typeof inputs.name === "string" ? inputs.name : `${name}-repo`;
            return {
                name: repo,
                registryId: MOCK_ACCOUNT_ID,
                repositoryUrl: `${MOCK_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${repo}`,
                arn: `arn:aws:ecr:${region}:${MOCK_ACCOUNT_ID}:repository/${repo}`,
            };
        }
        // Shaped as @pulumi/aws 7.48 types/output.d.ts declares them (eks.ClusterCertificateAuthority
        // `data`, ClusterIdentity `oidcs[].issuer`, ClusterVpcConfig `clusterSecurityGroupId`/`vpcId`), with
        // the formats EKS uses: endpoint `https://<32 hex>.gr7.<region>.eks.amazonaws.com`, issuer
        // `https://oidc.eks.<region>.amazonaws.com/id/<32 HEX>` (the same id), as the offline
        // `aws.eks.getCluster` answers (scripts/engine/invokes.ts). Derived from account, region and name.
        case "aws:eks/cluster:Cluster": {
            const clusterName = typeof inputs.name === "string" ? inputs.name : name;
            const id = createHash("sha256").update(`eks ${MOCK_ACCOUNT_ID} ${region} ${clusterName}`).digest("hex").slice(0, 32).toUpperCase();
            const vpcConfig = inputs.vpcConfig !== null && typeof inputs.vpcConfig === "object" ? (inputs.vpcConfig as Record<string, unknown>) : {};
            return {
                arn: `arn:aws:eks:${region}:${MOCK_ACCOUNT_ID}:cluster/${clusterName}`,
                name: clusterName,
                endpoint: `https://${id}.gr7.${region}.eks.amazonaws.com`,
                certificateAuthority: { data: Buffer.from(`mock certificate authority of ${clusterName}`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${id}` }] }],
                vpcConfig: {
                    ...vpcConfig,
                    clusterSecurityGroupId: `sg-${createHash("sha256").update(`eks-cluster-sg ${clusterName}`).digest("hex").slice(0, 17)}`,
                    vpcId: `vpc-${createHash("sha256").update(`eks-vpc ${clusterName}`).digest("hex").slice(0, 17)}`,
                },
                platformVersion: "eks.1",
                status: "ACTIVE",
                region,
            };
        }
        // iam/openIdConnectProvider.d.ts: `arn` is arn:aws:iam::<account>:oidc-provider/<url without https://>.
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const url = typeof inputs.url === "string" ? inputs.url.replace(/^https:\/\//, "") : name;
            return { arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${url}` };
        }
        // ec2/launchTemplate.d.ts: `latestVersion`/`defaultVersion` (numbers) start at 1; a node group names the version.
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:launch-template/lt-${createHash("sha256").update(name).digest("hex").slice(0, 17)}`, latestVersion: 1, defaultVersion: 1, ...named };
        default:
            return { arn, ...named };
    }
}

/**
 * The state a mock `up` returns: the computed outputs, then the inputs over them, as a provider
 * echoes its inputs. A block both have (an EKS cluster's `vpcConfig`, whose `clusterSecurityGroupId`
 * EKS computes) is merged one level deep, the inputs winning, so the computed fields survive.
 */
function upState(computed: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
    const state: Record<string, unknown> = { ...computed, ...inputs };
    const isBlock = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
    for (const [key, value] of Object.entries(computed)) {
        const given = inputs[key];
        if (isBlock(value) && isBlock(given)) {
            state[key] = { ...value, ...given };
        }
    }
    return state;
}

/** The parts of the engine's protobuf messages the recorder reads (the SDK types them loosely). */
interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getObject(): Struct;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
    getProvider(): string;
    getIgnorechangesList(): string[];
    getRemote(): boolean;
    getAliasesList(): {
        getUrn(): string;
        getSpec(): { getName(): string; getType(): string; hasParenturn(): boolean; getParenturn(): string; hasNoparent(): boolean; getNoparent(): boolean } | undefined;
    }[];
}
interface ReadResourceRequest {
    getType(): string;
    getName(): string;
    getId(): string;
}
interface ReadResourceResponse {
    getUrn(): string;
}
interface RegisterResourceResponse {
    getUrn(): string;
    getObject(): Struct | undefined;
}
interface RegisterResourceOutputsRequest {
    getUrn(): string;
    getOutputs(): Struct | undefined;
}
type Callback<T> = (err: unknown, resp?: T) => void;

interface LogRequest {
    getSeverity(): number;
    getMessage(): string;
    getUrn(): string;
}

/** The engine's `LogSeverity` values (pulumi/proto engine.proto). */
const SEVERITIES: Record<number, Diagnostic["severity"] | undefined> = { 1: "info", 2: "warning", 3: "error" };

/**
 * The part of the engine service the SDK calls besides the resource monitor: `log` (what
 * `pulumi.log.*` sends) and `setRootResource`. Without an engine the SDK would print log messages
 * on stdout, into the offline commands' output; with this one they are recorded like the CLI's
 * diagnostics.
 */
class RecordingEngine {
    readonly diagnostics: Diagnostic[] = [];

    log(req: LogRequest, callback: Callback<unknown>): void {
        const severity = SEVERITIES[req.getSeverity()];
        if (severity) {
            this.diagnostics.push({ severity, message: req.getMessage(), ...(req.getUrn() ? { urn: req.getUrn() } : {}) });
        }
        callback(null, {});
    }

    setRootResource(_req: unknown, callback: Callback<unknown>): void {
        callback(null, {});
    }
}

class RecordingMonitor extends MockMonitor {
    readonly recorded: RecordedResource[] = [];
    private readonly byUrn = new Map<string, RecordedResource>();
    stackOutputs?: Struct;
    private stackUrn?: string;
    /** Tokens of the invokes no answer was found for, in order of first call. */
    readonly unanswered: string[] = [];

    constructor(
        private readonly preview: boolean,
        /** Unset: any stack reads as empty, and is listed as unevaluated (the offline commands). */
        private readonly stackReferences: Record<string, MockStackReference> | undefined,
        private readonly context: InvokeContext,
        private readonly engine: RecordingEngine,
    ) {
        super({
            newResource: (args: pulumi.runtime.MockResourceArgs) => {
                if (args.type === "pulumi:pulumi:StackReference") {
                    // A read of another stack's outputs: known in a preview too, as the engine reads it then.
                    const stackName = String(args.inputs.name ?? args.id ?? args.name);
                    if (!this.stackReferences) {
                        this.engine.diagnostics.push({ severity: "warning", message: `offline: the stack ${stackName} cannot be read; its outputs read as empty` });
                        return { id: stackName, state: { name: stackName, outputs: {}, secretOutputNames: [] } };
                    }
                    const ref = this.stackReferences[stackName];
                    if (!ref) {
                        throw new Error(`unknown stack ${JSON.stringify(stackName)} (the mock knows: ${Object.keys(this.stackReferences).join(", ") || "none"})`);
                    }
                    return { id: stackName, state: { name: stackName, outputs: ref.outputs, secretOutputNames: ref.secretOutputNames ?? [] } };
                }
                // A read has an id; a registration carries its import id, empty unless importing.
                if (args.id && args.type === "kubernetes:core/v1:Service" && !this.preview) {
                    // A read of a LoadBalancer Service a chart created: its address, once the cloud assigned one.
                    return { id: args.id, state: { status: { loadBalancer: { ingress: [{ hostname: mockLoadBalancerHostname(args.name) }] } } } };
                }
                const named = args.custom === false ? {} : kubernetesAutoName(args.type, args.name, args.inputs);
                if (this.preview) {
                    // A create in preview: the provider echoes its checked inputs; id and computed outputs are unknown.
                    return { id: undefined, state: { ...args.inputs, ...named } };
                }
                return {
                    id: `${args.name}-id`,
                    state: { ...upState(computedOutputs(args.type, args.name, args.inputs, this.context.region), args.inputs), ...named },
                };
            },
            call: (args: pulumi.runtime.MockCallArgs) => {
                const answer = answerInvoke(args.token, args.inputs, this.context);
                if (!answer.answered && !this.unanswered.includes(args.token)) {
                    this.unanswered.push(args.token);
                    this.engine.diagnostics.push({ severity: "warning", message: `offline: ${answer.reason}; what is built from its result is listed as unevaluated` });
                }
                return answer.outputs;
            },
        });
    }

    /** Stacks read through a StackReference the run had no outputs for (the offline commands read none). */
    readonly unreadStacks: UnevaluatedResource[] = [];

    override async readResource(req: ReadResourceRequest, callback: Callback<ReadResourceResponse>): Promise<void> {
        await super.readResource(req, (err: unknown, resp?: ReadResourceResponse) => {
            if (!err && resp && req.getType() === "pulumi:pulumi:StackReference" && !this.stackReferences) {
                const stackName = req.getId();
                this.unreadStacks.push({ urn: resp.getUrn(), type: req.getType(), name: req.getName(), reason: `reads the outputs of stack ${stackName}, which the offline check cannot read: they are empty here` });
            }
            callback(err, resp);
        });
    }

    override async registerResource(req: RegisterResourceRequest, callback: Callback<RegisterResourceResponse>): Promise<void> {
        const propertyDependencies: Record<string, string[]> = {};
        for (const [key, deps] of req.getPropertydependenciesMap().entries()) {
            propertyDependencies[key] = deps.getUrnsList();
        }
        await super.registerResource(req, (err: unknown, resp?: RegisterResourceResponse) => {
            if (!err && resp) {
                const urn: string = resp.getUrn();
                const type: string = req.getType();
                if (type === "pulumi:pulumi:Stack") {
                    this.stackUrn = urn;
                }
                const record: RecordedResource = {
                    urn,
                    type,
                    name: req.getName(),
                    parent: req.getParent() || undefined,
                    custom: req.getCustom(),
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    inputs: req.getObject(),
                    outputs: resp.getObject(),
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    provider: req.getProvider() || undefined,
                    ignoreChanges: req.getIgnorechangesList(),
                    ...(req.getRemote() ? { remote: true } : {}),
                    aliases: req.getAliasesList().map((alias) => {
                        const spec = alias.getSpec();
                        if (!spec) {
                            return { urn: alias.getUrn() };
                        }
                        return {
                            name: spec.getName() || undefined,
                            type: spec.getType() || undefined,
                            ...(spec.hasParenturn() ? { parentUrn: spec.getParenturn() } : {}),
                            ...(spec.hasNoparent() && spec.getNoparent() ? { noParent: true } : {}),
                        };
                    }),
                };
                this.recorded.push(record);
                this.byUrn.set(urn, record);
            }
            callback(err, resp);
        });
    }

    /**
     * A component's `registerOutputs` (and the stack's exports). As the engine does, the registered
     * outputs replace the resource's outputs, and stack policies see them: `executeRegisterResourceOutputs`
     * sets `reg.New().Outputs` (pulumi/pulumi pkg/resource/deploy/step_executor.go), and
     * `AnalyzeResources` passes each resource's final `Outputs` to `AnalyzeStack` (step_generator.go).
     */
    override registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: Callback<unknown>): void {
        const urn = req.getUrn();
        if (urn === this.stackUrn) {
            this.stackOutputs = req.getOutputs();
        } else {
            const recorded = this.byUrn.get(urn);
            if (recorded) {
                recorded.outputs = req.getOutputs() ?? recorded.outputs;
            }
        }
        super.registerResourceOutputs(req, callback);
    }
}

/**
 * Runs `program` (which registers resources, and may return stack outputs) in a fresh, isolated
 * Pulumi runtime under the mock engine. Errors the program throws are rethrown after the engine
 * settles (or returned, with `captureErrors`), so a caller can tell a user mistake
 * (`pulumi.RunError`) from a crash.
 */
export async function runProgram(program: () => unknown, opts: RunOptions = {}): Promise<EngineRun> {
    const project = opts.project ?? "estate";
    const stack = opts.stack ?? "test";
    const preview = opts.preview ?? false;
    const engine = new RecordingEngine();
    const region = opts.config?.["aws:region"] ?? "us-east-1";
    const monitor = new RecordingMonitor(preview, opts.stackReferences, { region, accountId: MOCK_ACCOUNT_ID }, engine);
    let failure: unknown;
    await withoutSdkBookkeeping(() => withLocalStorage(async () => {
        setMockOptions(monitor, project, stack, preview);
        const store = getStore();
        store.settings.engine = engine;
        // The same feature set `pulumi.runtime.setMocks` enables.
        store.supportsSecrets = true;
        store.supportsResourceReferences = true;
        store.supportsOutputValues = false;
        store.supportsDeletedWith = true;
        store.supportsAliasSpecs = true;
        store.supportsParameterization = true;
        pulumi.runtime.setAllConfig(opts.config ?? {}, opts.secretKeys ?? []);
        // The error is caught inside the stack's init so the SDK's own promises settle normally
        // (a rejected init leaves unhandled rejections behind), then rethrown below.
        await runInPulumiStack(async () => {
            try {
                let exported = await program();
                if (typeof exported === "function") {
                    exported = await (exported as () => unknown)();
                }
                return exported;
            } catch (err) {
                failure = err;
                return undefined;
            }
        });
        // Let every outstanding registration finish, as the language host does before it exits.
        await waitForRPCs();
    }));
    if (failure !== undefined && !opts.captureErrors) {
        throw failure;
    }
    return {
        project,
        stack,
        preview,
        resources: monitor.recorded,
        diagnostics: engine.diagnostics,
        outputs: monitor.stackOutputs,
        error: failure,
        unevaluated: [...markUnevaluated(monitor.recorded, monitor.unanswered), ...monitor.unreadStacks],
        unansweredInvokes: monitor.unanswered,
    };
}

/**
 * Finds the resources whose contents no policy could see offline (policies/lib/unevaluated.ts),
 * after marking the multi-language components: a component registered with `remote: true` whose
 * provider plugin would have created its children, and none were. The mark goes into the state
 * stack policies see, so `estate-unevaluated-content` reports the same list.
 */
function markUnevaluated(resources: RecordedResource[], unansweredInvokes: readonly string[]): UnevaluatedResource[] {
    const children = new Map<string, number>();
    for (const r of resources) {
        if (r.parent) {
            children.set(r.parent, (children.get(r.parent) ?? 0) + 1);
        }
    }
    const found: UnevaluatedResource[] = [];
    for (const r of resources) {
        const childCount = children.get(r.urn) ?? 0;
        let mark: string | undefined;
        if (r.remote && !r.custom && childCount === 0) {
            mark = `a multi-language component (${r.type}): its provider plugin creates its children, and the offline check does not run plugins`;
        } else if (unansweredInvokes.length > 0) {
            // Only a run with an unanswered invoke can carry its mark: the others skip the scan.
            const invoke = unansweredInvokeIn(fromWire(r.inputs.toJavaScript(), "unwrap"));
            mark = invoke ? unansweredInvokeReason(invoke) : undefined;
        }
        if (mark) {
            r.outputs = Struct.fromJavaScript({ ...(r.outputs ?? r.inputs).toJavaScript(), [OFFLINE_UNEVALUATED_KEY]: mark });
        }
        const reason = unevaluatedReason({ type: r.type, props: mark ? { [OFFLINE_UNEVALUATED_KEY]: mark } : {}, children: childCount });
        if (reason) {
            found.push({ urn: r.urn, type: r.type, name: r.name, reason });
        }
    }
    return found;
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The wire form of a value not known until the resource is created (preview). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Turns a wire-form value into plain JSON. Secrets become `"[secret]"` (`mask`, the default, for
 * anything printed) or their value (`unwrap`, for tests); unknowns become `"[unknown]"`.
 */
export function fromWire(value: unknown, secrets: "mask" | "unwrap" = "mask"): unknown {
    if (value === UNKNOWN_VALUE) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map((v) => fromWire(v, secrets));
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG_KEY] === SECRET_SIG) {
            return secrets === "mask" ? "[secret]" : fromWire(obj.value, secrets);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fromWire(v, secrets)]));
    }
    return value;
}

/** A recorded resource's inputs as plain JSON (see `fromWire`). */
export function plainInputs(r: RecordedResource, secrets: "mask" | "unwrap" = "mask"): Record<string, unknown> {
    return fromWire(r.inputs.toJavaScript(), secrets) as Record<string, unknown>;
}
