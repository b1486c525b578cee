// Access-vector and type rules (define_te_avtab, define_compute_type): names -> symbolic type
// sets, class ids and permission masks; expand.ts makes them table entries.
import type { AvRule, TypeRule } from "../ast.js";
import { ScannedAvRule } from "../scan.js";
import type { CondPlace } from "../symbols.js";
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

/** avRule for the scanner's rules: a set of one plain name is resolved from its name, without
 *  making its node (a one-name set passes every shape check; a name that resolves to nothing
 *  goes the general way, which makes the node and reports it). In the order avRule reports. */
function scannedAvRule(st: ResolveState, names: Names, r: ScannedAvRule, cond?: CondPlace): void {
  const types = r.rule === "neverallow" ? NEVERALLOW_TYPES : RULE_TYPES;
  const sourceName = r.sourceName;
  const targetName = r.targetName;
  const permName = r.permName;
  if (sourceName === undefined) names.shape(r.sources, types);
  if (targetName === undefined) names.shape(r.targets, types);
  if (permName === undefined) names.shape(r.perms, PERMS);
  const sources = (sourceName !== undefined ? names.oneTypeSet(sourceName) : undefined) ?? names.typeSet(r.sources, false);
  const targets = (targetName !== undefined ? names.oneTypeSet(targetName) : undefined) ?? names.typeSet(r.targets, true);
  const className = r.className;
  const classes = (className !== undefined ? names.oneClassSet(className) : undefined) ?? names.classSet(r.classes);
  let masks: number[];
  if (classes.length === 1) {
    const cls = st.sym.classes[classes[0]!]!;
    const m = permName !== undefined ? cls.permMask.get(permName) : undefined;
    masks = [m ?? names.permMask(r.perms, cls)];
  } else masks = classes.map((c) => names.permMask(r.perms, st.sym.classes[c]!));
  st.rules.avRules.push({ kind: r.rule, span: r.span!, sources, targets, classes, masks, cond });
}

export function typeRule(st: ResolveState, names: Names, r: TypeRule, cond?: CondPlace): void {
  names.shape(r.sources, RULE_TYPES);
  names.shape(r.targets, RULE_TYPES);
  const sources = names.typeSet(r.sources, false);
  const targets = names.typeSet(r.targets, true);
  const classes = names.classSet(r.classes);
  const def = st.sym.typeIds.get(r.defaultType.name);
  if (def === undefined) {
    st.err("undeclared", `unknown type ${r.defaultType.name}`, r.defaultType.span);
    return;
  }
  st.rules.typeRules.push({ kind: r.rule, span: r.span, sources, targets, classes, defaultType: def, cond });
}
