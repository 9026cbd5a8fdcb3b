/**
 * docs/config.md: generated from the zod schema (infra/schema.ts) and the profiles (stacks/), and kept
 * current by this test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { drSchema, estateConfigSchema } from "../../../infra/schema";
import { CONFIG_DOCS, configDocs, configKeys, renderConfigDocs } from "../../../scripts/docs/config";
import { profiles } from "../../../stacks";

const root = path.resolve(__dirname, "../../..");
const committed = fs.readFileSync(path.join(root, CONFIG_DOCS), "utf8");

type JsonSchema = { properties?: Record<string, JsonSchema>; additionalProperties?: JsonSchema | boolean; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

/** Every key path JSON Schema says the config accepts (`*` for a map's keys), found independently of the generator. */
function jsonSchemaKeys(schema: JsonSchema, prefix: string[] = []): string[] {
    const keys: string[] = [];
    for (const branch of [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
        for (const [name, child] of Object.entries(branch.properties ?? {})) {
            keys.push([...prefix, name].join("."), ...jsonSchemaKeys(child, [...prefix, name]));
        }
        if (typeof branch.additionalProperties === "object") {
            keys.push(...jsonSchemaKeys(branch.additionalProperties, [...prefix, "*"]));
        }
    }
    return keys;
}

/** The keys docs/config.md has a row for, map segments as `*`. */
function documentedKeys(markdown: string): string[] {
    return [...markdown.matchAll(/^\| `estate:([^`]+)` \|/gm)].map((m) => m[1]!.replace(/<[^>]+>/g, "*"));
}

describe("docs/config.md", () => {
    it("is what the generator writes from the current schema and profiles", () => {
        expect(committed === configDocs(), "docs/config.md is out of date: run npm run docs:config").toBe(true);
    });

    it("has a row for every key the schema accepts, and no other", () => {
        const accepted = jsonSchemaKeys(z.toJSONSchema(estateConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema);
        expect(accepted).toContain("dr.retention.dailyDays");
        expect(accepted).toContain("services.*.host");
        expect([...new Set(documentedKeys(committed))].sort()).toEqual([...new Set(accepted)].sort());
        expect(documentedKeys(committed)).toHaveLength(new Set(documentedKeys(committed)).size);
    });

    it("gives every key a description, type and allowed values", () => {
        for (const row of configKeys()) {
            expect(row.description?.trim(), row.path.join(".")).toBeTruthy();
            expect(row.type, row.path.join(".")).toBeTruthy();
        }
        expect(committed).toContain(
            "| `estate:dr.retention.dailyDays` | integer | an integer from 1 to 3650 | yes | `" +
                String(profiles.dev.config.dr?.retention?.dailyDays) +
                "` | `" +
                String(profiles.prod.config.dr?.retention?.dailyDays) +
                "` | How long daily backups are kept, in days. |",
        );
        expect(committed).toMatch(/^\| `estate:services\.<name>\.host` \| string \| a lower-case DNS name such as example\.com; pattern `[^`]+` \| no \|/m);
        expect(committed).toMatch(/^\| `estate:data\.postgres\.version` \| string \| one of `14`, `15`, `16`, `17` \| yes \|/m);
        expect(committed).toMatch(/^\| `estate:backup\.objectLock` \| false or object \| false or \{ mode: GOVERNANCE \\\| COMPLIANCE, days \} \| no \|/m);
    });

    it("has one column per profile in stacks/, with its defaults, its per-kind service and per-service data defaults", () => {
        const names = Object.keys(profiles);
        expect(committed).toContain(`| key | type | allowed | required | ${names.join(" | ")} | description |`);
        const row = (key: string) => committed.split("\n").find((l) => l.startsWith(`| \`${key}\` |`))!.split(" | ");
        const columns = committed.split("\n").find((l) => l.startsWith("| key |"))!.split(" | ");
        for (const name of names) {
            const profile = profiles[name as keyof typeof profiles];
            expect(row("estate:protectData")[columns.indexOf(name)]).toBe(`\`${String(profile.config.protectData)}\``);
            expect(row("estate:services.<name>.cpu")[columns.indexOf(name)]).toBe(
                Object.entries(profile.serviceDefaults)
                    .map(([kind, d]) => `${kind}: \`${d.cpu}\``)
                    .join("; "),
            );
            expect(row("estate:data.redis.nodes")[columns.indexOf(name)]).toBe(`\`${profile.dataDefaults.redis.nodes}\``);
        }
        const withThird = renderConfigDocs({ profiles: { ...profiles, staging: profiles.prod } });
        expect(withThird).toContain(`| key | type | allowed | required | ${[...names, "staging"].join(" | ")} | description |`);
    });

    it("fails, naming the key, when a key has no description", () => {
        const schema = estateConfigSchema.extend({
            undocumented: z.string().optional(),
            dr: drSchema.extend({ extraDays: z.int().min(1) }).describe("Disaster recovery."),
        });
        expect(() => renderConfigDocs({ schema, profiles })).toThrow(/no description: estate:dr\.extraDays, estate:undocumented\n/);
        const described = estateConfigSchema.extend({ documented: z.string().optional().describe("A documented key.") });
        expect(renderConfigDocs({ schema: described, profiles })).toContain("| `estate:documented` | string | — | no | — | — | A documented key. |");
    });
});
