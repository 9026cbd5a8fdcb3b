/**
 * Reading Kubernetes objects as the engine shows them: the inputs of `kubernetes:<group>/<version>:<Kind>`
 * resources (`apiVersion`, `kind`, `metadata`, `spec`, ...). Only the fields the policies read are
 * typed, all optional: a program may set anything. Values may be unknown in a preview; reading one
 * throws, which the engine reports as "can't run during preview".
 */
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { isRecord } from "./iam";

export const K8S = {
    namespace: "kubernetes:core/v1:Namespace",
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    deployment: "kubernetes:apps/v1:Deployment",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    helmChart: "kubernetes:helm.sh/v4:Chart",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
} as const;

/** HorizontalPodAutoscalers of every API version the provider knows. */
export const HPA_TYPES = new Set([
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta1:HorizontalPodAutoscaler",
]);

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

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
    [K8S.pod]: ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    [K8S.deployment]: ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Workloads whose pods run until replaced (probes make sense), as opposed to Jobs. */
export const LONG_RUNNING_TYPES = new Set([
    K8S.pod,
    "kubernetes:core/v1:ReplicationController",
    K8S.deployment,
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
]);

export function isWorkload(type: string): boolean {
    return type in POD_SPEC_PATHS;
}

/** The pod spec of a workload's props, or `undefined` when the program set none. */
export function podSpecOf(type: string, props: Record<string, unknown>): PodSpec | undefined {
    let cur: unknown = props;
    for (const key of POD_SPEC_PATHS[type] ?? []) {
        cur = isRecord(cur) ? cur[key] : undefined;
    }
    return isRecord(cur) ? (cur as PodSpec) : undefined;
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

/** The stack's resources of a type (exact type token). */
export function resourcesOfType(resources: readonly PolicyResource[], types: string | ReadonlySet<string>): PolicyResource[] {
    return resources.filter((r) => (typeof types === "string" ? r.type === types : types.has(r.type)));
}

/**
 * A validation for one Kubernetes type. Like `validateResourceOfType`, it carries the type token,
 * so the analyzer (and the offline harness) skip other resources without deserializing them.
 */
export function validateType(type: string, validate: ResourceValidation): ResourceValidation {
    const fn: ResourceValidation = (args, report) => {
        if (args.type !== type) {
            args.notApplicable(`Policy only applies to resources of type '${type}'`);
        }
        return validate(args, report);
    };
    return Object.assign(fn, { __pulumiType: type });
}
