// textDocument/selectionRange: what "expand selection" grows through, from the name under the
// cursor outwards: a `{ ... }` set or a call's arguments, the statement (for a policy.conf, the
// parsed one, an `if` block around its rules), a define's body and the define, the policy.conf's
// section, the whole file. Brackets and statements are read from the text as the editor has it
// (outside comments and quoted names), so a tree's m4 sources, which the compiler sees only through
// m4, expand as their text reads; a policy.conf's parsed statements join in from its last good
// parse, where the text is as it was parsed (server.ts maps them onto the text being edited).
import type { SelectionRange } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";

/** [start, end) offsets into the document. */
export type Span2 = readonly [number, number];

export interface SelectionInput {
  doc: TextDocument;
  /** A tree's m4 source (`dnl` comments, quotes, `$1`). */
  m4: boolean;
  /** Parsed statements (a policy.conf's, from its last good parse) where the text is as parsed. */
  statements?: readonly Span2[];
  /** What was edited since that parse: there the text's own statements. */
  edited?: Span2;
  /** Sections of the policy.conf as lines, inclusive. */
  sections?: readonly { start: number; end: number }[];
}

const isWord = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_$]/.test(c);

/** The selection ranges at each position, innermost first, each inside the next. */
export function selectionRanges(
  input: SelectionInput,
  positions: readonly { line: number; character: number }[],
): SelectionRange[] {
  const { doc, m4 } = input;
  const text = doc.getText();
  const spans = textSpans(text, m4);
  // a policy.conf's parsed statements, when there are, in place of the text's guesses (`class c`
  // and `sid s` end without a `;`), but in what was edited since they were parsed
  const edited = input.edited;
  const guessed = edited ? spans.statements.filter(([a, b]) => a < edited[1] && edited[0] < b) : [];
  const statements = input.statements ? [...input.statements, ...guessed] : spans.statements;
  const lines = (input.sections ?? []).map((s): Span2 => [
    doc.offsetAt({ line: s.start, character: 0 }),
    lineEnd(text, doc.offsetAt({ line: s.end, character: 0 })),
  ]);
  const candidates = [...spans.groups, ...statements, ...lines, [0, text.length] as Span2];
  return positions.map((p) => {
    const at = doc.offsetAt(p);
    let s = at;
    let e = at;
    while (s > 0 && isWord(text[s - 1])) s--;
    while (e < text.length && isWord(text[e])) e++;
    // the innermost first; a span that does not hold the one before it is not on the way out
    const chain: Span2[] = [[s, e]];
    const around = candidates
      .filter(([a, b]) => a <= s && e <= b)
      .sort((x, y) => x[1] - x[0] - (y[1] - y[0]) || y[0] - x[0]);
    for (const c of around) {
      const last = chain[chain.length - 1]!;
      if (c[0] === last[0] && c[1] === last[1]) continue;
      if (c[0] <= last[0] && last[1] <= c[1]) chain.push(c);
    }
    let range: SelectionRange | undefined;
    for (let k = chain.length - 1; k >= 0; k--) {
      const [a, b] = chain[k]!;
      const here = { start: doc.positionAt(a), end: doc.positionAt(b) };
      range = range ? { range: here, parent: range } : { range: here };
    }
    return range!;
  });
}

/** Only blanks before `at` on its line. */
function startsLine(text: string, at: number): boolean {
  let k = at - 1;
  while (k >= 0 && (text[k] === " " || text[k] === "\t")) k--;
  return k < 0 || text[k] === "\n" || text[k] === "\r";
}

/** Spans of `before` placed in `after`, the same text but for one edited run (the common prefix
 *  and suffix kept): a span before the edit stays, one after it moves, one around it grows; one
 *  the edit cuts is dropped. `edited` is the run in `after` (none when the texts are equal). */
export function carrySpans(
  before: string,
  after: string,
  spans: readonly Span2[],
): { spans: Span2[]; edited?: Span2 } {
  if (before === after) return { spans: [...spans] };
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before[p] === after[p]) p++;
  let s = 0;
  while (s < max - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  const oldEnd = before.length - s;
  const delta = after.length - before.length;
  const out: Span2[] = [];
  for (const [a, b] of spans) {
    if (b <= p) out.push([a, b]);
    else if (a >= oldEnd) out.push([a + delta, b + delta]);
    else if (a < p && b > oldEnd) out.push([a, b + delta]);
  }
  return { spans: out, edited: [p, after.length - s] };
}

/** The end of the line `from` is on, before its line break. */
export function lineEnd(text: string, from: number): number {
  const eol = text.indexOf("\n", from);
  const end = eol < 0 ? text.length : eol;
  return text[end - 1] === "\r" ? end - 1 : end;
}

interface Frame {
  /** The opening bracket, or -1 for the file. */
  open: number;
  /** Where the group's range starts: the bracket, or a call's name before it. */
  from: number;
  close: string;
  /** First significant character of the statement under way at this level (-1: none yet). */
  stmt: number;
  /** End of the statement's last significant character. */
  last: number;
}

/** Statements of a policy.conf that end without a `;` (policy_parse.y): `class c`, `sid s`, a
 *  context of an initial SID or a device. */
const NO_SEMICOLON = new Set([
  "class",
  "sid",
  "common",
  "pirqcon",
  "iomemcon",
  "ioportcon",
  "pcidevicecon",
  "devicetreecon",
  "genfscon",
  "portcon",
  "netifcon",
  "nodecon",
]);

/** Keywords that only start a statement (not `level`, `range`, `types`, which a `user` or `role`
 *  continued on its next line may start with). */
const STATEMENT_STARTS = new Set([
  ...NO_SEMICOLON,
  "type",
  "typealias",
  "typeattribute",
  "typebounds",
  "attribute",
  "attribute_role",
  "roleattribute",
  "expandattribute",
  "bool",
  "tunable",
  "if",
  "role",
  "role_transition",
  "user",
  "allow",
  "auditallow",
  "auditdeny",
  "dontaudit",
  "neverallow",
  "type_transition",
  "type_member",
  "type_change",
  "range_transition",
  "constrain",
  "validatetrans",
  "mlsconstrain",
  "mlsvalidatetrans",
  "sensitivity",
  "dominance",
  "category",
  "policycap",
  "permissive",
  "default_user",
  "default_role",
  "default_type",
  "default_range",
  "platform",
]);

/** Bracket groups (a call with its name) and statements, read from the text: a statement ends at
 *  `;` or at a group that closes its line (`class c { ... }`, an m4 call, `if (...) { } else { }`),
 *  inside parentheses at a comma (a call's argument, a define's body), and in a policy.conf, one
 *  that ends without `;` (`class c`) where a line starts another. */
export function textSpans(text: string, m4: boolean): { groups: Span2[]; statements: Span2[] } {
  const out: Span2[] = [];
  const groups: Span2[] = [];
  const stack: Frame[] = [{ open: -1, from: 0, close: "", stmt: -1, last: -1 }];
  const top = () => stack[stack.length - 1]!;
  const endStatement = (f: Frame, end: number) => {
    if (f.stmt >= 0) out.push([f.stmt, end]);
    f.stmt = -1;
  };
  const significant = (f: Frame, at: number, end: number) => {
    if (f.stmt < 0) f.stmt = at;
    f.last = end;
  };
  /** Only blanks and a comment before the end of the line after `i`. */
  const closesLine = (i: number) => {
    const rest = /^[ \t]*(?:#[^\n]*|dnl\b[^\n]*)?(?:\r?\n|$)/.exec(text.slice(i, i + 400));
    return rest !== null && (m4 || !rest[0].includes("dnl"));
  };
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    const dnl =
      m4 && c === "d" && text.startsWith("dnl", i) && !isWord(text[i + 3]) && !isWord(text[i - 1]);
    if (c === "#" || dnl) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    // (m4's quotes are no part of a statement)
    if (/\s/.test(c) || (m4 && (c === "`" || c === "'"))) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j++;
      const end = text[j] === '"' ? j + 1 : j;
      significant(top(), i, end);
      i = end;
      continue;
    }
    if (m4 && c === "$") {
      const end = Math.min(text.length, i + 2);
      significant(top(), i, end);
      i = end;
      continue;
    }
    if (c === "{" || c === "(") {
      const f = top();
      // a call: its name directly before the parenthesis
      let from = i;
      if (c === "(") while (from > 0 && isWord(text[from - 1])) from--;
      significant(f, from, i + 1);
      stack.push({ open: i, from, close: c === "{" ? "}" : ")", stmt: -1, last: -1 });
      i++;
      continue;
    }
    if ((c === "}" || c === ")") && stack.length > 1 && top().close === c) {
      const f = stack.pop()!;
      if (f.stmt >= 0) endStatement(f, f.last);
      groups.push([f.from, i + 1]);
      const outer = top();
      significant(outer, f.from, i + 1);
      i++;
      if (closesLine(i)) endStatement(outer, i);
      continue;
    }
    if (c === ";") {
      const f = top();
      significant(f, i, i + 1);
      endStatement(f, i + 1);
      i++;
      continue;
    }
    if (c === "," && top().close === ")") {
      const f = top();
      endStatement(f, f.last);
      i++;
      continue;
    }
    let j = i + 1;
    if (isWord(c)) while (j < text.length && isWord(text[j])) j++;
    const f = top();
    if (!m4 && stack.length === 1 && f.stmt >= 0 && startsLine(text, i)) {
      const word = (at: number, end: number) => text.slice(at, end).toLowerCase();
      const first = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(f.stmt, f.stmt + 40))?.[0] ?? "";
      if (NO_SEMICOLON.has(first.toLowerCase()) && STATEMENT_STARTS.has(word(i, j))) {
        endStatement(f, f.last);
      }
    }
    significant(f, i, j);
    i = j;
  }
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.stmt >= 0) out.push([f.stmt, f.last]);
  }
  return { groups, statements: out };
}
