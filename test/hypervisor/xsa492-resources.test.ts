import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import { createXsm } from "../../src/xsm/index.js";
import type { AssignCheck, Domain, XsmCheck } from "../../src/xsm/types.js";

// The resource domctls before and after XSA-492's rework of do_domctl (RELEASE-4.19.5 against
// RELEASE-4.19.6 common/domctl.c and arch/x86/domctl.c; the same between 4.20.3/4.20.4 and
// 4.21.1/4.21.2): before, do_domctl asks xsm_domctl first (dummy.h XSM_PRIV / XSM_DM_PRIV,
// flask_domctl 0), the hooks are XSM_HOOK, and the grants test `!held || xsm_...(...)`, so the
// caller's hold comes before XSM and any refusal is -EPERM; since, the hook comes first and its
// error is the domctl's. Decisions over test/fixtures/xsm/io.conf, whose answers the oracle checks
// in test/xsm/io-hooks.test.ts.
const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");

const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const pv: Domain = { domid: 1, name: "pv", context: "system_u:system_r:domU_t", control: false, hardware: false };
const hvm: Domain = { domid: 3, name: "hvm", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true };
const dm: Domain = { domid: 2, name: "dm", context: "system_u:system_r:dm_t", control: false, hardware: false, target: 3 };

function setup(module: "flask" | "dummy", assignCheck: AssignCheck) {
  const xsm = module === "flask" ? createXsm({ module, compile: compilePolicy, policyText: POLICY, file: "io.conf", assignCheck }) : createXsm({ module, assignCheck });
  const why: string[] = [];
  const io = new IoCaps(xsm.module, { iommu: "intremap", why: (w) => why.push(w), ownerOf: () => undefined });
  return { xsm, io, why };
}

const checks = (r: { checks: XsmCheck[] }) => r.checks.map((c) => `${c.xen ?? c.hook}${c.action ? ` ${c.action}` : ""} ${c.rc}`);

describe("dummy: xsm_domctl before the command's own checks, then XSM_HOOK (before XSA-492)", () => {
  it("a device model's iomem_permission is xsm_domctl's -EPERM before the wrap test; since XSA-492 -EINVAL before any XSM", () => {
    const pre = setup("dummy", "xsm_assign_device");
    const r = pre.xsm.record(() => pre.io.iomemPermission(dm, hvm, 5, 0, true));
    expect([r.result, checks(r)]).toEqual(["-EPERM", ["xsm_domctl iomem_permission XSM_PRIV -EPERM"]]);
    expect(pre.why.at(-1)).toMatch(/before its own checks \(before XSA-492/);
    const post = setup("dummy", "xsm_domctl");
    const q = post.xsm.record(() => post.io.iomemPermission(dm, hvm, 5, 0, true));
    expect([q.result, checks(q)]).toEqual(["-EINVAL", []]);
  });

  it("the control domain passes xsm_domctl (XSM_PRIV), then the hook is XSM_HOOK", () => {
    const { xsm, io } = setup("dummy", "xsm_assign_device");
    const r = xsm.record(() => io.ioportPermission(dom0, pv, 0xecc0, 0x20, true));
    expect([r.result, checks(r)]).toEqual([0, ["xsm_domctl ioport_permission XSM_PRIV 0", "xsm_ioport_permission XSM_HOOK 0"]]);
  });

  it("the device model's four pass xsm_domctl as XSM_DM_PRIV for its target, and the guest itself does not", () => {
    const { xsm, io } = setup("dummy", "xsm_assign_device");
    const r = xsm.record(() => io.unbindPtIrq(dm, hvm, 40));
    // past xsm_domctl, the caller's hold comes before xsm_unbind_pt_irq: the pirq maps to nothing
    expect([r.result, checks(r)]).toEqual(["-EPERM", ["xsm_domctl unbind_pt_irq XSM_DM_PRIV 0"]]);
    const g = xsm.record(() => io.memoryMapping(hvm, hvm, 0xf0000, 0xfebe0, 1, true));
    expect([g.result, checks(g)]).toEqual(["-EPERM", ["xsm_domctl memory_mapping XSM_DM_PRIV -EPERM"]]);
  });
});

describe("flask: the caller's hold before XSM, and any refusal -EPERM (before XSA-492)", () => {
  it("iomem_permission of frames the caller lacks asks no AVC question", () => {
    const { xsm, io } = setup("flask", "xsm_assign_device");
    const r = xsm.record(() => io.iomemPermission(dom0, pv, 0xfee00, 1, true)); // the local APIC
    expect([r.result, r.checks]).toEqual(["-EPERM", []]);
    const post = setup("flask", "xsm_domctl");
    const q = post.xsm.record(() => post.io.iomemPermission(dom0, pv, 0xfee00, 1, true));
    expect(q.result).toBe("-EACCES"); // XSM first: domU_t may not use the unlabelled iomem_t
    expect(q.checks.length).toBeGreaterThan(0);
  });

  it("a flask denial of a grant is -EPERM, where XSA-492's order passes on -EACCES", () => {
    const pre = setup("flask", "xsm_assign_device");
    expect(pre.io.iomemPermission(dom0, pv, 0xfebd0, 0x30, true)).toBe("-EPERM"); // domU_t may not use iomem_t
    expect(pre.why.at(-1)).toMatch(/xsm_iomem_permission answered -EACCES; before XSA-492/);
    expect(pre.io.state(pv).iomem).toEqual([]);
    const post = setup("flask", "xsm_domctl");
    expect(post.io.iomemPermission(dom0, pv, 0xfebd0, 0x30, true)).toBe("-EACCES");
  });

  it("irq_permission of an IRQ the caller does not hold is -EPERM with no question (pirq_access_permitted)", () => {
    const { xsm, io } = setup("flask", "xsm_assign_device");
    expect(io.mapPirq(dom0, hvm, { gsi: 33 }, 33).rc).toBe(0);
    // hvm holds the IRQ its pirq maps to: XSM is asked, and flask's -EACCES is -EPERM
    const held = xsm.record(() => io.irqPermission(hvm, dm, 33, true));
    expect([held.result, held.checks.map((c) => c.rc)]).toEqual(["-EPERM", ["-EACCES"]]);
    // dom0 takes IRQ 33 back: hvm's pirq 33 still maps to it, but pirq_access_permitted() says 0
    expect(io.mapPirq(dom0, dom0, { gsi: 33 }, 33).rc).toBe(0);
    expect(io.irqPermission(dom0, hvm, 33, false)).toBe(0);
    const r = xsm.record(() => io.irqPermission(hvm, dm, 33, true));
    expect([r.result, r.checks]).toEqual(["-EPERM", []]);
  });

  it("memory_mapping tests both holds before XSM: frames not granted to the guest are -EPERM before the device model is asked", () => {
    const { xsm, io } = setup("flask", "xsm_assign_device");
    const r = xsm.record(() => io.memoryMapping(dm, hvm, 0xf0000, 0xfebe0, 0x20, true));
    expect([r.result, r.checks]).toEqual(["-EPERM", []]);
    // a PV guest has no p2m, but before XSA-492 its grant is tested first
    expect(io.memoryMapping(dom0, pv, 0, 0xfebe0, 1, true)).toBe("-EPERM");
    expect(setup("flask", "xsm_domctl").io.memoryMapping(dom0, pv, 0, 0xfebe0, 1, true)).toBe(0);
  });
});

describe("XEN_DOMCTL_memory_mapping's removal (6df6f24251, 4.22.0)", () => {
  const granted = (mmioRemoval: "guest-granted" | "caller-held") => {
    const xsm = createXsm({ module: "dummy", assignCheck: "xsm_domctl" });
    const why: string[] = [];
    const io = new IoCaps(xsm.module, { iommu: "intremap", mmioRemoval, why: (w) => why.push(w), ownerOf: () => undefined });
    return { io, why };
  };
  it("before 4.22.0 the guest must have been granted the frames to have them unmapped; 4.22.0 asks the caller's hold alone", () => {
    const old = granted("guest-granted");
    expect(old.io.memoryMapping(dom0, hvm, 0xf0000, 0xfebe0, 1, false)).toBe("-EPERM");
    expect(old.why.at(-1)).toMatch(/a removal too \(4\.22\.0 asks the caller's hold alone, 6df6f24251\)/);
    expect(granted("caller-held").io.memoryMapping(dom0, hvm, 0xf0000, 0xfebe0, 1, false)).toBe(0);
  });
});
