// Issue #4 item 7: 64 PFs x 256 VFs build and tear down under every strategy, PF removal linear in its VFs.
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/pci/registry.js";
import { STRATEGIES } from "../../src/pci/types.js";
import { build, tearDown } from "../../src/pci/workload.js";
import { Domains, ScriptedXsm, cast, svpHwdom } from "./helpers.js";

const SHAPE = { pfs: 64, vfsPerPf: 256 };

function registry(strategy: (typeof STRATEGIES)[number]) {
  const xsm = new ScriptedXsm();
  xsm.onCheck = undefined; // the fast path: nobody listens
  return new PciRegistry(xsm, new Domains(cast, 0), { strategy, vfWithoutPf: "reject" });
}

describe("a registry of 64 PFs x 256 VFs", () => {
  it.each(STRATEGIES)("builds and tears down under %s", (strategy) => {
    const reg = registry(strategy);
    const t0 = performance.now();
    const built = build(reg, svpHwdom, SHAPE);
    expect(built.rcs.get(0)).toBe(64 * 257);
    expect(reg.recordCount()).toBe(64 * 257);
    const down = tearDown(reg, svpHwdom, SHAPE);
    const ms = performance.now() - t0;
    expect(reg.recordCount()).toBe(0);
    expect(reg.devices()).toEqual([]);
    expect(reg.checkInvariants()).toEqual([]);
    expect(down.ops).toBe(64 * 258);
    expect(ms).toBeLessThan(5000);
  });

  it("removes a PF in time linear in its VFs, whatever the size of the rest of the registry", () => {
    // One PF with 256 VFs under authority (one unplug check per VF), next to registries of growing size.
    const timeOne = (otherPfs: number) => {
      const reg = registry("authority");
      build(reg, svpHwdom, { pfs: otherPfs + 1, vfsPerPf: 256 });
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) {
        expect(reg.removeDevice(svpHwdom, `0000:${(2 * i).toString(16).padStart(2, "0")}:00.0`)).toBe(0);
      }
      return performance.now() - t0;
    };
    timeOne(20); // warm up
    const small = Math.min(timeOne(20), timeOne(20));
    const large = Math.min(timeOne(120), timeOne(120));
    // 6x the registry: a per-VF scan of the whole registry would be ~6x slower; linear stays ~1x.
    expect(large).toBeLessThan(small * 3 + 5);
  });
});
