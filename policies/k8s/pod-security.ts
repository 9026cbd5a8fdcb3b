/**
 * The Pod Security Standards' restricted profile, checked on every workload's pod template before
 * it reaches the cluster (Pod Security Admission enforces the same in the estate's namespaces, but
 * only at admission time, and only where the namespace is labelled). One policy per control, as
 * Kyverno's pod-security policies split them.
 */
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { asList } from "../lib/iam";
import { type PodSpec, type SecurityContext, WORKLOAD_KINDS, type WorkloadKind, containersOf, describeObject, podSpecOf, workloadKindOf } from "../lib/k8s";
import { type EstateResourcePolicy, kyverno } from "../lib/policy";

/** The workload kinds the display order of messages lists. */
const DISPLAY_ORDER: readonly WorkloadKind[] = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

export interface PodSpecValidationOptions {
    /** The workload kinds the policy applies to (default: all of them, in every API version). */
    kinds?: readonly WorkloadKind[];
    /**
     * Whether the policy applies to the kinds' server-side apply patches (`DeploymentPatch`, ...) too.
     * A patch is partial: `check` is then called with `partial` true, and reports only values the
     * patch sets that are forbidden, never a field the patch leaves out.
     */
    patches?: boolean;
}

/**
 * A resource validation over a workload's pod spec: `check` returns the problems, each reported
 * as its own violation, prefixed with the object (`Deployment 'apps/web': ...`).
 */
export function validatePodSpec(
    check: (pod: PodSpec, args: ResourceValidationArgs, partial: boolean) => string[],
    options: PodSpecValidationOptions = {},
): ResourceValidation {
    const kinds = new Set(options.kinds ?? WORKLOAD_KINDS);
    const listed = DISPLAY_ORDER.filter((kind) => kinds.has(kind)).join(", ");
    const scope = `workloads (${listed}, in every API version${options.patches === true ? ", and their patches" : ""})`;
    return (args: ResourceValidationArgs, report: ReportViolation) => {
        const workload = workloadKindOf(args.type);
        if (workload === undefined || !kinds.has(workload.kind) || (workload.patch && options.patches !== true)) {
            args.notApplicable(`The policy applies to ${scope}, not ${args.type}.`);
        }
        const pod = podSpecOf(args.type, args.props);
        if (pod === undefined) {
            return;
        }
        const where = describeObject(args.type, args.props, args.name);
        for (const problem of check(pod, args, workload?.patch === true)) {
            report(`${where}: ${problem}`);
        }
    };
}

function securityContextOf(holder: { securityContext?: SecurityContext }): SecurityContext {
    return holder.securityContext !== null && typeof holder.securityContext === "object" ? holder.securityContext : {};
}

export const k8sPodPrivileged: EstateResourcePolicy = {
    name: "estate-k8s-pod-privileged",
    checks:
        "No container, init container or ephemeral container of a workload sets securityContext.privileged: true.",
    description:
        "Containers must not run privileged: a privileged container has every capability and all host devices, so escaping " +
        "it is trivial and whoever controls it controls the node.",
    remediationSteps: "Remove `securityContext.privileged: true` (or set it to false) on every container, init container and ephemeral container.",
    severity: "critical",
    tags: ["k8s", "pod-security", kyverno("disallow-privileged-containers")],
    validateResource: validatePodSpec((pod) =>
        containersOf(pod)
            .filter(({ container }) => securityContextOf(container).privileged === true)
            .map(({ label }) => `${label} sets securityContext.privileged: true.`),
        { patches: true },
    ),
};

export const k8sPodHostNamespaces: EstateResourcePolicy = {
    name: "estate-k8s-pod-host-namespaces",
    checks:
        "No workload's pod sets hostNetwork, hostPID or hostIPC to true.",
    description:
        "Pods must not share the node's network, process or IPC namespace: with them a pod sees and reaches the node's " +
        "other processes and interfaces, bypassing NetworkPolicies and process isolation.",
    remediationSteps: "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false).",
    severity: "high",
    tags: ["k8s", "pod-security", kyverno("disallow-host-namespaces")],
    validateResource: validatePodSpec((pod) =>
        (["hostNetwork", "hostPID", "hostIPC"] as const).filter((field) => pod[field] === true).map((field) => `the pod sets ${field}: true.`),
        { patches: true },
    ),
};

export const k8sPodHostPath: EstateResourcePolicy = {
    name: "estate-k8s-pod-host-path",
    checks:
        "No workload's pod has a hostPath volume.",
    description:
        "Pods must not mount hostPath volumes: a directory of the node gives access to other pods' data, credentials and " +
        "the container runtime, and ties the pod to one node.",
    remediationSteps: "Replace hostPath volumes with emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret.",
    severity: "high",
    tags: ["k8s", "pod-security", kyverno("disallow-host-path")],
    validateResource: validatePodSpec((pod) =>
        (Array.isArray(pod.volumes) ? pod.volumes : [])
            .filter((volume) => volume !== null && typeof volume === "object" && volume.hostPath !== undefined && volume.hostPath !== null)
            .map((volume) => `volume '${volume.name ?? "?"}' mounts the node's ${JSON.stringify(volume.hostPath?.path ?? "")} (hostPath).`),
        { patches: true },
    ),
};

/** The only capability the restricted profile lets a container add. */
const ALLOWED_CAPABILITY = "NET_BIND_SERVICE";

/**
 * Why a lower-case or `CAP_`-prefixed name is wrong although the container runtime accepts it: the
 * CRI runtimes compare "ALL" case-insensitively and drop every capability for `all` (containerd
 * pkg/cri/util/strings.go `InStringSlice`, CRI-O `inStringSlice`, both `strings.EqualFold`), but Pod
 * Security Admission's restricted check compares exactly (kubernetes/kubernetes
 * staging/src/k8s.io/pod-security-admission/policy/check_capabilities_restricted.go: `c == "ALL"`,
 * `c != "NET_BIND_SERVICE"`), so the API server refuses the pod in a namespace that enforces restricted.
 */
const EXACT_NAMES =
    "Pod Security Admission's restricted check (capabilities_restricted) compares capability names case-sensitively, so the API server " +
    "rejects the pod in a restricted namespace (containerd and CRI-O would accept it)";

/** The capability problems of one container; a patch (`partial`) is checked only on the lists it sets. */
export function capabilityProblems(label: string, capabilities: { add?: unknown; drop?: unknown }, partial: boolean): string[] {
    const problems: string[] = [];
    const drop = asList(capabilities.drop).filter((c): c is string => typeof c === "string");
    if (!drop.includes("ALL") && !(partial && capabilities.drop === undefined)) {
        const lower = drop.find((c) => c.toUpperCase() === "ALL");
        problems.push(
            lower !== undefined
                ? `${label} drops ${JSON.stringify(lower)} instead of "ALL" (securityContext.capabilities.drop): ${EXACT_NAMES}; write "ALL".`
                : `${label} does not drop ALL capabilities (securityContext.capabilities.drop${drop.length > 0 ? ` is ${JSON.stringify(drop)}` : ""}).`,
        );
    }
    const added = asList(capabilities.add).filter((c) => c !== ALLOWED_CAPABILITY);
    const misspelled = added.filter((c) => typeof c === "string" && c.toUpperCase().replace(/^CAP_/, "") === ALLOWED_CAPABILITY);
    const others = added.filter((c) => !misspelled.includes(c));
    if (misspelled.length > 0) {
        problems.push(`${label} adds ${misspelled.map((c) => JSON.stringify(c)).join(", ")} instead of "${ALLOWED_CAPABILITY}": ${EXACT_NAMES}; write "${ALLOWED_CAPABILITY}".`);
    }
    if (others.length > 0) {
        problems.push(`${label} adds capabilities ${others.map((c) => String(c)).join(", ")}; only ${ALLOWED_CAPABILITY} is allowed.`);
    }
    return problems;
}

export const k8sPodCapabilities: EstateResourcePolicy = {
    name: "estate-k8s-pod-capabilities",
    checks:
        "Every container of a workload drops ALL capabilities and adds none other than NET_BIND_SERVICE.",
    description:
        "Containers must drop all Linux capabilities and add back at most NET_BIND_SERVICE, as the restricted Pod Security " +
        "Standard requires: capabilities such as NET_RAW or SYS_ADMIN widen what a compromised process can do to the node.",
    remediationSteps: 'Set `securityContext.capabilities: { drop: ["ALL"] }` on every container; add `NET_BIND_SERVICE` only to bind ports below 1024.',
    severity: "medium",
    tags: ["k8s", "pod-security", kyverno("disallow-capabilities-strict")],
    validateResource: validatePodSpec(
        (pod, _args, partial) =>
            containersOf(pod).flatMap(({ label, container }) => {
                const capabilities = securityContextOf(container).capabilities;
                return capabilityProblems(label, capabilities !== null && typeof capabilities === "object" ? capabilities : {}, partial);
            }),
        { patches: true },
    ),
};

export const k8sPodPrivilegeEscalation: EstateResourcePolicy = {
    name: "estate-k8s-pod-privilege-escalation",
    checks:
        "Every container of a workload sets securityContext.allowPrivilegeEscalation: false.",
    description:
        "Containers must set allowPrivilegeEscalation: false, so no process can gain more privileges than its parent " +
        "(through setuid binaries or file capabilities). Kubernetes allows escalation unless it is turned off.",
    remediationSteps: "Set `securityContext.allowPrivilegeEscalation: false` on every container, init container and ephemeral container.",
    severity: "high",
    tags: ["k8s", "pod-security", kyverno("disallow-privilege-escalation")],
    validateResource: validatePodSpec(
        (pod, _args, partial) =>
            containersOf(pod)
                .filter(({ container }) => {
                    const value = securityContextOf(container).allowPrivilegeEscalation;
                    return value !== false && !(partial && value === undefined);
                })
                .map(({ label, container }) => {
                    const value = securityContextOf(container).allowPrivilegeEscalation;
                    return `${label} ${value === undefined ? "does not set securityContext.allowPrivilegeEscalation" : `sets securityContext.allowPrivilegeEscalation: ${JSON.stringify(value)}`}; it must be false.`;
                }),
        { patches: true },
    ),
};

export const k8sPodRunAsNonRoot: EstateResourcePolicy = {
    name: "estate-k8s-pod-run-as-non-root",
    checks:
        "Every container of a workload runs with runAsNonRoot: true (its own or the pod's), and neither the pod nor a container sets runAsUser: 0 or runAsNonRoot: false.",
    description:
        "Containers must run as a non-root user: runAsNonRoot makes the kubelet refuse to start a container whose user is " +
        "root, and root in a container is one kernel bug away from root on the node.",
    remediationSteps:
        "Set `securityContext.runAsNonRoot: true` on the pod (or on every container) and a non-zero `runAsUser`; never set " +
        "runAsUser: 0 or runAsNonRoot: false on a container.",
    severity: "high",
    tags: ["k8s", "pod-security", kyverno("require-run-as-nonroot"), kyverno("require-run-as-non-root-user")],
    validateResource: validatePodSpec((pod, _args, partial) => {
        const podContext = securityContextOf(pod);
        const problems: string[] = [];
        if (podContext.runAsUser === 0) {
            problems.push("the pod sets securityContext.runAsUser: 0 (root).");
        }
        for (const { label, container } of containersOf(pod)) {
            const own = securityContextOf(container);
            if (own.runAsUser === 0) {
                problems.push(`${label} sets securityContext.runAsUser: 0 (root).`);
            }
            if (own.runAsNonRoot === false) {
                problems.push(`${label} sets securityContext.runAsNonRoot: false.`);
            } else if (!partial && own.runAsNonRoot !== true && podContext.runAsNonRoot !== true) {
                problems.push(`${label} does not set runAsNonRoot: true, and neither does the pod.`);
            }
        }
        return problems;
    }, { patches: true }),
};

/** Seccomp profiles the restricted profile accepts. */
const RESTRICTED_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);

export const k8sPodSeccomp: EstateResourcePolicy = {
    name: "estate-k8s-pod-seccomp",
    checks:
        "Every container of a workload has a seccomp profile of type RuntimeDefault or Localhost, its own or the pod's.",
    description:
        "Pods must run with a seccomp profile (RuntimeDefault or a Localhost profile): without one, containers may call every " +
        "system call of the kernel, including the ones container escapes rely on.",
    remediationSteps: 'Set `securityContext.seccompProfile: { type: "RuntimeDefault" }` on the pod; never set `Unconfined` on a container.',
    severity: "medium",
    tags: ["k8s", "pod-security", kyverno("restrict-seccomp-strict")],
    validateResource: validatePodSpec((pod, _args, partial) => {
        const podType = securityContextOf(pod).seccompProfile?.type;
        const problems: string[] = [];
        if (podType !== undefined && !RESTRICTED_SECCOMP.has(podType)) {
            problems.push(`the pod sets seccompProfile.type ${JSON.stringify(podType)}; it must be RuntimeDefault or Localhost.`);
        }
        for (const { label, container } of containersOf(pod)) {
            const type = securityContextOf(container).seccompProfile?.type;
            if (type !== undefined && !RESTRICTED_SECCOMP.has(type)) {
                problems.push(`${label} sets seccompProfile.type ${JSON.stringify(type)}; it must be RuntimeDefault or Localhost.`);
            } else if (!partial && type === undefined && podType === undefined) {
                problems.push(`${label} has no seccomp profile, and neither does the pod (seccompProfile.type RuntimeDefault).`);
            }
        }
        return problems;
    }, { patches: true }),
};

export const k8sPodSecurityPolicies = [
    k8sPodPrivileged,
    k8sPodHostNamespaces,
    k8sPodHostPath,
    k8sPodCapabilities,
    k8sPodPrivilegeEscalation,
    k8sPodRunAsNonRoot,
    k8sPodSeccomp,
];
