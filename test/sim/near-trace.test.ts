// A denial no rule grants in the simulator's trace carries what xsm check gives for the same
// question: the same `nearest` (near rules, audit2allow's rule, why checkpolicy would refuse it),
// in --json and in the text under `why   no allow rule grants it`.
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

interface Decision {
  scontext: string;
  tcontext: string;
  tclass: string;
  perm: string;
  allowed: boolean;
  reasons?: { kind: string; nearest?: { allow: string; refused?: { file: string; line: number }[] } }[];
}

describe("the simulator's denials say what would grant them", () => {
  it("alejandro-authority: GVP1's unplug of GVP2's VF, as xsm check on svp.conf explains it", async () => {
    const run = JSON.parse((await xsm("simulate", "examples/svp/alejandro-authority.json", "--json")).stdout) as { steps: { decisions?: Decision[] }[] };
    const denied = run.steps.flatMap((s) => s.decisions ?? []).find((d) => !d.allowed && d.tcontext.endsWith(":gvp2_pci_t"))!;
    const traced = denied.reasons!.find((r) => r.kind === "no-rule")!.nearest!;
    const check = JSON.parse((await xsm("check", "examples/svp/svp.conf", "--scontext", denied.scontext, "--tcontext", denied.tcontext, "--class", denied.tclass, "--perm", denied.perm, "--json")).stdout) as { reasons: { nearest?: unknown }[] };
    const checked = check.reasons.find((r) => r.nearest)!.nearest as typeof traced;
    // (the trace names svp.conf as the scenario does, relative to it; check as given)
    const rel = (n: typeof traced) => JSON.parse(JSON.stringify(n).replaceAll('"file":"examples/svp/svp.conf"', '"file":"svp.conf"'));
    expect(rel(traced)).toEqual(rel(checked));
    // platform gvp1's isolation neverallow forbids the rule audit2allow would write
    expect(traced.allow).toBe("allow gvp1_hwdom_t gvp2_pci_t:resource unplug;");
    expect(traced.refused!.map((r) => `${r.file}:${r.line}`)).toEqual(["svp.conf:52"]);
    const text = (await xsm("simulate", "examples/svp/alejandro-authority.json")).stdout;
    expect(text).toContain("     why   no allow rule grants it\n             rules that grant it to other targets of this source:\n");
    expect(text).toContain("             audit2allow's rule allow gvp1_hwdom_t gvp2_pci_t:resource unplug; is no fix: checkpolicy refuses the policy with it\n");
  });
});
