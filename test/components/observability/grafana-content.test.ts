import * as grafana from "@pulumiverse/grafana";
import { describe, expect, it } from "vitest";
import { ArgumentError } from "../../../components/lib/errors";
import type { DashboardModel } from "../../../components/observability/dashboards";
import { GrafanaContent, type GrafanaContentArgs, dataSourceRef } from "../../../components/observability/grafana-content";
import { runProgram } from "../../../scripts/engine/mock-engine";
import { Built } from "../k8s/harness";

const G = {
    provider: "pulumi:providers:grafana",
    folder: "grafana:oss/folder:Folder",
    dataSource: "grafana:oss/dataSource:DataSource",
    dashboard: "grafana:oss/dashboard:Dashboard",
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
    notificationPolicy: "grafana:alerting/notificationPolicy:NotificationPolicy",
} as const;

const ARGS: GrafanaContentArgs = {
    instance: "prod",
    prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
    alertmanagerUrl: "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093",
    services: [
        { name: "web", namespace: "apps", kind: "web", replicas: { min: 3, max: 10 } },
        { name: "worker", namespace: "apps", kind: "worker", replicas: { min: 2, max: 5 } },
    ],
    thresholds: { errorRatio: 0.02, latencyP95Seconds: 0.5, cpuRequestRatio: 1, memoryLimitRatio: 0.9 },
    objectives: { rpoMinutes: 15, rtoMinutes: 60 },
};

async function content(args: Partial<GrafanaContentArgs> = {}): Promise<Built> {
    const run = await runProgram(() => {
        const provider = new grafana.Provider("grafana", { url: "https://grafana.example.com", auth: "admin:secret" });
        const c = new GrafanaContent("grafana", { ...ARGS, ...args }, { provider });
        return { folderUid: c.folderUid, dataSourceUid: c.dataSourceUid, dashboards: c.dashboards, contactPoint: c.contactPoint };
    });
    return new Built(run);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe("GrafanaContent", () => {
    it("creates a folder, the Prometheus data source (default, proxied, in-cluster URL), two dashboards, a contact point and a notification policy, all through the given provider", async () => {
        const built = await content();
        const types = built.run.resources.filter((r) => r.type.startsWith("grafana:")).map((r) => r.type);
        expect(types.sort()).toEqual([G.notificationPolicy, G.contactPoint, G.dashboard, G.dashboard, G.dataSource, G.folder].sort());
        for (const r of built.run.resources.filter((r) => r.type.startsWith("grafana:"))) {
            expect(r.provider?.startsWith(built.ofType(G.provider)[0]!.urn), r.name).toBe(true);
        }
        expect(built.inputs("grafana-folder")).toMatchObject({ uid: "estate-prod", title: "Estate (prod)" });
        expect(built.inputs("grafana-prometheus")).toMatchObject({
            uid: "estate-prometheus-prod",
            type: "prometheus",
            url: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
            accessMode: "proxy",
            isDefault: true,
        });
        expect(JSON.parse(built.inputs("grafana-prometheus").jsonDataEncoded)).toEqual({ httpMethod: "POST", timeInterval: "30s", prometheusType: "Prometheus" });
    });

    it("puts every panel of every dashboard on that data source, in the folder", async () => {
        const built = await content();
        const uid = built.inputs("grafana-prometheus").uid;
        const dashboards = built.ofType(G.dashboard);
        expect(dashboards.map((d) => d.name).sort()).toEqual(["grafana-dashboard-estate-dr-prod", "grafana-dashboard-estate-services-prod"]);
        for (const d of dashboards) {
            const inputs = built.inputs(d.name);
            expect(inputs.folder).toBe("estate-prod");
            expect(inputs.overwrite).toBe(true);
            const model = JSON.parse(inputs.configJson) as Json;
            for (const panel of model.panels.filter((p: Json) => p.type !== "row")) {
                expect(panel.datasource, `${d.name} ${panel.title}`).toEqual({ type: "prometheus", uid });
                for (const target of panel.targets) {
                    expect(target.datasource.uid).toBe(uid);
                }
            }
            expect(d.dependencies).toContain(built.resource("grafana-prometheus").urn);
        }
        expect(built.outputs().dashboards).toEqual({
            "estate-services-prod": "https://grafana.invalid/d/estate-services-prod",
            "estate-dr-prod": "https://grafana.invalid/d/estate-dr-prod",
        });
    });

    it("hands Grafana-managed alerts to the estate's Alertmanager, the one way alerts reach people", async () => {
        const built = await content();
        expect(built.inputs("grafana-contact-point")).toMatchObject({
            name: "estate-alertmanager-prod",
            alertmanagers: [{ url: "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093" }],
        });
        expect(built.inputs("grafana-notification-policy")).toMatchObject({ contactPoint: "estate-alertmanager-prod", groupBies: ["grafana_folder", "alertname"] });
    });

    it("adds more dashboards to the folder", async () => {
        const extra = { uid: "estate-queues-prod", title: "Queues", panels: [] } as unknown as DashboardModel;
        const built = await content({ dashboards: [extra] });
        expect(built.maybe("grafana-dashboard-estate-queues-prod")).toBeDefined();
        expect(dataSourceRef("prod")).toEqual({ type: "prometheus", uid: "estate-prometheus-prod" });
    });

    it.each([
        ["an instance that is not a DNS label", { instance: "Prod" }, 'GrafanaContent "grafana": instance must be a lower-case DNS label of at most 30 characters, such as prod (got "Prod")'],
        ["a zero RTO", { objectives: { rpoMinutes: 15, rtoMinutes: 0 } }, 'GrafanaContent "grafana": objectives.rtoMinutes must be a positive integer number of minutes (got 0)'],
        [
            "a dashboard whose uid is taken",
            { dashboards: [{ uid: "estate-dr-prod" } as DashboardModel] },
            'GrafanaContent "grafana": dashboards[0].uid must be unique in the folder ("estate-dr-prod" is taken)',
        ],
    ] as const)("refuses %s", async (_, args, message) => {
        await expect(content(args as Partial<GrafanaContentArgs>)).rejects.toThrow(message);
    });

    it("refuses to run without a Grafana provider", async () => {
        await expect(runProgram(() => new GrafanaContent("grafana", ARGS))).rejects.toBeInstanceOf(ArgumentError);
        await expect(runProgram(() => new GrafanaContent("grafana", ARGS))).rejects.toThrow(/opts.provider is required: a grafana Provider/);
    });
});
