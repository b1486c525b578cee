// Stage `expand`: resolved rules -> per (stype, ttype, class) masks, as libsepol's expand.c.
// Attributes expand to their member types, `self` pairs each source with itself, `*`/`~`/`-`
// were applied by the type set; unconditional rules go to the base avtab and each branch of a
// conditional keeps its own list (te_cond_avtab), whatever the booleans say.
import { AvKind, AvList, AvTab, DenseAvBuilder, KeySet } from "./avtab.js";
import type { AvRuleKind, TypeRuleKind } from "./ast.js";
import { error, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { expandTypeSet } from "./typeset.js";
import type { CondPlace, ResolvedAvRule, ResolvedRules, Symbols, TypeSet } from "./symbols.js";

export interface ExpandedAvRule {
  kind: AvRuleKind;
  span: Span;
  cond?: CondPlace;
  /** Sorted type ids. */
  sources: Int32Array;
  /** Sorted type ids, not counting `self`. */
  targets: Int32Array;
  self: boolean;
  classes: number[];
  masks: number[];
}

export interface TypeRuleEntry {
  kind: TypeRuleKind;
  stype: number;
  ttype: number;
  tclass: number;
  defaultType: number;
  cond?: CondPlace;
  span: Span;
}

export interface AvCounts {
  allow: number;
  auditallow: number;
  dontaudit: number;
}

export interface Expanded {
  /** allow, auditallow, dontaudit and auditdeny rules, in source order. */
  rules: ExpandedAvRule[];
  neverallows: ExpandedAvRule[];
  /** Unconditional entries. */
  base: AvTab;
  /** Index node * 2 + (branch ? 0 : 1). */
  condLists: AvList[];
  typeRules: TypeRuleEntry[];
  /** avtab entries as libsepol stores them (attributes kept unless a rule forces expansion),
   *  the numbers setools reports as allow_count etc. */
  counts: AvCounts;
}

export function condListIndex(place: CondPlace): number {
  return place.node * 2 + (place.branch ? 0 : 1);
}

function kindOf(rule: AvRuleKind): AvKind {
  return rule === "allow" ? AvKind.Allow : rule === "auditallow" ? AvKind.AuditAllow : AvKind.DontAudit;
}

/** Does libsepol keep this set's attributes as attributes in the avtab (type_set_expand with
 *  alwaysexpand = 0)? Only when nothing forces expansion: no `self` in the rule, no `-`, `*`, `~`. */
function keepsAttributes(ts: TypeSet, self: boolean): boolean {
  // (libsepol's convert_and_expand_rule: alwaysexpand for RULE_SELF; type_set_expand for the rest)
  return !self && !ts.star && !ts.complement && ts.negTypes.length === 0 && ts.negAttrs.length === 0;
}

/** Are a set's statistics keys type ids (its expansion), not attribute ids? */
function typeSpace(ts: TypeSet, self: boolean): boolean {
  return !keepsAttributes(ts, self) || ts.attrs.length === 0;
}

class Expander {
  readonly diags: Diagnostic[] = [];
  readonly nt: number;
  readonly nc: number;
  /** The unconditional entries while rules are added; `base()` hands over the finished table. */
  private readonly table: AvTab | DenseAvBuilder;
  readonly condLists: AvList[];
  private readonly countKeys: [KeySet, KeySet, KeySet];
  private readonly scopes: number;

  constructor(
    private readonly sym: Symbols,
    private readonly resolved: ResolvedRules,
  ) {
    this.nt = sym.types.length;
    this.nc = Math.max(1, sym.classes.length);
    this.table = DenseAvBuilder.fits(this.nt, this.nc) ? new DenseAvBuilder(this.nt, this.nc) : new AvTab(this.nt, this.nc, resolved.avRules.length * 2);
    this.table.startCounting();
    const n = resolved.avRules.length;
    this.countKeys = [new KeySet(n * 2), new KeySet(n / 8), new KeySet(n / 8)];
    this.condLists = Array.from({ length: sym.conds.length * 2 }, () => new AvList());
    this.scopes = 1 + sym.conds.length * 2;
  }

  avRule(r: ResolvedAvRule): ExpandedAvRule {
    const sources = expandTypeSet(r.sources, this.sym);
    const targets = expandTypeSet(r.targets, this.sym);
    const self = r.targets.self;
    const out: ExpandedAvRule = { kind: r.kind, span: r.span, cond: r.cond, sources, targets, self, classes: r.classes, masks: r.masks };
    if (r.kind === "neverallow") return out;
    const kind = kindOf(r.kind);
    const list = r.cond ? this.condLists[condListIndex(r.cond)]! : undefined;
    const nt = this.nt;
    const nc = this.nc;
    // An unconditional rule whose statistics keys are its avtab entries counts them as it adds them
    const inTable = !list && typeSpace(r.sources, self) && typeSpace(r.targets, self);
    for (let ci = 0; ci < r.classes.length; ci++) {
      const c = r.classes[ci]!;
      // auditdeny lists the permissions to audit: the others are dontaudit
      let mask = r.masks[ci]!;
      if (r.kind === "auditdeny") mask = ~mask & this.sym.classes[c]!.allMask;
      if (mask === 0) {
        if (inTable) this.countPairs(sources, targets, self, c, kind);
        continue;
      }
      if (list) list.addPairs(sources, targets, self, nt, nc, c, kind, mask);
      else this.table.addPairs(sources, targets, self, c, kind, mask, inTable);
    }
    if (!inTable) this.count(r, kind, sources, targets);
    return out;
  }

  /** count() for the avtab keys (s, t, c) of a rule that adds none for class c. */
  private countPairs(sources: Int32Array, targets: Int32Array, self: boolean, c: number, kind: AvKind): void {
    for (const s of sources) {
      if (self) this.table.markCounted((s * this.nt + s) * this.nc + c, kind);
      for (const t of targets) this.table.markCounted((s * this.nt + t) * this.nc + c, kind);
    }
  }

  /** Records the rule's avtab keys in libsepol's form, for the statistics. An unconditional key
   *  of two types is the avtab's own (s, t, c): it is counted by a mark in the table's slot (most
   *  are marked by addPairs as it adds them); attribute keys and conditional ones go to a KeySet. */
  private count(r: ResolvedAvRule, kind: AvKind, sources: Int32Array, targets: Int32Array): void {
    const nt = this.nt;
    const nta = nt + this.sym.attrs.length;
    const self = r.targets.self;
    const ss = keepsAttributes(r.sources, self) ? this.keyIds(r.sources) : sources;
    const tt = keepsAttributes(r.targets, self) ? this.keyIds(r.targets) : targets;
    const scope = r.cond ? 1 + condListIndex(r.cond) : 0;
    const set = this.countKeys[kind];
    const nc = this.nc;
    const scopes = this.scopes;
    const key = (s: number, t: number, c: number): void => {
      if (scope === 0 && s < nt && t < nt) this.table.markCounted((s * nt + t) * nc + c, kind);
      else set.add(((s * nta + t) * nc + c) * scopes + scope);
    };
    for (const c of r.classes) {
      for (const s of ss) {
        if (self) key(s, s, c);
        for (const t of tt) key(s, t, c);
      }
    }
  }

  /** A set's ids in the avtab's own space, where attribute a is ntypes + a. */
  private keyIds(ts: TypeSet): number[] {
    if (ts.attrs.length === 0 && ts.types.length <= 1) return ts.types;
    const ids = new Set(ts.types);
    for (const a of ts.attrs) ids.add(this.nt + a);
    return [...ids];
  }

  base(): AvTab {
    const extra = this.condLists.reduce((n, l) => n + l.length, 0);
    return this.table instanceof DenseAvBuilder ? this.table.finish(extra) : this.table;
  }

  counts(): AvCounts {
    const inTable = this.table.stopCounting();
    return {
      allow: this.countKeys[0].size + inTable[AvKind.Allow]!,
      auditallow: this.countKeys[1].size + inTable[AvKind.AuditAllow]!,
      dontaudit: this.countKeys[2].size + inTable[AvKind.DontAudit]!,
    };
  }

  /** expand_terule_helper: one default per (source, target, class) and kind; a repeat with the same
   *  default is ignored in the same scope, anything else is a conflict. */
  typeRules(): TypeRuleEntry[] {
    const out: TypeRuleEntry[] = [];
    const seen = new Map<string, TypeRuleEntry[]>();
    for (const r of this.resolved.typeRules) {
      const sources = expandTypeSet(r.sources, this.sym);
      const targets = expandTypeSet(r.targets, this.sym);
      for (const c of r.classes) {
        for (const s of sources) {
          const ts = r.targets.self ? [s, ...targets] : targets;
          for (const t of ts) {
            const key = `${r.kind} ${s} ${t} ${c}`;
            const entry: TypeRuleEntry = { kind: r.kind, stype: s, ttype: t, tclass: c, defaultType: r.defaultType, cond: r.cond, span: r.span };
            const prior = seen.get(key);
            if (!prior) {
              seen.set(key, [entry]);
              out.push(entry);
              continue;
            }
            const clash = prior.find((p) => !oppositeBranches(p.cond, r.cond));
            if (!clash) {
              prior.push(entry);
              out.push(entry);
              continue;
            }
            if (clash.defaultType === r.defaultType && sameScope(clash.cond, r.cond)) continue;
            const names = `${this.sym.types[s]!.name} ${this.sym.types[t]!.name}:${this.sym.classes[c]!.name}`;
            const message =
              clash.defaultType === r.defaultType
                ? `duplicate TE rule for ${names} ${this.sym.types[r.defaultType]!.name} (in another conditional scope)`
                : `conflicting TE rule for (${names}): old was ${this.sym.types[clash.defaultType]!.name}, new is ${this.sym.types[r.defaultType]!.name}`;
            this.diags.push(error("type-rule-conflict", message, r.span, [{ message: "the earlier rule", span: clash.span }]));
          }
        }
      }
    }
    return out;
  }
}

function sameScope(a?: CondPlace, b?: CondPlace): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.node === b.node && a.branch === b.branch;
}

function oppositeBranches(a?: CondPlace, b?: CondPlace): boolean {
  return a !== undefined && b !== undefined && a.node === b.node && a.branch !== b.branch;
}

export interface ExpandResult {
  expanded: Expanded;
  diagnostics: Diagnostic[];
}

export function expand(sym: Symbols, resolved: ResolvedRules): ExpandResult {
  const ex = new Expander(sym, resolved);
  const rules: ExpandedAvRule[] = [];
  const neverallows: ExpandedAvRule[] = [];
  for (const r of resolved.avRules) (r.kind === "neverallow" ? neverallows : rules).push(ex.avRule(r));
  const typeRules = ex.typeRules();
  return {
    expanded: { rules, neverallows, base: ex.base(), condLists: ex.condLists, typeRules, counts: ex.counts() },
    diagnostics: ex.diags,
  };
}
