// The analysis commands' shared edge: read a policy (a policy.conf, a binary, or a policy tree
// directory built as `xsm build` builds it) into an AnalysisPolicy (every compile diagnostic
// rendered, exit 1), turn query errors into CLI errors, and accept sesearch's two-letter
// single-dash options (-ds, -ep, -rs...) that commander would read as bundled flags.
import { statSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import type { AnalysisPolicy, Locate } from "../analysis/load.js";
import type { ExpandedTree } from "../build/expand.js";
import { QueryError } from "../analysis/names.js";
import { PolicyError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { CliError, STDIN, displayName, readPolicyInput, refuseMlsForBinary } from "./io.js";
import { renderDiagnostics, type SpanText } from "../diagnostics/render.js";
import { inTree } from "./format.js";
import { commaItems } from "./lists.js";

/** How a policy tree argument is built (xsm build's options); `mls` also reads a policy.conf as
 *  MLS (checkpolicy -M). A binary says itself whether it is MLS. */
export interface PolicyInputOptions {
  flaskDir?: string;
  mls?: boolean;
  define?: string[];
}

/** Adds the options that say how a POLICY is read: `-M, --mls` and, for a policy tree, `--flask-dir`
 *  and `-D, --define` (`--define` only where -D means something else, as sesearch's default type in
 *  `xsm search`; no -M where the input says it, as a scenario's "mls"). One list, so build, lint,
 *  every analysis command and simulate take a tree alike. */
export function policyInputOptions(cmd: Command, options: { shortDefine?: boolean; mls?: boolean; reads?: "tree" | "source" | "any" } = {}): Command {
  // -M said for what the command reads: build only trees, lint no binary
  const mls = {
    tree: "an MLS policy: the tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls)",
    source: "an MLS policy: a policy.conf as checkpolicy -M reads it; a tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls)",
    any: "an MLS policy: a policy.conf as checkpolicy -M reads it; a tree's MLS build (Makefile.common's CONFIG_MLS=y: -D enable_mls); a binary says so itself (and refuses -M when it is not MLS, as checkpolicy -b -M does)",
  }[options.reads ?? "any"];
  if (options.mls !== false) cmd.option("-M, --mls", mls);
  return cmd
    .option("--flask-dir <dir>", "for a policy tree: Xen's xen/xsm/flask/policy (default: DIR/../../../xen/xsm/flask/policy as in xen.git, else DIR/flask)")
    .option(
      `${options.shortDefine === false ? "" : "-D, "}--define <name[=value]>`,
      "for a policy tree: an extra m4 definition, e.g. prot_doms_locked_conf=true (repeatable)",
      defineOption,
    );
}

/** -D NAME[=VALUE], collected: NAME an m4 name (m4 takes `-D ''` or `-D =x` without a word and
 *  defines nothing anyone can call). No default, so --help shows none ("(default: [])"). */
function defineOption(value: string, previous: string[] | undefined): string[] {
  const name = value.split("=", 1)[0]!;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError("expected NAME or NAME=VALUE, NAME an m4 name (letters, digits, _; not a digit first).");
  // m4 keeps the last of `-D x=1 -D x=2`; which one was meant is not for xsm to guess (NAME is NAME=, empty)
  const defined = (d: string) => d.slice(name.length + 1);
  const earlier = previous?.find((d) => d.split("=", 1)[0] === name && defined(d) !== defined(value));
  if (earlier !== undefined) throw new InvalidArgumentError(`-D ${earlier} was given before it: an m4 name takes one definition; give it once.`);
  return [...(previous ?? []), value];
}

/** Policy source text ready to compile: a policy.conf as read, or m4's output for a tree. */
export interface PolicyText {
  text: string;
  /** The name the compiler gives the text ("policy.conf" for a tree: #line names the rest). */
  compileName: string;
  /** What reports call the policy: the path given. */
  name: string;
  mls: boolean;
  /** A tree: a span of `text` -> the .te/.if/.spt line m4 wrote it from (src/build/locate.ts). */
  locate?: Locate;
  /** The compiler's diagnostics on `text`, rendered where they point (a tree: into its files). */
  render(diagnostics: readonly Diagnostic[]): string;
  /** The same diagnostics as data, located as render() locates them (a tree: m4's warnings first),
   *  and the text their excerpts come from: what --format json/sarif writes. */
  located(diagnostics: readonly Diagnostic[]): { diagnostics: Diagnostic[]; text: SpanText };
  /** A tree: m4's run that wrote `text`, for the readers of the tree's own definitions (xsm allow
   *  -R), so they need no second run. */
  expanded?: ExpandedTree;
}

/** A binary policy's bytes (told apart by its magic). Its diagnostics name the file and offset
 *  themselves; render() is the same renderer as a text's. */
export interface PolicyBinary {
  binary: Uint8Array;
  name: string;
  render(diagnostics: readonly Diagnostic[]): string;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The tree at `dir` through m4 with the command's --flask-dir, -M and -D, as xsm build runs it
 *  (the build modules load here, not for every command); a tree that cannot be read or expanded
 *  is a CliError (exit 1) in the tree's words, never a stack trace. */
export async function expandTreeArgument(dir: string, options: PolicyInputOptions): Promise<ExpandedTree> {
  const { expandTree, TreeError } = await import("../build/index.js");
  try {
    return expandTree(dir, { flaskDir: options.flaskDir, mls: options.mls, defines: options.define });
  } catch (err) {
    if (err instanceof TreeError) throw new CliError(err.message);
    throw err;
  }
}

/** Runs m4 over the tree at `dir` as xsm build does; a tree that cannot be read or expanded is a
 *  located CliError (exit 1), never a stack trace. */
async function treeText(dir: string, options: PolicyInputOptions): Promise<PolicyText> {
  const expanded = await expandTreeArgument(dir, options);
  const { sources, locator } = expanded;
  // named from where xsm ran, in every format (the tree's #lines name them relative to the tree)
  const placed = (diagnostics: readonly Diagnostic[]) => inTree(diagnostics, dir, sources);
  if (expanded.failed) {
    const m4Errors = placed(expanded.diagnostics);
    throw new CliError(renderDiagnostics(m4Errors.diagnostics, m4Errors.text, dir), 1, true);
  }
  const located = (diagnostics: readonly Diagnostic[]) => placed([...expanded.diagnostics, ...diagnostics.map((d) => locator.diagnostic(d))]);
  return {
    text: expanded.conf,
    compileName: "policy.conf",
    name: dir,
    mls: options.mls === true,
    locate: locator.rule,
    render: (diagnostics) => {
      const { diagnostics: all, text } = located(diagnostics);
      return renderDiagnostics(all, text, dir);
    },
    located,
    expanded,
  };
}

/** --flask-dir and -D given for a file (not a tree): said rather than ignored, since a user who
 *  passes them believes the policy is built with them. */
export function refuseTreeOptions(path: string, options: PolicyInputOptions): void {
  const treeOnly = [options.flaskDir !== undefined && "--flask-dir", (options.define?.length ?? 0) > 0 && "-D/--define"].filter(Boolean);
  if (treeOnly.length > 0) throw new CliError(`${displayName(path)}: ${treeOnly.join(" and ")} ${treeOnly.length > 1 ? "apply" : "applies"} only to a policy tree (a directory), and this is a file`);
}

/** A policy argument as text to compile or a binary's bytes. `name` is what diagnostics call it
 *  (default: the path; standard input, `-`, is `<stdin>` either way). */
export async function readPolicyArgument(path: string, options: PolicyInputOptions = {}, name = path): Promise<PolicyText | PolicyBinary> {
  name = displayName(name);
  if (path !== STDIN && isDirectory(path)) return treeText(path, options);
  refuseTreeOptions(path, options);
  const input = readPolicyInput(path);
  if ("binary" in input) return { binary: input.binary, name, render: (d) => renderDiagnostics(d, undefined, name) };
  const text = input.text;
  return { text, compileName: name, name, mls: options.mls === true, render: (d) => renderDiagnostics(d, text, name), located: (d) => ({ diagnostics: [...d], text }) };
}

/** A policy.conf, a binary policy (told apart by its magic) or a policy tree directory (built as
 *  xsm build builds it; its locations then point into the tree's files). `name` is what diagnostics
 *  and rule locations call a policy.conf (default: the path). */
export async function loadAnalysis(path: string, name = path, options: PolicyInputOptions = {}): Promise<AnalysisPolicy> {
  return (await loadAnalysisInput(path, name, options)).analysis;
}

/** loadAnalysis, and for a tree the m4 run it compiled (whose definitions `xsm allow -R` calls):
 *  one run of m4 and one compile serve both. */
export async function loadAnalysisInput(path: string, name = path, options: PolicyInputOptions = {}): Promise<{ analysis: AnalysisPolicy; expanded?: ExpandedTree }> {
  name = displayName(name);
  const input = await readPolicyArgument(path, options, name);
  // (the binary reader is loaded only for a binary)
  const binary = "binary" in input ? await import("./analysis-binary.js") : undefined;
  const { analyzePolicy } = await import("../analysis/load.js");
  try {
    if ("binary" in input) {
      const analysis = binary!.analyzeBinary(input.binary, input.name);
      refuseMlsForBinary(input.name, input.binary, options.mls);
      return { analysis };
    }
    const ap = analyzePolicy(input.text, input.compileName, { mls: input.mls });
    return { analysis: input.locate ? { ...ap, file: input.name, locate: input.locate } : ap, expanded: input.expanded };
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(input.render(err.diagnostics), 1, true);
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
  // an empty value (an unset shell variable: -c "$CLASS") would silently match everything
  if (value.trim() === "") throw new InvalidArgumentError("expected one or more names separated by commas.");
  // `-c domain,,hvm` or `-p create,`: sesearch looks the empty name up and refuses it (exit 1); one
  // of the user's names may be what went missing
  const list = commaItems(value);
  if ("empty" in list) throw new InvalidArgumentError(`${list.empty}; expected names separated by commas.`);
  return [...(previous ?? []), ...list.items];
}

/** A name option (-s, -t, -D): an empty one would silently match everything. */
export function oneName(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("expected a name, got an empty string.");
  return value;
}
