/**
 * docs/pins.md: its tables are generated from the pins module and kept up to date by this test;
 * the rest of the file is written by hand.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { charts, crds, imagePins } from "../../../components/lib/charts";
import { BEGIN, END, PINS_DOCS, withPinTables } from "../../../scripts/pins/docs";

const root = path.resolve(__dirname, "../../..");
const committed = fs.readFileSync(path.join(root, PINS_DOCS), "utf8");

describe("docs/pins.md", () => {
    it("holds the tables the generator writes from the current pins", () => {
        expect(committed === withPinTables(committed), "docs/pins.md is out of date: run npm run docs:pins").toBe(true);
    });

    it("lists every chart, image and CRD pin with its version and provenance", () => {
        for (const [key, c] of Object.entries(charts)) {
            expect(committed, key).toContain(`| \`${key}\` | \`${c.chart}\` | \`${c.version}\` | ${c.repo} | [\`${c.source.repository}\`]`);
        }
        for (const [key, i] of Object.entries(imagePins)) {
            expect(committed, key).toContain(`| \`${key}\` | \`${i.repository}\` | \`${i.tag}\` | [\`${i.source.repository}\`]`);
        }
        for (const c of Object.values(crds)) {
            expect(committed).toContain(`| \`${c.apiVersion}\` |`);
        }
    });

    it("goes stale when a pin changes", () => {
        const stale = committed.replace(`\`${charts.kubePrometheusStack.version}\``, "`81.4.5`");
        expect(stale).not.toBe(committed);
        expect(withPinTables(stale)).not.toBe(stale);
    });

    it("refuses a file without the generated section's markers", () => {
        expect(() => withPinTables(committed.replace(BEGIN, ""))).toThrow(/pins:begin/);
        expect(() => withPinTables(committed.replace(END, ""))).toThrow(/pins:begin/);
    });
});
