/**
 * estate-unevaluated-content: what no policy could see is reported, at the level the stack's
 * config gives it, unless accepted with a reason. The cases a real preview shows (a Helm release;
 * a chart or YAML component that rendered nothing) and the ones the offline engine marks (a
 * multi-language component, a resource built from an unanswered data source).
 */
import { describe, expect, it } from "vitest";
import { unevaluatedContent } from "../../../policies/coverage/unevaluated";
import { OFFLINE_UNEVALUATED_KEY, unansweredInvokeReason } from "../../../policies/lib/unevaluated";
import { fakeResource } from "../../../scripts/engine/policy-harness";
import { check, messagesOf } from "../fixtures";

const release = fakeResource({ type: "kubernetes:helm.sh/v3:Release", name: "redis", props: { chart: "redis", version: "20.6.0" } });
const chart = fakeResource({ type: "kubernetes:helm.sh/v3:Chart", name: "wordpress" });
const deployment = (parent?: string) =>
    fakeResource({ type: "kubernetes:apps/v1:Deployment", name: "wordpress-web", parent, props: { metadata: { name: "web" }, spec: { replicas: 2 } } });

describe("estate-unevaluated-content", () => {
    it("passes plain resources, and a chart whose objects were rendered (its children are seen)", async () => {
        const report = await check(unevaluatedContent, [chart, deployment(chart.urn), fakeResource({ type: "aws:s3/bucket:Bucket", name: "site" })]);
        expect(report.violations).toEqual([]);
    });

    it("reports a Helm v3 Release: no policy sees what the provider installs", async () => {
        const report = await check(unevaluatedContent, [release]);
        expect(messagesOf(report)).toEqual([
            expect.stringMatching(/^Release 'redis' was not evaluated by any policy: a Helm release: .*list "kubernetes:helm\.sh\/v3:Release::redis" with a reason/),
        ]);
        expect(report.violations[0]!.urn).toBe(release.urn);
    });

    it("reports a chart, kustomization or YAML component with no object rendered", async () => {
        for (const type of ["kubernetes:helm.sh/v3:Chart", "kubernetes:helm.sh/v4:Chart", "kubernetes:kustomize:Directory", "kubernetes:yaml:ConfigFile", "kubernetes:yaml/v2:ConfigGroup"]) {
            const report = await check(unevaluatedContent, [fakeResource({ type, name: "app" })]);
            expect(messagesOf(report), type).toEqual([expect.stringMatching(/was not evaluated by any policy: .*no object of it was seen/)]);
        }
    });

    it("reports a multi-language component the offline engine marked, and a resource built from an unanswered data source", async () => {
        const vpc = fakeResource({ type: "awsx:ec2:Vpc", name: "network", props: { [OFFLINE_UNEVALUATED_KEY]: "a multi-language component (awsx:ec2:Vpc): its provider plugin creates its children" } });
        const db = fakeResource({ type: "aws:rds/instance:Instance", name: "restored", props: { snapshotIdentifier: "unanswered-invoke(aws:rds/getSnapshot:getSnapshot)", [OFFLINE_UNEVALUATED_KEY]: unansweredInvokeReason("aws:rds/getSnapshot:getSnapshot") } });
        const report = await check(unevaluatedContent, [vpc, db]);
        expect(messagesOf(report)).toEqual([
            expect.stringMatching(/^Vpc 'network' was not evaluated by any policy: a multi-language component \(awsx:ec2:Vpc\)/),
            expect.stringMatching(/^Instance 'restored' was not evaluated by any policy: depends on the data source aws:rds\/getSnapshot:getSnapshot/),
        ]);
    });

    it("is mandatory where the config says so, and an accepted resource (exact type and name) is not a violation", async () => {
        const mandatory = await check(unevaluatedContent, [release, chart], { config: { "estate-unevaluated-content": "mandatory" } });
        expect(mandatory.violations.map((v) => v.enforcementLevel)).toEqual(["mandatory", "mandatory"]);
        const accepted = await check(unevaluatedContent, [release, chart], {
            config: { "estate-unevaluated-content": { enforcementLevel: "mandatory", accepted: [{ resource: "kubernetes:helm.sh/v3:Release::redis", reason: "reviewed in PR 42" }] } },
        });
        expect(accepted.violations.map((v) => v.urn)).toEqual([chart.urn]);
    });
});
