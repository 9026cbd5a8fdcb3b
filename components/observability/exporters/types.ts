/**
 * The catalogue of what each exporter in the estate produces: one file per exporter in this folder,
 * each exporting one `ExporterCatalogue` (its series names as read upstream, and how to tell that a
 * planned stack scrapes it). A test collects every series name the estate's rules and dashboards
 * query and fails when no exporter the stack scrapes produces it (see docs/observability.md).
 */

/** A resource of a planned stack, as the mock engine recorded it (a subset of `RecordedResource`). */
export interface PlannedResource {
    /** The Pulumi type token, such as `kubernetes:monitoring.coreos.com/v1:PodMonitor`. */
    type: string;
    /** The Pulumi resource name. */
    name: string;
    /** The inputs, plain (secrets unwrapped, unknowns as `undefined`). */
    inputs: Record<string, unknown>;
}

export interface ExporterCatalogue {
    /** A short name: `kube-state-metrics`, `cloudnative-pg`, `traefik`. */
    name: string;
    /** Where the series names were read upstream: repository, file and tag, or a documentation URL. */
    source: string;
    /**
     * The series it produces, as queried: a histogram's `_bucket`, `_sum` and `_count` each; names of
     * the form `prefix_*` match every series of that prefix (for exporters that generate names from
     * their data, such as a CloudNativePG custom query's columns).
     */
    metrics: readonly string[];
    /** Whether the planned stack scrapes it: a PodMonitor or ServiceMonitor, or a chart value that enables it. */
    scrapedIn(resources: readonly PlannedResource[]): boolean;
}
