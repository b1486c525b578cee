// Which parentheses of an m4 source are never closed in their file, and which `)` close a call a
// macro's expansion opened, read as GNU m4 reads a file with its default quotes and comments: a
// quoted string and a `#` comment (to its line's end) hold none, `dnl` discards through its newline,
// and `dnl(` first collects its arguments (then discards the rest of the line). m4 collects a
// macro's arguments within one file ("end of file in argument list" ends the run at the file's end,
// the next file on the command line never continues them), so a `word(` whose parenthesis is never
// closed here is either an error of m4's (`word` is a macro) or text m4 copies as it is (`word` is
// none). m4 rescans a macro's expansion with the input after it, so an expansion ending inside
// `name(`, name a macro, collects its arguments from the file's text after the call, up to a `)`
// there that closes nothing the file opened (`define(`open', `show(')open a  b )`). A `)` that closes
// nothing the file opened is the evidence that a macro fmt cannot see (another file's) opened a call
// (`open a ) b ( open  c )`): that word may do it again further on, where the `)` that ends its
// call is one the file reads as closing a parenthesis opened before the word.

import { LineStarts } from "../diagnostics/line-starts.js";

/** GNU m4 1.4.19's builtins (`dumpdef` with m4 run bare), which a file cannot have left undefined
 *  before it starts; the Makefile's `-D` names follow. */
export const BUILTINS = [
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

/** How m4 reads the parentheses of an m4 source (see unclosedParens). */
export interface M4Parens {
  /** The offset of every `(` never closed in the file (a `word(`'s or a lone one). */
  parens: Set<number>;
  /** The calls among them, by the offset of their `(`. */
  calls: Map<number, UnclosedCall>;
  /** Calls a macro's expansion opens that the file's text closes: by the offset of the macro's
   *  last character (its name's, or its own call's `)`), how many parentheses m4 is inside of
   *  after the expansion, each closed by a `)` of the file that closes nothing the file opened.
   *  Only for a macro the file defines, whose body ends inside a call of a certain macro. */
  expansions: Map<number, number>;
  /** Text m4 may collect as the arguments of a call that a macro fmt cannot see (another file's)
   *  opened, as [first, last] offsets, in order, none overlapping. A `)` after a word that closes
   *  nothing the file or an expansion above opened closes such a call, or is text, and fmt cannot
   *  tell which: from the file's first word to the last such `)`. And each later use of a word m4
   *  read before that `)` (any of them may be the macro), or of a macro of the file whose body
   *  opens calls fmt cannot count, inside parentheses: from the word to where they are all closed
   *  (keptRanges). */
  kept: [number, number][];
}

/** A `(` m4 has read and not yet closed: a lone one, a call's (a word before it), or one an
 *  expansion left open (`expansion`: the offset of its macro's last character). */
interface Open {
  at: number;
  call?: UnclosedCall;
  dnl: boolean;
  expansion?: number;
}

/** What define/pushdef (a body when it is one quoted string) and undefine/popdef did to a name,
 *  in the file's order. */
type Definitions = Map<string, { at: number; macro: boolean; body?: [number, number] }[]>;

const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Reads text[from, to) as m4 does and returns the parentheses left open. `word` is told of each
 *  word m4 expands (one without `(` after it at its end, a call at its `)`), and may open more. */
function readParens(
  text: string,
  from: number,
  to: number,
  lines: LineStarts,
  on: {
    word?: (name: string, start: number, last: number, open: Open[]) => void;
    token?: (at: number, word: boolean) => void;
    close?: (o: Open | undefined, at: number, open: Open[]) => void;
  } = {},
): Open[] {
  const open: Open[] = [];
  const toEol = (i: number): number => {
    const nl = text.indexOf("\n", i);
    return nl === -1 || nl > to ? to : nl;
  };
  let quote = 0;
  for (let i = from; i < to; i++) {
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
      while (end < to && isWordChar(text[end])) end++;
      const name = text.slice(i, end);
      if (name !== "dnl") on.token?.(i, true);
      if (end < to && text[end] === "(") {
        open.push({ at: end, call: { name, offset: i, ...lines.position(i) }, dnl: name === "dnl" });
        i = end;
      } else if (name === "dnl") i = toEol(end); // through its newline
      else {
        on.word?.(name, i, end - 1, open);
        i = end - 1;
      }
    } else if (c === "(") {
      on.token?.(i, false);
      open.push({ at: i, dnl: false });
    } else if (c === ")") {
      const o = open.pop();
      on.close?.(o, i, open);
      if (o === undefined) continue;
      if (o.dnl) i = toEol(i); // after dnl's arguments, the rest of the line
      else if (o.call) on.word?.(o.call.name, o.call.offset, i, open);
    }
  }
  return open;
}

/** How m4 reads the parentheses of `text`, an m4 source (M4Parens). */
export function unclosedParens(text: string): M4Parens {
  const defined: Definitions = new Map();
  const lines = new LineStarts(text);
  const expansions = new Map<number, number>();
  let firstWord = -1;
  let lastUnopened = -1;
  let unopened = 0;
  const profile: Profile = { closes: [], depths: [], words: [], maybe: new Set() };
  const open = readParens(text, 0, text.length, lines, {
    token: (at, isWord) => {
      if (isWord && firstWord === -1) firstWord = at;
    },
    close: (o, at, open) => {
      // (before any word no expansion can have opened a call: text)
      if (o === undefined) {
        unopened++;
        if (firstWord !== -1) lastUnopened = at;
      } else if (o.expansion !== undefined) expansions.set(o.expansion, (expansions.get(o.expansion) ?? 0) + 1);
      profile.closes.push(at);
      profile.depths.push(open.length - unopened);
    },
    word: (name, at, last, open) => {
      profile.words.push({ name, at, last, depth: open.length - unopened });
      if (noteDefinition(text, name, at, last, defined)) return;
      const depth = expansionDepth(text, name, at, defined, lines);
      if (depth < 0) profile.maybe.add(at);
      for (let k = 0; k < depth; k++) open.push({ at: last, dnl: false, expansion: last });
    },
  });
  const parens = new Set<number>();
  const calls = new Map<number, UnclosedCall>();
  for (const o of open) {
    if (o.expansion !== undefined) continue; // (one never closed: text, or m4 stops, as for any call)
    parens.add(o.at);
    if (!o.call) continue;
    const macro = macroAt(o.call.name, o.call.offset, defined, lines);
    if (macro) o.call.macro = macro;
    calls.set(o.at, o.call);
  }
  return { parens, calls, expansions, kept: keptRanges(firstWord, lastUnopened, profile) };
}

/** The file's parentheses as m4 reads them, for keptRanges: after each `)` (at `closes[i]`), how
 *  many are open less how many `)` closed nothing so far (`depths[i]`); the same at each word m4
 *  expands (after a call's `)`, `last`); and the words that are macros whose expansion may open
 *  calls fmt cannot count (expansionDepth -1). */
interface Profile {
  closes: number[];
  depths: number[];
  words: { name: string; at: number; last: number; depth: number }[];
  maybe: Set<number>;
}

/** M4Parens.kept, merged where they overlap. A word that may open calls (one read before a `)`
 *  that closes nothing, used again after it; a macro of the file whose body may) opens as many as
 *  it will, k: m4 collects from it to where the depth first falls k below the word's. fmt cannot
 *  tell k, and m4 stops at the file's end inside a call, so the widest: to where the depth first
 *  reaches its lowest after the word, when that is below the word's. */
function keptRanges(firstWord: number, lastUnopened: number, profile: Profile): [number, number][] {
  const { closes, depths, words, maybe } = profile;
  const ranges: [number, number][] = lastUnopened === -1 ? [] : [[firstWord, lastUnopened]];
  const maybeMacro = new Set(words.filter((w) => w.at < lastUnopened).map((w) => w.name));
  // lowest depth from each `)` on, and the first `)` that reaches it
  const low = new Array<number>(closes.length);
  const lowAt = new Array<number>(closes.length);
  for (let i = closes.length - 1; i >= 0; i--) {
    const later = i + 1 < closes.length && low[i + 1]! < depths[i]!;
    low[i] = later ? low[i + 1]! : depths[i]!;
    lowAt[i] = later ? lowAt[i + 1]! : closes[i]!;
  }
  let j = 0;
  for (const w of words) {
    if (!maybe.has(w.at) && !(lastUnopened !== -1 && w.at > lastUnopened && maybeMacro.has(w.name))) continue;
    while (j < closes.length && closes[j]! <= w.last) j++;
    if (j < closes.length && low[j]! < w.depth) ranges.push([w.at, lowAt[j]!]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}

const lastDefinition = (name: string, offset: number, defined: Definitions) => defined.get(name)?.filter((d) => d.at < offset).pop();

/** Why `name` is certainly a macro at `offset`, or undefined: a macro another file defines, or none. */
function macroAt(name: string, offset: number, defined: Definitions, lines: LineStarts): MacroWhy | undefined {
  const last = lastDefinition(name, offset, defined);
  if (last?.macro) return { kind: "defined", line: lines.position(last.at).line };
  if (last === undefined && BUILTINS.includes(name)) return { kind: "builtin" };
  if (last === undefined && MAKEFILE_DEFINES.includes(name)) return { kind: "makefile" };
  return undefined;
}

/** How many parentheses m4 is inside of after expanding `name` at `at` (no arguments used): the
 *  calls its body, as the file defines it, leaves open, from the first whose name is certainly a
 *  macro there. 0 when it leaves none or is no macro the file defines; -1 when what it leaves
 *  depends on what fmt cannot see (a call below that one of a name another file may define, a
 *  `$1(`, a body that is not one quoted string): M4Parens.kept keeps what it may collect. */
function expansionDepth(text: string, name: string, at: number, defined: Definitions, lines: LineStarts): number {
  const def = lastDefinition(name, at, defined);
  if (!def?.macro) return 0;
  if (def.body === undefined) return -1;
  const left = readParens(text, def.body[0], def.body[1], lines);
  for (let k = 0; k < left.length; k++) {
    const o = left[k]!;
    if (o.call) return macroAt(o.call.name, at, defined, lines) ? left.length - k : -1;
    if (/\$(\d+|[@*#])$/.test(text.slice(Math.max(0, o.at - 6), o.at))) return -1; // `$1(`: a call if $1 names a macro
  }
  return 0;
}

/** `define(`NAME'...` or `pushdef(...)` (the call from `at` to its `)` at `close`) makes NAME a macro
 *  from here on, `undefine` or `popdef` takes it back; only a quoted literal NAME is certain (a bare
 *  word may be a macro naming another). A popdef may leave an older definition: counted as taking
 *  it back, so fmt never refuses on it. True for a call of one of the four. */
function noteDefinition(text: string, word: string, at: number, close: number, defined: Definitions): boolean {
  if (!["define", "pushdef", "undefine", "popdef"].includes(word)) return false;
  const paren = at + word.length;
  const m = /^\([ \t\n]*`([A-Za-z_][A-Za-z0-9_]*)'/.exec(text.slice(paren, paren + 200));
  if (!m) return true;
  const macro = word === "define" || word === "pushdef";
  const events = defined.get(m[1]!) ?? [];
  events.push({ at: paren, macro, body: macro ? quotedBody(text, paren + m[0].length, close) : undefined });
  defined.set(m[1]!, events);
  return true;
}

/** A define's body [start, end) inside its quotes, when the argument after `from` is one quoted
 *  string (m4 drops the blanks before it; those after it, before `close`, are output as they are). */
function quotedBody(text: string, from: number, close: number): [number, number] | undefined {
  const m = /^[ \t\n\r\f\v]*,[ \t\n\r\f\v]*`/.exec(text.slice(from, close));
  if (!m) return undefined;
  const start = from + m[0].length;
  let depth = 1;
  for (let i = start; i < close; i++) {
    if (text[i] === "`") depth++;
    else if (text[i] === "'" && --depth === 0) return /^[ \t\n\r\f\v]*$/.test(text.slice(i + 1, close)) ? [start, i] : undefined;
  }
  return undefined;
}
