/**
 * `ExternalSecrets`: credentials that live and rotate in AWS Secrets Manager reach the cluster at
 * run time, never as a copy made at deploy time (docs/credentials.md).
 *
 * What it creates, with the given Kubernetes provider:
 * - the namespace `external-secrets` (restricted Pod Security, default-deny, DNS), and its
 *   NetworkPolicies: the API server may call the operator's validating webhook (10250); the pods
 *   reach the API server and, on 443, STS and Secrets Manager;
 * - the External Secrets Operator (`charts.externalSecrets`, CRDs included) and Stakater Reloader
 *   (`charts.reloader`), which rolls a Deployment when a Secret it names changes;
 * - AWS access limited to the given secrets: `secretsmanager:GetSecretValue` and `DescribeSecret`
 *   on their ARNs, `kms:Decrypt` on their keys through Secrets Manager only. With IRSA, a role that
 *   only the ServiceAccount `secrets-manager-reader` of this namespace can assume (the operator
 *   requests that account's tokens: `auth.jwt.serviceAccountRef`); without, an IAM user whose key
 *   sits in a Secret of this namespace (`auth.secretRef`);
 * - the ClusterSecretStore `aws-secrets-manager`, usable from the consumer namespaces only, created
 *   after the release: its CRD comes with the chart, and its admission goes through the webhook.
 *
 * `syncedSecret` then declares one ExternalSecret: a Kubernetes Secret built from the current value
 * of a rotating secret, refreshed every `refreshInterval`.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, type IrsaProvider } from "./irsa";
import type { RotatingSecret } from "../data/connection";
import { ArgChecker, withoutUndefined } from "../lib/args";
import { charts, releaseSource } from "../lib/charts";
import { ESTATE_LABELS, IAM_ROLE_ANNOTATION, NETWORK_FLOWS_OUTPUT, podSecurityLabels } from "./conventions";
import { API_SERVER_PORT, EXTERNAL_ADDRESSES, type DeclaredFlow, declaredFlows, dnsFlows, ipEndpoint, podEndpoint } from "./flows";
import { apiServerEgressRule, isolationPolicies, tcp } from "./network-policies";
import { requireKubernetesProvider } from "./provider";

/** The API version of ExternalSecret and ClusterSecretStore served by ESO 2.9 (v1beta1 is `served: false` there). */
export const EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1";
/** The ClusterSecretStore every synced secret reads through. */
export const SECRET_STORE_NAME = "aws-secrets-manager";
/** The ServiceAccount whose IRSA role the store assumes. */
export const SECRET_READER_SERVICE_ACCOUNT = "secrets-manager-reader";
/** The port of the operator's validating webhook (chart value `webhook.port`, default 10250). */
export const EXTERNAL_SECRETS_WEBHOOK_PORT = 10250;
/**
 * How often a synced Secret is read again from Secrets Manager. RDS rotates the master password
 * in place (the old one stops working), so this bounds how long consumers hold a stale password.
 * Each refresh is one `GetSecretValue` call per ExternalSecret: 12 an hour.
 */
export const DEFAULT_REFRESH_INTERVAL = "5m";

const RELEASES = { operator: "external-secrets", reloader: "reloader" } as const;

/** Where synced secrets come from: the store, and what must exist before an ExternalSecret can be admitted. */
export interface SecretStoreRef {
    kind: "ClusterSecretStore";
    name: pulumi.Output<string>;
    /** The operator's release (its CRDs and webhook) and the store. */
    ready: pulumi.Resource[];
}

export interface ExternalSecretsArgs {
    /** The Secrets Manager secrets the store may read (their ARNs). Required, at least one. */
    secretArns: pulumi.Input<string>[];
    /** The KMS keys of those secrets: `kms:Decrypt` through Secrets Manager on them only. Required, at least one. */
    kmsKeyArns: pulumi.Input<string>[];
    /** The secrets' AWS region (the store's `provider.aws.region`). Required. */
    region: string;
    /** The namespaces whose ExternalSecrets may use the store (its `conditions`). Required, at least one. */
    consumerNamespaces: pulumi.Input<string>[];
    /** IRSA: the cluster's IAM OIDC provider. Default: none, an IAM user whose access key is kept in a Secret of the namespace. */
    irsa?: IrsaProvider;
    /** The operator's namespace. Default: `external-secrets`. */
    namespace?: string;
    /** Replicas of the operator, its webhook and cert controller, and of Reloader (1-10). Default: 1. */
    replicas?: number;
    /** The Pod Security Standards version the namespace's labels pin. Default: `latest`. */
    podSecurityVersion?: string;
    /** Tags of the IAM role or user. Default: none. */
    tags?: Record<string, string>;
}

const defaults = {
    namespace: "external-secrets",
    replicas: 1,
    podSecurityVersion: "latest",
    tags: {} as Record<string, string>,
} satisfies Partial<ExternalSecretsArgs>;

const TYPE = "estate:k8s:ExternalSecrets";

export class ExternalSecrets extends pulumi.ComponentResource {
    /** The operator's namespace. */
    readonly namespace: pulumi.Output<string>;
    /** The ClusterSecretStore synced secrets read through (`syncedSecret`'s `store`). */
    readonly store: SecretStoreRef;
    /** The role the store assumes (IRSA), or the IAM user whose key it uses. */
    readonly iamRoleArn?: pulumi.Output<string>;
    /** The IAM user whose access key the store uses, without IRSA. */
    readonly iamUserName?: pulumi.Output<string>;
    /** The operator's release (it installs the CRDs). */
    readonly operator: k8s.helm.v3.Release;
    /** The network flows the operator and Reloader need (registered as the `networkFlows` output; see components/k8s/flows.ts). */
    readonly networkFlows: pulumi.Output<DeclaredFlow[]>;

    constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        requireKubernetesProvider(`ExternalSecrets ${JSON.stringify(name)}`, opts);
        const a = { ...defaults, ...withoutUndefined(args) };
        super(TYPE, name, {}, opts);
        const child = { parent: this };

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: a.namespace, labels: { ...ESTATE_LABELS, ...podSecurityLabels("restricted", a.podSecurityVersion) } } },
            child,
        );
        const namespace = ns.metadata.name;
        // The URN is known in a preview too: the flows' namespace never waits for the Namespace's outputs.
        const flowNamespace = ns.urn.apply(() => a.namespace);
        // Pod labels of the chart's workloads: `external-secrets.selectorLabels` and
        // `external-secrets-webhook.selectorLabels` in deploy/charts/external-secrets/templates/_helpers.tpl
        // (external-secrets/external-secrets, tag v2.9.0): name (-webhook) and the release as instance.
        const controllerPods = podEndpoint(flowNamespace, { "app.kubernetes.io/name": "external-secrets", "app.kubernetes.io/instance": RELEASES.operator });
        this.networkFlows = declaredFlows(`ExternalSecrets ${JSON.stringify(name)}`, [
            ...dnsFlows("external-secrets", podEndpoint(flowNamespace, {}), `Pods of the default-deny namespace '${a.namespace}'`),
            {
                name: "api-server-to-webhook",
                description: "The API server calls the External Secrets Operator's validating webhook for every ExternalSecret and SecretStore.",
                from: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                to: podEndpoint(flowNamespace, { "app.kubernetes.io/name": "external-secrets-webhook", "app.kubernetes.io/instance": RELEASES.operator }),
                port: EXTERNAL_SECRETS_WEBHOOK_PORT,
            },
            {
                name: "to-api-server",
                description: "The operator, its cert controller and Reloader watch and write Secrets, ExternalSecrets and Deployments through the API server.",
                from: podEndpoint(flowNamespace, {}),
                to: ipEndpoint(EXTERNAL_ADDRESSES.apiServer),
                port: API_SERVER_PORT,
            },
            {
                name: "controller-to-secrets-manager",
                description: "The operator's controller reads the rotating secrets from AWS Secrets Manager (and, with IRSA, exchanges its token at STS) over HTTPS.",
                from: controllerPods,
                to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                port: 443,
            },
        ]);
        const policy = (suffix: string, policyName: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(`${name}-${suffix}`, { metadata: { name: policyName, namespace, labels: ESTATE_LABELS }, spec }, child);
        for (const [policyRole, policyName, spec] of isolationPolicies()) {
            policy(policyRole, policyName, spec);
        }
        policy("webhook", "allow-webhook", {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "external-secrets-webhook", "app.kubernetes.io/instance": RELEASES.operator } },
            policyTypes: ["Ingress"],
            // From the API server, whose address the pod network does not know: any source, this port only.
            ingress: [{ ports: tcp(EXTERNAL_SECRETS_WEBHOOK_PORT) }],
        });
        policy("egress", "allow-api-and-aws", {
            podSelector: {},
            policyTypes: ["Egress"],
            // The API server (443/6443); STS and Secrets Manager (443).
            egress: [apiServerEgressRule()],
        });

        // AWS access: read these secrets, decrypt with their keys through Secrets Manager, nothing else.
        const readPolicy = pulumi.jsonStringify(secretReaderPolicy({ secretArns: a.secretArns, kmsKeyArns: a.kmsKeyArns, region: a.region }));
        let auth: Record<string, unknown>;
        if (a.irsa) {
            const role = new aws.iam.Role(
                `${name}-role`,
                {
                    description: `estate External Secrets Operator: ServiceAccount ${a.namespace}/${SECRET_READER_SERVICE_ACCOUNT} reads the rotating database secrets (IRSA)`,
                    assumeRolePolicy: pulumi.jsonStringify(irsaTrustPolicy({ ...a.irsa, namespace: a.namespace, serviceAccount: SECRET_READER_SERVICE_ACCOUNT })),
                    tags: a.tags,
                },
                child,
            );
            new aws.iam.RolePolicy(`${name}-role-policy`, { role: role.id, policy: readPolicy }, child);
            new k8s.core.v1.ServiceAccount(
                `${name}-reader`,
                {
                    metadata: { name: SECRET_READER_SERVICE_ACCOUNT, namespace, labels: ESTATE_LABELS, annotations: { [IAM_ROLE_ANNOTATION]: role.arn } },
                    // No pod runs as this account: the operator requests its tokens (TokenRequest) for STS.
                    automountServiceAccountToken: false,
                },
                child,
            );
            this.iamRoleArn = role.arn;
            auth = { jwt: { serviceAccountRef: { name: SECRET_READER_SERVICE_ACCOUNT, namespace: a.namespace } } };
        } else {
            const user = new aws.iam.User(`${name}-user`, { path: "/estate/", tags: { ...a.tags, "estate:purpose": "External Secrets Operator: reads the rotating database secrets" } }, child);
            new aws.iam.UserPolicy(`${name}-user-policy`, { user: user.name, policy: readPolicy }, child);
            const key = new aws.iam.AccessKey(`${name}-user-key`, { user: user.name }, child);
            const keySecret = new k8s.core.v1.Secret(
                `${name}-aws-key`,
                {
                    metadata: { name: "aws-secrets-manager-key", namespace, labels: ESTATE_LABELS },
                    type: "Opaque",
                    stringData: { "access-key-id": pulumi.secret(key.id), "secret-access-key": key.secret },
                },
                child,
            );
            this.iamUserName = user.name;
            const ref = (k: string) => ({ name: keySecret.metadata.name, key: k, namespace: a.namespace });
            auth = { secretRef: { accessKeyIDSecretRef: ref("access-key-id"), secretAccessKeySecretRef: ref("secret-access-key") } };
        }

        // The operator: CRDs with the chart; done only when its controller, webhook and cert controller are
        // ready (the cert controller is ready once it has injected the webhook's CA bundle).
        const release = (key: "externalSecrets" | "reloader", releaseName: string, values: Record<string, unknown>) =>
            new k8s.helm.v3.Release(
                `${name}-${releaseName}`,
                {
                    ...releaseSource(charts[key]),
                    name: releaseName,
                    namespace,
                    values,
                    skipAwait: false,
                    atomic: true,
                    cleanupOnFail: true,
                    timeout: 600,
                    maxHistory: 10,
                },
                child,
            );
        const operator = release("externalSecrets", RELEASES.operator, externalSecretsValues(a.replicas));
        release("reloader", RELEASES.reloader, reloaderValues());

        const store = new k8s.apiextensions.CustomResource(
            `${name}-store`,
            {
                apiVersion: EXTERNAL_SECRETS_API_VERSION,
                kind: "ClusterSecretStore",
                metadata: { name: SECRET_STORE_NAME, labels: ESTATE_LABELS },
                spec: {
                    provider: { aws: { service: "SecretsManager", region: a.region, auth } },
                    // Only ExternalSecrets of these namespaces may read through the store.
                    conditions: [{ namespaces: a.consumerNamespaces }],
                },
            },
            { parent: this, dependsOn: [operator] },
        );

        this.namespace = namespace;
        this.operator = operator;
        this.store = { kind: "ClusterSecretStore", name: store.metadata.name, ready: [operator, store] };
        this.registerOutputs({
            namespace: this.namespace,
            store: this.store.name,
            iamRoleArn: this.iamRoleArn,
            iamUserName: this.iamUserName,
            [NETWORK_FLOWS_OUTPUT]: this.networkFlows,
        });
    }
}

/** Values of the External Secrets Operator chart (keys checked against its values.yaml at helm-chart-2.9.0). */
export function externalSecretsValues(replicas: number) {
    const resources = { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } };
    return {
        installCRDs: true,
        replicaCount: replicas,
        // Several controllers (and cert controllers) must elect one leader, or they all reconcile.
        leaderElect: replicas > 1,
        // Only what the estate uses is processed; the chart still installs every CRD.
        processPushSecret: false,
        processClusterPushSecret: false,
        resources,
        webhook: { replicaCount: replicas, resources },
        certController: { replicaCount: replicas, resources },
    };
}

/** Values of the Reloader chart (keys checked against its values.yaml at chart-v2.2.16). */
export function reloaderValues() {
    return {
        reloader: {
            // An annotation on the pod template instead of an env var in the containers: Pulumi owns the
            // containers, and a rollout must not leave a diff behind (the strategy upstream recommends for GitOps).
            reloadStrategy: "annotations",
            // Only Secrets: the estate's ConfigMaps change with `pulumi up`, which rolls the pods itself.
            ignoreConfigMaps: true,
            readOnlyRootFileSystem: true,
            deployment: {
                containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
                resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
            },
        },
    };
}

/**
 * What the store's identity may do: read the given secrets (the two calls the operator makes for a
 * `remoteRef`), and decrypt with their keys only when Secrets Manager asks on its behalf.
 */
export function secretReaderPolicy(p: { secretArns: pulumi.Input<string>[]; kmsKeyArns: pulumi.Input<string>[]; region: string }) {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadRotatingSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: p.secretArns },
            {
                Sid: "DecryptThroughSecretsManager",
                Effect: "Allow",
                Action: "kms:Decrypt",
                Resource: p.kmsKeyArns,
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${p.region}.amazonaws.com` } },
            },
        ],
    };
}

export interface SyncedSecretArgs {
    /** The namespace of the ExternalSecret and of the Secret it writes. Required. */
    namespace: pulumi.Input<string>;
    /** The Kubernetes Secret the operator creates and owns. Required. */
    secretName: string;
    /** The store (`ExternalSecrets.store`). Required. */
    store: SecretStoreRef;
    /** The rotating secret to read. Required. */
    source: RotatingSecret;
    /**
     * The Secret's keys, each a Go template (ESO template engine v2) over the source's user and
     * password properties, such as `{{ .password }}`. Required.
     */
    template: Record<string, pulumi.Input<string>>;
    /** How often the value is read again. Default: `DEFAULT_REFRESH_INTERVAL`. */
    refreshInterval?: string;
}

/**
 * An ExternalSecret: the operator reads the source's user and password properties every
 * `refreshInterval` and (re)writes the Secret from `template`; only the template's keys are in
 * it. Created after the operator and the store (CRD and webhook).
 */
export function syncedSecret(name: string, args: SyncedSecretArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    const check = new ArgChecker(`syncedSecret "${name}"`);
    check.matches("secretName", args.secretName, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a lower-case DNS label");
    check.matches("refreshInterval", args.refreshInterval, /^([0-9]+(s|m|h))+$/, "a Go duration of at least a second such as 5m or 1h");
    if (Object.keys(args.template).length === 0) {
        check.fail("template", "must name at least one key of the Secret");
    }
    const s = args.source;
    const property = (p: string) => ({ secretKey: p, remoteRef: { key: s.secretArn, property: p } });
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: EXTERNAL_SECRETS_API_VERSION,
            kind: "ExternalSecret",
            metadata: { name: args.secretName, namespace: args.namespace, labels: ESTATE_LABELS },
            spec: {
                refreshInterval: args.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
                refreshPolicy: "Periodic",
                secretStoreRef: { kind: args.store.kind, name: args.store.name },
                target: {
                    name: args.secretName,
                    creationPolicy: "Owner",
                    deletionPolicy: "Retain",
                    template: { engineVersion: "v2", type: "Opaque", metadata: { labels: ESTATE_LABELS }, data: args.template },
                },
                data: [property(s.usernameProperty), property(s.passwordProperty)],
            },
        },
        { ...opts, dependsOn: args.store.ready },
    );
}

function validate(name: string, args: ExternalSecretsArgs): void {
    const check = new ArgChecker(`ExternalSecrets "${name}"`);
    for (const key of ["secretArns", "kmsKeyArns", "consumerNamespaces"] as const) {
        if (!Array.isArray(args[key]) || args[key].length === 0) {
            check.fail(key, "must list at least one");
        }
    }
    args.kmsKeyArns.forEach((k, i) => check.kmsKeyArn(`kmsKeyArns[${i}]`, k));
    // A plain string is checked here; an Output (the usual case) is checked by IAM.
    args.secretArns.forEach((arn, i) => {
        if (typeof arn === "string") {
            check.matches(`secretArns[${i}]`, arn, /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^*?\s]+$/, "a Secrets Manager secret ARN (never a wildcard)");
        }
    });
    check.required("region", args.region, "the secrets' AWS region, such as eu-west-1");
    check.matches("region", args.region, /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1");
    check.matches("namespace", args.namespace, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a lower-case DNS label");
    check.int("replicas", args.replicas, 1, 10);
    check.matches("podSecurityVersion", args.podSecurityVersion, /^(latest|v1\.\d{1,3})$/, "latest or a Kubernetes minor version such as v1.33");
}
