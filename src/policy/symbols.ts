// The symbol tables resolve.ts builds, as libsepol's policydb holds them (p_classes, p_commons,
// p_types, p_roles, p_users, p_bools), plus the statements later stages consume with every name
// already turned into an id. Nothing after resolve looks a name up in the AST.
import type { AvRuleKind, ConstraintOp, ConstraintOperand, MlsOperand, TypeRuleKind } from "./ast.js";
import type { Span } from "../diagnostics/diagnostic.js";

export interface ClassSym {
  id: number;
  name: string;
  span: Span;
  /** Permission names by bit: the common's first, then the class's own (libsepol's numbering). */
  perms: string[];
  /** perm name -> single-bit mask */
  permMask: Map<string, number>;
  /** All defined bits. */
  allMask: number;
  common?: string;
  /** default_user, default_role, default_type, default_range (class_datum_t default_*): 0 unset,
   *  source 1, target 2; range 1..6 (source low .. target low-high), glblub 7. */
  defaults?: ClassDefaults;
}

export interface ClassDefaults {
  user: number;
  role: number;
  type: number;
  range: number;
}

export interface TypeSym {
  id: number;
  name: string;
  span: Span;
  aliases: string[];
  /** `typebounds PARENT this`: the parent type's id, and where that was said. */
  bounds?: number;
  boundsSpan?: Span;
  /** `permissive T;`: Xen's security server marks its decisions AVD_FLAGS_PERMISSIVE. */
  permissive?: true;
}

export interface AttrSym {
  id: number;
  name: string;
  span: Span;
  /** Member type ids, sorted. */
  members: Int32Array;
  /** `expandattribute A true|false;` (TYPE_FLAGS_EXPAND_ATTR_TRUE/FALSE; both: false). */
  expand?: boolean;
}

export interface RoleSym {
  id: number;
  name: string;
  /** Authorized type ids (attributes expanded). object_r has none: it is valid for every type. */
  types: Set<number>;
  /** Role ids it dominates (`dominance { role r { role s; } }`), itself included, a role
   *  attribute as -(index + 1); absent: only itself (object_r: none, as libsepol writes it). */
  dominates?: Set<number>;
  /** Declared by a role dominance statement naming it first (define_role_dom declares it in
   *  checkpolicy's second pass, after every role attribute, which orders p_roles). */
  late?: boolean;
}

/** role->dominates as constraint_expr_eval reads it: does role `a` dominate role `b`? */
export function roleDominates(sym: Symbols, a: number, b: number): boolean {
  if (a === OBJECT_R) return false;
  const d = sym.roles[a]?.dominates;
  return d ? d.has(b) : a === b;
}

export interface UserSym {
  id: number;
  name: string;
  roles: Set<number>;
  /** MLS policies: the user's range and default level (`level L range R`). */
  range?: LevelRange;
  level?: Level;
}

/** An MLS level as the kernel holds it (mls_level_t): `sens` is the sensitivity's place in
 *  `dominance` (1 = lowest), `cats` the category values - 1, ascending. Non-MLS contexts have
 *  the empty level { sens: 0, cats: [] }. */
export interface Level {
  sens: number;
  cats: readonly number[];
}

export interface LevelRange {
  low: Level;
  high: Level;
}

export const EMPTY_LEVEL: Level = Object.freeze({ sens: 0, cats: Object.freeze([]) as readonly number[] });
export const EMPTY_LEVEL_RANGE: LevelRange = Object.freeze({ low: EMPTY_LEVEL, high: EMPTY_LEVEL });

/** Is every element of sorted `b` in sorted `a`? (ebitmap_contains) */
function containsAll(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  for (const x of b) {
    while (i < a.length && a[i]! < x) i++;
    if (i === a.length || a[i] !== x) return false;
  }
  return true;
}

/** A level's text: its sensitivity, then its categories, each run of at least `minRun`
 *  consecutive ones as `first.last` and shorter runs listed (the kernel's mls_sid_to_context
 *  folds runs of 3, setools' str(Level) runs of 2). */
export function levelRunsText(mls: MlsSymbols, l: Level, minRun: number): string {
  const sens = mls.sens.find((s) => s.order === l.sens)?.name ?? `s${l.sens}`;
  const cat = (v: number) => mls.cats[v]?.name ?? `c${v}`;
  const parts: string[] = [];
  const cats = l.cats;
  for (let i = 0; i < cats.length; ) {
    let j = i;
    while (j + 1 < cats.length && cats[j + 1] === cats[j]! + 1) j++;
    if (j - i + 1 >= minRun) parts.push(`${cat(cats[i]!)}.${cat(cats[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(cat(cats[k]!));
    i = j + 1;
  }
  return parts.length === 0 ? sens : `${sens}:${parts.join(",")}`;
}

/** mls_level_dom: `a` dominates `b`. */
export function levelDominates(a: Level, b: Level): boolean {
  return a.sens >= b.sens && containsAll(a.cats, b.cats);
}

/** mls_level_eq */
export function levelEq(a: Level, b: Level): boolean {
  return a.sens === b.sens && a.cats.length === b.cats.length && containsAll(a.cats, b.cats);
}

/** mls_range_contains: `outer` holds all of `inner`. */
export function rangeContains(outer: LevelRange, inner: LevelRange): boolean {
  return levelDominates(inner.low, outer.low) && levelDominates(outer.high, inner.high);
}

export interface SensSym {
  /** Declaration order, from 0. */
  id: number;
  name: string;
  span: Span;
  aliases: string[];
  /** Place in `dominance`, from 1 (the kernel's level.sens); 0 until dominance gives it one. */
  order: number;
  /** The categories its `level` statement allows (values - 1); undefined without one. */
  cats?: readonly number[];
}

export interface CatSym {
  /** Declaration order, from 0 (the kernel value is id + 1). */
  id: number;
  name: string;
  span: Span;
  aliases: string[];
}

export interface ResolvedRangeTransition {
  span: Span;
  sources: TypeSet;
  targets: TypeSet;
  classes: number[];
  range: LevelRange;
}

/** The MLS symbol tables (libsepol p_levels, p_cats) and rules of an MLS policy. */
export interface MlsSymbols {
  sens: SensSym[];
  /** Sensitivity names and aliases -> id. */
  sensIds: Map<string, number>;
  cats: CatSym[];
  /** Category names and aliases -> id. */
  catIds: Map<string, number>;
  rangeTransitions: ResolvedRangeTransition[];
}

export interface BoolSym {
  id: number;
  name: string;
  value: boolean;
  span: Span;
}

/** A type set after name lookup, before expansion (libsepol's type_set_t). */
export interface TypeSet {
  types: number[];
  attrs: number[];
  negTypes: number[];
  negAttrs: number[];
  star: boolean;
  complement: boolean;
  /** `self` in a target set (RULE_SELF). */
  self: boolean;
}

/** A conditional node: `if` blocks whose expressions are equivalent share one node, as
 *  libsepol's cond_node_search merges them (same booleans, same truth table). */
export interface CondNode {
  id: number;
  /** Postfix program over boolean ids: >=0 push bool, negative = operator (see CondOp). */
  program: Int32Array;
  /** Sorted boolean ids the expression reads. */
  bools: number[];
  /** Source text of the first `if` expression that made this node. */
  text: string;
  span: Span;
}

export const enum CondOp {
  Not = -1,
  And = -2,
  Or = -3,
  Xor = -4,
  Eq = -5,
  Neq = -6,
}

/** Where a rule sits: unconditional, or in one branch of a conditional node. */
export interface CondPlace {
  node: number;
  branch: boolean;
}

export interface ResolvedAvRule {
  kind: AvRuleKind;
  span: Span;
  sources: TypeSet;
  targets: TypeSet;
  classes: number[];
  /** Permission mask per class, parallel to `classes`. */
  masks: number[];
  cond?: CondPlace;
}

export interface ResolvedTypeRule {
  kind: TypeRuleKind;
  span: Span;
  sources: TypeSet;
  targets: TypeSet;
  classes: number[];
  defaultType: number;
  cond?: CondPlace;
}

export type OperandKind = "u" | "r" | "t";

export type ResolvedConstraintExpr =
  | { op: "not"; arg: ResolvedConstraintExpr }
  | { op: "and" | "or"; left: ResolvedConstraintExpr; right: ResolvedConstraintExpr }
  | { op: "cmp"; cmp: ConstraintOp; left: Exclude<ConstraintOperand, MlsOperand>; right: Exclude<ConstraintOperand, MlsOperand> }
  /** `l1 dom h2`: two levels of the source and target ranges (CEXPR_L1L2 ... CEXPR_L2H2) */
  | { op: "level"; cmp: ConstraintOp; left: MlsOperand; right: MlsOperand }
  /** names: user/role ids, or type ids with attributes expanded and exclusions applied */
  | { op: "names"; cmp: ConstraintOp; left: ConstraintOperand; ids: Set<number> };

export interface ResolvedConstraint {
  span: Span;
  classId: number;
  mask: number;
  expr: ResolvedConstraintExpr;
}

/** `validatetrans C expr;` / `mlsvalidatetrans` (define_validatetrans): one per class, as
 *  libsepol copies it; u1 r1 t1 l1 h1 are the old context, the 2s the new one, the 3s the task. */
export interface ResolvedValidatetrans {
  span: Span;
  classId: number;
  expr: ResolvedConstraintExpr;
}

export interface ResolvedContext {
  user: number;
  role: number;
  type: number;
  /** MLS policies: the context's range. */
  range?: LevelRange;
  text: string;
}

export interface Ocontexts {
  pirqcon: { irq: number; context: ResolvedContext }[];
  iomemcon: { low: bigint; high: bigint; context: ResolvedContext }[];
  ioportcon: { low: number; high: number; context: ResolvedContext }[];
  pcidevicecon: { device: number; context: ResolvedContext }[];
  devicetreecon: { path: string; context: ResolvedContext }[];
}

export interface Symbols {
  classes: ClassSym[];
  classIds: Map<string, number>;
  types: TypeSym[];
  attrs: AttrSym[];
  /** Type names and aliases -> type id. */
  typeIds: Map<string, number>;
  attrIds: Map<string, number>;
  aliases: Map<string, number>;
  bools: BoolSym[];
  boolIds: Map<string, number>;
  /** roles[0] is object_r, as libsepol's OBJECT_R_VAL. */
  roles: RoleSym[];
  roleIds: Map<string, number>;
  users: UserSym[];
  userIds: Map<string, number>;
  initialSids: Map<string, ResolvedContext | undefined>;
  /** A binary's initial SID numbers by name (it names them from Xen's initial_sids); absent for
   *  a source policy, whose numbers are the places of its `sid NAME` declarations. */
  initialSidNumbers?: Map<string, number>;
  /** `tunable` declarations: booleans fixed when compiled (libsepol expand.c discard_tunables),
   *  in declaration order; they share the booleans' names but are not booleans of the policy. */
  tunables: BoolSym[];
  tunableIds: Map<string, number>;
  /** `policycap` capabilities, by index in libsepol's polcaps.c (Xen reads and ignores them). */
  policycaps: number[];
  /** `attribute_role` declarations, in declaration order. */
  roleAttrs: RoleAttrSym[];
  /** `type_transition S T:C D "name";` (define_filename_trans), in source order, sets expanded. */
  filenameTransitions: FilenameTransition[];
  conds: CondNode[];
  constraints: ResolvedConstraint[];
  /** validatetrans and mlsvalidatetrans, in statement order, one per class. */
  validatetrans: ResolvedValidatetrans[];
  ocontexts: Ocontexts;
  /** Present when the policy is compiled as MLS (checkpolicy -M). */
  mls?: MlsSymbols;
  /** role_transition rules in statement order (define_role_trans), sets expanded. */
  roleTransitions?: RoleTransitionSym[];
  /** Role allow rules (`allow R1 R2;`) in statement order (define_role_allow), role attributes
   *  expanded into their roles. */
  roleAllows?: RoleAllowSym[];
}

/** A role attribute (define_attrib_role). Xen's binary has no record of it: expand gives its
 *  types to its roles (expand.c role_fix_callback) and every role set naming it stands for its
 *  roles (role_set_expand). */
export interface RoleAttrSym {
  name: string;
  span: Span;
  /** Role ids: the roles that joined it (`roleattribute R A;`, `role R, A;`), and once
   *  declarations are read, the roles of the attributes that joined it (link.c
   *  expand_role_attributes). */
  roles?: Set<number>;
  /** Indices of the role attributes that joined it (`roleattribute B A;`). */
  attrs?: Set<number>;
  /** `role A types { ... }`, attributes expanded. */
  types?: Set<number>;
}

export interface RoleAllowSym {
  span: Span;
  /** Role ids, ascending. */
  roles: number[];
  newRoles: number[];
}

/** Tables with nothing declared yet (not even object_r: the resolver declares it, a binary holds
 *  it as role value 1), for the resolver to fill from source and src/binary from a kernel policy. */
export function emptySymbols(): Symbols {
  return {
    classes: [],
    classIds: new Map(),
    types: [],
    attrs: [],
    typeIds: new Map(),
    attrIds: new Map(),
    aliases: new Map(),
    bools: [],
    boolIds: new Map(),
    roles: [],
    roleIds: new Map(),
    users: [],
    userIds: new Map(),
    initialSids: new Map(),
    tunables: [],
    tunableIds: new Map(),
    policycaps: [],
    roleAttrs: [],
    filenameTransitions: [],
    conds: [],
    constraints: [],
    validatetrans: [],
    ocontexts: { pirqcon: [], iomemcon: [], ioportcon: [], pcidevicecon: [], devicetreecon: [] },
  };
}

export interface RoleTransitionSym {
  span: Span;
  /** Role ids, ascending. */
  roles: number[];
  /** Type ids, attributes expanded, ascending. */
  types: Int32Array;
  /** Class ids, ascending. */
  classes: number[];
  newRole: number;
}

export interface FilenameTransition {
  span: Span;
  sources: TypeSet;
  targets: TypeSet;
  classes: number[];
  defaultType: number;
  filename: string;
}

/** The rules with their names resolved: consumed by expand, not kept in the compiled policy. */
export interface ResolvedRules {
  avRules: ResolvedAvRule[];
  typeRules: ResolvedTypeRule[];
}

export const OBJECT_R = 0;

/** The roles a policy declares: a binary read back keeps a nameless place for each role
 *  attribute's value (the kernel policy counts them, writes no record), which no listing shows. */
export function declaredRoles(sym: Symbols): RoleSym[] {
  return sym.roles.filter((r) => sym.roleIds.get(r.name) === r.id);
}

/** The name before the last dot of a type, role or user named PARENT.CHILD (hierarchy_add_bounds),
 *  if any. (indexOf first: V8's lastIndexOf is a call into the runtime, and most names have no dot.) */
export function parentName(name: string): string | undefined {
  return name.indexOf(".") < 0 ? undefined : name.slice(0, name.lastIndexOf("."));
}

/** The parent of a type: `typebounds`, else the name before its last dot (hierarchy_add_bounds). */
export function typeParent(sym: Symbols, t: number): number | undefined {
  const type = sym.types[t]!;
  if (type.bounds !== undefined) return type.bounds;
  const parent = parentName(type.name);
  return parent === undefined ? undefined : sym.typeIds.get(parent);
}
