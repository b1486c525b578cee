// The m4 macros a policy tree defines (`define(`name', `body')` in .spt and .if files) and the
// calls to them in a line of source: just enough of m4's syntax (quotes ` ', parentheses, commas,
// # comments, $1..$9) to say which macro produced a line of policy.conf. m4 itself does the
// expanding.

export interface MacroDef {
  name: string;
  /** File (as the tree names it), and where the body's text starts in it. */
  file: string;
  bodyOffset: number;
  /** The body as written (without its outer quotes). */
  body: string;
}

export interface MacroCall {
  name: string;
  /** Offset of the name in the text scanned. */
  offset: number;
  /** The arguments, unquoted once and with leading blanks dropped, as m4 collects them. */
  args: string[];
}

const DEFINE = /\bdefine\(\s*`([A-Za-z_][A-Za-z0-9_]*)'\s*,\s*`/g;

/** End (exclusive) of the quoted string whose opening ` is just before `from`; -1 if unclosed. */
function quoteEnd(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "`") depth++;
    else if (c === "'" && --depth === 0) return i;
  }
  return -1;
}

/** Every `define` of a file, in order (a later definition of a name wins, as in m4). */
export function macroDefinitions(text: string, file: string): MacroDef[] {
  const defs: MacroDef[] = [];
  DEFINE.lastIndex = 0;
  for (let m = DEFINE.exec(text); m; m = DEFINE.exec(text)) {
    // a define inside a comment line is not one
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (text.slice(lineStart, m.index).includes("#")) continue;
    const bodyOffset = m.index + m[0].length;
    const end = quoteEnd(text, bodyOffset);
    if (end < 0) continue;
    defs.push({ name: m[1]!, file, bodyOffset, body: text.slice(bodyOffset, end) });
    DEFINE.lastIndex = end;
  }
  return defs;
}

/** An argument list as m4 collects it, from the '(' at `open`: unquoted blanks before each
 *  argument dropped, one level of quotes taken off, a comma or parenthesis inside quotes, inner
 *  parentheses or a `#` comment (kept in the argument, as m4 keeps it) not counted. */
export interface ArgumentScan {
  /** Each argument's text as m4 passes it on. */
  args: string[];
  /** Where each argument's first word starts, after blanks and comments (none for `f()`). */
  starts: number[];
  /** The commas that separate the arguments. */
  commas: number[];
  /** The closing ')', or -1 when the list does not close before `limit`. */
  close: number;
}

export function scanArguments(text: string, open: number, limit = text.length): ArgumentScan {
  const out: ArgumentScan = { args: [], starts: [], commas: [], close: -1 };
  let current = "";
  let depth = 0; // parentheses inside the list
  let quote = 0;
  let leading = true; // m4 drops blanks before an argument's first token (a comment is one)
  let unstarted = true; // nothing but blanks and comments yet
  for (let i = open + 1; i < limit; i++) {
    const c = text[i]!;
    if (quote > 0) {
      if (c === "`") quote++;
      else if (c === "'") quote--;
      if (quote > 0) current += c;
      continue;
    }
    if (c === "#") {
      // to the end of the line, quotes and commas and all
      const eol = text.indexOf("\n", i);
      const stop = eol < 0 || eol > limit ? limit : eol;
      current += text.slice(i, stop);
      leading = false;
      i = stop - 1;
      continue;
    }
    if (unstarted) {
      if (/\s/.test(c)) {
        if (!leading) current += c;
        continue;
      }
      if (!(c === ")" && depth === 0)) out.starts.push(i);
      unstarted = leading = false;
    }
    if (c === "`") {
      quote = 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && depth-- === 0) {
      out.args.push(current);
      out.close = i;
      return out;
    } else if (c === "," && depth === 0) {
      out.args.push(current);
      out.commas.push(i);
      current = "";
      unstarted = leading = true;
      continue;
    }
    current += c;
  }
  out.args.push(current);
  return out;
}

/** Calls to known macros in text[from, to): a macro name standing alone, with its arguments when a
 *  '(' follows it directly (as m4 requires). Names in comments do not count. */
export function macroCalls(text: string, from: number, to: number, known: ReadonlyMap<string, MacroDef>): MacroCall[] {
  const calls: MacroCall[] = [];
  const word = /[A-Za-z_][A-Za-z0-9_]*/g;
  word.lastIndex = from;
  for (let m = word.exec(text); m && m.index < to; m = word.exec(text)) {
    if (text.lastIndexOf("#", m.index) > text.lastIndexOf("\n", m.index)) continue; // in a comment
    if (!known.has(m[0])) continue;
    const after = m.index + m[0].length;
    if (text[after] === "(") {
      const scan = scanArguments(text, after);
      calls.push({ name: m[0], offset: m.index, args: scan.close < 0 ? [] : scan.args });
      if (scan.close >= 0) word.lastIndex = scan.close + 1;
    } else {
      calls.push({ name: m[0], offset: m.index, args: [] });
    }
  }
  return calls;
}

/** One line of a body with $1..$9 replaced by the call's arguments, and for each character of the
 *  result the offset (within the line as written) it came from, so a column maps back. */
export function substituteLine(line: string, args: readonly string[]): { text: string; origin: number[] } {
  let text = "";
  const origin: number[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "$" && /[0-9]/.test(line[i + 1] ?? "")) {
      const n = Number(line[i + 1]);
      const value = n === 0 ? "" : (args[n - 1] ?? "");
      for (let k = 0; k < value.length; k++) origin.push(i);
      text += value;
      i++;
      continue;
    }
    origin.push(i);
    text += line[i];
  }
  return { text, origin };
}

/** Every macro a tree's sections define, by name, read in m4's order (a later definition wins). */
export function sectionMacros(sections: readonly string[], sources: (file: string) => string | undefined): Map<string, MacroDef> {
  const macros = new Map<string, MacroDef>();
  for (const file of sections) {
    const text = sources(file);
    if (text === undefined || !text.includes("define(")) continue;
    for (const def of macroDefinitions(text, file)) macros.set(def.name, def);
  }
  return macros;
}
