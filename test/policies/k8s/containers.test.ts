import type { Policy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { k8sContainerProbes, k8sContainerResources, k8sImagePinned } from "../../../policies/k8s/containers";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";
import { container, deployment, type Json, K, podSpec } from "./fixtures";

async function found(policy: Policy, resources: RecordedResource[]): Promise<[string, string | undefined][]> {
    const report = await check(policy, resources);
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

const pod = (change: (spec: Json) => void) => deployment((p) => change(p.spec.template.spec));

describe("estate-k8s-container-resources", () => {
    it("passes a container with CPU and memory requests and a memory limit (no CPU limit needed)", async () => {
        expect(await found(k8sContainerResources, [deployment()])).toEqual([]);
    });

    it.each([
        ["requests.cpu", (c: Json) => delete c.resources.requests.cpu],
        ["requests.memory", (c: Json) => delete c.resources.requests.memory],
        ["limits.memory", (c: Json) => delete c.resources.limits],
    ])("fails a container without %s", async (field, change) => {
        const bad = pod((s) => change(s.containers[0]));
        expect(await found(k8sContainerResources, [bad])).toEqual([[`Deployment 'apps/web': container 'web' sets no resources.${field}.`, bad.urn]]);
    });

    it("fails an init container without resources, naming every missing field", async () => {
        const bad = pod((s) => (s.initContainers = [{ ...container("migrate"), resources: undefined }]));
        expect(await found(k8sContainerResources, [bad])).toEqual([
            ["Deployment 'apps/web': init container 'migrate' sets no resources.requests.cpu, resources.requests.memory, resources.limits.memory.", bad.urn],
        ]);
    });
});

describe("estate-k8s-container-probes", () => {
    it("passes a container with readiness and liveness probes", async () => {
        expect(await found(k8sContainerProbes, [deployment()])).toEqual([]);
    });

    it.each(["readinessProbe", "livenessProbe"])("fails a container without a %s", async (probe) => {
        const bad = pod((s) => delete s.containers[0][probe]);
        expect(await found(k8sContainerProbes, [bad])).toEqual([[`Deployment 'apps/web': container 'web' has no ${probe}.`, bad.urn]]);
    });

    it("does not ask init containers or Jobs for probes", async () => {
        const withInit = pod((s) => (s.initContainers = [{ name: "migrate", image: "ghcr.io/acme/migrate:1" }]));
        expect(await found(k8sContainerProbes, [withInit])).toEqual([]);
        const job = fakeResource({ type: K.job, name: "backup", props: { metadata: { name: "backup" }, spec: { template: { spec: { ...podSpec(), containers: [{ name: "dump", image: "pg:16" }] } } } } });
        const report = await check(k8sContainerProbes, [job]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => n.urn)).toEqual([job.urn]);
    });
});

describe("estate-k8s-image-pinned", () => {
    it.each(["ghcr.io/acme/web:1.4.2", `ghcr.io/acme/web@sha256:${"a".repeat(64)}`, "localhost:5000/web:2"])("passes %s", async (image) => {
        const good = pod((s) => (s.containers[0].image = image));
        expect(await found(k8sImagePinned, [good])).toEqual([]);
    });

    it("fails latest", async () => {
        const bad = pod((s) => (s.containers[0].image = "nginx:latest"));
        expect(await found(k8sImagePinned, [bad])).toEqual([["Deployment 'apps/web': container 'web' runs \"nginx:latest\"; pin a tag other than latest, or a digest.", bad.urn]]);
    });

    it("fails an untagged image, even from a registry with a port", async () => {
        const bad = pod((s) => (s.containers[0].image = "localhost:5000/web"));
        expect(await found(k8sImagePinned, [bad])).toEqual([
            ["Deployment 'apps/web': container 'web' runs the untagged image \"localhost:5000/web\" (which means latest); pin a tag other than latest, or a digest.", bad.urn],
        ]);
    });

    it("fails a container without an image", async () => {
        const bad = pod((s) => delete s.containers[0].image);
        expect(await found(k8sImagePinned, [bad])).toEqual([["Deployment 'apps/web': container 'web' has no image; pin a tag other than latest, or a digest.", bad.urn]]);
    });
});
