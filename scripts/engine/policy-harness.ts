/**
 * Evaluates CrossGuard policies over recorded registrations the way the policy analyzer server in
 * `@pulumi/policy` does (see its `server.js`: `makeAnalyzeRpcFun`, `makeAnalyzeStackRpcFun`):
 * props deserialized from the wire form with secrets unwrapped, wrapped in `unknownCheckingProxy`,
 * `stackTags`, `notApplicable`, `getConfig`, and an unknown value turning the violation into an
 * advisory "can't run during preview" note. Used by `check` and by every policy test.
 *
 * Remediations run first, as the engine runs them before it validates (`makeRemediateRpcFun`):
 * for every resource policy at level `remediate` that has `remediateResource`, on each resource's
 * inputs in pack order, each seeing the previous one's result. What they change is reported as a
 * remediation ("would remediate"), never as a failure, and the validations (resource and stack
 * policies) then see the remediated resource, as they would in a real preview or update.
 */
import type {
    EnforcementLevel,
    Policies,
    Policy,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { RecordedResource } from "./mock-engine";

/* eslint-disable @typescript-eslint/no-require-imports */
const { deserializeProperties, serializeProperties } = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: Struct, proxySecrets: boolean): Record<string, unknown>;
    serializeProperties(props: unknown): Promise<Record<string, unknown>>;
};
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(target: T): T;
    UnknownValueError: new (...args: never[]) => Error;
};
const { getPulumiType, isResourcePolicy, isStackPolicy } = require("@pulumi/policy/policy") as {
    getPulumiType(o: unknown): string | undefined;
    isResourcePolicy(p: Policy): p is ResourceValidationPolicy;
    isStackPolicy(p: Policy): p is StackValidationPolicy;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    urn?: string;
    message: string;
}

export interface NotApplicable {
    policy: string;
    /** The resource, for resource policies. */
    urn?: string;
    reason?: string;
}

/** A change a remediation policy makes to a resource's inputs (the engine applies it before validating). */
export interface Remediation {
    policy: string;
    severity?: Severity;
    urn: string;
    /** One entry per top-level input the remediation changed: `enableKeyRotation: not set -> true`. */
    changes: string[];
}

export interface PolicyRunOptions {
    /** The policy pack's own default enforcement level (`new PolicyPack(name, { enforcementLevel })`). */
    packEnforcementLevel?: EnforcementLevel;
    /** A `--policy-pack-config` document: `{ all?: level, "<policy>": level | { enforcementLevel, ...props } }`. */
    config?: PolicyPackConfig;
    stackTags?: ReadonlyMap<string, string>;
}

export interface PolicyReport {
    violations: Violation[];
    notApplicable: NotApplicable[];
    remediations: Remediation[];
}

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        // A signal, not a failure: thrown once per policy and resource it does not apply to (thousands
        // per check), so it skips capturing a stack trace nobody reads.
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        super(reason ?? "Policy does not apply");
        Error.stackTraceLimit = limit;
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** Splits a pack config entry into its enforcement level and the policy's own properties. */
function entryOf(config: PolicyPackConfig | undefined, key: string): { level?: EnforcementLevel; props: Record<string, unknown> } {
    const entry = config?.[key];
    if (entry === undefined) {
        return { props: {} };
    }
    if (typeof entry === "string") {
        return { level: entry, props: {} };
    }
    const { enforcementLevel, ...props } = entry as { enforcementLevel?: EnforcementLevel } & Record<string, unknown>;
    return { level: enforcementLevel, props };
}

/** The enforcement level the CLI resolves for a policy: its config entry, then `all`, then its own, then the pack's. */
export function enforcementOf(policy: Policy, opts: PolicyRunOptions): EnforcementLevel {
    return (
        entryOf(opts.config, policy.name).level ??
        entryOf(opts.config, "all").level ??
        policy.enforcementLevel ??
        opts.packEnforcementLevel ??
        "advisory"
    );
}

/** Resource policies see the inputs (AnalyzeRequest); stack policies the resulting state (AnalyzeStack). */
function propsOf(r: RecordedResource, view: "inputs" | "outputs"): Record<string, unknown> {
    const struct = view === "outputs" ? (r.outputs ?? r.inputs) : r.inputs;
    return proxy.unknownCheckingProxy(deserializeProperties(struct, false));
}

const optionsCache = new WeakMap<RecordedResource, PolicyResourceOptions>();

/** A resource's options as the analyzer reports them; one object per resource, every policy reads it. */
function optionsOf(r: RecordedResource): PolicyResourceOptions {
    let options = optionsCache.get(r);
    if (!options) {
        options = Object.freeze(buildOptions(r));
        optionsCache.set(r, options);
    }
    return options;
}

function buildOptions(r: RecordedResource): PolicyResourceOptions {
    return {
        protect: r.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = getPulumiType(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" ? isInstance({ __pulumiType: type }) : false;
}

/**
 * Runs every enabled policy: resource policies once per resource, stack policies once over all
 * resources. Returns violations in the order the engine would report them.
 */
export async function evaluatePolicies(
    policies: Policies,
    resources: RecordedResource[],
    opts: PolicyRunOptions = {},
): Promise<PolicyReport> {
    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];
    const remediations: Remediation[] = [];
    const stackTags = opts.stackTags ?? new Map<string, string>();

    const reporter = (policy: Policy, level: EnforcementLevel, defaultUrn?: string): ReportViolation => {
        return (message, urn) => {
            violations.push({
                policy: policy.name,
                enforcementLevel: level,
                severity: policy.severity,
                urn: urn ?? defaultUrn,
                message: message ? `${policy.description}\n${message}` : policy.description,
            });
        };
    };

    const settle = async (policy: Policy, run: () => unknown, urn?: string, what: "policy" | "remediation" = "policy"): Promise<void> => {
        try {
            await Promise.resolve(run());
        } catch (err) {
            if (err instanceof proxy.UnknownValueError) {
                violations.push({
                    policy: policy.name,
                    enforcementLevel: "advisory",
                    severity: policy.severity,
                    message: `can't run ${what} '${policy.name}' during preview: ${err.message}`,
                });
            } else if (err instanceof NotApplicableError) {
                notApplicable.push({ policy: policy.name, urn, reason: err.reason });
            } else {
                const reason = err instanceof Error ? err.message : String(err);
                const doing = what === "remediation" ? "remediating resource with remediation" : "validating resource with policy";
                throw new Error(`Error ${doing} '${policy.name}': ${reason}`, { cause: err });
            }
        }
    };

    // Like the CLI, fill in the `default`s the policy's configSchema declares for properties the config omits.
    const getConfigFor = (policy: Policy) => <T extends object>(): T => {
        const defaults: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema && typeof schema === "object" && "default" in schema) {
                defaults[key] = (schema as { default: unknown }).default;
            }
        }
        return { ...defaults, ...entryOf(opts.config, policy.name).props } as T;
    };

    const remediating = policies.filter(
        (p): p is ResourceValidationPolicy => isResourcePolicy(p) && typeof p.remediateResource === "function" && enforcementOf(p, opts) === "remediate",
    );
    if (remediating.length > 0) {
        const remediated: RecordedResource[] = [];
        for (const r of resources) {
            remediated.push(await remediateResource(r, remediating, { stackTags, getConfigFor, settle, remediations }));
        }
        resources = remediated;
    }

    for (const policy of policies) {
        let level = enforcementOf(policy, opts);
        if (level === "disabled") {
            continue;
        }
        if (level === "remediate") {
            level = "mandatory";
        }
        if (isResourcePolicy(policy)) {
            if (!policy.validateResource) {
                // A remediation-only policy: the analyzer reports it not applicable to every resource.
                continue;
            }
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            const onlyType = validations.length === 1 ? getPulumiType(validations[0]) : undefined;
            for (const r of resources) {
                if (onlyType && r.type !== onlyType) {
                    notApplicable.push({ policy: policy.name, urn: r.urn, reason: `Policy only applies to resources of type '${onlyType}'` });
                    continue;
                }
                for (const validation of validations) {
                    const args = withLazyProps<ResourceValidationArgs>(
                        {
                            type: r.type,
                            urn: r.urn,
                            name: r.name,
                            opts: optionsOf(r),
                            stackTags,
                            isType: (cls) => isTypeOf(r.type, cls),
                            getConfig: getConfigFor(policy),
                            notApplicable: throwNotApplicable,
                        },
                        r.type,
                        () => propsOf(r, "inputs"),
                    );
                    await settle(policy, () => validation(args, reporter(policy, level, r.urn)), r.urn);
                }
            }
        } else if (isStackPolicy(policy)) {
            const onlyType = getPulumiType(policy.validateStack);
            if (onlyType && !resources.some((r) => r.type === onlyType)) {
                notApplicable.push({ policy: policy.name, reason: `Policy only applies to resources of type '${onlyType}'` });
                continue;
            }
            await settle(policy, () => {
                const args: StackValidationArgs = {
                    resources: toPolicyResources(resources),
                    stackTags,
                    getConfig: getConfigFor(policy),
                    notApplicable: throwNotApplicable,
                };
                return policy.validateStack(args, reporter(policy, level));
            });
        }
    }
    return { violations, notApplicable, remediations };
}

interface RemediationContext {
    stackTags: ReadonlyMap<string, string>;
    getConfigFor: (policy: Policy) => ResourceValidationArgs["getConfig"];
    settle: (policy: Policy, run: () => unknown, urn?: string, what?: "policy" | "remediation") => Promise<void>;
    remediations: Remediation[];
}

/**
 * Runs the remediations on one resource's inputs as the analyzer's `Remediate` does (props with
 * secrets proxied, each policy seeing the previous result) and returns the resource with the
 * remediated inputs; changed inputs also replace the same keys of the provider's state, which is
 * what stack policies see.
 */
async function remediateResource(r: RecordedResource, policies: ResourceValidationPolicy[], ctx: RemediationContext): Promise<RecordedResource> {
    // A remediation written with remediateResourceOfType names its type: most resources have none
    // to run, and are passed on without decoding their inputs.
    const applicable = policies.filter((policy) => {
        const onlyType = getPulumiType(policy.remediateResource);
        return !onlyType || r.type === onlyType;
    });
    if (applicable.length === 0) {
        return r;
    }
    const original = r.inputs.toJavaScript() as Record<string, unknown>;
    let wire = original;
    let props = remediationProps(r);
    for (const policy of applicable) {
        const args = resourceArgs(r, { props, stackTags: ctx.stackTags, getConfig: ctx.getConfigFor(policy) });
        let result: Record<string, unknown> | undefined;
        await ctx.settle(
            policy,
            async () => {
                result = ((await Promise.resolve(policy.remediateResource!(args))) ?? undefined) as Record<string, unknown> | undefined;
            },
            r.urn,
            "remediation",
        );
        if (!result) {
            continue;
        }
        const next = withoutUndefined(await serializeProperties(result));
        const changes = changedKeys(wire, next).map((key) => `${key}: ${shownWire(wire[key])} -> ${shownWire(next[key])}`);
        if (changes.length > 0) {
            ctx.remediations.push({ policy: policy.name, severity: policy.severity, urn: r.urn, changes });
        }
        wire = next;
        props = result;
    }
    const changed = changedKeys(original, wire);
    if (changed.length === 0) {
        return r;
    }
    const patch = (struct: Struct) => {
        const state = { ...(struct.toJavaScript() as Record<string, unknown>) };
        for (const key of changed) {
            if (key in wire) {
                state[key] = wire[key];
            } else {
                delete state[key];
            }
        }
        return Struct.fromJavaScript(state as Parameters<typeof Struct.fromJavaScript>[0]);
    };
    return { ...r, inputs: Struct.fromJavaScript(wire as Parameters<typeof Struct.fromJavaScript>[0]), outputs: r.outputs ? patch(r.outputs) : undefined };
}

/** A resource's inputs as the analyzer's `Remediate` passes them: secrets kept as `Secret`s, unknowns checked. */
function remediationProps(r: RecordedResource): Record<string, unknown> {
    return proxy.unknownCheckingProxy(deserializeProperties(r.inputs, true));
}

/**
 * The arguments the analyzer gives a resource policy's `remediateResource` for a registration
 * (exported for tests that call a remediation directly). `props` defaults to the resource's inputs
 * as `Remediate` deserializes them; `getConfig` to no config.
 */
export function resourceArgs(
    r: RecordedResource,
    opts: { props?: Record<string, unknown>; stackTags?: ReadonlyMap<string, string>; getConfig?: ResourceValidationArgs["getConfig"] } = {},
): ResourceValidationArgs {
    const props = opts.props ?? remediationProps(r);
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props,
        opts: optionsOf(r),
        stackTags: opts.stackTags ?? new Map<string, string>(),
        isType: (cls) => isTypeOf(r.type, cls),
        asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: opts.getConfig ?? (<T extends object>() => ({}) as T),
        notApplicable: throwNotApplicable,
    };
}

function withoutUndefined(wire: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(wire).filter(([, v]) => v !== undefined));
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** A wire value for a message: `not set`, `[secret]`, or its JSON (shortened). */
function shownWire(value: unknown): string {
    if (value === undefined || value === null) {
        return "not set";
    }
    if (typeof value === "object" && SECRET_SIG in (value as Record<string, unknown>)) {
        return "[secret]";
    }
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * Defines `props` (and `asType`, which returns it) so the props are deserialized on first read, once
 * per policy and resource, as the analyzer deserializes them for each policy: a policy that looks at
 * the type and declares itself not applicable never pays for props it does not read.
 */
function withLazyProps<T extends { props: Record<string, unknown> }>(target: Omit<T, "props" | "asType">, type: string, load: () => Record<string, unknown>): T {
    let props: Record<string, unknown> | undefined;
    const get = () => (props ??= load());
    Object.defineProperty(target, "props", { get, enumerable: true, configurable: true });
    Object.defineProperty(target, "asType", { value: (cls: unknown) => (isTypeOf(type, cls) ? get() : undefined), enumerable: true });
    return target as T;
}

/** Builds the linked `PolicyResource` graph a stack policy receives (parent, dependencies by object). */
export function toPolicyResources(resources: RecordedResource[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const linked = resources.map((r) => {
        const resource = withLazyProps<PolicyResource>(
            {
                type: r.type,
                urn: r.urn,
                name: r.name,
                opts: optionsOf(r),
                dependencies: [],
                propertyDependencies: {},
                isType: (cls) => isTypeOf(r.type, cls),
            },
            r.type,
            () => propsOf(r, "outputs"),
        );
        byUrn.set(r.urn, resource);
        return { r, resource };
    });
    for (const { r, resource } of linked) {
        if (r.parent && byUrn.has(r.parent)) {
            resource.parent = byUrn.get(r.parent);
        }
        resource.dependencies = r.dependencies.flatMap((u) => byUrn.get(u) ?? []);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
            resource.propertyDependencies[key] = urns.flatMap((u) => byUrn.get(u) ?? []);
        }
    }
    return linked.map((l) => l.resource);
}

/** The wire form of an unknown value (what a real preview sends for a not-yet-known output). */
export { UNKNOWN_VALUE as UNKNOWN } from "./mock-engine";

/** Wraps a value the way the engine marks a secret on the wire. */
export function wireSecret(value: unknown): Record<string, unknown> {
    return { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value };
}

/** A resource for policy tests, shaped like a registration the engine received. */
export function fakeResource(spec: {
    type: string;
    name: string;
    props?: Record<string, unknown>;
    parent?: string;
    protect?: boolean;
    retainOnDelete?: boolean;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}): RecordedResource {
    const kind = spec.type === "pulumi:pulumi:Stack" ? spec.type : `pulumi:pulumi:Stack$${spec.type}`;
    return {
        urn: `urn:pulumi:test::estate::${kind}::${spec.name}`,
        type: spec.type,
        name: spec.name,
        parent: spec.parent,
        custom: !spec.type.startsWith("estate:"),
        protect: spec.protect ?? false,
        retainOnDelete: spec.retainOnDelete ?? false,
        inputs: Struct.fromJavaScript(JSON.parse(JSON.stringify(spec.props ?? {}))),
        dependencies: spec.dependencies ?? [],
        propertyDependencies: spec.propertyDependencies ?? {},
        aliases: [],
    };
}
