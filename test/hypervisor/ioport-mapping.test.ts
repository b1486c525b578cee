import { describe, expect, it } from "vitest";
import { IoCaps } from "../../src/hypervisor/iocaps.js";
import type { IoportMapping } from "../../src/hypervisor/types.js";
import { XEN_RELEASES, xenBehaviour } from "../../src/sim/xen-release.js";
import { createXsm } from "../../src/xsm/index.js";
import type { Domain } from "../../src/xsm/types.js";

// XEN_DOMCTL_ioport_mapping past the caller's hold and XSM, as arch/x86/domctl.c has it at every
// release tag RELEASE-4.19.0 .. RELEASE-4.22.0 (4.19.5 included: the mapping grants the guest the
// ports, ioports_permit_access, and its removal revokes them, ioports_deny_access; entries keyed
// by first machine port) and on master after 4.22.0 (3845d3854d, fa61af950b: the guest must hold
// the ports, entries keyed by port and length, overlaps -EBUSY, a removal of none -ENOENT).
const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const hvm: Domain = { domid: 2, name: "hvm", context: "system_u:system_r:domU_t", control: false, hardware: false, hvm: true };

function setup(ioportMapping: IoportMapping) {
  const xsm = createXsm({ module: "dummy", assignCheck: "xsm_domctl" });
  const log: string[] = [];
  const why: string[] = [];
  const io = new IoCaps(xsm.module, { iommu: "intremap", ioportMapping, log: (l) => log.push(l), why: (w) => why.push(w), ownerOf: () => undefined });
  const state = () => ({ ioports: io.state(hvm).ioports, maps: io.state(hvm).ioportMappings });
  return { io, log, why, state };
}

describe("XEN_DOMCTL_ioport_mapping and the guest's port rights", () => {
  it("every release tag grants (4.19.0 .. 4.22.0, 4.19.5 among them); master after 4.22.0 does not", () => {
    expect(XEN_RELEASES.filter((r) => xenBehaviour(r).ioportMapping === "guest-granted")).toEqual(["master"]);
    expect(xenBehaviour("4.19.5").ioportMapping).toBe("grants");
  });

  it("grants: an addition the guest was never granted succeeds and grants the ports; the removal revokes them", () => {
    const t = setup("grants");
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe(0);
    expect(t.log).toEqual(["ioport_map:add: dom2 gport=c000 mport=ecc0 nr=20"]);
    expect(t.why.at(-1)).toMatch(/^ioports_permit_access: hvm is granted ports 0xecc0-0xecdf/);
    expect(t.state()).toEqual({ ioports: [{ start: 0xecc0, end: 0xecdf }], maps: [{ gport: 0xc000, mport: 0xecc0, nr: 0x20 }] });
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, false)).toBe(0);
    expect(t.log.at(-1)).toBe("ioport_map:remove: dom2 gport=c000 mport=ecc0 nr=20");
    expect(t.state()).toEqual({ ioports: [], maps: [] });
  });

  it("grants: the same first port moves and resizes its entry; an overlapping one is added beside it; a removal of none still revokes, 0", () => {
    const t = setup("grants");
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe(0);
    expect(t.io.ioportMapping(dom0, hvm, 0xd000, 0xecc0, 0x10, true)).toBe(0);
    expect(t.io.ioportMapping(dom0, hvm, 0xe000, 0xecd0, 0x10, true)).toBe(0);
    expect(t.state().maps).toEqual([
      { gport: 0xd000, mport: 0xecc0, nr: 0x10 },
      { gport: 0xe000, mport: 0xecd0, nr: 0x10 },
    ]);
    expect(t.io.ioportMapping(dom0, hvm, 0, 0xecc8, 4, false)).toBe(0);
    expect(t.why.at(-1)).toMatch(/though no mapping started at 0xecc8 \(not an error in this Xen\)/);
    expect(t.state().ioports).toEqual([
      { start: 0xecc0, end: 0xecc7 },
      { start: 0xeccc, end: 0xecdf },
    ]);
  });

  it("guest-granted (master): -EPERM for ports the guest lacks, -EBUSY for an overlap, -ENOENT for a removal of none, no right changes", () => {
    const t = setup("guest-granted");
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe("-EPERM");
    expect(t.io.ioportPermission(dom0, hvm, 0xecc0, 0x20, true)).toBe(0);
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, true)).toBe(0);
    expect(t.log.at(-1)).toBe("ioport_map:add: d2 gport=c000 mport=ecc0 nr=20");
    expect(t.io.ioportMapping(dom0, hvm, 0xd000, 0xecc0, 0x10, true)).toBe("-EBUSY");
    expect(t.io.ioportMapping(dom0, hvm, 0, 0xecc8, 4, false)).toBe("-ENOENT");
    expect(t.io.ioportMapping(dom0, hvm, 0xc000, 0xecc0, 0x20, false)).toBe(0);
    expect(t.state()).toEqual({ ioports: [{ start: 0xecc0, end: 0xecdf }], maps: [] });
  });
});
