// PciRegistry takes its domains as a DomainTable or as a plain list (what a library user writes
// first); anything else is refused when the registry is built, not deep inside a hypercall.
import { describe, expect, it } from "vitest";
import { PciRegistry, domainTable } from "../../src/hypervisor/index.js";
import { createDummyXsm } from "../../src/xsm/index.js";
import type { Domain } from "../../src/xsm/types.js";

const dom0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
const hw1: Domain = { domid: 1, name: "hw1", control: false, hardware: true };
const opts = { strategy: "upstream", vfWithoutPf: "reject" } as const;

describe("domain tables", () => {
  it("a list of domains is a table: by domid, hardware_domain = the control hardware domain", () => {
    const t = domainTable([hw1, dom0]);
    expect(t.byDomid(1)).toBe(hw1);
    expect(t.byDomid(7)).toBeUndefined();
    expect(t.hardwareDomain?.()).toBe(dom0);
    const r = new PciRegistry(createDummyXsm(), [dom0, hw1], opts);
    expect(r.addDevice(dom0, "0000:03:00.0")).toBe(0);
    expect(r.device("0000:03:00.0")?.owner).toBe("dom0");
  });

  it("something else is a TypeError naming what is expected", () => {
    expect(() => new PciRegistry(createDummyXsm(), {} as never, opts)).toThrow(/domains must be an array of Domain or a DomainTable/);
  });
});
