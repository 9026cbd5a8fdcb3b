/**
 * The stack outputs: the contract apps and operators consume. Every credential is a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Estate } from "./estate";

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, monitoring, grafana, errorTracking, services } = estate;
    return {
        profile: spec.profile,
        region: spec.region,
        objectives: {
            rpoMinutes: spec.dr.rpoMinutes,
            rtoMinutes: spec.dr.rtoMinutes,
            retention: spec.dr.retention,
        },
        backupBucket: {
            name: backups.bucketName,
            arn: backups.bucketArn,
            kmsKeyArn: backups.kmsKeyArn,
            prefixes: backups.tierPrefixes,
        },
        kubernetes: {
            namespaces: platform.namespaces,
            ingressClass: platform.ingressClassName,
            clusterIssuer: platform.clusterIssuer,
        },
        monitoring: {
            namespace: monitoring.namespace,
            prometheus: monitoring.prometheusUrl,
            alertmanager: monitoring.alertmanagerUrl,
            pushgateway: monitoring.pushgatewayUrl,
            receivers: monitoring.receivers,
            ruleGroups: monitoring.ruleGroups,
        },
        grafana: {
            managed: grafana !== undefined,
            ...(grafana
                ? { url: spec.grafana.url, folder: grafana.folderUid, dataSource: grafana.dataSourceUid, dashboards: grafana.dashboards }
                : { note: "Grafana objects are skipped until estate:grafana.url is set (README: Grafana in two steps)" }),
            inCluster: monitoring.grafanaUrl,
            ...(spec.grafana.host ? { host: `https://${spec.grafana.host}` } : {}),
            adminUser: monitoring.grafanaAdminUser,
            adminPassword: monitoring.grafanaAdminPassword,
        },
        errorTracking: errorTracking
            ? { managed: true, organization: spec.sentry.organization, team: errorTracking.team, projects: errorTracking.projects }
            : { managed: false, note: "Sentry objects are skipped until estate:sentry.organization is set" },
        services: Object.fromEntries(
            Object.entries(services).map(([name, app]) => [
                name,
                {
                    namespace: app.namespace,
                    deployment: app.deploymentName,
                    image: app.image,
                    url: app.url,
                    serviceHost: app.serviceHost,
                    // Semi-public (a browser bundle would embed one), but it lets anyone send events: kept secret here.
                    ...(errorTracking ? { sentryDsn: pulumi.secret(errorTracking.dsn[name]!) } : {}),
                },
            ]),
        ),
    };
}
