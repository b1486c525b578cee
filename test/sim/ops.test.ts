// The flask operations a scenario can make between hypercalls (set_bool, load_policy,
// set_enforcing), a constraint denial, and the remaining PCI ops, from test/fixtures/sim/flask-ops.json.
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { runPrepared, type RunResult } from "../../src/sim/run.js";
import { prepared } from "./support.js";

function run(): RunResult {
  return runPrepared(prepared(loadScenario(join(import.meta.dirname, "../fixtures/sim/flask-ops.json"))));
}

it("meets every expectation of flask-ops.json", () => {
  const r = run();
  expect(r.steps.flatMap((s) => s.expect.filter((e) => !e.ok))).toEqual([]);
});

it("a refused policy load logs why and keeps the running policy", () => {
  const r = run();
  expect(r.steps[9]!.rc).toBe("-EINVAL");
  // the diagnostic names its file and line; the step's policy is not said again before them
  expect(r.steps[9]!.log.join("\n")).toMatch(/flask: broken-policy.conf:\d+:\d+: \S/);
  expect(r.steps[9]!.log.join("\n")).not.toMatch(/broken-policy.conf: broken-policy.conf/);
  expect(r.steps[10]!.rc).toBe("-EOPNOTSUPP"); // gvp1_noiommu still true under the old policy: flask allows, then no IOMMU
});

it("permissive mode logs the denial and lets the operation through", () => {
  const step = run().steps[12]!;
  expect(step.decisions[0]).toMatchObject({ perm: "unplug", allowed: false, rc: 0 });
  expect(step.audit[0]).toMatch(/^avc: {2}denied {2}\{ unplug \} for domid=1 device=0x300 .*tclass=resource/);
});

it("a context the policy's constraint refuses is denied like any rule", () => {
  const step = run().steps[7]!;
  expect(step.decisions.map((d) => [d.perm, d.allowed])).toEqual([["add", false]]);
});

it("runs share compiled policies without sharing boolean values", () => {
  const a = run();
  const b = run();
  expect(b.steps.map((s) => s.rc)).toEqual(a.steps.map((s) => s.rc));
});
