// How close an m4 interface's access is to a denial, as audit2allow -R ranks the interfaces it
// offers (sepolgen's matching.py, AccessMatcher.av_set_match): each access vector of the call is
// compared with the denied one, 0 for an exact match, more the more it grants beyond the denial,
// negative when it does not cover it; the distances add up by magnitude, and a call that lets
// information flow out of the source (a write) for a denial that asked none costs 100 more. The
// permission weights and directions are a permission map's (xsm's Xen map by default), a
// permission it does not name counting as sepolgen's default (both ways, weight 5).
import type { PermMap } from "./permmap.js";

/** An access vector: one source, target and class (a call's rules merged per triple, as
 *  sepolgen's AccessVectorSet merges them). */
export interface InterfaceAccess {
  source: string;
  target: string;
  tclass: string;
  perms: readonly string[];
}

// sepolgen's AccessMatcher penalties
const TYPE_PENALTY = 10;
const CLASS_PENALTY = 10;
const INFO_DIR_PENALTY = 100;
const DEFAULT_WEIGHT = 5;
const READ = 1;
const WRITE = 2;

/** sepolgen's distance of a call's access from the denial `want`: `params` are the call's
 *  arguments, which stand for sepolgen's $N parameters (a type of the call's rules that is one of
 *  them matches any type). >= 0: the call covers the denial (0 exactly); < 0: no access vector of
 *  it does. */
export function interfaceDistance(want: InterfaceAccess, access: readonly InterfaceAccess[], params: ReadonlySet<string>, map: PermMap | undefined): number {
  let dist: number | undefined;
  let setDir = 0;
  for (const av of access) {
    const d = avDistance(want, av, params, map);
    // (magnitudes add; the sign is >= 0 once one vector covers the denial)
    dist = dist === undefined ? d : d >= 0 || dist >= 0 ? Math.abs(dist) + Math.abs(d) : dist + d;
    setDir |= direction(av.tclass, av.perms, map);
  }
  dist ??= 0;
  if ((direction(want.tclass, want.perms, map) & WRITE) === 0 && (setDir & WRITE) !== 0) dist += dist < 0 ? -INFO_DIR_PENALTY : INFO_DIR_PENALTY;
  return dist;
}

function avDistance(want: InterfaceAccess, av: InterfaceAccess, params: ReadonlySet<string>, map: PermMap | undefined): number {
  const typeDistance = (a: string, b: string) => (a === b || params.has(b) ? 0 : -TYPE_PENALTY);
  let dist = typeDistance(want.source, av.source) + typeDistance(want.target, av.target);
  if (want.tclass !== av.tclass) dist -= CLASS_PENALTY;
  if (dist < 0) return dist - weight(av.tclass, av.perms, map);
  const has = new Set(av.perms);
  const missing = want.perms.filter((p) => !has.has(p));
  if (missing.length > 0) return -weight(want.tclass, missing, map);
  const wanted = new Set(want.perms);
  return weight(want.tclass, av.perms.filter((p) => !wanted.has(p)), map);
}

function mapping(tclass: string, perm: string, map: PermMap | undefined): { dir: number; weight: number } {
  const m = map?.classes.get(tclass)?.get(perm);
  if (m === undefined || m.direction === "u") return { dir: READ | WRITE, weight: DEFAULT_WEIGHT };
  return { dir: { r: READ, w: WRITE, b: READ | WRITE, n: 0 }[m.direction], weight: m.weight };
}

function weight(tclass: string, perms: readonly string[], map: PermMap | undefined): number {
  return perms.reduce((sum, p) => sum + mapping(tclass, p, map).weight, 0);
}

function direction(tclass: string, perms: readonly string[], map: PermMap | undefined): number {
  return perms.reduce((dir, p) => dir | mapping(tclass, p, map).dir, 0);
}
