import { describe, expect, it } from "vitest";
import { avcAuditMask, dumpAv, formatAvcAudit, hexAlt } from "../../src/xsm/audit.js";

const query = {
  ssid: 12,
  scontext: "system_u:system_r:gvp1_hwdom_t",
  tsid: 13,
  tcontext: "system_u:object_r:svp_pci_t",
  tclass: "resource",
};

describe("avc_audit line format (xen/xsm/flask/avc.c)", () => {
  it("a denial with device audit data", () => {
    expect(formatAvcAudit({ denied: true, perms: ["unplug"], currentDomid: 1, data: { type: "dev", device: 0x380 }, ...query })).toBe(
      "avc:  denied  { unplug } for domid=1 device=0x380 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    );
  });

  it("a grant (auditallow) prints 'granted'", () => {
    expect(formatAvcAudit({ denied: false, perms: ["plug"], currentDomid: 0, data: { type: "dev", device: 0x380 }, ...query })).toBe(
      "avc:  granted  { plug } for domid=0 device=0x380 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    );
  });

  it("several perms in bit order, unknown bits as one %#x", () => {
    expect(dumpAv(["add", "remove"], 0)).toBe(" { add remove }");
    expect(dumpAv(["add"], 0x80000000)).toBe(" { add 0x80000000 }");
    expect(dumpAv([], 0)).toBe(" null");
  });

  it("domain audit data: domid and target when they differ, domid alone when equal", () => {
    const two = formatAvcAudit({ denied: true, perms: ["add"], currentDomid: 1, data: { type: "none", sdom: 1, tdom: 2 }, ...query });
    expect(two).toContain(" for domid=1 target=2 scontext=");
    const self = formatAvcAudit({ denied: true, perms: ["add"], currentDomid: 1, data: { type: "none", sdom: 1, tdom: 1 }, ...query });
    expect(self).toContain(" for domid=1 scontext=");
    const onlyTarget = formatAvcAudit({ denied: true, perms: ["add"], currentDomid: 1, data: { type: "none", tdom: 4 }, ...query });
    expect(onlyTarget).toContain(" for target=4 scontext=");
  });

  it("no audit data names the current domain", () => {
    expect(formatAvcAudit({ denied: true, perms: ["remove_device"], currentDomid: 7, data: null, ...query })).toBe(
      "avc:  denied  { remove_device } for domid=7 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    );
  });

  it("device 0 prints as %#lx does: device=0", () => {
    expect(formatAvcAudit({ denied: true, perms: ["plug"], currentDomid: 0, data: { type: "dev", device: 0 }, ...query })).toContain(
      " device=0 scontext=",
    );
    expect(hexAlt(0x10)).toBe("0x10");
  });

  it("irq, range and memory audit data", () => {
    const base = { denied: true, perms: ["add"], currentDomid: 0, ...query };
    expect(formatAvcAudit({ ...base, data: { type: "irq", irq: 9 } })).toContain(" for domid=0 irq=9 scontext=");
    expect(formatAvcAudit({ ...base, data: { type: "range", range: { start: 0xfe000, end: 0xfe0ff } } })).toContain(
      " range=0xfe000-0xfe0ff scontext=",
    );
    expect(formatAvcAudit({ ...base, data: { type: "memory", memory: { pte: 0x67, mfn: 0x1234 } } })).toContain(" pte=0x67 mfn=0x1234 scontext=");
    expect(formatAvcAudit({ ...base, data: { type: "dtdev", dtdev: "/soc/uart" } })).toContain(" for domid=0 scontext=");
  });

  it("a SID without a context prints ssid=/tsid=", () => {
    const line = formatAvcAudit({ denied: true, perms: ["plug"], currentDomid: 0, data: null, ...query, scontext: undefined, tcontext: undefined });
    expect(line).toBe("avc:  denied  { plug } for domid=0 ssid=12 tsid=13 tclass=resource");
  });
});

describe("which decisions are audited (avc_audit)", () => {
  const ALL = -1;
  it("denials are audited unless dontaudit", () => {
    expect(avcAuditMask(0b10, 0b01, 0, ALL, false)).toEqual({ audited: 0b10, denied: true });
    expect(avcAuditMask(0b10, 0b01, 0, ~0b10, false)).toBeNull();
  });
  it("grants are audited only under auditallow", () => {
    expect(avcAuditMask(0b01, 0b01, 0, ALL, false)).toBeNull();
    expect(avcAuditMask(0b01, 0b01, 0b01, ALL, false)).toEqual({ audited: 0b01, denied: false });
  });
  it("only the denied bits of a partly allowed request are named", () => {
    expect(avcAuditMask(0b11, 0b01, 0, ALL, false)).toEqual({ audited: 0b10, denied: true });
  });
});
