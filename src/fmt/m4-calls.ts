// Which parentheses of an m4 source are never closed in their file, read as GNU m4 reads a file
// with its default quotes and comments: a quoted string and a `#` comment (to its line's end) hold
// none, `dnl` discards through its newline, and `dnl(` first collects its arguments (then discards
// the rest of the line). m4 collects a macro's arguments within one file ("end of file in argument
// list" ends the run at the file's end, the next file on the command line never continues them),
// so a `word(` whose parenthesis is never closed here is either an error of m4's (`word` is a
// macro) or text m4 copies as it is (`word` is none).

import { LineStarts } from "../diagnostics/line-starts.js";

/** GNU m4 1.4.19's builtins (`dumpdef` with m4 run bare), which a file cannot have left undefined
 *  before it starts; the Makefile's `-D` names follow. */
const BUILTINS = [
  "__file__", "__gnu__", "__line__", "__program__", "__unix__", "builtin", "changecom", "changequote", "debugfile",
  "debugmode", "decr", "define", "defn", "divert", "divnum", "dnl", "dumpdef", "errprint", "esyscmd", "eval", "format",
  "ifdef", "ifelse", "include", "incr", "index", "indir", "len", "m4exit", "m4wrap", "maketemp", "mkstemp", "patsubst",
  "popdef", "pushdef", "regexp", "shift", "sinclude", "substr", "syscmd", "sysval", "traceoff", "traceon", "translit",
  "undefine", "undivert",
];
/** Xen's Makefile.common (and tools/flask/policy/Makefile before 4.8) defines these on m4's command
 *  line for every file of the tree (enable_mls only with CONFIG_MLS=y, so not here). */
const MAKEFILE_DEFINES = ["self_contained_policy", "mls_num_sens", "mls_num_cats"];

/** What is certainly a macro where a call starts: why m4 collects its arguments. */
export type MacroWhy = { kind: "builtin" } | { kind: "makefile" } | { kind: "defined"; line: number };

/** A `(` straight after an m4 word that is never closed in its file. */
export interface UnclosedCall {
  /** The word before the `(`. */
  name: string;
  /** Where the word starts (offset in the text, 1-based line and column). */
  offset: number;
  line: number;
  col: number;
  /** Set when the word is certainly a macro there (m4 then stops at the file's end); else m4
   *  copies the text as it is, or the word is a macro another file defines and m4 stops. */
  macro?: MacroWhy;
}

const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** The offset of every `(` that is never closed in `text` (a `word(`'s or a lone one), with the
 *  calls among them. */
export function unclosedParens(text: string): { parens: Set<number>; calls: Map<number, UnclosedCall> } {
  // each open `(`: its offset, and the call it starts (a word straight before it)
  const open: { at: number; call?: UnclosedCall; dnl: boolean }[] = [];
  // what define/pushdef (true) and undefine/popdef (false) did to a name, in the file's order
  const defined = new Map<string, { at: number; macro: boolean }[]>();
  const lines = new LineStarts(text);
  const toEol = (i: number): number => {
    const nl = text.indexOf("\n", i);
    return nl === -1 ? text.length : nl;
  };

  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote > 0) {
      if (c === "`") quote++;
      else if (c === "'") quote--;
      continue;
    }
    if (c === "`") quote = 1;
    else if (c === "#") i = toEol(i) - 1; // a comment: nothing in it opens or closes
    else if (isWordStart(c)) {
      let end = i + 1;
      while (isWordChar(text[end])) end++;
      const name = text.slice(i, end);
      if (text[end] === "(") {
        noteDefinition(text, name, end, defined);
        const call: UnclosedCall = { name, offset: i, ...lines.position(i) };
        open.push({ at: end, call, dnl: name === "dnl" });
        i = end;
      } else if (name === "dnl") i = toEol(end); // through its newline
      else i = end - 1;
    } else if (c === "(") open.push({ at: i, dnl: false });
    else if (c === ")" && open.length > 0) {
      if (open.pop()!.dnl) i = toEol(i); // after dnl's arguments, the rest of the line
    }
  }

  const parens = new Set<number>();
  const calls = new Map<number, UnclosedCall>();
  for (const o of open) {
    parens.add(o.at);
    if (!o.call) continue;
    const { name, offset } = o.call;
    const last = defined.get(name)?.filter((d) => d.at < offset).pop();
    if (last?.macro) o.call.macro = { kind: "defined", line: lines.position(last.at).line };
    else if (last === undefined && BUILTINS.includes(name)) o.call.macro = { kind: "builtin" };
    else if (last === undefined && MAKEFILE_DEFINES.includes(name)) o.call.macro = { kind: "makefile" };
    calls.set(o.at, o.call);
  }
  return { parens, calls };
}

/** `define(`NAME'` or `pushdef(...)` makes NAME a macro from here on, `undefine` or `popdef` takes
 *  it back; only a quoted literal NAME is certain (a bare word may be a macro naming another). A
 *  popdef may leave an older definition: counted as taking it back, so fmt never refuses on it. */
function noteDefinition(text: string, word: string, paren: number, defined: Map<string, { at: number; macro: boolean }[]>): void {
  if (!["define", "pushdef", "undefine", "popdef"].includes(word)) return;
  const name = /^\([ \t\n]*`([A-Za-z_][A-Za-z0-9_]*)'/.exec(text.slice(paren, paren + 200))?.[1];
  if (name === undefined) return;
  const events = defined.get(name) ?? [];
  events.push({ at: paren, macro: word === "define" || word === "pushdef" });
  defined.set(name, events);
}
