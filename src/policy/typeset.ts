// Type sets expanded to type ids, as libsepol's type_set_expand (alwaysexpand = 1): attributes to
// their members, `-x` removed, `*` every type, `~` the complement over all types.
import type { FilenameTransition, Symbols, TypeSet } from "./symbols.js";

/** Scratch marks for set expansion, reused across calls (generation-stamped, so no clearing). */
let stamps = new Uint32Array(0);
let negStamps = new Uint32Array(0);
let generation = 0;

/** Is `id` in `ids`, sorted type ids (what expandTypeSet gives, an attribute's members)? */
export function sortedHas(ids: Int32Array, id: number): boolean {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid]!;
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** libsepol type_set_expand with alwaysexpand: the sorted type ids a set covers. */
export function expandTypeSet(ts: TypeSet, sym: Symbols): Int32Array {
  const simple = !ts.star && !ts.complement && ts.negTypes.length === 0 && ts.negAttrs.length === 0;
  if (simple && ts.attrs.length === 0 && ts.types.length === 1) return singleton(sym, ts.types[0]!);
  if (simple && ts.attrs.length === 0 && ts.types.length === 0) return EMPTY_TYPES;
  // shared, never written: an attribute's member list is already sorted
  if (simple && ts.types.length === 0 && ts.attrs.length === 1) return sym.attrs[ts.attrs[0]!]!.members;
  const n = sym.types.length;
  if (stamps.length < n) {
    stamps = new Uint32Array(n);
    negStamps = new Uint32Array(n);
    generation = 0;
  }
  const gen = ++generation;
  // (index loops: a cold run's for-of allocates an iterator result per element)
  for (let i = 0; i < ts.negTypes.length; i++) negStamps[ts.negTypes[i]!] = gen;
  for (let i = 0; i < ts.negAttrs.length; i++) {
    const members = sym.attrs[ts.negAttrs[i]!]!.members;
    for (let k = 0; k < members.length; k++) negStamps[members[k]!] = gen;
  }
  const out: number[] = [];
  if (ts.star) {
    for (let t = 0; t < n; t++) if (negStamps[t] !== gen) out.push(t);
    return Int32Array.from(out);
  }
  for (let i = 0; i < ts.types.length; i++) markType(ts.types[i]!, gen, out);
  for (let i = 0; i < ts.attrs.length; i++) {
    const members = sym.attrs[ts.attrs[i]!]!.members;
    for (let k = 0; k < members.length; k++) markType(members[k]!, gen, out);
  }
  if (ts.complement) {
    const comp: number[] = [];
    for (let t = 0; t < n; t++) if (stamps[t] !== gen || negStamps[t] === gen) comp.push(t);
    return Int32Array.from(comp);
  }
  return Int32Array.from(out).sort();
}

/** One record of a filename type_transition: type ids and a class index (0-based). */
export interface FilenameTransRecord {
  stype: number;
  ttype: number;
  tclass: number;
}

/** A filename type_transition's records once its sets are expanded, as libsepol's
 *  expand_filename_trans visits them: each source, each target (`self` last, as the source
 *  itself), each class. Duplicates are left to the caller, which keys them its own way. */
export function* filenameTransRecords(f: FilenameTransition, sym: Symbols): Generator<FilenameTransRecord> {
  const targets = expandTypeSet({ ...f.targets, self: false }, sym);
  for (const stype of expandTypeSet(f.sources, sym)) {
    for (const ttype of targets) for (const tclass of f.classes) yield { stype, ttype, tclass };
    if (f.targets.self) for (const tclass of f.classes) yield { stype, ttype: stype, tclass };
  }
}

const EMPTY_TYPES = new Int32Array(0);
const singletons = new WeakMap<Symbols, Int32Array[]>();

/** The one-type set {t}, one shared array per type (read-only, like attribute member lists). */
function singleton(sym: Symbols, t: number): Int32Array {
  let cache = singletons.get(sym);
  if (!cache) singletons.set(sym, (cache = []));
  return (cache[t] ??= Int32Array.of(t));
}

function markType(t: number, gen: number, out: number[]): void {
  if (stamps[t] !== gen) {
    stamps[t] = gen;
    if (negStamps[t] !== gen) out.push(t);
  }
}
