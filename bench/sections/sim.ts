// Section 5: the simulator on the generated scale scenario (src/sim/generate.ts): 8 guest
// platforms, 64 PFs x 64 VFs, 10k steps, under flask. Timed in stages: generate the scenario
// JSON, validate and prepare it (schema, contexts, policy compile), run every step once; and
// --compare's work, the seven strategies run on one preparation.
import { STRATEGIES } from "../../src/hypervisor/types.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Budget, commandMs, median, nowNs } from "../lib/measure.js";
import { nodeEnv } from "../lib/node-env.js";
import { isMissing, loadSim, ROOT } from "../lib/ours.js";
import { fmtMs, fmtRate, type SectionResult, target } from "../lib/report.js";

const OPTS = { platforms: 8, pfs: 64, vfsPerPf: 64, steps: 10_000 };

export async function simSection(budget: Budget): Promise<SectionResult> {
  const id = "sim", title = "5. Simulator: 8 guest platforms, 64 PFs x 64 VFs, 10k steps";
  const sim = await loadSim();
  if (isMissing(sim)) return { id, title, columns: [], rows: [], notes: [`skipped: ${sim.missing}`], data: { skipped: sim.missing } };
  const gens: number[] = [], preps: number[] = [], runs: number[] = [];
  let steps = 0;
  let summary: Record<string, number> = {};
  const reps = Math.max(1, budget.reps);
  for (let r = 0; r < reps + 1; r++) {
    let t0 = nowNs();
    const gen = sim.generateScenario(OPTS);
    const g = (nowNs() - t0) / 1e6;
    t0 = nowNs();
    const prepared = sim.prepareGenerated(gen);
    const p = (nowNs() - t0) / 1e6;
    t0 = nowNs();
    const result = sim.runPrepared(prepared, { trackPartial: true });
    const ms = (nowNs() - t0) / 1e6;
    steps = result.steps.length;
    summary = result.summary;
    if (r === 0) continue; // the first round warms the code up
    gens.push(g);
    preps.push(p);
    runs.push(ms);
  }
  const prepared = sim.prepareGenerated(sim.generateScenario(OPTS));
  let t0 = nowNs();
  for (const strategy of STRATEGIES) sim.runPrepared(prepared, { strategy, trackPartial: true });
  const compareMs = (nowNs() - t0) / 1e6;
  const g = median(gens), p = median(preps), r = median(runs);
  const total = p + r;
  // What a user waits for: the CLI in a fresh process (node and tsx start-up included), beside
  // the start-up alone (`xsm --help`).
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-sim-"));
  const gen = sim.generateScenario(OPTS) as { scenario: { policy?: string }; policyText: string };
  const file = join(dir, "scale.json");
  writeFileSync(file, JSON.stringify(gen.scenario));
  writeFileSync(join(dir, gen.scenario.policy ?? "generated-svp.conf"), gen.policyText);
  const cliReps = Math.max(1, Math.min(reps, 3));
  const bin = `${ROOT}bin/xsm.cjs`;
  const cli = commandMs(process.execPath, [bin, "simulate", file, "--json"], cliReps, nodeEnv());
  const startup = commandMs(process.execPath, [bin, "--help"], cliReps, nodeEnv());
  rmSync(dir, { recursive: true, force: true });
  const cliMs = "ms" in cli ? cli.ms : undefined, startupMs = "ms" in startup ? startup.ms : undefined;
  const rows = [
    ["generate scenario", fmtMs(g), "", ""],
    ["validate + prepare (schema, contexts, compile policy)", fmtMs(p), "", ""],
    [`run ${steps} steps`, fmtMs(r), fmtRate((steps / r) * 1000) + " steps", ""],
    ["prepare + run (what `xsm simulate` does)", fmtMs(total), "", target("< 1 s", total < 1000)],
    [`--compare: ${STRATEGIES.length} strategies on one preparation`, fmtMs(compareMs), "", ""],
    ["`xsm simulate FILE --json` as a fresh process", fmtMs(cliMs), "", ""],
    ["  of which process start-up (`xsm --help`)", fmtMs(startupMs), "", ""],
  ];
  return {
    id,
    title,
    columns: ["stage", "time", "rate", "target"],
    rows,
    notes: [
      `median of ${reps} rounds after a warm-up round; run summary: ${Object.entries(summary).map(([k, v]) => `${k} ${v}`).join(", ")}.`,
      `CLI rows: median of ${cliReps} fresh processes after a warm-up one (stdout discarded)${nodeEnv() ? ", without NODE_EXTRA_CA_CERTS (--keep-env keeps it; the compile section's notes say what it costs)" : ""}.`,
      ...("error" in cli ? [`xsm simulate failed: ${cli.error}`] : []),
    ],
    data: { steps, generateMs: g, prepareMs: p, runMs: r, totalMs: total, compareMs, cliMs, startupMs, summary },
  };
}
