/**
 * The kubelet, scraped by kube-prometheus-stack's kubelet ServiceMonitor: its own `/metrics`
 * (`kubelet_volume_stats_*`: kubernetes/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go;
 * the same names the chart's kubernetes-storage rules query in
 * charts/kube-prometheus-stack/templates/prometheus/rules-1.14/kubernetes-storage.yaml at
 * kube-prometheus-stack-81.5.0) and its embedded cAdvisor's `/metrics/cadvisor` (google/cadvisor
 * docs/storage/prometheus.md). Left out: what the chart's `kubelet.serviceMonitor.cAdvisorMetricRelabelings`
 * drop at that tag (container_cpu_{cfs_throttled_seconds_total,load_average_10s,system_seconds_total,
 * user_seconds_total}, container_fs_{io_*,reads_merged_total,sector_*,writes_merged_total},
 * container_memory_{mapped_file,swap}, container_{file_descriptors,tasks_state,threads_max},
 * container_spec_*), and the accelerator, hugetlb, perf, resctrl and process metrics the kubelet
 * does not enable.
 */
import { kubePrometheusStackHas } from "./kube-prometheus-stack";
import type { ExporterCatalogue } from "./types";

/**
 * The `__name__` regexes of `kubelet.serviceMonitor.cAdvisorMetricRelabelings` (`action: drop`) in
 * charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-81.5.0: series the chart drops
 * before ingestion, so no catalogue may offer them (the estate leaves those relabelings as they are).
 */
export const CADVISOR_DROPPED_BY_CHART: readonly RegExp[] = [
    /^container_cpu_(cfs_throttled_seconds_total|load_average_10s|system_seconds_total|user_seconds_total)$/,
    /^container_fs_(io_current|io_time_seconds_total|io_time_weighted_seconds_total|reads_merged_total|sector_reads_total|sector_writes_total|writes_merged_total)$/,
    /^container_memory_(mapped_file|swap)$/,
    /^container_(file_descriptors|tasks_state|threads_max)$/,
    /^container_spec.*$/,
];

export const kubelet: ExporterCatalogue = {
    name: "kubelet",
    source: "kubernetes/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go; google/cadvisor docs/storage/prometheus.md; minus kubelet.serviceMonitor.cAdvisorMetricRelabelings in prometheus-community/helm-charts charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-81.5.0",
    metrics: [
        // The kubelet's own /metrics: volume stats of mounted PVCs (labels namespace, persistentvolumeclaim).
        "kubelet_volume_stats_capacity_bytes", "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_used_bytes",
        "kubelet_volume_stats_inodes", "kubelet_volume_stats_inodes_free", "kubelet_volume_stats_inodes_used",
        // cAdvisor, through the kubelet's /metrics/cadvisor.
        "container_cpu_usage_seconds_total", "container_cpu_cfs_periods_total", "container_cpu_cfs_throttled_periods_total",
        "container_memory_working_set_bytes", "container_memory_usage_bytes", "container_memory_rss", "container_memory_cache",
        "container_memory_max_usage_bytes", "container_memory_failcnt", "container_memory_failures_total",
        "container_fs_usage_bytes", "container_fs_limit_bytes", "container_fs_inodes_free", "container_fs_inodes_total",
        "container_fs_reads_bytes_total", "container_fs_reads_total", "container_fs_writes_bytes_total", "container_fs_writes_total",
        "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
        "container_network_receive_packets_total", "container_network_transmit_packets_total",
        "container_network_receive_packets_dropped_total", "container_network_transmit_packets_dropped_total",
        "container_network_receive_errors_total", "container_network_transmit_errors_total",
        "container_last_seen", "container_start_time_seconds",
    ],
    // kubelet.enabled and kubelet.serviceMonitor.cAdvisor default to true at kube-prometheus-stack-81.5.0.
    scrapedIn: (resources) => kubePrometheusStackHas(resources, "kubelet.enabled", true) && kubePrometheusStackHas(resources, "kubelet.serviceMonitor.cAdvisor", true),
};
