// get_device_group and quarantine in runs: examples/svp/device-group-quarantine.json with its
// trace, the dummy module's checks before and after XSA-492, and the scenario checks they added.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import { renderTrace } from "../../src/sim/report.js";
import { buildTopology, topologyDot } from "../../src/sim/topology.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const file = join(examples, "device-group-quarantine.json");

describe("examples/svp/device-group-quarantine.json", () => {
  const loaded = loadScenario(file);
  // the stat_device, add and remove questions as oracle-decide answers them on the policy.conf
  // svp.conf desugars to (scripts/gen-scenario-oracle.ts; test/oracle/scenario-decisions.test.ts keeps it fresh)
  const r = exampleOnXenPolicy(file, join(import.meta.dirname, "../fixtures/sim/device-group-quarantine.oracle.json"), 15);
  it("prints the trace", () => {
    if (!loaded.ok) throw new Error("load");
    golden("device-group-quarantine.trace.txt", renderTrace(r, loaded.value.scenario));
  });
});

describe("the quarantine move asks nothing of dom_io (Xen's deassign_device and pci_release_devices reassign to dom_io unchecked)", () => {
  // the example up to its guest's assignment, then the guest's device deassigned: only the
  // explicit DOMID_IO domctls (its steps 11 and 12) name domio_t, as flask_{,de}assign_device do
  const doc = JSON.parse(readFileSync(file, "utf8")) as Scenario;
  for (const xen of ["4.19.0", "4.22.0"] as const) {
    it(`Xen ${xen}: deassign_device from the guest asks remove and remove_device, the device goes to dom_io`, () => {
      const steps = [...doc.steps.slice(0, 7), { op: "deassign_device", as: "svp-hwdom", domain: "gvp1-guest", sbdf: "0000:05:00.0" }] as Scenario["steps"];
      const r = run({ ...doc, xen, steps });
      const last = r.steps[7]!;
      expect(last.rc).toBe(0);
      expect(last.decisions.map((d) => `${d.tcontext?.split(":")[2]} ${d.perm}`)).toEqual(["gvp1_guest_t remove", "gvp1_pci_t remove_device"]);
      expect(r.state.devices.find((d) => d.sbdf === "0000:05:00.0")?.owner).toBe("dom_io");
    });
  }
});

const dummy = (xen: Scenario["xen"], extra: Partial<Scenario> = {}): Scenario => ({
  name: "g",
  xsm: "dummy",
  ...(xen !== undefined ? { xen } : {}),
  ...extra,
  domains: [
    { name: "dom0", domid: 0, control: true, hardware: true },
    { name: "guest", domid: 1 },
  ],
  steps: [
    { op: "pci_add_device", as: "dom0", sbdf: "0000:03:00.0" },
    { op: "pci_add_device", as: "dom0", sbdf: "0000:03:01.0" },
    { op: "get_device_group", as: "dom0", domain: "dom0", sbdf: "0000:03:00.0" },
    { op: "get_device_group", as: "guest", domain: "dom0", sbdf: "0000:03:00.0" },
    { op: "assign_device", as: "dom0", domain: "guest", sbdf: "0000:03:00.0" },
    { op: "deassign_device", as: "dom0", domain: "guest", sbdf: "0000:03:00.0" },
  ],
});
const run = (s: Scenario) => runPrepared(prepared(parseScenario(s, join(examples, "inline.json"))));

describe("get_device_group under the dummy module", () => {
  it("before XSA-492: xsm_domctl (XSM_PRIV) on the domain, then the hook (XSM_HOOK) for the device and each sibling", () => {
    const r = run(dummy("4.20.3"));
    expect(r.steps[2]!.decisions.map((d) => `${d.xen} ${d.action}`)).toEqual(["xsm_domctl XSM_PRIV", "xsm_get_device_group XSM_HOOK", "xsm_get_device_group XSM_HOOK"]);
    expect([r.steps[3]!.rc, r.steps[3]!.decisions.map((d) => d.xen)]).toEqual(["-EPERM", ["xsm_domctl"]]);
  });
  it("since XSA-492: the hook alone, XSM_PRIV", () => {
    const r = run(dummy("4.22.0"));
    expect(r.steps[2]!.decisions.map((d) => `${d.xen} ${d.action}`)).toEqual(["xsm_get_device_group XSM_PRIV", "xsm_get_device_group XSM_PRIV"]);
    expect([r.steps[3]!.rc, r.steps[3]!.decisions.map((d) => d.xen)]).toEqual(["-EPERM", ["xsm_get_device_group"]]);
  });
  it("no bridge: each device is its own group, so nothing is listed", () => {
    expect(run(dummy("4.22.0")).steps[2]!.group).toEqual([]);
  });
});

describe("get_device_group's reasons", () => {
  const steps = (extra: Partial<Scenario>, sbdf: string, max?: number) => {
    const s = dummy("4.22.0", extra);
    return run({ ...s, steps: [...s.steps.slice(0, 2), { op: "get_device_group", as: "dom0", domain: "dom0", sbdf, ...(max !== undefined ? { max_sdevs: max } : {}) }] }).steps[2]!;
  };
  it("without an IOMMU: iommu_do_domctl's -EOPNOTSUPP, before any XSM question since XSA-492, and why", () => {
    const r = steps({ iommu: "none" }, "0000:03:00.0");
    expect([r.rc, r.group, r.decisions]).toEqual(["-EOPNOTSUPP", undefined, []]);
    expect(r.why).toEqual([expect.stringContaining("iommu_do_domctl answers XEN_DOMCTL_get_device_group -EOPNOTSUPP (!is_iommu_enabled(d))")]);
    // before XSA-492 do_domctl's xsm_domctl comes first: dummy.h's XSM_PRIV on the domain
    const s = dummy("4.20.3", { iommu: "none" });
    const old = run({ ...s, steps: [...s.steps.slice(0, 2), { op: "get_device_group", as: "dom0", domain: "dom0", sbdf: "0000:03:00.0" }] }).steps[2]!;
    expect([old.rc, old.decisions.map((d) => `${d.xen} ${d.action}`)]).toEqual(["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]]);
  });
  it("an unknown segment off bus 0: -ENODEV from find_upstream_bridge", () => {
    const r = steps({}, "0001:05:00.0");
    expect(r.rc).toBe("-ENODEV");
    expect(r.why?.join("\n")).toContain("segment 0001 is not one Xen knows");
  });
  it("a device Xen does not know, behind a bridge: its group all the same, and max_sdevs cuts the list", () => {
    const r = steps({ devices: [{ sbdf: "0000:03:00.0", bridge: { secondary: 5, subordinate: 5 } }], steps: [] }, "0000:05:07.0", 0);
    expect([r.rc, r.group]).toEqual([0, []]);
    expect(r.why).toEqual([
      expect.stringContaining("Xen 4.22.0: do_domctl hands XEN_DOMCTL_get_device_group to iommu_do_domctl"),
      "0000:05:07.0 is no device Xen knows: iommu_get_device_group does not look it up, only its requester ID",
      expect.stringContaining("0000:05:07.0's group is the requester ID of 0000:03:00.0"),
      expect.stringContaining("in the group: none"),
      "1 more in the group past max_sdevs 0: neither listed nor counted in num_sdevs",
    ]);
  });
});

describe("quarantine in runs", () => {
  const owner = (r: ReturnType<typeof run>) => r.state.devices.find((d) => d.sbdf === "0000:03:00.0")?.owner;
  it("every release and the model's defaults quarantine (Kconfig's IOMMU_QUARANTINE_BASIC); quarantine none does not", () => {
    expect(owner(run(dummy("4.19.0")))).toBe("dom_io");
    expect(owner(run(dummy(undefined)))).toBe("dom_io");
    expect(owner(run(dummy(undefined, { quarantine: "none" })))).toBe("dom0");
    expect(owner(run(dummy("master", { quarantine: "none" })))).toBe("dom0");
    expect(owner(run(dummy(undefined, { quarantine: "scratch-page" })))).toBe("dom_io");
  });
});

describe("scenario checks", () => {
  const errors = (doc: unknown) => {
    const l = parseScenario(doc, join(examples, "inline.json"));
    return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("dom_io is a reserved domain name, accepted only where the domctl takes DOMID_IO", () => {
    const s = dummy(undefined);
    expect(errors({ ...s, domains: [...s.domains, { name: "dom_io", domid: 5 }] }).join("\n")).toContain("/domains/2/name");
    expect(errors({ ...s, steps: [{ op: "assign_device", as: "dom0", domain: "dom_io", sbdf: "03:00.0" }] })).toEqual([]);
    expect(errors({ ...s, steps: [{ op: "get_device_group", as: "dom0", domain: "dom_io", sbdf: "03:00.0" }] }).join("\n")).toContain('/steps/0/domain: unknown domain "dom_io"');
  });
  it("expect.group only on get_device_group; a bridge's buses after its own and in order", () => {
    const s = dummy(undefined);
    expect(errors({ ...s, steps: [{ op: "pci_add_device", as: "dom0", sbdf: "03:00.0", expect: { group: [] } }] }).join("\n")).toContain("/steps/0/expect/group");
    expect(errors({ ...s, devices: [{ sbdf: "0000:05:00.0", bridge: { secondary: 5, subordinate: 6 } }] }).join("\n")).toContain("/devices/0/bridge/secondary");
    expect(errors({ ...s, devices: [{ sbdf: "0000:00:1e.0", bridge: { secondary: 7, subordinate: 6 } }] }).join("\n")).toContain("/devices/0/bridge/subordinate");
  });
});

describe("--dot", () => {
  it("draws dom_io once, as quarantine, when it holds a device", () => {
    const t = buildTopology({
      title: "t",
      caption: "final state",
      platforms: [],
      domains: [{ name: "hw", domid: 0, context: "u:r:hw_t", hardware: true, control: true, live: true }],
      devices: [
        { sbdf: "0000:01:00.0", kind: "device", physfn: null, broken: false, owner: "dom_io" },
        { sbdf: "0000:02:00.0", kind: "device", physfn: null, broken: false, owner: "dom_io" },
      ],
      stale: [],
      labelOf: () => null,
      denied: [],
    });
    const dot = topologyDot(t);
    expect(dot.split("\n").filter((l) => l.startsWith('  "dom_io" ['))).toEqual(['  "dom_io" [shape=box, style=dashed, label="dom_io\\n(quarantine)"];']);
    expect(dot).toContain('  "dom_io" -> "0000:02:00.0" [label="owns", arrowhead=none];');
  });
});
