import { describe, expect, it } from "vitest";
import { clusterProvider, controlPlaneLogGroupName, EKS_VERSION, EksCluster, publicCidrProblem, type EksClusterArgs } from "../../../components/cluster/eks-cluster";
import { MOCK_ACCOUNT_ID, runProgram, type RunOptions } from "../../../scripts/engine/mock-engine";
import { Built, buildError } from "../data/harness";

const T = {
    cluster: "aws:eks/cluster:Cluster",
    key: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    association: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    provider: "pulumi:providers:kubernetes",
};
const DEPLOYER = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/estate-deployer`;
const OPERATOR = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/platform-admin`;
const BASE: EksClusterArgs = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    subnetIds: ["subnet-0a1b2c3d4e5f60a01", "subnet-0a1b2c3d4e5f60b02", "subnet-0a1b2c3d4e5f60c03"],
    adminRoleArns: [DEPLOYER],
    region: "eu-west-1",
};

async function eks(args: Partial<EksClusterArgs> = {}, opts: RunOptions = {}): Promise<Built> {
    return new Built(
        await runProgram(() => {
            const cluster = new EksCluster("estate", { ...BASE, ...args });
            clusterProvider("estate-k8s", cluster, []);
            return { kubeconfig: cluster.kubeconfig, oidcIssuer: cluster.oidcIssuer, oidcProviderArn: cluster.oidcProviderArn, clusterSecurityGroupId: cluster.clusterSecurityGroupId, endpoint: cluster.endpoint };
        }, opts),
    );
}

describe("EksCluster with defaults", () => {
    it("pins the version, encrypts Secrets with its own rotating key, and is protected in prod", async () => {
        const b = await eks();
        const cluster = b.resource("estate-cluster", T.cluster);
        const inputs = b.inputs("estate-cluster");
        const keyArn = `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT_ID}:key/estate-key`;
        expect(inputs).toMatchObject({ name: "estate", version: EKS_VERSION, encryptionConfig: { provider: { keyArn }, resources: ["secrets"] }, upgradePolicy: { supportType: "STANDARD" }, deletionProtection: true, region: "eu-west-1" });
        expect(cluster.protect).toBe(true);
        expect(cluster.propertyDependencies.encryptionConfig).toEqual([b.resource("estate-key", T.key).urn]);
        expect(b.inputs("estate-key")).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect([b.resource("estate-key").protect, b.resource("estate-key").retainOnDelete]).toEqual([true, true]);
        // The cluster role may use the key for envelope encryption.
        const encryption = JSON.parse(b.inputs("estate-cluster-encryption").policy);
        expect(encryption.Statement[0]).toMatchObject({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: keyArn });
        expect(JSON.parse(b.inputs("estate-cluster-role").assumeRolePolicy).Statement[0]).toMatchObject({ Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
        expect(b.inputs("estate-cluster-policy").policyArn).toBe("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
    });

    it("sends api, audit, authenticator, controllerManager and scheduler logs to /aws/eks/<name>/cluster, created first under the key with a retention", async () => {
        const b = await eks();
        expect(b.inputs("estate-cluster").enabledClusterLogTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        const logs = b.resource("estate-control-plane-logs", T.logGroup);
        expect(b.inputs("estate-control-plane-logs")).toMatchObject({ name: "/aws/eks/estate/cluster", retentionInDays: 365, region: "eu-west-1" });
        expect(logs.propertyDependencies.kmsKeyId).toEqual([b.resource("estate-key").urn]);
        expect(logs.retainOnDelete).toBe(true);
        expect(b.resource("estate-cluster").dependencies).toContain(logs.urn);
        // CloudWatch Logs may use the key (else the encrypted group cannot be written).
        expect(JSON.parse(b.inputs("estate-key").policy).Statement).toContainEqual(expect.objectContaining({ Principal: { Service: "logs.eu-west-1.amazonaws.com" } }));
        expect(controlPlaneLogGroupName("prod-estate")).toBe("/aws/eks/prod-estate/cluster");
    });

    it("has a private endpoint only, and authenticates through access entries only, the creator getting nothing implicit", async () => {
        const b = await eks();
        const inputs = b.inputs("estate-cluster");
        expect(inputs.vpcConfig).toEqual({ subnetIds: BASE.subnetIds, endpointPrivateAccess: true, endpointPublicAccess: false });
        expect(inputs.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
    });

    it("gives each admin role an access entry and AmazonEKSClusterAdminPolicy on the whole cluster", async () => {
        const b = await eks({ adminRoleArns: [DEPLOYER, OPERATOR] });
        expect(b.ofType(T.accessEntry).map((r) => b.inputs(r.name, T.accessEntry))).toEqual([
            expect.objectContaining({ clusterName: "estate", principalArn: DEPLOYER, type: "STANDARD" }),
            expect.objectContaining({ clusterName: "estate", principalArn: OPERATOR, type: "STANDARD" }),
        ]);
        for (const [i, association] of b.ofType(T.association).entries()) {
            expect(b.inputs(association.name, T.association)).toMatchObject({
                clusterName: "estate",
                principalArn: [DEPLOYER, OPERATOR][i],
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                accessScope: { type: "cluster" },
            });
            expect(association.propertyDependencies.principalArn).toEqual([b.resource(`estate-admin-${i}`, T.accessEntry).urn]);
        }
    });

    it("gives viewer roles (the read-only preview role) AmazonEKSAdminViewPolicy on the whole cluster, and no admin access", async () => {
        const viewer = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/estate-preview`;
        const b = await eks({ viewerRoleArns: [viewer] });
        expect(b.inputs("estate-viewer-0", T.accessEntry)).toMatchObject({ principalArn: viewer, type: "STANDARD" });
        expect(b.inputs("estate-viewer-0", T.association)).toMatchObject({ principalArn: viewer, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy", accessScope: { type: "cluster" } });
        expect(b.ofType(T.association).filter((r) => b.inputs(r.name, T.association).policyArn.endsWith("AmazonEKSClusterAdminPolicy")).map((r) => b.inputs(r.name, T.association).principalArn)).toEqual([DEPLOYER]);
    });

    it("registers the cluster's OIDC issuer as an IAM identity provider for STS, without a thumbprint", async () => {
        const b = await eks();
        const oidc = b.resource("estate-oidc", T.oidc);
        expect(b.inputs("estate-oidc").thumbprintLists).toBeUndefined();
        expect(b.inputs("estate-oidc")).toMatchObject({ url: expect.stringMatching(/^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/), clientIdLists: ["sts.amazonaws.com"] });
        expect(oidc.propertyDependencies.url).toEqual([b.resource("estate-cluster").urn]);
        const out = b.outputs();
        expect(out.oidcIssuer).toMatch(/^oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
        expect(out.oidcProviderArn).toBe(`arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${out.oidcIssuer}`);
        expect(out.clusterSecurityGroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    });

    it("exports a secret kubeconfig that names the cluster and runs `aws eks get-token` for it, with no credentials inside", async () => {
        const b = await eks();
        expect(b.shownOutputs().kubeconfig).toBe("[secret]");
        const config = JSON.parse(b.outputs().kubeconfig);
        const out = b.outputs();
        expect(config.clusters[0].cluster).toEqual({ server: out.endpoint, "certificate-authority-data": expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
        expect(out.endpoint).toMatch(/^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
        expect(config["current-context"]).toBe("estate");
        expect(config.users[0].user.exec).toMatchObject({
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "estate", "--output", "json"],
        });
        // Only the exec plugin: no token, client certificate or key in the file.
        expect(Object.keys(config.users[0].user)).toEqual(["exec"]);
    });

    it("builds the Kubernetes provider from that kubeconfig, depending on the cluster and the admins' access", async () => {
        const b = await eks();
        const provider = b.resource("estate-k8s", T.provider);
        expect(provider.dependencies).toEqual(expect.arrayContaining([b.resource("estate-cluster").urn, b.resource("estate-admin-0", T.association).urn]));
        expect(provider.propertyDependencies.kubeconfig).toEqual(expect.arrayContaining([b.resource("estate-cluster").urn]));
        expect(JSON.parse(b.inputs("estate-k8s", T.provider).kubeconfig).clusters[0].name).toBe("estate");
    });

    it("previews a new cluster: endpoint, issuer and kubeconfig unknown, the provider still depends on the cluster", async () => {
        const b = await eks({}, { preview: true });
        expect(b.shownOutputs()).toMatchObject({ endpoint: "[unknown]", oidcIssuer: "[unknown]" });
        expect(b.resource("estate-k8s", T.provider).dependencies).toContain(b.resource("estate-cluster").urn);
    });

    it("passes every policy with the prod config, on up and in preview", async () => {
        for (const preview of [false, true]) {
            const report = await (await eks({}, { preview })).policyReport("prod");
            expect(report.violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
        }
    });
});

describe("EksCluster overrides", () => {
    it("opens the public endpoint to the listed CIDRs only, and names the cluster and its log group as asked", async () => {
        const b = await eks({ publicAccessCidrs: ["203.0.113.0/24", "198.51.100.7/32"], clusterName: "prod-estate", logRetentionDays: 90, version: "1.35" });
        expect(b.inputs("estate-cluster")).toMatchObject({
            name: "prod-estate",
            version: "1.35",
            vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "198.51.100.7/32"] },
        });
        expect(b.inputs("estate-control-plane-logs")).toMatchObject({ name: "/aws/eks/prod-estate/cluster", retentionInDays: 90 });
        expect((await b.policyReport("prod")).violations.filter((v) => !v.message.startsWith("can't run policy"))).toEqual([]);
    });

    it("throwaway stacks: nothing protected, no deletion protection", async () => {
        const b = await eks({ protectData: false });
        expect(b.inputs("estate-cluster").deletionProtection).toBe(false);
        expect(b.run.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name)).toEqual([]);
    });
});

describe("EksCluster refuses invalid arguments, registering nothing", () => {
    it.each<[string, Partial<EksClusterArgs>, RegExp]>([
        ["the whole IPv4 internet", { publicAccessCidrs: ["0.0.0.0/0"] }, /publicAccessCidrs\[0\] must not open the API endpoint to the whole internet \(got "0.0.0.0\/0"\)/],
        ["the whole IPv6 internet", { publicAccessCidrs: ["203.0.113.0/24", "::/0"] }, /publicAccessCidrs\[1\] must not open the API endpoint to the whole internet/],
        ["a malformed CIDR", { publicAccessCidrs: ["203.0.113.300/24"] }, /publicAccessCidrs\[0\] must be an IPv4 CIDR block/],
        ["no admin", { adminRoleArns: [] }, /adminRoleArns must name at least one IAM role, including the role that runs pulumi up/],
        ["an assumed-role session", { adminRoleArns: [`arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/estate-deployer/ci`] }, /adminRoleArns\[0\] must be an IAM role ARN/],
        ["an admin twice", { adminRoleArns: [DEPLOYER, DEPLOYER] }, /adminRoleArns must not list a role twice/],
        ["an admin as viewer too", { viewerRoleArns: [DEPLOYER] }, /viewerRoleArns\[0\] lists arn:aws:iam::\d+:role\/estate-deployer again/],
        ["one subnet", { subnetIds: ["subnet-0a1b2c3d4e5f60a01"] }, /subnetIds must list at least two subnets/],
        ["a bad version", { version: "1.36.2" }, /version must be a Kubernetes minor version/],
        ["a bad cluster name", { clusterName: "-estate" }, /clusterName must be an EKS cluster name/],
        ["a retention CloudWatch refuses", { logRetentionDays: 10 }, /logRetentionDays must be a CloudWatch Logs retention/],
    ])("%s", async (_what, args, message) => {
        const { message: got, registered } = await buildError(() => new EksCluster("estate", { ...BASE, ...args }));
        expect(got).toMatch(/^EksCluster "estate": /);
        expect(got).toMatch(message);
        expect(registered.filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
    });

    it("publicCidrProblem accepts specific blocks only", () => {
        expect(["10.0.0.0/8", "203.0.113.7/32", "2001:db8::/32"].map(publicCidrProblem)).toEqual([undefined, undefined, undefined]);
        expect(["0.0.0.0/0", "::/0", "10.0.0.0/33", "example.com"].map((c) => publicCidrProblem(c) !== undefined)).toEqual([true, true, true, true]);
    });
});
