/**
 * The bootstrap's config parse, pure: defaults, and every problem reported at once with its key.
 * (The CLI path, exit 2 with the message, is in bootstrap.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { BootstrapConfigError, DEFAULT_DRIFT_ENVIRONMENT, parseBootstrapConfig } from "../../bootstrap/config";

const ctx = { project: "estate-bootstrap", stack: "main" };
const valid = {
    "aws:region": "eu-west-1",
    "estate-bootstrap:github": JSON.stringify({ owner: "example-org", repo: "estate" }),
    "estate-bootstrap:environments": JSON.stringify(["development", "production"]),
};

function issuesOf(raw: Record<string, string>): string[] {
    try {
        parseBootstrapConfig(raw, ctx);
    } catch (err) {
        expect(err).toBeInstanceOf(BootstrapConfigError);
        return (err as BootstrapConfigError).issues.map((i) => i.key);
    }
    throw new Error("expected a BootstrapConfigError");
}

describe("parseBootstrapConfig", () => {
    it("defaults the drift environment and adds the stack's tags", () => {
        const spec = parseBootstrapConfig({ ...valid, "estate-bootstrap:tags": JSON.stringify({ team: "platform" }) }, ctx);
        expect(spec).toMatchObject({
            region: "eu-west-1",
            github: { owner: "example-org", repo: "estate" },
            environments: ["development", "production"],
            driftEnvironment: DEFAULT_DRIFT_ENVIRONMENT,
            tags: { team: "platform", "estate:stack": "main", "managed-by": "pulumi" },
        });
    });

    it("reports every problem together, each by its key", () => {
        expect(issuesOf({ "estate-bootstrap:github": JSON.stringify({ owner: "a", repo: "b", org: "c" }), "estate-bootstrap:environments": "production" })).toEqual([
            "aws:region",
            "estate-bootstrap:github.org",
            "estate-bootstrap:environments",
        ]);
    });

    it("refuses environments that would share a deploy role's name, and a drift environment that deploys", () => {
        expect(issuesOf({ ...valid, "estate-bootstrap:environments": JSON.stringify(["prod env", "prod-env"]) })).toEqual(["estate-bootstrap:environments"]);
        expect(issuesOf({ ...valid, "estate-bootstrap:driftEnvironment": "Production" })).toEqual(["estate-bootstrap:driftEnvironment"]);
    });

    it("names a missing key as required", () => {
        const { "estate-bootstrap:github": _github, ...withoutGithub } = valid;
        void _github;
        expect(() => parseBootstrapConfig(withoutGithub, ctx)).toThrow(/estate-bootstrap:github is required/);
    });
});
