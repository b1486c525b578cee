// Stage 1 of the pipeline: policy.conf text -> AST (src/policy/ast.ts) + diagnostics.
// The grammar lives in grammar/policy.peggy; this module maps spans through `#line`, words peggy's
// failures as checkpolicy-like messages, and checks checkpolicy's section order (policy_parse.y
// base_policy), which the grammar leaves out so each statement stays a single flat rule.
import type { Ident, PolicyAst, Statement } from "./ast.js";
import { diagnostic, error, hasErrors, warning, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics/diagnostic.js";
import {
  describeStatement,
  parse,
  StopParse,
  SyntaxError as PeggySyntaxError,
  type ParseContext,
  type PeggyExpectation,
} from "./grammar.generated.js";
import { LineMap } from "./lines.js";
import { SourceNodes } from "./nodes.js";
import { Scanner, tokenAt, tokenLength, type StrayKind } from "./scan.js";
import { keepShape } from "./shapes.js";

/** What a policy may hold before the compiler refuses it with a located error. The defaults are
 *  far past real policies (Xen's is < 1 MB with names of < 40 characters; gen-policy's large one
 *  6 MB) and keep the whole pipeline to seconds and a few hundred MB. */
export interface InputLimits {
  /** Characters of policy text (default 32 Mi, as the CLI's file limit). */
  bytes: number;
  /** Characters in one name (default 8191: checkpolicy's scanner holds no longer token). */
  nameLength: number;
  /** Statements (default 4 Mi). */
  statements: number;
}

export const DEFAULT_LIMITS: InputLimits = { bytes: 32 * 1024 * 1024, nameLength: 8191, statements: 4 * 1024 * 1024 };

export interface ParseOptions {
  /** Check checkpolicy's section order and required sections (default true). Turn off to parse
   *  a fragment, e.g. a single rule in a test. */
  sections?: boolean;
  /** Read every statement through the grammar's rules, bypassing the hand-read fast paths for
   *  simple AV rules and declarations (tests compare the two; the result must be identical). */
  grammarOnly?: boolean;
  /** Bounds on the input (defaults: DEFAULT_LIMITS). */
  limits?: Partial<InputLimits>;
}

export interface ParseResult {
  ast: PolicyAst;
  diagnostics: Diagnostic[];
  /** When the parse failed (with section checks on): the statements before the one it stopped in,
   *  read again (the compiler runs checkpolicy's first pass over them). */
  before?: readonly Statement[];
  /** Which of `diagnostics` are about the section order (checkpolicy's parser stops at the first). */
  sections?: readonly Diagnostic[];
}

// (a sample instance: see shapes.ts)
keepShape(new Scanner("", new SourceNodes(new LineMap("", ""), "")));

export function parsePolicy(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const ast: PolicyAst = { file, statements: [] };
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (text.length > limits.bytes) {
    const at = new LineMap(text.slice(0, limits.bytes + 1), file);
    return { ast, diagnostics: [error("limit", `the policy is longer than the limit of ${limits.bytes} characters`, at.span(limits.bytes, limits.bytes + 1))] };
  }
  const nul = firstNulOutsideComment(text);
  if (nul !== -1) {
    // a binary file: one error at its first NUL rather than a syntax error about its first bytes
    const lines = new LineMap(text.slice(0, nul + 1), file);
    return { ast, diagnostics: [error("bad-character", strayMessage("nul", text, nul), lines.span(nul, nul + 1))] };
  }
  const lines = new LineMap(text, file);
  const diagnostics: Diagnostic[] = [];
  const ctx: ParseContext = { kw: "", word: "", start: -1, done: true, ifStart: 0, empties: [] };
  // (the parser's Idents are SourceIdents; the set takes the name's place)
  const nodes = new SourceNodes(lines, text);
  const at = (start: number, end: number) => nodes.at(start, end);
  const ident = (name: string, start: number) => nodes.ident(name, start);
  const oneName = (id: Ident) => nodes.oneName(id);
  const scanner = new Scanner(text, nodes, options.grammarOnly === true);
  let failed: number | undefined; // where the parse stopped
  try {
    ast.statements = parse(text, {
      // (statements' spans too are located when read: a compile that reports nothing never
      // finds the text's lines)
      span: at,
      at,
      ident,
      oneName,
      report: (code, message, start, end) => diagnostics.push(error(code as DiagnosticCode, message, lines.span(start, end))),
      ctx,
      grammarOnly: options.grammarOnly === true,
      scanner,
    });
  } catch (e) {
    diagnostics.push(syntaxDiagnostic(e, text, lines, ctx));
    failed = e instanceof StopParse ? e.start : e instanceof PeggySyntaxError ? e.location.start.offset : text.length;
  }
  let before: readonly Statement[] | undefined;
  let sections: Diagnostic[] | undefined;
  if (failed !== undefined && options.sections !== false) {
    const read = sectionsBeforeFailure(text, file, failed, ctx, lines, limits);
    before = read?.statements;
    sections = read?.diagnostics;
    for (const d of read?.diagnostics ?? []) diagnostics.push(d);
  }
  for (const d of strayDiagnostics(scanner, text, lines)) diagnostics.push(d);
  if (scanner.longestName > limits.nameLength) {
    const at = scanner.longestNameAt;
    diagnostics.push(error("limit", `a name of ${scanner.longestName} characters: the limit is ${limits.nameLength}`, lines.span(at, at + 1)));
  }
  if (ast.statements.length > limits.statements) {
    const s = ast.statements[limits.statements]!;
    diagnostics.push(error("limit", `more than ${limits.statements} statements: the limit is ${limits.statements}`, s.span));
  }
  const long = lineLimitWarning(text, lines);
  if (long !== undefined) diagnostics.push(long);
  for (const d of lines.directives()) {
    if (d.unfollowed === undefined) continue;
    const at = lines.span(d.offset, d.end);
    // (a name after a number other than 1: checkpolicy 3.4's scanner reads the line as a comment)
    const who = d.file === undefined ? "checkpolicy numbers" : "checkpolicy 3.10 numbers";
    const comment = d.file === undefined ? "" : " (3.4 reads it as a comment)";
    diagnostics.push(warning("line-directive", `${who} the line after this directive ${d.unfollowed}${comment}, past the numbers xsm holds exactly; xsm numbers the lines after it as if it were not there`, at));
  }
  // in the order of the text (a stray character is found while reading, reported after)
  diagnostics.sort((a, b) => (a.span?.offset ?? Infinity) - (b.span?.offset ?? Infinity));
  if (failed !== undefined) return { ast, diagnostics, ...(before !== undefined ? { before } : {}), ...(sections?.length ? { sections } : {}) };

  if (ast.statements.length === 0 && !hasErrors(diagnostics)) {
    diagnostics.push(
      error(
        "syntax",
        "the policy is empty: checkpolicy needs at least classes, initial SIDs, access vectors, a type, a user and SID contexts",
        lines.span(text.length, text.length),
      ),
    );
  } else if (options.sections !== false) {
    sections = checkSections(ast.statements, lines.lazySpan(text.length, text.length));
    for (const d of sections) diagnostics.push(d);
    for (const d of checkEmptyStatements(ast.statements, ctx.empties ?? [], lines)) diagnostics.push(d);
  }
  return sections?.length ? { ast, diagnostics, sections } : { ast, diagnostics };
}

// ---- bytes as policy_scan.l reads them ------------------------------------------------------------

const STRAY_ORDER: readonly StrayKind[] = ["bom", "cr", "nul", "control", "non-ascii", "quote"];

/** One error per kind of character checkpolicy's scanner does not recognize outside a comment
 *  (policy_scan.l's last rule: "unrecognized character", counted as an error, then skipped), at
 *  its first occurrence, with what to do about it. */
function strayDiagnostics(scanner: Scanner, text: string, lines: LineMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const kind of STRAY_ORDER) {
    const offset = scanner.stray.get(kind);
    if (offset === undefined) continue;
    const span = lines.span(offset, offset + 1);
    out.push(error("bad-character", strayMessage(kind, text, offset), span));
  }
  return out;
}

/** compile's words for a stray character at `offset` (xsm fmt words its m4 refusals the same way). */
export function strayMessage(kind: StrayKind, text: string, offset: number): string {
  const rejects = "checkpolicy rejects it ('unrecognized character')";
  switch (kind) {
    case "bom":
      return `a byte-order mark (U+FEFF, bytes EF BB BF): ${rejects}; save the file as UTF-8 without a BOM`;
    case "cr": {
      let crlf = 0;
      for (let i = text.indexOf("\r\n"); i !== -1; i = text.indexOf("\r\n", i + 2)) crlf++;
      const dos = crlf > 1 ? `; ${crlf} lines end in CR LF (Windows line endings): convert the file with dos2unix` : "; remove it";
      return `a carriage return (CR) outside a comment: ${rejects}${dos}`;
    }
    case "nul":
      return `a NUL byte outside a comment (is this a binary file?): ${rejects}; only a comment may hold one`;
    case "control":
      return `control character 0x${text.charCodeAt(offset).toString(16).padStart(2, "0")} outside a comment: ${rejects}`;
    case "non-ascii": {
      const c = text.codePointAt(offset)!;
      const what = isEscapedByte(c)
        ? `a byte that is not valid UTF-8 (0x${(c - 0xdc00).toString(16).toUpperCase()})`
        : c === 0xfffd
          ? "a byte that is not valid UTF-8"
          : `'${String.fromCodePoint(c)}' (U+${c.toString(16).toUpperCase().padStart(4, "0")}), not ASCII,`;
      return `${what} outside a comment: ${rejects}; outside comments, paths and quoted file names a policy is ASCII`;
    }
    case "quote": {
      const nl = text.indexOf("\n", offset);
      const close = text.slice(offset + 1, nl === -1 ? text.length : nl).indexOf('"');
      const what =
        close === -1
          ? `a '"' with no closing '"' on its line`
          : close === 0
            ? `an empty quoted name ('""')`
            : `a quoted name with a '/' after its first character ('${text.slice(offset, offset + close + 2)}')`;
      return `${what}: ${rejects} and reads on after the '"'; a quoted file name ("NAME") holds no '/', a quoted path ("/PATH") starts with one`;
    }
  }
}

/** The first NUL that no `#` before it on its line puts in a comment, or -1. */
function firstNulOutsideComment(text: string): number {
  for (let i = text.indexOf("\0"); i !== -1; ) {
    const lineStart = text.lastIndexOf("\n", i) + 1;
    const hash = text.indexOf("#", lineStart);
    if (hash === -1 || hash > i) return i;
    const nl = text.indexOf("\n", i);
    if (nl === -1) return -1;
    i = text.indexOf("\0", nl);
  }
  return -1;
}

/** flex's YYLMAX in policy_scan.l (%array): a token of YYLMAX bytes or more stops checkpolicy with
 *  "token too large, exceeds YYLMAX". Its `\n.*` rule reads each line after the first as one token
 *  with its newline, so any later line of 8191 bytes or more fails; on the first line only a single
 *  long token (a comment, a name, blanks) does. A limit of a C buffer, not of the language: xsm
 *  reads such a file, and warns (once) that checkpolicy will not. */
export const YYLMAX = 8192;

function lineLimitWarning(text: string, lines: LineMap): Diagnostic | undefined {
  const tooLong = (from: number, to: number, limit: number) => to - from >= limit || (to - from) * 3 >= limit && utf8Length(text, from, to) >= limit;
  let start = 0;
  let nl = text.indexOf("\n");
  const firstEnd = nl === -1 ? text.length : nl;
  if (tooLong(0, firstEnd, YYLMAX)) {
    const token = /#[^\n]*|[ \t\f]+|"[^"\n]*"|\/[^ \n\r\t\f]*|[A-Za-z0-9_.\-]+/g;
    const line = text.slice(0, firstEnd);
    for (let m = token.exec(line); m !== null; m = token.exec(line)) {
      if (tooLong(m.index, m.index + m[0].length, YYLMAX)) {
        const bytes = utf8Length(text, m.index, m.index + m[0].length);
        return warning(
          "checkpolicy-limit",
          `a token of ${bytes} bytes: checkpolicy rejects this file ('token too large, exceeds YYLMAX': its scanner holds tokens of at most ${YYLMAX - 1} bytes)`,
          lines.span(m.index, m.index + 1),
        );
      }
    }
  }
  while (nl !== -1) {
    start = nl + 1;
    nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl;
    // the token is the newline before the line and the line itself
    if (tooLong(start, end, YYLMAX - 1)) {
      return warning(
        "checkpolicy-limit",
        `a line of ${utf8Length(text, start, end)} bytes: checkpolicy rejects this file ('token too large, exceeds YYLMAX': its scanner reads each line as one token, so lines after the first must stay under ${YYLMAX - 1} bytes)`,
        lines.span(start, start + 1),
      );
    }
  }
  return undefined;
}

/** A byte of the file that is not UTF-8, as src/io/read.ts decodePolicyText escapes it. */
function isEscapedByte(c: number): boolean {
  return c >= 0xdc80 && c <= 0xdcff;
}

/** The length in the file's bytes of text[from, to): UTF-8, an escaped byte being one. */
function utf8Length(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : isEscapedByte(c) ? 1 : 3;
  }
  return n;
}

// ---- syntax errors -----------------------------------------------------------------------------

function syntaxDiagnostic(e: unknown, text: string, lines: LineMap, ctx: ParseContext): Diagnostic {
  if (e instanceof StopParse) {
    // the end of the file is shown where the text stops (after its last token), not on the line
    // past the final newline, which has nothing to show
    const at = e.start >= text.length ? endOfLastToken(text) : e.start;
    const span = lines.span(at, at === e.start ? Math.max(e.end, e.start) : at);
    return error("syntax", e.message, span, startedElsewhere(span, e.start, text, lines, ctx));
  }
  if (e instanceof PeggySyntaxError) {
    const pos = e.location.start.offset;
    const where = !ctx.done && pos > ctx.start ? ` in ${describeStatement(ctx.kw, ctx.word)}` : "";
    const message = `expected ${describeExpected(e.expected ?? [], where === "")}${where}, found ${tokenAt(text, pos)}`;
    const at = pos >= text.length ? endOfLastToken(text) : pos; // (as for StopParse)
    const span = lines.span(at, at + tokenLength(text, at));
    return error("syntax", message, span, startedElsewhere(span, pos, text, lines, ctx));
  }
  if (e instanceof RangeError) {
    // A stack overflow: only absurd nesting gets here, the grammar limits ordinary nesting itself.
    return error("syntax", "the policy is nested too deeply to parse");
  }
  throw e; // a bug in the parser, not in the input
}

/** Where the text's last token ends: trailing blank lines, blanks and comments (`#` to the end of
 *  its line, #line directives included) skipped. */
function endOfLastToken(text: string): number {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const line = text.slice(start, end);
    const hash = line.indexOf("#");
    const code = (hash < 0 ? line : line.slice(0, hash)).trimEnd();
    if (code !== "") return start + code.length;
    end = start - 1;
  }
  return text.length;
}

/** In a built tree a statement may start in one file and the parser stop in the next (a module's
 *  last rule left unfinished): a note at its start, the file to fix. */
function startedElsewhere(span: Span, pos: number, text: string, lines: LineMap, ctx: ParseContext): Diagnostic["notes"] {
  if (ctx.done || ctx.start < 0 || pos <= ctx.start) return undefined;
  const begin = lines.span(ctx.start, ctx.start + tokenLength(text, ctx.start));
  if (begin.file === span.file) return undefined;
  return [{ message: `the ${describeStatement(ctx.kw, ctx.word)} starts here, and ${begin.file} ends before it is finished`, span: begin }];
}

function describeExpected(expected: PeggyExpectation[], topLevel: boolean): string {
  const kinds = new Set<string>(); // "a name", "a number": listed first
  const tokens = new Set<string>();
  for (const x of expected) {
    if (x.type === "literal" && x.text !== "#" && x.text !== "") tokens.add(`'${x.text}'`);
    else if (x.type === "end") kinds.add(topLevel ? "a statement" : "end of file");
    else if (x.type === "other" && x.description) kinds.add(x.description === "identifier" ? "a name" : `a ${x.description}`);
  }
  // At the top level a stray token can only be the start of a statement that is not one.
  if (topLevel && kinds.has("a statement")) return "a statement";
  const list = [...kinds, ...[...tokens].sort()];
  if (list.length === 0) return "something else";
  if (list.length === 1) return list[0]!;
  return `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
}

// ---- section order (policy_parse.y base_policy) -------------------------------------------------

const SECTIONS = [
  "classes",
  "initial SIDs",
  "common permissions",
  "access vectors",
  "default rules",
  // policy_parse.y mls: sensitivities dominance opt_categories levels mlspolicy, each in turn
  "sensitivities",
  "MLS dominance",
  "categories",
  "levels",
  "MLS constraints",
  "TE and RBAC statements",
  "users",
  "constraints",
  "initial SID contexts",
  "device contexts",
] as const;

const enum Sec {
  Classes = 0,
  InitialSids = 1,
  Commons = 2,
  AccessVectors = 3,
  Defaults = 4,
  Sensitivities = 5,
  Dominance = 6,
  Categories = 7,
  Levels = 8,
  MlsConstraints = 9,
  TeRbac = 10,
  Users = 11,
  Constraints = 12,
  SidContexts = 13,
  DeviceContexts = 14,
}

const SECTION_OF: Partial<Record<Statement["kind"], number>> = {
  class: Sec.Classes,
  sid_decl: Sec.InitialSids,
  common: Sec.Commons,
  av: Sec.AccessVectors,
  attribute: Sec.TeRbac,
  type: Sec.TeRbac,
  typealias: Sec.TeRbac,
  typeattribute: Sec.TeRbac,
  bool: Sec.TeRbac,
  permissive: Sec.TeRbac,
  policycap: Sec.TeRbac,
  expandattribute: Sec.TeRbac,
  attribute_role: Sec.TeRbac,
  roleattribute: Sec.TeRbac,
  role: Sec.TeRbac,
  role_allow: Sec.TeRbac,
  role_dominance: Sec.TeRbac,
  typebounds: Sec.TeRbac,
  role_transition: Sec.TeRbac,
  default: Sec.Defaults,
  avrule: Sec.TeRbac,
  typerule: Sec.TeRbac,
  if: Sec.TeRbac,
  user: Sec.Users,
  constrain: Sec.Constraints,
  validatetrans: Sec.Constraints,
  sid_context: Sec.SidContexts,
  pirqcon: Sec.DeviceContexts,
  iomemcon: Sec.DeviceContexts,
  ioportcon: Sec.DeviceContexts,
  pcidevicecon: Sec.DeviceContexts,
  devicetreecon: Sec.DeviceContexts,
  sensitivity: Sec.Sensitivities,
  dominance: Sec.Dominance,
  category: Sec.Categories,
  level: Sec.Levels,
  range_transition: Sec.TeRbac,
};

/** Sections checkpolicy requires to be non-empty, with an example of each; `mls`: only in a policy
 *  with MLS declarations (opt_mls is all of them or none). */
const REQUIRED: { section: number; example: string; mls?: true }[] = [
  { section: Sec.Classes, example: "class NAME" },
  { section: Sec.InitialSids, example: "sid NAME" },
  { section: Sec.AccessVectors, example: "class NAME { perms }" },
  { section: Sec.Sensitivities, example: "sensitivity s0;", mls: true },
  { section: Sec.Dominance, example: "dominance { s0 }", mls: true },
  { section: Sec.Levels, example: "level s0;", mls: true },
  { section: Sec.MlsConstraints, example: "mlsconstrain CLASS PERMS (EXPR);", mls: true },
  { section: Sec.TeRbac, example: "type NAME;" },
  { section: Sec.Users, example: "user NAME roles R;" },
  { section: Sec.SidContexts, example: "sid NAME user:role:type" },
];

const inMls = (section: number) => section >= Sec.Sensitivities && section <= Sec.MlsConstraints;

function sectionOf(s: Statement): number | undefined {
  if ((s.kind === "constrain" || s.kind === "validatetrans") && s.mls) return Sec.MlsConstraints;
  return SECTION_OF[s.kind]; // undefined: our `platform` blocks may go anywhere
}

/** The runs of top-level statements of one section, in text order (checkpolicy's base_policy: the
 *  language server folds each): the section's name and the physical offsets its statements span.
 *  A `platform` block, of no section, belongs to the run around it. */
export function sectionRuns(statements: readonly Statement[]): { section: string; start: number; end: number }[] {
  const runs: { section: string; start: number; end: number }[] = [];
  let current: number | undefined;
  for (const s of statements) {
    const section = sectionOf(s);
    const end = s.span.offset + s.span.length;
    if (section === undefined || section === current) {
      if (runs.length > 0) runs[runs.length - 1]!.end = end;
      continue;
    }
    current = section;
    runs.push({ section: SECTIONS[section]!, start: s.span.offset, end });
  }
  return runs;
}

const KIND_NAMES: Partial<Record<Statement["kind"], string>> = {
  class: "a class declaration",
  sid_decl: "an initial SID declaration",
  common: "a common declaration",
  av: "an access vector definition",
  attribute: "an attribute declaration",
  type: "a type declaration",
  typealias: "a typealias statement",
  typeattribute: "a typeattribute statement",
  bool: "a bool declaration",
  permissive: "a permissive statement",
  policycap: "a policycap statement",
  expandattribute: "an expandattribute statement",
  attribute_role: "an attribute_role declaration",
  roleattribute: "a roleattribute statement",
  role: "a role statement",
  role_allow: "a role allow",
  role_dominance: "a role dominance statement",
  typebounds: "a typebounds statement",
  role_transition: "a role_transition rule",
  user: "a user declaration",
  if: "a conditional",
  constrain: "a constrain statement",
  validatetrans: "a validatetrans statement",
  sid_context: "an initial SID context",
  sensitivity: "a sensitivity declaration",
  dominance: "a dominance statement",
  category: "a category declaration",
  level: "a level statement",
  range_transition: "a range_transition rule",
};

function describeKind(s: Statement): string {
  if ((s.kind === "constrain" || s.kind === "validatetrans") && s.mls) return `an mls${s.kind} statement`;
  if (s.kind === "default") return `a default_${s.field} rule`;
  if (s.kind === "avrule" || s.kind === "typerule") return `${s.rule === "auditallow" || s.rule === "auditdeny" ? "an" : "a"} ${s.rule} rule`;
  return KIND_NAMES[s.kind] ?? `a ${s.kind}`;
}

/** policy_parse.y takes an empty statement (`;`) only as a te_rbac_decl: after the access vectors
 *  (and MLS declarations) and before the users. One error for the first misplaced one. */
function checkEmptyStatements(statements: readonly Statement[], empties: readonly number[], lines: LineMap): Diagnostic[] {
  if (empties.length === 0) return [];
  const placed = statements.filter((s) => sectionOf(s) !== undefined);
  let next = 0;
  for (const at of empties) {
    while (next < placed.length && placed[next]!.span.offset < at) next++;
    const before = next > 0 ? sectionOf(placed[next - 1]!)! : -1;
    const after = next < placed.length ? sectionOf(placed[next]!)! : undefined;
    const inTe = before >= Sec.AccessVectors && before <= Sec.TeRbac && (after === undefined || after === Sec.TeRbac || after === Sec.Users);
    if (!inTe) return [error("syntax", "an empty statement (';') is only allowed among the TE and RBAC statements, as checkpolicy's grammar has it", lines.span(at, at + 1))];
  }
  return [];
}

/** The first required section strictly between `latest` and `section` that has no statement yet:
 *  policy_parse.y's parser cannot step over it, so the statement that tries is its syntax error. */
function skippedSection(latest: number, section: number, first: readonly (Statement | undefined)[]): { section: number; example: string } | undefined {
  const mls = inMls(latest) || inMls(section);
  return REQUIRED.find((r) => r.section > latest && r.section < section && first[r.section] === undefined && (mls || !r.mls));
}

function skipError(what: string, section: number, skipped: { section: number; example: string }, span: Span): Diagnostic {
  return error(
    "syntax",
    `${what} belongs to the ${SECTIONS[section]}, but the ${SECTIONS[skipped.section]} must come first and there is none yet (${skipped.example}): checkpolicy requires at least one`,
    span,
  );
}

/** The sections a statement starting with keyword `kw` (canonical) may belong to; undefined for
 *  ours (`platform`) and those the Xen target has no section for. */
function sectionsOfKeyword(kw: string): number[] | undefined {
  switch (kw) {
    case "class": return [Sec.Classes, Sec.AccessVectors];
    case "sid": return [Sec.InitialSids, Sec.SidContexts];
    case "common": return [Sec.Commons];
    case "default_user": case "default_role": case "default_type": case "default_range": return [Sec.Defaults];
    case "sensitivity": return [Sec.Sensitivities];
    case "dominance": return [Sec.Dominance, Sec.TeRbac]; // of sensitivities, or of roles
    case "category": return [Sec.Categories];
    case "level": return [Sec.Levels];
    case "mlsconstrain": case "mlsvalidatetrans": return [Sec.MlsConstraints];
    case "user": return [Sec.Users];
    case "constrain": case "validatetrans": return [Sec.Constraints];
    case "pirqcon": case "iomemcon": case "ioportcon": case "pcidevicecon": case "devicetreecon": return [Sec.DeviceContexts];
    case "platform": case "unsupported": case "": return undefined;
    default: return [Sec.TeRbac];
  }
}

/** A parse that stopped at `failedAt`: checkpolicy's parser, which follows the section order as it
 *  reads, stops earlier when a statement before that place is out of its section, or when the
 *  statement being read cannot begin where it stands (its keyword is the syntax error). Those
 *  errors, read from the statements before the failing one (parsed again, up to it). */
function sectionsBeforeFailure(
  text: string,
  file: string,
  failedAt: number,
  ctx: ParseContext,
  lines: LineMap,
  limits: InputLimits,
): { statements: readonly Statement[]; diagnostics: Diagnostic[] } | undefined {
  const inStatement = !ctx.done && ctx.start >= 0 && ctx.start <= failedAt;
  let end = inStatement ? ctx.start : Math.min(failedAt, text.length);
  let [kw, word] = [ctx.kw, ctx.word];
  const read = (to: number) => (to === 0 ? { ast: { file, statements: [] as Statement[] }, diagnostics: [] } : parsePolicy(text.slice(0, to), file, { sections: false, limits }));
  // (a stray character is reported but read past: only a syntax error stops a parse)
  const stopped = (r: ParseResult) => r.diagnostics.some((d) => d.code === "syntax");
  let before = read(end);
  if (stopped(before) && inStatement && ctx.ifStart < end && /^if\b/i.test(text.slice(ctx.ifStart, ctx.ifStart + 3))) {
    // the statement is a rule inside a conditional: the conditional is the statement
    end = ctx.ifStart;
    [kw, word] = ["if", text.slice(end, end + 2)];
    before = read(end);
  }
  if (stopped(before)) return undefined;
  const next = inStatement ? sectionsOfKeyword(kw) : undefined;
  const what = inStatement ? describeStatement(kw, word) : "";
  const tail = next === undefined ? undefined : { sections: next, what: `${/^[aeiou]/.test(what) ? "an" : "a"} ${what}`, span: lines.span(end, end + word.length) };
  return { statements: before.ast.statements, diagnostics: checkSections(before.ast.statements, lines.span(end, end), true, tail) };
}

export function checkSections(
  statements: readonly Statement[],
  endOfFile: Span,
  partial = false,
  tail?: { sections: number[]; what: string; span: Span },
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const first: (Statement | undefined)[] = new Array(SECTIONS.length);
  const reported = new Set<number>(); // one diagnostic per misplaced section, not per statement
  let skipped: number | undefined; // the required section a statement stepped over (one error: checkpolicy stops there)
  let latest = -1;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    const section = sectionOf(s);
    if (section === undefined) continue;
    if (section > latest && skipped === undefined) {
      const over = skippedSection(latest, section, first);
      if (over !== undefined) {
        skipped = over.section;
        diagnostics.push(skipError(describeKind(s), section, over, s.span));
      }
    }
    if (section === Sec.Dominance && first[section] !== undefined && !reported.has(section)) {
      // policy_parse.y mls: one dominance statement, not a list
      reported.add(section);
      diagnostics.push(error("syntax", "a second dominance statement: checkpolicy takes one, ordering every sensitivity", s.span, [{ message: "the first is here", span: first[section]!.span }]));
    }
    first[section] ??= s;
    if (section >= latest) {
      latest = section;
      continue;
    }
    if (reported.has(section)) continue;
    reported.add(section);
    const later = first[latest]!;
    diagnostics.push(
      error(
        "syntax",
        `${describeKind(s)} belongs to the ${SECTIONS[section]}, which must come before the ${SECTIONS[latest]}`,
        s.span,
        [{ message: `the ${SECTIONS[latest]} start here`, span: later.span }],
      ),
    );
  }
  if (tail !== undefined && diagnostics.length === 0) {
    // the statement the parse stopped in: an error at its keyword when no section it may belong to can come next
    const later = tail.sections.filter((c) => c >= latest);
    if (!later.some((c) => skippedSection(latest, c, first) === undefined)) {
      const over = later.length > 0 ? skippedSection(latest, later[0]!, first) : undefined;
      if (over !== undefined) diagnostics.push(skipError(tail.what, later[0]!, over, tail.span));
      else {
        const section = Math.max(...tail.sections);
        diagnostics.push(
          error("syntax", `${tail.what} belongs to the ${SECTIONS[section]}, which must come before the ${SECTIONS[latest]}`, tail.span, [
            { message: `the ${SECTIONS[latest]} start here`, span: first[latest]!.span },
          ]),
        );
      }
    }
  }
  if (partial) return diagnostics;
  const mls = first.some((f, i) => f !== undefined && inMls(i));
  const missing = REQUIRED.filter((r) => first[r.section] === undefined && r.section !== skipped && (mls || !r.mls)).map((r) => `${SECTIONS[r.section]} (${r.example})`);
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
    diagnostics.push(error("syntax", `the policy has no ${list}: checkpolicy requires every one of these sections`, endOfFile));
  }
  return diagnostics;
}
