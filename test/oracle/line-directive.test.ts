// Live: checkpolicy's output on test/fixtures/line-directive (a `#line` directive followed by a CR
// or a blank, which its scanner reads as a comment) is still the one recorded in checkpolicy.json,
// which test/policy/line-directive.test.ts holds xsm to.
import { describe, expect, it } from "vitest";
import { recorded, runCheckpolicy } from "../policy/checkpolicy-runs.js";

const dir = "test/fixtures/line-directive";

describe("checkpolicy on the line-directive corpus", () => {
  it("prints what checkpolicy.json recorded", () => {
    const changed = recorded(dir).filter((r) => JSON.stringify(runCheckpolicy(dir, r.file)) !== JSON.stringify(r));
    expect(changed.map((r) => r.file)).toEqual([]);
  });
});
