// The library compiles a policy.conf's bytes as `xsm compile` and checkpolicy read them: the
// byte-level files of test/fixtures/accept-set (a byte-order mark, a carriage return, NUL, bytes
// that are not UTF-8, in a comment or not; checkpolicy's verdicts in checkpolicy.json, re-checked
// live by test/oracle/accept-set.test.ts) get the same verdict from compileBinaryPolicy and
// compilePolicy. (Both decoded bytes as strict UTF-8: a BOM was dropped and the policy accepted,
// a Latin-1 comment refused as 'not valid UTF-8'; helper-80's campaign.)
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinaryPolicy, compilePolicy } from "../../src/index.js";

const dir = "test/fixtures/accept-set";
const verdicts = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as Record<string, "accept" | "reject">;
const files = readdirSync(dir).filter((f) => f.endsWith(".bytes"));

const verdict = (f: () => unknown) => {
  try {
    f();
    return "accept";
  } catch {
    return "reject";
  }
};

describe("a policy.conf's bytes through the library, as checkpolicy reads them", () => {
  it("finds the byte-level files", () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(`${f}: checkpolicy ${verdicts[f]}s it`, () => {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      expect(verdict(() => compileBinaryPolicy(bytes, { file: f }))).toBe(verdicts[f]);
      expect(verdict(() => compilePolicy(bytes, { file: f }))).toBe(verdicts[f]);
    });
  }
});
