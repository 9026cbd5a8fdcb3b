import { describe, expect, it } from "vitest";
import { archiveTimeoutMinutes, cidrProblem, formatUri, managedBackupRetentionDays } from "../../../components/data";

describe("connection URIs", () => {
    it("percent-encode credentials, so RDS-generated passwords with punctuation stay one URI", () => {
        expect(formatUri({ scheme: "postgresql", user: "app", password: "a:b@c/d?e#f", host: "db", port: 5432, database: "app", query: { sslmode: "require" } })).toBe(
            "postgresql://app:a%3Ab%40c%2Fd%3Fe%23f@db:5432/app?sslmode=require",
        );
        expect(formatUri({ scheme: "rediss", user: "default", password: "t", host: "h", port: 6379, database: "0" })).toBe("rediss://default:t@h:6379/0");
    });
});

describe("backup settings from the objectives", () => {
    it("managed retention: the daily objective, at least 7 days for protected data, at most AWS's 35", () => {
        expect([1, 7, 30, 35, 36, 3650].map((d) => managedBackupRetentionDays(d, true))).toEqual([7, 7, 30, 35, 35, 35]);
        expect([1, 3, 30, 90].map((d) => managedBackupRetentionDays(d, false))).toEqual([1, 3, 30, 35]);
    });

    it("archive_timeout: never later than the RPO, and no more often than every minute", () => {
        expect([1, 2, 5, 15, 1440].map(archiveTimeoutMinutes)).toEqual([1, 2, 5, 5, 5]);
    });
});

describe("allowed CIDR blocks", () => {
    it("refuse the internet and anything wider than a /8", () => {
        expect(cidrProblem("10.0.0.0/16")).toBeUndefined();
        expect(cidrProblem("10.0.0.0/8")).toBeUndefined();
        expect(cidrProblem("0.0.0.0/0")).toMatch(/never open to the internet/);
        expect(cidrProblem("10.0.0.0/0")).toMatch(/never open to the internet/);
        expect(cidrProblem("10.0.0.0/7")).toMatch(/\/8 or narrower/);
        expect(cidrProblem("::/0")).toMatch(/IPv4 CIDR block/);
    });
});
