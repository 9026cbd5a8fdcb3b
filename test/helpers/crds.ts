/**
 * CRD schemas no npm package ships here, stored as fixtures extracted from the pinned release's
 * own CRDs (each fixture names its source), and validated with Ajv the way the API server applies
 * a CRD's `openAPIV3Schema`. (`@kubernetes-models/external-secrets` exists on npm but is not
 * installed; the fixture is the v1 schema at the chart's tag.)
 */
import Ajv from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";

const fixtures = path.resolve(__dirname, "../fixtures/crds");
const ajv = new Ajv({ strict: false, allErrors: true });

const externalSecrets = JSON.parse(fs.readFileSync(path.join(fixtures, "external-secrets-v2.9.0.json"), "utf8")) as Record<"ExternalSecret" | "ClusterSecretStore", object>;

/** Pulumi type token → the CRD schema of that kind. */
export const CRD_SCHEMAS: Record<string, object> = {
    "kubernetes:external-secrets.io/v1:ExternalSecret": externalSecrets.ExternalSecret,
    "kubernetes:external-secrets.io/v1:ClusterSecretStore": externalSecrets.ClusterSecretStore,
};

/** The schema violations of `object` (none: valid), as `<path> <message>`. */
export function crdViolations(type: string, object: unknown): string[] {
    const schema = CRD_SCHEMAS[type];
    if (schema === undefined) {
        throw new Error(`no CRD schema fixture for ${type}`);
    }
    const validate = ajv.compile(schema);
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
