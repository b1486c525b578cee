// Where checkpolicy places an error after each form of `#line` directive: every policy of
// test/fixtures/line-directive was run through `checkpolicy -t Xen -c 30` (checkpolicy.json,
// re-checked live by test/oracle/line-directive.test.ts). Its scanner honours `#line N` and
// `#line 1 "file"` one space apart, ending their line, wherever a comment may start; anything else is
// a comment. xsm's errors must name the file and line checkpolicy's "FILE:LINE:ERROR" names, but
// for the differences src/policy/lines.ts keeps on purpose, listed below: xsm reads `#line` as m4
// means it and checkpolicy 3.10 reads it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { LineMap } from "../../src/policy/lines.js";
import { recorded } from "./checkpolicy-runs.js";

const dir = "test/fixtures/line-directive";

/** Fixtures whose errors follow `#line 1 "file"`: checkpolicy 3.4 numbers the line after it 2, xsm
 *  1 (as the C preprocessor, m4 and checkpolicy 3.10 do). */
const AFTER_FILE_ONE = new Set(["file-one.conf", "after-statement-file.conf", "quotes-in-name.conf", "number-then-file.conf", "empty-name-then-file.conf", "blank-name.conf", "quote-name.conf"]);
/** Fixtures with `#line N "file"` for N other than a literal 1, a comment to checkpolicy 3.4 (it
 *  names the file before with its own count): xsm, as m4 means it and checkpolicy 3.10 reads it,
 *  names `file` from line N on, from physical line `from`. */
const NAMED: Record<string, { file: string; line: number; from: number }> = {
  "file-not-one.conf": { file: "x.te", line: 40, from: 5 },
  "file-zero-one.conf": { file: "x.te", line: 1, from: 5 },
  "file-then-file-not-one.conf": { file: "y.te", line: 40, from: 6 },
};
/** Fixtures whose directive checkpolicy's counter wraps on: xsm warns and leaves it unapplied. */
const UNFOLLOWED = new Set(["zero.conf", "too-big.conf"]);

interface CheckpolicyError {
  /** "" where checkpolicy names no source: "(unknown source)::" (`#line 1 ""`). */
  file: string;
  /** undefined with no source. */
  line: number | undefined;
  message: string;
  /** The physical line its scanner was on. */
  physical: number;
}

/** checkpolicy's errors: source file, source line, message and physical line. */
function errors(stderr: string): CheckpolicyError[] {
  return [...stderr.matchAll(/^(?:\(unknown source\):|([^\n]*?):(\d+)):ERROR '([^\n]*)' at token [^\n]* on line (\d+):\n/gm)].map((m) => ({
    file: m[1] ?? "",
    line: m[2] === undefined ? undefined : Number(m[2]),
    message: m[3]!,
    physical: Number(m[4]),
  }));
}

/** What xsm should name where checkpolicy names `e`: after `#line 1 ""` checkpolicy names no source
 *  ("(unknown source)::" and the physical line), xsm the physical place in the file it reads. */
function expected(file: string, e: CheckpolicyError): string {
  const named = NAMED[file];
  if (named !== undefined && e.physical >= named.from) return `${named.file}:${named.line + e.physical - named.from}`;
  if (e.line === undefined) return `${file}:${e.physical}`;
  return `${e.file}:${AFTER_FILE_ONE.has(file) ? e.line - 1 : e.line}`;
}

function located(span: { file: string; line: number } | undefined): string {
  return `${span?.file}:${span?.line}`;
}

describe("an error after a #line directive", () => {
  for (const r of recorded(dir)) {
    const theirs = errors(r.stderr);
    if (UNFOLLOWED.has(r.file)) continue;
    const text = readFileSync(join(dir, r.file), "latin1");
    it(`${r.file}: checkpolicy's first error is at ${theirs[0]!.file}:${theirs[0]!.line}`, () => {
      const run = compile(text, { file: r.file });
      expect(run.ok).toBe(false);
      if (run.ok) return;
      const first = run.error.find((d) => d.severity === "error")!;
      expect(located(first.span), first.message).toBe(expected(r.file, theirs[0]!));
      // and the duplicate declaration after the directive, where xsm goes on to report it
      const dup = theirs.find((e) => e.message === "Duplicate declaration of type");
      const ours = run.error.find((d) => d.code === "duplicate");
      if (dup && ours) expect(located(ours.span)).toBe(expected(r.file, dup));
    });
    it(`${r.file}: each line checkpolicy names an error on maps as it numbers it`, () => {
      const lines = new LineMap(text, r.file);
      const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
      for (const e of theirs) expect(located(lines.position(starts[e.physical - 1]!)), `physical line ${e.physical}`).toBe(expected(r.file, e));
    });
  }
});

describe("a #line directive checkpolicy's line counter wraps on", () => {
  for (const r of recorded(dir).filter((r) => UNFOLLOWED.has(r.file))) {
    const theirs = errors(r.stderr);
    // (checkpolicy's number is past a JS number's exact range: compared as its digits)
    const number = /^.*?:(\d+):ERROR/m.exec(r.stderr)![1]!;
    it(`${r.file}: a warning at it names checkpolicy's line ${number}, and the lines after keep their numbers`, () => {
      const text = readFileSync(join(dir, r.file), "latin1");
      const run = compile(text, { file: r.file });
      expect(run.ok).toBe(false);
      if (run.ok) return;
      const warned = run.error.filter((d) => d.code === "line-directive");
      expect(warned.map((d) => `${d.span?.file}:${d.span?.line}`)).toEqual([`${r.file}:4`]);
      expect(warned[0]!.message).toContain(` ${number},`);
      const dup = theirs.find((e) => e.message === "Duplicate declaration of type")!;
      const ours = run.error.find((d) => d.code === "duplicate");
      expect(`${ours?.span?.file}:${ours?.span?.line}`).toBe(`${r.file}:${dup.physical}`);
    });
  }
});
