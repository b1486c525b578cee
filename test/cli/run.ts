// Runs the CLI in-process (runCli) and collects what it writes.
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
