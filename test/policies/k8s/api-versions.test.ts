/**
 * Every Kubernetes policy applies to its kind in every API version the provider has a type token
 * for (apps/v1beta1, extensions/v1beta1 Deployments, batch/v1beta1 CronJobs, v1beta1 Ingresses and
 * PodDisruptionBudgets...), and the pod-spec policies that forbid a value to the kinds' patches.
 */
import type { Policy, PolicyResource } from "@pulumi/policy";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { k8sContainerProbes, k8sContainerResources, k8sImagePinned } from "../../../policies/k8s/containers";
import { k8sContainerEnvLiteralCredentials } from "../../../policies/k8s/env-credentials";
import { k8sIngressTls } from "../../../policies/k8s/ingress";
import { k8sDeploymentServiceMonitor } from "../../../policies/k8s/monitoring";
import { networkPoliciesOf } from "../../../policies/k8s/network-flows";
import {
    k8sPodCapabilities,
    k8sPodHostNamespaces,
    k8sPodHostPath,
    k8sPodPrivileged,
    k8sPodPrivilegeEscalation,
    k8sPodRunAsNonRoot,
    k8sPodSeccomp,
} from "../../../policies/k8s/pod-security";
import { k8sDeploymentAutoscaling, k8sDeploymentDisruptionBudget } from "../../../policies/k8s/workloads";
import { API_VERSIONS, PATCH_TYPES, TYPES, kindOf } from "../../../policies/lib/k8s";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";
import { cronJob, deployment, hpa, ingress, type Json, pdb, service, serviceMonitor } from "./fixtures";

/** One change per pod-spec policy that makes a compliant pod spec violate it. */
const VIOLATIONS: [Policy, (pod: Json) => void][] = [
    [k8sPodPrivileged, (pod) => (pod.containers[0].securityContext.privileged = true)],
    [k8sPodHostNamespaces, (pod) => (pod.hostNetwork = true)],
    [k8sPodHostPath, (pod) => pod.volumes.push({ name: "host", hostPath: { path: "/" } })],
    [k8sPodCapabilities, (pod) => (pod.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"])],
    [k8sPodPrivilegeEscalation, (pod) => (pod.containers[0].securityContext.allowPrivilegeEscalation = true)],
    [k8sPodRunAsNonRoot, (pod) => (pod.containers[0].securityContext.runAsUser = 0)],
    [k8sPodSeccomp, (pod) => (pod.containers[0].securityContext.seccompProfile = { type: "Unconfined" })],
    [k8sContainerResources, (pod) => delete pod.containers[0].resources],
    [k8sImagePinned, (pod) => (pod.containers[0].image = "nginx:latest")],
    [k8sContainerEnvLiteralCredentials, (pod) => (pod.containers[0].env = [{ name: "API_KEY", value: "sk_live_0123" }])],
];

const OLD_DEPLOYMENTS = ["kubernetes:apps/v1beta1:Deployment", "kubernetes:apps/v1beta2:Deployment", "kubernetes:extensions/v1beta1:Deployment"];
const OLD_CRONJOBS = ["kubernetes:batch/v1beta1:CronJob", "kubernetes:batch/v2alpha1:CronJob"];

describe("the kind table", () => {
    it("names only type tokens @pulumi/kubernetes has, with a patch for each", () => {
        const root = path.dirname(require.resolve("@pulumi/kubernetes/package.json"));
        for (const [kind, versions] of Object.entries(API_VERSIONS)) {
            for (const version of versions) {
                // networking.k8s.io/v1 lives in networking/v1.
                const [group = "", v = ""] = version.split("/");
                const dir = path.join(root, group.split(".")[0]!, v);
                const js = (file: string) => fs.readFileSync(path.join(dir, `${file.charAt(0).toLowerCase()}${file.slice(1)}.js`), "utf8");
                expect(js(kind)).toContain(`'kubernetes:${version}:${kind}'`);
                expect(js(`${kind}Patch`)).toContain(`'kubernetes:${version}:${kind}Patch'`);
            }
        }
    });

    it("knows a token's kind, and whether it is a patch", () => {
        expect(kindOf("kubernetes:extensions/v1beta1:Deployment")).toEqual({ kind: "Deployment", patch: false });
        expect(kindOf("kubernetes:batch/v1beta1:CronJobPatch")).toEqual({ kind: "CronJob", patch: true });
        expect(kindOf("kubernetes:core/v1:ConfigMap")).toBeUndefined();
        expect([...TYPES.Ingress]).toEqual(["kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:networking.k8s.io/v1beta1:Ingress", "kubernetes:extensions/v1beta1:Ingress"]);
        expect(PATCH_TYPES.Deployment.has("kubernetes:apps/v1:DeploymentPatch")).toBe(true);
    });
});

describe("pod-spec policies in every API version", () => {
    for (const [policy, change] of VIOLATIONS) {
        it(`${policy.name} flags a Deployment of apps/v1beta1, apps/v1beta2 and extensions/v1beta1, and a CronJob of batch/v1beta1 and v2alpha1`, async () => {
            const old = [
                ...OLD_DEPLOYMENTS.map((type) => deployment((p) => change(p.spec.template.spec), "web", type)),
                ...OLD_CRONJOBS.map((type) => cronJob((p) => change(p.spec.jobTemplate.spec.template.spec), type)),
            ];
            const report = await check(policy, old);
            expect([...new Set(report.violations.map((v) => v.urn))]).toEqual(old.map((r) => r.urn));
            expect(report.notApplicable).toEqual([]);
            // The compliant ones pass.
            const good = [...OLD_DEPLOYMENTS.map((type) => deployment(() => undefined, "web", type)), ...OLD_CRONJOBS.map((type) => cronJob(() => undefined, type))];
            expect((await check(policy, good)).violations).toEqual([]);
        });
    }

    it("probes: a long-running StatefulSet of apps/v1beta1 and a DaemonSet of extensions/v1beta1, not a batch/v1beta1 CronJob", async () => {
        const noProbe = (p: Json) => delete p.spec.template.spec.containers[0].readinessProbe;
        const sts = deployment(noProbe, "db", "kubernetes:apps/v1beta1:StatefulSet");
        const ds = deployment(noProbe, "agent", "kubernetes:extensions/v1beta1:DaemonSet");
        const cron = cronJob((p) => delete p.spec.jobTemplate.spec.template.spec.containers[0].readinessProbe, "kubernetes:batch/v1beta1:CronJob");
        const report = await check(k8sContainerProbes, [sts, ds, cron]);
        expect(messagesOf(report)).toEqual(["StatefulSet 'apps/db': container 'web' has no readinessProbe.", "DaemonSet 'apps/agent': container 'web' has no readinessProbe."]);
        expect(report.notApplicable.map((n) => n.urn)).toEqual([cron.urn]);
    });
});

describe("patches", () => {
    /** A DeploymentPatch (server-side apply) that sets only what `change` sets on container 'web'. */
    function patch(change: (pod: Json) => void) {
        const pod: Json = { containers: [{ name: "web" }] };
        change(pod);
        return fakeResource({ type: "kubernetes:apps/v1:DeploymentPatch", name: "web-patch", props: { metadata: { name: "web", namespace: "apps" }, spec: { template: { spec: pod } } } });
    }

    it("a patch that sets a forbidden value is flagged", async () => {
        const bad = patch((pod) => {
            pod.containers[0].securityContext = { privileged: true, allowPrivilegeEscalation: true, runAsUser: 0, capabilities: { drop: ["all"] } };
            pod.containers[0].image = "nginx";
            pod.containers[0].env = [{ name: "DB_PASSWORD", value: "hunter2" }];
        });
        const report = await check([k8sPodPrivileged, k8sPodPrivilegeEscalation, k8sPodRunAsNonRoot, k8sPodCapabilities, k8sImagePinned, k8sContainerEnvLiteralCredentials], [bad]);
        expect(messagesOf(report).map((m) => m.replace(/:.*/, ""))).toEqual(Array(6).fill("DeploymentPatch 'apps/web'"));
        expect(report.violations.map((v) => v.policy)).toEqual([
            "estate-k8s-pod-privileged",
            "estate-k8s-pod-privilege-escalation",
            "estate-k8s-pod-run-as-non-root",
            "estate-k8s-pod-capabilities",
            "estate-k8s-image-pinned",
            "estate-k8s-container-env-literal-credentials",
        ]);
    });

    it("a patch is not asked for what it leaves out (it keeps the live object's), and required-field policies skip it", async () => {
        const partial = patch((pod) => (pod.containers[0].image = "ghcr.io/acme/shop-web:1.4.3"));
        const policies = [k8sPodPrivileged, k8sPodHostNamespaces, k8sPodHostPath, k8sPodCapabilities, k8sPodPrivilegeEscalation, k8sPodRunAsNonRoot, k8sPodSeccomp, k8sImagePinned, k8sContainerEnvLiteralCredentials];
        expect((await check(policies, [partial])).violations).toEqual([]);
        const required = await check([k8sContainerResources, k8sContainerProbes], [partial]);
        expect(required.violations).toEqual([]);
        expect(required.notApplicable.map((n) => n.policy)).toEqual(["estate-k8s-container-resources", "estate-k8s-container-probes"]);
    });
});

describe("stack policies in every API version", () => {
    const old = (change: (p: Json) => void = () => undefined) => deployment(change, "web", "kubernetes:extensions/v1beta1:Deployment");

    it("autoscaling: an extensions/v1beta1 Deployment without an HPA is flagged; with one it passes", async () => {
        const d = old();
        expect(messagesOf(await check(k8sDeploymentAutoscaling, [d]))).toEqual(["Deployment 'apps/web' has no HorizontalPodAutoscaler targeting it."]);
        expect((await check(k8sDeploymentAutoscaling, [d, hpa()])).violations).toEqual([]);
    });

    it("disruption budget: a policy/v1beta1 PDB counts, but its empty selector selects nothing (unlike policy/v1)", async () => {
        const d = old();
        const v1beta1 = "kubernetes:policy/v1beta1:PodDisruptionBudget";
        expect((await check(k8sDeploymentDisruptionBudget, [d, hpa(), pdb(() => undefined, "web", v1beta1)])).violations).toEqual([]);
        const blocking = pdb((p) => (p.spec = { selector: { matchLabels: { "app.kubernetes.io/name": "web" } }, maxUnavailable: 0 }), "web", v1beta1);
        expect(messagesOf(await check(k8sDeploymentDisruptionBudget, [d, hpa(), blocking]))).toEqual([
            "PodDisruptionBudget 'apps/web' allows no voluntary disruption of Deployment 'apps/web': maxUnavailable is 0; use maxUnavailable: 1.",
        ]);
        const emptyV1beta1 = pdb((p) => (p.spec.selector = {}), "web", v1beta1);
        expect(messagesOf(await check(k8sDeploymentDisruptionBudget, [d, hpa(), emptyV1beta1]))).toEqual(["Deployment 'apps/web' has no PodDisruptionBudget selecting its pods."]);
        const emptyV1 = pdb((p) => (p.spec.selector = {}));
        expect((await check(k8sDeploymentDisruptionBudget, [d, hpa(), emptyV1])).violations).toEqual([]);
    });

    it("service monitor: an apps/v1beta2 Deployment exposing metrics without a ServiceMonitor is flagged", async () => {
        const d = deployment(
            (p) => p.spec.template.spec.containers[0].ports = [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }],
            "web",
            "kubernetes:apps/v1beta2:Deployment",
        );
        expect((await check(k8sDeploymentServiceMonitor, [d, service()])).violations.map((v) => v.urn)).toEqual([d.urn]);
        expect((await check(k8sDeploymentServiceMonitor, [d, service(), serviceMonitor()])).violations).toEqual([]);
    });
});

describe("Ingresses and NetworkPolicies in every API version", () => {
    it.each(["kubernetes:networking.k8s.io/v1beta1:Ingress", "kubernetes:extensions/v1beta1:Ingress"])("ingress TLS: a %s without tls is flagged (the v1beta1 backend shape does not matter)", async (type) => {
        const v1beta1 = (change: (p: Json) => void) => {
            const r = ingress((p) => {
                p.spec.rules[0].http.paths[0].backend = { serviceName: "web", servicePort: "http" };
                change(p);
            });
            return fakeResource({ type, name: r.name, props: r.inputs.toJavaScript() as Json });
        };
        expect((await check(k8sIngressTls, [v1beta1(() => undefined)])).violations).toEqual([]);
        const bad = v1beta1((p) => delete p.spec.tls);
        expect(messagesOf(await check(k8sIngressTls, [bad]))).toEqual(["Ingress 'apps/web' has no spec.tls: its hosts are served over plain HTTP."]);
    });

    it("the flows evaluator reads extensions/v1beta1 NetworkPolicies too", () => {
        const spec = { podSelector: {}, policyTypes: ["Ingress"] };
        const np = { type: "kubernetes:extensions/v1beta1:NetworkPolicy", name: "deny", urn: "urn:pulumi:test::estate::kubernetes:extensions/v1beta1:NetworkPolicy::deny", props: { metadata: { name: "default-deny", namespace: "apps" }, spec } };
        expect(networkPoliciesOf([np as unknown as PolicyResource])).toEqual([
            { namespace: "apps", name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        ]);
    });
});
