// A step naming a domain that is neither running nor dying: what each hypercall answers, per
// release and per caller. do_domctl looks the domain up (rcu_lock_domain_by_id) before xsm_domctl:
// -ESRCH to anyone until a89ca78901 (RELEASE-4.22.0's domctl.c), then -EPERM to a caller that is
// not the control domain. PHYSDEVOP_{,un}map_pirq and EVTCHNOP_{alloc_unbound,status,reset} look it
// up with rcu_lock_domain_by_any_id before their XSM checks: -ESRCH in every release. No XSM
// question is asked either way.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared, type StepResult } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { XEN_RELEASES, xenBehaviour, type XenRelease } from "../../src/sim/xen-release.js";
import { prepared } from "./support.js";

/** The steps after `gone` is destroyed (and freed: nothing holds it), each naming it. */
function run(xen: XenRelease | undefined, module: "dummy" | "flask", steps: object[]): StepResult[] {
  const flask = module === "flask";
  const doc = {
    name: "no-domain",
    xsm: module,
    ...(flask ? { policy: "../../examples/svp/svp.conf" } : {}),
    ...(xen ? { xen } : {}),
    domains: [
      { name: "dom0", domid: 0, control: true, hardware: true, ...(flask ? { context: "system_u:system_r:svp_hwdom_t" } : {}) },
      { name: "hw2", domid: 1, hardware: true, ...(flask ? { context: "system_u:system_r:gvp1_hwdom_t" } : {}) },
      { name: "gone", domid: 2, ...(flask ? { context: "gvp1_u:vm_r:gvp1_guest_t" } : {}) },
    ],
    steps: [{ as: "dom0", op: "destroy_domain", domain: "gone" }, ...steps],
  } as unknown as Scenario;
  return runPrepared(prepared(parseScenario(doc, join(import.meta.dirname, "no-domain.json")))).steps.slice(1);
}

const DOMCTLS = [
  { op: "iomem_permission", domain: "gone", first_mfn: "0xf0000", nr_mfns: 1, allow: true },
  { op: "irq_permission", domain: "gone", pirq: 5, allow: true },
  { op: "memory_mapping", domain: "gone", first_gfn: "0xf0000", first_mfn: "0xf0000", nr_mfns: 1, add: true },
  { op: "get_device_group", domain: "gone", sbdf: "0000:03:00.0" },
  { op: "assign_device", domain: "gone", sbdf: "0000:03:00.0" },
  { op: "deassign_device", domain: "gone", sbdf: "0000:03:00.0" },
  { op: "destroy_domain", domain: "gone" },
  { op: "pci_attach", domain: "gone", sbdf: "0000:03:00.0" },
];
const BY_ANY_ID = [
  { op: "map_pirq", domain: "gone", gsi: 5, pirq: 5 },
  { op: "unmap_pirq", domain: "gone", pirq: 5 },
  { op: "evtchn_alloc_unbound", domain: "gone", remote: "dom0" },
  { op: "evtchn_status", domain: "gone", port: 1 },
  { op: "evtchn_reset", domain: "gone" },
];
const as = (who: string, steps: object[]) => steps.map((s) => ({ as: who, ...s }));

describe("a domctl naming no domain", () => {
  it("a89ca78901 is in 4.22.0 and master only (no stable backport among the modelled tags)", () => {
    expect(XEN_RELEASES.filter((r) => xenBehaviour(r).domctlNoDomain === "eperm-unprivileged")).toEqual(["4.22.0", "master"]);
  });

  for (const module of ["dummy", "flask"] as const) {
    it(`${module}: -ESRCH to any caller before 4.22.0 and without a release; since, -EPERM to one that is not the control domain`, () => {
      for (const xen of [undefined, "4.19.0", "4.20.4", "4.21.2"] as const) {
        for (const who of ["dom0", "hw2"]) {
          const steps = run(xen, module, as(who, DOMCTLS));
          expect(steps.map((s) => s.rc), `${xen} ${who}`).toEqual(DOMCTLS.map(() => "-ESRCH"));
          expect(steps.flatMap((s) => s.decisions)).toEqual([]);
        }
      }
      for (const xen of ["4.22.0", "master"] as const) {
        expect(run(xen, module, as("dom0", DOMCTLS)).map((s) => s.rc)).toEqual(DOMCTLS.map(() => "-ESRCH"));
        const byHw2 = run(xen, module, as("hw2", DOMCTLS));
        expect(byHw2.map((s) => s.rc)).toEqual(DOMCTLS.map(() => "-EPERM"));
        expect(byHw2.flatMap((s) => s.decisions)).toEqual([]);
      }
    });
  }

  it("the trace says which lookup answered, and why that caller got that errno", () => {
    const [old] = run("4.21.2", "dummy", as("hw2", DOMCTLS.slice(0, 1)));
    expect(old!.why).toEqual(["no domain 2: gone is neither running nor dying (do_domctl's rcu_lock_domain_by_id finds none, before xsm_domctl: -ESRCH to any caller (Xen 4.21.2; a89ca78901, Xen 4.22.0, made it -EPERM to one that is not the control domain))"]);
    const [eperm] = run("4.22.0", "dummy", as("hw2", DOMCTLS.slice(0, 1)));
    expect(eperm!.why![0]).toContain("Xen 4.22.0 says -EPERM to hw2, which is not the control domain (a89ca78901");
    const [esrch] = run("4.22.0", "dummy", as("dom0", DOMCTLS.slice(0, 1)));
    expect(esrch!.why![0]).toContain("Xen 4.22.0 says -ESRCH to the control domain");
    const attach = run("4.22.0", "dummy", as("hw2", DOMCTLS.slice(-1)))[0]!;
    expect(attach.why![0]).toContain("libxl's first call, xc_domain_getinfo_single, is XEN_DOMCTL_getdomaininfo: ");
  });

  it("the release's note says it", () => {
    const doc = { name: "n", xsm: "dummy", xen: "4.22.0", domains: [{ name: "dom0", domid: 0, control: true, hardware: true }], steps: [] } as unknown as Scenario;
    const r = runPrepared(prepared(parseScenario(doc, join(import.meta.dirname, "n.json"))));
    expect(r.notes[0]).toContain("a domctl naming no domain is -EPERM to a caller that is not the control domain, -ESRCH to the control domain (a89ca78901)");
    expect(r.xen).toMatchObject({ release: "4.22.0", domctlNoDomain: "eperm-unprivileged" });
  });
});

describe("the physdev and event channel ops naming no domain", () => {
  it("-ESRCH to any caller in every release, no XSM question (rcu_lock_domain_by_any_id comes first)", () => {
    for (const xen of [undefined, "4.19.0", "4.22.0", "master"] as const) {
      for (const who of ["dom0", "hw2"]) {
        const steps = run(xen, "dummy", as(who, BY_ANY_ID));
        expect(steps.map((s) => s.rc), `${xen} ${who}`).toEqual(BY_ANY_ID.map(() => "-ESRCH"));
        expect(steps.flatMap((s) => s.decisions)).toEqual([]);
      }
    }
    const [map] = run("4.22.0", "dummy", as("hw2", BY_ANY_ID.slice(0, 1)));
    expect(map!.why).toEqual(["no domain 2: gone is neither running nor dying (PHYSDEVOP_map_pirq's rcu_lock_domain_by_any_id finds none, before any XSM check: -ESRCH to any caller)"]);
  });
});
