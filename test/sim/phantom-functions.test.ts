// examples/svp/phantom-functions.json: phantom functions from DEVCAP and from pci-phantom= (bumped
// by a real function), their "PCI phantom" lines, their context entries moving with the function,
// an op naming one finding nothing, and a record made at one sharing its context entry
// (pci.c and vtd/iommu.c at RELEASE-4.19.0 .. 4.22.0 and master). Its AVC questions are decided
// as oracle-decide decided them (test/fixtures/sim/phantom-functions.oracle.json). Also: a host
// bridge's refused move to dom_io under scratch-page, at a deassign and at a teardown.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../../examples/svp/phantom-functions.json");
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const why = (r: ReturnType<typeof runAs>, i: number) => (r.steps[i]!.why ?? []).join("\n");

describe("examples/svp/phantom-functions.json", () => {
  const loaded = loadScenario(file);
  const r = exampleOnXenPolicy(file, join(import.meta.dirname, "../fixtures/sim/phantom-functions.oracle.json"), 5);

  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("phantom-functions.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("prints Xen's lines at each add: the bump, then the add, then each phantom", () => {
    expect(r.steps[0]!.log).toEqual(["PCI add device 0000:03:10.0", "PCI phantom 0000:03:10.2", "PCI phantom 0000:03:10.4", "PCI phantom 0000:03:10.6"]);
    expect(r.steps[1]!.log).toEqual(["0000:04:10.1 looks to be a real device; bumping 0000:04:10 stride to 2", "PCI add device 0000:04:10.0", "PCI phantom 0000:04:10.2", "PCI phantom 0000:04:10.4", "PCI phantom 0000:04:10.6"]);
    expect(why(r, 1)).toContain("pci-phantom= names its slot and its DEVCAP advertises none (stride 2)");
  });

  it("asks XSM about the function alone, and about a phantom function's own label when an op names it, which then finds nothing", () => {
    expect(r.steps[3]!.decisions.map((d) => d.tcontext)).not.toContain(expect.stringContaining("gvp2"));
    expect(r.steps[4]!.rc).toBe("-ENODEV");
    expect(r.steps[4]!.decisions.some((d) => d.perm === "remove_device")).toBe(true);
    expect(why(r, 4)).toContain("0000:03:10.2 is a phantom function of 0000:03:10.0, not a device of its own: pci_get_pdev() finds a pdev at the exact SBDF or none");
  });

  it("the state lists each device's phantom functions", () => {
    expect(r.state.devices.find((d) => d.sbdf === "0000:03:10.0")?.phantoms).toEqual(["0000:03:10.2", "0000:03:10.4", "0000:03:10.6"]);
    expect(r.state.devices.find((d) => d.sbdf === "0000:04:10.1")).not.toHaveProperty("phantoms");
  });

  it("a record at a phantom devfn shares its context entry: the function's assignment takes it, its teardown clears it", () => {
    expect(why(r, 7)).toContain("0000:03:10.2 is a phantom function of 0000:03:10.0, so the IOMMU maps its context entry with 0000:03:10.0, and domain_context_mapping points it at gvp1-guest's page tables; it pointed at svp-hwdom's page tables");
    expect(why(r, 8)).toContain("domain_context_unmap clears it (it pointed at gvp1-guest's page tables)");
  });

  it("is the same on Xen 4.19.0 (no release differs here)", () => {
    const old = runAs({ ...read(), xen: "4.19.0" });
    expect(old.steps.map((s) => [s.rc, s.log])).toEqual(r.steps.map((s) => [s.rc, s.log]));
  });
});

describe("pci-phantom= and devcapPhantom in a scenario: errors at their JSON paths", () => {
  const errors = (patch: Partial<Scenario>) => {
    const l = parseScenario({ ...read(), ...patch } as Scenario, file);
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("refuses what parse_phantom_dev refuses, with Xen's line, and a ninth entry", () => {
    expect(errors({ pciPhantom: ["04:10.0,1"] })).toEqual([
      `/pciPhantom/0: pci-phantom=04:10.0,1: a ',' and the stride must follow the device (pci-phantom= takes no function); Xen refuses it (parameter "pci-phantom" has invalid value "04:10.0,1", rc=-22!) and boots without it. The form is [<seg>:]<bus>:<device>,<stride> in hex, stride 1, 2 or 4, at most 8 times`,
    ]);
    expect(errors({ pciPhantom: ["04:10,3"] })[0]).toMatch(/^\/pciPhantom\/0: pci-phantom=04:10,3: the stride is 3 as a u8; it must be 1, 2 or 4/);
    const nine = Array.from({ length: 9 }, (_, i) => `04:${i.toString(16)},1`);
    expect(errors({ pciPhantom: nine })).toEqual([expect.stringMatching(/^\/pciPhantom\/8: .*all taken.*rc=-7!/)]);
    // a refused one takes no slot: eight good ones after it still fit
    expect(errors({ pciPhantom: ["bad", ...nine.slice(0, 8)] })).toHaveLength(1);
    expect(errors({ pciPhantom: [7 as unknown as string] })[0]).toMatch(/^\/pciPhantom\/0: /);
  });
  it("refuses a DEVCAP phantom field on a bridge or a device with no PCI Express capability, and one out of range", () => {
    expect(errors({ devices: [{ sbdf: "0000:03:10.0", type: "pci", devcapPhantom: 1 }] })).toEqual([
      "/devices/0/devcapPhantom: a pci device has no phantom functions to Xen: alloc_pdev reads the PCI Express Device Capabilities' Phantom Functions field of a PCIe endpoint only (DEV_TYPE_PCIe_ENDPOINT)",
    ]);
    expect(errors({ devices: [{ sbdf: "0000:00:1c.0", bridge: { secondary: 5, subordinate: 5 }, devcapPhantom: 2 }] })[0]).toMatch(/^\/devices\/0\/devcapPhantom: a bridge has no phantom functions/);
    expect(errors({ devices: [{ sbdf: "0000:03:10.0", devcapPhantom: 4 }] })[0]).toMatch(/^\/devices\/0\/devcapPhantom: /);
  });
});

describe("a host bridge under quarantine=scratch-page", () => {
  const scenario = (steps: Scenario["steps"]): Scenario =>
    ({
      name: "host-bridge-scratch",
      xsm: "dummy",
      xen: "4.22.0",
      quarantine: "scratch-page",
      addTo: "adding-hwdom",
      domains: [
        { name: "svp-hwdom", domid: 0, control: true, hardware: true },
        { name: "gvp1-hwdom", domid: 1, control: true, hardware: true },
      ],
      devices: [{ sbdf: "0000:00:00.0", type: "host-bridge" }],
      steps: [{ as: "gvp1-hwdom", op: "pci_add_device", sbdf: "0000:00:00.0" }, { as: "gvp1-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" }, ...steps],
    }) as Scenario;

  it("deassign_device is -EPERM, logged and explained; the host bridge stays", () => {
    const r = runAs(scenario([{ as: "svp-hwdom", op: "deassign_device", domain: "gvp1-hwdom", sbdf: "0000:00:00.0" }]));
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, "-EPERM"]);
    expect(r.steps[2]!.log).toEqual(["d1: deassign (0000:00:00.0) failed (-1)"]);
    expect(why(r, 2)).toContain("domain_context_mapping refuses a host bridge to any domain but the hardware domain: -EPERM");
    expect(r.state.devices.find((d) => d.sbdf === "0000:00:00.0")?.owner).toBe("gvp1-hwdom");
  });

  it("a teardown moves the other devices, keeps the host bridge, and leaves the domain dying; again, the same", () => {
    const r = runAs(
      scenario([
        { as: "svp-hwdom", op: "destroy_domain", domain: "gvp1-hwdom" },
        { as: "svp-hwdom", op: "destroy_domain", domain: "gvp1-hwdom" },
      ]),
    );
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, "-EPERM", "-EPERM"]);
    expect(r.steps[2]!.log).toEqual(["d1: deassign (0000:00:00.0) failed (-1)"]);
    expect(why(r, 2)).toContain("pci_release_devices: deassign_device sends 0000:03:00.0 to dom_io");
    expect(why(r, 2)).toContain("gvp1-hwdom stays dying (DOMDYING_dying), holding 0000:00:00.0");
    expect(r.state.devices.map((d) => [d.sbdf, d.owner])).toEqual([
      ["0000:00:00.0", "gvp1-hwdom"],
      ["0000:03:00.0", "dom_io"],
    ]);
    golden("host-bridge-scratch-teardown.trace.txt", renderTrace(r, scenario([]) as Scenario));
  });
});
