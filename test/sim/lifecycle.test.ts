// The domain lifecycle in the model: create_domain makes the hypercalls of `xl create` with their
// XSM hooks and labels the new domain, its event channels and a device model's view of its guest
// through type_transition (security_transition_sid, src/policy/transition.ts); destroy_domain with
// a caller is XEN_DOMCTL_destroydomain. examples/xen-flask/lifecycle.json runs on Xen's policy.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario, type LoadResult } from "../../src/sim/load.js";
import { checkQuestion } from "../../src/sim/report.js";
import { runPrepared, type RunResult } from "../../src/sim/run.js";
import type { Scenario } from "../../src/sim/scenario.js";
import { prepared } from "./support.js";

const repo = join(import.meta.dirname, "../..");

const runLoaded = (loaded: LoadResult): RunResult => runPrepared(prepared(loaded), { explain: "all" });

const lifecycle = () => runLoaded(loadScenario(join(repo, "examples/xen-flask/lifecycle.json")));

describe("examples/xen-flask/lifecycle.json", () => {
  it("meets every expectation", () => {
    const r = lifecycle();
    expect(r.steps.flatMap((s) => s.expect.filter((e) => !e.ok))).toEqual([]);
  });

  it("checks what xl create asks, in libxl's order, and labels the guest's self and channels by type_transition", () => {
    const create = lifecycle().steps[1]!;
    expect(create.decisions.map((d) => [d.hook, d.tclass, d.perm ?? `${d.labels} ${d.label}`])).toEqual([
      ["domain_create", "domain", "create"],
      ["domain_create", "domain", "self system_u:system_r:domU_t_self"],
      ["domctl", "domain", "setdomainmaxmem"],
      ["evtchn_unbound", "event", "channel system_u:object_r:domU_t_channel"],
      ["evtchn_unbound", "event", "create"],
      ["evtchn_unbound", "event", "bind"],
      ["evtchn_unbound", "event", "channel system_u:object_r:domU_t_channel"],
      ["evtchn_unbound", "event", "create"],
      ["evtchn_unbound", "event", "bind"],
      ["assign_device", "resource", "add"],
      ["assign_device", "resource", "add_device"],
      ["assign_device", "resource", "use_iommu"],
      ["domctl", "domain", "unpause"],
    ]);
    expect(create.decisions[1]).toMatchObject({ labelRule: "type_transition domU_t domU_t:domain domU_t_self;", xen: "flask_domain_create security_transition_sid" });
    // the channel is asked about under its own label: dom0 creates it, it binds to dom0
    expect(create.decisions[4]).toMatchObject({ scontext: "system_u:system_r:dom0_t", tcontext: "system_u:object_r:domU_t_channel", allowed: true });
    expect(create.decisions[5]).toMatchObject({ scontext: "system_u:object_r:domU_t_channel", tcontext: "system_u:system_r:dom0_t", allowed: true });
  });

  it("gives a device model its view of its guest (flask_set_target's target_sid)", () => {
    const stub = lifecycle().steps[2]!;
    const target = stub.decisions.find((d) => d.labels === "target");
    expect(target).toMatchObject({ hook: "set_target", label: "system_u:system_r:domU_t_target", scontext: "system_u:system_r:domU_t", tcontext: "system_u:system_r:dm_dom_t" });
    expect(stub.decisions.filter((d) => d.hook === "set_target" && d.perm).map((d) => `${d.tclass}:${d.perm}`)).toEqual([
      "domain2:make_priv_for",
      "domain2:set_as_target",
      "domain:set_target",
    ]);
  });

  it("asks about a domain acting on itself as its self label, and a denied destroy leaves it running", () => {
    const r = lifecycle();
    const self = r.steps[5]!;
    expect(self.decisions[0]).toMatchObject({ hook: "domctl", tcontext: "system_u:system_r:domU_t_self", perm: "destroy", rc: "-EACCES" });
    expect(r.steps[6]!.rc).toBe(0); // dom0 could still destroy it: it was alive
  });

  it("refuses a second domain with a domid in use, and a destroyed one its device model still holds; creates it again once that is gone", () => {
    const r = lifecycle();
    expect(r.steps[3]!.rc).toBe("-EEXIST");
    expect(r.steps[3]!.decisions).toEqual([]);
    expect(r.steps[7]!.rc).toBe("-EEXIST"); // the dying guest's domid, held by its live device model
    expect(r.steps[7]!.why).toEqual([expect.stringMatching(/device model stubdom holds it/)]);
    expect(r.steps[9]!.rc).toBe(0);
    expect(r.state.domains.find((d) => d.name === "guest")).toMatchObject({ live: true, created: true });
    expect(r.state.domains.find((d) => d.name === "stubdom")).toMatchObject({ live: false, created: true });
    expect(r.state.domains.find((d) => d.name === "dom0")).not.toHaveProperty("created");
  });
});

/** A scenario on test/fixtures/transition/cond.conf (beside scenario.json): dom0 creates iso, unless `over` says otherwise. */
const base = (over: Partial<Scenario>): Scenario => ({
  name: "cond",
  xsm: "flask",
  policy: "cond.conf",
  domains: [
    { name: "dom0", domid: 0, context: "system_u:system_r:dom0_t", control: true, hardware: true },
    { name: "iso", domid: 5, context: "guest_u:guest_r:iso_t" },
  ],
  steps: [{ as: "dom0", op: "create_domain", domain: "iso" }],
  ...over,
});
const run = (s: Scenario) => runLoaded(parseScenario(s, join(repo, "test/fixtures/transition/scenario.json")));

describe("create_domain when something says no", () => {
  it("is denied domain:create by the policy, and the domain does not exist", () => {
    const r = run(base({ domains: [...base({}).domains, { name: "rogue", domid: 7, context: "guest_u:guest_r:domU_t" }], steps: [{ as: "dom0", op: "create_domain", domain: "iso" }, { as: "iso", op: "create_domain", domain: "rogue" }] }));
    expect(r.steps[0]!.rc).toBe(0);
    expect(r.steps[1]!.rc).toBe("-EACCES");
    expect(r.steps[1]!.decisions[0]).toMatchObject({ hook: "domain_create", perm: "create", allowed: false });
    expect(r.state.domains.find((d) => d.name === "rogue")!.live).toBe(false);
  });

  it("fails with -EACCES when the computed self label is invalid (compute_sid_handle_invalid_context)", () => {
    const r = run(base({ booleans: { iso_relabel: true } }));
    const step = r.steps[0]!;
    expect(step.rc).toBe("-EACCES");
    expect(step.decisions[1]).toMatchObject({ labels: "self", label: "guest_u:guest_r:iso_alt_t", allowed: false, rc: "-EACCES" });
    expect(step.decisions[1]!.error).toMatch(/^security_compute_sid: invalid context guest_u:guest_r:iso_alt_t for scontext=guest_u:guest_r:iso_t/);
    expect(r.state.domains.find((d) => d.name === "iso")!.live).toBe(false);
  });

  it("in permissive mode keeps the invalid label, as Xen does", () => {
    const step = run(base({ booleans: { iso_relabel: true }, enforcing: false })).steps[0]!;
    expect(step.decisions[1]).toMatchObject({ labels: "self", allowed: false, rc: 0 });
  });

  it("follows the boolean in force: the other branch labels the channel otherwise", () => {
    const on = run(base({})).steps[0]!.decisions.filter((d) => d.labels === "channel").map((d) => d.label);
    const off = run(base({ booleans: { iso_channels: false } })).steps[0]!.decisions.filter((d) => d.labels === "channel").map((d) => d.label);
    expect(on).toEqual(["guest_u:object_r:iso_chan_on_t", "guest_u:object_r:iso_chan_on_t"]);
    expect(off).toEqual(["guest_u:object_r:iso_chan_off_t", "guest_u:object_r:iso_chan_off_t"]);
  });

  it("destroys the half-built domain when a later hypercall is denied, as libxl does", () => {
    // cond.conf grants dom0 no domain:setdomainmaxmem on dm_t: max_mem fails after createdomain succeeded
    const dm = { name: "dm", domid: 9, context: "system_u:system_r:dm_t" };
    const r = run(base({ domains: [...base({}).domains, dm], steps: [{ as: "dom0", op: "create_domain", domain: "dm" }] }));
    const step = r.steps[0]!;
    expect(r.state.domains.find((d) => d.name === "dm")).toMatchObject({ live: false, created: true });
    expect(step.rc).toBe("-EACCES");
    const hooks = step.decisions.map((d) => `${d.hook} ${d.perm ?? d.labels}`);
    expect(hooks.slice(-2)).toEqual(["domctl setdomainmaxmem", "domctl destroy"]);
  });

  it("under the dummy module needs the control domain (do_domctl's XSM_PRIV)", () => {
    const r = run(
      base({
        xsm: "dummy",
        domains: [
          { name: "dom0", domid: 0, control: true, hardware: true },
          { name: "iso", domid: 5 },
          { name: "rogue", domid: 7 },
        ],
        steps: [
          { as: "dom0", op: "create_domain", domain: "iso" },
          { as: "iso", op: "create_domain", domain: "rogue" },
          { as: "iso", op: "destroy_domain", domain: "iso" },
        ],
      }),
    );
    expect(r.steps.map((s) => s.rc)).toEqual([0, "-EPERM", "-EPERM"]);
    expect(r.steps[0]!.decisions.map((d) => `${d.xen} ${d.action}`)).toEqual([
      "xsm_domctl XSM_PRIV",
      "xsm_domain_create XSM_HOOK",
      "xsm_domctl max_mem XSM_PRIV",
      "xsm_evtchn_unbound XSM_TARGET",
      "xsm_evtchn_unbound XSM_TARGET",
      "xsm_domctl unpausedomain XSM_PRIV",
    ]);
  });
});

describe("a role_transition for the new domain (security_compute_sid's role_tr lookup)", () => {
  it("labels the guest's self with the rule's role and names the rule in the trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-roletrans-"));
    const policy = readFileSync(join(repo, "examples/xen-flask/policy.conf"), "utf8")
      .replace("role vm_r;\n", "role vm_r;\nrole_transition system_r domU_t:domain vm_r;\n")
      .replace("user system_u roles { system_r };", "user system_u roles { system_r vm_r };");
    writeFileSync(join(dir, "policy.conf"), policy);
    writeFileSync(join(dir, "lifecycle.json"), readFileSync(join(repo, "examples/xen-flask/lifecycle.json"), "utf8"));
    const create = runLoaded(loadScenario(join(dir, "lifecycle.json"))).steps[1]!;
    const self = create.decisions[1]!;
    expect(self).toMatchObject({ labels: "self", label: "system_u:vm_r:domU_t_self", labelRule: "type_transition domU_t domU_t:domain domU_t_self;", labelRoleRule: "role_transition system_r domU_t:domain vm_r;" });
    expect(checkQuestion(self)).toBe(
      "domain_create: domU_t -> domU_t domain: self label domU_t_self by type_transition domU_t domU_t:domain domU_t_self; role vm_r by role_transition system_r domU_t:domain vm_r;",
    );
  });
});

describe("a label's trace line (checkQuestion)", () => {
  const label = { hook: "domain_create", domid: 0, allowed: true, rc: 0, scontext: "u:r:a_t:s0", tcontext: "u:r:a_t:s0", tclass: "domain", labels: "self", label: "u:vm_r:b_t:s1" } as const;
  it("a rule's own ';' ends its clause; the default is followed by a comma", () => {
    expect(checkQuestion({ ...label, labelRule: "type_transition a_t a_t:domain b_t;", labelRangeRule: "range_transition a_t a_t:domain s1;" })).toBe(
      "domain_create: a_t -> a_t domain: self label b_t by type_transition a_t a_t:domain b_t; range s1 by range_transition a_t a_t:domain s1;",
    );
    expect(checkQuestion({ ...label, labelRoleRule: "role_transition r a_t:domain vm_r;" })).toBe(
      "domain_create: a_t -> a_t domain: self label b_t (no type rule: the default), role vm_r by role_transition r a_t:domain vm_r;",
    );
    expect(checkQuestion({ ...label, label: "u:r:a_t:s0" })).toBe("domain_create: a_t -> a_t domain: self label a_t (no type rule: the default)");
  });
});

describe("a domain the scenario starts with", () => {
  // no create_domain step: iso exists from the start
  const start = (steps: Scenario["steps"]): RunResult => run(base({ steps }));

  it("has the self label its creation gave it, under the booleans the scenario starts with", () => {
    // iso_relabel picks iso's self label; flipping it after the start does not relabel iso
    const r = start([
      { op: "set_bool", name: "iso_relabel", value: true },
      { as: "iso", op: "destroy_domain", domain: "iso" },
    ]);
    expect(r.steps[1]!.decisions[0]).toMatchObject({ hook: "domctl", perm: "destroy", scontext: "guest_u:guest_r:iso_t", tcontext: "guest_u:guest_r:iso_t_self" });
  });

  it("keeps that label across a policy reload", () => {
    const r = start([
      { op: "load_policy", policy: "cond.conf" },
      { op: "set_bool", name: "iso_relabel", value: true },
      { as: "iso", op: "destroy_domain", domain: "iso" },
    ]);
    expect(r.steps[2]!.decisions[0]).toMatchObject({ tcontext: "guest_u:guest_r:iso_t_self" });
  });
});
