/**
 * `npm ci` must not warn EBADENGINE: every package the lock file installs (optional platform
 * binaries aside) accepts the oldest Node of each line package.json's `engines.node` declares.
 * The runtime is pinned in one version, everywhere it is named, and only the install scripts the
 * project needs may run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
    allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; optional?: boolean; hasInstallScript?: boolean; engines?: { node?: string } | string[] }>;
};

/** The oldest Node of each line the declared range allows, such as 20.19.0 and 22.13.0 for "^20.19.0 || ^22.13.0". */
const oldest = new semver.Range(pkg.engines.node).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(" ")))!.version);

describe(`package.json engines.node ${JSON.stringify(pkg.engines.node)}`, () => {
    it.each(oldest)("Node %s satisfies the engines of every package npm ci installs", (node) => {
        const refused = Object.entries(lock.packages)
            .filter(([name, entry]) => name !== "" && !entry.optional && !Array.isArray(entry.engines) && entry.engines?.node !== undefined)
            .filter(([, entry]) => !semver.satisfies(node, (entry.engines as { node: string }).node))
            .map(([name, entry]) => `${name.replace(/^.*node_modules\//, "")}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
        expect(refused).toEqual([]);
    });
});

describe("the pinned runtime", () => {
    const pinned = fs.readFileSync(path.join(root, ".node-version"), "utf8").trim();

    it(".node-version, the `node` dev dependency and the lock file name one version, which engines accepts", () => {
        expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pkg.devDependencies.node).toBe(pinned);
        expect(lock.packages["node_modules/node"]?.version).toBe(pinned);
        expect(semver.satisfies(pinned, pkg.engines.node)).toBe(true);
    });

    it("runs this suite: npm and npx put node_modules/.bin, and its node, first on the PATH", () => {
        expect(process.version).toBe(`v${pinned}`);
    });
});

describe("allowScripts", () => {
    /** Every package the lock file installs that has an install script, by name. */
    const withScripts = [...new Set(Object.entries(lock.packages).filter(([name, entry]) => name !== "" && entry.hasInstallScript && !entry.optional).map(([name]) => name.replace(/^.*node_modules\//, "")))].sort();

    it("lets only the `node` package run its install script (it fetches the Node binary)", () => {
        expect(Object.entries(pkg.allowScripts).filter(([, allowed]) => allowed).map(([name]) => name)).toEqual(["node"]);
    });

    it("decides for every package with an install script, so npm ci prints no unreviewed ones", () => {
        expect(withScripts).toContain("node");
        expect(Object.keys(pkg.allowScripts).sort()).toEqual(withScripts);
    });
});
