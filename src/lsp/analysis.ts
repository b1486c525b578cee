// What the language server knows about a policy: the compiler's stages run over a policy.conf (or
// over m4's output for a policy tree, built as `xsm build` builds it), their diagnostics, the
// symbol tables and expanded rules, and an index of every name's occurrences.
import { relative, resolve, sep } from "node:path";
import { sourceRefusals } from "../binary/xen-compat.js";
import { initialSidOrder, type XenSidNumbering } from "../binary/initial-sids.js";
import { Locator, type SourceLookup } from "../build/locate.js";
import type { MacroDef } from "../build/macros.js";
import { expandTree, modulesConfReading, treeFiles, TreeError, type PolicyTree } from "../build/index.js";
import type { PlatformDecl, PolicyAst } from "../policy/ast.js";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Expanded } from "../policy/expand.js";
import { compiler } from "../policy/index.js";
import { resolve as resolveNames } from "../policy/resolve.js";
import { desugarPlatforms } from "../policy/svp.js";
import type { Symbols } from "../policy/symbols.js";
import { indexNames, type NameIndex } from "../policy/name-index.js";
import { confFindings, lintCompiled, treeFindings, type LintConfig, type LintResult } from "../lint/index.js";

export interface Analysis {
  /** The text the compiler read (a document, or m4's output for a tree), and its name in spans. */
  text: string;
  file: string;
  /** Diagnostics with spans into `text` (conf) or into the tree's files (tree: located). */
  diagnostics: Diagnostic[];
  /** From the parsed AST, before SVP desugaring (so platforms are there as written). */
  index?: NameIndex;
  ast?: PolicyAst;
  symbols?: Symbols;
  expanded?: Expanded;
  platforms: PlatformDecl[];
}

/** What the analysis lints with: `xsm lint`'s config (lint.ts); absent, no lint. */
export interface AnalysisOptions {
  mls?: boolean;
  xenSids?: XenSidNumbering;
  lint?: LintConfig;
}

/** Runs the compiler's stages over `text`, keeping what they leave for hover and navigation; the
 *  AST is taken right after parse (a stage that changes nothing), before SVP desugaring. With
 *  `lint`, a policy that compiles gets `xsm lint FILE`'s findings too. */
export function analyzeText(text: string, file: string, options: AnalysisOptions = {}): Analysis {
  const { analysis, linted } = compileText(text, file, options);
  if (linted && options.lint)
    analysis.diagnostics.push(...confFindings(linted, text, file, options.lint));
  return analysis;
}

/** analyzeText's stages; the lint findings (when asked for and compiled) as the checks give them,
 *  in the text compiled, before the user's say. */
function compileText(
  text: string,
  file: string,
  options: AnalysisOptions,
): { analysis: Analysis; linted?: LintResult } {
  const mls = options.mls === true;
  let parsed: PolicyAst | undefined;
  const capture = {
    name: "lsp-index",
    run: (ast: PolicyAst) => ((parsed = ast), { ast, diagnostics: [] }),
  };
  const run = compiler.withStageAfter("parse", capture).run(text, { file, warnings: true, mls });
  const linted =
    run.ok && options.lint ? lintCompiled(run.value, { xenSids: options.xenSids }) : undefined;
  // what Xen's loader would refuse (policydb.c) is a warning here too: `xsm compile -o` and `xsm
  // lint` say it, and an author should see it before Xen logs it at boot (with lint, among its
  // findings, where its comments and config apply to it as in `xsm lint`)
  const diagnostics = run.ok
    ? linted
      ? [...run.value.diagnostics]
      : [
          ...run.value.diagnostics,
          ...sourceRefusals(run.value.ast, run.value.symbols, false),
          ...initialSidOrder(run.value.ast, run.value.symbols, options.xenSids),
        ]
    : run.error;
  // a policy with errors still has its declarations: resolve them (it reports and goes on), so
  // hover and completion work while the text is wrong
  let symbols = run.ok ? run.value.symbols : undefined;
  if (!symbols && parsed) {
    const desugared = desugarPlatforms(parsed);
    if (!hasErrors(desugared.diagnostics)) symbols = resolveNames(desugared.ast, { mls }).symbols;
  }
  const analysis: Analysis = {
    text,
    file,
    diagnostics,
    index: parsed ? indexNames(parsed) : undefined,
    ast: parsed,
    symbols,
    expanded: run.ok ? run.value.expanded : undefined,
    platforms: (parsed?.statements ?? []).filter((s): s is PlatformDecl => s.kind === "platform"),
  };
  return { analysis, linted };
}

export interface TreeAnalysis extends Analysis {
  tree: PolicyTree;
  /** Every file of the tree (treeFiles: each module's, switched on or off), relative to it. */
  files: string[];
  locator?: Locator;
  macros: Map<string, MacroDef>;
  sources: SourceLookup;
}

// the tree a file belongs to, found as xsm build finds one (either layout)
export { treeRootOf } from "../build/tree.js";

/** Builds a tree with the editor's unsaved texts (`overlay`: absolute path -> text) in place of
 *  the files on disk (src/build/expand.ts); texts of files that are not the tree's are not its
 *  business. */
export function analyzeTree(
  root: string,
  overlay: ReadonlyMap<string, string>,
  flaskDir?: string,
  mls = false,
  lint?: LintConfig,
): TreeAnalysis {
  const files = new Set(treeFiles(root, flaskDir));
  const texts = new Map<string, string>();
  for (const [path, text] of overlay) {
    const name = relative(resolve(root), path).split(sep).join("/");
    if (files.has(name)) texts.set(name, text);
  }
  const expanded = expandTree(root, { flaskDir, mls }, texts);
  const { tree, sources, macros } = expanded;
  const lintTree = { ...expanded, modulesConf: modulesConfReading(tree) };
  if (expanded.failed)
    return {
      text: expanded.conf,
      file: "policy.conf",
      // modules.conf's findings as `xsm lint DIR` gives them when the tree does not build: a
      // module switched on twice is often why
      diagnostics: [...(lint ? treeFindings(undefined, lintTree, lint) : []), ...expanded.diagnostics],
      platforms: [],
      tree,
      files: [...files],
      macros,
      sources,
    };
  const { analysis, linted } = compileText(expanded.conf, "policy.conf", {
    mls,
    xenSids: tree.xenSids,
    lint,
  });
  const { locator } = expanded;
  return {
    ...analysis,
    diagnostics: [
      ...expanded.diagnostics,
      ...analysis.diagnostics.map((d) => locator.diagnostic(d)),
      // modules.conf's findings even when m4's output does not compile (a module switched on twice
      // is often why), the checks' only when it does
      ...(lint ? treeFindings(linted, lintTree, lint) : []),
    ],
    tree,
    files: [...files],
    locator,
    macros,
    sources,
  };
}

export { TreeError };
