// Stage `resolve`: AST -> symbol tables (symbols.ts), every name turned into an id. Mirrors
// checkpolicy's two parser passes (policy_define.c): declarations first, then attribute
// membership, then every statement that refers to names, in statement order so diagnostics come in
// the order the text gives them. Each concern is a pass module under resolve/; name sets resolve
// through one helper (resolve/names.ts). parse.ts already enforces policy_parse.y's section order.
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { PolicyAst } from "./ast.js";
import { resolveContexts } from "./contexts.js";
import { attributes } from "./resolve/attributes.js";
import { Conditionals } from "./resolve/conditionals.js";
import { constrain, validatetrans } from "./resolve/constraints.js";
import { declarations } from "./resolve/declarations.js";
import { RoleDominanceState } from "./resolve/dominance.js";
import { MlsResolver, mlsDisabled } from "./resolve/mls.js";
import { Names } from "./resolve/names.js";
import { defaultRule, roleTransition, roleTransitionConflicts, typeBounds } from "./resolve/kernel.js";
import { defineUser, expandRoleAttributes, finishRoleTypes, flattenRoleAttributes, roleAllow, roleTypes } from "./resolve/roles.js";
import { avRule, typeRule } from "./resolve/rules.js";
import { ResolveState } from "./resolve/state.js";
import { expandAttribute, filenameTransition, implicitBounds, permissive, tunableConditional } from "./resolve/xen.js";
import type { LevelRange, ResolvedRules, Symbols } from "./symbols.js";
import type { Span } from "../diagnostics/diagnostic.js";

export interface ResolveResult {
  symbols: Symbols;
  rules: ResolvedRules;
  diagnostics: Diagnostic[];
}

export interface ResolveOptions {
  /** An MLS policy (checkpolicy -M): MLS statements and fields are read, and required. */
  mls?: boolean;
}

/** Roles, users, rules, conditionals and constraints, in statement order. */
function references(st: ResolveState, mls: MlsResolver | undefined): void {
  const names = new Names(st);
  const conditionals = new Conditionals(st, names);
  const rangeTransitions = new Map<string, { range: LevelRange; span: Span }>();
  const roleTransitions = new Map<string, number>();
  const filenames = new Set<string>();
  const dominance = new RoleDominanceState(st);
  const statements = st.ast.statements;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    switch (s.kind) {
      case "role":
        roleTypes(st, names, s.name, s.types);
        break;
      case "role_dominance":
        dominance.statement(s);
        break;
      case "role_allow":
        roleAllow(st, names, s.sources, s.targets, s.span);
        break;
      case "user": {
        defineUser(st, names, s.name, s.roles);
        const user = st.sym.users[st.sym.userIds.get(s.name.name) ?? -1];
        const levels = mls?.user(s.name, s.span, s.mls);
        if (user && levels) Object.assign(user, levels);
        break;
      }
      case "range_transition":
        mls?.rangeTransition(names, s, rangeTransitions);
        break;
      case "typebounds":
        typeBounds(st, s.parent, s.children);
        break;
      case "default":
        defaultRule(st, names, s);
        break;
      case "role_transition":
        roleTransition(st, names, s, roleTransitions);
        break;
      case "avrule":
        avRule(st, names, s);
        break;
      case "typerule":
        if (s.filename !== undefined) filenameTransition(st, names, filenames, s, s.filename);
        else typeRule(st, names, s);
        break;
      case "if":
        if (!tunableConditional(st, names, s)) conditionals.add(s);
        break;
      case "permissive":
        permissive(st, s.type);
        break;
      case "expandattribute":
        expandAttribute(st, s.names, s.value, s.span);
        break;
      case "constrain":
        constrain(st, names, s.classes, s.perms, s.expr, s.span);
        break;
      case "validatetrans":
        validatetrans(st, names, s.classes, s.expr, s.span);
        break;
      case "platform":
        // the platforms stage desugars these; a compiler without it reaches here
        st.report("svp-unavailable", s.span, s.name.name);
        break;
    }
  }
  dominance.finish();
  finishRoleTypes(st);
}

const MLS_DECLARATIONS = new Set(["sensitivity", "dominance", "category", "level"]);

/** The errors of checkpolicy's first pass over `ast` (the statements its parser read before it
 *  stopped): declarations, and MLS declarations (refused at once in a policy that is not MLS), in
 *  the order of the text. */
export function declarationErrors(ast: PolicyAst, options: ResolveOptions = {}): Diagnostic[] {
  const st = new ResolveState(ast);
  const mls = options.mls ? new MlsResolver(st) : undefined;
  declarations(st);
  mls?.declarations(true);
  const errors = st.diags.filter((d) => d.severity === "error");
  if (!options.mls) {
    // (the first alone: what follows the stop is not counted)
    const first = ast.statements.find((s) => MLS_DECLARATIONS.has(s.kind));
    if (first !== undefined) errors.push(...mlsDisabled({ file: ast.file, statements: [first] }));
  }
  return errors.sort((a, b) => (a.span?.offset ?? Infinity) - (b.span?.offset ?? Infinity));
}

export function resolve(ast: PolicyAst, options: ResolveOptions = {}): ResolveResult {
  const st = new ResolveState(ast);
  const disabled = options.mls ? [] : mlsDisabled(ast);
  const mls = options.mls ? new MlsResolver(st) : undefined;
  declarations(st);
  flattenRoleAttributes(st);
  mls?.declarations();
  const firstPass = st.diags.length;
  attributes(st);
  references(st, mls);
  implicitBounds(st);
  resolveContexts(
    ast,
    st.sym,
    (code, message, span, notes) => st.err(code, message, span, notes),
    (message, span, name, known) => st.unknown(message, span, name, known),
    (code, message, span) => st.warn(code, message, span),
    mls,
  );
  expandRoleAttributes(st);
  roleTransitionConflicts(st);
  mls?.levelsUsed();
  // checkpolicy's first pass reports in the order of the text, an MLS declaration without -M among
  // the others; then its second pass
  const pass1 = [...disabled, ...st.diags.slice(0, firstPass)].sort((a, b) => (a.span?.offset ?? Infinity) - (b.span?.offset ?? Infinity));
  return { symbols: st.sym, rules: st.rules, diagnostics: [...pass1, ...st.diags.slice(firstPass)] };
}
