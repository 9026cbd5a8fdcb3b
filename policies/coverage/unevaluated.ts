/**
 * Coverage: nothing passes in silence. A resource whose contents no policy could see (a Helm
 * release, a chart or kustomization nobody rendered, a multi-language component whose children a
 * provider plugin creates, a resource built from a data source the offline check could not answer)
 * is reported, so a stack that must be checked (prod) fails instead of passing blind. A reviewed
 * exception is listed, with its reason, in the policy config's `accepted`.
 */
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import type { EstateStackPolicy } from "../lib/policy";
import { label } from "../lib/stack";
import { unevaluatedReason } from "../lib/unevaluated";

export interface AcceptedUnevaluated {
    /** `<type>::<name>`, as in the resource's URN: `kubernetes:helm.sh/v3:Release::platform-traefik`. */
    resource: string;
    /** Why it is acceptable that no policy sees its contents (who reviewed what, where it is tested). */
    reason: string;
}

export interface UnevaluatedConfig {
    accepted?: AcceptedUnevaluated[];
}

/** `<type>::<name>` of a resource, the key `accepted` entries use. */
export function acceptanceKey(r: { type: string; name: string }): string {
    return `${r.type}::${r.name}`;
}

export const unevaluatedContent: EstateStackPolicy = {
    name: "estate-unevaluated-content",
    checks:
        "No resource's contents went unseen by the pack: Helm v3 Releases, Helm/kustomize/YAML components with no object rendered, " +
        "multi-language components whose children were not created (offline), and resources built from a data source the offline check " +
        "could not answer, unless listed in accepted with a reason.",
    description:
        "A resource whose contents no policy could see passes every rule by default. Listing it is the difference between " +
        "\"checked and clean\" and \"not checked\"; where the stack must be checked (prod), an unseen resource fails the check.",
    remediationSteps:
        "Prefer forms the policies see: a Helm v4 Chart or v3 Chart (its objects become resources in a real preview), local YAML, " +
        "plain resources instead of a multi-language component. Where that is not possible, review the content (pin the chart, test " +
        "its values) and list the resource in this policy's config: accepted: [{ resource: \"<type>::<name>\", reason: \"...\" }].",
    severity: "medium",
    tags: ["unevaluated", "coverage"],
    configSchema: {
        properties: {
            accepted: {
                type: "array",
                description: "Resources whose unseen contents were reviewed: <type>::<name>, and why.",
                items: {
                    type: "object",
                    properties: {
                        resource: { type: "string", pattern: "^[^:]+:[^:]*:[^:]+::.+$" },
                        reason: { type: "string", minLength: 10 },
                    },
                    required: ["resource", "reason"],
                    additionalProperties: false,
                },
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const accepted = new Set((args.getConfig<UnevaluatedConfig>().accepted ?? []).map((a) => a.resource));
        const children = new Map<string, number>();
        for (const r of args.resources) {
            if (r.parent) {
                children.set(r.parent.urn, (children.get(r.parent.urn) ?? 0) + 1);
            }
        }
        for (const r of args.resources) {
            const reason = unevaluatedReason({ type: r.type, props: r.props, children: children.get(r.urn) ?? 0 });
            if (reason && !accepted.has(acceptanceKey(r))) {
                report(
                    `${label(r)} was not evaluated by any policy: ${reason}. Review it and list "${acceptanceKey(r)}" with a reason in this policy's accepted config, or use a form the policies see.`,
                    r.urn,
                );
            }
        }
    },
};

export const coveragePolicies = [unevaluatedContent];
