/**
 * The stack outputs: the contract apps and operators consume. Every credential is a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Estate } from "./estate";

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, monitoring, grafana, errorTracking, services, awsBackup } = estate;
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
        /** Per declared data service: its placement and connection (password and uri are secrets). */
        data: Object.fromEntries(
            Object.entries(estate.data).flatMap(([service, s]) => (s ? [[service, { placement: s.placement, ...s.connection }]] : [])),
        ),
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
        // Only in stacks with a managed database.
        ...(awsBackup
            ? {
                  awsBackup: {
                      vaultName: awsBackup.vaultName,
                      vaultArn: awsBackup.vaultArn,
                      kmsKeyArn: awsBackup.kmsKeyArn,
                      planId: awsBackup.planId,
                      planArn: awsBackup.planArn,
                      drVaultArn: awsBackup.drVaultArn,
                      restoreTestingPlanName: awsBackup.restoreTestingPlanName,
                      selectionTag: awsBackup.selectionTag,
                  },
              }
            : {}),
    };
}
