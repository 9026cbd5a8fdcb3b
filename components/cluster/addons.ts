/**
 * What an EKS cluster must provide before the estate's platform can run on it, in two components so
 * the Kubernetes provider can wait for the first:
 *
 * - `EksAddons` (AWS only): the EKS add-ons, each pinned per Kubernetes version
 *   (`eksAddons` in components/lib/charts.ts): vpc-cni with NetworkPolicy enforcement, kube-proxy,
 *   CoreDNS, the EBS CSI driver, the EKS Pod Identity agent and metrics-server (an EKS community
 *   add-on). vpc-cni and the EBS CSI driver get their permissions from their own IAM roles through
 *   EKS Pod Identity (`podIdentityAssociations` on the add-on), not from the node role.
 * - `ClusterServices` (in the cluster; `opts.provider` required): the default `gp3` StorageClass,
 *   KMS-encrypted; the AWS Load Balancer Controller (so the ingress controller's Service becomes an
 *   NLB) and the Cluster Autoscaler (so the managed node groups grow to what the HPAs ask), each
 *   with a least-privilege IAM role through a Pod Identity association.
 *
 * Why Pod Identity rather than IRSA: no OIDC trust policy per cluster, and AWS documents it for each
 * of these: vpc-cni ("The Amazon VPC CNI plugin also supports Amazon EKS Pod Identities",
 * docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html), EKS add-ons in general
 * (userguide/add-ons-iam.html, update-addon-role.html), the Load Balancer Controller
 * (kubernetes-sigs/aws-load-balancer-controller docs/deploy/installation.md at v3.5.0, "Option B:
 * Recommended, Pod Identity") and the autoscaler (its AWS SDK, aws-sdk-go-v2 v1.40, reads the Pod
 * Identity credentials; cluster-autoscaler/go.mod at cluster-autoscaler-1.35.2).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { withoutUndefined, ArgChecker } from "../lib/args";
import { EKS_ADDON_NAMES, charts, eksAddons, images, releaseSource, type EksAddonName } from "../lib/charts";
import { dataKey } from "../data/keys";
import { requireKubernetesProvider } from "../k8s/provider";
import lbcIamPolicy from "./aws-load-balancer-controller-iam-policy.json";

// ------------------------------------------------------------------------------------------------
// Shared
// ------------------------------------------------------------------------------------------------

/** Where the add-ons and the cluster services run. The estate's own namespaces are default-deny; kube-system holds the cluster's machinery. */
export const CLUSTER_SERVICES_NAMESPACE = "kube-system";

/** The Kubernetes ServiceAccounts that receive an IAM role, by what runs as them. */
export const SERVICE_ACCOUNTS = {
    /** vpc-cni's DaemonSet (aws-node), AWS: userguide/cni-iam-role.html. */
    vpcCni: "aws-node",
    /** The EBS CSI controller, AWS: userguide/ebs-csi.html (`ebs-csi-controller-sa`). */
    ebsCsi: "ebs-csi-controller-sa",
    /** Set by the estate (`serviceAccount.name`): the chart would derive it from the release name. */
    loadBalancerController: "aws-load-balancer-controller",
    /** Set by the estate (`rbac.serviceAccount.name`). */
    clusterAutoscaler: "cluster-autoscaler",
} as const;

/**
 * The trust policy of a role assumed through EKS Pod Identity: the EKS Auth service for pods,
 * `sts:AssumeRole` and `sts:TagSession` (the session tags carry the cluster's ARN, namespace and
 * ServiceAccount). As terraform-aws-modules/terraform-aws-eks-pod-identity main.tf `assume`, and AWS
 * userguide/pod-id-role.html.
 */
export function podIdentityTrustPolicy(): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    };
}

/** The ARN of an AWS managed policy in the caller's partition. */
function managedPolicyArn(partition: pulumi.Input<string>, path: string): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::aws:policy/${path}`;
}

/**
 * Conflict resolution of every add-on. On create, OVERWRITE: EKS installs vpc-cni, kube-proxy and
 * CoreDNS itself on a new cluster, and the managed add-on takes them over. terraform-aws-eks v21
 * defaults `resolve_conflicts_on_create` to NONE and `resolve_conflicts_on_update` to OVERWRITE
 * (variables.tf `addons`, v21.19.0); its v19 and most examples used OVERWRITE on create, which is
 * what a cluster the estate creates wants (nothing of the user's to preserve there yet).
 */
export const RESOLVE_CONFLICTS = { onCreate: "OVERWRITE", onUpdate: "OVERWRITE" } as const;

/** vpc-cni's configuration: the network policy agent enforces the estate's NetworkPolicies (AWS userguide/cni-network-policy-configure, key `enableNetworkPolicy`, value the string "true"). */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: "true" } as const;

/** The Kubernetes versions the add-ons are pinned for (the rows of `eksAddons`). */
export function supportedKubernetesVersions(): string[] {
    return Object.keys(eksAddons).sort();
}

function checkKubernetesVersion(check: ArgChecker, version: unknown): void {
    check.required("kubernetesVersion", version, "the cluster's Kubernetes minor, e.g. \"1.35\"");
    if (typeof version !== "string" || eksAddons[version] === undefined) {
        check.fail("kubernetesVersion", `must be one the add-ons are pinned for: ${supportedKubernetesVersions().join(", ")} (got ${JSON.stringify(version)}); add a row to eksAddons in components/lib/charts.ts, each version seen upstream`);
    }
}

// ------------------------------------------------------------------------------------------------
// EksAddons
// ------------------------------------------------------------------------------------------------

export interface EksAddonsArgs {
    /** The EKS cluster's name. */
    clusterName: pulumi.Input<string>;
    /** The cluster's Kubernetes minor (`EksCluster.version`), e.g. `"1.35"`: a row of `eksAddons` (components/lib/charts.ts). */
    kubernetesVersion: string;
    /** The EKS cluster: every add-on depends on it. */
    cluster: pulumi.Resource;
    /**
     * The managed node groups. CoreDNS, the EBS CSI driver and metrics-server run Deployments, which
     * stay DEGRADED (and the add-on's create times out) until nodes exist: they wait for these.
     * vpc-cni, kube-proxy and the Pod Identity agent are DaemonSets the nodes need to become Ready,
     * so they do not wait (terraform-aws-eks's `before_compute`). At least one.
     */
    nodeGroups: pulumi.Resource[];
    /**
     * The KMS key of the EBS volumes (the default StorageClass's `kmsKeyId`): the EBS CSI driver's
     * role may use it. Default: a key created here (rotation on; `protect` with `protectData`).
     */
    ebsKmsKeyArn?: pulumi.Input<string>;
    /** Protect the EBS key this component creates (`protect`, `retainOnDelete`): the volumes' data is unreadable without it. Default: `false`. */
    protectData?: boolean;
    /** The AWS region of every resource. Default: the provider's. */
    region?: string;
    /** Tags of every taggable resource. Default: none. */
    tags?: Record<string, string>;
}

const eksAddonsDefaults = { protectData: false, tags: {} as Record<string, string> } satisfies Partial<EksAddonsArgs>;

/** Add-ons that run Deployments and so need nodes before EKS reports them ACTIVE. */
export const ADDONS_NEEDING_NODES: readonly EksAddonName[] = ["coredns", "aws-ebs-csi-driver", "metrics-server"];

/**
 * The EKS add-ons, each at the version pinned for the cluster's Kubernetes version: vpc-cni (network
 * policy enforcement on), kube-proxy, CoreDNS, the EBS CSI driver, the Pod Identity agent and
 * metrics-server; vpc-cni and the EBS CSI driver with their own IAM roles through EKS Pod Identity.
 * AWS resources only: the Kubernetes provider depends on `awsAddons`. See docs/cluster.md.
 */
export class EksAddons extends pulumi.ComponentResource {
    /** Every add-on, in `EKS_ADDON_NAMES` order: the Kubernetes provider depends on them. */
    readonly awsAddons: aws.eks.Addon[];
    /** The add-ons by name. */
    readonly addons: Readonly<Record<EksAddonName, aws.eks.Addon>>;
    /** The add-on versions installed, by name. */
    readonly versions: Readonly<Record<EksAddonName, string>>;
    /** The EBS volumes' KMS key (given or created here): `ClusterServices`' StorageClass encrypts with it. */
    readonly ebsKmsKeyArn: pulumi.Output<string>;
    /** vpc-cni's IAM role (AmazonEKS_CNI_Policy). */
    readonly vpcCniRoleArn: pulumi.Output<string>;
    /** The EBS CSI controller's IAM role (AmazonEBSCSIDriverPolicy and the EBS key). */
    readonly ebsCsiRoleArn: pulumi.Output<string>;

    constructor(name: string, args: EksAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        const check = new ArgChecker(`EksAddons ${JSON.stringify(name)}`);
        check.required("clusterName", args.clusterName, "the EKS cluster's name");
        check.required("cluster", args.cluster, "the EKS cluster resource the add-ons depend on");
        checkKubernetesVersion(check, args.kubernetesVersion);
        if (!Array.isArray(args.nodeGroups) || args.nodeGroups.length === 0) {
            check.fail("nodeGroups", "must list at least one node group: CoreDNS, the EBS CSI driver and metrics-server need nodes to become ACTIVE");
        }
        check.kmsKeyArn("ebsKmsKeyArn", args.ebsKmsKeyArn);
        const a = { ...eksAddonsDefaults, ...withoutUndefined(args) };
        super("estate:cluster:EksAddons", name, {}, opts);
        const { region, tags } = a;
        const child = { parent: this };
        const pins = eksAddons[a.kubernetesVersion]!;
        const partition = aws.getPartitionOutput({}, child).partition;

        const keyOpts: pulumi.CustomResourceOptions = a.protectData ? { ...child, protect: true, retainOnDelete: true } : child;
        this.ebsKmsKeyArn = a.ebsKmsKeyArn !== undefined ? pulumi.output(a.ebsKmsKeyArn) : dataKey({ name: `${name}-ebs`, service: "EBS volumes of", region, tags, opts: keyOpts }).arn;

        // vpc-cni: its own role, not the node role (AWS recommends "a separate role", cni-iam-role.html).
        const cniRole = new aws.iam.Role(`${name}-vpc-cni-role`, { description: "vpc-cni (aws-node) through EKS Pod Identity", assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()), tags }, child);
        new aws.iam.RolePolicyAttachment(`${name}-vpc-cni-managed-policy`, { role: cniRole.name, policyArn: managedPolicyArn(partition, "AmazonEKS_CNI_Policy") }, child);

        // The EBS CSI controller: AWS's managed policy, plus the key (the statements of userguide/ebs-csi.html for a customer managed key).
        const ebsRole = new aws.iam.Role(`${name}-ebs-csi-role`, { description: "EBS CSI controller through EKS Pod Identity", assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()), tags }, child);
        new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-managed-policy`, { role: ebsRole.name, policyArn: managedPolicyArn(partition, "service-role/AmazonEBSCSIDriverPolicy") }, child);
        new aws.iam.RolePolicy(`${name}-ebs-csi-key-policy`, { role: ebsRole.id, policy: this.ebsKmsKeyArn.apply((arn) => JSON.stringify(ebsCsiKmsPolicy(arn))) }, child);

        const addon = (addonName: EksAddonName, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]): aws.eks.Addon =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: a.clusterName,
                    addonName,
                    addonVersion: pins[addonName].version,
                    resolveConflictsOnCreate: RESOLVE_CONFLICTS.onCreate,
                    resolveConflictsOnUpdate: RESOLVE_CONFLICTS.onUpdate,
                    region,
                    tags,
                    ...extra,
                },
                { ...child, dependsOn },
            );
        const afterCluster = [a.cluster];
        const afterNodes = [a.cluster, ...a.nodeGroups];
        // The agent serves the Pod Identity credentials; the add-ons with an association wait for it.
        const podIdentityAgent = addon("eks-pod-identity-agent", {}, afterCluster);
        const built: Record<EksAddonName, aws.eks.Addon> = {
            "vpc-cni": addon(
                "vpc-cni",
                { configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION), podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: SERVICE_ACCOUNTS.vpcCni }] },
                [...afterCluster, podIdentityAgent],
            ),
            "kube-proxy": addon("kube-proxy", {}, afterCluster),
            coredns: addon("coredns", {}, afterNodes),
            "aws-ebs-csi-driver": addon(
                "aws-ebs-csi-driver",
                { podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: SERVICE_ACCOUNTS.ebsCsi }] },
                [...afterNodes, podIdentityAgent],
            ),
            "eks-pod-identity-agent": podIdentityAgent,
            "metrics-server": addon("metrics-server", {}, afterNodes),
        };
        this.addons = built;
        this.awsAddons = EKS_ADDON_NAMES.map((n) => built[n]);
        this.versions = Object.fromEntries(EKS_ADDON_NAMES.map((n) => [n, pins[n].version])) as Record<EksAddonName, string>;
        this.vpcCniRoleArn = cniRole.arn;
        this.ebsCsiRoleArn = ebsRole.arn;
        this.registerOutputs({ versions: this.versions, ebsKmsKeyArn: this.ebsKmsKeyArn, vpcCniRoleArn: this.vpcCniRoleArn, ebsCsiRoleArn: this.ebsCsiRoleArn });
    }
}

/** What the EBS CSI driver needs of a customer managed key (AWS userguide/ebs-csi.html, "KMS_Key_For_Encryption_On_EBS_Policy"). */
export function ebsCsiKmsPolicy(keyArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: [keyArn], Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: [keyArn] },
        ],
    };
}

// ------------------------------------------------------------------------------------------------
// ClusterServices
// ------------------------------------------------------------------------------------------------

export interface ClusterServicesArgs {
    /** The EKS cluster's name (the controllers' `clusterName`, the autoscaler's discovery tag). */
    clusterName: pulumi.Input<string>;
    /** The cluster's Kubernetes minor: the Cluster Autoscaler's image is the release for it (`images.clusterAutoscaler`). */
    kubernetesVersion: string;
    /** The VPC: the Load Balancer Controller needs it given (IMDS is out of its reach at hop limit 1). */
    vpcId: pulumi.Input<string>;
    /** The EBS volumes' KMS key (`EksAddons.ebsKmsKeyArn`): the StorageClass's `kmsKeyId`. */
    ebsKmsKeyArn: pulumi.Input<string>;
    /** The most nodes the autoscaler may run in total (`NodeGroups.maxNodes`), its `--max-nodes-total`. An integer >= 1. */
    maxNodes: number;
    /** Replicas of the Load Balancer Controller (one leader, the others serve its webhooks), 1 to 5. Default: `2`. */
    loadBalancerControllerReplicas?: number;
    /** Keep volumes when their claims are deleted (`reclaimPolicy: Retain`). Default: `false` (`Delete`). */
    protectData?: boolean;
    /** The AWS region of the cluster and of every AWS resource. Default: the provider's. */
    region?: string;
    /** Tags of every taggable AWS resource. Default: none. */
    tags?: Record<string, string>;
}

const clusterServicesDefaults = { loadBalancerControllerReplicas: 2, protectData: false, tags: {} as Record<string, string> } satisfies Partial<ClusterServicesArgs>;

/** The default StorageClass's name. */
export const STORAGE_CLASS_NAME = "gp3";

/** The Helm release names (they prefix what the charts create). */
export const CLUSTER_SERVICE_RELEASES = { loadBalancerController: "aws-load-balancer-controller", clusterAutoscaler: "cluster-autoscaler" } as const;

/**
 * The annotations that make the AWS Load Balancer Controller (not the in-tree cloud provider) build
 * an internet-facing NLB with IP targets for a LoadBalancer Service: names and values from
 * kubernetes-sigs/aws-load-balancer-controller docs/guide/service/annotations.md at v3.5.0
 * (`aws-load-balancer-type`: the controller reconciles `external`; `aws-load-balancer-nlb-target-type`:
 * `ip`; `aws-load-balancer-scheme`: default `internal`).
 */
export const NLB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
} as const;

/** The restricted Pod Security profile for a chart's pod and containers (the estate's namespaces enforce it; kube-system does not, the estate still asks it). */
const RESTRICTED_POD = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } as const;
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } } as const;

/** Values of the aws-load-balancer-controller chart (keys in stable/aws-load-balancer-controller/values.yaml at chart 3.5.0). */
export function loadBalancerControllerValues(p: { clusterName: pulumi.Input<string>; region: pulumi.Input<string>; vpcId: pulumi.Input<string>; replicas: number }): Record<string, unknown> {
    return {
        clusterName: p.clusterName,
        region: p.region,
        vpcId: p.vpcId,
        replicaCount: p.replicas,
        serviceAccount: { create: true, name: SERVICE_ACCOUNTS.loadBalancerController },
        podSecurityContext: { fsGroup: 65534, ...RESTRICTED_POD },
        securityContext: RESTRICTED_CONTAINER,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        // Created only when replicaCount > 1 (values.yaml).
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}

/** Values of the cluster-autoscaler chart (keys in cluster-autoscaler/charts/cluster-autoscaler/values.yaml at chart 9.59.0). */
export function clusterAutoscalerValues(p: { clusterName: pulumi.Input<string>; region: pulumi.Input<string>; image: string; maxNodes: number }): Record<string, unknown> {
    const [repository, tag] = [p.image.slice(0, p.image.lastIndexOf(":")), p.image.slice(p.image.lastIndexOf(":") + 1)];
    return {
        cloudProvider: "aws",
        awsRegion: p.region,
        // --node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster> (the chart's default tags).
        autoDiscovery: { clusterName: p.clusterName },
        image: { repository, tag },
        rbac: { create: true, serviceAccount: { create: true, name: SERVICE_ACCOUNTS.clusterAutoscaler } },
        extraArgs: {
            // One managed node group per zone: keep the zones level (cluster-autoscaler/cloudprovider/aws/README.md, FAQ `balance-similar-node-groups`).
            "balance-similar-node-groups": true,
            "max-nodes-total": p.maxNodes,
        },
        securityContext: { ...RESTRICTED_POD, runAsUser: 65534, runAsGroup: 65534 },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    };
}

/**
 * The Cluster Autoscaler's IAM policy: the autoscaler's "Full Cluster Autoscaler Features Policy"
 * (auto-discovery needs the Describe actions; cluster-autoscaler/cloudprovider/aws/README.md at
 * cluster-autoscaler-chart-9.59.0), with the two actions that change capacity restricted by tag, as the
 * README recommends ("using tag based conditionals") and terraform-aws-eks-pod-identity
 * cluster_autoscaler.tf does with `autoscaling:ResourceTag/...`: only Auto Scaling groups tagged
 * `k8s.io/cluster-autoscaler/<cluster>: owned`, which EKS sets on its managed node groups' groups
 * (docs.aws.amazon.com/eks/latest/userguide/autoscaling.html, as cited in terraform-aws-eks#2084),
 * next to `k8s.io/cluster-autoscaler/enabled: true` that auto-discovery matches.
 */
export function clusterAutoscalerPolicy(clusterName: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Discover",
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                Resource: ["*"],
            },
            {
                Sid: "ScaleThisClustersGroups",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: ["*"],
                Condition: { StringEquals: { [`autoscaling:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
        ],
    };
}

/** The upstream IAM policy of the AWS Load Balancer Controller v3.5.0 (docs/install/iam_policy.json at tag v3.5.0). */
export const LOAD_BALANCER_CONTROLLER_IAM_POLICY: Readonly<Record<string, unknown>> = lbcIamPolicy;

/**
 * What the cluster runs for the estate in kube-system: the default `gp3` StorageClass (KMS-encrypted),
 * the AWS Load Balancer Controller (the ingress controller's Service becomes an internet-facing NLB)
 * and the Cluster Autoscaler, each controller with a least-privilege IAM role through EKS Pod Identity.
 * Needs `opts.provider`. See docs/cluster.md.
 */
export class ClusterServices extends pulumi.ComponentResource {
    /** The default StorageClass's name (`gp3`). */
    readonly storageClassName: string;
    /** Annotations for the ingress controller's LoadBalancer Service: an internet-facing NLB with IP targets through the controller. */
    readonly loadBalancerAnnotations: Readonly<Record<string, string>>;
    /** What the platform must wait for: the Load Balancer Controller's release (its webhook mutates Services as they are created). */
    readonly ready: pulumi.Resource[];
    /** The default StorageClass. */
    readonly storageClass: k8s.storage.v1.StorageClass;
    /** The AWS Load Balancer Controller's Helm release. */
    readonly loadBalancerController: k8s.helm.v3.Release;
    /** The Cluster Autoscaler's Helm release. */
    readonly clusterAutoscaler: k8s.helm.v3.Release;
    /** The Load Balancer Controller's IAM role (the upstream policy). */
    readonly loadBalancerControllerRoleArn: pulumi.Output<string>;
    /** The Cluster Autoscaler's IAM role (this cluster's Auto Scaling groups only). */
    readonly clusterAutoscalerRoleArn: pulumi.Output<string>;

    constructor(name: string, args: ClusterServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        const component = `ClusterServices ${JSON.stringify(name)}`;
        const check = new ArgChecker(component);
        check.required("clusterName", args.clusterName, "the EKS cluster's name");
        check.required("vpcId", args.vpcId, "the cluster's VPC id");
        check.required("ebsKmsKeyArn", args.ebsKmsKeyArn, "the EBS volumes' KMS key, EksAddons.ebsKmsKeyArn");
        check.kmsKeyArn("ebsKmsKeyArn", args.ebsKmsKeyArn);
        checkKubernetesVersion(check, args.kubernetesVersion);
        if (images.clusterAutoscaler[args.kubernetesVersion] === undefined) {
            check.fail("kubernetesVersion", `has no Cluster Autoscaler image pinned (images.clusterAutoscaler has ${Object.keys(images.clusterAutoscaler).join(", ")})`);
        }
        check.required("maxNodes", args.maxNodes, "NodeGroups.maxNodes: the autoscaler's --max-nodes-total");
        check.int("maxNodes", args.maxNodes, 1, 1000);
        check.int("loadBalancerControllerReplicas", args.loadBalancerControllerReplicas, 1, 5);
        requireKubernetesProvider(component, opts);
        const a = { ...clusterServicesDefaults, ...withoutUndefined(args) };
        super("estate:cluster:ClusterServices", name, {}, opts);
        const child = { parent: this };
        const { tags } = a;
        const region: pulumi.Input<string> = a.region ?? aws.getRegionOutput({}, child).region;

        // The default StorageClass. EKS no longer marks gp2 default on clusters created at 1.30 or later
        // (awsdocs kubernetes-versions-standard.adoc, 1.30), so without this PVCs without a class stay Pending.
        this.storageClassName = STORAGE_CLASS_NAME;
        this.storageClass = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: { name: STORAGE_CLASS_NAME, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "ebs.csi.aws.com",
                // aws-ebs-csi-driver docs/parameters.md: type, encrypted, kmsKeyId.
                parameters: { type: "gp3", encrypted: "true", kmsKeyId: a.ebsKmsKeyArn },
                // Bind in the zone the pod is scheduled to: an EBS volume lives in one zone.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: a.protectData ? "Retain" : "Delete",
            },
            child,
        );

        // AWS Load Balancer Controller: IAM policy (upstream, verbatim), role, Pod Identity association, release.
        const lbcPolicy = new aws.iam.Policy(`${name}-lbc-policy`, { description: "AWS Load Balancer Controller v3.5.0 (upstream docs/install/iam_policy.json)", policy: JSON.stringify(LOAD_BALANCER_CONTROLLER_IAM_POLICY), tags }, child);
        const lbcRole = new aws.iam.Role(`${name}-lbc-role`, { description: "AWS Load Balancer Controller through EKS Pod Identity", assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()), tags }, child);
        new aws.iam.RolePolicyAttachment(`${name}-lbc-policy`, { role: lbcRole.name, policyArn: lbcPolicy.arn }, child);
        const lbcIdentity = new aws.eks.PodIdentityAssociation(
            `${name}-lbc-identity`,
            { clusterName: a.clusterName, namespace: CLUSTER_SERVICES_NAMESPACE, serviceAccount: SERVICE_ACCOUNTS.loadBalancerController, roleArn: lbcRole.arn, region: a.region, tags },
            child,
        );
        this.loadBalancerController = new k8s.helm.v3.Release(
            `${name}-lbc`,
            {
                ...releaseSource(charts.awsLoadBalancerController),
                name: CLUSTER_SERVICE_RELEASES.loadBalancerController,
                namespace: CLUSTER_SERVICES_NAMESPACE,
                // Outputs as leaves, not one output: in a preview the values the policies read stay known but for the new VPC's id.
                values: loadBalancerControllerValues({ clusterName: a.clusterName, region, vpcId: a.vpcId, replicas: a.loadBalancerControllerReplicas }),
                skipAwait: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            // The pods must find their credentials when they start.
            { ...child, dependsOn: [lbcIdentity] },
        );

        // Cluster Autoscaler: policy scoped to this cluster's groups, role, association, release.
        const caRole = new aws.iam.Role(`${name}-autoscaler-role`, { description: "Cluster Autoscaler through EKS Pod Identity", assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()), tags }, child);
        new aws.iam.RolePolicy(`${name}-autoscaler-policy`, { role: caRole.id, policy: pulumi.output(a.clusterName).apply((c) => JSON.stringify(clusterAutoscalerPolicy(c))) }, child);
        const caIdentity = new aws.eks.PodIdentityAssociation(
            `${name}-autoscaler-identity`,
            { clusterName: a.clusterName, namespace: CLUSTER_SERVICES_NAMESPACE, serviceAccount: SERVICE_ACCOUNTS.clusterAutoscaler, roleArn: caRole.arn, region: a.region, tags },
            child,
        );
        const image = images.clusterAutoscaler[a.kubernetesVersion]!;
        this.clusterAutoscaler = new k8s.helm.v3.Release(
            `${name}-autoscaler`,
            {
                ...releaseSource(charts.clusterAutoscaler),
                name: CLUSTER_SERVICE_RELEASES.clusterAutoscaler,
                namespace: CLUSTER_SERVICES_NAMESPACE,
                values: clusterAutoscalerValues({ clusterName: a.clusterName, region, image, maxNodes: a.maxNodes }),
                skipAwait: false,
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            { ...child, dependsOn: [caIdentity] },
        );

        this.loadBalancerAnnotations = { ...NLB_ANNOTATIONS };
        this.ready = [this.loadBalancerController];
        this.loadBalancerControllerRoleArn = lbcRole.arn;
        this.clusterAutoscalerRoleArn = caRole.arn;
        this.registerOutputs({
            storageClassName: this.storageClassName,
            loadBalancerAnnotations: this.loadBalancerAnnotations,
            loadBalancerControllerRoleArn: this.loadBalancerControllerRoleArn,
            clusterAutoscalerRoleArn: this.clusterAutoscalerRoleArn,
        });
    }
}
