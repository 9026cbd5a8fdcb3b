/**
 * `npm run docs:config [-- --check]`: writes docs/config.md, the reference of every `estate:` config
 * key, from the zod schema (`infra/schema.ts`: type, allowed values, required, the `.describe()` text)
 * and the profiles (`stacks/`: each profile's defaults). A key without a description fails the
 * generator, naming the key. A new key or profile needs nothing here.
 */
import { z } from "zod";
import { UserInputError } from "../../components/lib/errors";
import { estateConfigSchema, type Profile } from "../../infra/schema";
import { profiles } from "../../stacks";
import { cell, writeOrCheck } from "./output";

export const CONFIG_DOCS = "docs/config.md";

/** One documented key: `dr.retention.dailyDays`, `services.<name>.host` (a record level is a `<placeholder>`). */
export interface ConfigKeyDoc {
    /** The path below `estate:`, one segment per level. */
    path: string[];
    type: string;
    /** Allowed values: the schema's own wording (the messages users see), enums, ranges, patterns. */
    allowed: string;
    /** The key must be set (by the stack or its profile) whenever its parent is. */
    required: boolean;
    description?: string;
    /** Its value is an object whose keys have rows of their own. */
    hasChildren: boolean;
}

type Schema = z.core.$ZodType;
interface Def {
    type: string;
    innerType?: Schema;
    in?: Schema;
    out?: Schema;
    shape?: Record<string, Schema>;
    keyType?: Schema;
    valueType?: Schema;
    options?: Schema[];
    element?: Schema;
    entries?: Record<string, string | number>;
    values?: unknown[];
    format?: string;
    checks?: { _zod: { def: CheckDef } }[];
    error?: unknown;
}
interface CheckDef {
    check: string;
    value?: number | bigint;
    inclusive?: boolean;
    pattern?: RegExp;
    format?: string;
    minimum?: number;
    maximum?: number;
    error?: unknown;
}

const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

/** The description zod keeps for a schema (`.describe()` or `.meta({ description })`). */
function descriptionOf(schema: Schema): string | undefined {
    return z.globalRegistry.get(schema)?.description;
}

/** Peels optional/default/nullable/readonly/pipe layers: the schema that says what a value is. */
function unwrap(schema: Schema): { core: Schema; optional: boolean; description?: string; title?: string } {
    let cur = schema;
    let optional = false;
    let description = descriptionOf(cur);
    let title = z.globalRegistry.get(cur)?.title;
    for (let i = 0; i < 20; i++) {
        const def = defOf(cur);
        let next: Schema | undefined;
        if (["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)) {
            optional ||= def.type === "optional" || def.type === "default" || def.type === "prefault";
            next = def.innerType;
        } else if (def.type === "pipe") {
            // z.preprocess(fn, schema) is a pipe from a transform: document what it validates.
            next = def.in && defOf(def.in).type !== "transform" ? def.in : def.out;
        }
        if (!next) {
            break;
        }
        cur = next;
        description ??= descriptionOf(cur);
        title ??= z.globalRegistry.get(cur)?.title;
    }
    return { core: cur, optional, description, title };
}

/** What a schema's own error function says a value must be: `an integer from 1 to 3650`. */
function messageOf(error: unknown): string | undefined {
    if (typeof error === "string") {
        return error;
    }
    if (typeof error !== "function") {
        return undefined;
    }
    try {
        const message: unknown = (error as (issue: unknown) => unknown)({ input: null, code: "custom", path: [] });
        if (typeof message === "string") {
            return message;
        }
        if (message && typeof message === "object" && typeof (message as { message?: unknown }).message === "string") {
            return (message as { message: string }).message;
        }
    } catch {
        // An error function that needs a real issue says nothing here.
    }
    return undefined;
}

const strip = (message: string) => message.replace(/^must be /, "");
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** The allowed values of a leaf: the schema's wording (its most specific check's), and its patterns. */
function allowedOf(schema: Schema): string {
    const def = defOf(schema);
    if (def.type === "enum") {
        return `one of ${Object.values(def.entries ?? {}).map((v) => code(String(v))).join(", ")}`;
    }
    if (def.type === "literal") {
        return (def.values ?? []).map((v) => code(JSON.stringify(v))).join(", ");
    }
    if (def.type === "boolean") {
        return "`true` or `false`";
    }
    if (def.type === "union") {
        return strip(messageOf(def.error) ?? (def.options ?? []).map((o) => typeOf(o)).join(" or "));
    }
    const checks = (def.checks ?? []).map((c) => c._zod.def);
    const messages = [messageOf(def.error), ...checks.map((c) => messageOf(c.error))].filter((m): m is string => m !== undefined).map(strip);
    const parts: string[] = [];
    const wording = messages[messages.length - 1];
    if (wording !== undefined) {
        parts.push(wording);
    } else {
        parts.push(...checks.map(describeCheck).filter((p): p is string => p !== undefined));
    }
    for (const check of checks) {
        if (check.check === "string_format" && check.pattern) {
            parts.push(`pattern ${code(check.pattern.source)}`);
        }
    }
    if (def.type === "array" && def.element) {
        const item = allowedOf(unwrap(def.element).core);
        if (item) {
            parts.push(`each item: ${item}`);
        }
    }
    return parts.join("; ");
}

/** Bounds a check without a message of its own implies. */
function describeCheck(check: CheckDef): string | undefined {
    switch (check.check) {
        case "greater_than":
            return `${check.inclusive ? ">=" : ">"} ${String(check.value)}`;
        case "less_than":
            return `${check.inclusive ? "<=" : "<"} ${String(check.value)}`;
        case "min_length":
            return `at least ${check.minimum} long`;
        case "max_length":
            return `at most ${check.maximum} long`;
        default:
            return undefined;
    }
}

function typeOf(schema: Schema): string {
    const { core } = unwrap(schema);
    const def = defOf(core);
    switch (def.type) {
        case "number":
            return def.format?.includes("int") ? "integer" : "number";
        case "array":
            return `list of ${def.element ? typeOf(def.element) : "any"}`;
        case "record":
            return `map of ${def.valueType ? typeOf(def.valueType) : "any"}`;
        case "union":
            return (def.options ?? []).map(typeOf).join(" or ");
        case "literal":
            return (def.values ?? []).map((v) => JSON.stringify(v)).join(" or ");
        case "enum":
            return "string";
        default:
            return def.type;
    }
}

/** The object schemas a value may be (an object, or the object branch of `false | { ... }`). */
function objectBranches(core: Schema): Schema[] {
    const def = defOf(core);
    if (def.type === "object") {
        return [core];
    }
    if (def.type === "union") {
        return (def.options ?? []).map((o) => unwrap(o).core).filter((o) => defOf(o).type === "object");
    }
    return [];
}

/** Every key the schema accepts, parents before their children, in the schema's order. */
export function configKeys(schema: Schema = estateConfigSchema): ConfigKeyDoc[] {
    const rows: ConfigKeyDoc[] = [];
    const visitObject = (object: Schema, path: string[]) => {
        for (const [key, child] of Object.entries(defOf(object).shape ?? {})) {
            visitKey(child, [...path, key]);
        }
    };
    const visitKey = (schema: Schema, path: string[]) => {
        const { core, optional, description } = unwrap(schema);
        const def = defOf(core);
        const row: ConfigKeyDoc = { path, type: typeOf(core), allowed: "", required: !optional, description, hasChildren: false };
        rows.push(row);
        if (def.type === "record" && def.valueType) {
            const key = unwrap(def.keyType ?? core);
            const keyAllowed = def.keyType ? allowedOf(key.core) : "";
            const value = unwrap(def.valueType);
            const branches = objectBranches(value.core);
            row.allowed = [keyAllowed && `keys: ${keyAllowed}`, branches.length === 0 && allowedOf(value.core) && `values: ${allowedOf(value.core)}`]
                .filter(Boolean)
                .join("; ");
            for (const branch of branches) {
                row.hasChildren = true;
                const placeholder = `<${key.title ?? "key"}>`;
                row.allowed = [row.allowed, ...objectRules(branch)].filter(Boolean).join("; ");
                visitObject(branch, [...path, placeholder]);
            }
            return;
        }
        const branches = objectBranches(core);
        if (def.type === "object") {
            row.allowed = objectRules(core).join("; ");
        } else {
            row.allowed = allowedOf(core);
        }
        for (const branch of branches) {
            row.hasChildren = true;
            visitObject(branch, path);
        }
    };
    visitObject(unwrap(schema).core, []);
    return rows;
}

/** The rules an object adds across its keys (`.refine`): `min <= max`. */
function objectRules(object: Schema): string[] {
    return (defOf(object).checks ?? []).map((c) => messageOf(c._zod.def.error)).filter((m): m is string => m !== undefined);
}

export const keyName = (path: readonly string[]) => `estate:${path.join(".")}`;

/** The keys without a description, as a user error naming each. */
export function checkDescribed(rows: readonly ConfigKeyDoc[]): void {
    const missing = rows.filter((r) => !r.description?.trim()).map((r) => keyName(r.path));
    if (missing.length > 0) {
        throw new UserInputError(
            `infra/schema.ts: ${missing.length} config key${missing.length === 1 ? " has" : "s have"} no description: ${missing.join(", ")}\n` +
                'add .describe("what it does, its default") to each, then run npm run docs:config',
        );
    }
}

/** The value at `path` in a profile's config, `undefined` when the profile does not set it. */
function valueAt(value: unknown, path: readonly string[]): unknown {
    let cur = value;
    for (const segment of path) {
        if (cur === null || typeof cur !== "object" || Array.isArray(cur)) {
            return undefined;
        }
        cur = (cur as Record<string, unknown>)[segment];
    }
    return cur;
}

function show(value: unknown): string {
    return code(typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * What a profile gives a key: its config default; for `services.<name>.<field>` its per-kind
 * service defaults; for `data.<service>.<field>` its per-service data defaults.
 */
export function profileDefault(profile: Profile, row: ConfigKeyDoc): string {
    const value = valueAt(profile.config, row.path);
    if (value !== undefined) {
        return row.hasChildren && typeof value === "object" && value !== null ? "" : show(value);
    }
    const [top, name, field, ...rest] = row.path;
    if (top === "services" && name?.startsWith("<") && field !== undefined && rest.length === 0) {
        const byKind = Object.entries(profile.serviceDefaults)
            .filter(([, defaults]) => field in defaults)
            .map(([kind, defaults]) => `${kind}: ${show((defaults as Record<string, unknown>)[field])}`);
        if (byKind.length > 0) {
            return byKind.join("; ");
        }
    }
    if (top === "data" && name !== undefined && field !== undefined && rest.length === 0) {
        const defaults = (profile.dataDefaults as Record<string, Record<string, unknown>>)[name];
        if (defaults && field in defaults) {
            return show(defaults[field]);
        }
    }
    return "—";
}

/** The whole of docs/config.md, from a schema and the profiles. */
export function renderConfigDocs(input: { schema?: Schema; profiles: Record<string, Profile> }): string {
    const rows = configKeys(input.schema ?? estateConfigSchema);
    checkDescribed(rows);
    const names = Object.keys(input.profiles);
    const groups = new Map<string, ConfigKeyDoc[]>();
    for (const row of rows) {
        const top = rows.find((r) => r.path.length === 1 && r.path[0] === row.path[0])!;
        const group = top.hasChildren ? row.path[0]! : "";
        groups.set(group, [...(groups.get(group) ?? []), row]);
    }
    const table = (group: ConfigKeyDoc[]) => [
        `| key | type | allowed | required | ${names.join(" | ")} | description |`,
        `| --- | --- | --- | --- | ${names.map(() => "---").join(" | ")} | --- |`,
        ...group.map((r) =>
            [
                `\`${keyName(r.path)}\``,
                cell(r.type),
                cell(r.allowed || "—"),
                r.required ? "yes" : "no",
                ...names.map((n) => cell(profileDefault(input.profiles[n]!, r))),
                cell(r.description ?? ""),
            ]
                .join(" | ")
                .replace(/^/, "| ")
                .replace(/$/, " |"),
        ),
    ];
    const lines = [
        "<!-- Generated by `npm run docs:config` from infra/schema.ts and the profiles in stacks/. Do not edit by hand. -->",
        "",
        "# Configuration reference",
        "",
        "Every key of the `estate:` namespace in `Pulumi.<stack>.yaml`, as `infra/config.ts` validates it against",
        "`infra/schema.ts`. Set a nested key with `--path`, for example",
        "`pulumi config set --path estate:dr.retention.dailyDays 14`; a secret with `--secret` as well.",
        "",
        `The stack's \`estate:profile\` (${names.map(code).join(", ")}) chooses the defaults in \`stacks/<profile>.ts\`; the stack's`,
        "own keys override them key by key. The profile columns show those defaults (`—`: the profile does not set",
        "the key; the description says what happens then). **required** means the merged config must hold the key",
        "whenever its parent is set: a profile default counts. An unknown key is an error that names the nearest known",
        "one. `<name>`-style segments are map keys you choose. Besides `estate:`, the program needs `aws:region`",
        "(an AWS region such as `eu-west-1`).",
        "",
        "Some rules span keys (a web service needs `port`; a managed data service needs `estate:network`; `replication`",
        "needs `estate:dr.drRegion`): `infra/config.ts` checks them and names the key in its message.",
        "",
        "## Contents",
        "",
        ...[...groups.keys()].map((g) => (g === "" ? "- [Top-level settings](#top-level-settings)" : `- [\`estate:${g}\`](#estate${g.toLowerCase()})`)),
        "",
    ];
    for (const [group, groupRows] of groups) {
        lines.push(group === "" ? "## Top-level settings" : `## estate:${group}`, "", ...table(groupRows), "");
    }
    return lines.join("\n").replace(/\n+$/, "\n");
}

export function configDocs(): string {
    return renderConfigDocs({ profiles });
}

export async function main(_command: string, argv: string[]): Promise<number> {
    return Promise.resolve(writeOrCheck(process.cwd(), CONFIG_DOCS, "docs:config", argv, configDocs));
}
