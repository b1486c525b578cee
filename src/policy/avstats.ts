// The rule counts setools reports (allow_count, auditallow_count, dontaudit_count): the avtab
// entries libsepol writes, one per (source key, target key, class, kind) and scope. The tables
// of expand.ts are keyed exactly as libsepol's (attributes kept where it keeps them), so a count is
// the number of keys each kind wrote: in the base table once, and in each conditional branch's
// list once per list (a branch's cond_av_list holds its own node for a key the base also has).
import { AvKind, type AvList, type AvTab } from "./avtab.js";

export interface AvCounts {
  allow: number;
  auditallow: number;
  dontaudit: number;
}

export function avCounts(base: AvTab, condLists: readonly AvList[]): AvCounts {
  // (the base table counts its keys per kind as they are written)
  const n = base.kindCounts.slice();
  for (const list of condLists) {
    const seen = new Set<number>();
    for (let i = 0; i < list.length; i++) {
      const kind = list.kinds[i]!;
      const key = list.keys[i]! * 3 + kind;
      if (seen.has(key)) continue;
      seen.add(key);
      n[kind]!++;
    }
  }
  return { allow: n[AvKind.Allow]!, auditallow: n[AvKind.AuditAllow]!, dontaudit: n[AvKind.DontAudit]! };
}
