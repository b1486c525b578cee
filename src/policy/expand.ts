// Stage `expand`: resolved rules -> the access vector table, as libsepol's expand.c. An AV rule's
// entries are keyed as libsepol keys them (avtab.ts): its attributes stay attributes unless its
// set has `-`, `*`, `~` or the rule has `self`, which expand the set to types (`self` pairs each
// source with itself). Unconditional rules go to the base avtab and each branch of a conditional
// keeps its own list (te_cond_avtab), whatever the booleans say. Each rule also keeps its set
// expanded to types, for the reasons a decision gives and the neverallow check.
import { AvKind, AvList, AvTab } from "./avtab.js";
import { avCounts, type AvCounts } from "./avstats.js";
import type { AvRuleKind, TypeRuleKind } from "./ast.js";
import { error, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { expandTypeSet } from "./typeset.js";
import type { AttrSym, CondPlace, ResolvedAvRule, ResolvedRules, Symbols, TypeSet } from "./symbols.js";

export type { AvCounts } from "./avstats.js";

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
  /** The attribute key ids (ntypes + index) the avtab keeps for this rule on each side, when it
   *  keeps any: what a context whose type is an attribute matches (decide.ts reasons). */
  attrKeys?: { readonly sources: readonly number[]; readonly targets: readonly number[] };
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

export interface Expanded {
  /** allow, auditallow, dontaudit and auditdeny rules, in source order. */
  rules: ExpandedAvRule[];
  neverallows: ExpandedAvRule[];
  /** Unconditional entries, keyed by type or attribute (avtab.ts). */
  base: AvTab;
  /** Index node * 2 + (branch ? 0 : 1); keyed as base. */
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

/**
 * Whether libsepol keeps the attributes of a rule's set as keys of the rule's avtab entries
 * (type_set_expand with alwaysexpand 0) and, given one of them, whether it keeps that one: none
 * when the set has `*` or `~` or excludes names (`-`: it is expanded to its types) or the rule
 * expands its sets (`forced`: an AV rule with `self`, as convert_and_expand_rule does, and every
 * type rule), and no attribute `expandattribute A true` expands (TYPE_FLAGS_EXPAND_ATTR_TRUE). The
 * one answer for the avtab here, the attribute keys decisions match a context by, and the binary
 * writer's keys (src/binary/lower.ts). (The set's flags, not the set: the writer's sets are AST
 * nodes, these resolved ones, and one property read here of both would be slow on both.)
 */
export function keepsAttribute(star: boolean, complement: boolean, excluding: boolean, forced: boolean, attr?: AttrSym): boolean {
  return !forced && !star && !complement && !excluding && attr?.expand !== true;
}

function excludes(ts: TypeSet): boolean {
  return ts.negTypes.length > 0 || ts.negAttrs.length > 0;
}

class Expander {
  readonly diags: Diagnostic[] = [];
  readonly nt: number;
  readonly nc: number;
  readonly base: AvTab;
  readonly condLists: AvList[];
  private readonly attrKeys: number[][] = [];

  constructor(
    private readonly sym: Symbols,
    private readonly resolved: ResolvedRules,
  ) {
    this.nt = sym.types.length;
    this.nc = Math.max(1, sym.classes.length);
    const nids = this.nt + sym.attrs.length;
    this.base = new AvTab(nids, this.nc, resolved.avRules.length * 2);
    this.condLists = Array.from({ length: sym.conds.length * 2 }, () => new AvList(nids, this.nc));
  }

  /** The rule with its sets expanded to types (what check, reasons and the tools read). */
  expandedRule(r: ResolvedAvRule): ExpandedAvRule {
    const sources = expandTypeSet(r.sources, this.sym);
    const targets = expandTypeSet(r.targets, this.sym);
    const rule: ExpandedAvRule = { kind: r.kind, span: r.span, cond: r.cond, sources, targets, self: r.targets.self, classes: r.classes, masks: r.masks };
    const self = r.targets.self;
    const attrSources = this.keptAttrs(r.sources, self);
    const attrTargets = this.keptAttrs(r.targets, self);
    if (attrSources.length > 0 || attrTargets.length > 0) rule.attrKeys = { sources: attrSources, targets: attrTargets };
    return rule;
  }

  /** The set's attributes the avtab keeps, as key ids (ntypes + index). */
  private keptAttrs(ts: TypeSet, self: boolean): number[] {
    const excluding = excludes(ts);
    if (ts.attrs.length === 0 || !keepsAttribute(ts.star, ts.complement, excluding, self)) return [];
    return ts.attrs.filter((a) => keepsAttribute(ts.star, ts.complement, excluding, self, this.sym.attrs[a])).map((a) => this.nt + a);
  }

  /** The rule's entries in its table (a set that keeps its attributes is not expanded here). */
  avRule(r: ResolvedAvRule): void {
    const self = r.targets.self;
    const kind = kindOf(r.kind);
    const table = r.cond ? this.condLists[condListIndex(r.cond)]! : this.base;
    const sourceKeys = this.keys(r.sources, self);
    const targetKeys = this.keys(r.targets, self);
    for (let ci = 0; ci < r.classes.length; ci++) {
      const c = r.classes[ci]!;
      // auditdeny lists the permissions to audit: the others are dontaudit
      let mask = r.masks[ci]!;
      if (r.kind === "auditdeny") mask = ~mask & this.sym.classes[c]!.allMask;
      table.addPairs(sourceKeys, targetKeys, self, c, kind, mask);
    }
  }

  /** A set's key ids: its types, and attribute a as ntypes + a where the avtab keeps it
   *  (keepsAttribute), else a's types (type_set_expand; the table counts the keys as seinfo does). */
  private keys(ts: TypeSet, self: boolean): ArrayLike<number> {
    const excluding = excludes(ts);
    if (!keepsAttribute(ts.star, ts.complement, excluding, self)) return expandTypeSet(ts, this.sym);
    if (ts.attrs.length === 0 && ts.types.length <= 1) return ts.types;
    // one attribute (most attribute rules): one shared, never written, list per attribute
    const one = ts.attrs[0]!;
    if (ts.types.length === 0 && ts.attrs.length === 1 && keepsAttribute(ts.star, ts.complement, excluding, self, this.sym.attrs[one])) return (this.attrKeys[one] ??= [this.nt + one]);
    const ids = new Set(ts.types);
    for (const a of ts.attrs) {
      const attr = this.sym.attrs[a]!;
      if (keepsAttribute(ts.star, ts.complement, excluding, self, attr)) ids.add(this.nt + a);
      else for (const t of attr.members) ids.add(t);
    }
    return [...ids];
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
  const neverallows: ExpandedAvRule[] = [];
  const avRules = resolved.avRules;
  for (let i = 0; i < avRules.length; i++) {
    const r = avRules[i]!;
    if (r.kind === "neverallow") neverallows.push(ex.expandedRule(r));
    else ex.avRule(r);
  }
  const typeRules = ex.typeRules();
  // The other rules expanded to types only when first read: a compile reads them only to name
  // the rule behind a neverallow or bounds error, and a large policy has 100k of them.
  let rules: ExpandedAvRule[] | undefined;
  const expanded: Expanded = {
    get rules(): ExpandedAvRule[] {
      return (rules ??= resolved.avRules.filter((r) => r.kind !== "neverallow").map((r) => ex.expandedRule(r)));
    },
    neverallows,
    base: ex.base,
    condLists: ex.condLists,
    typeRules,
    counts: avCounts(ex.base, ex.condLists),
  };
  return { expanded, diagnostics: ex.diags };
}
