/**
 * Every Helm chart the estate installs, pinned in one place: a plain map of
 * `{ chart, version, repo }`, one key per chart, so each area adds its charts as new keys.
 *
 * Bump a version only after reading the chart's release notes and checking the values the
 * components pass (`components/k8s/chart-values.ts`) against the new chart's `values.yaml`: the
 * charts validate their values with a JSON schema at install time, so a renamed key fails the
 * `pulumi up` loudly rather than being ignored.
 */

/** A chart in a classic Helm repository. */
export interface HelmChart {
    /** The chart's name in the repository. */
    chart: string;
    /** The exact chart version (never a range). */
    version: string;
    /** The repository URL (`helm repo add <name> <repo>`). */
    repo: string;
}

export const charts = {
    /** cert-manager 1.21 (jetstack): certificates, ACME and self-signed issuers; ships its CRDs. */
    certManager: { chart: "cert-manager", version: "v1.21.2", repo: "https://charts.jetstack.io" },
    /**
     * Traefik Proxy, the ingress controller. ingress-nginx reached end of maintenance in March 2026
     * (no more releases or security fixes), so the estate's public edge runs a maintained controller
     * that implements the standard Ingress API.
     */
    traefik: { chart: "traefik", version: "37.3.0", repo: "https://traefik.github.io/charts" },
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
} satisfies Record<string, HelmChart>;

/** The `chart`, `version` and `repositoryOpts` arguments of a `helm.v3.Release` for a pinned chart. */
export function releaseSource(ref: HelmChart): { chart: string; version: string; repositoryOpts: { repo: string } } {
    return { chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo } };
}
