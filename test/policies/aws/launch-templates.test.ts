import { describe, expect, it } from "vitest";
import { ec2LaunchTemplateImdsv2, LAUNCH_TEMPLATE_TYPES } from "../../../policies/aws/launch-templates";
import { fakeResource, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { check, messagesOf, packConfig } from "../fixtures";

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

const secure = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 };

const template = (metadataOptions: Record<string, unknown> | undefined, name = "nodes-lt") =>
    fakeResource({ type: LAUNCH_TEMPLATE_TYPES.launchTemplate, name, props: metadataOptions === undefined ? {} : { metadataOptions } });

/** A node group whose launchTemplate comes from `lt` (`{ id: lt.id, version: ... }`), as the engine records it. */
function nodeGroup(lt: RecordedResource | undefined, props: Record<string, unknown> = {}, name = "nodes"): RecordedResource {
    return fakeResource({
        type: LAUNCH_TEMPLATE_TYPES.nodeGroup,
        name,
        props: { clusterName: "main", subnetIds: ["subnet-0a"], ...(lt ? { launchTemplate: { id: `${lt.name}-id`, version: "1" } } : {}), ...props },
        dependencies: lt ? [lt.urn] : [],
        propertyDependencies: lt ? { launchTemplate: [lt.urn] } : {},
    });
}

describe("estate-ec2-launch-template-imdsv2", () => {
    it("passes a node launch template with IMDSv2 required and hop limit 1, also in preview (id unknown)", async () => {
        const lt = template(secure);
        clean(await check(ec2LaunchTemplateImdsv2, [lt, nodeGroup(lt)]));
        clean(await check(ec2LaunchTemplateImdsv2, [lt, nodeGroup(lt, { launchTemplate: { id: UNKNOWN, version: UNKNOWN } })]));
    });

    it("passes a launch template no node group uses with IMDSv2 and any hop limit, and one with the IMDS disabled", async () => {
        clean(await check(ec2LaunchTemplateImdsv2, [template({ httpTokens: "required", httpPutResponseHopLimit: 2 }, "web-lt")]));
        clean(await check(ec2LaunchTemplateImdsv2, [template({ httpEndpoint: "disabled" }, "batch-lt")]));
    });

    it("is not applicable to a stack without launch templates or node groups", async () => {
        const report = await check(ec2LaunchTemplateImdsv2, [fakeResource({ type: "aws:ec2/vpc:Vpc", name: "vpc" })]);
        expect(report.notApplicable).toEqual([
            { policy: "estate-ec2-launch-template-imdsv2", urn: undefined, reason: "The stack has no aws:ec2/launchTemplate:LaunchTemplate or aws:eks/nodeGroup:NodeGroup." },
        ]);
    });

    it.each([
        [undefined, "LaunchTemplate 'web-lt' allows IMDSv1: metadataOptions.httpTokens is not set (the AMI's or account's default, \"optional\" unless they say otherwise); set it to \"required\"."],
        [{ httpTokens: "optional" }, "LaunchTemplate 'web-lt' allows IMDSv1: metadataOptions.httpTokens is \"optional\"; set it to \"required\"."],
        [{ httpEndpoint: "enabled" }, "LaunchTemplate 'web-lt' allows IMDSv1: metadataOptions.httpTokens is not set (the AMI's or account's default, \"optional\" unless they say otherwise); set it to \"required\"."],
    ])("fails a launch template that allows IMDSv1 %#", async (options, message) => {
        const lt = template(options, "web-lt");
        const report = await check(ec2LaunchTemplateImdsv2, [lt]);
        expect(messagesOf(report)).toEqual([message]);
        expect(report.violations[0].urn).toBe(lt.urn);
    });

    it.each([
        [{ ...secure, httpPutResponseHopLimit: 2 }, "sets metadataOptions.httpPutResponseHopLimit to 2"],
        [{ httpEndpoint: "enabled", httpTokens: "required" }, "does not set metadataOptions.httpPutResponseHopLimit (an AMI with ImdsSupport v2.0, such as EKS's, then gives 2)"],
    ])("fails a node launch template whose hop limit is not 1 %#", async (options, state) => {
        const lt = template(options);
        const report = await check(ec2LaunchTemplateImdsv2, [lt, nodeGroup(lt), nodeGroup(lt, {}, "nodes-b")]);
        expect(messagesOf(report)).toEqual([
            `LaunchTemplate 'nodes-lt' (used by EKS node group 'nodes', 'nodes-b') ${state}; a node launch template must set it to 1, so that pods cannot reach the node role's credentials through IMDS.`,
        ]);
    });

    it("fails both conditions of a node launch template with IMDSv1 and hop limit 2", async () => {
        const lt = template({ httpTokens: "optional", httpPutResponseHopLimit: 2 });
        expect(messagesOf(await check(ec2LaunchTemplateImdsv2, [lt, nodeGroup(lt)]))).toEqual([
            "LaunchTemplate 'nodes-lt' (used by EKS node group 'nodes') allows IMDSv1: metadataOptions.httpTokens is \"optional\"; set it to \"required\".",
            "LaunchTemplate 'nodes-lt' (used by EKS node group 'nodes') sets metadataOptions.httpPutResponseHopLimit to 2; a node launch template must set it to 1, so that pods cannot reach the node role's credentials through IMDS.",
        ]);
    });

    it("fails a node group without a launch template (EKS's default one sets hop limit 2)", async () => {
        const group = nodeGroup(undefined);
        const report = await check(ec2LaunchTemplateImdsv2, [group]);
        expect(messagesOf(report)).toEqual([
            "EKS node group 'nodes' has no launch template, so EKS gives it a default one whose metadata response hop limit is 2: every pod can fetch the node role's credentials. Give it a LaunchTemplate with httpTokens \"required\" and httpPutResponseHopLimit 1.",
        ]);
        expect(report.violations[0].urn).toBe(group.urn);
    });

    it.each([
        [{ id: "lt-0abc", version: "3" }, "'lt-0abc'"],
        [{ name: "shared-nodes", version: "3" }, "'shared-nodes'"],
        [{ id: UNKNOWN, version: "3" }, "(not known before deployment)"],
    ])("fails a node group whose launch template is not one of the stack's %#", async (launchTemplate, named) => {
        expect(messagesOf(await check(ec2LaunchTemplateImdsv2, [nodeGroup(undefined, { launchTemplate })]))).toEqual([
            `EKS node group 'nodes' uses launch template ${named}, which is not a LaunchTemplate of this stack: its IMDS settings (httpTokens, hop limit) cannot be verified.`,
        ]);
    });

    it("is mandatory with the prod config", async () => {
        const report = await check(ec2LaunchTemplateImdsv2, [template({ httpTokens: "optional" })], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "high"]]);
    });
});
