/**
 * Renders `docs/policies.md` from the policies' own metadata (name, checks, description,
 * remediationSteps, severity, tags, configSchema, remediateResource) and the stacks' policy config
 * files. Pure: the same inputs give the same Markdown, so a test can hold the committed file to it.
 * A new policy needs nothing here: its metadata, then `npm run docs:policies`.
 */
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { EstatePolicy } from "../../policies/lib/policy";
import { describeSchema } from "../engine/policy-config";
import { enforcementOf } from "../engine/policy-harness";

/** One stack's (or profile's) policy config file. */
export interface StackPolicyConfig {
    /** `dev`, `prod`: the file's name without `.json`. */
    name: string;
    /** Where it lives, for links: `policies/config/dev.json`. */
    file: string;
    config: PolicyPackConfig;
}

export interface PolicyDocsInput {
    packName: string;
    packEnforcementLevel: EnforcementLevel;
    policies: readonly EstatePolicy[];
    stacks: readonly StackPolicyConfig[];
}

/** Section titles of the services; a service not listed is titled by its id. */
const SERVICE_TITLES: Record<string, string> = {
    s3: "Amazon S3",
    kms: "AWS KMS",
    rds: "Amazon RDS",
    docdb: "Amazon DocumentDB",
    elasticache: "Amazon ElastiCache",
    secretsmanager: "AWS Secrets Manager",
    backup: "AWS Backup",
    ec2: "Amazon EC2",
    eks: "Amazon EKS",
    vpc: "Amazon VPC",
    k8s: "Kubernetes",
};

/** The scanners whose rule ids the tags name, and how the doc names them. */
const SCANNERS: { prefix: string; title: string; link?: (id: string) => string }[] = [
    { prefix: "checkov:", title: "Checkov" },
    { prefix: "aws-config:", title: "AWS Config", link: (id) => `https://docs.aws.amazon.com/config/latest/developerguide/${id}.html` },
    {
        prefix: "aws-securityhub:",
        title: "AWS Security Hub",
        // `EKS.1` is documented at eks-controls.html#eks-1 (the user guide's per-service control pages).
        link: (id) => {
            const [service = id, n = ""] = id.toLowerCase().split(".");
            return `https://docs.aws.amazon.com/securityhub/latest/userguide/${service}-controls.html#${service}-${n}`;
        },
    },
    { prefix: "aws-guard:", title: "AWS Guard Rules Registry" },
    { prefix: "kyverno:", title: "Kyverno" },
];

export function serviceOf(policy: EstatePolicy): string {
    return policy.name.split("-")[1] ?? "other";
}

export function kindOf(policy: EstatePolicy): "stack" | "resource" | "remediation" {
    if ("validateStack" in policy) {
        return "stack";
    }
    return policy.validateResource === undefined ? "remediation" : "resource";
}

export function remediates(policy: EstatePolicy): boolean {
    return "remediateResource" in policy && typeof policy.remediateResource === "function";
}

const KIND_LABELS = { stack: "stack", resource: "resource", remediation: "resource (remediation only)" } as const;

/** A schema's regular expression as code: in prose, `[a-z]([-a-z]*)` would be read as a Markdown link. */
function codePatterns(text: string): string {
    return text.replace(/matching (\S+)/g, "matching `$1`");
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function levelIn(policy: EstatePolicy, stack: StackPolicyConfig, packEnforcementLevel: EnforcementLevel): EnforcementLevel {
    return enforcementOf(policy, { config: stack.config, packEnforcementLevel });
}

function settingsIn(policy: EstatePolicy, stack: StackPolicyConfig): Record<string, unknown> {
    const entry = stack.config[policy.name];
    if (entry === undefined || typeof entry === "string") {
        return {};
    }
    return Object.fromEntries(Object.entries(entry as Record<string, unknown>).filter(([key]) => key !== "enforcementLevel"));
}

function equivalents(policy: EstatePolicy): string[] {
    return SCANNERS.flatMap(({ prefix, title, link }) => {
        const ids = policy.tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
        if (ids.length === 0) {
            return [];
        }
        return [`${title}: ${ids.map((id) => (link ? `[\`${id}\`](${link(id)})` : `\`${id}\``)).join(", ")}`];
    });
}

function typeOf(schema: PolicyConfigJSONSchema): string {
    return Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "any");
}

function configSection(policy: EstatePolicy, input: PolicyDocsInput): string[] {
    const properties = Object.entries(policy.configSchema?.properties ?? {});
    if (properties.length === 0) {
        return ["- **Config:** none."];
    }
    const required = policy.configSchema?.required ?? [];
    const lines = [
        "- **Config** (the policy's entry in `policies/config/<stack>.json`; validated against this schema, unknown properties rejected):",
        "",
        `  | property | type | allowed | default | ${input.stacks.map((s) => s.name).join(" | ")} | meaning |`,
        `  | --- | --- | --- | --- | ${input.stacks.map(() => "---").join(" | ")} | --- |`,
    ];
    for (const [name, schema] of properties) {
        const values = input.stacks.map((stack) => {
            const settings = settingsIn(policy, stack);
            return name in settings ? `\`${cell(JSON.stringify(settings[name]))}\`` : "not set";
        });
        const fallback = "default" in schema ? `\`${cell(JSON.stringify(schema.default))}\`` : required.includes(name) ? "required" : "none";
        lines.push(
            `  | \`${name}\` | ${typeOf(schema)} | ${cell(codePatterns(describeSchema(schema)))} | ${fallback} | ${values.join(" | ")} | ${cell(schema.description ?? "")} |`,
        );
    }
    return lines;
}

function policySection(policy: EstatePolicy, input: PolicyDocsInput): string[] {
    const levels = input.stacks.map((s) => `${s.name} \`${levelIn(policy, s, input.packEnforcementLevel)}\``).join(", ");
    const kind = kindOf(policy);
    const remediation = remediates(policy)
        ? "yes: at level `remediate` the engine applies the fix to the resource's inputs before validating (`check` reports it as \"would remediate\")."
        : "no.";
    const equivalent = equivalents(policy);
    return [
        `### \`${policy.name}\``,
        "",
        `- **Checks:** ${policy.checks}`,
        `- **Why:** ${policy.description}`,
        `- **How to fix:** ${policy.remediationSteps}`,
        `- **Severity:** ${policy.severity}. **Kind:** ${KIND_LABELS[kind]} policy.`,
        `- **Enforcement:** ${levels}.`,
        `- **Remediates:** ${remediation}`,
        `- **Equivalent rules:** ${equivalent.length > 0 ? `${equivalent.join("; ")}.` : "none known."}`,
        ...configSection(policy, input),
        "",
    ];
}

/** The whole of `docs/policies.md`. */
export function renderPolicyDocs(input: PolicyDocsInput): string {
    const services: string[] = [];
    for (const policy of input.policies) {
        if (!services.includes(serviceOf(policy))) {
            services.push(serviceOf(policy));
        }
    }
    const stackNames = input.stacks.map((s) => s.name);
    const lines = [
        "<!-- Generated by `npm run docs:policies` from the policies' metadata (policies/) and policies/config/*.json. Do not edit by hand. -->",
        "",
        `# The \`${input.packName}\` policy pack`,
        "",
        `${input.policies.length} policies. Enforcement per stack comes from ${input.stacks.map((s) => `\`${s.file}\``).join(" and ")}, the same file for`,
        "`pulumi preview --policy-pack policies --policy-pack-config <file>` and for the offline `npm run check -- --stack <stack>`.",
        "A policy a file does not name takes its `all` level, else the pack's default",
        `(\`${input.packEnforcementLevel}\`). Levels: \`advisory\` reports, \`mandatory\` fails the preview or update, \`remediate\` applies`,
        "the policy's fix first (remediations run before validations, in `pulumi preview` and `pulumi up` alike) and then",
        "validates as `mandatory` (a stack policy, which cannot remediate, is simply `mandatory`), `disabled` skips the policy.",
        "The config files are validated against each policy's schema before a check runs (see the Config entries below).",
        "",
        "## Index",
        "",
        `| policy | service | severity | kind | ${stackNames.join(" | ")} | remediates |`,
        `| --- | --- | --- | --- | ${stackNames.map(() => "---").join(" | ")} | --- |`,
        ...input.policies.map((p) => {
            const levels = input.stacks.map((s) => levelIn(p, s, input.packEnforcementLevel));
            return `| [\`${p.name}\`](#${p.name}) | ${serviceOf(p)} | ${p.severity} | ${KIND_LABELS[kindOf(p)]} | ${levels.join(" | ")} | ${remediates(p) ? "yes" : "no"} |`;
        }),
        "",
    ];
    for (const service of services) {
        lines.push(`## ${SERVICE_TITLES[service] ?? service}`, "");
        for (const policy of input.policies.filter((p) => serviceOf(p) === service)) {
            lines.push(...policySection(policy, input));
        }
    }
    return lines.join("\n").replace(/\n+$/, "\n");
}
