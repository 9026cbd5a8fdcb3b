/**
 * The registry of exporter catalogues: every exporter the estate can scrape, one file each in this
 * folder (see types.ts). Adding an exporter is one import and one entry below; the test
 * test/stacks/metric-coverage.test.ts checks every stack's rules and dashboards against it.
 */
import { apps } from "./apps";
import { certManager } from "./cert-manager";
import { cloudnativePg } from "./cloudnative-pg";
import { kubeStateMetrics } from "./kube-state-metrics";
import { kubelet } from "./kubelet";
import { mongodb } from "./mongodb";
import { nodeExporter } from "./node-exporter";
import { prometheus } from "./prometheus";
import { pushgateway } from "./pushgateway";
import { redis } from "./redis";
import { traefik } from "./traefik";
import type { ExporterCatalogue } from "./types";

export type { ExporterCatalogue, PlannedResource } from "./types";

export const EXPORTERS: readonly ExporterCatalogue[] = [
    kubeStateMetrics,
    kubelet,
    certManager,
    pushgateway,
    prometheus,
    nodeExporter,
    apps,
    traefik,
    cloudnativePg,
    redis,
    mongodb,
];
