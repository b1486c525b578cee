// KernelPolicy -> the compiled policy every command decides on (the same Symbols and Expanded
// shapes compile.ts consumes), so a binary answers exactly as its source does. The avtab goes in
// as it is, attribute keys and all (avtab.ts keys types and attributes as libsepol does); what
// the binary does not hold is rebuilt the way Xen's security server sees it: attribute
// membership from type_attr_map, initial SID names from
// xen/xsm/flask/policy/initial_sids. A "rule" of a binary is one avtab entry: explanations cite it
// as a line of the binary's rule listing (`rules` below), since there is no source to cite.
import { AvKind, AvList, AvTab } from "../policy/avtab.js";
import { avCounts } from "../policy/avstats.js";
import type { AvRuleKind, ConstraintOperand, ConstraintOp, MlsOperand, TypeRuleKind } from "../policy/ast.js";
import { programText } from "../policy/cond.js";
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { PolicyTables } from "../policy/image.js";
import { policyImage } from "../policy/view.js";
import type { ExpandedAvRule, Expanded, TypeRuleEntry } from "../policy/expand.js";
import { CondOp, emptySymbols, type ClassSym, type CondNode, type CondPlace, type LevelRange, type MlsSymbols, type Ocontexts, type ResolvedConstraint, type ResolvedConstraintExpr, type ResolvedContext, type Symbols } from "../policy/symbols.js";
import { rangeText } from "../policy/resolve/mls.js";
import type { CompiledPolicy } from "../policy/types.js";
import { BinaryFormatError } from "./bytes.js";
import type { RecordOffsets } from "./read.js";
import {
  AVTAB_ALLOWED,
  AVTAB_AUDITALLOW,
  AVTAB_AUDITDENY,
  AVTAB_CHANGE,
  AVTAB_MEMBER,
  AVTAB_TRANSITION,
  CEXPR_ROLE,
  CEXPR_TARGET,
  CEXPR_TYPE,
  CEXPR_USER,
  CEXPR_XTARGET,
  CONFIG_MLS,
  COND_OP_OF_EXPR_TYPE,
  CondExprType,
  ConsExprType,
  TYPE_ATTRIBUTE,
  TYPE_PRIMARY,
  type AvEntry,
  type Constraint,
  type Context,
  type KernelPolicy,
  type MlsRange,
} from "./model.js";

/** xen/xsm/flask/policy/initial_sids, in order: sid n is the n-th name. */
export const XEN_INITIAL_SIDS = ["xenboot", "xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device", "domU", "domDM"];

/** ` alias NAME` or ` alias { NAMES }`, as policy.conf writes aliases (nothing for none). */
function aliasText(xs: string[]): string {
  return xs.length === 0 ? "" : xs.length === 1 ? ` alias ${xs[0]}` : ` alias { ${xs.join(" ")} }`;
}

export type OcontextKind = keyof Ocontexts;
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** An ocontext entry as policy.conf names it, without its context (`pcidevicecon 0x300`,
 *  `ioportcon 0x60-0x64`): a line of a binary's listing and the studio's outline name it so. */
export function ocontextLabel<K extends OcontextKind>(kind: K, x: Omit<Ocontexts[K][number], "context">): string {
  const e = x as { irq?: number; low?: number | bigint; high?: number | bigint; device?: number; path?: string };
  if (kind === "pirqcon") return `pirqcon ${e.irq}`;
  if (kind === "pcidevicecon") return `pcidevicecon ${hex(e.device!)}`;
  if (kind === "devicetreecon") return `devicetreecon "${e.path}"`;
  return `${kind} ${hex(e.low!)}${e.high !== e.low ? `-${hex(e.high!)}` : ""}`;
}

/** What the listing declares that the symbol tables keep no span for, at its line: the commons,
 *  roles, users and initial SIDs by name, each ocontext entry by its place in its Ocontexts list. */
export interface ListingDeclarations {
  /** Each common with its permissions (in bit order): the symbol tables keep only a class's. */
  commons: Map<string, { perms: string[]; span: Span }>;
  roles: Map<string, Span>;
  users: Map<string, Span>;
  initialSids: Map<string, Span>;
  ocontexts: Record<OcontextKind, Span[]>;
}

/** The declarations kernelToPolicy lists after the rules (after them, so a rule's line is the
 *  same whether or not these are listed): commons, roles with their types, users with their
 *  roles, initial SIDs with their contexts, ocontexts. object_r, which every policy has and no
 *  source declares, is left out. */
function declarations(b: Builder): ListingDeclarations {
  const sym = b.sym;
  const commons = new Map<string, { perms: string[]; span: Span }>();
  for (const c of b.k.commons.entries) {
    const perms = [...c.perms].sort((x, y) => x.value - y.value).map((p) => p.name);
    commons.set(c.name, { perms, span: b.span(`common ${c.name} { ${perms.join(" ")} }`) });
  }
  const typeNames = (ids: Iterable<number>) => [...ids].map((t) => sym.types[t]!.name);
  const roles = new Map<string, Span>();
  for (const r of sym.roles) {
    if (r.id === 0 || !sym.roleIds.has(r.name)) continue;
    roles.set(r.name, b.span(`role ${r.name}${r.types.size ? ` types { ${typeNames([...r.types].sort((x, y) => x - y)).join(" ")} }` : ""};`));
  }
  const users = new Map<string, Span>();
  for (const u of sym.users) {
    if (!sym.userIds.has(u.name)) continue;
    const mls = sym.mls && u.level && u.range ? ` level ${rangeText(sym.mls, { low: u.level, high: u.level })} range ${rangeText(sym.mls, u.range)}` : "";
    users.set(u.name, b.span(`user ${u.name} roles { ${[...u.roles].sort((x, y) => x - y).map((r) => sym.roles[r]!.name).join(" ")} }${mls};`));
  }
  const initialSids = new Map<string, Span>();
  for (const [name, c] of sym.initialSids) initialSids.set(name, b.span(`sid ${name}${c ? ` ${c.text}` : ""}`));
  const o = sym.ocontexts;
  const place = <K extends OcontextKind>(kind: K) => (o[kind] as Ocontexts[K][number][]).map((x) => b.span(`${ocontextLabel(kind, x)} ${x.context.text}`));
  return { commons, roles, users, initialSids, ocontexts: { pirqcon: place("pirqcon"), ioportcon: place("ioportcon"), iomemcon: place("iomemcon"), pcidevicecon: place("pcidevicecon"), devicetreecon: place("devicetreecon") } };
}

const CMP: Record<number, ConstraintOp> = { 1: "==", 2: "!=", 3: "dom", 4: "domby", 5: "incomp" };

class Builder {
  readonly sym: Symbols;
  /** kernel type value -> our type id, or -1 for an attribute. */
  readonly typeOf: Int32Array;
  /** kernel type value -> its member type ids (a type: itself). */
  readonly members: Int32Array[];
  /** kernel type value -> avtab key id (a type's id, or ntypes + an attribute's id). */
  readonly keyId: Int32Array;
  readonly lines: string[] = [];
  private offset = 0;
  /** kernel type value -> name (types and attributes). */
  private readonly names: string[] = [];

  constructor(
    readonly k: KernelPolicy,
    readonly file: string,
    private readonly offsets?: RecordOffsets,
  ) {
    this.sym = emptySymbols();
    const nt = k.types.nprim;
    this.typeOf = new Int32Array(nt + 1).fill(-1);
    const primaries = k.types.entries.filter((t) => (t.properties & TYPE_PRIMARY) !== 0).sort((a, b) => a.value - b.value);
    const attrOf = new Int32Array(nt + 1).fill(-1);
    // (each gets its declaration line below, once its aliases and attributes are known)
    const unplaced = this.placeholder();
    for (const t of primaries) {
      this.names[t.value] = t.name;
      if ((t.properties & TYPE_ATTRIBUTE) !== 0) {
        attrOf[t.value] = this.sym.attrs.length;
        this.sym.attrIds.set(t.name, this.sym.attrs.length);
        this.sym.attrs.push({ id: this.sym.attrs.length, name: t.name, span: unplaced, members: new Int32Array(0) });
      } else {
        this.typeOf[t.value] = this.sym.types.length;
        this.sym.typeIds.set(t.name, this.sym.types.length);
        this.sym.types.push({ id: this.sym.types.length, name: t.name, span: unplaced, aliases: [] });
      }
    }
    for (const t of k.types.entries) {
      if ((t.properties & TYPE_PRIMARY) !== 0) continue;
      const id = this.typeOf[t.value] ?? -1;
      if (id < 0) continue; // an alias of an attribute: nothing can name it in a context
      this.sym.typeIds.set(t.name, id);
      this.sym.aliases.set(t.name, id);
      this.sym.types[id]!.aliases.push(t.name);
    }
    // attribute membership lives only in type_attr_map
    const attrMembers: number[][] = this.sym.attrs.map(() => []);
    k.typeAttrMap.forEach((bits, i) => {
      const id = this.typeOf[i + 1]!;
      if (id < 0) return;
      for (const b of bits) {
        const a = attrOf[b + 1];
        if (a !== undefined && a >= 0) attrMembers[a]!.push(id);
      }
    });
    this.sym.attrs.forEach((a, i) => (a.members = Int32Array.from(attrMembers[i]!).sort()));
    // one line per type or attribute, in value order, declaring it as policy.conf would
    for (const t of primaries) {
      const a = attrOf[t.value]!;
      if (a >= 0) {
        this.sym.attrs[a]!.span = this.span(`attribute ${t.name};`);
        continue;
      }
      const type = this.sym.types[this.typeOf[t.value]!]!;
      const attrs = (k.typeAttrMap[t.value - 1] ?? []).map((bit) => attrOf[bit + 1]!).filter((x) => x >= 0).map((x) => this.sym.attrs[x]!.name);
      type.span = this.span(`type ${t.name}${aliasText(type.aliases)}${attrs.map((x) => `, ${x}`).join("")};`);
    }
    this.members = [];
    this.keyId = new Int32Array(nt + 1).fill(-1);
    for (let v = 1; v <= nt; v++) this.keyId[v] = this.typeOf[v]! >= 0 ? this.typeOf[v]! : attrOf[v]! >= 0 ? this.sym.types.length + attrOf[v]! : -1;
    for (let v = 0; v <= nt; v++) {
      const id = this.typeOf[v]!;
      this.members.push(id >= 0 ? Int32Array.of(id) : attrOf[v]! >= 0 ? this.sym.attrs[attrOf[v]!]!.members : new Int32Array(0));
    }
  }

  /** A span no line holds yet (replaced before the listing is read). */
  placeholder(): Span {
    return { file: this.file, line: 0, col: 1, endLine: 0, endCol: 1, offset: 0, length: 0 };
  }

  /** A span on the next line of the binary's listing. */
  span(text = ""): Span {
    const line = this.lines.length + 1;
    const span: Span = { file: this.file, line, col: 1, endLine: line, endCol: text.length + 1, offset: this.offset, length: text.length };
    this.lines.push(text);
    this.offset += text.length + 1;
    return span;
  }

  typeName(v: number): string {
    return this.names[v] ?? `type${v}`;
  }

  /** A record this model cannot hold, refused at the record's offset in the file it was read
   *  from (0 for a policy not read from a file: only a hostile file names what is not there). */
  refuse(record: object, message: string): never {
    throw new BinaryFormatError(message, this.offsets?.get(record) ?? 0);
  }
}

function sorted<T>(xs: T[], key: (x: T) => number): T[] {
  return [...xs].sort((a, b) => key(a) - key(b));
}

function classes(b: Builder): void {
  const k = b.k;
  const commons = new Map(k.commons.entries.map((c) => [c.name, c]));
  const byValue = sorted(k.classes.entries, (c) => c.value);
  for (let v = 1; v <= k.classes.nprim; v++) {
    const c = byValue.find((x) => x.value === v);
    const id = v - 1;
    const perms: string[] = [];
    const common = c?.common ? commons.get(c.common) : undefined;
    for (const p of [...(common?.perms ?? []), ...(c?.perms ?? [])]) perms[p.value - 1] = p.name;
    for (let i = 0; i < perms.length; i++) perms[i] ??= "";
    const permMask = new Map<string, number>();
    perms.forEach((p, bit) => p && permMask.set(p, (1 << bit) >>> 0));
    const name = c?.name ?? `class${v}`;
    const own = (c?.perms ?? []).slice().sort((x, y) => x.value - y.value).map((p) => p.name);
    const cls: ClassSym = {
      id,
      name,
      span: b.span(`class ${name}${common ? ` inherits ${common.name}` : ""}${own.length ? ` { ${own.join(" ")} }` : ""}`),
      perms,
      permMask,
      allMask: perms.length >= 32 ? 0xffffffff : ((1 << perms.length) - 1) >>> 0,
      common: c?.common || undefined,
    };
    // class_read's order is user, role, range, type
    const d = c?.defaults;
    if (d && (d[0] || d[1] || d[2] || d[3])) cls.defaults = { user: d[0], role: d[1], range: d[2], type: d[3] };
    b.sym.classes.push(cls);
    b.sym.classIds.set(cls.name, id);
  }
}

function rolesUsersBools(b: Builder): void {
  const k = b.k;
  // role value v is our role id v - 1: object_r (value 1) is roles[0], as symbols.ts wants
  for (let v = 1; v <= k.roles.nprim; v++) b.sym.roles.push({ id: v - 1, name: `role${v}`, types: new Set() });
  for (const r of k.roles.entries) {
    const role = b.sym.roles[r.value - 1]!;
    role.name = r.name;
    // role dominance as written (define_role_dom); a plain role dominates only itself
    if (r.value !== 1 && (r.dominates.length !== 1 || r.dominates[0] !== r.value - 1)) role.dominates = new Set(r.dominates);
    for (const bit of r.types) {
      const t = b.typeOf[bit + 1];
      if (t !== undefined && t >= 0) role.types.add(t);
    }
  }
  // role attributes leave gaps; they cannot appear in a context
  for (const r of b.sym.roles) if (k.roles.entries.some((e) => e.value === r.id + 1)) b.sym.roleIds.set(r.name, r.id);
  for (let v = 1; v <= k.users.nprim; v++) b.sym.users.push({ id: v - 1, name: `user${v}`, roles: new Set() });
  for (const u of k.users.entries) {
    const user = b.sym.users[u.value - 1]!;
    user.name = u.name;
    for (const bit of u.roles) if (bit < k.roles.nprim) user.roles.add(bit);
    b.sym.userIds.set(u.name, user.id);
  }
  for (let v = 1; v <= k.bools.nprim; v++) b.sym.bools.push({ id: v - 1, name: `bool${v}`, value: false, span: b.placeholder() });
  for (const x of k.bools.entries) {
    const bool = b.sym.bools[x.value - 1]!;
    bool.name = x.name;
    bool.value = x.state === 1;
    b.sym.boolIds.set(x.name, bool.id);
  }
  for (const bool of b.sym.bools) bool.span = b.span(`bool ${bool.name} ${bool.value};`);
}

const AV_KINDS: Record<number, { kind: AvKind; rule: AvRuleKind }> = {
  [AVTAB_ALLOWED]: { kind: AvKind.Allow, rule: "allow" },
  [AVTAB_AUDITALLOW]: { kind: AvKind.AuditAllow, rule: "auditallow" },
  [AVTAB_AUDITDENY]: { kind: AvKind.DontAudit, rule: "dontaudit" },
};
const TYPE_KINDS: Record<number, TypeRuleKind> = { [AVTAB_TRANSITION]: "type_transition", [AVTAB_MEMBER]: "type_member", [AVTAB_CHANGE]: "type_change" };

/** One avtab entry as a rule: into the base table or a conditional list, plus its listing line. */
function entry(b: Builder, e: AvEntry, out: { rules: ExpandedAvRule[]; typeRules: TypeRuleEntry[] }, target: AvTab | AvList, cond?: CondPlace): void {
  const kind = e.specified & 0x7fff;
  const sources = b.members[e.source] ?? new Int32Array(0);
  const targets = b.members[e.target] ?? new Int32Array(0);
  const tclass = e.tclass - 1;
  const cls = b.sym.classes[tclass]!;
  const av = AV_KINDS[kind & 0x7];
  if (av) {
    // AUDITDENY holds what stays audited; our table keeps the dontaudit complement
    const mask = av.kind === AvKind.DontAudit ? ~e.data >>> 0 : e.data;
    const perms = cls.perms.filter((p, bit) => p && (mask >>> bit) & 1);
    const text = `${av.rule} ${b.typeName(e.source)} ${b.typeName(e.target)}:${cls.name} { ${perms.join(" ")} };`;
    const s = b.keyId[e.source]!;
    const t = b.keyId[e.target]!;
    const nt = b.sym.types.length;
    const rule: ExpandedAvRule = { kind: av.rule, span: b.span(text), cond, sources, targets, self: false, classes: [tclass], masks: [mask] };
    // an entry keyed on an attribute is what a context with that attribute as its type matches
    if (s >= nt || t >= nt) rule.attrKeys = { sources: s >= nt ? [s] : [], targets: t >= nt ? [t] : [] };
    out.rules.push(rule);
    if (s >= 0 && t >= 0) target.addPairs([s], [t], false, tclass, av.kind, mask);
    return;
  }
  const rule = TYPE_KINDS[kind & 0x70];
  if (!rule) return;
  const def = b.typeOf[e.data] ?? -1;
  const span = b.span(`${rule} ${b.typeName(e.source)} ${b.typeName(e.target)}:${cls.name} ${b.typeName(e.data)};`);
  for (const s of sources) for (const t of targets) if (def >= 0) out.typeRules.push({ kind: rule, stype: s, ttype: t, tclass, defaultType: def, cond, span });
}

function conds(b: Builder, out: { rules: ExpandedAvRule[]; typeRules: TypeRuleEntry[] }, condLists: AvList[], nids: number, nc: number): void {
  b.k.conds.forEach((c, i) => {
    const program: number[] = [];
    const bools = new Set<number>();
    for (const x of c.expr) {
      if (x.type === CondExprType.Bool) {
        program.push(x.bool - 1);
        bools.add(x.bool - 1);
      } else program.push(COND_OP_OF_EXPR_TYPE[x.type]!);
    }
    const prog = Int32Array.from(program);
    const text = programText(prog, b.sym);
    const node: CondNode = { id: i, program: prog, bools: [...bools].sort((x, y) => x - y), text, span: b.span(`if (${text})`) };
    b.sym.conds.push(node);
    const t = new AvList(nids, nc);
    const f = new AvList(nids, nc);
    for (const e of c.trueList) entry(b, e, out, t, { node: i, branch: true });
    for (const e of c.falseList) entry(b, e, out, f, { node: i, branch: false });
    condLists.push(t, f);
  });
}

const OPERAND_KIND = (attr: number) => (attr & CEXPR_USER ? "u" : attr & CEXPR_ROLE ? "r" : "t");
type PlainOperand = Exclude<ConstraintOperand, MlsOperand>;
/** constraint.h CEXPR_L1L2 ... CEXPR_L2H2: which two levels an MLS expression compares. */
export const MLS_ATTRS: Record<number, [MlsOperand, MlsOperand]> = { 32: ["l1", "l2"], 64: ["l1", "h2"], 128: ["h1", "l2"], 256: ["h1", "h2"], 512: ["l1", "h1"], 1024: ["l2", "h2"] };

/** read_cons_helper's postfix expression as the tree decide.ts evaluates. */
function constraintTree(b: Builder, c: Constraint, what: string): ResolvedConstraintExpr {
  // (an expression's terms are not records of their own: its node is placed)
  const stack: ResolvedConstraintExpr[] = [];
  for (const e of c.expr) {
    switch (e.type) {
      case ConsExprType.Not:
        stack.push({ op: "not", arg: stack.pop()! });
        break;
      case ConsExprType.And:
      case ConsExprType.Or: {
        const right = stack.pop()!;
        const left = stack.pop()!;
        stack.push({ op: e.type === ConsExprType.And ? "and" : "or", left, right });
        break;
      }
      case ConsExprType.Attr: {
        const levels = MLS_ATTRS[e.attr];
        if (levels) {
          stack.push({ op: "level", cmp: CMP[e.op] ?? "==", left: levels[0], right: levels[1] });
          break;
        }
        if ((e.attr & (CEXPR_USER | CEXPR_ROLE | CEXPR_TYPE)) === 0) b.refuse(c, `${what}: constraint expression attribute ${e.attr} is not one libsepol writes`);
        const kind = OPERAND_KIND(e.attr);
        const left = `${kind}${e.attr & CEXPR_TARGET ? 2 : 1}` as PlainOperand;
        const right = `${kind}${e.attr & CEXPR_XTARGET ? 3 : 2}` as PlainOperand;
        stack.push({ op: "cmp", cmp: CMP[e.op] ?? "==", left, right });
        break;
      }
      case ConsExprType.Names: {
        const kind = OPERAND_KIND(e.attr);
        const left = `${kind}${e.attr & CEXPR_XTARGET ? 3 : e.attr & CEXPR_TARGET ? 2 : 1}` as ConstraintOperand;
        const ids = new Set<number>();
        for (const bit of e.names ?? []) {
          if (kind === "t") {
            const t = b.typeOf[bit + 1];
            if (t !== undefined && t >= 0) ids.add(t);
          } else ids.add(bit);
        }
        stack.push({ op: "names", cmp: CMP[e.op] ?? "==", left, ids });
        break;
      }
    }
  }
  return stack.pop()!;
}

function context(b: Builder, c: Context): ResolvedContext {
  const type = b.typeOf[c.type] ?? -1;
  const user = b.sym.users[c.user - 1]!;
  const role = b.sym.roles[c.role - 1]!;
  const text = `${user.name}:${role.name}:${b.typeName(c.type)}`;
  const mls = b.sym.mls;
  if (!mls) return { user: user.id, role: role.id, type, text };
  const range = levelRange(c.range);
  return { user: user.id, role: role.id, type, range, text: `${text}:${rangeText(mls, range)}` };
}

function levelRange(r: MlsRange): LevelRange {
  return { low: { sens: r.low.sens, cats: r.low.cats }, high: { sens: r.high.sens, cats: r.high.cats } };
}

/** The levels and categories of an MLS binary (p_levels, p_cats), and each user's range and
 *  default level: what contexts are parsed and checked against. */
function mlsTables(b: Builder): void {
  const k = b.k;
  const mls: MlsSymbols = { sens: [], sensIds: new Map(), cats: [], catIds: new Map(), rangeTransitions: [] };
  const primaries = sorted(k.levels.entries.filter((l) => l.isalias === 0), (l) => l.level.sens);
  for (const l of primaries) {
    const id = mls.sens.length;
    mls.sens.push({ id, name: l.name, span: b.placeholder(), aliases: [], order: l.level.sens, cats: l.level.cats });
    mls.sensIds.set(l.name, id);
  }
  for (const l of k.levels.entries) {
    if (l.isalias === 0) continue;
    const sens = mls.sens.find((s) => s.order === l.level.sens);
    if (!sens) continue;
    sens.aliases.push(l.name);
    mls.sensIds.set(l.name, sens.id);
  }
  for (const c of sorted(k.cats.entries.filter((c) => c.isalias === 0), (c) => c.value)) {
    mls.cats[c.value - 1] = { id: c.value - 1, name: c.name, span: b.placeholder(), aliases: [] };
    mls.catIds.set(c.name, c.value - 1);
  }
  for (const c of k.cats.entries) {
    if (c.isalias === 0 || !mls.cats[c.value - 1]) continue;
    mls.cats[c.value - 1]!.aliases.push(c.name);
    mls.catIds.set(c.name, c.value - 1);
  }
  // their lines in the order the spans were taken before: sensitivities, then categories
  for (const x of mls.sens) x.span = b.span(`sensitivity ${x.name}${aliasText(x.aliases)};`);
  for (const x of mls.cats) if (x) x.span = b.span(`category ${x.name}${aliasText(x.aliases)};`);
  b.sym.mls = mls;
  for (const u of k.users.entries) {
    const user = b.sym.users[u.value - 1]!;
    user.range = levelRange(u.range);
    user.level = { sens: u.level.sens, cats: u.level.cats };
  }
  // range_trans records, one (source, target, class) each, as the rules they came from
  for (const r of k.rangeTrans) {
    const [stype, ttype] = [b.typeOf[r.stype] ?? -1, b.typeOf[r.ttype] ?? -1];
    const cls = k.classes.entries.find((c) => c.value === r.tclass);
    if (stype < 0 || ttype < 0 || !cls) b.refuse(r, `range_transition names an unknown type or class`);
    const one = (t: number) => ({ types: [t], attrs: [], negTypes: [], negAttrs: [], star: false, complement: false, self: false });
    const range = levelRange(r.range);
    const span = b.span(`range_transition ${b.typeName(r.stype)} ${b.typeName(r.ttype)}:${cls.name} ${rangeText(mls, range)};`);
    mls.rangeTransitions.push({ span, sources: one(stype), targets: one(ttype), classes: [r.tclass - 1], range });
  }
}

/** role_tr and role_allow, one rule per record. The records go in last first: a compiled
 *  policy's rules are in statement order and copy_role_trans writes the last first, so the first
 *  record stays the one security_compute_sid finds (transition.ts). */
function roleRules(b: Builder): void {
  const k = b.k;
  const role = (v: number) => b.sym.roles[v - 1]?.name ?? `role${v}`;
  const cls = (v: number) => k.classes.entries.find((c) => c.value === v)?.name ?? `class${v}`;
  const transitions = k.roleTrans.map((r) => {
    const type = b.typeOf[r.type] ?? -1;
    if (type < 0 || r.tclass < 1 || r.tclass > b.sym.classes.length || r.role < 1 || r.newRole < 1 || r.role > b.sym.roles.length || r.newRole > b.sym.roles.length) {
      b.refuse(r, `role transition ${r.role} ${r.type}:${r.tclass} ${r.newRole} names an unknown role, type or class`);
    }
    const span = b.span(`role_transition ${role(r.role)} ${b.typeName(r.type)}:${cls(r.tclass)} ${role(r.newRole)};`);
    return { span, roles: [r.role - 1], types: Int32Array.of(type), classes: [r.tclass - 1], newRole: r.newRole - 1 };
  });
  if (transitions.length > 0) b.sym.roleTransitions = transitions.reverse();
  const allows = k.roleAllow
    .filter((r) => r.role >= 1 && r.newRole >= 1 && r.role <= b.sym.roles.length && r.newRole <= b.sym.roles.length)
    .map((r) => ({ span: b.span(`allow ${role(r.role)} ${role(r.newRole)};`), roles: [r.role - 1], newRoles: [r.newRole - 1] }));
  if (allows.length > 0) b.sym.roleAllows = allows.reverse();
}

/** range_tr, one rule per record, in the file's order (mls_compute_sid takes the first match). */
function rangeRules(b: Builder, mls: MlsSymbols): void {
  const one = (t: number) => ({ types: [t], attrs: [], negTypes: [], negAttrs: [], star: false, complement: false, self: false });
  for (const r of b.k.rangeTrans) {
    const [s, t] = [b.typeOf[r.stype] ?? -1, b.typeOf[r.ttype] ?? -1];
    const cls = b.k.classes.entries.find((c) => c.value === r.tclass);
    if (s < 0 || t < 0 || !cls) b.refuse(r, `range transition ${r.stype} ${r.ttype}:${r.tclass} names an unknown type or class`);
    const range = levelRange(r.range);
    const span = b.span(`range_transition ${b.typeName(r.stype)} ${b.typeName(r.ttype)}:${cls.name} ${rangeText(mls, range)};`);
    mls.rangeTransitions.push({ span, sources: one(s), targets: one(t), classes: [r.tclass - 1], range });
  }
}

export interface BinaryPolicyResult {
  policy: CompiledPolicy;
  /** The binary's rules, one line per avtab entry: what explanations cite. */
  listing: string;
  /** The tables the policy was built from (the analysis commands read them, as from a source). */
  sym: Symbols;
  ex: Expanded;
  /** Where the listing declares what `sym` keeps no span for. */
  declared: ListingDeclarations;
}

/** A kernel policy (read from a binary) as a compiled policy; an MLS one (config bit 1) with its
 *  levels, categories and ranges, decided on as its source is. `offsets` (the reader's) place a
 *  record it cannot hold. */
export function kernelToPolicy(k: KernelPolicy, file: string, warnings: Diagnostic[] = [], offsets?: RecordOffsets): BinaryPolicyResult {
  // (typed: a call of b.refuse, which never returns, narrows what follows it)
  const b: Builder = new Builder(k, file, offsets);
  classes(b);
  rolesUsersBools(b);
  if ((k.config & CONFIG_MLS) !== 0) mlsTables(b);
  const nids = b.sym.types.length + b.sym.attrs.length;
  const nc = Math.max(1, b.sym.classes.length);
  const out = { rules: [] as ExpandedAvRule[], typeRules: [] as TypeRuleEntry[] };
  const base = new AvTab(nids, nc, k.avtab.length);
  for (const e of k.avtab) entry(b, e, out, base);
  const condLists: AvList[] = [];
  conds(b, out, condLists, nids, nc);
  for (const cls of sorted(k.classes.entries, (c) => c.value)) {
    for (const c of cls.constraints) {
      const span = b.span(`constrain ${cls.name} (constraint ${b.sym.constraints.length + 1})`);
      const constraint: ResolvedConstraint = { span, classId: cls.value - 1, mask: c.permissions, expr: constraintTree(b, c, `class ${cls.name}`) };
      b.sym.constraints.push(constraint);
    }
    // checkpolicy prepends each statement to the class's list: statement order is the file's reversed
    for (const c of [...cls.validatetrans].reverse()) {
      const span = b.span(`validatetrans ${cls.name} (validatetrans ${b.sym.validatetrans.length + 1})`);
      b.sym.validatetrans.push({ span, classId: cls.value - 1, expr: constraintTree(b, c, `class ${cls.name}`) });
    }
  }
  const o = k.ocontexts;
  // named from Xen's initial_sids by number, the number kept (view.ts initialSids, lower.ts)
  b.sym.initialSidNumbers = new Map();
  for (const x of sorted(o.isid, (i) => i.sid)) {
    const name = XEN_INITIAL_SIDS[x.sid - 1] ?? `sid${x.sid}`;
    b.sym.initialSids.set(name, context(b, x.context));
    b.sym.initialSidNumbers.set(name, x.sid);
  }
  b.sym.ocontexts.pirqcon = o.pirq.map((x) => ({ irq: x.pirq, context: context(b, x.context) }));
  b.sym.ocontexts.ioportcon = o.ioport.map((x) => ({ low: x.low, high: x.high, context: context(b, x.context) }));
  b.sym.ocontexts.iomemcon = o.iomem.map((x) => ({ low: x.low, high: x.high, context: context(b, x.context) }));
  b.sym.ocontexts.pcidevicecon = o.pcidevice.map((x) => ({ device: x.device, context: context(b, x.context) }));
  b.sym.ocontexts.devicetreecon = o.devicetree.map((x) => ({ path: x.path, context: context(b, x.context) }));

  roleRules(b);
  // a type's parent as Xen's type_attribute_bounds_av reads it (typebounds and dotted names alike)
  for (const t of k.types.entries) {
    const id = b.typeOf[t.value] ?? -1;
    const parent = t.bounds > 0 ? (b.typeOf[t.bounds] ?? -1) : -1;
    if (id >= 0 && parent >= 0 && (t.properties & TYPE_PRIMARY) !== 0) b.sym.types[id]!.bounds = parent;
  }
  // permissive_map's bit is the type's value (lower.ts writes it so): Xen's security server marks
  // such a source's decisions permissive, from a binary as from its source
  for (const v of k.permissive) {
    const id = b.typeOf[v] ?? -1;
    if (id >= 0) b.sym.types[id]!.permissive = true;
  }
  b.sym.policycaps = [...k.policycaps];
  if (b.sym.mls) rangeRules(b, b.sym.mls);

  // filename transitions (Xen refuses them; libsepol and setools read them): one rule per record
  for (const f of k.filenameTrans) {
    const [stype, ttype, otype] = [b.typeOf[f.stype] ?? -1, b.typeOf[f.ttype] ?? -1, b.typeOf[f.otype] ?? -1];
    const cls = k.classes.entries.find((c) => c.value === f.tclass);
    if (stype < 0 || ttype < 0 || otype < 0 || !cls) b.refuse(f, `filename transition "${f.name}" names an unknown type or class`);
    const one = (t: number) => ({ types: [t], attrs: [], negTypes: [], negAttrs: [], star: false, complement: false, self: false });
    const span = b.span(`type_transition ${b.typeName(f.stype)} ${b.typeName(f.ttype)}:${cls.name} ${b.typeName(f.otype)} "${f.name}";`);
    b.sym.filenameTransitions.push({ span, sources: one(stype), targets: one(ttype), classes: [f.tclass - 1], defaultType: otype, filename: f.name });
  }

  const declared = declarations(b);
  const ex: Expanded = { rules: out.rules, neverallows: [], base, condLists, typeRules: out.typeRules, counts: avCounts(base, condLists) };
  const listing = b.lines.join("\n") + "\n";
  return { policy: policyImage(new PolicyTables(b.sym, ex, listing), warnings).defaults, listing, sym: b.sym, ex, declared };
}
