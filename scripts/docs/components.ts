/**
 * `npm run docs:components [-- --check]`: writes docs/components.md, the inputs and outputs of every
 * component (`export class X extends pulumi.ComponentResource` under components/), read from the
 * code with the TypeScript parser: the type token `super()` registers, the args interface's
 * properties with their TSDoc (`@default`, or a `Default: ...` sentence, or the component's
 * `defaults` object), and the public readonly outputs with theirs. Syntax only (no type checker),
 * so it stays fast; an interface is found by name among the components' files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { cell, writeOrCheck } from "./output";

export const COMPONENT_DOCS = "docs/components.md";

export interface PropertyDoc {
    name: string;
    /** The type as written in the code. */
    type: string;
    optional: boolean;
    /** The TSDoc text, without the default sentence. */
    description: string;
    default?: string;
}

export interface InterfaceDoc {
    name: string;
    file: string;
    description: string;
    properties: PropertyDoc[];
}

export interface ComponentDoc {
    name: string;
    /** `estate:<area>:<Kind>`. */
    typeToken: string;
    /** Relative to the repository root. */
    file: string;
    description: string;
    args?: InterfaceDoc;
    /** Interfaces of the components' files that the args' property types name (settings objects). */
    nested: InterfaceDoc[];
    outputs: PropertyDoc[];
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

function docOf(node: ts.Node): { text: string; defaultTag?: string } {
    let text = "";
    let defaultTag: string | undefined;
    for (const doc of ts.getJSDocCommentsAndTags(node)) {
        if (ts.isJSDoc(doc)) {
            text = ts.getTextOfJSDocComment(doc.comment) ?? "";
            for (const tag of doc.tags ?? []) {
                if (tag.tagName.text === "default") {
                    defaultTag = ts.getTextOfJSDocComment(tag.comment);
                }
            }
        }
    }
    return { text: oneLine(text), defaultTag: defaultTag === undefined ? undefined : oneLine(defaultTag) };
}

/** Splits `... Default: `x`.` off a description: the default, and the text without it. */
export function splitDefault(text: string): { description: string; default?: string } {
    const match = /(^|[.;]\s+|\s\()Default:\s+((?:[^.`]|`[^`]*`|\.(?=\S))+)\.?\)?(?=\s|$)/.exec(text);
    if (!match) {
        return { description: text };
    }
    const before = text.slice(0, match.index + (match[1]!.startsWith(" (") ? 0 : match[1]!.length)).trim();
    const after = text.slice(match.index + match[0].length).trim();
    return { description: oneLine(`${before}${after ? ` ${after}` : ""}`), default: match[2]!.trim() };
}

function propertyDoc(member: ts.PropertySignature | ts.PropertyDeclaration, source: ts.SourceFile, defaults: Map<string, string>): PropertyDoc {
    const name = member.name.getText(source);
    const doc = docOf(member);
    const split = doc.defaultTag === undefined ? splitDefault(doc.text) : { description: doc.text, default: doc.defaultTag };
    const fallback = defaults.get(name);
    return {
        name,
        type: member.type ? oneLine(member.type.getText(source)) : "unknown",
        optional: member.questionToken !== undefined,
        description: split.description,
        default: split.default ?? (fallback === undefined ? undefined : `\`${fallback}\``),
    };
}

/** The top-level `const defaults = { ... }` of a file: property name to its initializer's text. */
function defaultsObject(source: ts.SourceFile): Map<string, string> {
    const out = new Map<string, string>();
    for (const statement of source.statements) {
        if (!ts.isVariableStatement(statement)) continue;
        for (const decl of statement.declarationList.declarations) {
            let init = decl.initializer;
            while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
            if (ts.isIdentifier(decl.name) && decl.name.text === "defaults" && init && ts.isObjectLiteralExpression(init)) {
                for (const p of init.properties) {
                    if (ts.isPropertyAssignment(p)) {
                        let value: ts.Expression = p.initializer;
                        while (ts.isAsExpression(value)) value = value.expression;
                        out.set(p.name.getText(source), oneLine(value.getText(source)));
                    }
                }
            }
        }
    }
    return out;
}

function isComponentClass(node: ts.Statement): node is ts.ClassDeclaration {
    return (
        ts.isClassDeclaration(node) &&
        (node.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
        (node.heritageClauses ?? []).some(
            (h) => h.token === ts.SyntaxKind.ExtendsKeyword && h.types.some((t) => t.expression.getText() === "pulumi.ComponentResource"),
        )
    );
}

/** The string a `super(TYPE, ...)` call registers: a literal, or a `const` of the same file. */
function typeTokenOf(cls: ts.ClassDeclaration, source: ts.SourceFile): string {
    let token = "";
    const visit = (node: ts.Node) => {
        if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && node.arguments[0]) {
            const arg = node.arguments[0];
            if (ts.isStringLiteralLike(arg)) {
                token = arg.text;
            } else if (ts.isIdentifier(arg)) {
                for (const statement of source.statements) {
                    if (!ts.isVariableStatement(statement)) continue;
                    for (const decl of statement.declarationList.declarations) {
                        if (ts.isIdentifier(decl.name) && decl.name.text === arg.text && decl.initializer && ts.isStringLiteralLike(decl.initializer)) {
                            token = decl.initializer.text;
                        }
                    }
                }
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(cls);
    return token;
}

/** The first paragraph of a file's leading `/** ... *\/` comment. */
function moduleSummary(source: ts.SourceFile): string {
    const range = (ts.getLeadingCommentRanges(source.text, 0) ?? []).find((r) => source.text.startsWith("/**", r.pos));
    if (!range) {
        return "";
    }
    const lines = source.text
        .slice(range.pos + 3, range.end - 2)
        .split("\n")
        .map((l) => l.replace(/^\s*\*\s?/, ""));
    const end = lines.findIndex((l, i) => i > 0 && l.trim() === "" && lines.slice(0, i).some((x) => x.trim() !== ""));
    return oneLine((end < 0 ? lines : lines.slice(0, end)).join(" "));
}

interface Indexed {
    node: ts.InterfaceDeclaration;
    source: ts.SourceFile;
    file: string;
}

function interfaceDoc(entry: Indexed, index: Map<string, Indexed>, seen = new Set<string>()): InterfaceDoc {
    const defaults = defaultsObject(entry.source);
    const properties: PropertyDoc[] = [];
    seen.add(entry.node.name.text);
    // Inherited properties first, as the checker would list them.
    for (const heritage of entry.node.heritageClauses ?? []) {
        for (const base of heritage.types) {
            const parent = index.get(base.expression.getText(entry.source));
            if (parent && !seen.has(parent.node.name.text)) {
                properties.push(...interfaceDoc(parent, index, seen).properties);
            }
        }
    }
    for (const member of entry.node.members) {
        if (ts.isPropertySignature(member)) {
            properties.push(propertyDoc(member, entry.source, defaults));
        }
    }
    return { name: entry.node.name.text, file: entry.file, description: docOf(entry.node).text, properties };
}

/** Every component under `components/`, in file order, with its inputs and outputs. */
export function componentDocs(root: string): ComponentDoc[] {
    const files = fs
        .readdirSync(path.join(root, "components"), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => path.posix.join("components", f.split(path.sep).join("/")))
        .sort();
    const sources = files.map((file) => ({ file, source: ts.createSourceFile(file, fs.readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.Latest, true) }));
    const index = new Map<string, Indexed>();
    for (const { file, source } of sources) {
        for (const statement of source.statements) {
            if (ts.isInterfaceDeclaration(statement)) {
                index.set(statement.name.text, { node: statement, source, file });
            }
        }
    }
    const components: ComponentDoc[] = [];
    for (const { file, source } of sources) {
        for (const cls of source.statements.filter(isComponentClass)) {
            const ctor = cls.members.find(ts.isConstructorDeclaration);
            const argsType = ctor?.parameters[1]?.type;
            const argsName = argsType && ts.isTypeReferenceNode(argsType) ? argsType.typeName.getText(source) : undefined;
            const argsEntry = argsName === undefined ? undefined : index.get(argsName);
            const args = argsEntry ? interfaceDoc(argsEntry, index) : undefined;
            const nested: InterfaceDoc[] = [];
            const queue = [...(args?.properties ?? [])];
            while (queue.length > 0) {
                const property = queue.shift()!;
                for (const [name, entry] of index) {
                    // Only the component's own settings types: shared ones (connections, dashboards) are documented where they live.
                    if (entry.file === file && name !== argsName && new RegExp(`\\b${name}\\b`).test(property.type) && !nested.some((n) => n.name === name)) {
                        const doc = interfaceDoc(entry, index);
                        nested.push(doc);
                        queue.push(...doc.properties);
                    }
                }
            }
            const outputs = cls.members
                .filter((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m))
                .filter((m) => {
                    const kinds = (m.modifiers ?? []).map((mod) => mod.kind);
                    return kinds.includes(ts.SyntaxKind.ReadonlyKeyword) && !kinds.some((k) => [ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.StaticKeyword].includes(k)) && !ts.isPrivateIdentifier(m.name);
                })
                .map((m) => propertyDoc(m, source, new Map()));
            const description = docOf(cls).text || moduleSummary(source);
            components.push({ name: cls.name!.text, typeToken: typeTokenOf(cls, source), file, description, args, nested, outputs });
        }
    }
    return components;
}

const anchor = (name: string) => name.toLowerCase();
/** A type as a code span in a table cell: only pipes need escaping there. */
const typeCell = (type: string) => `\`${type.replace(/\|/g, "\\|")}\``;

function inputsTable(properties: readonly PropertyDoc[]): string[] {
    return [
        "| name | type | required | default | description |",
        "| --- | --- | --- | --- | --- |",
        ...properties.map((p) => `| \`${p.name}\` | ${typeCell(p.type)} | ${p.optional ? "no" : "yes"} | ${cell(p.default ?? "—")} | ${cell(p.description)} |`),
    ];
}

/** The whole of docs/components.md. */
export function renderComponentDocs(components: readonly ComponentDoc[]): string {
    const lines = [
        "<!-- Generated by `npm run docs:components` from the components' TSDoc (components/). Do not edit by hand. -->",
        "",
        "# Components",
        "",
        "The estate's building blocks: each a `pulumi.ComponentResource` that takes typed arguments (it never reads",
        "stack config: `infra/config.ts` does, and `infra/estate.ts` wires the components) and exposes typed outputs.",
        "Invalid or conflicting arguments throw at construction with a message that names the argument. Inputs and",
        "outputs below come from the TSDoc of each args interface and class; a `Default` comes from the TSDoc or, failing",
        "that, from the component's `defaults` object.",
        "",
        "| component | type token | source |",
        "| --- | --- | --- |",
        ...components.map((c) => `| [\`${c.name}\`](#${anchor(c.name)}) | \`${c.typeToken}\` | [\`${c.file}\`](../${c.file}) |`),
        "",
    ];
    for (const c of components) {
        lines.push(`## ${c.name}`, "", `Type token \`${c.typeToken}\`, in [\`${c.file}\`](../${c.file}).`, "");
        if (c.description) {
            lines.push(c.description, "");
        }
        lines.push(`### Inputs${c.args ? ` (\`${c.args.name}\`)` : ""}`, "");
        lines.push(...(c.args && c.args.properties.length > 0 ? inputsTable(c.args.properties) : ["None."]), "");
        for (const n of c.nested) {
            lines.push(`#### \`${n.name}\``, "");
            if (n.description) {
                lines.push(n.description, "");
            }
            lines.push(...inputsTable(n.properties), "");
        }
        lines.push("### Outputs", "");
        if (c.outputs.length === 0) {
            lines.push("None.", "");
        } else {
            lines.push(
                "| name | type | description |",
                "| --- | --- | --- |",
                ...c.outputs.map((o) => `| \`${o.name}\` | ${typeCell(o.type)} | ${cell([o.description, o.default && `Default: ${o.default}.`].filter(Boolean).join(" "))} |`),
                "",
            );
        }
    }
    return lines.join("\n").replace(/\n+$/, "\n");
}

export function componentsMarkdown(root: string): string {
    return renderComponentDocs(componentDocs(root));
}

export async function main(_command: string, argv: string[]): Promise<number> {
    const root = process.cwd();
    return Promise.resolve(writeOrCheck(root, COMPONENT_DOCS, "docs:components", argv, () => componentsMarkdown(root)));
}
