// examples/svp/amd-ivrs-aliases.json: XEN_DOMCTL_get_device_group with an AMD IOMMU, whose
// get_device_group_id is amd_iommu_group_id -> get_dma_requestor_id (ivrs_mappings[bdf].
// dte_requestor_id, the device's own when its entry and its alias's are both valid), read at
// RELEASE-4.19.0 .. RELEASE-4.22.0 and master drivers/passthrough/amd/pci_amd_iommu.c and
// iommu_acpi.c (add_ivrs_mapping_entry); the shared device table entry reassign_device rewrites.
// Its AVC questions are decided as oracle-decide decided them (test/fixtures/sim/amd-ivrs-aliases.oracle.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { PciRegistry } from "../../src/hypervisor/index.js";
import { formatSbdf, sbdfKey, parseSbdf } from "../../src/hypervisor/index.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../../examples/svp/amd-ivrs-aliases.json");
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const key = (t: string) => {
  const p = parseSbdf(t);
  if (!p.ok) throw new Error(t);
  return sbdfKey(p.value);
};

describe("examples/svp/amd-ivrs-aliases.json", () => {
  const loaded = loadScenario(file);
  const r = exampleOnXenPolicy(file, join(import.meta.dirname, "../fixtures/sim/amd-ivrs-aliases.oracle.json"), 15);

  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("amd-ivrs-aliases.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("VT-d, the default, groups the same platform by its bridge instead: 04:00.0 is not in it", () => {
    const s = read();
    const vtd = runAs({ ...s, iommuVendor: undefined, ivrs: undefined, steps: s.steps.slice(0, 7).map((x) => ({ ...x, expect: undefined })) } as Scenario);
    expect(vtd.steps[5]!.group).toEqual(["0000:05:10.0", "0000:00:1c.0"]);
    expect(vtd.steps[6]!.group).toEqual([]);
  });

  it("the assignment and the quarantine name the devices whose DMA shares the rewritten device table entry", () => {
    expect(r.steps[7]!.why!.join(" ")).toContain("as 0000:00:1c.0, 0000:04:00.0, 0000:05:10.0 do: reassign_device rewrites the device table entry of 0000:00:1c.0");
    expect(r.steps[8]!.why!.join(" ")).toContain("aborts its DMA");
    const scratch = runAs({ ...read(), quarantine: "scratch-page" });
    expect(scratch.steps[8]!.why!.join(" ")).toContain("the device's own quarantine page tables");
  });
});

describe("get_dma_requestor_id over the IVRS entries", () => {
  const dom0 = { domid: 0, name: "dom0", control: true, hardware: true };
  // select entries for the devices no alias entry names: a device no entry covers is not added
  const registry = (ivrs: [string, string][]) => {
    const named = new Set(ivrs.map(([bdf]) => bdf));
    const select = ["0000:00:14.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0"].filter((d) => !named.has(d)).map((d) => [d, d] as [string, string]);
    const reg = new PciRegistry(new DummyXsm(), [dom0], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", ivrs: [...select, ...ivrs].map(([bdf, alias]) => ({ bdf: key(bdf), alias: key(alias) })) });
    for (const d of ["0000:00:14.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0"]) expect(reg.addDevice(dom0, d)).toBe(0);
    return reg;
  };
  const group = (reg: PciRegistry, sbdf: string) => {
    const g = reg.getDeviceGroup(dom0, dom0, sbdf, 16);
    return g.sdevs.map((k) => formatSbdf(k));
  };

  it("an alias entry groups the device with its alias; a device whose select entry names it alone is its own", () => {
    const reg = registry([["0000:01:00.0", "0000:00:14.0"]]);
    expect(group(reg, "0000:01:00.0")).toEqual(["0000:00:14.0"]);
    expect(group(reg, "0000:02:00.0")).toEqual([]);
    expect(reg.requesterId("0000:01:00.0")).toEqual({ id: "0000:00:14.0", shared: ["0000:00:14.0"] });
  });

  it("entries for both the device and its alias keep the device's own ID; a later entry for a device wins", () => {
    const both = registry([["0000:01:00.1", "0000:01:00.1"], ["0000:01:00.1", "0000:00:14.0"], ["0000:01:00.0", "0000:00:14.0"]]);
    expect(group(both, "0000:01:00.1")).toEqual([]);
    expect(group(both, "0000:01:00.0")).toEqual(["0000:00:14.0"]);
    const later = registry([["0000:01:00.0", "0000:00:14.0"], ["0000:01:00.0", "0000:02:00.0"]]);
    expect(group(later, "0000:01:00.0")).toEqual(["0000:02:00.0"]);
  });

  it("bridges do not matter to an AMD IOMMU", () => {
    const reg = new PciRegistry(new DummyXsm(), [dom0], { strategy: "upstream", vfWithoutPf: "reject", iommuVendor: "amd", pciBridge: (k) => (k === key("0000:00:1c.0") ? { secondary: 5, subordinate: 5 } : undefined) });
    for (const d of ["0000:00:1c.0", "0000:05:00.0"]) reg.addDevice(dom0, d);
    expect(group(reg, "0000:05:00.0")).toEqual([]);
  });
});

describe("IVRS in a scenario: errors at their JSON paths", () => {
  const errors = (patch: Record<string, unknown>) => {
    const l = parseScenario({ ...read(), ...patch } as unknown as Scenario, file);
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("refuses an IVRS table without an AMD IOMMU, a vendor without an IOMMU, an alias in another segment and a bad SBDF", () => {
    expect(errors({ iommuVendor: undefined })).toEqual([expect.stringMatching(/^\/ivrs: an IVRS table is AMD's ACPI table/)]);
    expect(errors({ iommu: "none" })).toEqual([expect.stringMatching(/^\/iommuVendor: the host has no IOMMU/)]);
    expect(errors({ ivrs: [{ sbdf: "0000:05:00.0", alias: "0001:00:1c.0" }] })).toEqual([expect.stringMatching(/^\/ivrs\/0\/alias: an IVHD entry's alias is a bdf of the device's own segment \(0000\); got segment 0001/)]);
    expect(errors({ ivrs: [{ sbdf: "0000:05:00.9" }] }).join("\n")).toMatch(/^\/ivrs\/0\/sbdf: /);
    expect(errors({ iommuVendor: "arm" }).join("\n")).toMatch(/^\/iommuVendor: expected one of "vtd", "amd"/);
  });
});

describe("IVRS ranges in a scenario: errors at their JSON paths", () => {
  const errors = (ivrs: unknown) => {
    const l = parseScenario({ ...read(), ivrs } as unknown as Scenario, file);
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("refuses a range not above its first device, a range or alias in another segment, an alias past ivrs_bdf_entries, an empty table", () => {
    expect(errors([{ sbdf: "0000:05:01.0", last: "0000:05:00.7" }])).toEqual([expect.stringMatching(/^\/ivrs\/0\/last: a range's last device comes after its first, 0000:05:01.0 \(Xen refuses the table: "IVHD: invalid range: Last Dev_Id"\)$/)]);
    expect(errors([{ sbdf: "0000:05:00.0", last: "0000:05:00.0" }])).toEqual([expect.stringMatching(/^\/ivrs\/0\/last: a range's last device comes after its first/)]);
    expect(errors([{ sbdf: "0000:05:00.0", last: "0001:05:01.0" }])).toEqual([expect.stringMatching(/^\/ivrs\/0\/last: an IVHD entry's last device is a bdf of the device's own segment \(0000\); got segment 0001/)]);
    expect(errors([{ sbdf: "0000:00:1c.0" }, { sbdf: "0000:05:00.0", last: "0000:05:1f.7", alias: "0000:06:00.0" }])).toEqual([expect.stringMatching(/^\/ivrs\/1\/alias: an alias past every device the table names \(ivrs_bdf_entries 0x600/)]);
    expect(errors([])).toEqual([expect.stringMatching(/^\/ivrs: an IVRS table with no device entries/)]);
    expect(errors([{ sbdf: "0000:05:00.0", last: "0000:05:00.9" }]).join("\n")).toMatch(/^\/ivrs\/0\/last: /);
  });
  it("takes a range whose last device is the alias's bound (function 7 of the last bdf named)", () => {
    expect(errors([{ sbdf: "0000:05:00.0", last: "0000:05:1f.0", alias: "0000:05:1f.7" }])).toEqual([]);
  });
});

describe("examples/svp/amd-ivrs-ranges.json: what the IVRS table covers", () => {
  const ranges = join(import.meta.dirname, "../../examples/svp/amd-ivrs-ranges.json");
  const loaded = loadScenario(ranges);
  const r = runPrepared(prepared(loaded));

  it("meets every expectation; each refusal says why", () => {
    expect(r.steps.flatMap((s) => s.expect.filter((e) => !e.ok).map((e) => `step ${s.step} ${e.what}`))).toEqual([]);
    for (const s of r.steps.filter((x) => x.rc !== 0)) expect(s.why, `step ${s.step}`).toBeDefined();
    // the refused adds and the -EINVAL removal changed state: Xen's pdev outlives the failed add
    expect(r.steps.filter((s) => s.partial).map((s) => s.step)).toEqual([7, 8, 11]);
  });

  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("amd-ivrs-ranges.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("an IOMMU for every device (the table left out) adds them all", () => {
    const s = JSON.parse(readFileSync(ranges, "utf8")) as Scenario;
    const all = runAs({ ...s, ivrs: undefined, steps: s.steps.slice(0, 8).map((x) => ({ ...x, expect: undefined })) } as Scenario);
    expect(all.steps.map((x) => x.rc)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
