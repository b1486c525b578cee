// `xsm build DIR [--flask-dir DIR] [--conf FILE|-] [-M|--mls] [-D NAME[=VALUE]]...`: builds a policy
// tree in xen.git's layout (tools/flask/policy) as Xen's Makefile.common does: m4 over the
// sections in its order and with its flags, then the compiler. Diagnostics point into the .te/.if
// files; --conf writes m4's policy.conf (byte-identical to Makefile.common's).
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { PolicyTree } from "../build/tree.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { summary } from "./compile.js";
import { CliError, UsageError } from "./io.js";
import type { CliContext } from "./context.js";
import { checkBinaryOptions, parseHandleUnknown, parseVersion } from "./compile-binary.js";
import { checkOutputs, writeOutputs } from "./output.js";
import { failWith, inTree, withFormat, writeDiagnostics, type OutputFormat, type Report } from "./format.js";
import { parseFormat } from "./format-option.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import { policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";

interface BuildOptions extends PolicyInputOptions {
  conf?: string;
  format: OutputFormat;
  output?: string;
  policyvers?: string;
  handleUnknown?: string;
  strict?: boolean;
}

async function runBuild(cli: CliContext, dir: string, opts: BuildOptions): Promise<void> {
  // m4 reads the tree's many files: standard input cannot be one (it said "-: no such directory")
  if (dir === "-") throw new UsageError("xsm build reads a policy tree, a directory, and standard input (-) is none: for one policy.conf on standard input, use xsm compile -");
  checkBinaryOptions(opts);
  if (opts.format !== "text" && opts.conf === "-") throw new UsageError(`--format ${opts.format} writes its document to stdout; --conf - wants it too`);
  return withFormat(cli, opts.format, () => build(cli, dir, opts));
}

async function build(cli: CliContext, dir: string, opts: BuildOptions): Promise<void> {
  // the outputs' paths are checked before m4 runs, as compile checks them before it compiles
  // (again with the tree's files once they are known: none of them may be written over)
  checkOutputs([
    ...(opts.conf !== undefined && opts.conf !== "-" ? [{ path: opts.conf, what: "policy.conf", option: "--conf" }] : []),
    ...(opts.output !== undefined ? [{ path: opts.output, what: "binary policy", option: "-o" }] : []),
  ]);
  const { buildTree, TreeError } = await import("../build/index.js");
  const binary =
    opts.output === undefined
      ? undefined
      : { version: parseVersion(opts.policyvers), handleUnknown: parseHandleUnknown(opts.handleUnknown), strict: opts.strict };
  let result;
  try {
    result = buildTree(dir, { flaskDir: opts.flaskDir, mls: opts.mls, defines: opts.define, compile: { binary } });
  } catch (err) {
    if (err instanceof TreeError) throw new CliError(err.message);
    throw err;
  }
  const { policy, conf, bytes } = result;
  // named from where xsm ran, in every format (the tree's #lines name them relative to the tree)
  const { diagnostics, text } = inTree(result.diagnostics, dir, result.sources);
  const report: Report = { format: opts.format, text, fallbackFile: dir };
  if (hasErrors(diagnostics) || !policy) failWith(cli, diagnostics, report);
  // what is printed goes out before the files are renamed into place (output.ts): a standard output
  // that fails leaves none of them
  const print = () => {
    if (opts.format !== "text") return writeDiagnostics(cli, diagnostics, report, { dir, stats: policy.stats });
    if (diagnostics.length > 0) cli.io.stderr.write(renderDiagnostics(diagnostics, text, dir));
    // with --conf -, stdout carries only policy.conf, so it can be piped to checkpolicy
    const out = opts.conf === "-" ? cli.io.stderr : cli.io.stdout;
    if (opts.conf === "-") cli.io.stdout.write(conf);
    out.write(summary(dir, policy, diagnostics.length));
    if (opts.conf !== undefined && opts.conf !== "-") out.write(`policy.conf written to ${opts.conf}\n`);
    if (opts.output !== undefined) out.write(`binary policy written to ${opts.output}\n`);
  };
  // policy.conf and the binary are written together or not at all, and never over the tree's sources
  await writeOutputs(
    [
      ...(opts.conf !== undefined && opts.conf !== "-" ? [{ path: opts.conf, data: conf, what: "policy.conf", option: "--conf" }] : []),
      ...(opts.output !== undefined && bytes ? [{ path: opts.output, data: bytes, what: "binary policy", option: "-o" }] : []),
    ],
    treeInputs(result.tree),
    undefined,
    print,
  );
}

export function registerBuild(program: Command, cli: CliContext): void {
  const cmd = program
    .command("build")
    .description("build a policy tree in xen.git's layout (tools/flask/policy) with m4, as Xen's Makefile.common does")
    .argument("<dir>", "the tree: modules/modules.conf, modules/*.te and *.if, policy/*")
    .option("--conf <file>", "write the m4-expanded policy.conf to FILE, or - for stdout")
    .option("-o, --output <file>", "write the binary policy (as checkpolicy -t Xen -c 30 writes it) to FILE")
    .option("-c, --policyvers <version>", "binary policy version: 30 (default) or 24")
    .option("-U, --handle-unknown <action>", "handle_unknown in the binary: deny (default), reject or allow")
    .option("--strict", "constructs Xen's loader refuses are errors, not warnings")
    .option("--format <format>", "how diagnostics are written: text (stderr), json or sarif (one document on stdout)", parseFormat, "text" as OutputFormat);
  policyInputOptions(cmd, { reads: "tree" })
    .action((dir: string, opts: BuildOptions) => runBuild(cli, dir, opts));
}

/** The files a tree is made of: what m4 read, modules.conf, and every module's .te and .if (a
 *  module switched off is still the author's source, not a place to write a build into); before
 *  Xen 4.8, policy/modules.conf and the modules under policy/modules/LAYER/. */
export function treeInputs(tree: PolicyTree): string[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir).filter((n) => n.endsWith(".te") || n.endsWith(".if")).map((n) => join(dir, n));
    } catch {
      return []; // (no such directory: buildTree has said so already, or the tree has none)
    }
  };
  const modules = join(tree.dir, "modules");
  const layers = join(tree.dir, "policy", "modules");
  const before48 = list(modules).length === 0 && existsSync(join(tree.dir, "policy", "modules.conf"));
  const sources = before48
    ? [join(tree.dir, "policy", "modules.conf"), ...(existsSync(layers) ? readdirSync(layers) : []).flatMap((layer) => list(join(layers, layer)))]
    : [join(modules, "modules.conf"), ...list(modules)];
  return [...tree.sections.map((f) => resolve(tree.dir, f)), ...sources];
}
