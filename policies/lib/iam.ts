/**
 * Reading IAM policy documents as the engine shows them: a JSON string, or an object when the
 * program passed a `PolicyDocument` literal. Values read from props may be unknown in preview; the
 * functions here read lazily so that the caller decides what it needs.
 */

/** One statement, as written in the document (every field optional and loosely typed). */
export type Statement = Record<string, unknown>;

export type ParsedDocument = { statements: Statement[] } | { error: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a policy document given as a JSON string or an object. */
export function parsePolicyDocument(policy: unknown): ParsedDocument {
    let document: unknown = policy;
    if (typeof policy === "string") {
        try {
            document = JSON.parse(policy);
        } catch (err) {
            return { error: `the policy is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
        }
    }
    if (!isRecord(document)) {
        return { error: "the policy is not a JSON object" };
    }
    const statement = document.Statement;
    if (statement === undefined) {
        return { error: "the policy has no Statement" };
    }
    const statements = Array.isArray(statement) ? statement : [statement];
    return { statements: statements.filter(isRecord) };
}

/** A field that IAM accepts as one value or a list of values, as a list. */
export function asList(value: unknown): unknown[] {
    if (value === undefined || value === null) {
        return [];
    }
    return Array.isArray(value) ? [...value] : [value];
}

/** Whether a statement's principal is everyone: `"*"`, `{"AWS": "*"}` or `{"AWS": ["*"]}`. */
export function isEveryone(principal: unknown): boolean {
    if (principal === "*") {
        return true;
    }
    if (isRecord(principal)) {
        const keys = Object.keys(principal);
        return keys.length === 1 && keys[0] === "AWS" && asList(principal.AWS).some((p) => p === "*");
    }
    return false;
}

/** How a statement is named in messages: its Sid, or its position. */
export function statementLabel(statement: Statement, index: number): string {
    return typeof statement.Sid === "string" && statement.Sid !== "" ? `statement '${statement.Sid}'` : `statement #${index + 1}`;
}
