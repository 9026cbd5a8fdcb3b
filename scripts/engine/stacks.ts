/**
 * The stacks of a project: one per `Pulumi.<stack>.yaml` file next to its `Pulumi.yaml`, the way
 * the Pulumi CLI finds a stack's config. Nothing else lists them: adding a stack is adding its file.
 */
import * as fs from "node:fs";

/** The names of the stacks with a config file in `dir`, sorted. */
export function stackNames(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
        .sort();
}
