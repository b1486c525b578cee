// examples/xen-flask/passthrough-disabled.json: guests created without XEN_DOMCTL_CDF_iommu on a
// host with an IOMMU. iommu_do_domctl's `!(d ? is_iommu_enabled(d) : iommu_enabled)` refuses the
// domctls naming such a domain -EOPNOTSUPP in every release (RELEASE-4.19.0 .. RELEASE-4.22.0
// drivers/passthrough/iommu.c); flask_iommu_resource_use_perm(d) asks its use_noiommu; x86
// domctl.c's bind_pt_irq is -ESRCH without is_iommu_enabled(d). A test_assign_device naming a
// domain takes assign_device's path in pci.c (xsm_assign_device with d: flask_assign_device's
// checks). Its AVC questions are decided as oracle-decide decided them
// (test/fixtures/xen-flask/passthrough-disabled.oracle.json). UPDATE_GOLDEN=1 rewrites the trace.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { XEN_RELEASES, xenBehaviour } from "../../src/sim/xen-release.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const file = join(root, "examples/xen-flask/passthrough-disabled.json");
const example = relative(process.cwd(), file);
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const RCS_XSA492 = [0, 0, "-EOPNOTSUPP", 0, "-EOPNOTSUPP", "-EACCES", "-EOPNOTSUPP", 0, "-EOPNOTSUPP", 0, 0, "-ESRCH"];

describe("examples/xen-flask/passthrough-disabled.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/passthrough-disabled.oracle.json"), 10);

  it("4.22.0: the domain's use_noiommu is asked, then -EOPNOTSUPP; a denial wins; get_device_group asks nothing", () => {
    expect(r.steps.map((s) => s.rc)).toEqual(RCS_XSA492);
    expect(r.steps[2]!.decisions.map((d) => `${d.xen} ${d.perm}`)).toEqual(["flask_assign_device add", "flask_assign_device add_device", "flask_assign_device use_noiommu"]);
    expect(r.steps[3]!.decisions.map((d) => d.perm)).toEqual(["add", "add_device", "use_iommu"]);
    expect(r.steps[5]!.decisions.at(-1)).toMatchObject({ perm: "use_noiommu", allowed: false });
    expect(r.steps[6]!.decisions).toEqual([]);
    expect(r.steps[8]!.decisions.map((d) => d.perm)).toEqual(["remove", "remove_device"]);
    // the other guest's IOMMU is untouched: it gets the NIC; the frames and IRQ are asked as use_noiommu
    expect(r.state.devices.map((d) => [d.sbdf, d.owner])).toEqual([["0000:03:00.0", "dom0"], ["0000:c8:00.0", "hvm-guest"]]);
    expect(r.steps[9]!.decisions.at(-1)!.perm).toBe("use_noiommu");
    expect(r.steps[11]!.why!.join(" ")).toContain("no-pt was created without XEN_DOMCTL_CDF_iommu");
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("passthrough-disabled.trace.txt", out.stdout);
  });

  it("every release refuses the domain's domctls -EOPNOTSUPP; before XSA-492 flask is asked nothing about them", () => {
    for (const release of XEN_RELEASES) {
      const run = runAs({ ...read(), xen: release });
      const xsa492 = xenBehaviour(release).assignCheck === "xsm_domctl";
      expect(run.steps.map((s) => s.rc), release).toEqual(RCS_XSA492.map((rc, i) => (i === 5 && !xsa492 ? "-EOPNOTSUPP" : rc)));
      if (!xsa492) for (const n of [2, 4, 5, 6, 8]) expect(run.steps[n]!.decisions, `${release} step ${n + 1}`).toEqual([]);
      // a test_assign_device naming a domain asks assign_device's checks in every release
      expect(run.steps[3]!.decisions.map((d) => d.perm), release).toEqual(["add", "add_device", "use_iommu"]);
    }
  });

  it("without the domain field nothing changes: the host's IOMMU is every domain's", () => {
    const s = read();
    const on = { ...s, domains: s.domains.map((d) => ({ ...d, iommu: undefined })) } as Scenario;
    const run = runAs(on);
    // the NIC goes to no-pt (so not to hvm-guest, -EBUSY, and no-pt gives it back), the HBA to vault
    expect(run.steps.map((x) => x.rc)).toEqual([0, 0, 0, 0, 0, 0, 0, "-EBUSY", 0, 0, 0, 0]);
    expect(run.steps[5]!.decisions.at(-1)).toMatchObject({ perm: "use_iommu", allowed: true });
  });

  it("test_assign_device naming the caller is self-assignment, -EINVAL, where the release puts it", () => {
    const s = read();
    const step = { as: "dom0", op: "test_assign_device", sbdf: "0000:c8:00.0", domain: "dom0" };
    const at = (xen: "4.20.3" | "4.22.0") => runAs({ ...s, xen, steps: [s.steps[0]!, step] as Scenario["steps"] }).steps[1]!;
    expect([at("4.20.3").rc, at("4.20.3").decisions]).toEqual(["-EINVAL", []]);
    const after = at("4.22.0");
    expect([after.rc, after.decisions.map((d) => d.perm)]).toEqual(["-EINVAL", ["add", "add_device", "use_iommu"]]);
    expect(after.why!.join(" ")).toContain("self-assignment");
  });

  it("the dummy module: xsm_domctl (XSM_PRIV) first; before XSA-492 xsm_assign_device (XSM_HOOK) is not reached", () => {
    const s = { ...read(), xsm: "dummy" as const, policy: undefined };
    const at = (xen: "4.20.3" | "4.22.0") => runAs({ ...s, xen, steps: s.steps.slice(0, 5) }).steps.slice(2).map((x) => [x.rc, x.decisions.map((d) => `${d.xen} ${d.action}`)]);
    expect(at("4.20.3")).toEqual([
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
      [0, ["xsm_domctl XSM_PRIV", "xsm_assign_device XSM_HOOK"]],
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
    ]);
    expect(at("4.22.0")).toEqual([
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
      [0, ["xsm_domctl XSM_PRIV"]],
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
    ]);
  });

  it("refuses what Xen or libxl would not create, at the domain's or step's path", () => {
    const s = read();
    const bad = (patch: Partial<Scenario>) => {
      const l = parseScenario({ ...s, ...patch } as Scenario, file);
      return l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`);
    };
    expect(bad({ iommu: "none", domains: s.domains.map((d) => (d.name === "hvm-guest" ? { ...d, iommu: true } : d)) }).join("\n")).toMatch(/^\/domains\/1\/iommu: the host has no IOMMU .*IOMMU requested but not available/);
    expect(bad({ domains: s.domains.map((d) => (d.name === "dom0" ? { ...d, iommu: false } : d)) }).join("\n")).toMatch(/^\/domains\/0\/iommu: a hardware domain uses the IOMMU/);
    const made = { as: "dom0", op: "create_domain", domain: "no-pt", pci: ["0000:c8:00.0"] };
    expect(bad({ steps: [s.steps[0]!, made] as Scenario["steps"] }).join("\n")).toMatch(/^\/steps\/1\/pci: "no-pt" is made without IOMMU use/);
    expect(bad({ domains: s.domains.map((d) => (d.name === "no-pt" ? { ...d, iommu: "no" } : d)) } as unknown as Partial<Scenario>).join("\n")).toMatch(/^\/domains\/2\/iommu: expected boolean/);
  });
});

