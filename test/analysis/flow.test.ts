// xsm flow against seinfoflow's recorded answers (scripts/gen-flow-fixtures.ts): the example
// policies under the Xen map and gen-policy seeds under random maps, every question of flowCases.
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { repoRoot } from "../oracle/analysis-harness.js";
import { readFlowFixtures } from "./flow-cases.js";
import { join } from "node:path";

const fixtures = readFlowFixtures(repoRoot);
const byPolicy = new Map<string, typeof fixtures>();
for (const f of fixtures) byPolicy.set(`${f.policy} ${f.map}`, [...(byPolicy.get(`${f.policy} ${f.map}`) ?? []), f]);

describe("xsm flow = seinfoflow (recorded)", () => {
  for (const [key, cases] of byPolicy) {
    it(key, async () => {
      for (const f of cases) {
        const r = await xsm("flow", join(repoRoot, f.policy), "-m", join(repoRoot, f.map), ...f.args);
        expect(r.code, `${f.policy} ${f.args.join(" ")}: ${r.stderr}`).toBe(f.code);
        expect(r.stdout, `xsm flow ${f.policy} -m ${f.map} ${f.args.join(" ")}`).toBe(f.stdout);
      }
    });
  }
  it("covers every question kind", () => {
    const args = fixtures.map((f) => f.args.join(" "));
    for (const flag of ["-S", "-A", "--full", "--stats", "-b default", "-l"]) expect(args.some((a) => a.includes(flag)), flag).toBe(true);
    expect(fixtures.filter((f) => /^Flow \d/m.test(f.stdout)).length).toBeGreaterThan(fixtures.length / 2);
  });
});
