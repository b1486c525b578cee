// Records seinfo's and sesearch's answers on the committed MLS binaries (and the plain ones with
// validatetrans) for test/analysis/mls.test.ts, so `npm test` needs only Node: for each policy of
// test/fixtures/mls and test/fixtures/validatetrans, the questions of test/oracle/mls-analysis.ts
// and setools' stdout on checkpolicy's binary beside it. Needs Debian's setools.
// Run: npx tsx scripts/gen-mls-analysis-fixtures.ts
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzePolicy } from "../src/analysis/load.js";
import { repoRoot } from "../test/oracle/harness.js";
import { mlsAnalysisCases, sediffFlags, type MlsAnalysisFixture as Fixture } from "../test/oracle/mls-analysis.js";
import { spawnSync } from "node:child_process";

const out: Fixture[] = [];
const dirs = ["test/fixtures/mls", "test/fixtures/validatetrans"];
let seed = 0;
for (const dir of dirs) {
  for (const f of readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith(".conf")).sort()) {
    const policy = `${dir}/${f}`;
    const binary = policy.replace(/\.conf$/, ".bin");
    const mls = dir.endsWith("mls") || f.startsWith("mls-");
    const ap = analyzePolicy(readFileSync(join(repoRoot, policy), "utf8"), policy, { mls });
    for (const c of mlsAnalysisCases(ap, ++seed)) {
      const argv = c.tool === "seinfo" ? [join(repoRoot, binary), ...c.args] : [...c.args, join(repoRoot, binary)];
      const stdout = execFileSync(c.tool, argv, { encoding: "utf8" });
      out.push({ policy, binary, mls, tool: c.tool, args: c.args, stdout });
    }
  }
}
writeFileSync(join(repoRoot, "test/fixtures/analysis/mls.json"), `${JSON.stringify(out, null, 1)}\n`);
console.log(`${out.length} answers recorded`);

// sediff on pairs: MLS against MLS (levels, categories, sensitivities, users' ranges,
// range_transition, MLS constraints and validatetrans), and plain ones with validatetrans
const PAIRS: [string, string, boolean][] = [
  ["test/fixtures/validatetrans/mls-seed-1", "test/fixtures/validatetrans/mls-seed-2", true],
  ["test/fixtures/validatetrans/mls-seed-3", "test/fixtures/validatetrans/mls-seed-1", true],
  ["test/fixtures/mls/seed-1", "test/fixtures/mls/seed-2", true],
  ["test/fixtures/mls/devices", "test/fixtures/mls/seed-3", true],
  ["test/fixtures/mls/seed-4", "test/fixtures/mls/devices", true],
  ["test/fixtures/validatetrans/seed-1", "test/fixtures/validatetrans/seed-2", false],
];
const diffs = PAIRS.map(([a, b, mls]) => {
  // sediff exits 0 whether or not the policies differ; its report is the answer
  const r = spawnSync("sediff", [...sediffFlags(mls), join(repoRoot, `${a}.bin`), join(repoRoot, `${b}.bin`)], { encoding: "utf8" });
  return { old: a, new: b, mls, stdout: r.stdout };
});
writeFileSync(join(repoRoot, "test/fixtures/analysis/mls-diff.json"), `${JSON.stringify(diffs, null, 1)}\n`);
console.log(`${diffs.length} sediff reports recorded`);
