/**
 * The one reader of policy pack config files (`policies/config/<stack>.json`, or the file given to
 * `check --policy-config`, the same file `pulumi preview --policy-pack-config` takes). It validates
 * the file before anything runs: only `all` and the pack's policy names, only the four enforcement
 * levels, and each policy's properties against its `configSchema` with ajv (JSON Schema, as
 * CrossGuard validates them), stricter than the CLI in one way: a property the schema does not
 * declare is an error, so a misspelt threshold cannot silently fall back to its default.
 */
import type { EnforcementLevel, Policy, PolicyPackConfig } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type AjvClass from "ajv";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserInputError } from "../../components/lib/errors";

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A policy pack config file that is not valid JSON or does not fit the pack. */
export class PolicyConfigError extends UserInputError {
    constructor(
        readonly file: string,
        readonly problems: string[],
    ) {
        super(`${file}: invalid policy pack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

type Schema = PolicyConfigJSONSchema;

/** The schema a policy's config entry (without `enforcementLevel`) must satisfy. */
export function entrySchema(policy: Policy): Schema {
    return {
        type: "object",
        properties: policy.configSchema?.properties ?? {},
        ...(policy.configSchema?.required ? { required: policy.configSchema.required } : {}),
        additionalProperties: false,
    };
}

/** What a schema allows, in words: `an integer from 1 to 35`, `a list of strings`, `one of "a", "b"`. */
export function describeSchema(schema: Schema | boolean | undefined): string {
    if (schema === undefined || typeof schema === "boolean") {
        return "any value";
    }
    if (schema.enum) {
        return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    const type = Array.isArray(schema.type) ? schema.type.join(" or ") : schema.type;
    const bounds =
        schema.minimum !== undefined && schema.maximum !== undefined
            ? ` from ${schema.minimum} to ${schema.maximum}`
            : schema.minimum !== undefined
              ? ` of at least ${schema.minimum}`
              : schema.maximum !== undefined
                ? ` of at most ${schema.maximum}`
                : "";
    switch (type) {
        case "integer":
            return `an integer${bounds}`;
        case "number":
            return `a number${bounds}`;
        case "boolean":
            return "true or false";
        case "string":
            return schema.pattern ? `a string matching ${schema.pattern}` : "a string";
        case "array": {
            const items = Array.isArray(schema.items) ? undefined : schema.items;
            return `a list of ${items === undefined ? "values" : plural(describeSchema(items))}`;
        }
        case "object": {
            const keys = Object.keys(schema.properties ?? {});
            const required = schema.required ?? [];
            const listed = keys.map((k) => (required.includes(k) ? `${k} (required)` : k)).join(", ");
            return keys.length > 0 ? `an object with ${listed}` : "an object";
        }
        default:
            return type ? `a ${type}` : "any value";
    }
}

function plural(description: string): string {
    return description.replace(/^an? (integer|number|string|object)/, "$1s").replace(/^true or false$/, "booleans");
}

/** The sub-schema at a JSON pointer into the data (`/retention/dailyDays`, `/allowed/0`). */
function schemaAt(schema: Schema, pointer: string): Schema | undefined {
    let at: Schema | boolean | undefined = schema;
    for (const segment of pointer.split("/").filter((s) => s !== "")) {
        if (at === undefined || typeof at === "boolean") {
            return undefined;
        }
        const key = segment.replace(/~1/g, "/").replace(/~0/g, "~");
        at = /^\d+$/.test(key) && at.items !== undefined && !Array.isArray(at.items) ? at.items : at.properties?.[key];
    }
    return typeof at === "boolean" ? undefined : at;
}

let ajvInstance: AjvClass | undefined;
/**
 * One ajv for the process, loaded on first use. It does not validate the schemas themselves against
 * JSON Schema's meta-schema on every run (a third of a check's config validation): they are the
 * pack's own, and a unit test validates each of them once (test/policies/pack.test.ts).
 */
function ajv(): AjvClass {
    if (!ajvInstance) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { default: Ajv } = require("ajv") as { default: typeof AjvClass };
        ajvInstance = new Ajv({ allErrors: true, validateSchema: false });
    }
    return ajvInstance;
}

/** The problems of one policy's properties, each naming the policy, the property and what is allowed. */
export function propertyProblems(policy: Policy, props: Record<string, unknown>): string[] {
    const schema = entrySchema(policy);
    const validate = ajv().compile(schema);
    if (validate(props)) {
        return [];
    }
    const problems: string[] = [];
    for (const error of validate.errors ?? []) {
        const params = error.params as { additionalProperty?: string; missingProperty?: string };
        const where = error.instancePath.split("/").filter((s) => s !== "").join(".");
        const parent = schemaAt(schema, error.instancePath);
        if (error.keyword === "additionalProperties") {
            const property = [where, params.additionalProperty].filter(Boolean).join(".");
            const known = Object.keys(parent?.properties ?? {});
            problems.push(
                `policy ${policy.name}, property ${property}: not a setting of this policy; ` +
                    (known.length > 0 ? `allowed: ${known.join(", ")}` : "the policy takes no settings"),
            );
        } else if (error.keyword === "required") {
            const property = [where, params.missingProperty].filter(Boolean).join(".");
            problems.push(`policy ${policy.name}, property ${property}: required; allowed: ${describeSchema(parent?.properties?.[params.missingProperty ?? ""])}`);
        } else {
            const value = where.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), props);
            problems.push(`policy ${policy.name}, property ${where}: ${JSON.stringify(value)} is not allowed; allowed: ${describeSchema(parent)}`);
        }
    }
    // ajv reports a type error and a bound error for the same value at most once each; keep one line per message.
    return [...new Set(problems)];
}

/** All the problems of a parsed config document against the pack (empty when it is valid). */
export function policyConfigProblems(config: unknown, policies: readonly Policy[]): string[] {
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        return [`the file must hold a JSON object of policy names (and "all") to levels or settings, not ${Array.isArray(config) ? "an array" : JSON.stringify(config)}`];
    }
    const byName = new Map(policies.map((p) => [p.name, p]));
    const levels = ENFORCEMENT_LEVELS.map((l) => JSON.stringify(l)).join(", ");
    const problems: string[] = [];
    for (const [key, entry] of Object.entries(config as Record<string, unknown>)) {
        if (key === "all") {
            if (typeof entry !== "string" || !ENFORCEMENT_LEVELS.includes(entry as EnforcementLevel)) {
                problems.push(`all: enforcement level ${JSON.stringify(entry)} is not allowed; allowed: ${levels}`);
            }
            continue;
        }
        const policy = byName.get(key);
        if (!policy) {
            const near = [...byName.keys()].filter((n) => n.includes(key.replace(/^estate-/, "")) || key.includes(n.replace(/^estate-/, "")));
            problems.push(`policy ${key}: no such policy in the pack${near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : ""}; see docs/policies.md for the names`);
            continue;
        }
        if (typeof entry === "string") {
            if (!ENFORCEMENT_LEVELS.includes(entry as EnforcementLevel)) {
                problems.push(`policy ${key}: enforcement level ${JSON.stringify(entry)} is not allowed; allowed: ${levels}`);
            }
            continue;
        }
        if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
            problems.push(`policy ${key}: ${JSON.stringify(entry)} is not allowed; allowed: an enforcement level (${levels}) or an object of settings`);
            continue;
        }
        const { enforcementLevel, ...props } = entry as Record<string, unknown>;
        if (enforcementLevel !== undefined && !ENFORCEMENT_LEVELS.includes(enforcementLevel as EnforcementLevel)) {
            problems.push(`policy ${key}, property enforcementLevel: ${JSON.stringify(enforcementLevel)} is not allowed; allowed: ${levels}`);
        }
        problems.push(...propertyProblems(policy, props));
    }
    return problems;
}

/**
 * Reads, parses and validates a policy pack config file; throws `PolicyConfigError` (exit 2) when it
 * is wrong. With `cacheDir`, a file found valid is remembered by its content and the pack's policy
 * names and schemas, so the next check of the same file against the same pack skips validating it
 * again (and loading ajv); anything changed is validated anew, and a wrong file is never remembered.
 */
export function loadPolicyConfig(
    file: string,
    policies: readonly Policy[],
    shownAs = path.relative(process.cwd(), file) || file,
    cacheDir?: string,
): PolicyPackConfig {
    let text: string;
    let config: unknown;
    try {
        text = fs.readFileSync(file, "utf8");
        config = JSON.parse(text);
    } catch (err) {
        throw new PolicyConfigError(shownAs, [`not valid JSON: ${(err as Error).message}`]);
    }
    const marker = cacheDir === undefined ? undefined : path.join(cacheDir, `policy-config-${validationKey(text, policies)}.valid`);
    if (marker !== undefined && fs.existsSync(marker)) {
        return config as PolicyPackConfig;
    }
    const problems = policyConfigProblems(config, policies);
    if (problems.length > 0) {
        throw new PolicyConfigError(shownAs, problems);
    }
    if (marker !== undefined) {
        try {
            fs.mkdirSync(path.dirname(marker), { recursive: true });
            fs.writeFileSync(marker, `${shownAs}\n`);
        } catch {
            // A cache that cannot be written only costs the next run a validation.
        }
    }
    return config as PolicyPackConfig;
}

/** What a validation result depends on: the file's text and every policy's name and schema. */
function validationKey(text: string, policies: readonly Policy[]): string {
    const pack = JSON.stringify(policies.map((p) => [p.name, p.configSchema ?? null]));
    return createHash("sha256").update(text).update("\0").update(pack).digest("hex").slice(0, 32);
}
