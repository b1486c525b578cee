// Differential fuzzing in `npm run test:oracle`: mutants of the committed policies (a fixed seed),
// each compiled by xsm and by checkpolicy. Any accept/reject difference that is not xsm's own
// documented limit fails the test, with the mutant minimized and written to
// test-results/fuzz-differences/. (`npm run fuzz -- --oracle --count N` runs the same at length.)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSeeds } from "../fuzz/corpus.js";
import { runCase } from "../fuzz/harness.js";
import { mutatePolicy, Rng } from "../fuzz/mutate.js";
import { checkpolicyAccepts, compare, minimize } from "../fuzz/oracle.js";

const COUNT = Number(process.env.XSM_FUZZ_COUNT ?? 300);
const SEED = Number(process.env.XSM_FUZZ_SEED ?? 20261201);

describe("xsm and checkpolicy accept the same mutants", () => {
  it(`${COUNT} mutants, seed ${SEED}`, () => {
    const seeds = readSeeds();
    const rng = new Rng(SEED);
    const out = "test-results/fuzz-differences";
    const differences: string[] = [];
    let agree = 0;
    for (let i = 0; i < COUNT; i++) {
      const mutant = mutatePolicy(rng.pick(seeds).text, rng);
      const x = runCase(mutant.bytes, "m.conf", false);
      expect(x.crash, `mutant ${i}`).toBeUndefined();
      const cp = checkpolicyAccepts(mutant.bytes);
      const how = compare(x, cp);
      if (how === "agree") agree++;
      if (how !== "differ") continue;
      mkdirSync(out, { recursive: true });
      const file = join(out, `seed-${SEED}-mutant-${i}.conf`);
      writeFileSync(file, minimize(mutant.bytes));
      differences.push(`${file}: xsm ${x.verdict}s, checkpolicy ${cp ? "accepts" : "rejects"} (${mutant.ops.join(", ")})`);
    }
    expect(differences).toEqual([]);
    expect(agree).toBeGreaterThan(COUNT * 0.9);
  });
});
