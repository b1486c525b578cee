// Live: the SVP extension against checkpolicy. The plain policy.conf a platform policy desugars to
// (what `xsm compile --expand` prints) must be accepted by `checkpolicy -t Xen -c 30` and compile to
// the same matrix as our compiler makes of the platform syntax; the committed fixture must be fresh.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { desugarPlatforms, printPolicyConf } from "../../src/policy/svp.js";
import { PF_REMOVALS } from "../../src/hypervisor/types.js";
import { generateScenario } from "../../src/sim/generate.js";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { assertOracleAvailable, repoRoot, runTool } from "./harness.js";

let work: string;
beforeAll(async () => {
  await assertOracleAvailable();
  work = mkdtempSync(join(tmpdir(), "xsm-svp-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expand(text: string, file: string): string {
  const parsed = parsePolicy(text, file);
  expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const out = desugarPlatforms(parsed.ast);
  expect(out.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return printPolicyConf(out.ast);
}

async function oracleMatrix(text: string, name: string): Promise<string> {
  const path = join(work, name);
  writeFileSync(path, text);
  const r = await runTool("oracle-matrix", [path]);
  expect(r.code, r.stderr || r.stdout).toBe(0);
  return r.stdout.trim();
}

describe("SVP policies through checkpolicy", () => {
  it("accepts examples/svp/svp.conf expanded, with our matrix byte for byte", async () => {
    const text = readFileSync(join(repoRoot, "examples/svp/svp.conf"), "utf8");
    const oracle = await oracleMatrix(expand(text, "svp.conf"), "svp-expanded.conf");
    expect(compilePolicy(text, { file: "svp.conf" }).matrixJson().trim()).toBe(oracle);
    expect(oracle).toBe(readFileSync(join(repoRoot, "test/fixtures/sim/svp-expanded.matrix.json"), "utf8").trim());
  });

  it("accepts a generated SVP policy (3 guest platforms, 4 PFs x 16 VFs) expanded, with our matrix", async () => {
    const { policyText } = generateScenario({ platforms: 3, pfs: 4, vfsPerPf: 16, steps: 0 });
    const oracle = await oracleMatrix(expand(policyText, "gen.conf"), "gen-expanded.conf");
    expect(compilePolicy(policyText, { file: "gen.conf" }).matrixJson().trim()).toBe(oracle);
  });

  it("rejects, as we do, an expanded policy that breaks a platform's isolation", async () => {
    const text = readFileSync(join(repoRoot, "examples/svp/svp.conf"), "utf8") + "";
    const broken = text.replace("# Denials worth hearing about", "allow gvp1_hwdoms gvp2_pci_t:resource unplug;\n# Denials worth hearing about");
    const path = join(work, "broken.conf");
    writeFileSync(path, expand(broken, "broken.conf"));
    const r = await runTool("oracle-matrix", [path]);
    expect(r.code).toBe(3);
    expect(() => compilePolicy(broken, { file: "broken.conf" })).toThrow(/neverallow/);
  });

  it("decides every XSM check the examples make as oracle-decide does (constraints included)", async () => {
    const queries = new Map<string, { scontext: string; tcontext: string; tclass: string; perm: string; allowed: boolean }>();
    for (const name of ["nested-trust", "alejandro-authority", "jan-reassociate", "vf-before-pf-add-pf", "xen-4.19.0-vf-before-pf", "xen-4.19.0-pf-removal", "xsa-492-assign-order"]) {
      const loaded = loadScenario(join(repoRoot, "examples/svp", `${name}.json`));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
      const p = prepare(loaded.value);
      if (!p.ok) throw new Error(JSON.stringify(p.error));
      for (const strategy of PF_REMOVALS) {
        for (const step of runPrepared(p.value, { strategy }).steps) {
          for (const c of step.decisions) {
            if (c.scontext === undefined || c.tcontext === undefined || c.tclass === undefined || c.perm === undefined) continue;
            const q = { scontext: c.scontext, tcontext: c.tcontext, tclass: c.tclass, perm: c.perm };
            queries.set(JSON.stringify(q), { ...q, allowed: c.allowed });
          }
        }
      }
    }
    expect(queries.size).toBeGreaterThan(10);
    const list = [...queries.values()];
    const conf = join(work, "svp-decide.conf");
    writeFileSync(conf, expand(readFileSync(join(repoRoot, "examples/svp/svp.conf"), "utf8"), "svp.conf"));
    const qfile = join(work, "queries.json");
    writeFileSync(qfile, JSON.stringify(list.map(({ allowed: _a, ...q }) => q)));
    const r = await runTool("oracle-decide", [conf, qfile]);
    expect(r.code, r.stderr).toBe(0);
    const answers = JSON.parse(r.stdout) as { allowed: boolean }[];
    const mismatches = list.filter((q, i) => answers[i]!.allowed !== q.allowed);
    expect(mismatches).toEqual([]);
  });
});
