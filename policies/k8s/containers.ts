/**
 * What every container must declare: resources the scheduler and the autoscaler can work with,
 * probes the kubelet and the Service can act on, an image that does not change under it.
 */
import { LONG_RUNNING_KINDS, containersOf } from "../lib/k8s";
import { type EstateResourcePolicy, kyverno } from "../lib/policy";
import { validatePodSpec } from "./pod-security";

function isSet(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

export const k8sContainerResources: EstateResourcePolicy = {
    name: "estate-k8s-container-resources",
    checks:
        "Every container and init container of a workload sets resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
    description:
        "Every container must request CPU and memory and limit its memory: requests are what the scheduler places pods by " +
        "and what a HorizontalPodAutoscaler measures utilization against, and without a memory limit one leaking container " +
        "can push its neighbours out of the node.",
    remediationSteps:
        'Set `resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "512Mi" } }` on every container ' +
        "and init container (a CPU limit is optional: it throttles rather than protects).",
    severity: "medium",
    tags: ["k8s", "workloads", kyverno("require-requests-limits")],
    validateResource: validatePodSpec((pod) =>
        containersOf(pod)
            .filter(({ label }) => !label.startsWith("ephemeral"))
            .flatMap(({ label, container }) => {
                const resources = container.resources ?? {};
                const missing = [
                    ["requests.cpu", resources.requests?.cpu],
                    ["requests.memory", resources.requests?.memory],
                    ["limits.memory", resources.limits?.memory],
                ]
                    .filter(([, value]) => !isSet(value))
                    .map(([field]) => `resources.${String(field)}`);
                return missing.length > 0 ? [`${label} sets no ${missing.join(", ")}.`] : [];
            }),
    ),
};

export const k8sContainerProbes: EstateResourcePolicy = {
    name: "estate-k8s-container-probes",
    checks:
        "Every (non-init) container of a long-running workload has a readinessProbe and a livenessProbe.",
    description:
        "Every container of a long-running workload must have a readiness and a liveness probe: without readiness a pod " +
        "receives traffic before it can serve it (and during a rollout before the new version works); without liveness a hung " +
        "process is never restarted.",
    remediationSteps: 'Add `readinessProbe` and `livenessProbe` (e.g. `httpGet: { path: "/healthz", port: "http" }`) to every container; add a `startupProbe` for slow starts.',
    severity: "medium",
    tags: ["k8s", "workloads", kyverno("require-pod-probes")],
    validateResource: validatePodSpec(
        (pod) =>
            containersOf(pod)
                .filter(({ init }) => !init)
                .flatMap(({ label, container }) => {
                    const missing = (["readinessProbe", "livenessProbe"] as const).filter((probe) => !isSet(container[probe]));
                    return missing.length > 0 ? [`${label} has no ${missing.join(" and no ")}.`] : [];
                }),
        { kinds: LONG_RUNNING_KINDS },
    ),
};

/** A digest reference such as `ghcr.io/acme/web@sha256:<64 hex>`. */
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** Why an image reference is not pinned, or `undefined` when it is. */
export function unpinnedReason(image: unknown): string | undefined {
    if (typeof image !== "string" || image === "") {
        return "has no image";
    }
    if (DIGEST.test(image)) {
        return undefined;
    }
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    if (tag === "") {
        return `runs the untagged image ${JSON.stringify(image)} (which means latest)`;
    }
    return tag === "latest" ? `runs ${JSON.stringify(image)}` : undefined;
}

export const k8sImagePinned: EstateResourcePolicy = {
    name: "estate-k8s-image-pinned",
    checks:
        "Every container of a workload names an image with a tag other than latest, or a sha256 digest.",
    description:
        "Every container must run an image with a pinned tag or a digest, never latest or an untagged image: otherwise what " +
        "runs changes without a deployment, differs between nodes, and cannot be rolled back.",
    remediationSteps: "Use an immutable reference such as `ghcr.io/acme/web:1.4.2` or, better, `ghcr.io/acme/web@sha256:<digest>`.",
    severity: "high",
    tags: ["k8s", "workloads", kyverno("disallow-latest-tag")],
    validateResource: validatePodSpec(
        (pod, _args, partial) =>
            containersOf(pod).flatMap(({ label, container }) => {
                // A patch that leaves a container's image out keeps the live one.
                const reason = partial && container.image === undefined ? undefined : unpinnedReason(container.image);
                return reason === undefined ? [] : [`${label} ${reason}; pin a tag other than latest, or a digest.`];
            }),
        { patches: true },
    ),
};

export const k8sContainerPolicies = [k8sContainerResources, k8sContainerProbes, k8sImagePinned];
