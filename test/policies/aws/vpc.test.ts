import { describe, expect, it } from "vitest";
import { VPC_TYPES, vpcFlowLogs } from "../../../policies/aws/vpc";
import { fakeResource, UNKNOWN, type PolicyReport } from "../../../scripts/engine/policy-harness";
import type { RecordedResource } from "../../../scripts/engine/mock-engine";
import { attach, check, KEY_ARN, messagesOf, packConfig } from "../fixtures";

function clean(report: PolicyReport): void {
    expect(report.violations).toEqual([]);
}

const vpc = fakeResource({ type: VPC_TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16" } });
const logGroup = (props: Record<string, unknown> = { kmsKeyId: KEY_ARN, retentionInDays: 365 }) => fakeResource({ type: VPC_TYPES.logGroup, name: "flow-logs", props });

/** A flow log whose vpcId comes from the VPC and (optionally) whose logDestination is the log group's ARN. */
function flowLog(props: Record<string, unknown>, group?: RecordedResource, name = "flow-log"): RecordedResource {
    return fakeResource({
        type: VPC_TYPES.flowLog,
        name,
        props: { vpcId: "vpc-id", trafficType: "ALL", ...(group ? { logDestination: `arn:aws:logs:us-east-1:123456789012:log-group:${group.name}` } : {}), ...props },
        dependencies: [vpc.urn, ...(group ? [group.urn] : [])],
        propertyDependencies: { vpcId: [vpc.urn], ...(group ? { logDestination: [group.urn] } : {}) },
    });
}

describe("estate-vpc-flow-logs", () => {
    it("passes ALL traffic to a KMS-encrypted log group of the stack, or to S3, also in preview", async () => {
        const group = logGroup();
        clean(await check(vpcFlowLogs, [vpc, group, flowLog({}, group)]));
        clean(await check(vpcFlowLogs, [vpc, flowLog({ logDestinationType: "s3", logDestination: "arn:aws:s3:::flow-logs" })]));
        const previewGroup = logGroup({ kmsKeyId: UNKNOWN });
        clean(await check(vpcFlowLogs, [vpc, previewGroup, flowLog({ vpcId: UNKNOWN, logDestination: UNKNOWN }, previewGroup)]));
    });

    it("passes an extra REJECT-only flow log next to one that captures ALL", async () => {
        const group = logGroup();
        clean(await check(vpcFlowLogs, [vpc, group, flowLog({}, group), flowLog({ trafficType: "REJECT" }, group, "rejects")]));
    });

    it("is not applicable to a stack without a VPC", async () => {
        const report = await check(vpcFlowLogs, [logGroup()]);
        expect(report.notApplicable).toEqual([{ policy: "estate-vpc-flow-logs", urn: undefined, reason: "The stack has no aws:ec2/vpc:Vpc." }]);
    });

    it("fails a VPC without a flow log, and one whose flow log names another VPC", async () => {
        const report = await check(vpcFlowLogs, [vpc]);
        expect(messagesOf(report)).toEqual(["VPC 'vpc' has no FlowLog (an aws.ec2.FlowLog with vpcId: vpc.id)."]);
        expect(report.violations[0].urn).toBe(vpc.urn);
        const elsewhere = fakeResource({ type: VPC_TYPES.flowLog, name: "other", props: { vpcId: "vpc-0other", trafficType: "ALL" }, propertyDependencies: { vpcId: [] } });
        expect(messagesOf(await check(vpcFlowLogs, [vpc, elsewhere]))).toEqual(["VPC 'vpc' has no FlowLog (an aws.ec2.FlowLog with vpcId: vpc.id)."]);
    });

    it.each([["REJECT"], ["ACCEPT"]])("fails flow logs that capture only %s traffic", async (trafficType) => {
        const group = logGroup();
        const f = flowLog({ trafficType }, group);
        const report = await check(vpcFlowLogs, [vpc, group, f]);
        expect(messagesOf(report)).toEqual([`FlowLog 'flow-log' of VPC 'vpc' captures trafficType "${trafficType}"; a flow log of the VPC must capture ALL (accepted and rejected) traffic.`]);
        expect(report.violations[0].urn).toBe(f.urn);
    });

    it("fails a log group without kmsKeyId", async () => {
        const group = logGroup({ retentionInDays: 365 });
        const report = await check(vpcFlowLogs, [vpc, group, flowLog({}, group)]);
        expect(messagesOf(report)).toEqual([
            "LogGroup 'flow-logs', which receives FlowLog 'flow-log' of VPC 'vpc', has no kmsKeyId: flow logs (every connection's addresses and ports) must be encrypted with a customer-managed key.",
        ]);
        expect(report.violations[0].urn).toBe(group.urn);
    });

    it.each([
        [{ logDestinationType: "kinesis-data-firehose", logDestination: "arn:aws:firehose:us-east-1:123456789012:deliverystream/x" }, "FlowLog 'flow-log' of VPC 'vpc' delivers to \"kinesis-data-firehose\"; deliver to a KMS-encrypted CloudWatch log group or to an S3 bucket."],
        [{ logDestination: "arn:aws:logs:us-east-1:123456789012:log-group:shared" }, "FlowLog 'flow-log' of VPC 'vpc' delivers to log group 'arn:aws:logs:us-east-1:123456789012:log-group:shared', which is not a LogGroup of this stack: its encryption cannot be verified."],
        [{ logDestination: UNKNOWN }, "FlowLog 'flow-log' of VPC 'vpc' delivers to log group (not known before deployment), which is not a LogGroup of this stack: its encryption cannot be verified."],
        [{}, "FlowLog 'flow-log' of VPC 'vpc' names no logDestination; set it to a KMS-encrypted CloudWatch log group's ARN."],
    ])("fails a destination that is not an encrypted log group of the stack, nor S3 %#", async (props, message) => {
        expect(messagesOf(await check(vpcFlowLogs, [vpc, flowLog(props)]))).toEqual([message]);
    });

    it("joins the flow log to its VPC through property dependencies, like attach()", async () => {
        const group = logGroup();
        const viaAttach = attach(VPC_TYPES.flowLog, "flow-log", vpc, { trafficType: "ALL", logDestinationType: "s3", logDestination: "arn:aws:s3:::logs" }, "vpcId");
        clean(await check(vpcFlowLogs, [vpc, group, viaAttach]));
    });

    it("is mandatory with the prod config", async () => {
        const report = await check(vpcFlowLogs, [vpc], { config: packConfig("prod") });
        expect(report.violations.map((v) => [v.enforcementLevel, v.severity])).toEqual([["mandatory", "medium"]]);
    });
});
