// Live: checkpolicy's output on test/fixtures/line-directive is still the one recorded in
// checkpolicy.json, which test/policy/line-directive.test.ts holds xsm to: a policy with a
// duplicate declaration after each form of `#line` directive. Honoured: `#line N` and `#line 1 "x.te"`
// one space apart, ending their line, after blanks (a form feed too) or a statement, or after a
// quoted name holding a `#`. Comments: a tab or two spaces, `#line 40 "x.te"`, `#line 01 "x.te"`,
// a directive followed by a blank or a CR, or inside a comment. Also `#line 0` and a number past
// ULONG_MAX (the counter stays at ULONG_MAX), a name with quotes and an empty one.
import { describe, expect, it } from "vitest";
import { recorded, runCheckpolicy } from "../policy/checkpolicy-runs.js";

const dir = "test/fixtures/line-directive";

describe("checkpolicy on the line-directive corpus", () => {
  it("prints what checkpolicy.json recorded, for every form", () => {
    expect(recorded(dir).length).toBeGreaterThanOrEqual(25);
    const changed = recorded(dir).filter((r) => JSON.stringify(runCheckpolicy(dir, r.file)) !== JSON.stringify(r));
    expect(changed.map((r) => r.file)).toEqual([]);
  });
});
