/**
 * Monitoring: what serves metrics is scraped, and what alerts reaches people.
 *
 * A Deployment that declares a metrics port (a container port named `metrics` or `*-metrics`, or
 * the `prometheus.io/scrape` and `prometheus.io/port` pod annotations) must be scraped: a Service
 * selects its pods and exposes that port, and a ServiceMonitor selects that Service and scrapes
 * that port. The join goes through labels and namespaces, as the operator's does; objects a Helm
 * chart renders are out of the pack's view.
 *
 * kube-prometheus-stack's Alertmanager must have a receiver that delivers somewhere, and route
 * alerts to it: the chart's default configuration sends everything to the `null` receiver. The
 * policy reads the release's values as the engine shows them (secrets in them are fine; the
 * receivers' structure is what counts).
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { isRecord } from "../lib/iam";
import { type ContainerPort, K8S, type LabelSelector, TYPES, containersOf, describeObject, metadataOf, namespaceOf, podSpecOf, resourcesOfType, selects } from "../lib/k8s";
import type { EstateResourcePolicy, EstateStackPolicy } from "../lib/policy";
import { forEachDeferringUnknowns } from "../lib/unknowns";
import { NO_DEPLOYMENT } from "./workloads";

/** A metrics port a workload declares: its number, and its name when the container names it. */
export interface MetricsPort {
    port: number;
    name?: string;
}

const isMetricsPortName = (name: unknown) => typeof name === "string" && /^(metrics|.+-metrics|metrics-.+)$/.test(name);

/** The metrics ports a pod template declares (by port name, or by the prometheus.io annotations). */
export function metricsPortsOf(template: Record<string, unknown>): MetricsPort[] {
    const spec = isRecord(template.spec) ? template.spec : {};
    const ports: ContainerPort[] = containersOf(spec).flatMap(({ container }) => (Array.isArray(container.ports) ? container.ports.filter(isRecord) : []));
    const found = new Map<number, MetricsPort>();
    for (const p of ports) {
        if (isMetricsPortName(p.name) && typeof p.containerPort === "number") {
            found.set(p.containerPort, { port: p.containerPort, name: p.name });
        }
    }
    const annotations = metadataOf(template).annotations ?? {};
    if (annotations["prometheus.io/scrape"] === "true") {
        const port = Number(annotations["prometheus.io/port"]);
        if (Number.isInteger(port) && port > 0 && !found.has(port)) {
            const named = ports.find((p) => p.containerPort === port && typeof p.name === "string");
            found.set(port, { port, ...(named?.name ? { name: named.name } : {}) });
        }
    }
    return [...found.values()];
}

interface ServicePort {
    name?: string;
    port?: number;
    targetPort?: number | string;
}

/** The ports of a Service that forward to the metrics port (by target name or number). */
function servicePortsFor(service: PolicyResource, metrics: MetricsPort): ServicePort[] {
    const spec = isRecord(service.props.spec) ? service.props.spec : {};
    const ports = Array.isArray(spec.ports) ? (spec.ports.filter(isRecord) as ServicePort[]) : [];
    return ports.filter((p) => {
        const target = p.targetPort ?? p.port;
        return target === metrics.port || (metrics.name !== undefined && target === metrics.name);
    });
}

/** Whether a Service's equality selector picks pods with these labels (an empty or missing one selects none). */
function serviceSelects(service: PolicyResource, labels: Record<string, string>): boolean {
    const spec = isRecord(service.props.spec) ? service.props.spec : {};
    const selector = isRecord(spec.selector) ? (spec.selector as Record<string, string>) : {};
    return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Whether a ServiceMonitor looks at a namespace (its own by default, `any`, or `matchNames`). */
function watchesNamespace(monitor: PolicyResource, namespace: string): boolean {
    const spec = isRecord(monitor.props.spec) ? monitor.props.spec : {};
    const selector = isRecord(spec.namespaceSelector) ? spec.namespaceSelector : undefined;
    if (!selector || (selector.any !== true && !Array.isArray(selector.matchNames))) {
        return namespaceOf(monitor.props) === namespace;
    }
    return selector.any === true || (selector.matchNames as unknown[]).includes(namespace);
}

/** Whether a ServiceMonitor scrapes one of these ports of a Service it selects. */
function scrapes(monitor: PolicyResource, service: PolicyResource, ports: ServicePort[], metrics: MetricsPort): boolean {
    const spec = isRecord(monitor.props.spec) ? monitor.props.spec : {};
    if (!watchesNamespace(monitor, namespaceOf(service.props)) || !selects(spec.selector as LabelSelector | undefined, metadataOf(service.props).labels ?? {})) {
        return false;
    }
    const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints.filter(isRecord) : [];
    return endpoints.some(
        (e) =>
            (typeof e.port === "string" && ports.some((p) => p.name === e.port)) ||
            e.targetPort === metrics.port ||
            (metrics.name !== undefined && e.targetPort === metrics.name),
    );
}

const describe = (r: PolicyResource) => describeObject(r.type, r.props, r.name);
const describePort = (m: MetricsPort) => `${m.port}${m.name ? ` ('${m.name}')` : ""}`;

export const k8sDeploymentServiceMonitor: EstateStackPolicy = {
    name: "estate-k8s-deployment-service-monitor",
    checks:
        "Every Deployment with a metrics port (a container port named `metrics`/`*-metrics`, or `prometheus.io/scrape` + `prometheus.io/port` " +
        "on its pod template) has a Service in its namespace that selects its pods and exposes that port, and a ServiceMonitor watching " +
        "that namespace that selects the Service by labels and scrapes that port.",
    description:
        "Every Deployment that declares a metrics port must be scraped by Prometheus: a Service selecting its pods exposes the port " +
        "and a ServiceMonitor selects that Service and scrapes the port. Unscraped metrics mean alerts that can never fire and " +
        "dashboards that stay empty.",
    remediationSteps:
        "Expose the metrics port (a container port named `metrics`, or the one named by the `prometheus.io/port` annotation) in a " +
        "Service whose selector matches the pod template, and add a monitoring.coreos.com/v1 ServiceMonitor whose selector matches the " +
        "Service's labels (namespaceSelector.matchNames naming its namespace, or in the same namespace) with an endpoint `port` naming " +
        "that Service port (estate AppService does all of this when given Monitoring.appMonitoring).",
    severity: "medium",
    tags: ["k8s", "monitoring"],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const deployments = resourcesOfType(args.resources, TYPES.Deployment);
        if (deployments.length === 0) {
            args.notApplicable(NO_DEPLOYMENT);
        }
        const services = resourcesOfType(args.resources, K8S.service);
        const monitors = resourcesOfType(args.resources, K8S.serviceMonitor);
        forEachDeferringUnknowns(deployments, (deployment) => {
            const spec = isRecord(deployment.props.spec) ? deployment.props.spec : {};
            const template = isRecord(spec.template) ? spec.template : {};
            if (!podSpecOf(deployment.type, deployment.props)) {
                return;
            }
            const labels = metadataOf(template).labels ?? {};
            const namespace = namespaceOf(deployment.props);
            for (const metrics of metricsPortsOf(template)) {
                const exposing = services
                    .filter((s) => namespaceOf(s.props) === namespace && serviceSelects(s, labels))
                    .map((service) => ({ service, ports: servicePortsFor(service, metrics) }))
                    .filter((e) => e.ports.length > 0);
                if (exposing.length === 0) {
                    report(
                        `${describe(deployment)} declares metrics port ${describePort(metrics)}, but no Service in '${namespace}' selects its pods and ` +
                            "exposes that port, so no ServiceMonitor can scrape it.",
                        deployment.urn,
                    );
                    continue;
                }
                if (!exposing.some(({ service, ports }) => monitors.some((m) => scrapes(m, service, ports, metrics)))) {
                    const names = exposing.map(({ service, ports }) => `${describe(service)} (port ${ports.map((p) => `'${p.name ?? p.port}'`).join(", ")})`);
                    report(`${describe(deployment)} declares metrics port ${describePort(metrics)}, but no ServiceMonitor scrapes it through ${names.join(" or ")}.`, deployment.urn);
                }
            }
        });
    },
};

/** A chart reference names kube-prometheus-stack (`kube-prometheus-stack`, `<repo>/kube-prometheus-stack`, an OCI URL). */
export function isKubePrometheusStack(chart: unknown): boolean {
    return typeof chart === "string" && /(^|\/)kube-prometheus-stack$/.test(chart);
}

/** Whether a receiver delivers anywhere: it has at least one `*_configs` entry. */
function delivers(receiver: Record<string, unknown>): boolean {
    return Object.entries(receiver).some(([key, value]) => key.endsWith("_configs") && Array.isArray(value) && value.length > 0);
}

/** Every receiver a route tree sends to. */
function routedReceivers(route: unknown): string[] {
    if (!isRecord(route)) {
        return [];
    }
    const own = typeof route.receiver === "string" ? [route.receiver] : [];
    return [...own, ...(Array.isArray(route.routes) ? route.routes.flatMap(routedReceivers) : [])];
}

export const k8sAlertmanagerReceiver: EstateResourcePolicy = {
    name: "estate-k8s-alertmanager-receiver",
    checks:
        "A kube-prometheus-stack release (Helm v3 Release or v4 Chart) configures Alertmanager in its values with a receiver that has an " +
        "integration (`*_configs`) and a route to it: not the chart's default (`null` only), not disabled, not hidden in an existing Secret.",
    description:
        "kube-prometheus-stack's Alertmanager must have at least one receiver that is not the null receiver (one with a Slack, PagerDuty, " +
        "email, webhook or other integration) and route alerts to it: the chart's default configuration sends every alert to 'null', " +
        "so alerts fire and nobody hears them.",
    remediationSteps:
        "Set the release's `alertmanager.config` with a receiver that has an integration (`slack_configs`, `pagerduty_configs`, ...) and " +
        "a route to it; keep credentials out of the values with `*_file` fields and `alertmanager.alertmanagerSpec.secrets` (estate " +
        "Monitoring does this from estate:alerting).",
    severity: "high",
    tags: ["k8s", "monitoring", "alerting"],
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if ((args.type !== K8S.helmRelease && args.type !== K8S.helmChart) || !isKubePrometheusStack(args.props.chart)) {
            args.notApplicable("The policy applies to kube-prometheus-stack Helm releases.");
        }
        const where = `Helm release '${typeof args.props.namespace === "string" ? args.props.namespace : "default"}/${typeof args.props.name === "string" ? args.props.name : args.name}'`;
        const values = isRecord(args.props.values) ? args.props.values : {};
        const alertmanager = isRecord(values.alertmanager) ? values.alertmanager : {};
        if (alertmanager.enabled === false) {
            report(`${where} disables Alertmanager (alertmanager.enabled: false): alerts reach nobody.`);
            return;
        }
        const spec = isRecord(alertmanager.alertmanagerSpec) ? alertmanager.alertmanagerSpec : {};
        if (spec.useExistingSecret === true || (typeof alertmanager.stringConfig === "string" && alertmanager.stringConfig !== "")) {
            report(`${where} keeps Alertmanager's configuration where the policy cannot see its receivers (useExistingSecret or stringConfig); set alertmanager.config.`);
            return;
        }
        if (!isRecord(alertmanager.config)) {
            report(`${where} uses the chart's default Alertmanager configuration, whose only receiver is 'null'.`);
            return;
        }
        const receivers = (Array.isArray(alertmanager.config.receivers) ? alertmanager.config.receivers : []).filter(isRecord);
        const delivering = new Set(receivers.filter(delivers).map((r) => String(r.name)));
        if (delivering.size === 0) {
            const names = receivers.map((r) => `'${String(r.name)}'`).join(", ") || "none";
            report(`${where} configures no Alertmanager receiver that delivers anywhere (receivers: ${names}); only the null receiver is not enough.`);
            return;
        }
        if (!routedReceivers(alertmanager.config.route).some((name) => delivering.has(name))) {
            report(`${where} routes no alert to a receiver that delivers (${[...delivering].map((n) => `'${n}'`).join(", ")}): every alert goes to 'null'.`);
        }
    },
};

export const k8sMonitoringPolicies = [k8sDeploymentServiceMonitor, k8sAlertmanagerReceiver];
