// An attribute with no types as sesearch's -s, -t or -D criterion: setools' TERuleQuery tests the
// criterion's truth before matching (`if self.source and not match_indirect_regex(...)`), and an
// attribute with no member is false, so the criterion is ignored, -ds/-dt included; a regular
// expression (-rs) is a pattern, not the attribute, and matches names as usual. The expected
// outputs are sesearch 4.4.1's on checkpolicy's binary of empty-attr.conf.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const policy = "test/fixtures/analysis/empty-attr.conf";
const cases = JSON.parse(readFileSync("test/fixtures/analysis/empty-attr.sesearch.json", "utf8")) as { args: string[]; code: number; stdout: string }[];

describe("xsm search with an empty attribute as criterion = sesearch", () => {
  for (const c of cases) {
    it(c.args.join(" "), async () => {
      const r = await xsm("search", policy, ...c.args);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: c.code, stdout: c.stdout, stderr: "" });
    });
  }
  it("the criterion being ignored is what sesearch prints without it", async () => {
    expect((await xsm("search", policy, "-A", "-s", "empty_attr")).stdout).toBe((await xsm("search", policy, "-A")).stdout);
  });
});
