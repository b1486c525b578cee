// Initial SIDs as Xen numbers them. xen/xsm/flask/policy/initial_sids lists xenboot, xen, dom0,
// domio, domxen, unlabeled, security, ioport, iomem, irq, device, domU, domDM; mkflask.sh makes
// SECINITSID_<NAME> the line's place from 1 (flask.h), and hooks.c asks for SECINITSID_XEN,
// _DOMXEN, _DEVICE... by number. The policy's own `sid` declarations number its contexts
// (checkpolicy writes each with its place; policydb_load_isids inserts it at that number), so a
// policy declaring them in another order, or fewer, gives Xen other contexts for its numbers;
// sidtab_search reads a number the policy left out as SECINITSID_UNLABELED's, and sidtab_insert
// moves next_sid past the highest number inserted.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { XEN_INITIAL_SIDS } from "../../src/binary/to-policy.js";
import { compilePolicy } from "../../src/policy/index.js";
import * as sidtab from "../../src/xsm/sidtab.js";
import { INITIAL_SIDS, SidTable } from "../../src/xsm/sidtab.js";

const XEN = ["xenboot", "xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device", "domU", "domDM"];

/** A small policy whose `sid` lines are `declared` (each given the context of a type named after it). */
function policyWith(declared: readonly string[], contexts: readonly string[] = declared): string {
  return [
    "class xen",
    "class domain",
    ...declared.map((s) => `sid ${s}`),
    "class xen { physinfo }",
    "class domain { create }",
    ...declared.map((s) => `type ${s}_t;`),
    "type other_t;",
    `allow ${declared[0]}_t other_t:domain create;`,
    "role system_r;",
    `role system_r types { other_t ${declared.map((s) => `${s}_t`).join(" ")} };`,
    "user system_u roles { system_r };",
    ...contexts.map((s) => `sid ${s} system_u:system_r:${s}_t`),
    "",
  ].join("\n");
}

const ctx = (name: string) => `system_u:system_r:${name}_t`;

describe("Xen's initial SID numbers", () => {
  it("are the places in xen/xsm/flask/policy/initial_sids, from xenboot = 1 to domDM = 13", () => {
    expect([...INITIAL_SIDS]).toEqual(XEN);
    expect(XEN_INITIAL_SIDS).toEqual(XEN);
    XEN.forEach((name, i) => expect((sidtab as Record<string, unknown>)[`SECINITSID_${name.toUpperCase()}`], name).toBe(i + 1));
    expect(sidtab.SECINITSID_NUM).toBe(13);
  });

  it("a policy declaring Xen's list gives each SECINITSID_<NAME> its own context (examples/xen-flask)", () => {
    const policy = compilePolicy(readFileSync("examples/xen-flask/policy.conf", "utf8"), { file: "policy.conf" });
    const { table, problems } = SidTable.load(policy);
    expect(problems).toEqual([]);
    for (const name of INITIAL_SIDS) {
      expect(table.initialSid(name)).toBe(XEN.indexOf(name) + 1);
      expect(table.sidToString(XEN.indexOf(name) + 1)).toBe(policy.initialSidContext(name));
    }
    // sidtab_insert: next_sid is one past the highest initial SID
    expect(table.contextToSid("system_u:system_r:domU_t_self")).toEqual({ ok: true, value: 14 });
  });

  it("a policy declaring another order: Xen reads each number's context, whatever the name", () => {
    // the order xsm used before (xen first, no xenboot, domU, domDM)
    const old = ["xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device"];
    const policy = compilePolicy(policyWith(old), { file: "old.conf" });
    expect(policy.initialSids().map((s) => `${s.sid} ${s.name}`)).toEqual(old.map((s, i) => `${i + 1} ${s}`));
    const { table } = SidTable.load(policy);
    expect(table.sidToString(sidtab.SECINITSID_XENBOOT)).toBe(ctx("xen"));
    expect(table.sidToString(sidtab.SECINITSID_XEN)).toBe(ctx("dom0"));
    expect(table.sidToString(sidtab.SECINITSID_DOMXEN)).toBe(ctx("unlabeled"));
    // 11 (device) was never inserted: it reads as 6, which this policy gave `security`
    expect(table.initialSid("device")).toBeUndefined();
    expect(table.sidToString(sidtab.SECINITSID_DEVICE)).toBe(ctx("security"));
    expect(table.contextToSid(ctx("other"))).toEqual({ ok: true, value: 11 });
  });

  it("a policy declaring one SID: it is SECINITSID_XENBOOT, and SECINITSID_XEN has no context at all", () => {
    const policy = compilePolicy(policyWith(["xen"]), { file: "one.conf" });
    const { table } = SidTable.load(policy);
    expect(table.sidToString(sidtab.SECINITSID_XENBOOT)).toBe(ctx("xen"));
    expect(table.sidToString(sidtab.SECINITSID_XEN)).toBeUndefined();
    expect(table.initialSid("xen")).toBeUndefined();
    expect(table.contextToSid(ctx("other"))).toEqual({ ok: true, value: 2 });
  });

  it("a binary read back numbers its initial SIDs as the source did, gaps included", () => {
    const text = policyWith(XEN, ["xen", "dom0", "device", "domDM"]);
    const source = compilePolicy(text, { file: "gaps.conf" });
    const { bytes } = compileBinary(text, { file: "gaps.conf" });
    const read = loadBinary(bytes, "gaps.bin").policy;
    const numbered = (p: typeof source) => p.initialSids().map((s) => `${s.sid} ${s.name} ${s.context}`);
    expect(numbered(source)).toEqual(["2 xen", "3 dom0", "11 device", "13 domDM"].map((s) => `${s} ${ctx(s.split(" ")[1]!)}`));
    expect(numbered(read)).toEqual(numbered(source));
    // and written again, the same bytes
    expect(Buffer.from(compileBinary(text, { file: "gaps.conf" }).bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it("a reload keeps every SID, the initial ones included, converted by name (clone_sid, no policydb_load_isids)", () => {
    // one initial SID: next_sid is 2, so the first context interned takes an initial number, and
    // a reload keeps it there (Xen's clone_sid inserts every SID)
    const policy = compilePolicy(policyWith(["xen"]), { file: "one.conf" });
    const { table } = SidTable.load(policy);
    const low = table.contextToSid(ctx("other"));
    expect(low).toEqual({ ok: true, value: 2 });
    expect(table.convert(policy).table.sidToString(2)).toBe(ctx("other"));

    const full = compilePolicy(policyWith(XEN), { file: "full.conf" });
    const { table: t2 } = SidTable.load(full);
    expect(t2.contextToSid(ctx("other"))).toEqual({ ok: true, value: 14 });
    // the new policy labels dom0 `other_t`: a reload does not install it, dom0 keeps its context
    const relabel = compilePolicy(policyWith(XEN, XEN.map((s) => (s === "dom0" ? "other" : s))).replace(`sid other system_u`, `sid dom0 system_u`), { file: "relabel.conf" });
    expect(SidTable.load(relabel).table.sidToString(3)).toBe(ctx("other"));
    const converted = t2.convert(relabel).table;
    expect(converted.sidToString(3)).toBe(ctx("dom0"));
    expect(converted.sidToString(14)).toBe(ctx("other"));
    // a new policy without dom0_t invalidates SID 3: it reads as unlabeled
    const without = compilePolicy(policyWith(XEN).replace("type dom0_t;", "").replace(" dom0_t", "").replace(`sid dom0 ${ctx("dom0")}`, `sid dom0 ${ctx("other")}`), { file: "without.conf" });
    const r = t2.convert(without);
    expect(r.invalidated.some((m) => m.context === ctx("dom0"))).toBe(true);
    expect(r.table.sidToString(3)).toBe(ctx("unlabeled"));
  });
});
