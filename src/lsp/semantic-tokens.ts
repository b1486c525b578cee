// textDocument/semanticTokens: each name coloured by what the resolved policy says it is, not by
// where it stands or how it looks. The names come from the analysis's index (every occurrence, as
// the parser read it and, in a tree, placed through m4 in the .te/.if line it came from), each
// looked up in the symbol tables: a name the policy does not declare stays unclassified (its
// diagnostic says why). Keywords, comments, strings, numbers and operators are read from the text
// as the editor has it now; an occurrence of an older analysis counts only where the text still
// spells its name (a name m4 made, `$1_self`, where the text still writes the pattern that makes
// it).
// The legend and the mapping are in docs/cli.md (`xsm lsp`).
import { LineStarts } from "../diagnostics/line-starts.js";
import { BUILTINS } from "../fmt/m4-calls.js";
import { NAME_KINDS } from "../policy/name-index.js";
import { RESERVED } from "../policy/scan.js";
import { makes } from "./made.js";
import type { IndexModel, IndexTokens, Model, NamesModel } from "./model.js";

/** Token types, standard LSP ones; a token's type is its place here. */
export const TOKEN_TYPES = [
  "type",
  "interface",
  "class",
  "struct",
  "property",
  "variable",
  "typeParameter",
  "parameter",
  "namespace",
  "enum",
  "enumMember",
  "macro",
  "function",
  "keyword",
  "comment",
  "string",
  "number",
  "operator",
] as const;
/** Token modifiers, bit i for place i; `alias` is ours (a type's, sensitivity's or category's
 *  alias). */
export const TOKEN_MODIFIERS = [
  "declaration",
  "readonly",
  "static",
  "abstract",
  "defaultLibrary",
  "alias",
] as const;

export type TokenType = (typeof TOKEN_TYPES)[number];
export type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<TokenType, number>;
const M = Object.fromEntries(TOKEN_MODIFIERS.map((m, i) => [m, 1 << i])) as Record<
  TokenModifier,
  number
>;

/** A token as type << 8 | modifiers; -1 for a name left unclassified. */
const tok = (type: TokenType, ...mods: TokenModifier[]): number =>
  (T[type] << 8) | mods.reduce((a, m) => a | M[m], 0);
const NONE = -1;

const KIND = Object.fromEntries(NAME_KINDS.map((k, i) => [k, i])) as Record<
  (typeof NAME_KINDS)[number],
  number
>;

/** What the policy's tables make of a name of one kind (a permission: of its class or common). */
class Classifier {
  private readonly tunables: Set<string>;
  private readonly roleAttrs: Set<string>;
  private readonly sids: Set<string>;
  private readonly platforms: Set<string>;
  /** Commons and their permissions, as their `common` statements declare them (the symbol tables
   *  keep only the classes, the common's permissions first in each that inherits it). */
  private readonly commons = new Map<string, Set<string>>();
  private readonly classPerms = new Map<number, Set<string>>();

  constructor(
    private readonly sym: NamesModel,
    index: IndexModel,
    platforms: readonly string[],
  ) {
    this.tunables = new Set(sym.tunables);
    this.roleAttrs = new Set(sym.roleAttrs);
    this.sids = new Set(sym.sids);
    this.platforms = new Set(platforms);
    const common = KIND.common;
    const perm = KIND.perm;
    for (let i = 0; i < index.name.length; i++) {
      const name = index.names[index.name[i]!]!;
      if (index.decl[i] && index.kind[i] === common && !this.commons.has(name))
        this.commons.set(name, new Set());
    }
    for (let i = 0; i < index.name.length; i++) {
      if (!index.decl[i] || index.kind[i] !== perm || index.owner[i]! < 0) continue;
      this.commons.get(index.names[index.owner[i]!]!)?.add(index.names[index.name[i]!]!);
    }
  }

  /** The token of `name` standing as `kind` (a permission of `owner`). */
  token(name: string, kind: number, owner: string | undefined): number {
    const sym = this.sym;
    switch (NAME_KINDS[kind]) {
      case "type":
      case "alias":
      case "typeish": {
        const t = sym.typeIds.get(name);
        if (t !== undefined)
          return sym.types[t]!.name === name ? tok("type") : tok("type", "alias");
        if (NAME_KINDS[kind] === "typeish" && sym.attrIds.has(name)) return tok("interface");
        return NONE;
      }
      case "attribute":
        return sym.attrIds.has(name) ? tok("interface") : NONE;
      case "class":
        return sym.classIds.has(name) ? tok("class") : NONE;
      case "common":
        return this.commons.has(name) ? tok("struct") : NONE;
      case "perm": {
        if (owner === undefined) return NONE;
        const c = sym.classIds.get(owner);
        const perms = c !== undefined ? this.permsOf(c) : this.commons.get(owner);
        return perms?.has(name) ? tok("property") : NONE;
      }
      case "bool":
        return sym.boolIds.has(name)
          ? tok("variable")
          : this.tunables.has(name)
            ? tok("variable", "static")
            : NONE;
      case "role":
        return sym.roleIds.has(name)
          ? tok("typeParameter")
          : this.roleAttrs.has(name)
            ? tok("typeParameter", "abstract")
            : NONE;
      case "user":
        return sym.userIds.has(name) ? tok("parameter") : NONE;
      case "sid":
        return this.sids.has(name) ? tok("variable", "readonly") : NONE;
      case "platform":
        return this.platforms.has(name) ? tok("namespace") : NONE;
      case "sensitivity": {
        const s = sym.sensIds?.get(name);
        return s === undefined
          ? NONE
          : sym.sens![s]!.name === name
            ? tok("enum")
            : tok("enum", "alias");
      }
      case "category": {
        const c = sym.catIds?.get(name);
        return c === undefined
          ? NONE
          : sym.cats![c]!.name === name
            ? tok("enumMember")
            : tok("enumMember", "alias");
      }
      default:
        return NONE;
    }
  }

  private permsOf(classId: number): Set<string> {
    let perms = this.classPerms.get(classId);
    if (!perms) this.classPerms.set(classId, (perms = new Set(this.sym.classes[classId]!.perms)));
    return perms;
  }
}

/** The tokens of an index's occurrences, as the symbol tables (`names`) make them. */
export function indexTokens(
  index: IndexModel,
  names: NamesModel | undefined,
  platforms: readonly string[],
): IndexTokens {
  const n = index.name.length;
  const token = new Int32Array(n).fill(NONE);
  if (names) {
    const c = new Classifier(names, index, platforms);
    // a name's token depends on its kind, and a permission's on its owner too
    const memo = new Map<number, number>();
    const kinds = NAME_KINDS.length;
    const count = index.names.length;
    for (let i = 0; i < n; i++) {
      const owner = index.owner[i]!;
      const key = ((owner + 1) * count + index.name[i]!) * kinds + index.kind[i]!;
      let t = memo.get(key);
      if (t === undefined)
        memo.set(
          key,
          (t = c.token(
            index.names[index.name[i]!]!,
            index.kind[i]!,
            owner >= 0 ? index.names[owner] : undefined,
          )),
        );
      token[i] = t === NONE ? NONE : t | (index.decl[i] ? M.declaration : 0);
    }
  }
  // by file (a counting sort), then in text order within each
  const files = index.files.length;
  const fileStart = new Int32Array(files + 1);
  for (let i = 0; i < n; i++) if (index.file[i]! >= 0) fileStart[index.file[i]! + 1]!++;
  for (let f = 0; f < files; f++) fileStart[f + 1]! += fileStart[f]!;
  const order = new Uint32Array(fileStart[files]!);
  const fill = fileStart.slice(0, files);
  for (let i = 0; i < n; i++) if (index.file[i]! >= 0) order[fill[index.file[i]!]!++] = i;
  const before = (a: number, b: number) =>
    index.line[a]! - index.line[b]! || index.start[a]! - index.start[b]! || a - b;
  for (let f = 0; f < files; f++) {
    const list = order.subarray(fileStart[f]!, fileStart[f + 1]!);
    // the walk meets nearly every name in text order: sort only what is not
    let sorted = true;
    for (let k = 1; k < list.length && sorted; k++) sorted = before(list[k - 1]!, list[k]!) <= 0;
    if (!sorted) list.sort(before);
  }
  return { token, order, fileStart, named: names !== undefined };
}

/** The model's index tokens: those its analysis made (job.ts), or (its index carried over a text
 *  that does not parse, with symbol tables it had not) made here once. */
const made = new WeakMap<IndexModel, { names: NamesModel | undefined; tokens: IndexTokens }>();
function tokensOf(m: Model, index: IndexModel): IndexTokens {
  if (index.tokens && (index.tokens.named || !m.names)) return index.tokens;
  const known = made.get(index);
  if (known && known.names === m.names) return known.tokens;
  const tokens = indexTokens(
    index,
    m.names,
    m.platforms.map((p) => p.name.name),
  );
  made.set(index, { names: m.names, tokens });
  return tokens;
}

/** Lines [from, to] of a document (zero-based, inclusive). */
export interface LineRange {
  from: number;
  to: number;
}

const KEYWORD = tok("keyword");
const COMMENT = tok("comment");
const STRING = tok("string");
const NUMBER = tok("number");
const OPERATOR = tok("operator");
const MACRO = tok("macro");
const MACRO_DECL = tok("macro", "declaration");
const BUILTIN = tok("function", "defaultLibrary");
const M4_BUILTINS = new Set(BUILTINS);
/** The longest keyword (`range_transition`, `mlsvalidatetrans`): a longer word is none. */
const KEYWORD_MAX = Math.max(...[...RESERVED].map((k) => k.length));

/** A `platform` statement's head, as grammar/policy.peggy's PlatformBody starts (`platform` is a
 *  keyword only there: elsewhere it may name a type). */
const PLATFORM_HEAD = new RegExp(
  String.raw`platform[ \t]+[A-Za-z_][A-Za-z0-9_.\-]*` +
    // its level, or the end of its line (a comment before it)
    String.raw`(?:[ \t]+(?:supervisor|guest)(?![A-Za-z0-9_])|[ \t]*(?:#[^\r\n]*)?(?:[\r\n]|$))`,
  "y",
);
const PLATFORM_HEAD_WORDS = new Set(["supervisor", "guest", "of"]);
const PLATFORM_MEMBERS = new Set(["hwdom", "guest", "device"]);

// character classes, by code: policy_scan.l's identifier characters (letters, digits, `_`, `-`,
// `.`), m4's word characters (letters, digits, `_`), an SBDF's (hex digits, `:`, `.`: svp.ts
// validates it)
const CONF_WORD = new Uint8Array(128);
const M4_WORD = new Uint8Array(128);
const SBDF = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CONF_WORD[c] = /[A-Za-z0-9_.\-]/.test(ch) ? 1 : 0;
  M4_WORD[c] = /[A-Za-z0-9_]/.test(ch) ? 1 : 0;
  SBDF[c] = /[0-9A-Za-z:.]/.test(ch) ? 1 : 0;
}
const isWordStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isEol = (c: number) => c === 10 || c === 13;

/**
 * The document's tokens as LSP encodes them: five numbers a token (line and start relative to the
 * token before, length, type, modifiers), in text order, none overlapping, none across a line.
 * `m4`: the document is an m4 source of a tree (`dnl`, builtins and the tree's interfaces as m4
 * reads them). One pass over the text: at each place the index has a name, the name; elsewhere
 * keywords, comments, strings, numbers and operators.
 */
export function semanticTokens(
  text: string,
  uri: string,
  m: Model | undefined,
  m4: boolean,
  range?: LineRange,
): number[] {
  const lines = new LineStarts(text, "crlf");
  const starts = lines.starts;
  const first = range ? Math.min(Math.max(0, range.from), starts.length - 1) : 0;
  const last = range ? Math.min(Math.max(first, range.to), starts.length - 1) : starts.length - 1;
  const emitFrom = starts[first]!;
  const to = last + 1 < starts.length ? starts[last + 1]! : text.length;

  // the index's names of this document, in text order, from the range's first line
  const index = m?.index;
  const fileId = index ? index.files.indexOf(uri) : -1;
  const c = index && fileId >= 0 ? tokensOf(m!, index) : undefined;
  const list = c
    ? c.order.subarray(c.fileStart[fileId]!, c.fileStart[fileId + 1]!)
    : new Uint32Array(0);
  let k = 0;
  while (k < list.length && index!.line[list[k]!]! < first) k++;
  const offsetOf = (e: number) =>
    index!.line[e]! < starts.length ? starts[index!.line[e]!]! + index!.start[e]! : Infinity;
  let nextAt = k < list.length ? offsetOf(list[k]!) : Infinity;
  const advance = () => {
    k++;
    nextAt = k < list.length ? offsetOf(list[k]!) : Infinity;
  };

  // five numbers a token, in a typed buffer of this request's, sized for a token every 6
  // characters (a policy has one in about 8) and doubled when short: a large policy's are millions,
  // which an array kept from one request to the next held on to (30-60 MB) for the server's life
  let out = new Uint32Array(5 * Math.ceil((to - emitFrom) / 6) + 1024);
  let n = 0;
  let line = 0;
  let lineStart = 0;
  let prevLine = 0;
  let prevChar = 0;
  const push = (at: number, length: number, token: number) => {
    if (at < emitFrom) return;
    if (n + 5 > out.length) {
      const grown = new Uint32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    const char = at - lineStart;
    out[n++] = line - prevLine;
    out[n++] = line === prevLine ? char - prevChar : char;
    out[n++] = length;
    out[n++] = token >> 8;
    out[n++] = token & 0xff;
    prevLine = line;
    prevChar = char;
  };

  /** 0: outside a platform; 1: in its head (before `{`); 2: in its body; 3: in a member's SBDFs. */
  let platform = 0;
  /** At a statement's start (in a platform's body: at a member's). */
  let atStart = true;
  /** In m4: just read `define`, then its `(`, then its quote: the next word is the macro
   *  defined. */
  let defining = 0;
  const macros = m4 ? m?.macros : undefined;
  const wordChar = m4 ? M4_WORD : CONF_WORD;

  let i = range ? restart(text, emitFrom) : 0;
  line = lines.line(i);
  lineStart = starts[line]!;
  while (i < to) {
    const ch = text.charCodeAt(i);
    if (isEol(ch)) {
      i += ch === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      lineStart = i;
      // a line starts a statement where no `;` ended the last (`class C`, `sid S`, an m4 call)
      atStart = true;
      continue;
    }
    while (nextAt < i) advance();
    if (nextAt === i) {
      // the index's name here (an older analysis's only where this text still spells it)
      let length = 0;
      let token = NONE;
      for (; nextAt === i; advance()) {
        const e = list[k]!;
        const name = index!.names[index!.name[e]!]!;
        const span = index!.end[e]! - index!.start[e]!;
        // a name m4 made: where the text still writes the pattern that makes it (made.ts)
        const spelled = index!.made?.[e]
          ? writesPattern(text, i, span, name)
          : span === name.length && text.startsWith(name, i);
        if (!spelled || (length > 0 && span !== length)) continue;
        length = span;
        if (token === NONE) token = c!.token[e]!;
      }
      if (length > 0) {
        if (token !== NONE) push(i, length, token);
        i += length;
        atStart = false;
        defining = 0;
        continue;
      }
    }
    if (ch === 32 || ch === 9 || ch === 12) {
      i++;
      continue;
    }
    if (ch === 35 /* # */) {
      const end = lineEnd(text, i);
      push(i, end - i, COMMENT);
      i = end;
      continue;
    }
    if (ch === 34 /* " */) {
      // a quoted name or path (policy_scan.l's QPATH, FILENAME), never across a line
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 34 && !isEol(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 34) push(i, ++j - i, STRING);
      i = j;
      atStart = false;
      continue;
    }
    if (platform === 3 && ch < 128 && SBDF[ch] && ch !== 58 && ch !== 46) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) < 128 && SBDF[text.charCodeAt(j)]) j++;
      push(i, j - i, NUMBER);
      i = j;
      continue;
    }
    if (isDigit(ch)) {
      // decimal, or hex after 0x; a number glued to a letter is none (`1abc`)
      let j = i + 1;
      if (ch === 48 && (text.charCodeAt(j) | 32) === 120 && isHex(text.charCodeAt(j + 1)))
        for (j += 1; isHex(text.charCodeAt(j)); j++);
      else while (isDigit(text.charCodeAt(j))) j++;
      const glued = isWordStart(text.charCodeAt(j));
      if (!glued) push(i, j - i, NUMBER);
      else while (j < text.length && text.charCodeAt(j) < 128 && CONF_WORD[text.charCodeAt(j)]) j++;
      i = j;
      atStart = false;
      continue;
    }
    if (isWordStart(ch)) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) < 128 && wordChar[text.charCodeAt(j)]) j++;
      // a name the parser read inside what looks like one word (`c0.c3`: two categories)
      if (nextAt > i && nextAt < j) j = nextAt;
      const start = atStart;
      atStart = false;
      let token = NONE;
      if (defining === 3) token = MACRO_DECL;
      else if (m4 || j - i <= KEYWORD_MAX) {
        const word = text.slice(i, j);
        if (m4 && word === "dnl") {
          // m4 discards the rest of the line, its newline too
          const end = lineEnd(text, i);
          push(i, end - i, COMMENT);
          i = end;
          continue;
        }
        if (macros?.has(word)) token = MACRO;
        else if (m4 && M4_BUILTINS.has(word)) token = BUILTIN;
        else if (platform === 0 && start && word === "platform") {
          PLATFORM_HEAD.lastIndex = i;
          if (PLATFORM_HEAD.test(text)) ((platform = 1), (token = KEYWORD));
        } else if (platform === 1 && PLATFORM_HEAD_WORDS.has(word)) token = KEYWORD;
        else if (platform === 2 && start && PLATFORM_MEMBERS.has(word)) token = KEYWORD;
        else if (RESERVED.has(word) || word === "self") token = KEYWORD;
        defining = token === BUILTIN && word === "define" ? 1 : 0;
      } else defining = 0;
      if (token !== NONE) push(i, j - i, token);
      i = j;
      continue;
    }
    if (ch === 36 /* $ */ && m4) {
      // a macro's parameter ($1, $#, $@, $*): part of the text m4 makes, nothing of its own
      const next = text.charCodeAt(i + 1);
      i += isDigit(next) || next === 35 || next === 64 || next === 42 ? 2 : 1;
      atStart = false;
      continue;
    }
    const op = operatorLength(text, i, ch);
    if (op > 0) {
      push(i, op, OPERATOR);
      i += op;
      atStart = false;
      defining = 0;
      continue;
    }
    // punctuation: what it says of the statement, and of an m4 `define(` being read
    if (ch === 40 /* ( */ && defining === 1) defining = 2;
    else if (ch === 96 /* ` */ && defining === 2) defining = 3;
    else defining = 0;
    if (ch === 123 /* { */) {
      if (platform === 1 || platform === 2) platform++;
      atStart = true;
    } else if (ch === 125 /* } */) {
      if (platform >= 2) platform--;
      if (platform === 1) platform = 0;
      atStart = true;
    } else if (ch === 59 /* ; */) {
      if (platform === 1) platform = 0;
      atStart = true;
    } else if (ch !== 40 && ch !== 96) atStart = false;
    i++;
  }
  // (the response is a plain array, as JSON-RPC writes it; filled in place, not grown)
  const data = new Array<number>(n);
  for (let j = 0; j < n; j++) data[j] = out[j]!;
  return data;
}

/** Whether text[at, at + length) is a whole word of m4 source that makes `name`. */
function writesPattern(text: string, at: number, length: number, name: string): boolean {
  const after = text.charCodeAt(at + length);
  if (after < 128 && (M4_WORD[after] || after === 36)) return false;
  return makes(text.slice(at, at + length), name);
}

/** Where the line holding `i` ends (its end-of-line characters excluded). */
function lineEnd(text: string, i: number): number {
  while (i < text.length && !isEol(text.charCodeAt(i))) i++;
  return i;
}

/** The length of the operator at `i` (0: none): a condition's and a constraint's (`!`, `&&`,
 *  `||`, `^`, `==`, `!=`), a set's (`*`, `~`, and `-` before a name it excludes, not the `-` inside
 *  a name or between a range's two numbers). */
function operatorLength(text: string, i: number, ch: number): number {
  const next = text.charCodeAt(i + 1);
  if (
    (ch === 38 && next === 38) ||
    (ch === 124 && next === 124) ||
    (ch === 61 && next === 61) ||
    (ch === 33 && next === 61)
  )
    return 2;
  if (ch === 33 || ch === 94 || ch === 126 || ch === 42) return 1;
  if (ch === 45 /* - */) {
    const before = i === 0 ? 32 : text.charCodeAt(i - 1);
    return before === 32 || before === 9 || before === 123 || before === 40 || isEol(before)
      ? 1
      : 0;
  }
  return 0;
}

/** Where to start reading for a range that starts at `offset`: the head of the last `platform`
 *  block before it (whose members may reach into the range), else the range's own line. */
function restart(text: string, offset: number): number {
  for (
    let p = text.lastIndexOf("platform", offset - 1);
    p >= 0;
    p = text.lastIndexOf("platform", p - 1)
  ) {
    let s = p;
    while (s > 0 && (text.charCodeAt(s - 1) === 32 || text.charCodeAt(s - 1) === 9)) s--;
    if (s > 0 && !isEol(text.charCodeAt(s - 1))) continue;
    PLATFORM_HEAD.lastIndex = p;
    if (PLATFORM_HEAD.test(text)) return s;
  }
  return offset;
}
