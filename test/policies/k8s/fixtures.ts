/**
 * Kubernetes objects for policy tests, shaped as the engine receives them: a compliant workload
 * (restricted pod, resources, probes, pinned image) that each case changes in one place.
 */
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { fakeResource } from "../../../scripts/engine/policy-harness";

export const K = {
    namespace: "kubernetes:core/v1:Namespace",
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    configMap: "kubernetes:core/v1:ConfigMap",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    hpaV1: "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    release: "kubernetes:helm.sh/v3:Release",
    chart: "kubernetes:helm.sh/v4:Chart",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
} as const;

/** Loosely typed: each case changes a field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const SELECTOR = { "app.kubernetes.io/name": "web" };

export function container(name = "web"): Json {
    return {
        name,
        image: "ghcr.io/acme/shop-web:1.4.2",
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "512Mi" } },
        readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
    };
}

export function podSpec(): Json {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container()],
        volumes: [{ name: "tmp", emptyDir: {} }],
    };
}

/** A Deployment `apps/web`; `change` edits its props (the pod spec is at spec.template.spec). */
export function deployment(change: (props: Json) => void = () => undefined, name = "web", type: string = K.deployment): RecordedResource {
    const [, version = "", kind = ""] = type.split(":");
    const props: Json = {
        apiVersion: version.replace(/^core\//, ""),
        kind,
        metadata: { name, namespace: "apps" },
        spec: { selector: { matchLabels: SELECTOR }, template: { metadata: { labels: { ...SELECTOR, tier: "frontend" } }, spec: podSpec() } },
    };
    change(props);
    return fakeResource({ type, name: `${name}-deployment`, props });
}

/** A CronJob `apps/report` (of `type`, any API version) with the compliant pod spec; `change` edits its props. */
export function cronJob(change: (props: Json) => void = () => undefined, type: string = K.cronJob): RecordedResource {
    const props: Json = {
        apiVersion: type.split(":")[1],
        kind: "CronJob",
        metadata: { name: "report", namespace: "apps" },
        spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: "OnFailure" } } } } },
    };
    change(props);
    return fakeResource({ type, name: "report-cronjob", props });
}

export function hpa(change: (props: Json) => void = () => undefined, name = "web", type: string = K.hpa): RecordedResource {
    const props: Json = {
        metadata: { name, namespace: "apps" },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 3, maxReplicas: 10 },
    };
    change(props);
    return fakeResource({ type, name: `${name}-hpa`, props });
}

export function pdb(change: (props: Json) => void = () => undefined, name = "web", type: string = K.pdb): RecordedResource {
    const props: Json = { metadata: { name, namespace: "apps" }, spec: { selector: { matchLabels: SELECTOR }, maxUnavailable: 1 } };
    change(props);
    return fakeResource({ type, name: `${name}-pdb`, props });
}

export function ingress(change: (props: Json) => void = () => undefined): RecordedResource {
    const props: Json = {
        metadata: { name: "web", namespace: "apps", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" } },
        spec: {
            ingressClassName: "traefik",
            tls: [{ hosts: ["shop.example.com"], secretName: "web-tls" }],
            rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }],
        },
    };
    change(props);
    return fakeResource({ type: K.ingress, name: "web-ingress", props });
}

export function namespace(change: (props: Json) => void = () => undefined, name = "apps"): RecordedResource {
    const props: Json = {
        metadata: {
            name,
            labels: {
                "app.kubernetes.io/part-of": "estate",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "latest",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "latest",
            },
        },
    };
    change(props);
    return fakeResource({ type: K.namespace, name: `platform-ns-${name}`, props });
}

/** A Service `apps/web` selecting the Deployment's pods, exposing `http` and `metrics`. */
export function service(change: (props: Json) => void = () => undefined, name = "web"): RecordedResource {
    const props: Json = {
        metadata: { name, namespace: "apps", labels: { ...SELECTOR, "app.kubernetes.io/part-of": "estate" } },
        spec: {
            type: "ClusterIP",
            selector: SELECTOR,
            ports: [
                { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
                { name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" },
            ],
        },
    };
    change(props);
    return fakeResource({ type: K.service, name: `${name}-service`, props });
}

/** A ServiceMonitor `apps/web` selecting the Service by its labels and scraping its `metrics` port. */
export function serviceMonitor(change: (props: Json) => void = () => undefined, name = "web"): RecordedResource {
    const props: Json = {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name, namespace: "apps" },
        spec: {
            selector: { matchLabels: SELECTOR },
            namespaceSelector: { matchNames: ["apps"] },
            endpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
        },
    };
    change(props);
    return fakeResource({ type: K.serviceMonitor, name: `${name}-service-monitor`, props });
}

/** A kube-prometheus-stack release whose Alertmanager posts every alert to Slack. */
export function kubePrometheusStack(change: (props: Json) => void = () => undefined, type: string = K.release): RecordedResource {
    const props: Json = {
        chart: "kube-prometheus-stack",
        version: "81.4.5",
        name: "kube-prometheus-stack",
        namespace: "monitoring",
        values: {
            alertmanager: {
                config: {
                    route: { receiver: "slack", routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }] },
                    receivers: [{ name: "null" }, { name: "slack", slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/receivers/slack", channel: "#alerts" }] }],
                },
            },
        },
    };
    change(props);
    return fakeResource({ type, name: "monitoring-stack", props });
}
