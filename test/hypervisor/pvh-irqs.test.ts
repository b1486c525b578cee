import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import type { PvhIrqs } from "../../src/hypervisor/types.js";
import { createXsm, type Xsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

// Xen 4.19 has no XEN_DOMCTL_gsi_permission (d6e9a2aab3, 4.20.0): do_domctl looks the domain up,
// xsm_domctl asks about command 88 as about any it does not know (flask_domctl's default,
// avc_unknown_permission; dummy.h's default, XSM_PRIV), then arch_do_domctl's default is -ENOSYS.
// Its hvm_physdev_op refuses PHYSDEVOP_{,un}map_pirq -ENOSYS to an HVM caller without has_pirq
// (opened by 035baa203b, 4.20.0). Read from RELEASE-4.19.0 and RELEASE-4.19.6's common/domctl.c,
// arch/x86/domctl.c, xsm/flask/hooks.c, include/xsm/dummy.h, arch/x86/hvm/hypercall.c.
const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");

const pvhDom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true, hvm: true };
const pvDom0: Domain = { ...pvhDom0, hvm: false };
const pv: Domain = { domid: 1, name: "pv", context: "system_u:system_r:domU_t", control: false, hardware: false };
const hvm: Domain = { domid: 3, name: "hvm", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true, hvmPirq: true };

function setup(pvhIrqs: PvhIrqs, module: "flask" | "dummy" = "flask") {
  const xsm: Xsm = module === "dummy" ? createXsm({ module: "dummy" }) : createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf", iommu: "intremap" });
  const why: string[] = [];
  const checks: XsmCheck[] = [];
  xsm.onCheck = (c) => checks.push(c);
  const io = new IoCaps(xsm.module, { iommu: "intremap", pvhIrqs, why: (w) => why.push(w), ownerOf: () => undefined });
  return { xsm, io, why, checks };
}

describe("XEN_DOMCTL_gsi_permission on a Xen without it (4.19)", () => {
  it("flask, enforcing: avc_unknown_permission denies domctl 88 (-EPERM) before arch_do_domctl; no policy question, no flag or GSI check", () => {
    const { io, why, checks } = setup("none");
    // flags 2 and GSI 48 would be -EINVAL and -ERANGE on 4.20: 4.19 never reads them
    for (const [gsi, flags] of [[33, 1], [48, 1], [33, 2]] as const) expect(io.gsiPermission(pvhDom0, pv, gsi, flags)).toBe("-EPERM");
    expect(checks.map((c) => [c.hook, c.xen, c.rc, c.error, c.scontext])).toEqual(
      Array(3).fill(["domctl", "flask_domctl avc_unknown_permission", "-EPERM", "FLASK: Denying unknown domctl: 88.", undefined]),
    );
    expect(why[0]).toContain("domctl 88 is no command of this Xen (XEN_DOMCTL_gsi_permission came with 4.20.0, d6e9a2aab3)");
    expect(io.state(pv).irqs).toEqual([]);
  });

  it("flask, permissive: avc_unknown_permission lets it through and arch_do_domctl answers -ENOSYS; nothing is granted", () => {
    const { xsm, io, why, checks } = setup("none");
    xsm.setEnforcing(false);
    expect(io.gsiPermission(pvhDom0, pv, 33, 1)).toBe("-ENOSYS");
    expect(checks.map((c) => [c.rc, c.error])).toEqual([[0, "FLASK: Allowing unknown domctl: 88."]]);
    expect(why).toEqual([expect.stringContaining("xsm_domctl let it through, and arch_do_domctl's default answers -ENOSYS")]);
    expect(io.state(pv).irqs).toEqual([]);
  });

  it("dummy: xsm_domctl's default XSM_PRIV: the control domain reaches -ENOSYS, any other caller -EPERM", () => {
    const { io, checks } = setup("none", "dummy");
    expect(io.gsiPermission(pvhDom0, pv, 33, 1)).toBe("-ENOSYS");
    expect(io.gsiPermission(pv, pv, 33, 1)).toBe("-EPERM");
    expect(checks.map((c) => [c.xen, c.action, c.rc])).toEqual([
      ["xsm_domctl 88", "XSM_PRIV", 0],
      ["xsm_domctl 88", "XSM_PRIV", "-EPERM"],
    ]);
  });

  it("4.20.0 on (gsi, the default): the domctl itself, its flag and GSI checks before XSM", () => {
    for (const pvhIrqs of ["gsi", undefined] as const) {
      const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf", iommu: "intremap" });
      const io = new IoCaps(xsm.module, { iommu: "intremap", ...(pvhIrqs ? { pvhIrqs } : {}), ownerOf: () => undefined });
      expect(io.gsiPermission(pvhDom0, pv, 33, 2)).toBe("-EINVAL");
      expect(io.gsiPermission(pvhDom0, pv, 48, 1)).toBe("-ERANGE");
      expect(io.gsiPermission(pvhDom0, pv, 33, 1)).toBe(0);
      expect(io.state(pv).irqs).toEqual([{ start: 33, end: 33 }]);
    }
  });
});

describe("PHYSDEVOP_{,un}map_pirq from an HVM caller without pirqs (hvm_physdev_op)", () => {
  it("4.19: a PVH dom0 is refused -ENOSYS before XSM or the GSI is looked at", () => {
    const { io, why, checks } = setup("none");
    expect(io.mapPirq(pvhDom0, pv, { gsi: 33 }, -1)).toEqual({ rc: "-ENOSYS" });
    expect(io.mapPirq(pvhDom0, pv, { gsi: 9999 }, -1)).toEqual({ rc: "-ENOSYS" });
    expect(io.unmapPirq(pvhDom0, pv, 16)).toBe("-ENOSYS");
    expect(checks).toEqual([]);
    expect(why[0]).toContain("hvm_physdev_op refuses it PHYSDEVOP_map_pirq -ENOSYS");
    expect(why[2]).toContain("PHYSDEVOP_unmap_pirq");
  });

  it("4.19: a PV dom0 and an HVM guest with pirqs (has_pirq) go on as on 4.20", () => {
    const { io } = setup("none");
    expect(io.mapPirq(pvDom0, pv, { gsi: 33 }, -1)).toMatchObject({ rc: 0 });
    expect(io.mapPirq(hvm, hvm, { gsi: 5 }, -1)).toEqual({ rc: 0, pirq: 16 });
    expect(io.unmapPirq(hvm, hvm, 16)).toBe(0);
  });

  it("4.20.0 on: a PVH dom0 maps for a guest (035baa203b)", () => {
    const { io } = setup("gsi");
    expect(io.mapPirq(pvhDom0, pv, { gsi: 33 }, -1)).toMatchObject({ rc: 0 });
    expect(io.hvmPhysdevOp(pvhDom0, "map_pirq")).toBe(0);
  });
});
