/**
 * Reads a stack's config from `Pulumi.yaml` and `Pulumi.<stack>.yaml` and hands it over the way
 * the Pulumi CLI hands config to a program: `"<namespace>:<key>"` to a string, structured values
 * as JSON. `secure:` values cannot be decrypted offline: they become a placeholder string marked
 * secret, so programs that only pass secrets through still run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { UserInputError } from "../../components/lib/errors";
import { stackNames } from "./stacks";

/**
 * The top-level keys of a stack file: the fields of `ProjectStack` in the Pulumi CLI
 * (pulumi/pulumi, sdk/go/common/workspace/project.go: secretsprovider, encryptedkey,
 * encryptionsalt, config, environment). Anything else is a typo, most often of `config:`, which
 * would otherwise leave the stack without config.
 */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/** Whether `a` is at most two edits (insertions, deletions, substitutions) from `b`. */
function closeTo(a: string, b: string): boolean {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) {
            next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        row = next;
    }
    return row[b.length]! <= 2;
}

/** What a `secure:` value reads as offline. */
export const SECRET_PLACEHOLDER = "offline-secret-placeholder";

export interface StackConfig {
    project: string;
    /** The project's `main` (relative to its folder), when `Pulumi.yaml` sets one. */
    main?: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    /** The stack file that was read. */
    file: string;
}

function readYaml(file: string): unknown {
    try {
        return parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UserInputError(`${file} is not valid YAML: ${(err as Error).message}`);
    }
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Replaces `{ secure: ... }` leaves with the placeholder; reports whether any were found. */
function stripSecure(value: unknown): { value: unknown; secret: boolean } {
    if (isObject(value)) {
        if (Object.keys(value).length === 1 && typeof value.secure === "string") {
            return { value: SECRET_PLACEHOLDER, secret: true };
        }
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = stripSecure(v);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    if (Array.isArray(value)) {
        const items = value.map(stripSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    return { value, secret: false };
}

/** Loads `Pulumi.<stack>.yaml` (plus project-level defaults from `Pulumi.yaml`) from `dir`. */
export function loadStackConfig(dir: string, stack: string): StackConfig {
    const projectFile = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) {
        throw new UserInputError(`no Pulumi.yaml in ${dir}: run from the project's root`);
    }
    const project = readYaml(projectFile);
    if (!isObject(project) || typeof project.name !== "string") {
        throw new UserInputError(`${projectFile} must name the project (name: ...)`);
    }
    const runtime = isObject(project.runtime) ? project.runtime.name : project.runtime;
    if (runtime !== undefined && runtime !== "nodejs") {
        throw new UserInputError(`${projectFile}: runtime ${JSON.stringify(runtime)} is not supported: the offline check runs Node.js (TypeScript or JavaScript) programs, runtime: nodejs`);
    }
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = stackNames(dir);
        throw new UserInputError(
            `--stack ${stack}: no ${path.basename(file)} ${path.resolve(dir) === path.resolve(process.cwd()) ? "here" : `in ${dir}`} (stacks with a config file: ${known.join(", ") || "none"})`,
        );
    }
    const stackDoc = readYaml(file) ?? {};
    if (!isObject(stackDoc) || (stackDoc.config !== undefined && stackDoc.config !== null && !isObject(stackDoc.config))) {
        throw new UserInputError(`${file}: expected a mapping with a "config:" mapping`);
    }
    const unknown = Object.keys(stackDoc).filter((key) => !STACK_FILE_KEYS.includes(key));
    if (unknown.length > 0) {
        const hint = unknown.map((key) =>
            key.includes(":") ? `${key} (a config key: indent it under config:)` : closeTo(key.toLowerCase(), "config") ? `${key} (did you mean config:?)` : key,
        );
        throw new UserInputError(`${file}: unknown top-level key${unknown.length === 1 ? "" : "s"} ${hint.join(", ")}: a stack file has ${STACK_FILE_KEYS.join(", ")}`);
    }

    const entries: Record<string, unknown> = {};
    // Project-level defaults: `config: { key: { default: v } }` or `config: { key: v }`.
    if (isObject(project.config)) {
        for (const [key, decl] of Object.entries(project.config)) {
            const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
            entries[fullKey] = isObject(decl) && "default" in decl ? decl.default : decl;
        }
    }
    Object.assign(entries, stackDoc.config ?? {});

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(entries)) {
        const { value, secret } = stripSecure(raw);
        if (value === undefined || value === null) {
            continue;
        }
        config[key] = typeof value === "string" ? value : isObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
        if (secret) {
            secretKeys.push(key);
        }
    }
    return { project: project.name, ...(typeof project.main === "string" ? { main: project.main } : {}), stack, config, secretKeys, file };
}

/**
 * Applies `--config key=value` overrides the way `pulumi up --config` does: a key without a
 * namespace belongs to the project. The value is a plain string (not a secret).
 */
export function withOverrides(stackConfig: StackConfig, overrides: readonly string[]): StackConfig {
    if (overrides.length === 0) {
        return stackConfig;
    }
    const config = { ...stackConfig.config };
    const secretKeys = new Set(stackConfig.secretKeys);
    for (const override of overrides) {
        const at = override.indexOf("=");
        if (at <= 0) {
            throw new UserInputError(`--config ${JSON.stringify(override)}: expected key=value (for example --config aws:region=eu-west-1)`);
        }
        const rawKey = override.slice(0, at);
        const key = rawKey.includes(":") ? rawKey : `${stackConfig.project}:${rawKey}`;
        config[key] = override.slice(at + 1);
        secretKeys.delete(key);
    }
    return { ...stackConfig, config, secretKeys: [...secretKeys] };
}
