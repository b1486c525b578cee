// Access-vector and type rules (define_te_avtab, define_compute_type): names -> symbolic type
// sets, class ids and permission masks; expand.ts makes them table entries.
import type { AvRule, AvRuleKind, TypeRule } from "../ast.js";
import type { Span } from "../../diagnostics/diagnostic.js";
import { ScannedAvRule, type ScanNodes } from "../scan.js";
import type { ClassSym, CondPlace, ResolvedAvRule, TypeSet } from "../symbols.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

// What each set of an AV rule may hold (checkpolicy's define_te_avtab_helper), made once.
const NEVERALLOW_TYPES = Object.freeze({ star: true, complement: true, exclude: true });
const RULE_TYPES = Object.freeze({ star: false, complement: false, exclude: true });
const PERMS = Object.freeze({ star: true, complement: true });

export function avRule(st: ResolveState, names: Names, r: AvRule, cond?: CondPlace): void {
  if (r instanceof ScannedAvRule) {
    scannedAvRule(st, names, r, cond);
    return;
  }
  const types = r.rule === "neverallow" ? NEVERALLOW_TYPES : RULE_TYPES;
  names.shape(r.sources, types);
  names.shape(r.targets, types);
  names.shape(r.perms, PERMS);
  const sources = names.typeSet(r.sources, false);
  const targets = names.typeSet(r.targets, true);
  const classes = names.classSet(r.classes);
  const masks = classes.length === 1 ? [names.permMask(r.perms, st.sym.classes[classes[0]!]!)] : classes.map((c) => names.permMask(r.perms, st.sym.classes[c]!));
  st.rules.avRules.push({ kind: r.rule, span: r.span, sources, targets, classes, masks, cond });
}

/** A rule resolved from a ScannedAvRule: its span is made when read, from where the statement is
 *  (the nodes and two numbers instead of a span object per rule: a large policy has 100k, kept
 *  as long as the compiled policy). */
class ResolvedScannedRule implements ResolvedAvRule {
  readonly #nodes: ScanNodes;
  readonly #start: number;
  readonly #length: number;
  /** The one class's mask (nearly every rule), or the mask per class. */
  readonly #masks: number | number[];

  constructor(
    readonly kind: AvRuleKind,
    r: ScannedAvRule,
    readonly sources: TypeSet,
    readonly targets: TypeSet,
    readonly classes: number[],
    masks: number | number[],
    readonly cond: CondPlace | undefined,
  ) {
    this.#nodes = r.nodes;
    this.#start = r.spanStart;
    this.#length = r.spanLength;
    this.#masks = masks;
  }

  /** (a list made when read for a rule of one class: expand reads it once, and it dies young, where
   *  a list kept per rule, or a shared one looked up per rule, cost more) */
  get masks(): number[] {
    const m = this.#masks;
    return typeof m === "number" ? [m] : m;
  }

  get span(): Span {
    return this.#nodes.at(this.#start, this.#start + this.#length);
  }
}

/** avRule for the scanner's rules: a set of one plain name, or a plain `{ ... }`, is resolved
 *  from its names, without making its node (such a set passes every shape check; a name that
 *  resolves to nothing goes the general way, which makes the node and reports it). In the order
 *  avRule reports. */
function scannedAvRule(st: ResolveState, names: Names, r: ScannedAvRule, cond?: CondPlace): void {
  const types = r.rule === "neverallow" ? NEVERALLOW_TYPES : RULE_TYPES;
  const sourceName = r.sourceName;
  const sourceList = sourceName === undefined ? r.sourceList : -1;
  const targetName = r.targetName;
  const targetList = targetName === undefined ? r.targetList : -1;
  const permName = r.permName;
  const permList = permName === undefined ? r.permList : -1;
  const pool = r.nodes.pool;
  if (sourceName === undefined && sourceList < 0) names.shape(r.sources, types);
  if (targetName === undefined && targetList < 0) names.shape(r.targets, types);
  if (permName === undefined && permList < 0) names.shape(r.perms, PERMS);
  const sources =
    (sourceName !== undefined ? names.oneTypeSet(sourceName) : sourceList >= 0 ? names.namesTypeSet(pool, sourceList, false) : undefined) ?? names.typeSet(r.sources, false);
  const targets =
    (targetName !== undefined ? names.oneTargetSet(targetName) : targetList >= 0 ? names.namesTypeSet(pool, targetList, true) : undefined) ?? names.typeSet(r.targets, true);
  const className = r.className;
  const classes = (className !== undefined ? names.oneClassSet(className) : undefined) ?? names.classSet(r.classes);
  let masks: number | number[];
  if (classes.length === 1) {
    const cls = st.sym.classes[classes[0]!]!;
    const m = permName !== undefined ? cls.permMask.get(permName) : permList >= 0 ? namesMask(pool, permList, cls) : undefined;
    masks = m ?? names.permMask(r.perms, cls);
  } else {
    masks = classes.map((c) => {
      const cls = st.sym.classes[c]!;
      return (permName !== undefined ? cls.permMask.get(permName) : permList >= 0 ? namesMask(pool, permList, cls) : undefined) ?? names.permMask(r.perms, cls);
    });
  }
  st.rules.avRules.push(new ResolvedScannedRule(r.rule, r, sources, targets, classes, masks, cond));
}

/** The mask of a plain set of permission names (at `at` in the pool: the count, then the names)
 *  for one class, or undefined when the class lacks one of them (Names.permMask then reports it). */
function namesMask(pool: readonly (string | number)[], at: number, cls: ClassSym): number | undefined {
  let mask = 0;
  const end = at + 1 + (pool[at] as number);
  for (let k = at + 1; k < end; k++) {
    const m = cls.permMask.get(pool[k] as string);
    if (m === undefined) return undefined;
    mask |= m;
  }
  return mask >>> 0;
}

export function typeRule(st: ResolveState, names: Names, r: TypeRule, cond?: CondPlace): void {
  names.shape(r.sources, RULE_TYPES);
  names.shape(r.targets, RULE_TYPES);
  const sources = names.typeSet(r.sources, false);
  const targets = names.typeSet(r.targets, true);
  const classes = names.classSet(r.classes);
  const def = st.sym.typeIds.get(r.defaultType.name);
  if (def === undefined) {
    st.unknown(`unknown type ${r.defaultType.name}`, r.defaultType.span, r.defaultType.name, st.sym.typeIds.keys());
    return;
  }
  st.rules.typeRules.push({ kind: r.rule, span: r.span, sources, targets, classes, defaultType: def, cond });
}
