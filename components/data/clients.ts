/**
 * Who may connect to an in-cluster data service. The estate's namespaces are default-deny (see
 * `Platform`): an in-cluster database is reachable only from the pods its own NetworkPolicies admit,
 * which are the client pods described here, on the database's port only.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_NAMESPACES, PART_OF, PART_OF_LABEL } from "../k8s/conventions";
import { namespacePeer } from "../k8s/network-policies";
import type { ArgChecker } from "../lib/args";

export interface DataClients {
    /** The namespace of the client pods, usually `Platform.namespaces.apps`. */
    namespace: pulumi.Input<string>;
    /** Labels every client pod carries. Default: `app.kubernetes.io/part-of: estate` (every estate `AppService`'s pods). */
    podLabels?: Record<string, string>;
}

/** The default clients: the estate's apps, in the `apps` namespace. */
export const DEFAULT_DATA_CLIENTS: Required<DataClients> = { namespace: DEFAULT_NAMESPACES.apps, podLabels: { [PART_OF_LABEL]: PART_OF } };

/** The NetworkPolicy peer of the client pods. */
export function clientPeer(clients: DataClients | undefined): k8s.types.input.networking.v1.NetworkPolicyPeer {
    const c = { ...DEFAULT_DATA_CLIENTS, ...clients };
    return namespacePeer(c.namespace, c.podLabels ?? DEFAULT_DATA_CLIENTS.podLabels);
}

/** `clients` must name a namespace and at least one pod label (an empty selector would admit every pod there). */
export function checkClients(check: ArgChecker, clients: DataClients | undefined): void {
    if (clients === undefined) {
        return;
    }
    check.required("clients.namespace", clients.namespace, "the namespace of the client pods, usually Platform.namespaces.apps");
    if (clients.podLabels !== undefined && Object.keys(clients.podLabels).length === 0) {
        check.fail("clients.podLabels", "must name at least one label: an empty selector would admit every pod of the namespace");
    }
}

/**
 * The pods that scrape a data service's metrics (Prometheus; `prometheusScraper()` of
 * components/observability gives them): the service's NetworkPolicy admits them on the metrics
 * port only.
 */
export interface MetricsScraper {
    /** The scraper's namespace, usually `Platform.namespaces.monitoring`. */
    namespace: pulumi.Input<string>;
    /** Labels of the scraping pods. */
    podLabels: Record<string, string>;
}

/**
 * What Prometheus scrapes on an in-cluster data service: the pods, their metrics port (name and
 * number), the path, and the basic-auth Secret if the endpoint asks for one. The same shape as a
 * `ScrapeTarget` of `Monitoring`, less its name and description, which the caller chooses.
 */
export interface MetricsEndpoint {
    /** The namespace of the pods. */
    namespace: pulumi.Input<string>;
    /** Labels selecting the pods that serve the metrics. */
    podLabels: Record<string, string>;
    /** The container port: its name and number. */
    port: { name: string; number: number };
    /** The metrics path. */
    path: string;
    /** HTTP basic auth from a Secret in `namespace`, when the endpoint asks for it. */
    basicAuth?: { secretName: pulumi.Input<string>; usernameKey: string; passwordKey: string };
}

/** The NetworkPolicy ingress rule that admits `scraper` to `port`, or none when no scraper is given. */
export function metricsIngress(scraper: MetricsScraper | undefined, port: number): k8s.types.input.networking.v1.NetworkPolicyIngressRule[] {
    return scraper === undefined ? [] : [{ from: [namespacePeer(scraper.namespace, scraper.podLabels)], ports: [{ protocol: "TCP", port }] }];
}

/** `metricsScraper` must name a namespace and at least one pod label (an empty selector would admit every pod there). */
export function checkMetricsScraper(check: ArgChecker, scraper: MetricsScraper | undefined): void {
    if (scraper === undefined) {
        return;
    }
    check.required("metricsScraper.namespace", scraper.namespace, "the namespace of the scraping pods, usually Platform.namespaces.monitoring");
    if (Object.keys(scraper.podLabels ?? {}).length === 0) {
        check.fail("metricsScraper.podLabels", "must name at least one label: an empty selector would admit every pod of the namespace");
    }
}
