// Hypercalls naming a dying domain (destroyed, not yet freed: a device model's set_target
// reference or others' mappings of its grants keep it). Xen's lookups by domid
// (rcu_lock_domain_by_id, rcu_lock_domain_by_any_id, get_domain_by_id) find it, so XSM is asked as
// for a live domain, and each op then does what Xen's code does with d->is_dying; once freed, the
// same op finds no domain (-ESRCH). examples/xen-flask/dying.json runs it on Xen's policy: its AVC
// questions are decided as oracle-decide decided them (test/fixtures/xen-flask/dying.oracle.json,
// from scripts/gen-scenario-oracle.ts); UPDATE_GOLDEN=1 rewrites its trace.
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/load.js";
import { runPrepared, type RunResult, type StepResult } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";
import { exampleOnXenPolicy, failures, golden, prepared } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/dying.json"));

describe("examples/xen-flask/dying.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/dying.oracle.json"), 20);
  const step = (n: number) => r.steps[n - 1]!;

  it("asks XSM of the dying guest before Xen's own d->is_dying tests, and asks nothing where Xen refuses first", () => {
    // iommu_do_pci_domctl tests d->is_dying before xsm_assign_device (Xen 4.19/4.20); flask_domctl asks nothing for it
    expect(step(6).decisions).toEqual([]);
    expect(step(6).rc).toBe("-EINVAL");
    expect(step(7).decisions.map((d) => d.perm)).toEqual(["remove", "remove_device"]);
    expect(step(9).decisions.every((d) => d.allowed)).toBe(true);
    // get_free_port's test and the closed remote port come before the hook
    expect(step(10).decisions).toEqual([]);
    expect(step(12).decisions).toEqual([]);
    // flask_evtchn_unbound looks the remote domain up: the dying guest's label is the target
    expect(step(11).decisions.at(-1)).toMatchObject({ tcontext: "system_u:system_r:domU_t", perm: "bind", allowed: true });
    expect(step(15).decisions.map((d) => d.perm)).toEqual(["destroy"]);
    // freed: no domain, no question
    for (const n of [17, 18]) expect(step(n)).toMatchObject({ rc: "-ESRCH", decisions: [] });
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    golden("dying.trace.txt", out.stdout);
  });
});

const domains = [
  { name: "dom0", domid: 0, control: true, hardware: true },
  { name: "guest", domid: 1, hvm: true },
  { name: "dm", domid: 2, target: "guest" },
];
/** The guest made, its device model made, the guest's pirq and grant set up, the guest destroyed:
 *  dying while dm holds it. */
const setup = [
  { as: "dom0", op: "create_domain", domain: "guest" },
  { as: "dom0", op: "create_domain", domain: "dm" },
  { as: "dom0", op: "pci_add_device", sbdf: "0000:03:00.0" },
  { as: "dom0", op: "map_pirq", domain: "guest", gsi: 20, expect: { rc: 0 } },
  { as: "guest", op: "grant_access", ref: 5, domain: "dom0", frame: "0x100" },
  { as: "dom0", op: "destroy_domain", domain: "guest", expect: { rc: 0 } },
];
const run = (steps: object[], tail: object[] = []): RunResult => {
  const s = { name: "dying", xsm: "dummy", domains, steps: [...setup, ...steps, ...tail] };
  return runPrepared(prepared(parseScenario(s, join(root, "dying.json"))));
};
const hooks = (s: StepResult) => s.decisions.map((d) => d.xen);

describe("each op the simulator models, naming a dying domain (dummy)", () => {
  const ops: [string, object, (s: StepResult) => void][] = [
    ["assign_device: do_domctl's xsm_domctl, then -EINVAL before xsm_assign_device", { as: "dom0", op: "assign_device", domain: "guest", sbdf: "0000:03:00.0" }, (s) => {
      expect(s.rc).toBe("-EINVAL");
      expect(hooks(s)).toEqual(["xsm_domctl"]);
      expect(s.why).toEqual([expect.stringContaining("dying")]);
    }],
    ["deassign_device: XSM, then -ENODEV (released at domain_kill)", { as: "dom0", op: "deassign_device", domain: "guest", sbdf: "0000:03:00.0" }, (s) => {
      expect(s.rc).toBe("-ENODEV");
      expect(hooks(s)).toEqual(["xsm_domctl", "xsm_deassign_device"]);
    }],
    ["destroy_domain: XSM, then nothing", { as: "dom0", op: "destroy_domain", domain: "guest" }, (s) => {
      expect(s.rc).toBe(0);
      expect(hooks(s)).toEqual(["xsm_domctl destroydomain"]);
      expect(s.why).toEqual([expect.stringContaining("does nothing")]);
    }],
    ["ioport_permission: XSM, then the rangeset changes", { as: "dom0", op: "ioport_permission", domain: "guest", first_port: "0xc000", nr_ports: 8, allow: true }, (s) => {
      expect(s.rc).toBe(0);
      expect(hooks(s)).toEqual(["xsm_domctl ioport_permission", "xsm_ioport_permission"]); // before XSA-492
    }],
    ["iomem_permission: XSM, then the rangeset changes", { as: "dom0", op: "iomem_permission", domain: "guest", first_mfn: "0xf0000", nr_mfns: 1, allow: true }, (s) => {
      expect(s.rc).toBe(0);
      expect(hooks(s)).toEqual(["xsm_domctl iomem_permission", "xsm_iomem_permission"]);
    }],
    ["ioport_mapping: XSM, then the g2m list changes", { as: "dom0", op: "ioport_mapping", domain: "guest", first_gport: "0xc000", first_mport: "0xc000", nr_ports: 8, add: true }, (s) => {
      // every release tag grants the dying guest the ports it maps (ioports_permit_access)
      expect(s).toMatchObject({ rc: 0, log: ["ioport_map:add: dom1 gport=c000 mport=c000 nr=8"] });
      expect(hooks(s)).toEqual(["xsm_domctl ioport_mapping", "xsm_ioport_mapping"]);
    }],
    ["memory_mapping remove: xsm_domctl, then -EPERM (before XSA-492 the guest's grant is tested before XSM, for a removal too)", { as: "dom0", op: "memory_mapping", domain: "guest", first_gfn: "0xf0000", first_mfn: "0xf0000", nr_mfns: 1, add: false }, (s) => {
      expect(s.rc).toBe("-EPERM");
      expect(hooks(s)).toEqual(["xsm_domctl memory_mapping"]);
    }],
    ["map_pirq: XSM, then mapped (pirqs live until free_domain_pirqs)", { as: "dom0", op: "map_pirq", domain: "guest", gsi: 21 }, (s) => {
      expect(s).toMatchObject({ rc: 0, mappedPirq: 17 });
      expect(hooks(s)).toEqual(["xsm_map_domain_pirq", "xsm_map_domain_irq"]);
    }],
    ["unmap_pirq: physdev's XSM hook, not unmap_domain_pirq's", { as: "dom0", op: "unmap_pirq", domain: "guest", pirq: 16 }, (s) => {
      expect(s.rc).toBe(0);
      expect(hooks(s)).toEqual(["xsm_unmap_domain_pirq"]);
    }],
    ["bind_pt_irq: XSM, then its own checks", { as: "dom0", op: "bind_pt_irq", domain: "guest", machine_irq: 16 }, (s) => {
      expect(hooks(s).slice(0, 2)).toEqual(["xsm_domctl bind_pt_irq", "xsm_bind_pt_irq"]);
    }],
    ["evtchn_alloc_unbound of it: -EINVAL before XSM", { as: "dom0", op: "evtchn_alloc_unbound", domain: "guest", remote: "dom0" }, (s) => {
      expect(s).toMatchObject({ rc: "-EINVAL", decisions: [], log: ["EVTCHNOP failure: error -22"] });
    }],
    ["evtchn_alloc_unbound for it: XSM, port", { as: "dom0", op: "evtchn_alloc_unbound", remote: "guest" }, (s) => {
      expect(s).toMatchObject({ rc: 0, port: 1 });
    }],
    ["evtchn_bind_interdomain to its closed port: -EINVAL, no XSM", { as: "dom0", op: "evtchn_bind_interdomain", remote: "guest", remote_port: 1 }, (s) => {
      expect(s).toMatchObject({ rc: "-EINVAL", decisions: [] });
    }],
    ["evtchn_status: its valid port, closed", { as: "dom0", op: "evtchn_status", domain: "guest", port: 1 }, (s) => {
      expect(s).toMatchObject({ rc: 0, status: { status: "closed" } });
      expect(hooks(s)).toEqual(["xsm_evtchn_status"]);
    }],
    ["evtchn_status past its valid ports: -EINVAL", { as: "dom0", op: "evtchn_status", domain: "guest", port: 4096 }, (s) => {
      expect(s).toMatchObject({ rc: "-EINVAL", decisions: [] });
    }],
    ["evtchn_reset: XSM, then -EINVAL (not paused by its controller)", { as: "dom0", op: "evtchn_reset", domain: "guest" }, (s) => {
      expect(s.rc).toBe("-EINVAL");
      expect(hooks(s)).toEqual(["xsm_evtchn_reset"]);
    }],
    ["grant_map of its grant: found, XSM, its frame gone", { as: "dom0", op: "grant_map", domain: "guest", ref: 5 }, (s) => {
      expect(s).toMatchObject({ rc: 0, gntst: "GNTST_bad_page" });
      expect(hooks(s)).toEqual(["xsm_grant_mapref"]);
    }],
    ["grant_setup_table of it: found, XSM, grown", { as: "dom0", op: "grant_setup_table", domain: "guest", nr_frames: 2 }, (s) => {
      expect(s).toMatchObject({ rc: 0, gntst: "GNTST_okay", frames: 2 });
    }],
    ["grant_query_size of it: found, XSM", { as: "dom0", op: "grant_query_size", domain: "guest" }, (s) => {
      expect(s).toMatchObject({ rc: 0, gntst: "GNTST_okay", frames: 1 });
    }],
  ];
  for (const [name, op, check] of ops) {
    it(name, () => {
      const r = run([op]);
      expect(failures(r)).toEqual([]);
      check(r.steps[setup.length]!);
      expect(r.steps[setup.length]!.partial).toBe(false);
    });
  }

  it("once the device model goes, the guest is freed: every op naming it is -ESRCH (a grant op GNTST_bad_domain), no question asked", () => {
    const r = run([{ as: "dom0", op: "destroy_domain", domain: "dm" }], [
      { as: "dom0", op: "assign_device", domain: "guest", sbdf: "0000:03:00.0" },
      { as: "dom0", op: "evtchn_status", domain: "guest", port: 1 },
      { as: "dom0", op: "grant_map", domain: "guest", ref: 5 },
    ]);
    const tail = r.steps.slice(setup.length + 1);
    expect(tail.map((s) => [s.rc, s.gntst ?? null, s.decisions.length])).toEqual([
      ["-ESRCH", null, 0],
      ["-ESRCH", null, 0],
      [0, "GNTST_bad_domain", 0],
    ]);
  });

  it("a domain dying only because others map its grants is found too, and freed by the last unmap", () => {
    const s = {
      name: "grant-held",
      xsm: "dummy",
      domains: [domains[0], { name: "web", domid: 1 }],
      steps: [
        { as: "web", op: "grant_access", ref: 5, domain: "dom0", frame: "0x100" },
        { as: "dom0", op: "grant_map", domain: "web", ref: 5, expect: { gntst: "GNTST_okay" } },
        { as: "dom0", op: "destroy_domain", domain: "web" },
        { as: "dom0", op: "iomem_permission", domain: "web", first_mfn: "0xf0000", nr_mfns: 1, allow: true, expect: { rc: 0 } },
        { as: "dom0", op: "evtchn_alloc_unbound", domain: "web", remote: "dom0", expect: { rc: "-EINVAL" } },
        { as: "dom0", op: "grant_unmap", handle: 0, expect: { gntst: "GNTST_okay" } },
        { as: "dom0", op: "iomem_permission", domain: "web", first_mfn: "0xf0000", nr_mfns: 1, allow: true, expect: { rc: "-ESRCH" } },
      ],
    };
    const r = runPrepared(prepared(parseScenario(s, join(root, "grant-held.json"))));
    expect(failures(r)).toEqual([]);
  });

  it("property: ops naming the dying guest never answer -ESRCH, change nothing when they fail, and leave nothing behind once it is freed", () => {
    const pool = ops.map(([, op]) => op);
    const fresh = run([{ as: "dom0", op: "destroy_domain", domain: "dm" }, { as: "dom0", op: "create_domain", domain: "guest" }, { as: "dom0", op: "create_domain", domain: "dm" }]);
    const stateOf = (r: RunResult) => JSON.stringify(r.state.domains.filter((d) => d.name !== "dom0").map(({ name, live, io }) => ({ name, live, io: io && { ...io, channels: undefined } })));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 12 }), (picked) => {
        const r = run(picked, [
          { as: "dom0", op: "destroy_domain", domain: "dm" },
          { as: "dom0", op: "create_domain", domain: "guest" },
          { as: "dom0", op: "create_domain", domain: "dm" },
        ]);
        const dyingSteps = r.steps.slice(setup.length, setup.length + picked.length);
        expect(dyingSteps.filter((s) => s.rc === "-ESRCH")).toEqual([]);
        expect(r.summary.partial).toBe(0);
        expect(r.steps.slice(-2).map((s) => s.rc)).toEqual([0, 0]);
        expect(stateOf(r)).toBe(stateOf(fresh));
      }),
      { numRuns: 60 },
    );
  });
});
