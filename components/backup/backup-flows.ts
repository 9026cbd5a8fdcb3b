/**
 * The network flows of a database's backup and restore-drill jobs (`BackupJobs`), as data the
 * flows policy checks against the NetworkPolicies: DNS; the database (the backup only: the drill
 * restores into its own scratch server on the pod's loopback); S3 over HTTPS; the Pushgateway.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type EndpointInput, EXTERNAL_ADDRESSES, type FlowInput, dnsFlows, ipEndpoint, podEndpoint } from "../k8s/flows";
import { POD_LABELS } from "../observability/chart-values";

/** The labels of the estate's Pushgateway pods (`Monitoring`), which the jobs push to by default. */
export const DEFAULT_PUSHGATEWAY_POD_LABELS: Record<string, string> = { ...POD_LABELS.pushgateway };

export interface BackupJobsFlowSpec {
    service: string;
    namespace: pulumi.Input<string>;
    backupPodLabels: Record<string, string>;
    drillPodLabels: Record<string, string>;
    /** The database: its pods (in the cluster) or an address (outside it). */
    database: EndpointInput;
    databasePort: pulumi.Input<number>;
    pushgatewayUrl: string;
    pushgatewayPods: Record<string, string>;
}

/** The Pushgateway's end of a push: its pods, when the URL names a cluster Service (`<svc>.<namespace>.svc...`), else an address. */
export function pushgatewayEndpoint(pushgatewayUrl: string, pods: Record<string, string>): { to: EndpointInput; port: number } {
    const url = new URL(pushgatewayUrl);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const match = /^[a-z0-9-]+\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?$/.exec(url.hostname);
    return { to: match ? podEndpoint(match[1]!, pods) : ipEndpoint(EXTERNAL_ADDRESSES.internet), port };
}

export function backupJobsFlows(p: BackupJobsFlowSpec): FlowInput[] {
    const backup = podEndpoint(p.namespace, p.backupPodLabels);
    const drill = podEndpoint(p.namespace, p.drillPodLabels);
    const pushgateway = pushgatewayEndpoint(p.pushgatewayUrl, p.pushgatewayPods);
    return [
        ...dnsFlows("backup", backup, `The ${p.service} backup pods`),
        ...dnsFlows("drill", drill, `The ${p.service} restore-drill pods`),
        {
            name: "backup-to-database",
            description: `The backup dumps ${p.service} from its server.`,
            from: backup,
            to: p.database,
            port: p.databasePort,
        },
        ...(
            [
                ["backup", backup, "uploads the dump to"],
                ["drill", drill, "downloads the newest dump from"],
            ] as const
        ).flatMap(([role, from, what]) => [
            {
                name: `${role}-to-s3`,
                description: `The ${role === "backup" ? "backup" : "restore drill"} of ${p.service} ${what} the backup bucket (S3, HTTPS).`,
                from,
                to: ipEndpoint(EXTERNAL_ADDRESSES.internet),
                port: 443,
            },
            {
                name: `${role}-to-pushgateway`,
                description: `The ${role === "backup" ? "backup" : "restore drill"} of ${p.service} pushes its metrics (last success, duration) to the Pushgateway.`,
                from,
                to: pushgateway.to,
                port: pushgateway.port,
            },
        ]),
    ];
}
