// Live: xsm search against sesearch on fresh gen-policy seeds (not the committed fixtures), the
// example policies and one medium seed. Every query of searchCases must print sesearch's lines.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePolicy } from "../../src/analysis/load.js";
import { expandPolicyText } from "../../src/policy/svp.js";
import { xsm } from "../cli/run.js";
import { batch, buildBinary, searchCases, sesearchArgs } from "./analysis-harness.js";
import { genPolicy } from "./harness.js";

async function compare(name: string, text: string, seed: number): Promise<number> {
  const ap = analyzePolicy(text, name);
  const plain = expandPolicyText(text, name).text!;
  const bin = await buildBinary(plain, name.replace(/\W/g, "_"));
  let n = 0;
  const cases = searchCases(ap, seed);
  const refs = await batch(cases.map((args) => ({ tool: "sesearch", args: [...sesearchArgs(args), bin] })));
  for (const [j, args] of cases.entries()) {
    const ref = refs[j]!;
    expect(ref.code, `sesearch ${args.join(" ")}`).toBe(0);
    const ours = await xsmSearch(name, text, args);
    expect(ours, `xsm search ${name} ${args.join(" ")}`).toBe(ref.stdout);
    n += ref.stdout.split("\n").length - 1;
  }
  return n;
}

/** Runs the CLI on the policy (fresh seeds are written to a temporary file first). */
async function xsmSearch(name: string, text: string, args: string[]): Promise<string> {
  let path = name;
  if (name.startsWith("seed")) {
    path = join(mkdtempSync(join(tmpdir(), "xsm-search-")), `${name}.conf`);
    writeFileSync(path, text);
  }
  const r = await xsm("search", path, ...args);
  expect(r.stderr).toBe("");
  return r.stdout;
}

describe("xsm search = sesearch (live)", () => {
  for (const seed of [7001, 7002, 7003, 7004, 7005, 7006]) {
    it(`fresh small seed ${seed}`, async () => {
      expect(await compare(`seed${seed}`, await genPolicy(seed, "small"), seed)).toBeGreaterThan(50);
    });
  }
  it("fresh medium seed 7101", async () => {
    expect(await compare("seed7101", await genPolicy(7101, "medium"), 7101)).toBeGreaterThan(1000);
  });
  for (const path of ["examples/xen-flask/policy.conf", "examples/svp/svp.conf"]) {
    it(path, async () => {
      expect(await compare(path, readFileSync(path, "utf8"), 3)).toBeGreaterThan(50);
    });
  }
});
