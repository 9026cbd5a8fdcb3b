/**
 * Small helpers for component arguments: merging defaults and checking values before `super()`,
 * each failure an `ArgumentError` that names the component and the argument's path.
 */
import { ArgumentError } from "./errors";
import { findKeyGuardProblem, type KeyGuard } from "./key-guard";

/** Drops keys whose value is `undefined`, so they do not override the defaults. */
export function withoutUndefined<T extends object>(obj: T): T {
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** How a value is shown in a message: strings quoted, everything else as written. */
export function describe(value: unknown): string {
    return typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) || (value !== null && typeof value === "object") ? JSON.stringify(value) : String(value);
}

/** Throws `ArgumentError`s for one component, e.g. `ManagedPostgres "orders"`. */
export class ArgChecker {
    constructor(readonly component: string) {}

    fail(argument: string, problem: string): never {
        throw new ArgumentError(this.component, argument, problem);
    }

    /** An optional integer in [min, max]. */
    int(argument: string, value: unknown, min: number, max: number): void {
        if (value === undefined) {
            return;
        }
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
            this.fail(argument, `must be an integer from ${min} to ${max} (got ${describe(value)})`);
        }
    }

    /** An optional value out of a fixed list. */
    oneOf(argument: string, value: unknown, allowed: readonly string[]): void {
        if (value !== undefined && !allowed.includes(value as string)) {
            this.fail(argument, `must be one of ${allowed.join(", ")} (got ${describe(value)})`);
        }
    }

    /** An optional string matching a pattern; `what` says what is allowed. */
    matches(argument: string, value: unknown, pattern: RegExp, what: string): void {
        if (value !== undefined && (typeof value !== "string" || !pattern.test(value))) {
            this.fail(argument, `must be ${what} (got ${describe(value)})`);
        }
    }

    /** A required argument. */
    required(argument: string, value: unknown, what: string): void {
        if (value === undefined || value === null || value === "") {
            this.fail(argument, `is required (${what})`);
        }
    }

    /** A KMS key ARN, when given as a plain string (an Output is checked by AWS). */
    kmsKeyArn(argument: string, value: unknown): void {
        if (typeof value === "string" && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(value)) {
            this.fail(argument, `must be a KMS key ARN such as arn:aws:kms:<region>:<account>:key/<key-id> (got ${describe(value)})`);
        }
    }

    /**
     * A data component's key options: `kmsKeyArn` (an existing key), or the key the component
     * creates, which alone may take a `keyGuard` (break-glass and deployer roles) and a
     * `backupAccountId` (the account AWS Backup copies to): a given key's policy is its owner's.
     */
    dataKey(args: { kmsKeyArn?: unknown; keyGuard?: KeyGuard; backupAccountId?: unknown }): void {
        this.kmsKeyArn("kmsKeyArn", args.kmsKeyArn);
        const keyGiven = args.kmsKeyArn !== undefined;
        if (args.keyGuard !== undefined) {
            if (keyGiven) {
                this.fail("keyGuard", "applies only to the key the component creates; guard the given kmsKeyArn's own key policy instead");
            }
            const problem = findKeyGuardProblem(args.keyGuard);
            if (problem) {
                this.fail(`keyGuard.${problem.argument}`, problem.problem);
            }
        }
        this.matches("backupAccountId", args.backupAccountId, /^\d{12}$/, "a 12-digit AWS account id");
        if (args.backupAccountId !== undefined && keyGiven) {
            this.fail("backupAccountId", "applies only to the key the component creates; share the given kmsKeyArn with the backup account in its own key policy");
        }
    }

    /**
     * The estate's backup bucket as a component takes it: present, with its name, ARN, KMS key ARN
     * and region. `fields` maps each part to the argument's own property name.
     */
    backupBucket(argument: string, value: unknown, fields: { name: string; arn: string; kmsKeyArn: string; region: string }): void {
        if (value === undefined || value === null) {
            this.fail(argument, `is required ({ ${Object.values(fields).join(", ")} }: the estate's backup bucket)`);
        }
        const bucket = value as Record<string, unknown>;
        const at = (part: keyof typeof fields) => `${argument}.${fields[part]}`;
        this.required(at("name"), bucket[fields.name], "the backup bucket's name");
        this.required(at("arn"), bucket[fields.arn], "the backup bucket's ARN");
        this.required(at("kmsKeyArn"), bucket[fields.kmsKeyArn], "the backup bucket's KMS key ARN");
        this.kmsKeyArn(at("kmsKeyArn"), bucket[fields.kmsKeyArn]);
        this.required(at("region"), bucket[fields.region], "the backup bucket's AWS region");
        this.matches(at("region"), bucket[fields.region], /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1");
    }

    /** Tags must not set keys the component owns. */
    noReservedTags(tags: Record<string, string> | undefined, reserved: readonly string[]): void {
        for (const key of reserved) {
            if (tags !== undefined && Object.prototype.hasOwnProperty.call(tags, key)) {
                this.fail(`tags["${key}"]`, "is reserved: the component sets it");
            }
        }
    }
}
