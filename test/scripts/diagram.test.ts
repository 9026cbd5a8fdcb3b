/**
 * `npm run diagram`: the committed pictures (docs/estate-<stack>.svg) are what the command draws
 * now; the picture holds a box per component, a mark per protected or retained resource, the
 * edges the plan's data gives (apps and jobs to data, DR copies), and never a secret value.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDiagramFile, diagramOf, renderSvg, runDiagram } from "../../scripts/diagram";
import { columnsOf } from "../../scripts/diagram/dot";
import type { DiagramComponent, DiagramNode, EstateDiagram } from "../../scripts/diagram/model";
import { fromWire, type EngineRun, type RecordedResource } from "../../scripts/engine/mock-engine";
import { loadStackConfig } from "../../scripts/engine/stack-config";
import { plannedStack, root } from "../helpers/plans";

/** Stacks with a config file, and stacks with a committed picture: never a fixed list. */
const configuredStacks = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []).sort();
const pictured = fs.readdirSync(path.join(root, "docs")).flatMap((f) => /^estate-(.+)\.svg$/.exec(f)?.[1] ?? []).sort();

const regionOf = (stack: string) => loadStackConfig(root, stack).config["aws:region"];

const drawn = new Map<string, Promise<{ run: EngineRun; diagram: EstateDiagram; dot: string; svg: string }>>();
function draw(stack: string) {
    if (!drawn.has(stack)) {
        drawn.set(
            stack,
            plannedStack(stack).then(async (run) => {
                const { diagram, dot } = diagramOf(run, regionOf(stack));
                return { run, diagram, dot, svg: await renderSvg(dot) };
            }),
        );
    }
    return drawn.get(stack)!;
}

function components(c: DiagramComponent): DiagramComponent[] {
    return [c, ...c.children.flatMap(components)];
}
const allNodes = (d: EstateDiagram): DiagramNode[] => components(d.root).flatMap((c) => c.nodes);

/**
 * Every secret value a run holds (inputs, provider state, stack outputs): where the masked and the
 * unwrapped forms differ. A value that is also public somewhere (a region inside a secret
 * connection object) is not a secret.
 */
function secretValues(run: EngineRun): string[] {
    const secret = new Set<string>();
    const open = new Set<string>();
    const leaves = (v: unknown): string[] =>
        typeof v === "string" ? [v] : typeof v === "number" ? [String(v)] : Array.isArray(v) ? v.flatMap(leaves) : v && typeof v === "object" ? Object.values(v).flatMap(leaves) : [];
    const walk = (masked: unknown, clear: unknown) => {
        if (masked === "[secret]" && clear !== "[secret]") {
            leaves(clear).forEach((s) => secret.add(s));
        } else if (masked && typeof masked === "object" && clear && typeof clear === "object") {
            for (const key of Object.keys(masked)) {
                walk((masked as Record<string, unknown>)[key], (clear as Record<string, unknown>)[key]);
            }
        } else {
            leaves(masked).forEach((s) => open.add(s));
        }
    };
    for (const struct of [...run.resources.flatMap((r) => [r.inputs, r.outputs]), run.outputs]) {
        if (struct) {
            const wire = struct.toJavaScript();
            walk(fromWire(wire), fromWire(wire, "unwrap"));
        }
    }
    // Short values ("0", "true", a port) would match anywhere; a credential is longer.
    return [...secret].filter((s) => s.length >= 8 && !open.has(s));
}

describe("docs/estate-<stack>.svg", () => {
    it("the stacks pictured in docs/ are stacks of this project", () => {
        for (const stack of pictured) {
            expect(configuredStacks, `docs/estate-${stack}.svg`).toContain(stack);
        }
    });

    it.each(pictured)("docs/estate-%s.svg is what npm run diagram draws now", async (stack) => {
        const { svg } = await draw(stack);
        const committed = fs.readFileSync(defaultDiagramFile(root, stack), "utf8");
        expect(committed === svg, `docs/estate-${stack}.svg is stale: run npm run diagram -- --stack ${stack}`).toBe(true);
    });
});

describe.each(configuredStacks)("the diagram of stack %s", (stack) => {
    it("draws the same SVG twice (deterministic)", async () => {
        const { run, svg } = await draw(stack);
        const again = await renderSvg(diagramOf(run, regionOf(stack)).dot);
        expect(again).toBe(svg);
    });

    it("has a box for every component of the plan, nested as the components are", async () => {
        const { run, diagram, dot, svg } = await draw(stack);
        const byUrn = new Map(components(diagram.root).map((c) => [c.urn, c]));
        const planned = run.resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack");
        expect(planned.length).toBeGreaterThan(0);
        for (const r of planned) {
            const box = byUrn.get(r.urn);
            expect(box, `${r.type} ${r.name}`).toBeDefined();
            expect(dot).toContain(`subgraph cluster_${box!.id} {`);
            // Graphviz writes "-" as "&#45;" in SVG text.
            expect(svg).toContain(`>${r.name.replace(/-/g, "&#45;")}</text>`);
            // The box sits in its parent component's box.
            const parent = r.parent ? byUrn.get(r.parent) : undefined;
            expect(parent?.children ?? [], `${r.name} in its parent`).toContain(box);
        }
    });

    it("shows or counts every resource of the plan but the providers, and marks each protected or retained one", async () => {
        const { run, diagram, svg } = await draw(stack);
        const custom = run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
        const boxes = components(diagram.root);
        const shown = boxes.reduce((n, c) => n + c.nodes.length + c.counts.reduce((m, row) => m + row.count, 0), 0);
        expect(shown).toBe(custom.length);
        const marked = (key: "protect" | "retainOnDelete") =>
            boxes.reduce((n, c) => n + c.nodes.filter((x) => x[key]).length + c.counts.reduce((m, row) => m + row[key], 0), 0);
        expect(marked("protect")).toBe(custom.filter((r) => r.protect).length);
        expect(marked("retainOnDelete")).toBe(custom.filter((r) => r.retainOnDelete).length);
        for (const node of allNodes(diagram).filter((n) => n.protect || n.retainOnDelete)) {
            // The node's text says it; its border shows it.
            const group = new RegExp(`<title>${node.id}</title>[\\s\\S]*?</g>\\n</g>`).exec(svg)?.[0] ?? "";
            expect(group, node.name).toContain(node.protect ? ">protect</text>" : ">retain</text>");
            expect(group, node.name).toMatch(node.protect ? /stroke="#b00020" stroke-width="3"/ : /stroke="#e65100" stroke-width="2"/);
        }
    });

    it("draws an edge from every component to each data store or bucket of another component its resources depend on", async () => {
        const { run, diagram } = await draw(stack);
        const nodes = new Map(allNodes(diagram).map((n) => [n.urn, n]));
        const componentOfNode = new Map(components(diagram.root).flatMap((c) => c.nodes.map((n) => [n.urn, c] as const)));
        const componentOf = new Map(components(diagram.root).map((c) => [c.urn, c]));
        let checked = 0;
        for (const r of run.resources) {
            const from = r.parent ? componentOf.get(r.parent) : undefined;
            if (!from || from === diagram.root) {
                continue;
            }
            for (const urn of Object.values(r.propertyDependencies).flat()) {
                const target = nodes.get(urn);
                if (target && ["datastore", "bucket", "vault"].includes(target.role) && componentOfNode.get(urn) !== from) {
                    checked++;
                    expect(diagram.edges, `${from.name} -> ${target.name}`).toContainEqual(expect.objectContaining({ from: from.id, to: target.id, kind: "data" }));
                }
            }
        }
        expect(checked).toBeGreaterThan(0);
    });

    it("reaches every data store with an edge: an app or job uses each (from a dependency or a declared network flow)", async () => {
        const { diagram } = await draw(stack);
        const stores = allNodes(diagram).filter((n) => n.role === "datastore");
        expect(stores.length).toBeGreaterThan(0);
        for (const store of stores) {
            const owner = components(diagram.root).find((c) => c.nodes.includes(store))!;
            const into = diagram.edges.filter((e) => e.kind === "data" && (e.to === store.id || e.to === owner.id));
            expect(into.length, store.name).toBeGreaterThan(0);
        }
    });

    it("draws each DR copy: S3 replication and every AWS Backup copy action", async () => {
        const { run, diagram } = await draw(stack);
        const nodes = new Map(allNodes(diagram).map((n) => [n.urn, n]));
        for (const r of run.resources.filter((x) => x.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig")) {
            const source = nodes.get(r.propertyDependencies.bucket![0]!)!;
            for (const urn of r.propertyDependencies.rules ?? []) {
                const target = nodes.get(urn);
                if (target?.role === "bucket") {
                    expect(diagram.edges).toContainEqual(expect.objectContaining({ from: source.id, to: target.id, kind: "copy" }));
                }
            }
        }
        const vaults = run.resources.filter((x) => x.type === "aws:backup/vault:Vault");
        for (const plan of run.resources.filter((x) => x.type === "aws:backup/plan:Plan")) {
            const rules = (fromWire(plan.inputs.toJavaScript()) as { rules: { targetVaultName: string; copyActions?: { destinationVaultArn: string }[] }[] }).rules;
            for (const rule of rules) {
                const source = vaults.find((v) => (fromWire(v.outputs!.toJavaScript()) as { name: string }).name === rule.targetVaultName)!;
                for (const action of rule.copyActions ?? []) {
                    const inStack = vaults.find((v) => (fromWire(v.outputs!.toJavaScript()) as { arn: string }).arn === action.destinationVaultArn);
                    const to = inStack ? nodes.get(inStack.urn)!.id : diagram.externals.find((x) => x.arn === action.destinationVaultArn)?.id;
                    expect(to, action.destinationVaultArn).toBeDefined();
                    expect(diagram.edges).toContainEqual(expect.objectContaining({ from: nodes.get(source.urn)!.id, to, kind: "copy" }));
                }
            }
        }
    });

    it("never shows a secret value of the plan", async () => {
        const { run, svg, dot } = await draw(stack);
        const secrets = secretValues(run);
        expect(secrets.length).toBeGreaterThan(0);
        for (const secret of secrets) {
            expect(svg.includes(secret), `a secret of the plan (${secret.slice(0, 12)}..., ${secret.length} characters) is in the SVG`).toBe(false);
            expect(dot.includes(secret), `a secret of the plan (${secret.slice(0, 12)}...) is in the DOT text`).toBe(false);
        }
    });
});

/** A resource as the engine would record it (inputs in wire form). */
function recorded(type: string, name: string, parent: string | undefined, extra: Partial<RecordedResource> & { props?: Record<string, unknown>; state?: Record<string, unknown> } = {}): RecordedResource {
    const { props, state, ...rest } = extra;
    return {
        urn: `urn:pulumi:s::p::${type}::${name}`,
        type,
        name,
        ...(parent ? { parent: `urn:pulumi:s::p::${parent}` } : {}),
        custom: true,
        protect: false,
        retainOnDelete: false,
        inputs: Struct.fromJavaScript((props ?? {}) as never),
        ...(state ? { outputs: Struct.fromJavaScript(state as never) } : {}),
        dependencies: [],
        propertyDependencies: {},
        aliases: [],
        ...rest,
    };
}
const SECRET = (value: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

describe("the diagram's model", () => {
    const stackUrn = "pulumi:pulumi:Stack::p-s";
    const outer = "estate:test:Outer::outer";
    const inner = "estate:test:Inner::inner";
    const resources = [
        recorded("pulumi:pulumi:Stack", "p-s", undefined, { custom: false }),
        recorded("estate:test:Outer", "outer", stackUrn, { custom: false }),
        recorded("estate:test:Inner", "inner", outer, { custom: false }),
        recorded("aws:rds/instance:Instance", "db", inner, { protect: true, retainOnDelete: true, props: { region: SECRET("region-that-is-secret"), password: SECRET("hunter2-hunter2") } }),
        recorded("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np-1", inner),
        recorded("kubernetes:networking.k8s.io/v1:NetworkPolicy", "np-2", inner, { protect: true }),
        recorded("estate:test:App", "app", stackUrn, { custom: false }),
        recorded("kubernetes:core/v1:Secret", "app-env", "estate:test:App::app", {
            props: { stringData: SECRET("postgres://user:hunter2-hunter2@db") },
            propertyDependencies: { stringData: ["urn:pulumi:s::p::aws:rds/instance:Instance::db"] },
        }),
        recorded("kubernetes:helm.sh/v3:Release", "chart", "estate:test:App::app", { props: { chart: SECRET("secret-chart-name") } }),
    ];
    const run = { project: "p", stack: "s", resources };
    const { diagram, dot } = diagramOf(run, "eu-west-1");

    it("nests a component's box in its parent's, and counts the low-value resources with their marks", () => {
        const outerBox = diagram.root.children.find((c) => c.name === "outer")!;
        const innerBox = outerBox.children.find((c) => c.name === "inner")!;
        expect(innerBox.nodes.map((n) => n.name)).toEqual(["db"]);
        expect(innerBox.counts).toEqual([{ heading: "NetworkPolicy", count: 2, protect: 1, retainOnDelete: 0 }]);
        expect(dot).toMatch(new RegExp(`subgraph cluster_${outerBox.id} \\{[\\s\\S]*subgraph cluster_${innerBox.id} \\{`));
        expect(dot).toContain("2 ×");
    });

    it("draws the app's dependency on the database, and marks the protected, retained database", () => {
        const app = diagram.root.children.find((c) => c.name === "app")!;
        const db = allNodes(diagram).find((n) => n.name === "db")!;
        expect(diagram.edges).toEqual([expect.objectContaining({ from: app.id, to: db.id, kind: "data", evidence: ["app-env.stringData depends on db"] })]);
        expect(dot).toMatch(new RegExp(`${db.id} \\[.*protect.*retain.*penwidth=3.*peripheries=2`));
    });

    it("never puts a secret input in the picture, not even one it would read (a region, a chart)", async () => {
        const svg = await renderSvg(dot);
        for (const secret of ["hunter2-hunter2", "region-that-is-secret", "secret-chart-name"]) {
            expect(dot).not.toContain(secret);
            expect(svg).not.toContain(secret);
        }
    });

    it("explains in its legend only what the picture has", () => {
        expect(dot).toContain("protect: Pulumi refuses to delete it");
        expect(dot).toContain("retainOnDelete: outlives the stack");
        expect(dot).toContain("database or cache");
        expect(dot).not.toContain("DR copy");
        expect(dot).not.toContain("S3 bucket<");
    });

    it("puts apps left of data, data left of backups, DR copies last", () => {
        const columns = columnsOf(diagram);
        const app = diagram.root.children.find((c) => c.name === "app")!;
        const db = allNodes(diagram).find((n) => n.name === "db")!;
        expect(columns.get(app.nodes[0]!.id)).toBeLessThan(columns.get(db.id)!);
    });
});

describe("npm run diagram", () => {
    let dir: string;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-diagram-"));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes the SVG to --out, relative to where it was run", async () => {
        const stack = configuredStacks[0]!;
        const result = await runDiagram(root, ["--stack", stack, "--out", "picture.svg"], dir);
        expect(result.exitCode, result.stderr).toBe(0);
        expect(fs.readFileSync(path.join(dir, "picture.svg"), "utf8")).toBe((await draw(stack)).svg);
    });

    it("writes to standard output with --out -", async () => {
        const stack = configuredStacks[0]!;
        const result = await runDiagram(root, ["--stack", stack, "--out", "-"], dir);
        expect(result.exitCode).toBe(0);
        expect(result.stdout).toBe((await draw(stack)).svg);
    });

    it("needs --stack, and a stack with a config file (exit 2)", async () => {
        expect(await runDiagram(root, [], dir)).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("--stack is required") });
        expect(await runDiagram(root, ["--stack", "no-such-stack"], dir)).toMatchObject({ exitCode: 2, stderr: expect.stringContaining("no Pulumi.no-such-stack.yaml") });
        expect(await runDiagram(root, ["--stack", "dev", "--colour"], dir)).toMatchObject({ exitCode: 2 });
    });
});
