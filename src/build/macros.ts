// The m4 macros a policy tree defines (`define(`name', `body')` in .spt and .if files) and the
// calls to them in a line of source: just enough of m4's syntax (quotes ` ', parentheses, commas,
// $1..$9) to say which macro produced a line of policy.conf. m4 itself does the expanding.

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

/** The arguments of a call whose '(' is at `open`, or undefined if the parenthesis never closes. */
function callArgs(text: string, open: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let current = "";
  let depth = 0; // parentheses inside the call
  let quote = 0;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote > 0) {
      if (c === "`") quote++;
      else if (c === "'") quote--;
      if (quote > 0) current += c;
      continue;
    }
    if (c === "`") {
      quote = 1;
      continue;
    }
    if (c === "(") depth++;
    if (c === ")" && depth-- === 0) {
      args.push(current);
      return { args, end: i + 1 };
    }
    if (c === "," && depth === 0) {
      args.push(current);
      current = "";
      continue;
    }
    // m4 drops unquoted blanks and newlines before an argument
    if (current === "" && /\s/.test(c!)) continue;
    current += c;
  }
  return undefined;
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
      const parsed = callArgs(text, after);
      calls.push({ name: m[0], offset: m.index, args: parsed?.args ?? [] });
      if (parsed) word.lastIndex = parsed.end;
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
