// Differential test against checkpolicy, with the oracle's answers committed as fixtures
// (scripts/gen-oracle-fixtures.ts): every seed's matrix byte for byte, every query's decision with
// booleans at their defaults and with the seed's override, and every neverallow violation rejected.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decisionJson, parseQueries } from "../../src/cli/check.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { explainMismatch, fixtureDir, oracleNeverallow, seedName } from "../oracle/harness.js";

interface Manifest {
  seeds: { seed: number; size: string; bools: Record<string, boolean> }[];
  violations: { seed: number }[];
}

const manifest = JSON.parse(readFileSync(join(fixtureDir, "manifest.json"), "utf8")) as Manifest;
const read = (name: string) => readFileSync(join(fixtureDir, name), "utf8");

function decisions(policy: CompiledPolicy, queriesFile: string): string {
  const queries = parseQueries(JSON.parse(read(queriesFile)), queriesFile);
  return `[${queries.map((q) => decisionJson(policy.check(q.scontext, q.tcontext, q.tclass, q.perm))).join(",")}]\n`;
}

function expectSame(ours: string, oracle: string, what: string): void {
  if (ours !== oracle) expect.fail(`${what} differs from checkpolicy's: ${explainMismatch(ours, oracle)}`);
}

describe("fixtures", () => {
  it("cover 300 seeds and the neverallow violations", () => {
    expect(manifest.seeds.length).toBeGreaterThanOrEqual(300);
    expect(manifest.violations.length).toBeGreaterThan(0);
  });
});

describe.each(manifest.seeds)("gen-policy --seed $seed", ({ seed, bools }) => {
  const name = seedName(seed);
  const conf = read(`${name}.conf`);

  it("compiles to checkpolicy's matrix, byte for byte", () => {
    const json = compilePolicy(conf, { file: `${name}.conf` }).matrixJson();
    expectSame(json.endsWith("\n") ? json : `${json}\n`, read(`${name}.matrix.json`), "matrix");
  });

  it("decides every query as oracle-decide does, with default and overridden booleans", () => {
    const policy = compilePolicy(conf, { file: `${name}.conf` });
    expectSame(decisions(policy, `${name}.queries.json`), read(`${name}.decisions.json`), "decisions");
    expectSame(decisions(policy.withBooleans(bools), `${name}.queries.json`), read(`${name}.bool-decisions.json`), `decisions with ${JSON.stringify(bools)}`);
  });
});

describe.each(manifest.violations)("gen-policy --seed $seed --violate-neverallow", ({ seed }) => {
  it("is rejected with a neverallow diagnostic at checkpolicy's line, naming the violating types", () => {
    const name = `${seedName(seed)}.violate.conf`;
    const oracle = JSON.parse(read(`${seedName(seed)}.violate.oracle.json`)) as { ok: boolean; error: string };
    expect(oracle.ok).toBe(false);
    const expected = oracleNeverallow(oracle.error);
    expect(expected, oracle.error).toBeDefined();
    let thrown: unknown;
    try {
      compilePolicy(read(name), { file: name });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    const diags = (thrown as PolicyError).diagnostics.filter((d) => d.code === "neverallow");
    expect(diags.length).toBeGreaterThan(0);
    expect(diags.map((d) => d.span?.line)).toContain(expected!.line);
    const text = JSON.stringify(diags);
    expect(text).toContain(expected!.source);
    expect(text).toContain(expected!.target);
  });
});
