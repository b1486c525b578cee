// The analysis commands' shared edge: read a policy file into an AnalysisPolicy (every compile
// diagnostic rendered, exit 1), turn query errors into CLI errors, and accept sesearch's
// two-letter single-dash options (-ds, -ep, -rs...) that commander would read as bundled flags.
import { InvalidArgumentError, type Command } from "commander";
import type { AnalysisPolicy } from "../analysis/load.js";
import { QueryError } from "../analysis/names.js";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { CliError, readPolicyInput } from "./io.js";
import { renderDiagnostics } from "../diagnostics/render.js";

/** A policy.conf or a binary policy (told apart by its magic); `name` is what diagnostics and rule
 *  locations call the file (default: the path). `mls` compiles a source as MLS (as -M does for
 *  `xsm compile`); a binary says itself whether it is MLS. */
export async function loadAnalysis(path: string, name = path, options: { mls?: boolean } = {}): Promise<AnalysisPolicy> {
  const input = readPolicyInput(path);
  const text = "text" in input ? input.text : undefined;
  try {
    if (text === undefined) {
      const { analyzeBinary } = await import("./analysis-binary.js");
      return analyzeBinary((input as { binary: Uint8Array }).binary, name);
    }
    const { analyzePolicy } = await import("../analysis/load.js");
    return analyzePolicy(text, name, options);
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(renderDiagnostics(err.diagnostics, text, name), 1, true);
    throw err;
  }
}

/** Runs `fn`; a QueryError (unknown name, bad regex) becomes `xsm: error: ...`, exit 1. */
export function asCliErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof QueryError) throw new CliError(err.message);
    throw err;
  }
}

/** Lets `cmd` take `-ds` for `--ds` (the option names setools' tools use). */
export function singleDashLongOptions(cmd: Command, names: readonly string[]): Command {
  const long = new Set(names.map((n) => `-${n}`));
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (args: string[]) => parse(args.map((a) => (long.has(a) ? `-${a}` : a)));
  return cmd;
}

export function commaList(value: string, previous: string[] | undefined): string[] {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  // an empty value (an unset shell variable: -c "$CLASS") would silently match everything
  if (names.length === 0) throw new InvalidArgumentError("expected one or more names separated by commas.");
  return [...(previous ?? []), ...names];
}

/** A name option (-s, -t, -D): an empty one would silently match everything. */
export function oneName(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("expected a name, got an empty string.");
  return value;
}
