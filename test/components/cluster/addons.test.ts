/**
 * The cluster's add-ons and services (components/cluster/addons.ts) under the mock engine: each EKS
 * add-on at its pinned version with its configuration and identity, the default encrypted gp3
 * StorageClass, the Load Balancer Controller and the Cluster Autoscaler with their values and IAM,
 * and the policy pack over what they register.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
    ClusterServices,
    EksAddons,
    LOAD_BALANCER_CONTROLLER_IAM_POLICY,
    NLB_ANNOTATIONS,
    type ClusterServicesArgs,
    type EksAddonsArgs,
    clusterAutoscalerPolicy,
    loadBalancerControllerValues,
    podIdentityTrustPolicy,
} from "../../../components/cluster/addons";
import { EKS_ADDON_NAMES, charts, eksAddons, images } from "../../../components/lib/charts";
import { policies } from "../../../policies/pack";
import { type EngineRun, type RecordedResource, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";
import { evaluatePolicies } from "../../../scripts/engine/policy-harness";
import { packConfig } from "../../policies/fixtures";

const VERSION = "1.35";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/0d3b5c1e-0000-4000-8000-000000000000";
const T = {
    addon: "aws:eks/addon:Addon",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    policy: "aws:iam/policy:Policy",
    association: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    key: "aws:kms/key:Key",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

// Engine payloads, typed loosely at this boundary only.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

class Built {
    constructor(readonly run: EngineRun) {}
    resource(name: string, type?: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
        expect(found, `exactly one resource named ${name}${type ? ` of ${type}` : ""}`).toHaveLength(1);
        return found[0]!;
    }
    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }
    inputs(name: string, type?: string): Json {
        return plainInputs(this.resource(name, type), "unwrap");
    }
    urn(name: string, type?: string): string {
        return this.resource(name, type).urn;
    }
}

/** The cluster and node groups the add-ons wait for (stand-ins: the mock accepts their inputs). */
function clusterAndNodes(): { cluster: aws.eks.Cluster; nodeGroups: aws.eks.NodeGroup[] } {
    const cluster = new aws.eks.Cluster("eks", { roleArn: "arn:aws:iam::123456789012:role/eks", vpcConfig: { subnetIds: ["subnet-a", "subnet-b"] } });
    const nodeGroups = ["a", "b"].map(
        (zone) =>
            new aws.eks.NodeGroup(`nodes-${zone}`, {
                clusterName: cluster.name,
                nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
                subnetIds: [`subnet-${zone}`],
                scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 },
            }),
    );
    return { cluster, nodeGroups };
}

async function eksAddonsRun(args: Partial<EksAddonsArgs> = {}): Promise<Built> {
    return new Built(
        await runProgram(() => {
            const { cluster, nodeGroups } = clusterAndNodes();
            const addons = new EksAddons("addons", { clusterName: cluster.name, kubernetesVersion: VERSION, cluster, nodeGroups, region: "eu-west-1", tags: { team: "platform" }, ...args });
            return { versions: addons.versions, key: addons.ebsKmsKeyArn };
        }),
    );
}

function provider(): k8s.Provider {
    return new k8s.Provider("cluster", { context: "eks-estate" });
}

const SERVICES: ClusterServicesArgs = { clusterName: "estate", kubernetesVersion: VERSION, vpcId: "vpc-0a1b2c3d4e5f60718", ebsKmsKeyArn: KEY, maxNodes: 9, region: "eu-west-1", tags: { team: "platform" } };

async function servicesRun(args: Partial<ClusterServicesArgs> = {}): Promise<Built> {
    return new Built(
        await runProgram(() => {
            const services = new ClusterServices("services", { ...SERVICES, ...args }, { provider: provider() });
            return { storageClassName: services.storageClassName, annotations: services.loadBalancerAnnotations, ready: services.ready.map((r) => (r as pulumi.CustomResource).urn) };
        }),
    );
}

async function errorOf(make: () => unknown): Promise<{ message: string; types: string[] }> {
    const run = await runProgram(make, { captureErrors: true });
    expect(run.error, "the component should refuse its arguments").toBeInstanceOf(Error);
    return { message: (run.error as Error).message, types: run.resources.map((r) => r.type) };
}

describe("EksAddons", () => {
    it("installs the six add-ons, each at the version pinned for the cluster's Kubernetes version", async () => {
        const built = await eksAddonsRun();
        const addons = built.ofType(T.addon).map((r) => built.inputs(r.name));
        expect(addons.map((a) => a.addonName).sort()).toEqual([...EKS_ADDON_NAMES].sort());
        for (const addon of addons) {
            expect(addon.addonVersion, addon.addonName).toBe(eksAddons[VERSION]![addon.addonName as (typeof EKS_ADDON_NAMES)[number]].version);
            expect(addon.addonVersion).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
            expect(addon).toMatchObject({ resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", region: "eu-west-1", tags: { team: "platform" } });
        }
        expect(built.inputs("addons-kube-proxy").addonVersion).toBe("v1.35.3-eksbuild.2");
        expect(built.inputs("addons-coredns").addonVersion).toBe("v1.14.2-eksbuild.4");
    });

    it.each(["1.35", "1.36"])("pins every add-on for Kubernetes %s, and the autoscaler image of that minor", async (version) => {
        const built = await eksAddonsRun({ kubernetesVersion: version });
        const pinned = eksAddons[version]!;
        for (const name of EKS_ADDON_NAMES) {
            expect(built.inputs(`addons-${name}`).addonVersion, name).toBe(pinned[name].version);
            expect(pinned[name].source.seenAt.trim(), name).not.toBe("");
        }
        expect(built.inputs("addons-kube-proxy").addonVersion.startsWith(`v${version}.`)).toBe(true);
        expect(images.clusterAutoscaler[version]).toBe(`registry.k8s.io/autoscaling/cluster-autoscaler:${version === "1.35" ? "v1.35.2" : "v1.36.1"}`);
    });

    it("turns on vpc-cni's network policy enforcement (enableNetworkPolicy \"true\")", async () => {
        const built = await eksAddonsRun();
        expect(JSON.parse(built.inputs("addons-vpc-cni").configurationValues)).toEqual({ enableNetworkPolicy: "true" });
    });

    it("gives vpc-cni and the EBS CSI controller their own roles through Pod Identity, with AWS's managed policies", async () => {
        const built = await eksAddonsRun();
        const cni = built.inputs("addons-vpc-cni");
        expect(cni.podIdentityAssociations).toEqual([{ roleArn: expect.stringContaining("addons-vpc-cni-role"), serviceAccount: "aws-node" }]);
        const ebs = built.inputs("addons-aws-ebs-csi-driver");
        expect(ebs.podIdentityAssociations).toEqual([{ roleArn: expect.stringContaining("addons-ebs-csi-role"), serviceAccount: "ebs-csi-controller-sa" }]);
        for (const role of ["addons-vpc-cni-role", "addons-ebs-csi-role"]) {
            expect(JSON.parse(built.inputs(role, T.role).assumeRolePolicy)).toEqual(podIdentityTrustPolicy());
        }
        expect(built.inputs("addons-vpc-cni-managed-policy", T.attachment).policyArn).toMatch(/^arn:aws:iam::aws:policy\/AmazonEKS_CNI_Policy$/);
        expect(built.inputs("addons-ebs-csi-managed-policy", T.attachment).policyArn).toMatch(/^arn:aws:iam::aws:policy\/service-role\/AmazonEBSCSIDriverPolicy$/);
        for (const name of ["kube-proxy", "coredns", "eks-pod-identity-agent", "metrics-server"]) {
            expect(built.inputs(`addons-${name}`).podIdentityAssociations, name).toBeUndefined();
        }
    });

    it("lets the EBS CSI role use the EBS key for volumes only (grants for AWS resources), as AWS documents", async () => {
        const built = await eksAddonsRun({ ebsKmsKeyArn: KEY });
        const policy = JSON.parse(built.inputs("addons-ebs-csi-key-policy").policy);
        expect(policy.Statement).toEqual([
            { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: [KEY], Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: [KEY] },
        ]);
        expect(built.ofType(T.key)).toEqual([]);
    });

    it("creates a rotating EBS key when none is given, protected with protectData", async () => {
        const plain = await eksAddonsRun();
        const key = plain.ofType(T.key);
        expect(key).toHaveLength(1);
        expect(plain.inputs(key[0]!.name).enableKeyRotation).toBe(true);
        expect(key[0]!.protect).toBe(false);
        const prod = await eksAddonsRun({ protectData: true });
        expect(prod.ofType(T.key).map((k) => [k.protect, k.retainOnDelete])).toEqual([[true, true]]);
    });

    it("waits for the node groups only with the add-ons that run Deployments; vpc-cni and the EBS driver wait for the Pod Identity agent", async () => {
        const built = await eksAddonsRun();
        const nodes = ["nodes-a", "nodes-b"].map((n) => built.urn(n));
        const cluster = built.urn("eks");
        const deps = (name: string) => built.resource(`addons-${name}`).dependencies;
        for (const name of ["coredns", "aws-ebs-csi-driver", "metrics-server"]) {
            expect(deps(name), name).toEqual(expect.arrayContaining([cluster, ...nodes]));
        }
        for (const name of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) {
            expect(deps(name), name).toContain(cluster);
            expect(deps(name).filter((d) => nodes.includes(d)), name).toEqual([]);
        }
        const agent = built.urn("addons-eks-pod-identity-agent");
        expect(deps("vpc-cni")).toContain(agent);
        expect(deps("aws-ebs-csi-driver")).toContain(agent);
    });

    it("refuses a Kubernetes version without pinned add-ons, naming the argument, and registers nothing", async () => {
        const { message, types } = await errorOf(() => {
            const { cluster, nodeGroups } = clusterAndNodes();
            new EksAddons("addons", { clusterName: "estate", kubernetesVersion: "1.29", cluster, nodeGroups });
        });
        expect(message).toMatch(/^EksAddons "addons": kubernetesVersion must be one the add-ons are pinned for: 1\.35, 1\.36 \(got "1\.29"\)/);
        expect(types).not.toContain("estate:cluster:EksAddons");
    });

    it("refuses an empty nodeGroups list and a malformed key ARN", async () => {
        const noNodes = await errorOf(() => {
            const { cluster } = clusterAndNodes();
            new EksAddons("addons", { clusterName: "estate", kubernetesVersion: VERSION, cluster, nodeGroups: [] });
        });
        expect(noNodes.message).toMatch(/nodeGroups must list at least one node group/);
        const badKey = await errorOf(() => {
            const { cluster, nodeGroups } = clusterAndNodes();
            new EksAddons("addons", { clusterName: "estate", kubernetesVersion: VERSION, cluster, nodeGroups, ebsKmsKeyArn: "alias/ebs" });
        });
        expect(badKey.message).toMatch(/ebsKmsKeyArn must be a KMS key ARN/);
    });
});

describe("ClusterServices", () => {
    it("requires a Kubernetes provider", async () => {
        const { message, types } = await errorOf(() => new ClusterServices("services", SERVICES));
        expect(message).toMatch(/^ClusterServices "services": opts.provider is required/);
        expect(types).not.toContain("estate:cluster:ClusterServices");
    });

    it("creates the default gp3 StorageClass, KMS-encrypted, bound where the pod lands, expandable", async () => {
        const built = await servicesRun();
        const sc = built.inputs("services-gp3", T.storageClass);
        expect(sc).toEqual({
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", kmsKeyId: KEY },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: "Delete",
        });
        const prod = await servicesRun({ protectData: true });
        expect(prod.inputs("services-gp3", T.storageClass).reclaimPolicy).toBe("Retain");
    });

    it("installs the AWS Load Balancer Controller chart pinned, in kube-system, with the cluster's name, region and VPC, hardened", async () => {
        const built = await servicesRun();
        const release = built.inputs("services-lbc", T.release);
        expect(release).toMatchObject({ chart: "aws-load-balancer-controller", version: charts.awsLoadBalancerController.version, repositoryOpts: { repo: "https://aws.github.io/eks-charts" }, namespace: "kube-system", name: "aws-load-balancer-controller" });
        expect(release.values).toEqual(loadBalancerControllerValues({ clusterName: "estate", region: "eu-west-1", vpcId: "vpc-0a1b2c3d4e5f60718", replicas: 2 }));
        expect(release.values).toMatchObject({
            clusterName: "estate",
            region: "eu-west-1",
            vpcId: "vpc-0a1b2c3d4e5f60718",
            replicaCount: 2,
            serviceAccount: { create: true, name: "aws-load-balancer-controller" },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        });
    });

    it("gives the controller the upstream IAM policy through a Pod Identity association on its ServiceAccount, before the release", async () => {
        const built = await servicesRun();
        expect(JSON.parse(built.inputs("services-lbc-policy", T.policy).policy)).toEqual(LOAD_BALANCER_CONTROLLER_IAM_POLICY);
        expect(JSON.parse(built.inputs("services-lbc-role", T.role).assumeRolePolicy)).toEqual(podIdentityTrustPolicy());
        expect(built.inputs("services-lbc-identity", T.association)).toMatchObject({ clusterName: "estate", namespace: "kube-system", serviceAccount: "aws-load-balancer-controller", region: "eu-west-1" });
        expect(built.resource("services-lbc", T.release).dependencies).toContain(built.urn("services-lbc-identity", T.association));
    });

    it("loads the controller's IAM policy as upstream shipped it at v3.5.0", () => {
        const file = path.resolve(__dirname, "../../../components/cluster/aws-load-balancer-controller-iam-policy.json");
        const policy = JSON.parse(fs.readFileSync(file, "utf8"));
        expect(policy).toEqual(LOAD_BALANCER_CONTROLLER_IAM_POLICY);
        expect(policy.Version).toBe("2012-10-17");
        expect(policy.Statement).toHaveLength(16);
        const actions = new Set<string>(policy.Statement.flatMap((s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
        expect(actions.size).toBe(80);
        for (const action of ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:RegisterTargets", "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "iam:CreateServiceLinkedRole"]) {
            expect(actions, action).toContain(action);
        }
        // Creating load balancers and target groups is allowed only with the cluster tag the controller sets (upstream's conditions).
        const creates = (policy.Statement as { Action: string | string[]; Condition?: Record<string, Record<string, unknown>> }[]).filter((s) =>
            (Array.isArray(s.Action) ? s.Action : [s.Action]).includes("elasticloadbalancing:CreateLoadBalancer"),
        );
        expect(creates.length).toBeGreaterThan(0);
        for (const statement of creates) {
            expect(statement.Condition?.Null?.["aws:RequestTag/elbv2.k8s.aws/cluster"]).toBe("false");
        }
    });

    it("exports the NLB annotations for the ingress Service and the controller's release as what the platform waits for", async () => {
        const built = await servicesRun();
        const outputs = built.run.outputs!.toJavaScript() as Json;
        expect(outputs.annotations).toEqual({
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        });
        expect(outputs.annotations).toEqual(NLB_ANNOTATIONS);
        expect(outputs.storageClassName).toBe("gp3");
        expect(outputs.ready).toEqual([built.urn("services-lbc", T.release)]);
    });

    it("installs the Cluster Autoscaler chart pinned, discovering this cluster's groups, with the image of the cluster's minor", async () => {
        const built = await servicesRun();
        const release = built.inputs("services-autoscaler", T.release);
        expect(release).toMatchObject({ chart: "cluster-autoscaler", version: charts.clusterAutoscaler.version, repositoryOpts: { repo: "https://kubernetes.github.io/autoscaler" }, namespace: "kube-system", name: "cluster-autoscaler" });
        expect(release.values).toMatchObject({
            cloudProvider: "aws",
            awsRegion: "eu-west-1",
            autoDiscovery: { clusterName: "estate" },
            rbac: { create: true, serviceAccount: { create: true, name: "cluster-autoscaler" } },
            image: { repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: "v1.35.2" },
            extraArgs: { "balance-similar-node-groups": true, "max-nodes-total": 9 },
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            resources: { requests: { cpu: "100m", memory: "300Mi" } },
        });
        expect(`${release.values.image.repository}:${release.values.image.tag}`).toBe(images.clusterAutoscaler[VERSION]);
        expect(release.values.image.tag.startsWith(`v${VERSION}.`)).toBe(true);
    });

    it("lets the autoscaler change the size of this cluster's Auto Scaling groups only, through Pod Identity", async () => {
        const built = await servicesRun();
        const policy = JSON.parse(built.inputs("services-autoscaler-policy", T.rolePolicy).policy);
        expect(policy).toEqual(clusterAutoscalerPolicy("estate"));
        const scale = policy.Statement.find((s: Json) => s.Action.includes("autoscaling:SetDesiredCapacity"));
        expect(scale.Action).toEqual(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
        expect(scale.Condition).toEqual({ StringEquals: { "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/estate": "owned" } });
        const describeOnly = policy.Statement.find((s: Json) => s.Sid === "Discover");
        expect(describeOnly.Action.every((a: string) => /:(Describe|Get)/.test(a))).toBe(true);
        expect(built.inputs("services-autoscaler-identity", T.association)).toMatchObject({ namespace: "kube-system", serviceAccount: "cluster-autoscaler" });
        expect(built.resource("services-autoscaler", T.release).dependencies).toContain(built.urn("services-autoscaler-identity", T.association));
    });

    it("creates every Kubernetes object with the given provider", async () => {
        const built = await servicesRun();
        const k8sObjects = built.run.resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(k8sObjects.length).toBe(3);
        for (const r of k8sObjects) {
            expect(r.provider, r.name).toMatch(/::cluster::/);
        }
    });

    it("refuses missing or out-of-range arguments, naming them", async () => {
        const cases: [Partial<ClusterServicesArgs>, RegExp][] = [
            [{ maxNodes: 0 }, /maxNodes must be an integer from 1 to 1000 \(got 0\)/],
            [{ kubernetesVersion: "1.30" }, /kubernetesVersion must be one the add-ons are pinned for/],
            [{ ebsKmsKeyArn: "not-an-arn" }, /ebsKmsKeyArn must be a KMS key ARN/],
            [{ loadBalancerControllerReplicas: 9 }, /loadBalancerControllerReplicas must be an integer from 1 to 5/],
        ];
        for (const [args, pattern] of cases) {
            const { message } = await errorOf(() => new ClusterServices("services", { ...SERVICES, ...args }, { provider: provider() }));
            expect(message, JSON.stringify(args)).toMatch(pattern);
        }
    });
});

describe("the policy pack over the add-ons and cluster services", () => {
    it("finds no violation in what the two components register (prod config)", async () => {
        const run = await runProgram(() => {
            const { cluster, nodeGroups } = clusterAndNodes();
            const addons = new EksAddons("addons", { clusterName: cluster.name, kubernetesVersion: VERSION, cluster, nodeGroups, protectData: true, region: "eu-west-1" });
            new ClusterServices("services", { ...SERVICES, ebsKmsKeyArn: addons.ebsKmsKeyArn, protectData: true }, { provider: provider() });
            return {};
        });
        const ours = new Set(run.resources.filter((r) => /^(addons|services)(-|$)/.test(r.name)).map((r) => r.urn));
        expect(ours.size).toBeGreaterThan(20);
        // The two charts' releases, accepted as the prod config accepts the estate's other pinned charts (the lead adds the same entries to policies/config/prod.json for the names estate.ts gives).
        const config = packConfig("prod");
        const unevaluated = config["estate-unevaluated-content"] as { accepted: { resource: string; reason: string }[] };
        for (const [release, pin] of [["services-lbc", charts.awsLoadBalancerController], ["services-autoscaler", charts.clusterAutoscaler]] as const) {
            unevaluated.accepted.push({
                resource: `kubernetes:helm.sh/v3:Release::${release}`,
                reason: `the estate's ${pin.chart} ${pin.version} chart, pinned in components/lib/charts.ts with its upstream source, checked published by npm run pins:verify; the estate's values are checked against the chart at that tag; the objects it renders are upstream's, reviewed at each Renovate bump`,
            });
        }
        const report = await evaluatePolicies(policies, run.resources, { config, packEnforcementLevel: "advisory" });
        const violations = report.violations.filter((v) => v.urn === undefined || ours.has(v.urn));
        expect(violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
    });
});

describe("docs/cluster.md, Add-ons and cluster services", () => {
    const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/cluster.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Add-ons and cluster services"));

    it("lists every pinned add-on version, per Kubernetes version, and the charts and images", () => {
        expect(section.length).toBeGreaterThan(100);
        for (const [version, pins] of Object.entries(eksAddons)) {
            for (const name of EKS_ADDON_NAMES) {
                const row = section.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
                expect(row, name).toBeDefined();
                expect(row, `${name} ${version}`).toContain(`\`${pins[name].version}\``);
            }
            expect(section, version).toContain(`\`${images.clusterAutoscaler[version]!.split(":")[1]}\``);
        }
        expect(section).toContain(`\`aws-load-balancer-controller\` ${charts.awsLoadBalancerController.version}`);
        expect(section).toContain(`\`cluster-autoscaler\` ${charts.clusterAutoscaler.version}`);
        for (const [annotation, value] of Object.entries(NLB_ANNOTATIONS)) {
            expect(section).toContain(`| \`${annotation}\` | \`${value}\` |`);
        }
    });
});
