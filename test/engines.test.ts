/**
 * `npm ci` must not warn EBADENGINE: every package the lock file installs (optional platform
 * binaries aside) accepts the oldest Node of each line package.json's `engines.node` declares.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } | string[] }>;
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
