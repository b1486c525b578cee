// What the resolve passes share: the symbol tables they fill, the rules they resolve, and the
// diagnostics they report, in statement order.
import type { MessageArgs } from "../../diagnostics/catalog.js";
import { diagnostic, error, warning, type Diagnostic, type DiagnosticCode, type Span } from "../../diagnostics/diagnostic.js";
import type { PolicyAst } from "../ast.js";
import { OBJECT_R, emptySymbols, type ResolvedRules, type Symbols } from "../symbols.js";
import { meant, nearestName } from "../../diagnostics/suggest.js";

/** An access vector is a u32 (libsepol: "too many permissions to fit in an access vector"). */
export const MAX_PERMS = 32;

/** A role's type_set_t as the statements left it: positive types and attributes (what role
 *  dominance adds goes here too) and the negated ones; `*` and `~` are refused for roles. */
export interface RoleTypeSet {
  types: Set<number>;
  attrs: Set<number>;
  negTypes: Set<number>;
  negAttrs: Set<number>;
}

/** A duplicate declaration's note (checkpolicy's message stays the diagnostic's own). */
export const FIRST_DECLARED = "first declared here";

export class ResolveState {
  readonly diags: Diagnostic[] = [];
  readonly sym: Symbols = {
    ...emptySymbols(),
    roles: [{ id: OBJECT_R, name: "object_r", types: new Set() }],
    roleIds: new Map([["object_r", OBJECT_R]]),
  };
  readonly rules: ResolvedRules = { avRules: [], typeRules: [] };
  /** Roles declared by a plain `role R;` (libsepol 3.x needs one before `role R types ...`). */
  readonly plainRoles = new Set<string>(["object_r"]);
  /** Role attribute name -> index in sym.roleAttrs. */
  readonly roleAttrIds = new Map<string, number>();
  /** User id -> the role attributes its `roles` names: expanded into its roles only after the
   *  contexts are checked, as checkpolicy checks them on the unexpanded policy. */
  readonly userRoleAttrs = new Map<number, Set<number>>();
  /** Attribute members by attribute id, filled in statement order (define_type and
   *  define_typeattribute run in checkpolicy's first pass), repeats included; the attributes pass
   *  sorts them and drops the repeats. */
  readonly attrMembers: number[][] = [];
  /** Each role's type set as its `role R types` statements and role dominance build it
   *  (role_datum_t.types, a type_set_t kept across statements), by role key: a role id, a role
   *  attribute as -(index + 1). Expanded into the symbols once every statement is read. */
  readonly roleTypeSets = new Map<number, RoleTypeSet>();

  /** unknown()'s answers by message and scope. */
  private readonly nearest = new Map<string, string | null>();

  /** Where each name was first declared, by namespace (the type namespace holds types, attributes
   *  and aliases; initial SIDs, commons, roles and role attributes have theirs): the "first
   *  declared here" note of a duplicate. */
  readonly declaredAt = new Map<string, Span>();

  constructor(readonly ast: PolicyAst) {}

  /** The note of a duplicate: the span of the first declaration of `name` in `space`. */
  firstDeclared(space: string, name: string): Diagnostic["notes"] {
    const at = this.declaredAt.get(`${space}\0${name}`);
    return at ? [{ message: FIRST_DECLARED, span: at }] : undefined;
  }

  /** Records the first declaration of `name` in `space` (a later one keeps the first). */
  declared(space: string, name: string, span: Span): void {
    const key = `${space}\0${name}`;
    if (!this.declaredAt.has(key)) this.declaredAt.set(key, span);
  }

  /** A diagnostic worded at its site. */
  err(code: DiagnosticCode, message: string, span?: Span, notes?: Diagnostic["notes"]): void {
    this.diags.push(error(code, message, span, notes));
  }

  /** An error about `name`, which the policy lacks where the text uses it (`known`: what that place
   *  may name). A known name near it is likely what was meant: the message asks "did you mean"
   *  and the diagnostic carries it, for an editor's quick fix. */
  unknown(message: string, span: Span | undefined, name: string, known: Iterable<string>, scope = ""): void {
    // a name mistyped once is often used many times: one search of `known` per message (which
    // names the name and what it may be), or per message and `scope` where one message serves
    // places that may name different sets
    const key = `${message}\0${scope}`;
    let near = this.nearest.get(key);
    if (near === undefined) this.nearest.set(key, (near = nearestName(name, known) ?? null));
    const d = error("undeclared", `${message}${meant(near ?? undefined)}`, span);
    this.diags.push(near === null ? d : { ...d, suggestion: { written: name, meant: near } });
  }

  warn(code: DiagnosticCode, message: string, span?: Span): void {
    this.diags.push(warning(code, message, span));
  }

  /** A diagnostic the catalog words. */
  report<C extends DiagnosticCode>(code: C, span: Span | undefined, ...args: MessageArgs<C>): void {
    this.diags.push(diagnostic(code, span, ...args));
  }
}
