/**
 * `GrafanaContent`: the estate's objects in a Grafana, through its API (`@pulumiverse/grafana`):
 * a folder, the Prometheus data source, the dashboards (RED per service, DR), a contact point that
 * hands Grafana-managed alerts to the estate's Alertmanager (so every alert reaches people the same
 * way) and the notification policy that routes to it.
 *
 * The Grafana provider talks to Grafana during preview and up, so this component can exist only
 * once Grafana is reachable: the estate creates it when `estate:grafana.url` is set (after the
 * first deployment has installed Grafana; see docs/observability.md, "Grafana in two steps").
 */
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import { ArgumentError } from "../lib/errors";
import type { MonitoredService } from "./alert-rules";
import { type DashboardModel, type DataSourceRef, disasterRecoveryDashboard, servicesDashboard } from "./dashboards";

export interface GrafanaContentArgs {
    /** Distinguishes this estate's objects when stacks share a Grafana (uids carry it), such as the stack's name. Required. */
    instance: string;
    /** Where Grafana's server reaches Prometheus (an in-cluster URL, `Monitoring.prometheusUrl`). Required. */
    prometheusUrl: pulumi.Input<string>;
    /** Where Grafana's server reaches Alertmanager (`Monitoring.alertmanagerUrl`). Required. */
    alertmanagerUrl: pulumi.Input<string>;
    /** The apps of the RED dashboard. Required (may be empty). */
    services: readonly MonitoredService[];
    /** The thresholds the dashboards draw as red lines. Required. */
    thresholds: { errorRatio: number; latencyP95Seconds: number; cpuRequestRatio: number; memoryLimitRatio: number };
    /** The DR objectives the DR dashboard compares backups and drills against. Required. */
    objectives: { rpoMinutes: number; rtoMinutes: number };
    /** The folder's title. Default: `Estate (<instance>)`. */
    folderTitle?: string;
    /** More dashboards for the folder; their panels should query `dataSourceRef(instance)`. Default: none. */
    dashboards?: DashboardModel[];
}

const TYPE = "estate:observability:GrafanaContent";
const UID = /^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$/;

/** The Prometheus data source of an estate instance, as dashboards reference it. */
export function dataSourceRef(instance: string): DataSourceRef {
    return { type: "prometheus", uid: `estate-prometheus-${instance}` };
}

export class GrafanaContent extends pulumi.ComponentResource {
    /** The folder's uid. */
    readonly folderUid: pulumi.Output<string>;
    /** The Prometheus data source's uid, which every panel queries. */
    readonly dataSourceUid: pulumi.Output<string>;
    /** Each dashboard's URL, by uid. */
    readonly dashboards: Record<string, pulumi.Output<string>>;
    /** The contact point Grafana-managed alerts go to. */
    readonly contactPoint: pulumi.Output<string>;

    constructor(name: string, args: GrafanaContentArgs, opts?: pulumi.ComponentResourceOptions) {
        const component = `GrafanaContent ${JSON.stringify(name)}`;
        validateArgs(component, args);
        requireGrafanaProvider(component, opts);
        super(TYPE, name, {}, opts);
        const child = { parent: this };
        const datasource = dataSourceRef(args.instance);

        const folder = new grafana.oss.Folder(
            `${name}-folder`,
            { uid: `estate-${args.instance}`, title: args.folderTitle ?? `Estate (${args.instance})` },
            child,
        );

        const prometheus = new grafana.oss.DataSource(
            `${name}-prometheus`,
            {
                uid: datasource.uid,
                name: `Prometheus (estate ${args.instance})`,
                type: datasource.type,
                url: args.prometheusUrl,
                accessMode: "proxy",
                isDefault: true,
                jsonDataEncoded: JSON.stringify({ httpMethod: "POST", timeInterval: "30s", prometheusType: "Prometheus" }),
            },
            child,
        );

        const models = [
            servicesDashboard({ services: args.services, datasource, thresholds: args.thresholds, uid: args.instance }),
            disasterRecoveryDashboard({ datasource, objectives: args.objectives, uid: args.instance }),
            ...(args.dashboards ?? []),
        ];
        this.dashboards = {};
        for (const model of models) {
            const dashboard = new grafana.oss.Dashboard(
                `${name}-dashboard-${model.uid}`,
                { folder: folder.uid, configJson: JSON.stringify(model), overwrite: true, message: "Managed by the estate (pulumi up)" },
                { parent: this, dependsOn: [prometheus] },
            );
            this.dashboards[model.uid] = dashboard.url;
        }

        // Grafana-managed alerts join Prometheus's in Alertmanager, which routes them to people.
        const contactPoint = new grafana.alerting.ContactPoint(
            `${name}-contact-point`,
            { name: `estate-alertmanager-${args.instance}`, alertmanagers: [{ url: args.alertmanagerUrl }] },
            child,
        );
        new grafana.alerting.NotificationPolicy(
            `${name}-notification-policy`,
            { contactPoint: contactPoint.name, groupBies: ["grafana_folder", "alertname"], groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" },
            child,
        );

        this.folderUid = folder.uid;
        this.dataSourceUid = prometheus.uid;
        this.contactPoint = contactPoint.name;
        this.registerOutputs({ folderUid: this.folderUid, dataSourceUid: this.dataSourceUid, dashboards: this.dashboards, contactPoint: this.contactPoint });
    }
}

/** The Grafana provider a component was given; the estate never uses an ambient one. */
function requireGrafanaProvider(component: string, opts: pulumi.ComponentResourceOptions | undefined): grafana.Provider {
    const providers = opts?.providers;
    const candidates: unknown[] = [opts?.provider, ...(Array.isArray(providers) ? providers : Object.values(providers ?? {}))];
    const found = candidates.find((p): p is grafana.Provider => grafana.Provider.isInstance(p));
    if (!found) {
        throw new ArgumentError(component, "opts.provider", "is required: a grafana Provider with the Grafana's URL and credentials");
    }
    return found;
}

function validateArgs(component: string, args: GrafanaContentArgs): void {
    const fail = (argument: string, problem: string): never => {
        throw new ArgumentError(component, argument, problem);
    };
    if (typeof args.instance !== "string" || !UID.test(args.instance)) {
        fail("instance", `must be a lower-case DNS label of at most 30 characters, such as prod (got ${JSON.stringify(args.instance)})`);
    }
    for (const [key, value] of Object.entries(args.objectives ?? {})) {
        if (!Number.isSafeInteger(value) || value < 1) {
            fail(`objectives.${key}`, `must be a positive integer number of minutes (got ${String(value)})`);
        }
    }
    const uids = new Set([`estate-services-${args.instance}`, `estate-dr-${args.instance}`]);
    for (const [i, model] of (args.dashboards ?? []).entries()) {
        if (uids.has(model.uid)) {
            fail(`dashboards[${i}].uid`, `must be unique in the folder (${JSON.stringify(model.uid)} is taken)`);
        }
        uids.add(model.uid);
    }
}
