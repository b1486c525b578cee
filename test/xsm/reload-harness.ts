// Shared by the reload tests (test/xsm/reload*.test.ts): a fixture context's SID, a decision by
// permission names, and the check that a reload to checkpolicy's binary of a new policy converts
// the running SIDs and decides between them as a reload to its source does.
import { expect } from "vitest";
import type { CompiledPolicy, SecurityContext } from "../../src/policy/types.js";
import type { SidTable } from "../../src/xsm/sidtab.js";

/** The SID of a context the fixture policy must accept. */
export function sidOf(t: SidTable, text: string): number {
  const r = t.contextToSid(text);
  if (!r.ok) throw new Error(`fixture context ${text}: ${r.error}`);
  return r.value;
}

/** The permissions `policy` allows from `s` to `t` in `tclass`, by name. */
export function allowed(policy: CompiledPolicy, s: SecurityContext, t: SecurityContext, tclass = "resource"): string[] {
  const id = policy.classId(tclass);
  return policy.permNames(id, policy.computeAv(s, t, id).allowed);
}

/** Converts `table` to `source` and to `binary` (the same policy read from checkpolicy's output)
 *  and expects the same lines Xen would print, the same type name for every valid converted SID
 *  and the same decisions, in `resource` and `domain`, between every two of them. Returns those
 *  SIDs, for a caller to check that there were enough to mean something. */
export function expectSameConversion(table: SidTable, source: CompiledPolicy, binary: CompiledPolicy, enforcing: boolean): number[] {
  const a = table.convert(source, enforcing);
  const b = table.convert(binary, enforcing);
  expect(b.attributes).toEqual(a.attributes);
  expect(b.kept).toEqual(a.kept);
  expect(b.invalidated).toEqual(a.invalidated);
  const sids = a.table.sids();
  expect(b.table.sids()).toEqual(sids);
  for (const s of sids) {
    const sc = a.table.sidToContext(s)!;
    expect(binary.typeName(b.table.sidToContext(s)!.type)).toBe(source.typeName(sc.type));
    for (const tsid of sids) {
      const tc = a.table.sidToContext(tsid)!;
      for (const cls of ["resource", "domain"]) {
        const got = allowed(binary, b.table.sidToContext(s)!, b.table.sidToContext(tsid)!, cls);
        // the pair in the value, so a failure names it
        expect([a.table.sidToString(s), a.table.sidToString(tsid), cls, got]).toEqual([a.table.sidToString(s), a.table.sidToString(tsid), cls, allowed(source, sc, tc, cls)]);
      }
    }
  }
  return sids;
}
