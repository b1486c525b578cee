// Bytes -> KernelPolicy, accepting what Xen's reader accepts (xen/xsm/flask/ss/policydb.c
// policydb_read, avtab.c avtab_read, conditional.c cond_read_list, ebitmap.c ebitmap_read) and
// refusing the rest with Xen's own log line where it prints one. Three refusals are Xen's alone
// (checkpolicy writes them and libsepol reads them back): a class with a common, an empty rule
// table and filename transitions. Those are returned as `refusals`, so a caller can treat the
// binary as libsepol does (round trips, setools-like analysis) or as Xen's loader does.
//
// Every count is checked against the bytes left before anything is allocated for it, and every
// read is bounds-checked (bytes.ts): a truncated or hostile file is one BinaryFormatError.
import { BinaryFormatError, ByteReader } from "./bytes.js";
import {
  AVTAB_AV,
  AVTAB_TYPE,
  CONFIG_MLS,
  ConsExprType,
  OBJECT_R_NAME,
  HANDLE_UNKNOWN_ALLOW,
  HANDLE_UNKNOWN_REJECT,
  POLICYDB_MAGIC,
  TYPE_ATTRIBUTE,
  TYPE_PRIMARY,
  XEN_TARGET,
  XEN_TARGET_OLD,
  type AvEntry,
  type Bits,
  type ClassDatum,
  type Common,
  type ConsExpr,
  type Constraint,
  type Context,
  type CondNode,
  type KernelPolicy,
  type MlsLevel,
  type MlsRange,
  type Perm,
  type SymTab,
} from "./model.js";
import { XEN_REFUSALS, type UnknownValuePlace, type XEN_REFUSAL_CODES } from "./xen-compat.js";

/** A construct checkpolicy writes and libsepol reads but Xen's loader refuses. */
export interface XenRefusal {
  code: (typeof XEN_REFUSAL_CODES)[number];
  /** What it is, e.g. "class xen inherits common basic". */
  what: string;
  /** The line Xen logs when it refuses. */
  xenLog: string;
  offset: number;
}

/** A construct Xen's loader reads but libsepol's validate_policydb (or its policydb_read) refuses,
 *  so checkpolicy -b, setools and audit2why cannot read the file: a warning whatever the mode, as
 *  Xen loads it. */
export type LibsepolRefusal = ConstraintRefusal | ValueRefusal;

/** A constraint or validatetrans node's permissions word, or a permission count, libsepol refuses. */
export interface ConstraintRefusal {
  /** constraint-class-twice: a constraint node with no permissions, which checkpolicy writes for a
   *  class named twice in one constrain (the source side's code, src/policy/resolve/constraints.ts).
   *  constraint-extra-perms: a constraint node with bits past the class's permissions;
   *  validatetrans-perms: a validatetrans node with permissions; binary-perm-limit: a class or
   *  common whose permission count is over 32. checkpolicy writes none of the last three. */
  code: "constraint-class-twice" | "constraint-extra-perms" | "validatetrans-perms" | "binary-perm-limit";
  /** What it is, e.g. "class domain's constraint 2 of 3", "class big". */
  what: string;
  offset: number;
  /** The node's permissions word, its class's permission count, and the names of the class's
   *  own permissions among the word's bits. */
  permissions: number;
  nprim: number;
  named: string[];
}

/** A field Xen's policydb_read takes without a check and libsepol refuses, which checkpolicy never
 *  writes. binary-class-defaults: a class's default_user, _role or _type over 2 (DEFAULT_TARGET), or
 *  default_range over 7 (DEFAULT_GLBLUB), Xen's class_read ignoring all four; binary-handle-unknown:
 *  a config word with both handle_unknown bits; binary-permissive-map: permissive bits that name no
 *  type; binary-unknown-value: a role or type value no record has (`place` says where). */
export interface ValueRefusal {
  code: "binary-class-defaults" | "binary-handle-unknown" | "binary-permissive-map" | "binary-unknown-value";
  /** What holds it, e.g. "class xen's default_user", "role system_r's dominates". */
  what: string;
  offset: number;
  /** The field's value (a default, the config word), or the values named (types, roles: 1-based). */
  values: number[];
  place?: UnknownValuePlace;
  /** How many roles or types there are (binary-unknown-value, binary-permissive-map). */
  count?: number;
}

/** Where each record of a read binary starts, by the record's object in the KernelPolicy (symbol
 *  table entries, permissions, constraint nodes, role and filename and range transitions,
 *  iomemcon): what a finding about a record checked after it was read (policydb_index_*, the
 *  bounds check, kernelToPolicy, a rewrite) points at. */
export type RecordOffsets = WeakMap<object, number>;

export interface ReadResult {
  policy: KernelPolicy;
  refusals: XenRefusal[];
  libsepolRefusals: LibsepolRefusal[];
  offsets: RecordOffsets;
}

const HANDLE_UNKNOWN_MASK = HANDLE_UNKNOWN_REJECT | HANDLE_UNKNOWN_ALLOW;
/** The largest default_user/role/type (DEFAULT_TARGET) and default_range (DEFAULT_GLBLUB) libsepol 3.4's
 *  validate_class_datum takes. */
const DEFAULT_MAX = 2;
const DEFAULT_RANGE_MAX = 7;

/** Versions Xen reads for the XenFlask target (policydb_compat[]): 24 (5 ocontexts) and 30 (6). */
const XEN_VERSIONS = [24, 30];
/** CEXPR_MAXDEPTH (constraint.h). */
const CEXPR_MAXDEPTH = 5;
/** Smallest encodings, to bound counts by the bytes left. */
const EBITMAP_MIN = 12;
const CONTEXT_MIN = 12;

/** PERM_SYMTAB_SIZE (libsepol and Xen): an access vector, and so a constraint's permissions
 *  word, is 32 bits. */
const PERM_SYMTAB_SIZE = 32;

/** validate_constraint_nodes (libsepol 3.4, the same through 3.11) on one node's permissions
 *  word: a validatetrans takes none; a constraint of a class with permissions takes some, and only
 *  the class's (`permissions >= 1 << nperms`). A class of exactly 32 permissions is not checked
 *  (`nperms != PERM_SYMTAB_SIZE`): each of the word's 32 bits names one of them, so no bit is past
 *  them (nor could `>>> 32`, which JavaScript reads as `>>> 0`, say so). A count over 32 never gets
 *  here in libsepol: class_read refuses it first (binary-perm-limit, noted where the class is read);
 *  past the word's 32 bits there is no bit either. (libsepol after 3.11 refuses only a word with no
 *  bit of the class's: NO_VALID_PERMS.) */
function libsepolRefusal(permissions: number, nprim: number, validatetrans: boolean): ConstraintRefusal["code"] | undefined {
  if (validatetrans) return permissions !== 0 ? "validatetrans-perms" : undefined;
  if (nprim > 0 && permissions === 0) return "constraint-class-twice";
  return nprim < PERM_SYMTAB_SIZE && permissions >>> nprim !== 0 ? "constraint-extra-perms" : undefined;
}

/** Does `data` start with the binary policy magic (0xf97cff8c, little endian)? */
export function isBinaryPolicy(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x8c && data[1] === 0xff && data[2] === 0x7c && data[3] === 0xf9;
}

class PolicyReader {
  readonly r: ByteReader;
  readonly refusals: XenRefusal[] = [];
  readonly libsepolRefusals: LibsepolRefusal[] = [];
  readonly offsets: RecordOffsets = new WeakMap();
  version = 0;

  constructor(data: Uint8Array) {
    this.r = new ByteReader(data);
  }

  /** `record`, read from `at`. */
  placed<T extends object>(record: T, at: number): T {
    this.offsets.set(record, at);
    return record;
  }

  /** Where a record read earlier starts (every record a check names was placed when read). */
  at(record: object): number {
    return this.offsets.get(record) ?? this.r.offset;
  }

  /** Refuses with Xen's log line (and -EINVAL). */
  xen(log: string, at = this.r.offset, detail?: string): never {
    throw new BinaryFormatError(detail ?? log.replace(/^Flask:\s+/, ""), at, log);
  }

  /** ebitmap_read, canonical form only (what libsepol writes and requires). */
  bits(what: string): Bits {
    const r = this.r;
    const at = r.offset;
    const mapsize = r.u32(what);
    const highbit = r.u32(what);
    const count = r.u32(what);
    if (mapsize !== 64) this.xen(`Flask: ebitmap: map size ${mapsize} does not match my size 64 (high bit was ${highbit})`, at);
    // Xen's ebitmap_read and libsepol's read no node when the high bit is 0, whatever the count
    // says (checkpolicy -b and Xen load such a map): the bytes after it are the next field
    if (highbit === 0) return [];
    if (highbit % 64 !== 0) r.fail(`${what}: ebitmap high bit ${highbit} is not a multiple of 64`, at);
    if (count * 12 > r.remaining) r.fail(`${what}: ebitmap count ${count} cannot fit in the ${r.remaining} bytes left`, at);
    const out: number[] = [];
    let last = -1;
    for (let i = 0; i < count; i++) {
      const nodeAt = r.offset;
      const start = r.u32(what);
      if (start % 64 !== 0) this.xen(`Flask: ebitmap start bit (${start}) is not a multiple of the map unit size (64)`, nodeAt);
      if (start > highbit - 64) this.xen(`Flask: ebitmap start bit (${start}) is beyond the end of the bitmap (${highbit - 64})`, nodeAt);
      if (start <= last) this.xen(`Flask: ebitmap: start bit ${start} comes after start bit ${last}`, nodeAt);
      last = start;
      const lo = r.u32(what);
      const hi = r.u32(what);
      if (lo === 0 && hi === 0) r.fail(`${what}: ebitmap node at bit ${start} is empty`, nodeAt);
      for (let b = 0; b < 32; b++) if ((lo >>> b) & 1) out.push(start + b);
      for (let b = 0; b < 32; b++) if ((hi >>> b) & 1) out.push(start + 32 + b);
    }
    if (last + 64 !== highbit) r.fail(`${what}: ebitmap high bit ${highbit} does not follow its last node (${last})`, at);
    return out;
  }

  name(len: number, what: string): string {
    return this.r.string(len, what);
  }

  level(what: string): MlsLevel {
    const sens = this.r.u32(`${what} level`);
    return { sens, cats: this.bits(`${what} level categories`) };
  }

  /** mls_read_range_helper. */
  range(what: string): MlsRange {
    const r = this.r;
    const at = r.offset;
    const n = r.u32(`${what} range`);
    if (n > 2) this.xen("Flask: mls:  range overflow", at);
    if (n === 0) this.xen("Flask: mls:  truncated range", at);
    const low = r.u32(`${what} range`);
    const high = n > 1 ? r.u32(`${what} range`) : low;
    const lowCats = this.bits(`${what} range low categories`);
    const highCats = n > 1 ? this.bits(`${what} range high categories`) : lowCats;
    return { low: { sens: low, cats: lowCats }, high: { sens: high, cats: highCats } };
  }

  context(what: string): Context {
    const r = this.r;
    r.need(12, what);
    const user = r.u32(what);
    const role = r.u32(what);
    const type = r.u32(what);
    const range = this.version >= 19 ? this.range(what) : { low: { sens: 0, cats: [] }, high: { sens: 0, cats: [] } };
    return { user, role, type, range };
  }

  /** libsepol's class_read and common_read refuse a permission count over PERM_SYMTAB_SIZE;
   *  Xen's read it as it is (their permissions' values are checked by index() either way). */
  permLimit(what: string, nprim: number, at: number): void {
    if (nprim > PERM_SYMTAB_SIZE) this.libsepolRefusals.push({ code: "binary-perm-limit", what, offset: at, permissions: 0, nprim, named: [] });
  }

  perms(n: number, what: string): Perm[] {
    const perms: Perm[] = [];
    const names = new Set<string>();
    for (let i = 0; i < n; i++) {
      const at = this.r.offset;
      const len = this.r.u32(`${what} permission`);
      const value = this.r.u32(`${what} permission`);
      const name = this.name(len, `${what} permission name`);
      if (names.has(name)) this.r.fail(`${what}: duplicate permission ${name}`, at);
      names.add(name);
      perms.push(this.placed({ name, value }, at));
    }
    return perms;
  }

  /** read_cons_helper, with its RPN depth check (`allowXtarget`: the class's validatetrans). The
   *  permissions words libsepol 3.4's validate_constraint_nodes refuses and Xen reads as they are
   *  are noted (libsepolRefusal). */
  constraints(n: number, allowXtarget: boolean, what: string, cls: { name: string; nprim: number; perms: readonly Perm[] }): Constraint[] {
    const out: Constraint[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.r.offset;
      const permissions = this.r.u32(what);
      const code = libsepolRefusal(permissions, cls.nprim, allowXtarget);
      if (code) {
        const node = `class ${cls.name}'s ${allowXtarget ? "validatetrans" : "constraint"} ${i + 1} of ${n}`;
        const named = cls.perms.filter((p) => p.value >= 1 && p.value <= 32 && (permissions >>> (p.value - 1)) & 1).map((p) => p.name);
        this.libsepolRefusals.push({ code, what: node, offset: at, permissions, nprim: cls.nprim, named });
      }
      const nexpr = this.r.count(`${what} expression`, 12);
      const expr: ConsExpr[] = [];
      let depth = -1;
      for (let j = 0; j < nexpr; j++) {
        const type = this.r.u32(what) as ConsExprType;
        const attr = this.r.u32(what);
        const op = this.r.u32(what);
        const e: ConsExpr = { type, attr, op };
        switch (type) {
          case ConsExprType.Not:
            if (depth < 0) this.r.fail(`${what}: constraint expression applies 'not' to nothing`, at);
            break;
          case ConsExprType.And:
          case ConsExprType.Or:
            if (depth < 1) this.r.fail(`${what}: constraint expression joins fewer than two terms`, at);
            depth--;
            break;
          case ConsExprType.Attr:
          case ConsExprType.Names:
            if (type === ConsExprType.Names && !allowXtarget && (attr & 16) !== 0) this.r.fail(`${what}: a constraint names the new context (only validatetrans may)`, at);
            if (depth === CEXPR_MAXDEPTH - 1) this.r.fail(`${what}: constraint expression deeper than ${CEXPR_MAXDEPTH}`, at);
            depth++;
            if (type === ConsExprType.Names) {
              e.names = this.bits(`${what} names`);
              if (this.version >= 29) {
                const types = this.bits(`${what} type names`);
                const negset = this.bits(`${what} type names`);
                const flags = this.r.u32(`${what} type names`);
                e.typeNames = { types, negset, flags };
              }
            }
            break;
          default:
            this.r.fail(`${what}: unknown constraint expression type ${type}`, at);
        }
        expr.push(e);
      }
      if (depth !== 0) this.r.fail(`${what}: constraint expression does not reduce to one term`, at);
      out.push(this.placed({ permissions, expr }, at));
    }
    return out;
  }

  symtab<T extends { name: string }>(what: string, minBytes: number, read: () => T): SymTab<T> {
    const r = this.r;
    const nprim = r.u32(`${what} table`);
    const at = r.offset;
    const nel = r.count(`${what} table`, minBytes);
    // the values index arrays of nprim entries (policydb_index_*): no more than the file could name
    if (nprim > r.data.length) r.fail(`${what} table: ${nprim} values in a ${r.data.length}-byte file`, at - 4);
    const entries: T[] = [];
    const names = new Set<string>();
    for (let i = 0; i < nel; i++) {
      const recAt = r.offset;
      const e = read();
      // hashtab_insert: -EEXIST
      if (names.has(e.name)) r.fail(`${what} table: duplicate name ${e.name}`, recAt);
      names.add(e.name);
      entries.push(this.placed(e, recAt));
    }
    return { nprim, entries };
  }

  avItem(types: number, classes: number, what: string): AvEntry {
    const r = this.r;
    const at = r.offset;
    r.need(12, what);
    const source = r.u16(what);
    const target = r.u16(what);
    const tclass = r.u16(what);
    const specified = r.u16(what);
    const data = r.u32(what);
    if (!source || source > types || !target || target > types || !tclass || tclass > classes) this.xen("Flask: avtab: invalid type or class", at);
    const kinds = specified & (AVTAB_AV | AVTAB_TYPE);
    if (kinds === 0 || (kinds & (kinds - 1)) !== 0) this.xen("Flask:  avtab:  more than one specifier", at);
    if ((specified & AVTAB_TYPE) !== 0 && (!data || data > types)) this.xen("Flask: avtab: invalid type", at);
    return { source, target, tclass, specified, data };
  }

  read(): KernelPolicy {
    const r = this.r;
    if (r.remaining < 8) r.fail(`truncated header: ${r.remaining} bytes`, 0);
    const magic = r.u32("header");
    if (magic !== POLICYDB_MAGIC) {
      this.xen(`Flask:  policydb magic number 0x${magic.toString(16)} does not match expected magic number 0x${POLICYDB_MAGIC.toString(16)}`, 0);
    }
    const len = r.u32("header");
    if (len !== 8) this.xen(`Flask:  policydb string length ${len} does not match expected length 8`, 4);
    const target = this.name(len, "policydb string");
    if (target !== XEN_TARGET && target !== XEN_TARGET_OLD) this.xen(`Flask: ${target} not a valid policydb string`, 8);
    const version = r.u32("header");
    this.version = version;
    if (version < 15 || version > 30) this.xen(`Flask:  policydb version ${version} does not match my version range 15-30`, 16);
    const config = r.u32("header");
    if ((config & CONFIG_MLS) !== 0 && version < 19) this.xen(`security policydb version ${version} (MLS) not backwards compatible`, 20);
    const symNum = r.u32("header");
    const oconNum = r.u32("header");
    // validate_properties: handle_unknown (config & 6) is deny, reject or allow, not both
    if ((config & HANDLE_UNKNOWN_MASK) === HANDLE_UNKNOWN_MASK) this.libsepolRefusals.push({ code: "binary-handle-unknown", what: "the config word", offset: 20, values: [config] });
    const policycaps = version >= 22 ? this.bits("policycaps") : [];
    const permissiveAt = r.offset;
    const permissive = version >= 23 ? this.bits("permissive map") : [];
    if (target === XEN_TARGET_OLD) r.fail(`target "${target}" (Xen before 4.2): xsm reads only "${XEN_TARGET}" policies`, 8);
    if (!XEN_VERSIONS.includes(version)) this.xen(`Flask:  unable to find policy compat info for version ${version} target 1`, 16);
    const wantOcons = version >= 30 ? 6 : 5;
    if (symNum !== 8 || oconNum !== wantOcons) this.xen(`Flask:  policydb table sizes (${symNum},${oconNum}) do not match mine (8,${wantOcons})`, 24);

    const commons = this.symtab<Common>("commons", 16, () => {
      const at = r.offset;
      const len = r.u32("common");
      const value = r.u32("common");
      const nprim = r.u32("common");
      const nel = r.count("common permissions", 8);
      const name = this.name(len, "common name");
      this.permLimit(`common ${name}`, nprim, at);
      return { name, value, nprim, perms: this.perms(nel, `common ${name}`) };
    });
    const classes = this.symtab<ClassDatum>("classes", 24, () => {
      const at = r.offset;
      const len = r.u32("class");
      const comLen = r.u32("class");
      const value = r.u32("class");
      const nprim = r.u32("class");
      const nel = r.count("class permissions", 8);
      const ncons = r.count("class constraints", 8);
      const name = this.name(len, "class name");
      const common = this.name(comLen, "class common name");
      this.permLimit(`class ${name}`, nprim, at);
      if (common !== "") {
        this.refusals.push({ code: "xen-common-prefix", what: `class ${name} inherits common ${common}`, xenLog: XEN_REFUSALS.commonPrefix, offset: at });
      }
      const perms = this.perms(nel, `class ${name}`);
      const constraints = this.constraints(ncons, false, `class ${name} constraint`, { name, nprim, perms });
      const validatetrans = version >= 19 ? this.constraints(r.count("validatetrans", 8), true, `class ${name} validatetrans`, { name, nprim, perms }) : [];
      const defaults: [number, number, number, number] = [0, 0, 0, 0];
      const defaultsAt = r.offset;
      if (version >= 27) {
        defaults[0] = r.u32("class defaults");
        defaults[1] = r.u32("class defaults");
        defaults[2] = r.u32("class defaults");
      }
      if (version >= 28) defaults[3] = r.u32("class defaults");
      this.classDefaults(name, defaults, defaultsAt);
      return { name, value, common, nprim, perms, constraints, validatetrans, defaults };
    });
    const roles = this.symtab("roles", 12 + 2 * EBITMAP_MIN, () => {
      const at = r.offset;
      const len = r.u32("role");
      const value = r.u32("role");
      const bounds = version >= 24 ? r.u32("role") : 0;
      const name = this.name(len, "role name");
      const dominates = this.bits(`role ${name} dominates`);
      const types = this.bits(`role ${name} types`);
      if (name === OBJECT_R_NAME && value !== 1) this.xen(`Role object_r has wrong value ${value}`, at);
      return { name, value, bounds, dominates, types };
    });
    const types = this.symtab("types", 12, () => {
      const len = r.u32("type");
      const value = r.u32("type");
      const properties = r.u32("type");
      const bounds = version >= 24 ? r.u32("type") : 0;
      return { name: this.name(len, "type name"), value, properties, bounds };
    });
    const users = this.symtab("users", 12 + EBITMAP_MIN, () => {
      const len = r.u32("user");
      const value = r.u32("user");
      const bounds = version >= 24 ? r.u32("user") : 0;
      const name = this.name(len, "user name");
      const roles = this.bits(`user ${name} roles`);
      const range = version >= 19 ? this.range(`user ${name}`) : { low: { sens: 0, cats: [] }, high: { sens: 0, cats: [] } };
      const level = version >= 19 ? this.level(`user ${name}`) : { sens: 0, cats: [] };
      return { name, value, bounds, roles, range, level };
    });
    const bools = this.symtab("booleans", 12, () => {
      const at = r.offset;
      const value = r.u32("boolean");
      const state = r.u32("boolean");
      const len = r.u32("boolean");
      const name = this.name(len, "boolean name");
      // cond_read_bool: bool_isvalid
      if (state !== 0 && state !== 1) r.fail(`boolean ${name}: state ${state} is neither 0 nor 1`, at);
      return { name, value, state };
    });
    const levels = this.symtab("sensitivities", 8 + 4 + EBITMAP_MIN, () => {
      const len = r.u32("sensitivity");
      const isalias = r.u32("sensitivity");
      const name = this.name(len, "sensitivity name");
      return { name, isalias, level: this.level(`sensitivity ${name}`) };
    });
    const cats = this.symtab("categories", 12, () => {
      const len = r.u32("category");
      const value = r.u32("category");
      const isalias = r.u32("category");
      return { name: this.name(len, "category name"), value, isalias };
    });

    const ntypes = types.nprim;
    const nclasses = classes.nprim;
    const avAt = r.offset;
    const nav = r.count("avtab", 12);
    if (nav === 0) this.refusals.push({ code: "xen-empty-avtab", what: "an empty unconditional rule table", xenLog: XEN_REFUSALS.emptyAvtab, offset: avAt });
    const avtab: AvEntry[] = new Array(nav);
    const seen = new Set<number>();
    for (let i = 0; i < nav; i++) {
      const at = r.offset;
      const e = this.avItem(ntypes, nclasses, "avtab entry");
      // (s, t, c) in 48 bits and the kind's bit number: one key per avtab_insert node
      const key = ((e.source * 65536 + e.target) * 65536 + e.tclass) * 8 + (31 - Math.clz32(e.specified & (AVTAB_AV | AVTAB_TYPE)));
      if (seen.has(key)) this.xen("Flask: avtab: duplicate entry", at);
      seen.add(key);
      avtab[i] = e;
    }

    const conds: CondNode[] = [];
    if (version >= 16) {
      const ncond = r.count("conditional list", 16);
      for (let i = 0; i < ncond; i++) {
        const at = r.offset;
        const curState = r.u32("conditional");
        const nexpr = r.count("conditional expression", 8);
        const expr: CondNode["expr"] = [];
        let depth = 0;
        for (let j = 0; j < nexpr; j++) {
          const type = r.u32("conditional expression");
          const bool = r.u32("conditional expression");
          if (type < 1 || type > 7) this.xen("Flask: conditional expressions uses unknown operator.", at);
          if (bool > bools.nprim) this.xen("Flask: conditional expressions uses unknown bool.", at);
          // cond_evaluate_expr would find the expression undefined; refuse it up front
          if (type === 1) {
            if (bool === 0) r.fail("conditional expression names boolean 0", at);
            depth++;
          } else if (type !== 2) depth--;
          if (depth < 1) r.fail("conditional expression is not a well-formed postfix expression", at);
          expr.push({ type, bool });
        }
        if (depth !== 1) r.fail("conditional expression is not a well-formed postfix expression", at);
        const list = (what: string): AvEntry[] => {
          const n = r.count(what, 12);
          const out: AvEntry[] = [];
          for (let k = 0; k < n; k++) out.push(this.avItem(ntypes, nclasses, what));
          return out;
        };
        const trueList = list("conditional true list");
        const falseList = list("conditional false list");
        conds.push({ curState, expr, trueList, falseList });
      }
    }

    const roleTrans: KernelPolicy["roleTrans"] = [];
    const processClass = classes.entries.find((c) => c.name === "domain")?.value ?? 0;
    const nrt = r.count("role transitions", version >= 26 ? 16 : 12);
    for (let i = 0; i < nrt; i++) {
      const at = r.offset;
      const role = r.u32("role transition");
      const type = r.u32("role transition");
      const newRole = r.u32("role transition");
      // before version 26 a rule has no class: policydb_read gives it the process class, Xen's
      // `domain` (Xen's own reader keeps none: it applies role_trans to domains only)
      const tclass = version >= 26 ? r.u32("role transition") : processClass;
      if (!role || role > roles.nprim || !type || type > ntypes || !newRole || newRole > roles.nprim) r.fail("role transition names an unknown role or type", at);
      roleTrans.push(this.placed({ role, type, newRole, tclass }, at));
    }
    const roleAllow: KernelPolicy["roleAllow"] = [];
    const nra = r.count("role allow rules", 8);
    for (let i = 0; i < nra; i++) {
      const at = r.offset;
      const role = r.u32("role allow");
      const newRole = r.u32("role allow");
      if (!role || role > roles.nprim || !newRole || newRole > roles.nprim) r.fail("role allow names an unknown role", at);
      roleAllow.push(this.placed({ role, newRole }, at));
    }
    const filenameTrans: KernelPolicy["filenameTrans"] = [];
    if (version >= 25) {
      const at = r.offset;
      const n = r.count("filename transitions", 20);
      if (n > 0) this.refusals.push({ code: "xen-filename-trans", what: `${n} filename type transition${n === 1 ? "" : "s"}`, xenLog: XEN_REFUSALS.filenameTrans, offset: at });
      for (let i = 0; i < n; i++) {
        const recAt = r.offset;
        const len = r.u32("filename transition");
        const name = this.name(len, "filename transition name");
        filenameTrans.push(this.placed({ name, stype: r.u32("filename transition"), ttype: r.u32("filename transition"), tclass: r.u32("filename transition"), otype: r.u32("filename transition") }, recAt));
      }
    }

    const policy: KernelPolicy = {
      version,
      target,
      config,
      policycaps,
      permissive,
      commons,
      classes,
      roles,
      types,
      users,
      bools,
      levels,
      cats,
      avtab,
      conds,
      roleTrans,
      roleAllow,
      filenameTrans,
      ocontexts: { isid: [], pirq: [], ioport: [], iomem: [], pcidevice: [], devicetree: [] },
      rangeTrans: [],
      typeAttrMap: [],
    };
    this.index(policy);
    this.unknownValues(policy, permissiveAt);

    const o = policy.ocontexts;
    const ctx = (what: string): Context => {
      const at = r.offset;
      const c = this.context(what);
      if (!contextIsValid(policy, c)) this.xen("Flask:  invalid security context", at);
      return c;
    };
    const count = (what: string, min: number) => r.count(what, min + CONTEXT_MIN);
    for (let i = count("initial SIDs", 4); i > 0; i--) o.isid.push({ sid: r.u32("initial SID"), context: ctx("initial SID context") });
    for (let i = count("pirqcon", 4); i > 0; i--) o.pirq.push({ pirq: r.u32("pirqcon"), context: ctx("pirqcon context") });
    for (let i = count("ioportcon", 8); i > 0; i--) o.ioport.push({ low: r.u32("ioportcon"), high: r.u32("ioportcon"), context: ctx("ioportcon context") });
    for (let i = count("iomemcon", version >= 30 ? 16 : 8); i > 0; i--) {
      const at = r.offset;
      const low = version >= 30 ? r.u64("iomemcon") : BigInt(r.u32("iomemcon"));
      const high = version >= 30 ? r.u64("iomemcon") : BigInt(r.u32("iomemcon"));
      o.iomem.push(this.placed({ low, high, context: ctx("iomemcon context") }, at));
    }
    for (let i = count("pcidevicecon", 4); i > 0; i--) o.pcidevice.push({ device: r.u32("pcidevicecon"), context: ctx("pcidevicecon context") });
    if (version >= 30) {
      for (let i = count("devicetreecon", 4); i > 0; i--) {
        const len = r.u32("devicetreecon");
        const path = this.name(len, "devicetreecon path");
        o.devicetree.push({ path, context: ctx("devicetreecon context") });
      }
    }
    const genfsAt = r.offset;
    if (r.u32("genfs") !== 0) this.xen("Flask:  unsupported genfs config data", genfsAt);
    if (version >= 19) {
      const n = r.count("range transitions", (version >= 21 ? 12 : 8) + 8 + EBITMAP_MIN);
      for (let i = 0; i < n; i++) {
        const at = r.offset;
        const stype = r.u32("range transition");
        const ttype = r.u32("range transition");
        const tclass = version >= 21 ? r.u32("range transition") : 0;
        if (!stype || stype > ntypes || !ttype || ttype > ntypes || (version >= 21 && (!tclass || tclass > nclasses))) r.fail("range transition names an unknown type or class", at);
        policy.rangeTrans.push(this.placed({ stype, ttype, tclass, range: this.range("range transition") }, at));
      }
    }
    if (version >= 20) {
      if (ntypes * EBITMAP_MIN > r.remaining) r.fail(`type_attr_map: ${ntypes} maps cannot fit in the ${r.remaining} bytes left`);
      for (let i = 0; i < ntypes; i++) {
        const at = r.offset;
        const row = this.bits(`type_attr_map[${i}]`);
        // libsepol's policydb_read: a bit past the types (other than the row's own) is refused
        const past = row.filter((b) => b >= ntypes && b !== i);
        if (past.length > 0) {
          const type = types.entries.find((t) => t.value === i + 1 && (t.properties & TYPE_PRIMARY) !== 0);
          const kind = type && (type.properties & TYPE_ATTRIBUTE) !== 0 ? "attribute" : "type";
          this.libsepolRefusals.push({ code: "binary-unknown-value", what: `${kind} ${type?.name ?? i + 1}'s type_attr_map row`, offset: at, values: past.map((b) => b + 1), place: "type-attr-map", count: ntypes });
        }
        policy.typeAttrMap.push(row);
      }
    }
    if (r.remaining !== 0) r.fail(`${r.remaining} bytes after the end of the policy`);
    this.bounds(policy);
    return policy;
  }

  /** validate_class_datum's defaults, which Xen's class_read reads and ignores. libsepol's
   *  class_datum_t holds each in a `char`: it checks the word's low byte, signed. */
  classDefaults(name: string, d: readonly number[], at: number): void {
    ["default_user", "default_role", "default_range", "default_type"].forEach((field, i) => {
      const held = (d[i]! << 24) >> 24;
      if (held < 0 || held > (i === 2 ? DEFAULT_RANGE_MAX : DEFAULT_MAX)) this.libsepolRefusals.push({ code: "binary-class-defaults", what: `class ${name}'s ${field}`, offset: at + 4 * i, values: [d[i]!] });
    });
  }

  /** Role and type values no record has where Xen's reader takes any (a bitmap's bits; role allow
   *  and role transition rules, which policydb_role_isvalid checks against nprim only) and libsepol
   *  refuses them (validate_ebitmap, validate_value: past nprim, or a value without a record, as a
   *  role attribute's), and permissive bits that name no type (validate_permissives). */
  unknownValues(p: KernelPolicy, permissiveAt: number): void {
    const roles = new Set(p.roles.entries.map((e) => e.value));
    const types = new Set(p.types.entries.filter((t) => (t.properties & TYPE_PRIMARY) !== 0).map((t) => t.value));
    const note = (what: string, offset: number, values: number[], place: UnknownValuePlace | undefined, known: Set<number>, count: number): void => {
      const unknown = values.filter((v) => !known.has(v));
      if (unknown.length === 0) return;
      const code = place === undefined ? "binary-permissive-map" : "binary-unknown-value";
      this.libsepolRefusals.push({ code, what, offset, values: unknown, ...(place ? { place } : {}), count });
    };
    const values = (bits: Bits) => bits.map((b) => b + 1);
    const nroles = p.roles.nprim;
    const ntypes = p.types.nprim;
    // (the permissive map's bit is the type's value itself, not value - 1)
    note("the permissive map", permissiveAt, p.permissive, undefined, types, ntypes);
    for (const r of p.roles.entries) {
      note(`role ${r.name}'s dominates`, this.at(r), values(r.dominates), "role-dominates", roles, nroles);
      note(`role ${r.name}'s types`, this.at(r), values(r.types), "role-types", types, ntypes);
    }
    for (const u of p.users.entries) note(`user ${u.name}'s roles`, this.at(u), values(u.roles), "user-roles", roles, nroles);
    p.roleAllow.forEach((a, i) => note(`role allow rule ${i + 1} of ${p.roleAllow.length}`, this.at(a), [a.role, a.newRole], "role-allow", roles, nroles));
    p.roleTrans.forEach((t, i) => {
      const what = `role transition ${i + 1} of ${p.roleTrans.length}`;
      note(what, this.at(t), [t.role], "role-trans-role", roles, nroles);
      note(what, this.at(t), [t.newRole], "role-trans-new-role", roles, nroles);
    });
  }

  /** policydb_index_classes / policydb_index_others: every value within 1..nprim, once. */
  index(p: KernelPolicy): void {
    const check = (what: string, entries: { name: string; value: number; bounds?: number }[], nprim: number) => {
      const used = new Set<number>();
      for (const e of entries) {
        if (!e.value || e.value > nprim) this.r.fail(`${what} ${e.name} has value ${e.value} outside 1..${nprim}`, this.at(e));
        if (e.bounds !== undefined && e.bounds > nprim) this.r.fail(`${what} ${e.name} is bounded by unknown value ${e.bounds}`, this.at(e));
        if (used.has(e.value)) this.r.fail(`${what} ${e.name} reuses value ${e.value}`, this.at(e));
        used.add(e.value);
      }
    };
    check("common", p.commons.entries, p.commons.nprim);
    check("class", p.classes.entries, p.classes.nprim);
    for (const c of [...p.commons.entries, ...p.classes.entries]) {
      for (const perm of c.perms) if (!perm.value || perm.value > c.nprim || perm.value > 32) this.r.fail(`${c.name}: permission ${perm.name} has value ${perm.value} outside 1..${Math.min(c.nprim, 32)}`, this.at(perm));
    }
    const commonNames = new Set(p.commons.entries.map((c) => c.name));
    for (const c of p.classes.entries) if (c.common !== "" && !commonNames.has(c.common)) this.r.fail(`class ${c.name} inherits unknown common ${c.common}`, this.at(c));
    check("role", p.roles.entries, p.roles.nprim);
    check("type", p.types.entries.filter((t) => (t.properties & TYPE_PRIMARY) !== 0), p.types.nprim);
    for (const t of p.types.entries) if ((t.properties & TYPE_PRIMARY) === 0 && (!t.value || t.value > p.types.nprim)) this.r.fail(`alias ${t.name} has value ${t.value} outside 1..${p.types.nprim}`, this.at(t));
    check("user", p.users.entries, p.users.nprim);
    check("boolean", p.bools.entries, p.bools.nprim);
    check("category", p.cats.entries.filter((c) => !c.isalias), p.cats.nprim);
  }

  /** policydb_bounds_sanity_check (v >= 24): no cycles, no type bounded by an attribute. */
  bounds(p: KernelPolicy): void {
    if (p.version < 24) return;
    const walk = (what: string, entries: { name: string; value: number; bounds: number }[]) => {
      const byValue = new Map(entries.map((e) => [e.value, e]));
      for (const e of entries) {
        let cur = e;
        for (let depth = 1; cur.bounds; depth++) {
          if (depth === 4) this.xen(`Flask: ${what} ${e.name}: too deep or looped boundary`, this.at(e));
          const next = byValue.get(cur.bounds);
          // (*_val_to_struct has no entry there: a role attribute's value, or object_r's, whose
          // record role_read drops)
          if (!next) this.r.fail(`${what} ${cur.name} is bounded by ${what} value ${cur.bounds}, which no ${what} record has: Xen's policydb_bounds_sanity_check would read that ${what} through a NULL pointer`, this.at(cur));
          cur = next;
        }
      }
    };
    walk("user", p.users.entries);
    walk("role", p.roles.entries.filter((r) => r.name !== OBJECT_R_NAME));
    const primaries = p.types.entries.filter((t) => (t.properties & TYPE_PRIMARY) !== 0);
    walk("type", primaries);
    const byValue = new Map(primaries.map((t) => [t.value, t]));
    for (const t of primaries) {
      const upper = t.bounds ? byValue.get(t.bounds) : undefined;
      if (upper && (upper.properties & 2) !== 0) this.xen(`Flask: type ${t.name}: bounded by attribute ${upper.name}`, this.at(t));
    }
  }
}

/** policydb_context_isvalid: known user, role and type; the role holds the type and the user
 *  the role, unless the role is object_r. */
export function contextIsValid(p: KernelPolicy, c: Context): boolean {
  if (!c.role || c.role > p.roles.nprim || !c.user || c.user > p.users.nprim || !c.type || c.type > p.types.nprim) return false;
  if (c.role === 1) return true;
  const role = p.roles.entries.find((r) => r.value === c.role);
  const user = p.users.entries.find((u) => u.value === c.user);
  if (!role || !user) return false;
  return role.types.includes(c.type - 1) && user.roles.includes(c.role - 1);
}

/** Reads a binary policy; throws BinaryFormatError on anything neither Xen nor libsepol would read. */
export function readPolicy(data: Uint8Array): ReadResult {
  const reader = new PolicyReader(data);
  try {
    return { policy: reader.read(), refusals: reader.refusals, libsepolRefusals: reader.libsepolRefusals, offsets: reader.offsets };
  } catch (err) {
    if (err instanceof BinaryFormatError) throw err;
    // an invariant of ours the file broke (e.g. a name decoder): still one clear error
    throw new BinaryFormatError(`unreadable binary policy: ${(err as Error).message}`, reader.r.offset);
  }
}
