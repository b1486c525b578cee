// Ctrl-C (SIGINT), a kill (SIGTERM) or a closed terminal or ssh session (SIGHUP) while a command
// writes its outputs: node's default ends the process on the spot, leaving the temporary files
// beside the targets (`policy.bin.xsm-PID-0.tmp`). While files are staged, a handler holds the three
// signals: it removes what was staged, then ends the process by the same signal, so a shell sees
// 128+N (130, 143, 129) and bash, which stops a script only when its child died of SIGINT, stops it. JavaScript runs a handler only between tasks, so a
// signal that comes during a synchronous step (a write, the renames) is taken when that step is
// over; holdSignals lets the event loop take it before the handler goes.
// (process.on for a signal loads node's signal_wrap binding, no module: a compile loads none after
// bin/xsm.cjs sets --no-opt, test/cli/bin.test.ts.)
import { rmSync, unlinkSync } from "node:fs";

/** What a held signal removes: a temporary file (or, `dir`, a staging directory). */
export interface Staged {
  add(path: string, dir?: boolean): void;
  /** No longer to be removed: renamed into place, removed already, or kept on purpose. */
  delete(path: string): void;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const NUMBER: Record<(typeof SIGNALS)[number], number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
/** Every path the holders staged, and whether it is a directory. */
const staged = new Map<string, boolean>();
let holders = 0;

/** Removes every file the holders staged: the process is about to end, by a signal or because its
 *  standard output failed other than by a closed pipe (stdout.ts), so no rename will follow. */
export function removeStaged(): void {
  for (const [path, dir] of staged) {
    try {
      if (dir) rmSync(path, { recursive: true, force: true });
      else unlinkSync(path);
    } catch {
      // (gone already, or not ours to remove: nothing more to do on the way out)
    }
  }
  staged.clear();
}

function onSignal(signal: (typeof SIGNALS)[number]): void {
  removeStaged();
  for (const s of SIGNALS) process.off(s, onSignal);
  holders = 0;
  // another listener (none while writing today) has the signal as well, and decides
  if (process.listenerCount(signal) > 0) return;
  // node's own handling is back: the signal ends the process as if never held (where a process
  // cannot signal itself so, Windows for SIGHUP, the exit status says which signal it was)
  try {
    process.kill(process.pid, signal);
  } catch {
    // (process.exit below)
  }
  process.exit(128 + NUMBER[signal]);
}

/** Runs `work` with SIGINT, SIGTERM and SIGHUP held: what it stages (`staged.add`) is removed if one
 *  comes, and the process then ends by it. */
export async function holdSignals<T>(work: (staged: Staged) => Promise<T>): Promise<T> {
  if (holders++ === 0) for (const s of SIGNALS) process.on(s, onSignal);
  const mine = new Set<string>();
  const handle: Staged = {
    add(path, dir = false) {
      mine.add(path);
      staged.set(path, dir);
    },
    delete(path) {
      mine.delete(path);
      staged.delete(path);
    },
  };
  try {
    return await work(handle);
  } finally {
    for (const path of mine) staged.delete(path);
    // A signal caught during a synchronous step waits in libuv's queue for the event loop's next
    // poll; closing the handler first would drop it (the run would go on as if never signalled).
    // Two turns: the first immediate can run before that poll, the second runs after it.
    await turn();
    await turn();
    if (holders > 0 && --holders === 0) for (const s of SIGNALS) process.off(s, onSignal);
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
