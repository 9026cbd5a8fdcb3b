/**
 * Backup retention tiers and the arithmetic behind their S3 lifecycle rules. Pure data and
 * functions: no Pulumi resources, no config reads, so the config layer, the component, policies
 * and tests can all share it.
 */

/** How long each tier of backups is kept, in the tier's own calendar unit. All integers >= 1. */
export interface RetentionTiers {
    /** Daily backups (under `daily/`), in days. */
    dailyDays: number;
    /** Weekly backups (under `weekly/`), in weeks. */
    weeklyWeeks: number;
    /** Monthly backups (under `monthly/`), in months. */
    monthlyMonths: number;
    /** Yearly backups (under `yearly/`), in years. */
    yearlyYears: number;
}

export type Tier = "daily" | "weekly" | "monthly" | "yearly";

/** Every tier, shortest first. */
export const TIERS: readonly Tier[] = Object.freeze(["daily", "weekly", "monthly", "yearly"] as const);

/** Which `RetentionTiers` field holds a tier's count, and how many days one unit lasts at most. */
const TIER_UNITS: Readonly<Record<Tier, { field: keyof RetentionTiers; daysPerUnit: number }>> = {
    daily: { field: "dailyDays", daysPerUnit: 1 },
    weekly: { field: "weeklyWeeks", daysPerUnit: 7 },
    // The longest month and the leap year, so that a tier is never kept shorter than its objective.
    monthly: { field: "monthlyMonths", daysPerUnit: 31 },
    yearly: { field: "yearlyYears", daysPerUnit: 366 },
};

/** The key prefix under which a tier's backups live, e.g. `daily/`. */
export function tierPrefix(tier: Tier): string {
    return `${tier}/`;
}

/** The `RetentionTiers` field for a tier, e.g. `weeklyWeeks` (useful in error messages). */
export function tierField(tier: Tier): keyof RetentionTiers {
    return TIER_UNITS[tier].field;
}

/**
 * How many days a tier's objects are kept: the objective in days, rounded up to whole calendar
 * units (week = 7 days, month = 31 days, year = 366 days), so a tier is never kept shorter than
 * its objective.
 */
export function retentionDays(retention: RetentionTiers, tier: Tier): number {
    const { field, daysPerUnit } = TIER_UNITS[tier];
    return retention[field] * daysPerUnit;
}

/**
 * The first problem with a set of tiers, or `undefined` when every tier is an integer >= 1.
 * `argument` is the path of the offending value, e.g. `retention.dailyDays`.
 */
export function findRetentionProblem(retention: RetentionTiers): { argument: string; problem: string } | undefined {
    for (const tier of TIERS) {
        const field = tierField(tier);
        const value: unknown = (retention as unknown as Record<string, unknown>)[field];
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
            return { argument: `retention.${field}`, problem: `must be an integer >= 1 (got ${describe(value)})` };
        }
    }
    return undefined;
}

function describe(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** An S3 storage class a lifecycle rule may move backups to. */
export type ArchiveStorageClass = "STANDARD_IA" | "GLACIER_IR" | "DEEP_ARCHIVE";

/** A lifecycle transition: on day `days` after creation, move the object to `storageClass`. */
export interface StorageTransition {
    days: number;
    storageClass: ArchiveStorageClass;
}

/**
 * The cheaper classes, coldest last, with the rules S3 imposes on them:
 * - `earliestDay`: the first day a lifecycle rule may (or, for us, should) move an object there.
 *   S3 rejects STANDARD_IA transitions before day 30.
 * - `minimumStayDays`: the minimum storage duration S3 bills for. An object that leaves the class
 *   (a later transition or its expiry) sooner is charged as if it had stayed that long, so a
 *   transition only pays off when the object then stays at least that long.
 * - `retrievalMinutes`: how long before the first byte can be read. STANDARD_IA and GLACIER_IR
 *   answer a GET in milliseconds (0). DEEP_ARCHIVE answers a GET with `InvalidObjectState` until a
 *   RestoreObject request has made a temporary copy: Standard retrieval "typically within 12
 *   hours", Bulk within 48, no Expedited (S3 User Guide, "Understanding archive retrieval options",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html).
 */
export const STORAGE_LADDER: readonly { storageClass: ArchiveStorageClass; earliestDay: number; minimumStayDays: number; retrievalMinutes: number }[] = Object.freeze([
    { storageClass: "STANDARD_IA", earliestDay: 30, minimumStayDays: 30, retrievalMinutes: 0 },
    { storageClass: "GLACIER_IR", earliestDay: 90, minimumStayDays: 90, retrievalMinutes: 0 },
    { storageClass: "DEEP_ARCHIVE", earliestDay: 180, minimumStayDays: 180, retrievalMinutes: 12 * 60 },
]);

/**
 * How old a tier's newest copy can get before a newer one replaces it, in days, with one missed
 * backup of slack: backups run daily, weekly on one weekday, monthly on the 1st and yearly on
 * January 1st (scripts/backup/backup.sh), so on schedule the newest copy is at most one period
 * old; after a failed run, at most two. Beyond this age an object is no longer its tier's newest.
 */
export function newestCopyDays(tier: Tier): number {
    return 2 * TIER_UNITS[tier].daysPerUnit;
}

/**
 * Whether a class lets a copy be restored within the RTO: a class with millisecond access always
 * does; a class that needs a RestoreObject request first only when its Standard retrieval takes at
 * most half the RTO, which leaves the other half to download, verify, restore and check the dump
 * (what the restore drill measures).
 */
export function restorableWithin(storageClass: ArchiveStorageClass, rtoMinutes: number): boolean {
    const retrieval = STORAGE_LADDER.find((s) => s.storageClass === storageClass)!.retrievalMinutes;
    return retrieval === 0 || retrieval <= rtoMinutes / 2;
}

/** What keeps a tier's newest copy restorable within the RTO. */
export interface RestorableNewest {
    /** Days an object may still be its tier's newest copy (`newestCopyDays`). */
    newestDays: number;
    /** The recovery time objective, in minutes. */
    rtoMinutes: number;
}

/**
 * The transitions for objects that expire on day `expirationDays`: walk the ladder and take each
 * class as early as allowed (not before its `earliestDay`, and not before the previous class's
 * minimum stay is over), but only if the object then stays there for the class's minimum duration
 * before it expires. So a 30-day tier stays in STANDARD, an 84-day tier goes to STANDARD_IA on day
 * 30, and a 7-year tier goes STANDARD_IA (30) -> GLACIER_IR (90) -> DEEP_ARCHIVE (180).
 *
 * With `restorable`, a class that cannot be restored within the RTO (`restorableWithin`) is taken
 * only once the object can no longer be its tier's newest copy: a 7-year tier of yearly copies,
 * whose newest may be 732 days old, reaches DEEP_ARCHIVE on day 732, not 180, so the newest yearly
 * copy stays in GLACIER_IR, readable in milliseconds.
 */
export function tierTransitions(expirationDays: number, restorable?: RestorableNewest): StorageTransition[] {
    const transitions: StorageTransition[] = [];
    let previousDay = 0;
    let previousMinimumStay = 0;
    for (const step of STORAGE_LADDER) {
        const keepNewest = restorable !== undefined && !restorableWithin(step.storageClass, restorable.rtoMinutes) ? restorable.newestDays : 0;
        const day = Math.max(step.earliestDay, previousDay + previousMinimumStay, keepNewest);
        if (expirationDays - day >= step.minimumStayDays) {
            transitions.push({ days: day, storageClass: step.storageClass });
            previousDay = day;
            previousMinimumStay = step.minimumStayDays;
        }
    }
    return transitions;
}
