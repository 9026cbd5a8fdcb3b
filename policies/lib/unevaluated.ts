/**
 * What no policy can see. A resource whose contents are produced somewhere the pack does not look
 * (a Helm release the provider installs, a chart rendered by the provider, a component whose
 * children a provider plugin creates, a value an offline run could not answer) passes every
 * resource policy by default: there is nothing to fail. This module names those resources and
 * says why, so that `estate-unevaluated-content` and the offline `check` list them instead of
 * passing them in silence.
 *
 * Shared by the policy (in a real `pulumi preview` and offline) and the offline engine, which adds
 * what only it knows (a multi-language component registered with `remote: true`, an invoke it
 * could not answer) through the two markers below.
 */
import { peek, UNKNOWN } from "./unknowns";

/**
 * The prefix of the string the offline engine puts in every string field of an invoke it cannot
 * answer (`unanswered-invoke(aws:rds/getSnapshot:getSnapshot)`), so that a resource built from the
 * answer carries the mark into its inputs. A real engine never produces it.
 */
export const UNANSWERED_MARKER_PREFIX = "unanswered-invoke(";

/**
 * The key under which the offline engine records, in a resource's state, why its contents could
 * not be evaluated (a remote component's children are created by its provider plugin, which the
 * offline run does not start). A real engine never sets it.
 */
export const OFFLINE_UNEVALUATED_KEY = "__estateOfflineUnevaluated";

/** The Helm v3 Release: the provider installs the chart; its objects never reach the engine as resources. */
export const HELM_RELEASE_TYPES = new Set(["kubernetes:helm.sh/v3:Release"]);

/**
 * Components whose objects are rendered from a template or files (`@pulumi/kubernetes` 4.x; the
 * `__pulumiType` / `super(...)` type strings in helm/v3/helm.js, helm/v4/chart.js,
 * kustomize/kustomize.js, kustomize/v2/directory.js, yaml/yaml.js, yaml/v2/*.js). In a real run
 * each object is a child resource that the policies see; with no child at all, nothing was seen.
 */
export const RENDERING_COMPONENTS: Readonly<Record<string, string>> = {
    "kubernetes:helm.sh/v3:Chart": "a Helm v3 Chart whose objects were not rendered (helm template runs in the Kubernetes provider)",
    "kubernetes:helm.sh/v4:Chart": "a Helm v4 Chart, rendered by the Kubernetes provider plugin",
    "kubernetes:kustomize:Directory": "a kustomize Directory, built by the Kubernetes provider",
    "kubernetes:kustomize/v2:Directory": "a kustomize v2 Directory, built by the Kubernetes provider plugin",
    "kubernetes:yaml:ConfigFile": "a YAML ConfigFile whose objects were not read (a remote file is not fetched offline)",
    "kubernetes:yaml:ConfigGroup": "a YAML ConfigGroup whose objects were not read (remote files are not fetched offline)",
    "kubernetes:yaml/v2:ConfigFile": "a YAML v2 ConfigFile, read by the Kubernetes provider plugin",
    "kubernetes:yaml/v2:ConfigGroup": "a YAML v2 ConfigGroup, read by the Kubernetes provider plugin",
};

/** The first unanswered-invoke mark in a value, or `undefined`; unknown values are skipped. */
export function unansweredInvokeIn(value: unknown, depth = 0): string | undefined {
    if (typeof value === "string") {
        const at = value.indexOf(UNANSWERED_MARKER_PREFIX);
        if (at < 0) {
            return undefined;
        }
        const end = value.indexOf(")", at);
        return value.slice(at + UNANSWERED_MARKER_PREFIX.length, end < 0 ? undefined : end);
    }
    if (depth > 32 || typeof value !== "object" || value === null) {
        return undefined;
    }
    for (const key of Object.keys(value)) {
        const child = peek(() => (value as Record<string, unknown>)[key]);
        const found = child === UNKNOWN ? undefined : unansweredInvokeIn(child, depth + 1);
        if (found) {
            return found;
        }
    }
    return undefined;
}

export interface UnevaluatedInput {
    type: string;
    /** The resource's props (state, for a stack policy); may hold unknowns. */
    props: Record<string, unknown>;
    /** How many resources name this one as their parent. */
    children: number;
}

/**
 * Why no policy could see this resource's contents, or `undefined` when they were seen. Reads one
 * property of the props at most: the engine has already turned what only it knows (a remote
 * component, a value from an unanswered invoke) into the `OFFLINE_UNEVALUATED_KEY` mark.
 */
export function unevaluatedReason(r: UnevaluatedInput): string | undefined {
    const rendering = RENDERING_COMPONENTS[r.type];
    if (rendering && r.children === 0) {
        return `${rendering}: no object of it was seen`;
    }
    const marked = peek(() => r.props[OFFLINE_UNEVALUATED_KEY]);
    if (typeof marked === "string") {
        return marked;
    }
    if (HELM_RELEASE_TYPES.has(r.type)) {
        return "a Helm release: the Kubernetes provider installs the chart, and no policy sees the objects it renders";
    }
    return undefined;
}

/** The reason the offline engine records for a resource built from an unanswered data source. */
export function unansweredInvokeReason(token: string): string {
    return `depends on the data source ${token}, which the offline check cannot answer`;
}
