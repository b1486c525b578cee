// `xsm lint` in the editor: where its config file is (read as `xsm lint` reads it: lint/config.ts),
// and the quick fixes of its findings. The findings themselves are `xsm lint`'s (src/lint: confFindings, treeFindings),
// made in the analysis worker with the rest of the analysis (analysis.ts), never on the server's
// thread.
import { dirname, join } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { BoolDecl, PolicyAst } from "../policy/ast.js";
import type { NameIndex } from "../policy/name-index.js";

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
