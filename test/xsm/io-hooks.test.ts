import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { FlaskXsm } from "../../src/xsm/flask.js";
import { compilePolicy } from "../../src/index.js";
import { createXsm, type Xsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";
import { SECINITSID_IOMEM, SECINITSID_IOPORT } from "../../src/xsm/sidtab.js";

// test/fixtures/xsm/io.conf (checkpolicy -t Xen -c 30 accepts it). Every AVC question these tests
// make is looked up in io.oracle.json, oracle-decide's answers for that policy
// (scripts/gen-io-oracle.sh), and must be decided as the oracle decided it.
const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");
const ORACLE: { query: { scontext: string; tcontext: string; tclass: string; perm: string }; answer: { allowed: boolean; audited: boolean } }[] = JSON.parse(
  readFileSync(new URL("../fixtures/xsm/io.oracle.json", import.meta.url), "utf8"),
);
const oracle = new Map(ORACLE.map((o) => [`${o.query.scontext} ${o.query.tcontext} ${o.query.tclass} ${o.query.perm}`, o.answer]));

const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const guest: Domain = { domid: 1, name: "guest", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true };
const dm: Domain = { domid: 2, name: "dm", context: "system_u:system_r:dm_t", control: false, hardware: false, target: 1 };

const S_DOM0 = "system_u:system_r:dom0_t";
const S_GUEST = "system_u:system_r:domU_t";
const S_DM = "system_u:system_r:dm_t";
const NIC = "system_u:object_r:nic_t";
const HBA = "system_u:object_r:hba_t";
const IRQ_T = "system_u:object_r:irq_t";
const IOMEM_T = "system_u:object_r:iomem_t";
const IOPORT_T = "system_u:object_r:ioport_t";
const UNLABELED = "system_u:system_r:unlabeled_t";
const NIC_BDF = 0xc800;

const asked: XsmCheck[] = [];
/** A flask XSM on io.conf; its decisions go to the oracle comparison unless a boolean changes. */
function flask(options: { enforcing?: boolean; iommu?: "intremap" | "nointremap" | "none" } = {}, compare = true): Xsm {
  const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf", ...options });
  if (compare) xsm.onCheck = (c) => asked.push(c);
  return xsm;
}

type Q = [string | undefined, string | undefined, string | undefined, string | undefined, XsmCheck["rc"]];
const questions = (checks: XsmCheck[]): Q[] => checks.map((c) => [c.scontext, c.tcontext, c.tclass, c.perm, c.rc]);

afterAll(() => {
  // the oracle agrees with every decision made above
  const avc = asked.filter((c) => c.perm !== undefined && c.scontext !== undefined && c.error === undefined);
  expect(avc.length).toBeGreaterThan(20);
  for (const c of avc) {
    const key = `${c.scontext} ${c.tcontext} ${c.tclass} ${c.perm}`;
    const answer = oracle.get(key);
    expect(answer, `io.oracle.json has no answer for ${key}: regenerate it`).toBeDefined();
    expect(c.allowed, key).toBe(answer!.allowed);
  }
});

describe("flask's IRQ hooks (hooks.c)", () => {
  it("flask_irq_permission asks only current -> domain resource:add or remove (the pirq is not labelled)", () => {
    const xsm = flask();
    const grant = xsm.record(() => xsm.module.irqPermission(dom0, guest, 33, true));
    expect(grant.result).toBe(0);
    expect(questions(grant.checks)).toEqual([[S_DOM0, S_GUEST, "resource", "add", 0]]);
    const revoke = xsm.record(() => xsm.module.irqPermission(guest, dm, 33, false));
    expect(revoke.result).toBe("-EACCES");
    expect(questions(revoke.checks)).toEqual([[S_GUEST, S_DM, "resource", "remove", "-EACCES"]]);
    expect(revoke.audit).toEqual([
      "avc:  denied  { remove } for domid=1 target=2 scontext=system_u:system_r:domU_t tcontext=system_u:system_r:dm_t tclass=resource",
    ]);
  });

  it("flask_map_domain_irq: a GSI's pirqcon label, current add_irq, the domain use_iommu", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.mapDomainIrq(dm, guest, { irq: 33 }));
    expect(r.result).toBe(0);
    expect(questions(r.checks)).toEqual([
      [S_DM, NIC, "resource", "add_irq", 0],
      [S_GUEST, NIC, "resource", "use_iommu", 0],
    ]);
    expect(r.checks[0]).toMatchObject({ hook: "map_domain_irq", xen: "flask_map_domain_irq", irq: 33 });
  });

  it("a GSI without pirqcon takes the irq initial SID; the guest may not use it", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.mapDomainIrq(dom0, guest, { irq: 5 }));
    expect(r.result).toBe("-EACCES");
    expect(questions(r.checks)).toEqual([
      [S_DOM0, IRQ_T, "resource", "add_irq", 0],
      [S_GUEST, IRQ_T, "resource", "use_iommu", "-EACCES"],
    ]);
    expect(r.audit).toEqual(["avc:  denied  { use_iommu } for domid=0 irq=5 scontext=system_u:system_r:domU_t tcontext=system_u:object_r:irq_t tclass=resource"]);
  });

  it("an MSI IRQ is labelled by its device (AVC_AUDIT_DATA_DEV); a dynamic IRQ of no device is unlabeled", () => {
    const xsm = flask();
    const msi = xsm.record(() => xsm.module.mapDomainIrq(dm, guest, { irq: 60, msi: NIC_BDF }));
    expect(questions(msi.checks)).toEqual([
      [S_DM, NIC, "resource", "add_irq", 0],
      [S_GUEST, NIC, "resource", "use_iommu", 0],
    ]);
    expect(msi.checks[0]).toMatchObject({ device: NIC_BDF });
    const hpet = xsm.record(() => xsm.module.mapDomainIrq(dom0, guest, { irq: 70 }));
    expect(questions(hpet.checks)).toEqual([
      [S_DOM0, UNLABELED, "resource", "add_irq", "-EACCES"],
    ]);
    // a GSI's number is what get_irq_sid labels, even with an MSI device named
    const gsi = xsm.record(() => xsm.module.mapDomainIrq(dm, guest, { irq: 40, msi: NIC_BDF }));
    expect(questions(gsi.checks)).toEqual([[S_DM, HBA, "resource", "add_irq", "-EACCES"]]);
    expect(gsi.audit).toEqual([]); // dontaudit dm_t hba_t:resource add_irq
  });

  it("get_irq_sid refuses an IRQ at or above nr_irqs with -EINVAL before any AVC question", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.mapDomainIrq(dom0, guest, { irq: 4096 }));
    expect(r.result).toBe("-EINVAL");
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0]!.error).toMatch(/get_irq_sid: irq 4096/);
  });

  it("flask_unmap_domain_irq asks current remove_irq only; unmap/map_domain_pirq ask current -> domain", () => {
    const xsm = flask();
    expect(questions(xsm.record(() => xsm.module.unmapDomainIrq(dm, guest, { irq: 33 })).checks)).toEqual([[S_DM, NIC, "resource", "remove_irq", 0]]);
    expect(questions(xsm.record(() => xsm.module.mapDomainPirq(dm, guest)).checks)).toEqual([[S_DM, S_GUEST, "resource", "add", 0]]);
    expect(questions(xsm.record(() => xsm.module.unmapDomainPirq(guest, dm)).checks)).toEqual([[S_GUEST, S_DM, "resource", "remove", "-EACCES"]]);
  });

  it("flask_bind_pt_irq: current -> domain add, current -> IRQ hvm:bind_irq, the domain use_*; unbind asks remove", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.bindPtIrq(dm, guest, { irq: 33 }));
    expect(r.result).toBe(0);
    expect(questions(r.checks)).toEqual([
      [S_DM, S_GUEST, "resource", "add", 0],
      [S_DM, NIC, "hvm", "bind_irq", 0],
      [S_GUEST, NIC, "resource", "use_iommu", 0],
    ]);
    const hba = xsm.record(() => xsm.module.bindPtIrq(dm, guest, { irq: 40 }));
    expect(questions(hba.checks)).toEqual([
      [S_DM, S_GUEST, "resource", "add", 0],
      [S_DM, HBA, "hvm", "bind_irq", "-EACCES"],
    ]);
    expect(hba.audit).toEqual(["avc:  denied  { bind_irq } for domid=2 irq=40 scontext=system_u:system_r:dm_t tcontext=system_u:object_r:hba_t tclass=hvm"]);
    expect(questions(xsm.record(() => xsm.module.unbindPtIrq(dm, guest)).checks)).toEqual([[S_DM, S_GUEST, "resource", "remove", 0]]);
  });

  it("the use permission follows the IOMMU mode, and a boolean grants nointremap", () => {
    const xsm = flask({ iommu: "nointremap" }, false);
    expect(questions(xsm.record(() => xsm.module.mapDomainIrq(dom0, guest, { irq: 33 })).checks)[1]).toEqual([S_GUEST, NIC, "resource", "use_iommu_nointremap", "-EACCES"]);
    expect(xsm.setBool("guest_nointremap", true, true)).toBe(0);
    expect(xsm.record(() => xsm.module.mapDomainIrq(dom0, guest, { irq: 33 })).result).toBe(0);
  });
});

describe("flask's I/O memory and port hooks walk the labels of the range (security_iterate_*_sids)", () => {
  it("a range inside one iomemcon entry: current -> domain add, then add_iomem and use_iommu on it, audited as a range", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.iomemPermission(dom0, guest, 0xfebe0, 0xfebef, true));
    expect(r.result).toBe(0);
    expect(questions(r.checks)).toEqual([
      [S_DOM0, S_GUEST, "resource", "add", 0],
      [S_DOM0, NIC, "resource", "add_iomem", 0],
      [S_GUEST, NIC, "resource", "use_iommu", 0],
    ]);
    expect(r.checks[1]).toMatchObject({ range: { start: 0xfebe0, end: 0xfebef } });
  });

  it("a range across entries and gaps is asked piece by piece, in address order, until one is refused", () => {
    const xsm = flask({ enforcing: false });
    const r = xsm.record(() => xsm.module.iomemPermission(dom0, guest, 0xfebd0, 0xfec0f, true));
    expect(r.checks.map((c) => [c.tcontext, c.perm, c.range])).toEqual([
      [S_GUEST, "add", undefined],
      [IOMEM_T, "add_iomem", { start: 0xfebd0, end: 0xfebd8 }],
      [IOMEM_T, "use_iommu", { start: 0xfebd0, end: 0xfebd8 }],
      [NIC, "add_iomem", { start: 0xfebd9, end: 0xfebd9 }],
      [NIC, "use_iommu", { start: 0xfebd9, end: 0xfebd9 }],
      [IOMEM_T, "add_iomem", { start: 0xfebda, end: 0xfebdf }],
      [IOMEM_T, "use_iommu", { start: 0xfebda, end: 0xfebdf }],
      [NIC, "add_iomem", { start: 0xfebe0, end: 0xfebff }],
      [NIC, "use_iommu", { start: 0xfebe0, end: 0xfebff }],
      [IOMEM_T, "add_iomem", { start: 0xfec00, end: 0xfec0f }],
      [IOMEM_T, "use_iommu", { start: 0xfec00, end: 0xfec0f }],
    ]);
    // permissive: each denial is logged once, then granted into the AVC entry
    expect(r.audit).toEqual([
      "avc:  denied  { use_iommu } for domid=0 range=0xfebd0-0xfebd8 scontext=system_u:system_r:domU_t tcontext=system_u:object_r:iomem_t tclass=resource",
    ]);
    const enforcing = flask();
    const e = enforcing.record(() => enforcing.module.iomemPermission(dom0, guest, 0xfebd0, 0xfec0f, true));
    expect(e.result).toBe("-EACCES");
    expect(e.checks).toHaveLength(3);
  });

  it("revoking asks remove_iomem, and use_* too (as Xen does); auditallow shows in the audit lines", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.iomemPermission(dom0, dom0, 0xfe900, 0xfe9ff, false));
    expect(questions(r.checks)).toEqual([
      [S_DOM0, S_DOM0, "resource", "remove", 0],
      [S_DOM0, HBA, "resource", "remove_iomem", 0],
      [S_DOM0, HBA, "resource", "use_iommu", 0],
    ]);
    const grant = xsm.record(() => xsm.module.iomemPermission(dom0, dom0, 0xfe900, 0xfe900, true));
    expect(grant.audit).toEqual(["avc:  granted  { add_iomem } for domid=0 range=0xfe900-0xfe900 scontext=system_u:system_r:dom0_t tcontext=system_u:object_r:hba_t tclass=resource"]);
  });

  it("flask_iomem_mapping is flask_iomem_permission", () => {
    const xsm = flask();
    const a = xsm.record(() => xsm.module.iomemMapping(dm, guest, 0xfebe0, 0xfebe3, true));
    expect(questions(a.checks)).toEqual([
      [S_DM, S_GUEST, "resource", "add", 0],
      [S_DM, NIC, "resource", "add_iomem", "-EACCES"],
    ]);
    expect(a.checks[0]).toMatchObject({ hook: "iomem_mapping", xen: "flask_iomem_mapping" });
  });

  it("flask_ioport_mapping is flask_ioport_permission", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.ioportMapping(dm, guest, 0xecc0, 0xecdf, false));
    expect(questions(r.checks)).toEqual([
      [S_DM, S_GUEST, "resource", "remove", 0],
      [S_DM, NIC, "resource", "remove_ioport", "-EACCES"],
    ]);
    expect(r.checks[0]).toMatchObject({ hook: "ioport_mapping", xen: "flask_ioport_mapping" });
  });

  it("flask_ioport_permission walks ioportcon with the ioport initial SID between entries", () => {
    const xsm = flask({ enforcing: false });
    const r = xsm.record(() => xsm.module.ioportPermission(dom0, guest, 0xecb0, 0xecc7, true));
    expect(r.checks.map((c) => [c.tcontext, c.perm, c.range])).toEqual([
      [S_GUEST, "add", undefined],
      [IOPORT_T, "add_ioport", { start: 0xecb0, end: 0xecbf }],
      [IOPORT_T, "use_iommu", { start: 0xecb0, end: 0xecbf }],
      [NIC, "add_ioport", { start: 0xecc0, end: 0xecc7 }],
      [NIC, "use_iommu", { start: 0xecc0, end: 0xecc7 }],
    ]);
  });
});

describe("security_iterate_iomem_sids / _ioport_sids", () => {
  const ss = (flask({}, false).module as FlaskXsm).ss;
  // security_iomem_sid(): the first entry holding the frame, else the initial SID
  const perFrame = (list: readonly { low: number; high: number; context: string }[], initial: number, n: number) => {
    const c = list.find((o) => o.low <= n && n <= o.high);
    if (!c) return initial;
    const sid = ss.sidtab.contextToSid(c.context);
    return sid.ok ? sid.value : -1;
  };
  it("cuts a range into contiguous pieces, in order, each frame labelled as security_iomem_sid labels it alone", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0xfe800, max: 0xfec40 }), fc.integer({ min: 0, max: 0x300 }), (start, len) => {
        const end = start + len;
        const pieces = ss.iomemPieces(start, end);
        expect(pieces[0]!.start).toBe(start);
        expect(pieces[pieces.length - 1]!.end).toBe(end);
        pieces.forEach((p, i) => {
          expect(p.start).toBeLessThanOrEqual(p.end);
          if (i > 0) expect(p.start).toBe(pieces[i - 1]!.end + 1);
          for (let n = p.start; n <= p.end; n++) {
            expect(perFrame(ss.policy.iomemContexts(), SECINITSID_IOMEM, n)).toBe(p.sid);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
  it("gives ports outside every ioportcon entry the ioport initial SID, one piece", () => {
    expect(ss.ioportPieces(0x10, 0x20)).toEqual([{ sid: SECINITSID_IOPORT, start: 0x10, end: 0x20 }]);
    expect(ss.ioportPieces(0xecdf, 0xece0).map((p) => [p.start, p.end, ss.sidtab.sidToString(p.sid)])).toEqual([
      [0xecdf, 0xecdf, NIC],
      [0xece0, 0xece0, IOPORT_T],
    ]);
  });
});

describe("the dummy module gives the resource hooks dummy.h's actions (since XSA-492)", () => {
  const dummy = () => createXsm({ module: "dummy", assignCheck: "xsm_domctl" });
  it("XSM_PRIV for the grants: only the control domain", () => {
    const xsm = dummy();
    expect(xsm.module.irqPermission(dom0, guest, 33, true)).toBe(0);
    expect(xsm.module.iomemPermission(dm, guest, 1, 2, true)).toBe("-EPERM");
    const r = xsm.record(() => xsm.module.ioportPermission(guest, guest, 1, 2, true));
    expect(r.checks).toEqual([{ hook: "ioport_permission", xen: "xsm_ioport_permission", domid: 1, action: "XSM_PRIV", allowed: false, rc: "-EPERM" }]);
  });
  it("XSM_DM_PRIV for mapping pirqs, frames and binding: the guest's device model passes, the guest itself does not", () => {
    const xsm = dummy();
    for (const call of [
      (c: Domain) => xsm.module.mapDomainPirq(c, guest),
      (c: Domain) => xsm.module.unmapDomainPirq(c, guest),
      (c: Domain) => xsm.module.iomemMapping(c, guest, 1, 1, true),
      (c: Domain) => xsm.module.ioportMapping(c, guest, 1, 1, true),
      (c: Domain) => xsm.module.bindPtIrq(c, guest, { irq: 33 }),
      (c: Domain) => xsm.module.unbindPtIrq(c, guest),
    ]) {
      expect([call(dm), call(dom0), call(guest)]).toEqual([0, 0, "-EPERM"]);
    }
  });
  it("XSM_HOOK for map_domain_irq and unmap_domain_irq", () => {
    const xsm = dummy();
    expect(xsm.module.mapDomainIrq(guest, dm, { irq: 33 })).toBe(0);
    expect(xsm.module.unmapDomainIrq(guest, dm, { irq: 33 })).toBe(0);
  });
});

describe("before XSA-492 the resource hooks are XSM_HOOK and do_domctl's xsm_domctl carries the action", () => {
  const dummy = () => createXsm({ module: "dummy" });
  it("every resource hook passes anyone; ioDomctl is dummy.h's xsm_domctl: XSM_PRIV for the grants, XSM_DM_PRIV for the device model's four", () => {
    const xsm = dummy();
    expect(xsm.module.iomemPermission(guest, guest, 1, 2, true)).toBe(0);
    expect(xsm.module.bindPtIrq(guest, guest, { irq: 33 })).toBe(0);
    const priv = xsm.record(() => xsm.module.ioDomctl(dm, guest, "iomem_permission"));
    expect(priv.checks).toEqual([{ hook: "domctl", xen: "xsm_domctl iomem_permission", domid: dm.domid, action: "XSM_PRIV", allowed: false, rc: "-EPERM" }]);
    for (const cmd of ["memory_mapping", "ioport_mapping", "bind_pt_irq", "unbind_pt_irq"] as const) {
      expect([xsm.module.ioDomctl(dm, guest, cmd), xsm.module.ioDomctl(guest, guest, cmd)]).toEqual([0, "-EPERM"]);
    }
  });
  it("flask_domctl asks nothing for them", () => {
    const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf" });
    const r = xsm.record(() => xsm.module.ioDomctl(guest, guest, "irq_permission"));
    expect([r.result, r.checks]).toEqual([0, []]);
  });
});
