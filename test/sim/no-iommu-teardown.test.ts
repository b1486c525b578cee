// A domain's teardown without an IOMMU for it: deassign_device() is -EINVAL before it looks at a
// device ("if ( !is_iommu_enabled(d) ) return -EINVAL;"), pci_release_devices() splices each device
// back on the domain's list and returns the error, domain_relinquish_resources() returns it at its
// first step and domain_kill() stops with the domain DOMDYING_dying: XEN_DOMCTL_destroydomain is
// -EINVAL, and every retry runs pci_release_devices again (xen/drivers/passthrough/pci.c,
// arch/x86/domain.c, common/domain.c at RELEASE-4.19.0 .. 4.22.0 and master, unchanged in all).
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { golden, prepared } from "./support.js";

const file = "/scenarios/no-iommu-teardown.json";
// a control domain apart from Xen's hardware domain (a late hardware domain): the control domain
// may destroy it. Without an IOMMU only a hardware domain holds devices (an assignment needs one;
// a hardware domain has it whenever the host has one: create_dom0 sets XEN_DOMCTL_CDF_iommu)
const scenario = (iommu: Partial<Scenario>, steps: Scenario["steps"]): Scenario =>
  ({
    name: "no-iommu-teardown",
    xsm: "dummy",
    xen: "4.22.0",
    ...iommu,
    domains: [
      { name: "dom0", domid: 0, control: true },
      { name: "hwdom", domid: 1, hardware: true },
    ],
    steps,
  }) as Scenario;
const run = (s: Scenario) => {
  const l = parseScenario(s, file, () => true);
  return { r: runPrepared(prepared(l)), l };
};
const add = (sbdf: string) => ({ as: "dom0", op: "pci_add_device", sbdf }) as Scenario["steps"][number];
const destroy = { as: "dom0", op: "destroy_domain", domain: "hwdom" } as Scenario["steps"][number];
const remove = (sbdf: string) => ({ as: "dom0", op: "pci_remove_device", sbdf }) as Scenario["steps"][number];

describe("destroy_domain of a domain holding devices, without an IOMMU", () => {
  const steps = [add("0000:03:00.0"), add("0000:04:00.0"), destroy, destroy, remove("0000:03:00.0"), destroy, remove("0000:04:00.0"), destroy];

  it("a host without an IOMMU: -EINVAL, the devices stay with the dying domain until removed", () => {
    const { r, l } = run(scenario({ iommu: "none" }, steps));
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0, "-EINVAL", "-EINVAL", 0, "-EINVAL", 0, 0]);
    expect(r.steps[2]!.why!.join(" ")).toContain("deassign_device returns -EINVAL for 0000:03:00.0, 0000:04:00.0 before it looks at a device, as hwdom has no IOMMU (iommu none)");
    expect(r.steps[3]!.why!.join(" ")).toContain("hwdom is dying, stopped at pci_release_devices: domain_kill runs it again");
    expect(r.steps[5]!.why!.join(" ")).toContain("for 0000:04:00.0 before it looks");
    // the last destroy gets through: nothing left to release, the domain goes
    expect(r.state.domains.find((d) => d.name === "hwdom")).toMatchObject({ live: false });
    expect(r.state.devices).toEqual([]);
    if (!l.ok) throw new Error("load");
    golden("no-iommu-teardown.trace.txt", renderTrace(r, l.value.scenario));
  });

  it("while stopped, the domain is dying: it holds its devices, and domctls naming it find it dying", () => {
    const { r } = run(scenario({ iommu: "none" }, [add("0000:03:00.0"), destroy, { as: "dom0", op: "assign_device", domain: "hwdom", sbdf: "0000:03:00.0" } as Scenario["steps"][number]]));
    expect(r.state.devices).toEqual([expect.objectContaining({ sbdf: "0000:03:00.0", owner: "hwdom" })]);
    expect(r.steps.map((s) => s.rc)).toEqual([0, "-EINVAL", "-EOPNOTSUPP"]);
  });

  it("with an IOMMU the devices go (to dom_io under quarantine) and the domain with them", () => {
    const { r } = run(scenario({ iommu: "intremap" }, [add("0000:03:00.0"), destroy]));
    expect(r.steps.map((s) => s.rc)).toEqual([0, 0]);
    expect(r.state.devices).toEqual([expect.objectContaining({ sbdf: "0000:03:00.0", owner: "dom_io" })]);
  });
});
