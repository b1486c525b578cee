// Where checkpolicy places an error after a `#line` directive that does not end its line (a CR, a
// blank): every policy of test/fixtures/line-directive was run through `checkpolicy -t Xen -c 30`
// (checkpolicy.json, re-checked live by test/oracle/line-directive.test.ts). Its scanner reads such
// a line as a comment, so the lines after it keep their numbers; xsm's error must name the file and
// line checkpolicy's "FILE:LINE:ERROR" names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { recorded } from "./checkpolicy-runs.js";

const dir = "test/fixtures/line-directive";

/** checkpolicy's errors: source file, source line and message. */
function errors(stderr: string): { file: string; line: number; message: string }[] {
  return [...stderr.matchAll(/^(.*?):(\d+):ERROR '(.*)' at token/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), message: m[3]! }));
}

describe("an error after a #line directive checkpolicy ignores", () => {
  for (const r of recorded(dir)) {
    const theirs = errors(r.stderr);
    it(`${r.file}: checkpolicy's first error is at ${theirs[0]!.file}:${theirs[0]!.line}`, () => {
      const run = compile(readFileSync(join(dir, r.file), "utf8"), { file: r.file });
      expect(run.ok).toBe(false);
      if (run.ok) return;
      const first = run.error.find((d) => d.severity === "error")!;
      expect(`${first.span?.file}:${first.span?.line}`, first.message).toBe(`${theirs[0]!.file}:${theirs[0]!.line}`);
      // and the duplicate declaration after the directive, where xsm goes on to report it
      const dup = theirs.find((e) => e.message === "Duplicate declaration of type");
      const ours = run.error.find((d) => d.code === "duplicate");
      if (dup && ours) expect(`${ours.span?.file}:${ours.span?.line}`).toBe(`${dup.file}:${dup.line}`);
    });
  }
});
