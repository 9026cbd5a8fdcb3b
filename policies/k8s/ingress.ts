/** Ingresses: HTTPS for every host, with a certificate cert-manager issues and renews. */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { asList, isRecord } from "../lib/iam";
import { TYPES, describeObject, metadataOf, validateType } from "../lib/k8s";
import type { EstateResourcePolicy } from "../lib/policy";

/** The annotations cert-manager's ingress-shim reads to issue an Ingress's certificates. */
export const ISSUER_ANNOTATIONS = ["cert-manager.io/cluster-issuer", "cert-manager.io/issuer"] as const;

/** Whether a TLS host entry covers a rule's host (`*.example.com` covers one label). */
function covers(tlsHost: string, host: string): boolean {
    if (tlsHost === host) {
        return true;
    }
    return tlsHost.startsWith("*.") && host.endsWith(tlsHost.slice(1)) && !host.slice(0, -tlsHost.length + 1).includes(".");
}

export const k8sIngressTls: EstateResourcePolicy = {
    name: "estate-k8s-ingress-tls",
    checks:
        "Every Ingress has spec.tls entries with a secretName covering a host on every rule, and a cert-manager.io/cluster-issuer or cert-manager.io/issuer annotation.",
    description:
        "Every Ingress must serve all its hosts over TLS with a certificate from cert-manager (the cert-manager.io/cluster-issuer " +
        "or cert-manager.io/issuer annotation): plain HTTP exposes sessions and credentials, and certificates that nobody " +
        "renews expire in production.",
    remediationSteps:
        "Give the Ingress `spec.tls: [{ hosts: [<every rule host>], secretName: \"<name>-tls\" }]`, a host on every rule, and the " +
        "annotation `cert-manager.io/cluster-issuer: <issuer>` (the platform's issuers: letsencrypt-prod, letsencrypt-staging, selfsigned).",
    severity: "high",
    tags: ["k8s", "ingress"],
    validateResource: validateType(TYPES.Ingress, (args: ResourceValidationArgs, report: ReportViolation) => {
        const where = describeObject(args.type, args.props, args.name);
        const spec = isRecord(args.props.spec) ? args.props.spec : {};
        const tls = asList(spec.tls).filter(isRecord);
        if (tls.length === 0) {
            report(`${where} has no spec.tls: its hosts are served over plain HTTP.`);
        }
        tls.forEach((entry, i) => {
            if (typeof entry.secretName !== "string" || entry.secretName === "") {
                report(`${where}: spec.tls[${i}] has no secretName for cert-manager to store the certificate in.`);
            }
        });
        const tlsHosts = tls.flatMap((entry) => asList(entry.hosts)).filter((h): h is string => typeof h === "string");
        asList(spec.rules)
            .filter(isRecord)
            .forEach((rule, i) => {
                if (typeof rule.host !== "string" || rule.host === "") {
                    report(`${where}: spec.rules[${i}] has no host, so no certificate can cover it.`);
                } else if (tls.length > 0 && !tlsHosts.some((h) => covers(h, rule.host as string))) {
                    report(`${where}: host ${JSON.stringify(rule.host)} is not in spec.tls[].hosts.`);
                }
            });
        const annotations = metadataOf(args.props).annotations ?? {};
        const issuer = ISSUER_ANNOTATIONS.map((key) => annotations[key]).find((v) => typeof v === "string" && v !== "");
        if (issuer === undefined) {
            report(`${where} names no cert-manager issuer (annotation ${ISSUER_ANNOTATIONS.join(" or ")}).`);
        }
    }),
};

export const k8sIngressPolicies = [k8sIngressTls];
