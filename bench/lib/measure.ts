// Timing primitives for npm run bench. Nanosecond figures come from loops that run a calibrated
// number of iterations (so one run lasts long enough for the clock to be meaningful), after a
// warm-up that lets V8 optimise the loop, and every loop folds its answers into a sink that is
// checked at the end, so the optimiser cannot drop the work it is supposed to time.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Budget {
  /** Time spent warming a loop up before measuring it. */
  warmupMs: number;
  /** Length each measured run aims for. */
  runMs: number;
  /** Measured runs; the median is reported. */
  runs: number;
  /** Repetitions of whole-program timings (compile, checkpolicy, simulator). */
  reps: number;
}

export const FULL: Budget = { warmupMs: 150, runMs: 60, runs: 9, reps: 5 };
export const QUICK: Budget = { warmupMs: 30, runMs: 15, runs: 3, reps: 1 };

let sinkValue = 0;
/** Folds a loop's result into a value the harness prints, so no loop's work is dead code. */
export function sink(value: number): void {
  sinkValue = (sinkValue + value) | 0;
}
export function sinkDigest(): number {
  return sinkValue;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** A loop under test: runs `n` iterations and returns something derived from every answer. */
export type Loop = (n: number) => number;

export interface NsResult {
  nsPerOp: number;
  iterations: number;
  runs: number[];
}

/** ns per iteration of `loop`: warm up, find an iteration count that fills budget.runMs, take the median run. */
export function measureNs(loop: Loop, budget: Budget): NsResult {
  let n = 64;
  const warmEnd = nowNs() + budget.warmupMs * 1e6;
  while (nowNs() < warmEnd) sink(loop(n));
  for (;;) {
    const t0 = nowNs();
    sink(loop(n));
    const elapsed = nowNs() - t0;
    if (elapsed >= budget.runMs * 1e6 || n >= 1 << 30) break;
    n = elapsed <= 0 ? n * 16 : Math.min(n * 16, Math.ceil((n * budget.runMs * 1e6) / elapsed));
  }
  const runs: number[] = [];
  for (let r = 0; r < budget.runs; r++) {
    const t0 = nowNs();
    sink(loop(n));
    runs.push((nowNs() - t0) / n);
  }
  return { nsPerOp: median(runs), iterations: n, runs };
}

/** Median wall time in ms of `fn` over `reps` runs, after `warm` unmeasured ones. */
export function measureMs(fn: () => unknown, reps: number, warm = 1): { ms: number; runs: number[] } {
  for (let i = 0; i < warm; i++) fn();
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = nowNs();
    fn();
    runs.push((nowNs() - t0) / 1e6);
  }
  return { ms: median(runs), runs };
}

/** hyperfine-like: median wall time of a command over `reps` runs (one warm-up), or undefined if it
 *  fails; `env` replaces the environment (bench/lib/node-env.ts: node rows without NODE_EXTRA_CA_CERTS). */
export function commandMs(cmd: string, args: readonly string[], reps: number, env?: NodeJS.ProcessEnv): { ms: number; runs: number[] } | { error: string } {
  return interleavedMs([{ cmd, args, env }], reps)[0]!;
}

/** A command for `interleavedMs`: what to run and its environment (undefined: the bench's own). */
export interface Timed {
  cmd: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** commandMs for several commands in turn, one run of each per round (after one warm-up round), so
 *  a change in the machine's load while the row is measured hits them alike and their ratio stays
 *  steady; each command's median, or the first failure. */
export function interleavedMs(commands: readonly Timed[], reps: number): ({ ms: number; runs: number[] } | { error: string })[] {
  const once = ({ cmd, args, env }: Timed): number | string => {
    const t0 = nowNs();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env });
    const ms = (nowNs() - t0) / 1e6;
    if (r.error) return r.error.message;
    if (r.status !== 0) return `${cmd} exited ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-1)[0]}`;
    return ms;
  };
  const runs: number[][] = commands.map(() => []);
  const failed: (string | undefined)[] = commands.map(() => undefined);
  for (let round = 0; round <= reps; round++) {
    commands.forEach((c, i) => {
      if (failed[i] !== undefined) return;
      const ms = once(c);
      if (typeof ms === "string") failed[i] = ms;
      else if (round > 0) runs[i]!.push(ms);
    });
  }
  return commands.map((_, i) => (failed[i] !== undefined ? { error: failed[i]! } : { ms: median(runs[i]!), runs: runs[i]! }));
}

/** Is `cmd` on PATH? */
export function have(cmd: string): boolean {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  return r.status === 0;
}

/** Peak RSS in KB of one run of a command (GNU time's %M), or undefined without /usr/bin/time. */
export function peakRssKb(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): number | undefined {
  return memoryOfRun(cmd, args, env)?.rssKb;
}

/** Peak RSS in KB and minor page faults of one run of a command (GNU time's %M and %R), or undefined
 *  without /usr/bin/time. Faults are the process's first touches of fresh memory: their count does
 *  not move with the machine's load, and on a VM each can cost ~20 µs (docs/performance.md), so a
 *  short run's wall time follows them more than its instructions. */
export function memoryOfRun(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): { rssKb: number; minorFaults: number } | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  const r = spawnSync("/usr/bin/time", ["-f", "%M %R", cmd, ...args], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env });
  const [kb, faults] = ((r.stderr ?? "").trim().split("\n").pop() ?? "").split(" ").map(Number);
  return r.status === 0 && Number.isFinite(kb) && Number.isFinite(faults) ? { rssKb: kb!, minorFaults: faults! } : undefined;
}
