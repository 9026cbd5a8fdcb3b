/**
 * Reading IAM policy documents as the engine shows them: a JSON string, or an object when the
 * program passed a `PolicyDocument` literal. Values read from props may be unknown in preview; the
 * functions here read lazily so that the caller decides what it needs.
 */

import { peek, UNKNOWN } from "./unknowns";

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

// ------------------------------------------------------------------------------------------------
// Public grants
// ------------------------------------------------------------------------------------------------
//
// What "public" means follows Amazon S3's definition, "The meaning of 'public'" in the S3 User
// Guide (awsdocs/amazon-s3-userguide doc_source/access-control-block-public-access.md, commit
// 0009290): a policy is public unless it grants access only to fixed values (no wildcard, no policy
// variable) of a principal or of one of the condition keys below. The estate applies the same reading
// to ECR repository and registry policies. docs/policies-aws.md explains each choice.

/**
 * Condition keys (lower case) whose fixed values make a statement non-public: the principal keys
 * (`aws:PrincipalOrgID` is the guide's example of "an AWS principal"; `aws:PrincipalArn` and
 * `aws:PrincipalAccount` name principals too), and the guide's list.
 */
const NARROWING_KEYS = new Set([
    "aws:principalorgid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
]);

/**
 * Operators that restrict a key to the listed values. Negated operators (`StringNotEquals`, ...),
 * `...IfExists` (true when the key is absent, as it is for an anonymous request) and `ForAllValues:`
 * (true for an empty set) admit requests outside the listed values, so they never narrow.
 */
const NARROWING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"]);

/** An access point ARN of a fixed account whose name is a wildcard: the guide counts it as fixed for bucket policies. */
const ACCESS_POINT_WILDCARD = /^arn:aws[a-z-]*:s3:[a-z0-9-]+:\d{12}:accesspoint\/\*$/;

/** `aws:SourceIp` blocks broader than these prefixes are public (the guide: broader than /8 for IPv4, /32 for IPv6). */
const MAX_PUBLIC_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/** A value of a condition, or `UNKNOWN` (an ARN not known before deployment is a fixed value). */
function isFixedValue(key: string, value: unknown): boolean {
    if (value === UNKNOWN) {
        return true;
    }
    if (typeof value !== "string" || value === "") {
        return false;
    }
    if (key === "aws:sourceip") {
        const [address = "", prefix] = value.split("/");
        const bits = prefix === undefined ? (address.includes(":") ? 128 : 32) : Number(prefix);
        return Number.isInteger(bits) && bits >= (address.includes(":") ? MAX_PUBLIC_PREFIX.ipv6 : MAX_PUBLIC_PREFIX.ipv4);
    }
    if (key === "s3:dataaccesspointarn" && ACCESS_POINT_WILDCARD.test(value)) {
        return true;
    }
    return !/[*?]|\$\{/.test(value);
}

/** Reads `record[key]` without throwing on an unknown value. */
function field(record: Record<string, unknown>, key: string): unknown {
    return peek(() => record[key]);
}

/** Whether a Condition restricts the statement to fixed values of a key that makes it non-public. */
function narrows(condition: unknown): boolean {
    if (!isRecord(condition)) {
        return false;
    }
    return Object.keys(condition).some((operator) => {
        const tests = field(condition, operator);
        const op = operator.toLowerCase().replace(/^foranyvalue:/, "");
        if (!NARROWING_OPERATORS.has(op) || !isRecord(tests)) {
            return false;
        }
        return Object.keys(tests).some((key) => {
            const k = key.toLowerCase();
            const raw = field(tests, key);
            const values = raw === UNKNOWN ? [UNKNOWN] : asList(raw);
            return NARROWING_KEYS.has(k) && (op !== "ipaddress") === (k !== "aws:sourceip") && values.length > 0 && values.every((v) => isFixedValue(k, v));
        });
    });
}

/** Whether a principal includes everyone: `"*"`, or `"*"` among the values of any principal type. */
function includesEveryone(principal: unknown): boolean {
    if (principal === "*") {
        return true;
    }
    return isRecord(principal) && Object.keys(principal).some((type) => asList(field(principal, type)).some((p) => p === "*"));
}

/** A value as messages show it (`<unknown>` when it is not known before deployment). */
function shownJson(value: unknown): string {
    const known = peek(() => JSON.stringify(value ?? null));
    return known === UNKNOWN ? "<unknown>" : known;
}

/**
 * Why a statement grants access to everyone, or `undefined` when it does not: an Allow to
 * Principal `"*"` (or a principal list with `"*"`), or an Allow with NotPrincipal (everyone but the
 * listed), without a Condition that narrows it.
 */
function publicGrant(statement: Statement, index: number): string | undefined {
    if (field(statement, "Effect") !== "Allow") {
        return undefined;
    }
    const notPrincipal = "NotPrincipal" in statement;
    const principal = field(statement, notPrincipal ? "NotPrincipal" : "Principal");
    if (!notPrincipal && !includesEveryone(principal)) {
        return undefined;
    }
    const condition = field(statement, "Condition");
    if (narrows(condition)) {
        return undefined;
    }
    const actions = "NotAction" in statement ? `every action but ${shownJson(field(statement, "NotAction"))}` : shownJson(field(statement, "Action"));
    const who = notPrincipal ? `everyone but NotPrincipal ${shownJson(principal)}` : `Principal ${shownJson(principal)}`;
    const why = isRecord(condition)
        ? `its Condition (${Object.keys(condition).join(", ")}) does not restrict it to fixed values of a principal, aws:SourceIp, aws:SourceArn, aws:SourceAccount, aws:SourceVpc or aws:SourceVpce`
        : "it has no Condition";
    return `${statementLabel(statement, index)} allows ${actions} to ${who}, and ${why}`;
}

/**
 * The statements of a policy document (a JSON string or an object) that grant access to everyone,
 * described for a message; `{ error }` when the document cannot be read. An unknown document throws
 * (the engine notes that the policy could not run during preview).
 */
export function publicGrants(policy: unknown): { grants: string[] } | { error: string } {
    const document = parsePolicyDocument(policy);
    if ("error" in document) {
        return document;
    }
    return { grants: document.statements.map((statement, index) => publicGrant(statement, index)).filter((g): g is string => g !== undefined) };
}
