// `xsm fmt FILE... [--check] [--write] [--stdin-filepath PATH]`: the canonical layout of policy.conf
// files and of a policy tree's m4 sources (src/fmt/format.ts). Without flags the formatted text goes
// to stdout; --write rewrites the files that change, all of them or none (one file that cannot be
// laid out leaves every file as it was); --check writes nothing and exits 1 naming the files that
// would change (for CI). A file that cannot be laid out safely, or that compile refuses as it is (a
// policy.conf that does not parse), is an error naming FILE:LINE:COL, with compile's code and
// message for the latter. A module modules/modules.conf leaves off is never built, so what the
// build would refuse in it is laid out as it is (src/build/tree.ts's moduleOff tells).
// `-` is standard input, laid out as m4 source and named <stdin>, or, with --stdin-filepath PATH
// (prettier's name; clang-format's --assume-filename), as the file PATH an editor's buffer stands
// for: its kind from its name and PATH in every message, so a filter lays out and refuses as
// `xsm fmt PATH` would, and the editor can jump to PATH:LINE:COL.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { renderDiagnostic } from "../diagnostics/render.js";
import { encodePolicyText } from "../io/read.js";
import { CliError, UsageError, STDIN, displayName, readPolicyFile } from "./io.js";
import type { CliContext } from "./context.js";
import { writeOutputs } from "./output.js";

interface FmtOptions {
  check?: boolean;
  write?: boolean;
  stdinFilepath?: string;
}

async function runFmt(cli: CliContext, files: string[], opts: FmtOptions): Promise<void> {
  if (opts.check && opts.write) throw new UsageError("--check and --write: give one");
  // standard input has no file to rewrite (a file named "-" would be written instead), and can
  // be read once
  if (opts.write && files.includes(STDIN)) throw new UsageError("--write rewrites files, and standard input (-) is none: leave out --write to print its layout");
  if (files.filter((f) => f === STDIN).length > 1) throw new UsageError("standard input (-) is named more than once; it can be read only once");
  const assumed = opts.stdinFilepath;
  if (assumed !== undefined && !files.includes(STDIN)) throw new UsageError(`--stdin-filepath ${assumed}: it names the file standard input stands for; give - to read standard input`);
  if (assumed === STDIN) throw new UsageError("--stdin-filepath -: give the name of the file standard input stands for (as in its messages), not - itself");
  // the name a file is laid out by and named by in messages; nothing is read from PATH or written to it
  const nameOf = (file: string): string => (file === STDIN && assumed !== undefined ? assumed : displayName(file));
  const { formatSource, kindOf, FormatError } = await import("../fmt/format.js");
  const { moduleOff } = await import("../build/tree.js");
  const errors: string[] = [];
  let failed = 0;
  const laidOut: { file: string; text: string; formatted: string }[] = [];
  // every file is read and laid out before anything is written or printed
  for (const file of files) {
    let text: string | undefined;
    try {
      // read as compile reads it: a byte that is not UTF-8 (a Latin-1 comment) is accepted where
      // checkpolicy accepts it, and written back as the same byte
      text = readPolicyFile(file, "xsm fmt");
      const as = file === STDIN ? assumed : file;
      // a module modules.conf leaves off is source the build never reads (the one beside PATH for
      // standard input, as `xsm fmt PATH` would read it)
      const unread = as !== undefined && moduleOff(as) !== undefined;
      laidOut.push({ file, text, formatted: formatSource(text, kindOf(as ?? file), { unread }) });
    } catch (err) {
      if (err instanceof FormatError) errors.push(err.diagnostics(nameOf(file), text!).map((d) => renderDiagnostic(d, text, nameOf(file))).join(""));
      else if (err instanceof CliError) errors.push(`xsm: error: ${err.message}\n`);
      else throw err;
      failed++;
    }
  }
  const changed = laidOut.filter((f) => f.formatted !== f.text);
  if (opts.write) {
    // all or nothing, as a formatter's user expects: one file fmt cannot lay out leaves every file as
    // it was, rather than a tree half in the new layout
    if (failed > 0) {
      const none = changed.length > 0 ? `; none of the ${changed.length} that would change was written` : "";
      throw new CliError(`${errors.join("")}xsm: ${failed} of ${files.length} file${files.length === 1 ? "" : "s"} could not be laid out${none}\n`, 1, true);
    }
    // a file named twice is written once
    const seen = new Set<string>();
    const writes = changed.filter((f) => {
      const key = canonical(f.file);
      return !seen.has(key) && (seen.add(key), true);
    });
    // staged beside each file, then renamed: a file that cannot be written leaves the others as they were
    await writeOutputs(writes.map((f) => ({ path: f.file, data: encodePolicyText(f.formatted) })), [], undefined, () => {
      for (const f of writes) cli.io.stdout.write(`formatted ${f.file}\n`);
    });
    return;
  }
  if (opts.check) for (const f of changed) cli.io.stdout.write(`${nameOf(f.file)}\n`);
  else for (const f of laidOut) cli.io.stdout.write(encodePolicyText(f.formatted));
  if (errors.length > 0) throw new CliError(errors.join(""), 1, true);
  if (opts.check && changed.length > 0) {
    throw new CliError(`${changed.length} file${changed.length === 1 ? "" : "s"} would be reformatted (run xsm fmt --write)\n`, 1, true);
  }
}

/** The file a path names, through links, so one file named twice is written once. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export function registerFmt(program: Command, cli: CliContext): void {
  program
    .command("fmt")
    .description("lay out policy.conf, .te and .if files in the canonical way (only blanks change)")
    .argument("<files...>", "policy files (*.conf as policy.conf; anything else as m4 source of a policy tree), or - for standard input (named <stdin>, laid out as m4 source, unless --stdin-filepath names its file)")
    .option("--check", "write nothing; list the files that would change and exit 1 if any")
    .option("--write", "rewrite the files that change in place")
    .option("--stdin-filepath <path>", "lay out - as the file PATH would be (its kind from its name) and name PATH in messages, for editors; PATH is not read or written")
    .action((files: string[], opts: FmtOptions) => runFmt(cli, files, opts));
}
