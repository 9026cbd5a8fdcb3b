// Lint: typescript-eslint's recommended type-checked rules, plus Pulumi's own rules that catch an
// Output used inside a plain template string (it must go through pulumi.interpolate).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "policies/node_modules/", ".estate/", "coverage/", "**/*.mjs", "**/*.cjs", "**/*.js"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            // `any` is allowed only at boundaries (engine payloads), where it is narrowed at once.
            "@typescript-eslint/no-explicit-any": "warn",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-non-null-assertion": "off" },
    },
);
