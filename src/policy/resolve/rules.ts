// Access-vector and type rules (define_te_avtab, define_compute_type): names -> symbolic type
// sets, class ids and permission masks; expand.ts makes them table entries.
import type { AvRule, TypeRule } from "../ast.js";
import type { CondPlace } from "../symbols.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

// What each set of an AV rule may hold (checkpolicy's define_te_avtab_helper), made once.
const NEVERALLOW_TYPES = Object.freeze({ star: true, complement: true, exclude: true });
const RULE_TYPES = Object.freeze({ star: false, complement: false, exclude: true });
const PERMS = Object.freeze({ star: true, complement: true });

export function avRule(st: ResolveState, names: Names, r: AvRule, cond?: CondPlace): void {
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
