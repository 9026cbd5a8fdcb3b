/**
 * Credentials written into a container's environment: an env var whose name says it holds a
 * password, secret, token or key, given a plain `value` rather than `valueFrom` (a Secret, or a file
 * the process reads). A plain value is part of the workload's spec: whoever can read Deployments
 * (or the program's state, or its git history) reads the credential, and rotating it means a
 * redeploy.
 *
 * The rule, precisely (docs/policies-k8s.md shows examples):
 * - The name is split into words at `_`, `-`, `.` and lower-to-upper case changes (`dbPassword` is
 *   DB PASSWORD), compared upper case.
 * - It names a credential when a word ends with PASSWORD, PASSWD, PASSPHRASE, SECRET or TOKEN
 *   (`PGPASSWORD`, `CLIENTSECRET`), is PASS, or is KEY or a compound key word such as APIKEY or
 *   ACCESSKEY, unless the word before KEY makes it a non-secret key (PUBLIC, PARTITION, CACHE...).
 * - It does not when its last word names something about the credential instead of the credential
 *   itself: FILE, PATH, DIR, ARN, ID, NAME, REF, URL, ENDPOINT, HOST, SERVER, PORT, PREFIX, ALIAS,
 *   TTL, LENGTH, TYPE, ALGORITHM, MODE, ENABLED, REQUIRED, POLICY, VERSION, REGION, HEADER, FIELD,
 *   METHOD, ISSUER, AUDIENCE (the estate's own jobs use `*_PASSWORD_FILE`; `KMS_KEY_ID`,
 *   `SECRET_NAME` and `KEY_SERVER` are not credentials).
 * - The value is a credential unless it is empty, refers to another variable with `$(VAR)` (the
 *   kubelet expands it), is an absolute path, an ARN, a number or a boolean. A value the program
 *   computes (unknown in a preview) counts: it still lands in the spec in plain text.
 */
import { type EnvVar, containersOf } from "../lib/k8s";
import type { EstateResourcePolicy } from "../lib/policy";
import { UNKNOWN, peek } from "../lib/unknowns";
import { validatePodSpec } from "./pod-security";

/** Words that are credentials when a name's word ends with them. */
const CREDENTIAL_SUFFIXES = ["PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN"];
/** KEY, alone or compounded (`APIKEY`, `ACCESSKEY`, `PRIVATEKEY`). */
const KEY_WORD = /^(API|ACCESS|SECRET|PRIVATE|AUTH|SIGNING|ENCRYPTION|LICENSE|MASTER|CLIENT)?KEY$/;
/** Words before KEY that make it something other than a secret (a public key, a database or cache key). */
const NON_SECRET_KEYS = new Set(["PUBLIC", "PUBLISHABLE", "PARTITION", "SORT", "PRIMARY", "FOREIGN", "CACHE", "OBJECT", "ROUTING", "IDEMPOTENCY", "SHARD", "LOOKUP"]);
/** Last words that name something about a credential, not the credential. */
const QUALIFIERS = new Set([
    "FILE", "PATH", "DIR", "ARN", "ID", "NAME", "REF", "URL", "ENDPOINT", "HOST", "SERVER", "PORT", "PREFIX", "ALIAS", "TTL",
    "LENGTH", "TYPE", "ALGORITHM", "MODE", "ENABLED", "REQUIRED", "POLICY", "VERSION", "REGION", "HEADER", "FIELD", "METHOD",
    "ISSUER", "AUDIENCE",
]);

/** The words of an env var name, upper case: `dbPassword_FILE` is DB, PASSWORD, FILE. */
export function wordsOf(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toUpperCase());
}

/** The credential word an env var name contains (`PGPASSWORD`, `KEY`), or `undefined` when it names no credential. */
export function credentialWord(name: string): string | undefined {
    const words = wordsOf(name);
    if (words.length === 0 || QUALIFIERS.has(words[words.length - 1]!)) {
        return undefined;
    }
    return words.find(
        (word, i) =>
            CREDENTIAL_SUFFIXES.some((suffix) => word.endsWith(suffix)) ||
            word === "PASS" ||
            (KEY_WORD.test(word) && !(word === "KEY" && i > 0 && NON_SECRET_KEYS.has(words[i - 1]!))),
    );
}

/** Whether a literal value can be a credential (not a reference, path, ARN, number or boolean). */
export function mayBeCredential(value: string): boolean {
    const v = value.trim();
    return !(
        v === "" ||
        /(^|[^$])\$\([A-Za-z_][A-Za-z0-9_.-]*\)/.test(v) ||
        v.startsWith("/") ||
        v.startsWith("arn:") ||
        /^-?\d+(\.\d+)?$/.test(v) ||
        /^(true|false|yes|no|on|off)$/i.test(v)
    );
}

/** Why an env var holds a literal credential, or `undefined` when it does not. */
export function literalCredential(env: EnvVar): string | undefined {
    if (typeof env.name !== "string") {
        return undefined;
    }
    const word = credentialWord(env.name);
    if (word === undefined) {
        return undefined;
    }
    const value = peek(() => env.value);
    if (value === UNKNOWN) {
        return `sets env ${env.name} (${word}) to a plain value the program computes: it is written into the spec in clear text`;
    }
    if (typeof value !== "string" || !mayBeCredential(value)) {
        return undefined;
    }
    return `sets env ${env.name} (${word}) to a literal value`;
}

export const k8sContainerEnvLiteralCredentials: EstateResourcePolicy = {
    name: "estate-k8s-container-env-literal-credentials",
    checks:
        "No container, init container or ephemeral container of a workload (or workload patch) gives an env var whose name names a " +
        "password, secret, token or key a plain non-empty value (rather than valueFrom); names ending in FILE, PATH, ID, ARN, NAME " +
        "and the like, and values that are $(VAR) references, paths, ARNs, numbers or booleans, are not credentials.",
    description:
        "Credentials must not be written into a container's environment as plain values: the value is part of the workload's " +
        "spec, readable by whoever can read the Deployment, the program's state or its history, and rotating it takes a redeploy.",
    remediationSteps:
        "Keep the credential in a Secret (estate components sync them from AWS Secrets Manager with an ExternalSecret) and use " +
        "`valueFrom: { secretKeyRef: { name, key } }`, or better mount it and pass the file's path (`*_FILE`), as the estate's " +
        "backup jobs do.",
    severity: "high",
    tags: ["k8s", "secrets"],
    validateResource: validatePodSpec(
        (pod) =>
            containersOf(pod).flatMap(({ label, container }) =>
                (Array.isArray(container.env) ? container.env : [])
                    .filter((env): env is EnvVar => env !== null && typeof env === "object")
                    .flatMap((env) => {
                        const reason = literalCredential(env);
                        return reason === undefined ? [] : [`${label} ${reason}; use valueFrom.secretKeyRef or a mounted file.`];
                    }),
            ),
        { patches: true },
    ),
};

export const k8sEnvPolicies = [k8sContainerEnvLiteralCredentials];
