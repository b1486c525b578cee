// A device left with MSI-X MASKALL set cannot be assigned (assign_device -> pdev_msix_assign ->
// pci_reset_msix_state: -EBUSY) until the hardware domain clears the bit; the step that writes it
// (msix_maskall: pci_msi_conf_write_intercept) and its scenario errors.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { failures, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const NIC = "0000:c8:00.0";
const base = (steps: unknown[]) => ({
  name: "maskall",
  xsm: "dummy",
  devices: [{ sbdf: NIC, msix: { entries: 8, table: "0xfebfc000", pba: "0xfebfd000" } }, { sbdf: "0000:03:00.0" }],
  domains: [
    { name: "dom0", domid: 0, control: true, hardware: true },
    { name: "guest", domid: 1, hvm: true },
  ],
  steps,
});

describe("msix_maskall and assignment", () => {
  it("MASKALL left set refuses the next assignment with Xen's log line; cleared, it assigns", () => {
    const r = runPrepared(
      prepared(
        parseScenario(
          base([
            { as: "dom0", op: "pci_add_device", sbdf: NIC },
            { as: "dom0", op: "assign_device", sbdf: NIC, domain: "guest", expect: { rc: 0 } },
            { as: "dom0", op: "msix_maskall", sbdf: NIC, maskall: true, expect: { rc: 0, devices: [{ sbdf: NIC, msixMaskall: true }] } },
            { as: "dom0", op: "deassign_device", sbdf: NIC, domain: "guest", expect: { rc: 0 } },
            { as: "dom0", op: "assign_device", sbdf: NIC, domain: "guest", expect: { rc: "-EBUSY", log: "d1: assign (0000:c8:00.0) failed (-16)", devices: [{ sbdf: NIC, owner: "dom_io" }] } },
            { as: "dom0", op: "msix_maskall", sbdf: NIC, maskall: false, expect: { rc: 0, devices: [{ sbdf: NIC, msixMaskall: false }] } },
            { as: "dom0", op: "assign_device", sbdf: NIC, domain: "guest", expect: { rc: 0, devices: [{ sbdf: NIC, owner: "guest" }] } },
          ]),
          join(root, "maskall.json"),
        ),
      ),
    );
    expect(failures(r)).toEqual([]);
    expect(r.steps[4]!.why).toEqual([expect.stringMatching(/MASKALL set \(pci_reset_msix_state/)]);
    expect(r.steps[4]!.partial).toBe(false);
    expect(r.steps[2]!.decisions).toEqual([]); // no XSM hook
  });

  it("the step is the hardware domain's, on a device with msix", () => {
    const loaded = parseScenario(
      base([
        { as: "guest", op: "msix_maskall", sbdf: NIC, maskall: true },
        { as: "dom0", op: "msix_maskall", sbdf: "0000:03:00.0", maskall: true },
        { as: "dom0", op: "msix_maskall", sbdf: NIC },
      ]),
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      '/steps/0/as: "guest" is not a hardware domain: only the hardware domain writes a device\'s config space (pciback does it for a guest)',
      '/steps/1/sbdf: "0000:03:00.0" has no msix in the scenario\'s devices: only an MSI-X capability has a MASKALL bit',
      "/steps/2/maskall: missing; it is required here",
    ]);
  });
});
