// `xsm build DIR`: a policy tree in xen.git's layout -> m4 (as Makefile.common runs it) ->
// policy.conf -> the compiler, with every diagnostic pointed back into the tree's files.
import { compileBinary, type BinaryCompileOptions } from "../binary/compile.js";
import { PolicyError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { compile } from "../policy/index.js";
import type { CompileOptions, CompiledPolicy } from "../policy/types.js";
import { expandTree } from "./expand.js";
import { Locator, type SourceLookup } from "./locate.js";
import { sectionMacros, type MacroDef } from "./macros.js";
import type { PolicyTree, TreeOptions } from "./tree.js";
export { enabledModules } from "./modules-conf.js";

export { readTree, moduleOff, moduleSwitchOf, modulesConfOf, moduleFiles, modulesConfReading, treeFiles, treeRootOf, TreeError, type PolicyTree, type TreeOptions } from "./tree.js";
export { runM4 } from "./m4.js";
export { expandTree, treeSources, type ExpandedTree, type TreeOverlay } from "./expand.js";

export interface BuildResult {
  tree: PolicyTree;
  /** policy.conf as m4 wrote it (byte-identical to Makefile.common's). */
  conf: string;
  /** m4's and the compiler's diagnostics, located in the tree's files. */
  diagnostics: Diagnostic[];
  /** The compiled policy, when nothing was an error. */
  policy?: CompiledPolicy;
  /** The binary policy, when one was asked for and nothing was an error. */
  bytes?: Uint8Array;
  /** The tree's files by the names diagnostics give them, for rendering source lines. */
  sources: SourceLookup;
}

/** Every macro the tree's sections define, by name (a later definition wins, as in m4). */
export function treeMacros(tree: PolicyTree, sources: SourceLookup): Map<string, MacroDef> {
  return sectionMacros(tree.sections, sources);
}

export interface BuildCompileOptions extends CompileOptions {
  /** Also write the binary policy (checkpolicy -t Xen -c VERSION's bytes). */
  binary?: Omit<BinaryCompileOptions, keyof CompileOptions>;
}

/** Compiles m4's output for the tree (to a binary when asked) and points every diagnostic into the
 *  tree's files. */
export function compileExpanded(
  tree: PolicyTree,
  conf: string,
  sources: SourceLookup,
  options: BuildCompileOptions = {},
): { diagnostics: Diagnostic[]; policy?: CompiledPolicy; bytes?: Uint8Array } {
  const locator = new Locator(conf, sources, treeMacros(tree, sources));
  const located = (diags: readonly Diagnostic[]) => diags.map((d) => locator.diagnostic(d));
  if (options.binary) {
    try {
      const result = compileBinary(conf, { ...options, ...options.binary, file: "policy.conf", xenSids: tree.xenSids });
      return { diagnostics: located(result.warnings), policy: result.policy, bytes: result.bytes };
    } catch (err) {
      if (err instanceof PolicyError) return { diagnostics: located(err.diagnostics) };
      throw err;
    }
  }
  const run = compile(conf, { ...options, file: "policy.conf" });
  return run.ok ? { diagnostics: located(run.value.diagnostics), policy: run.value.policy } : { diagnostics: located(run.error) };
}

/** Expands and compiles the tree. Throws TreeError for a tree that cannot be read or m4 that
 *  cannot run; policy errors are diagnostics. */
export function buildTree(dir: string, options: TreeOptions & { compile?: BuildCompileOptions } = {}): BuildResult {
  const expanded = expandTree(dir, options);
  const { tree, conf, sources } = expanded;
  if (expanded.failed) return { tree, conf, diagnostics: expanded.diagnostics, sources };
  // the MLS tree (-D enable_mls) is an MLS policy, compiled as checkpolicy -M compiles it
  const compileOptions = options.mls ? { ...options.compile, mls: true } : options.compile;
  const { diagnostics, policy, bytes } = compileExpanded(tree, conf, sources, compileOptions);
  return { tree, conf, diagnostics: [...expanded.diagnostics, ...diagnostics], policy, bytes, sources };
}
