import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AppService, type AppServiceArgs } from "../../../components/k8s";
import { ArgumentError } from "../../../components/lib/errors";
import { flowsOf, summary } from "../../helpers/flows";
import { type Built, T, registeredTypes, runWithCluster } from "./harness";

const INGRESS = {
    className: "traefik",
    clusterIssuer: "letsencrypt-prod",
    controllerNamespace: "ingress",
    controllerPodLabels: { "app.kubernetes.io/name": "traefik" },
};
const NETWORK = { monitoringNamespace: "monitoring", dataNamespace: "data" };

const web = (extra: Partial<AppServiceArgs> = {}): AppServiceArgs => ({
    kind: "web",
    namespace: "apps",
    image: "ghcr.io/acme/shop-web:1.4.2",
    port: 8080,
    host: "shop.example.com",
    replicas: { min: 3, max: 10 },
    cpu: "250m",
    memory: "512Mi",
    ingress: INGRESS,
    network: NETWORK,
    ...extra,
});

const worker = (extra: Partial<AppServiceArgs> = {}): AppServiceArgs => ({
    kind: "worker",
    namespace: "apps",
    image: "ghcr.io/acme/shop-worker:1.4.2",
    metricsPort: 9090,
    replicas: { min: 2, max: 5 },
    cpu: "250m",
    memory: "512Mi",
    network: NETWORK,
    ...extra,
});

async function app(name: string, args: AppServiceArgs, opts: { preview?: boolean } = {}): Promise<Built> {
    return runWithCluster((cluster) => {
        const service = new AppService(name, args, { provider: cluster });
        return { url: service.url, image: service.image, deploymentName: service.deploymentName, serviceHost: service.serviceHost, repositoryUrl: service.repositoryUrl };
    }, opts);
}

describe("AppService: a web app with the defaults", () => {
    it("runs a Deployment without replicas (the HPA owns the count), with the pinned image, requests and a memory limit", async () => {
        const built = await app("web", web());
        const deployment = built.inputs("web-deployment");
        expect(deployment.metadata).toMatchObject({ name: "web", namespace: "apps", labels: { "app.kubernetes.io/part-of": "estate", "app.kubernetes.io/name": "web" } });
        expect(deployment.spec.replicas).toBeUndefined();
        const [container, ...others] = deployment.spec.template.spec.containers;
        expect(others).toEqual([]);
        expect(container).toMatchObject({
            name: "web",
            image: "ghcr.io/acme/shop-web:1.4.2",
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
            resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "512Mi" } },
        });
        expect(container.resources.limits.cpu).toBeUndefined();
    });

    it("probes readiness, liveness and startup on /healthz of the http port", async () => {
        const container = (await app("web", web())).inputs("web-deployment").spec.template.spec.containers[0];
        for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
            expect(container[probe].httpGet, probe).toEqual({ path: "/healthz", port: "http" });
        }
        expect(container.startupProbe).toMatchObject({ periodSeconds: 5, failureThreshold: 30 });
    });

    it("runs restricted: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token", async () => {
        const pod = (await app("web", web())).inputs("web-deployment").spec.template.spec;
        expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
        expect(pod.containers[0].securityContext).toEqual({
            privileged: false,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
        });
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.hostNetwork).toBeUndefined();
        // A writable /tmp, since the root filesystem is read-only.
        expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
        expect(pod.containers[0].volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    });

    it("spreads pods across zones and nodes", async () => {
        const pod = (await app("web", web())).inputs("web-deployment").spec.template.spec;
        expect(pod.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
            ["topology.kubernetes.io/zone", "ScheduleAnyway"],
            ["kubernetes.io/hostname", "ScheduleAnyway"],
        ]);
        expect(pod.topologySpreadConstraints[0].labelSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" } });
    });

    it("scales 3-10 on CPU and memory with a scale-down stabilization window", async () => {
        const built = await app("web", web());
        const hpa = built.inputs("web-hpa");
        expect(hpa.apiVersion).toBe("autoscaling/v2");
        expect(hpa.spec).toMatchObject({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
            minReplicas: 3,
            maxReplicas: 10,
            metrics: [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
            ],
            behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        });
        // The HPA names the Deployment through its output: the engine orders and relates them.
        expect(built.resource("web-hpa").propertyDependencies.spec).toContain(built.resource("web-deployment").urn);
    });

    it("keeps a disruption budget that always allows one pod to go", async () => {
        const pdb = (await app("web", web())).inputs("web-pdb");
        expect(pdb.spec).toEqual({
            selector: { matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" } },
            maxUnavailable: 1,
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        });
    });

    it("is served on its host over TLS, with a certificate from the platform's ClusterIssuer", async () => {
        const built = await app("web", web());
        const ingress = built.inputs("web-ingress");
        expect(ingress.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
        expect(ingress.spec).toEqual({
            ingressClassName: "traefik",
            tls: [{ hosts: ["shop.example.com"], secretName: "web-tls" }],
            rules: [{ host: "shop.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }],
        });
        expect(built.inputs("web-service").spec).toEqual({
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
            ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
        });
        expect(built.outputs()).toMatchObject({ url: "https://shop.example.com", serviceHost: "web.apps.svc.cluster.local", deploymentName: "web" });
    });

    it("admits only the ingress controller and monitoring; reaches data services and HTTPS", async () => {
        const policy = (await app("web", web())).inputs("web-network-policy");
        expect(policy.spec).toEqual({
            podSelector: { matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }],
                    ports: [{ protocol: "TCP", port: 8080 }],
                },
                { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
            ],
            egress: [
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }] },
                { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
            ],
        });
    });

    it("runs as its own ServiceAccount without an API token", async () => {
        const built = await app("web", web());
        expect(built.inputs("web-service-account")).toMatchObject({ metadata: { name: "web", namespace: "apps" }, automountServiceAccountToken: false });
        expect(built.inputs("web-service-account").metadata.annotations).toBeUndefined();
        expect(built.inputs("web-deployment").spec.template.spec.serviceAccountName).toBe("web");
    });

    it("creates every object with the given provider", async () => {
        const built = await app("web", web());
        for (const r of built.run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            expect(r.provider, r.name).toMatch(/::cluster::cluster-id$/);
        }
    });
});

describe("AppService: a worker", () => {
    it("has no Ingress; probes, metrics and the Service use the metrics port; only monitoring may connect", async () => {
        const built = await app("worker", worker({ command: ["node", "dist/worker.js"] }));
        expect(built.maybe("worker-ingress")).toBeUndefined();
        const container = built.inputs("worker-deployment").spec.template.spec.containers[0];
        expect(container.command).toEqual(["node", "dist/worker.js"]);
        expect(container.ports).toEqual([{ name: "metrics", containerPort: 9090, protocol: "TCP" }]);
        expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "metrics" });
        expect(built.inputs("worker-service").spec.ports).toEqual([{ name: "metrics", port: 9090, targetPort: "metrics", protocol: "TCP" }]);
        expect(built.inputs("worker-network-policy").spec.ingress).toEqual([
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9090 }] },
        ]);
        expect(built.inputs("worker-hpa").spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
        expect(built.outputs().url).toBeUndefined();
    });

    it("serves metrics on their own port next to the app port", async () => {
        const built = await app("web", web({ metricsPort: 9090 }));
        expect(built.inputs("web-service").spec.ports.map((p: { name: string }) => p.name)).toEqual(["http", "metrics"]);
        expect(built.inputs("web-network-policy").spec.ingress[1].ports).toEqual([{ protocol: "TCP", port: 9090 }]);
    });
});

describe("AppService metrics", () => {
    const scraped = (extra: Partial<AppServiceArgs> = {}) => ({ ...extra, monitoring: { dependsOn: [], interval: "30s" } });

    it("declares the metrics port on the pods with the prometheus.io annotations", async () => {
        const annotations = (b: Built, app: string) => b.inputs(`${app}-deployment`).spec.template.metadata.annotations;
        expect(annotations(await app("web", web()), "web")).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics" });
        expect(annotations(await app("worker", worker()), "worker")).toMatchObject({ "prometheus.io/port": "9090" });
    });

    it("creates no ServiceMonitor without monitoring settings", async () => {
        expect(registeredTypes((await app("web", web())).run)).not.toContain(T.serviceMonitor);
    });

    it("scrapes the Service's http port through a ServiceMonitor selecting it by labels, once the operator's CRDs exist", async () => {
        const built = await runWithCluster((cluster) => {
            const crds = new k8s.apiextensions.CustomResource("crds", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "crds" } }, { provider: cluster });
            new AppService("web", { ...web(), monitoring: { dependsOn: [crds], interval: "15s" } }, { provider: cluster });
        });
        const monitor = built.inputs("web-service-monitor");
        expect(monitor).toEqual({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: "web", namespace: "apps", labels: expect.objectContaining({ "app.kubernetes.io/name": "web" }) },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" } },
                namespaceSelector: { matchNames: ["apps"] },
                endpoints: [{ port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "10s" }],
            },
        });
        // The Service carries the labels the ServiceMonitor selects, and a port of that name.
        const service = built.inputs("web-service");
        expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
        expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain("http");
        expect(built.resource("web-service-monitor").dependencies).toContain(built.resource("crds").urn);
    });

    it("scrapes a separate metrics port by its name", async () => {
        const built = await app("web", web(scraped({ metricsPort: 9464 })));
        expect(built.inputs("web-service-monitor").spec.endpoints[0].port).toBe("metrics");
        expect((await app("worker", worker(scraped()))).inputs("worker-service-monitor").spec.endpoints[0].port).toBe("metrics");
    });
});

describe("AppService environment", () => {
    it("puts the estate's outputs in a Secret the container reads, as a Pulumi secret, and rolls pods when it changes", async () => {
        const env = (bucket: string) => ({ BACKUP_BUCKET: pulumi.output(bucket), AWS_REGION: "eu-west-1" });
        const first = await app("web", web({ env: { LOG_LEVEL: "info" }, secretEnv: env("backups-a") }));
        expect(first.inputs("web-env")).toMatchObject({ metadata: { name: "web-env", namespace: "apps" }, type: "Opaque", stringData: { BACKUP_BUCKET: "backups-a", AWS_REGION: "eu-west-1" } });
        expect(first.masked("web-env").stringData).toBe("[secret]");
        const container = first.inputs("web-deployment").spec.template.spec.containers[0];
        expect(container.envFrom).toEqual([{ secretRef: { name: "web-env" } }]);
        expect(container.env).toEqual([{ name: "LOG_LEVEL", value: "info" }]);
        const checksum = (b: Built) => b.inputs("web-deployment").spec.template.metadata.annotations["estate/env-checksum"];
        const second = await app("web", web({ env: { LOG_LEVEL: "info" }, secretEnv: env("backups-b") }));
        expect(checksum(first)).toMatch(/^[a-f0-9]{64}$/);
        expect(checksum(second)).not.toBe(checksum(first));
    });

    it("reads a Secret kept current at run time (a rotating credential) and is rolled by Reloader when it changes", async () => {
        const built = await app(
            "web",
            web({ secretEnv: { AWS_REGION: "eu-west-1" }, syncedEnv: [{ secretName: "postgres-connection", variables: ["DATABASE_URL"], dependsOn: [] }] }),
        );
        const deployment = built.inputs("web-deployment");
        // Both Secrets in the environment; the synced one is never copied into web-env.
        expect(deployment.spec.template.spec.containers[0].envFrom).toEqual([{ secretRef: { name: "web-env" } }, { secretRef: { name: "postgres-connection" } }]);
        expect(built.inputs("web-env").stringData).toEqual({ AWS_REGION: "eu-west-1" });
        // Environment variables are read at container start: Reloader rolls the Deployment when the Secret changes.
        expect(deployment.metadata.annotations).toEqual({ "secret.reloader.stakater.com/reload": "postgres-connection" });
        expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it("creates no Secret when there is nothing secret to pass", async () => {
        const built = await app("web", web());
        expect(built.ofType(T.secret)).toEqual([]);
        expect(built.inputs("web-deployment").spec.template.spec.containers[0].envFrom).toBeUndefined();
    });
});

describe("AppService overrides", () => {
    it("takes an IAM role, autoscaling targets, a memory limit, strict zone spread, another user, no startup probe, extra egress", async () => {
        const built = await app(
            "web",
            web({
                iamRoleArn: "arn:aws:iam::123456789012:role/shop-web",
                autoscaling: { cpuUtilization: 50, memoryUtilization: 90, scaleDownStabilizationSeconds: 600 },
                memoryLimit: "1Gi",
                zoneSpread: "DoNotSchedule",
                runAsUser: 1000,
                startupProbe: false,
                healthPath: "/ready",
                egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
            }),
        );
        expect(built.inputs("web-service-account").metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/shop-web" });
        expect(built.inputs("web-hpa").spec.metrics.map((m: { resource: { target: { averageUtilization: number } } }) => m.resource.target.averageUtilization)).toEqual([50, 90]);
        expect(built.inputs("web-hpa").spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
        const pod = built.inputs("web-deployment").spec.template.spec;
        expect(pod.containers[0].resources.limits).toEqual({ memory: "1Gi" });
        expect(pod.topologySpreadConstraints[0].whenUnsatisfiable).toBe("DoNotSchedule");
        expect(pod.securityContext.runAsUser).toBe(1000);
        expect(pod.containers[0].startupProbe).toBeUndefined();
        expect(pod.containers[0].readinessProbe.httpGet.path).toBe("/ready");
        expect(built.inputs("web-network-policy").spec.egress.at(-1)).toEqual({ to: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] });
    });
});

describe("AppService building its image", () => {
    function buildContext(files: Record<string, string> = { Dockerfile: "FROM gcr.io/distroless/nodejs22-debian12:nonroot\n", "index.js": "console.log(1)\n" }): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "estate-build-"));
        for (const [file, content] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), content);
        }
        return dir;
    }
    const built = (context: string, extra: Partial<AppServiceArgs> = {}, opts: { preview?: boolean } = {}) =>
        app("api", web({ image: undefined, buildContext: context, ...extra }), opts);

    it("creates a private ECR repository that scans pushes, keeps tags immutable, encrypts with KMS and expires old images", async () => {
        const b = await built(buildContext());
        expect(b.inputs("api-repository")).toMatchObject({
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS" }],
            forceDelete: false,
        });
        const lifecycle = JSON.parse(b.inputs("api-repository-lifecycle").policy) as { rules: { selection: Record<string, unknown> }[] };
        expect(lifecycle.rules.map((r) => r.selection)).toEqual([
            { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
            { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
        ]);
        expect(b.resource("api-repository-lifecycle").propertyDependencies.repository).toEqual([b.resource("api-repository").urn]);
    });

    it("builds the context, pushes it under a content tag, and runs the pushed digest", async () => {
        const context = buildContext();
        const b = await built(context, { dockerfile: "Dockerfile", buildPlatform: "linux/arm64" });
        const image = b.inputs("api-image");
        expect(image.build).toEqual({ context, dockerfile: path.join(context, "Dockerfile"), platform: "linux/arm64" });
        // <account>.dkr.ecr.<region>.amazonaws.com/<repository>:ctx-<fingerprint of the context>
        const [repository, tag] = (image.imageName as string).split(/:(?=[^:]+$)/);
        expect(repository).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+$/);
        expect(tag).toMatch(/^ctx-[a-f0-9]{20}$/);
        expect(b.masked("api-image").registry.password).toBe("[secret]");
        // The pods run the digest the push produced, in the same repository.
        const running = b.inputs("api-deployment").spec.template.spec.containers[0].image as string;
        expect(running).toMatch(/@sha256:[a-f0-9]{64}$/);
        expect(running.split("@")[0]).toBe(repository);
        expect(b.resource("api-deployment").propertyDependencies.spec).toContain(b.resource("api-image").urn);
        expect(b.outputs().image).toBe(running);
    });

    it("tags a changed context differently (a tag never moves), and the same context alike", async () => {
        const tagOf = async (files: Record<string, string>) => ((await built(buildContext(files))).inputs("api-image").imageName as string).split(":").pop();
        const base = { Dockerfile: "FROM scratch\n", "app/main.js": "1" };
        expect(await tagOf(base)).toBe(await tagOf(base));
        expect(await tagOf({ ...base, "app/main.js": "2" })).not.toBe(await tagOf(base));
    });

    it("leaves the image unknown in a preview, where nothing is built", async () => {
        const b = await built(buildContext(), {}, { preview: true });
        expect(b.masked("api-deployment").spec.template.spec.containers[0].image).toBe("[unknown]");
    });
});

describe("AppService arguments that make no sense", () => {
    async function refused(name: string, args: AppServiceArgs, withProvider = true): Promise<string> {
        const built = await runWithCluster(
            (cluster) => {
                new AppService(name, args, withProvider ? { provider: cluster } : {});
            },
            { captureErrors: true },
        );
        expect(registeredTypes(built.run)).toEqual([T.provider]);
        expect(built.run.error).toBeInstanceOf(ArgumentError);
        return (built.run.error as Error).message;
    }

    it.each<[string, AppServiceArgs, string]>([
        ["min > max replicas", web({ replicas: { min: 5, max: 2 } }), 'AppService "web": replicas.min must be <= replicas.max (got min 5, max 2)'],
        ["zero replicas", web({ replicas: { min: 0, max: 2 } }), 'AppService "web": replicas.min must be an integer from 1 to 1000 (got 0)'],
        ["image and buildContext together", web({ buildContext: "." }), 'AppService "web": buildContext cannot be combined with image: set either image (a pinned tag or digest) or buildContext (a directory with a Dockerfile)'],
        ["neither image nor buildContext", web({ image: undefined }), 'AppService "web": image is required unless buildContext is set (an image with a pinned tag or digest, such as ghcr.io/acme/web:1.4.2)'],
        ["a latest image", web({ image: "nginx:latest" }), 'AppService "web": image must have a pinned tag or digest, not latest and not untagged (got "nginx:latest")'],
        ["an untagged image", web({ image: "ghcr.io/acme/web" }), 'AppService "web": image must have a pinned tag or digest, not latest and not untagged (got "ghcr.io/acme/web")'],
        ["a missing build context", web({ image: undefined, buildContext: "/nonexistent/estate" }), 'AppService "web": buildContext must be a directory (got "/nonexistent/estate", which does not exist or is not a directory)'],
        ["a web app without a port", web({ port: undefined }), 'AppService "web": port is required for web apps (the container port the Ingress routes to)'],
        ["a web app without a host", web({ host: undefined }), 'AppService "web": host is required for web apps: a lower-case DNS name such as shop.example.com (got undefined)'],
        ["a web app without ingress settings", web({ ingress: undefined }), 'AppService "web": ingress is required for web apps (the IngressClass and ClusterIssuer, usually Platform.appIngress)'],
        ["a worker without any port", worker({ metricsPort: undefined }), 'AppService "web": metricsPort is required for a worker without port: its probes and metrics are served over HTTP there'],
        ["a worker with a host", worker({ host: "jobs.example.com" }), 'AppService "web": host is only for web apps (a worker is not exposed)'],
        ["a CPU quantity that is not one", web({ cpu: "fast" }), 'AppService "web": cpu must be a CPU quantity such as 250m or 1 (got "fast")'],
        ["a memory limit that is not one", web({ memoryLimit: "1GB" }), 'AppService "web": memoryLimit must be a memory quantity such as 512Mi or 2Gi (got "1GB")'],
        ["a variable both plain and secret", web({ env: { AWS_REGION: "x" }, secretEnv: { AWS_REGION: "y" } }), 'AppService "web": env.AWS_REGION is also in secretEnv: each variable comes from one place'],
        [
            "a synced variable that another source also sets",
            web({ secretEnv: { DATABASE_URL: "postgresql://x" }, syncedEnv: [{ secretName: "postgres-connection", variables: ["DATABASE_URL"], dependsOn: [] }] }),
            'AppService "web": syncedEnv[0].variables DATABASE_URL is also in env, secretEnv or another syncedEnv: each variable comes from one place',
        ],
        ["an invalid variable name", web({ env: { "log-level": "info" } }), 'AppService "web": env.log-level is not a valid environment variable name (upper-case letters, digits and _, such as LOG_LEVEL)'],
        ["an IAM role that is not an ARN", web({ iamRoleArn: "shop-web" }), 'AppService "web": iamRoleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/shop-web (got "shop-web")'],
        ["a utilization target of 0", web({ autoscaling: { cpuUtilization: 0 } }), 'AppService "web": autoscaling.cpuUtilization must be an integer from 1 to 100 (% of the request; got 0)'],
        ["running as root", web({ runAsUser: 0 }), 'AppService "web": runAsUser must be a non-root user id, an integer >= 1 (got 0)'],
        ["a health path without a slash", web({ healthPath: "healthz" }), 'AppService "web": healthPath must be an HTTP path starting with / (got "healthz")'],
        ["a scrape interval that is not one", web({ monitoring: { dependsOn: [], interval: "often" } }), 'AppService "web": monitoring.interval must be a scrape interval such as 30s or 1m (got "often")'],
    ])("refuses %s, registering nothing", async (_case, args, message) => {
        expect(await refused("web", args)).toBe(message);
    });

    it("refuses to run without a Kubernetes provider", async () => {
        expect(await refused("web", web(), false)).toBe(
            'AppService "web": opts.provider is required: a kubernetes Provider for the target cluster (the estate never uses the ambient default provider)',
        );
    });
});

describe("AppService network flows", () => {
    it("declares the flows a web app needs, and its NetworkPolicy lets every one through a default-deny namespace", async () => {
        const dataServices = [
            { name: "postgres", to: { pod: { namespace: "data", labels: { "cnpg.io/cluster": "postgres" } } }, port: 5432 },
            { name: "redis", to: { ip: "10.0.17.10" }, port: 6379 },
        ];
        const egress = [{ to: [{ ipBlock: { cidr: "10.0.17.0/24" } }], ports: [{ protocol: "TCP", port: 6379 }] }];
        const built = await app("web", web({ dataServices, egress, monitoring: { dependsOn: [], interval: "30s", scraper: { namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } } } }));
        const analysis = flowsOf(built.run, ["apps"]);
        expect(summary(analysis)).toEqual({
            names: ["app-dns-udp", "app-dns-tcp", "app-to-https", "app-to-postgres", "app-to-redis", "ingress-to-app", "prometheus-to-app"],
            denied: [],
        });
        expect(analysis.results.find((r) => r.flow.name === "ingress-to-app")!.verdict.ingress.allowedBy).toEqual(["apps/web"]);
    });

    it("a data service outside the egress rules is reported denied, naming the app's policy", async () => {
        const built = await app("web", web({ dataServices: [{ name: "mongo", to: { ip: "10.9.9.9" }, port: 27017 }] }));
        const denied = flowsOf(built.run, ["apps"]).denied;
        expect(denied.map((d) => [d.flow.name, d.verdict.egress.selectedBy])).toEqual([["app-to-mongo", ["apps/web", "apps/default-deny", "apps/allow-dns"]]]);
    });
});

describe("AppService migration: a Job before each release rolls out", () => {
    const migration = { command: ["node", "dist/migrate.js"] };

    it("runs the command with the app's image, environment and service account, hardened, once (no retries), before the Deployment", async () => {
        const built = await app("web", web({ migration, secretEnv: { DATABASE_URL: "postgres://x" } }));
        const job = built.inputs("web-migrate");
        expect(job.metadata.name).toMatch(/^web-migrate-[0-9a-f]{10}$/);
        expect(job.metadata.namespace).toBe("apps");
        expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1800 });
        const pod = job.spec.template.spec;
        expect(pod).toMatchObject({ restartPolicy: "Never", serviceAccountName: "web", automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
        const [container, ...others] = pod.containers;
        expect(others).toEqual([]);
        const served = built.inputs("web-deployment").spec.template.spec.containers[0];
        expect(container).toMatchObject({ name: "migrate", image: served.image, command: ["node", "dist/migrate.js"], envFrom: served.envFrom, resources: served.resources, securityContext: served.securityContext });
        // A migration serves nothing: no ports, no probes.
        expect(container.ports ?? container.readinessProbe ?? container.livenessProbe).toBeUndefined();
        // Not behind the app's Service: its pods are not the app's.
        expect(job.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("web-migrate");
        // The rollout waits for it; it waits for the app's environment.
        const deployment = built.resource("web-deployment");
        expect(deployment.dependencies).toContain(built.resource("web-migrate").urn);
        expect(built.resource("web-migrate").dependencies).toContain(built.resource("web-env").urn);
    });

    it("waits for what `before` creates for the release, and is a new Job (and a new `before`) for a new image", async () => {
        const releases: string[] = [];
        const build = (image: string) =>
            runWithCluster((cluster) => {
                const marker = (release: pulumi.Output<string>) => [new k8s.core.v1.ConfigMap("fresh-dump", { metadata: { name: pulumi.interpolate`dump-${release}`, namespace: "data" } }, { provider: cluster })];
                new AppService("web", web({ image, migration: { ...migration, before: marker } }), { provider: cluster });
            });
        for (const image of ["ghcr.io/acme/shop-web:1.4.2", "ghcr.io/acme/shop-web:1.4.3"]) {
            const built = await build(image);
            const job = built.resource("web-migrate");
            expect(job.dependencies).toContain(built.resource("fresh-dump").urn);
            const release = (built.inputs("web-migrate").metadata.name as string).replace("web-migrate-", "");
            expect(built.inputs("fresh-dump").metadata.name).toBe(`dump-${release}`);
            releases.push(release);
        }
        expect(new Set(releases).size).toBe(2);
    });

    it("gets its own NetworkPolicy: the app's egress, no ingress; and declares its flows", async () => {
        const built = await app("web", web({ migration, dataServices: [{ name: "postgres", to: { pod: { namespace: "data", labels: { "cnpg.io/cluster": "postgres" } } }, port: 5432 }] }));
        const policy = built.inputs("web-migrate-network-policy");
        expect(policy.spec).toMatchObject({ podSelector: { matchLabels: { "app.kubernetes.io/name": "web-migrate", "app.kubernetes.io/instance": "web" } }, policyTypes: ["Ingress", "Egress"], ingress: [] });
        expect(policy.spec.egress).toEqual(built.inputs("web-network-policy").spec.egress);
        // Declared, and let out by the planned policies of the default-deny apps namespace (the database's own side is its component's).
        const { names, denied } = summary(flowsOf(built.run, ["apps"]));
        expect(names).toEqual(expect.arrayContaining(["migration-to-postgres", "migration-dns-udp", "migration-dns-tcp"]));
        expect(denied).toEqual([]);
    });

    it.each([
        [{ command: [] }, 'AppService "web": migration.command must be a non-empty list of non-empty strings, such as ["node", "dist/migrate.js"]'],
        [{ command: ["node", ""] }, 'AppService "web": migration.command must be a non-empty list of non-empty strings, such as ["node", "dist/migrate.js"]'],
        [{ command: ["x"], timeoutSeconds: 5 }, 'AppService "web": migration.timeoutSeconds must be an integer from 60 to 86400 (got 5)'],
    ])("refuses %j, naming the argument", async (bad, message) => {
        await expect(app("web", web({ migration: bad }))).rejects.toThrow(ArgumentError);
        await expect(app("web", web({ migration: bad }))).rejects.toThrow(message);
    });
});
