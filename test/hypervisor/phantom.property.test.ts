// Random operation sequences on a registry whose devices have phantom functions (DEVCAP, and
// pci-phantom= bumped by a real function), one of them at another device's address: every
// registry invariant and Xen's XSM checks hold as in registry.property.test.ts, a phantom
// function's VT-d context entry points where its function's does in every reachable state (unless
// a record at that devfn maps it too), and every successful add prints its phantom lines.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import type { Rc } from "../../src/xsm/types.js";
import { Domains, sbdf as key, ScriptedXsm } from "./helpers.js";
import { ADDRESSES, CountingXsm, DOMAINS, opsArb, scriptedDecider, step, type World } from "./model.js";

// 03:00.0 (a PF) stride 1: .1 .. .7; 03:10.0 (a VF) stride 2: .2 is another VF's address, .4 and .6
// are no one's; 03:05.0 by pci-phantom=03:05,1, bumped to 2 by the real 03:05.1 (not an address)
const DEVCAP = new Map([
  [key("0000:03:00.0"), 3],
  [key("0000:03:10.0"), 2],
]);
const PRESENT = new Set([...ADDRESSES, "0000:03:05.1"].map(key));

describe.each(["upstream", "reassociate"] as const)("phantom functions, strategy %s", (strategy) => {
  it("keep their context entries with their function's, print their lines, and leave the registry's invariants whole", () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0, 10, 30), fc.constantFrom("none" as const, "basic" as const, "scratch-page" as const), opsArb, (seed, denyPercent, quarantine, ops) => {
        const decide = scriptedDecider(seed, denyPercent);
        const xsm = new CountingXsm(new ScriptedXsm(decide));
        const domains = new Domains(DOMAINS, 0);
        const log: string[] = [];
        const reg = new PciRegistry(xsm, domains, {
          strategy,
          vfWithoutPf: "reject",
          quarantine,
          devcapPhantom: (k) => DEVCAP.get(k),
          pciPhantom: [{ seg: 0, bus: 3, slot: 5, stride: 1 }],
          functionPresent: (k) => PRESENT.has(k),
          log: (l) => log.push(l),
        });
        const answer = (hook: Parameters<typeof decide>[1], domid: number, bdf: number): Rc => (decide(domains.byDomid(domid)!, hook, bdf) ? 0 : "-EACCES");
        const w: World = { reg, xsm, domains, strategy, vfWithoutPf: "reject", answer, quarantine };
        for (const op of ops) {
          const l0 = log.length;
          step(w, op);
          for (const d of reg.devices()) {
            for (const ph of d.phantoms ?? []) {
              if (ADDRESSES.includes(ph)) continue; // a record there may map it too
              expect(reg.contextOwner(ph), `${ph}, phantom of ${d.sbdf}, after ${JSON.stringify(op)}`).toBe(reg.contextOwner(d.sbdf));
            }
          }
          const added = log.slice(l0).findIndex((l) => /^PCI add (device|virtual function|extended function) \S+$/.test(l));
          if (added >= 0) {
            const sbdf = log[l0 + added]!.split(" ").pop()!;
            expect(log.slice(l0 + added + 1), `after ${JSON.stringify(op)}`).toEqual(reg.phantoms(sbdf).map((p) => `PCI phantom ${p}`));
          }
        }
        expect(reg.phantoms("0000:03:05.0").length === 0 || reg.phantoms("0000:03:05.0")[0] === "0000:03:05.2").toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
