/**
 * The pins module (components/lib/charts.ts): every pin carries its provenance, every custom
 * resource the planned estates create is of an API version the module declares (with the chart
 * that installs its CRD), and the pins the module does not own directly agree with it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPins, charts, crds, imagePins, images } from "../../../components/lib/charts";
import { plannedStack, root } from "../../helpers/plans";

/** Every stack of the repository, from its `Pulumi.<stack>.yaml` files. */
const stacks = fs
    .readdirSync(root)
    .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
    .sort();

/**
 * API groups the Kubernetes provider knows natively (core and `*.k8s.io` groups, and its own
 * `helm.sh`/`yaml`/`kustomize` pseudo-groups): a resource type of any other group is a
 * CustomResource, whose type token is `kubernetes:<apiVersion>:<kind>`.
 */
function isCustomResourceType(type: string): boolean {
    const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
    if (!m) return false;
    const group = m[1]!.includes("/") ? m[1]!.slice(0, m[1]!.lastIndexOf("/")) : "core";
    return group.includes(".") && !group.endsWith(".k8s.io") && group !== "helm.sh";
}

describe("every pin has provenance", () => {
    const sources = [
        ...allPins().map((p) => [`${p.kind} ${p.key}`, p.source] as const),
        ...Object.entries(crds).map(([key, c]) => [`crd ${key}`, c.source] as const),
    ];

    it.each(sources)("%s: an upstream repository, a path in it and a ref", (_name, source) => {
        expect(source.repository).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
        expect(source.path.trim()).not.toBe("");
        expect(source.ref.trim()).not.toBe("");
    });

    it("lists every chart and image pin once", () => {
        expect(allPins()).toHaveLength(Object.keys(charts).length + Object.keys(imagePins).length);
        for (const pin of allPins()) {
            expect(pin.version, pin.key).toMatch(/^[A-Za-z0-9._-]+$/);
            expect(["latest", ""]).not.toContain(pin.version);
        }
    });
});

describe("custom resources of the planned estates", () => {
    const declared = new Set<string>(Object.values(crds).flatMap((c) => c.kinds.map((kind) => `${c.apiVersion}:${kind}`)));

    it("finds the stacks from Pulumi.<stack>.yaml", () => {
        expect(stacks.length).toBeGreaterThan(0);
    });

    it.each(stacks)("%s: every CustomResource's apiVersion and kind is declared in the pins module", async (stack) => {
        const run = await plannedStack(stack);
        const used = [...new Set(run.resources.filter((r) => isCustomResourceType(r.type)).map((r) => r.type.slice("kubernetes:".length)))].sort();
        expect(used.length, "the estate creates custom resources").toBeGreaterThan(0);
        expect(used.filter((u) => !declared.has(u)), "custom resources whose API version the pins module does not declare (components/lib/charts.ts crds)").toEqual([]);
    });

    it("each declared API version is installed by a pinned chart", () => {
        for (const [key, crd] of Object.entries(crds)) {
            expect(Object.keys(charts), key).toContain(crd.installedBy);
            expect(crd.apiVersion, key).toMatch(/^[a-z0-9.-]+\.[a-z]+\/v\d+(?:(?:alpha|beta)\d+)?$/);
        }
    });

    it("tells a CustomResource from the provider's own resource types", () => {
        expect(isCustomResourceType("kubernetes:cert-manager.io/v1:ClusterIssuer")).toBe(true);
        expect(isCustomResourceType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")).toBe(true);
        expect(isCustomResourceType("kubernetes:core/v1:Secret")).toBe(false);
        expect(isCustomResourceType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toBe(false);
        expect(isCustomResourceType("kubernetes:helm.sh/v3:Release")).toBe(false);
        expect(isCustomResourceType("pulumi:providers:kubernetes")).toBe(false);
    });
});

describe("pins kept elsewhere agree with the module", () => {
    it("the backup image's Dockerfile defaults BASE_IMAGE to the pinned base", () => {
        const dockerfile = fs.readFileSync(path.join(root, "scripts/backup/Dockerfile"), "utf8");
        expect(/^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toBe(images.backupBase);
    });

    it("the MongoDB server versions are the pinned operand images' tags, which the operator runs from the pinned repo", () => {
        for (const [api, version] of Object.entries(images.mongodb)) {
            const image = `${images.mongodbOperand.repo}/mongodb-community-server:${version}-${images.mongodbOperand.imageType}`;
            expect(Object.values(imagePins).map((p) => `${p.repository}:${p.tag}`), api).toContain(image);
        }
    });
});
