// Stage `resolve`: AST -> symbol tables (symbols.ts), every name turned into an id.
// Mirrors what checkpolicy's two parser passes do (policy_define.c): declarations first
// (classes, commons, access vectors, types/attributes/aliases, booleans, roles, users), then the
// rules that reference them. Undeclared and duplicate identifiers are located errors; so are MLS
// statements (unsupported). parse.ts already enforces policy_parse.y's section order.
import type {
  AccessVectorDecl,
  AvRule,
  Conditional,
  ConstraintExpr,
  ConstraintOperand,
  Context,
  Ident,
  NameSet,
  PolicyAst,
  TypeRule,
} from "./ast.js";
import { condNodeKey, condProgram, programText } from "./cond.js";
import { resolveContexts } from "./contexts.js";
import { error, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { expandTypeSet } from "./typeset.js";
import {
  CondOp,
  OBJECT_R,
  type ClassSym,
  type CondNode,
  type CondPlace,
  type OperandKind,
  type ResolvedConstraintExpr,
  type ResolvedRules,
  type Symbols,
  type TypeSet,
} from "./symbols.js";

export function mlsDiagnostics(ast: PolicyAst): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const unsupported = (what: string, span: Span) =>
    diags.push(error("mls-unsupported", `MLS ${what} is not supported (compile without MLS, as Xen's default flask policy is)`, span));
  const ctx = (c: Context) => c.mls !== undefined && unsupported("context level", c.span);
  for (const s of ast.statements) {
    switch (s.kind) {
      case "mls":
        unsupported(`statement '${s.keyword}'`, s.span);
        break;
      case "user":
        if (s.mls !== undefined) unsupported("user level/range", s.span);
        break;
      case "sid_context":
      case "pirqcon":
      case "iomemcon":
      case "ioportcon":
      case "pcidevicecon":
      case "devicetreecon":
        ctx(s.context);
        break;
    }
  }
  return diags;
}

const MAX_PERMS = 32; // an access vector is a u32 (libsepol: "too many permissions to fit in an access vector")

class Resolver {
  readonly diags: Diagnostic[] = [];
  readonly sym: Symbols = {
    classes: [],
    classIds: new Map(),
    types: [],
    attrs: [],
    typeIds: new Map(),
    attrIds: new Map(),
    aliases: new Map(),
    bools: [],
    boolIds: new Map(),
    roles: [{ id: OBJECT_R, name: "object_r", types: new Set() }],
    roleIds: new Map([["object_r", OBJECT_R]]),
    users: [],
    userIds: new Map(),
    initialSids: new Map(),
    conds: [],
    constraints: [],
    ocontexts: { pirqcon: [], iomemcon: [], ioportcon: [], pcidevicecon: [], devicetreecon: [] },
  };
  readonly rules: ResolvedRules = { avRules: [], typeRules: [] };
  /** One shared (never written) set per type and per attribute for the one-name sets. */
  private typeSets: TypeSet[] = [];
  private attrSets: TypeSet[] = [];
  private classLists: number[][] = [];
  private commons = new Map<string, { perms: string[]; span: Span }>();
  private avDefined = new Set<string>();
  private condKeys = new Map<string, number>();
  /** Attribute members collected as sets, frozen into sorted arrays once all declarations are in. */
  private attrMembers: Set<number>[] = [];
  /** Roles declared by a plain `role R;` (libsepol 3.x needs one before `role R types ...`). */
  private declaredRoles = new Set<string>(["object_r"]);

  constructor(private readonly ast: PolicyAst) {}

  private err(code: string, message: string, span?: Span, notes?: Diagnostic["notes"]): void {
    this.diags.push(error(code, message, span, notes));
  }

  run(): void {
    const st = this.ast.statements;
    // Pass 1: declarations, as checkpolicy's first pass.
    for (const s of st) {
      switch (s.kind) {
        case "class":
          this.declareClass(s.name);
          break;
        case "sid_decl":
          if (this.sym.initialSids.has(s.name.name)) this.err("duplicate", `duplicate declaration of initial SID ${s.name.name}`, s.name.span);
          else this.sym.initialSids.set(s.name.name, undefined);
          break;
        case "common":
          this.declareCommon(s.name, s.perms);
          break;
        case "av":
          this.defineAccessVector(s);
          break;
        case "attribute":
          this.declareAttribute(s.name);
          break;
        case "type":
          this.declareType(s.name, s.aliases);
          break;
        case "bool":
          if (this.sym.boolIds.has(s.name.name)) this.err("duplicate", `duplicate declaration of boolean ${s.name.name}`, s.name.span);
          else {
            this.sym.boolIds.set(s.name.name, this.sym.bools.length);
            this.sym.bools.push({ id: this.sym.bools.length, name: s.name.name, value: s.value, span: s.name.span });
          }
          break;
        case "role":
          if (!s.types) this.declaredRoles.add(s.name.name);
          if (!this.sym.roleIds.has(s.name.name)) {
            this.sym.roleIds.set(s.name.name, this.sym.roles.length);
            this.sym.roles.push({ id: this.sym.roles.length, name: s.name.name, types: new Set() });
          }
          break;
      }
    }
    // typealias statements may name types declared anywhere in the TE section.
    for (const s of st) if (s.kind === "typealias") this.addAliases(s.type, s.aliases);
    // Pass 2: attribute membership, then every reference.
    for (const s of st) {
      if (s.kind === "type") for (const a of s.attributes) this.addToAttribute(s.name, a);
      else if (s.kind === "typeattribute") for (const a of s.attributes) this.addToAttribute(s.type, a);
    }
    this.sym.attrs.forEach((a, i) => (a.members = Int32Array.from(this.attrMembers[i]!).sort()));
    for (const s of st) {
      switch (s.kind) {
        case "role":
          this.roleTypes(s.name, s.types);
          break;
        case "role_allow":
          this.roleNames(s.sources);
          this.roleNames(s.targets);
          break;
        case "user":
          this.defineUser(s.name, s.roles);
          break;
        case "avrule":
          this.avRule(s);
          break;
        case "typerule":
          this.typeRule(s);
          break;
        case "if":
          this.conditional(s);
          break;
        case "constrain":
          this.constrain(s.classes, s.perms, s.expr, s.span);
          break;
        case "validatetrans":
          // validatetrans only constrains relabeling, which Xen never asks; its names are still checked
          this.classSet(s.classes);
          this.constraintExpr(s.expr, true);
          break;
        case "platform":
          this.err("svp-unavailable", `platform ${s.name.name}: the SVP extension is not available in this build`, s.span);
          break;
      }
    }
    resolveContexts(this.ast, this.sym, (code, message, span, notes) => this.err(code, message, span, notes));
  }

  // ---- classes and permissions (policy_define.c define_class / define_common_perms / define_av_perms)

  private declareClass(name: Ident): void {
    if (this.sym.classIds.has(name.name)) {
      this.err("duplicate", `duplicate declaration of class ${name.name}`, name.span);
      return;
    }
    const id = this.sym.classes.length;
    this.sym.classIds.set(name.name, id);
    this.sym.classes.push({ id, name: name.name, span: name.span, perms: [], permMask: new Map(), allMask: 0 });
  }

  private declareCommon(name: Ident, perms: Ident[]): void {
    if (this.commons.has(name.name)) {
      this.err("duplicate", `duplicate declaration for common ${name.name}`, name.span);
      return;
    }
    const list: string[] = [];
    for (const p of perms) {
      if (list.includes(p.name)) this.err("duplicate", `duplicate permission ${p.name} in common ${name.name}`, p.span);
      else list.push(p.name);
    }
    if (list.length > MAX_PERMS) this.err("perm-limit", `common ${name.name} has ${list.length} permissions; an access vector holds at most ${MAX_PERMS}`, name.span);
    this.commons.set(name.name, { perms: list, span: name.span });
  }

  private defineAccessVector(s: AccessVectorDecl): void {
    const id = this.sym.classIds.get(s.className.name);
    if (id === undefined) {
      this.err("undeclared", `class ${s.className.name} is not defined`, s.className.span);
      return;
    }
    if (this.avDefined.has(s.className.name)) {
      this.err("duplicate", `duplicate access vector definition for class ${s.className.name}`, s.className.span);
      return;
    }
    this.avDefined.add(s.className.name);
    const cls = this.sym.classes[id]!;
    const perms: string[] = [];
    if (s.inherits) {
      const common = this.commons.get(s.inherits.name);
      if (!common) this.err("undeclared", `common ${s.inherits.name} is not defined`, s.inherits.span);
      else {
        perms.push(...common.perms);
        cls.common = s.inherits.name;
      }
    }
    const inherited = perms.length;
    for (const p of s.perms) {
      const at = perms.indexOf(p.name);
      if (at >= 0 && at < inherited) this.err("duplicate", `permission ${p.name} conflicts with an inherited permission`, p.span);
      else if (at >= 0) this.err("duplicate", `duplicate permission ${p.name}`, p.span);
      else perms.push(p.name);
    }
    if (perms.length > MAX_PERMS) {
      this.err("perm-limit", `class ${cls.name} has ${perms.length} permissions; an access vector holds at most ${MAX_PERMS}`, s.className.span);
      perms.length = MAX_PERMS;
    }
    cls.perms = perms;
    perms.forEach((p, bit) => cls.permMask.set(p, (1 << bit) >>> 0));
    cls.allMask = perms.length === 32 ? 0xffffffff : ((1 << perms.length) - 1) >>> 0;
  }

  // ---- types, attributes, aliases (define_type, define_attrib, define_typealias, define_typeattribute)

  private nameTaken(name: string): boolean {
    return this.sym.typeIds.has(name) || this.sym.attrIds.has(name);
  }

  private declareAttribute(name: Ident): void {
    if (this.nameTaken(name.name)) {
      this.err("duplicate", `duplicate declaration of attribute ${name.name}`, name.span);
      return;
    }
    const id = this.sym.attrs.length;
    this.sym.attrIds.set(name.name, id);
    this.sym.attrs.push({ id, name: name.name, span: name.span, members: new Int32Array(0) });
    this.attrMembers.push(new Set());
  }

  private declareType(name: Ident, aliases: Ident[]): void {
    if (name.name === "self") {
      this.err("reserved", "self is a reserved name and cannot be declared as a type", name.span);
      return;
    }
    if (this.nameTaken(name.name)) {
      this.err("duplicate", `duplicate declaration of type ${name.name}`, name.span);
      return;
    }
    const id = this.sym.types.length;
    this.sym.typeIds.set(name.name, id);
    this.sym.types.push({ id, name: name.name, span: name.span, aliases: [] });
    this.addAliases(name, aliases);
  }

  private addAliases(type: Ident, aliases: Ident[]): void {
    if (aliases.length === 0) return;
    const id = this.sym.typeIds.get(type.name);
    if (id === undefined || this.sym.aliases.has(type.name)) {
      if (!this.sym.typeIds.has(type.name)) this.err("undeclared", `unknown type ${type.name}`, type.span);
      else this.err("alias-of-alias", `${type.name} is an alias; give the alias to its type`, type.span);
      return;
    }
    for (const a of aliases) {
      if (this.nameTaken(a.name)) {
        this.err("duplicate", `duplicate declaration of alias ${a.name}`, a.span);
        continue;
      }
      this.sym.typeIds.set(a.name, id);
      this.sym.aliases.set(a.name, id);
      this.sym.types[id]!.aliases.push(a.name);
    }
  }

  private addToAttribute(type: Ident, attr: Ident): void {
    const tid = this.sym.typeIds.get(type.name);
    const aid = this.sym.attrIds.get(attr.name);
    if (tid === undefined) {
      this.err("undeclared", this.sym.attrIds.has(type.name) ? `${type.name} is an attribute, not a type` : `unknown type ${type.name}`, type.span);
      return;
    }
    if (aid === undefined) {
      this.err("undeclared", this.sym.typeIds.has(attr.name) ? `${attr.name} is a type, not an attribute` : `unknown attribute ${attr.name}`, attr.span);
      return;
    }
    this.attrMembers[aid]!.add(tid);
  }

  // ---- sets of names

  /** A type set (libsepol set_types): types, attributes, aliases, `*`, `~`, `-x`, and `self` when allowed. */
  typeSet(set: NameSet, allowSelf: boolean): TypeSet {
    // Most sets are one plain name: share the empty lists (a large policy has 100k rules)
    if (!set.star && !set.complement && set.exclude.length === 0 && set.include.length === 1) {
      const name = set.include[0]!.name;
      const t = this.sym.typeIds.get(name);
      if (t !== undefined) return (this.typeSets[t] ??= { types: [t], attrs: NONE, negTypes: NONE, negAttrs: NONE, star: false, complement: false, self: false });
      const a = this.sym.attrIds.get(name);
      if (a !== undefined) return (this.attrSets[a] ??= { types: NONE, attrs: [a], negTypes: NONE, negAttrs: NONE, star: false, complement: false, self: false });
    }
    const ts: TypeSet = { types: [], attrs: [], negTypes: [], negAttrs: [], star: set.star, complement: set.complement, self: false };
    for (const id of set.include) this.addToTypeSet(ts, id, false, allowSelf);
    for (const id of set.exclude) this.addToTypeSet(ts, id, true, allowSelf);
    return ts;
  }

  private addToTypeSet(ts: TypeSet, id: Ident, neg: boolean, allowSelf: boolean): void {
    const t = this.sym.typeIds.get(id.name);
    if (t !== undefined) {
      (neg ? ts.negTypes : ts.types).push(t);
      return;
    }
    const a = this.sym.attrIds.get(id.name);
    if (a !== undefined) {
      (neg ? ts.negAttrs : ts.attrs).push(a);
      return;
    }
    if (id.name === "self") {
      if (allowSelf && !neg) ts.self = true;
      else this.err("self", neg ? "self cannot be excluded" : "self is only allowed in the target of a rule", id.span);
      return;
    }
    this.err("undeclared", `unknown type ${id.name}`, id.span);
  }

  /** checkpolicy accepts `*`, `~` and `-x` only in some sets: `*`/`~` on types only in neverallow
   *  (define_te_avtab_helper), never on classes, users' roles or constraint names. */
  private shape(set: NameSet, ok: { star?: boolean; complement?: boolean; exclude?: boolean }): void {
    if (set.star && !ok.star) this.err("set", "* not allowed in this type of rule", set.span);
    if (set.complement && !ok.complement) this.err("set", "~ not allowed in this type of rule", set.span);
    if (set.exclude.length > 0 && !ok.exclude) this.err("set", "- not allowed in this type of rule", set.exclude[0]!.span);
  }

  classSet(set: NameSet): number[] {
    this.shape(set, {});
    if (!set.star && !set.complement && set.exclude.length === 0 && set.include.length === 1) {
      const c = this.sym.classIds.get(set.include[0]!.name);
      if (c !== undefined) return (this.classLists[c] ??= [c]);
    }
    const ids = new Set<number>();
    if (set.star) this.sym.classes.forEach((c) => ids.add(c.id));
    for (const id of set.include) {
      const c = this.sym.classIds.get(id.name);
      if (c === undefined) this.err("undeclared", `unknown class ${id.name}`, id.span);
      else ids.add(c);
    }
    for (const id of set.exclude) {
      const c = this.sym.classIds.get(id.name);
      if (c === undefined) this.err("undeclared", `unknown class ${id.name}`, id.span);
      else ids.delete(c);
    }
    let list = [...ids];
    if (set.complement) list = this.sym.classes.map((c) => c.id).filter((c) => !ids.has(c));
    return list.sort((a, b) => a - b);
  }

  /** Permission mask of a perm set for one class (define_te_avtab_helper: `*` is every
   *  permission, `~` complements; a name the class lacks is an error). */
  permMask(set: NameSet, cls: ClassSym): number {
    // (a `-perm` in the set was reported once by shape(); it still removes the permission here)
    let mask = 0;
    if (set.star) mask = cls.allMask;
    for (const id of set.include) {
      const m = cls.permMask.get(id.name);
      if (m === undefined) this.err("undeclared", `permission ${id.name} is not defined for class ${cls.name}`, id.span);
      else mask |= m;
    }
    for (const id of set.exclude) {
      const m = cls.permMask.get(id.name);
      if (m === undefined) this.err("undeclared", `permission ${id.name} is not defined for class ${cls.name}`, id.span);
      else mask &= ~m;
    }
    // libsepol complements all 32 bits: `~{ every perm }` still makes an (empty-looking) entry
    if (set.complement) mask = ~mask;
    return mask >>> 0;
  }

  private roleNames(set: NameSet): Set<number> {
    const ids = new Set<number>();
    for (const id of [...set.include, ...set.exclude]) {
      const r = this.sym.roleIds.get(id.name);
      if (r === undefined) this.err("undeclared", `unknown role ${id.name}`, id.span);
      else if (set.include.includes(id)) ids.add(r);
    }
    for (const id of set.exclude) {
      const r = this.sym.roleIds.get(id.name);
      if (r !== undefined) ids.delete(r);
    }
    return ids;
  }

  // ---- roles and users (define_role_types, define_user)

  private roleTypes(name: Ident, types: NameSet | undefined): void {
    if (!types) return;
    if (!this.declaredRoles.has(name.name)) {
      this.err("undeclared", `unknown role ${name.name} (declare it with 'role ${name.name};' before giving it types, as checkpolicy requires)`, name.span);
      return;
    }
    const role = this.sym.roles[this.sym.roleIds.get(name.name)!]!;
    this.shape(types, { exclude: true });
    const ts = this.typeSet(types, false);
    // object_r holds every type implicitly; libsepol keeps no type list for it
    if (role.id === OBJECT_R) return;
    for (const t of expandTypeSet(ts, this.sym)) role.types.add(t);
  }

  private defineUser(name: Ident, roles: NameSet): void {
    if (roles.star) {
      this.err("set", "* is not allowed in user declarations", roles.span);
      return;
    }
    this.shape(roles, {});
    let id = this.sym.userIds.get(name.name);
    if (id === undefined) {
      id = this.sym.users.length;
      this.sym.userIds.set(name.name, id);
      this.sym.users.push({ id, name: name.name, roles: new Set() });
    }
    const user = this.sym.users[id]!;
    for (const r of this.roleNames(roles)) user.roles.add(r);
  }

  // ---- rules

  private avRule(r: AvRule, cond?: CondPlace): void {
    const never = r.rule === "neverallow";
    this.shape(r.sources, { star: never, complement: never, exclude: true });
    this.shape(r.targets, { star: never, complement: never, exclude: true });
    this.shape(r.perms, { star: true, complement: true });
    const sources = this.typeSet(r.sources, false);
    const targets = this.typeSet(r.targets, true);
    const classes = this.classSet(r.classes);
    const masks = classes.map((c) => this.permMask(r.perms, this.sym.classes[c]!));
    this.rules.avRules.push({ kind: r.rule, span: r.span, sources, targets, classes, masks, cond });
  }

  private typeRule(r: TypeRule, cond?: CondPlace): void {
    this.shape(r.sources, { exclude: true });
    this.shape(r.targets, { exclude: true });
    const sources = this.typeSet(r.sources, false);
    const targets = this.typeSet(r.targets, true);
    const classes = this.classSet(r.classes);
    const def = this.sym.typeIds.get(r.defaultType.name);
    if (def === undefined) {
      this.err("undeclared", `unknown type ${r.defaultType.name}`, r.defaultType.span);
      return;
    }
    this.rules.typeRules.push({ kind: r.rule, span: r.span, sources, targets, classes, defaultType: def, cond });
  }

  private conditional(c: Conditional): void {
    const compiled = condProgram(c.expr, (e) => {
      const b = this.sym.boolIds.get(e.name.name);
      if (b === undefined) this.err("undeclared", `unknown boolean ${e.name.name}`, e.name.span);
      return b;
    });
    if (!compiled) return;
    const { program, bools } = compiled;
    // cond_normalize_expr: `if (!e) {A} else {B}` is stored as `if (e) {B} else {A}`
    const negated = program[program.length - 1] === CondOp.Not;
    if (negated) program.pop();
    const node = this.condNode(Int32Array.from(program), bools, c);
    const then: CondPlace = { node, branch: !negated };
    const otherwise: CondPlace = { node, branch: negated };
    for (const r of c.then) r.kind === "avrule" ? this.avRule(r, then) : this.typeRule(r, then);
    for (const r of c.else) r.kind === "avrule" ? this.avRule(r, otherwise) : this.typeRule(r, otherwise);
  }

  /** cond_node_search: an existing node with the same booleans and truth table, else a new one.
   *  libsepol tabulates each expression over its booleans in order of first appearance and so do
   *  we, quirks included: `b0 || !b1` and `b1 || !b0` share a node, the first one's expression. */
  private condNode(program: Int32Array, bools: number[], c: Conditional): number {
    const key = condNodeKey(program, bools, this.sym.bools.length);
    const existing = this.condKeys.get(key);
    if (existing !== undefined) return existing;
    const node: CondNode = { id: this.sym.conds.length, program, bools: [...bools].sort((a, b) => a - b), text: programText(program, this.sym), span: c.expr.span };
    this.sym.conds.push(node);
    this.condKeys.set(key, node.id);
    return node.id;
  }

  // ---- constraints (define_constraint)

  private constrain(classes: NameSet, perms: NameSet, expr: ConstraintExpr, span: Span): void {
    const ids = this.classSet(classes);
    const resolved = this.constraintExpr(expr, false);
    // define_constraint gives each class its own copy, so setools counts one per class
    for (const c of ids) {
      const mask = this.permMask(perms, this.sym.classes[c]!);
      if (resolved) this.sym.constraints.push({ span, classId: c, mask, expr: resolved });
    }
  }

  private constraintExpr(e: ConstraintExpr, validatetrans: boolean): ResolvedConstraintExpr | undefined {
    switch (e.op) {
      case "not": {
        const arg = this.constraintExpr(e.arg, validatetrans);
        return arg && { op: "not", arg };
      }
      case "and":
      case "or": {
        const left = this.constraintExpr(e.left, validatetrans);
        const right = this.constraintExpr(e.right, validatetrans);
        return left && right && { op: e.op, left, right };
      }
      case "cmp":
        if (!validatetrans && (e.left.endsWith("3") || e.right.endsWith("3"))) {
          this.err("constraint", `${e.left.endsWith("3") ? e.left : e.right} is only valid in validatetrans`, e.span);
          return undefined;
        }
        if (e.left[0] !== e.right[0]) {
          this.err("constraint", `cannot compare ${e.left} with ${e.right}`, e.span);
          return undefined;
        }
        return { op: "cmp", cmp: e.cmp, left: e.left, right: e.right };
      case "names":
        if (!validatetrans && e.left.endsWith("3")) {
          this.err("constraint", `${e.left} is only valid in validatetrans`, e.span);
          return undefined;
        }
        return { op: "names", cmp: e.cmp, left: e.left, ids: this.constraintNames(e.left, e.names) };
    }
  }

  private constraintNames(operand: ConstraintOperand, set: NameSet): Set<number> {
    this.shape(set, {});
    const kind = operand[0] as OperandKind;
    if (kind === "t") return new Set(expandTypeSet(this.typeSet(set, false), this.sym));
    const table = kind === "u" ? this.sym.userIds : this.sym.roleIds;
    const what = kind === "u" ? "user" : "role";
    const ids = new Set<number>();
    for (const id of set.include) {
      const v = table.get(id.name);
      if (v === undefined) this.err("undeclared", `unknown ${what} ${id.name}`, id.span);
      else ids.add(v);
    }
    for (const id of set.exclude) {
      const v = table.get(id.name);
      if (v === undefined) this.err("undeclared", `unknown ${what} ${id.name}`, id.span);
      else ids.delete(v);
    }
    return ids;
  }
}

/** The shared empty list of the one-name type sets; never written. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

export interface ResolveResult {
  symbols: Symbols;
  rules: ResolvedRules;
  diagnostics: Diagnostic[];
}

export function resolve(ast: PolicyAst): ResolveResult {
  const r = new Resolver(ast);
  r.run();
  return { symbols: r.sym, rules: r.rules, diagnostics: [...mlsDiagnostics(ast), ...r.diags] };
}
