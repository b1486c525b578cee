// The kernel policy as a binary holds it (libsepol's policydb after expand, Xen's policydb after
// policydb_read): values are 1-based, sets are ebitmaps, attributes survive only as avtab keys
// and in type_attr_map. Every list is in file order, so write(read(b)) reproduces b; lower.ts
// puts them in the order checkpolicy writes.

import { CondOp } from "../policy/symbols.js";

/** An ebitmap as its set bits, ascending (bit i = value i + 1 for types, roles, users, classes, cats). */
export type Bits = number[];

export const POLICYDB_MAGIC = 0xf97cff8c;
export const XEN_TARGET = "XenFlask";
/** Xen's reader also takes the target string of policies written before 4.3 (v <= 24). */
export const XEN_TARGET_OLD = "SE Linux";

export const CONFIG_MLS = 1;
export const HANDLE_UNKNOWN_REJECT = 2;
export const HANDLE_UNKNOWN_ALLOW = 4;

/** avtab key kinds (avtab.h AVTAB_*). */
export const AVTAB_ALLOWED = 0x1;
export const AVTAB_AUDITALLOW = 0x2;
export const AVTAB_AUDITDENY = 0x4;
export const AVTAB_AV = AVTAB_ALLOWED | AVTAB_AUDITALLOW | AVTAB_AUDITDENY;
export const AVTAB_TRANSITION = 0x10;
export const AVTAB_MEMBER = 0x20;
export const AVTAB_CHANGE = 0x40;
export const AVTAB_TYPE = AVTAB_TRANSITION | AVTAB_MEMBER | AVTAB_CHANGE;
export const AVTAB_ENABLED = 0x8000;

/** cond_expr_t expr_type. */
export const enum CondExprType {
  Bool = 1,
  Not = 2,
  Or = 3,
  And = 4,
  Xor = 5,
  Eq = 6,
  Neq = 7,
}

/** cond_expr_t expr_type of each operator of the compiler's postfix programs (policy/cond.ts). */
export const COND_EXPR_TYPE_OF_OP: Readonly<Record<number, CondExprType>> = {
  [CondOp.Not]: CondExprType.Not,
  [CondOp.And]: CondExprType.And,
  [CondOp.Or]: CondExprType.Or,
  [CondOp.Xor]: CondExprType.Xor,
  [CondOp.Eq]: CondExprType.Eq,
  [CondOp.Neq]: CondExprType.Neq,
};

/** The inverse: the program operator of each operator cond_expr_t (not Bool, which is an operand). */
export const COND_OP_OF_EXPR_TYPE: Readonly<Record<number, CondOp>> = Object.fromEntries(
  Object.entries(COND_EXPR_TYPE_OF_OP).map(([op, type]) => [type, Number(op) as CondOp]),
);

/** constraint_expr_t expr_type, attr bits and ops (constraint.h). */
export const enum ConsExprType {
  Not = 1,
  And = 2,
  Or = 3,
  Attr = 4,
  Names = 5,
}
export const CEXPR_USER = 1;
export const CEXPR_ROLE = 2;
export const CEXPR_TYPE = 4;
export const CEXPR_TARGET = 8;
export const CEXPR_XTARGET = 16;
export const enum ConsOp {
  Eq = 1,
  Neq = 2,
  Dom = 3,
  DomBy = 4,
  Incomp = 5,
}

export interface MlsLevel {
  sens: number;
  cats: Bits;
}

export interface MlsRange {
  low: MlsLevel;
  high: MlsLevel;
}

export interface Context {
  user: number;
  role: number;
  type: number;
  range: MlsRange;
}

export interface Perm {
  name: string;
  value: number;
}

export interface Common {
  name: string;
  value: number;
  nprim: number;
  perms: Perm[];
}

export interface ConsExpr {
  type: ConsExprType;
  attr: number;
  op: number;
  /** Only for Names. */
  names?: Bits;
  /** Only for Names at v >= 29: the set as written, attributes kept (read and ignored by Xen). */
  typeNames?: { types: Bits; negset: Bits; flags: number };
}

export interface Constraint {
  permissions: number;
  expr: ConsExpr[];
}

export interface ClassDatum {
  name: string;
  value: number;
  /** Name of the inherited common; "" when none (Xen refuses any other). */
  common: string;
  nprim: number;
  perms: Perm[];
  constraints: Constraint[];
  validatetrans: Constraint[];
  /** default_user, default_role, default_range (v >= 27), default_type (v >= 28). */
  defaults: [number, number, number, number];
}

export interface RoleDatum {
  name: string;
  value: number;
  bounds: number;
  dominates: Bits;
  types: Bits;
}

export const TYPE_PRIMARY = 1;
export const TYPE_ATTRIBUTE = 2;

export interface TypeDatum {
  name: string;
  value: number;
  /** PRIMARY 1, ATTRIBUTE 2 (attributes are 3), an alias 0 with its primary's value. */
  properties: number;
  bounds: number;
}

export interface UserDatum {
  name: string;
  value: number;
  bounds: number;
  roles: Bits;
  range: MlsRange;
  level: MlsLevel;
}

export interface BoolDatum {
  name: string;
  value: number;
  state: number;
}

export interface SensDatum {
  name: string;
  isalias: number;
  level: MlsLevel;
}

export interface CatDatum {
  name: string;
  value: number;
  isalias: number;
}

/** One symbol table: nprim (values in use) and its records in file order. */
export interface SymTab<T> {
  nprim: number;
  entries: T[];
}

export interface AvEntry {
  source: number;
  target: number;
  tclass: number;
  specified: number;
  data: number;
}

export interface CondNode {
  curState: number;
  /** Postfix, kernel bool values (0 for operators). */
  expr: { type: CondExprType; bool: number }[];
  trueList: AvEntry[];
  falseList: AvEntry[];
}

export interface RoleTrans {
  role: number;
  type: number;
  newRole: number;
  tclass: number;
}

export interface FilenameTrans {
  name: string;
  stype: number;
  ttype: number;
  tclass: number;
  otype: number;
}

export interface RangeTrans {
  stype: number;
  ttype: number;
  tclass: number;
  range: MlsRange;
}

/** Xen's ocontexts, in OCON_* order. */
export interface XenOcontexts {
  isid: { sid: number; context: Context }[];
  pirq: { pirq: number; context: Context }[];
  ioport: { low: number; high: number; context: Context }[];
  iomem: { low: bigint; high: bigint; context: Context }[];
  pcidevice: { device: number; context: Context }[];
  devicetree: { path: string; context: Context }[];
}

export interface KernelPolicy {
  /** 24 or 30 from checkpolicy; Xen reads 15..30. */
  version: number;
  target: string;
  config: number;
  policycaps: Bits;
  /** bit = type value (not value - 1). */
  permissive: Bits;
  commons: SymTab<Common>;
  classes: SymTab<ClassDatum>;
  roles: SymTab<RoleDatum>;
  types: SymTab<TypeDatum>;
  users: SymTab<UserDatum>;
  bools: SymTab<BoolDatum>;
  levels: SymTab<SensDatum>;
  cats: SymTab<CatDatum>;
  avtab: AvEntry[];
  conds: CondNode[];
  roleTrans: RoleTrans[];
  roleAllow: { role: number; newRole: number }[];
  filenameTrans: FilenameTrans[];
  ocontexts: XenOcontexts;
  rangeTrans: RangeTrans[];
  /** Indexed by type value - 1. */
  typeAttrMap: Bits[];
}

export const EMPTY_LEVEL: MlsLevel = Object.freeze({ sens: 0, cats: [] }) as MlsLevel;
export const EMPTY_RANGE: MlsRange = Object.freeze({ low: EMPTY_LEVEL, high: EMPTY_LEVEL }) as MlsRange;

/** Version-dependent layout facts (policydb_compat[] for the Xen target). */
export function oconCount(version: number): number {
  return version >= 30 ? 6 : 5;
}

/** The role every object has (Xen's OBJECT_R, value OBJECT_R_VAL = 1). */
export const OBJECT_R_NAME = "object_r";
