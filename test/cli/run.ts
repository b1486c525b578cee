// Runs the CLI in-process (runCli) and collects what it writes; or the built CLI (bin/xsm.cjs, what
// `npx xsm` runs) in a child process, for what only a process has (its standard input).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function xsm(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** A stack trace line ("    at fn (file:1:2)"): user errors must never print one. */
export const STACK_LINE = /^\s+at .+/m;

/** How long a run of the built CLI may take: under vitest's testTimeout (60 s), so a hang fails the
 *  test naming the command, not with vitest's timeout; edges.test.ts's studio export waits as long. */
export const BUILT_TIMEOUT_MS = 20_000;

const bin = resolve(fileURLToPath(new URL("../..", import.meta.url)), "bin/xsm.cjs");

/** The built CLI with `input` on its standard input (empty when none), in `cwd`. A run still going
 *  after `timeoutMs` (BUILT_TIMEOUT_MS) is killed and throws, naming the command. */
export function xsmBuilt(argv: string[], options: { input?: string | Buffer; cwd?: string; timeoutMs?: number } = {}): CliRun {
  const timeout = options.timeoutMs ?? BUILT_TIMEOUT_MS;
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: "utf8", input: options.input ?? "", cwd: options.cwd, timeout });
  const shown = `xsm ${argv.map((a) => (a === "" ? "''" : a)).join(" ")}`;
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT") throw new Error(`${shown}: still running after ${timeout / 1000} s (killed)`);
  // (an EPIPE with a status is xsm refusing to read its input to the end, a too large one)
  if (r.status === null) throw new Error(`${shown}: ${r.error ? r.error.message : `ended by ${r.signal}`}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
