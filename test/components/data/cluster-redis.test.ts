import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Secret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { ClusterRedis, type ClusterRedisArgs } from "../../../components/data";
import { charts, images } from "../../../components/lib/charts";
import { build, buildError, clusterProvider, DNS_EGRESS, validateModel } from "./harness";

const redis = (args: Partial<ClusterRedisArgs> = {}, opts = {}) =>
    build(() => new ClusterRedis("redis", { version: "7.1", namespace: "data", ...args }, { providers: { kubernetes: clusterProvider() } }), opts);

describe("ClusterRedis with defaults", () => {
    it("installs the pinned redis-ha chart with AUTH from its Secret, persistence and an HAProxy in front of the primary", async () => {
        const b = await redis();
        const release = b.inputs("redis-redis");
        expect(release).toMatchObject({ name: "redis", chart: "redis-ha", version: charts.redisHa.version, repositoryOpts: { repo: charts.redisHa.repo }, namespace: "data" });
        expect(release.values).toMatchObject({
            fullnameOverride: "redis",
            image: { repository: "redis", tag: expect.stringMatching(/^7\.2\.\d+-alpine$/) },
            replicas: 3,
            auth: true,
            existingSecret: "redis-auth",
            authKey: "auth",
            persistentVolume: { enabled: true, size: "8Gi" },
            redis: { config: { "min-replicas-to-write": 1, appendonly: "yes" } },
            sentinel: { quorum: 2 },
            haproxy: { enabled: true, replicas: 3 },
        });
        expect(b.resource("redis-redis").dependencies).toContain(b.resource("redis-credentials").urn);
        expect(b.resource("redis-redis").provider).toMatch(/\$pulumi:providers:kubernetes::cluster::/);
    });

    it("keeps the generated password in a Secret and exports a plain-text connection to the HAProxy service (tls false)", async () => {
        const b = await redis();
        const secret = b.inputs("redis-credentials");
        expect(() => validateModel(new Secret(secret))).not.toThrow();
        const password = secret.stringData.auth as string;
        expect(b.outputs().connection).toEqual({
            host: "redis-haproxy.data.svc",
            port: 6379,
            database: "0",
            user: "default",
            password,
            uri: `redis://default:${password}@redis-haproxy.data.svc:6379/0`,
            tls: false,
        });
        expect(b.shownOutputs().connection).toMatchObject({ password: "[secret]", uri: "[secret]" });
    });

    it("admits only the estate's app pods, to the HAProxy on Redis's port, with valid NetworkPolicies", async () => {
        const b = await redis();
        const haproxy = b.inputs("redis-haproxy-network-policy");
        expect(() => validateModel(new NetworkPolicy(haproxy))).not.toThrow();
        expect(haproxy.metadata).toMatchObject({ name: "redis-haproxy", namespace: "data" });
        expect(haproxy.spec).toEqual({
            podSelector: { matchLabels: { release: "redis", app: "redis-ha-haproxy" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } }, podSelector: { matchLabels: { "app.kubernetes.io/part-of": "estate" } } }],
                    ports: [{ protocol: "TCP", port: 6379 }],
                },
            ],
            egress: [
                DNS_EGRESS,
                {
                    to: [{ podSelector: { matchLabels: { release: "redis", app: "redis-ha" } } }],
                    ports: [
                        { protocol: "TCP", port: 6379 },
                        { protocol: "TCP", port: 26379 },
                    ],
                },
            ],
        });
    });

    it("lets servers and Sentinels reach each other and the HAProxy reach them, nothing else", async () => {
        const b = await redis();
        const servers = b.inputs("redis-servers-network-policy");
        expect(() => validateModel(new NetworkPolicy(servers))).not.toThrow();
        const both = [
            { protocol: "TCP", port: 6379 },
            { protocol: "TCP", port: 26379 },
        ];
        expect(servers.metadata).toMatchObject({ name: "redis-servers", namespace: "data" });
        expect(servers.spec).toEqual({
            podSelector: { matchLabels: { release: "redis", app: "redis-ha" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: { release: "redis", app: "redis-ha" } } }, { podSelector: { matchLabels: { release: "redis", app: "redis-ha-haproxy" } } }], ports: both }],
            egress: [DNS_EGRESS, { to: [{ podSelector: { matchLabels: { release: "redis", app: "redis-ha" } } }], ports: both }],
        });
    });
});

describe("ClusterRedis metrics", () => {
    const scraper = { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } };

    it("runs the chart's exporter sidecar on the pinned image and exposes what to scrape: the servers' port 9121, no auth", async () => {
        let made: ClusterRedis | undefined;
        const b = await build(() => (made = new ClusterRedis("redis", { version: "7.1", namespace: "data", metricsScraper: scraper }, { providers: { kubernetes: clusterProvider() } })));
        expect(b.inputs("redis-redis").values.exporter).toEqual({ enabled: true, image: "oliver006/redis_exporter", tag: images.redisExporter.split(":")[1] });
        expect(made!.metricsEndpoint).toEqual({ namespace: "data", podLabels: { release: "redis", app: "redis-ha" }, port: { name: "exporter-port", number: 9121 }, path: "/metrics" });
    });

    it("admits the scraper to the servers on the exporter port only, and nobody when no scraper is given", async () => {
        const b = await redis({ metricsScraper: scraper });
        const servers = b.inputs("redis-servers-network-policy");
        expect(() => validateModel(new NetworkPolicy(servers))).not.toThrow();
        expect(servers.spec.ingress).toContainEqual({
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
            ports: [{ protocol: "TCP", port: 9121 }],
        });
        expect(JSON.stringify(b.inputs("redis-haproxy-network-policy").spec)).not.toContain("9121");
        expect(JSON.stringify((await redis()).inputs("redis-servers-network-policy").spec)).not.toContain("9121");
    });
});

describe("ClusterRedis overrides", () => {
    it("a lone server accepts writes without a replica; storage, version and namespace labels as given", async () => {
        const b = await redis({ nodes: 1, storageGb: 2, storageClass: "local-path", version: "6.2", clients: { namespace: "shop", podLabels: { team: "shop" } }, protectData: false });
        expect(b.inputs("redis-redis").values).toMatchObject({
            replicas: 1,
            image: { tag: expect.stringMatching(/^6\.2\.\d+-alpine$/) },
            persistentVolume: { size: "2Gi", storageClass: "local-path" },
            redis: { config: { "min-replicas-to-write": 0 } },
            sentinel: { quorum: 1 },
            haproxy: { replicas: 1 },
        });
        expect(b.inputs("redis-haproxy-network-policy").spec.ingress[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { team: "shop" } } },
        ]);
        expect(b.resource("redis-redis").protect).toBe(false);
    });
});

describe("ClusterRedis refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<ClusterRedisArgs>, string]>([
        ["version", { version: "8.0" as never }, 'version must be one of 6.2, 7.0, 7.1 (got "8.0")'],
        ["nodes", { nodes: 0 }, "nodes must be an integer from 1 to 6 (got 0)"],
        ["an open selector", { clients: { namespace: "apps", podLabels: {} } }, "clients.podLabels must name at least one label: an empty selector would admit every pod of the namespace"],
        ["clients without a namespace", { clients: { namespace: "" } }, "clients.namespace is required (the namespace of the client pods, usually Platform.namespaces.apps)"],
        ["namespace", { namespace: "" }, "namespace is required (the namespace of Redis)"],
        ["an open metrics scraper", { metricsScraper: { namespace: "monitoring", podLabels: {} } }, "metricsScraper.podLabels must name at least one label: an empty selector would admit every pod of the namespace"],
    ])("%s", async (_case, args, problem) => {
        const { message, registered } = await buildError(() => new ClusterRedis("redis", { version: "7.1", namespace: "data", ...args }));
        expect(message).toBe(`ClusterRedis "redis": ${problem}`);
        expect(registered).toEqual(["pulumi:pulumi:Stack"]);
    });
});
