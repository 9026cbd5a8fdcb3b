import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { evaluatePolicies, fakeResource, UNKNOWN, wireSecret } from "../../../scripts/engine/policy-harness";

const thresholdPolicy: ResourceValidationPolicy = {
    name: "threshold",
    description: "values must reach the threshold",
    configSchema: { properties: { minimum: { type: "number", default: 10 } } },
    validateResource: (args, report) => {
        const { minimum } = args.getConfig<{ minimum: number }>();
        if ((args.props.value as number) < minimum) {
            report(`value ${String(args.props.value)} < ${minimum}`);
        }
    },
};

describe("evaluatePolicies", () => {
    it("applies configSchema defaults, overridden by the policy's config entry, as the CLI does", async () => {
        const r = fakeResource({ type: "test:index:Thing", name: "t", props: { value: 5 } });
        expect((await evaluatePolicies([thresholdPolicy], [r])).violations.map((v) => v.message)).toEqual(["values must reach the threshold\nvalue 5 < 10"]);
        expect((await evaluatePolicies([thresholdPolicy], [r], { config: { threshold: { minimum: 3 } } })).violations).toEqual([]);
    });

    it("resolves enforcement: the policy's entry, then `all`, then the policy's own, then the pack's", async () => {
        const r = fakeResource({ type: "test:index:Thing", name: "t", props: { value: 5 } });
        const level = async (opts: Parameters<typeof evaluatePolicies>[2]) => (await evaluatePolicies([thresholdPolicy], [r], opts)).violations[0]?.enforcementLevel;
        expect(await level({})).toBe("advisory");
        expect(await level({ packEnforcementLevel: "mandatory" })).toBe("mandatory");
        expect(await level({ packEnforcementLevel: "mandatory", config: { all: "advisory" } })).toBe("advisory");
        expect(await level({ config: { all: "advisory", threshold: "mandatory" } })).toBe("mandatory");
        expect(await level({ config: { threshold: { enforcementLevel: "disabled" } } })).toBeUndefined();
        expect(await level({ config: { threshold: "remediate" } })).toBe("mandatory");
    });

    it("turns a read of an unknown value into an advisory can't-run note, as in a real preview", async () => {
        const r = fakeResource({ type: "test:index:Thing", name: "t", props: { value: UNKNOWN } });
        const { violations } = await evaluatePolicies([thresholdPolicy], [r], { config: { all: "mandatory" } });
        expect(violations).toEqual([
            expect.objectContaining({ policy: "threshold", enforcementLevel: "advisory", message: expect.stringMatching(/^can't run policy 'threshold' during preview: string value at \.value/) }),
        ]);
    });

    it("unwraps secrets for policies and links parents and property dependencies for stack policies", async () => {
        const parent = fakeResource({ type: "estate:test:Parent", name: "p" });
        const target = fakeResource({ type: "test:index:Target", name: "t", props: { password: wireSecret("s3cr3t") } });
        const child = fakeResource({ type: "test:index:Child", name: "c", parent: parent.urn, propertyDependencies: { target: [target.urn] } });
        const seen: string[] = [];
        const policy: StackValidationPolicy = {
            name: "join",
            description: "joins",
            validateStack: (args) => {
                const c = args.resources.find((r) => r.name === "c")!;
                seen.push(c.parent!.name, c.propertyDependencies.target![0]!.name, String(c.propertyDependencies.target![0]!.props.password));
            },
        };
        await evaluatePolicies([policy], [parent, target, child]);
        expect(seen).toEqual(["p", "t", "s3cr3t"]);
    });
});
