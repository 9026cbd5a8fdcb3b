import type { Policy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { blockingReason, k8sDeploymentAutoscaling, k8sDeploymentDisruptionBudget } from "../../../policies/k8s/workloads";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { deployment, hpa, K, pdb } from "./fixtures";

async function found(policy: Policy, resources: RecordedResource[]): Promise<[string, string | undefined][]> {
    const report = await check(policy, resources);
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

describe("estate-k8s-deployment-autoscaling", () => {
    it("passes a Deployment without replicas that an HPA in its namespace targets", async () => {
        expect(await found(k8sDeploymentAutoscaling, [deployment(), hpa()])).toEqual([]);
    });

    it("fails a Deployment that no HPA targets", async () => {
        const d = deployment();
        expect(await found(k8sDeploymentAutoscaling, [d])).toEqual([["Deployment 'apps/web' has no HorizontalPodAutoscaler targeting it.", d.urn]]);
    });

    it("does not count an HPA of another namespace, another name or another kind", async () => {
        const d = deployment();
        const others = [
            hpa((p) => (p.metadata.namespace = "staging"), "a"),
            hpa((p) => (p.spec.scaleTargetRef.name = "api"), "b"),
            hpa((p) => (p.spec.scaleTargetRef.kind = "StatefulSet"), "c"),
        ];
        expect(await found(k8sDeploymentAutoscaling, [d, ...others])).toEqual([["Deployment 'apps/web' has no HorizontalPodAutoscaler targeting it.", d.urn]]);
    });

    it("fails a Deployment that sets replicas although an HPA owns the count", async () => {
        const d = deployment((p) => (p.spec.replicas = 3));
        expect(await found(k8sDeploymentAutoscaling, [d, hpa()])).toEqual([
            ["Deployment 'apps/web' sets spec.replicas (3) although HorizontalPodAutoscaler 'apps/web' owns the replica count; remove spec.replicas.", d.urn],
        ]);
    });

    it("joins an auto-named Deployment to its HPA through the engine's property dependencies", async () => {
        const d = deployment((p) => delete p.metadata.name, "api");
        const linked = fakeResource({
            type: K.hpa,
            name: "api-hpa",
            props: { metadata: { namespace: "apps" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api-deployment-1a2b3c" }, minReplicas: 2, maxReplicas: 4 } },
            propertyDependencies: { spec: [d.urn] },
        });
        expect(await found(k8sDeploymentAutoscaling, [d, linked])).toEqual([]);
    });

    it("is mandatory in prod and not applicable without Deployments", async () => {
        const report = await check(k8sDeploymentAutoscaling, [deployment()], { config: packConfig("prod") });
        expect(report.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
        expect((await check(k8sDeploymentAutoscaling, [hpa()])).notApplicable).toEqual([
            { policy: "estate-k8s-deployment-autoscaling", urn: undefined, reason: "The stack has no Deployment (apps/v1, apps/v1beta1, apps/v1beta2, extensions/v1beta1)." },
        ]);
    });
});

describe("estate-k8s-deployment-disruption-budget", () => {
    it("passes a Deployment whose PDB selects its pods and allows one eviction", async () => {
        expect(await found(k8sDeploymentDisruptionBudget, [deployment(), hpa(), pdb()])).toEqual([]);
    });

    it("fails a Deployment without a PDB, or whose PDB selects other pods or lives elsewhere", async () => {
        const d = deployment();
        const elsewhere = pdb((p) => (p.metadata.namespace = "data"), "a");
        const otherPods = pdb((p) => (p.spec.selector = { matchLabels: { "app.kubernetes.io/name": "api" } }), "b");
        expect(await found(k8sDeploymentDisruptionBudget, [d, hpa(), elsewhere, otherPods])).toEqual([
            ["Deployment 'apps/web' has no PodDisruptionBudget selecting its pods.", d.urn],
        ]);
    });

    it("fails a PDB with maxUnavailable 0", async () => {
        const budget = pdb((p) => (p.spec.maxUnavailable = 0));
        expect(await found(k8sDeploymentDisruptionBudget, [deployment(), hpa(), budget])).toEqual([
            ["PodDisruptionBudget 'apps/web' allows no voluntary disruption of Deployment 'apps/web': maxUnavailable is 0; use maxUnavailable: 1.", budget.urn],
        ]);
    });

    it("fails a PDB whose minAvailable equals the autoscaler's minimum", async () => {
        const budget = pdb((p) => {
            delete p.spec.maxUnavailable;
            p.spec.minAvailable = 3;
        });
        expect(await found(k8sDeploymentDisruptionBudget, [deployment(), hpa(), budget])).toEqual([
            ["PodDisruptionBudget 'apps/web' allows no voluntary disruption of Deployment 'apps/web': minAvailable 3 leaves no pod to spare at 3 replicas; use maxUnavailable: 1.", budget.urn],
        ]);
    });

    it("fails a PDB that sets neither field", async () => {
        const budget = pdb((p) => delete p.spec.maxUnavailable);
        expect(messagesOf(await check(k8sDeploymentDisruptionBudget, [deployment(), hpa(), budget]))).toEqual([
            "PodDisruptionBudget 'apps/web' allows no voluntary disruption of Deployment 'apps/web': it sets neither maxUnavailable nor minAvailable; use maxUnavailable: 1.",
        ]);
    });

    it("selects with matchExpressions as the API server does", async () => {
        const budget = pdb((p) => (p.spec.selector = { matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }, { key: "canary", operator: "DoesNotExist" }] }));
        expect(await found(k8sDeploymentDisruptionBudget, [deployment(), hpa(), budget])).toEqual([]);
    });

    it.each([
        [{ maxUnavailable: 1 }, 1, undefined],
        [{ maxUnavailable: "25%" }, 2, undefined],
        [{ maxUnavailable: "0%" }, 4, 'maxUnavailable is "0%"'],
        [{ minAvailable: 2 }, 3, undefined],
        [{ minAvailable: 1 }, 1, "minAvailable 1 leaves no pod to spare at 1 replica"],
        [{ minAvailable: "50%" }, 3, undefined],
        [{ minAvailable: "90%" }, 3, 'minAvailable "90%" leaves no pod to spare at 3 replicas'],
    ])("%j at %i replicas: %s", (spec, replicas, reason) => {
        expect(blockingReason(spec, replicas)).toBe(reason);
    });
});
