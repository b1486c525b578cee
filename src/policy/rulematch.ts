// Does an expanded rule name a (source, target, class) triple? Asked by the neverallow check
// (libsepol assertion.c check_assertion_avtab_match) and by explanations (which rules grant a
// permission); kept apart so that decisions do not depend on the check stage.
import type { ExpandedAvRule } from "./expand.js";

function sortedHas(a: Int32Array, v: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = a[mid]!;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Does an expanded rule name this (source, target) pair? */
export function ruleCovers(r: ExpandedAvRule, stype: number, ttype: number): boolean {
  return sortedHas(r.sources, stype) && ((r.self && stype === ttype) || sortedHas(r.targets, ttype));
}

/** Does an expanded rule cover (stype, ttype, tclass)? Returns its mask for the class, or 0. */
export function ruleMask(r: ExpandedAvRule, stype: number, ttype: number, tclass: number): number {
  const ci = r.classes.indexOf(tclass);
  if (ci < 0 || !sortedHas(r.sources, stype)) return 0;
  if ((r.self && stype === ttype) || sortedHas(r.targets, ttype)) return r.masks[ci]!;
  return 0;
}

