// setools' permission map (permmap.py PermissionMap.load): for each class, each permission's
// information flow direction from the subject's view (r: the target's data reaches the source,
// w: the source's data reaches the target, b: both, n: none, u: unmapped) and a weight 1-10.
// The file is read with setools' state machine, so a map seinfoflow accepts is accepted here and
// one it refuses is refused here, each refusal located at file:line:col:
//   - a line is split on whitespace; blank lines and lines whose first word starts with `#` are
//     skipped, so a comment may follow the words a line needs (setools ignores extra words) but
//     not a class line, which must be exactly `class NAME COUNT`;
//   - the first line's first word is the number of classes (>= 1); a class line follows, then
//     COUNT permission lines `NAME DIRECTION WEIGHT`; more classes than declared is an error,
//     fewer (or fewer permissions at the end of the file) is not (a warning here);
//   - numbers are Python int(): digits, an optional sign, `_` between digits;
//   - a class declared twice starts over; a permission given twice keeps the last.
// A class or permission of the policy the map does not name is unmapped (setools' map_policy
// adds it as `u`): no flow.
import { error, warning, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";

export type FlowDirection = "r" | "w" | "b" | "n" | "u";

export interface PermMapping {
  direction: FlowDirection;
  weight: number;
  /** Where the map says so. */
  span: Span;
}

export interface PermMap {
  readonly file: string;
  /** class -> permission -> mapping, in file order. */
  readonly classes: ReadonlyMap<string, ReadonlyMap<string, PermMapping>>;
}

export interface PermMapResult {
  map?: PermMap;
  /** An error (the map is refused) or warnings (counts short of what the file declares). */
  diagnostics: Diagnostic[];
}

const DIRECTIONS = new Set(["r", "w", "b", "n", "u"]);

// a word of Python's str.split(): none of str.isspace()'s characters (ASCII blanks, the
// separators \x1c-\x1f, NEL, the Unicode spaces; not U+FEFF, which JavaScript's \s includes)
const WORD = /[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** Python int() of a word (ASCII digits): undefined when int() raises ValueError. */
export function pythonInt(word: string): number | undefined {
  if (!/^[+-]?\d+(?:_\d+)*$/.test(word)) return undefined;
  return Number(word.replace(/_/g, ""));
}

interface Word {
  text: string;
  col: number; // 1-based, in UTF-16 units
  offset: number;
}

/** Parses a permission map's text; `file` names it in locations. */
export function parsePermMap(text: string, file: string): PermMapResult {
  const classes = new Map<string, Map<string, PermMapping>>();
  const warnings: Diagnostic[] = [];
  let numClasses = 0;
  let classCount = 0;
  let state = 1;
  let className = "";
  let numPerms = 0;
  let permCount = 0;
  let classSpan: Span | undefined;
  // Python's text mode reads \r\n and \r as line ends (universal newlines)
  const lineRe = /[^\r\n]*(?:\r\n|\r|\n|$)/g;
  let lineNo = 0;
  let m: RegExpExecArray | null;
  const spanOf = (w: Word): Span => ({ file, line: lineNo, col: w.col, endLine: lineNo, endCol: w.col + w.text.length, offset: w.offset, length: w.text.length });
  const fail = (message: string, at: Span | undefined): PermMapResult => ({ diagnostics: [error("permission-map", message, at ?? { file, line: lineNo, col: 1, endLine: lineNo, endCol: 1, offset: 0, length: 0 })] });
  while ((m = lineRe.exec(text)) !== null && m[0] !== "") {
    lineNo++;
    const start = m.index;
    const body = m[0].replace(/(?:\r\n|\r|\n)$/, "");
    const words: Word[] = [];
    for (const w of body.matchAll(WORD)) words.push({ text: w[0], col: w.index + 1, offset: start + w.index });
    if (words.length === 0 || words[0]!.text.startsWith("#")) continue;
    const at = (i: number): Span | undefined => (words[i] ? spanOf(words[i]!) : words.length ? spanOf(words[words.length - 1]!) : undefined);
    if (state === 1) {
      const n = pythonInt(words[0]!.text);
      if (n === undefined) return fail(`invalid number of classes: '${words[0]!.text}' (the map starts with how many classes it maps)`, at(0));
      if (n < 1) return fail(`the number of classes must be positive: ${words[0]!.text}`, at(0));
      numClasses = n;
      state = 2;
    } else if (state === 2) {
      if (words.length !== 3 || words[0]!.text !== "class") {
        const want = `expected 'class NAME COUNT'${permCount === numPerms && classCount > 0 ? ` (class ${className} declared ${numPerms} permission${numPerms === 1 ? "" : "s"}, all read)` : ""}`;
        return fail(`invalid class declaration: ${want}, got '${words.map((w) => w.text).join(" ")}'`, at(0));
      }
      const n = pythonInt(words[2]!.text);
      if (n === undefined) return fail(`invalid number of permissions: '${words[2]!.text}'`, at(2));
      if (n < 1) return fail(`the number of permissions must be positive: ${words[2]!.text}`, at(2));
      classCount++;
      if (classCount > numClasses) return fail(`extra class '${words[1]!.text}': the map declares ${numClasses} class${numClasses === 1 ? "" : "es"} on its first line`, at(1));
      className = words[1]!.text;
      classSpan = spanOf(words[1]!);
      classes.set(className, new Map());
      numPerms = n;
      permCount = 0;
      state = 3;
    } else {
      const name = words[0]!.text;
      const dir = words[1]?.text;
      if (dir === undefined) return fail(`permission '${name}' of class ${className} has no flow direction and weight (expected 'NAME r|w|b|n|u WEIGHT')`, at(0));
      if (!DIRECTIONS.has(dir)) {
        const hint = name === "class" ? ` (class ${className} declared ${numPerms} permissions and ${permCount} came before this line)` : "";
        return fail(`invalid information flow direction '${dir}' for ${className}:${name}: one of r, w, b, n, u${hint}`, at(1));
      }
      const wword = words[2]?.text;
      if (wword === undefined) return fail(`permission ${className}:${name} has no weight (1-10)`, at(1));
      const weight = pythonInt(wword);
      if (weight === undefined) return fail(`invalid permission weight '${wword}' for ${className}:${name}`, at(2));
      if (weight < 1 || weight > 10) return fail(`permission weight must be 1-10: ${wword} (${className}:${name})`, at(2));
      classes.get(className)!.set(name, { direction: dir as FlowDirection, weight, span: spanOf(words[0]!) });
      permCount++;
      if (permCount >= numPerms) state = 2;
    }
  }
  if (state === 3) warnings.push(warning("permission-map", `class ${className} declares ${numPerms} permissions but the file ends after ${permCount}`, classSpan));
  if (state !== 1 && classCount < numClasses) warnings.push(warning("permission-map", `the map declares ${numClasses} classes but holds ${classCount}`, { file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, length: 0 }));
  if (state === 1) return fail("the map is empty: it starts with the number of classes it maps", undefined);
  return { map: { file, classes }, diagnostics: warnings };
}

/** The mapping of class:perm, if the map gives one (setools treats a missing one as `u`). */
export function mappingOf(map: PermMap, cls: string, perm: string): PermMapping | undefined {
  return map.classes.get(cls)?.get(perm);
}

/** What the map leaves unmapped (missing or `u`) of `classes` (class -> permissions), and what
 *  it maps that the policy does not have: setools says nothing of either. */
export function mapCoverage(map: PermMap, classes: ReadonlyMap<string, readonly string[]>): { unmapped: string[]; extra: string[] } {
  const unmapped: string[] = [];
  for (const [cls, perms] of classes) {
    for (const p of perms) {
      const m = mappingOf(map, cls, p);
      if (!m || m.direction === "u") unmapped.push(`${cls}:${p}`);
    }
  }
  const extra: string[] = [];
  for (const [cls, perms] of map.classes) {
    const have = classes.get(cls);
    for (const p of perms.keys()) if (!have || !have.includes(p)) extra.push(`${cls}:${p}`);
  }
  return { unmapped, extra };
}
