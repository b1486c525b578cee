// The AST of checkpolicy's policy.conf language (Xen target) plus our SVP extension.
// Produced by parse.ts (grammar/policy.peggy), consumed by resolve.ts. Every node carries a span.
import type { Span } from "../diagnostics/diagnostic.js";

export interface Ident {
  name: string;
  span: Span;
}

/** A set of names as checkpolicy writes it: `a`, `{ a b -c }`, `*`, `~a`, `~{ a b }`, `a -b`.
 *  Nested braces are flattened by the parser. `self` appears as an ordinary Ident in `include`. */
export interface NameSet {
  span: Span;
  star: boolean; // `*`
  complement: boolean; // `~`
  include: Ident[];
  exclude: Ident[]; // `-name`
}

export interface Context {
  span: Span;
  user: Ident;
  role: Ident;
  type: Ident;
  /** `:low - high` after the type (MLS policies, and only those, need it). */
  mls?: MlsRange;
}

/** `s0:c0.c3,c5` as written. checkpolicy's scanner reads `c0.c3` as one name; resolve splits
 *  it into a category range as policy_define.c's parse_categories does. */
export interface MlsLevel {
  span: Span;
  sens: Ident;
  cats: Ident[];
}

/** `low` or `low - high` (mls_range_def). */
export interface MlsRange {
  span: Span;
  low: MlsLevel;
  high?: MlsLevel;
}

// ---- declarations ------------------------------------------------------------------------------

export interface ClassDecl { kind: "class"; span: Span; name: Ident }
export interface InitialSidDecl { kind: "sid_decl"; span: Span; name: Ident }
export interface CommonDecl { kind: "common"; span: Span; name: Ident; perms: Ident[] }
/** `class NAME [inherits COMMON] [{ perms }]` in the access-vector section. */
export interface AccessVectorDecl { kind: "av"; span: Span; className: Ident; inherits?: Ident; perms: Ident[] }
export interface AttributeDecl { kind: "attribute"; span: Span; name: Ident }
export interface TypeDecl { kind: "type"; span: Span; name: Ident; aliases: Ident[]; attributes: Ident[] }
export interface TypeAliasDecl { kind: "typealias"; span: Span; type: Ident; aliases: Ident[] }
export interface TypeAttributeDecl { kind: "typeattribute"; span: Span; type: Ident; attributes: Ident[] }
/** `bool NAME true;`, or `tunable NAME true;` (tunable: fixed when compiled, see resolve.ts). */
export interface BoolDecl { kind: "bool"; span: Span; name: Ident; value: boolean; tunable?: true }
/** `permissive TYPE;` */
export interface PermissiveDecl { kind: "permissive"; span: Span; type: Ident }
/** `policycap NAME;` */
export interface PolicyCapDecl { kind: "policycap"; span: Span; name: Ident }
/** `expandattribute ATTRS true|false;` */
export interface ExpandAttributeDecl { kind: "expandattribute"; span: Span; names: NameSet; value: boolean }
/** `attribute_role NAME;` */
export interface RoleAttributeDecl { kind: "attribute_role"; span: Span; name: Ident }
/** `role R;`, `role R, ATTR, ...;` (role_attr_def: declares R, in the role attributes named) or
 *  `role R types { ... };` (role_type_def: R, a role or a role attribute, holds the types). */
export interface RoleDecl { kind: "role"; span: Span; name: Ident; types?: NameSet; attributes?: Ident[] }
/** `roleattribute R ATTR, ...;`: R (a role, or a role attribute) joins each role attribute. */
export interface RoleAttributeStmt { kind: "roleattribute"; span: Span; role: Ident; attributes: Ident[] }
/** `allow ROLES ROLES;` (role allow) */
export interface RoleAllow { kind: "role_allow"; span: Span; sources: NameSet; targets: NameSet }
/** `typebounds PARENT CHILD, ...;` */
export interface TypeBounds { kind: "typebounds"; span: Span; parent: Ident; children: Ident[] }
/** `role_transition ROLES TYPES [: CLASSES] NEWROLE;` (no classes: the class `process`) */
export interface RoleTransition { kind: "role_transition"; span: Span; roles: NameSet; types: NameSet; classes?: NameSet; newRole: Ident }
/** `default_user|default_role|default_type CLASSES source|target;`, `default_range CLASSES
 *  source|target low|high|low-high;` or `default_range CLASSES glblub;` */
export interface DefaultRule {
  kind: "default";
  span: Span;
  field: "user" | "role" | "type" | "range";
  classes: NameSet;
  /** source, target; for range "source low" ... "target low-high" or "glblub" */
  value: string;
}
export interface UserDecl { kind: "user"; span: Span; name: Ident; roles: NameSet; mls?: { level: MlsLevel; range: MlsRange } }

// ---- rules -------------------------------------------------------------------------------------

export type AvRuleKind = "allow" | "auditallow" | "dontaudit" | "neverallow" | "auditdeny";
export interface AvRule {
  kind: "avrule";
  span: Span;
  rule: AvRuleKind;
  sources: NameSet;
  targets: NameSet;
  classes: NameSet;
  perms: NameSet;
}

export type TypeRuleKind = "type_transition" | "type_change" | "type_member";
export interface TypeRule {
  kind: "typerule";
  span: Span;
  rule: TypeRuleKind;
  sources: NameSet;
  targets: NameSet;
  classes: NameSet;
  defaultType: Ident;
  /** `type_transition S T : C D "name";` (type_transition only). */
  filename?: string;
}

/** The operands of an expression node (conditional or constraint, parsed or resolved): none for a
 *  leaf. `cmp` and `names` have a `left` too, but it is an operand name, not a node. */
export function operandsOf<E extends { op: string }>(e: E): readonly E[] {
  const n = e as unknown as { op: string; arg?: E; left?: E; right?: E };
  switch (n.op) {
    case "not":
      return [n.arg!];
    case "and":
    case "or":
    case "xor":
    case "eq":
    case "neq":
      return [n.left!, n.right!];
    default:
      return [];
  }
}

/**
 * Folds an expression tree bottom-up with an explicit stack: `combine` gets each node with the
 * results of its operands, in the order a recursive left-to-right post-order walk calls it. An
 * operator chain (`a || b || ...`, unbounded in checkpolicy) is a left-deep tree as deep as it is
 * long, far deeper than the call stack a recursive walk could use.
 */
export function foldTree<E extends { op: string }, R>(root: E, combine: (e: E, operands: R[]) => R): R {
  const frames: { node: E; operands: readonly E[]; results: R[] }[] = [{ node: root, operands: operandsOf(root), results: [] }];
  for (;;) {
    const top = frames[frames.length - 1]!;
    if (top.results.length < top.operands.length) {
      const next = top.operands[top.results.length]!;
      frames.push({ node: next, operands: operandsOf(next), results: [] });
      continue;
    }
    frames.pop();
    const r = combine(top.node, top.results);
    if (frames.length === 0) return r;
    frames[frames.length - 1]!.results.push(r);
  }
}

export type CondExpr =
  | { op: "bool"; name: Ident; span: Span }
  | { op: "not"; arg: CondExpr; span: Span }
  | { op: "and" | "or" | "xor" | "eq" | "neq"; left: CondExpr; right: CondExpr; span: Span };

export interface Conditional {
  kind: "if";
  span: Span;
  expr: CondExpr;
  then: (AvRule | TypeRule)[];
  else: (AvRule | TypeRule)[];
}

// ---- constraints -------------------------------------------------------------------------------

/** u1 r1 t1 = source, u2 r2 t2 = target, u3 r3 t3 = new (validatetrans only); l1 h1 / l2 h2 =
 *  the low and high levels of the source / target range (MLS). */
export type ConstraintOperand = "u1" | "u2" | "u3" | "r1" | "r2" | "r3" | "t1" | "t2" | "t3" | MlsOperand;
export type MlsOperand = "l1" | "l2" | "h1" | "h2";
export type ConstraintOp = "==" | "!=" | "dom" | "domby" | "incomp";
export type ConstraintExpr =
  | { op: "not"; arg: ConstraintExpr; span: Span }
  | { op: "and" | "or"; left: ConstraintExpr; right: ConstraintExpr; span: Span }
  /** `u1 == u2`, `t1 != t2`, `r1 dom r2` */
  | { op: "cmp"; cmp: ConstraintOp; left: ConstraintOperand; right: ConstraintOperand; span: Span }
  /** `t1 == { a b }`, `u2 != system_u` */
  | { op: "names"; cmp: ConstraintOp; left: ConstraintOperand; names: NameSet; span: Span };

/** `mls` marks `mlsconstrain` (the MLS section's form; the binary holds both alike). */
export interface Constrain { kind: "constrain"; span: Span; classes: NameSet; perms: NameSet; expr: ConstraintExpr; mls?: true }
export interface ValidateTrans { kind: "validatetrans"; span: Span; classes: NameSet; expr: ConstraintExpr; mls?: true }

// ---- contexts ----------------------------------------------------------------------------------

export interface SidContext { kind: "sid_context"; span: Span; name: Ident; context: Context }
export interface PirqCon { kind: "pirqcon"; span: Span; irq: number; context: Context }
export interface IomemCon { kind: "iomemcon"; span: Span; low: bigint; high: bigint; context: Context }
export interface IoportCon { kind: "ioportcon"; span: Span; low: number; high: number; context: Context }
/** device = seg<<16 | bus<<8 | devfn */
export interface PciDeviceCon { kind: "pcidevicecon"; span: Span; device: number; context: Context }
export interface DeviceTreeCon { kind: "devicetreecon"; span: Span; path: string; context: Context }

// ---- MLS (checkpolicy -M) -----------------------------------------------------------------------

export interface SensitivityDecl { kind: "sensitivity"; span: Span; name: Ident; aliases: Ident[] }
/** `dominance { s0 s1 ... }`: lowest first. */
export interface DominanceDecl { kind: "dominance"; span: Span; order: Ident[] }
export interface CategoryDecl { kind: "category"; span: Span; name: Ident; aliases: Ident[] }
/** `level s0:c0.c3;`: the categories a sensitivity may carry. */
export interface LevelDecl { kind: "level"; span: Span; level: MlsLevel }
/** `range_transition S T:C range;` (without `:C`, the legacy form for class process). */
export interface RangeTransition { kind: "range_transition"; span: Span; sources: NameSet; targets: NameSet; classes?: NameSet; range: MlsRange }

export type MlsStatement = SensitivityDecl | DominanceDecl | CategoryDecl | LevelDecl | RangeTransition;

/** `dominance { role r { role s; } }` (policy_parse.y role_dominance, deprecated): r dominates s,
 *  takes its types, and `r1 dom r2` constraints compare by it. */
export interface RoleDominance { kind: "role_dominance"; span: Span; roles: RoleDomDef[] }
/** `role NAME;` or `role NAME { role ...; }` inside a role dominance. */
export interface RoleDomDef { name: Ident; dominated: RoleDomDef[]; span: Span }

// ---- SVP extension (ours) ----------------------------------------------------------------------

/**
 * platform svp supervisor {            platform gvp1 guest of svp {
 *   hwdom svp_hwdom_t;                   hwdom gvp1_hwdom_t;
 *   device svp_pci_t { 0000:03:00.0 };   guest gvp1_guest_t;
 * }                                      device gvp1_pci_t { 0000:03:10.0 0000:03:10.1 };
 *                                      }
 * Desugared by svp.ts into attributes, types, allow/neverallow rules and pcidevicecon entries.
 */
export interface PlatformMember {
  kind: "hwdom" | "guest" | "device";
  span: Span;
  type: Ident;
  /** SBDFs (as written, e.g. "0000:03:10.0") labeled with this device type. */
  devices: { text: string; span: Span }[];
}
export interface PlatformDecl {
  kind: "platform";
  span: Span;
  name: Ident;
  level: "supervisor" | "guest";
  parent?: Ident; // `guest of PARENT`
  members: PlatformMember[];
}

export type Statement =
  | ClassDecl
  | InitialSidDecl
  | CommonDecl
  | AccessVectorDecl
  | AttributeDecl
  | TypeDecl
  | TypeAliasDecl
  | TypeAttributeDecl
  | BoolDecl
  | PermissiveDecl
  | PolicyCapDecl
  | ExpandAttributeDecl
  | RoleAttributeDecl
  | RoleAttributeStmt
  | RoleDecl
  | RoleAllow
  | RoleDominance
  | TypeBounds
  | RoleTransition
  | DefaultRule
  | UserDecl
  | AvRule
  | TypeRule
  | Conditional
  | Constrain
  | ValidateTrans
  | SidContext
  | PirqCon
  | IomemCon
  | IoportCon
  | PciDeviceCon
  | DeviceTreeCon
  | MlsStatement
  | PlatformDecl;

export interface PolicyAst {
  file: string;
  statements: Statement[];
}
