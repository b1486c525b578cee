// The loops the decisions section times (decisions.ts), each policy in a process of its own
// (bench/decisions-child.ts): V8 keeps type feedback per function, and loops, or allows() itself,
// shared by two policies time the second through call sites the first made polymorphic, which no
// program deciding on one policy sees.
import type { CompiledPolicy } from "../../src/policy/types.js";
import type { Question } from "../peers/question.js";

export const MIXED = 16384; // questions in the rotating sample (a power of two: index = i & (MIXED - 1))

export interface Interned {
  s: Int32Array;
  t: Int32Array;
  c: Int32Array;
  m: Int32Array;
}

/** The view's name dictionaries (src/policy/view.ts), read directly for the names -> ids row. */
interface NameDicts {
  typeDict: Record<string, number>;
  permDict: Record<string, PermEntry>;
}
interface PermEntry {
  className: string;
  classId: number;
  mask: number;
  next: PermEntry | undefined;
}

/** What the baseline loops read of the dense table (decisions.ts DenseTable). */
export interface Dense {
  readonly table: Uint32Array;
  readonly nTypes: number;
  readonly nClasses: number;
}

export function namesConstLoop(policy: CompiledPolicy) {
  return (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) if (policy.allows("svp_hwdom_t", "gvp1_pci_t", "resource", "unplug")) acc++;
    return acc;
  };
}

export function loops(policy: CompiledPolicy, names: readonly Question[], ids: Interned, dense: Dense) {
  const S = names.map((q) => q.stype), T = names.map((q) => q.ttype), C = names.map((q) => q.tclass), P = names.map((q) => q.perm);
  const { s, t, c, m } = ids;
  const { table, nTypes, nClasses } = dense;
  const { typeDict, permDict } = (policy as unknown as { image: NameDicts }).image;
  const k = MIXED - 1;
  const resource = policy.classId("resource");
  const pair = (x: number) => Int32Array.of(x, x);
  const s1 = pair(policy.typeId("svp_hwdom_t")), t1 = pair(policy.typeId("gvp1_pci_t")), c1 = pair(resource), m1 = pair(policy.permMask(resource, "unplug"));
  return {
    namesConst: namesConstLoop(policy),
    // what the mixed rows pay before any lookup: reading the stream (so it cannot be what dominates)
    streamOnly: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & k;
        acc += S[j]!.length ^ T[j]!.length ^ C[j]!.length ^ P[j]!.length;
      }
      return acc;
    },
    // the name -> id lookups allows() makes, without the decision: its floor by names (two type
    // probes, one permission probe and the compare of its class's name)
    namesToIds: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & k;
        const cl = C[j]!;
        let e = permDict[P[j]!];
        while (e !== undefined && e.className !== cl) e = e.next;
        acc += typeDict[S[j]!]! + typeDict[T[j]!]! + e!.classId + e!.mask;
      }
      return acc;
    },
    namesMixed: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & k;
        if (policy.allows(S[j]!, T[j]!, C[j]!, P[j]!)) acc++;
      }
      return acc;
    },
    // "one question": the same ids every time, read from 2-entry arrays so that the optimiser
    // cannot hoist the baseline's load out of its loop (it could with constants)
    idsConst: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & 1;
        if (policy.allowsIds(s1[j]!, t1[j]!, c1[j]!, m1[j]!)) acc++;
      }
      return acc;
    },
    idsMixed: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & k;
        if (policy.allowsIds(s[j]!, t[j]!, c[j]!, m[j]!)) acc++;
      }
      return acc;
    },
    baseConst: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & 1;
        const mask = m1[j]!;
        if ((table[(s1[j]! * nTypes + t1[j]!) * nClasses + c1[j]!]! & mask) === mask) acc++;
      }
      return acc;
    },
    baseMixed: (n: number) => {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const j = i & k;
        const mask = m[j]!;
        if ((table[(s[j]! * nTypes + t[j]!) * nClasses + c[j]!]! & mask) === mask) acc++;
      }
      return acc;
    },
  };
}

