import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../lib/errors";

/**
 * The Kubernetes provider a component was given (`opts.provider`, or among `opts.providers`).
 * Kubernetes components of the estate require one: nothing falls back to the ambient default
 * provider, whose cluster is whatever the current kubeconfig context happens to be.
 */
export function requireKubernetesProvider(component: string, opts: pulumi.ComponentResourceOptions | undefined): k8s.Provider {
    const providers = opts?.providers;
    const candidates: unknown[] = [opts?.provider, ...(Array.isArray(providers) ? providers : Object.values(providers ?? {}))];
    const found = candidates.find((p): p is k8s.Provider => k8s.Provider.isInstance(p));
    if (!found) {
        throw new ArgumentError(
            component,
            "opts.provider",
            "is required: a kubernetes Provider for the target cluster (the estate never uses the ambient default provider)",
        );
    }
    return found;
}
