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

let quietTraceUsers = 0;
let previousPrepareStackTrace: typeof Error.prepareStackTrace;

/**
 * Runs `fn` without formatting the stack traces the SDK's `debuggablePromise` records on every
 * promise it makes (`new Error().stack`, thousands per run, kept for a leak report the mock never
 * prints): formatting them was a sixth of a check's time above the cost of loading the SDKs. Every
 * other stack is formatted as V8 does (the SDK parses that format to find resources' source
 * positions). Nested and concurrent runs share one installation.
 */
export async function withoutPromiseDebugTraces<T>(fn: () => Promise<T>): Promise<T> {
    if (quietTraceUsers++ === 0) {
        previousPrepareStackTrace = Error.prepareStackTrace;
        Error.prepareStackTrace = (error, frames) => {
            if (frames[0]?.getFunctionName() === "debuggablePromise") {
                return "";
            }
            return previousPrepareStackTrace ? previousPrepareStackTrace(error, frames) : formatStack(error, frames);
        };
    }
    try {
        return await fn();
    } finally {
        if (--quietTraceUsers === 0) {
            Error.prepareStackTrace = previousPrepareStackTrace;
        }
    }
}

/** V8's own format: the error's string, then one `    at <frame>` line per frame. */
function formatStack(error: Error, frames: NodeJS.CallSite[]): string {
    return [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${frame.toString()}`)].join("\n");
}
