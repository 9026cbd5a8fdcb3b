/**
 * The stack outputs: the contract apps and operators consume. Every credential is a secret.
 */
import type { Estate } from "./estate";

export function estateOutputs(estate: Estate) {
    const { spec, backups, platform, services } = estate;
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
        services: Object.fromEntries(
            Object.entries(services).map(([name, app]) => [
                name,
                { namespace: app.namespace, deployment: app.deploymentName, image: app.image, url: app.url, serviceHost: app.serviceHost },
            ]),
        ),
    };
}
