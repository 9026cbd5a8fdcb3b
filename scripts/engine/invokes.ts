/**
 * INTERIM (replaced by the invokes branch): the answers the mock gave before, behind the interface
 * the engine uses.
 */
import { createHash } from "node:crypto";
import { UNANSWERED_MARKER_PREFIX } from "../../policies/lib/unevaluated";

export interface InvokeContext {
    region: string;
    accountId: string;
    partition?: string;
}
export type InvokeAnswer = { answered: true; outputs: Record<string, unknown> } | { answered: false; outputs: Record<string, unknown>; reason: string };

export { UNANSWERED_MARKER_PREFIX };
export function unansweredMarker(token: string): string {
    return `${UNANSWERED_MARKER_PREFIX}${token})`;
}

export function answerInvoke(token: string, inputs: Record<string, unknown>, ctx: InvokeContext): InvokeAnswer {
    const ok = (outputs: Record<string, unknown>): InvokeAnswer => ({ answered: true, outputs });
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return ok({ accountId: ctx.accountId, arn: `arn:aws:iam::${ctx.accountId}:user/mock`, userId: "mock", id: ctx.accountId });
        case "aws:index/getPartition:getPartition":
            return ok({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" });
        case "aws:index/getRegion:getRegion":
            return ok({ name: ctx.region, region: ctx.region, id: ctx.region });
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
            const registry = `${ctx.accountId}.dkr.ecr.${ctx.region}.amazonaws.com`;
            return ok({ userName: "AWS", password: "mock-ecr-password", authorizationToken: "mock", proxyEndpoint: `https://${registry}`, id: registry });
        }
        case "aws:ec2/getSubnet:getSubnet": {
            const id = String(inputs.id ?? "subnet-mock");
            const third = createHash("sha256").update(id).digest()[0]!;
            return ok({ ...inputs, id, cidrBlock: `10.0.${third}.0/24`, vpcId: "vpc-mock", availabilityZone: `${String(inputs.region ?? ctx.region)}a` });
        }
        case "aws:secretsmanager/getSecretVersion:getSecretVersion":
            return ok({ ...inputs, secretString: JSON.stringify({ username: "postgres", password: "mock-managed-password" }) });
        default:
            return { answered: false, reason: `the data source ${token} has no offline answer`, outputs: { ...inputs, id: unansweredMarker(token) } };
    }
}
