// Live: checkpolicy's output on test/fixtures/neverallow-order is still the one recorded in
// checkpolicy.json (which test/policy/neverallow-order.test.ts holds xsm to), and on gen-policy's
// --violate-neverallow policies xsm's neverallow errors are checkpolicy's report lines, in its
// order (the last neverallow first; within one, avtab_map order of libsepol's values), up to the
// 20 shown per neverallow, with the same total; and so on Xen's example policy given neverallows
// that its own allow rules break (widened to `*` on one side: hundreds of reports in hash order).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { byNeverallow, checkpolicyReports, dir, xsmReports } from "../policy/neverallow-order.js";
import { recorded, runCheckpolicy } from "../policy/checkpolicy-runs.js";
import { assertOracleAvailable, genPolicy, type Size } from "./harness.js";
import { Rng } from "../fuzz/mutate.js";

let tmp: string;
beforeAll(async () => {
  await assertOracleAvailable();
  tmp = mkdtempSync(join(tmpdir(), "xsm-never-order-"));
});

describe("checkpolicy on the neverallow-order corpus", () => {
  it("prints what checkpolicy.json recorded", () => {
    const runs = recorded(dir);
    const changed = runs.filter((r) => JSON.stringify(runCheckpolicy(dir, r.file)) !== JSON.stringify(r));
    expect(changed.map((r) => r.file)).toEqual([]);
  });
});

const cases: [number, Size][] = [
  ...Array.from({ length: 12 }, (_, i): [number, Size] => [401 + i, "small"]),
  ...Array.from({ length: 6 }, (_, i): [number, Size] => [501 + i, "medium"]),
];

function sameReports(conf: string, file: string): void {
    writeFileSync(join(tmp, file), conf);
    const cp = runCheckpolicy(tmp, file);
    const theirs = checkpolicyReports(cp.stderr);
    const run = compile(conf, { file });
    expect(run.ok, cp.stderr).toBe(cp.status === 0);
    if (run.ok) return;
    if (/bounds_check_types/.test(cp.stderr)) return expect(run.error[0]!.code).toBe("bounds");
    expect(theirs.total, cp.stderr).toBeGreaterThan(0);
    const ours = xsmReports(conf, run.error);
    expect(ours.total).toBe(theirs.total);
    const want = byNeverallow(theirs.reports);
    const got = byNeverallow(ours.reports);
    expect(got.map(([line]) => line)).toEqual(want.map(([line]) => line));
    got.forEach(([, shown], i) => expect(shown).toEqual(want[i]![1].slice(0, 20)));
}

describe("gen-policy --violate-neverallow", () => {
  it.each(cases)("seed %i (%s): xsm's neverallow errors are checkpolicy's lines in its order", async (seed, size) => {
    sameReports(await genPolicy(seed, size, true), `violate-${seed}.conf`);
  });
});

describe("Xen's example policy with neverallows its allow rules break", () => {
  const lines = readFileSync("examples/xen-flask/policy.conf", "utf8").split("\n");
  const allows = lines.filter((l) => /^allow \S+ \S+:\S+ [^{]*;$|^allow \S+ \S+:\S+ \{[^}]*\};$/.test(l));
  // after the policy's own neverallows: still the TE section
  const at = lines.map((l) => l.startsWith("neverallow")).lastIndexOf(true) + 1;
  it.each(Array.from({ length: 8 }, (_, i) => i))("mutant %i", (i) => {
    const rng = new Rng(20261203 + i);
    const added = Array.from({ length: 1 + rng.int(3) }, () => {
      const [, s, t, rest] = /^allow (\S+) (\S+)(:.*)$/.exec(allows[rng.int(allows.length)]!)!;
      const shape = rng.int(3);
      return `neverallow ${shape === 1 ? "*" : s} ${shape === 2 ? "*" : t}${rest}`;
    });
    expect(allows.length).toBeGreaterThan(10);
    sameReports([...lines.slice(0, at), ...added, ...lines.slice(at)].join("\n"), `xen-mutant-${i}.conf`);
  });
});
