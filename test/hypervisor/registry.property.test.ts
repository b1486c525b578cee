// Random operation sequences by random domains, under every strategy (and Xen 4.19.0's pre-links) and every VF-without-PF
// policy (add-pf-first: a failed VF add may leave its PF added, a VF may have no PF from the start), against a scripted XSM module that allows or denies per (domain, hook, device); every
// device that leaves the registry has its MSI cleaned up (onFree) exactly once.
import { describe, it } from "vitest";
import fc from "fast-check";
import { PciRegistry } from "../../src/hypervisor/registry.js";
import { PF_REMOVALS, VF_WITHOUT_PF } from "../../src/hypervisor/types.js";
import type { Rc } from "../../src/xsm/types.js";
import { Domains, ScriptedXsm } from "./helpers.js";
import { CountingXsm, DOMAINS, opsArb, scriptedDecider, step, type World } from "./model.js";

const RUNS = 150; // x 24 configurations (pre-links, Xen 4.19.0's, with the strategies) = 3600 sequences of up to 40 operations

describe.each(PF_REMOVALS.flatMap((s) => VF_WITHOUT_PF.map((v) => [s, v] as const)))("strategy %s, vfWithoutPf %s", (strategy, vfWithoutPf) => {
  it("keeps its invariants, makes exactly Xen's XSM checks and changes nothing on failure", () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0, 10, 30), fc.constantFrom("none" as const, "basic" as const), opsArb, (seed, denyPercent, quarantine, ops) => {
        const decide = scriptedDecider(seed, denyPercent);
        const xsm = new CountingXsm(new ScriptedXsm(decide));
        const domains = new Domains(DOMAINS, 0);
        const freed: number[] = [];
        const reg = new PciRegistry(xsm, domains, { strategy, vfWithoutPf, onFree: (bdf) => freed.push(bdf), quarantine });
        const answer = (hook: Parameters<typeof decide>[1], domid: number, bdf: number): Rc =>
          decide(domains.byDomid(domid)!, hook, bdf) ? 0 : "-EACCES";
        const w: World = { reg, xsm, domains, strategy, vfWithoutPf, answer, freed, quarantine };
        for (const op of ops) step(w, op);
      }),
      { numRuns: RUNS },
    );
  });
});
