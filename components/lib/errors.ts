import * as pulumi from "@pulumi/pulumi";

/**
 * A mistake in what a user gave the estate (stack config, component arguments). It extends
 * `pulumi.RunError`, so the Pulumi CLI prints only the message, never a stack trace; the offline
 * `plan`/`check` print the message and exit with code 2 (they treat every `RunError` that way).
 */
export class UserInputError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/** A component argument that is missing, out of range or in conflict with another. */
export class ArgumentError extends UserInputError {
    /**
     * @param component who complains, e.g. `BackupBucket "backups"`
     * @param argument the argument's path, e.g. `objectLock.days`
     * @param problem what is wrong and what is allowed, e.g. `must be an integer >= 1 (got 0)`
     */
    constructor(
        readonly component: string,
        readonly argument: string,
        problem: string,
    ) {
        super(`${component}: ${argument} ${problem}`);
    }
}
