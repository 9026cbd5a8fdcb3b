/**
 * Reading settings from a resource's props, which may be missing, wrongly typed, or unknown in a
 * real preview (the analyzer's proxy throws when an unknown value is read).
 */
import { peek, UNKNOWN } from "./unknowns";

/**
 * Whether a setting is given: present and not empty. An unknown value (a key ARN in preview) counts
 * as given, without reading it.
 */
export function isSet(props: Record<string, unknown>, key: string): boolean {
    if (!(key in props)) {
        return false;
    }
    const value = peek(() => props[key]);
    return value === UNKNOWN || (value !== undefined && value !== null && value !== "");
}

/** How a setting is shown in a message: `not set`, or its JSON. */
export function shown(value: unknown): string {
    return value === undefined || value === null ? "not set" : JSON.stringify(value);
}

/** A policy config `minimumDays`, or the default when absent or invalid. */
export function minimumDays(config: { minimumDays?: unknown } | undefined, fallback: number): number {
    const value = config?.minimumDays;
    return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : fallback;
}
