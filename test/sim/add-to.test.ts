// Whom pci_add_device gives a new device: "pdev->domain = hardware_domain" in
// xen/drivers/passthrough/pci.c at RELEASE-4.19.0 .. 4.22.0 and master, whoever adds it; the model's
// default. "addTo": "adding-hwdom" is the SVP extension (each hardware domain keeps what it adds),
// which the examples built on several hardware domains opt into: npm start's nested-trust among them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PciRegistry } from "../../src/hypervisor/index.js";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { DummyXsm } from "../../src/xsm/dummy.js";
import { failures, prepared } from "./support.js";

const svp = { domid: 0, name: "svp-hwdom", control: true, hardware: true };
const gvp = { domid: 1, name: "gvp1-hwdom", control: false, hardware: true };
const dm = { domid: 2, name: "dm", control: true, hardware: false };
// dummy.h's XSM_PRIV lets only a control domain plug; a permissive module lets anyone
const xsm = Object.assign(new DummyXsm(), { resourcePlugPci: () => 0 as const });
const registry = (addTo?: "hardware_domain" | "adding-hwdom") => new PciRegistry(xsm, [svp, gvp, dm], { strategy: "upstream", vfWithoutPf: "reject", ...(addTo ? { addTo } : {}) });

describe("pci_add_device: whom a new device goes to", () => {
  it("Xen's rule, the default: hardware_domain, whichever hardware domain adds it", () => {
    const reg = registry();
    expect(reg.addTarget()).toBe("hardware_domain");
    expect(reg.addDevice(gvp, "0000:03:10.0")).toBe(0);
    expect(reg.device("0000:03:10.0")?.owner).toBe("svp-hwdom");
    expect(reg.addedBy("0000:03:10.0")).toBe("gvp1-hwdom");
    expect(reg.checkInvariants()).toEqual([]);
  });

  it("adding-hwdom: the adding hardware domain keeps it; any other caller's still goes to hardware_domain", () => {
    const reg = registry("adding-hwdom");
    expect(reg.addDevice(gvp, "0000:03:10.0")).toBe(0);
    expect(reg.addDevice(dm, "0000:03:10.1")).toBe(0);
    expect([reg.device("0000:03:10.0")?.owner, reg.device("0000:03:10.1")?.owner]).toEqual(["gvp1-hwdom", "svp-hwdom"]);
    expect(reg.checkInvariants()).toEqual([]);
  });
});

describe("examples that model several hardware domains opt in", () => {
  const file = join(import.meta.dirname, "../../examples/svp/nested-trust.json");
  const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
  const run = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));

  it("nested-trust (npm start) depends on the SVP extension: under Xen's rule the supervisor owns every VF", () => {
    const s = read();
    expect(s.addTo).toBe("adding-hwdom");
    expect(failures(run(s))).toEqual([]);
    const { addTo: _, ...xen } = s;
    const r = run(xen as Scenario);
    expect(failures(r).length).toBeGreaterThan(0);
    expect(r.steps[3]!.expect.filter((e) => !e.ok).map((e) => e.what)).toEqual(["device 0000:03:10.1 owner"]);
  });

  it("the trace's first line names the extension; without it nothing is said", () => {
    const s = read();
    const first = (x: Scenario) => renderTrace(run(x), x).split("\n")[0];
    expect(first(s)).toContain(", addTo adding-hwdom");
    const { addTo: _, ...xen } = s;
    expect(first(xen as Scenario)).not.toContain("addTo");
  });

  it("refuses an unknown addTo at its path", () => {
    const l = parseScenario({ ...read(), addTo: "guest" } as unknown as Scenario, file);
    expect(l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`)).toEqual([expect.stringMatching(/^\/addTo: expected one of "hardware_domain", "adding-hwdom"/)]);
  });
});
