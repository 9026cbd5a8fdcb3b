/**
 * Joins for stack policies. With `@pulumi/aws` v7 a bucket's settings are separate resources that
 * name the bucket by id, and ids are unknown in a real preview; the engine, however, records which
 * resources each input came from (`propertyDependencies`). So joins go through those URNs, never
 * through id or name values.
 */
import type { PolicyResource } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedResource } from "@pulumi/pulumi/queryable";

/** A resource class, as `PolicyResource.isType` takes it (for example `aws.s3.Bucket`). */
// The SDK's own signature; `any` is confined to this boundary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResourceClass<T extends pulumi.Resource = pulumi.Resource> = { new (...rest: any[]): T };

/** One class, or the classes of one kind of resource (`aws.s3.BucketVersioning` and its deprecated `...V2`). */
export type ResourceKind = ResourceClass | readonly ResourceClass[];

function isKind(resource: PolicyResource, kind: ResourceKind): boolean {
    return (Array.isArray(kind) ? (kind as readonly ResourceClass[]) : [kind as ResourceClass]).some((cls) => resource.isType(cls));
}

/** A resource class's type token (`aws:s3/bucket:Bucket` for `aws.s3.Bucket`). */
export function typeTokenOf(cls: ResourceClass): string {
    return (cls as unknown as { __pulumiType: string }).__pulumiType;
}

/** The resources of a kind. */
export function ofType(resources: readonly PolicyResource[], kind: ResourceKind): PolicyResource[] {
    return resources.filter((r) => isKind(r, kind));
}

/**
 * A resource's props, typed by the class whose shape they have. Every field may be missing: the
 * engine shows a stack policy what the provider returned, and tests show it registrations.
 */
export function propsAs<T extends pulumi.Resource>(resource: PolicyResource, _shape: ResourceClass<T>): Partial<ResolvedResource<T>> {
    return resource.props as Partial<ResolvedResource<T>>;
}

/**
 * The resources of type `targetType` that `resource` took its `property` input from.
 *
 * A resource registered without any property dependencies (an older engine, imported state) falls
 * back to its plain `dependencies`, but only when exactly one of them has `targetType`: with two
 * candidates (a `BucketLogging` depends on its source and its target bucket) the join would be a
 * guess, and a guess must not let a resource pass.
 */
export function referencedThrough(resource: PolicyResource, property: string, targetType: string): PolicyResource[] {
    if (Object.keys(resource.propertyDependencies).length > 0) {
        return (resource.propertyDependencies[property] ?? []).filter((d) => d.type === targetType);
    }
    const candidates = resource.dependencies.filter((d) => d.type === targetType);
    return candidates.length === 1 ? candidates : [];
}

/**
 * The resources of a kind whose `property` input comes from `target`: for example the
 * `BucketVersioning`s whose `bucket` is this bucket.
 */
export function attachedTo(
    target: PolicyResource,
    resources: readonly PolicyResource[],
    kind: ResourceKind,
    property: string,
): PolicyResource[] {
    return resources.filter((r) => isKind(r, kind) && referencedThrough(r, property, target.type).some((d) => d.urn === target.urn));
}

/** `BucketVersioning 'name'`: how messages name a resource. */
export function label(resource: Pick<PolicyResource, "type" | "name">): string {
    const kind = resource.type.split(":").pop() ?? resource.type;
    return `${kind} '${resource.name}'`;
}
