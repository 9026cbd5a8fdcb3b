/**
 * The stack outputs: the contract apps and operators consume (`infra/contract.ts` describes and
 * versions it; this file is checked against its types at compile time). Every credential is a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { appEnvironment } from "./app-environment";
import type { DatabaseConnection } from "../components/data";
import { OUTPUTS_VERSION, type EstateOutputs } from "./contract";
import type { DataService, Estate } from "./estate";

/**
 * A connection as the contract exports it. A rotating one names its Secrets Manager secret and how
 * to read it, never a value: a copy exported today would be stale after the next rotation.
 */
function connectionOutputs(c: DatabaseConnection) {
    const { host, port, database, user } = c;
    if (c.rotating) {
        const r = c.rotating;
        return {
            host,
            port,
            database,
            user,
            rotating: {
                secretArn: r.secretArn,
                kmsKeyArn: r.kmsKeyArn,
                usernameProperty: r.usernameProperty,
                passwordProperty: r.passwordProperty,
                read: pulumi.interpolate`aws secretsmanager get-secret-value --secret-id ${r.secretArn} --query SecretString --output text`,
            },
        };
    }
    return { host, port, database, user, password: c.password, uri: c.uri };
}

function dataOutputs<C extends DatabaseConnection>(s: DataService<C> | undefined) {
    return s && { placement: s.placement, ...connectionOutputs(s.connection) };
}

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, monitoring, grafana, errorTracking, services, awsBackup, databaseAlarms, data, backupJobs, credentials, eksCluster } = estate;
    const mongo = data.mongo?.connection;
    const syncedEnv = credentials?.appEnv.map((e) => ({ secret: e.secretName, variables: e.variables, secretArn: e.secretArn }));
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
        /** Per declared data service: its placement and connection (password and uri are secrets; a rotating one has neither). */
        data: {
            ...(data.postgres && { postgres: dataOutputs(data.postgres)! }),
            // MongoDB and Redis credentials are Pulumi's own (generated, never rotated elsewhere).
            ...(data.mongo && mongo && !mongo.rotating && { mongo: { placement: data.mongo.placement, ...mongo } }),
            ...(data.redis && { redis: { placement: data.redis.placement, ...data.redis.connection } }),
        },
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
                : { note: "Grafana objects are skipped until estate:grafana.url is set (docs/observability.md: Grafana in two steps)" }),
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
                    ...(data.postgres && { database: connectionOutputs(data.postgres.connection) }),
                    ...(mongo && !mongo.rotating && { mongo }),
                    ...(data.redis && { cache: data.redis.connection }),
                    // Semi-public (a browser bundle would embed one), but it lets anyone send events: kept secret here.
                    ...(errorTracking ? { sentryDsn: pulumi.secret(errorTracking.dsn[name]!) } : {}),
                    backupBucket: { name: backups.bucketName, kmsKeyArn: backups.kmsKeyArn, region: spec.region },
                    // The same values as the app's Secret in the cluster.
                    env: pulumi.secret(pulumi.output(appEnvironment(estate, name))),
                    ...(syncedEnv && { syncedEnv }),
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
                      roleArn: awsBackup.roleArn,
                      drVaultArn: awsBackup.drVaultArn,
                      restoreTestingPlanName: awsBackup.restoreTestingPlanName,
                      selectionTag: awsBackup.selectionTag,
                  },
              }
            : {}),
        // Only in stacks with a managed database: where its CloudWatch alarms publish (docs/alarms.md).
        ...(databaseAlarms ? { databaseAlarms: { topicArn: databaseAlarms.topicArn, kmsKeyArn: databaseAlarms.kmsKeyArn, receivers: [...databaseAlarms.receivers] } } : {}),
        // Only in stacks that build their own cluster.
        ...(eksCluster
            ? {
                  cluster: {
                      name: eksCluster.eks.clusterName,
                      version: eksCluster.eks.version,
                      endpoint: eksCluster.eks.endpoint,
                      oidcProviderArn: eksCluster.eks.oidcProviderArn,
                      vpcId: eksCluster.network.vpcId,
                      privateSubnetIds: eksCluster.network.privateSubnetIds,
                      publicSubnetIds: eksCluster.network.publicSubnetIds,
                      nodeRoleArn: eksCluster.nodes.nodeRoleArn,
                      kubeconfig: eksCluster.eks.kubeconfig,
                      updateKubeconfig: pulumi.interpolate`aws eks update-kubeconfig --name ${eksCluster.eks.clusterName} --region ${spec.region}`,
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
