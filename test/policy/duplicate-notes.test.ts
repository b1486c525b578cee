// A name declared twice (class, common, permission, access vector, initial SID, type, attribute,
// alias, boolean, role attribute) is an error at the second declaration with a note at the first:
// "first declared here" (a class's permission its common gives: the common's; a role statement
// naming a role attribute: where it was declared one). The message stays the compiler's, and
// checkpolicy rejects each file at the same line (test/fixtures/duplicates/checkpolicy.json,
// recorded from `checkpolicy -t Xen -c 30` and re-checked live by test/oracle/duplicate-notes.test.ts).
// `xsm compile --format json`, `xsm lint` and the language server carry the note as they carry
// every note; a role or user declared again is no duplicate: checkpolicy merges them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { xsm } from "../cli/run.js";
import { inProcess, repoRoot } from "../lsp/client.js";

const dir = "test/fixtures/duplicates";
const recorded = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as { file: string; line: number; message: string }[];

/** Each file: its first declaration's line and column, and the note's words. */
const FIRST: Record<string, [number, number, string]> = {
  "access-vector.conf": [3, 7, "first defined here"],
  "alias.conf": [4, 16, "first declared here"],
  "attribute.conf": [4, 11, "first declared here"],
  "bool.conf": [5, 6, "first declared here"],
  "class-perm.conf": [3, 17, "first declared here"],
  "class.conf": [1, 7, "first declared here"],
  "common-perm.conf": [3, 16, "first declared here"],
  "common.conf": [3, 8, "first declared here"],
  "inherited-perm.conf": [3, 24, "inherited from common basic, declared here"],
  "role-attribute.conf": [5, 16, "first declared here"],
  "role-named-as-role-attribute.conf": [5, 16, "guest_roles is declared a role attribute here"],
  "sid.conf": [2, 5, "first declared here"],
  "type-named-as-attribute.conf": [4, 11, "first declared here"],
  "type.conf": [4, 6, "first declared here"],
};

describe("a duplicate declaration notes the first", () => {
  it("every file of the corpus is listed", () => {
    expect(recorded.map((r) => r.file).sort()).toEqual(Object.keys(FIRST).sort());
  });

  for (const r of recorded) {
    it(`${r.file}: at checkpolicy's line ${r.line} ('${r.message}'), the note at the first`, () => {
      const file = join(dir, r.file);
      const run = compile(readFileSync(file, "utf8"), { file });
      expect(run.ok).toBe(false);
      if (run.ok) return;
      // (the first error: a later statement may trip over the name too)
      const d = run.error.find((x) => x.severity === "error")!;
      expect(d.code).toBe("duplicate");
      expect(d.span?.line).toBe(r.line);
      const [line, col, words] = FIRST[r.file]!;
      expect(d.notes).toEqual([{ message: words, span: expect.objectContaining({ file, line, col }) }]);
    });
  }

  it("xsm compile --format json and xsm lint carry the note", async () => {
    const file = `${dir}/type.conf`;
    for (const args of [["compile", file, "--format", "json"], ["lint", file, "--format", "json"]]) {
      const r = await xsm(...args);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { diagnostics: { message: string; line: number; notes: { message: string; file: string; line: number; column: number }[] }[] };
      expect(doc.diagnostics.map((d) => [d.line, d.message, d.notes])).toEqual([[6, "duplicate declaration of type t", [{ message: "first declared here", file, line: 4, column: 6, endLine: 4, endColumn: 7 }]]]);
    }
  });

  it("the language server gives it as related information", async () => {
    const path = join(repoRoot, dir, "bool.conf");
    const uri = pathToFileURL(path).href;
    const c = await inProcess({ debounceMs: 20 });
    try {
      const published = c.diagnostics(uri);
      await c.open(uri, readFileSync(path, "utf8"));
      const [d] = (await published).diagnostics.filter((x) => x.code === "duplicate");
      expect(d?.range.start).toEqual({ line: 5, character: 5 });
      expect(d?.relatedInformation).toEqual([{ location: { uri, range: { start: { line: 4, character: 5 }, end: { line: 4, character: 10 } } }, message: "first declared here" }]);
    } finally {
      await c.close();
    }
  });

  it("a role or a user declared again is no duplicate (checkpolicy merges them)", () => {
    const text = "class process\nsid kernel\nclass process { fork }\ntype t;\nrole r;\nrole r types t;\nuser u roles r;\nuser u roles object_r;\nsid kernel u:r:t\n";
    expect(compile(text, { file: "merge.conf" }).ok).toBe(true);
  });
});
