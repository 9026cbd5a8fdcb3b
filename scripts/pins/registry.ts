/**
 * Does a pinned version exist upstream? Helm charts are looked up in their repository's
 * `index.yaml` (or, for `oci://` repositories, the registry's tag list); images with a manifest
 * `HEAD` on their registry (OCI distribution API), with the anonymous bearer token the registry
 * asks for in its `WWW-Authenticate` challenge (docker.io, ghcr.io and quay.io all do). `fetch` is
 * injected, so the tests run against recorded fixtures.
 */
import { parse } from "yaml";

/** The subset of the global `fetch` the checks use. */
export type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

/** The network could not be reached at all (DNS, connection refused, timeout): the pin is not verified. */
export class NetworkError extends Error {}

/** The server answered, but not with what the check needs (5xx, a rate limit, a malformed index). */
export class UpstreamError extends Error {}

/** How long one request may take before the check counts the network as unreachable. */
const TIMEOUT_MS = 20_000;

async function request(fetchFn: Fetch, url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    try {
        return await fetchFn(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
        throw new NetworkError(`${url}: ${(err as Error).message}${causeOf(err)}`);
    }
}

function causeOf(err: unknown): string {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause ? ` (${cause.code ?? cause.message ?? "unknown cause"})` : "";
}

// ------------------------------------------------------------------------------------------------
// Images
// ------------------------------------------------------------------------------------------------

/** An image reference split the way the distribution API addresses it. */
export interface ImageName {
    /** The registry's API host: `registry-1.docker.io` for Docker Hub. */
    registry: string;
    /** The repository path on it: `library/redis` for the official `redis`. */
    repository: string;
    tag: string;
}

/** Splits `repository:tag` as Docker does: no registry host means Docker Hub, one path segment means `library/`. */
export function parseImage(ref: string): ImageName {
    const colon = ref.lastIndexOf(":");
    if (colon <= ref.lastIndexOf("/") || colon === ref.length - 1) {
        throw new Error(`image ${JSON.stringify(ref)} has no tag`);
    }
    const name = ref.slice(0, colon);
    const tag = ref.slice(colon + 1);
    const first = name.split("/")[0]!;
    const hasHost = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    let registry = hasHost ? first : "docker.io";
    let repository = hasHost ? name.slice(first.length + 1) : name;
    if (registry === "docker.io" || registry === "index.docker.io") {
        registry = "registry-1.docker.io";
        if (!repository.includes("/")) repository = `library/${repository}`;
    }
    return { registry, repository, tag };
}

/** The manifest media types a registry may hold for a tag (single-platform and multi-platform, Docker and OCI). */
const MANIFEST_ACCEPT = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseBearerChallenge(header: string | null): { realm: string; params: Record<string, string> } | undefined {
    if (!header || !/^Bearer\s/i.test(header)) return undefined;
    const params: Record<string, string> = {};
    for (const m of header.slice(header.indexOf(" ") + 1).matchAll(/(\w+)="([^"]*)"/g)) {
        params[m[1]!] = m[2]!;
    }
    const realm = params.realm;
    if (!realm) return undefined;
    delete params.realm;
    return { realm, params };
}

/** An anonymous pull token for `repository`, from the realm the registry named. */
async function anonymousToken(fetchFn: Fetch, challenge: { realm: string; params: Record<string, string> }, repository: string): Promise<string> {
    const url = new URL(challenge.realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", challenge.params.scope ?? `repository:${repository}:pull`);
    const res = await request(fetchFn, url.toString());
    if (!res.ok) throw new UpstreamError(`token ${url.origin}${url.pathname}: HTTP ${res.status}`);
    const body = (await res.json()) as { token?: unknown; access_token?: unknown };
    const token = typeof body.token === "string" ? body.token : body.access_token;
    if (typeof token !== "string") throw new UpstreamError(`token ${url.origin}${url.pathname}: no token in the answer`);
    return token;
}

/**
 * A request to a registry's `/v2/` API, authenticating anonymously when the registry challenges
 * (401 with `WWW-Authenticate: Bearer …`). Returns the final response.
 */
async function registryRequest(fetchFn: Fetch, url: string, repository: string, init: { method: string; headers: Record<string, string> }): Promise<Response> {
    const first = await request(fetchFn, url, init);
    if (first.status !== 401) return first;
    const challenge = parseBearerChallenge(first.headers.get("www-authenticate"));
    if (!challenge) return first;
    const token = await anonymousToken(fetchFn, challenge, repository);
    return request(fetchFn, url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
}

/** Whether the tag exists: a manifest `HEAD` (Docker Hub does not count `HEAD`s against the pull rate limit). */
export async function imageExists(fetchFn: Fetch, ref: string): Promise<boolean> {
    const { registry, repository, tag } = parseImage(ref);
    const url = `https://${registry}/v2/${repository}/manifests/${tag}`;
    const res = await registryRequest(fetchFn, url, repository, { method: "HEAD", headers: { Accept: MANIFEST_ACCEPT } });
    if (res.ok) return true;
    // After an anonymous token, registries answer 401/403 for a repository that does not exist (or is private).
    if (res.status === 404 || res.status === 401 || res.status === 403) return false;
    throw new UpstreamError(`${url}: HTTP ${res.status}`);
}

// ------------------------------------------------------------------------------------------------
// Charts
// ------------------------------------------------------------------------------------------------

/** The versions of every chart of a Helm repository index. */
export type ChartIndex = Map<string, Set<string>>;

/** Reads a Helm repository's `index.yaml` (`apiVersion: v1`, `entries: { <chart>: [{ version }] }`). */
export function parseIndex(text: string, where: string): ChartIndex {
    const doc = parse(text) as unknown;
    const entries = (doc as { entries?: unknown } | null)?.entries;
    if (typeof entries !== "object" || entries === null) throw new UpstreamError(`${where}: not a Helm repository index (no entries)`);
    const index: ChartIndex = new Map();
    for (const [chart, versions] of Object.entries(entries)) {
        if (!Array.isArray(versions)) continue;
        index.set(chart, new Set(versions.flatMap((v: unknown) => (typeof (v as { version?: unknown }).version === "string" ? [(v as { version: string }).version] : []))));
    }
    return index;
}

/** Checks charts, fetching each repository's index once. */
export class ChartChecker {
    private readonly indexes = new Map<string, Promise<ChartIndex>>();

    constructor(private readonly fetchFn: Fetch) {}

    async exists(chart: { chart: string; version: string; repo: string }): Promise<boolean> {
        if (chart.repo.startsWith("oci://")) {
            return this.ociChartExists(chart);
        }
        const index = await this.index(chart.repo);
        return index.get(chart.chart)?.has(chart.version) ?? false;
    }

    private index(repo: string): Promise<ChartIndex> {
        const url = `${repo.replace(/\/+$/, "")}/index.yaml`;
        let pending = this.indexes.get(url);
        if (!pending) {
            pending = (async () => {
                const res = await request(this.fetchFn, url);
                if (!res.ok) throw new UpstreamError(`${url}: HTTP ${res.status}`);
                return parseIndex(await res.text(), url);
            })();
            this.indexes.set(url, pending);
        }
        return pending;
    }

    /** A chart in an OCI registry is a repository whose tags are the versions (`+` written `_`). */
    private async ociChartExists(chart: { chart: string; version: string; repo: string }): Promise<boolean> {
        const path = chart.repo.slice("oci://".length).replace(/\/+$/, "");
        const host = path.split("/")[0]!;
        const repository = `${path.slice(host.length + 1)}/${chart.chart}`.replace(/^\/+/, "");
        const url = `https://${host}/v2/${repository}/manifests/${chart.version.replace(/\+/g, "_")}`;
        const res = await registryRequest(this.fetchFn, url, repository, { method: "HEAD", headers: { Accept: "application/vnd.oci.image.manifest.v1+json" } });
        if (res.ok) return true;
        if (res.status === 404 || res.status === 401 || res.status === 403) return false;
        throw new UpstreamError(`${url}: HTTP ${res.status}`);
    }
}
