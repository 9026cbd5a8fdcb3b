import type { Policy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import {
    k8sPodCapabilities,
    k8sPodHostNamespaces,
    k8sPodHostPath,
    k8sPodPrivileged,
    k8sPodPrivilegeEscalation,
    k8sPodRunAsNonRoot,
    k8sPodSeccomp,
    k8sPodSecurityPolicies,
} from "../../../policies/k8s/pod-security";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource, UNKNOWN } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { container, deployment, type Json, K, podSpec } from "./fixtures";

/** The violations of one policy as [message, urn]. */
async function found(policy: Policy, resources: RecordedResource[]): Promise<[string, string | undefined][]> {
    const report = await check(policy, resources);
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

const pod = (change: (spec: Json) => void) => deployment((p) => change(p.spec.template.spec));

describe("the restricted Pod Security policies", () => {
    it("pass a compliant Deployment", async () => {
        const report = await check(k8sPodSecurityPolicies, [deployment()]);
        expect(report.violations).toEqual([]);
    });

    it("are not applicable to objects without pods", async () => {
        const cm = fakeResource({ type: K.configMap, name: "settings", props: { data: {} } });
        const report = await check(k8sPodPrivileged, [cm]);
        expect(report).toEqual({
            violations: [],
            remediations: [],
            notApplicable: [{ policy: "estate-k8s-pod-privileged", urn: cm.urn, reason: `The policy applies to workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, in every API version, and their patches), not ${K.configMap}.` }],
        });
    });

    it("read the pod template of every workload kind: a bare Pod and a CronJob", async () => {
        const bare = fakeResource({ type: K.pod, name: "debug", props: { metadata: { name: "debug", namespace: "apps" }, spec: { ...podSpec(), hostPID: true } } });
        const cron = fakeResource({
            type: K.cronJob,
            name: "report",
            props: { metadata: { name: "report", namespace: "apps" }, spec: { jobTemplate: { spec: { template: { spec: { ...podSpec(), hostIPC: true } } } } } },
        });
        expect(await found(k8sPodHostNamespaces, [bare, cron])).toEqual([
            ["Pod 'apps/debug': the pod sets hostPID: true.", bare.urn],
            ["CronJob 'apps/report': the pod sets hostIPC: true.", cron.urn],
        ]);
    });

    it("mandatory in prod", async () => {
        const bad = pod((s) => (s.containers[0].securityContext.privileged = true));
        const report = await check(k8sPodPrivileged, [bad], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.policy, v.enforcementLevel, v.severity])).toEqual([["estate-k8s-pod-privileged", "mandatory", "critical"]]);
    });
});

describe("estate-k8s-pod-privileged", () => {
    it("fails a privileged container, an init container too", async () => {
        const bad = pod((s) => {
            s.containers[0].securityContext.privileged = true;
            s.initContainers = [{ ...container("setup"), securityContext: { ...container().securityContext, privileged: true } }];
        });
        expect(await found(k8sPodPrivileged, [bad])).toEqual([
            ["Deployment 'apps/web': container 'web' sets securityContext.privileged: true.", bad.urn],
            ["Deployment 'apps/web': init container 'setup' sets securityContext.privileged: true.", bad.urn],
        ]);
    });
});

describe("estate-k8s-pod-host-namespaces", () => {
    it.each(["hostNetwork", "hostPID", "hostIPC"])("fails %s", async (field) => {
        const bad = pod((s) => (s[field] = true));
        expect(await found(k8sPodHostNamespaces, [bad])).toEqual([[`Deployment 'apps/web': the pod sets ${field}: true.`, bad.urn]]);
    });
});

describe("estate-k8s-pod-host-path", () => {
    it("fails a hostPath volume", async () => {
        const bad = pod((s) => s.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } }));
        expect(await found(k8sPodHostPath, [bad])).toEqual([["Deployment 'apps/web': volume 'docker' mounts the node's \"/var/run/docker.sock\" (hostPath).", bad.urn]]);
    });
});

describe("estate-k8s-pod-capabilities", () => {
    it("fails a container that does not drop ALL", async () => {
        const bad = pod((s) => (s.containers[0].securityContext.capabilities = { drop: ["NET_RAW"] }));
        expect(await found(k8sPodCapabilities, [bad])).toEqual([["Deployment 'apps/web': container 'web' does not drop ALL capabilities (securityContext.capabilities.drop is [\"NET_RAW\"]).", bad.urn]]);
        const none = pod((s) => delete s.containers[0].securityContext.capabilities);
        expect(messagesOf(await check(k8sPodCapabilities, [none]))).toEqual(["Deployment 'apps/web': container 'web' does not drop ALL capabilities (securityContext.capabilities.drop)."]);
    });

    it("says why a lower-case 'all' (or 'CAP_NET_BIND_SERVICE') fails although the runtime would accept it", async () => {
        const lower = pod((s) => (s.containers[0].securityContext.capabilities = { drop: ["all"], add: ["CAP_NET_BIND_SERVICE"] }));
        const why =
            "Pod Security Admission's restricted check (capabilities_restricted) compares capability names case-sensitively, so the API server " +
            "rejects the pod in a restricted namespace (containerd and CRI-O would accept it)";
        expect(await found(k8sPodCapabilities, [lower])).toEqual([
            [`Deployment 'apps/web': container 'web' drops "all" instead of "ALL" (securityContext.capabilities.drop): ${why}; write "ALL".`, lower.urn],
            [`Deployment 'apps/web': container 'web' adds "CAP_NET_BIND_SERVICE" instead of "NET_BIND_SERVICE": ${why}; write "NET_BIND_SERVICE".`, lower.urn],
        ]);
    });

    it("fails added capabilities other than NET_BIND_SERVICE, and accepts NET_BIND_SERVICE", async () => {
        const bad = pod((s) => (s.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] }));
        expect(await found(k8sPodCapabilities, [bad])).toEqual([["Deployment 'apps/web': container 'web' adds capabilities SYS_ADMIN; only NET_BIND_SERVICE is allowed.", bad.urn]]);
        const good = pod((s) => (s.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["NET_BIND_SERVICE"] }));
        expect(await found(k8sPodCapabilities, [good])).toEqual([]);
    });
});

describe("estate-k8s-pod-privilege-escalation", () => {
    it("fails a container that allows escalation, or does not say", async () => {
        const allows = pod((s) => (s.containers[0].securityContext.allowPrivilegeEscalation = true));
        expect(await found(k8sPodPrivilegeEscalation, [allows])).toEqual([
            ["Deployment 'apps/web': container 'web' sets securityContext.allowPrivilegeEscalation: true; it must be false.", allows.urn],
        ]);
        const silent = pod((s) => delete s.containers[0].securityContext.allowPrivilegeEscalation);
        expect(await found(k8sPodPrivilegeEscalation, [silent])).toEqual([
            ["Deployment 'apps/web': container 'web' does not set securityContext.allowPrivilegeEscalation; it must be false.", silent.urn],
        ]);
    });
});

describe("estate-k8s-pod-run-as-non-root", () => {
    it("accepts runAsNonRoot on the pod alone", async () => {
        const good = pod((s) => delete s.containers[0].securityContext.runAsNonRoot);
        expect(await found(k8sPodRunAsNonRoot, [good])).toEqual([]);
    });

    it("fails when neither the pod nor the container sets runAsNonRoot", async () => {
        const bad = pod((s) => {
            delete s.securityContext.runAsNonRoot;
            delete s.containers[0].securityContext.runAsNonRoot;
        });
        expect(await found(k8sPodRunAsNonRoot, [bad])).toEqual([["Deployment 'apps/web': container 'web' does not set runAsNonRoot: true, and neither does the pod.", bad.urn]]);
    });

    it("fails a container that opts out, and root user ids on the pod or a container", async () => {
        const bad = pod((s) => {
            s.securityContext.runAsUser = 0;
            s.containers[0].securityContext.runAsNonRoot = false;
            s.containers[0].securityContext.runAsUser = 0;
        });
        expect(await found(k8sPodRunAsNonRoot, [bad])).toEqual([
            ["Deployment 'apps/web': the pod sets securityContext.runAsUser: 0 (root).", bad.urn],
            ["Deployment 'apps/web': container 'web' sets securityContext.runAsUser: 0 (root).", bad.urn],
            ["Deployment 'apps/web': container 'web' sets securityContext.runAsNonRoot: false.", bad.urn],
        ]);
    });
});

describe("estate-k8s-pod-seccomp", () => {
    it("accepts RuntimeDefault or Localhost on every container instead of the pod", async () => {
        const good = pod((s) => {
            delete s.securityContext.seccompProfile;
            s.containers[0].securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/web.json" };
        });
        expect(await found(k8sPodSeccomp, [good])).toEqual([]);
    });

    it("fails a pod without any seccomp profile", async () => {
        const bad = pod((s) => delete s.securityContext.seccompProfile);
        expect(await found(k8sPodSeccomp, [bad])).toEqual([["Deployment 'apps/web': container 'web' has no seccomp profile, and neither does the pod (seccompProfile.type RuntimeDefault).", bad.urn]]);
    });

    it("fails Unconfined on the pod or a container", async () => {
        const bad = pod((s) => {
            s.securityContext.seccompProfile = { type: "Unconfined" };
            s.containers[0].securityContext.seccompProfile = { type: "Unconfined" };
        });
        expect(await found(k8sPodSeccomp, [bad])).toEqual([
            ["Deployment 'apps/web': the pod sets seccompProfile.type \"Unconfined\"; it must be RuntimeDefault or Localhost.", bad.urn],
            ["Deployment 'apps/web': container 'web' sets seccompProfile.type \"Unconfined\"; it must be RuntimeDefault or Localhost.", bad.urn],
        ]);
    });
});

describe("in a preview", () => {
    it("a value that is not known yet is noted as advisory, not as a violation", async () => {
        const preview = pod((s) => (s.containers[0].securityContext.privileged = UNKNOWN));
        const report = await check(k8sPodPrivileged, [preview], { config: packConfig("prod") });
        expect(report.violations).toEqual([
            {
                policy: "estate-k8s-pod-privileged",
                enforcementLevel: "advisory",
                severity: "critical",
                message: "can't run policy 'estate-k8s-pod-privileged' during preview: string value at .spec.template.spec.containers.0.securityContext.privileged can't be known during preview",
            },
        ]);
    });
});
