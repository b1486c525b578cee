// Names m4 makes rather than copies: `type $1_self;` in a define's body declares `dom0_t_self`
// where the text says `$1_self`. The locator (src/build/locate.ts) traces each name of m4's output
// to the body line and column it came from; here the pattern word written there (letters, digits,
// `_` and `$1`..`$9`) is taken as the name's place when, its parameters read as any argument, it
// spells the whole name. Such a place is where the name's hover, definition and semantic token
// are; renaming it is refused (rename.ts: the text does not spell the name). A name that several
// patterns of a call could make (`pair($1_$2, $1_$2_x)`) is placed at the ones the call's
// arguments make it from, when they can be told from the text, else at every one; a name that
// splits several ways (`$1_$2` making `a_b_c`) has every reading in its hover.
import type { Note, Span } from "../diagnostics/diagnostic.js";

/** A name's place: file (as the tree names it), zero-based line, [start, end) characters. */
export interface MadePlace {
  file: string;
  line: number;
  start: number;
  end: number;
}

/** Words of m4 source that may make a name: identifier characters and macro parameters. */
const PATTERN = /(?:[A-Za-z0-9_]|\$[0-9])+/g;

const compiled = new Map<string, RegExp>();
/** The pattern's parameters as any run of identifier characters (an argument may be empty). */
function matcher(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const parts = pattern.split(/(\$[0-9])/);
    const source = parts.map((part, k) => (k % 2 ? "[A-Za-z0-9_]*" : part)).join("");
    compiled.set(pattern, (re = new RegExp(`^${source}$`)));
  }
  return re;
}

/** Whether `pattern` (a word with `$N` in it) makes `name` for some arguments. */
export function makes(pattern: string, name: string): boolean {
  return pattern.includes("$") && WHOLE.test(pattern) && matcher(pattern).test(name);
}
const WHOLE = /^(?:[A-Za-z0-9_]|\$[0-9])+$/;

/** The pattern words of a line, with where each starts. */
function patterns(line: string): { word: string; start: number }[] {
  return [...line.matchAll(PATTERN)].map((m) => ({ word: m[0], start: m.index! }));
}

/** A pattern with written text besides its parameters (`$1_self`), which says what it makes;
 *  a bare `$2` passes on whatever it was given. */
const literal = (word: string) => word.replace(/\$[0-9]/g, "") !== "";

/**
 * Where m4 made `name`, traced to `at` (the body line and column its first character came from)
 * within the calls `context` (innermost first): the pattern written at `at` when it has text of its
 * own; else the innermost call's line whose arguments make it (`declare_domain_common($1,
 * $1_self)`: each pattern there that does, or, of several, the ones the arguments of the call
 * around that line make it from, `argsOf` giving a call's arguments); else the bare parameter at
 * `at` (`$2` in `allow $1 $2:grant`).
 */
export function madePlaces(
  name: string,
  at: Span,
  context: readonly Note[],
  linesOf: (file: string) => string[] | undefined,
  argsOf: (call: Note) => readonly string[] | undefined = () => undefined,
): MadePlace[] {
  /** What m4 makes of `pattern` written where the $N are the arguments of call `level` (theirs of
   *  the call after it); undefined when an argument is more than a plain word m4 copies. */
  const valueOf = (pattern: string, level: number): string | undefined => {
    if (!pattern.includes("$")) return pattern;
    const call = context[level];
    const args = call && level < 9 ? argsOf(call) : undefined;
    if (!args) return undefined;
    let out = "";
    for (const part of pattern.split(/(\$[0-9])/)) {
      if (!/^\$[0-9]$/.test(part)) {
        out += part;
        continue;
      }
      const arg = part === "$0" ? undefined : (args[Number(part[1]) - 1] ?? "");
      const value =
        arg !== undefined && /^(?:[A-Za-z0-9_]|\$[0-9])*$/.test(arg)
          ? valueOf(arg, level + 1)
          : undefined;
      if (value === undefined) return undefined;
      out += value;
    }
    return out;
  };
  const own = linesOf(at.file)?.[at.line - 1];
  const col = at.col - 1;
  const holds = (p: { word: string; start: number }) =>
    p.start <= col && col < p.start + p.word.length;
  const here = own === undefined ? undefined : patterns(own).find(holds);
  const ownPlace =
    here && makes(here.word, name)
      ? { file: at.file, line: at.line - 1, start: here.start, end: here.start + here.word.length }
      : undefined;
  if (ownPlace && literal(here!.word)) return [ownPlace];
  for (const [level, ctx] of context.entries()) {
    if (!ctx.span) continue;
    const line = linesOf(ctx.span.file)?.[ctx.span.line - 1];
    if (line === undefined) continue;
    const span = ctx.span;
    const found = patterns(line.slice(span.col - 1)).filter(
      (p) => literal(p.word) && makes(p.word, name),
    );
    if (found.length === 0) continue;
    // (the words of a call's line are written where the $N are the next call's arguments)
    const exact = found.length > 1 ? found.filter((p) => valueOf(p.word, level + 1) === name) : [];
    return (exact.length > 0 ? exact : found).map((p) => {
      const start = span.col - 1 + p.start;
      return { file: span.file, line: span.line - 1, start, end: start + p.word.length };
    });
  }
  return ownPlace ? [ownPlace] : [];
}

/** Every way `pattern` makes `name`, each the value of every parameter in the order they first
 *  appear (a parameter written twice has one value); at most `limit` of them. */
export function readings(pattern: string, name: string, limit = 8): [string, string][][] {
  const parts = pattern.split(/(\$[0-9])/).filter((p) => p !== "");
  const out: [string, string][][] = [];
  const values = new Map<string, string>();
  const walk = (k: number, at: number): void => {
    if (out.length >= limit) return;
    if (k === parts.length) {
      if (at === name.length) out.push([...values]);
      return;
    }
    const part = parts[k]!;
    const known = part.startsWith("$") ? values.get(part) : part;
    if (known !== undefined) {
      if (name.startsWith(known, at)) walk(k + 1, at + known.length);
      return;
    }
    for (let end = at; end <= name.length && /^[A-Za-z0-9_]*$/.test(name.slice(at, end)); end++) {
      values.set(part, name.slice(at, end));
      walk(k + 1, end);
      values.delete(part);
    }
  };
  if (makes(pattern, name)) walk(0, 0);
  return out;
}

/** The readings of `name` from `pattern` as a hover says them, when there are several. */
export function readingsText(pattern: string, name: string): string | undefined {
  const all = readings(pattern, name);
  if (all.length < 2) return undefined;
  const one = (r: [string, string][]) => r.map(([p, v]) => `\`${p}\` = \`${v}\``).join(", ");
  const more = readings(pattern, name, 9).length > 8 ? "; and more" : "";
  return `\`${name}\` reads ${all.length} ways: ${all.map(one).join("; or ")}${more}`;
}

/** The columns of a model's index (model.ts's IndexModel) that place its occurrences. */
interface Placed {
  made?: Uint8Array;
  file: Int32Array;
  line: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

/** The made occurrences of a model's index placed in file `file` at (line, character). */
export function madeAt(index: Placed, file: number, line: number, character: number): number[] {
  const out: number[] = [];
  const made = index.made;
  if (!made || file < 0) return out;
  for (let i = 0; i < made.length; i++) {
    if (!made[i] || index.file[i] !== file || index.line[i] !== line) continue;
    if (index.start[i]! <= character && character <= index.end[i]!) out.push(i);
  }
  return out;
}
