// Diagnostics carried through edits: a compile answers for the text it was given, and the page
// keeps typing meanwhile (the 250 ms before a compile, the 400 ms and m4's run before a tree's
// rebuild). Each span in the edited text moves with the text around it, as CodeMirror moves its
// own underlines (ChangeDesc.mapPos), so the list below the editor and the marks a late answer
// sets stay on the text they are about until the next answer replaces them.
import type { ChangeDesc, Text } from "@codemirror/state";
import type { Diagnostic, Span } from "../../diagnostics/diagnostic.js";

/** `diagnostics` of `before`, moved onto `after` (before with `changes`); only the spans `here`
 *  says are in this text (a tree's other files stay as they are). */
export function mapDiagnostics(diagnostics: readonly Diagnostic[], changes: ChangeDesc, before: Text, after: Text, here: (file: string) => boolean): Diagnostic[] {
  const move = (s: Span): Span => {
    if (s.offset < 0 || !here(s.file)) return s;
    const start = Math.min(s.offset, before.length);
    const end = Math.min(start + s.length, before.length);
    // (text typed at its start goes before it, at its end after it: CodeMirror's marks do the same)
    const from = changes.mapPos(start, 1);
    const to = Math.max(from, changes.mapPos(end, -1));
    // lines and columns by difference: a policy.conf's #line directives make its lines other than
    // the editor's
    const [was, is, wasEnd, isEnd] = [before.lineAt(start), after.lineAt(from), before.lineAt(end), after.lineAt(to)];
    return {
      ...s,
      offset: from,
      length: to - from,
      line: s.line + is.number - was.number,
      col: s.col + (from - is.from) - (start - was.from),
      endLine: s.endLine + isEnd.number - wasEnd.number,
      endCol: s.endCol + (to - isEnd.from) - (end - wasEnd.from),
    };
  };
  return diagnostics.map((d) => {
    const span = d.span && move(d.span);
    const notes = d.notes?.map((n) => (n.span ? { ...n, span: move(n.span) } : n));
    return { ...d, ...(span ? { span } : {}), ...(notes ? { notes } : {}) };
  });
}
