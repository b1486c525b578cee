// The MLS parts of a policy as setools shows them: levels and ranges in its text (a run of two
// or more categories as `c0.c1`, a range `low - high`), range_transition rules as the binary
// holds them (expand.c expand_range_trans: one per source, target and class), and which
// constraints are MLS ones (setools counts a constraint whose expression names a level as
// mlsconstrain, whichever keyword wrote it).
import { foldTree } from "../policy/ast.js";
import { levelRunsText, type Level, type LevelRange, type MlsSymbols, type ResolvedConstraintExpr, type ResolvedContext, type Symbols } from "../policy/symbols.js";
import { expandTypeSet } from "../policy/typeset.js";

/** setools' str(Level): sensitivity, then categories in declaration order, runs of two or more
 *  as `first.last`. */
export function setoolsLevel(mls: MlsSymbols, l: Level): string {
  return levelRunsText(mls, l, 2);
}

/** setools' str(Range): one level when low equals high, else `low - high`. */
export function setoolsRange(mls: MlsSymbols, r: LevelRange): string {
  const low = setoolsLevel(mls, r.low);
  const high = setoolsLevel(mls, r.high);
  return low === high ? low : `${low} - ${high}`;
}

/** A context as setools prints it: an MLS one's range in setools' text. */
export function setoolsContext(sym: Symbols, ctx: ResolvedContext): string {
  if (!sym.mls || !ctx.range) return ctx.text;
  return `${ctx.text.split(":").slice(0, 3).join(":")}:${setoolsRange(sym.mls, ctx.range)}`;
}

export interface RangeTransRecord {
  /** Type ids. */
  source: number;
  target: number;
  classId: number;
  range: LevelRange;
  /** Index of the rule in mls.rangeTransitions it came from. */
  rule: number;
}

/** The binary's range_trans records: each rule's types expanded, a (source, target, class) once,
 *  the first rule's range kept (the resolver refused conflicting ones). */
export function rangeTransRecords(sym: Symbols): RangeTransRecord[] {
  const mls = sym.mls;
  if (!mls) return [];
  const out: RangeTransRecord[] = [];
  const seen = new Set<string>();
  mls.rangeTransitions.forEach((r, rule) => {
    const targets = expandTypeSet(r.targets, sym);
    for (const s of expandTypeSet(r.sources, sym)) {
      for (const t of targets) {
        for (const c of r.classes) {
          const key = `${s} ${t} ${c}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ source: s, target: t, classId: c, range: r.range, rule });
        }
      }
    }
  });
  return out;
}

/** Whether an expression compares levels (setools' Constraint.ruletype mlsconstrain /
 *  mlsvalidatetrans). */
export function isMlsExpr(e: ResolvedConstraintExpr): boolean {
  return foldTree<ResolvedConstraintExpr, boolean>(e, (n, v) => n.op === "level" || v.some(Boolean));
}
