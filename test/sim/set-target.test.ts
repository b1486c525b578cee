// examples/xen-flask/set-target.json: XEN_DOMCTL_set_target as a step of its own. Read at the tags'
// xen/common/domctl.c: up to RELEASE-4.19.5, 4.20.3 and 4.21.1 the command is handled after
// xsm_domctl and refuses a domain with a target (-EINVAL) before xsm_set_target (XSM_HOOK); from
// RELEASE-4.19.6, 4.20.4, 4.21.2 and 4.22.0 (XSA-492) before xsm_domctl, xsm_set_target (XSM_PRIV)
// first and cmpxchgptr's -EINVAL after it, flask_set_target's target_sid already written. Its AVC
// questions are decided as oracle-decide decided them (test/fixtures/xen-flask/set-target.oracle.json).
// UPDATE_GOLDEN=1 rewrites the trace.
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
const file = join(root, "examples/xen-flask/set-target.json");
const example = relative(process.cwd(), file);
const read = (): Scenario => JSON.parse(readFileSync(file, "utf8")) as Scenario;
const runAs = (s: Scenario) => runPrepared(prepared(parseScenario(s, file)));
const perms = (r: ReturnType<typeof runAs>, n: number) => r.steps[n]!.decisions.filter((d) => d.perm !== undefined).map((d) => d.perm);

describe("examples/xen-flask/set-target.json", () => {
  const r = exampleOnXenPolicy(example, join(root, "test/fixtures/xen-flask/set-target.oracle.json"), 5);

  it("4.22.0: refusals before any question, then flask_set_target; a target already set is -EINVAL after the hook", () => {
    expect(r.steps.map((s) => s.rc)).toEqual(["-EOPNOTSUPP", "-EINVAL", 0, "-EINVAL", "-EACCES"]);
    expect([r.steps[0]!.decisions, r.steps[1]!.decisions]).toEqual([[], []]);
    expect(perms(r, 2)).toEqual(["make_priv_for", "set_as_target", "set_target"]);
    expect(r.steps[2]!.decisions.at(-1)).toMatchObject({ labels: "target", label: "system_u:system_r:domU_t_target" });
    expect(perms(r, 3)).toEqual(["make_priv_for", "set_as_target", "set_target"]);
    expect(r.steps[3]!.why!.join(" ")).toContain("cmpxchgptr(&d->target, NULL, e) finds dm's target (guest) set");
    expect(r.steps[4]!.decisions.at(-1)).toMatchObject({ perm: "set_as_target", allowed: false });
  });

  it("prints the trace", async () => {
    const out = await xsm("simulate", example);
    expect([out.code, out.stderr]).toEqual([0, ""]);
    golden("set-target.trace.txt", out.stdout);
  });

  it("every release: before XSA-492 a target already set is -EINVAL with no question, after it xsm_set_target answers first", () => {
    for (const release of XEN_RELEASES) {
      const run = runAs({ ...read(), xen: release });
      const xsa492 = xenBehaviour(release).assignCheck === "xsm_domctl";
      expect(run.steps.map((s) => s.rc), release).toEqual(["-EOPNOTSUPP", "-EINVAL", 0, "-EINVAL", xsa492 ? "-EACCES" : "-EINVAL"]);
      for (const n of [3, 4]) expect(perms(run, n).length > 0, `${release} step ${n + 1}`).toBe(xsa492);
    }
  });

  it("a pair made lets the device model act as one (dummy.h's XSM_TARGET for its target only)", () => {
    const s = { ...read(), xsm: "dummy" as const, policy: undefined };
    const steps = [
      { as: "dom0", op: "set_target", domain: "dm", target: "guest" },
      { as: "dm", op: "evtchn_status", domain: "guest", port: 1 },
      { as: "dm", op: "evtchn_status", domain: "guest2", port: 1 },
    ] as Scenario["steps"];
    const run = runAs({ ...s, steps });
    // xsm_evtchn_status is XSM_TARGET: the device model may ask about its target's channels, not guest2's
    expect(run.steps.map((x) => x.rc)).toEqual([0, 0, "-EPERM"]);
  });

  it("the dummy module: xsm_domctl (XSM_PRIV) then the refusals before XSA-492; after it the refusals then xsm_set_target (XSM_PRIV)", () => {
    const s = { ...read(), xsm: "dummy" as const, policy: undefined };
    const at = (xen: "4.20.3" | "4.22.0") => runAs({ ...s, xen }).steps.map((x) => [x.rc, x.decisions.map((d) => `${d.xen} ${d.action}`)]);
    expect(at("4.20.3")).toEqual([
      ["-EOPNOTSUPP", ["xsm_domctl XSM_PRIV"]],
      ["-EINVAL", ["xsm_domctl XSM_PRIV"]],
      [0, ["xsm_domctl XSM_PRIV", "xsm_set_target XSM_HOOK"]],
      ["-EINVAL", ["xsm_domctl XSM_PRIV"]],
      ["-EINVAL", ["xsm_domctl XSM_PRIV"]],
    ]);
    expect(at("4.22.0")).toEqual([
      ["-EOPNOTSUPP", []],
      ["-EINVAL", []],
      [0, ["xsm_set_target XSM_PRIV"]],
      ["-EINVAL", ["xsm_set_target XSM_PRIV"]],
      ["-EINVAL", ["xsm_set_target XSM_PRIV"]],
    ]);
    // an unprivileged caller: before XSA-492 xsm_domctl refuses it first, after it the refusals come first
    const guest = (xen: "4.20.3" | "4.22.0") => runAs({ ...s, xen, steps: [{ as: "guest", op: "set_target", domain: "dm", target: "pv-guest" }] as Scenario["steps"] }).steps[0]!.rc;
    expect([guest("4.20.3"), guest("4.22.0")]).toEqual(["-EPERM", "-EOPNOTSUPP"]);
  });

  it("a target neither running nor dying is -ESRCH (get_domain_by_id); a device model that is not there is do_domctl's", () => {
    const s = read();
    const later = { ...s, domains: [...s.domains, { name: "late", domid: 9, context: "system_u:system_r:domU_t", hvm: true }], steps: [{ as: "dom0", op: "set_target", domain: "dm", target: "late" }, { as: "dom0", op: "create_domain", domain: "late" }] } as Scenario;
    const run = runAs(later);
    expect(run.steps[0]!.rc).toBe("-ESRCH");
    expect(run.steps[0]!.why!.join(" ")).toContain("get_domain_by_id finds no domain 9");
  });

  it("refuses an unknown target at its JSON path", () => {
    const s = read();
    const l = parseScenario({ ...s, steps: [{ as: "dom0", op: "set_target", domain: "dm", target: "nosuch" }] } as unknown as Scenario, file);
    expect(l.ok ? [] : l.error.map((e) => `${e.path}: ${e.message}`)).toEqual([expect.stringMatching(/^\/steps\/0\/target: unknown domain "nosuch"/)]);
    const m = parseScenario({ ...s, steps: [{ as: "dom0", op: "set_target", domain: "dm" }] } as unknown as Scenario, file);
    expect(m.ok ? [] : m.error.map((e) => `${e.path}: ${e.message}`)).toEqual(["/steps/0/target: missing; it is required here"]);
  });
});
