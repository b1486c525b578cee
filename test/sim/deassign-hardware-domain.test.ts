// examples/svp/deassign-hardware-domain.json: where deassign_device() sends a device it does not
// quarantine. xen/drivers/passthrough/pci.c at every release tag RELEASE-4.19.0 .. RELEASE-4.22.0 and
// master: "target = hardware_domain", Xen's one hardware domain, whoever added the device; with
// several hardware domains (SVP) a Guest VP's hardware domain loses its VF to it. "deassignTo":
// "adding-hwdom" is the SVP extension that returns it. Its AVC questions are decided as oracle-decide
// decided them (test/fixtures/sim/deassign-hardware-domain.oracle.json).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { XEN_RELEASES } from "../../src/sim/xen-release.js";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { exampleOnXenPolicy, failures, golden, prepared } from "./support.js";

const file = join(import.meta.dirname, "../../examples/svp/deassign-hardware-domain.json");
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const owners = (s: Scenario) => runAs(s).state.devices.map((d) => `${d.sbdf} ${d.owner}`);
const noExpect = (s: Scenario): Scenario => ({ ...s, steps: s.steps.map((x) => ({ ...x, expect: undefined })) });

describe("examples/svp/deassign-hardware-domain.json", () => {
  const loaded = loadScenario(file);
  const r = exampleOnXenPolicy(file, join(import.meta.dirname, "../fixtures/sim/deassign-hardware-domain.oracle.json"), 5);

  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("deassign-hardware-domain.trace.txt", renderTrace(r, loaded.value.scenario));
  });

  it("says the device went to hardware_domain, not to the hardware domain that added it, at the deassignment and at the teardown", () => {
    expect(r.steps[5]!.why!.join(" ")).toContain("to Xen's hardware_domain, svp-hwdom (target = hardware_domain, in every release modelled), not back to gvp1-hwdom, the hardware domain that added it");
    expect(r.steps[7]!.why!.join(" ")).toContain("pci_release_devices: deassign_device gives 0000:03:10.0, 0000:03:10.2 to Xen's hardware_domain, svp-hwdom");
  });

  it("is the same at every release (the code is)", () => {
    for (const xen of XEN_RELEASES) expect(failures(runAs({ ...read(), xen })), xen).toEqual([]);
  });

  it("deassignTo adding-hwdom returns the VFs to gvp1-hwdom, says it is an SVP extension, and notes it", () => {
    const svp = runAs(noExpect({ ...read(), deassignTo: "adding-hwdom" }));
    expect(svp.state.devices.map((d) => `${d.sbdf} ${d.owner}`)).toEqual(["0000:03:00.0 svp-hwdom", "0000:03:10.0 gvp1-hwdom"]);
    expect(svp.steps[5]!.why!.join(" ")).toContain("back to gvp1-hwdom, which added it (deassignTo adding-hwdom, an SVP extension): every release modelled gives such a device to its one hardware_domain, svp-hwdom");
    expect(svp.notes.join("\n")).toContain("deassignTo adding-hwdom: a device deassign_device does not quarantine goes back to the hardware domain that added it, an SVP extension");
  });

  it("a device hardware_domain added goes back to it under either setting, and the trace does not call that a loss", () => {
    const s = noExpect(read());
    const VF0 = "0000:03:10.0";
    const steps = [s.steps[0]!, { as: "svp-hwdom", op: "pci_add_device", sbdf: VF0, physfn: "0000:03:00.0" }, { as: "gvp1-hwdom", op: "assign_device", domain: "gvp1-guest", sbdf: VF0 }, { as: "gvp1-hwdom", op: "deassign_device", domain: "gvp1-guest", sbdf: VF0 }];
    for (const deassignTo of [undefined, "adding-hwdom"] as const) {
      const x = runAs({ ...s, deassignTo, steps } as Scenario);
      expect(x.steps.map((y) => y.rc)).toEqual([0, 0, 0, 0]);
      expect(x.state.devices[1]!.owner).toBe("svp-hwdom");
      expect(x.steps[3]!.why!.join(" ")).toMatch(deassignTo === undefined ? /to Xen's hardware_domain, svp-hwdom \(target = hardware_domain, in every release modelled\)$/ : /to svp-hwdom, which added it and is Xen's hardware_domain/);
    }
  });

  it("with quarantine the devices go to dom_io under either setting", () => {
    for (const deassignTo of [undefined, "adding-hwdom"] as const) {
      expect(owners(noExpect({ ...read(), quarantine: undefined, deassignTo }))).toEqual(["0000:03:00.0 svp-hwdom", "0000:03:10.0 dom_io"]);
    }
  });

  it("refuses a value that is no setting at /deassignTo", () => {
    const l = parseScenario({ ...read(), deassignTo: "adder" } as unknown as Scenario, file);
    expect(l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`)).toEqual([expect.stringMatching(/^\/deassignTo: expected one of "hardware_domain", "adding-hwdom"/)]);
  });
});
