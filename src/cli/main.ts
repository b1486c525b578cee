// `xsm`: the command line. Each subcommand lives in its own module and registers itself here with
// one line; runCli runs the whole thing in-process (tests call it directly) and returns the exit
// status: 0 ok, 1 a policy or input error, 2 a usage error, 70 a bug in xsm itself.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { PolicyError } from "../policy/diagnostics.js";
import { registerBuild } from "./build.js";
import { registerCheck } from "./check.js";
import { registerCompile } from "./compile.js";
import { registerSimulate } from "./simulate.js";
import { CliError } from "./io.js";
import { renderDiagnostics } from "./render.js";

export interface CliOutput {
  write(chunk: string): unknown;
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

/** Subcommands, in the order `xsm --help` lists them. Adding one: import it, add it here. */
const COMMANDS: RegisterCommand[] = [
  registerCompile,
  registerBuild,
  registerCheck,
  registerSimulate,
];

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70; // sysexits.h EX_SOFTWARE: a bug in xsm, not in the user's input

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

function buildProgram(cli: CliContext): Command {
  const program = new Command("xsm")
    .description("Xen XSM/FLASK policy compiler and decision engine")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
      outputError: (s, write) => write(`xsm: ${s}`),
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run 'xsm --help' for usage)");
  for (const register of COMMANDS) register(program, cli);
  for (const cmd of program.commands) cmd.showHelpAfterError(`(run 'xsm ${cmd.name()} --help' for usage)`);
  return program;
}

/** Runs `xsm ARGV...` in-process; never throws, never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const cli: CliContext = { io };
  const program = buildProgram(cli);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (err) {
    return report(err, io);
  }
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander already wrote the message (and the usage hint) through configureOutput
    const ok = err.code === "commander.helpDisplayed" || err.code === "commander.version";
    return ok ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof CliError) {
    io.stderr.write(err.rendered ? err.message : `xsm: error: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof PolicyError) {
    io.stderr.write(renderDiagnostics(err.diagnostics, undefined, "xsm"));
    return EXIT_FAILURE;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`xsm: internal error: ${message}\n`);
  if (process.env.XSM_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  else io.stderr.write("xsm: this is a bug in xsm; run with XSM_DEBUG=1 for details and report it\n");
  return EXIT_INTERNAL;
}
