/**
 * Reading Kubernetes objects as the engine shows them: the inputs of `kubernetes:<group>/<version>:<Kind>`
 * resources (`apiVersion`, `kind`, `metadata`, `spec`, ...). Only the fields the policies read are
 * typed, all optional: a program may set anything. Values may be unknown in a preview; reading one
 * throws, which the engine reports as "can't run during preview".
 */
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { isRecord } from "./iam";

/**
 * The API versions `@pulumi/kubernetes` 4.34 has a type token for, per kind: the `__pulumiType`
 * strings of node_modules/@pulumi/kubernetes/<group>/<version>/<Kind>.js. Every policy about a kind
 * applies to all of them (a program written for an old cluster still declares a Deployment as
 * `apps/v1beta1` or `extensions/v1beta1`). The pod template, PDB, NetworkPolicy and Ingress TLS fields
 * the policies read have the same shape in every version listed (types/input.d.ts); what differs is
 * said where it matters (a policy/v1beta1 PDB's empty selector, a v1beta1 Ingress's backend).
 */
export const API_VERSIONS = {
    Namespace: ["core/v1"],
    Pod: ["core/v1"],
    ReplicationController: ["core/v1"],
    Service: ["core/v1"],
    Deployment: ["apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"],
    StatefulSet: ["apps/v1", "apps/v1beta1", "apps/v1beta2"],
    DaemonSet: ["apps/v1", "apps/v1beta2", "extensions/v1beta1"],
    ReplicaSet: ["apps/v1", "apps/v1beta2", "extensions/v1beta1"],
    Job: ["batch/v1"],
    CronJob: ["batch/v1", "batch/v1beta1", "batch/v2alpha1"],
    Ingress: ["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"],
    NetworkPolicy: ["networking.k8s.io/v1", "extensions/v1beta1"],
    PodDisruptionBudget: ["policy/v1", "policy/v1beta1"],
    HorizontalPodAutoscaler: ["autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2", "autoscaling/v2beta1"],
} as const satisfies Record<string, readonly string[]>;

export type Kind = keyof typeof API_VERSIONS;

const KINDS = Object.keys(API_VERSIONS) as Kind[];

function tokens(kind: Kind, suffix: string): ReadonlySet<string> {
    return new Set(API_VERSIONS[kind].map((version) => `kubernetes:${version}:${kind}${suffix}`));
}

/** The type tokens of each kind, in every API version (`TYPES.Deployment` holds `kubernetes:apps/v1beta1:Deployment`, ...). */
export const TYPES = Object.fromEntries(KINDS.map((kind) => [kind, tokens(kind, "")])) as { readonly [K in Kind]: ReadonlySet<string> };

/**
 * The server-side apply patches of each kind (`kubernetes:apps/v1:DeploymentPatch`; the provider has
 * one for every type above). A patch is partial: a field it leaves out keeps whatever the live object
 * has, so only policies that forbid a value apply to patches, never those that require a field.
 */
export const PATCH_TYPES = Object.fromEntries(KINDS.map((kind) => [kind, tokens(kind, "Patch")])) as { readonly [K in Kind]: ReadonlySet<string> };

const KIND_OF_TYPE = new Map<string, { kind: Kind; patch: boolean }>(
    KINDS.flatMap((kind) => [
        ...[...TYPES[kind]].map((type) => [type, { kind, patch: false }] as const),
        ...[...PATCH_TYPES[kind]].map((type) => [type, { kind, patch: true }] as const),
    ]),
);

/** The kind of a provider type token, and whether it is a patch; `undefined` for any other type. */
export function kindOf(type: string): { kind: Kind; patch: boolean } | undefined {
    return KIND_OF_TYPE.get(type);
}

/** The tokens of some kinds, with their patches when `patches` is set. */
export function typesOf(kinds: readonly Kind[], patches = false): ReadonlySet<string> {
    return new Set(kinds.flatMap((kind) => [...TYPES[kind], ...(patches ? PATCH_TYPES[kind] : [])]));
}

/** Types that have one version only, or that are not Kubernetes kinds (Helm). */
export const K8S = {
    namespace: "kubernetes:core/v1:Namespace",
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
} as const;

/** HorizontalPodAutoscalers of every API version the provider knows. */
export const HPA_TYPES = TYPES.HorizontalPodAutoscaler;

export interface ObjectMeta {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
}

export interface ContainerPort {
    name?: string;
    containerPort?: number;
}

export interface Container {
    name?: string;
    image?: string;
    ports?: ContainerPort[];
    securityContext?: SecurityContext;
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    readinessProbe?: unknown;
    livenessProbe?: unknown;
    env?: EnvVar[];
}

export interface EnvVar {
    name?: string;
    value?: string;
    valueFrom?: unknown;
}

export interface PodSpec {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: SecurityContext;
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: { name?: string; hostPath?: { path?: string } }[];
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

/** The kinds that run pods, and where each keeps its pod spec (the same path in every API version). */
const POD_SPEC_PATHS = {
    Pod: ["spec"],
    ReplicationController: ["spec", "template", "spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
} as const satisfies Partial<Record<Kind, readonly string[]>>;

export type WorkloadKind = keyof typeof POD_SPEC_PATHS;

export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS) as WorkloadKind[];

/** Workloads whose pods run until replaced (probes make sense), as opposed to Jobs. */
export const LONG_RUNNING_KINDS: readonly WorkloadKind[] = ["Pod", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/** Every workload type token, in every API version (patches not included). */
export const WORKLOAD_TYPES = typesOf(WORKLOAD_KINDS);

/** Long-running workload type tokens, in every API version. */
export const LONG_RUNNING_TYPES = typesOf(LONG_RUNNING_KINDS);

/** The workload kind of a type token (a patch's too), or `undefined` when it runs no pods. */
export function workloadKindOf(type: string): { kind: WorkloadKind; patch: boolean } | undefined {
    const found = kindOf(type);
    return found !== undefined && found.kind in POD_SPEC_PATHS ? (found as { kind: WorkloadKind; patch: boolean }) : undefined;
}

export function isWorkload(type: string): boolean {
    return WORKLOAD_TYPES.has(type);
}

/** The pod spec of a workload's (or workload patch's) props, or `undefined` when the program set none. */
export function podSpecOf(type: string, props: Record<string, unknown>): PodSpec | undefined {
    const kind = workloadKindOf(type)?.kind;
    let cur: unknown = props;
    for (const key of kind === undefined ? [] : POD_SPEC_PATHS[kind]) {
        cur = isRecord(cur) ? cur[key] : undefined;
    }
    return kind !== undefined && isRecord(cur) ? (cur as PodSpec) : undefined;
}

export interface NamedContainer {
    /** `container 'web'`, `init container 'migrate'`, ... */
    label: string;
    container: Container;
    init: boolean;
}

/** Every container of a pod: regular, init and ephemeral. */
export function containersOf(pod: PodSpec): NamedContainer[] {
    const groups: [Container[] | undefined, string, boolean][] = [
        [pod.containers, "container", false],
        [pod.initContainers, "init container", true],
        [pod.ephemeralContainers, "ephemeral container", true],
    ];
    return groups.flatMap(([list, kind, init]) =>
        (Array.isArray(list) ? list : []).filter(isRecord).map((container, i) => ({
            label: `${kind} '${typeof container.name === "string" ? container.name : `#${i + 1}`}'`,
            container,
            init,
        })),
    );
}

export function metadataOf(props: Record<string, unknown>): ObjectMeta {
    return isRecord(props.metadata) ? (props.metadata as ObjectMeta) : {};
}

/** The namespace of a namespaced object (`default` when unset, as the API server does). */
export function namespaceOf(props: Record<string, unknown>): string {
    const ns = metadataOf(props).namespace;
    return typeof ns === "string" && ns !== "" ? ns : "default";
}

/** `Deployment 'apps/web'`: how messages name an object (its Pulumi name when it has no metadata.name). */
export function describeObject(type: string, props: Record<string, unknown>, resourceName: string): string {
    const kind = type.split(":").pop() ?? type;
    const meta = metadataOf(props);
    const name = typeof meta.name === "string" && meta.name !== "" ? meta.name : resourceName;
    return type === K8S.namespace || kind === "ClusterIssuer" ? `${kind} '${name}'` : `${kind} '${namespaceOf(props)}/${name}'`;
}

/** Whether a label selector selects pods with these labels (`{}` selects all, none selects nothing). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!isRecord(selector)) {
        return false;
    }
    const { matchLabels, matchExpressions } = selector as LabelSelector;
    for (const [key, value] of Object.entries(isRecord(matchLabels) ? matchLabels : {})) {
        if (labels[key] !== value) {
            return false;
        }
    }
    for (const expression of Array.isArray(matchExpressions) ? matchExpressions : []) {
        const key = expression.key ?? "";
        const values = expression.values ?? [];
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        const ok =
            expression.operator === "In"
                ? has && values.includes(labels[key]!)
                : expression.operator === "NotIn"
                  ? !has || !values.includes(labels[key]!)
                  : expression.operator === "Exists"
                    ? has
                    : expression.operator === "DoesNotExist"
                      ? !has
                      : false;
        if (!ok) {
            return false;
        }
    }
    return true;
}

/** The stack's resources of a type (one exact type token, or a set such as `TYPES.Deployment`). */
export function resourcesOfType(resources: readonly PolicyResource[], types: string | ReadonlySet<string>): PolicyResource[] {
    return resources.filter((r) => (typeof types === "string" ? r.type === types : types.has(r.type)));
}

/**
 * A validation for one Kubernetes type, or a set of them (a kind in every API version). Like
 * `validateResourceOfType`, a single type is attached as `__pulumiType`, so the analyzer (and the
 * offline harness) skip other resources without deserializing them; with several, the check of the
 * type comes first and never reads the props.
 */
export function validateType(types: string | ReadonlySet<string>, validate: ResourceValidation): ResourceValidation {
    const set = typeof types === "string" ? new Set([types]) : types;
    const only = set.size === 1 ? [...set][0]! : undefined;
    const fn: ResourceValidation = (args, report) => {
        if (!set.has(args.type)) {
            args.notApplicable(only !== undefined ? `Policy only applies to resources of type '${only}'` : `Policy only applies to resources of the types ${[...set].join(", ")}`);
        }
        return validate(args, report);
    };
    return only !== undefined ? Object.assign(fn, { __pulumiType: only }) : fn;
}
