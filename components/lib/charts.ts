/**
 * The pins module: every external reference the estate depends on, in one place, each with where it
 * was seen upstream. Helm charts (`charts`), the container images the estate runs or builds from
 * (`imagePins`, and the per-version maps `images` the components read), and the API versions of the
 * custom resources it creates (`crds`). Nothing here registers resources or imports the Pulumi SDK,
 * so `npm run pins:verify`, the Renovate configuration and docs/pins.md read it cheaply.
 *
 * Every pin carries a `source`: the upstream repository, the file and the tag or branch where the
 * version was read (see docs/pins.md). `npm run pins:verify` checks every chart against its Helm
 * repository's index and every image against its registry; Renovate (`renovate.json`) proposes the
 * bumps by matching the one-line `chart: …, version: …, repo: …` and `repository: …, tag: …`
 * entries below: keep each of them on one line.
 *
 * Bump a version only after reading the chart's release notes and checking the values the
 * components pass (`components/k8s/chart-values.ts`, `components/observability/chart-values.ts`,
 * the data components' `*Values` functions) against the new chart's `values.yaml`: most charts
 * validate their values with a JSON schema at install time, so a renamed key fails the `pulumi up`
 * loudly rather than being ignored. A chart that brings CRDs may need them applied before the
 * upgrade (docs/pins.md, "CRD upgrades").
 */

/** Where a pin was seen upstream. */
export interface Source {
    /** The upstream repository, `owner/name` on GitHub (`docker-library/official-images`). */
    repository: string;
    /** The file, or the release, in that repository that shows the version (`charts/x/Chart.yaml`, `index.yaml`). */
    path: string;
    /** The tag, branch or commit where it was read (`kube-prometheus-stack-81.5.0`, `gh-pages`). */
    ref: string;
    /** What else was checked there, when it matters (values keys, CRDs, a second source). */
    note?: string;
}

/** A chart in a classic (HTTP) Helm repository, pinned to an exact chart version. */
export interface ChartRef {
    /** The chart's name in its repository. */
    chart: string;
    /** The exact chart version (never a range: upgrades are reviewed changes). */
    version: string;
    /** The Helm repository URL (`helm repo add <name> <repo>`), or `oci://…` for an OCI registry. */
    repo: string;
}

/** A pinned chart and where its version was seen. */
export interface ChartPin extends ChartRef {
    source: Source;
}

export const charts = {
    // --- Platform -------------------------------------------------------------------------------
    /** cert-manager 1.21 (jetstack): certificates, ACME and self-signed issuers; ships its CRDs (`crds.enabled`). */
    certManager: {
        chart: "cert-manager", version: "v1.21.2", repo: "https://charts.jetstack.io",
        source: {
            repository: "cert-manager/cert-manager",
            path: "deploy/charts/cert-manager/values.yaml",
            ref: "release-1.21",
            note: "v1.21.2 release notes (controller, webhook and ACME fixes over v1.21.1); chart https://charts.jetstack.io/charts/cert-manager-v1.21.2.tgz. The values the estate sets validate against the chart's values.schema.json.",
        },
    },
    /**
     * Traefik Proxy, the ingress controller. ingress-nginx reached end of maintenance in March 2026
     * (no more releases or security fixes), so the estate's public edge runs a maintained controller
     * that implements the standard Ingress API.
     */
    traefik: {
        chart: "traefik", version: "37.3.0", repo: "https://traefik.github.io/charts",
        source: {
            repository: "traefik/traefik-helm-chart",
            path: "traefik/Chart.yaml",
            ref: "v37.3.0",
            note: "Traefik v3.6.0. The values the estate sets validate against traefik/values.schema.json at the tag.",
        },
    },

    // --- EKS cluster services (estate:cluster) ---------------------------------------------------
    /**
     * The AWS Load Balancer Controller (app v3.5.0): reconciles the ingress controller's
     * LoadBalancer Service into an NLB (IP targets), and its webhook mutates Services. Its IAM policy
     * is the controller's own docs/install/iam_policy.json at the same tag
     * (components/cluster/lbc-iam-policy.json).
     */
    awsLoadBalancerController: {
        chart: "aws-load-balancer-controller", version: "3.5.0", repo: "https://aws.github.io/eks-charts",
        source: {
            repository: "aws/eks-charts",
            path: "stable/aws-load-balancer-controller/Chart.yaml",
            ref: "5239609242f3430be50fb0b714a24d3ef2b47983",
            note: "version 3.5.0, appVersion v3.5.0; listed in the gh-pages index.yaml (generated 2026-08-03). The values the estate sets (clusterName, region, vpcId, serviceAccount.name, replicaCount, resources, podSecurityContext, securityContext, podDisruptionBudget) exist in values.yaml there; kubernetes-sigs/aws-load-balancer-controller tag v3.5.0.",
        },
    },
    /**
     * The Cluster Autoscaler chart (app 1.35.0): scales the managed node groups' Auto Scaling groups,
     * found by their `k8s.io/cluster-autoscaler/*` tags. The image is pinned per Kubernetes minor
     * (`images.clusterAutoscaler`), as the autoscaler's README recommends.
     */
    clusterAutoscaler: {
        chart: "cluster-autoscaler", version: "9.59.0", repo: "https://kubernetes.github.io/autoscaler",
        source: {
            repository: "kubernetes/autoscaler",
            path: "cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml",
            ref: "cluster-autoscaler-chart-9.59.0",
            note: "appVersion 1.35.0; in the gh-pages index.yaml (generated 2026-07-26). Values autoDiscovery.clusterName, awsRegion, rbac.serviceAccount.{create,name}, image.tag, resources, securityContext, containerSecurityContext, podDisruptionBudget exist in values.yaml at the tag.",
        },
    },

    // --- Data services --------------------------------------------------------------------------
    /** The CloudNativePG operator (CRDs, controller, webhooks). Chart 0.29.0 ships operator 1.30.0. */
    cloudnativePg: {
        chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts",
        source: {
            repository: "cloudnative-pg/charts",
            path: "index.yaml",
            ref: "gh-pages",
            note: "appVersion 1.30.0; tag cloudnative-pg-v0.29.0 ships the postgresql.cnpg.io/v1 CRDs (templates/crds/crds.yaml).",
        },
    },
    /**
     * The Barman Cloud plugin for CloudNativePG (CNPG-I), which replaces the deprecated in-tree
     * `.spec.backup.barmanObjectStore`: the `ObjectStore` CRD and the plugin's deployment. Needs
     * CloudNativePG >= 1.26 and cert-manager in the cluster; it must live in the operator's namespace.
     */
    barmanCloudPlugin: {
        chart: "plugin-barman-cloud", version: "0.8.0", repo: "https://cloudnative-pg.github.io/charts",
        source: {
            repository: "cloudnative-pg/charts",
            path: "releases/tag/plugin-barman-cloud-v0.8.0",
            ref: "plugin-barman-cloud-v0.8.0",
            note: "Plugin app v0.15.0. Newer than the stored index (0.7.0, generated 2026-07-20); the release tag is cited with that app version by independent deployments. pins:verify checks the live index.",
        },
    },
    /**
     * MongoDB Controllers for Kubernetes (MCK), MongoDB's maintained operator that replaced the
     * archived Community Operator; it reconciles `MongoDBCommunity` resources.
     */
    mongodbKubernetes: {
        chart: "mongodb-kubernetes", version: "1.9.1", repo: "https://mongodb.github.io/helm-charts",
        source: {
            repository: "mongodb/helm-charts",
            path: "index.yaml",
            ref: "gh-pages",
            note: "Newest mongodb-kubernetes entry of the index (created 2026-07-03; 1.13.0 is in no index or tag). The chart's crds/ hold mongodbcommunity.mongodb.com/v1; values community.mongodb.{repo,imageType} exist.",
        },
    },
    /**
     * Redis with Sentinel failover and an HAProxy in front of the primary, on the official `redis`
     * image (the chart Argo CD's HA install depends on).
     */
    redisHa: {
        chart: "redis-ha", version: "4.29.4", repo: "https://dandydeveloper.github.io/charts",
        source: {
            repository: "DandyDeveloper/charts",
            path: "index.yaml",
            ref: "gh-pages",
            note: "Tag redis-ha-4.29.4; the values the estate sets exist in charts/redis-ha/values.yaml there (fullnameOverride and redis.config through the templates).",
        },
    },

    // --- Observability ----------------------------------------------------------------------------
    /**
     * kube-prometheus-stack 81 (prometheus-community): the Prometheus operator v0.88 and its CRDs,
     * Prometheus, Alertmanager, kube-state-metrics 7.1, Grafana (grafana chart 10.5.15), the node
     * exporter (off by default in the estate) and the default Kubernetes rules and dashboards. Helm
     * installs the CRDs only on the first install: a version bump that brings new CRDs needs them
     * applied first (`kubectl apply --server-side -f` the chart's `charts/crds/crds/`), see the
     * chart's UPGRADE notes. 81.5.0 is the newest 81.x that keeps the grafana 10.5 subchart (81.5.1
     * moves to grafana 11).
     */
    kubePrometheusStack: {
        chart: "kube-prometheus-stack", version: "81.5.0", repo: "https://prometheus-community.github.io/helm-charts",
        source: {
            repository: "prometheus-community/helm-charts",
            path: "charts/kube-prometheus-stack/Chart.yaml",
            ref: "kube-prometheus-stack-81.5.0",
            note: "Was 81.4.5, never released (the tags go 81.4.3 -> 81.5.0). Operator v0.88.1; every key of kubePrometheusStackValues exists in values.yaml at the tag, in grafana-10.5.15 (grafana/helm-charts) and kube-state-metrics-7.1.0.",
        },
    },
    /** The Prometheus Pushgateway, for batch jobs (backups, restore drills) that end before a scrape. */
    pushgateway: {
        chart: "prometheus-pushgateway", version: "3.6.1", repo: "https://prometheus-community.github.io/helm-charts",
        source: {
            repository: "prometheus-community/helm-charts",
            path: "charts/prometheus-pushgateway/Chart.yaml",
            ref: "prometheus-pushgateway-3.6.1",
            note: "Pushgateway v1.11.3; the values the estate sets exist in values.yaml at the tag (persistentVolume.storageClass through the templates).",
        },
    },

    // --- Credentials ------------------------------------------------------------------------------
    /**
     * The External Secrets Operator (app v2.9.0): syncs rotating credentials from AWS Secrets
     * Manager into Kubernetes Secrets; installs its CRDs (`installCRDs: true`), serving
     * `external-secrets.io/v1` only (v1beta1 `served: false`).
     */
    externalSecrets: {
        chart: "external-secrets", version: "2.9.0", repo: "https://charts.external-secrets.io",
        source: {
            repository: "external-secrets/external-secrets",
            path: "deploy/charts/external-secrets/Chart.yaml",
            ref: "helm-chart-2.9.0",
            note: "Published in the repository's gh-pages index.yaml (releases/download/helm-chart-2.9.0/external-secrets-2.9.0.tgz); CRDs in config/crds/bases at tag v2.9.0.",
        },
    },
    /**
     * Stakater Reloader (app v1.4.21): rolls a Deployment when a Secret it names in
     * `secret.reloader.stakater.com/reload` changes (env-var consumers of a rotated credential).
     */
    reloader: {
        chart: "reloader", version: "2.2.16", repo: "https://stakater.github.io/stakater-charts",
        source: {
            repository: "stakater/Reloader",
            path: "deployments/kubernetes/chart/reloader/Chart.yaml",
            ref: "chart-v2.2.16",
            note: "version 2.2.16, appVersion v1.4.21; published as stakater-charts/reloader-2.2.16.tgz.",
        },
    },
} as const satisfies Record<string, ChartPin>;

/** The `chart`, `version` and `repositoryOpts` arguments of a `helm.v3.Release` for a pinned chart. */
export function releaseSource(ref: ChartRef): { chart: string; version: string; repositoryOpts: { repo: string } } {
    return { chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo } };
}

// ------------------------------------------------------------------------------------------------
// Container images
// ------------------------------------------------------------------------------------------------

/** A container image pinned by tag, and where the tag was seen. */
export interface ImagePin {
    /** The repository with its registry host (`ghcr.io/cloudnative-pg/postgresql`); none means Docker Hub (`redis`). */
    repository: string;
    /** The exact tag. */
    tag: string;
    source: Source;
}

/** `repository:tag`. */
export function imageRef(pin: ImagePin): string {
    return `${pin.repository}:${pin.tag}`;
}

/** The CloudNativePG operand images: the `<minor>-standard-trixie` tags its bake file publishes, as listed in its catalog. */
const cnpgCatalog = (note: string): Source => ({
    repository: "cloudnative-pg/artifacts",
    path: "image-catalogs/catalog-standard-trixie.yaml",
    ref: "12d8b52f384890a03b9041f8b7679f80aa76cc3f",
    note: `${note}; cloudnative-pg/postgres-containers docker-bake.hcl tags each build <version>-standard-<distro>.`,
});

/** The commit of docker-library/official-images whose `library/*` files list the newest tags pinned here (2026-08-21). */
const OFFICIAL_IMAGES_HEAD = "37079fb336f572a88700cf32e5e1f6be54a04e8f";

/** The official images' manifest of tags (docker-library/official-images `library/<name>`). */
const officialImages = (name: string, ref: string, note?: string): Source => ({
    repository: "docker-library/official-images",
    path: `library/${name}`,
    ref,
    ...(note === undefined ? {} : { note }),
});

export const imagePins = {
    // CloudNativePG operands (PostgreSQL without the barman-cloud tools: backups go through the plugin's sidecar), per major.
    cnpgPostgres14: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "14.23-standard-trixie", source: cnpgCatalog("14.23-202608130737-standard-trixie") },
    cnpgPostgres15: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "15.18-standard-trixie", source: cnpgCatalog("15.18-202608100833-standard-trixie") },
    cnpgPostgres16: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "16.14-standard-trixie", source: cnpgCatalog("16.14-202608100833-standard-trixie") },
    cnpgPostgres17: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "17.10-standard-trixie", source: cnpgCatalog("17.10-202608100833-standard-trixie") },

    // Redis (official image) for the redis-ha chart, per major.minor line.
    redis62: { repository: "redis", tag: "6.2.24-alpine", source: officialImages("redis", OFFICIAL_IMAGES_HEAD, "Was 6.2.17, which predates the fix of CVE-2025-49844 (Lua RCE; fixed in 6.2.20, official-images PR #20011).") },
    redis70: { repository: "redis", tag: "7.0.15-alpine", source: officialImages("redis", "05d62bc70c", "The last 7.0 release: Redis 7.0 is end of life and got no fix for CVE-2025-49844 (official-images PR #20011 patched 6.2, 7.2, 7.4, 8.x).") },
    redis72: { repository: "redis", tag: "7.2.16-alpine", source: officialImages("redis", OFFICIAL_IMAGES_HEAD, "Was 7.2.7, which predates the fix of CVE-2025-49844 (fixed in 7.2.11, official-images PR #20011).") },
    // The redis-ha chart's exporter sidecar (`exporter.image`/`exporter.tag`; the chart's default is v1.57.0).
    redisExporter: {
        repository: "oliver006/redis_exporter", tag: "v1.88.0",
        source: {
            repository: "oliver006/redis_exporter",
            path: ".github/workflows/release.yml",
            ref: "v1.88.0",
            note: "Tag v1.88.0 (2026-07-23), the newest; on a v* tag the release workflow pushes oliver006/redis_exporter with the tag's name (docker/metadata-action). Series names read in exporter/exporter.go and exporter/info.go at the tag.",
        },
    },

    // The MongoDB exporter sidecar of ClusterMongo (the operator's own metrics endpoint documents no series).
    mongodbExporter: {
        repository: "docker.io/percona/mongodb_exporter", tag: "0.53.0",
        source: {
            repository: "percona/mongodb_exporter",
            path: ".goreleaser.yml",
            ref: "v0.53.0",
            note: "Tag v0.53.0 (2026-08-20), the newest; goreleaser's docker_manifests publish docker.io/percona/mongodb_exporter:{{.Version}} (no v). The image runs as 65535 from scratch (Dockerfile); series read in exporter/general_collector.go, metrics.go and v1_compatibility.go at the tag.",
        },
    },

    // MongoDB Community Server for MongoDBCommunity (the operator runs `<repo>/mongodb-community-server:<version>-<imageType>`).
    mongodbCommunity50: {
        repository: "docker.io/mongodb/mongodb-community-server", tag: "5.0.28-ubi8",
        source: { repository: "mongodb/mongodb-kubernetes", path: "mongodb-community-operator/controllers/replica_set_controller.go", ref: "1.9.1", note: "getMongoDBImage builds <repo>/<name>:<version>-<imageType> for docker.io/mongodb and quay.io/mongodb; 5.0.28-ubi8 is a Docker Hub tag run by public deployments. MongoDB 5.0 is end of life." },
    },
    mongodbCommunity80: {
        repository: "docker.io/mongodb/mongodb-community-server", tag: "8.0.4-ubi8",
        source: { repository: "mongodb/mongodb-kubernetes", path: "mongodb-community-operator/controllers/replica_set_controller.go", ref: "1.9.1", note: "8.0.4-ubi8 is on Docker Hub; the chart's default repo quay.io/mongodb has no 8.0.4-ubi8 (reported by an MCK migration runbook), hence community.mongodb.repo: docker.io/mongodb. From 8.0.12 only ubi9 images are published (mongodb/mongodb-kubernetes-operator#1730)." },
    },

    // The restore drill's scratch servers (sidecars of the drill Job), per major / version.
    drillPostgres14: { repository: "postgres", tag: "14.24", source: officialImages("postgres", OFFICIAL_IMAGES_HEAD) },
    drillPostgres15: { repository: "postgres", tag: "15.19", source: officialImages("postgres", OFFICIAL_IMAGES_HEAD) },
    drillPostgres16: { repository: "postgres", tag: "16.15", source: officialImages("postgres", OFFICIAL_IMAGES_HEAD) },
    drillPostgres17: { repository: "postgres", tag: "17.11", source: officialImages("postgres", OFFICIAL_IMAGES_HEAD) },
    drillMongo50: { repository: "mongo", tag: "5.0.28", source: officialImages("mongo", "9cfaa1260b", "Added 2024-07-15; 5.0.28 is the last 5.0 release.") },
    drillMongo80: { repository: "mongo", tag: "8.0.4", source: officialImages("mongo", "ba7d0ba06c", "Added 2024-12-06; the same server release as the in-cluster 8.0.") },

    // The Cluster Autoscaler, per Kubernetes minor: its README recommends the release "for the Kubernetes control plane version for which it was meant".
    clusterAutoscaler135: {
        repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.35.2",
        source: { repository: "kubernetes/autoscaler", path: "cluster-autoscaler/version/version.go", ref: "cluster-autoscaler-1.35.2", note: "ClusterAutoscalerVersion = \"1.35.2\" at the release tag (2026-07-22); the chart's image.repository is registry.k8s.io/autoscaling/cluster-autoscaler." },
    },

    clusterAutoscaler136: {
        repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.36.1",
        source: { repository: "kubernetes/autoscaler", path: "cluster-autoscaler/version/version.go", ref: "cluster-autoscaler-1.36.1", note: "ClusterAutoscalerVersion = \"1.36.1\" at the release tag. Chart 9.59.0 defaults to v1.35.0; the estate sets image.tag per cluster minor." },
    },

    // The base of the backup image (scripts/backup/Dockerfile, ARG BASE_IMAGE).
    backupBase: { repository: "debian", tag: "12-slim", source: officialImages("debian", OFFICIAL_IMAGES_HEAD, "Debian 12 (bookworm): its redis-server 7.0 and awscli 2.9 are what the Dockerfile expects.") },
} as const satisfies Record<string, ImagePin>;

/** Container images the components read, per engine version. */
export const images = {
    /** CloudNativePG operand images, per PostgreSQL major. */
    postgres: {
        "14": imageRef(imagePins.cnpgPostgres14),
        "15": imageRef(imagePins.cnpgPostgres15),
        "16": imageRef(imagePins.cnpgPostgres16),
        "17": imageRef(imagePins.cnpgPostgres17),
    },
    /** Redis (official image) per supported major.minor; ElastiCache's 7.1 is Redis OSS 7.0-compatible, 7.2 is the last BSD release. */
    redis: { "6.2": imageRef(imagePins.redis62), "7.0": imageRef(imagePins.redis70), "7.1": imageRef(imagePins.redis72) },
    /** The MongoDB exporter sidecar of ClusterMongo's members. */
    mongodbExporter: imageRef(imagePins.mongodbExporter),
    /** The Redis exporter sidecar of the redis-ha chart. */
    redisExporter: imageRef(imagePins.redisExporter),
    /**
     * MongoDB Community Server releases for `MongoDBCommunity.spec.version` (the operator needs a full
     * version) per DocumentDB-compatible API version, from the tags of `imagePins` (the operator adds
     * `-ubi8`). 4.0 has no supported release to run in a cluster.
     */
    mongodb: { "5.0": serverVersion(imagePins.mongodbCommunity50), "8.0": serverVersion(imagePins.mongodbCommunity80) },
    /** The registry path (`community.mongodb.repo`) and image type (`community.mongodb.imageType`) the operator builds those images from. */
    mongodbOperand: { repo: "docker.io/mongodb", imageType: "ubi8" },
    /** The restore drill's scratch servers. */
    drill: {
        postgres: {
            "14": imageRef(imagePins.drillPostgres14),
            "15": imageRef(imagePins.drillPostgres15),
            "16": imageRef(imagePins.drillPostgres16),
            "17": imageRef(imagePins.drillPostgres17),
        },
        mongo: { "5.0": imageRef(imagePins.drillMongo50), "8.0": imageRef(imagePins.drillMongo80) },
    },
    /** The Cluster Autoscaler image per Kubernetes minor of the cluster. */
    clusterAutoscaler: { "1.35": imageRef(imagePins.clusterAutoscaler135), "1.36": imageRef(imagePins.clusterAutoscaler136) } as Readonly<Record<string, string>>,
    /** The backup image's base (`scripts/backup/Dockerfile`'s `BASE_IMAGE` default). */
    backupBase: imageRef(imagePins.backupBase),
} as const;

/** The server version in a `mongodb-community-server` tag: `8.0.4-ubi8` → `8.0.4`. */
function serverVersion(pin: ImagePin): string {
    return pin.tag.replace(/-ubi\d+$/, "");
}

// ------------------------------------------------------------------------------------------------
// Amazon EKS add-ons
// ------------------------------------------------------------------------------------------------

/** The EKS add-ons the estate installs (`aws eks describe-addon-versions --addon-name <name>`). */
export const EKS_ADDON_NAMES = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "eks-pod-identity-agent", "metrics-server"] as const;
export type EksAddonName = (typeof EKS_ADDON_NAMES)[number];

/** Where an EKS add-on version was seen for a Kubernetes version: an AWS documentation page, or public code found by search. */
export interface EksAddonSource {
    /** The page's URL, or `code search index id <n>` for a public file the search tool found (it names no repository). */
    seenAt: string;
    /** What it says there. */
    note: string;
}

/** An EKS add-on version (`v<upstream>-eksbuild.<n>`) and where it was seen for that Kubernetes version. */
export interface EksAddonPin {
    version: string;
    source: EksAddonSource;
}

/** The public CDK app whose `_ADDON_VERSIONS_K8S_135` pins a full Kubernetes 1.35 add-on set. */
const K8S_135_SET = "code search index id 54559596030 (a CDK app's _ADDON_VERSIONS_K8S_135)";
/** A terraform-aws-eks v21 configuration whose add-ons were "queried for 1.36 (aws eks describe-addon-versions --kubernetes-version 1.36, 2026-10-07)". */
const K8S_136_SET = "code search index id 71210956940 (terraform-aws-eks addons, describe-addon-versions --kubernetes-version 1.36 on 2026-10-07)";

/**
 * EKS add-on versions per Kubernetes minor (the cluster's `version`). An add-on version must be one
 * `DescribeAddonVersions` lists as compatible with the cluster's version; the AWS pages' tables give
 * the latest per version for vpc-cni, kube-proxy and CoreDNS. Bump with the cluster: a new minor is a
 * new row (every add-on, each seen upstream), and `EksAddons` refuses a version without a row.
 */
export const eksAddons: Readonly<Record<string, Readonly<Record<EksAddonName, EksAddonPin>>>> = {
    "1.35": {
        "vpc-cni": {
            version: "v1.21.1-eksbuild.8",
            source: { seenAt: K8S_135_SET, note: "v1.21.1-eksbuild.8 for 1.35; v1.21.1-eksbuild.7 with enableNetworkPolicy in a terraform-aws-eks 1.35 configuration (id 52079952690). AWS's table (managing-vpc-cni) in the stored docs stops at 1.33 (v1.20.1-eksbuild.3)." },
        },
        "kube-proxy": { version: "v1.35.3-eksbuild.2", source: { seenAt: "https://docs.amazonaws.cn/zh_cn/eks/latest/userguide/managing-kube-proxy.md", note: "AWS's table of the latest kube-proxy add-on per Kubernetes version: 1.35 -> v1.35.3-eksbuild.2." } },
        coredns: { version: "v1.14.2-eksbuild.4", source: { seenAt: "https://docs.amazonaws.cn/en_us/eks/latest/userguide/managing-coredns.md", note: "AWS's table 'CoreDNS versions': 1.35 -> v1.14.2-eksbuild.4 (also the 1.35 set of " + K8S_135_SET + ")." } },
        "aws-ebs-csi-driver": {
            version: "v1.59.0-eksbuild.1",
            source: { seenAt: K8S_135_SET, note: "v1.59.0-eksbuild.1 for 1.35; also ACTIVE on another cluster's add-on list (id 52192105964). Upstream driver kubernetes-sigs/aws-ebs-csi-driver v1.59.0." },
        },
        "eks-pod-identity-agent": {
            version: "v1.3.10-eksbuild.3",
            source: { seenAt: K8S_135_SET, note: "v1.3.10-eksbuild.3 for 1.35; a 1.36 cluster resolved to the same build (id 68307774707)." },
        },
        "metrics-server": {
            version: "v0.8.1-eksbuild.6",
            source: { seenAt: K8S_135_SET, note: "An EKS community add-on (awsdocs/amazon-eks-user-guide latest/ug/workloads/community-addons.adoc: add-on name metrics-server, namespace kube-system). v0.8.1-eksbuild.6 for 1.35; another 1.35 app notes it is 'in the compatibility list for K8s 1.35' (id 56238975323)." },
        },
    },
    "1.36": {
        "vpc-cni": { version: "v1.23.2-eksbuild.1", source: { seenAt: K8S_136_SET, note: "v1.23.2-eksbuild.1 for 1.36. AWS's table (managing-vpc-cni) in the stored docs stops at 1.33." } },
        "kube-proxy": { version: "v1.36.0-eksbuild.14", source: { seenAt: "https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-kube-proxy.md", note: "AWS's table of the latest kube-proxy add-on per Kubernetes version: 1.36 -> v1.36.0-eksbuild.14 (the 1.36 set of " + K8S_136_SET + " has the later v1.36.0-eksbuild.25)." } },
        coredns: { version: "v1.14.3-eksbuild.3", source: { seenAt: "https://docs.aws.amazon.com/ja_jp/eks/latest/userguide/managing-coredns.md", note: "AWS's table 'CoreDNS versions': 1.36 -> v1.14.3-eksbuild.3; the same build pinned with eks_version 1.36 in code search index id 57396111706." } },
        "aws-ebs-csi-driver": { version: "v1.63.1-eksbuild.1", source: { seenAt: "code search index id 57396111706 (a Terraform root module with eks_version = \"1.36\")", note: "ebs_csi_version v1.63.1-eksbuild.1 for 1.36; the same build with a 1.35 set (id 68946604600)." } },
        "eks-pod-identity-agent": { version: "v1.4.0-eksbuild.3", source: { seenAt: K8S_136_SET, note: "v1.4.0-eksbuild.3 for 1.36." } },
        "metrics-server": { version: "v0.9.0-eksbuild.11", source: { seenAt: K8S_136_SET, note: "v0.9.0-eksbuild.11 for 1.36; `aws eks describe-addon-versions --addon-name metrics-server --kubernetes-version 1.36` printed default v0.9.0-eksbuild.11, publisher eks, in an incident report (code search index id 70951412464, 2026-10-09)." } },
    },
};

// ------------------------------------------------------------------------------------------------
// Custom resource definitions
// ------------------------------------------------------------------------------------------------

/** An API version of custom resources the estate creates, the kinds it creates, and the pinned chart that installs the CRDs. */
export interface CrdPin {
    apiVersion: string;
    kinds: readonly string[];
    /** The `charts` entry whose release installs these CRDs. */
    installedBy: keyof typeof charts;
    source: Source;
}

export const crds = {
    certManager: {
        apiVersion: "cert-manager.io/v1", kinds: ["ClusterIssuer", "Certificate"], installedBy: "certManager",
        source: { repository: "cert-manager/cert-manager", path: "deploy/charts/cert-manager/templates/crd-cert-manager.io_clusterissuers.yaml", ref: "v1.21.1", note: "Templates (crds.enabled), so helm upgrade updates them." },
    },
    cloudnativePg: {
        apiVersion: "postgresql.cnpg.io/v1", kinds: ["Cluster", "ScheduledBackup"], installedBy: "cloudnativePg",
        source: { repository: "cloudnative-pg/charts", path: "charts/cloudnative-pg/templates/crds/crds.yaml", ref: "cloudnative-pg-v0.29.0", note: "Templates (crds.create), so helm upgrade updates them." },
    },
    barmanCloud: {
        apiVersion: "barmancloud.cnpg.io/v1", kinds: ["ObjectStore"], installedBy: "barmanCloudPlugin",
        source: { repository: "cloudnative-pg/plugin-barman-cloud", path: "config/crd/bases/barmancloud.cnpg.io_objectstores.yaml", ref: "v0.14.0", note: "The chart ships it as a template (charts/plugin-barman-cloud/templates/crds/crds.yaml, crds.create), so helm upgrade updates it." },
    },
    mongodbCommunity: {
        apiVersion: "mongodbcommunity.mongodb.com/v1", kinds: ["MongoDBCommunity"], installedBy: "mongodbKubernetes",
        source: { repository: "mongodb/mongodb-kubernetes", path: "helm_chart/crds/mongodbcommunity.mongodb.com_mongodbcommunity.yaml", ref: "1.9.1", note: "In the chart's crds/: Helm installs it on the first install only." },
    },
    prometheusOperator: {
        apiVersion: "monitoring.coreos.com/v1", kinds: ["PrometheusRule", "ServiceMonitor", "PodMonitor"], installedBy: "kubePrometheusStack",
        source: { repository: "prometheus-community/helm-charts", path: "charts/kube-prometheus-stack/charts/crds/crds/crd-prometheusrules.yaml", ref: "kube-prometheus-stack-81.5.0", note: "In the crds subchart's crds/: Helm installs them on the first install only." },
    },
    externalSecrets: {
        apiVersion: "external-secrets.io/v1", kinds: ["ClusterSecretStore", "ExternalSecret"], installedBy: "externalSecrets",
        source: { repository: "external-secrets/external-secrets", path: "config/crds/bases/external-secrets.io_externalsecrets.yaml", ref: "v2.9.0", note: "v1 served and stored, v1beta1 served: false; the chart installs them as templates (installCRDs), so helm upgrade updates them." },
    },
} as const satisfies Record<string, CrdPin>;

// ------------------------------------------------------------------------------------------------
// Every pin, as a list
// ------------------------------------------------------------------------------------------------

/** One pin of the estate, flattened: what `pins:verify`, the Renovate test and docs/pins.md walk. */
export type Pin =
    | { kind: "chart"; key: string; name: string; version: string; repo: string; source: Source }
    | { kind: "image"; key: string; name: string; version: string; source: Source };

/** Every versioned pin (charts and images), in the module's order. CRDs are listed by `crds`. */
export function allPins(): Pin[] {
    const chartPins: Pin[] = Object.entries(charts).map(([key, c]) => ({ kind: "chart", key, name: c.chart, version: c.version, repo: c.repo, source: c.source }));
    const image: Pin[] = Object.entries(imagePins).map(([key, i]) => ({ kind: "image", key, name: i.repository, version: i.tag, source: i.source }));
    return [...chartPins, ...image];
}
