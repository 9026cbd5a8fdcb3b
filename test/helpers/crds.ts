/**
 * CRD schemas no installed npm package ships, stored as fixtures extracted from the pinned release's
 * own CRDs (each fixture's `source` names the repository, tag and path), and validated with Ajv the
 * way the API server applies a CRD's `openAPIV3Schema`.
 *
 * - External Secrets Operator v1 (`@kubernetes-models/external-secrets` exists on npm but is not
 *   installed; the fixture is the v1 schema at the chart's tag).
 * - CloudNativePG `Cluster` and `ScheduledBackup` at chart cloudnative-pg 0.29.0, and the Barman
 *   Cloud plugin's `ObjectStore`: the fixtures follow the pinned releases exactly
 *   (`@kubernetes-models/cloudnative-pg` 2.x, installable since the move to Node 22+, is not
 *   checked against them; 0.1.x had an older Cluster schema and no barman-cloud types).
 *
 * Like a `kubernetes-models` class, a custom resource must also carry its own apiVersion and kind
 * and a valid ObjectMeta, and its fields' formats (int32, date-time, ...) are checked (the CRD's schema says only `metadata: object`; the API server checks it
 * as an ObjectMeta).
 */
import { ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { formats } from "@kubernetes-models/validate";
import Ajv, { type ValidateFunction } from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";

const fixtures = path.resolve(__dirname, "../fixtures/crds");
const ajv = new Ajv({ strict: false, allErrors: true });
// The formats the `kubernetes-models` classes check (int32, int64, date-time, quantity, ...).
for (const [name, format] of Object.entries(formats)) {
    ajv.addFormat(name, format as never);
}

const fixture = <K extends string>(file: string) => JSON.parse(fs.readFileSync(path.join(fixtures, file), "utf8")) as Record<K | "source", object>;

const externalSecrets = fixture<"ExternalSecret" | "ClusterSecretStore">("external-secrets-v2.9.0.json");
const cloudnativePg = fixture<"Cluster" | "ScheduledBackup">("cloudnative-pg-v0.29.0.json");
const barmanCloud = fixture<"ObjectStore">("plugin-barman-cloud-v0.14.0.json");

/** Pulumi type token → the CRD schema of that kind. */
export const CRD_SCHEMAS: Record<string, object> = {
    "kubernetes:external-secrets.io/v1:ExternalSecret": externalSecrets.ExternalSecret,
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": externalSecrets.ClusterSecretStore,
    "kubernetes:postgresql.cnpg.io/v1:Cluster": cloudnativePg.Cluster,
    "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup": cloudnativePg.ScheduledBackup,
    "kubernetes:barmancloud.cnpg.io/v1:ObjectStore": barmanCloud.ObjectStore,
};

/** Each kind's compiled validator (the Cluster schema alone is some 7,000 lines). */
const validators = new Map<string, ValidateFunction>();

/** The schema violations of `object` (none: valid), as `<path> <message>`. */
export function crdViolations(type: string, object: unknown): string[] {
    const schema = CRD_SCHEMAS[type];
    if (schema === undefined) {
        throw new Error(`no CRD schema fixture for ${type}`);
    }
    let validate = validators.get(type);
    if (validate === undefined) {
        const [, apiVersion, kind] = /^kubernetes:(.+):([^:]+)$/.exec(type)!;
        validate = ajv.compile({
            allOf: [schema],
            required: ["apiVersion", "kind", "metadata"],
            properties: { apiVersion: { const: apiVersion }, kind: { const: kind } },
        });
        validators.set(type, validate);
    }
    const violations = validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
    const metadata = (object as { metadata?: unknown } | null)?.metadata;
    if (metadata !== undefined) {
        try {
            (new ObjectMeta(metadata as never) as { validate?: () => void }).validate!();
        } catch (err) {
            violations.push(`/metadata ${(err as Error).message}`);
        }
    }
    return violations;
}
