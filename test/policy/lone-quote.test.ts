// A `"` where checkpolicy 3.4's scanner forms no quoted name: every policy of
// test/fixtures/lone-quote was run through `checkpolicy -t Xen -c 30` (checkpolicy.json, re-checked
// live by test/oracle/lone-quote.test.ts). policy_scan.l takes `"/..."` (QPATH) and `"NAME"`
// without '/' (FILENAME), each closed on its line; any other `"` meets its last rule: an
// 'unrecognized character' error, counted, the `"` skipped, the parse going on (so a later error of
// its first pass is reported too, and the policy is rejected at the end of that pass). xsm reports
// the first such `"` as `bad-character` and reads on the same way.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compile } from "../../src/policy/index.js";
import { recorded } from "./checkpolicy-runs.js";

const dir = "test/fixtures/lone-quote";

interface CheckpolicyError {
  line: number;
  message: string;
  token: string;
}

function errors(stderr: string): CheckpolicyError[] {
  return [...stderr.matchAll(/^[^\n]*?:(\d+):ERROR '([^\n]*)' at token '([^\n]*)' on line \d+:\n/gm)].map((m) => ({
    line: Number(m[1]),
    message: m[2]!,
    token: m[3]!,
  }));
}

/** The diagnostic code xsm gives what checkpolicy's message says. */
const CODES: Record<string, string> = {
  "unrecognized character": "bad-character",
  "syntax error": "syntax",
  "Duplicate declaration of type": "duplicate",
};

/** An error as "code line token"; checkpolicy names a duplicate at the `;` after the name, xsm at the
 *  name: its token is left out. */
function key(code: string, line: number | undefined, token: string): string {
  return code === "duplicate" ? `${code} ${line}` : `${code} ${line} ${token}`;
}

const ours = (d: Diagnostic, text: string) => key(d.code, d.span?.line, text.slice(d.span!.offset, d.span!.offset + d.span!.length));
const theirs = (e: CheckpolicyError) => key(CODES[e.message] ?? e.message, e.line, e.token);

describe("a '\"' that opens no quoted name, as checkpolicy reads it", () => {
  expect(recorded(dir).length).toBeGreaterThanOrEqual(18);
  for (const r of recorded(dir)) {
    const text = readFileSync(join(dir, r.file), "latin1");
    const expected = errors(r.stderr);
    it(`${r.file}: ${r.status === 0 ? "accepted" : expected.map(theirs).join(", ")}`, () => {
      const run = compile(text, { file: r.file });
      expect(run.ok).toBe(r.status === 0);
      if (run.ok) return;
      // every error checkpolicy reports, in its order, but for a stray character's repeats (xsm
      // reports the first of each kind); a syntax error's span is checkpolicy's token
      const distinct = expected.filter((e, i) => e.message !== "unrecognized character" || !expected.slice(0, i).some((x) => x.message === e.message));
      expect(run.error.filter((d) => d.severity === "error").map((d) => ours(d, text))).toEqual(distinct.map(theirs));
    });
  }

  it("says which quoted name the '\"' fails to open, and where", () => {
    const first = (file: string) => {
      const run = compile(readFileSync(join(dir, file), "latin1"), { file });
      return run.ok ? "" : `${run.error[0]!.span?.line}:${run.error[0]!.span?.col} ${run.error[0]!.message}`;
    };
    expect(first("unterminated-name.conf")).toMatch(/^6:25 a '"' with no closing '"' on its line: checkpolicy rejects it \('unrecognized character'\) and reads on after the '"'/);
    expect(first("empty-name.conf")).toMatch(/^6:25 an empty quoted name \('""'\)/);
    expect(first("slash-in-name.conf")).toMatch(/^6:25 a quoted name with a '\/' after its first character \('"a\/b"'\)/);
    expect(first("path-not-quoted-path.conf")).toBe(`9:15 expected a path in devicetreecon, found '"a"'`);
  });
});
