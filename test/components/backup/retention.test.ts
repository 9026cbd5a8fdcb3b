import { describe, expect, it } from "vitest";
import {
    type RetentionTiers,
    STORAGE_LADDER,
    TIERS,
    findRetentionProblem,
    newestCopyDays,
    restorableWithin,
    retentionDays,
    tierPrefix,
    tierTransitions,
} from "../../../components/backup/retention";

const RETENTION: RetentionTiers = { dailyDays: 30, weeklyWeeks: 12, monthlyMonths: 12, yearlyYears: 7 };

describe("tiers", () => {
    it("lists the tiers shortest first, each under its own prefix", () => {
        expect(TIERS).toEqual(["daily", "weekly", "monthly", "yearly"]);
        expect(TIERS.map(tierPrefix)).toEqual(["daily/", "weekly/", "monthly/", "yearly/"]);
    });

    it("converts each tier to days with the longest calendar unit, so no tier is kept shorter than asked", () => {
        expect(TIERS.map((t) => retentionDays(RETENTION, t))).toEqual([30, 12 * 7, 12 * 31, 7 * 366]);
        // A year of monthlies outlasts even a leap year; 7 yearlies outlast 7 years with two leap days.
        expect(retentionDays(RETENTION, "monthly")).toBeGreaterThanOrEqual(366);
        expect(retentionDays(RETENTION, "yearly")).toBeGreaterThanOrEqual(7 * 365 + 2);
        expect(retentionDays({ ...RETENTION, monthlyMonths: 1 }, "monthly")).toBe(31);
    });
});

describe("findRetentionProblem", () => {
    it("accepts integers >= 1", () => {
        expect(findRetentionProblem(RETENTION)).toBeUndefined();
        expect(findRetentionProblem({ dailyDays: 1, weeklyWeeks: 1, monthlyMonths: 1, yearlyYears: 1 })).toBeUndefined();
    });

    it.each([
        [{ dailyDays: 0 }, "retention.dailyDays", "must be an integer >= 1 (got 0)"],
        [{ weeklyWeeks: -2 }, "retention.weeklyWeeks", "must be an integer >= 1 (got -2)"],
        [{ monthlyMonths: 1.5 }, "retention.monthlyMonths", "must be an integer >= 1 (got 1.5)"],
        [{ yearlyYears: Number.NaN }, "retention.yearlyYears", "must be an integer >= 1 (got NaN)"],
        [{ yearlyYears: "7" as unknown as number }, "retention.yearlyYears", 'must be an integer >= 1 (got "7")'],
        [{ dailyDays: undefined as unknown as number }, "retention.dailyDays", "must be an integer >= 1 (got undefined)"],
    ])("rejects %j", (override, argument, problem) => {
        expect(findRetentionProblem({ ...RETENTION, ...override })).toEqual({ argument, problem });
    });
});

/** The S3 rules a transition list must obey for objects expiring on day `expiration`. */
function assertLegal(transitions: { days: number; storageClass: string }[], expiration: number) {
    const rules = new Map(STORAGE_LADDER.map((s) => [s.storageClass, s]));
    transitions.forEach((t, i) => {
        const rule = rules.get(t.storageClass as never)!;
        expect(t.days, `${t.storageClass} too early`).toBeGreaterThanOrEqual(rule.earliestDay);
        const leaves = transitions[i + 1]?.days ?? expiration;
        expect(leaves - t.days, `${t.storageClass} left before its minimum duration`).toBeGreaterThanOrEqual(rule.minimumStayDays);
    });
    const classes = transitions.map((t) => t.storageClass);
    expect(new Set(classes).size).toBe(classes.length);
}

describe("tierTransitions", () => {
    it.each([
        [1, []],
        [30, []],
        [59, []],
        [60, [["STANDARD_IA", 30]]],
        [84, [["STANDARD_IA", 30]]],
        [179, [["STANDARD_IA", 30]]],
        [180, [["STANDARD_IA", 30], ["GLACIER_IR", 90]]],
        [359, [["STANDARD_IA", 30], ["GLACIER_IR", 90]]],
        [360, [["STANDARD_IA", 30], ["GLACIER_IR", 90], ["DEEP_ARCHIVE", 180]]],
        [7 * 366, [["STANDARD_IA", 30], ["GLACIER_IR", 90], ["DEEP_ARCHIVE", 180]]],
    ])("objects expiring on day %i move %j", (expiration, expected) => {
        const transitions = tierTransitions(expiration);
        expect(transitions.map((t) => [t.storageClass, t.days])).toEqual(expected);
        assertLegal(transitions, expiration);
    });

    it("keeps a 30-day daily tier in STANDARD and sends a 7-year tier down the whole ladder", () => {
        expect(tierTransitions(retentionDays(RETENTION, "daily"))).toEqual([]);
        expect(tierTransitions(retentionDays(RETENTION, "yearly")).map((t) => t.storageClass)).toEqual(["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]);
    });

    it("never breaks a minimum duration, whatever the expiration", () => {
        for (let expiration = 1; expiration <= 4000; expiration++) {
            assertLegal(tierTransitions(expiration), expiration);
        }
    });
});

describe("the newest copy of each tier, and what is restorable within an RTO", () => {
    it("a tier's newest copy is at most two periods old (one missed backup of slack)", () => {
        expect(TIERS.map((t) => newestCopyDays(t))).toEqual([2, 14, 62, 732]);
    });

    it("millisecond classes always are; DEEP_ARCHIVE (Standard retrieval within 12 hours) only for an RTO of 24 hours or more", () => {
        expect(restorableWithin("STANDARD_IA", 1)).toBe(true);
        expect(restorableWithin("GLACIER_IR", 1)).toBe(true);
        expect(restorableWithin("DEEP_ARCHIVE", 60)).toBe(false);
        expect(restorableWithin("DEEP_ARCHIVE", 480)).toBe(false);
        expect(restorableWithin("DEEP_ARCHIVE", 1440)).toBe(true);
    });

    it("delays DEEP_ARCHIVE past the newest-copy age when the RTO is short, and keeps every minimum duration", () => {
        const yearly = retentionDays(RETENTION, "yearly");
        expect(tierTransitions(yearly, { newestDays: newestCopyDays("yearly"), rtoMinutes: 60 }).map((t) => [t.storageClass, t.days])).toEqual([
            ["STANDARD_IA", 30],
            ["GLACIER_IR", 90],
            ["DEEP_ARCHIVE", 732],
        ]);
        for (let expiration = 1; expiration <= 4000; expiration += 7) {
            for (const tier of TIERS) {
                const transitions = tierTransitions(expiration, { newestDays: newestCopyDays(tier), rtoMinutes: 60 });
                assertLegal(transitions, expiration);
                for (const t of transitions.filter((x) => x.storageClass === "DEEP_ARCHIVE")) {
                    expect(t.days).toBeGreaterThanOrEqual(newestCopyDays(tier));
                }
            }
        }
    });
});
