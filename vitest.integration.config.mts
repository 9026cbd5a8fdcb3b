import { defineConfig } from "vitest/config";

// The integration suite: real PostgreSQL, Redis, s3rver and Pushgateway servers on loopback ports
// (test/integration/servers.ts). One file at a time: the servers are heavy for a 2-core machine.
export default defineConfig({
    test: {
        include: ["test/integration/**/*.test.ts"],
        testTimeout: 300_000,
        hookTimeout: 180_000,
        fileParallelism: false,
    },
});
