// `xsm lint` in the editor: where its config file is (read as `xsm lint` reads it: lint/config.ts),
// and the quick fixes of its findings. The findings themselves are `xsm lint`'s (src/lint: confFindings, treeFindings),
// made in the analysis worker with the rest of the analysis (analysis.ts), never on the server's
// thread.
import { dirname, join } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { BoolDecl, PolicyAst } from "../policy/ast.js";
import type { NameIndex } from "../policy/name-index.js";
import type { SourceLookup } from "../build/locate.js";

/** The name of the config file `xsm lint` reads. */
export const LINT_CONFIG = ".xsm-lint.json";

/** The config file `xsm lint` reads for a policy.conf (beside it) or a tree (in its folder). */
export function lintConfigPath(target: string, isTree: boolean): string {
  return join(isTree ? target : dirname(target), LINT_CONFIG);
}

/** Whether a path (or URI) names a lint config, `.xsm-lint.json`: never a policy to analyse. */
export function isLintConfig(pathOrUri: string): boolean {
  return /(^|[/\\])\.xsm-lint\.json$/.test(pathOrUri);
}

/** A quick fix that is certain (onCodeAction offers it while the text is still `expect` there):
 *  one edit removing the lines [start, end) of a policy.conf, as offsets into the text analysed. */
export interface LintFix {
  title: string;
  start: number;
  end: number;
  expect: string;
}

/** The fix of a finding in a policy.conf: a duplicate rule's line deleted (the earlier rule grants
 *  all it does), or an unused boolean's declaration removed when nothing else names it (no `if`,
 *  no other statement). Only where the statement has its lines to itself, and only for the text's
 *  own statements (not ones a `#line` says come from another file, as m4's output does). */
export function lintFix(
  d: Diagnostic,
  a: { text: string; ast?: PolicyAst; index?: NameIndex },
  file: string,
): LintFix | undefined {
  if (!d.span || d.span.offset < 0 || d.span.file !== file) return undefined;
  if (d.code === "duplicate-rule") {
    const lines = ownLines(a.text, d.span.offset, d.span.offset + d.span.length);
    return lines && { title: "Delete this duplicate rule", ...lines };
  }
  if (d.code === "unused-boolean" && a.ast && a.index) {
    const at = d.span.offset;
    const decl = a.ast.statements.find(
      (s): s is BoolDecl => s.kind === "bool" && (s.span.offset === at || s.name.span.offset === at),
    );
    if (!decl || decl.span.file !== file) return undefined;
    const { index } = a;
    let named = 0;
    for (let i = 0; i < index.count; i++) if (index.names[index.name[i]!] === decl.name.name) named++;
    if (named !== 1) return undefined; // (its declaration is the one)
    const lines = ownLines(a.text, decl.span.offset, decl.span.offset + decl.span.length);
    return lines && { title: `Remove the unused boolean ${decl.name.name}`, ...lines };
  }
  return undefined;
}

/** The whole lines of text[from, to) with the newline after them, when nothing else is on them
 *  (blanks before, blanks or a comment after). */
function ownLines(text: string, from: number, to: number): Omit<LintFix, "title"> | undefined {
  const start = text.lastIndexOf("\n", from - 1) + 1;
  const eol = text.indexOf("\n", to);
  const end = eol < 0 ? text.length : eol + 1;
  if (!/^[ \t]*$/.test(text.slice(start, from))) return undefined;
  if (!/^[ \t]*(#.*)?\r?\n?$/.test(text.slice(to, end))) return undefined;
  return { start, end, expect: text.slice(start, end) };
}

/** A quick fix in a file of a policy tree: its whole line `line` (0-based) removed, offered while
 *  the text there is still `expect` (the line with its newline; the last line has none). */
export interface TreeLintFix {
  title: string;
  file: string;
  line: number;
  expect: string;
}

/** A policy tree's files (relative to it: every module's, switched on or off) and their texts as
 *  the editor has them. */
export interface TreeTexts {
  files: readonly string[];
  sources: SourceLookup;
}

/** The fix of an unused boolean in a policy tree (Xen's tools/flask/policy): the line declaring
 *  it removed, where that line is `gen_bool(NAME, DEFAULT)` (misc_macros.spt's macro, which writes
 *  `bool NAME dflt_or_overr(NAME_conf, DEFAULT);`) or `bool NAME DEFAULT;`, alone on it (a comment
 *  after it aside), and no other place of any file of the tree names the boolean: not an `if` in
 *  an interface no module calls, not a module switched off, not a comment. `NAME_conf`, the
 *  build's override of the default (`-D NAME_conf=true`), is another word and means nothing once
 *  the boolean is gone. */
export function treeLintFix(d: Diagnostic, tree: TreeTexts): TreeLintFix | undefined {
  const span = d.span;
  if (d.code !== "unused-boolean" || !span || span.endLine !== span.line) return undefined;
  const text = tree.sources(span.file);
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  const lineText = lines[span.line - 1];
  if (lineText === undefined) return undefined;
  const name = lineText.slice(span.col - 1, span.endCol - 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined;
  const declares = new RegExp(
    `^[ \\t]*(?:gen_bool\\([ \\t]*\`?${name}'?[ \\t]*,[ \\t]*\`?(?:true|false)'?[ \\t]*\\)|bool[ \\t]+${name}[ \\t]+(?:true|false)[ \\t]*;)[ \\t]*(?:#.*)?\\r?$`,
  );
  if (!declares.test(lineText)) return undefined;
  const word = new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`, "g");
  let named = 0;
  for (const file of tree.files) {
    named += tree.sources(file)?.match(word)?.length ?? 0;
    if (named > 1) return undefined;
  }
  if (named !== 1) return undefined; // (the line itself is the one)
  const last = span.line === lines.length;
  return { title: `Remove the unused boolean ${name}`, file: span.file, line: span.line - 1, expect: last ? lineText : `${lineText}\n` };
}
