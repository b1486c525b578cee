// test/fixtures/sim/no-irq.json: the passthrough domctls naming a pirq with no IRQ behind it (IRQ 0,
// or the -IRQ a forced unbind leaves) and PHYSDEVOP_map_pirq of GSI 0, on both sides of XSA-492, as
// the tags' arch/x86/domctl.c reads them (RELEASE-4.21.1 against RELEASE-4.21.2; 4.19.5/4.19.6 and
// 4.20.3/4.20.4 alike). Before: irq_permission's pirq_access_permitted() is 0 and `!irq ||
// xsm_irq_permission()` is -EPERM unasked; {,un}bind_pt_irq's `irq <= 0 || !irq_access_permitted()`
// breaks with -EPERM (after xsm_bind_pt_irq, before xsm_unbind_pt_irq). After: irq_permission's
// `if ( irq )` skips XSM; bind_pt_irq's `irq <= 0` sets -EPERM without a break and the hold test,
// which no domain passes for IRQ 0, keeps it; unbind_pt_irq has no `irq <= 0` test, asks XSM, and
// the hold test refuses. map_pirq (physdev.c, irq.c) is the same in every release.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import { XEN_RELEASES, xenBehaviour } from "../../src/sim/xen-release.js";
import { failures, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../fixtures/sim/no-irq.json");
const loaded = loadScenario(file);
const p = prepared(loaded);
const whys = (r: ReturnType<typeof runPrepared>, step: number) => r.steps[step - 1]!.why!.join(" ");

describe("a pirq with no IRQ behind it, before and after XSA-492", () => {
  const before = runPrepared(p);
  const after = runPrepared(p, { xen: "4.21.2" });

  it("prints the trace on both sides", () => {
    if (!loaded.ok) throw new Error("load");
    golden("no-irq.trace.txt", renderTrace(before, loaded.value.scenario));
    golden("no-irq.4.21.2.trace.txt", renderTrace(after, loaded.value.scenario));
  });

  it("answers -EPERM at every release, each expectation met", () => {
    for (const xen of XEN_RELEASES) expect(failures(runPrepared(p, { xen })), xen).toEqual([]);
  });

  it("before XSA-492: pirq_access_permitted and `irq <= 0 || ...` refuse, naming the release's tests", () => {
    expect(whys(before, 1)).toContain("pirq_access_permitted(current, pirq) is 0");
    expect(before.steps[0]!.decisions.map((d) => d.hook)).toEqual(["domctl"]); // xsm_domctl only
    expect(whys(before, 3)).toContain("`irq <= 0 || !irq_access_permitted(currd, irq)` breaks with -EPERM after xsm_bind_pt_irq (before XSA-492)");
    expect(before.steps[2]!.decisions.map((d) => d.hook)).toEqual(["domctl", "bind_pt_irq"]);
    expect(whys(before, 4)).toContain("answers -EPERM before xsm_unbind_pt_irq is asked (before XSA-492)");
    expect(before.steps[3]!.decisions.map((d) => d.hook)).toEqual(["domctl"]);
    expect(whys(before, 8)).toContain("holds -20, left by a forced unbind (domain_pirq_to_irq < 0): `irq <= 0 ||");
  });

  it("after XSA-492: `if ( irq )` skips XSM; bind_pt_irq's `irq <= 0` does not break and the hold test keeps -EPERM; unbind_pt_irq asks XSM first", () => {
    expect(whys(after, 1)).toContain("`if ( irq )` skips xsm_irq_permission");
    expect(after.steps[0]!.decisions).toEqual([]);
    expect(whys(after, 3)).toContain("`irq <= 0` only sets -EPERM, without a break, and the domctl goes on to irq_access_permitted(currd, 0), which is false (no domain holds IRQ 0");
    expect(after.steps[2]!.decisions.map((d) => d.hook)).toEqual(["bind_pt_irq"]);
    expect(whys(after, 4)).toContain("the domctl has no `irq <= 0` test; xsm_unbind_pt_irq was asked");
    expect(after.steps[3]!.decisions.map((d) => d.hook)).toEqual(["unbind_pt_irq"]);
    expect(whys(after, 8)).toContain("irq_access_permitted(currd, -20), which is false");
  });

  it("map_pirq of GSI 0 says the same at every release: map_domain_pirq's hold test, IRQ 0 held by no domain", () => {
    const texts = new Set(XEN_RELEASES.map((xen) => whys(runPrepared(p, { xen }), 2)));
    expect([...texts]).toEqual([expect.stringContaining("dom0 does not hold IRQ 0 (map_domain_pirq: irq_access_permitted(current, 0), its first test, in every release)")]);
  });

  it("the two sides are the releases' assignCheck", () => {
    expect(xenBehaviour("4.21.1").assignCheck).toBe("xsm_assign_device");
    expect(xenBehaviour("4.21.2").assignCheck).toBe("xsm_domctl");
  });
});
