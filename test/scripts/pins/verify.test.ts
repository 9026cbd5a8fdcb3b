/**
 * `npm run pins:verify` against recorded upstream answers (test/fixtures/pins): trimmed Helm
 * repository indexes and the tags seen on each registry, served by an injected fetch that speaks
 * the registries' anonymous-token protocol (401 with a Bearer challenge, then a token).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPins, charts, type Pin } from "../../../components/lib/charts";
import { parseBearerChallenge, parseImage } from "../../../scripts/pins/registry";
import { main, report, verifyPins } from "../../../scripts/pins/verify";

const fixtures = path.resolve(__dirname, "../../fixtures/pins");
const registryTags = JSON.parse(fs.readFileSync(path.join(fixtures, "registries.json"), "utf8")) as Record<string, string[] | string>;

interface Recorded {
    fetch: (url: string, init?: { method?: string; headers?: Record<string, string> }) => Promise<Response>;
    requests: { url: string; method: string; authorization?: string }[];
}

/** A fetch that answers from the fixtures, as the Helm repositories and registries would. */
function recordedUpstream(): Recorded {
    const requests: Recorded["requests"] = [];
    const fetchFn = async (url: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> => {
        const method = init.method ?? "GET";
        const authorization = init.headers?.Authorization;
        requests.push({ url, method, ...(authorization === undefined ? {} : { authorization }) });
        const u = new URL(url);
        if (u.pathname.endsWith("/index.yaml")) {
            const name = `${u.host}${u.pathname.slice(0, -"/index.yaml".length)}`.replace(/\//g, "_");
            const file = path.join(fixtures, "indexes", `${name}.yaml`);
            return fs.existsSync(file) ? new Response(fs.readFileSync(file, "utf8")) : new Response("not found", { status: 404 });
        }
        if (u.host === "auth.registry.test") {
            const scope = u.searchParams.get("scope") ?? "";
            return Response.json({ token: `token-for ${scope}` });
        }
        const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(u.pathname);
        if (manifest) {
            const [, repository, tag] = manifest;
            const scope = `repository:${repository}:pull`;
            if (authorization !== `Bearer token-for ${scope}`) {
                return new Response(null, {
                    status: 401,
                    headers: { "WWW-Authenticate": `Bearer realm="https://auth.registry.test/token",service="${u.host}",scope="${scope}"` },
                });
            }
            const tags = registryTags[`${u.host}/${repository}`];
            if (!Array.isArray(tags)) return new Response(null, { status: 401 });
            return new Response(null, { status: tags.includes(tag!) ? 200 : 404 });
        }
        return new Response("unexpected", { status: 500 });
    };
    return { fetch: fetchFn, requests };
}

/** A fetch with no network at all (what Node's fetch throws when DNS fails). */
const offline = async (): Promise<Response> => {
    throw new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }) });
};

/** The module's pins with one version replaced. */
function withVersion(key: string, version: string): Pin[] {
    return allPins().map((p) => (p.key === key ? { ...p, version } : p));
}

describe("pins:verify against the recorded upstream", () => {
    it("finds every pin of the module: each chart version in its repository's index, each image tag on its registry", async () => {
        const results = await verifyPins(allPins(), recordedUpstream().fetch);
        const notFound = results.filter((r) => r.status !== "found").map((r) => `${r.pin.key}: ${r.status}`);
        expect(notFound).toEqual([]);
        const { out, code } = report(results, true);
        expect(code).toBe(0);
        expect(out.at(-1)).toBe(`pins: ${results.length} found, 0 missing, 0 not verified, of ${results.length}`);
    });

    it("fails the old kube-prometheus-stack pin 81.4.5, which was never released (81.4.3 -> 81.5.0), and names it", async () => {
        expect(charts.kubePrometheusStack.version).not.toBe("81.4.5");
        const results = await verifyPins(withVersion("kubePrometheusStack", "81.4.5"), recordedUpstream().fetch);
        const { err, code } = report(results, false);
        expect(code).toBe(1);
        expect(err).toEqual([
            "MISSING  chart kube-prometheus-stack 81.4.5 (https://prometheus-community.github.io/helm-charts): not published upstream (pinned in components/lib/charts.ts, kubePrometheusStack)",
        ]);
    });

    it("fails the old mongodb-kubernetes pin 1.13.0, which is in no index", async () => {
        const results = await verifyPins(withVersion("mongodbKubernetes", "1.13.0"), recordedUpstream().fetch);
        expect(results.filter((r) => r.status === "missing").map((r) => `${r.pin.name} ${r.pin.version}`)).toEqual(["mongodb-kubernetes 1.13.0"]);
        expect(report(results, false).code).toBe(1);
    });

    it("fails an image tag the registry does not have, after authenticating anonymously for that repository", async () => {
        const upstream = recordedUpstream();
        const results = await verifyPins(withVersion("redis62", "6.2.99-alpine"), upstream.fetch);
        expect(results.filter((r) => r.status === "missing").map((r) => `${r.pin.name}:${r.pin.version}`)).toEqual(["redis:6.2.99-alpine"]);
        const redis = upstream.requests.filter((r) => r.url === "https://registry-1.docker.io/v2/library/redis/manifests/6.2.99-alpine");
        expect(redis.map((r) => [r.method, r.authorization])).toEqual([
            ["HEAD", undefined],
            ["HEAD", "Bearer token-for repository:library/redis:pull"],
        ]);
        expect(upstream.requests.some((r) => r.url.startsWith("https://auth.registry.test/token?") && r.url.includes("scope=repository%3Alibrary%2Fredis%3Apull"))).toBe(true);
    });

    it("reads each Helm repository's index once", async () => {
        const upstream = recordedUpstream();
        await verifyPins(allPins(), upstream.fetch);
        const indexes = upstream.requests.filter((r) => r.url.endsWith("/index.yaml")).map((r) => r.url);
        expect(indexes).toEqual([...new Set(indexes)]);
        expect(new Set(indexes)).toEqual(new Set(Object.values(charts).map((c) => `${c.repo}/index.yaml`)));
    });
});

describe("pins:verify without network", () => {
    it("says how many pins it could not verify and succeeds", async () => {
        const results = await verifyPins(allPins(), offline);
        const { out, err, code } = report(results, false);
        expect(code).toBe(0);
        expect(err).toEqual([]);
        expect(out).toContain(`offline: ${allPins().length} pins not verified (the network is unreachable)`);
    });

    it("fails with --require-network", async () => {
        const { err, code } = report(await verifyPins(allPins(), offline), true);
        expect(code).toBe(1);
        expect(err.join("\n")).toContain(`offline: ${allPins().length} pins not verified`);
    });

    it("exits 0 offline, 1 offline with --require-network, 2 on an unknown argument", async () => {
        const quiet = { stdout: process.stdout.write, stderr: process.stderr.write };
        process.stdout.write = (() => true) as typeof process.stdout.write;
        process.stderr.write = (() => true) as typeof process.stderr.write;
        try {
            expect(await main("pins-verify", [], offline)).toBe(0);
            expect(await main("pins-verify", ["--require-network"], offline)).toBe(1);
            expect(await main("pins-verify", ["--offline"], offline)).toBe(2);
        } finally {
            process.stdout.write = quiet.stdout;
            process.stderr.write = quiet.stderr;
        }
    });
});

describe("image references and registry challenges", () => {
    it("address Docker Hub, its official images and other registries as the distribution API does", () => {
        expect(parseImage("redis:7.2.16-alpine")).toEqual({ registry: "registry-1.docker.io", repository: "library/redis", tag: "7.2.16-alpine" });
        expect(parseImage("docker.io/mongodb/mongodb-community-server:8.0.4-ubi8")).toEqual({ registry: "registry-1.docker.io", repository: "mongodb/mongodb-community-server", tag: "8.0.4-ubi8" });
        expect(parseImage("ghcr.io/cloudnative-pg/postgresql:16.14-standard-trixie")).toEqual({ registry: "ghcr.io", repository: "cloudnative-pg/postgresql", tag: "16.14-standard-trixie" });
        expect(parseImage("localhost:5000/app:1")).toEqual({ registry: "localhost:5000", repository: "app", tag: "1" });
        expect(() => parseImage("ghcr.io/acme/app")).toThrow(/no tag/);
    });

    it("read the realm, service and scope of a Bearer challenge", () => {
        expect(parseBearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"')).toEqual({
            realm: "https://auth.docker.io/token",
            params: { service: "registry.docker.io", scope: "repository:library/redis:pull" },
        });
        expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
        expect(parseBearerChallenge(null)).toBeUndefined();
    });
});
