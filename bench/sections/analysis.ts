// The analysis commands beside the tools they replace, one fresh process per run on the same
// files: `xsm search -A` on gen-policy large (policy.conf) against `sesearch -A` on the binary
// checkpolicy builds from it, and `xsm diff` of two large policies (seed 1 and a mutation of it)
// against `sediff` on their binaries (the sections xsm diff reports). Target: at most the tool's time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Budget, commandMs, have } from "../lib/measure.js";
import { nodeEnv } from "../lib/node-env.js";
import { ROOT } from "../lib/ours.js";
import { fmtMs, fmtRatio, type SectionResult, skipped, target } from "../lib/report.js";
import { SEDIFF_SECTIONS, mutatePolicy } from "../../test/oracle/analysis-harness.js";

export async function analysisSection(budget: Budget): Promise<SectionResult> {
  const title = "Analysis commands against setools (one process per run)";
  if (!have("checkpolicy") || !have("sesearch") || !have("sediff")) return skipped("analysis", title, "checkpolicy, sesearch or sediff not installed");
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-analysis-"));
  const gen = spawnSync(`${ROOT}test/oracle/tools/gen-policy`, ["--seed", "1", "--size", "large"], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (gen.status !== 0) return skipped("analysis", title, `gen-policy failed: ${gen.stderr}`);
  const a = join(dir, "large-1.conf");
  const b = join(dir, "large-1m.conf");
  writeFileSync(a, gen.stdout);
  writeFileSync(b, mutatePolicy(readFileSync(a, "utf8")));
  for (const f of [a, b]) {
    const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", f, "-o", f.replace(/\.conf$/, ".bin")], { encoding: "utf8" });
    if (r.status !== 0) return skipped("analysis", title, `checkpolicy failed on ${f}`);
  }
  const ab = a.replace(/\.conf$/, ".bin");
  const bb = b.replace(/\.conf$/, ".bin");
  const reps = Math.max(1, Math.min(budget.reps, 3));
  const xsm = (args: string[]) => commandMs(process.execPath, [`${ROOT}bin/xsm.cjs`, ...args], reps, nodeEnv());
  const cases: [string, ReturnType<typeof commandMs>, ReturnType<typeof commandMs>][] = [
    ["search -A, gen-policy large", xsm(["search", a, "-A"]), commandMs("sesearch", ["-A", ab], reps)],
    // xsm diff exits 1 when the policies differ, as they do here: only 2 is a failure
    ["diff, two gen-policy large", commandMs("sh", ["-c", `"${process.execPath}" "${ROOT}bin/xsm.cjs" diff "${a}" "${b}" >/dev/null; [ $? -le 1 ]`], reps, nodeEnv()), commandMs("sediff", [...SEDIFF_SECTIONS, ab, bb], reps)],
  ];
  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  const notes = [
    `median of ${reps} run(s) each; xsm reads policy.conf (and compiles it), the tools read checkpolicy's binary` +
      (nodeEnv() ? "; xsm without NODE_EXTRA_CA_CERTS (--keep-env keeps it)" : ""),
  ];
  for (const [name, ours, theirs] of cases) {
    const ms = (t: ReturnType<typeof commandMs>) => ("ms" in t ? t.ms : undefined);
    if ("error" in ours) notes.push(`${name}: xsm: ${ours.error}`);
    if ("error" in theirs) notes.push(`${name}: tool: ${theirs.error}`);
    const ratio = ms(ours) !== undefined && ms(theirs) !== undefined ? ms(ours)! / ms(theirs)! : undefined;
    rows.push([name, fmtMs(ms(ours)), fmtMs(ms(theirs)), fmtRatio(ratio), target("<= 1x", ratio === undefined ? undefined : ratio <= 1)]);
    data[name] = { xsmMs: ms(ours), toolMs: ms(theirs) };
  }
  return { id: "analysis", title, columns: ["case", "xsm", "setools", "xsm / setools", "target"], rows, notes, data };
}
