// examples/svp/vtd-legacy-bridge.json: conventional PCI devices behind a PCIe-to-PCI bridge under
// VT-d, whose domain_context_mapping maps the bridge's requester ID and (secondary bus, devfn 0)
// with each of them and rewrites those shared context entries for whichever domain comes last,
// never refusing (no -EBUSY), and whose domain_context_unmap clears them whoever holds them
// (RELEASE-4.19.0 .. 4.22.0 and master vtd/iommu.c). Its AVC questions are decided as oracle-decide
// decided them (test/fixtures/sim/vtd-legacy-bridge.oracle.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../../examples/svp/vtd-legacy-bridge.json");
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const why = (r: ReturnType<typeof runAs>, i: number) => (r.steps[i]!.why ?? []).join("\n");

describe("examples/svp/vtd-legacy-bridge.json", () => {
  const loaded = loadScenario(file);
  const r = exampleOnXenPolicy(file, join(import.meta.dirname, "../fixtures/sim/vtd-legacy-bridge.oracle.json"), 10);

  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("vtd-legacy-bridge.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("the second guest's assignment is not refused: it takes the bridge's entry and 05:00.0's own, and the trace says whose DMA follows", () => {
    expect(r.steps[5]!.rc).toBe(0);
    const w = why(r, 5);
    expect(w).toContain("the bridge's own requester ID, 0000:00:1c.0, with it: domain_context_mapping points that context entry at gvp2-guest's page tables; it pointed at gvp1-guest's page tables, and domain_context_mapping_one rewrites an entry another domain holds without a refusal (no -EBUSY");
    expect(w).toContain("0000:05:00.0, the bridge's secondary bus with devfn 0");
    expect(w).toContain("the DMA of 0000:05:00.0 (gvp1-guest's) carrying that ID now goes through gvp2-guest's page tables");
  });

  it("basic quarantine of the first guest's device clears the entries the second guest's device uses", () => {
    const w = why(r, 6);
    expect(w).toContain("domain_context_unmap clears that context entry with the device's own (it pointed at gvp2-guest's page tables): the DMA of 0000:05:10.0 (gvp2-guest's) carrying that ID now faults");
    expect(w).toContain("0000:05:00.0's own requester ID is also (secondary bus, devfn 0) behind the PCIe-to-PCI bridge 0000:00:1c.0");
  });

  it("scratch-page quarantine points them at the device's quarantine tables instead", () => {
    const scratch = runAs({ ...read(), quarantine: "scratch-page" });
    expect(why(scratch, 6)).toContain("domain_context_mapping points that context entry at the device's quarantine page tables in dom_io (scratch-page, its pseudo domain ID)");
  });

  it("PCIe endpoints (the default type) are mapped alone: nothing shared, nothing said, the run otherwise the same", () => {
    const s = read();
    const endpoints = runAs({ ...s, devices: s.devices!.map(({ type: _t, ...d }) => d) });
    expect(endpoints.steps.map((x) => x.rc)).toEqual(r.steps.map((x) => x.rc));
    expect(endpoints.steps.flatMap((x) => x.why ?? []).some((w) => w.includes("domain_context_"))).toBe(false);
    expect(endpoints.state.devices).toEqual(r.state.devices);
  });

  it("behind a legacy PCI bridge only the bridge's ID is shared", () => {
    const s = read();
    const legacy = runAs({ ...s, devices: s.devices!.map((d) => (d.bridge ? { ...d, bridge: { ...d.bridge, type: "legacy-pci" } } : d)) });
    expect(why(legacy, 5)).toContain("behind the legacy PCI bridge 0000:00:1c.0");
    expect(why(legacy, 5)).not.toContain("secondary bus with devfn 0");
  });
});

describe("a PCI-to-PCIe bridge in a scenario", () => {
  const asPci2Pcie = (xen: string) => {
    const s = read();
    return runAs({ ...s, xen, devices: s.devices!.map((d) => (d.bridge ? { ...d, bridge: { ...d.bridge, type: "pci-to-pcie" } } : d)) } as Scenario);
  };
  it("VT-d refuses the bridge's own add (-EINVAL, kept by no one) in every release, and says why", () => {
    for (const xen of ["4.21.0", "4.22.0"]) {
      const r = asPci2Pcie(xen);
      expect(r.steps[0]!.rc, xen).toBe("-EINVAL");
      expect(why(r, 0), xen).toContain("0000:00:1c.0 is a PCI-to-PCIe bridge (DEV_TYPE_PCI2PCIe_BRIDGE), for which VT-d's domain_context_mapping has no case");
      expect(r.state.devices.find((d) => d.sbdf === "0000:00:1c.0")?.owner, xen).toBeNull();
    }
  });
  it("before 4.22.0 alloc_pdev does not record it ('unknown type 4'): the devices behind it are mapped alone and grouped apart", () => {
    const before = asPci2Pcie("4.21.0");
    expect(before.steps[0]!.log).toContain("0000:00:1c.0: unknown type 4");
    expect(before.steps.flatMap((x) => x.why ?? []).some((w) => w.includes("domain_context_mapping points that context entry"))).toBe(false);
    expect(why(before, 3)).toContain("no bridge Xen recorded (bus2bridge) is above its bus");
    // 4.22.0 (cd2b9f0b19) records it: the bridge's requester ID is shared, the second guest rewrites it
    const after = asPci2Pcie("4.22.0");
    expect(after.steps[0]!.log).not.toContain("0000:00:1c.0: unknown type 4");
    expect(why(after, 5)).toContain("behind the PCI-to-PCIe bridge 0000:00:1c.0");
  });
});

describe("a host bridge in a scenario", () => {
  it("stays with the hardware domain: its assignment to a guest is -EPERM, logged and explained", () => {
    const r = runAs({
      name: "host-bridge",
      xsm: "dummy",
      xen: "4.22.0",
      domains: [
        { name: "svp-hwdom", domid: 0, control: true, hardware: true },
        { name: "gvp1-guest", domid: 2 },
      ],
      devices: [{ sbdf: "0000:00:00.0", type: "host-bridge" }],
      steps: [
        { as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:00:00.0" },
        { as: "svp-hwdom", op: "assign_device", domain: "gvp1-guest", sbdf: "0000:00:00.0" },
      ],
    } as Scenario);
    expect(r.steps.map((x) => x.rc)).toEqual([0, "-EPERM"]);
    expect(r.steps[1]!.log).toEqual(["d2: assign (0000:00:00.0) failed (-1)"]);
    expect(why(r, 1)).toContain("0000:00:00.0 is a host bridge (DEV_TYPE_PCI_HOST_BRIDGE): reassign_device_ownership maps it for the new domain");
    expect(r.state.devices).toEqual([expect.objectContaining({ sbdf: "0000:00:00.0", owner: "svp-hwdom" })]);
  });
});

describe("device and bridge types in a scenario: errors at their JSON paths", () => {
  const errors = (devices: unknown) => {
    const l = parseScenario({ ...read(), devices } as Scenario, file);
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("refuses a bridge with a device type, an unknown type and an unknown bridge type", () => {
    expect(errors([{ sbdf: "0000:00:1c.0", type: "pci", bridge: { secondary: 5, subordinate: 5 } }])).toEqual([
      "/devices/0/type: a bridge is no pci device: give its kind as bridge.type (pcie-to-pci, pci-to-pcie, legacy-pci)",
    ]);
    expect(errors([{ sbdf: "0000:05:00.0", type: "pcie" }]).join("\n")).toMatch(/^\/devices\/0\/type: expected one of "pcie-endpoint", "pci"/);
    expect(errors([{ sbdf: "0000:00:1c.0", bridge: { secondary: 5, subordinate: 5, type: "pcie" } }]).join("\n")).toMatch(/^\/devices\/0\/bridge\/type: expected one of "pcie-to-pci", "pci-to-pcie", "legacy-pci"/);
  });
});
