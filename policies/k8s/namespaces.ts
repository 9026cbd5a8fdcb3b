/**
 * Namespaces: Pod Security Admission labels on every one, so the API server itself refuses pods
 * that do not meet the restricted profile, including pods the pack never sees (those a Helm chart
 * or an operator creates); and, as a convention only, the estate's ownership label on the estate's
 * own namespaces.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { K8S, describeObject, metadataOf, validateType } from "../lib/k8s";
import { type EstateResourcePolicy, kyverno } from "../lib/policy";

export interface NamespacePodSecurityConfig {
    /** Namespaces allowed to enforce less than restricted (a node exporter's, say); audit and warn stay restricted. */
    relaxed?: string[];
}

const PSA = "pod-security.kubernetes.io";
const LEVELS = ["privileged", "baseline", "restricted"];
const VERSION = /^(latest|v1\.\d+)$/;

export const k8sNamespacePodSecurity: EstateResourcePolicy = {
    name: "estate-k8s-namespace-pod-security",
    checks:
        "Every Namespace enforces the restricted Pod Security level (unless listed in relaxed) with an enforce-version of latest or v1.<minor>, and audits and warns at restricted.",
    description:
        "Every namespace must carry Pod Security Admission labels that enforce the restricted profile (audit and warn too): " +
        "the API server then refuses privileged or root pods there, whoever creates them.",
    remediationSteps:
        "Label the namespace `pod-security.kubernetes.io/enforce: restricted`, " +
        "`pod-security.kubernetes.io/enforce-version: latest` (or v1.<minor>), and `audit`/`warn` restricted (estate Platform " +
        "does). A namespace that must enforce less is listed in the policy config's `relaxed`.",
    severity: "high",
    tags: ["k8s", "pod-security", kyverno("add-psa-labels")],
    configSchema: {
        properties: {
            relaxed: { type: "array", items: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" }, description: "Namespaces allowed to enforce baseline or privileged." },
        },
    },
    validateResource: validateType(K8S.namespace, (args: ResourceValidationArgs, report: ReportViolation) => {
        const where = describeObject(args.type, args.props, args.name);
        const metadata = metadataOf(args.props);
        const labels = metadata.labels ?? {};
        const relaxed = (args.getConfig<NamespacePodSecurityConfig>().relaxed ?? []).includes(metadata.name ?? args.name);
        const enforce = labels[`${PSA}/enforce`];
        if (enforce === undefined) {
            report(`${where} has no ${PSA}/enforce label: the API server admits any pod there.`);
        } else if (!LEVELS.includes(enforce)) {
            report(`${where} sets ${PSA}/enforce to ${JSON.stringify(enforce)}, which is not a Pod Security level (${LEVELS.join(", ")}).`);
        } else if (enforce !== "restricted" && !relaxed) {
            report(`${where} enforces ${JSON.stringify(enforce)}; it must enforce restricted (or be listed in the policy config's relaxed).`);
        }
        const version = labels[`${PSA}/enforce-version`];
        if (version === undefined || !VERSION.test(version)) {
            report(`${where} ${version === undefined ? "has no" : `sets an invalid (${JSON.stringify(version)})`} ${PSA}/enforce-version label (latest or v1.<minor>).`);
        }
        for (const mode of ["audit", "warn"]) {
            if (labels[`${PSA}/${mode}`] !== "restricted") {
                report(`${where} does not ${mode} at the restricted level (${PSA}/${mode}: restricted).`);
            }
        }
    }),
};

/** The label, and its value, that marks what the estate owns (components/k8s/conventions.ts `ESTATE_LABELS`). */
export const PART_OF = "app.kubernetes.io/part-of";
const ESTATE = "estate";

/**
 * Whether a resource was registered by an estate component: its URN's type chain
 * (`urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`) names an `estate:` type
 * among its parents, e.g. `estate:k8s:Platform$kubernetes:core/v1:Namespace`.
 */
export function registeredByEstate(urn: string): boolean {
    const typeChain = urn.split("::")[2] ?? "";
    return typeChain.split("$").slice(0, -1).some((type) => type.startsWith("estate:"));
}

export const k8sNamespaceOwnership: EstateResourcePolicy = {
    name: "estate-k8s-namespace-ownership",
    checks:
        "Every Namespace an estate component registers (an estate: type in its URN's parent chain) is labelled app.kubernetes.io/part-of: estate; other programs' namespaces are not checked.",
    description:
        "The estate's own namespaces are labelled app.kubernetes.io/part-of: estate, the recommended label of the application " +
        "a resource belongs to, so that people, dashboards and `kubectl get ns -l` tell them from namespaces other teams create. " +
        "A convention, not a security control.",
    remediationSteps: "Add `app.kubernetes.io/part-of: estate` to the namespace's labels (components/k8s/conventions.ts ESTATE_LABELS).",
    severity: "low",
    tags: ["k8s", "conventions"],
    validateResource: validateType(K8S.namespace, (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!registeredByEstate(args.urn)) {
            args.notApplicable("The namespace is not registered by an estate component.");
        }
        const labels = metadataOf(args.props).labels ?? {};
        if (labels[PART_OF] !== ESTATE) {
            const value = labels[PART_OF];
            report(
                `${describeObject(args.type, args.props, args.name)} ${value === undefined ? "is not labelled" : `is labelled ${PART_OF}: ${JSON.stringify(value)}, not`} ${PART_OF}: ${ESTATE}.`,
            );
        }
    }),
};

export const k8sNamespacePolicies = [k8sNamespacePodSecurity, k8sNamespaceOwnership];
