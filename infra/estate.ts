/**
 * The estate, wired: reads like a table of contents. Decisions about one service live in that
 * service's component; this file only chooses components and connects their inputs and outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import { BackupBucket } from "../components/backup";
import { AppService, Platform } from "../components/k8s";
import { appEnvironment, type EstateParts } from "./app-environment";
import type { EstateSpec } from "./config";

export interface Estate {
    spec: EstateSpec;
    /** The Kubernetes provider every cluster resource uses (nothing uses the ambient default provider). */
    cluster: k8s.Provider;
    platform: Platform;
    backups: BackupBucket;
    services: Record<string, AppService>;
}

export function buildEstate(spec: EstateSpec): Estate {
    // The cluster, and what every app in it relies on: namespaces, certificates, ingress.
    const cluster = new k8s.Provider("cluster", { context: spec.kubernetes.context, kubeconfig: spec.kubernetes.kubeconfig });
    const platform = new Platform(
        "platform",
        { issuer: spec.platform.issuer, acmeEmail: spec.platform.acmeEmail, ingressClass: spec.platform.ingressClass, replicas: spec.platform.replicas },
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

    // The apps, last: their environment comes from everything above.
    const parts: EstateParts = { spec, cluster, platform, backups };
    const environment = appEnvironment(parts);
    const services: Record<string, AppService> = {};
    for (const { name, ...service } of Object.values(spec.services)) {
        services[name] = new AppService(
            name,
            {
                ...service,
                namespace: platform.namespaces.apps,
                ingress: service.kind === "web" ? platform.appIngress : undefined,
                network: platform.appNetwork,
                secretEnv: environment,
                forceDeleteRepository: !spec.protectData,
                region: spec.region,
                tags: spec.tags,
            },
            { provider: cluster },
        );
    }

    return { ...parts, services };
}
