// examples/xen-flask/msix.json: a NIC's MSI-X table through dom0's own use, prepare_msix, a device
// model's map for an HVM guest, read-only frames, msixtbl, and the device removed with an entry
// still mapped, on Xen's policy. Every AVC question it asks is decided as oracle-decide decided it
// (test/fixtures/xen-flask/msix.oracle.json, from scripts/gen-scenario-oracle.ts). UPDATE_GOLDEN=1
// rewrites the trace.
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/msix.json"));

describe("examples/xen-flask/msix.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/msix.oracle.json"), 20);

  it("prepare_msix and release_msix ask resource_setup_pci of the device, as PHYSDEVOP_prepare_msix does", () => {
    const setup = r.steps.filter((s) => s.op === "prepare_msix" || s.op === "release_msix");
    expect(setup.map((s) => s.decisions.map((d) => [d.hook, d.tcontext, d.perm]))).toEqual([
      [["resource_setup_pci", "system_u:object_r:nic_dev_t", "setup"]],
      [["resource_setup_pci", "system_u:object_r:nic_dev_t", "setup"]],
    ]);
  });

  it("prints the trace: the MSI-X users, read-only frames, msixtbl", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("0000:c8:00.0  device  owner dom0  msix 0 used");
    golden("msix.trace.txt", out.stdout);
  });

  it("--json: a device's msix record, a domain's mmioReadOnly and msixtbl", async () => {
    const doc = JSON.parse((await xsm("simulate", example, "--json", "--until", "11")).stdout);
    expect(doc.state.devices).toEqual([{ sbdf: "0000:c8:00.0", kind: "device", physfn: null, broken: false, owner: "hvm-guest", msix: { entries: 8, used: 2, table: { start: 0xfebfc, end: 0xfebfc }, pba: { start: 0xfebfd, end: 0xfebfd } } }]);
    const guest = doc.state.domains.find((d: { name: string }) => d.name === "hvm-guest");
    expect(guest.io.mmioReadOnly).toEqual([{ start: 0xfebfc, end: 0xfebfd }]);
    expect(guest.io.msixtbl).toEqual([{ device: 0xc800, gtable: 0xe001c000 }]);
  });
});

describe("the MSI-X fields' errors name their JSON path", () => {
  it("msix_entry needs msi and the device's msix (or table_base), not entry_nr; table_base goes with it; gtable is PT_IRQ_TYPE_MSI's", () => {
    const loaded = parseScenario(
      {
        name: "bad",
        xsm: "dummy",
        devices: [{ sbdf: "0000:c8:00.0", msix: { entries: 0, table: "0xfebfc000", pba: "0xfebfd000" } }, { sbdf: "0000:03:00.0" }],
        domains: [
          { name: "dom0", domid: 0, control: true, hardware: true },
          { name: "g", domid: 1, hvm: true },
        ],
        steps: [
          { as: "dom0", op: "map_pirq", domain: "g", gsi: 33, msix_entry: 1 },
          { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:c8:00.0", msix_entry: 1, entry_nr: 2 },
          { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:03:00.0", msix_entry: 0 },
          { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:03:00.0", table_base: "0xfe000000" },
          { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:03:00.0", msix_entry: 0, table_base: 0 },
          { as: "dom0", op: "bind_pt_irq", domain: "g", machine_irq: 16, device: 4, intx: 0, gtable: "0xe000" },
          { as: "dom0", op: "prepare_msix", sbdf: "0000:c8:00.0" },
          { as: "dom0", op: "release_msix" },
        ],
      },
      join(root, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "/devices/0/msix/entries: must be >= 1; got 0",
      "/steps/0/msix_entry: msix_entry is an entry of a device's MSI-X table: give msi, the device",
      "/steps/1/msix_entry: give either entry_nr (MAP_PIRQ_TYPE_MULTI_MSI) or msix_entry (an MSI-X entry); Xen refuses a MULTI_MSI request with a table_base (-EINVAL)",
      "/steps/2/msix_entry: \"0000:03:00.0\" has no msix in the scenario's devices: give the device's msix (its table's address is the table_base a device model passes), or table_base",
      "/steps/3/table_base: table_base goes with msix_entry (an MSI-X entry); plain MSI has none",
      "/steps/4/table_base: a table_base of 0 is plain MSI (allocate_and_map_msi_pirq): leave msix_entry out instead",
      "/steps/5/gtable: gtable (the guest's MSI-X table) belongs to PT_IRQ_TYPE_MSI: leave device and intx out",
      "/steps/7/sbdf: missing; it is required here",
    ]);
  });
});

describe("a VF's MSI-X when its PF goes (the PF<->VF links thread)", () => {
  const scenario = (strategy: string) => ({
    name: "vf-msix",
    xsm: "dummy" as const,
    strategy,
    devices: [
      { sbdf: "0000:05:00.0", msix: { entries: 64, table: "0xf8000000", pba: "0xf8002000" } },
      { sbdf: "0000:05:10.0", msix: { entries: 4, table: "0xf8100000", pba: "0xf8101000" } },
    ],
    domains: [
      { name: "dom0", domid: 0, control: true, hardware: true },
      { name: "g", domid: 1, hvm: true },
    ],
    steps: [
      { as: "dom0", op: "pci_add_device", sbdf: "0000:05:00.0" },
      { as: "dom0", op: "pci_add_device", sbdf: "0000:05:10.0", physfn: "0000:05:00.0" },
      { as: "dom0", op: "assign_device", sbdf: "0000:05:10.0", domain: "g" },
      { as: "dom0", op: "pci_remove_device", sbdf: "0000:05:00.0" },
      { as: "dom0", op: "prepare_msix", sbdf: "0000:05:10.0" },
      { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:05:10.0", msix_entry: 0 },
    ],
  });
  const run = (strategy: string) => {
    const loaded = parseScenario(scenario(strategy), join(root, "vf.json"));
    return runPrepared(prepared(loaded));
  };

  it("upstream keeps the PF (-EBUSY, both broken): the VF's table is still found through it", () => {
    const r = run("upstream");
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, 0, "-EBUSY", 0, 0]);
    expect(r.state.devices.find((d) => d.sbdf === "0000:05:10.0")?.msix).toMatchObject({ used: 2 });
  });

  it("unlink-broken frees the PF: the stale VF's table cannot be located (Xen would follow a NULL pf_pdev), refused and nothing changed", () => {
    const r = run("unlink-broken");
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, 0, 0, "-ENODEV", "-ENODATA"]);
    expect(r.steps[4]!.why).toEqual([expect.stringMatching(/VF whose PF is gone.*NULL/)]);
    expect(r.state.devices.find((d) => d.sbdf === "0000:05:10.0")?.msix).toEqual({ entries: 4, used: 0 });
    expect(r.summary.partial).toBe(0);
  });

  it("cascade removes the VF with its PF (and says -EBUSY): its mapped entry's IRQ is destroyed, the guest keeps the pirq", () => {
    const s = scenario("cascade");
    s.steps = [...s.steps.slice(0, 3), { as: "dom0", op: "prepare_msix", sbdf: "0000:05:10.0" }, { as: "dom0", op: "map_pirq", domain: "g", msi: "0000:05:10.0", msix_entry: 0 }, { as: "dom0", op: "pci_remove_device", sbdf: "0000:05:00.0" }];
    const r = runPrepared(prepared(parseScenario(s, join(root, "vf.json"))));
    expect(r.steps.map((x) => x.rc)).toEqual([0, 0, 0, 0, 0, "-EBUSY"]);
    expect(r.state.devices).toEqual([]);
    const g = r.state.domains.find((d) => d.name === "g")!.io!;
    expect(g.pirqs).toEqual([{ pirq: 79, irq: 48 }]); // IRQ 48 no longer an MSI of anything
    expect(g.irqs).toEqual([{ start: 48, end: 48 }]);
  });
});
