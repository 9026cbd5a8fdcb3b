/**
 * Helpers for values that are unknown during a real `pulumi preview` (ids, ARNs and anything built
 * from them). The analyzer wraps props in a proxy that throws `UnknownValueError` when an unknown
 * value is read; the engine turns that into an advisory "can't run policy ... during preview" note.
 * These helpers keep that behaviour where the value matters, and avoid it where it does not.
 */

import * as policySdk from "@pulumi/policy";

// `UnknownValueError` is exported at runtime but its declaration is stripped from the SDK's typings.
// An import, not a `require`: the test runner resolves imports to the root's copy of the SDK, the one
// whose proxy throws, also when policies/ has its own node_modules.
const { UnknownValueError } = policySdk as unknown as { UnknownValueError: new (...args: never[]) => Error };

/** Marks a value that cannot be known until the resource is created. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

export function isUnknownValueError(err: unknown): boolean {
    return err instanceof UnknownValueError;
}

/**
 * Reads a value that may be unknown in preview without aborting the policy: returns `UNKNOWN`
 * instead. Use it where the policy can still decide something without the value.
 */
export function peek<T>(read: () => T): T | Unknown {
    try {
        return read();
    } catch (err) {
        if (isUnknownValueError(err)) {
            return UNKNOWN;
        }
        throw err;
    }
}

/**
 * Runs `check` for every item. An unknown value met while checking one item does not hide the
 * violations of the others: every item is checked, then the first unknown-value error is rethrown,
 * so the engine still notes that the policy could not fully run in preview.
 */
export function forEachDeferringUnknowns<T>(items: Iterable<T>, check: (item: T) => void): void {
    let deferred: Error | undefined;
    for (const item of items) {
        try {
            check(item);
        } catch (err) {
            if (!isUnknownValueError(err)) {
                throw err;
            }
            deferred ??= err as Error;
        }
    }
    if (deferred) {
        throw deferred;
    }
}
