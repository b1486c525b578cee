// The hand-read part of the policy.conf parser: the two most frequent tokens (names and blanks)
// and the two statement shapes that make up nearly all of a large policy (AV rules whose sets are
// flat, `*`, `~` and `-` included, and type/attribute declarations). grammar/policy.peggy calls these; everything else is the grammar's.
//
// Written as peggy expressions, names and blanks build an array per character, and that garbage
// dominated parse time on large policies (2x slower). The fast statement paths read a statement
// the grammar would read anyway and build the very nodes its rules build (AllowBody/AvRuleBody,
// Names, BraceItems, Ident); on anything else (nested sets, a reserved word, an error)
// they return null and the grammar reads the statement, so every message stays the grammar's.
// test/policy/parse-fastpath.test.ts checks that both ways give the same AST and diagnostics.
//
// Every read starts at an offset the grammar gives and leaves `end` where it stopped; the grammar
// moves peggy's cursor there (its `scan` helper, the only place that touches the cursor).
import type { AttributeDecl, AvRule, AvRuleKind, CondExpr, Context, Ident, NameSet, PciDeviceCon, Statement, TypeAttributeDecl, TypeDecl, TypeRule, TypeRuleKind } from "./ast.js";
import type { Span } from "../diagnostics/diagnostic.js";

/** A statement as the grammar's rules return it: the Statement rule sets its span afterwards. */
export type Unplaced<T extends { span: Span }> = Omit<T, "span"> & { span: Span | null };

/** How the scanner builds nodes: the same callbacks the grammar uses (see parse.ts). */
export interface ScanNodes {
  /** A statement's span (line and column worked out now, as the grammar's statements have them). */
  span(start: number, end: number): Span;
  at(start: number, end: number): Span;
  ident(name: string, start: number): Ident;
  oneName(ident: Ident): NameSet;
  /** oneName(ident(name, start)) in one node, where the Ident is not needed apart. */
  nameSet(name: string, start: number): NameSet;
  /** The set `{ ... }` or `~{ ... }` over [start, end) of these names (the nodes may re-read its
   *  Idents from the text: Scanner.braceIdents). */
  nameList(start: number, end: number, complement: boolean, include: string[], exclude: string[]): NameSet;
  /** The names of the plain `{ ... }` sets ScannedAvRules keep, one after the other: at a set's
   *  index its count, then its names (pushed to by the scanner). */
  readonly pool: (string | number)[];
  /** The four sets of the AV rule whose sources start at `at`, as nodes (Scanner.avRuleSets). */
  avRuleSets(at: number): [NameSet, NameSet, NameSet, NameSet];
}

// Every keyword policy_scan.l knows, lower and upper case as it spells them: none can be an identifier.
export const RESERVED: ReadonlySet<string> = new Set(
  [
    "clone", "common", "class", "constrain", "validatetrans", "inherits", "sid", "role", "roles",
    "roleattribute", "attribute_role", "types", "typealias", "typeattribute", "typebounds", "type",
    "bool", "tunable", "if", "else", "alias", "attribute", "expandattribute", "type_transition",
    "type_member", "type_change", "role_transition", "range_transition", "sensitivity", "dominance",
    "category", "level", "range", "mlsconstrain", "mlsvalidatetrans", "user", "neverallow", "allow",
    "auditallow", "auditdeny", "dontaudit", "allowxperm", "auditallowxperm", "dontauditxperm",
    "neverallowxperm", "source", "target", "sameuser", "module", "require", "optional", "or", "and",
    "not", "xor", "eq", "true", "false", "dom", "domby", "incomp", "fscon", "portcon", "netifcon",
    "nodecon", "pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon", "fs_use_xattr",
    "fs_use_task", "fs_use_trans", "genfscon", "r1", "r2", "r3", "u1", "u2", "u3", "t1", "t2", "t3",
    "l1", "l2", "h1", "h2", "policycap", "permissive", "default_user", "default_role", "default_type",
    "default_range", "low-high", "high", "low", "glblub", "ibpkeycon", "ibendportcon",
  ].flatMap((k) => [k, k.toUpperCase()]),
);

// Every empty list in the AST is this one frozen array (most sets exclude nothing): the AST is
// read-only input to the later stages, and freezing makes a stray push fail loudly.
export const NONE: readonly never[] = Object.freeze([]);

/** A copy of exactly the list's size (NONE when empty): a pushed-to array reserves 17 slots, and a
 *  large policy's AST, mostly names and their sets, stays live until the resolver is done. */
export function exact<T>(list: readonly T[]): T[] {
  return list.length === 0 ? (NONE as never as T[]) : list.slice();
}

// (a quoted name as policy_scan.l's QPATH and FILENAME: quotedEnd; any other `"` is one character)
const TOKEN = /[A-Za-z0-9_.\-]+|"\/[^"\n]*"|"[^"/\n]+"|==|!=|&&|\|\||\S/y;

/** The length of the token at `pos` (0 at the end of the input). */
export function tokenLength(input: string, pos: number): number {
  TOKEN.lastIndex = pos;
  const hit = TOKEN.exec(input);
  return hit === null ? 0 : hit[0].length;
}

/** The token at `pos`, quoted for a message ("end of file" at the end). */
export function tokenAt(input: string, pos: number): string {
  if (pos >= input.length) return "end of file";
  const n = tokenLength(input, pos);
  return n === 0 ? "end of line" : `'${input.slice(pos, pos + n)}'`;
}

// policy_scan.l IDENTIFIER: {letter}({alnum}|[_\-])*([\.]?({alnum}|[_\-]))*; IS_WORD is the class after the letter.
const IS_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) IS_WORD[c] = /[A-Za-z0-9_\-]/.test(String.fromCharCode(c)) ? 1 : 0;

// The statements read whole by Scanner.statement (keyword as policy_scan.l spells it -> what it is).
const WHOLE_STATEMENTS = new Map<string, AvRuleKind | TypeRuleKind | "type" | "typeattribute" | "attribute" | "pcidevicecon">();
for (const k of [
  "allow", "auditallow", "dontaudit", "neverallow", "auditdeny", "type", "typeattribute", "attribute", "pcidevicecon",
  "type_transition", "type_change", "type_member",
] as const) {
  WHOLE_STATEMENTS.set(k, k);
  WHOLE_STATEMENTS.set(k.toUpperCase(), k);
}

/** The value of a hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

type BinaryCondOp = "and" | "or" | "xor" | "eq" | "neq";
/** `!` binds tighter than && and looser than == (policy_parse.y's precedence). */
const NOT_PREC = 4;
/** The room checkpolicy's parser has for a conditional: bison's YYMAXDEPTH of 10,000 stack
 *  entries, less what the policy's statements before it hold. Each pending `(`, `!`, binary
 *  operator and left operand is one entry, a `)` one more while it is shifted: 9,987 levels of
 *  parentheses fit, or `(` and 9,987 `!`s (measured with checkpolicy 3.4, which says 'memory
 *  exhausted' past them). */
export const CHECKPOLICY_COND_ROOM = 9989;

export type StrayKind = "cr" | "bom" | "nul" | "control" | "non-ascii" | "quote";

/** Past the quoted name that opens at `open`, as policy_scan.l reads one: QPATH `\""/"[^\"\n]*\"`
 *  or FILENAME `\"[^"/"\"\n]+\"`; -1 when neither matches, and the `"` is a character of its own
 *  that its last rule takes ('unrecognized character': no closing quote on the line, `""`, a `/`
 *  after the first character). No other token holds a `"`. */
export function quotedEnd(text: string, open: number): number {
  const path = text.charCodeAt(open + 1) === 47; /* / */
  for (let j = open + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 34 /* " */) return path || j > open + 1 ? j + 1 : -1;
    if (c === 10 || (c === 47 && !path)) return -1;
  }
  return -1;
}

/** What kind of stray a character checkpolicy's scanner does not recognize outside a comment is
 *  (one that is neither a blank nor printable ASCII: the caller tells). Shared with xsm fmt, which
 *  refuses these in an m4 source where m4 carries them into policy.conf. */
export function strayKind(c: number): StrayKind {
  return c === 13 ? "cr" : c === 0xfeff ? "bom" : c === 0 ? "nul" : c < 32 || c === 127 ? "control" : "non-ascii";
}

// Slots of the cache of recently read names (powers of two): one per 32 characters of input
// (Xen's policy, 54 KB, names ~500 distinct words), 16K from 512 KB on. The slots are fresh memory
// of the young generation and of malloc, which a start pays for per page (docs/performance.md:
// 16K slots were ~45 page faults and ~1 ms of a 30 ms compile, twice with parse.ts's sample
// Scanner, and brought its first scavenge forward).
const RECENT_MIN = 64;
const RECENT_MAX = 16384;

/** A set as Scanner.avRule keeps it: one plain name, a plain `{ ... }` (no `-`, no `~`) as the
 *  index of its names in the nodes' pool, or the node the grammar would make. */
export type ScannedNames = NameSet | string | number;

/**
 * An AV rule as Scanner.avRule read it. A set of one plain name (nearly every source, target and
 * class, most permissions) is kept as the name, and a plain set in braces (most permission sets)
 * as its names in a pool shared by the parse (no array per set); the sets' nodes are made, all four by reading the rule again from where its
 * sources start, when one is first read. The resolver asks for the names alone (sourceName,
 * sourceNames, ...). The statement's span is kept as two numbers and made when read. A large
 * policy has 100k such rules, which stay live (and were copied by every scavenge, then by the
 * mark-compact) until the compile is done: each object a rule no longer holds is ~50-90 bytes of
 * that.
 */
function isNode(set: ScannedNames): set is NameSet {
  return typeof set === "object";
}

export class ScannedAvRule implements Unplaced<AvRule> {
  readonly kind = "avrule";
  readonly #nodes: ScanNodes;
  /** Where the sources start: Scanner.avRuleSets reads the sets again from here. */
  readonly #at: number;
  /** The statement's span as offsets (start -1: none yet). */
  #start = -1;
  #length = 0;
  #sources: ScannedNames;
  #targets: ScannedNames;
  #classes: ScannedNames;
  #perms: ScannedNames;

  constructor(nodes: ScanNodes, readonly rule: AvRuleKind, at: number, sources: ScannedNames, targets: ScannedNames, classes: ScannedNames, perms: ScannedNames) {
    this.#nodes = nodes;
    this.#at = at;
    this.#sources = sources;
    this.#targets = targets;
    this.#classes = classes;
    this.#perms = perms;
  }

  get span(): Span | null {
    return this.#start < 0 ? null : this.#nodes.at(this.#start, this.#start + this.#length);
  }
  set span(span: Span | null) {
    if (span === null) this.#start = -1;
    else this.place(span.offset, span.offset + span.length);
  }
  /** The nodes the span is made by, and where it is (spanStart -1: none): a resolved rule keeps
   *  these rather than the span's object (ResolvedScannedRule). */
  get nodes(): ScanNodes {
    return this.#nodes;
  }
  get spanStart(): number {
    return this.#start;
  }
  get spanLength(): number {
    return this.#length;
  }
  /** Sets the span to [start, end) without making it. */
  place(start: number, end: number): void {
    this.#start = start;
    this.#length = end - start;
  }

  /** Makes the node of every set kept as names (one read of the rule's text); a set that is a
   *  node already keeps it. */
  #made(): void {
    const [sources, targets, classes, perms] = this.#nodes.avRuleSets(this.#at);
    if (!isNode(this.#sources)) this.#sources = sources;
    if (!isNode(this.#targets)) this.#targets = targets;
    if (!isNode(this.#classes)) this.#classes = classes;
    if (!isNode(this.#perms)) this.#perms = perms;
  }

  get sources(): NameSet {
    if (!isNode(this.#sources)) this.#made();
    return this.#sources as NameSet;
  }
  get targets(): NameSet {
    if (!isNode(this.#targets)) this.#made();
    return this.#targets as NameSet;
  }
  get classes(): NameSet {
    if (!isNode(this.#classes)) this.#made();
    return this.#classes as NameSet;
  }
  get perms(): NameSet {
    if (!isNode(this.#perms)) this.#made();
    return this.#perms as NameSet;
  }

  /** The name of each set that is one plain name and whose node is not made yet, else undefined. */
  get sourceName(): string | undefined {
    const s = this.#sources;
    return typeof s === "string" ? s : undefined;
  }
  get targetName(): string | undefined {
    const s = this.#targets;
    return typeof s === "string" ? s : undefined;
  }
  get className(): string | undefined {
    const s = this.#classes;
    return typeof s === "string" ? s : undefined;
  }
  get permName(): string | undefined {
    const s = this.#perms;
    return typeof s === "string" ? s : undefined;
  }
  /** Where the names of each set that is a plain `{ ... }` whose node is not made yet are in
   *  `nodes.pool` (its count, then its names), else -1. */
  get sourceList(): number {
    const s = this.#sources;
    return typeof s === "number" ? s : -1;
  }
  get targetList(): number {
    const s = this.#targets;
    return typeof s === "number" ? s : -1;
  }
  get permList(): number {
    const s = this.#perms;
    return typeof s === "number" ? s : -1;
  }

  toJSON(): Unplaced<AvRule> {
    return { kind: "avrule", span: this.span, rule: this.rule, sources: this.sources, targets: this.targets, classes: this.classes, perms: this.perms };
  }
}

export class Scanner {
  /** Where the last successful read stopped. */
  end = 0;
  /** The longest name read, and where (parse.ts holds names to a limit). */
  longestName = 0;
  longestNameAt = 0;
  private pos = 0;
  private readonly names = new Map<string, string>();
  private readonly recentMask: number;
  private readonly recent: string[];
  private readonly recentHash: Int32Array;

  constructor(
    private readonly input: string,
    private readonly nodes: ScanNodes,
    /** Leave every statement to the grammar (tests compare both ways). */
    private readonly grammarOnly = false,
  ) {
    let size = RECENT_MIN;
    while (size < RECENT_MAX && size * 32 < input.length) size *= 2;
    this.recentMask = size - 1;
    this.recent = new Array<string>(size).fill("");
    this.recentHash = new Int32Array(size);
  }

  /** The name starting at `start`, whose first character the grammar matched as a letter. */
  word(start: number): string {
    const input = this.input;
    let i = start + 1;
    let h = input.charCodeAt(start);
    for (;;) {
      const c = input.charCodeAt(i);
      if (IS_WORD[c]) i++;
      else if (c === 46 /* . */ && IS_WORD[input.charCodeAt(i + 1)]) i += 2;
      else break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    this.end = i;
    if (i - start > this.longestName) {
      this.longestName = i - start;
      this.longestNameAt = start;
    }
    // One string per distinct name: a large policy repeats a few thousand names a million times.
    // A name read lately is found by a hash of its characters (taken while scanning) and compared
    // in place, without cutting a substring out of the input and hashing it again for the Map.
    // (compared a character at a time: `startsWith` is a call into a builtin that cost ~100 ns
    // a name, more than reading the name)
    const slot = (h ^ (h >>> 12)) & this.recentMask;
    const cand = this.recent[slot]!;
    const n = i - start;
    if (this.recentHash[slot] === h && cand.length === n) {
      let k = 0;
      while (k < n && cand.charCodeAt(k) === input.charCodeAt(start + k)) k++;
      if (k === n) return cand;
    }
    const text = input.substring(start, i);
    let seen = this.names.get(text);
    if (seen === undefined) this.names.set(text, (seen = text));
    this.recent[slot] = seen;
    this.recentHash[slot] = h;
    return seen;
  }

  /** Blanks and `#` comments (`#line` directives included: lines.ts reads those) from `start`. */
  blanks(start: number): true {
    this.pos = start;
    this.skipBlanks();
    this.end = this.pos;
    return true;
  }

  /**
   * The statements statement() reads, one after the other from `start` (blanks and comments
   * between them), up to the first it does not read: `end` is where the last one ends. Null when
   * it reads none. One call of the grammar's loop per run of such statements instead of one per
   * statement (the grammar's Statement and blank rules are closures made anew by every parse, so
   * in a process that compiles several policies they run mostly unoptimised).
   */
  statements(start: number): Statement[] | null {
    const first = this.statement(start);
    if (first === null) return null;
    const out: Statement[] = [first as Statement];
    let end = this.end;
    for (;;) {
      this.pos = end;
      this.skipBlanks();
      const next = this.statement(this.pos);
      if (next === null) break;
      out.push(next as Statement);
      end = this.end;
    }
    this.end = end;
    return out;
  }

  /**
   * A whole top-level statement of the kinds that make up nearly all of a policy, keyword to end,
   * with its span: an AV rule with flat sets, a type, typeattribute or attribute declaration (as
   * avRule and decl read them), a pcidevicecon with a plain number and a context without MLS
   * range. Null (and nothing read) on anything else: the grammar's Statement rule reads it. Saves
   * peggy's per-statement work (the keyword's rule, the body's alternatives) on those statements.
   */
  statement(start: number): Unplaced<AvRule> | Unplaced<TypeRule> | Unplaced<TypeDecl> | Unplaced<TypeAttributeDecl> | Unplaced<AttributeDecl> | Unplaced<PciDeviceCon> | null {
    if (this.grammarOnly || !isLetter(this.input.charCodeAt(start))) return null;
    const kw = WHOLE_STATEMENTS.get(this.word(start));
    if (kw === undefined) return null;
    this.pos = this.end;
    this.skipBlanks();
    const s =
      kw === "pcidevicecon"
        ? this.pciDevice(this.pos)
        : kw === "type" || kw === "typeattribute" || kw === "attribute"
          ? this.decl(this.pos, kw)
          : kw === "type_transition" || kw === "type_change" || kw === "type_member"
            ? this.typeRule(this.pos, kw)
            : this.avRule(this.pos, kw, false);
    if (s instanceof ScannedAvRule) s.place(start, this.end);
    else if (s !== null) s.span = this.nodes.at(start, this.end);
    return s;
  }

  /** `N user:role:type` after `pcidevicecon` (the grammar's PciDeviceBody), N a decimal or 0x
   *  number that fits in 32 bits without leading zeros; null otherwise. */
  private pciDevice(start: number): Unplaced<PciDeviceCon> | null {
    this.pos = start;
    const device = this.number32();
    if (device === null) return null;
    this.skipBlanks();
    const context = this.context();
    if (context === null) return null;
    this.end = this.pos;
    return { kind: "pcidevicecon", span: null, device, context };
  }

  /** The grammar's Number for the values parseNumber reads alike with plain arithmetic: `0x` and
   *  1 to 8 hex digits, `0`, or up to 9 decimal digits not starting with 0 (octal, and anything
   *  longer, is the grammar's). */
  private number32(): number | null {
    const input = this.input;
    let i = this.pos;
    let v = 0;
    if (input.charCodeAt(i) === 48 /* 0 */ && input.charCodeAt(i + 1) === 120 /* x */) {
      const from = (i += 2);
      for (let d = hexDigit(input.charCodeAt(i)); d >= 0; d = hexDigit(input.charCodeAt(++i))) v = v * 16 + d;
      if (i === from || i - from > 8) return null;
    } else {
      const from = i;
      for (let c = input.charCodeAt(i); c >= 48 && c <= 57; c = input.charCodeAt(++i)) v = v * 10 + (c - 48);
      if (i === from || i - from > 9 || (i - from > 1 && input.charCodeAt(from) === 48)) return null;
    }
    const c = input.charCodeAt(i);
    if (IS_WORD[c] === 1 || c === 46 /* . */) return null;
    this.pos = i;
    return v;
  }

  /** The grammar's Context without an MLS range: `user:role:type`; null otherwise. */
  private context(): Context | null {
    const input = this.input;
    const start = this.pos;
    const user = this.ident();
    if (user === null) return null;
    this.skipBlanks();
    if (input.charCodeAt(this.pos) !== 58 /* : */) return null;
    this.pos++;
    this.skipBlanks();
    const role = this.ident();
    if (role === null) return null;
    this.skipBlanks();
    if (input.charCodeAt(this.pos) !== 58 /* : */) return null;
    this.pos++;
    this.skipBlanks();
    const type = this.ident();
    if (type === null) return null;
    const end = this.pos;
    this.skipBlanks();
    if (input.charCodeAt(this.pos) === 58 /* : */) return null; // an MLS range: the grammar's
    this.pos = end;
    return { span: this.nodes.at(start, end), user, role, type };
  }

  /** `S T : C P;` after an AV rule's keyword, when each set is flat (names1); null (and nothing
   *  read) otherwise. */
  avRule(start: number, rule: AvRuleKind, inCond: boolean): Unplaced<AvRule> | null {
    if (this.grammarOnly || (inCond && rule === "neverallow")) return null;
    this.pos = start;
    const sources = this.names1();
    if (sources === null) return null;
    this.skipBlanks();
    const targets = this.names1();
    if (targets === null) return null;
    this.skipBlanks();
    if (this.input.charCodeAt(this.pos) !== 58 /* : */) return null;
    this.pos++;
    this.skipBlanks();
    const classes = this.names1();
    if (classes === null) return null;
    this.skipBlanks();
    const perms = this.names1();
    if (perms === null) return null;
    this.skipBlanks();
    if (this.input.charCodeAt(this.pos) !== 59 /* ; */) return null;
    this.end = this.pos + 1;
    return new ScannedAvRule(this.nodes, rule, start, sources, targets, classes, perms);
  }

  /** `S T : C D;` after a type rule's keyword (the grammar's TypeRuleBody without a filename), each
   *  set flat (names1); null (and nothing read) otherwise, a filename included. */
  private typeRule(start: number, rule: TypeRuleKind): Unplaced<TypeRule> | null {
    this.pos = start;
    const sources = this.nodeOrNull();
    if (sources === null) return null;
    this.skipBlanks();
    const targets = this.nodeOrNull();
    if (targets === null) return null;
    this.skipBlanks();
    if (this.input.charCodeAt(this.pos) !== 58 /* : */) return null;
    this.pos++;
    this.skipBlanks();
    const classes = this.nodeOrNull();
    if (classes === null) return null;
    this.skipBlanks();
    const defaultType = this.ident();
    if (defaultType === null) return null;
    this.skipBlanks();
    if (this.input.charCodeAt(this.pos) !== 59 /* ; */) return null;
    this.end = this.pos + 1;
    return { kind: "typerule", span: null, rule, sources, targets, classes, defaultType };
  }

  /** names1's set at `pos` as its node, or null. */
  private nodeOrNull(): NameSet | null {
    const start = this.pos;
    const set = this.names1(false);
    return set === null ? null : typeof set === "string" ? this.nodes.nameSet(set, start) : (set as NameSet);
  }

  /** The sets of the AV rule avRule read from `start`, as the nodes the grammar makes (a set kept
   *  as names gets its node here). */
  avRuleSets(start: number): [NameSet, NameSet, NameSet, NameSet] {
    this.pos = start;
    const sources = this.setNode();
    this.skipBlanks();
    const targets = this.setNode();
    this.skipBlanks();
    this.pos++; // the `:`
    this.skipBlanks();
    const classes = this.setNode();
    this.skipBlanks();
    const perms = this.setNode();
    return [sources, targets, classes, perms];
  }

  /** names1's set at `pos` as its node (the set was read once already: it is well formed). */
  private setNode(): NameSet {
    const start = this.pos;
    const set = this.names1(false)!;
    return typeof set === "string" ? this.nodes.nameSet(set, start) : (set as NameSet);
  }

  /** `T[, A]*;` after `type`, `T A[, A]*;` after `typeattribute`, `A;` after `attribute` (no
   *  alias: that is left to the grammar); null (and nothing read) otherwise. */
  decl(
    start: number,
    kw: string,
  ): Unplaced<TypeDecl> | Unplaced<TypeAttributeDecl> | Unplaced<AttributeDecl> | null {
    if (this.grammarOnly) return null;
    this.pos = start;
    const name = this.ident();
    if (name === null) return null;
    this.skipBlanks();
    const input = this.input;
    if (kw === "attribute") {
      if (input.charCodeAt(this.pos) !== 59 /* ; */) return null;
      this.end = this.pos + 1;
      return { kind: "attribute", span: null, name };
    }
    let list: Ident[] | null = NONE as never as Ident[];
    if (kw === "typeattribute" || input.charCodeAt(this.pos) === 44 /* , */) {
      if (kw === "type") {
        this.pos++;
        this.skipBlanks();
      }
      list = this.identCommaList();
      this.skipBlanks();
    }
    if (list === null || input.charCodeAt(this.pos) !== 59 /* ; */) return null;
    this.end = this.pos + 1;
    return kw === "type"
      ? { kind: "type", span: null, name, aliases: NONE as never as Ident[], attributes: list }
      : { kind: "typeattribute", span: null, type: name, attributes: list };
  }

  /**
   * The grammar's CondExpr after `if`, read with explicit stacks (operator precedence as the
   * grammar's rules, which follow policy_parse.y: || < ^ < && < ! < == !=, `!` taking the rest of
   * an == chain), so parentheses and `!` nest as deep as checkpolicy's parser goes, where the
   * grammar's recursive rules would run out of stack. The nodes and spans are the grammar's (a
   * parenthesized expression is its inner node; `!`'s span runs to the end of what it read). Null
   * (nothing read) on anything else, the expression not followed by `{` included: the grammar then
   * reads it and words the error.
   */
  condExpr(start: number, room = CHECKPOLICY_COND_ROOM): CondExpr | null {
    if (this.grammarOnly) return null;
    this.condTooDeep = -1;
    this.condFailure = null;
    const input = this.input;
    type Value = { node: CondExpr; end: number };
    type Op = { kind: "paren"; at: number } | { kind: "not"; at: number } | { kind: "bin"; op: BinaryCondOp; prec: number };
    const values: Value[] = [];
    const ops: Op[] = [];
    let peak = 0;
    const fits = () => {
      if (ops.length > peak) peak = ops.length;
      return ops.length + values.length <= room;
    };
    const fail = (expected: string, at: number): null => {
      this.condFailure = { expected, at, peak };
      return null;
    };
    const reduceBin = (op: BinaryCondOp): void => {
      const right = values.pop()!;
      const left = values.pop()!;
      const span = this.nodes.at(left.node.span.offset, right.node.span.offset + right.node.span.length);
      values.push({ node: { op, left: left.node, right: right.node, span }, end: right.end });
    };
    const reduceNot = (at: number): void => {
      const arg = values.pop()!;
      values.push({ node: { op: "not", arg: arg.node, span: this.nodes.at(at, arg.end) }, end: arg.end });
    };
    /** Applies pending operators binding at least `prec` (binary ones, and a `!` below `==`). */
    const reduceWhile = (prec: number): void => {
      for (let top = ops[ops.length - 1]; top !== undefined && top.kind !== "paren"; top = ops[ops.length - 1]) {
        const p = top.kind === "not" ? NOT_PREC : top.prec;
        if (p < prec) return;
        ops.pop();
        if (top.kind === "not") reduceNot(top.at);
        else reduceBin(top.op);
      }
    };
    this.pos = start;
    for (;;) {
      // an operand: prefix `!`s and `(`s, then a boolean name
      for (;;) {
        const at = this.pos;
        const c = input.charCodeAt(at);
        if ((c === 33 /* ! */ && input.charCodeAt(at + 1) !== 61) || this.keyword(at, "not")) {
          this.pos = c === 33 ? at + 1 : at + 3;
          ops.push({ kind: "not", at });
        } else if (c === 40 /* ( */) {
          this.pos = at + 1;
          ops.push({ kind: "paren", at });
        } else break;
        if (!fits()) return this.condTooDeepAt(at);
        this.skipBlanks();
      }
      const at = this.pos;
      const name = this.ident();
      if (name === null) return fail("a boolean name, '!' or '('", at);
      values.push({ node: { op: "bool", name, span: name.span }, end: this.pos });
      if (!fits()) return this.condTooDeepAt(at);
      // closing parentheses, then a binary operator (another operand follows) or the end
      let more = false;
      for (;;) {
        const end = this.pos;
        this.skipBlanks();
        const at = this.pos;
        if (input.charCodeAt(at) === 41 /* ) */) {
          reduceWhile(0);
          if (ops.length + values.length + 1 > room) return this.condTooDeepAt(at);
          if (ops.pop()?.kind !== "paren") return fail("'{'", at);
          values[values.length - 1]!.end = at + 1;
          this.pos = at + 1;
          continue;
        }
        const bin = this.binaryCondOp(at);
        if (bin === null) {
          this.pos = end;
          break;
        }
        reduceWhile(bin.prec);
        ops.push({ kind: "bin", op: bin.op, prec: bin.prec });
        if (!fits()) return this.condTooDeepAt(at);
        this.pos = at + bin.length;
        this.skipBlanks();
        more = true;
        break;
      }
      if (more) continue;
      reduceWhile(0);
      const exprEnd = this.pos;
      this.skipBlanks();
      if (ops.length > 0) return fail("')'", this.pos); // an unclosed `(`
      if (input.charCodeAt(this.pos) !== 123 /* { */) return fail("'{'", this.pos);
      this.end = exprEnd;
      return values[0]!.node;
    }
  }

  /**
   * A set in braces from `start` (at `{`, or at the `~` of `~{`), nested to any depth, read with
   * an explicit stack: the grammar's Names over BraceItems (policy_parse.y nested_id_set), the
   * nested sets flattened in the order written, as flattenSet does. With `alias`, the list
   * policy_parse.y's alias_def (`names`) gives define_type: every name in order, a `-` before a
   * name being an alias named `-` (insert_id("-")), a leading `~` one named `~` after the set.
   * `room` is how many entries checkpolicy's bison stack still has where the set starts (asked
   * only for sets nested thousands deep); the set's own entries are counted as bison pushes them:
   * each open `{`, and its list once it has an element, then what is being shifted. Null when the
   * set is not well formed or goes past `room` (`setFailure` says where and why; the grammar
   * words it).
   */
  nestedSet(start: number, room: () => number, alias: false): NameSet | null;
  nestedSet(start: number, room: () => number, alias: true): Ident[] | null;
  nestedSet(start: number, room: () => number, alias: boolean): NameSet | Ident[] | null {
    this.setFailure = null;
    if (this.grammarOnly) return null;
    const input = this.input;
    this.pos = start;
    const complement = input.charCodeAt(start) === 126; /* ~ */
    if (complement) {
      this.pos++;
      this.skipBlanks();
    }
    if (input.charCodeAt(this.pos) !== 123 /* { */) return null;
    const include: Ident[] = [];
    let exclude: Ident[] | undefined;
    // per open brace: where it is and whether it holds an element yet
    const opened: number[] = [];
    const filled: boolean[] = [];
    let peak = 0;
    let held = complement ? 1 : 0; // bison entries of the open braces (and of the `~`)
    let limit = Infinity;
    const fits = (entries: number, at: number): boolean => {
      if (entries < 9000) return true; // far below any room: not worth asking
      if (limit === Infinity) limit = room();
      if (entries <= limit) return true;
      this.setFailure = { what: "too-deep", at, depth: opened.length, peak };
      return false;
    };
    const fill = () => {
      if (!filled[filled.length - 1]) {
        filled[filled.length - 1] = true;
        held++;
      }
    };
    for (;;) {
      const at = this.pos;
      const c = input.charCodeAt(at);
      if (c === 123 /* { */) {
        if (!fits(held + 1, at)) return null;
        opened.push(at);
        filled.push(false);
        if (opened.length > peak) peak = opened.length;
        held++;
        this.pos++;
      } else if (c === 125 /* } */ && opened.length > 0) {
        const open = opened.pop()!;
        if (!filled.pop()) {
          this.setFailure = { what: "empty", at: open, end: at + 1, depth: opened.length + 1, peak };
          return null;
        }
        if (!fits(held + 1, at)) return null;
        held -= 2;
        this.pos++;
        if (opened.length === 0) break;
        fill();
      } else if (c === 45 /* - */ && opened.length > 0) {
        this.pos++;
        this.skipBlanks();
        const id = this.ident();
        if (id === null) {
          this.setFailure = { what: "name", at: this.pos, depth: opened.length, peak };
          return null;
        }
        if (!fits(held + 3, at)) return null;
        if (alias) include.push(this.nodes.ident("-", at), id);
        else (exclude ??= []).push(id);
        fill();
      } else {
        const id = opened.length > 0 ? this.ident() : null;
        if (id === null) {
          this.setFailure = { what: "item", at, depth: opened.length, peak };
          return null;
        }
        if (!fits(held + 1, at)) return null;
        include.push(id);
        fill();
      }
      this.skipBlanks();
    }
    this.end = this.pos;
    if (alias) {
      if (complement) include.push(this.nodes.ident("~", start));
      return exact(include);
    }
    return { span: this.nodes.at(start, this.pos), star: false, complement, include: exact(include), exclude: exclude === undefined ? (NONE as never as Ident[]) : exact(exclude) };
  }

  /** Why the last nestedSet read stopped: an empty set (from `at` to `end`), a `-` without a name,
   *  something else than a name, `-`, `{` or `}`, or past checkpolicy's parser stack; `depth` is
   *  how many braces were open there, `peak` the most that were open before it. */
  setFailure: { what: "empty" | "name" | "item" | "too-deep"; at: number; end?: number; depth: number; peak: number } | null = null;

  /** Where a conditional went past checkpolicy's parser stack (the grammar reports it), or -1. */
  condTooDeep = -1;

  /** Why the last condExpr read stopped on an expression that is not well formed: what was
   *  expected where, and how many `(`s and `!`s were pending at most before it. */
  condFailure: { expected: string; at: number; peak: number } | null = null;

  private condTooDeepAt(at: number): null {
    this.condTooDeep = at;
    return null;
  }

  /** A binary operator of a conditional at `at`, as the grammar's EqOp, AndOp, XorOp, OrOp. */
  private binaryCondOp(at: number): { op: BinaryCondOp; prec: number; length: number } | null {
    const input = this.input;
    const c = input.charCodeAt(at);
    const d = input.charCodeAt(at + 1);
    if (c === 61 && d === 61) return { op: "eq", prec: 5, length: 2 };
    if (c === 33 && d === 61) return { op: "neq", prec: 5, length: 2 };
    if (c === 38 && d === 38) return { op: "and", prec: 3, length: 2 };
    if (c === 94) return { op: "xor", prec: 2, length: 1 };
    if (c === 124 && d === 124) return { op: "or", prec: 1, length: 2 };
    if (this.keyword(at, "eq")) return { op: "eq", prec: 5, length: 2 };
    if (this.keyword(at, "and")) return { op: "and", prec: 3, length: 3 };
    if (this.keyword(at, "xor")) return { op: "xor", prec: 2, length: 3 };
    if (this.keyword(at, "or")) return { op: "or", prec: 1, length: 2 };
    return null;
  }

  /** `word` (all lower or all upper case, as the grammar's literals) at `at`, not followed by a
   *  character of a name (the grammar's `!IdChar`). */
  private keyword(at: number, word: string): boolean {
    const input = this.input;
    const text = input.slice(at, at + word.length);
    if (text !== word && text !== word.toUpperCase()) return false;
    const c = input.charCodeAt(at + word.length);
    return !(IS_WORD[c] === 1 || c === 46 /* . */);
  }

  private skipBlanks(): void {
    const input = this.input;
    let i = this.pos;
    for (;;) {
      const c = input.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 12) i++;
      else if (c === 35 /* # */) {
        const nl = input.indexOf("\n", i);
        i = nl === -1 ? input.length : nl;
      } else if (c < 32 || c >= 127) {
        // (NaN, past the end, is neither)
        this.strayAt(i, strayKind(c));
        i++;
      } else if (c === 34 /* " */ && quotedEnd(input, i) === -1) {
        this.strayAt(i, "quote");
        i++;
      } else break;
    }
    this.pos = i;
  }

  /** Characters that policy_scan.l matches with no rule but its last (`.`, "unrecognized
   *  character"), which it reports as an error and then skips: CR, a byte-order mark, NUL, other
   *  control characters, anything not ASCII and a `"` that opens no quoted name, outside
   *  comments. Where the first of each kind is, for parse.ts to report once. */
  readonly stray = new Map<StrayKind, number>();

  private strayAt(offset: number, kind: StrayKind): void {
    const seen = this.stray.get(kind);
    if (seen === undefined || offset < seen) this.stray.set(kind, offset);
  }

  /** The grammar's IdentCommaList, or null. */
  private identCommaList(): Ident[] | null {
    const head = this.ident();
    if (head === null) return null;
    const list = [head];
    for (;;) {
      const end = this.pos;
      this.skipBlanks();
      if (this.input.charCodeAt(this.pos) !== 44 /* , */) {
        this.pos = end;
        return list.length === 1 ? list : list.slice(); // exact size, as the grammar's
      }
      this.pos++;
      this.skipBlanks();
      const next = this.ident();
      if (next === null) return null;
      list.push(next);
    }
  }

  /** The grammar's Names for the flat shapes: one name, `a -b`, `*`, `~a`, and `{ ... }` or
   *  `~{ ... }` of names and `-name`s (no nesting); null (the grammar reads it) otherwise. The
   *  nodes are the grammar's (Names, flattenSet): a span from the first character to the last
   *  read, `include` and `exclude` in the order written; one plain name is that name (its set
   *  made by ScannedAvRule when asked for). */
  private names1(pooled = true): ScannedNames | null {
    const input = this.input;
    const start = this.pos;
    const c = input.charCodeAt(start);
    if (c === 42 /* * */) {
      this.pos++;
      return { span: this.nodes.at(start, this.pos), star: true, complement: false, include: NONE as never as Ident[], exclude: NONE as never as Ident[] };
    }
    if (c === 126 /* ~ */) {
      this.pos++;
      this.skipBlanks();
      if (input.charCodeAt(this.pos) === 123 /* { */) return this.braceSet(start, true, pooled);
      const a = this.ident();
      return a === null ? null : { span: this.nodes.at(start, this.pos), star: false, complement: true, include: [a], exclude: NONE as never as Ident[] };
    }
    if (c === 123 /* { */) return this.braceSet(start, false, pooled);
    // (the name read as in ident(), its node made once we know whether it is the whole set)
    if (!isLetter(c)) return null;
    const name = this.word(start);
    if (RESERVED.has(name)) return null;
    const end = (this.pos = this.end);
    this.skipBlanks();
    if (input.charCodeAt(this.pos) !== 45 /* - */) {
      this.pos = end;
      return name;
    }
    const a = this.nodes.ident(name, start);
    this.pos++;
    this.skipBlanks();
    const b = this.ident();
    return b === null ? null : { span: this.nodes.at(start, this.pos), star: false, complement: false, include: [a], exclude: [b] };
  }

  /** `{ a -b c }` from `this.pos` (at the brace), a set spanning from `start`; null when nested
   *  or empty. With `pooled`, a plain `{ ... }` (no `~`, no `-`) is kept as names in the nodes'
   *  pool, its index returned (ScannedAvRule makes its node when asked); the others are made by
   *  the nodes' nameList from the names alone: their Idents are read again (braceIdents) only
   *  when asked for. */
  private braceSet(start: number, complement: boolean, pooled: boolean): ScannedNames | null {
    if (!this.braceItems()) return null;
    const include = this.setNames;
    const minus = this.setMinus;
    const n = this.setCount;
    let excluded = 0;
    for (let k = 0; k < n; k++) excluded += minus[k]!;
    if (excluded === 0 && pooled && !complement) {
      const pool = this.nodes.pool;
      const at = pool.length;
      pool.push(n);
      for (let k = 0; k < n; k++) pool.push(include[k]!);
      return at;
    }
    if (excluded === 0) return this.nodes.nameList(start, this.pos, complement, include.slice(0, n), NONE as never as string[]);
    const inc: string[] = [];
    const exc: string[] = [];
    for (let k = 0; k < n; k++) (minus[k] === 1 ? exc : inc).push(include[k]!);
    return this.nodes.nameList(start, this.pos, complement, exact(inc), exc.slice());
  }

  /** The Idents of a set braceSet read from `start` (its `~` or `{`), as the grammar makes them. */
  braceIdents(start: number): { include: Ident[]; exclude: Ident[] } {
    this.pos = start;
    if (this.input.charCodeAt(start) === 126 /* ~ */) {
      this.pos++;
      this.skipBlanks();
    }
    this.braceItems();
    const include: Ident[] = [];
    const exclude: Ident[] = [];
    for (let k = 0; k < this.setCount; k++) {
      (this.setMinus[k] === 1 ? exclude : include).push(this.nodes.ident(this.setNames[k]!, this.setOffsets[k]!));
    }
    return { include: exact(include), exclude: exact(exclude) };
  }

  /** Where each name of the set in braces at `start` is written, in text order, and whether a `-`
   *  came before it (1). */
  braceOffsets(start: number): { offsets: readonly number[]; minus: readonly number[] } {
    this.pos = start;
    if (this.input.charCodeAt(start) === 126 /* ~ */) {
      this.pos++;
      this.skipBlanks();
    }
    this.braceItems();
    return { offsets: this.setOffsets.slice(0, this.setCount), minus: this.setMinus.slice(0, this.setCount) };
  }

  // The names of the last set braceItems read, where each starts and whether a `-` came before
  // it: the first setCount entries. Reused from set to set (a large policy has ~90k such sets)
  // and written by index: `length = 0` dropped their backing stores, so every set allocated
  // three new ones (~35 MB of garbage on gen-policy large).
  private setCount = 0;
  private readonly setNames: string[] = [];
  private readonly setOffsets: number[] = [];
  private readonly setMinus: number[] = [];

  /** `{ a -b c }` from `this.pos` (at the brace) into setNames, setOffsets and setMinus, `pos`
   *  after the `}`; false when nested or empty. */
  private braceItems(): boolean {
    const input = this.input;
    const names = this.setNames;
    const offsets = this.setOffsets;
    const minusOf = this.setMinus;
    let n = 0;
    this.setCount = 0;
    this.pos++;
    this.skipBlanks();
    for (;;) {
      let minus = 0;
      if (input.charCodeAt(this.pos) === 45 /* - */) {
        minus = 1;
        this.pos++;
        this.skipBlanks();
      }
      const at = this.pos;
      const name = this.name();
      if (name === null) {
        if (minus === 1) return false;
        break;
      }
      names[n] = name;
      offsets[n] = at;
      minusOf[n] = minus;
      this.setCount = ++n;
      this.skipBlanks();
    }
    if (n === 0 || input.charCodeAt(this.pos) !== 125 /* } */) return false;
    this.pos++;
    return true;
  }

  /** The grammar's Ident's name: a name that is not reserved; else null (and nothing read). */
  private name(): string | null {
    const start = this.pos;
    if (!isLetter(this.input.charCodeAt(start))) return null;
    const name = this.word(start);
    if (RESERVED.has(name)) return null;
    this.pos = this.end;
    return name;
  }

  /** The grammar's Ident: a name that is not reserved; else null (and nothing read). */
  private ident(): Ident | null {
    const start = this.pos;
    const name = this.name();
    return name === null ? null : this.nodes.ident(name, start);
  }
}
