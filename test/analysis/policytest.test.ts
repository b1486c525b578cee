// `xsm test`'s decisions against the oracle: tests built from oracle-decide's answers (contexts,
// constraints included, default and non-default booleans) and from oracle-matrix's TE allow table
// (types) must all pass, and with every expectation flipped all fail. The fixtures are checkpolicy's
// and setools' answers on generated policies (test/fixtures/oracle, scripts/gen-oracle-fixtures.ts).
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyzePolicy } from "../../src/analysis/load.js";
import { TestRunner, testProblems, type PolicyTestCase, type PolicyTestFile } from "../../src/analysis/policytest.js";
import { validateTestFile } from "../../src/analysis/policytest-validate.js";
import { CoverageTracker, allowSites } from "../../src/analysis/coverage.js";

const dir = "test/fixtures/oracle";
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8")) as { seeds: { seed: number; bools: Record<string, boolean> }[] };
const seeds = manifest.seeds.slice(0, 6);
const read = (name: string) => JSON.parse(readFileSync(`${dir}/${name}`, "utf8")) as unknown;
const pad = (n: number) => String(n).padStart(3, "0");

interface Query {
  scontext: string;
  tcontext: string;
  tclass: string;
  perm: string;
}
interface Answer {
  allowed: boolean;
  error?: string;
}

function contextTests(queries: Query[], answers: Answer[], flip: boolean): PolicyTestCase[] {
  return queries.flatMap((q, i) => {
    const a = answers[i]!;
    if (a.error !== undefined) return [];
    return [{ scontext: q.scontext, tcontext: q.tcontext, class: q.tclass, perm: q.perm, expect: a.allowed !== flip ? "allowed" : "denied" } as PolicyTestCase];
  });
}

function runAll(conf: string, file: PolicyTestFile) {
  const ap = analyzePolicy(conf, "p.conf");
  expect(validateTestFile(JSON.parse(JSON.stringify(file))).ok).toBe(true);
  expect(testProblems(ap, file)).toEqual([]);
  return new TestRunner(ap).run(file);
}

describe("xsm test decides as oracle-decide and oracle-matrix", () => {
  for (const { seed, bools } of seeds) {
    const conf = readFileSync(`${dir}/seed-${pad(seed)}.conf`, "utf8");
    const queries = read(`seed-${pad(seed)}.queries.json`) as Query[];

    it(`seed ${seed}: context tests from oracle-decide pass, flipped they fail`, () => {
      for (const [answers, booleans] of [
        [read(`seed-${pad(seed)}.decisions.json`) as Answer[], undefined],
        [read(`seed-${pad(seed)}.bool-decisions.json`) as Answer[], bools],
      ] as const) {
        for (const flip of [false, true]) {
          const tests = contextTests(queries, answers, flip);
          expect(tests.length).toBeGreaterThan(10);
          const out = runAll(conf, { policy: "p.conf", ...(booleans ? { booleans } : {}), tests });
          expect(out.filter((o) => o.passed === flip)).toEqual([]);
        }
      }
    });

    it(`seed ${seed}: type tests from oracle-matrix pass`, () => {
      const m = read(`seed-${pad(seed)}.matrix.json`) as { types: string[]; classes: Record<string, string[]>; allow: Record<string, Record<string, Record<string, string[]>>> };
      const classes = Object.keys(m.classes).filter((c) => m.classes[c]!.length > 0);
      const ap = analyzePolicy(conf, "p.conf");
      const runner = new TestRunner(ap);
      fc.assert(
        fc.property(fc.constantFrom(...m.types), fc.constantFrom(...m.types), fc.constantFrom(...classes), fc.nat(), (s, t, c, n) => {
          const perms = m.classes[c]!;
          const perm = perms[n % perms.length]!;
          const allowed = (m.allow[s]?.[t]?.[c] ?? []).includes(perm);
          const [o] = runner.run({ policy: "p.conf", tests: [{ source: s, target: t, class: c, perm, expect: allowed ? "allowed" : "denied" }] });
          expect(o!.passed).toBe(true);
          // an allowed TE decision names a rule that grants it; a denied one names none enabled
          expect(o!.perms[0]!.reasons.some((r) => r.kind === "granted-by")).toBe(allowed);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("coverage", () => {
  it("a site is exercised exactly when a test's decision was granted by it", () => {
    const conf = readFileSync("test/fixtures/policytest/small.conf", "utf8");
    const ap = analyzePolicy(conf, "small.conf");
    const sites = allowSites(ap);
    expect(sites.map((s) => s.site.line)).toEqual([24, 25, 26, 28, 31]);
    const tracker = new CoverageTracker("small.conf", sites);
    const out = new TestRunner(ap).run({
      policy: "small.conf",
      tests: [{ source: "dom0_t", target: "nic_t", class: "resource", perm: "plug", expect: "allowed" }],
    });
    for (const o of out) for (const p of o.perms) for (const r of p.reasons) if (r.kind === "granted-by") tracker.hit(r.rule.span);
    expect(tracker.report()).toMatchObject({ total: 5, covered: 1, percent: 20 });
    expect(tracker.report().uncovered.map((s) => s.line)).toEqual([24, 25, 28, 31]);
  });
});
