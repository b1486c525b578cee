// Access-vector and type rules (define_te_avtab, define_compute_type): names -> symbolic type
// sets, class ids and permission masks; expand.ts makes them table entries.
import type { AvRule, TypeRule } from "../ast.js";
import type { CondPlace } from "../symbols.js";
import type { Names } from "./names.js";
import type { ResolveState } from "./state.js";

export function avRule(st: ResolveState, names: Names, r: AvRule, cond?: CondPlace): void {
  const never = r.rule === "neverallow";
  names.shape(r.sources, { star: never, complement: never, exclude: true });
  names.shape(r.targets, { star: never, complement: never, exclude: true });
  names.shape(r.perms, { star: true, complement: true });
  const sources = names.typeSet(r.sources, false);
  const targets = names.typeSet(r.targets, true);
  const classes = names.classSet(r.classes);
  const masks = classes.map((c) => names.permMask(r.perms, st.sym.classes[c]!));
  st.rules.avRules.push({ kind: r.rule, span: r.span, sources, targets, classes, masks, cond });
}

export function typeRule(st: ResolveState, names: Names, r: TypeRule, cond?: CondPlace): void {
  names.shape(r.sources, { exclude: true });
  names.shape(r.targets, { exclude: true });
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
