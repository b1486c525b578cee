// The environment the bench's node processes run in. NODE_EXTRA_CA_CERTS names a PEM bundle that
// node (20) reads and parses at every start, before any script runs, whatever the script does
// (~45-50 ms for Debian's /etc/ssl/certs/ca-certificates.crt on the project's machine, about as much
// as the rest of node's start-up). It is a setting of the machine, not of xsm: checkpolicy does not
// read it, and a process row that kept it would charge xsm for it. So by default the rows that run
// `node` (xsm and `node -e 0`) run without it, and the notes say what it costs here, measured both
// ways; `npm run bench -- --keep-env` runs them in the environment as it is.
import { spawnSync } from "node:child_process";
import { commandMs, median, nowNs } from "./measure.js";

/** Wall ms of one run of a command. */
function timeOnce(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): number {
  const t0 = nowNs();
  spawnSync(cmd, args, { stdio: "ignore", env });
  return (nowNs() - t0) / 1e6;
}

export const CA_VAR = "NODE_EXTRA_CA_CERTS";

let keep = false;

/** `--keep-env`: run node processes in the bench's own environment, NODE_EXTRA_CA_CERTS included. */
export function setKeepEnv(value: boolean): void {
  keep = value;
}

/** The environment for a process row that runs node: the bench's, without NODE_EXTRA_CA_CERTS
 *  unless --keep-env (undefined: the bench's own environment, unchanged). */
export function nodeEnv(): NodeJS.ProcessEnv | undefined {
  if (keep || process.env[CA_VAR] === undefined) return undefined;
  const env = { ...process.env };
  delete env[CA_VAR];
  return env;
}

export interface CaCerts {
  /** The variable's value, when set. */
  file?: string;
  /** Whether the process rows ran with it (--keep-env). */
  kept: boolean;
  /** `node -e 0` with and without it (ms, median), when it is set. */
  withMs?: number;
  withoutMs?: number;
  /** The note for the tables. */
  note: string;
}

/** Measures what NODE_EXTRA_CA_CERTS costs every node start here, and says how the rows ran. */
export function caCertsCost(reps: number): CaCerts {
  const file = process.env[CA_VAR];
  if (file === undefined) return { kept: keep, note: `${CA_VAR} is not set: node processes run in the bench's environment as it is.` };
  const env = { ...process.env };
  delete env[CA_VAR];
  // the two in turn, one run each, so that a change of the machine's load hits both alike
  // (commandMs with no repetition: its warm-up run, and whether node runs at all)
  const ok = !("error" in commandMs(process.execPath, ["-e", "0"], 0)) && !("error" in commandMs(process.execPath, ["-e", "0"], 0, env));
  const withRuns: number[] = [], withoutRuns: number[] = [];
  for (let i = 0; ok && i < reps; i++) {
    withRuns.push(timeOnce(process.execPath, ["-e", "0"]));
    withoutRuns.push(timeOnce(process.execPath, ["-e", "0"], env));
  }
  const withMs = withRuns.length > 0 ? median(withRuns) : undefined;
  const withoutMs = withoutRuns.length > 0 ? median(withoutRuns) : undefined;
  const fmt = (x: number | undefined) => (x === undefined ? "n/a" : `${x.toFixed(1)} ms`);
  const diff = withMs !== undefined && withoutMs !== undefined ? withMs - withoutMs : undefined;
  const cost = diff === undefined ? "" : diff > 0 ? ` (+${diff.toFixed(1)} ms per start)` : ` (no cost measurable under this run's load: ${diff.toFixed(1)} ms)`;
  const how = keep
    ? `the node rows (xsm, node -e 0) ran WITH it (--keep-env), so each of them includes that cost.`
    : `the node rows (xsm, node -e 0) ran WITHOUT it (\`env -u ${CA_VAR}\`; --keep-env keeps it); checkpolicy does not read it.`;
  return {
    file,
    kept: keep,
    withMs,
    withoutMs,
    note: `${CA_VAR}=${file} is set: node parses that file at every start, \`node -e 0\` ${fmt(withMs)} with it, ${fmt(withoutMs)} without${cost}; ${how}`,
  };
}
