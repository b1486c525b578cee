// Where checkpolicy stops: every file of test/fixtures/first-error was run through `checkpolicy -t
// Xen -c 30` (with -M as well for the MLS ones; its verdict, line and message are in
// checkpolicy.json, re-checked live by test/oracle/first-error.test.ts), and xsm's first error must
// be in the statement checkpolicy's error names. checkpolicy gives the line its scanner is on (a
// statement's last token, or the token after it it had to read), xsm the offending token: the same
// statement is the first error at or before that line with no ';' between them. The files are the
// shapes the differential campaign of helper-80 minimised: statements out of checkpolicy's section
// order (policy_parse.y base_policy and mls), and errors of its first pass before a syntax error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { dir, recorded, sameStatement } from "./first-error.js";

describe("xsm's first error is where checkpolicy stops", () => {
  it("covers every file, both ways for the MLS ones", () => {
    expect(recorded.length).toBeGreaterThan(20);
  });
  for (const r of recorded) {
    it(`${r.file}${r.mls ? " -M" : ""}: checkpolicy ${r.verdict}s it${r.line === null ? "" : ` at line ${r.line}`} (${r.message ?? "no error"})`, () => {
      const text = readFileSync(join(dir, r.file), "utf8");
      const run = compile(text, { file: r.file, mls: r.mls });
      expect(run.ok ? "accept" : "reject").toBe(r.verdict);
      if (run.ok) return;
      const first = run.error.find((d) => d.severity === "error")!;
      if (r.line === null) {
        expect(first.message.toLowerCase()).toContain(r.message!.toLowerCase());
        return;
      }
      expect(first.span, first.message).toBeDefined();
      expect(sameStatement(text, first.span!.offset, r.line), `${first.span!.line}:${first.span!.col} ${first.message}`).toBe(true);
    });
  }
});
