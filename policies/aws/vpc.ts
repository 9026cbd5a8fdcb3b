/**
 * Amazon VPC: flow logs. Every aws.ec2.Vpc of the stack has an aws.ec2.FlowLog whose vpcId comes
 * from it (joined through property dependencies: in a real preview the VPC id is unknown), that
 * captures ALL traffic, to a CloudWatch log group of the stack encrypted with a KMS key, or to S3
 * (whose bucket the S3 policies hold to SSE-KMS). Property names: node_modules/@pulumi/aws/ec2/flowLog.d.ts
 * (vpcId, trafficType ACCEPT | REJECT | ALL, logDestinationType cloud-watch-logs (default) | s3 |
 * kinesis-data-firehose, logDestination) and cloudwatch/logGroup.d.ts (kmsKeyId).
 */
import * as aws from "@pulumi/aws";
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { awsConfigRule, checkov, securityHub, type EstateStackPolicy } from "../lib/policy";
import { isSet, shown } from "../lib/props";
import { attachedTo, label, ofType, propsAs, referencedThrough, typeTokenOf } from "../lib/stack";
import { forEachDeferringUnknowns, peek, UNKNOWN } from "../lib/unknowns";

export const VPC_TYPES = {
    vpc: typeTokenOf(aws.ec2.Vpc),
    flowLog: typeTokenOf(aws.ec2.FlowLog),
    logGroup: typeTokenOf(aws.cloudwatch.LogGroup),
} as const;

/** Reports a flow log whose destination is not an encrypted CloudWatch log group of the stack, nor S3. */
function checkDestination(flowLog: PolicyResource, vpc: PolicyResource, report: ReportViolation): void {
    const where = `${label(flowLog)} of VPC '${vpc.name}'`;
    const props = propsAs(flowLog, aws.ec2.FlowLog);
    const type = peek(() => props.logDestinationType);
    if (type === UNKNOWN || type === "s3") {
        return;
    }
    if (type !== undefined && type !== null && type !== "cloud-watch-logs") {
        report(`${where} delivers to ${shown(type)}; deliver to a KMS-encrypted CloudWatch log group or to an S3 bucket.`, flowLog.urn);
        return;
    }
    const groups = referencedThrough(flowLog, "logDestination", VPC_TYPES.logGroup);
    if (groups.length === 0) {
        const destination = peek(() => props.logDestination);
        const named = destination === undefined || destination === null || destination === "" ? undefined : destination === UNKNOWN ? "(not known before deployment)" : `'${String(destination)}'`;
        report(
            named === undefined
                ? `${where} names no logDestination; set it to a KMS-encrypted CloudWatch log group's ARN.`
                : `${where} delivers to log group ${named}, which is not a LogGroup of this stack: its encryption cannot be verified.`,
            flowLog.urn,
        );
        return;
    }
    for (const group of groups) {
        if (!isSet(group.props, "kmsKeyId")) {
            report(`${label(group)}, which receives ${where}, has no kmsKeyId: flow logs (every connection's addresses and ports) must be encrypted with a customer-managed key.`, group.urn);
        }
    }
}

export const vpcFlowLogs: EstateStackPolicy = {
    name: "estate-vpc-flow-logs",
    checks:
        "Every aws.ec2.Vpc has an aws.ec2.FlowLog whose vpcId comes from it with trafficType ALL; each of its flow logs delivers to S3 or to a " +
        "CloudWatch LogGroup of the stack (logDestination joined through property dependencies) that sets kmsKeyId. Kinesis Data Firehose " +
        "destinations and log groups from outside the stack fail.",
    description:
        "Every VPC must record its traffic (accepted and rejected) in flow logs: without them there is no record of which address talked to " +
        "which, on which port, when an incident is investigated. The logs reveal the network's layout and traffic, so they are encrypted " +
        "with a customer-managed key.",
    remediationSteps:
        'Add an aws.ec2.FlowLog with `vpcId: vpc.id`, `trafficType: "ALL"`, `logDestination: logGroup.arn` and an `iamRoleArn` that ' +
        "vpc-flow-logs.amazonaws.com can assume, where `logGroup` is an aws.cloudwatch.LogGroup with `kmsKeyId` (a rotating CMK whose key policy " +
        'lets logs.<region>.amazonaws.com use it) and a retention; or `logDestinationType: "s3"` to an encrypted bucket.',
    severity: "medium",
    tags: ["aws", "vpc", "logging", checkov("CKV2_AWS_11"), checkov("CKV_AWS_158"), awsConfigRule("vpc-flow-logs-enabled"), securityHub("EC2.6")],
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const vpcs = ofType(args.resources, aws.ec2.Vpc);
        if (vpcs.length === 0) {
            args.notApplicable(`The stack has no ${VPC_TYPES.vpc}.`);
        }
        forEachDeferringUnknowns(vpcs, (vpc) => {
            const flowLogs = attachedTo(vpc, args.resources, aws.ec2.FlowLog, "vpcId");
            if (flowLogs.length === 0) {
                report(`VPC '${vpc.name}' has no FlowLog (an aws.ec2.FlowLog with vpcId: vpc.id).`, vpc.urn);
                return;
            }
            const traffic = flowLogs.map((f) => peek(() => propsAs(f, aws.ec2.FlowLog).trafficType));
            if (!traffic.some((t) => t === "ALL" || t === UNKNOWN)) {
                flowLogs.forEach((flowLog, i) => {
                    report(`${label(flowLog)} of VPC '${vpc.name}' captures trafficType ${shown(traffic[i])}; a flow log of the VPC must capture ALL (accepted and rejected) traffic.`, flowLog.urn);
                });
            }
            for (const flowLog of flowLogs) {
                checkDestination(flowLog, vpc, report);
            }
        });
    },
};

export const vpcPolicies = [vpcFlowLogs];
