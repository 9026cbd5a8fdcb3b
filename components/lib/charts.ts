/**
 * The Helm charts the estate installs, pinned in one place: a plain map of `{ chart, version, repo }`
 * entries, one per chart, so that upgrades are one-line changes and branches that add charts merge
 * without conflicts. Components read their entry; nothing here registers resources.
 *
 * Bump a version only after reading the chart's release notes and checking the values the
 * components pass (`components/k8s/chart-values.ts`, the data components' `*Values` functions)
 * against the new chart's `values.yaml`: most charts validate their values with a JSON schema at
 * install time, so a renamed key fails the `pulumi up` loudly rather than being ignored.
 */

/** A chart in a classic (HTTP) Helm repository, pinned to an exact chart version. */
export interface ChartRef {
    /** The chart's name in its repository. */
    chart: string;
    /** The exact chart version (never a range: upgrades are reviewed changes). */
    version: string;
    /** The Helm repository URL (`helm repo add <name> <repo>`). */
    repo: string;
}

export const charts = {
    // --- Platform -------------------------------------------------------------------------------
    /** cert-manager 1.21 (jetstack): certificates, ACME and self-signed issuers; ships its CRDs. */
    certManager: { chart: "cert-manager", version: "v1.21.2", repo: "https://charts.jetstack.io" },
    /**
     * Traefik Proxy, the ingress controller. ingress-nginx reached end of maintenance in March 2026
     * (no more releases or security fixes), so the estate's public edge runs a maintained controller
     * that implements the standard Ingress API.
     */
    traefik: { chart: "traefik", version: "37.3.0", repo: "https://traefik.github.io/charts" },

    // --- Data services --------------------------------------------------------------------------
    /** The CloudNativePG operator (CRDs, controller, webhooks). Chart 0.29.x ships operator 1.29/1.30. */
    cloudnativePg: { chart: "cloudnative-pg", version: "0.29.0", repo: "https://cloudnative-pg.github.io/charts" },
    /**
     * The Barman Cloud plugin for CloudNativePG (CNPG-I), which replaces the deprecated in-tree
     * `.spec.backup.barmanObjectStore`: the `ObjectStore` CRD and the plugin's deployment. Needs
     * CloudNativePG >= 1.26 and cert-manager in the cluster; it must live in the operator's namespace.
     */
    barmanCloudPlugin: { chart: "plugin-barman-cloud", version: "0.8.0", repo: "https://cloudnative-pg.github.io/charts" },
    /**
     * MongoDB Controllers for Kubernetes (MCK), MongoDB's maintained operator that replaced the
     * archived Community Operator; it reconciles `MongoDBCommunity` resources.
     */
    mongodbKubernetes: { chart: "mongodb-kubernetes", version: "1.13.0", repo: "https://mongodb.github.io/helm-charts" },
    /**
     * Redis with Sentinel failover and an HAProxy in front of the primary, on the official `redis`
     * image (the chart Argo CD's HA install depends on).
     */
    redisHa: { chart: "redis-ha", version: "4.29.4", repo: "https://dandydeveloper.github.io/charts" },

    // --- Observability ----------------------------------------------------------------------------
    /**
     * kube-prometheus-stack 81 (prometheus-community): the Prometheus operator v0.88 and its CRDs,
     * Prometheus, Alertmanager, kube-state-metrics, Grafana (grafana chart 10.5), the node exporter
     * (off by default in the estate) and the default Kubernetes rules and dashboards. Helm installs
     * the CRDs only on the first install: a version bump that brings new CRDs needs them applied
     * first (`kubectl apply --server-side -f` the chart's `charts/crds/crds/`), see the chart's
     * UPGRADE notes.
     */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "81.4.5", repo: "https://prometheus-community.github.io/helm-charts" },
    /** The Prometheus Pushgateway, for batch jobs (backups, restore drills) that end before a scrape. */
    pushgateway: { chart: "prometheus-pushgateway", version: "3.6.1", repo: "https://prometheus-community.github.io/helm-charts" },

    // --- Credentials ------------------------------------------------------------------------------
    /**
     * The External Secrets Operator 2.9.0 (app v2.9.0): syncs rotating credentials from AWS Secrets
     * Manager into Kubernetes Secrets; installs its CRDs (`installCRDs: true`), serving
     * `external-secrets.io/v1` only (v1beta1 `served: false`). Seen upstream: external-secrets/external-secrets,
     * tag helm-chart-2.9.0, deploy/charts/external-secrets/Chart.yaml (version "2.9.0"); published in the
     * repository's index (gh-pages index.yaml, url .../releases/download/helm-chart-2.9.0/external-secrets-2.9.0.tgz);
     * CRDs in config/crds/bases at tag v2.9.0.
     */
    externalSecrets: { chart: "external-secrets", version: "2.9.0", repo: "https://charts.external-secrets.io" },
    /**
     * Stakater Reloader 2.2.16 (app v1.4.21): rolls a Deployment when a Secret it names in
     * `secret.reloader.stakater.com/reload` changes (env-var consumers of a rotated credential).
     * Seen upstream: stakater/Reloader, tag chart-v2.2.16, deployments/kubernetes/chart/reloader/Chart.yaml
     * (version 2.2.16, appVersion v1.4.21); published as https://stakater.github.io/stakater-charts/reloader-2.2.16.tgz.
     */
    reloader: { chart: "reloader", version: "2.2.16", repo: "https://stakater.github.io/stakater-charts" },
} as const satisfies Record<string, ChartRef>;

/** The `chart`, `version` and `repositoryOpts` arguments of a `helm.v3.Release` for a pinned chart. */
export function releaseSource(ref: ChartRef): { chart: string; version: string; repositoryOpts: { repo: string } } {
    return { chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo } };
}

/** Container images the data charts run, pinned by tag. */
export const images = {
    /** CloudNativePG operand images (PostgreSQL with barman-cloud tools removed: backups go through the plugin's sidecar), per major. */
    postgres: {
        "14": "ghcr.io/cloudnative-pg/postgresql:14.23-standard-trixie",
        "15": "ghcr.io/cloudnative-pg/postgresql:15.18-standard-trixie",
        "16": "ghcr.io/cloudnative-pg/postgresql:16.14-standard-trixie",
        "17": "ghcr.io/cloudnative-pg/postgresql:17.10-standard-trixie",
    },
    /** Redis (official image) per supported major.minor; ElastiCache's 7.1 is Redis OSS 7.0-compatible, 7.2 is the last BSD release. */
    redis: { "6.2": "redis:6.2.17-alpine", "7.0": "redis:7.0.15-alpine", "7.1": "redis:7.2.7-alpine" },
    /**
     * MongoDB Community Server releases for `MongoDBCommunity.spec.version` (the operator needs a full
     * version) per DocumentDB-compatible API version; the operator runs them from the `ubi8` images.
     * 4.0 has no supported release to run in a cluster.
     */
    mongodb: { "5.0": "5.0.28", "8.0": "8.0.4" },
} as const;
