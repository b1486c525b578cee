// Live: gen-policy --violate-neverallow policies (the violating rule sometimes inside a conditional
// that is never true) are rejected by checkpolicy and by us, at the same neverallow.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import { assertOracleAvailable, genPolicy, oracleNeverallow, runTool } from "./harness.js";

let tmp: string;
beforeAll(async () => {
  await assertOracleAvailable();
  tmp = mkdtempSync(join(tmpdir(), "xsm-never-"));
});

const seeds = Array.from({ length: 15 }, (_, i) => 301 + i);

describe("neverallow violations are rejected by both", () => {
  it.each(seeds)("gen-policy --seed %i --violate-neverallow", async (seed) => {
    const conf = await genPolicy(seed, "small", true);
    const name = `violate-${seed}.conf`;
    writeFileSync(join(tmp, name), conf);
    const oracle = await runTool("oracle-matrix", [name], tmp);
    expect(oracle.code).toBe(3);
    const expected = oracleNeverallow((JSON.parse(oracle.stdout) as { error: string }).error);
    expect(expected, oracle.stdout).toBeDefined();

    let thrown: unknown;
    try {
      compilePolicy(conf, { file: name });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    const diags = (thrown as PolicyError).diagnostics.filter((d) => d.code === "neverallow");
    expect(diags.map((d) => d.span?.line)).toContain(expected!.line);
    expect(JSON.stringify(diags)).toContain(expected!.source);
  });
});
