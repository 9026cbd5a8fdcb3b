/**
 * cert-manager ClusterIssuers of the estate, as plain specs: Let's Encrypt staging and production
 * (ACME HTTP-01 through the ingress class) and a local CA for clusters Let's Encrypt cannot reach.
 */
/** The ClusterIssuers an app Ingress can name; each is a ClusterIssuer of that name. */
export const ISSUER_NAMES = ["letsencrypt-staging", "letsencrypt-prod", "selfsigned"] as const;
export type IssuerName = (typeof ISSUER_NAMES)[number];

export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export type AcmeIssuerName = keyof typeof ACME_SERVERS;

/** The ClusterIssuer that signs the local CA's own certificate. */
export const LOCAL_CA_ROOT_ISSUER = "estate-selfsigned-root";
/** The Certificate, and its Secret, of the local CA (in cert-manager's namespace). */
export const LOCAL_CA_NAME = "estate-local-ca";

/**
 * An ACME ClusterIssuer answering HTTP-01 challenges through the ingress controller: cert-manager
 * creates a temporary Ingress of `ingressClassName` that routes the challenge path to a solver pod.
 */
export function acmeIssuerSpec(issuer: AcmeIssuerName, email: string, ingressClassName: string) {
    return {
        acme: {
            server: ACME_SERVERS[issuer],
            email,
            // The ACME account key lives in this Secret (in cert-manager's namespace).
            privateKeySecretRef: { name: `${issuer}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName } } }],
        },
    };
}

/** The bootstrap issuer: signs exactly one certificate, the local CA's. */
export function selfSignedRootSpec() {
    return { selfSigned: {} };
}

/** The local CA's certificate: ECDSA P-256, ten years, renewed a year before it expires. */
export function localCaCertificateSpec() {
    return {
        isCA: true,
        commonName: "estate local CA",
        secretName: LOCAL_CA_NAME,
        duration: "87600h",
        renewBefore: "8760h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        issuerRef: { name: LOCAL_CA_ROOT_ISSUER, kind: "ClusterIssuer", group: "cert-manager.io" },
    };
}

/** The `selfsigned` ClusterIssuer: certificates signed by the local CA, which clients can trust once. */
export function localCaIssuerSpec() {
    return { ca: { secretName: LOCAL_CA_NAME } };
}
