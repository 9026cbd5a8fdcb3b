/**
 * What the cluster's nodes must hold when every app's autoscaler is at its maximum: the apps'
 * requests at `replicas.max`, the in-cluster databases, Prometheus, and an allowance for the
 * estate's controllers. `estate:cluster` sizes its node groups from it (`NodeGroups.required`),
 * so an HPA never scales into pods that stay Pending for want of a node.
 */
import type { WorkloadCapacity } from "../components/cluster/node-groups";
import type { EstateSpec } from "./config";

export type { WorkloadCapacity };

/**
 * The estate's own controllers, per replica set: Traefik, cert-manager (controller, webhook,
 * cainjector), the Prometheus operator, Alertmanager, Grafana, kube-state-metrics, the Pushgateway,
 * the External Secrets Operator, the database operators, the AWS Load Balancer Controller, the
 * Cluster Autoscaler, CoreDNS, metrics-server and the EBS CSI controller. The requests the estate
 * sets for them (components/k8s/chart-values.ts, components/observability/chart-values.ts) are 10m
 * to 100m CPU and 32Mi to 192Mi each; charts' own defaults are of the same order. Rounded up, per
 * replica of every controller at the profile's `estate:platform.replicas`.
 */
export const CONTROLLER_ALLOWANCE = { cpuMillicores: 1500, memoryMiB: 3072, pods: 24 } as const;

/** An in-cluster database instance, Redis server or MongoDB member: the allowance per instance. */
export const DATA_INSTANCE_ALLOWANCE = { cpuMillicores: 500, memoryMiB: 1024, pods: 1 } as const;

/** Kubernetes CPU quantity (`250m`, `1`, `0.5`) in millicores. */
export function cpuMillicores(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Kubernetes memory quantity (`512Mi`, `2Gi`, `1Ti`, `65536Ki`) in MiB, rounded up. */
export function memoryMiB(quantity: string): number {
    const match = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(quantity);
    if (!match) {
        throw new Error(`not a binary memory quantity: ${quantity}`);
    }
    const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[match[2] as "Ki" | "Mi" | "Gi" | "Ti"];
    return Math.ceil(Number(match[1]) * factor);
}

/** The requests of everything the estate runs in the cluster, every app at its autoscaler's maximum. */
export function workloadCapacity(spec: Pick<EstateSpec, "services" | "data" | "monitoring" | "platform">): WorkloadCapacity {
    const total: WorkloadCapacity = { cpuMillicores: 0, memoryMiB: 0, pods: 0 };
    const add = (cpu: number, memory: number, pods: number, times = 1) => {
        total.cpuMillicores += cpu * times;
        total.memoryMiB += memory * times;
        total.pods += pods * times;
    };
    for (const service of Object.values(spec.services)) {
        add(cpuMillicores(service.cpu), memoryMiB(service.memory), 1, service.replicas.max);
    }
    const inCluster = [
        spec.data.postgres?.placement === "cluster" ? spec.data.postgres.instances : 0,
        spec.data.mongo?.placement === "cluster" ? spec.data.mongo.instances : 0,
        spec.data.redis?.placement === "cluster" ? spec.data.redis.nodes : 0,
    ].reduce((a, b) => a + b, 0);
    add(DATA_INSTANCE_ALLOWANCE.cpuMillicores, DATA_INSTANCE_ALLOWANCE.memoryMiB, DATA_INSTANCE_ALLOWANCE.pods, inCluster);
    const prometheus = spec.monitoring.prometheus;
    add(cpuMillicores(prometheus.cpu), memoryMiB(prometheus.memory), 1, prometheus.replicas);
    add(CONTROLLER_ALLOWANCE.cpuMillicores, CONTROLLER_ALLOWANCE.memoryMiB, CONTROLLER_ALLOWANCE.pods, spec.platform.replicas ?? 2);
    return total;
}
