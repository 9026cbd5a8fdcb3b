/**
 * Traefik's catalogue: a planned stack scrapes it (the PodMonitor on its metrics port, the release
 * serving per-service metrics), and every Traefik series the estate's rules and dashboards query is
 * one it lists.
 */
import { describe, expect, it } from "vitest";
import { traefikServiceName } from "../../../../components/k8s/chart-values";
import { APP_HTTP_PORT_NAME, estateRuleGroups, type MonitoredService } from "../../../../components/observability/alert-rules";
import { queriesOf, servicesDashboard } from "../../../../components/observability/dashboards";
import { traefik } from "../../../../components/observability/exporters/traefik";
import type { PlannedResource } from "../../../../components/observability/exporters/types";
import { plainInputs } from "../../../../scripts/engine/mock-engine";
import { prod } from "../../../../stacks/prod";
import type { AlertThresholds } from "../../../../components/observability/alert-rules";
import { plannedStack } from "../../../helpers/plans";

const WEB: MonitoredService = { name: "web", namespace: "apps", kind: "web", replicas: { min: 2, max: 10 } };

async function planned(stack: string): Promise<PlannedResource[]> {
    const run = await plannedStack(stack);
    return run.resources.map((r) => ({ type: r.type, name: r.name, inputs: plainInputs(r, "unwrap") as Record<string, unknown> }));
}

describe("the Traefik catalogue", () => {
    it("is scraped in the prod stack: a PodMonitor on the metrics port of Traefik's pods, and the release serving per-service metrics", async () => {
        const resources = await planned("prod");
        expect(traefik.scrapedIn(resources)).toBe(true);
        const monitor = resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor" && (r.inputs.metadata as { name: string }).name === "traefik")!;
        expect(monitor.inputs).toMatchObject({
            metadata: { namespace: "ingress" },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } }, podMetricsEndpoints: [{ port: "metrics", path: "/metrics" }] },
        });
    });

    it("is not scraped without the PodMonitor, nor when the release turns Prometheus off", async () => {
        const resources = await planned("prod");
        expect(traefik.scrapedIn(resources.filter((r) => r.type !== "kubernetes:monitoring.coreos.com/v1:PodMonitor"))).toBe(false);
        const off = resources.map((r) =>
            r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "traefik" ? { ...r, inputs: { ...r.inputs, values: { ...(r.inputs.values as object), metrics: { prometheus: null } } } } : r,
        );
        expect(traefik.scrapedIn(off)).toBe(false);
    });

    it("in the prod stack, each web app's edge rules select the backend its Ingress routes to, as Traefik names it", async () => {
        const resources = await planned("prod");
        const ingresses = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
        let checked = 0;
        for (const ingress of ingresses) {
            const { metadata, spec } = ingress.inputs as {
                metadata: { name: string; namespace: string };
                spec: { rules: { http: { paths: { backend: { service: { name: string; port: { name?: string } } } }[] } }[] };
            };
            if (metadata.namespace !== "apps") continue; // Grafana's Ingress is not an app
            const backend = spec.rules[0]!.http.paths[0]!.backend.service;
            expect(backend.port.name).toBe(APP_HTTP_PORT_NAME);
            const rule = resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" && (r.inputs.metadata as { name: string }).name === `estate-service-${backend.name}`)!;
            const text = JSON.stringify(rule.inputs.spec);
            expect(text).toContain(`traefik_service_requests_total{service=\\"${traefikServiceName(metadata.namespace, backend.name, backend.port.name!)}\\"}`);
            checked++;
        }
        expect(checked).toBeGreaterThan(0);
    });

    it("lists every traefik_ series the rules and the services dashboard query", () => {
        const thresholds = prod.config.monitoring!.thresholds as AlertThresholds;
        const exprs = [
            ...estateRuleGroups([WEB], thresholds).flatMap((g) => g.rules.map((r) => r.expr)),
            ...queriesOf(servicesDashboard({ services: [WEB], datasource: { type: "prometheus", uid: "p" }, thresholds })).map((q) => q.expr),
        ];
        const queried = new Set(exprs.flatMap((e) => e.match(/\btraefik_[a-z_]+/g) ?? []));
        expect(queried.size).toBeGreaterThan(0);
        for (const name of queried) {
            expect(traefik.metrics, name).toContain(name);
        }
    });
});
