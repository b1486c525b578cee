// Stage 1 of the pipeline: policy.conf text -> AST (src/policy/ast.ts) + diagnostics.
// The grammar lives in grammar/policy.peggy; this module maps spans through `#line`, words peggy's
// failures as checkpolicy-like messages, and checks checkpolicy's section order (policy_parse.y
// base_policy), which the grammar leaves out so each statement stays a single flat rule.
import type { PolicyAst, Statement } from "./ast.js";
import { diagnostic, error, type Diagnostic, type DiagnosticCode, type Span } from "../diagnostics/diagnostic.js";
import {
  describeStatement,
  parse,
  StopParse,
  SyntaxError as PeggySyntaxError,
  type ParseContext,
  type PeggyExpectation,
} from "./grammar.generated.js";
import { LineMap } from "./lines.js";
import { OneName, SourceIdent } from "./nodes.js";
import { tokenAt, tokenLength } from "./scan.js";

export interface ParseOptions {
  /** Check checkpolicy's section order and required sections (default true). Turn off to parse
   *  a fragment, e.g. a single rule in a test. */
  sections?: boolean;
  /** Read every statement through the grammar's rules, bypassing the hand-read fast paths for
   *  simple AV rules and declarations (tests compare the two; the result must be identical). */
  grammarOnly?: boolean;
}

export interface ParseResult {
  ast: PolicyAst;
  diagnostics: Diagnostic[];
}

export function parsePolicy(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const ast: PolicyAst = { file, statements: [] };
  const nul = text.indexOf("\0");
  if (nul !== -1) {
    const lines = new LineMap(text.slice(0, nul + 1), file);
    return {
      ast,
      diagnostics: [
        diagnostic("binary", lines.span(nul, nul + 1)),
      ],
    };
  }

  const lines = new LineMap(text, file);
  const diagnostics: Diagnostic[] = [];
  const ctx: ParseContext = { kw: "", word: "", start: -1, done: true, ifStart: 0 };
  try {
    ast.statements = parse(text, {
      span: (start, end) => lines.span(start, end),
      at: (start, end) => lines.lazySpan(start, end),
      ident: (name, start) => new SourceIdent(name, lines, start),
      // (the parser's Idents are SourceIdents; the set takes the name's place)
      oneName: (ident) => new OneName(ident.name, lines, (ident as SourceIdent).offset),
      report: (code, message, start, end) => diagnostics.push(error(code as DiagnosticCode, message, lines.span(start, end))),
      ctx,
      grammarOnly: options.grammarOnly === true,
    });
  } catch (e) {
    diagnostics.push(syntaxDiagnostic(e, text, lines, ctx));
    return { ast, diagnostics };
  }

  if (ast.statements.length === 0 && diagnostics.length === 0) {
    diagnostics.push(
      error(
        "syntax",
        "the policy is empty: checkpolicy needs at least classes, initial SIDs, access vectors, a type, a user and SID contexts",
        lines.span(text.length, text.length),
      ),
    );
  } else if (options.sections !== false) {
    for (const d of checkSections(ast.statements, lines.span(text.length, text.length))) diagnostics.push(d);
  }
  return { ast, diagnostics };
}

// ---- syntax errors -----------------------------------------------------------------------------

function syntaxDiagnostic(e: unknown, text: string, lines: LineMap, ctx: ParseContext): Diagnostic {
  if (e instanceof StopParse) {
    return error("syntax", e.message, lines.span(e.start, Math.max(e.end, e.start)));
  }
  if (e instanceof PeggySyntaxError) {
    const pos = e.location.start.offset;
    const where = !ctx.done && pos > ctx.start ? ` in ${describeStatement(ctx.kw, ctx.word)}` : "";
    const message = `expected ${describeExpected(e.expected ?? [], where === "")}${where}, found ${tokenAt(text, pos)}`;
    return error("syntax", message, lines.span(pos, pos + tokenLength(text, pos)));
  }
  if (e instanceof RangeError) {
    // A stack overflow: only absurd nesting gets here, the grammar limits ordinary nesting itself.
    return error("syntax", "the policy is nested too deeply to parse");
  }
  throw e; // a bug in the parser, not in the input
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
  "MLS declarations",
  "TE and RBAC statements",
  "users",
  "constraints",
  "initial SID contexts",
  "device contexts",
] as const;

const SECTION_OF: Partial<Record<Statement["kind"], number>> = {
  class: 0,
  sid_decl: 1,
  common: 2,
  av: 3,
  attribute: 5,
  type: 5,
  typealias: 5,
  typeattribute: 5,
  bool: 5,
  role: 5,
  role_allow: 5,
  avrule: 5,
  typerule: 5,
  if: 5,
  user: 6,
  constrain: 7,
  validatetrans: 7,
  sid_context: 8,
  pirqcon: 9,
  iomemcon: 9,
  ioportcon: 9,
  pcidevicecon: 9,
  devicetreecon: 9,
  sensitivity: 4,
  dominance: 4,
  category: 4,
  level: 4,
  range_transition: 5,
};

/** Sections checkpolicy requires to be non-empty, with an example of each. */
const REQUIRED: { section: number; example: string }[] = [
  { section: 0, example: "class NAME" },
  { section: 1, example: "sid NAME" },
  { section: 3, example: "class NAME { perms }" },
  { section: 5, example: "type NAME;" },
  { section: 6, example: "user NAME roles R;" },
  { section: 8, example: "sid NAME user:role:type" },
];

function sectionOf(s: Statement): number | undefined {
  if ((s.kind === "constrain" || s.kind === "validatetrans") && s.mls) return 4;
  return SECTION_OF[s.kind]; // undefined: our `platform` blocks may go anywhere
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
  role: "a role statement",
  role_allow: "a role allow",
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
  if (s.kind === "avrule" || s.kind === "typerule") return `${s.rule === "auditallow" || s.rule === "auditdeny" ? "an" : "a"} ${s.rule} rule`;
  return KIND_NAMES[s.kind] ?? `a ${s.kind}`;
}

export function checkSections(statements: readonly Statement[], endOfFile: Span): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const first: (Statement | undefined)[] = new Array(SECTIONS.length);
  const reported = new Set<number>(); // one diagnostic per misplaced section, not per statement
  let latest = -1;
  for (const s of statements) {
    const section = sectionOf(s);
    if (section === undefined) continue;
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
  const missing = REQUIRED.filter((r) => first[r.section] === undefined).map((r) => `${SECTIONS[r.section]} (${r.example})`);
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]}`;
    diagnostics.push(error("syntax", `the policy has no ${list}: checkpolicy requires every one of these sections`, endOfFile));
  }
  return diagnostics;
}
