/**
 * Running Kubernetes components under the mock engine, with lookups by resource name and the
 * inputs as the engine received them (secrets unwrapped).
 */
import * as k8s from "@pulumi/kubernetes";
import { expect } from "vitest";
import { type EngineRun, type RecordedResource, type RunOptions, fromWire, plainInputs, runProgram } from "../../../scripts/engine/mock-engine";

export const T = {
    namespace: "kubernetes:core/v1:Namespace",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    release: "kubernetes:helm.sh/v3:Release",
    clusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    certificate: "kubernetes:cert-manager.io/v1:Certificate",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    ecrRepository: "aws:ecr/repository:Repository",
    ecrLifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    image: "docker:index/image:Image",
    provider: "pulumi:providers:kubernetes",
} as const;

/** Engine payloads, typed loosely at this boundary only. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export class Built {
    constructor(readonly run: EngineRun) {}

    resource(name: string, type?: string): RecordedResource {
        const found = this.run.resources.filter((r) => r.name === name && (type === undefined || r.type === type));
        expect(found, `exactly one resource named ${name}`).toHaveLength(1);
        return found[0]!;
    }

    maybe(name: string): RecordedResource | undefined {
        return this.run.resources.find((r) => r.name === name);
    }

    ofType(type: string): RecordedResource[] {
        return this.run.resources.filter((r) => r.type === type);
    }

    inputs(name: string): Json {
        return plainInputs(this.resource(name), "unwrap");
    }

    /** The inputs with secrets masked, as `plan` prints them. */
    masked(name: string): Json {
        return plainInputs(this.resource(name), "mask");
    }

    outputs(): Json {
        return fromWire(this.run.outputs!.toJavaScript(), "unwrap");
    }

    get provider(): RecordedResource {
        return this.ofType(T.provider)[0]!;
    }
}

/** Runs `build(provider)` with a Kubernetes provider named `cluster`, returning what it exports. */
export async function runWithCluster(build: (cluster: k8s.Provider) => unknown, opts: RunOptions = {}): Promise<Built> {
    const run = await runProgram(() => build(new k8s.Provider("cluster", { context: "kind-estate" })), opts);
    return new Built(run);
}

/** The types registered by a run, apart from the root stack. */
export function registeredTypes(run: EngineRun): string[] {
    return run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type);
}
