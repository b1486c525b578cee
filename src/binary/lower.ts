// Resolved policy -> KernelPolicy, as checkpolicy 3.4 builds it: parse into a base policydb,
// link, expand_module into a kernel policydb, write. Every choice here decides bytes:
// - values: classes, commons and perms in declaration order; types, attributes, roles, users and
//   bools in the hashtab_map order of the base symbol tables (expand.c *_copy_callback);
// - records: in hashtab_map order of the kernel tables (symhash, chains sorted by strcmp);
// - avtab: attributes kept as keys unless `self`, `-`, `*`, `~` or a type rule forces expansion
//   (expand.c convert_and_expand_rule / type_set_expand); one node per (s, t, c, kind), created by
//   the first rule in source order and ORed (ANDed for dontaudit) by later ones (find_avtab_node);
//   written in avtab_hash bucket order over 2^20 slots, chains by (s, t, c), ties in creation order;
// - conditionals: cond_normalize_expr, cond_node_search merging, prepended lists, cond_optimize_lists.
import { foldTree, type ConstraintExpr, type NameSet, type PolicyAst, type Statement } from "../policy/ast.js";
import { excludeNames, includeNames } from "../policy/nodes.js";
import { CondPlacement, condProgram, defineConditional, evalCond } from "../policy/cond.js";
import { CondOp, OBJECT_R, parentName, type ClassSym, type Level, type LevelRange, type MlsSymbols, type ResolvedContext, type Symbols } from "../policy/symbols.js";
import { AVTAB_COMPILE_MASK, PERM_TABLE_SIZE, SYMTAB_SIZES, avtabHash, hashOrder, tableSize } from "../policy/hashtab.js";
import { roleTableOrder, typeTableOrder } from "../policy/symtab-order.js";
import { byCodePoint } from "../policy/matrix.js";
import { keepsAttribute } from "../policy/expand.js";
import { omitted } from "../policy/resolve/constraints.js";
import {
  AVTAB_ALLOWED,
  AVTAB_AUDITALLOW,
  AVTAB_AUDITDENY,
  AVTAB_CHANGE,
  AVTAB_ENABLED,
  AVTAB_MEMBER,
  AVTAB_TRANSITION,
  CEXPR_ROLE,
  CEXPR_TARGET,
  CEXPR_TYPE,
  CEXPR_USER,
  CEXPR_XTARGET,
  COND_EXPR_TYPE_OF_OP,
  CondExprType,
  ConsExprType,
  ConsOp,
  EMPTY_LEVEL,
  EMPTY_RANGE,
  CONFIG_MLS,
  TYPE_ATTRIBUTE,
  TYPE_PRIMARY,
  XEN_TARGET,
  type AvEntry,
  type Bits,
  type ClassDatum,
  type Common,
  type ConsExpr,
  type Constraint,
  type Context,
  type KernelPolicy,
  type RoleDatum,
  type FilenameTrans,
  type RoleTrans,
  type TypeDatum,
  type UserDatum,
  type CatDatum,
  type MlsLevel,
  type MlsRange,
  type RangeTrans,
  type SensDatum,
} from "./model.js";
import { expandTypeSet, filenameTransRecords } from "../policy/typeset.js";

export interface LowerOptions {
  /** 30 (default) or 24, the two versions checkpolicy writes for Xen. */
  version?: number;
  /** handle_unknown bits of the config word (checkpolicy -U): 0 deny, 2 reject, 4 allow. */
  handleUnknown?: number;
}

const KIND_BITS = { allow: AVTAB_ALLOWED, auditallow: AVTAB_AUDITALLOW, dontaudit: AVTAB_AUDITDENY, auditdeny: AVTAB_AUDITDENY } as const;
const TYPE_RULE_BITS = { type_transition: AVTAB_TRANSITION, type_member: AVTAB_MEMBER, type_change: AVTAB_CHANGE } as const;
const KIND_INDEX: Record<number, number> = { [AVTAB_ALLOWED]: 0, [AVTAB_AUDITALLOW]: 1, [AVTAB_AUDITDENY]: 2, [AVTAB_TRANSITION]: 3, [AVTAB_MEMBER]: 4, [AVTAB_CHANGE]: 5 };
/** constraint.h CEXPR_L1L2 ... CEXPR_L2H2: the two levels an MLS expression compares. */
const MLS_ATTRS: Record<string, number> = { l1l2: 32, l1h2: 64, h1l2: 128, h1h2: 256, l1h1: 512, l2h2: 1024 };
const CONS_OPS = { "==": ConsOp.Eq, "!=": ConsOp.Neq, dom: ConsOp.Dom, domby: ConsOp.DomBy, incomp: ConsOp.Incomp } as const;

/** A rule after name lookup, in kernel bit indices (value - 1). */
interface LoweredRule {
  specified: number;
  sources: Bits;
  targets: Bits;
  self: boolean;
  /** class value and data per class, ascending by class. */
  classes: { tclass: number; data: number }[];
}

/** One avtab under construction (libsepol's avtab with find_avtab_node): a node per
 *  (s, t, c, kind) in creation order, in typed arrays (a large policy makes 10^5 nodes). */
class AvBuild {
  n = 0;
  source = new Uint16Array(64);
  target = new Uint16Array(64);
  tclass = new Uint16Array(64);
  specified = new Uint16Array(64);
  data = new Uint32Array(64);
  private keys = new Float64Array(128).fill(-1);
  private slots = new Int32Array(128);

  /** find_avtab_node: the index of the existing node, or of a new one (then `created` is set). */
  node(s: number, t: number, c: number, specified: number): number {
    const key = ((s * 65536 + t) * 65536 + c) * 8 + KIND_INDEX[specified]!;
    const keys = this.keys;
    const m = keys.length - 1;
    let h = (Math.imul((s * 0x9e3779b1) ^ Math.imul(t, 0x85ebca6b) ^ Math.imul(c + specified * 4099, 0xc2b2ae35), 0x27d4eb2f) >>> 0) & m;
    for (;;) {
      const k = keys[h]!;
      if (k === key) {
        this.created = false;
        return this.slots[h]!;
      }
      if (k === -1) break;
      h = (h + 1) & m;
    }
    const i = this.n++;
    if (i === this.source.length) this.grow();
    this.source[i] = s;
    this.target[i] = t;
    this.tclass[i] = c;
    this.specified[i] = specified;
    this.data[i] = specified === AVTAB_AUDITDENY ? 0xffffffff : 0;
    keys[h] = key;
    this.slots[h] = i;
    if (this.n * 2 > keys.length) this.rehash();
    this.created = true;
    return i;
  }

  created = false;

  private grow(): void {
    const cap = this.source.length * 2;
    const copy16 = (a: Uint16Array) => {
      const b = new Uint16Array(cap);
      b.set(a);
      return b;
    };
    this.source = copy16(this.source);
    this.target = copy16(this.target);
    this.tclass = copy16(this.tclass);
    this.specified = copy16(this.specified);
    const data = new Uint32Array(cap);
    data.set(this.data);
    this.data = data;
  }

  private rehash(): void {
    this.keys = new Float64Array(this.keys.length * 2).fill(-1);
    this.slots = new Int32Array(this.keys.length);
    const m = this.keys.length - 1;
    for (let i = 0; i < this.n; i++) {
      const s = this.source[i]!;
      const t = this.target[i]!;
      const c = this.tclass[i]!;
      const sp = this.specified[i]!;
      let h = (Math.imul((s * 0x9e3779b1) ^ Math.imul(t, 0x85ebca6b) ^ Math.imul(c + sp * 4099, 0xc2b2ae35), 0x27d4eb2f) >>> 0) & m;
      while (this.keys[h] !== -1) h = (h + 1) & m;
      this.keys[h] = ((s * 65536 + t) * 65536 + c) * 8 + KIND_INDEX[sp]!;
      this.slots[h] = i;
    }
  }

  entry(i: number, extra = 0): AvEntry {
    return { source: this.source[i]!, target: this.target[i]!, tclass: this.tclass[i]!, specified: this.specified[i]! | extra, data: this.data[i]! };
  }

  /** The nodes in avtab_write's order for `mask`: bucket, (s, t, c), then creation order. */
  written(mask: number): AvEntry[] {
    const n = this.n;
    const primary = new Float64Array(n);
    for (let i = 0; i < n; i++) primary[i] = avtabHash(this.source[i]!, this.target[i]!, this.tclass[i]!, mask) * 4294967296 + this.source[i]! * 65536 + this.target[i]!;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const cls = this.tclass;
    order.sort((a, b) => primary[a]! - primary[b]! || cls[a]! - cls[b]! || a - b);
    const out: AvEntry[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.entry(order[i]!);
    return out;
  }
}

/** expand_avrule_helper / expand_terule_helper's keys for a lowered rule: per source, (s, s) for
 *  `self`, then each target, then each class; types as bits (value - 1). */
function eachKey(r: LoweredRule, visit: (s: number, t: number, c: LoweredRule["classes"][number]) => void): void {
  const { sources, targets, classes } = r;
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i]!;
    for (let j = r.self ? -1 : 0; j < targets.length; j++) {
      const t = j < 0 ? s : targets[j]!;
      for (let k = 0; k < classes.length; k++) visit(s, t, classes[k]!);
    }
  }
}

/** A lowered rule's keys into the table: a node per key, its data ORed (ANDed for dontaudit) or
 *  set. `created` collects new nodes in order. */
function expandInto(tab: AvBuild, r: LoweredRule, created?: number[]): void {
  const { specified } = r;
  const or = specified === AVTAB_ALLOWED || specified === AVTAB_AUDITALLOW;
  const and = specified === AVTAB_AUDITDENY;
  eachKey(r, (s, t, c) => {
    const e = tab.node(s + 1, t + 1, c.tclass, specified);
    const d = tab.data;
    if (or) d[e] = (d[e]! | c.data) >>> 0;
    else if (and) d[e] = (d[e]! & c.data) >>> 0;
    else d[e] = c.data;
    if (created && tab.created) created.push(e);
  });
}

function bitsOf(values: Iterable<number>): Bits {
  return [...new Set(values)].sort((a, b) => a - b);
}

class Lowering {
  readonly typeBit: Int32Array; // our type id -> kernel bit
  readonly attrBit: Int32Array; // our attribute id -> kernel bit
  readonly roleVal: Int32Array; // our role id -> kernel value
  readonly roleAttrVal: Int32Array; // a role attribute's index -> the value it takes (unwritten)
  readonly userVal: Int32Array;
  /** Role values in use, role attributes included. */
  readonly nroles: number;
  readonly boolVal: Int32Array;
  /** kernel bit -> member bits, for attributes. */
  readonly attrMembers = new Map<number, Bits>();
  readonly ntypes: number;
  readonly commons: { name: string; perms: string[] }[] = [];

  constructor(
    readonly ast: PolicyAst,
    readonly sym: Symbols,
  ) {
    // expand.c type_copy_callback: ++nprim in base p_types hashtab order, aliases skipped
    this.typeBit = new Int32Array(sym.types.length);
    this.attrBit = new Int32Array(sym.attrs.length);
    let n = 0;
    for (const t of typeTableOrder(sym)) {
      if (t.kind === "type") this.typeBit[t.id] = n++;
      else if (t.kind === "attr") this.attrBit[t.id] = n++;
    }
    this.ntypes = n;
    for (const a of sym.attrs) this.attrMembers.set(this.attrBit[a.id]!, bitsOf(Array.from(a.members, (m) => this.typeBit[m]!)));
    // role_copy_callback: object_r is 1, the others ++nprim in base p_roles order
    this.roleVal = new Int32Array(sym.roles.length);
    this.roleVal[OBJECT_R] = 1;
    let r = 1;
    // role attributes take values in the same order, and are not written (role_attr_uncount)
    this.roleAttrVal = new Int32Array(sym.roleAttrs.length);
    for (const role of roleTableOrder(sym)) {
      if (role.id === -1) this.roleAttrVal[role.attr!] = ++r;
      else if (role.id !== OBJECT_R) this.roleVal[role.id] = ++r;
    }
    this.nroles = r;
    this.userVal = new Int32Array(sym.users.length);
    hashOrder(sym.users, (x) => x.name, SYMTAB_SIZES[4]).forEach((u, i) => (this.userVal[u.id] = i + 1));
    this.boolVal = new Int32Array(sym.bools.length);
    hashOrder(sym.bools, (x) => x.name, SYMTAB_SIZES[5]).forEach((b, i) => (this.boolVal[b.id] = i + 1));
    for (const s of ast.statements) if (s.kind === "common") this.commons.push({ name: s.name.name, perms: s.perms.map((p) => p.name) });
  }

  // ---- type sets

  /** One-name sets, by name and expansion: most rules name one type or attribute. */
  private readonly single = [new Map<string, Bits>(), new Map<string, Bits>()];

  /** libsepol type_set_expand on a rule's set: its attributes kept where src/policy/expand.ts's
   *  keepsAttribute keeps them (none when `expand`: RULE_SELF, type rules); `self` in the set noted. */
  typeSet(set: NameSet, expand: boolean): { bits: Bits; self: boolean } {
    // (names, not Idents: the parser's sets make their Idents only when asked)
    const include = includeNames(set);
    const exclude = excludeNames(set);
    const excluding = exclude.length > 0;
    if (!set.star && !set.complement && !excluding && include.length === 1) {
      const name = include[0]!;
      if (name === "self") return { bits: [], self: true };
      const cache = this.single[expand ? 1 : 0]!;
      let bits = cache.get(name);
      if (bits === undefined) {
        const out: number[] = [];
        this.addName(name, out, set, false, expand);
        bits = bitsOf(out);
        cache.set(name, bits);
      }
      return { bits, self: false };
    }
    const types: number[] = [];
    const neg: number[] = [];
    let self = false;
    for (const name of include) if (!this.addName(name, types, set, excluding, expand)) self ||= name === "self";
    // (an excluded attribute is expanded: the set excludes)
    for (const name of exclude) this.addName(name, neg, set, true, expand);
    const negSet = new Set(neg);
    if (set.star) {
      const all: number[] = [];
      for (let i = 0; i < this.ntypes; i++) if (!negSet.has(i) && !this.attrMembers.has(i)) all.push(i);
      return { bits: all, self };
    }
    let bits = bitsOf(types.filter((t) => !negSet.has(t)));
    if (set.complement) {
      const have = new Set(bits);
      bits = [];
      for (let i = 0; i < this.ntypes; i++) if (!have.has(i) && !this.attrMembers.has(i)) bits.push(i);
    }
    return { bits, self };
  }

  /** Adds a type's bit, or an attribute's where keepsAttribute keeps it in this set, else its
   *  members' bits; false for an unknown name. */
  private addName(name: string, out: number[], set: NameSet, excluding: boolean, expand: boolean): boolean {
    const t = this.sym.typeIds.get(name);
    if (t !== undefined) {
      out.push(this.typeBit[t]!);
      return true;
    }
    const a = this.sym.attrIds.get(name);
    if (a === undefined) return false;
    const bit = this.attrBit[a]!;
    if (keepsAttribute(set.star, set.complement, excluding, expand, this.sym.attrs[a]!)) out.push(bit);
    else for (const m of this.attrMembers.get(bit)!) out.push(m);
    return true;
  }

  /** The set as written, attributes kept (constraint type_names). */
  writtenTypes(set: NameSet): Bits {
    const out: number[] = [];
    for (const id of set.include) {
      const t = this.sym.typeIds.get(id.name);
      if (t !== undefined) out.push(this.typeBit[t]!);
      const a = this.sym.attrIds.get(id.name);
      if (a !== undefined) out.push(this.attrBit[a]!);
    }
    return bitsOf(out);
  }

  classValues(set: NameSet): number[] {
    const ids = includeNames(set).map((name) => this.sym.classIds.get(name)).filter((c): c is number => c !== undefined);
    return bitsOf(ids.map((c) => c + 1));
  }

  /** define_te_avtab_helper's perm bits: `*` is all 32 bits and `~` a 32-bit complement, unmasked. */
  avPerms(set: NameSet, tclass: number): number {
    const cls = this.sym.classes[tclass - 1]!;
    let mask = set.star ? 0xffffffff : 0;
    for (const name of includeNames(set)) mask |= cls.permMask.get(name) ?? 0;
    if (set.complement) mask = ~mask;
    return mask >>> 0;
  }

  // ---- rules

  avRule(s: Statement & { kind: "avrule" }): LoweredRule | undefined {
    if (s.rule === "neverallow") return undefined;
    const targets = this.typeSet(s.targets, false);
    // RULE_SELF forces expansion of both sets (convert_and_expand_rule)
    const forced = targets.self;
    const src = this.typeSet(s.sources, forced);
    const tgt = forced ? this.typeSet(s.targets, true) : targets;
    const specified = KIND_BITS[s.rule];
    const classes = this.classValues(s.classes).map((tclass) => {
      let data = this.avPerms(s.perms, tclass);
      // the parser stores dontaudit as the complement of its perms; expand ANDs it in
      if (s.rule === "dontaudit") data = ~data >>> 0;
      return { tclass, data };
    });
    return { specified, sources: src.bits, targets: tgt.bits, self: forced, classes };
  }

  typeRule(s: Statement & { kind: "typerule" }): LoweredRule {
    const src = this.typeSet(s.sources, true);
    const tgt = this.typeSet(s.targets, true);
    const def = this.typeBit[this.sym.typeIds.get(s.defaultType.name)!]! + 1;
    return { specified: TYPE_RULE_BITS[s.rule], sources: src.bits, targets: tgt.bits, self: tgt.self, classes: this.classValues(s.classes).map((tclass) => ({ tclass, data: def })) };
  }

  rule(s: Statement): LoweredRule | undefined {
    if (s.kind === "avrule") return this.avRule(s);
    // a filename transition is a filename_trans record, not an avtab entry
    if (s.kind === "typerule" && s.filename === undefined) return this.typeRule(s);
    return undefined;
  }

  /** The branch of an `if` over tunables that checkpolicy keeps (discard_tunables): its rules are
   *  unconditional; undefined for an `if` over booleans. */
  tunableBranch(s: Statement & { kind: "if" }): Statement[] | undefined {
    const sym = this.sym;
    if (sym.tunables.length === 0) return undefined;
    const compiled = condProgram(s.expr, (e) => sym.tunableIds.get(e.name.name));
    if (!compiled) return undefined;
    const state = Uint8Array.from(sym.tunables, (t) => (t.value ? 1 : 0));
    return evalCond(Int32Array.from(compiled.program), state) ? s.then : s.else;
  }
}

// ---- conditionals

interface CondBuild {
  program: Int32Array;
  expr: { type: CondExprType; bool: number }[];
  curState: number;
  /** Per branch (true, false): the rule sequence in the order expand walks it. */
  rules: [Statement[], Statement[]];
}

/** The boolean `if`s that have rules, in source order, each placed in the binary's cond list
 *  (defineConditional, then CondPlacement.place): its block as defined and its first-step node. */
function* placedConditionals<N>(ast: PolicyAst, sym: Symbols, placement: CondPlacement<N>): Generator<{ s: Statement & { kind: "if" }; block: { then: Statement[]; else: Statement[] }; decl: number; swapDecl: boolean }> {
  for (const s of ast.statements) {
    if (s.kind !== "if") continue;
    const compiled = condProgram(s.expr, (e) => sym.boolIds.get(e.name.name));
    if (!compiled) continue;
    const { block, program } = defineConditional(s, compiled.program);
    if (block === undefined) continue;
    yield { s, block, ...placement.place(program, compiled.bools) };
  }
}

function lowerConds(lw: Lowering, ast: PolicyAst): CondBuild[] {
  const sym = lw.sym;
  const nodes: CondBuild[] = [];
  const defaults = Uint8Array.from(sym.bools, (b) => (b.value ? 1 : 0));
  const placement = new CondPlacement<CondBuild>(sym.bools.length, (program) => {
    const prog = Int32Array.from(program);
    const node: CondBuild = {
      program: prog,
      expr: program.map((op) => (op >= 0 ? { type: CondExprType.Bool, bool: lw.boolVal[op]! } : { type: COND_EXPR_TYPE_OF_OP[op]!, bool: 0 })),
      curState: evalCond(prog, defaults) ? 1 : 0,
      rules: [[], []],
    };
    nodes.push(node);
    return node;
  });
  /** The first step's nodes' rules, per branch, in the order append_cond_list gives them. */
  const declRules: [Statement[], Statement[]][] = [];
  for (const { block, decl, swapDecl } of placedConditionals(ast, sym, placement)) {
    const rules = (declRules[decl] ??= [[], []]);
    // define_cond_pol_list prepends: a block's rules are in reverse source order
    rules[swapDecl ? 1 : 0].push(...[...block.then].reverse());
    rules[swapDecl ? 0 : 1].push(...[...block.else].reverse());
  }
  // expand copies the first step's nodes in the order they were made (cond_node_copy recurses to
  // the end of the prepended list first), each one's rules after those copied before
  placement.decls.forEach(({ out, swapOut }, i) => {
    const [t, f] = declRules[i]!;
    out.rules[swapOut ? 1 : 0].push(...t);
    out.rules[swapOut ? 0 : 1].push(...f);
  });
  // new nodes are prepended at parse and again by expand: the last new expression comes first
  return nodes.reverse();
}

/** expand_cond_av_list + cond_optimize_lists: nodes prepended as created, then every type rule
 *  moved to the front one by one. */
function condList(lw: Lowering, rules: Statement[], enabled: boolean): AvEntry[] {
  // find_avtab_node matches only nodes of the same list (parse_context)
  const tab = new AvBuild();
  const created: number[] = [];
  for (const s of rules) {
    const r = lw.rule(s);
    if (r) expandInto(tab, r, created);
  }
  const list = created.reverse().map((i) => tab.entry(i, enabled ? AVTAB_ENABLED : 0));
  const typeRules = list.filter((e) => (e.specified & 0x70) !== 0).reverse();
  const av = list.filter((e) => (e.specified & 0x70) === 0);
  return [...typeRules, ...av];
}

// ---- constraints

// post-order is the postfix libsepol writes; folded with an explicit stack (ast.ts foldTree), as an
// `or` chain has no bound in checkpolicy
function consExpr(lw: Lowering, root: ConstraintExpr, out: ConsExpr[]): void {
  foldTree<ConstraintExpr, void>(root, (e) => consNode(lw, e, out));
}

function consNode(lw: Lowering, e: ConstraintExpr, out: ConsExpr[]): void {
  switch (e.op) {
    case "not":
      out.push({ type: ConsExprType.Not, attr: 0, op: 0 });
      return;
    case "and":
    case "or":
      out.push({ type: e.op === "and" ? ConsExprType.And : ConsExprType.Or, attr: 0, op: 0 });
      return;
    case "cmp": {
      const levels = MLS_ATTRS[`${e.left}${e.right}`];
      if (levels !== undefined) {
        out.push({ type: ConsExprType.Attr, attr: levels, op: CONS_OPS[e.cmp] });
        return;
      }
      const kind = e.left[0] === "u" ? CEXPR_USER : e.left[0] === "r" ? CEXPR_ROLE : CEXPR_TYPE;
      const attr = kind | (e.left.endsWith("2") ? CEXPR_TARGET : 0) | (e.right.endsWith("3") ? CEXPR_XTARGET : 0);
      out.push({ type: ConsExprType.Attr, attr, op: CONS_OPS[e.cmp] });
      return;
    }
    case "names": {
      const kind = e.left[0] === "u" ? CEXPR_USER : e.left[0] === "r" ? CEXPR_ROLE : CEXPR_TYPE;
      const attr = kind | (e.left.endsWith("2") ? CEXPR_TARGET : 0) | (e.left.endsWith("3") ? CEXPR_XTARGET : 0);
      let names: Bits;
      let typeNames: ConsExpr["typeNames"];
      if (kind === CEXPR_TYPE) {
        names = lw.typeSet(e.names, true).bits;
        typeNames = { types: lw.writtenTypes(e.names), negset: [], flags: 0 };
      } else {
        const table = kind === CEXPR_USER ? lw.sym.userIds : lw.sym.roleIds;
        const vals = kind === CEXPR_USER ? lw.userVal : lw.roleVal;
        // a role attribute is written as its roles (expand.c ebitmap_expand_roles)
        const ids = e.names.include.flatMap((id) => {
          const v = table.get(id.name);
          if (v !== undefined) return [v];
          return kind === CEXPR_ROLE ? [...(lw.sym.roleAttrs.find((a) => a.name === id.name)?.roles ?? [])] : [];
        });
        names = bitsOf(ids.map((v) => vals[v]! - 1));
      }
      out.push({ type: ConsExprType.Names, attr, op: CONS_OPS[e.cmp], names, typeNames });
      return;
    }
  }
}

function lowerConstraints(lw: Lowering, ast: PolicyAst): { constraints: Constraint[][]; validatetrans: Constraint[][] } {
  const constraints: Constraint[][] = lw.sym.classes.map(() => []);
  const validatetrans: Constraint[][] = lw.sym.classes.map(() => []);
  for (const s of ast.statements) {
    if (s.kind !== "constrain" && s.kind !== "validatetrans") continue;
    const expr: ConsExpr[] = [];
    consExpr(lw, s.expr, expr);
    // a class named twice gets a node each time (define_constraint, define_validatetrans); the
    // permissions go only to the node at the head of each class's list, its last one
    const listed = includeNames(s.classes).map((name) => lw.sym.classIds.get(name)).filter((c): c is number => c !== undefined).map((c) => c + 1);
    for (const [i, tclass] of listed.entries()) {
      const cls = lw.sym.classes[tclass - 1]!;
      // define_constraint masks `*` and `~` to the class's permissions, unlike AV rules;
      // both lists are built by prepending
      if (s.kind === "constrain") {
        const newest = listed.lastIndexOf(tclass) === i;
        const mask = newest ? (lw.avPerms(s.perms, tclass) & cls.allMask) >>> 0 : 0;
        if (newest && omitted(s.perms, mask, cls.allMask)) continue;
        constraints[tclass - 1]!.unshift({ permissions: mask, expr: expr.map((e) => ({ ...e })) });
      } else validatetrans[tclass - 1]!.unshift({ permissions: 0, expr: expr.map((e) => ({ ...e })) });
    }
  }
  return { constraints, validatetrans };
}

// ---- the whole policy

function context(lw: Lowering, c: ResolvedContext): Context {
  return { user: lw.userVal[c.user]!, role: lw.roleVal[c.role]!, type: lw.typeBit[c.type]! + 1, range: c.range ? kernelRange(c.range) : EMPTY_RANGE };
}

// ---- MLS

function kernelLevel(l: Level): MlsLevel {
  return { sens: l.sens, cats: [...l.cats] };
}

function kernelRange(r: LevelRange): MlsRange {
  return { low: kernelLevel(r.low), high: kernelLevel(r.high) };
}

/** The sensitivity and category tables as expand copies them (sens_copy_callback,
 *  cats_copy_callback): every name, aliases included and counted in nprim, each alias with its
 *  primary's level or value; written in hash order. */
function mlsTables(mls: MlsSymbols): Pick<KernelPolicy, "levels" | "cats"> {
  const levels: SensDatum[] = [];
  for (const s of mls.sens) {
    const level = { sens: s.order, cats: [...(s.cats ?? [])] };
    levels.push({ name: s.name, isalias: 0, level });
    for (const a of s.aliases) levels.push({ name: a, isalias: 1, level });
  }
  const cats: CatDatum[] = [];
  for (const c of mls.cats) {
    cats.push({ name: c.name, value: c.id + 1, isalias: 0 });
    for (const a of c.aliases) cats.push({ name: a, value: c.id + 1, isalias: 1 });
  }
  return {
    levels: { nprim: levels.length, entries: hashOrder(levels, (l) => l.name, SYMTAB_SIZES[6]) },
    cats: { nprim: cats.length, entries: hashOrder(cats, (c) => c.name, SYMTAB_SIZES[7]) },
  };
}

/** expand_range_trans: one record per (source, target, class) of each rule, types expanded, the
 *  first rule's range kept (resolve refused conflicting ones); written in the order of the
 *  range_tr hashtab (policydb.c rangetr_hash over 256 slots that double as it fills, chains by
 *  (source, target, class)). */
function rangeTransitions(lw: Lowering, mls: MlsSymbols): RangeTrans[] {
  const out: RangeTrans[] = [];
  const seen = new Set<string>();
  for (const r of mls.rangeTransitions) {
    const targets = expandTypeSet(r.targets, lw.sym).map((t) => lw.typeBit[t]! + 1);
    for (const s of expandTypeSet(r.sources, lw.sym).map((t) => lw.typeBit[t]! + 1)) {
      for (const t of targets) {
        for (const c of r.classes) {
          const key = `${s} ${t} ${c + 1}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ stype: s, ttype: t, tclass: c + 1, range: kernelRange(r.range) });
        }
      }
    }
  }
  const mask = tableSize(256, out.length) - 1;
  const bucket = (x: RangeTrans) => (x.stype + (x.ttype << 3) + (x.tclass << 5)) & mask;
  return out.sort((a, b) => bucket(a) - bucket(b) || a.stype - b.stype || a.ttype - b.ttype || a.tclass - b.tclass);
}

/** class_write's four defaults (user, role, range, type); GLBLUB needs version 32 and is written
 *  as 0 before it. */
function classDefaults(d: ClassSym["defaults"], version: number): [number, number, number, number] {
  if (!d) return [0, 0, 0, 0];
  return [d.user, d.role, d.range === 7 && version < 32 ? 0 : d.range, d.type];
}

/** hierarchy_add_bounds: a type, role or user named PARENT.CHILD is bounded by PARENT when no
 *  typebounds says otherwise (the resolver checked PARENT exists). */
function dottedParent(name: string, ids: Map<string, number>, values: Int32Array, offset = 0): number {
  const parentText = parentName(name);
  const parent = parentText === undefined ? undefined : ids.get(parentText);
  return parent === undefined ? 0 : values[parent]! + offset;
}

/** copy_role_trans: rules in reverse statement order (the parser prepends them), each looping
 *  role, type and class by ascending kernel value, a (role, type, class) once. */
function roleTransitions(lw: Lowering): RoleTrans[] {
  const out: RoleTrans[] = [];
  const seen = new Set<string>();
  for (const rule of [...(lw.sym.roleTransitions ?? [])].reverse()) {
    const roles = rule.roles.map((r) => lw.roleVal[r]!).sort((a, b) => a - b);
    const types = Array.from(rule.types, (t) => lw.typeBit[t]! + 1).sort((a, b) => a - b);
    const newRole = lw.roleVal[rule.newRole]!;
    for (const role of roles) {
      for (const type of types) {
        for (const c of rule.classes) {
          const key = `${role} ${type} ${c}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ role, type, newRole, tclass: c + 1 });
        }
      }
    }
  }
  return out;
}

/** expand_filename_trans into policydb's filename_trans hashtab (key ttype, tclass, name; one
 *  datum per otype, its stypes a bitmap), written by filename_write_one_compat in hashtab_map
 *  order: filenametr_hash buckets (start 1024), chains by (ttype, tclass, name), a record per stype. */
function filenameTransitions(lw: Lowering): FilenameTrans[] {
  const keys = new Map<string, { ttype: number; tclass: number; name: string; datums: { otype: number; stypes: Set<number> }[] }>();
  for (const f of lw.sym.filenameTransitions) {
    const otype = lw.typeBit[f.defaultType]! + 1;
    for (const r of filenameTransRecords(f, lw.sym)) {
      const s = lw.typeBit[r.stype]! + 1;
      const t = lw.typeBit[r.ttype]! + 1;
      const k = `${t} ${r.tclass + 1} ${f.filename}`;
      let key = keys.get(k);
      if (!key) keys.set(k, (key = { ttype: t, tclass: r.tclass + 1, name: f.filename, datums: [] }));
      let datum = key.datums.find((d) => d.otype === otype);
      if (!datum) key.datums.push((datum = { otype, stypes: new Set() }));
      datum.stypes.add(s);
    }
  }
  const mask = tableSize(1024, keys.size) - 1;
  const bytes = (name: string) => new TextEncoder().encode(name);
  const bucket = (k: { ttype: number; tclass: number; name: string }) => {
    // filenametr_hash with partial_name_hash, in unsigned long arithmetic (the mask keeps the low bits)
    let hash = BigInt(k.ttype ^ k.tclass);
    for (const c of bytes(k.name)) hash = ((hash + BigInt(c << 4) + BigInt(c >> 4)) * 11n) & 0xffffffffffffffffn;
    return Number(hash & BigInt(mask));
  };
  const ordered = [...keys.values()].map((k) => ({ k, b: bucket(k) })).sort((x, y) => x.b - y.b || x.k.ttype - y.k.ttype || x.k.tclass - y.k.tclass || byCodePoint(x.k.name, y.k.name));
  const out: FilenameTrans[] = [];
  for (const { k } of ordered) {
    for (const d of k.datums) for (const stype of [...d.stypes].sort((a, b) => a - b)) out.push({ name: k.name, stype, ttype: k.ttype, tclass: k.tclass, otype: d.otype });
  }
  return out;
}

export function lowerPolicy(ast: PolicyAst, sym: Symbols, options: LowerOptions = {}): KernelPolicy {
  const lw = new Lowering(ast, sym);
  const version = options.version ?? 30;

  // commons and classes: declaration-order values, perms numbered after the common's
  const commonVal = new Map(lw.commons.map((c, i) => [c.name, i + 1]));
  const commons: Common[] = lw.commons.map((c, i) => ({
    name: c.name,
    value: i + 1,
    nprim: c.perms.length,
    perms: hashOrder(
      c.perms.map((name, j) => ({ name, value: j + 1 })),
      (p) => p.name,
      PERM_TABLE_SIZE,
    ),
  }));
  const { constraints, validatetrans } = lowerConstraints(lw, ast);
  const classes: ClassDatum[] = sym.classes.map((c) => {
    const inherited = c.common !== undefined ? (lw.commons[commonVal.get(c.common)! - 1]?.perms.length ?? 0) : 0;
    const own = c.perms.slice(inherited).map((name, j) => ({ name, value: inherited + j + 1 }));
    return {
      name: c.name,
      value: c.id + 1,
      common: c.common ?? "",
      nprim: c.perms.length,
      perms: hashOrder(own, (p) => p.name, PERM_TABLE_SIZE),
      constraints: constraints[c.id]!,
      validatetrans: validatetrans[c.id]!,
      defaults: classDefaults(c.defaults, version),
    };
  });

  // hierarchy_add_role_callback looks the parent up among roles and role attributes alike
  const roleParent = (name: string): number => {
    const parent = parentName(name);
    if (parent === undefined) return 0;
    const r = sym.roleIds.get(parent);
    if (r !== undefined) return lw.roleVal[r]!;
    const a = sym.roleAttrs.findIndex((x) => x.name === parent);
    return a < 0 ? 0 : lw.roleAttrVal[a]!;
  };
  const roles: RoleDatum[] = sym.roles.map((r) => ({
    name: r.name,
    value: lw.roleVal[r.id]!,
    bounds: roleParent(r.name),
    // object_r dominates nothing and is written with no types (role_write); role dominance
    // statements add roles (define_role_dom)
    dominates: r.id === OBJECT_R ? [] : r.dominates ? bitsOf(Array.from(r.dominates, (d) => (d < 0 ? lw.roleAttrVal[-d - 1]! : lw.roleVal[d]!) - 1)) : [lw.roleVal[r.id]! - 1],
    types: r.id === OBJECT_R ? [] : bitsOf(Array.from(r.types, (t) => lw.typeBit[t]!)),
  }));

  const typeRecords: TypeDatum[] = [];
  for (const t of sym.types) {
    const value = lw.typeBit[t.id]! + 1;
    const bounds = t.bounds !== undefined ? lw.typeBit[t.bounds]! + 1 : dottedParent(t.name, sym.typeIds, lw.typeBit, 1);
    typeRecords.push({ name: t.name, value, properties: TYPE_PRIMARY, bounds });
    // an alias's datum in the expanded policy starts unbounded; hierarchy_add_type_callback then
    // names it by its value, i.e. its primary's name, and bounds it by that name's dotted parent
    // (typebounds never reaches it)
    const aliasBounds = t.aliases.length > 0 ? dottedParent(t.name, sym.typeIds, lw.typeBit, 1) : 0;
    for (const a of t.aliases) typeRecords.push({ name: a, value, properties: 0, bounds: aliasBounds });
  }
  // a dotted attribute is bounded by its parent too, which may be a type, an alias or an attribute
  const typeOrAttr = (name: string): number => {
    const parent = parentName(name);
    if (parent === undefined) return 0;
    const t = sym.typeIds.get(parent);
    if (t !== undefined) return lw.typeBit[t]! + 1;
    const a = sym.attrIds.get(parent);
    return a === undefined ? 0 : lw.attrBit[a]! + 1;
  };
  for (const a of sym.attrs) typeRecords.push({ name: a.name, value: lw.attrBit[a.id]! + 1, properties: TYPE_PRIMARY | TYPE_ATTRIBUTE, bounds: typeOrAttr(a.name) });

  const users: UserDatum[] = sym.users.map((u) => ({
    name: u.name,
    value: lw.userVal[u.id]!,
    bounds: dottedParent(u.name, sym.userIds, lw.userVal),
    roles: bitsOf([...u.roles].filter((r) => r !== OBJECT_R).map((r) => lw.roleVal[r]! - 1)),
    range: u.range ? kernelRange(u.range) : EMPTY_RANGE,
    level: u.level ? kernelLevel(u.level) : EMPTY_LEVEL,
  }));

  // te_avtab: every unconditional rule in source order, then the conditional lists
  const base = new AvBuild();
  const conds = lowerConds(lw, ast);
  for (const { s, inIf } of ruleStatements(lw, ast)) {
    const r = inIf ? undefined : lw.rule(s);
    if (r) expandInto(base, r);
  }
  const condNodes = conds.map((c) => ({
    curState: c.curState,
    expr: c.expr,
    trueList: condList(lw, c.rules[0], c.curState === 1),
    falseList: condList(lw, c.rules[1], c.curState === 0),
  }));

  // role allow: the parser prepends statements; expand appends pairs in ascending order, once each
  const roleAllow: { role: number; newRole: number }[] = [];
  const seenAllow = new Set<string>();
  for (const rule of [...(sym.roleAllows ?? [])].reverse()) {
    const vals = (roles: number[]) => bitsOf(roles.map((r) => lw.roleVal[r]!));
    for (const role of vals(rule.roles)) {
      for (const newRole of vals(rule.newRoles)) {
        const key = `${role} ${newRole}`;
        if (seenAllow.has(key)) continue;
        seenAllow.add(key);
        roleAllow.push({ role, newRole });
      }
    }
  }

  // initial SIDs: prepended by the parser, numbered by declaration, unset ones left out
  const isid: KernelPolicy["ocontexts"]["isid"] = [];
  let place = 0;
  for (const [name, ctx] of sym.initialSids) {
    place++;
    // a binary read back keeps its numbers (to-policy.ts)
    if (ctx) isid.unshift({ sid: sym.initialSidNumbers?.get(name) ?? place, context: context(lw, ctx) });
  }
  const o = sym.ocontexts;

  // type_attr_map: a type holds itself and its attributes, an attribute only itself; an attribute
  // expanded by `expandattribute A true` is in no entry, its own left empty (expand.c type_attr_map)
  const typeAttrMap: Bits[] = Array.from({ length: lw.ntypes }, (_, i) => [i]);
  for (const a of sym.attrs) {
    if (a.expand === true) {
      typeAttrMap[lw.attrBit[a.id]!] = [];
      continue;
    }
    for (const m of a.members) typeAttrMap[lw.typeBit[m]!]!.push(lw.attrBit[a.id]!);
  }
  for (const bits of typeAttrMap) bits.sort((a, b) => a - b);

  return {
    version,
    target: XEN_TARGET,
    config: (options.handleUnknown ?? 0) | (sym.mls ? CONFIG_MLS : 0),
    policycaps: bitsOf(sym.policycaps),
    // permissive_map: bit = type value (not value - 1)
    permissive: bitsOf(sym.types.filter((t) => t.permissive).map((t) => lw.typeBit[t.id]! + 1)),
    commons: { nprim: commons.length, entries: hashOrder(commons, (c) => c.name, SYMTAB_SIZES[0]) },
    classes: { nprim: classes.length, entries: hashOrder(classes, (c) => c.name, SYMTAB_SIZES[1]) },
    roles: { nprim: lw.nroles, entries: hashOrder(roles, (r) => r.name, SYMTAB_SIZES[2], lw.nroles) }, // the table held the role attributes too
    types: { nprim: lw.ntypes, entries: hashOrder(typeRecords, (t) => t.name, SYMTAB_SIZES[3]) },
    users: { nprim: users.length, entries: hashOrder(users, (u) => u.name, SYMTAB_SIZES[4]) },
    bools: {
      nprim: sym.bools.length,
      entries: hashOrder(
        sym.bools.map((b) => ({ name: b.name, value: lw.boolVal[b.id]!, state: b.value ? 1 : 0 })),
        (b) => b.name,
        SYMTAB_SIZES[5],
      ),
    },
    ...(sym.mls ? mlsTables(sym.mls) : { levels: { nprim: 0, entries: [] }, cats: { nprim: 0, entries: [] } }),
    avtab: base.written(AVTAB_COMPILE_MASK),
    conds: condNodes,
    // before version 26 role_trans_write keeps only the process class's rules, and checkpolicy
    // compiling source never learns that class (only policydb_read sets it): none is written
    roleTrans: version >= 26 ? roleTransitions(lw) : [],
    roleAllow,
    filenameTrans: filenameTransitions(lw),
    ocontexts: {
      isid,
      pirq: o.pirqcon.map((x) => ({ pirq: x.irq, context: context(lw, x.context) })),
      ioport: o.ioportcon.map((x) => ({ low: x.low, high: x.high, context: context(lw, x.context) })),
      iomem: o.iomemcon.map((x) => ({ low: x.low, high: x.high, context: context(lw, x.context) })),
      pcidevice: o.pcidevicecon.map((x) => ({ device: x.device, context: context(lw, x.context) })),
      devicetree: o.devicetreecon.map((x) => ({ path: x.path, context: context(lw, x.context) })),
    },
    rangeTrans: sym.mls ? rangeTransitions(lw, sym.mls) : [],
    typeAttrMap,
  };
}

/** Does the unconditional avtab get at least one entry (Xen's avtab_read refuses an empty one)?
 *  A cheap look at the rules: the first that expands to a (source, target, class) answers. */
export function hasUnconditionalEntry(ast: PolicyAst, sym: Symbols): boolean {
  const lw = new Lowering(ast, sym);
  for (const { s, inIf } of ruleStatements(lw, ast)) {
    const r = inIf ? undefined : lw.rule(s);
    if (r !== undefined && r.classes.length > 0 && r.sources.length > 0 && (r.self || r.targets.length > 0)) return true;
  }
  return false;
}

/** The statements in source order, a rule in an `if` with the `if` and its branch: an `if` over
 *  tunables gives the branch checkpolicy keeps (discard_tunables), unconditionally. */
function* ruleStatements(lw: Lowering, ast: PolicyAst): Generator<{ s: Statement; inIf?: Statement & { kind: "if" }; branch: boolean }> {
  for (const s of ast.statements) {
    const kept = s.kind === "if" ? lw.tunableBranch(s) : [s];
    if (kept) for (const t of kept) yield { s: t, branch: true };
    else if (s.kind === "if") {
      for (const t of s.then) yield { s: t, inIf: s, branch: true };
      for (const t of s.else) yield { s: t, inIf: s, branch: false };
    }
  }
}

/** A rule statement's avtab keys as lowerPolicy makes them, for what reads a source's rules as its
 *  binary holds them (the studio's hover and outline). */
export interface StatementKeys {
  statement: Statement;
  /** The boolean conditional it is in: its expression (condProgram over sym.bools) and branch;
   *  none for the unconditional table. */
  cond?: { program: number[]; branch: boolean };
  /** The conditional the binary holds it under: the node its `if` lands in (CondPlacement, as
   *  lowerConds places it), which is another `if`'s expression where checkpolicy merged the two. */
  held?: { program: number[]; branch: boolean };
  /** AVTAB_ALLOWED ... AVTAB_CHANGE (auditdeny and dontaudit are both AVTAB_AUDITDENY). */
  specified: number;
  /** In the order expand visits them: type values, class value, and the rule's data for the class
   *  (its permission bits, their complement for dontaudit as the parser stores it, a type rule's
   *  new type's value). */
  keys: { source: number; target: number; tclass: number; data: number }[];
}

/** Every rule statement's keys, and the names of the type values they use (value - 1 -> name). */
export function ruleKeys(ast: PolicyAst, sym: Symbols): { statements: StatementKeys[]; typeNames: string[] } {
  const lw = new Lowering(ast, sym);
  const typeNames: string[] = new Array<string>(lw.ntypes);
  for (const t of sym.types) typeNames[lw.typeBit[t.id]!] = t.name;
  for (const a of sym.attrs) typeNames[lw.attrBit[a.id]!] = a.name;
  const held = heldConditions(ast, sym);
  const statements: StatementKeys[] = [];
  for (const { s, inIf, branch } of ruleStatements(lw, ast)) {
    const r = lw.rule(s);
    const compiled = inIf ? condProgram(inIf.expr, (e) => sym.boolIds.get(e.name.name)) : undefined;
    if (!r || (inIf && !compiled)) continue;
    const keys: StatementKeys["keys"] = [];
    eachKey(r, (source, target, c) => keys.push({ source: source + 1, target: target + 1, tclass: c.tclass, data: c.data }));
    const place = inIf && held.get(inIf);
    const cond = compiled ? { cond: { program: compiled.program, branch }, ...(place ? { held: place(branch) } : {}) } : {};
    statements.push({ statement: s, ...cond, specified: r.specified, keys });
  }
  return { statements, typeNames };
}

/** Each boolean `if`'s place in the binary's cond list, as lowerConds places it: the output node's
 *  expression, and for a rule of the `if`'s branch, that node's list it is in. */
function heldConditions(ast: PolicyAst, sym: Symbols): Map<Statement, (branch: boolean) => { program: number[]; branch: boolean }> {
  const placement = new CondPlacement<number[]>(sym.bools.length, (program) => program);
  const out = new Map<Statement, (branch: boolean) => { program: number[]; branch: boolean }>();
  for (const { s, decl, swapDecl } of placedConditionals(ast, sym, placement)) {
    const { out: node, swapOut } = placement.decls[decl]!;
    // an `if` with only an else block is inverted: its else rules are the block's then
    const inverted = s.then.length === 0;
    out.set(s, (branch) => ({ program: node, branch: (inverted || branch) !== swapDecl !== swapOut }));
  }
  return out;
}
