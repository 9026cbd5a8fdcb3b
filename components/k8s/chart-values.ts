/**
 * Typed values for the platform's Helm charts: only the keys the estate sets, each checked against
 * the pinned chart's `values.yaml` (`components/lib/charts.ts`). Everything else keeps the chart's
 * default. Both charts already run restricted-compliant pods by default; the estate states the
 * security contexts explicitly so a chart upgrade cannot silently loosen them.
 */

/** Requests and a memory limit, the estate's rule for every container. */
export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits: { memory: string };
}

export interface PodSecurityContextValues {
    runAsNonRoot: true;
    runAsUser?: number;
    runAsGroup?: number;
    seccompProfile: { type: "RuntimeDefault" };
}

export interface ContainerSecurityContextValues {
    allowPrivilegeEscalation: false;
    readOnlyRootFilesystem: true;
    capabilities: { drop: ["ALL"] };
}

const restrictedPod: PodSecurityContextValues = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
const restrictedContainer: ContainerSecurityContextValues = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

// ------------------------------------------------------------------------------------------------
// cert-manager (jetstack/cert-manager)
// ------------------------------------------------------------------------------------------------

/** Helm hook annotations of the startupapicheck Job and of the RBAC it needs. */
interface HookAnnotations {
    "helm.sh/hook": string;
    "helm.sh/hook-weight": string;
    "helm.sh/hook-delete-policy": string;
}

interface CertManagerComponentValues {
    replicaCount: number;
    resources: ContainerResources;
    securityContext: PodSecurityContextValues;
    containerSecurityContext: ContainerSecurityContextValues;
    podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
}

export interface CertManagerValues extends CertManagerComponentValues {
    /** Install the CRDs with the release (templates, so they are upgraded too) and keep them on uninstall. */
    crds: { enabled: true; keep: true };
    webhook: CertManagerComponentValues;
    cainjector: CertManagerComponentValues;
    startupapicheck: {
        enabled: true;
        /** How long `cmctl check api --wait` waits for the webhook to serve. */
        timeout: string;
        resources: ContainerResources;
        securityContext: PodSecurityContextValues;
        containerSecurityContext: ContainerSecurityContextValues;
        jobAnnotations: HookAnnotations;
        rbac: { annotations: HookAnnotations };
        serviceAccount: { annotations: HookAnnotations };
    };
}

/** The cert-manager webhook's HTTPS port (the chart's `webhook.securePort`), which the API server calls. */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;

/** The cert-manager controller's metrics port (certificate expiry and readiness series). */
export const CERT_MANAGER_METRICS_PORT = 9402;
/** The name of that port on the controller's Service (cert-manager 1.21 renamed it from `tcp-prometheus-servicemonitor`). */
export const CERT_MANAGER_METRICS_PORT_NAME = "http-metrics";
/** The labels of the controller's Service and pods (release `cert-manager`). */
export const CERT_MANAGER_SERVICE_LABELS = {
    "app.kubernetes.io/name": "cert-manager",
    "app.kubernetes.io/instance": "cert-manager",
    "app.kubernetes.io/component": "controller",
} as const;
/**
 * The labels of the webhook's pods (release `cert-manager`): the chart's webhook-deployment.yaml
 * template labels (`app` and `app.kubernetes.io/name` are `webhook`; cert-manager/cert-manager
 * deploy/charts/cert-manager/templates/webhook-deployment.yaml). Its `https` container port is
 * `webhook.securePort`.
 */
export const CERT_MANAGER_WEBHOOK_POD_LABELS = {
    app: "webhook",
    "app.kubernetes.io/name": "webhook",
    "app.kubernetes.io/instance": "cert-manager",
    "app.kubernetes.io/component": "webhook",
} as const;

/**
 * cert-manager's values. The startupapicheck Job (`cmctl check api --wait`) is a Helm hook: Helm
 * waits for it before it reports the release deployed, and it succeeds only once the webhook
 * answers a dry-run Certificate. The chart runs it after install only; here it also runs after
 * every upgrade (with the RBAC and service account it uses), so a release update never finishes
 * while the webhook is restarting either.
 */
export function certManagerValues(opts: { replicas: number }): CertManagerValues {
    const hook = (weight: string): HookAnnotations => ({
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-weight": weight,
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    const component = (cpu: string, memory: string, memoryLimit: string): CertManagerComponentValues => ({
        replicaCount: opts.replicas,
        resources: { requests: { cpu, memory }, limits: { memory: memoryLimit } },
        securityContext: restrictedPod,
        containerSecurityContext: restrictedContainer,
        // maxUnavailable 1 always leaves room for a node drain, even with one replica.
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    });
    return {
        crds: { enabled: true, keep: true },
        ...component("20m", "96Mi", "256Mi"),
        webhook: component("10m", "48Mi", "128Mi"),
        cainjector: component("10m", "96Mi", "256Mi"),
        startupapicheck: {
            enabled: true,
            timeout: "5m",
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
            securityContext: restrictedPod,
            containerSecurityContext: restrictedContainer,
            jobAnnotations: hook("1"),
            rbac: { annotations: hook("-5") },
            serviceAccount: { annotations: hook("-5") },
        },
    };
}

// ------------------------------------------------------------------------------------------------
// Traefik (traefik/traefik)
// ------------------------------------------------------------------------------------------------

export interface TraefikValues {
    deployment: { replicas: number };
    ingressClass: { enabled: true; isDefaultClass: boolean; name: string };
    providers: {
        /** Traefik's own CRDs (IngressRoute, ...) are not used: apps use standard Ingresses. */
        kubernetesCRD: { enabled: false };
        kubernetesIngress: { enabled: true; publishedService: { enabled: true } };
    };
    ports: {
        web: { redirections: { entryPoint: { to: "websecure"; scheme: "https"; permanent: true } } };
        /** The metrics entry point stays off the LoadBalancer Service: only Prometheus reads it, in the cluster. */
        metrics: { port: number; expose: { default: false } };
    };
    /** Prometheus metrics on the `metrics` entry point (see `traefikValues`). */
    metrics: {
        prometheus: {
            entryPoint: "metrics";
            addEntryPointsLabels: true;
            addRoutersLabels: false;
            addServicesLabels: true;
            /** Histogram bucket bounds in seconds, comma-separated (the chart's `buckets` is a string). */
            buckets: string;
        };
    };
    service: {
        /** The estate's one LoadBalancer Service (policy estate-k8s-single-load-balancer). */
        type: "LoadBalancer";
        annotations: Record<string, string>;
    };
    api: { dashboard: false };
    logs: { general: { format: "json" }; access: { enabled: true; format: "json" } };
    resources: ContainerResources;
    podSecurityContext: Required<PodSecurityContextValues>;
    securityContext: ContainerSecurityContextValues;
    podDisruptionBudget: { enabled: true; maxUnavailable: number };
    topologySpreadConstraints: {
        maxSkew: number;
        topologyKey: string;
        whenUnsatisfiable: "ScheduleAnyway";
        labelSelector: { matchLabels: Record<string, string> };
    }[];
}

/** Container ports of Traefik's entry points (the chart's `ports.<name>.port`). */
export const TRAEFIK_PORTS = { web: 8000, websecure: 8443, metrics: 9100 } as const;

/**
 * The name of the metrics container port: the chart names each container port after its key in
 * `ports`, lower-cased and cut to 15 characters (traefik/traefik-helm-chart v37.3.0,
 * traefik/templates/_podtemplate.tpl `name: {{ include "traefik.portname" $name }}`, and
 * _helpers.tpl `traefik.portname`).
 */
export const TRAEFIK_METRICS_PORT_NAME = "metrics";

/**
 * The bounds of Traefik's request-duration histograms, in seconds. Traefik's default is
 * 0.1, 0.3, 1.2, 5 (traefik/traefik v3.6.0, pkg/observability/types/metrics.go
 * `Prometheus.SetDefaults`): too coarse for a p95 against a 0.5 s threshold. These bounds hold
 * both profiles' `latencyP95Seconds` (0.5 and 2; a test keeps it so), so the p95 the edge alerts
 * compare is exact where it crosses the threshold.
 */
export const TRAEFIK_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] as const;

/**
 * The `service` label Traefik's `traefik_service_*` series carry for the Ingress backend
 * `<service>` port `<portName>` in `<namespace>`: the Kubernetes Ingress provider names the
 * service `provider.Normalize(namespace + "-" + service + "-" + portName)` (traefik/traefik v3.6.0,
 * pkg/provider/kubernetes/ingress/kubernetes.go), where Normalize joins the runs of letters and
 * digits with "-" (pkg/provider/configuration.go); the aggregator then qualifies it with its
 * provider's name, `<name>@kubernetes` (pkg/server/aggregator.go, pkg/server/provider/provider.go
 * `MakeQualifiedName`), and that qualified name is the metrics label (pkg/server/service/service.go
 * `ServiceMetricsHandler(..., qualifiedSvcName)`).
 */
export function traefikServiceName(namespace: string, service: string, portName: string): string {
    const normalized = `${namespace}-${service}-${portName}`
        .split(/[^\p{L}\p{N}]+/u)
        .filter((part) => part.length > 0)
        .join("-");
    return `${normalized}@kubernetes`;
}

/** The label every Traefik pod of the chart carries. */
export const TRAEFIK_POD_LABELS = { "app.kubernetes.io/name": "traefik" } as const;

/**
 * Traefik's values: the Ingress provider only, plain HTTP redirected to HTTPS (Let's Encrypt
 * follows the redirect during HTTP-01 challenges), JSON access logs, no dashboard, spread across
 * zones, a disruption budget that leaves room for a drain.
 */
export function traefikValues(opts: { replicas: number; ingressClass: string; loadBalancerAnnotations: Record<string, string> }): TraefikValues {
    return {
        deployment: { replicas: opts.replicas },
        ingressClass: { enabled: true, isDefaultClass: false, name: opts.ingressClass },
        providers: {
            kubernetesCRD: { enabled: false },
            kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
        },
        ports: {
            web: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
            // Stated so a chart upgrade cannot put the metrics on the load balancer (the chart's default is
            // `expose.default: false` too, values.yaml `ports.metrics` at v37.3.0).
            metrics: { port: TRAEFIK_PORTS.metrics, expose: { default: false } },
        },
        // Request counts and latency per entry point and per service (the edge view of every app; the
        // chart enables Prometheus on the `metrics` entry point by default, values.yaml `metrics.prometheus`
        // at v37.3.0). Router labels stay off: one router per Ingress rule adds series, not insight.
        metrics: {
            prometheus: {
                entryPoint: "metrics",
                addEntryPointsLabels: true,
                addRoutersLabels: false,
                addServicesLabels: true,
                buckets: TRAEFIK_LATENCY_BUCKETS.join(","),
            },
        },
        service: { type: "LoadBalancer", annotations: opts.loadBalancerAnnotations },
        api: { dashboard: false },
        logs: { general: { format: "json" }, access: { enabled: true, format: "json" } },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        // The chart's image runs as 65532; stated here so the restricted profile holds on its own.
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: restrictedContainer,
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { ...TRAEFIK_POD_LABELS } },
            },
        ],
    };
}
