// examples/xen-flask/interrupts.json: a PVH dom0 granting by GSI (gsi_permission), an HVM guest
// mapping its own pirqs (physdev_hvm_map_pirq), a multi-vector MSI block, on Xen's policy. Every
// AVC question it asks is decided as oracle-decide decided it (test/fixtures/xen-flask/
// interrupts.oracle.json, from scripts/gen-scenario-oracle.ts). UPDATE_GOLDEN=1 rewrites the trace.
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/interrupts.json"));

describe("examples/xen-flask/interrupts.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/interrupts.oracle.json"), 30);

  it("the guest's own map_pirq and unmap_pirq ask XSM nothing; the PVH dom0's attach grants by GSI", () => {
    const own = r.steps.filter((s) => s.as === "hvm-guest" && (s.op === "map_pirq" || s.op === "unmap_pirq"));
    expect(own.map((s) => [s.rc, s.mappedPirq ?? null, s.decisions.length])).toEqual([
      [0, 16, 0],
      [0, 17, 0],
      [0, null, 0],
      [0, null, 0],
    ]);
    const attach = r.steps.find((s) => s.op === "pci_attach")!;
    expect(attach.decisions.filter((d) => d.hook === "irq_permission").map((d) => d.xen)).toEqual(["flask_irq_permission"]);
  });

  it("prints the trace: entry_nr handed back, emulated GSIs, guest GSI routes", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("=> rc 0, pirq 76, entry_nr 4");
    expect(out.stdout).toContain("=> rc -ENFILE, entry_nr 4");
    golden("interrupts.trace.txt", out.stdout);
  });

  it("--json: entryNr, and each pirq of a block names its vector", async () => {
    const doc = JSON.parse((await xsm("simulate", example, "--json", "--until", "14")).stdout);
    expect(doc.steps.at(-1)).toMatchObject({ op: "map_pirq", entry_nr: 3, rc: 0, mappedPirq: 76, entryNr: 4 });
    const guest = doc.state.domains.find((d: { name: string }) => d.name === "hvm-guest");
    expect(guest.io.pirqs).toEqual([{ pirq: 16, irq: 33 }, ...[76, 77, 78, 79].map((pirq, i) => ({ pirq, irq: 48 + i, msi: 0xc800, vector: i }))]);
    expect(guest.io.girqs).toEqual([{ gsi: 32, device: 4, intx: 0, pirq: 16 }]);
  });
});

describe("the new fields' errors name their JSON path", () => {
  it("hvmPirq needs an HVM guest that is not the hardware domain; device and intx go together; entry_nr needs msi", async () => {
    const { parseScenario } = await import("../../src/sim/load.js");
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        devices: [{ sbdf: "0000:c8:00.0", msi: 3 }],
        domains: [
          { name: "dom0", domid: 0, control: true, hardware: true, hvm: true, hvmPirq: true },
          { name: "pv", domid: 1, hvmPirq: true },
          { name: "g", domid: 2, hvm: true, callbackVector: false },
        ],
        steps: [
          { as: "dom0", op: "bind_pt_irq", domain: "g", machine_irq: 16, device: 4 },
          { as: "dom0", op: "unbind_pt_irq", domain: "g", machine_irq: 16, intx: 1 },
          { as: "dom0", op: "map_pirq", domain: "g", gsi: 33, entry_nr: 2 },
          { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:c8:00.0", entry_nr: 0 },
          { as: "dom0", op: "gsi_permission", domain: "g", gsi: -1, allow: true },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "/devices/0/msi: expected one of 0, 1, 2, 4, 8, 16, 32; got 3",
      "/domains/0/hvmPirq: Xen refuses XEN_X86_EMU_USE_PIRQ for a PVH hardware domain (emulation_flags_ok); only a guest has it",
      "/domains/1/hvmPirq: pirqs for emulated interrupts are an HVM guest's (XEN_X86_EMU_USE_PIRQ); set \"hvm\": true",
      "/domains/2/callbackVector: a vector callback matters only to a guest mapping its own pirqs; set \"hvmPirq\": true",
      "/steps/0/intx: missing; a PT_IRQ_TYPE_PCI binding names the guest device and its INTx pin together",
      "/steps/1/device: missing; a PT_IRQ_TYPE_PCI binding names the guest device and its INTx pin together",
      "/steps/2/entry_nr: entry_nr asks for several MSI vectors (MAP_PIRQ_TYPE_MULTI_MSI): give msi, the device",
      "/steps/3/entry_nr: must be >= 1; got 0",
      "/steps/4/gsi: must be >= 0; got -1",
    ]);
  });
});
