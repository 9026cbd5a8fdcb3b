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
    it("hands each policy its own props, deserialized on first read (a policy that stops at the type reads none)", async () => {
        const r = fakeResource({ type: "test:index:Thing", name: "t", props: { value: 5, nested: { a: 1 } } });
        const seen: { descriptor?: PropertyDescriptor; props: unknown[]; asType: unknown[] } = { props: [], asType: [] };
        const reading: ResourceValidationPolicy = {
            name: "reading",
            description: "reads its props",
            validateResource: (args) => {
                seen.descriptor = Object.getOwnPropertyDescriptor(args, "props");
                seen.props.push(args.props, args.props);
                seen.asType.push(args.asType({ __pulumiType: "test:index:Thing" } as never), args.asType({ __pulumiType: "test:index:Other" } as never));
            },
        };
        const stopping: ResourceValidationPolicy = {
            name: "stopping",
            description: "applies to other types",
            validateResource: (args) => args.notApplicable("only for test:index:Other"),
        };
        const report = await evaluatePolicies([stopping, reading, reading], [r]);
        expect(report.notApplicable).toEqual([{ policy: "stopping", urn: r.urn, reason: "only for test:index:Other" }]);
        expect(typeof seen.descriptor?.get).toBe("function");
        expect(seen.props[0]).toEqual({ value: 5, nested: { a: 1 } });
        // The same object on every read within a policy, a fresh one for the next policy (as the analyzer does).
        expect(seen.props[0]).toBe(seen.props[1]);
        expect(seen.props[2]).not.toBe(seen.props[0]);
        expect(seen.asType).toEqual([{ value: 5, nested: { a: 1 } }, undefined, { value: 5, nested: { a: 1 } }, undefined]);
    });

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
