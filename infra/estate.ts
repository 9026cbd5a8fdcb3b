/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import * as sentry from "@pulumiverse/sentry";
import { BackupBucket } from "../components/backup";
import { AppService, Platform } from "../components/k8s";
import { ErrorTracking, GrafanaContent, type MonitoredService, Monitoring, estateRuleGroups } from "../components/observability";
import { appEnvironment, type EstateParts } from "./app-environment";
import type { EstateSpec } from "./config";

export interface Estate {
    spec: EstateSpec;
    /** The Kubernetes provider every cluster resource uses (nothing uses the ambient default provider). */
    cluster: k8s.Provider;
    platform: Platform;
    backups: BackupBucket;
    monitoring: Monitoring;
    /** Grafana's folder, data source, dashboards and alert routing; only once `estate:grafana.url` is set. */
    grafana?: GrafanaContent;
    /** Sentry's team, projects and keys; only once `estate:sentry.organization` is set. */
    errorTracking?: ErrorTracking;
    services: Record<string, AppService>;
}

export function buildEstate(spec: EstateSpec): Estate {
    // The cluster, and what every app in it relies on: namespaces, certificates, ingress.
    const cluster = new k8s.Provider("cluster", { context: spec.kubernetes.context, kubeconfig: spec.kubernetes.kubeconfig });
    const platform = new Platform(
        "platform",
        {
            issuer: spec.platform.issuer,
            acmeEmail: spec.platform.acmeEmail,
            ingressClass: spec.platform.ingressClass,
            replicas: spec.platform.replicas,
            // The node exporter needs host access, which only the privileged level admits.
            podSecurity: spec.monitoring.nodeExporter ? { monitoring: "privileged" } : undefined,
        },
        { provider: cluster },
    );

    const backups = new BackupBucket("backups", {
        retention: spec.dr.retention,
        bucketName: spec.backup.bucketName,
        protectData: spec.protectData,
        objectLock: spec.backup.objectLock,
        replication: spec.backup.replication && spec.dr.drRegion ? { region: spec.dr.drRegion } : undefined,
        accessLogging: spec.backup.accessLogging,
        region: spec.region,
        tags: spec.tags,
    });

    // Metrics, alerts and dashboards of everything above and of the apps below.
    const monitored: MonitoredService[] = Object.values(spec.services).map((s) => ({
        name: s.name,
        namespace: platform.namespaceNames.apps,
        kind: s.kind,
        replicas: s.replicas,
    }));
    const monitoring = new Monitoring(
        "monitoring",
        {
            namespace: platform.namespaces.monitoring,
            prometheus: spec.monitoring.prometheus,
            alertmanagerReplicas: spec.monitoring.alertmanager.replicas,
            storageClass: spec.monitoring.storageClass,
            nodeExporter: spec.monitoring.nodeExporter,
            receivers: spec.alerting,
            // More groups (the DR rules) are appended here.
            ruleGroups: [...estateRuleGroups(monitored, spec.monitoring.thresholds)],
            grafana: spec.grafana.host ? { host: spec.grafana.host, ingress: platform.appIngress } : undefined,
            pushgatewayClients: [platform.namespaces.apps, platform.namespaces.data],
            certManagerNamespace: platform.namespaces.certManager,
        },
        { provider: cluster },
    );

    // Grafana's API is reachable only once Grafana runs: its objects wait for estate:grafana.url.
    let grafanaContent: GrafanaContent | undefined;
    if (spec.grafana.url !== undefined) {
        // The provider, and so every Grafana object, waits until the monitoring stack (Grafana) is deployed.
        const grafanaProvider = new grafana.Provider(
            "grafana",
            { url: spec.grafana.url, auth: spec.grafana.auth ?? pulumi.interpolate`${monitoring.grafanaAdminUser}:${monitoring.grafanaAdminPassword}` },
            { dependsOn: [monitoring] },
        );
        grafanaContent = new GrafanaContent(
            "grafana",
            {
                instance: spec.stack,
                prometheusUrl: monitoring.prometheusUrl,
                alertmanagerUrl: monitoring.alertmanagerUrl,
                services: monitored,
                thresholds: spec.monitoring.thresholds,
                objectives: { rpoMinutes: spec.dr.rpoMinutes, rtoMinutes: spec.dr.rtoMinutes },
            },
            { provider: grafanaProvider },
        );
    }

    let errorTracking: ErrorTracking | undefined;
    if (spec.sentry.organization !== undefined) {
        // Without a token in config, the provider reads SENTRY_AUTH_TOKEN.
        const sentryProvider = new sentry.Provider("sentry", { token: spec.sentry.token, baseUrl: spec.sentry.baseUrl });
        errorTracking = new ErrorTracking(
            "sentry",
            {
                organization: spec.sentry.organization,
                team: spec.sentry.team,
                apps: Object.keys(spec.services),
                instance: spec.stack,
                platform: spec.sentry.platform,
                rateLimit: spec.sentry.rateLimit,
                protect: spec.protectData,
            },
            { provider: sentryProvider },
        );
    }

    // The apps, last: their environment comes from everything above.
    const parts: EstateParts = { spec, cluster, platform, backups, monitoring, grafana: grafanaContent, errorTracking };
    const services: Record<string, AppService> = {};
    for (const { name, ...service } of Object.values(spec.services)) {
        services[name] = new AppService(
            name,
            {
                ...service,
                namespace: platform.namespaces.apps,
                ingress: service.kind === "web" ? platform.appIngress : undefined,
                network: platform.appNetwork,
                monitoring: monitoring.appMonitoring,
                secretEnv: appEnvironment(parts, name),
                forceDeleteRepository: !spec.protectData,
                region: spec.region,
                tags: spec.tags,
            },
            { provider: cluster },
        );
    }

    return { ...parts, services };
}
