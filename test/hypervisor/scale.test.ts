// Issue #4 item 7: 64 PFs x 256 VFs build and tear down under every strategy, PF removal linear in its VFs.
import { describe, expect, it, vi } from "vitest";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { PF_REMOVALS } from "../../src/hypervisor/types.js";
import { build, tearDown } from "../../src/hypervisor/workload.js";
import { Domains, ScriptedXsm, cast, svpHwdom } from "./helpers.js";

const SHAPE = { pfs: 64, vfsPerPf: 256 };

function registry(strategy: (typeof PF_REMOVALS)[number]) {
  const xsm = new ScriptedXsm();
  xsm.onCheck = undefined; // the fast path: nobody listens
  return new PciRegistry(xsm, new Domains(cast, 0), { strategy, vfWithoutPf: "reject" });
}

describe("a registry of 64 PFs x 256 VFs", () => {
  it.each(PF_REMOVALS)("builds and tears down under %s", (strategy) => {
    const reg = registry(strategy);
    const built = build(reg, svpHwdom, SHAPE);
    expect(built.rcs.get(0)).toBe(64 * 257);
    expect(reg.recordCount()).toBe(64 * 257);
    const down = tearDown(reg, svpHwdom, SHAPE);
    expect(reg.recordCount()).toBe(0);
    expect(reg.devices()).toEqual([]);
    expect(reg.checkInvariants()).toEqual([]);
    expect(down.ops).toBe(64 * 258);
  });

  it("removes a PF without scanning the registry: work is linear in its own VFs", () => {
    // Speed itself is measured by `npm run bench`; here we pin the structure that makes it linear:
    // a removal touches the PF's vf list and per-key maps, never a walk over every record.
    const reg = registry("authority");
    build(reg, svpHwdom, { pfs: 64, vfsPerPf: 256 });
    const scan = vi.spyOn(PciRegistry.prototype as unknown as { allPdevs(): Iterable<unknown> }, "allPdevs");
    let checks = 0;
    (reg as unknown as { xsm: ScriptedXsm }).xsm.onCheck = () => void checks++;
    for (let i = 0; i < 20; i++) {
      expect(reg.removeDevice(svpHwdom, `0000:${(2 * i).toString(16).padStart(2, "0")}:00.0`)).toBe(0);
    }
    expect(scan).not.toHaveBeenCalled();
    expect(checks).toBe(20 * 257); // one unplug check per VF and one for the PF
    reg.devices(); // the spy does see a whole-registry walk when one happens
    expect(scan).toHaveBeenCalled();
    scan.mockRestore();
  });
});
