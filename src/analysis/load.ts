// What the analysis commands (search, info, diff, why, allow, test) read: the compiled policy for
// decisions, its symbol tables, and the TE rules as the kernel policy holds them (terules.ts).
// Built from policy.conf by running the compiler's stages and keeping what the later stages drop.
// Spans index `text`; reports print them through `locate` (a policy tree's m4 output -> its files).
import { PolicyError, hasErrors, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import type { ConstraintExpr } from "../policy/ast.js";
import { compile } from "../policy/index.js";
import type { Expanded } from "../policy/expand.js";
import type { ResolvedAvRule, ResolvedRules, Symbols } from "../policy/symbols.js";
import type { CompiledPolicy, Reason } from "../policy/types.js";
import { kernelRules, listedRules, type TeRule } from "./terules.js";

export interface AnalysisPolicy {
  /** The file it came from (diagnostics and reports name it). */
  readonly file: string;
  readonly policy: CompiledPolicy;
  readonly sym: Symbols;
  readonly ex: Expanded;
  /** allow/auditallow/dontaudit/type_* entries as checkpolicy writes them into the binary. */
  readonly terules: readonly TeRule[];
  /** neverallow rules with their type sets as written (the binary has none). */
  readonly neverallows: readonly ResolvedAvRule[];
  /** Commons and their permissions, in declaration order (the compiled classes fold them in). */
  readonly commons: ReadonlyMap<string, readonly string[]>;
  /** role allow pairs (source role id, new role id), as the binary's role_allow list. */
  readonly roleAllows: readonly [number, number][];
  /** A `constrain` or `validatetrans` statement's expression as written, by the offset of its
   *  span (which the compiled constraints of each of its classes share). */
  readonly constraintSources: ReadonlyMap<number, ConstraintExpr>;
  /** The source text a span indexes. */
  readonly text: string;
  /** What the reports leave out of this policy, said once per command (a binary's constraint
   *  type sets with exclusions setools does not show). */
  readonly notes?: readonly string[];
  /** A binary's policy version and handle_unknown (a source is compiled as version 30, deny). */
  readonly version?: number;
  readonly handleUnknown?: "deny" | "reject" | "allow";
  /** A policy tree's: where a span of `text` came from (see Locate); absent: the span itself. */
  readonly locate?: Locate;
}

/** A source rule's text as written (comments and `#line` directives removed) and where. */
export function ruleText(text: string, span: Span): string {
  return text.slice(span.offset, span.offset + span.length).replace(/#[^\n]*/g, " ").replace(/\s+/g, " ").trim();
}

/** Where a span of the compiled text came from, in the files a person edits. */
export interface SourceLocation {
  span: Span;
  /** A policy tree: the macro call that wrote it, as "in expansion of `m` at modules/x.te:5". */
  expansion?: string;
}

/** A span of the compiled text -> its source location. For a policy.conf the span itself (its
 *  `#line` directives already applied); for a policy tree, the .te/.if/.spt line m4 wrote it from
 *  (src/build/locate.ts's Locator, which lint and build use; the CLI hands it in). */
export type Locate = (span: Span) => SourceLocation;

export function sourceLocation(ap: { readonly locate?: Locate }, span: Span): SourceLocation {
  return ap.locate ? ap.locate(span) : { span };
}

/** `file:line`, and for a rule a tree's macro wrote, the call: ` (in expansion of ...)`. */
export function locationText(at: { file: string; line: number; expansion?: string }): string {
  return `${at.file}:${at.line}${at.expansion ? ` (${at.expansion})` : ""}`;
}

/** A decision's reason with its rule's span where the rule came from (a policy tree's file) and,
 *  for a rule a macro wrote, the call (`RuleRef.expansion`, which reasonText and reasonJson print). */
export function locatedReason(ap: { readonly locate?: Locate }, r: Reason): Reason {
  if (!ap.locate || !("rule" in r)) return r;
  const { span, expansion } = ap.locate(r.rule.span);
  return { ...r, rule: { text: r.rule.text, span, ...(expansion ? { expansion } : {}) } };
}

/** A span's location as reports print it. */
export function spanLocation(ap: { readonly locate?: Locate }, span: Span): string {
  const { span: s, expansion } = sourceLocation(ap, span);
  return locationText({ file: s.file, line: s.line, expansion });
}

/** policy.conf text -> AnalysisPolicy, or throws PolicyError with every diagnostic. `mls`: an
 *  MLS policy (checkpolicy -M). */
export function analyzePolicy(text: string, file: string, options: { mls?: boolean } = {}): AnalysisPolicy {
  const run = compile(text, { file, mls: options.mls === true });
  if (!run.ok) throw new PolicyError(run.error);
  // the kernel form of the rules needs the resolved (symbolic) type sets, not only the expansion
  const { ast, symbols: sym, expanded: ex, rules: resolved, policy } = run.value;
  const commons = new Map<string, string[]>();
  const roleAllows = new Map<string, [number, number]>();
  const constraintSources = new Map<number, ConstraintExpr>();
  for (const st of ast.statements) {
    if (st.kind === "constrain" || st.kind === "validatetrans") constraintSources.set(st.span.offset, st.expr);
    if (st.kind === "common") commons.set(st.name.name, st.perms.map((p) => p.name));
  }
  // role attributes expanded into their roles, as the kernel policy holds them
  for (const rule of sym.roleAllows ?? []) for (const a of rule.roles) for (const b of rule.newRoles) roleAllows.set(`${a} ${b}`, [a, b]);
  return {
    file,
    policy,
    sym,
    ex,
    terules: kernelRules(sym, resolved, ex),
    neverallows: resolved.avRules.filter((r) => r.kind === "neverallow"),
    commons,
    roleAllows: [...roleAllows.values()],
    constraintSources,
    text,
  };
}

/** A policy from its tables alone (a binary: src/binary builds them), its TE rules read from the
 *  rule listing `text` the tables' spans point into. */
export function analyzeTables(parts: Omit<AnalysisPolicy, "terules">): AnalysisPolicy {
  return { ...parts, terules: listedRules(parts.sym, parts.ex, parts.text) };
}
