/**
 * `aws.iam.getPolicyDocument` rendered offline to the very JSON the provider returns.
 */
import { crc32 } from "node:zlib";

/*
 * The provider runs Terraform's aws_iam_policy_document data source (hashicorp/terraform-provider-aws
 * internal/service/iam/policy_document_data_source.go and policy_model.go, v6.x):
 * - the statement's fields in the order of the Go struct: Sid, Effect, Action, NotAction, Resource,
 *   NotResource, Principal, NotPrincipal, Condition; empty ones left out (`omitempty`), so no `"Sid": ""`;
 * - `actions`, `notActions`, `resources`, `notResources` and principal identifiers are sets: a single
 *   element becomes a string, several a list sorted in reverse (policyDecodeConfigStrings);
 * - principals become a map by type (Go sorts map keys); `type: "*"` with `["*"]` becomes `"*"`;
 * - conditions become `{ test: { variable: values } }`, keys sorted, values in their order, one value
 *   as a string; `&{...}` becomes `${...}` in resources, identifiers and condition values;
 * - `sourcePolicyDocuments` first (duplicate Sids are an error), then the statements (a Sid replaces a
 *   source statement with that Sid in place), then each of `overridePolicyDocuments` the same way;
 * - `json` is Go's `json.MarshalIndent(doc, "", "  ")`, `minifiedJson` `json.Marshal(doc)`: both escape
 *   `<`, `>`, `&` as \u003c, \u003e, \u0026; the id is the CRC-32 of `json` (create.StringHashcode).
 */

type StringOrList = string | string[];

interface PolicyStatement {
    Sid?: string;
    Effect?: string;
    Action?: unknown;
    NotAction?: unknown;
    Resource?: unknown;
    NotResource?: unknown;
    Principal?: PrincipalEntry[];
    NotPrincipal?: PrincipalEntry[];
    Condition?: ConditionEntry[];
}

interface PrincipalEntry {
    type: string;
    identifiers: StringOrList;
}

interface ConditionEntry {
    test: string;
    variable: string;
    values: StringOrList;
}

interface PolicyDoc {
    Version?: string;
    Id?: string;
    Statement: PolicyStatement[];
}

/** A document the provider refuses to render; its message is the provider's. */
export class PolicyDocumentError extends Error {}

/** policyDecodeConfigStrings: one element as a string, several sorted in reverse order. */
function decodeStrings(list: string[]): StringOrList | undefined {
    const set = [...new Set(list)];
    if (set.length === 0) return undefined;
    if (set.length === 1) return set[0]!;
    return set.sort(compareBytes).reverse();
}

/** Go's byte-wise string order (sort.Strings). */
function compareBytes(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function replaceVars(value: StringOrList, version: string): StringOrList {
    const one = (v: string): string => {
        if (version === "2008-10-17" && v.includes("&{")) {
            throw new PolicyDocumentError(`found &{ sequence in (${v}), which is not supported in document version 2008-10-17`);
        }
        return v.replaceAll("&{", "${");
    };
    return Array.isArray(value) ? value.map(one) : one(value);
}

function statementFromArgs(raw: unknown, version: string, sids: Set<string>): PolicyStatement {
    const s = record(raw);
    const effect = str(s.effect) ?? "Allow";
    if (effect !== "Allow" && effect !== "Deny") throw new PolicyDocumentError(`expected effect to be one of ["Allow" "Deny"], got ${effect}`);
    const stmt: PolicyStatement = { Effect: effect };
    const sid = typeof s.sid === "string" ? s.sid : "";
    if (sid !== "") {
        if (!/^[a-zA-Z0-9]*$/.test(sid)) throw new PolicyDocumentError(`invalid value for sid (must only include alphanumeric characters)`);
        if (sids.has(sid)) throw new PolicyDocumentError(`writing IAM Policy Document: duplicate Sid (${sid}). Remove the Sid or ensure the Sid is unique.`);
        sids.add(sid);
        stmt.Sid = sid;
    }
    const actions = decodeStrings(strings(s.actions));
    if (actions !== undefined) stmt.Action = actions;
    const notActions = decodeStrings(strings(s.notActions));
    if (notActions !== undefined) stmt.NotAction = notActions;
    const resources = decodeStrings(strings(s.resources));
    if (resources !== undefined) stmt.Resource = replaceVars(resources, version);
    const notResources = decodeStrings(strings(s.notResources));
    if (notResources !== undefined) stmt.NotResource = replaceVars(notResources, version);
    const principals = (key: string): PrincipalEntry[] | undefined => {
        const list = Array.isArray(s[key]) ? (s[key] as unknown[]) : [];
        if (list.length === 0) return undefined;
        return list.map(record).map((p) => ({ type: String(p.type ?? ""), identifiers: replaceVars(decodeStrings(strings(p.identifiers)) ?? [], version) }));
    };
    const p = principals("principals");
    if (p) stmt.Principal = p;
    const np = principals("notPrincipals");
    if (np) stmt.NotPrincipal = np;
    const conditions = Array.isArray(s.conditions) ? s.conditions.map(record) : [];
    if (conditions.length) {
        stmt.Condition = conditions.map((c) => {
            const values = replaceVars(Array.isArray(c.values) ? c.values.map((v) => String(v)) : [], version) as string[];
            return { test: String(c.test ?? ""), variable: String(c.variable ?? ""), values: values.length === 1 ? values[0]! : values };
        });
    }
    return stmt;
}

/** A policy JSON as Go's json.Unmarshal reads it into the provider's iamPolicyDoc. */
function parsePolicyDoc(text: string, what: string): PolicyDoc {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (e) {
        throw new PolicyDocumentError(`writing IAM Policy Document: merging ${what}: ${(e as Error).message}`);
    }
    const doc = record(raw);
    const statements = doc.Statement === undefined || doc.Statement === null ? [] : doc.Statement;
    if (!Array.isArray(statements)) {
        throw new PolicyDocumentError(`writing IAM Policy Document: merging ${what}: json: cannot unmarshal object into Go struct field iamPolicyDoc.Statement of type []*iam.iamPolicyStatement`);
    }
    return {
        Version: typeof doc.Version === "string" ? doc.Version : undefined,
        Id: typeof doc.Id === "string" ? doc.Id : undefined,
        Statement: statements.map(record).map((s) => {
            const stmt: PolicyStatement = {};
            if (typeof s.Sid === "string" && s.Sid) stmt.Sid = s.Sid;
            if (typeof s.Effect === "string" && s.Effect) stmt.Effect = s.Effect;
            // Read into Go's `any`: only an absent or null value is left out (`omitempty` keeps a non-nil interface, even "" or []).
            for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) if (s[key] !== undefined && s[key] !== null) stmt[key] = s[key];
            for (const key of ["Principal", "NotPrincipal"] as const) {
                const v = s[key];
                if (typeof v === "string") stmt[key] = [{ type: "*", identifiers: ["*"] }];
                else if (v && typeof v === "object") {
                    stmt[key] = Object.entries(v as Record<string, unknown>).map(([type, ids]) => ({
                        type,
                        identifiers: typeof ids === "string" ? ids : strings(ids).sort(compareBytes),
                    }));
                }
            }
            if (s.Condition && typeof s.Condition === "object") {
                const conds: ConditionEntry[] = [];
                for (const [test, vars] of Object.entries(s.Condition as Record<string, unknown>)) {
                    for (const [variable, values] of Object.entries(record(vars))) {
                        // The provider reads a string, a boolean or a list of strings; it drops anything else.
                        if (typeof values === "string") conds.push({ test, variable, values: [values] });
                        else if (typeof values === "boolean") conds.push({ test, variable, values: String(values) });
                        else if (Array.isArray(values)) conds.push({ test, variable, values: values.map((v) => String(v)) });
                    }
                }
                if (conds.length) stmt.Condition = conds;
            }
            return stmt;
        }),
    };
}

/** iamPolicyDoc.Merge: Id and a newer Version adopted; a statement with a Sid replaces the one with that Sid, others are appended. */
function mergeDoc(into: PolicyDoc, doc: PolicyDoc): void {
    if (doc.Id) into.Id = doc.Id;
    if ((doc.Version ?? "") > (into.Version ?? "")) into.Version = doc.Version;
    for (const stmt of doc.Statement) {
        const at = stmt.Sid ? into.Statement.findIndex((s) => s.Sid === stmt.Sid) : -1;
        if (at >= 0) into.Statement[at] = stmt;
        else into.Statement.push(stmt);
    }
}

/** iamPolicyStatementPrincipalSet.MarshalJSON. */
function principalJson(entries: PrincipalEntry[]): unknown {
    if (entries.length === 1 && entries[0]!.type === "*") {
        const ids = entries[0]!.identifiers;
        if (ids === "*" || (Array.isArray(ids) && ids.length === 1 && ids[0] === "*")) return "*";
    }
    const raw: Record<string, StringOrList> = {};
    for (const p of entries) {
        const existing = raw[p.type];
        if (Array.isArray(p.identifiers)) {
            const ids = [...p.identifiers].sort(compareBytes).reverse();
            raw[p.type] = existing === undefined ? ids : [...(typeof existing === "string" ? [existing] : existing), ...ids];
        } else {
            raw[p.type] = existing === undefined ? p.identifiers : [...(typeof existing === "string" ? [existing] : existing), p.identifiers];
        }
    }
    return sortedKeys(raw);
}

/** iamPolicyStatementConditionSet.MarshalJSON. */
function conditionJson(entries: ConditionEntry[]): unknown {
    const raw: Record<string, Record<string, string[]>> = {};
    for (const c of entries) {
        const byVariable = (raw[c.test] ??= {});
        byVariable[c.variable] = [...(byVariable[c.variable] ?? []), ...(Array.isArray(c.values) ? c.values : [c.values])];
    }
    return sortedKeys(Object.fromEntries(Object.entries(raw).map(([test, vars]) => [test, sortedKeys(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.length === 1 ? v[0]! : v])))])));
}

/** Go marshals a map with its keys sorted. */
function sortedKeys<T>(obj: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => compareBytes(a, b)));
}

function docJson(doc: PolicyDoc): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (doc.Version) out.Version = doc.Version;
    if (doc.Id) out.Id = doc.Id;
    if (doc.Statement.length) {
        out.Statement = doc.Statement.map((s) => {
            const o: Record<string, unknown> = {};
            if (s.Sid) o.Sid = s.Sid;
            if (s.Effect) o.Effect = s.Effect;
            for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) if (s[key] !== undefined && s[key] !== null) o[key] = s[key];
            if (s.Principal?.length) o.Principal = principalJson(s.Principal);
            if (s.NotPrincipal?.length) o.NotPrincipal = principalJson(s.NotPrincipal);
            if (s.Condition?.length) o.Condition = conditionJson(s.Condition);
            return o;
        });
    }
    return out;
}

/** Go's encoding/json escapes these for safe embedding in HTML. */
function goEscape(json: string): string {
    return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Renders getPolicyDocument's arguments to the provider's `json` and `minifiedJson`. */
export function renderPolicyDocument(inputs: Record<string, unknown>): { json: string; minifiedJson: string; id: string } {
    const merged: PolicyDoc = { Statement: [] };
    const sources = strings(inputs.sourcePolicyDocuments);
    const sourceSids = new Set<string>();
    sources.forEach((text, index) => {
        if (text.trim() === "") return;
        const doc = parsePolicyDoc(text, `source document ${index}`);
        doc.Statement.forEach((stmt, stmtIndex) => {
            if (!stmt.Sid) return;
            if (sourceSids.has(stmt.Sid)) {
                throw new PolicyDocumentError(`writing IAM Policy Document: merging source document ${index}: duplicate Sid (${stmt.Sid}) in source_policy_documents (statement ${stmtIndex}). Remove the Sid or ensure Sids are unique.`);
            }
            sourceSids.add(stmt.Sid);
        });
        mergeDoc(merged, doc);
    });
    const version = str(inputs.version) ?? "2012-10-17";
    if (version !== "2008-10-17" && version !== "2012-10-17") throw new PolicyDocumentError(`expected version to be one of ["2008-10-17" "2012-10-17"], got ${version}`);
    const sids = new Set<string>();
    const own: PolicyDoc = { Version: version, Id: str(inputs.policyId), Statement: (Array.isArray(inputs.statements) ? inputs.statements : []).map((s) => statementFromArgs(s, version, sids)) };
    mergeDoc(merged, own);
    strings(inputs.overridePolicyDocuments).forEach((text, index) => {
        if (text.trim() === "") return;
        mergeDoc(merged, parsePolicyDoc(text, `override document ${index}`));
    });
    const body = docJson(merged);
    const json = goEscape(JSON.stringify(body, null, 2));
    return { json, minifiedJson: goEscape(JSON.stringify(body)), id: String(crc32(json)) };
}

/** A non-empty string, or undefined (also used by invokes.ts). */
export function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** The strings of an array (others dropped). */
export function strings(v: unknown): string[] {
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** An object, or an empty one. */
export function record(v: unknown): Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
