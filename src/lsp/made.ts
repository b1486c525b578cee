// Names m4 makes rather than copies: `type $1_self;` in a define's body declares `dom0_t_self`
// where the text says `$1_self`. The locator (src/build/locate.ts) traces each name of m4's output
// to the body line and column it came from; here the pattern word written there (letters, digits,
// `_` and `$1`..`$9`) is taken as the name's place when, its parameters read as any argument, it
// spells the whole name. Such a place is where the name's hover, definition and semantic token
// are; renaming it is refused (rename.ts: the text does not spell the name).
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
 * $1_self)`); else the bare parameter at `at` (`$2` in `allow $1 $2:grant`).
 */
export function madePlace(
  name: string,
  at: Span,
  context: readonly Note[],
  linesOf: (file: string) => string[] | undefined,
): MadePlace | undefined {
  const own = linesOf(at.file)?.[at.line - 1];
  const col = at.col - 1;
  const holds = (p: { word: string; start: number }) => p.start <= col && col < p.start + p.word.length;
  const here = own === undefined ? undefined : patterns(own).find(holds);
  const ownPlace =
    here && makes(here.word, name)
      ? { file: at.file, line: at.line - 1, start: here.start, end: here.start + here.word.length }
      : undefined;
  if (ownPlace && literal(here!.word)) return ownPlace;
  for (const ctx of context) {
    if (!ctx.span) continue;
    const line = linesOf(ctx.span.file)?.[ctx.span.line - 1];
    if (line === undefined) continue;
    const words = patterns(line.slice(ctx.span.col - 1));
    const found = words.find((p) => literal(p.word) && makes(p.word, name));
    if (found) {
      const start = ctx.span.col - 1 + found.start;
      const end = start + found.word.length;
      return { file: ctx.span.file, line: ctx.span.line - 1, start, end };
    }
  }
  return ownPlace;
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
