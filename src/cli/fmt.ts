// `xsm fmt FILE... [--check] [--write]`: the canonical layout of policy.conf files and of a policy
// tree's m4 sources (src/fmt/format.ts). Without flags the formatted text goes to stdout; --write
// rewrites the files that change; --check writes nothing and exits 1 naming the files that would
// change (for CI). A file that cannot be laid out safely is an error and is left as it is.
import type { Command } from "commander";
import { renderDiagnostic } from "../diagnostics/render.js";
import { CliError, readTextFile } from "./io.js";
import type { CliContext } from "./context.js";
import { writeOutput } from "./output.js";

interface FmtOptions {
  check?: boolean;
  write?: boolean;
}

async function runFmt(cli: CliContext, files: string[], opts: FmtOptions): Promise<void> {
  if (opts.check && opts.write) throw new CliError("--check and --write: give one", 2);
  const { formatSource, kindOf, FormatError } = await import("../fmt/format.js");
  const errors: string[] = [];
  const changed: string[] = [];
  for (const file of files) {
    let text: string | undefined;
    let formatted: string;
    try {
      text = readTextFile(file, "policy source");
      formatted = formatSource(text, kindOf(file));
    } catch (err) {
      if (err instanceof FormatError) errors.push(renderDiagnostic(err.diagnostic(file, text!), text, file));
      else if (err instanceof CliError) errors.push(`xsm: error: ${err.message}\n`);
      else throw err;
      continue;
    }
    if (formatted !== text) changed.push(file);
    if (opts.check) continue;
    if (!opts.write) cli.io.stdout.write(formatted);
    else if (formatted !== text) {
      try {
        writeOutput(file, formatted);
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        errors.push(`xsm: error: ${e.message}\n`);
        continue;
      }
      cli.io.stdout.write(`formatted ${file}\n`);
    }
  }
  if (opts.check) for (const file of changed) cli.io.stdout.write(`${file}\n`);
  if (errors.length > 0) throw new CliError(errors.join(""), 1, true);
  if (opts.check && changed.length > 0) {
    throw new CliError(`${changed.length} file${changed.length === 1 ? "" : "s"} would be reformatted (run xsm fmt --write)\n`, 1, true);
  }
}

export function registerFmt(program: Command, cli: CliContext): void {
  program
    .command("fmt")
    .description("lay out policy.conf, .te and .if files in the canonical way (only blanks change)")
    .argument("<files...>", "policy files (*.conf as policy.conf; anything else as m4 source of a policy tree)")
    .option("--check", "write nothing; list the files that would change and exit 1 if any")
    .option("--write", "rewrite the files that change in place")
    .action((files: string[], opts: FmtOptions) => runFmt(cli, files, opts));
}
