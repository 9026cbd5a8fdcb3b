/**
 * docs/components.md: generated from the components' TSDoc, and kept current by this test; every
 * argument and output of every component is documented.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENT_DOCS, componentDocs, componentsMarkdown, renderComponentDocs, splitDefault } from "../../../scripts/docs/components";

const root = path.resolve(__dirname, "../../..");
const committed = fs.readFileSync(path.join(root, COMPONENT_DOCS), "utf8");
const components = componentDocs(root);

/** The component classes, found by a plain text search rather than by the generator's parser. */
function componentClasses(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/^export class (\w+) extends pulumi\.ComponentResource\b/gm)].map((m) => m[1]!))
        .sort();
}

describe("docs/components.md", () => {
    it("is what the generator writes from the current components", () => {
        expect(committed === componentsMarkdown(root), "docs/components.md is out of date: run npm run docs:components").toBe(true);
    });

    it("documents every component class, with the type token it registers", () => {
        expect(components.map((c) => c.name).sort()).toEqual(componentClasses(path.join(root, "components")));
        for (const c of components) {
            expect(c.typeToken, c.name).toMatch(new RegExp(`^estate:[a-z0-9]+:${c.name}$`));
            expect(fs.readFileSync(path.join(root, c.file), "utf8")).toContain(`"${c.typeToken}"`);
            expect(committed).toContain(`## ${c.name}\n\nType token \`${c.typeToken}\``);
            expect(c.args, `${c.name}: its constructor's args interface`).toBeDefined();
        }
    });

    it("has a TSDoc description for every argument and every output", () => {
        const missing = components.flatMap((c) => [
            ...(c.args?.properties ?? []).filter((p) => !p.description && !p.default).map((p) => `${c.name} argument ${p.name}`),
            ...c.nested.flatMap((n) => n.properties.filter((p) => !p.description && !p.default).map((p) => `${c.name} ${n.name}.${p.name}`)),
            ...c.outputs.filter((o) => !o.description).map((o) => `${c.name} output ${o.name}`),
            ...(c.description ? [] : [`${c.name} (no class or module TSDoc)`]),
        ]);
        expect(missing).toEqual([]);
    });

    it("shows inputs with type, required, default and description, and outputs", () => {
        expect(committed).toContain(
            "| `instanceClass` | `string` | no | `db.r6g.large` | Instance class of every instance. |",
        );
        expect(committed).toContain("| `connection` | `DatabaseConnection` |");
        expect(committed).toMatch(/^\| `retention` \| `RetentionTiers` \| yes \| — \| How long each tier/m);
        expect(committed).toContain("#### `ObjectLockSettings`");
    });

    it("reads @default tags, Default: sentences, the defaults object and inherited properties", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "components-docs-"));
        try {
            fs.mkdirSync(path.join(dir, "components", "demo"), { recursive: true });
            fs.writeFileSync(
                path.join(dir, "components", "demo", "widget.ts"),
                [
                    'import * as pulumi from "@pulumi/pulumi";',
                    "interface Common {",
                    "    /** Tags of every child. Default: none. */",
                    "    tags?: Record<string, string>;",
                    "}",
                    "export interface WidgetArgs extends Common {",
                    "    /**",
                    "     * How many.",
                    "     * @default 3",
                    "     */",
                    "    count?: number;",
                    "    /** The size in GiB. */",
                    "    sizeGb?: number;",
                    "    /** The name, required. */",
                    "    name: string;",
                    "}",
                    "const defaults = { sizeGb: 20 };",
                    'const TYPE = "estate:demo:Widget";',
                    "/** A widget. */",
                    "export class Widget extends pulumi.ComponentResource {",
                    "    /** Its id. */",
                    "    readonly id: pulumi.Output<string>;",
                    "    private readonly secret = 1;",
                    "    constructor(name: string, args: WidgetArgs, opts?: pulumi.ComponentResourceOptions) {",
                    "        super(TYPE, name, {}, opts);",
                    "        this.id = pulumi.output(name);",
                    "    }",
                    "}",
                ].join("\n"),
            );
            const [widget] = componentDocs(dir);
            expect(widget).toMatchObject({ name: "Widget", typeToken: "estate:demo:Widget", file: "components/demo/widget.ts", description: "A widget." });
            expect(widget!.args!.properties).toEqual([
                { name: "tags", type: "Record<string, string>", optional: true, description: "Tags of every child.", default: "none" },
                { name: "count", type: "number", optional: true, description: "How many.", default: "3" },
                { name: "sizeGb", type: "number", optional: true, description: "The size in GiB.", default: "`20`" },
                { name: "name", type: "string", optional: false, description: "The name, required.", default: undefined },
            ]);
            expect(widget!.outputs.map((o) => o.name)).toEqual(["id"]);
            expect(renderComponentDocs([widget!])).toContain("| `tags` | `Record<string, string>` | no | none | Tags of every child. |");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("splits the default off a description", () => {
        expect(splitDefault("Node type. Default: `cache.r7g.large`.")).toEqual({ description: "Node type.", default: "`cache.r7g.large`" });
        expect(splitDefault("Ceiling in GiB. Default: 4 x `storageGb`, at most 65536. Rds only.")).toEqual({
            description: "Ceiling in GiB. Rds only.",
            default: "4 x `storageGb`, at most 65536",
        });
        expect(splitDefault("Default retention period in days.")).toEqual({ description: "Default retention period in days." });
        expect(splitDefault("The union `a | b` (default: x).")).toEqual({ description: "The union `a | b` (default: x)." });
    });
});
