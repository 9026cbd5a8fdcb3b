/** Deployments with metrics are scraped; Alertmanager reaches people. */
import type { Policy, PolicyPackConfig } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { isKubePrometheusStack, k8sAlertmanagerReceiver, k8sDeploymentServiceMonitor, metricsPortsOf } from "../../../policies/k8s/monitoring";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { UNKNOWN, fakeResource, wireSecret } from "../../../scripts/engine/policy-harness";
import { check, messagesOf, packConfig } from "../fixtures";
import { K, type Json, container, deployment, kubePrometheusStack, service, serviceMonitor } from "./fixtures";

async function found(policy: Policy, resources: RecordedResource[], config?: PolicyPackConfig): Promise<[string, string | undefined][]> {
    const report = await check(policy, resources, config ? { config } : {});
    return report.violations.map((v, i) => [messagesOf(report)[i]!, v.urn]);
}

/** A Deployment `apps/web` whose container serves metrics on a port named `metrics` (9090). */
const withMetrics = (change: (props: Json) => void = () => undefined) =>
    deployment((p) => {
        p.spec.template.spec.containers[0].ports = [
            { name: "http", containerPort: 8080 },
            { name: "metrics", containerPort: 9090 },
        ];
        change(p);
    });

const NO_SERVICE = "Deployment 'apps/web' declares metrics port 9090 ('metrics'), but no Service in 'apps' selects its pods and exposes that port, so no ServiceMonitor can scrape it.";
const NO_MONITOR = "Deployment 'apps/web' declares metrics port 9090 ('metrics'), but no ServiceMonitor scrapes it through Service 'apps/web' (port 'metrics').";

describe("estate-k8s-deployment-service-monitor", () => {
    it("passes a Deployment whose metrics port a Service exposes and a ServiceMonitor scrapes", async () => {
        expect(await found(k8sDeploymentServiceMonitor, [withMetrics(), service(), serviceMonitor()])).toEqual([]);
    });

    it("reads the metrics port from the prometheus.io annotations too, and joins through the port's name", async () => {
        const d = deployment((p) => {
            p.spec.template.metadata.annotations = { "prometheus.io/scrape": "true", "prometheus.io/port": "8080" };
            p.spec.template.spec.containers[0].ports = [{ name: "http", containerPort: 8080 }];
        });
        const monitor = serviceMonitor((p) => (p.spec.endpoints = [{ port: "http" }]));
        expect(await found(k8sDeploymentServiceMonitor, [d, service(), monitor])).toEqual([]);
        expect(await found(k8sDeploymentServiceMonitor, [d, service()])).toEqual([
            ["Deployment 'apps/web' declares metrics port 8080 ('http'), but no ServiceMonitor scrapes it through Service 'apps/web' (port 'http').", d.urn],
        ]);
    });

    it("accepts a ServiceMonitor in another namespace that watches the app's, or every namespace, and one naming the target port", async () => {
        const elsewhere = serviceMonitor((p) => (p.metadata.namespace = "monitoring"));
        const anywhere = serviceMonitor((p) => {
            p.metadata.namespace = "monitoring";
            p.spec.namespaceSelector = { any: true };
        });
        const byTarget = serviceMonitor((p) => (p.spec.endpoints = [{ targetPort: 9090 }]));
        for (const monitor of [elsewhere, anywhere, byTarget]) {
            expect(await found(k8sDeploymentServiceMonitor, [withMetrics(), service(), monitor]), monitor.name).toEqual([]);
        }
    });

    it("ignores Deployments that declare no metrics port", async () => {
        expect(await found(k8sDeploymentServiceMonitor, [deployment()])).toEqual([]);
        expect(metricsPortsOf({ metadata: { annotations: { "prometheus.io/scrape": "false", "prometheus.io/port": "9090" } }, spec: { containers: [container()] } })).toEqual([]);
    });

    it("fails a Deployment whose metrics port no Service exposes: none, one selecting other pods, one in another namespace, one exposing another port", async () => {
        const d = withMetrics();
        const otherPods = service((p) => (p.spec.selector = { "app.kubernetes.io/name": "api" }), "api");
        const otherNamespace = service((p) => (p.metadata.namespace = "staging"), "staging");
        const otherPort = service((p) => (p.spec.ports = [{ name: "http", port: 8080, targetPort: "http" }]), "web-http");
        for (const services of [[], [otherPods], [otherNamespace], [otherPort]]) {
            expect(await found(k8sDeploymentServiceMonitor, [d, ...services, serviceMonitor()])).toEqual([[NO_SERVICE, d.urn]]);
        }
    });

    it("fails a Deployment whose Service no ServiceMonitor scrapes: none, one selecting other labels, one in another namespace without a selector, one on another port", async () => {
        const d = withMetrics();
        const monitors = [
            [],
            [serviceMonitor((p) => (p.spec.selector = { matchLabels: { "app.kubernetes.io/name": "api" } }))],
            [serviceMonitor((p) => {
                p.metadata.namespace = "monitoring";
                delete p.spec.namespaceSelector;
            })],
            [serviceMonitor((p) => (p.spec.endpoints = [{ port: "http" }]))],
        ];
        for (const m of monitors) {
            expect(await found(k8sDeploymentServiceMonitor, [d, service(), ...m])).toEqual([[NO_MONITOR, d.urn]]);
        }
    });

    it("is mandatory in prod, not applicable without Deployments, and defers what a preview does not know", async () => {
        const report = await check(k8sDeploymentServiceMonitor, [withMetrics()], { config: packConfig("prod") });
        expect(report.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
        expect((await check(k8sDeploymentServiceMonitor, [service()])).notApplicable).toEqual([
            { policy: "estate-k8s-deployment-service-monitor", urn: undefined, reason: "The stack has no Deployment (apps/v1, apps/v1beta1, apps/v1beta2, extensions/v1beta1)." },
        ]);
        const unknownNamespace = withMetrics((p) => (p.metadata.namespace = UNKNOWN));
        const preview = await check(k8sDeploymentServiceMonitor, [unknownNamespace, withMetrics((p) => (p.metadata.name = "api")), service(), serviceMonitor()]);
        expect(preview.violations.map((v) => v.enforcementLevel)).toEqual(["advisory"]);
        expect(preview.violations[0]!.message).toMatch(/^can't run policy 'estate-k8s-deployment-service-monitor' during preview/);
    });
});

const RELEASE = "Helm release 'monitoring/kube-prometheus-stack'";

describe("estate-k8s-alertmanager-receiver", () => {
    it("passes a kube-prometheus-stack whose Alertmanager routes to a receiver with an integration", async () => {
        expect(await found(k8sAlertmanagerReceiver, [kubePrometheusStack()])).toEqual([]);
    });

    it("reads the receivers' structure through secrets in the values", async () => {
        const secretUrl = kubePrometheusStack((p) => {
            p.values.alertmanager.config.receivers[1].slack_configs[0] = { api_url: wireSecret("https://hooks.slack.com/services/x"), channel: "#alerts" };
        });
        expect(await found(k8sAlertmanagerReceiver, [secretUrl])).toEqual([]);
    });

    it("accepts a PagerDuty receiver reached through a child route", async () => {
        const pagerduty = kubePrometheusStack((p) => {
            p.values.alertmanager.config = {
                route: { receiver: "null", routes: [{ receiver: "pagerduty", matchers: ['severity = "critical"'] }] },
                receivers: [{ name: "null" }, { name: "pagerduty", pagerduty_configs: [{ routing_key_file: "/etc/alertmanager/secrets/r/key" }] }],
            };
        });
        expect(await found(k8sAlertmanagerReceiver, [pagerduty])).toEqual([]);
    });

    it.each([
        ["the chart's default configuration", (p: Json) => delete p.values.alertmanager, `${RELEASE} uses the chart's default Alertmanager configuration, whose only receiver is 'null'.`],
        [
            "only the null receiver",
            (p: Json) => (p.values.alertmanager.config = { route: { receiver: "null" }, receivers: [{ name: "null" }] }),
            `${RELEASE} configures no Alertmanager receiver that delivers anywhere (receivers: 'null'); only the null receiver is not enough.`,
        ],
        [
            "a named receiver without an integration",
            (p: Json) => (p.values.alertmanager.config = { route: { receiver: "team" }, receivers: [{ name: "null" }, { name: "team", slack_configs: [] }] }),
            `${RELEASE} configures no Alertmanager receiver that delivers anywhere (receivers: 'null', 'team'); only the null receiver is not enough.`,
        ],
        [
            "a Slack receiver no route reaches",
            (p: Json) => (p.values.alertmanager.config.route = { receiver: "null", routes: [{ receiver: "null", matchers: ['severity = "critical"'] }] }),
            `${RELEASE} routes no alert to a receiver that delivers ('slack'): every alert goes to 'null'.`,
        ],
        ["Alertmanager disabled", (p: Json) => (p.values.alertmanager.enabled = false), `${RELEASE} disables Alertmanager (alertmanager.enabled: false): alerts reach nobody.`],
        [
            "a configuration kept in an existing Secret",
            (p: Json) => (p.values.alertmanager.alertmanagerSpec = { useExistingSecret: true }),
            `${RELEASE} keeps Alertmanager's configuration where the policy cannot see its receivers (useExistingSecret or stringConfig); set alertmanager.config.`,
        ],
    ])("fails %s", async (_, change, message) => {
        const release = kubePrometheusStack(change);
        expect(await found(k8sAlertmanagerReceiver, [release])).toEqual([[message, release.urn]]);
    });

    it("reads a Helm v4 Chart too, and names charts from repositories and OCI registries", async () => {
        const chart = kubePrometheusStack((p) => (p.values.alertmanager.config.receivers = [{ name: "null" }]), K.chart);
        expect((await found(k8sAlertmanagerReceiver, [chart]))[0]![1]).toBe(chart.urn);
        expect(["kube-prometheus-stack", "prometheus-community/kube-prometheus-stack", "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack"].every(isKubePrometheusStack)).toBe(true);
        expect(isKubePrometheusStack("my-kube-prometheus-stack-fork")).toBe(false);
    });

    it("does not apply to other releases or resources; mandatory in prod, disabled in dev (alerts of a dev stack reach nobody by design)", async () => {
        const traefik = fakeResource({ type: K.release, name: "platform-traefik", props: { chart: "traefik", values: {} } });
        const report = await check(k8sAlertmanagerReceiver, [traefik, deployment()]);
        expect(report.violations).toEqual([]);
        expect(report.notApplicable.map((n) => n.urn)).toEqual([traefik.urn, deployment().urn]);
        const bad = kubePrometheusStack((p) => delete p.values.alertmanager);
        expect((await check(k8sAlertmanagerReceiver, [bad], { config: packConfig("prod") })).violations.map((v) => v.enforcementLevel)).toEqual(["mandatory"]);
        expect((await check(k8sAlertmanagerReceiver, [bad], { config: packConfig("dev") })).violations).toEqual([]);
    });
});
