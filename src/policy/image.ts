// The compiled policy's tables, as decisions read them: interned names, the base avtab and the
// conditional lists, constraints by class. Built once by the `image` stage and never changed after:
// boolean values live in a BoolState beside it (libsepol keeps the cond_list in the policydb and
// flips each rule's ENABLED flag in evaluate_conds; here a state is a new table, the image stays).
import type { Span } from "../diagnostics/diagnostic.js";
import type { AvTab } from "./avtab.js";
import { evalCond } from "./cond.js";
import { condListIndex, type Expanded } from "./expand.js";
import { typeParent, type ResolvedConstraint, type ResolvedValidatetrans, type Symbols } from "./symbols.js";
import { typeAttrMap, type TypeAttrMap } from "./typeattr.js";
import type { RuleRef } from "./types.js";

export interface ClassEntry {
  id: number;
  perms: Map<string, number>;
}

/** Everything decisions read. decide.ts and matrix.ts work on this, never on the AST. */
export class PolicyTables {
  readonly typeIds: ReadonlyMap<string, number>;
  readonly classEntries: ReadonlyMap<string, ClassEntry>;
  readonly constraintsByClass: readonly (readonly ResolvedConstraint[])[];
  /** Each class's validatetrans list in Xen's order (checkpolicy prepends: the last statement first). */
  readonly validatetransByClass: readonly (readonly ResolvedValidatetrans[])[];
  /** The policy's `bool NAME default;` values, by boolean id (0/1). */
  readonly defaults: Readonly<Uint8Array>;
  /** Each type's key ids, for decisions on the attribute-keyed tables (typeattr.ts). */
  readonly tam: TypeAttrMap;
  /** Each type's parent (`typebounds`, or the name before its last dot), -1 for none: Xen's
   *  type_datum bounds, which type_attribute_bounds_av reads. */
  readonly bounds: Int32Array;
  /** Xen's policydb.role_allow as (role, new role) pairs, role * nroles + new role. */
  private readonly roleAllows: Set<number>;

  constructor(
    readonly sym: Symbols,
    readonly ex: Expanded,
    private readonly source: string,
  ) {
    this.typeIds = sym.typeIds;
    this.classEntries = new Map(sym.classes.map((c) => [c.name, { id: c.id, perms: c.permMask }]));
    const byClass: ResolvedConstraint[][] = sym.classes.map(() => []);
    for (const c of sym.constraints) byClass[c.classId]!.push(c);
    this.constraintsByClass = byClass;
    const transByClass: ResolvedValidatetrans[][] = sym.classes.map(() => []);
    for (const v of sym.validatetrans) transByClass[v.classId]!.unshift(v);
    this.validatetransByClass = transByClass;
    this.defaults = Uint8Array.from(sym.bools, (b) => (b.value ? 1 : 0));
    this.tam = typeAttrMap(sym, ex);
    this.bounds = Int32Array.from(sym.types, (t) => typeParent(sym, t.id) ?? -1);
    const nr = sym.roles.length;
    this.roleAllows = new Set((sym.roleAllows ?? []).flatMap((a) => a.roles.flatMap((r) => a.newRoles.map((n) => r * nr + n))));
  }

  /** Is there a `role allow` from `role` to `newRole`? */
  roleAllowed(role: number, newRole: number): boolean {
    return this.roleAllows.has(role * this.sym.roles.length + newRole);
  }

  /** The avtab under the given boolean values: the base table plus each node's enabled branch. */
  tableFor(bools: Readonly<Uint8Array>): { table: AvTab; conds: Uint8Array } {
    const conds = this.condValues(bools);
    return { table: this.tableOf(conds), conds };
  }

  /** Each conditional node's value (0/1) under the given boolean values. */
  condValues(bools: Readonly<Uint8Array>): Uint8Array {
    return Uint8Array.from(this.sym.conds, (c) => (evalCond(c.program, bools as Uint8Array) ? 1 : 0));
  }

  /** The base table plus the branch of each node that `conds` enables (the base itself when
   *  they add nothing). */
  tableOf(conds: Readonly<Uint8Array>): AvTab {
    const lists = this.sym.conds.map((_, i) => this.ex.condLists[condListIndex({ node: i, branch: conds[i] === 1 })]!);
    const extra = lists.reduce((n, l) => n + l.length, 0);
    if (extra === 0) return this.ex.base;
    const table = this.ex.base.cloneWithRoom(extra);
    for (const l of lists) l.addTo(table);
    return table;
  }

  ruleRef(span: Span): RuleRef {
    const raw = this.source.slice(span.offset, span.offset + span.length);
    // a rule m4 spread over lines carries `#line` directives (and may carry comments) inside it
    return { text: raw.replace(/#[^\n]*/g, " ").replace(/\s+/g, " ").trim(), span };
  }
}

/** One assignment of boolean values over the tables, with the avtab it enables. Never changed:
 *  new values make a new state (security_set_bools builds the new state, then installs it). */
export interface BoolState {
  readonly tables: PolicyTables;
  /** Boolean values, by boolean id (0/1). */
  readonly bools: Readonly<Uint8Array>;
  /** Conditional node values under `bools`. */
  readonly conds: Readonly<Uint8Array>;
  /** Base table plus the enabled conditional branches (keyed by type or attribute, avtab.ts). */
  readonly table: AvTab;
}

/** A BoolState whose table is built when first read: a compile makes the default view, and a
 *  run that never decides (`xsm compile`, `-o`) need not copy the base table (11 MB of typed
 *  arrays for gen-policy large, each page a fault here) and add the enabled branches to it. */
class LazyBoolState implements BoolState {
  readonly conds: Readonly<Uint8Array>;
  #table: AvTab | undefined = undefined;

  constructor(
    readonly tables: PolicyTables,
    readonly bools: Readonly<Uint8Array>,
  ) {
    this.conds = tables.condValues(bools);
  }

  get table(): AvTab {
    return (this.#table ??= this.tables.tableOf(this.conds));
  }
}

export function boolState(tables: PolicyTables, bools: Readonly<Uint8Array>): BoolState {
  return new LazyBoolState(tables, bools);
}
