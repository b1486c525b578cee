// Every example in examples/svp runs with all its expectations met, and reproduces the position in
// the xen-devel thread it is named after, including how the other strategies fare.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STRATEGIES, type Strategy } from "../../src/hypervisor/types.js";
import { loadScenario } from "../../src/sim/load.js";
import { runPrepared, type Prepared, type RunResult } from "../../src/sim/run.js";
import { prepared as preparedLoad } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const NAMES = ["nested-trust", "alejandro-authority", "stewart-hot-unplug", "jan-reassociate", "vf-before-pf", "vf-before-pf-add-pf", "dummy-module", "xen-4.19.0-vf-before-pf", "xsa-492-assign-order"];

function prepared(name: string): Prepared {
  return preparedLoad(loadScenario(join(examples, `${name}.json`)));
}

function run(name: string, strategy?: Strategy): RunResult {
  return runPrepared(prepared(name), strategy ? { strategy } : {});
}

const failures = (r: RunResult) => r.steps.flatMap((s) => s.expect.filter((e) => !e.ok).map((e) => `step ${s.step} ${e.what}: expected ${e.expected}, got ${e.actual}`));
const rcs = (r: RunResult) => r.steps.map((s) => s.rc);

describe("examples/svp", () => {
  it.each(NAMES)("%s meets every expectation under its own strategy", (name) => {
    const r = run(name);
    expect(failures(r)).toEqual([]);
    expect(r.steps.reduce((n, s) => n + s.expect.length, 0)).toBeGreaterThan(0);
  });

  it("nested-trust: guest platforms cannot reach each other's VFs or the supervisor's PF, and teardown leaves nothing", () => {
    const r = run("nested-trust");
    const denied = r.steps.filter((s) => s.rc === "-EACCES");
    expect(denied.map((s) => [s.as, s.op, s.decisions.find((d) => !d.allowed)?.tcontext])).toEqual([
      ["gvp1-hwdom", "assign_device", "system_u:object_r:gvp2_pci_t"],
      ["gvp1-hwdom", "pci_remove_device", "system_u:object_r:svp_pci_t"],
    ]);
    expect(denied.every((s) => s.audit.some((a) => a.startsWith("avc:  denied  {")))).toBe(true);
    expect(r.state.devices).toEqual([]);
    expect(r.summary).toMatchObject({ stalePfs: 0, staleVfs: 0, broken: 0, partial: 0 });
  });

  it("nested-trust: only the unclean GVP2 teardown (step 14) depends on the strategy", () => {
    const p = prepared("nested-trust");
    const all = STRATEGIES.map((s) => runPrepared(p, { strategy: s }));
    const differing = all[0]!.steps.map((_, i) => i).filter((i) => new Set(all.map((r) => r.steps[i]!.rc)).size > 1);
    expect(differing.map((i) => i + 1)).toEqual([14]);
    expect(Object.fromEntries(all.map((r) => [r.strategy, r.steps[13]!.rc]))).toEqual({
      upstream: "-EBUSY", "unlink-broken": 0, cascade: "-EBUSY", refuse: "-EBUSY", reassociate: 0, refcount: 0, authority: 0,
    });
  });

  it("alejandro-authority: without authority over every VF nothing changes; upstream lets GVP1 break GVP2's VF", () => {
    const auth = run("alejandro-authority", "authority");
    const step6 = auth.steps[5]!;
    expect(step6.rc).toBe("-EACCES");
    expect(step6.partial).toBe(false);
    const upstream = run("alejandro-authority", "upstream");
    expect(upstream.steps[5]!.rc).toBe("-EBUSY");
    expect(upstream.steps[5]!.partial).toBe(true);
    expect(upstream.state.devices.find((d) => d.sbdf === "0000:05:10.0")).toMatchObject({ broken: true, owner: "gvp2-hwdom" });
  });

  it("stewart-hot-unplug: an error return does not prevent stale pdevs once the hardware is gone", () => {
    const r = run("stewart-hot-unplug");
    const report = r.steps[6]!;
    expect(report.rc).toBe("-EBUSY");
    expect(report.log).toContain("Attempted to remove PCI SR-IOV PF 0000:03:00.0 with VFs still present");
    expect(r.state.devices).toEqual([]);
    const unlink = run("stewart-hot-unplug", "unlink-broken");
    expect(unlink.steps[6]!.rc).toBe(0);
    expect(rcs(unlink).slice(7)).toEqual([0, 0, 0, "-ENODEV"]); // the PF is already gone when dom0 reports it again
  });

  it("jan-reassociate: re-reporting the PF re-links its stale VFs, only under reassociate", () => {
    const r = run("jan-reassociate");
    expect(r.steps[5]!.log.some((l) => /re-associated with 2 stale VFs/.test(l))).toBe(true);
    expect(r.state.devices.filter((d) => d.kind === "vf").map((d) => [d.sbdf, d.physfn, d.broken])).toEqual([
      ["0000:03:10.0", "0000:03:00.0", false],
      ["0000:03:10.1", "0000:03:00.0", false],
    ]);
    const unlink = run("jan-reassociate", "unlink-broken");
    expect(unlink.state.devices.filter((d) => d.kind === "vf").every((d) => d.physfn === null && d.broken)).toBe(true);
  });

  it("vf-before-pf: rejected under reject; under add-pf the implicit PF add needs its own plug permission", () => {
    expect(rcs(run("vf-before-pf"))).toEqual(["-ENODEV", 0, 0]);
    const addPf = run("vf-before-pf-add-pf");
    expect(addPf.steps[0]!.decisions.map((d) => [d.tcontext?.split(":")[2], d.perm, d.allowed])).toEqual([
      ["gvp1_pci_t", "plug", true],
      ["svp_pci_t", "plug", false],
    ]);
  });

  it("dummy-module: only the control domain passes, whatever platform the device belongs to", () => {
    const r = run("dummy-module");
    expect(rcs(r)).toEqual([0, "-EPERM", 0, 0, "-EPERM", 0, "-EPERM"]);
    expect(r.steps.flatMap((s) => s.decisions).every((d) => d.action !== undefined && d.perm === undefined)).toBe(true);
    expect(r.state.devices.find((d) => d.sbdf === "0000:03:10.1")!.owner).toBe("gvp1-guest");
  });
});
