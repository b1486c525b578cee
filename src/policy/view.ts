// The compiled policy as callers hold it: one immutable image (PolicyImage) and cheap views of it
// under boolean values (CompiledPolicy). A view shares every table and name dictionary of its
// image and owns only its BoolState; withBooleans() builds a new view and leaves the old one as it
// was, as Xen's security_set_bools builds the new conditional state before it installs it.
import { PolicyError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { computeAv, contextNames, convertContext, decide, decideContexts, failedValidatetrans, parseContext, typeOrAttrName } from "./decide.js";
import type { Expanded } from "./expand.js";
import { boolState, type BoolState, type PolicyTables } from "./image.js";
import { matrixJson } from "./matrix.js";
import { rangeText } from "./resolve/mls.js";
import type { Symbols } from "./symbols.js";
import { explainContext } from "./context-help.js";
import { nearMisses, proposal } from "./nearest.js";
import { computeSid, typeRuleDefault } from "./transition.js";
import { decider, lookupOf, type AllowedLookup, type Decider } from "./typeattr.js";
import type {
  AvDecision,
  CompiledPolicy,
  ComputedContext,
  ContextConversion,
  ContextNames,
  ContextResult,
  Decision,
  OcontextRange,
  PolicyImage,
  PolicyStats,
  InitialSid,
  NearMisses,
  Proposal,
  RuleRef,
  SecurityContext,
  TypeRuleKindName,
} from "./types.js";

function stats(sym: Symbols, ex: Expanded): PolicyStats {
  const o = sym.ocontexts;
  return {
    types: sym.types.length,
    attributes: sym.attrs.length,
    classes: sym.classes.length,
    perms: sym.classes.reduce((n, c) => n + c.perms.length, 0),
    allow: ex.counts.allow,
    rules: ex.counts.allow + ex.counts.auditallow + ex.counts.dontaudit + ex.typeRules.length,
    booleans: sym.bools.length,
    constraints: sym.constraints.length,
    ocontexts: o.pirqcon.length + o.iomemcon.length + o.ioportcon.length + o.pcidevicecon.length + o.devicetreecon.length,
  };
}

/** A null-prototype dictionary of a name map (no inherited keys: `constructor` is no type). */
/** A permission name's (class, mask) pairs, one per class that has a permission of that name. */
class PermEntry {
  constructor(
    /** the class's name, internalized (a dictionary key): compared by identity first */
    readonly className: string,
    readonly classId: number,
    readonly mask: number,
    readonly next: PermEntry | undefined,
  ) {}
}

/** At most this many classes share a permission name in permDict's chains (Xen's policy and the
 *  SVP policies: at most 2 share one). */
const MAX_SHARED = 4;
/** permDict's entry for a name more classes have. */
const SHARED = new PermEntry("", -1, 0, undefined);

function dictionary(map: ReadonlyMap<string, number>): Record<string, number> {
  const dict = Object.create(null) as Record<string, number>;
  // (forEach, not for-of: no [name, id] pair and iterator result per entry in a cold run)
  map.forEach((id, name) => {
    dict[name] = id;
  });
  return dict;
}

/** Defines `value` as `obj`'s own read-only field `key` (shadowing the prototype's getter). */
function own<T>(obj: object, key: string, value: T): T {
  Object.defineProperty(obj, key, { value, enumerable: true });
  return value;
}

/** Boolean values over the image's ids, checked as flask_op's setbool checks them; throws
 *  PolicyError before anything is built. */
function boolValues(tables: PolicyTables, base: Readonly<Uint8Array>, values: Readonly<Record<string, boolean>>): Uint8Array {
  const ids = tables.sym.boolIds;
  const unknown = Object.keys(values).filter((n) => !ids.has(n));
  if (unknown.length > 0) throw new PolicyError(unknown.map((n) => diagnostic("unknown-boolean", undefined, n)));
  const bad = Object.entries(values).filter(([, v]) => typeof v !== "boolean");
  if (bad.length > 0) throw new PolicyError(bad.map(([n]) => diagnostic("bad-boolean", undefined, n)));
  const next = Uint8Array.from(base);
  for (const [name, v] of Object.entries(values)) next[ids.get(name)!] = v ? 1 : 0;
  return next;
}

/** The dictionaries allows(names) reads (Image.typeDict, permDict, classPerms). */
class NameIndex {
  constructor(
    readonly types: Record<string, number>,
    readonly perms: Record<string, PermEntry>,
    readonly classPerms: Record<string, Record<string, PermEntry>>,
  ) {}
}

/** The image: names, contexts and tables; decisions need a view (`defaults` or withBooleans). */
class Image implements PolicyImage {
  readonly stats: PolicyStats;
  readonly pcidevices: Map<number, string>;
  readonly pirqs: Map<number, string>;
  readonly iomem: readonly OcontextRange[];
  readonly ioports: readonly OcontextRange[];
  // The hot path of allows(names): names -> ids in null-prototype dictionaries, shared by every
  // view, made at their first read (below), so `xsm compile` and the tools never build them.
  readonly defaults: CompiledPolicy;
  /** allows(names)'s dictionaries in one object, made at its first call (names()): a field the
   *  constructor makes, so every image keeps one hidden class whichever getters ran first (the
   *  getters below each add a field: a call site that saw two images did so at different times
   *  went polymorphic, ~10 ns a question at 3005 types). */
  nameIndex: NameIndex | undefined = undefined;

  constructor(
    readonly tables: PolicyTables,
    readonly warnings: readonly Diagnostic[],
  ) {
    this.stats = stats(tables.sym, tables.ex);
    const oc = tables.sym.ocontexts;
    this.pcidevices = new Map(oc.pcidevicecon.map((o) => [o.device, o.context.text]));
    this.pirqs = new Map(oc.pirqcon.map((o) => [o.irq, o.context.text]));
    const byLow = (a: OcontextRange, b: OcontextRange) => a.low - b.low;
    this.iomem = oc.iomemcon.map((o) => ({ low: Number(o.low), high: Number(o.high), context: o.context.text })).sort(byLow);
    this.ioports = oc.ioportcon.map((o) => ({ low: o.low, high: o.high, context: o.context.text })).sort(byLow);
    this.defaults = new View(this, boolState(tables, tables.defaults));
  }

  // A dictionary beats a Map here: V8 looks a string key up in it by the key's internalized form
  // (cached hash, pointer compare), where Map.get compares the parser's substrings of the policy
  // text character by character (12 vs 30-60 ns at 3000 types). Each getter defines its value as
  // the image's own field, written once (as View.allowsIds does).
  get typeDict(): Record<string, number> {
    return own(this, "typeDict", dictionary(this.tables.typeIds));
  }
  get classDict(): Record<string, { id: number; perms: Record<string, number> }> {
    const dict = Object.create(null) as Record<string, { id: number; perms: Record<string, number> }>;
    this.tables.classEntries.forEach((c, name) => {
      dict[name] = { id: c.id, perms: dictionary(c.perms) };
    });
    return own(this, "classDict", dict);
  }
  /** Permission name -> its (class, mask) pairs, one per class that has it: allows(names) finds the
   *  class and the permission with one dictionary probe and a compare of the class's name (two
   *  probes before: ~3 ns a question at 3005 types, docs/performance.md). A name that more than
   *  MAX_SHARED classes have (a kernel policy's `read`, from a common) maps to an entry of class id
   *  -1 instead, and allows() looks it up by class (classPerms), so no question walks a long chain. */
  get permDict(): Record<string, PermEntry> {
    const dict = Object.create(null) as Record<string, PermEntry>;
    const shared = new Map<string, number>();
    const classes = this.classPerms;
    // (the dictionary's keys: internalized strings, so the compare with a caller's literal is by identity)
    for (const name of Object.keys(classes)) {
      const perms = classes[name]!;
      for (const perm of Object.keys(perms)) {
        const n = (shared.get(perm) ?? 0) + 1;
        shared.set(perm, n);
        dict[perm] = n > MAX_SHARED ? SHARED : new PermEntry(name, perms[perm]!.classId, perms[perm]!.mask, dict[perm]);
      }
    }
    return own(this, "permDict", dict);
  }
  /** Class name -> permission name -> its entry: where permDict gives SHARED. */
  get classPerms(): Record<string, Record<string, PermEntry>> {
    const dict = Object.create(null) as Record<string, Record<string, PermEntry>>;
    const classes = this.classDict;
    for (const name of Object.keys(classes)) {
      const c = classes[name]!;
      const perms = Object.create(null) as Record<string, PermEntry>;
      for (const perm of Object.keys(c.perms)) perms[perm] = new PermEntry(name, c.id, c.perms[perm]!, undefined);
      dict[name] = perms;
    }
    return own(this, "classPerms", dict);
  }

  names(): NameIndex {
    return (this.nameIndex ??= new NameIndex(this.typeDict, this.permDict, this.classPerms));
  }

  withBooleans(values: Readonly<Record<string, boolean>>): CompiledPolicy {
    return this.defaults.withBooleans(values);
  }

  typeId(name: string): number {
    return this.tables.typeIds.get(name) ?? -1;
  }
  typeName(id: number): string {
    const sym = this.tables.sym;
    // an attribute's key id is a context's type after a reload converted to it (SecurityContext.type)
    if (!Number.isInteger(id) || id < 0 || id >= sym.types.length + sym.attrs.length) throw new RangeError(`no type or attribute with id ${id}`);
    return typeOrAttrName(sym, id);
  }
  classId(name: string): number {
    return this.tables.classEntries.get(name)?.id ?? -1;
  }
  className(id: number): string {
    const c = this.tables.sym.classes[id];
    if (!c) throw new RangeError(`no class with id ${id}`);
    return c.name;
  }
  permMask(classId: number, perm: string): number {
    return this.tables.sym.classes[classId]?.permMask.get(perm) ?? 0;
  }
  permNames(classId: number, mask: number): string[] {
    const perms = this.tables.sym.classes[classId]?.perms ?? [];
    return perms.filter((_, bit) => (mask >>> bit) & 1);
  }
  parseContext(text: string): ContextResult {
    return parseContext(this.tables, text);
  }
  explainContext(text: string): string | undefined {
    const r = parseContext(this.tables, text);
    return r.ok ? undefined : explainContext(this.tables.sym, text, r.error);
  }
  contextToString(c: SecurityContext): string {
    const sym = this.tables.sym;
    const base = `${sym.users[c.user]?.name}:${sym.roles[c.role]?.name}:${c.type < sym.types.length + sym.attrs.length ? typeOrAttrName(sym, c.type) : undefined}`;
    return sym.mls && c.range ? `${base}:${rangeText(sym.mls, c.range)}` : base;
  }
  get mls(): boolean {
    return this.tables.sym.mls !== undefined;
  }
  contextNames(c: SecurityContext): ContextNames {
    return contextNames(this.tables.sym, c);
  }
  convertContext(names: ContextNames): ContextConversion {
    return convertContext(this.tables.sym, names);
  }
  initialSidContext(name: string): string | undefined {
    return this.tables.sym.initialSids.get(name)?.text;
  }
  initialSids(): readonly InitialSid[] {
    const out: InitialSid[] = [];
    const numbers = this.tables.sym.initialSidNumbers;
    let place = 0;
    // a source's are numbered by declaration, as checkpolicy numbers them; a binary's carry theirs
    for (const [name, ctx] of this.tables.sym.initialSids) {
      place++;
      if (ctx) out.push({ sid: numbers?.get(name) ?? place, name, context: ctx.text });
    }
    return out.sort((a, b) => a.sid - b.sid);
  }
  pcideviceContext(device: number): string | undefined {
    return this.pcidevices.get(device);
  }
  pirqContext(irq: number): string | undefined {
    return this.pirqs.get(irq);
  }
  iomemContexts(): readonly OcontextRange[] {
    return this.iomem;
  }
  ioportContexts(): readonly OcontextRange[] {
    return this.ioports;
  }
  booleanNames(): string[] {
    return this.tables.sym.bools.map((b) => b.name);
  }
  matrixJson(): string {
    return matrixJson(this.tables);
  }
}

/** The image under one assignment of booleans: what decisions run on. */
class View implements CompiledPolicy {
  private decider: Decider | undefined = undefined;
  constructor(
    readonly image: Image,
    private readonly state: BoolState,
  ) {}

  /** TE decision on ids (typeattr.ts decider and lookupOf): a flat array index when the types are few, a
   *  table over classes of types otherwise (typeclasses.ts), a hash probe of the expansion to type
   *  pairs or a walk over the types' attributes where even the classes are too many. Made, with its
   *  tables, at the first access (so `xsm compile` and the rule-reading tools never build them),
   *  which then defines it as the view's own field, written once: V8 treats such a field, and the
   *  const tables its closure holds, as constants, so a caller's loop inlines the lookup down to the
   *  array read (a field swapped at the first call, or a table the closure fills on its first call,
   *  keeps a load and a check per decision: 2-3x on allowsIds). */
  get allowsIds(): AllowedLookup {
    return own(this, "allowsIds", lookupOf(this.decide()));
  }
  /** The same decision as an object of its form's class (typeattr.ts Decider), for allows(names):
   *  a program with several policies asks them at one call site, where V8 inlines a method per
   *  class but not a call of several closures. */
  private decide(): Decider {
    return (this.decider ??= decider(this.state.table, this.image.tables.tam));
  }

  withBooleans(values: Readonly<Record<string, boolean>>): CompiledPolicy {
    return new View(this.image, boolState(this.image.tables, boolValues(this.image.tables, this.state.bools, values)));
  }
  getBoolean(name: string): boolean | undefined {
    const id = this.image.tables.sym.boolIds.get(name);
    return id === undefined ? undefined : this.state.bools[id] === 1;
  }
  booleans(): Record<string, boolean> {
    return Object.fromEntries(this.image.tables.sym.bools.map((b) => [b.name, this.state.bools[b.id] === 1]));
  }

  // No memo of the previous question: on a varied stream its compares and stores cost more than a
  // repeat saves (38-40 vs 40-43 ns a question at 3005 types; a repeat takes 18-19 ns without it,
  // 5.5 with it; docs/performance.md, 2026-12-03 22:30 UTC). Hooks repeat through the AVC instead.
  allows(stype: string, ttype: string, tclass: string, perm: string): boolean | undefined {
    const names = this.image.nameIndex ?? this.image.names();
    const s = names.types[stype];
    const t = names.types[ttype];
    let e = names.perms[perm];
    if (e !== undefined && e.classId < 0) e = names.classPerms[tclass]?.[perm];
    else while (e !== undefined && e.className !== tclass) e = e.next;
    // a name the policy does not declare is a different answer from a denial (a typo, not a "no")
    if (s === undefined || t === undefined || e === undefined) return undefined;
    return (this.decider ?? this.decide()).allowed(s, t, e.classId, e.mask);
  }
  check(scontext: string, tcontext: string, tclass: string, perm: string): Decision {
    return decide(this.state, scontext, tcontext, tclass, perm, false);
  }
  explain(scontext: string, tcontext: string, tclass: string, perm: string): Decision {
    return decide(this.state, scontext, tcontext, tclass, perm, true);
  }
  explainContexts(scontext: SecurityContext, tcontext: SecurityContext, tclass: string, perm: string): Decision {
    return decideContexts(this.state, scontext, tcontext, tclass, perm, true);
  }
  nearest(scontext: string, tcontext: string, tclass: string, perms: readonly string[], limit?: number): NearMisses | undefined {
    const q = this.denial(scontext, tcontext, tclass, perms);
    return q && nearMisses(this.state, q.s, q.t, q.tclass, q.mask, limit);
  }
  proposal(scontext: string, tcontext: string, tclass: string, perms: readonly string[]): Proposal | undefined {
    const q = this.denial(scontext, tcontext, tclass, perms);
    return q && proposal(this.state, q.s, q.t, q.tclass, q.mask);
  }
  /** A denial asked by name, as ids and a mask; undefined when a name is unknown. */
  private denial(scontext: string, tcontext: string, tclass: string, perms: readonly string[]): { s: SecurityContext; t: SecurityContext; tclass: number; mask: number } | undefined {
    const core = this.image.tables;
    const s = parseContext(core, scontext);
    const t = parseContext(core, tcontext);
    const cls = core.classEntries.get(tclass);
    if (!s.ok || !t.ok || cls === undefined || perms.length === 0) return undefined;
    let mask = 0;
    for (const p of perms) {
      const bit = cls.perms.get(p);
      if (bit === undefined) return undefined;
      mask |= bit;
    }
    return { s: s.value, t: t.value, tclass: cls.id, mask };
  }
  computeAv(scontext: SecurityContext, tcontext: SecurityContext, tclass: number): AvDecision {
    return computeAv(this.state, scontext, tcontext, tclass);
  }
  typeRuleDefault(kind: TypeRuleKindName, stype: number, ttype: number, tclass: number): number {
    return typeRuleDefault(this.state, kind, stype, ttype, tclass);
  }
  computeCreate(scontext: SecurityContext, tcontext: SecurityContext, tclass: number): ComputedContext {
    return computeSid(this.state, "type_transition", scontext, tcontext, tclass);
  }
  validateTransition(oldc: SecurityContext, newc: SecurityContext, task: SecurityContext, tclass: number): RuleRef | undefined {
    const failed = failedValidatetrans(this.image.tables, oldc, newc, task, tclass);
    return failed && this.image.tables.ruleRef(failed.span);
  }

  // ---- the image's names, so a view answers everything a caller asks ----
  get stats(): PolicyStats {
    return this.image.stats;
  }
  get warnings(): readonly Diagnostic[] {
    return this.image.warnings;
  }
  typeId(name: string): number {
    return this.image.typeId(name);
  }
  typeName(id: number): string {
    return this.image.typeName(id);
  }
  classId(name: string): number {
    return this.image.classId(name);
  }
  className(id: number): string {
    return this.image.className(id);
  }
  permMask(classId: number, perm: string): number {
    return this.image.permMask(classId, perm);
  }
  permNames(classId: number, mask: number): string[] {
    return this.image.permNames(classId, mask);
  }
  parseContext(text: string): ContextResult {
    return this.image.parseContext(text);
  }
  explainContext(text: string): string | undefined {
    return this.image.explainContext(text);
  }
  contextToString(c: SecurityContext): string {
    return this.image.contextToString(c);
  }
  get mls(): boolean {
    return this.image.mls;
  }
  contextNames(c: SecurityContext): ContextNames {
    return this.image.contextNames(c);
  }
  convertContext(names: ContextNames): ContextConversion {
    return this.image.convertContext(names);
  }
  initialSidContext(name: string): string | undefined {
    return this.image.initialSidContext(name);
  }
  initialSids(): readonly InitialSid[] {
    return this.image.initialSids();
  }
  pcideviceContext(device: number): string | undefined {
    return this.image.pcideviceContext(device);
  }
  pirqContext(irq: number): string | undefined {
    return this.image.pirqContext(irq);
  }
  iomemContexts(): readonly OcontextRange[] {
    return this.image.iomemContexts();
  }
  ioportContexts(): readonly OcontextRange[] {
    return this.image.ioportContexts();
  }
  booleanNames(): string[] {
    return this.image.booleanNames();
  }
  matrixJson(): string {
    return this.image.matrixJson();
  }
}

/** The image of a compiled policy; its `defaults` view is what compilePolicy returns. */
export function policyImage(tables: PolicyTables, warnings: readonly Diagnostic[]): PolicyImage {
  return new Image(tables, warnings);
}
