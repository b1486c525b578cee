// What every subcommand module gets from runCli (src/cli/main.ts), kept apart from main.ts so
// that subcommands do not import the module that imports them.
import type { Command } from "commander";

export interface CliOutput {
  /** Text, or bytes where a file's own bytes must pass unchanged (fmt of a Latin-1 comment). */
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
}

/** What a subcommand's action gets: where to write. Actions report failures by throwing CliError
 *  (or PolicyError); the exit status is runCli's business. */
export interface CliContext {
  io: CliIo;
}

export type RegisterCommand = (program: Command, cli: CliContext) => void;

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70; // sysexits.h EX_SOFTWARE: a bug in xsm, not in the user's input

