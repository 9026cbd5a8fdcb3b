/**
 * The stack outputs: the contract apps and operators consume (`infra/contract.ts` describes and
 * versions it; this file is checked against its types at compile time). Every credential is a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { appEnvironment } from "./app-environment";
import { OUTPUTS_VERSION, type EstateOutputs } from "./contract";
import type { Estate } from "./estate";

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, monitoring, grafana, errorTracking, services, awsBackup, data, backupJobs } = estate;
    const outputs = {
        outputsVersion: OUTPUTS_VERSION,
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
        /** Per data service with backup CronJobs: where they run and when (no credentials here). */
        backupJobs: {
            image: backupJobs.image,
            services: Object.fromEntries(
                Object.entries(backupJobs.jobs).map(([service, jobs]) => [
                    service,
                    {
                        namespace: jobs.namespace,
                        backupCronJob: jobs.backupCronJobName,
                        backupSchedule: jobs.backupSchedule,
                        drillCronJob: jobs.drillCronJobName,
                        drillSchedule: jobs.drillSchedule,
                        serviceAccount: jobs.serviceAccountName,
                        iamRoleArn: jobs.iamRoleArn,
                        iamUserName: jobs.iamUserName,
                        prefixes: jobs.prefixes,
                    },
                ]),
            ),
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
            url: spec.grafana.url ?? (spec.grafana.host ? pulumi.output(`https://${spec.grafana.host}`) : monitoring.grafanaUrl),
            managed: grafana !== undefined,
            ...(grafana
                ? { folder: grafana.folderUid, dataSource: grafana.dataSourceUid, dashboards: grafana.dashboards }
                : { note: "Grafana objects are skipped until estate:grafana.url is set (README: Grafana in two steps)" }),
            inCluster: monitoring.grafanaUrl,
            ...(spec.grafana.host ? { host: `https://${spec.grafana.host}` } : {}),
            adminUser: monitoring.grafanaAdminUser,
            adminPassword: monitoring.grafanaAdminPassword,
        },
        errorTracking: errorTracking
            ? { managed: true, organization: spec.sentry.organization, team: errorTracking.team, projects: errorTracking.projects }
            : { managed: false, note: "Sentry objects are skipped until estate:sentry.organization is set" },
        apps: Object.fromEntries(
            Object.entries(services).map(([name, app]) => [
                name,
                {
                    namespace: app.namespace,
                    deployment: app.deploymentName,
                    image: app.image,
                    url: app.url,
                    serviceHost: app.serviceHost,
                    ...(data.postgres && { database: data.postgres.connection }),
                    ...(data.mongo && { mongo: data.mongo.connection }),
                    ...(data.redis && { cache: data.redis.connection }),
                    // Semi-public (a browser bundle would embed one), but it lets anyone send events: kept secret here.
                    ...(errorTracking ? { sentryDsn: pulumi.secret(errorTracking.dsn[name]!) } : {}),
                    backupBucket: { name: backups.bucketName, kmsKeyArn: backups.kmsKeyArn, region: spec.region },
                    // The same values as the app's Secret in the cluster.
                    env: pulumi.secret(pulumi.output(appEnvironment(estate, name))),
                },
            ]),
        ),
        ingress: { className: platform.ingressClassName, address: platform.ingressAddress },
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
    return outputs;
}

// The contract holds: what the program exports, once resolved, is what `infra/contract.ts` promises
// (a compile error here otherwise).
type SatisfiesContract<T extends EstateOutputs> = T;
export type ExportedOutputs = SatisfiesContract<pulumi.Unwrap<ReturnType<typeof estateOutputs>>>;
