/**
 * kube-state-metrics 2.18.0: the kube-state-metrics-7.1.0 subchart of kube-prometheus-stack 81.5.0
 * (charts/kube-prometheus-stack/Chart.yaml at the tag; appVersion 2.18.0 in
 * charts/kube-state-metrics/Chart.yaml at kube-state-metrics-7.1.0). The names are the metric tables
 * of kubernetes/kube-state-metrics docs/metrics/ at v2.18.0, for the resources of the subchart's
 * default `collectors` that the estate queries (pods, HPAs, deployments, statefulsets, jobs,
 * cronjobs, PVCs, nodes).
 */
import { kubePrometheusStackHas } from "./kube-prometheus-stack";
import type { ExporterCatalogue } from "./types";

export const kubeStateMetrics: ExporterCatalogue = {
    name: "kube-state-metrics",
    source: "kubernetes/kube-state-metrics docs/metrics/{workload,storage,cluster}/*.md at v2.18.0 (kube-prometheus-stack 81.5.0 -> kube-state-metrics chart 7.1.0, appVersion 2.18.0)",
    metrics: [
        // docs/metrics/workload/pod-metrics.md
        "kube_pod_annotations", "kube_pod_info", "kube_pod_ips", "kube_pod_start_time", "kube_pod_completion_time",
        "kube_pod_owner", "kube_pod_labels", "kube_pod_nodeselectors", "kube_pod_status_phase",
        "kube_pod_status_qos_class", "kube_pod_status_ready", "kube_pod_status_scheduled", "kube_pod_container_info",
        "kube_pod_container_status_waiting", "kube_pod_container_status_waiting_reason",
        "kube_pod_container_status_running", "kube_pod_container_state_started",
        "kube_pod_container_status_terminated", "kube_pod_container_status_terminated_reason",
        "kube_pod_container_status_last_terminated_reason", "kube_pod_container_status_last_terminated_exitcode",
        "kube_pod_container_status_last_terminated_timestamp", "kube_pod_container_status_ready",
        "kube_pod_status_initialized_time", "kube_pod_status_ready_time", "kube_pod_status_container_ready_time",
        "kube_pod_container_status_restarts_total", "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits", "kube_pod_overhead_cpu_cores", "kube_pod_overhead_memory_bytes",
        "kube_pod_runtimeclass_name_info", "kube_pod_created", "kube_pod_deletion_timestamp",
        "kube_pod_restart_policy", "kube_pod_init_container_info", "kube_pod_init_container_status_waiting",
        "kube_pod_init_container_status_waiting_reason", "kube_pod_init_container_status_running",
        "kube_pod_init_container_status_terminated", "kube_pod_init_container_status_terminated_reason",
        "kube_pod_init_container_status_last_terminated_reason", "kube_pod_init_container_status_ready",
        "kube_pod_init_container_status_restarts_total", "kube_pod_init_container_resource_limits",
        "kube_pod_init_container_resource_requests", "kube_pod_spec_volumes_persistentvolumeclaims_info",
        "kube_pod_spec_volumes_persistentvolumeclaims_readonly", "kube_pod_status_reason",
        "kube_pod_status_scheduled_time", "kube_pod_status_unschedulable", "kube_pod_status_unscheduled_time",
        "kube_pod_tolerations", "kube_pod_service_account", "kube_pod_scheduler",
        // docs/metrics/workload/horizontalpodautoscaler-metrics.md
        "kube_horizontalpodautoscaler_info", "kube_horizontalpodautoscaler_annotations",
        "kube_horizontalpodautoscaler_labels", "kube_horizontalpodautoscaler_metadata_generation",
        "kube_horizontalpodautoscaler_spec_max_replicas", "kube_horizontalpodautoscaler_spec_min_replicas",
        "kube_horizontalpodautoscaler_spec_target_metric", "kube_horizontalpodautoscaler_status_target_metric",
        "kube_horizontalpodautoscaler_status_condition", "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_status_desired_replicas", "kube_horizontalpodautoscaler_created",
        "kube_horizontalpodautoscaler_deletion_timestamp",
        // docs/metrics/workload/deployment-metrics.md
        "kube_deployment_annotations", "kube_deployment_status_replicas", "kube_deployment_status_replicas_ready",
        "kube_deployment_status_replicas_available", "kube_deployment_status_replicas_unavailable",
        "kube_deployment_status_replicas_updated", "kube_deployment_status_terminating_replicas",
        "kube_deployment_status_observed_generation", "kube_deployment_status_condition",
        "kube_deployment_spec_replicas", "kube_deployment_spec_paused",
        "kube_deployment_spec_strategy_rollingupdate_max_unavailable",
        "kube_deployment_spec_strategy_rollingupdate_max_surge", "kube_deployment_metadata_generation",
        "kube_deployment_labels", "kube_deployment_created", "kube_deployment_deletion_timestamp",
        "kube_deployment_owner",
        // docs/metrics/workload/statefulset-metrics.md
        "kube_statefulset_annotations", "kube_statefulset_status_replicas",
        "kube_statefulset_status_replicas_current", "kube_statefulset_status_replicas_ready",
        "kube_statefulset_status_replicas_available", "kube_statefulset_status_replicas_updated",
        "kube_statefulset_status_observed_generation", "kube_statefulset_replicas",
        "kube_statefulset_ordinals_start", "kube_statefulset_metadata_generation",
        "kube_statefulset_persistentvolumeclaim_retention_policy", "kube_statefulset_created",
        "kube_statefulset_labels", "kube_statefulset_status_current_revision",
        "kube_statefulset_status_update_revision", "kube_statefulset_deletion_timestamp",
        // docs/metrics/workload/job-metrics.md
        "kube_job_annotations", "kube_job_info", "kube_job_labels", "kube_job_owner", "kube_job_spec_parallelism",
        "kube_job_spec_completions", "kube_job_spec_active_deadline_seconds", "kube_job_status_active",
        "kube_job_status_succeeded", "kube_job_status_failed", "kube_job_status_start_time",
        "kube_job_status_completion_time", "kube_job_complete", "kube_job_failed", "kube_job_created",
        "kube_job_status_suspended", "kube_job_status_ready",
        // docs/metrics/workload/cronjob-metrics.md
        "kube_cronjob_annotations", "kube_cronjob_info", "kube_cronjob_labels", "kube_cronjob_created",
        "kube_cronjob_next_schedule_time", "kube_cronjob_status_active", "kube_cronjob_status_last_schedule_time",
        "kube_cronjob_status_last_successful_time", "kube_cronjob_spec_suspend",
        "kube_cronjob_spec_starting_deadline_seconds", "kube_cronjob_metadata_resource_version",
        "kube_cronjob_spec_successful_job_history_limit", "kube_cronjob_spec_failed_job_history_limit",
        // docs/metrics/storage/persistentvolumeclaim-metrics.md
        "kube_persistentvolumeclaim_annotations", "kube_persistentvolumeclaim_access_mode",
        "kube_persistentvolumeclaim_info", "kube_persistentvolumeclaim_labels",
        "kube_persistentvolumeclaim_resource_requests_storage_bytes", "kube_persistentvolumeclaim_status_condition",
        "kube_persistentvolumeclaim_status_phase", "kube_persistentvolumeclaim_created",
        "kube_persistentvolumeclaim_deletion_timestamp",
        // docs/metrics/cluster/node-metrics.md
        "kube_node_annotations", "kube_node_info", "kube_node_labels", "kube_node_role",
        "kube_node_spec_unschedulable", "kube_node_spec_taint", "kube_node_status_capacity",
        "kube_node_status_addresses", "kube_node_status_allocatable", "kube_node_status_condition",
        "kube_node_created", "kube_node_deletion_timestamp",
    ],
    // `kubeStateMetrics.enabled` defaults to true in charts/kube-prometheus-stack/values.yaml at kube-prometheus-stack-81.5.0.
    scrapedIn: (resources) => kubePrometheusStackHas(resources, "kubeStateMetrics.enabled", true),
};
