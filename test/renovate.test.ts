/**
 * renovate.json: its regex managers find every pin of the pins module, and extract the version,
 * repository and datasource Renovate needs to propose a bump. Renovate applies each `matchStrings`
 * entry to the whole file with every match a dependency (the default `matchStringsStrategy: any`),
 * which is what these tests do.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allPins, images } from "../components/lib/charts";

const root = path.resolve(__dirname, "..");
const PINS_MODULE = "components/lib/charts.ts";
const DOCKERFILE = "scripts/backup/Dockerfile";

interface CustomManager {
    customType: string;
    managerFilePatterns: string[];
    matchStrings: string[];
    datasourceTemplate?: string;
    depNameTemplate?: string;
    versioningTemplate?: string;
}

interface Dependency {
    datasource: string | undefined;
    depName: string | undefined;
    currentValue: string | undefined;
    registryUrl: string | undefined;
}

const config = JSON.parse(fs.readFileSync(path.join(root, "renovate.json"), "utf8")) as { customManagers: CustomManager[]; enabledManagers?: string[] };

/** A `managerFilePatterns` entry: `/regex/` is a regular expression, anything else a glob (none used here). */
function filePattern(pattern: string): RegExp {
    const m = /^\/(.*)\/$/.exec(pattern);
    if (!m) throw new Error(`${pattern}: only /regex/ patterns are used in renovate.json`);
    return new RegExp(m[1]!);
}

/** What Renovate's regex managers extract from a file of the repository. */
function extract(file: string): Dependency[] {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    return config.customManagers
        .filter((m) => m.managerFilePatterns.some((p) => filePattern(p).test(file)))
        .flatMap((m) =>
            m.matchStrings.flatMap((s) =>
                [...text.matchAll(new RegExp(s, "g"))].map((match) => ({
                    datasource: match.groups?.datasource ?? m.datasourceTemplate,
                    depName: match.groups?.depName ?? m.depNameTemplate,
                    currentValue: match.groups?.currentValue,
                    registryUrl: match.groups?.registryUrl,
                })),
            ),
        );
}

describe("renovate.json", () => {
    it("uses regex managers only with the fields Renovate requires (a datasource, a dependency name, a current value)", () => {
        expect(config.customManagers.length).toBeGreaterThan(0);
        for (const m of config.customManagers) {
            expect(m.customType).toBe("regex");
            for (const s of m.matchStrings) {
                expect(s).toContain("(?<currentValue>");
                expect(m.depNameTemplate ?? (s.includes("(?<depName>") ? "captured" : undefined)).toBeDefined();
                expect(m.datasourceTemplate ?? (s.includes("(?<datasource>") ? "captured" : undefined)).toBeDefined();
            }
        }
        expect(config.enabledManagers).toContain("custom.regex");
    });

    it("finds every pin of the pins module, once each", () => {
        expect(extract(PINS_MODULE)).toHaveLength(allPins().length);
    });

    it("extracts each pin's name, version, datasource and Helm repository", () => {
        const expected = allPins().map((p): Dependency =>
            p.kind === "chart"
                ? { datasource: "helm", depName: p.name, currentValue: p.version, registryUrl: p.repo }
                : { datasource: "docker", depName: p.name, currentValue: p.version, registryUrl: undefined },
        );
        expect(extract(PINS_MODULE)).toEqual(expected);
    });

    it("bumps .node-version from the npm registry's `node` package, the version the dev dependency pins", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
        expect(extract(".node-version")).toEqual([{ datasource: "npm", depName: "node", currentValue: pkg.devDependencies.node, registryUrl: undefined }]);
    });

    it("bumps the backup image's base in the Dockerfile to the same dependency as the module's pin", () => {
        const [repository, tag] = images.backupBase.split(":");
        expect(extract(DOCKERFILE)).toEqual([{ datasource: "docker", depName: repository, currentValue: tag, registryUrl: undefined }]);
    });
});
