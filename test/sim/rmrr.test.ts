// examples/svp/rmrr-assignment.json: reserved device memory (VT-d RMRRs) in a run: a guest
// platform's hardware domain assigning devices with RMRRs to its guest, guest RAM in the way
// (-EBUSY, or relaxed), a shared RMRR (-EPERM, or "risky"), the identity maps each domain holds,
// quarantine's page tables holding the RMRR, and XSA-460 (4.19.0's untracked pages). Also AMD's
// IVMD unity maps in a scenario, and what the scenario's validation refuses, at its JSON paths.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { failures, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../../examples/svp/rmrr-assignment.json");
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario, opts: Parameters<typeof runPrepared>[1] = {}) => runPrepared(prepared(parseScenario(s, file)), opts);
const why = (r: ReturnType<typeof runAs>, i: number) => (r.steps[i]!.why ?? []).join("\n");

describe("examples/svp/rmrr-assignment.json", () => {
  const loaded = loadScenario(file);
  const r = runPrepared(prepared(loaded));

  it("meets every expectation, and prints the trace", () => {
    expect(failures(r)).toEqual([]);
    if (!loaded.ok) throw new Error("load");
    golden("rmrr-assignment.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("says why each refusal was one, and what relaxed allowed", () => {
    expect(why(r, 3)).toContain('gvp1-guest\'s p2m has RAM where 0000:05:00.0\'s RMRR is (set_identity_p2m_entry: "Cannot setup identity map"): -EBUSY');
    expect(why(r, 5)).toContain("intel_iommu_assign_device refuses it -EPERM under no XEN_DOMCTL_DEV_RDM_RELAXED");
    expect(why(r, 6)).toContain('intel_iommu_assign_device warns "It\'s risky"');
    expect(why(r, 4)).toContain("gvp1-hwdom let go of them (reassign_device_ownership: a source other than Xen's hardware_domain unmaps the device's regions)");
  });

  it("ends with the shared region mapped in gvp2's guest and every RMRR still in Xen's hardware_domain", () => {
    const state = Object.fromEntries(r.state.domains.map((d) => [d.name, (d.identityMaps ?? []).map((m) => `${m.base.toString(16)}-${m.end.toString(16)} x${m.count}`)]));
    expect(state).toEqual({ "svp-hwdom": ["7e000000-7e001fff x2", "a0000-100fff x1"], "gvp1-hwdom": [], "gvp1-guest": [], "gvp2-hwdom": [], "gvp2-guest": ["7e000000-7e001fff x1"] });
  });

  it("on Xen 4.19.0 the refused strict assignment leaves 96 pages mapped 1:1 that nothing records (before XSA-460)", () => {
    const old = runAs({ ...read(), xen: "4.19.0" }, { until: 4 });
    const guest = old.state.domains.find((d) => d.name === "gvp1-guest")!;
    expect([old.steps[3]!.rc, guest.identityMaps, guest.untrackedIdentityPages]).toEqual(["-EBUSY", undefined, [{ start: 0xa0, end: 0xff }]]);
    expect(old.steps[3]!.log).not.toContain("non-identity map d2:100 not cleared (mapped to 240100)");
    expect([old.steps[3]!.partial, runAs(read(), { until: 4 }).steps[3]!.partial]).toEqual([true, false]);
    const now = runAs(read(), { until: 4 });
    expect(now.state.domains.find((d) => d.name === "gvp1-guest")!.untrackedIdentityPages).toBeUndefined();
    expect(now.steps[3]!.log).toContain("non-identity map d2:100 not cleared (mapped to 240100)");
  });

  it("with iommu=no-quarantine the teardown gives the devices to Xen's hardware_domain, which maps nothing new: it held every RMRR from boot", () => {
    const s = read();
    const none = runAs({ ...s, quarantine: "none", steps: s.steps.map((x) => ({ ...x, expect: undefined })) as Scenario["steps"] });
    expect(none.state.devices.map((d) => [d.sbdf, d.owner])).toEqual([
      ["0000:04:10.0", "svp-hwdom"],
      ["0000:04:10.1", "gvp2-guest"],
      ["0000:05:00.0", "svp-hwdom"],
    ]);
    expect(none.state.domains.find((d) => d.name === "svp-hwdom")!.identityMaps?.map((m) => m.count)).toEqual([2, 1]);
    expect(why(none, 8)).toContain("svp-hwdom gets no new mapping");
  });
});

describe("AMD IVMD unity maps in a scenario", () => {
  const amd = (patch: Partial<Scenario> = {}): Scenario =>
    ({
      name: "ivmd",
      xsm: "dummy",
      xen: "4.22.0",
      iommuVendor: "amd",
      ivmds: [{ base: "0x7e000000", end: "0x7e000fff", sbdf: "0000:00:14.0", last: "0000:00:14.1" }],
      domains: [
        { name: "dom0", domid: 0, control: true, hardware: true },
        { name: "guest", domid: 1, hvm: true },
      ],
      steps: [
        { as: "dom0", op: "pci_add_device", sbdf: "0000:00:14.0" },
        { as: "dom0", op: "pci_add_device", sbdf: "0000:00:14.1" },
        { as: "dom0", op: "assign_device", domain: "guest", sbdf: "0000:00:14.0", expect: { rc: 0, resources: [{ domain: "guest", identityMaps: ["0x7e000000-0x7e000fff"] }] } },
        { as: "dom0", op: "assign_device", domain: "guest", sbdf: "0000:00:14.1", expect: { rc: 0, noLog: "RMRR" } },
        { as: "dom0", op: "deassign_device", domain: "guest", sbdf: "0000:00:14.0", expect: { rc: 0, devices: [{ sbdf: "0000:00:14.0", owner: "dom_io" }] } },
      ],
      ...patch,
    }) as Scenario;

  it("maps the unity map in the guest with no sharing test, and quarantine holds none of it", () => {
    const r = runAs(amd());
    expect(failures(r)).toEqual([]);
    expect(why(r, 4)).toContain("amd_iommu_reserve_domain_unity_map returns at once for dom_io, so they hold none of it");
    expect(r.state.domains.find((d) => d.name === "guest")!.identityMaps).toEqual([{ base: 0x7e000000, end: 0x7e000fff, access: "rw", count: 1 }]);
  });
});

describe("reserved regions in a scenario: errors at their JSON paths", () => {
  const errors = (patch: Partial<Scenario>) => {
    const l = parseScenario({ ...read(), ...patch } as Scenario, file);
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };

  it("refuses what Xen's DMAR parsing refuses, and a scope across segments", () => {
    expect(errors({ rmrrs: [{ base: "0x1000", end: "0x2fff", scope: ["0000:00:14.0"] }, { base: "0x2000", end: "0x3fff", scope: ["0000:00:1a.0"] }] })).toEqual([
      '/rmrrs/1/base: RMRRs [2000,3fff] and /rmrrs/0 [1000,2fff] overlap: Xen refuses the DMAR table ("Overlapping RMRRs", -EEXIST) and boots without VT-d',
    ]);
    expect(errors({ rmrrs: [{ base: "0x2000", end: "0x1000", scope: ["0000:00:14.0"] }] })).toEqual(["/rmrrs/0/end: the region's last byte comes after its first (0x2000); got 0x1000"]);
    expect(errors({ rmrrs: [{ base: "0x1000", end: "0x1fff", scope: ["0000:00:14.0", { bridge: "0001:00:1c.0" }] }] })[0]).toMatch(/^\/rmrrs\/0\/scope\/1\/bridge: an RMRR's scope is in its one segment \(0000/);
    expect(errors({ rmrrs: [{ base: "0x1000", end: "0x1fff", scope: ["0000:00:14.0", "00:14.0"] }] })).toEqual(["/rmrrs/0/scope/1: 00:14.0 is in this scope already"]);
    expect(errors({ rmrrs: [{ base: "0x1000", end: "0x1fff", scope: [] }] })[0]).toMatch(/^\/rmrrs\/0\/scope: /);
    expect(errors({ rmrrs: [{ base: "0x1000", end: "0x1fff", scope: ["bogus"] }] })[0]).toMatch(/^\/rmrrs\/0\/scope\/0: /);
  });

  it("keeps each vendor's table to its vendor, RAM to HVM guests, and IVMD blocks to segment 0", () => {
    expect(errors({ iommuVendor: "amd" })).toContain('/rmrrs: RMRRs are VT-d\'s (the ACPI DMAR table): an AMD IOMMU\'s reserved regions are IVMD blocks, "ivmds"');
    expect(errors({ ivmds: [{ base: "0x1000", end: "0x1fff", all: true }] })[0]).toMatch(/^\/ivmds: IVMD blocks are AMD's/);
    const s = read();
    expect(errors({ domains: s.domains.map((d) => (d.name === "gvp1-guest" ? { ...d, hvm: undefined } : d)) })[0]).toMatch(/^\/domains\/2\/ram: RAM in a p2m is an HVM guest's/);
    expect(errors({ rmrrs: undefined, iommuVendor: "amd", ivmds: [{ base: "0x1000", end: "0x1fff", sbdf: "0001:00:14.0" }] })[0]).toMatch(/^\/ivmds\/0\/sbdf: Xen parses IVMD blocks for segment 0 alone/);
    expect(errors({ rmrrs: undefined, iommuVendor: "amd", ivmds: [{ base: "0x1000", end: "0x1fff", sbdf: "0000:00:14.0" }, { base: "0x1000", end: "0x2fff", sbdf: "0000:00:14.0" }] })[0]).toMatch(/^\/ivmds\/1\/base: .*\("IVMD: overlap"\)/);
    expect(errors({ steps: [{ as: "gvp1-hwdom", op: "assign_device", domain: "gvp1-guest", sbdf: "0000:05:00.0", rdm: "loose" as "strict" }] })[0]).toMatch(/^\/steps\/0\/rdm: /);
  });
});
