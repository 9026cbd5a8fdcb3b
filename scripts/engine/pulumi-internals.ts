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
/** The SDK's log module; its functions are looked up on this object at every call, in the SDK too. */
const log = require("@pulumi/pulumi/log") as { debug: (...args: unknown[]) => Promise<void> };

export const { withLocalStorage, getStore } = state;
export const { setMockOptions, waitForRPCs } = settings;
export const { runInPulumiStack } = stack;

/** The SDK's promise-leak tracker; SDK modules call it through this module object at every call. */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };

let leanUsers = 0;
let previousDebug: typeof log.debug;
let previousDebuggablePromise: typeof debuggable.debuggablePromise;
const dropDebug = () => Promise.resolve();
const untracked = <T>(p: Promise<T>): Promise<T> => p;

/**
 * Runs `fn` (a mock run) without two kinds of bookkeeping the SDK does for a real deployment and
 * nobody reads in an offline run:
 * - `debuggablePromise`: on every promise the SDK makes it records a stack trace (`new Error().stack`)
 *   and tracks the promise for a leak report printed at exit; here it passes the promise through
 *   (the promise settles the same way). Capturing and formatting those traces was a sixth of a
 *   check's time above the cost of loading the SDKs;
 * - debug messages, dropped as the CLI drops them by default: with an engine to receive
 *   diagnostics, the SDK would otherwise build and send, one after the other, the several debug
 *   messages it writes for every resource.
 * Stacks of real errors, and the ones the SDK takes for resources' source positions, are untouched.
 * Nested and concurrent runs share one installation.
 */
export async function withoutSdkBookkeeping<T>(fn: () => Promise<T>): Promise<T> {
    if (leanUsers++ === 0) {
        previousDebug = log.debug;
        log.debug = dropDebug;
        previousDebuggablePromise = debuggable.debuggablePromise;
        debuggable.debuggablePromise = untracked;
    }
    try {
        return await fn();
    } finally {
        if (--leanUsers === 0) {
            log.debug = previousDebug;
            debuggable.debuggablePromise = previousDebuggablePromise;
        }
    }
}
