// Does an expanded rule name a (source, target, class) triple? Asked by the neverallow check
// (libsepol assertion.c check_assertion_avtab_match) and by explanations (which rules grant a
// permission); kept apart so that decisions do not depend on the check stage.
import type { ExpandedAvRule } from "./expand.js";
import { sortedHas } from "./typeset.js";

// An id at or past `nt` is an attribute's key id (a context a reload left with an attribute as its
// type): Xen's walk reaches only the entries keyed on that attribute itself, so a rule names it
// only when the avtab keeps the attribute for it (never through `self`, which libsepol expands).
export function sideHas(types: Int32Array, attrKeys: readonly number[] | undefined, id: number, nt: number): boolean {
  return id < nt ? sortedHas(types, id) : attrKeys !== undefined && attrKeys.includes(id);
}

/** Does an expanded rule name this (source, target) pair? `nt`: the number of types, when either
 *  id may be an attribute's. */
export function ruleCovers(r: ExpandedAvRule, stype: number, ttype: number, nt = Infinity): boolean {
  return sideHas(r.sources, r.attrKeys?.sources, stype, nt) && ((r.self && stype === ttype && stype < nt) || sideHas(r.targets, r.attrKeys?.targets, ttype, nt));
}

/** Does an expanded rule cover (stype, ttype, tclass)? Returns its mask for the class, or 0. */
export function ruleMask(r: ExpandedAvRule, stype: number, ttype: number, tclass: number, nt = Infinity): number {
  const ci = r.classes.indexOf(tclass);
  return ci >= 0 && ruleCovers(r, stype, ttype, nt) ? r.masks[ci]! : 0;
}

