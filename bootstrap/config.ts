/**
 * The bootstrap's stack config: which GitHub repository may assume the roles, from which GitHub
 * environments, in which region. Validated with zod; every problem is reported together, each
 * naming its key (`estate-bootstrap:github.owner`), as `UserInputError`, so `pulumi up` prints the
 * message only and the offline `plan`/`check` exit with code 2.
 *
 * Pure: `parseBootstrapConfig` takes the raw config (as `pulumi.runtime.allConfig()` gives it).
 */
import { z } from "zod";
import { UserInputError } from "../components/lib/errors";

/** The project's config namespace (bootstrap/Pulumi.yaml `name`). */
export const NAMESPACE = "estate-bootstrap";

/** The environment the drift workflow's read-only jobs reference (`.github/workflows/drift.yml`). */
export const DEFAULT_DRIFT_ENVIRONMENT = "drift";

/**
 * GitHub's names. An owner (user or organization) is 1-39 letters, digits or single hyphens, not
 * starting or ending with a hyphen; a repository is letters, digits, `.`, `_`, `-`, at most 100.
 * An environment name is at most 255 characters (GitHub Docs, "Managing environments for
 * deployment"); it lands verbatim in the token's `sub` claim (`repo:<owner>/<repo>:environment:<name>`),
 * so `:` (the claim's separator) and IAM wildcards (`*`, `?`) are refused here.
 */
const owner = z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/, "must be a GitHub user or organization name (letters, digits, single hyphens, at most 39)");
const repo = z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a GitHub repository name (letters, digits, '.', '_', '-', at most 100)")
    .refine((r) => r !== "." && r !== "..", "must be a GitHub repository name, not . or ..");
const environment = z
    .string()
    .min(1, "must be a non-empty GitHub environment name")
    .max(255, "must be at most 255 characters (GitHub's limit for an environment name)")
    .regex(/^[^:*?\s][^:*?]*$/, "must not contain ':', '*' or '?' nor start with a space (it is matched exactly in the OIDC sub claim)");

/** The part of a deploy role's logical name that comes from its environment (`production` → `deploy-production`). */
export function roleSegment(environment: string): string {
    return environment.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

export const bootstrapConfigSchema = z.strictObject({
    /** The repository whose workflows may assume the roles. */
    github: z.strictObject({ owner, repo }),
    /**
     * The GitHub environments that deploy (`deploy.yml`'s `development`, `production`): one deploy
     * role each, trusted only for `repo:<owner>/<repo>:environment:<name>`.
     */
    environments: z
        .array(environment)
        .min(1, "must list at least one GitHub environment that deploys, such as [development, production]")
        .refine(
            (list) => new Set(list.map(roleSegment)).size === list.length,
            "must not list an environment twice (GitHub environment names are not case-sensitive; each names its deploy role, where characters other than letters, digits and '-' become '-')",
        ),
    /** The environment of the scheduled drift check; it gets the read-only role. Default: `drift`. */
    driftEnvironment: environment.optional(),
    /** Tags for every taggable resource. Default: none. */
    tags: z.record(z.string(), z.string()).optional(),
});

export type BootstrapConfig = z.infer<typeof bootstrapConfigSchema>;

/** The typed, validated, defaulted bootstrap config. */
export interface BootstrapSpec {
    project: string;
    stack: string;
    region: string;
    github: { owner: string; repo: string };
    environments: string[];
    driftEnvironment: string;
    /** The stack's tags plus `estate:stack`, `managed-by`. */
    tags: Record<string, string>;
}

export interface ConfigIssue {
    /** The full key, e.g. `estate-bootstrap:github.owner`. */
    key: string;
    message: string;
}

/** Invalid bootstrap config: every problem, each with its key. */
export class BootstrapConfigError extends UserInputError {
    constructor(readonly issues: ConfigIssue[]) {
        super(`invalid bootstrap configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${issues.map((i) => `  - ${i.key} ${i.message}`).join("\n")}`);
    }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Pure: raw config in (`"<namespace>:<key>"` → string, objects as JSON), `BootstrapSpec` out, or `BootstrapConfigError`. */
export function parseBootstrapConfig(raw: Record<string, string>, ctx: { project: string; stack: string }): BootstrapSpec {
    const issues: ConfigIssue[] = [];
    const region = raw["aws:region"];
    if (region === undefined || !REGION.test(region)) {
        issues.push({ key: "aws:region", message: region === undefined ? "is required (an AWS region such as eu-west-1)" : `must be an AWS region such as eu-west-1 (got ${JSON.stringify(region)})` });
    }
    const user: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(raw)) {
        if (fullKey.startsWith(`${NAMESPACE}:`)) {
            user[fullKey.slice(NAMESPACE.length + 1)] = decode(value);
        }
    }
    const parsed = bootstrapConfigSchema.safeParse(user, { reportInput: true });
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.code === "unrecognized_keys") {
                const known = issue.path.length === 0 ? Object.keys(bootstrapConfigSchema.shape) : ["owner", "repo"];
                issues.push(...issue.keys.map((k) => ({ key: keyOf([...issue.path, k]), message: `is not a known key (known here: ${known.join(", ")})` })));
                continue;
            }
            const got = "input" in issue ? issue.input : undefined;
            issues.push({ key: keyOf(issue.path), message: got === undefined ? `is required: ${issue.message}` : `${issue.message} (got ${JSON.stringify(got)})` });
        }
    }
    const driftEnvironment = parsed.data?.driftEnvironment ?? DEFAULT_DRIFT_ENVIRONMENT;
    if (parsed.success && parsed.data.environments.some((e) => e.toLowerCase() === driftEnvironment.toLowerCase())) {
        issues.push({
            key: `${NAMESPACE}:driftEnvironment`,
            message: `must differ from every deploy environment (got ${JSON.stringify(driftEnvironment)}): the drift check is read-only and must not wait for a deployment's reviewers`,
        });
    }
    if (issues.length > 0 || !parsed.success) {
        throw new BootstrapConfigError(issues);
    }
    const config = parsed.data;
    return {
        project: ctx.project,
        stack: ctx.stack,
        region: region!,
        github: config.github,
        environments: config.environments,
        driftEnvironment,
        tags: { ...config.tags, "estate:stack": ctx.stack, "managed-by": "pulumi" },
    };
}

function keyOf(path: readonly PropertyKey[]): string {
    return `${NAMESPACE}:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("")}`;
}

/** The CLI passes structured values as JSON: decode where it parses, as `Config.getObject` would. */
function decode(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}
