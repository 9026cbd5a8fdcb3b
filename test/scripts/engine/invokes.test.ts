import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { answerInvoke, ANSWERED_TOKENS, unansweredMarker, UNANSWERED_MARKER_PREFIX, type InvokeContext } from "../../../scripts/engine/invokes";
import { fromWire, MOCK_MANAGED_PASSWORD, runProgram } from "../../../scripts/engine/mock-engine";

const CTX: InvokeContext = { region: "us-east-1", accountId: "123456789012" };

type Out = Record<string, unknown>;

function answer(token: string, inputs: Record<string, unknown> = {}, ctx: InvokeContext = CTX): Out {
    const a = answerInvoke(token, inputs, ctx);
    expect(a.answered, `${token} should be answered`).toBe(true);
    return a.outputs;
}

const AZS = "aws:index/getAvailabilityZones:getAvailabilityZones";
const VPC = "aws:ec2/getVpc:getVpc";
const VPCS = "aws:ec2/getVpcs:getVpcs";
const SUBNETS = "aws:ec2/getSubnets:getSubnets";
const SUBNET = "aws:ec2/getSubnet:getSubnet";
const AMI = "aws:ec2/getAmi:getAmi";
const POLICY = "aws:iam/getPolicyDocument:getPolicyDocument";

const AWS_ROOT = path.dirname(require.resolve("@pulumi/aws/package.json"));
const OUTPUT_TYPES = fs.readFileSync(path.join(AWS_ROOT, "types/output.d.ts"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

/** The fields an interface body declares: name, whether optional, and its type text. */
function declaredFields(body: string): { name: string; optional: boolean; type: string }[] {
    return [...body.matchAll(/^\s*(?:readonly\s+)?(\w+)(\??)\s*:\s*([^;{]*(?:\{[^}]*\}[^;]*)?);/gm)].map((m) => ({ name: m[1]!, optional: m[2] === "?", type: m[3]!.trim() }));
}

/** The `<Fn>Result` interface of a token in the installed @pulumi/aws declarations. */
function declaredResult(token: string): { name: string; optional: boolean; type: string }[] {
    const [, modAndFile, fn] = token.split(":") as [string, string, string];
    const [mod, file] = modAndFile.split("/") as [string, string];
    const dts = path.join(AWS_ROOT, mod === "index" ? "" : mod, `${file}.d.ts`);
    const text = fs.readFileSync(dts, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const head = `export interface ${fn[0]!.toUpperCase()}${fn.slice(1)}Result {`;
    const start = text.indexOf(head);
    expect(start, `${head} in ${dts}`).toBeGreaterThan(0);
    return declaredFields(text.slice(start + head.length, text.indexOf("\n}", start)));
}

/** An `outputs.<namespace>.<Name>` interface of types/output.d.ts. */
function declaredOutputType(ns: string, name: string): { name: string; optional: boolean; type: string }[] {
    const nsStart = OUTPUT_TYPES.indexOf(`export declare namespace ${ns} {`);
    const head = `    interface ${name} {`;
    const start = OUTPUT_TYPES.indexOf(head, nsStart);
    expect(start, `${name} in namespace ${ns} of types/output.d.ts`).toBeGreaterThan(0);
    return declaredFields(OUTPUT_TYPES.slice(start + head.length, OUTPUT_TYPES.indexOf("\n    }", start)));
}

/** Where a value lacks a non-optional field its declaration names, or has the wrong kind of value, recursively. */
function shapeProblems(value: Record<string, unknown>, fields: { name: string; optional: boolean; type: string }[], at: string): string[] {
    const problems: string[] = [];
    for (const f of fields) {
        const v = value[f.name];
        if (v === undefined) {
            if (!f.optional) problems.push(`${at}.${f.name} missing`);
            continue;
        }
        const nested = /^outputs\.(\w+)\.(\w+)(\[\])?$/.exec(f.type);
        const kindOk =
            f.type === "string" ? typeof v === "string" : f.type === "number" ? typeof v === "number" : f.type === "boolean" ? typeof v === "boolean" : f.type.endsWith("[]") ? Array.isArray(v) : typeof v === "object" && v !== null;
        if (!kindOk) problems.push(`${at}.${f.name} is ${JSON.stringify(v)}, declared ${f.type}`);
        else if (f.type === "string[]" && (v as unknown[]).some((x) => typeof x !== "string")) problems.push(`${at}.${f.name} holds a non-string`);
        else if (nested) {
            const inner = declaredOutputType(nested[1]!, nested[2]!);
            const items = nested[3] ? (v as Record<string, unknown>[]) : [v as Record<string, unknown>];
            items.forEach((item, i) => problems.push(...shapeProblems(item, inner, `${at}.${f.name}${nested[3] ? `[${i}]` : ""}`)));
        }
    }
    return problems;
}

/** The non-optional fields of `<Fn>Result` in the installed @pulumi/aws declaration of a token. */
function declaredRequiredFields(token: string): string[] {
    return declaredResult(token)
        .filter((f) => !f.optional)
        .map((f) => f.name);
}

describe("answered AWS invokes have every field the provider declares, of the declared kind, nested types included", () => {
    const cases: [string, Record<string, unknown>][] = [
        [AZS, {}],
        ["aws:index/getCallerIdentity:getCallerIdentity", {}],
        ["aws:index/getPartition:getPartition", {}],
        ["aws:index/getRegion:getRegion", {}],
        [AMI, { owners: ["amazon"], mostRecent: true, filters: [{ name: "name", values: ["al2023-ami-*-x86_64"] }] }],
        ["aws:ec2/getAmiIds:getAmiIds", { owners: ["amazon"], filters: [{ name: "name", values: ["al2023-ami-*"] }] }],
        [VPC, { default: true }],
        [VPCS, {}],
        [SUBNETS, {}],
        [SUBNET, { id: "subnet-0a1b2c3d4e5f60a01" }],
        ["aws:ec2/getSecurityGroup:getSecurityGroup", { name: "default" }],
        ["aws:ec2/getInternetGateway:getInternetGateway", { filters: [{ name: "attachment.vpc-id", values: ["vpc-1"] }] }],
        [POLICY, { statements: [{ actions: ["s3:GetObject"], resources: ["*"] }] }],
        ["aws:iam/getRole:getRole", { name: "deployer" }],
        ["aws:route53/getZone:getZone", { name: "example.com" }],
        ["aws:acm/getCertificate:getCertificate", { domain: "example.com" }],
        ["aws:kms/getAlias:getAlias", { name: "alias/aws/s3" }],
        ["aws:kms/getKey:getKey", { keyId: "alias/aws/s3" }],
        ["aws:ssm/getParameter:getParameter", { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }],
        ["aws:eks/getCluster:getCluster", { name: "main" }],
        ["aws:eks/getClusterAuth:getClusterAuth", { name: "main" }],
        ["aws:elb/getServiceAccount:getServiceAccount", {}],
        ["aws:ecr/getAuthorizationToken:getAuthorizationToken", {}],
        ["aws:secretsmanager/getSecretVersion:getSecretVersion", { secretId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c-AbCdEf" }],
        ["aws:cloudfront/getCachePolicy:getCachePolicy", { name: "CachingOptimized" }],
    ];
    it.each(cases)("%s", (token, inputs) => {
        const out = answer(token, inputs);
        expect(shapeProblems(out, declaredResult(token), token.split(":")[2]!)).toEqual([]);
        expect(out.id).toEqual(expect.any(String));
    });

    it("covers every answered AWS token", () => {
        expect(ANSWERED_TOKENS.filter((t) => t.startsWith("aws:")).sort()).toEqual(cases.map(([t]) => t).sort());
    });
});

describe("account, partition, region and zones", () => {
    it("names three zones of the stack's region with AWS-style zone ids", () => {
        expect(answer(AZS)).toMatchObject({ names: ["us-east-1a", "us-east-1b", "us-east-1c"], zoneIds: ["use1-az1", "use1-az2", "use1-az3"], groupNames: ["us-east-1"], id: "us-east-1" });
        expect(answer(AZS, {}, { region: "eu-west-1", accountId: CTX.accountId }).zoneIds).toEqual(["euw1-az1", "euw1-az2", "euw1-az3"]);
        expect(answer(AZS, {}, { region: "ap-southeast-2", accountId: CTX.accountId }).zoneIds).toEqual(["apse2-az1", "apse2-az2", "apse2-az3"]);
        expect(answer(AZS, {}, { region: "us-gov-west-1", accountId: CTX.accountId }).zoneIds).toEqual(["usgw1-az1", "usgw1-az2", "usgw1-az3"]);
        // An invoke's own region argument wins over the stack's.
        expect(answer(AZS, { region: "eu-central-1" }).names).toEqual(["eu-central-1a", "eu-central-1b", "eu-central-1c"]);
    });

    it("respects state, excludeNames, excludeZoneIds and filters", () => {
        expect(answer(AZS, { state: "available" }).names).toHaveLength(3);
        expect(answer(AZS, { state: "unavailable" })).toMatchObject({ names: [], zoneIds: [] });
        expect(answer(AZS, { excludeNames: ["us-east-1b"] }).names).toEqual(["us-east-1a", "us-east-1c"]);
        expect(answer(AZS, { excludeZoneIds: ["use1-az1"] }).zoneIds).toEqual(["use1-az2", "use1-az3"]);
        expect(answer(AZS, { filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }).names).toHaveLength(3);
        expect(answer(AZS, { filters: [{ name: "zone-name", values: ["*a"] }] }).names).toEqual(["us-east-1a"]);
    });

    it("answers the caller's identity from the stack's account and partition", () => {
        expect(answer("aws:index/getCallerIdentity:getCallerIdentity")).toMatchObject({ accountId: "123456789012", id: "123456789012", arn: "arn:aws:iam::123456789012:user/offline-check" });
        expect(answer("aws:index/getCallerIdentity:getCallerIdentity").userId).toMatch(/^AIDA[A-Z2-7]{17}$/);
        expect(answer("aws:index/getCallerIdentity:getCallerIdentity", {}, { region: "cn-north-1", accountId: "210987654321" }).arn).toBe("arn:aws-cn:iam::210987654321:user/offline-check");
    });

    it("derives the partition from the region, or takes the context's", () => {
        expect(answer("aws:index/getPartition:getPartition")).toEqual({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" });
        expect(answer("aws:index/getPartition:getPartition", {}, { region: "cn-northwest-1", accountId: "1" })).toMatchObject({ partition: "aws-cn", dnsSuffix: "amazonaws.com.cn", reverseDnsPrefix: "cn.com.amazonaws" });
        expect(answer("aws:index/getPartition:getPartition", {}, { region: "us-gov-east-1", accountId: "1" })).toMatchObject({ partition: "aws-us-gov", dnsSuffix: "amazonaws.com" });
        expect(answer("aws:index/getPartition:getPartition", {}, { region: "us-east-1", accountId: "1", partition: "aws-us-gov" }).partition).toBe("aws-us-gov");
    });

    it("describes the region", () => {
        expect(answer("aws:index/getRegion:getRegion")).toEqual({ id: "us-east-1", name: "us-east-1", region: "us-east-1", endpoint: "ec2.us-east-1.amazonaws.com", description: "US East (N. Virginia)" });
        expect(answer("aws:index/getRegion:getRegion", { region: "cn-north-1" })).toMatchObject({ region: "cn-north-1", endpoint: "ec2.cn-north-1.amazonaws.com.cn", description: "China (Beijing)" });
        expect(answer("aws:index/getRegion:getRegion", {}, { region: "eu-west-1", accountId: "1" }).name).toBe("eu-west-1");
    });
});

describe("EC2 lookups", () => {
    it("finds an AMI with a stable id that matches the filters it was asked for", () => {
        const query = { owners: ["099720109477"], mostRecent: true, filters: [{ name: "name", values: ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"] }] };
        const ami = answer(AMI, query);
        expect(ami.id).toMatch(/^ami-[0-9a-f]{17}$/);
        expect(answer(AMI, query).id).toBe(ami.id);
        expect(ami).toMatchObject({ imageId: ami.id, ownerId: "099720109477", architecture: "x86_64", rootDeviceName: "/dev/sda1", virtualizationType: "hvm", state: "available", arn: `arn:aws:ec2:us-east-1::image/${String(ami.id)}` });
        expect(String(ami.name)).toMatch(/^ubuntu\/images\/hvm-ssd\/ubuntu-jammy-22\.04-amd64-server-\d+$/);
        const arm = answer(AMI, { owners: ["amazon"], filters: [{ name: "name", values: ["al2023-ami-*-arm64"] }] });
        expect(arm).toMatchObject({ architecture: "arm64", rootDeviceName: "/dev/xvda", ownerId: "137112412989", imageOwnerAlias: "amazon" });
        expect(arm.id).not.toBe(ami.id);
        // Another region, another AMI id, as AMIs are regional.
        expect(answer(AMI, query, { region: "eu-west-1", accountId: CTX.accountId }).id).not.toBe(ami.id);
        expect(answer("aws:ec2/getAmiIds:getAmiIds", query).ids).toEqual([ami.id]);
    });

    it("gives the default VPC, its subnets and each subnet's VPC the same ids", () => {
        const vpc = answer(VPC, { default: true });
        expect(vpc.id).toMatch(/^vpc-[0-9a-f]{17}$/);
        expect(vpc).toMatchObject({ cidrBlock: "172.31.0.0/16", default: true, ownerId: CTX.accountId, arn: `arn:aws:ec2:us-east-1:123456789012:vpc/${String(vpc.id)}` });
        expect(answer(VPCS).ids).toEqual([vpc.id]);
        expect(answer(VPC, { filters: [{ name: "isDefault", values: ["true"] }] }).id).toBe(vpc.id);
        const subnets = answer(SUBNETS, { filters: [{ name: "vpc-id", values: [vpc.id] }] }).ids as string[];
        expect(subnets).toHaveLength(3);
        for (const id of subnets) expect(id).toMatch(/^subnet-[0-9a-f]{17}$/);
        expect(answer(SUBNETS).ids).toEqual(subnets);
        const details = subnets.map((id) => answer(SUBNET, { id }));
        expect(details.map((s) => s.vpcId)).toEqual([vpc.id, vpc.id, vpc.id]);
        expect(details.map((s) => s.availabilityZone)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
        expect(details.map((s) => s.cidrBlock)).toEqual(["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]);
        expect(details[0]).toMatchObject({ availabilityZoneId: "use1-az1", defaultForAz: true, availableIpAddressCount: 4091 });
        expect(answer(SUBNETS, { filters: [{ name: "vpc-id", values: [vpc.id] }, { name: "availability-zone", values: ["us-east-1b"] }] }).ids).toEqual([subnets[1]]);
    });

    it("gives another VPC its own subnets, which name it back", () => {
        const vpc = answer(VPC, { tags: { Name: "main" } });
        expect(vpc).toMatchObject({ default: false, tags: { Name: "main" } });
        expect(String(vpc.cidrBlock)).toMatch(/^10\.\d+\.0\.0\/16$/);
        expect(answer(VPC, { id: vpc.id }).cidrBlock).toBe(vpc.cidrBlock);
        const [first] = answer(SUBNETS, { filters: [{ name: "vpc-id", values: [vpc.id] }] }).ids as string[];
        expect(answer(SUBNET, { id: first }).vpcId).toBe(vpc.id);
        expect(answer(VPCS, { tags: { Name: "main" } }).ids).toEqual([vpc.id]);
    });

    it("keeps a subnet of config in an existing 10.0.0.0/16 VPC, one /24 per id", () => {
        const a = answer(SUBNET, { id: "subnet-0a1b2c3d4e5f60a01" });
        expect(String(a.cidrBlock)).toMatch(/^10\.0\.\d+\.0\/24$/);
        expect(answer(SUBNET, { id: "subnet-0a1b2c3d4e5f60a01" })).toEqual(a);
        expect(answer(VPC, { id: a.vpcId }).cidrBlock).toBe("10.0.0.0/16");
        expect(answer(SUBNET, { id: "subnet-0a1b2c3d4e5f60a01", region: "eu-west-1" }).availabilityZone).toMatch(/^eu-west-1[abc]$/);
    });

    it("finds a VPC's default security group and internet gateway", () => {
        const vpc = answer(VPC, { default: true });
        const sg = answer("aws:ec2/getSecurityGroup:getSecurityGroup", { name: "default", vpcId: vpc.id });
        expect(sg).toMatchObject({ name: "default", vpcId: vpc.id, description: "default VPC security group" });
        expect(sg.id).toMatch(/^sg-[0-9a-f]{17}$/);
        const igw = answer("aws:ec2/getInternetGateway:getInternetGateway", { filters: [{ name: "attachment.vpc-id", values: [vpc.id] }] });
        expect(igw.id).toMatch(/^igw-[0-9a-f]{17}$/);
        expect(igw.attachments).toEqual([{ state: "available", vpcId: vpc.id }]);
    });
});

describe("iam.getPolicyDocument renders the provider's JSON", () => {
    // hashicorp/terraform-provider-aws internal/service/iam/policy_document_data_source_test.go
    // (TestAccIAMPolicyDocumentDataSource_basic: testAccPolicyDocumentExpectedJSON and ...Minified).
    const basic = {
        policyId: "policy_id",
        statements: [
            { sid: "1", actions: ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], resources: ["arn:aws:s3:::*"] },
            {
                actions: ["s3:ListBucket"],
                resources: ["arn:aws:s3:::foo"],
                conditions: [{ test: "StringLike", variable: "s3:prefix", values: ["home/", "", "home/&{aws:username}/"] }],
                notPrincipals: [{ type: "AWS", identifiers: ["arn:blahblah:example"] }],
            },
            { actions: ["s3:*"], resources: ["arn:aws:s3:::foo/home/&{aws:username}", "arn:aws:s3:::foo/home/&{aws:username}/*"], principals: [{ type: "AWS", identifiers: ["arn:blahblah:example"] }] },
            { effect: "Deny", notActions: ["s3:*"], notResources: ["arn:aws:s3:::*"] },
            { effect: "Allow", actions: ["kinesis:*"], principals: [{ type: "AWS", identifiers: ["*"] }] },
            { effect: "Allow", actions: ["firehose:*"], principals: [{ type: "*", identifiers: ["*"] }] },
        ],
    };

    it("renders the provider's own acceptance-test document byte for byte", () => {
        const out = answer(POLICY, basic);
        expect(out.json).toBe(`{
  "Version": "2012-10-17",
  "Id": "policy_id",
  "Statement": [
    {
      "Sid": "1",
      "Effect": "Allow",
      "Action": [
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::foo",
      "NotPrincipal": {
        "AWS": "arn:blahblah:example"
      },
      "Condition": {
        "StringLike": {
          "s3:prefix": [
            "home/",
            "",
            "home/\${aws:username}/"
          ]
        }
      }
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::foo/home/\${aws:username}/*",
        "arn:aws:s3:::foo/home/\${aws:username}"
      ],
      "Principal": {
        "AWS": "arn:blahblah:example"
      }
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "arn:aws:s3:::*"
    },
    {
      "Effect": "Allow",
      "Action": "kinesis:*",
      "Principal": {
        "AWS": "*"
      }
    },
    {
      "Effect": "Allow",
      "Action": "firehose:*",
      "Principal": "*"
    }
  ]
}`);
        expect(out.minifiedJson).toBe(
            `{"Version":"2012-10-17","Id":"policy_id","Statement":[{"Sid":"1","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::foo","NotPrincipal":{"AWS":"arn:blahblah:example"},"Condition":{"StringLike":{"s3:prefix":["home/","","home/\${aws:username}/"]}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::foo/home/\${aws:username}/*","arn:aws:s3:::foo/home/\${aws:username}"],"Principal":{"AWS":"arn:blahblah:example"}},{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::*"},{"Effect":"Allow","Action":"kinesis:*","Principal":{"AWS":"*"}},{"Effect":"Allow","Action":"firehose:*","Principal":"*"}]}`,
        );
        expect(out.id).toMatch(/^\d+$/);
        expect(answer(POLICY, basic)).toEqual(out);
    });

    it("sorts list values in reverse, groups principals by type and keys conditions by test and variable", () => {
        const out = answer(POLICY, {
            statements: [
                {
                    actions: ["sts:AssumeRole"],
                    principals: [
                        { type: "Service", identifiers: ["firehose.amazonaws.com"] },
                        { type: "AWS", identifiers: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] },
                    ],
                    conditions: [
                        { test: "StringEquals", variable: "sts:ExternalId", values: ["abc"] },
                        { test: "ForAnyValue:StringEquals", variable: "kms:EncryptionContext:service", values: ["pi"] },
                        { test: "ForAnyValue:StringEquals", variable: "kms:EncryptionContext:aws:pi:service", values: ["rds"] },
                        { test: "StringEquals", variable: "sts:ExternalId", values: ["def"] },
                    ],
                },
            ],
        });
        expect(JSON.parse(String(out.minifiedJson))).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Action: "sts:AssumeRole",
                    Principal: { AWS: ["arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:root"], Service: "firehose.amazonaws.com" },
                    Condition: {
                        "ForAnyValue:StringEquals": { "kms:EncryptionContext:aws:pi:service": "rds", "kms:EncryptionContext:service": "pi" },
                        StringEquals: { "sts:ExternalId": ["abc", "def"] },
                    },
                },
            ],
        });
        // Go sorts map keys: AWS before Service, ForAnyValue:... before StringEquals, aws:pi before service.
        expect(String(out.minifiedJson)).toContain(`"Principal":{"AWS":[`);
        expect(String(out.minifiedJson)).toContain(`"Condition":{"ForAnyValue:StringEquals":{"kms:EncryptionContext:aws:pi:service":"rds","kms:EncryptionContext:service":"pi"},"StringEquals"`);
    });

    it("escapes <, > and & as Go's encoding/json does", () => {
        const out = answer(POLICY, { statements: [{ actions: ["s3:GetObject"], resources: ["*"], conditions: [{ test: "StringLike", variable: "aws:UserAgent", values: ["a&b<c>"] }] }] });
        expect(String(out.minifiedJson)).toContain(String.raw`"a\u0026b\u003cc\u003e"`);
        expect(JSON.parse(String(out.minifiedJson)).Statement[0].Condition.StringLike["aws:UserAgent"]).toBe("a&b<c>");
    });

    // website/docs/d/iam_policy_document.html.markdown, "Example Using A Source Document" and
    // "Example with Both Source and Override Documents" (the provider has left out an empty Sid
    // since the docs' examples were written: Sid is `omitempty` in policy_model.go).
    it("merges source documents first and override documents last, by Sid", () => {
        const source = answer(POLICY, { statements: [{ actions: ["ec2:*"], resources: ["*"] }, { sid: "SidToOverride", actions: ["s3:*"], resources: ["*"] }] }).json;
        const withSource = answer(POLICY, { sourcePolicyDocuments: [source], statements: [{ sid: "SidToOverride", actions: ["s3:*"], resources: ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"] }] });
        expect(JSON.parse(String(withSource.json))).toEqual({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: "ec2:*", Resource: "*" },
                { Sid: "SidToOverride", Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::somebucket/*", "arn:aws:s3:::somebucket"] },
            ],
        });
        const placeholder = answer(POLICY, { statements: [{ sid: "OverridePlaceholder", actions: ["ec2:DescribeAccountAttributes"], resources: ["*"] }] }).json;
        const override = answer(POLICY, { statements: [{ sid: "OverridePlaceholder", actions: ["s3:GetObject"], resources: ["*"] }] }).json;
        const politik = answer(POLICY, { sourcePolicyDocuments: [placeholder], overridePolicyDocuments: [override] });
        expect(politik.json).toBe(`{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OverridePlaceholder",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    }
  ]
}`);
    });

    it("fails as the provider does on a duplicate Sid", () => {
        expect(() => answerInvoke(POLICY, { statements: [{ sid: "A", actions: ["s3:*"] }, { sid: "A", actions: ["ec2:*"] }] }, CTX)).toThrow(/duplicate Sid \(A\)/);
        const doc = answer(POLICY, { statements: [{ sid: "A", actions: ["s3:*"] }] }).json;
        expect(() => answerInvoke(POLICY, { sourcePolicyDocuments: [doc, doc] }, CTX)).toThrow(/duplicate Sid \(A\) in source_policy_documents/);
        expect(() => answerInvoke(POLICY, { version: "2008-10-17", statements: [{ resources: ["arn:aws:s3:::&{aws:username}"] }] }, CTX)).toThrow(/not supported in document version 2008-10-17/);
    });
});

describe("other AWS lookups", () => {
    it("agrees between kms.getAlias and kms.getKey on the key behind an alias", () => {
        const alias = answer("aws:kms/getAlias:getAlias", { name: "alias/aws/s3" });
        const key = answer("aws:kms/getKey:getKey", { keyId: "alias/aws/s3" });
        expect(key.keyId).toBe(alias.targetKeyId);
        expect(key.arn).toBe(alias.targetKeyArn);
        expect(key).toMatchObject({ keyManager: "AWS", keyState: "Enabled", enabled: true });
        expect(answer("aws:kms/getKey:getKey", { keyId: String(alias.targetKeyArn) }).keyId).toBe(alias.targetKeyId);
    });

    it("answers the ELB log-delivery account of the region, and fails where the provider has none", () => {
        expect(answer("aws:elb/getServiceAccount:getServiceAccount")).toMatchObject({ id: "127311923021", arn: "arn:aws:iam::127311923021:root" });
        expect(answer("aws:elb/getServiceAccount:getServiceAccount", { region: "eu-west-1" }).id).toBe("156460612806");
        expect(() => answerInvoke("aws:elb/getServiceAccount:getServiceAccount", { region: "ap-south-2" }, CTX)).toThrow(/unsupported AWS Region: ap-south-2/);
    });

    it("answers an ECR token for the registry of the region", () => {
        const t = answer("aws:ecr/getAuthorizationToken:getAuthorizationToken", { registryId: "210987654321", region: "eu-west-1" });
        expect(t).toMatchObject({ userName: "AWS", proxyEndpoint: "https://210987654321.dkr.ecr.eu-west-1.amazonaws.com" });
        expect(Buffer.from(String(t.authorizationToken), "base64").toString()).toBe(`AWS:${String(t.password)}`);
    });

    it("reads the master-user secret RDS manages, and leaves any other secret unanswered", () => {
        const token = "aws:secretsmanager/getSecretVersion:getSecretVersion";
        const rds = answer(token, { secretId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c-AbCdEf" });
        expect(JSON.parse(String(rds.secretString))).toEqual({ username: "postgres", password: MOCK_MANAGED_PASSWORD });
        const other = answerInvoke(token, { secretId: "app/api-key" }, CTX);
        expect(other.answered).toBe(false);
        expect(other.outputs.secretString).toBe(unansweredMarker(token));
        expect(!other.answered && other.reason).toMatch(/app\/api-key/);
    });

    it("answers AWS's public AMI parameters, and leaves the account's own parameters unanswered", () => {
        const token = "aws:ssm/getParameter:getParameter";
        expect(answer(token, { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }).value).toMatch(/^ami-[0-9a-f]{17}$/);
        const own = answerInvoke(token, { name: "/app/db-host" }, CTX);
        expect(own).toMatchObject({ answered: false, outputs: { name: "/app/db-host", value: unansweredMarker(token), arn: "arn:aws:ssm:us-east-1:123456789012:parameter/app/db-host" } });
    });
});

describe("cloudfront.getCachePolicy", () => {
    const token = "aws:cloudfront/getCachePolicy:getCachePolicy";
    it("answers CloudFront's managed policies by name or id, and leaves the account's own unanswered", () => {
        expect(answer(token, { name: "CachingOptimized" })).toMatchObject({ id: "658327ea-f89d-4fab-a63d-7e88639e58f6", minTtl: 1, defaultTtl: 86400, maxTtl: 31536000 });
        expect(answer(token, { id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" })).toMatchObject({ name: "CachingDisabled", minTtl: 0, maxTtl: 0 });
        const own = answerInvoke(token, { name: "my-policy" }, CTX);
        expect(own.answered).toBe(false);
        expect(own.outputs).toMatchObject({ name: "my-policy", arn: unansweredMarker(token), minTtl: 0 });
    });
});

describe("kubernetes:yaml:decode", () => {
    const TEXT = `# two objects, an empty document and a fragment without kind
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  creationTimestamp: null
data:
  mode: "fast"
  enabled: "yes"
---
---
note: not a Kubernetes object
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

    it("returns the documents' objects under result, as the provider does", () => {
        const out = answer("kubernetes:yaml:decode", { text: TEXT });
        expect(out).toEqual({
            result: [
                { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { mode: "fast", enabled: "yes" } },
                { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } } },
            ],
        });
    });

    it("reads YAML 1.1 scalars as the provider's Go decoder does", () => {
        const [obj] = answer("kubernetes:yaml:decode", { text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: yes\n  b: 2024-01-15\n" }).result as Record<string, Record<string, unknown>>[];
        expect(obj!.data).toEqual({ a: true, b: "2024-01-15" });
    });

    it("fails on YAML that does not parse", () => {
        expect(() => answerInvoke("kubernetes:yaml:decode", { text: "a: [1, 2\n" }, CTX)).toThrow(/kubernetes:yaml:decode/);
    });
});

describe("unanswered invokes", () => {
    it("fills the provider's declared result with the marker and names the token", () => {
        const token = "aws:rds/getSnapshot:getSnapshot";
        const a = answerInvoke(token, { dbInstanceIdentifier: "orders" }, CTX);
        expect(a.answered).toBe(false);
        if (a.answered) return;
        expect(a.reason).toContain(token);
        const marker = unansweredMarker(token);
        expect(marker).toBe("unanswered-invoke(aws:rds/getSnapshot:getSnapshot)");
        expect(marker.startsWith(UNANSWERED_MARKER_PREFIX)).toBe(true);
        expect(a.outputs).toMatchObject({ id: marker, dbSnapshotArn: marker, engine: marker, allocatedStorage: 0, encrypted: false, dbInstanceIdentifier: "orders" });
        expect(declaredRequiredFields(token).filter((f) => !(f in a.outputs))).toEqual([]);
    });

    it("echoes the inputs beside a marked id when no declaration is found", () => {
        const a = answerInvoke("example:index:lookup", { name: "x" }, CTX);
        expect(a).toEqual({ answered: false, outputs: { id: unansweredMarker("example:index:lookup"), name: "x" }, reason: expect.stringContaining("example:index:lookup") });
        // @pulumi/aws 7 no longer has getSubnetIds: it is unanswered like any unknown token.
        expect(answerInvoke("aws:ec2/getSubnetIds:getSubnetIds", {}, CTX).answered).toBe(false);
    });

    it("renders no objects for Helm and kustomize, and says why", () => {
        for (const token of ["kubernetes:helm:template", "kubernetes:kustomize:directory"]) {
            const a = answerInvoke(token, { jsonOpts: "{}" }, CTX);
            expect(a).toEqual({ answered: false, outputs: { result: [] }, reason: `${token}: rendered by the provider's Helm/kustomize engine, which the offline check does not run` });
        }
    });
});

describe("under the SDK's mocks", () => {
    it("lets a program read getPolicyDocument's json and turn a local YAML file into child resources", async () => {
        const registered: { type: string; name: string }[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push({ type: args.type, name: args.name });
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => answerInvoke(args.token, args.inputs, CTX).outputs,
            },
            "project",
            "stack",
            false,
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "invokes-"));
        const file = path.join(dir, "app.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n");
        try {
            const policy = aws.iam.getPolicyDocumentOutput({ statements: [{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }] });
            const json = await new Promise<string>((resolve) => policy.json.apply(resolve));
            expect(JSON.parse(json)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }] });
            const zones = await aws.getAvailabilityZones({});
            expect(zones.names).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
            const cf = new k8s.yaml.ConfigFile("app", { file });
            const kinds = await new Promise<string[]>((resolve) => cf.resources.apply((rs) => resolve(Object.keys(rs).sort())));
            expect(kinds).toEqual(["v1/ConfigMap::shop/settings", "v1/Namespace::shop"]);
            expect(registered).toEqual(expect.arrayContaining([{ type: "kubernetes:core/v1:Namespace", name: "shop" }, { type: "kubernetes:core/v1:ConfigMap", name: "shop/settings" }]));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("through the engine (runProgram)", () => {
    it("answers in the stack's region, and fails the program where the provider would reject the request", async () => {
        const run = await runProgram(
            async () => {
                const zones = await aws.getAvailabilityZones({});
                const vpc = await aws.ec2.getVpc({ default: true });
                new aws.ec2.Subnet("extra", { vpcId: vpc.id, cidrBlock: "172.31.48.0/20", availabilityZone: zones.names[0] });
            },
            { config: { "aws:region": "eu-west-1" } },
        );
        const subnet = run.resources.find((r) => r.name === "extra")!;
        const inputs = fromWire(subnet.inputs.toJavaScript(), "unwrap") as Record<string, unknown>;
        expect(inputs.availabilityZone).toBe("eu-west-1a");
        expect(inputs.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
        expect(run.unevaluated).toEqual([]);

        const failed = await runProgram(
            async () => {
                await aws.iam.getPolicyDocument({ statements: [{ sid: "A", actions: ["s3:*"] }, { sid: "A", actions: ["ec2:*"] }] });
            },
            { captureErrors: true },
        );
        expect(String(failed.error)).toBe("Error: invocation of aws:iam/getPolicyDocument:getPolicyDocument returned an error: writing IAM Policy Document: duplicate Sid (A). Remove the Sid or ensure the Sid is unique.");
    });

    it("lists what is built from an unanswered invoke as unevaluated", async () => {
        const run = await runProgram(async () => {
            const snapshot = aws.rds.getSnapshotOutput({ dbInstanceIdentifier: "orders", mostRecent: true });
            new aws.rds.Instance("restored", { instanceClass: "db.t4g.micro", snapshotIdentifier: snapshot.id, skipFinalSnapshot: true });
        });
        expect(run.unansweredInvokes).toEqual(["aws:rds/getSnapshot:getSnapshot"]);
        expect(run.unevaluated).toEqual([expect.objectContaining({ type: "aws:rds/instance:Instance", reason: expect.stringContaining("aws:rds/getSnapshot:getSnapshot") })]);
    });
});

describe("docs/invokes.md", () => {
    it("has a row for every token answered offline", () => {
        const doc = fs.readFileSync(path.join(__dirname, "../../../docs/invokes.md"), "utf8");
        const rows = new Set([...doc.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]));
        expect(ANSWERED_TOKENS.filter((t) => !rows.has(t))).toEqual([]);
    });
});
