/**
 * What the estate picture shows, derived from a plan (the mock engine's recorded resources): the
 * components as nested boxes, the few resources a reader looks for (workloads, charts, data stores,
 * buckets, vaults, backup plans, ingresses) as nodes, everything else as counts per component, and
 * the flows that matter as edges.
 *
 * Edges come from data the plan holds, never from names:
 * - a property dependency of any resource of a component on a data resource (database, cache,
 *   bucket, vault) of another component: the component reads or writes it (an app's connection
 *   Secret built from the database's endpoint, a backup job's config naming the bucket, an AWS Backup
 *   selection listing the databases);
 * - a declared network flow (`networkFlows`, components/k8s/flows.ts) whose destination pods belong
 *   to a component that holds a data store: the pods of an in-cluster database have no resource of
 *   their own in the plan, so their owner is the component that declares flows from them;
 * - the DR copies: an AWS Backup plan rule's copy actions (from the rule's target vault to the
 *   destination vault, in the stack or in another account) and S3 replication (from the
 *   configuration's bucket to the buckets its rules replicate into).
 *
 * Only types, names, regions, chart names and the protect/retainOnDelete options reach the model:
 * never an input value that could be a secret (inputs are read masked, `[secret]`).
 */
import { declaredFlowsOf, isComponentType, type DeclaredFlow } from "../../policies/k8s/network-flows";
import type { Endpoint, Labels } from "../../policies/lib/netpol";
import { fromWire, plainInputs, type EngineRun, type RecordedResource } from "../engine/mock-engine";

/** What a shown resource is to a reader; decides its shape and which edges reach it. */
export type Role = "workload" | "chart" | "entry" | "datastore" | "bucket" | "vault" | "backupPlan";

/** The types shown as nodes, by role; every other type is counted in its component. */
const ROLE_OF_TYPE: Readonly<Record<string, Role>> = {
    "kubernetes:apps/v1:Deployment": "workload",
    "kubernetes:apps/v1:StatefulSet": "workload",
    "kubernetes:apps/v1:DaemonSet": "workload",
    "kubernetes:batch/v1:CronJob": "workload",
    "kubernetes:batch/v1:Job": "workload",
    "kubernetes:helm.sh/v3:Release": "chart",
    "kubernetes:networking.k8s.io/v1:Ingress": "entry",
    "aws:rds/instance:Instance": "datastore",
    "aws:rds/cluster:Cluster": "datastore",
    "aws:docdb/cluster:Cluster": "datastore",
    "aws:elasticache/replicationGroup:ReplicationGroup": "datastore",
    "aws:elasticache/cluster:Cluster": "datastore",
    "aws:dynamodb/table:Table": "datastore",
    // In-cluster databases run by operators (CloudNativePG, MongoDB's operator).
    "kubernetes:postgresql.cnpg.io/v1:Cluster": "datastore",
    "kubernetes:mongodbcommunity.mongodb.com/v1:MongoDBCommunity": "datastore",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:backup/vault:Vault": "vault",
    "aws:backup/plan:Plan": "backupPlan",
};

/** Helm charts that run a data store themselves (the release is then the data store's node): the estate's in-cluster Redis (components/lib/charts.ts). */
const DATA_STORE_CHARTS: ReadonlySet<string> = new Set(["redis-ha"]);

/** Roles a component reads or writes data in: the targets of data edges. */
const DATA_ROLES: ReadonlySet<Role> = new Set(["datastore", "bucket", "vault"]);

/** The S3 replication configuration (a separate resource in @pulumi/aws 7: node_modules/@pulumi/aws/s3/bucketReplicationConfig.d.ts). */
const REPLICATION_TYPES: ReadonlySet<string> = new Set(["aws:s3/bucketReplicationConfig:BucketReplicationConfig"]);

/** Resources counted under a shared heading rather than by their own type (a component's many small parts). */
function countHeading(type: string): string {
    const [provider = "", module = "", kind = type] = type.split(":");
    const area = module.split("/")[0] ?? "";
    if (provider === "aws" && area === "s3" && !ROLE_OF_TYPE[type]) {
        return "S3 bucket setting";
    }
    if (provider === "aws" && area === "iam") {
        return "IAM role/user/policy";
    }
    if (provider === "aws" && (area === "ec2" || area === "vpc") && /securityGroup/i.test(module)) {
        return "security group/rule";
    }
    if (provider === "random") {
        return "generated credential";
    }
    return typeLabel(type, kind);
}

/** `rds Instance`, `kms Key`, `NetworkPolicy`, `Cluster (postgresql.cnpg.io)`. */
function typeLabel(type: string, kind = type.split(":")[2] ?? type): string {
    const [provider = "", module = ""] = type.split(":");
    const area = module.split("/")[0] ?? "";
    if (provider === "kubernetes") {
        const group = area;
        const core = ["core", "apps", "batch", "networking.k8s.io", "policy", "autoscaling", "rbac.authorization.k8s.io"].includes(group);
        return core ? kind : `${kind} (${group})`;
    }
    if (provider === "aws") {
        return `${area} ${kind}`;
    }
    return `${provider} ${kind}`;
}

export interface DiagramNode {
    id: string;
    urn: string;
    type: string;
    name: string;
    role: Role;
    /** What the node says under its name: `rds Instance`, `Helm chart redis-ha`. */
    kind: string;
    /** The AWS region, when it is not the stack's own (a DR copy). */
    otherRegion?: string;
    protect: boolean;
    retainOnDelete: boolean;
}

/** Resources of one heading counted in a component. */
export interface CountRow {
    heading: string;
    count: number;
    protect: number;
    retainOnDelete: number;
}

export interface DiagramComponent {
    id: string;
    urn: string;
    type: string;
    name: string;
    nodes: DiagramNode[];
    counts: CountRow[];
    children: DiagramComponent[];
}

/** Something outside the stack an edge reaches: a vault in another account. */
export interface ExternalNode {
    id: string;
    arn: string;
    label: string;
    detail: string;
}

export type EdgeKind = "data" | "stores" | "copy";

export interface DiagramEdge {
    /** A node id, or a component id (the edge then starts or ends at the component's box). */
    from: string;
    to: string;
    kind: EdgeKind;
    label?: string;
    /** Why the edge is there, for its tooltip: `web-env.stringData depends on it`. */
    evidence: string[];
}

export interface EstateDiagram {
    project: string;
    stack: string;
    region?: string;
    /** Regions other than the stack's that resources live in. */
    otherRegions: string[];
    resourceCount: number;
    /** The stack's own box: top-level components and resources. */
    root: DiagramComponent;
    externals: ExternalNode[];
    edges: DiagramEdge[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The role of a resource, given its type and (for a Helm release) its chart. */
function roleOf(r: RecordedResource, inputs: () => Record<string, unknown>): Role | undefined {
    const role = ROLE_OF_TYPE[r.type];
    if (role === "chart" && DATA_STORE_CHARTS.has(String(inputs().chart))) {
        return "datastore";
    }
    return role;
}

function kindOf(r: RecordedResource, inputs: Record<string, unknown>): string {
    if (r.type === "kubernetes:helm.sh/v3:Release" && typeof inputs.chart === "string") {
        return `Helm chart ${inputs.chart}`;
    }
    return typeLabel(r.type);
}

/** The pod template labels and namespace of a workload (Deployment, CronJob, ...). */
function podTemplateOf(inputs: Record<string, unknown>): { namespace: string; labels: Labels } | undefined {
    const metadata = isRecord(inputs.metadata) ? inputs.metadata : {};
    const spec = isRecord(inputs.spec) ? inputs.spec : {};
    const jobSpec = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : spec;
    const template = isRecord(jobSpec.template) ? jobSpec.template : {};
    const labels = isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
    if (typeof metadata.namespace !== "string") {
        return undefined;
    }
    return { namespace: metadata.namespace, labels: Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === "string")) };
}

const sameLabels = (a: Labels, b: Labels) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
const selects = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Builds the diagram's model from a plan. `region` is the stack's `aws:region`. */
export function estateDiagram(run: Pick<EngineRun, "project" | "stack" | "resources">, opts: { region?: string } = {}): EstateDiagram {
    const resources = [...run.resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    const inputsCache = new Map<string, Record<string, unknown>>();
    const inputsOf = (r: RecordedResource) => {
        let inputs = inputsCache.get(r.urn);
        if (!inputs) {
            inputs = plainInputs(r);
            inputsCache.set(r.urn, inputs);
        }
        return inputs;
    };
    const stateOf = (r: RecordedResource) => (r.outputs ? (fromWire(r.outputs.toJavaScript()) as Record<string, unknown>) : {});

    // The boxes: every component resource (a non-custom resource other than the stack), nested by parent.
    const root: DiagramComponent = { id: "root", urn: stackResource?.urn ?? "", type: stackResource?.type ?? "pulumi:pulumi:Stack", name: run.stack, nodes: [], counts: [], children: [] };
    const components = new Map<string, DiagramComponent>();
    if (stackResource) {
        components.set(stackResource.urn, root);
    }
    let componentIndex = 0;
    for (const r of resources) {
        if (!r.custom && r !== stackResource) {
            components.set(r.urn, { id: `c${++componentIndex}`, urn: r.urn, type: r.type, name: r.name, nodes: [], counts: [], children: [] });
        }
    }
    /** The component a resource belongs to: its nearest component ancestor (the stack's box at the top). */
    const componentOf = (r: RecordedResource): DiagramComponent => {
        for (let parent = r.parent; parent !== undefined; parent = byUrn.get(parent)?.parent) {
            const c = components.get(parent);
            if (c) {
                return c;
            }
        }
        return root;
    };
    for (const r of resources) {
        const c = components.get(r.urn);
        if (c && c !== root) {
            componentOf(r).children.push(c);
        }
    }

    // Nodes and counts. Providers are left out (the title says so): they hold no data.
    const nodes = new Map<string, DiagramNode>();
    const nodeComponent = new Map<string, DiagramComponent>();
    const regions = new Set<string>();
    let nodeIndex = 0;
    const counts = new Map<DiagramComponent, Map<string, CountRow>>();
    for (const r of resources) {
        if (!r.custom || r.type.startsWith("pulumi:providers:")) {
            continue;
        }
        const inputs = inputsOf(r);
        const region = typeof inputs.region === "string" && inputs.region !== "[secret]" ? inputs.region : undefined;
        if (region && region !== opts.region) {
            regions.add(region);
        }
        const owner = componentOf(r);
        const role = roleOf(r, () => inputs);
        if (role) {
            const node: DiagramNode = {
                id: `n${++nodeIndex}`,
                urn: r.urn,
                type: r.type,
                name: r.name,
                role,
                kind: kindOf(r, inputs),
                ...(region && opts.region && region !== opts.region ? { otherRegion: region } : {}),
                protect: r.protect,
                retainOnDelete: r.retainOnDelete,
            };
            nodes.set(r.urn, node);
            nodeComponent.set(r.urn, owner);
            owner.nodes.push(node);
        } else {
            const rows = counts.get(owner) ?? new Map<string, CountRow>();
            counts.set(owner, rows);
            const heading = countHeading(r.type);
            const row = rows.get(heading) ?? { heading, count: 0, protect: 0, retainOnDelete: 0 };
            row.count += 1;
            row.protect += r.protect ? 1 : 0;
            row.retainOnDelete += r.retainOnDelete ? 1 : 0;
            rows.set(heading, row);
        }
    }
    for (const [component, rows] of counts) {
        component.counts = [...rows.values()].sort((a, b) => b.count - a.count || (a.heading < b.heading ? -1 : 1));
    }

    const edges = new Map<string, DiagramEdge>();
    const addEdge = (from: string, to: string, kind: EdgeKind, evidence: string, label?: string) => {
        const key = `${from}->${to}:${kind}`;
        const edge = edges.get(key) ?? { from, to, kind, ...(label ? { label } : {}), evidence: [] };
        if (!edge.evidence.includes(evidence)) {
            edge.evidence.push(evidence);
        }
        edges.set(key, edge);
    };
    const isWithin = (inner: DiagramComponent, outer: DiagramComponent): boolean =>
        inner === outer || outer.children.some((c) => isWithin(inner, c));

    // 1. Property dependencies on another component's data resources.
    for (const r of resources) {
        const from = componentOf(r);
        for (const [property, urns] of Object.entries(r.propertyDependencies).sort(([a], [b]) => (a < b ? -1 : 1))) {
            for (const urn of urns) {
                const target = nodes.get(urn);
                const targetComponent = nodeComponent.get(urn);
                if (!target || !targetComponent || !DATA_ROLES.has(target.role) || isWithin(targetComponent, from) || isWithin(from, targetComponent)) {
                    continue;
                }
                if (from === root) {
                    continue;
                }
                addEdge(from.id, target.id, "data", `${r.name}.${property} depends on ${target.name}`);
            }
        }
    }

    // 2. Declared network flows into the pods of a component that holds a data store.
    const flowsBy = new Map<DiagramComponent, DeclaredFlow[]>();
    for (const r of resources) {
        const c = components.get(r.urn);
        if (!c || c === root || !isComponentType(r.type)) {
            continue;
        }
        const flows = declaredFlowsOf({ type: r.type, name: r.name, props: stateOf(r) });
        if (flows.length > 0) {
            flowsBy.set(c, flows);
        }
    }
    const workloads = resources.flatMap((r) => {
        const node = nodes.get(r.urn);
        const template = node?.role === "workload" ? podTemplateOf(inputsOf(r)) : undefined;
        return template ? [{ component: componentOf(r), ...template }] : [];
    });
    /** The component whose pods an endpoint selects: a workload's pod template, else the one component that declares flows from exactly these pods. */
    const ownerOf = (end: Endpoint): DiagramComponent | undefined => {
        if (!("pod" in end) || Object.keys(end.pod.labels).length === 0) {
            return undefined;
        }
        const { namespace, labels } = end.pod;
        const matching = new Set(workloads.filter((w) => w.namespace === namespace && selects(labels, w.labels)).map((w) => w.component));
        if (matching.size === 0) {
            for (const [component, flows] of flowsBy) {
                if (flows.some((f) => "pod" in f.from && f.from.pod.namespace === namespace && sameLabels(f.from.pod.labels, labels))) {
                    matching.add(component);
                }
            }
        }
        return matching.size === 1 ? [...matching][0] : undefined;
    };
    for (const [declarer, flows] of flowsBy) {
        for (const flow of flows) {
            const from = ownerOf(flow.from);
            const to = ownerOf(flow.to);
            if (!from || !to || from === to || isWithin(to, from) || isWithin(from, to)) {
                continue;
            }
            const stores = to.nodes.filter((n) => n.role === "datastore");
            if (stores.length === 0) {
                continue;
            }
            const target = stores.length === 1 ? stores[0]!.id : to.id;
            addEdge(from.id, target, "data", `network flow ${flow.name} (${flow.protocol ?? "TCP"} ${flow.port}) declared by ${declarer.name}`);
        }
    }

    // 3. Backup plans: the vault each rule stores into, and the copies of its copy actions.
    const externals = new Map<string, ExternalNode>();
    const vaults = resources.filter((r) => nodes.get(r.urn)?.role === "vault").map((r) => ({ node: nodes.get(r.urn)!, state: stateOf(r) }));
    for (const r of resources.filter((x) => nodes.get(x.urn)?.role === "backupPlan")) {
        const plan = nodes.get(r.urn)!;
        const rules = Array.isArray(inputsOf(r).rules) ? (inputsOf(r).rules as unknown[]).filter(isRecord) : [];
        const copies = new Map<string, { from: string; to: string; rules: string[] }>();
        for (const rule of rules) {
            const ruleName = typeof rule.ruleName === "string" ? rule.ruleName : "rule";
            const source = vaults.find((v) => v.state.name === rule.targetVaultName);
            if (!source) {
                continue;
            }
            addEdge(plan.id, source.node.id, "stores", `rule ${ruleName} stores recovery points in ${source.node.name}`);
            for (const action of Array.isArray(rule.copyActions) ? rule.copyActions.filter(isRecord) : []) {
                const arn = typeof action.destinationVaultArn === "string" ? action.destinationVaultArn : undefined;
                if (!arn || arn === "[secret]") {
                    continue;
                }
                let to = vaults.find((v) => v.state.arn === arn)?.node.id;
                if (!to) {
                    // arn:aws:backup:<region>:<account>:backup-vault:<name>, AWS Backup's vault ARN (e.g. https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/backup/aws.sdk.kotlin.services.backup.model/-copy-job/destination-backup-vault-arn.html).
                    const [, , , region = "?", account = "?", , vaultName = arn] = arn.split(":");
                    const existing = [...externals.values()].find((e) => e.arn === arn);
                    to = existing?.id ?? `x${externals.size + 1}`;
                    if (!existing) {
                        externals.set(to, { id: to, arn, label: `vault ${vaultName}`, detail: `account ${account} · ${region}` });
                    }
                }
                const key = `${source.node.id}->${to}`;
                const copy = copies.get(key) ?? { from: source.node.id, to, rules: [] };
                if (!copy.rules.includes(ruleName)) {
                    copy.rules.push(ruleName);
                }
                copies.set(key, copy);
            }
        }
        for (const copy of copies.values()) {
            const toNode = [...nodes.values()].find((n) => n.id === copy.to);
            const where = toNode?.otherRegion ? `to ${toNode.otherRegion}` : toNode ? "" : "to another account";
            addEdge(copy.from, copy.to, "copy", `${plan.name}: copy actions of rules ${copy.rules.join(", ")}`, ["copy", where].filter(Boolean).join(" "));
        }
    }

    // 4. S3 replication: from the configuration's bucket to the buckets its rules name.
    for (const r of resources.filter((x) => REPLICATION_TYPES.has(x.type))) {
        const sources = (r.propertyDependencies.bucket ?? []).map((u) => nodes.get(u)).filter((n): n is DiagramNode => n?.role === "bucket");
        const targets = (r.propertyDependencies.rules ?? []).map((u) => nodes.get(u)).filter((n): n is DiagramNode => n?.role === "bucket");
        for (const source of sources) {
            for (const target of targets) {
                addEdge(source.id, target.id, "copy", `${r.name} replicates ${source.name} into ${target.name}`, `replication${target.otherRegion ? ` to ${target.otherRegion}` : ""}`);
            }
        }
    }

    return {
        project: run.project,
        stack: run.stack,
        ...(opts.region ? { region: opts.region } : {}),
        otherRegions: [...regions].sort(),
        resourceCount: run.resources.length,
        root,
        externals: [...externals.values()],
        edges: [...edges.values()].sort((a, b) => (`${a.kind}:${a.from}:${a.to}` < `${b.kind}:${b.from}:${b.to}` ? -1 : 1)),
    };
}
