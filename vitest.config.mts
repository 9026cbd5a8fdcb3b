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
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
