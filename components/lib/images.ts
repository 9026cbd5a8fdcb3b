/** Container image references. */

/** A digest reference such as `ghcr.io/acme/web@sha256:<64 hex>`. */
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Whether an image reference is pinned: a digest, or a tag other than `latest`. An untagged
 * reference means `latest` to the container runtime, so it is not pinned either.
 */
export function isPinnedImage(ref: string): boolean {
    if (DIGEST.test(ref)) {
        return true;
    }
    const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    return tag !== "" && tag !== "latest";
}
