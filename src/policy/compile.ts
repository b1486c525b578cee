// Stage `compile`: symbols + expanded rules -> a CompiledPolicy. Names are interned once into
// Maps (the edges), decisions run on ids against the avtab; the conditional lists are folded into
// the effective table whenever the booleans change (libsepol evaluate_conds + cond_av_list
// ENABLED flags), so a decision never looks at a boolean.
import type { AvTab } from "./avtab.js";
import { PolicyError, error, type Diagnostic, type Span } from "./diagnostics.js";
import { computeAv, decide, parseContext } from "./decide.js";
import { condListIndex, type Expanded } from "./expand.js";
import { matrixJson } from "./matrix.js";
import { evalCond } from "./cond.js";
import type { ResolvedConstraint, Symbols } from "./symbols.js";
import { TypeAttrMap, allowedLookup } from "./typeattr.js";
import type { AvDecision, CompiledPolicy, ContextResult, Decision, PolicyStats, RuleRef, SecurityContext } from "./types.js";

export interface ClassEntry {
  id: number;
  perms: Map<string, number>;
}

/** Everything decisions read. decide.ts and matrix.ts work on this, never on the AST. */
export class PolicyCore {
  readonly typeIds: Map<string, number>;
  readonly classEntries: Map<string, ClassEntry>;
  readonly constraintsByClass: ResolvedConstraint[][];
  /** Boolean values, by boolean id (0/1). */
  readonly boolState: Uint8Array;
  /** Conditional node values under boolState. */
  readonly condState: Uint8Array;
  /** Base table plus the enabled conditional branches (keyed by type or attribute, avtab.ts). */
  effective: AvTab;
  /** Each type's key ids, for decisions on the attribute-keyed tables. */
  readonly tam: TypeAttrMap;

  constructor(
    readonly sym: Symbols,
    readonly ex: Expanded,
    private readonly source: string,
  ) {
    this.typeIds = sym.typeIds;
    this.classEntries = new Map(sym.classes.map((c) => [c.name, { id: c.id, perms: c.permMask }]));
    this.constraintsByClass = sym.classes.map(() => []);
    for (const c of sym.constraints) this.constraintsByClass[c.classId]!.push(c);
    this.boolState = Uint8Array.from(sym.bools, (b) => (b.value ? 1 : 0));
    this.condState = new Uint8Array(sym.conds.length);
    this.tam = new TypeAttrMap(sym, [ex.base, ...ex.condLists]);
    this.effective = ex.base;
    this.refresh();
  }

  /** The avtab under the given boolean values. */
  tableFor(boolState: Uint8Array): { table: AvTab; condState: Uint8Array } {
    const condState = Uint8Array.from(this.sym.conds, (c) => (evalCond(c.program, boolState) ? 1 : 0));
    const lists = this.sym.conds.map((c, i) => this.ex.condLists[condListIndex({ node: i, branch: condState[i] === 1 })]!);
    const extra = lists.reduce((n, l) => n + l.length, 0);
    if (extra === 0) return { table: this.ex.base, condState };
    const table = this.ex.base.cloneWithRoom(extra);
    for (const l of lists) l.addTo(table);
    return { table, condState };
  }

  refresh(): void {
    const { table, condState } = this.tableFor(this.boolState);
    this.effective = table;
    this.condState.set(condState);
  }

  ruleRef(span: Span): RuleRef {
    const raw = this.source.slice(span.offset, span.offset + span.length);
    // a rule m4 spread over lines carries `#line` directives (and may carry comments) inside it
    return { text: raw.replace(/#[^\n]*/g, " ").replace(/\s+/g, " ").trim(), span };
  }
}

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

class Policy implements CompiledPolicy {
  readonly stats: PolicyStats;
  private readonly pcidevices: Map<number, string>;
  // The hot path: names -> ids in null-prototype dictionaries, and a lookup closure over the
  // effective table (rebuilt when the booleans change) that is a flat array index when the policy
  // is small, a hash probe otherwise. A dictionary beats a Map here: V8 looks a string key up in it
  // by the key's internalized form (cached hash, pointer compare), where Map.get compares the
  // parser's substrings of the policy text character by character (12 vs 30-60 ns at 3000 types).
  private readonly typeDict: Record<string, number>;
  private readonly classDict: Record<string, { id: number; perms: Record<string, number> }>;
  // The previous question's names and ids: hooks ask about the same few labels over and over, and
  // four pointer compares are cheaper than four lookups. Set only after a complete answer.
  private lastSource: string | undefined;
  private lastTarget: string | undefined;
  private lastClassName: string | undefined;
  private lastPerm: string | undefined;
  private lastSourceId = -1;
  private lastTargetId = -1;
  private lastClassId = -1;
  private lastMask = 0;
  /** TE decision on ids: is every bit of `mask` allowed for (stype, ttype, tclass)? */
  allowsIds: (stype: number, ttype: number, tclass: number, mask: number) => boolean;

  constructor(
    private readonly core: PolicyCore,
    readonly warnings: readonly Diagnostic[],
  ) {
    this.stats = stats(core.sym, core.ex);
    this.pcidevices = new Map(core.sym.ocontexts.pcidevicecon.map((o) => [o.device, o.context.text]));
    this.typeDict = dictionary(core.typeIds);
    this.classDict = Object.create(null) as Policy["classDict"];
    for (const [name, c] of core.classEntries) this.classDict[name] = { id: c.id, perms: dictionary(c.perms) };
    this.allowsIds = this.lazyLookup();
  }

  /** The lookup over the current table, built by the first decision that needs it: a compile
   *  (or a boolean change) that asks nothing does not pay for expanding the table to type pairs. */
  private lazyLookup(): Policy["allowsIds"] {
    return (stype, ttype, tclass, mask) => {
      this.allowsIds = allowedLookup(this.core.effective, this.core.tam);
      return this.allowsIds(stype, ttype, tclass, mask);
    };
  }

  typeId(name: string): number {
    return this.core.typeIds.get(name) ?? -1;
  }
  typeName(id: number): string {
    const t = this.core.sym.types[id];
    if (!t) throw new RangeError(`no type with id ${id}`);
    return t.name;
  }
  classId(name: string): number {
    return this.core.classEntries.get(name)?.id ?? -1;
  }
  className(id: number): string {
    const c = this.core.sym.classes[id];
    if (!c) throw new RangeError(`no class with id ${id}`);
    return c.name;
  }
  permMask(classId: number, perm: string): number {
    return this.core.sym.classes[classId]?.permMask.get(perm) ?? 0;
  }
  permNames(classId: number, mask: number): string[] {
    const perms = this.core.sym.classes[classId]?.perms ?? [];
    return perms.filter((_, bit) => (mask >>> bit) & 1);
  }

  allows(stype: string, ttype: string, tclass: string, perm: string): boolean | undefined {
    if (stype === this.lastSource && ttype === this.lastTarget && tclass === this.lastClassName && perm === this.lastPerm) {
      return this.allowsIds(this.lastSourceId, this.lastTargetId, this.lastClassId, this.lastMask);
    }
    const s = this.typeDict[stype];
    const t = this.typeDict[ttype];
    const c = this.classDict[tclass];
    // a name the policy does not declare is a different answer from a denial (a typo, not a "no")
    if (s === undefined || t === undefined || c === undefined) return undefined;
    const mask = c.perms[perm];
    if (mask === undefined) return undefined;
    this.lastSource = stype;
    this.lastTarget = ttype;
    this.lastClassName = tclass;
    this.lastPerm = perm;
    this.lastSourceId = s;
    this.lastTargetId = t;
    this.lastClassId = c.id;
    this.lastMask = mask;
    return this.allowsIds(s, t, c.id, mask);
  }

  check(scontext: string, tcontext: string, tclass: string, perm: string): Decision {
    return decide(this.core, scontext, tcontext, tclass, perm, false);
  }
  explain(scontext: string, tcontext: string, tclass: string, perm: string): Decision {
    return decide(this.core, scontext, tcontext, tclass, perm, true);
  }
  computeAv(scontext: SecurityContext, tcontext: SecurityContext, tclass: number): AvDecision {
    return computeAv(this.core, scontext, tcontext, tclass);
  }

  parseContext(text: string): ContextResult {
    return parseContext(this.core, text);
  }
  contextToString(c: SecurityContext): string {
    const sym = this.core.sym;
    return `${sym.users[c.user]?.name}:${sym.roles[c.role]?.name}:${sym.types[c.type]?.name}`;
  }
  initialSidContext(name: string): string | undefined {
    return this.core.sym.initialSids.get(name)?.text;
  }
  pcideviceContext(device: number): string | undefined {
    return this.pcidevices.get(device);
  }

  booleanNames(): string[] {
    return this.core.sym.bools.map((b) => b.name);
  }
  getBoolean(name: string): boolean | undefined {
    const id = this.core.sym.boolIds.get(name);
    return id === undefined ? undefined : this.core.boolState[id] === 1;
  }
  setBooleans(values: Readonly<Record<string, boolean>>): void {
    const ids = this.core.sym.boolIds;
    const unknown = Object.keys(values).filter((n) => !ids.has(n));
    if (unknown.length > 0) throw new PolicyError(unknown.map((n) => error("unknown-boolean", `unknown boolean ${n}`)));
    const bad = Object.entries(values).filter(([, v]) => typeof v !== "boolean");
    if (bad.length > 0) throw new PolicyError(bad.map(([n]) => error("bad-boolean", `boolean ${n} must be true or false`)));
    const next = this.core.boolState.slice();
    for (const [name, v] of Object.entries(values)) next[ids.get(name)!] = v ? 1 : 0;
    const { table, condState } = this.core.tableFor(next);
    // commit only once the new table exists: a failure above leaves the old state intact
    this.core.boolState.set(next);
    this.core.condState.set(condState);
    this.core.effective = table;
    this.allowsIds = this.lazyLookup();
  }

  matrixJson(): string {
    return matrixJson(this.core);
  }
}

/** A null-prototype dictionary of a name map (no inherited keys: `constructor` is no type). */
function dictionary(map: ReadonlyMap<string, number>): Record<string, number> {
  const dict = Object.create(null) as Record<string, number>;
  for (const [name, id] of map) dict[name] = id;
  return dict;
}

export function compile(sym: Symbols, ex: Expanded, source: string, warnings: Diagnostic[]): CompiledPolicy {
  return new Policy(new PolicyCore(sym, ex, source), warnings);
}
