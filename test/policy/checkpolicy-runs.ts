// A corpus of policies with checkpolicy's output on each recorded byte for byte (its directory's
// checkpolicy.json, written by scripts/gen-checkpolicy-runs.ts): test/fixtures/neverallow-order and
// test/fixtures/line-directive. The tests under test/policy hold xsm to the record; the live ones
// under test/oracle check the record is still what checkpolicy prints.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Recorded {
  file: string;
  /** checkpolicy's exit status. */
  status: number;
  /** Its stderr, byte for byte. */
  stderr: string;
}

export function recorded(dir: string): Recorded[] {
  return JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as Recorded[];
}

/** `checkpolicy -t Xen -c 30 -o /dev/null FILE` in the file's directory, as recorded. */
export function runCheckpolicy(directory: string, file: string): Recorded {
  const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", "/dev/null", file], { cwd: directory, encoding: "latin1", timeout: 120_000 });
  if (r.error) throw new Error(`checkpolicy does not run (apt-get install checkpolicy): ${r.error.message}`);
  return { file, status: r.status ?? -1, stderr: r.stderr };
}
