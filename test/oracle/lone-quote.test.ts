// Live: checkpolicy's output on test/fixtures/lone-quote is still the one recorded in
// checkpolicy.json, which test/policy/lone-quote.test.ts holds xsm to: a `"` that opens no quoted
// name (no closing quote on its line, `""`, a '/' after the first character) is an 'unrecognized
// character' that checkpolicy's scanner reports and skips, its parser reading on; `"NAME"` and
// `"/PATH"` are tokens, a syntax error where the grammar takes neither.
import { describe, expect, it } from "vitest";
import { recorded, runCheckpolicy } from "../policy/checkpolicy-runs.js";

const dir = "test/fixtures/lone-quote";

describe("checkpolicy on the lone-quote corpus", () => {
  it("prints what checkpolicy.json recorded, for every policy", () => {
    expect(recorded(dir).length).toBeGreaterThanOrEqual(18);
    const changed = recorded(dir).filter((r) => JSON.stringify(runCheckpolicy(dir, r.file)) !== JSON.stringify(r));
    expect(changed.map((r) => r.file)).toEqual([]);
  });
});
