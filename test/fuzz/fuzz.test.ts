// The fuzzer in `npm test`: a fixed seed and a small count, so every run checks the same mutants of
// the committed policies and the same generated policies. No case may crash (an exception that is
// not a PolicyError: exit 70 in the CLI), take long, or report a span outside the file or ending
// before it starts. `npm run fuzz -- --count N --seed S` runs the same for as long as wanted.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { policyText } from "./arbitrary.js";
import { readSeeds } from "./corpus.js";
import { runCase } from "./harness.js";
import { binarySeeds, mutateBinary, runBinary } from "./binary.js";
import { mutatePolicy, Rng } from "./mutate.js";
import { mutateScenario, runScenarioFile, scenarioDir, scenarioSeeds } from "./scenario.js";
import { cpuTimed } from "../cpu.js";

const SEED = 20261201;

describe("fuzzing the compiler", () => {
  it("mutants of the committed policies: no crash, no slow case, every span inside the file", () => {
    const seeds = readSeeds();
    const rng = new Rng(SEED);
    const verdicts = { accept: 0, reject: 0, warned: 0 };
    for (let i = 0; i < 150; i++) {
      const seed = seeds[rng.int(seeds.length)]!;
      const mutant = mutatePolicy(seed.text, rng);
      const [r, ms] = cpuTimed(() => runCase(mutant.bytes));
      const what = `mutant ${i} of ${seed.file} (${mutant.ops.join(", ")})`;
      expect(r.crash, what).toBeUndefined();
      expect(r.badSpans, what).toEqual([]);
      expect(ms, what).toBeLessThan(10_000);
      verdicts[r.verdict]++;
    }
    // the mutator must reach both sides of the accept set
    expect(verdicts.accept).toBeGreaterThan(5);
    expect(verdicts.reject).toBeGreaterThan(5);
  }, 300_000);

  it("generated policies: no crash, every span inside the file", () => {
    fc.assert(
      fc.property(policyText, (text) => {
        const r = runCase(Buffer.from(text));
        expect(r.crash).toBeUndefined();
        expect(r.badSpans).toEqual([]);
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 300_000);

  it("mutant scenario files: refused or run, never a crash", () => {
    const dir = scenarioDir();
    const docs = scenarioSeeds();
    const rng = new Rng(SEED);
    for (let i = 0; i < 40; i++) {
      const m = mutateScenario(rng.pick(docs), rng);
      const file = join(dir, "s.json");
      writeFileSync(file, m.text);
      expect(() => runScenarioFile(file), `scenario mutant ${i} (${m.ops.join(", ")})`).not.toThrow();
    }
  }, 300_000);

  it("mutant binary policies: read or refused with an offset, never a crash or a long stall", () => {
    const seeds = binarySeeds();
    const rng = new Rng(SEED);
    const verdicts = { accept: 0, reject: 0 };
    for (let i = 0; i < 200; i++) {
      const seed = seeds[rng.int(seeds.length)]!;
      const m = mutateBinary(seed.bytes, rng);
      const [verdict, ms] = cpuTimed(() => runBinary(m.bytes));
      verdicts[verdict]++;
      expect(ms, `binary mutant ${i} of ${seed.file} (${m.ops.join(", ")})`).toBeLessThan(10_000);
    }
    expect(verdicts.reject).toBeGreaterThan(50);
    expect(verdicts.accept).toBeGreaterThan(0);
  }, 300_000);
});
