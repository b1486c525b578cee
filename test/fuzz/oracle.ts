// Differential fuzzing against checkpolicy: its accept/reject verdict on a mutant, and a mutant
// minimized (ddmin over lines) while xsm and checkpolicy still disagree on it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCase, type CaseResult } from "./harness.js";

const scratch = mkdtempSync(join(tmpdir(), "xsm-fuzz-oracle-"));

export function checkpolicyAccepts(bytes: Uint8Array): boolean {
  const f = join(scratch, `m${process.pid}.conf`);
  writeFileSync(f, bytes);
  const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", "/dev/null", f], { timeout: 60_000 });
  if (r.error) throw new Error(`checkpolicy does not run (apt-get install checkpolicy): ${r.error.message}`);
  return r.status === 0;
}

/** How xsm's verdict compares with checkpolicy's: the same; different only by xsm's own
 *  documented limit (nesting, operators); or different. A warned file counts as a rejection. */
export function compare(x: CaseResult, checkpolicy: boolean): "agree" | "own-limit" | "differ" {
  const xsmAccepts = x.verdict === "accept";
  if (xsmAccepts === checkpolicy) return "agree";
  return x.ownLimit && checkpolicy ? "own-limit" : "differ";
}

function disagrees(bytes: Uint8Array): boolean {
  const x = runCase(bytes, "m.conf", false);
  return x.crash === undefined && compare(x, checkpolicyAccepts(bytes)) === "differ";
}

/** The mutant cut down, line chunks at a time, while the difference stays (at most `budget` runs). */
export function minimize(bytes: Uint8Array, budget = 300): Uint8Array {
  let lines = Buffer.from(bytes).toString("latin1").split("\n");
  const enc = (ls: string[]) => Buffer.from(ls.join("\n"), "latin1");
  for (let chunk = Math.ceil(lines.length / 2); chunk >= 1 && budget > 0; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i < lines.length && budget > 0; ) {
      const trial = [...lines.slice(0, i), ...lines.slice(i + chunk)];
      budget--;
      if (trial.length > 0 && disagrees(enc(trial))) lines = trial;
      else i += chunk;
    }
  }
  return enc(lines);
}
