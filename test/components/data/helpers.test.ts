import { describe, expect, it } from "vitest";
import { cidrProblem, formatUri } from "../../../components/data";

describe("connection URIs", () => {
    it("percent-encode credentials, so RDS-generated passwords with punctuation stay one URI", () => {
        expect(formatUri({ scheme: "postgresql", user: "app", password: "a:b@c/d?e#f", host: "db", port: 5432, database: "app", query: { sslmode: "require" } })).toBe(
            "postgresql://app:a%3Ab%40c%2Fd%3Fe%23f@db:5432/app?sslmode=require",
        );
        expect(formatUri({ scheme: "rediss", user: "default", password: "t", host: "h", port: 6379, database: "0" })).toBe("rediss://default:t@h:6379/0");
    });
});

// The backup settings derived from the objectives (retention, archive_timeout, windows) are tested
// with their one definition, in test/components/backup/objectives.test.ts.

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
