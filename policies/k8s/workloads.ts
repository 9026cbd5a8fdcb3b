/**
 * Availability of Deployments: an autoscaler owns the replica count, and a disruption budget keeps
 * enough pods through a node drain without blocking it. These join objects to each other, so they
 * are stack policies: an HPA names its Deployment by namespace and name (or, for an auto-named
 * Deployment, through the engine's property dependencies); a PDB selects its pods by labels.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { API_VERSIONS, HPA_TYPES, type LabelSelector, TYPES, describeObject, metadataOf, namespaceOf, resourcesOfType, selects } from "../lib/k8s";
import { type EstateStackPolicy, kyverno } from "../lib/policy";
import { forEachDeferringUnknowns } from "../lib/unknowns";

/** Why a stack policy about Deployments does not apply. */
export const NO_DEPLOYMENT = `The stack has no Deployment (${API_VERSIONS.Deployment.join(", ")}).`;

function deploymentsOf(args: StackValidationArgs): PolicyResource[] {
    const deployments = resourcesOfType(args.resources, TYPES.Deployment);
    if (deployments.length === 0) {
        args.notApplicable(NO_DEPLOYMENT);
    }
    return deployments;
}

const describe = (r: PolicyResource) => describeObject(r.type, r.props, r.name);

/** The HorizontalPodAutoscalers whose scaleTargetRef is this Deployment. */
export function autoscalersOf(deployment: PolicyResource, resources: readonly PolicyResource[]): PolicyResource[] {
    const name = metadataOf(deployment.props).name;
    const namespace = namespaceOf(deployment.props);
    return resourcesOfType(resources, HPA_TYPES).filter((hpa) => {
        const spec = isRecord(hpa.props.spec) ? hpa.props.spec : {};
        const target = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
        if (target.kind !== "Deployment") {
            return false;
        }
        if (typeof name === "string" && name !== "") {
            return target.name === name && namespaceOf(hpa.props) === namespace;
        }
        // An auto-named Deployment: the HPA took the name from the Deployment's output.
        return (hpa.propertyDependencies.spec ?? []).some((d) => d.urn === deployment.urn);
    });
}

export const k8sDeploymentAutoscaling: EstateStackPolicy = {
    name: "estate-k8s-deployment-autoscaling",
    checks:
        "Every Deployment is the scaleTargetRef of a HorizontalPodAutoscaler, and then does not set spec.replicas.",
    description:
        "Every Deployment must be scaled by a HorizontalPodAutoscaler, and then must not set spec.replicas: a fixed count " +
        "cannot follow load, and a count in the Deployment is reset on every update, fighting the autoscaler and dropping " +
        "pods under load.",
    remediationSteps:
        "Add an autoscaling/v2 HorizontalPodAutoscaler with `scaleTargetRef: { apiVersion: \"apps/v1\", kind: \"Deployment\", name }` " +
        "in the Deployment's namespace, with minReplicas/maxReplicas and CPU and memory targets, and remove `spec.replicas` " +
        "from the Deployment (estate AppService does both).",
    severity: "medium",
    tags: ["k8s", "workloads", kyverno("check-hpa-exists")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        forEachDeferringUnknowns(deploymentsOf(args), (deployment) => {
            const hpas = autoscalersOf(deployment, args.resources);
            if (hpas.length === 0) {
                report(`${describe(deployment)} has no HorizontalPodAutoscaler targeting it.`, deployment.urn);
                return;
            }
            const spec = isRecord(deployment.props.spec) ? deployment.props.spec : {};
            if (spec.replicas !== undefined && spec.replicas !== null) {
                report(
                    `${describe(deployment)} sets spec.replicas (${JSON.stringify(spec.replicas)}) although ${describe(hpas[0]!)} owns the ` +
                        "replica count; remove spec.replicas.",
                    deployment.urn,
                );
            }
        });
    },
};

/** How many pods a Deployment is expected to run: its autoscaler's minimum, else spec.replicas, else 1. */
function expectedReplicas(deployment: PolicyResource, resources: readonly PolicyResource[]): number {
    for (const hpa of autoscalersOf(deployment, resources)) {
        const min = isRecord(hpa.props.spec) ? hpa.props.spec.minReplicas : undefined;
        return typeof min === "number" ? min : 1;
    }
    const replicas = isRecord(deployment.props.spec) ? deployment.props.spec.replicas : undefined;
    return typeof replicas === "number" ? replicas : 1;
}

/** A PDB's int-or-percent value scaled to `replicas` (rounding up, as the disruption controller does). */
function scaled(value: unknown, replicas: number): number | undefined {
    if (typeof value === "number") {
        return value;
    }
    const percent = typeof value === "string" ? /^(\d+)%$/.exec(value) : null;
    return percent ? Math.ceil((Number(percent[1]) * replicas) / 100) : undefined;
}

/**
 * Whether a PDB's selector selects pods with these labels. An empty selector selects every pod of
 * the namespace in policy/v1 but none in policy/v1beta1
 * (https://kubernetes.io/docs/tasks/run-application/configure-pdb/#specifying-a-poddisruptionbudget).
 */
export function budgetSelects(type: string, selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    const empty =
        isRecord(selector) && Object.keys(isRecord(selector.matchLabels) ? selector.matchLabels : {}).length === 0 && !(Array.isArray(selector.matchExpressions) && selector.matchExpressions.length > 0);
    return empty && type === "kubernetes:policy/v1beta1:PodDisruptionBudget" ? false : selects(selector, labels);
}

/** Why a PDB allows no voluntary disruption at `replicas` pods, or `undefined` when it allows one. */
export function blockingReason(spec: Record<string, unknown>, replicas: number): string | undefined {
    const { maxUnavailable, minAvailable } = spec;
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
        const n = scaled(maxUnavailable, replicas);
        return n !== undefined && n >= 1 ? undefined : `maxUnavailable is ${JSON.stringify(maxUnavailable)}`;
    }
    if (minAvailable !== undefined && minAvailable !== null) {
        const n = scaled(minAvailable, replicas);
        return n !== undefined && n < replicas ? undefined : `minAvailable ${JSON.stringify(minAvailable)} leaves no pod to spare at ${replicas} replica${replicas === 1 ? "" : "s"}`;
    }
    return "it sets neither maxUnavailable nor minAvailable";
}

export const k8sDeploymentDisruptionBudget: EstateStackPolicy = {
    name: "estate-k8s-deployment-disruption-budget",
    checks:
        "Every Deployment's pods are selected by a PodDisruptionBudget in its namespace, and each such budget still allows one eviction at the expected replica count.",
    description:
        "Every Deployment must have a PodDisruptionBudget that still allows a voluntary disruption: without one a node drain " +
        "may evict all its pods at once; with one that allows none (minAvailable equal to the replicas, maxUnavailable 0) " +
        "node upgrades and drains block forever.",
    remediationSteps:
        "Add a policy/v1 PodDisruptionBudget in the Deployment's namespace whose selector matches the pod template's labels, " +
        'with `maxUnavailable: 1` (allows one eviction at any size) and `unhealthyPodEvictionPolicy: "AlwaysAllow"`.',
    severity: "medium",
    tags: ["k8s", "workloads", kyverno("require-pdb"), kyverno("pdb-maxunavailable")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const budgets = resourcesOfType(args.resources, TYPES.PodDisruptionBudget);
        forEachDeferringUnknowns(deploymentsOf(args), (deployment) => {
            const spec = isRecord(deployment.props.spec) ? deployment.props.spec : {};
            const template = isRecord(spec.template) ? spec.template : {};
            const labels = metadataOf(template).labels ?? {};
            const namespace = namespaceOf(deployment.props);
            const matching = budgets.filter((pdb) => {
                const pdbSpec = isRecord(pdb.props.spec) ? pdb.props.spec : {};
                return namespaceOf(pdb.props) === namespace && budgetSelects(pdb.type, pdbSpec.selector as LabelSelector | undefined, labels);
            });
            if (matching.length === 0) {
                report(`${describe(deployment)} has no PodDisruptionBudget selecting its pods.`, deployment.urn);
                return;
            }
            const replicas = expectedReplicas(deployment, args.resources);
            for (const pdb of matching) {
                const reason = blockingReason(isRecord(pdb.props.spec) ? pdb.props.spec : {}, replicas);
                if (reason !== undefined) {
                    report(`${describe(pdb)} allows no voluntary disruption of ${describe(deployment)}: ${reason}; use maxUnavailable: 1.`, pdb.urn);
                }
            }
        });
    },
};

export const k8sWorkloadPolicies = [k8sDeploymentAutoscaling, k8sDeploymentDisruptionBudget];
