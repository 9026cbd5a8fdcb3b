/**
 * The few internals of `@pulumi/pulumi` the harness needs, typed here because the SDK strips
 * `@internal` members from its declarations. The language host and the Automation API use the
 * same functions to run a program in an isolated runtime and to wait for its registrations.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const state = require("@pulumi/pulumi/runtime/state") as {
    withLocalStorage<T>(callback: () => Promise<T>): Promise<T>;
    getStore(): {
        supportsSecrets: boolean;
        supportsResourceReferences: boolean;
        supportsOutputValues: boolean;
        supportsDeletedWith: boolean;
        supportsAliasSpecs: boolean;
        supportsParameterization: boolean;
        /** The engine service (`log`, `setRootResource`); unset under plain mocks, where log messages go to the console. */
        settings: { engine?: unknown };
    };
};
const settings = require("@pulumi/pulumi/runtime/settings") as {
    setMockOptions(monitor: unknown, project?: string, stack?: string, preview?: boolean, organization?: string): void;
    waitForRPCs(): Promise<void>;
};
const stack = require("@pulumi/pulumi/runtime/stack") as {
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
};

export const { withLocalStorage, getStore } = state;
export const { setMockOptions, waitForRPCs } = settings;
export const { runInPulumiStack } = stack;
