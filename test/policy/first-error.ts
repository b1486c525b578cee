// The first-error corpus (test/fixtures/first-error): checkpolicy's recorded runs, and when an error
// of xsm's is in the statement checkpolicy's error names. Shared by test/policy/first-error.test.ts
// and the live test/oracle/first-error.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const dir = "test/fixtures/first-error";

export interface FirstError {
  file: string;
  mls: boolean;
  verdict: "accept" | "reject";
  /** The physical line checkpolicy's error names ('on line N'), when it names one. */
  line: number | null;
  message: string | null;
}

export const recorded = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as FirstError[];

/** Whether an error at `offset` is in the statement checkpolicy's error at physical `line` names. */
export function sameStatement(text: string, offset: number, line: number): boolean {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  const from = starts[line - 1] ?? text.length;
  const to = starts[line] ?? text.length + 1;
  if (offset >= to) return false; // after it
  if (offset >= from) return true; // on it
  return !text.slice(offset + 1, from).replace(/#[^\n]*/g, "").includes(";");
}
