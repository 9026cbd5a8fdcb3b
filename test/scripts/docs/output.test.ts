/** The `npm run docs:* [-- --check]` behaviour every generated doc shares. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cell, writeOrCheck } from "../../../scripts/docs/output";

describe("writeOrCheck", () => {
    let dir: string;
    let stderr: string[];
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-output-"));
        stderr = [];
        vi.spyOn(process.stdout, "write").mockImplementation(() => true);
        vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    });
    afterEach(() => {
        vi.restoreAllMocks();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes the file, then --check passes; a stale or missing file makes --check exit 1 and leaves it alone", () => {
        expect(writeOrCheck(dir, "docs/x.md", "docs:x", ["--check"], () => "# x\n")).toBe(1);
        expect(fs.existsSync(path.join(dir, "docs/x.md"))).toBe(false);
        expect(writeOrCheck(dir, "docs/x.md", "docs:x", [], () => "# x\n")).toBe(0);
        expect(fs.readFileSync(path.join(dir, "docs/x.md"), "utf8")).toBe("# x\n");
        expect(writeOrCheck(dir, "docs/x.md", "docs:x", ["--check"], () => "# x\n")).toBe(0);
        expect(writeOrCheck(dir, "docs/x.md", "docs:x", ["--check"], () => "# y\n")).toBe(1);
        expect(stderr.join("")).toContain("docs/x.md is out of date: run npm run docs:x");
        expect(fs.readFileSync(path.join(dir, "docs/x.md"), "utf8")).toBe("# x\n");
    });

    it("exits 2 on an unknown argument", () => {
        expect(writeOrCheck(dir, "docs/x.md", "docs:x", ["--chek"], () => "# x\n")).toBe(2);
        expect(stderr.join("")).toContain('unknown argument "--chek"');
    });

    it("escapes table cells", () => {
        expect(cell("a | b\n c <name> `<code>` <= 1")).toBe("a \\| b c &lt;name> `<code>` <= 1");
    });
});
