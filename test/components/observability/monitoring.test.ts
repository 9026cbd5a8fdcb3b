import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { estateRuleGroups } from "../../../components/observability/alert-rules";
import { Monitoring, type MonitoringArgs } from "../../../components/observability/monitoring";
import { charts } from "../../../components/lib/charts";
import { ArgumentError } from "../../../components/lib/errors";
import { evaluateFlow, type Flow, type NetworkPolicy } from "../../../policies/lib/netpol";
import { type Built, T, runWithCluster } from "../k8s/harness";

const THRESHOLDS = {
    errorRatio: 0.02,
    latencyP95Seconds: 0.5,
    minRequestRate: 0,
    cpuRequestRatio: 1,
    memoryRequestRatio: 1,
    memoryLimitRatio: 0.9,
    autoscalerMaxedMinutes: 15,
    certificateExpiryDays: 21,
    crashLoopRestarts: 3,
};
const INGRESS = { className: "traefik", clusterIssuer: "letsencrypt-prod", controllerNamespace: "ingress", controllerPodLabels: { "app.kubernetes.io/name": "traefik" } };

async function monitoring(args: Partial<MonitoringArgs> = {}, opts: { preview?: boolean } = {}): Promise<Built> {
    return runWithCluster((cluster) => {
        const m = new Monitoring("monitoring", { namespace: "monitoring", ...args }, { provider: cluster });
        return {
            namespace: m.namespace,
            prometheusUrl: m.prometheusUrl,
            alertmanagerUrl: m.alertmanagerUrl,
            pushgatewayUrl: m.pushgatewayUrl,
            grafanaUrl: m.grafanaUrl,
            grafanaAdminPassword: m.grafanaAdminPassword,
            receivers: m.receivers,
            ruleGroups: m.ruleGroups,
        };
    }, opts);
}

describe("Monitoring with the defaults", () => {
    it("installs the pinned kube-prometheus-stack in the monitoring namespace, waiting for it and rolling a failed install back", async () => {
        const built = await monitoring();
        const release = built.inputs("monitoring-stack");
        expect(release).toMatchObject({
            chart: "kube-prometheus-stack",
            version: charts.kubePrometheusStack.version,
            repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
            name: "kube-prometheus-stack",
            namespace: "monitoring",
            skipAwait: false,
            atomic: true,
        });
    });

    it("sizes Prometheus: retention, a volume per replica with size-based retention below it, requests and a memory limit", async () => {
        const spec = (await monitoring({ prometheus: { retentionDays: 30, storageGb: 100, cpu: "1", memory: "4Gi", replicas: 2 }, storageClass: "gp3" })).inputs("monitoring-stack").values
            .prometheus.prometheusSpec;
        expect(spec).toMatchObject({
            replicas: 2,
            retention: "30d",
            retentionSize: "85GiB",
            resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } },
            storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } }, storageClassName: "gp3" } } },
        });
        const defaults = (await monitoring()).inputs("monitoring-stack").values.prometheus.prometheusSpec;
        expect(defaults).toMatchObject({ replicas: 1, retention: "15d", retentionSize: "42GiB", resources: { requests: { cpu: "500m", memory: "2Gi" } } });
        expect(defaults.storageSpec.volumeClaimTemplate.spec.storageClassName).toBeUndefined();
    });

    it("selects every ServiceMonitor and PrometheusRule in the cluster, not only the chart's own", async () => {
        const spec = (await monitoring()).inputs("monitoring-stack").values.prometheus.prometheusSpec;
        for (const key of ["serviceMonitor", "podMonitor", "probe", "rule", "scrapeConfig"]) {
            expect(spec[`${key}SelectorNilUsesHelmValues`], key).toBe(false);
        }
    });

    it("keeps the namespace restricted: no node exporter, no scrapers of control-plane parts managed clusters hide", async () => {
        const values = (await monitoring()).inputs("monitoring-stack").values;
        expect(values.nodeExporter).toEqual({ enabled: false });
        for (const part of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
            expect(values[part], part).toEqual({ enabled: false });
        }
        // Every default rule group that queries node-exporter series follows the exporter: none would ever have data.
        expect(values.defaultRules.rules).toMatchObject({ etcd: false, nodeExporterAlerting: false, nodeExporterRecording: false, node: false, network: false, kubePrometheusNodeRecording: false });
        expect((await monitoring({ nodeExporter: true })).inputs("monitoring-stack").values.defaultRules.rules).toMatchObject({ nodeExporterAlerting: true, node: true, network: true, kubePrometheusNodeRecording: true });
        expect(values.prometheus.prometheusSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(values.grafana.initChownData).toEqual({ enabled: false });
        expect((await monitoring({ nodeExporter: true })).inputs("monitoring-stack").values.nodeExporter).toEqual({ enabled: true });
    });

    it("gives Grafana a generated admin password from a Secret, persistent storage, and no provisioned data source", async () => {
        const built = await monitoring();
        const grafana = built.inputs("monitoring-stack").values.grafana;
        expect(grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
        expect(grafana.adminPassword).toBeUndefined();
        expect(grafana.persistence).toMatchObject({ enabled: true, size: "5Gi" });
        expect(grafana.sidecar).toEqual({ datasources: { enabled: false } });
        expect(grafana.ingress).toEqual({ enabled: false });
        const secret = built.inputs("monitoring-grafana-admin");
        expect(secret.metadata).toMatchObject({ name: "grafana-admin", namespace: "monitoring" });
        expect(secret.stringData["admin-user"]).toBe("admin");
        expect(built.masked("monitoring-grafana-admin").stringData).toBe("[secret]");
        // Generated: 32 characters without specials, flowing from the RandomPassword into the Secret.
        expect(built.inputs("monitoring-grafana-admin-password")).toMatchObject({ length: 32, special: false });
        expect(built.resource("monitoring-grafana-admin").propertyDependencies.stringData).toContain(built.resource("monitoring-grafana-admin-password").urn);
        expect(built.outputs().grafanaAdminPassword).toBe(secret.stringData["admin-password"]);
        expect(built.resource("monitoring-stack").dependencies).toContain(built.resource("monitoring-grafana-admin").urn);
    });

    it("routes alerts to nobody without receivers, but still mounts the (empty) receivers Secret", async () => {
        const built = await monitoring();
        const am = built.inputs("monitoring-stack").values.alertmanager;
        expect(am.config.receivers).toEqual([{ name: "null" }]);
        expect(am.config.route.receiver).toBe("null");
        expect(am.alertmanagerSpec.secrets).toEqual(["alertmanager-receivers"]);
        expect(built.inputs("monitoring-receivers").stringData).toEqual({});
        expect(built.outputs().receivers).toEqual([]);
    });

    it("runs a Pushgateway with persisted series, scraped with the labels the jobs push, after the stack's CRDs exist", async () => {
        const built = await monitoring();
        const release = built.inputs("monitoring-pushgateway");
        expect(release).toMatchObject({ chart: "prometheus-pushgateway", version: charts.pushgateway.version, name: "pushgateway", namespace: "monitoring" });
        expect(release.values).toMatchObject({
            fullnameOverride: "pushgateway",
            persistentVolume: { enabled: true },
            extraArgs: ["--persistence.file=/data/pushgateway.data", "--persistence.interval=1m"],
            serviceMonitor: { enabled: true, namespace: "monitoring", honorLabels: true },
            containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        });
        expect(built.resource("monitoring-pushgateway").dependencies).toContain(built.resource("monitoring-stack").urn);
    });

    it("opens the default-deny namespace to itself and to the API server's webhook calls, nothing else", async () => {
        const built = await monitoring();
        expect(built.inputs("monitoring-within-namespace").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] });
        expect(built.inputs("monitoring-operator-webhook").spec).toEqual({
            podSelector: { matchLabels: { app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack" } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: 10250 }] }],
        });
        expect(built.maybe("monitoring-pushgateway-clients")).toBeUndefined();
        expect(built.maybe("monitoring-grafana-ingress")).toBeUndefined();
    });

    it("exports in-cluster URLs and the settings apps take for their ServiceMonitors", async () => {
        const built = await monitoring();
        expect(built.outputs()).toMatchObject({
            namespace: "monitoring",
            prometheusUrl: "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
            alertmanagerUrl: "http://kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093",
            grafanaUrl: "http://kube-prometheus-stack-grafana.monitoring.svc.cluster.local:80",
            pushgatewayUrl: "http://pushgateway.monitoring.svc.cluster.local:9091",
        });
        const preview = await monitoring({}, { preview: true });
        expect(preview.outputs().prometheusUrl).toBe("http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
    });
});

describe("Monitoring with receivers, rules, Grafana on a host, Pushgateway clients and cert-manager", () => {
    const full = () =>
        monitoring({
            receivers: {
                slack: { channel: "#shop-alerts", webhookUrl: pulumi.secret("https://hooks.slack.com/services/T0/B0/secret-part") },
                pagerduty: { routingKey: pulumi.secret("pd-routing-key-secret") },
            },
            ruleGroups: estateRuleGroups([{ name: "web", namespace: "apps", kind: "web", replicas: { min: 2, max: 4 } }], THRESHOLDS),
            grafana: { host: "grafana.example.com", ingress: INGRESS },
            pushgatewayClients: ["apps", "data"],
            certManagerNamespace: "cert-manager",
        });

    it("puts the receivers' credentials in a Secret only, and names their files in Alertmanager's configuration", async () => {
        const built = await full();
        const secret = built.inputs("monitoring-receivers");
        expect(secret.metadata).toMatchObject({ name: "alertmanager-receivers", namespace: "monitoring" });
        expect(secret.stringData).toEqual({ "slack-webhook-url": "https://hooks.slack.com/services/T0/B0/secret-part", "pagerduty-routing-key": "pd-routing-key-secret" });
        expect(built.masked("monitoring-receivers").stringData).toBe("[secret]");
        const values = built.inputs("monitoring-stack").values;
        expect(JSON.stringify(values)).not.toMatch(/secret-part|pd-routing-key-secret/);
        expect(values.alertmanager.config.receivers.map((r: { name: string }) => r.name)).toEqual(["null", "slack", "pagerduty"]);
        expect(values.alertmanager.config.receivers[1].slack_configs[0]).toMatchObject({
            api_url_file: "/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url",
            channel: "#shop-alerts",
        });
        expect(values.alertmanager.config.receivers[2].pagerduty_configs[0].routing_key_file).toBe("/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key");
        expect(built.outputs().receivers).toEqual(["slack", "pagerduty"]);
    });

    it("creates a PrometheusRule per rule group, named after it, once the CRDs exist", async () => {
        const built = await full();
        const rules = built.ofType(T.prometheusRule);
        expect(rules.map((r) => r.name).sort()).toEqual(["monitoring-rules-estate-certificates", "monitoring-rules-estate-service-web"]);
        const web = built.inputs("monitoring-rules-estate-service-web");
        expect(web.metadata).toMatchObject({ name: "estate-service-web", namespace: "monitoring" });
        expect(web.spec.groups).toHaveLength(1);
        expect(web.spec.groups[0].name).toBe("estate-service-web");
        expect(built.resource("monitoring-rules-estate-service-web").dependencies).toContain(built.resource("monitoring-stack").urn);
        expect(built.outputs().ruleGroups).toEqual(["estate-service-web", "estate-certificates"]);
    });

    it("serves Grafana on its host through the ingress controller with TLS, and lets only the controller in", async () => {
        const built = await full();
        const grafana = built.inputs("monitoring-stack").values.grafana;
        expect(grafana.ingress).toEqual({
            enabled: true,
            ingressClassName: "traefik",
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-prod" },
            hosts: ["grafana.example.com"],
            path: "/",
            tls: [{ secretName: "grafana-tls", hosts: ["grafana.example.com"] }],
        });
        expect(grafana["grafana.ini"].server).toEqual({ root_url: "https://grafana.example.com" });
        expect(built.inputs("monitoring-grafana-ingress").spec).toEqual({
            podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kube-prometheus-stack" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }],
                    ports: [{ protocol: "TCP", port: 3000 }],
                },
            ],
        });
    });

    it("admits the ingress controller to cert-manager's ACME HTTP-01 solver in its own namespace, where Grafana's Ingress is (defect 2)", async () => {
        const built = await full();
        // The namespace is default-deny (Platform); what the component plans must let the challenge through.
        const planned: NetworkPolicy[] = [
            { namespace: "monitoring", name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            ...built.ofType(T.networkPolicy).map((r) => {
                const inputs = built.inputs(r.name);
                return { namespace: inputs.metadata.namespace, name: inputs.metadata.name, spec: inputs.spec };
            }),
        ];
        const challenge: Flow = {
            from: { pod: { namespace: "ingress", labels: { "app.kubernetes.io/name": "traefik" } } },
            to: { pod: { namespace: "monitoring", labels: { "acme.cert-manager.io/http01-solver": "true" } } },
            port: 8089,
        };
        const verdict = evaluateFlow(challenge, planned, [{ name: "monitoring", labels: {} }, { name: "ingress", labels: {} }]);
        expect(verdict.ingress.allowedBy).toEqual(["monitoring/allow-acme-http01-solver"]);
        expect(verdict.allowed).toBe(true);
        // Without Grafana on a host, no Ingress, so no solver allowance either.
        expect((await monitoring()).maybe("monitoring-acme-solver")).toBeUndefined();
    });

    it("declares its flows in its registered outputs, the solver's among them", async () => {
        const built = await full();
        const flows = built.resource("monitoring").outputs!.toJavaScript().networkFlows as { name: string; to: unknown; port: number }[];
        expect(flows.map((f) => f.name)).toEqual([
            "prometheus-to-pushgateway",
            "grafana-to-prometheus",
            "api-server-to-operator-webhook",
            "operator-to-api-server",
            "prometheus-to-api-server",
            "prometheus-to-cert-manager",
            "alertmanager-to-receivers",
            "ingress-to-acme-solver",
            "ingress-to-grafana",
        ]);
        expect(flows.find((f) => f.name === "ingress-to-acme-solver")).toMatchObject({ to: { pod: { namespace: "monitoring", labels: { "acme.cert-manager.io/http01-solver": "true" } } }, port: 8089 });
    });

    it("admits batch jobs of the listed namespaces to the Pushgateway", async () => {
        const spec = (await full()).inputs("monitoring-pushgateway-clients").spec;
        expect(spec.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "prometheus-pushgateway", "app.kubernetes.io/instance": "pushgateway" } });
        expect(spec.ingress).toEqual([
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }],
                ports: [{ protocol: "TCP", port: 9091 }],
            },
        ]);
    });

    it("scrapes cert-manager's controller, keeping the certificates' own namespace label", async () => {
        const built = await full();
        expect(built.inputs("monitoring-cert-manager").spec).toEqual({
            namespaceSelector: { matchNames: ["cert-manager"] },
            selector: { matchLabels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": "controller" } },
            endpoints: [{ port: "http-metrics", path: "/metrics", interval: "60s", honorLabels: true }],
        });
    });
});

describe("Monitoring of exporters outside its namespace (scrapeTargets)", () => {
    const TARGET = {
        name: "mongo",
        description: "the MongoDB members' metrics",
        namespace: "data",
        podLabels: { app: "mongo-svc" },
        port: { name: "prometheus", number: 9216 },
        basicAuth: { secretName: "mongo-metrics", usernameKey: "username", passwordKey: "password" },
    };

    it("creates a PodMonitor in the target's namespace once the operator's CRDs exist, with its basic auth from that namespace", async () => {
        const built = await monitoring({ scrapeTargets: [TARGET, { ...TARGET, name: "postgres", podLabels: { "cnpg.io/cluster": "postgres" }, port: { name: "metrics", number: 9187 }, basicAuth: undefined, interval: "60s" }] });
        const mongo = built.resource("monitoring-scrape-mongo");
        expect(mongo.type).toBe("kubernetes:monitoring.coreos.com/v1:PodMonitor");
        expect(built.inputs("monitoring-scrape-mongo")).toMatchObject({
            metadata: { name: "mongo", namespace: "data" },
            spec: {
                selector: { matchLabels: { app: "mongo-svc" } },
                podMetricsEndpoints: [
                    {
                        port: "prometheus",
                        path: "/metrics",
                        interval: "30s",
                        basicAuth: { username: { name: "mongo-metrics", key: "username" }, password: { name: "mongo-metrics", key: "password" } },
                    },
                ],
            },
        });
        expect(built.inputs("monitoring-scrape-postgres").spec.podMetricsEndpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "60s" }]);
        expect(mongo.dependencies).toContain(built.resource("monitoring-stack").urn);
    });

    it("declares the flow from Prometheus to each target's port", async () => {
        const built = await monitoring({ scrapeTargets: [TARGET] });
        const flows = built.resource("monitoring").outputs!.toJavaScript().networkFlows as { name: string; from: unknown; to: unknown; port: number }[];
        expect(flows.find((f) => f.name === "prometheus-to-mongo")).toMatchObject({
            from: { pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } } },
            to: { pod: { namespace: "data", labels: { app: "mongo-svc" } } },
            port: 9216,
        });
    });
});

describe("Monitoring arguments that make no sense", () => {
    async function refused(args: Partial<MonitoringArgs>, withProvider = true): Promise<string> {
        const run = runWithCluster((cluster) => new Monitoring("monitoring", { namespace: "monitoring", ...args }, withProvider ? { provider: cluster } : {}));
        const err = await run.then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ArgumentError);
        return (err as Error).message;
    }

    it.each([
        ["no namespace", { namespace: "" }, 'Monitoring "monitoring": namespace is required (usually Platform.namespaces.monitoring)'],
        ["zero retention", { prometheus: { retentionDays: 0 } }, 'Monitoring "monitoring": prometheus.retentionDays must be an integer from 1 to 3650 (got 0)'],
        ["six Alertmanagers", { alertmanagerReplicas: 6 }, 'Monitoring "monitoring": alertmanagerReplicas must be an integer from 1 to 5 (got 6)'],
        ["a memory size that is not one", { prometheus: { memory: "4GB" } }, 'Monitoring "monitoring": prometheus.memory must be a memory quantity such as 2Gi (got "4GB")'],
        ["a Slack channel without #", { receivers: { slack: { channel: "alerts" } } }, 'Monitoring "monitoring": receivers.slack.channel must be a Slack channel such as #shop-alerts (got "alerts")'],
        [
            "two rule groups of one name",
            { ruleGroups: [{ name: "a", rules: [{ record: "x", expr: "1" }] }, { name: "a", rules: [{ record: "y", expr: "1" }] }] },
            'Monitoring "monitoring": ruleGroups[1].name must be unique ("a" appears twice)',
        ],
        ["a rule group that is not a DNS label", { ruleGroups: [{ name: "DR rules", rules: [{ record: "x", expr: "1" }] }] }, 'Monitoring "monitoring": ruleGroups[0].name must be a lower-case DNS label, the PrometheusRule\'s name (got "DR rules")'],
        ["an empty rule group", { ruleGroups: [{ name: "empty", rules: [] }] }, 'Monitoring "monitoring": ruleGroups[0].rules must not be empty (group "empty")'],
        [
            "two scrape targets of one name",
            { scrapeTargets: [1, 2].map(() => ({ name: "redis", description: "Redis", namespace: "data", podLabels: {}, port: { name: "metrics", number: 9121 } })) },
            'Monitoring "monitoring": scrapeTargets[1].name must be unique ("redis" appears twice)',
        ],
        [
            "a scrape target's port without its number",
            { scrapeTargets: [{ name: "redis", description: "Redis", namespace: "data", podLabels: {}, port: { name: "metrics", number: 0 } }] },
            'Monitoring "monitoring": scrapeTargets[0].port must name a container port (a name of up to 15 characters) and its number, 1-65535 (got {"name":"metrics","number":0})',
        ],
        ["a Grafana host that is not one", { grafana: { host: "Grafana", ingress: INGRESS } }, 'Monitoring "monitoring": grafana.host must be a lower-case DNS name such as grafana.example.com (got "Grafana")'],
    ] as const)("refuses %s", async (_, args, message) => {
        expect(await refused(args as Partial<MonitoringArgs>)).toBe(message);
    });

    it("refuses to run without a Kubernetes provider", async () => {
        expect(await refused({}, false)).toMatch(/^Monitoring "monitoring": opts.provider is required/);
    });
});
