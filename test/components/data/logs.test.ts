import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { DATABASE_IDENTIFIER, SERVICE_LOG_GROUPS, warnOnIdentifierDrift } from "../../../components/data/logs";
import { runProgram } from "../../../scripts/engine/mock-engine";

describe("the log groups the services write to", () => {
    it("are named as RDS, Aurora and DocumentDB name them", () => {
        expect(SERVICE_LOG_GROUPS.rdsInstance("orders-db-0c5f1e2a", "postgresql")).toBe("/aws/rds/instance/orders-db-0c5f1e2a/postgresql");
        expect(SERVICE_LOG_GROUPS.rdsCluster("orders-aurora-0c5f1e2a", "postgresql")).toBe("/aws/rds/cluster/orders-aurora-0c5f1e2a/postgresql");
        expect(SERVICE_LOG_GROUPS.docdbCluster("docs-docdb-0c5f1e2a", "profiler")).toBe("/aws/docdb/docs-docdb-0c5f1e2a/profiler");
    });

    it("take identifiers as RDS and DocumentDB accept them", () => {
        for (const ok of ["postgres-db-1a2b3c4", "a1", "mongo-docdb-abcdefgh"]) {
            expect(DATABASE_IDENTIFIER.test(ok), ok).toBe(true);
        }
        for (const bad of ["1db", "db-", "db--1", "Orders", "a", "x".repeat(64)]) {
            expect(DATABASE_IDENTIFIER.test(bad), bad).toBe(false);
        }
    });
});

describe("warnOnIdentifierDrift", () => {
    it("warns, naming the real identifier and the config key, when a database kept an older identifier; stays quiet when they match", async () => {
        const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
        try {
            await runProgram(() => {
                const parent = new pulumi.ComponentResource("estate:test:Parent", "p");
                warnOnIdentifierDrift(pulumi.output("postgres-db-1a2b3c4"), pulumi.output("postgres-db-0c5f1e2a"), "estate:data.postgres.identifier", parent);
                warnOnIdentifierDrift(pulumi.output("same"), pulumi.output("same"), "estate:data.mongo.identifier", parent);
                return {};
            });
            expect(warn).toHaveBeenCalledTimes(1);
            expect(warn.mock.calls[0]![0]).toMatch(/identifier is "postgres-db-1a2b3c4", not "postgres-db-0c5f1e2a".*Set estate:data\.postgres\.identifier to "postgres-db-1a2b3c4" and import those log groups/);
        } finally {
            warn.mockRestore();
        }
    });
});
