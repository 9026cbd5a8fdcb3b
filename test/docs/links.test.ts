/**
 * The README is the front door and stays short; the docs it links to, and the links between docs,
 * resolve. A relative link names a file of the repository (and, into Markdown, a heading or an
 * explicit anchor of that file); nothing is skipped, so a doc that another generator writes must be
 * committed before a link to it passes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

/** README.md and every Markdown file under docs/ (runbooks included). */
function markdownFiles(): string[] {
    const out = ["README.md"];
    const walk = (dir: string): void => {
        for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = path.posix.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(rel);
            } else if (entry.name.endsWith(".md")) {
                out.push(rel);
            }
        }
    };
    walk("docs");
    return out.sort();
}

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(markdown: string): string {
    return markdown
        .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
        .replace(/(`+)[^`\n]*?\1/g, "");
}

/** Link targets: inline `[text](target)` and `![alt](target)`, reference definitions, HTML href/src. */
export function linkTargets(markdown: string): string[] {
    const text = prose(markdown);
    const targets: string[] = [];
    for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
        targets.push(m[1].replace(/^<|>$/g, ""));
    }
    for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*(\S+)/gm)) {
        targets.push(m[1].replace(/^<|>$/g, ""));
    }
    for (const m of text.matchAll(/\b(?:href|src)="([^"]+)"/g)) {
        targets.push(m[1]);
    }
    return targets;
}

/** GitHub's anchors for a Markdown file: one per heading (slugged, duplicates numbered) and explicit ids. */
export function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
    for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
        const base = m[1]
            .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
            .replace(/<[^>]+>/g, "")
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) {
        out.add(m[1]);
    }
    return out;
}

/** Why a relative link from `file` does not resolve, or undefined when it does (or is not relative). */
function brokenLink(file: string, target: string): string | undefined {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) {
        return undefined; // a URL (https:, mailto:): not a file of the repository
    }
    const [rawPath, fragment] = target.split("#", 2) as [string, string | undefined];
    const filePath = decodeURIComponent(rawPath);
    const resolved = filePath === "" ? path.join(root, file) : path.resolve(root, path.dirname(file), filePath);
    if (!resolved.startsWith(root + path.sep) && resolved !== root) {
        return `${target}: outside the repository`;
    }
    if (!fs.existsSync(resolved)) {
        return `${target}: no such file (${path.relative(root, resolved)})`;
    }
    if (fragment !== undefined && fragment !== "" && resolved.endsWith(".md") && !/^L\d+/.test(fragment)) {
        if (!anchors(fs.readFileSync(resolved, "utf8")).has(decodeURIComponent(fragment))) {
            return `${target}: ${path.relative(root, resolved)} has no heading or anchor #${fragment}`;
        }
    }
    return undefined;
}

describe("README.md", () => {
    it("fits on a screen or two: at most 300 lines", () => {
        const lines = fs.readFileSync(path.join(root, "README.md"), "utf8").replace(/\n$/, "").split("\n");
        expect(lines.length, "README.md is the front door; reference and operations belong in docs/").toBeLessThanOrEqual(300);
    });

    it("keeps the two commands of the quick start", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        expect(readme).toContain('npx -y -p node@"$(cat .node-version)" -- npm ci && npm run -s check -- --stack dev');
        expect(readme).toContain("bash .ci/run");
        expect(readme).toMatch(/`tests: N passed, 0 failed, 0 skipped`/);
    });
});

/** A line that sends an npm script's JSON to a pipe or a file without `-s`: npm's banner would come first. */
export function pipesNoisyJson(line: string): boolean {
    return /npm run (?!-s |--silent )\S+ .*--(json|format json)\b[^[\]]*\s[|>]\s/.test(line);
}

describe("JSON through npm in README.md and docs/", () => {
    it.each(markdownFiles())("%s pipes JSON only from npm run -s", (file) => {
        const noisy = fs.readFileSync(path.join(root, file), "utf8").split("\n").filter(pipesNoisyJson);
        expect(noisy, `${file}: npm run prints its banner on stdout before the JSON; use npm run -s`).toEqual([]);
    });

    it("tells a noisy pipe from a silent one and from a usage line", () => {
        expect(pipesNoisyJson("npm run outputs -- --stack prod --app web --format json | jq .database.host")).toBe(true);
        expect(pipesNoisyJson("npm run plan -- --stack dev --json > plan.json")).toBe(true);
        expect(pipesNoisyJson("npm run -s plan -- --stack dev --json > plan.json")).toBe(false);
        expect(pipesNoisyJson("npm run --silent check -- --stack dev --json > check.json")).toBe(false);
        expect(pipesNoisyJson("npm run check -- --stack <name> [--json] [--preview] [--policy-config <file>]")).toBe(false);
    });
});

describe("links in README.md and docs/", () => {
    const files = markdownFiles();

    it("finds the documents", () => {
        expect(files).toContain("README.md");
        expect(files.filter((f) => f.startsWith("docs/")).length).toBeGreaterThan(5);
    });

    it.each(files)("every relative link in %s resolves to a file and, into Markdown, to an anchor", (file) => {
        const markdown = fs.readFileSync(path.join(root, file), "utf8");
        const broken = linkTargets(markdown)
            .map((t) => brokenLink(file, t))
            .filter((b): b is string => b !== undefined);
        expect(broken, `${file}:\n  ${broken.join("\n  ")}`).toEqual([]);
    });

    it("the link reader sees inline, reference and HTML links, not code, and slugs headings as GitHub does", () => {
        const sample = [
            "See [a](docs/a.md#x-y) and ![p](docs/p.svg \"title\").",
            "`[not](a link)` and",
            "```sh",
            "[no](link.md)",
            "```",
            "[ref]: docs/ref.md",
            '<img src="docs/i.svg">',
        ].join("\n");
        expect(linkTargets(sample)).toEqual(["docs/a.md#x-y", "docs/p.svg", "docs/ref.md", "docs/i.svg"]);
        expect([...anchors("# Quick start\n## The CronJobs (`BackupJobs`, `estate:backup:BackupJobs`)\n## Quick start\n")]).toEqual([
            "quick-start",
            "the-cronjobs-backupjobs-estatebackupbackupjobs",
            "quick-start-1",
        ]);
    });
});
