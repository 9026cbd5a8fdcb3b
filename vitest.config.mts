import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
    // The policy pack has its own package.json and, once a user runs `npm ci` in policies/ for
    // `pulumi preview --policy-pack`, its own copies of @pulumi/policy, @pulumi/pulumi and @pulumi/aws. The tests
    // must run the policies on the root's copies, the ones the mock engine is set on: two copies of
    // @pulumi/pulumi disagree on what an unknown value is.
    resolve: { alias: [{ find: /^@pulumi\/(pulumi|policy|aws)(\/.*)?$/, replacement: `${fileURLToPath(new URL("node_modules/@pulumi/", import.meta.url))}$1$2` }] },
    test: {
        include: ["test/**/*.test.ts"],
        exclude: ["test/integration/**", "node_modules/**"],
        // One process imports the SDKs once and runs every file (docs/testing.md): vitest's default
        // isolation re-imports @pulumi/aws, @pulumi/kubernetes and the policy pack for each of the 68
        // files, which cost most of the suite's time here. The code under test keeps no state between
        // files that matters: each engine run has its own Pulumi runtime store (`withLocalStorage`),
        // the shared plans in test/helpers/plans.ts are read-only, and vitest still restores spies
        // (`vi.restoreAllMocks`) after each file. Nothing in test/ uses `vi.mock`; a file that ever
        // must, or that needs a fresh module graph, belongs in a project of its own with `isolate: true`.
        isolate: false,
        // A worker per core (vitest's default leaves one core out: one worker on this 2-core machine,
        // which then waits while a test's child process, npm or promtool, runs on the other).
        maxWorkers: "100%",
        // Per-file CPU seconds when ESTATE_TEST_CPU names a file (docs/testing.md); a no-op otherwise.
        setupFiles: ["test/helpers/cpu-profile.ts"],
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
