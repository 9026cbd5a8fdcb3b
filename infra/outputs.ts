/**
 * The stack outputs: the contract apps and operators consume. Every credential is a secret.
 */
import type { Estate } from "./estate";

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, services, awsBackup, backupJobs } = estate;
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
        services: Object.fromEntries(
            Object.entries(services).map(([name, app]) => [
                name,
                { namespace: app.namespace, deployment: app.deploymentName, image: app.image, url: app.url, serviceHost: app.serviceHost },
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
