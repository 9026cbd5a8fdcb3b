/**
 * What every `npm run docs:*` command does with the Markdown its generator renders: write it, or with
 * `--check` only report (exit 1) whether the committed file differs. User errors (a bad argument, a
 * schema key without a description) print one line and exit 2, without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserInputError } from "../../components/lib/errors";

/** A Markdown table cell: pipes escaped, no line breaks, `<` escaped outside code spans where it could open an HTML tag. */
export function cell(text: string): string {
    return text
        .replace(/\s*\n\s*/g, " ")
        .split("`")
        .map((part, i) => (i % 2 === 0 ? part.replace(/<(?=[A-Za-z/!?])/g, "&lt;") : part))
        .join("`")
        .replace(/\|/g, "\\|");
}

/**
 * Writes `file` (relative to `root`) with what `render` returns, or with `--check` compares them.
 * `script` is the npm script that regenerates it, for the messages.
 */
export function writeOrCheck(root: string, file: string, script: string, argv: string[], render: () => string): number {
    try {
        const unknown = argv.filter((a) => a !== "--check");
        if (unknown.length > 0) {
            throw new UserInputError(`unknown argument ${JSON.stringify(unknown[0])}\nusage: npm run ${script} [-- --check]`);
        }
        const wanted = render();
        const target = path.join(root, file);
        if (argv.includes("--check")) {
            const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
            if (current !== wanted) {
                process.stderr.write(`${file} is out of date: run npm run ${script}\n`);
                return 1;
            }
            process.stdout.write(`${file} is up to date\n`);
            return 0;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, wanted);
        process.stdout.write(`wrote ${file}\n`);
        return 0;
    } catch (err) {
        if (pulumi.RunError.isInstance(err)) {
            process.stderr.write(`error: ${(err as Error).message}\n`);
            return 2;
        }
        throw err;
    }
}
