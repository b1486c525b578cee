// Scenario files: every mistake is reported before anything runs, at its JSON path, saying what
// was expected there.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { prepare } from "../../src/sim/run.js";
import type { ScenarioError } from "../../src/sim/scenario.js";

const fixtures = join(import.meta.dirname, "../fixtures/sim");
const examples = join(import.meta.dirname, "../../examples/svp");

const DOMAINS = [
  { name: "svp-hwdom", domid: 0, context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true },
  { name: "gvp1-guest", domid: 2, context: "gvp1_u:vm_r:gvp1_guest_t" },
];

/** A valid scenario next to examples/svp/svp.conf, with `patch` applied. */
function scenario(patch: Record<string, unknown> = {}) {
  return {
    name: "t",
    policy: "svp.conf",
    xsm: "flask",
    domains: DOMAINS,
    steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" }],
    ...patch,
  };
}

function errorsOf(data: unknown, file = join(examples, "t.json")): ScenarioError[] {
  const r = parseScenario(data, file);
  return r.ok ? [] : r.errors;
}

const at = (errors: ScenarioError[], path: string) => errors.filter((e) => e.path === path).map((e) => e.message);

describe("scenario schema", () => {
  it("accepts every example", () => {
    for (const name of ["nested-trust", "alejandro-authority", "stewart-hot-unplug", "jan-reassociate", "vf-before-pf", "vf-before-pf-add-pf", "dummy-module"]) {
      const r = loadScenario(join(examples, `${name}.json`));
      expect(r.ok ? [] : r.errors, name).toEqual([]);
    }
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["an unknown strategy", { strategy: "yolo" }, "/strategy", /expected one of "upstream", "unlink-broken", .*"authority"; got "yolo"/],
    ["an unknown xsm module", { xsm: "selinux" }, "/xsm", /expected one of "flask", "dummy"/],
    ["an unknown iommu mode", { iommu: "maybe" }, "/iommu", /expected one of "intremap", "nointremap", "none"/],
    ["an unknown op", { steps: [{ as: "svp-hwdom", op: "pci_frob", sbdf: "0000:03:00.0" }] }, "/steps/0/op", /expected one of "pci_add_device", .*"set_enforcing"; got "pci_frob"/],
    ["a malformed SBDF", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "03:00" }] }, "/steps/0/sbdf", /expected a PCI address .*SSSS:BB:DD.F.*; got "03:00"/],
    ["a missing sbdf", { steps: [{ as: "svp-hwdom", op: "setup_device" }] }, "/steps/0/sbdf", /missing; it is required/],
    ["a missing target domain", { steps: [{ as: "svp-hwdom", op: "assign_device", sbdf: "0000:03:00.0" }] }, "/steps/0/domain", /missing; it is required/],
    ["a misspelt property", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:10.0", phsyfn: "0000:03:00.0" }] }, "/steps/0/phsyfn", /unknown property; expected one of .*physfn/],
    ["a bad rc", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0", expect: { rc: "EBUSY" } }] }, "/steps/0/expect/rc", /expected 0 or a negative errno name/],
    ["a domid out of range", { domains: [{ ...DOMAINS[0], domid: 40000 }] }, "/domains/0/domid", /must be <= 32767/],
    ["a string enforcing", { enforcing: "yes" }, "/enforcing", /expected boolean; got "yes"/],
    ["set_bool without a value", { steps: [{ op: "set_bool", name: "b" }] }, "/steps/0", /expected .*give `name` and `value`, or `bools`/],
  ])("reports %s at its path", (_what, patch, path, message) => {
    const errors = errorsOf(scenario(patch));
    expect(at(errors, path).join("\n"), JSON.stringify(errors)).toMatch(message);
  });

  it("reports every mistake of a file at once, at the root when the file is not JSON", () => {
    const errors = errorsOf(scenario({ strategy: "x", iommu: "y", steps: [{ as: "svp-hwdom", op: "nope" }] }));
    expect(errors.map((e) => e.path).sort()).toEqual(["/iommu", "/steps/0/op", "/strategy"]);
    const r = loadScenario(join(fixtures, "not-json.json"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!).toMatchObject({ path: "", message: expect.stringMatching(/^not JSON/) });
  });
});

describe("scenario meaning", () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["an unknown caller", { steps: [{ as: "gvp9-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" }] }, "/steps/0/as", /unknown domain "gvp9-hwdom"; expected one of svp-hwdom, gvp1-guest/],
    ["an unknown target", { steps: [{ as: "svp-hwdom", op: "assign_device", sbdf: "0000:03:00.0", domain: "nobody" }] }, "/steps/0/domain", /unknown domain "nobody"/],
    ["an SBDF out of range", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:20.0" }] }, "/steps/0/sbdf", /device 20 out of range/],
    ["a VF that is its own PF", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:10.0", physfn: "0000:03:10.0" }] }, "/steps/0/physfn", /its own PF/],
    ["flask without a policy", { policy: undefined }, "/policy", /xsm flask needs a policy file/],
    ["flask without a context", { domains: [{ name: "d", domid: 0 }], steps: [] }, "/domains/0/context", /needs every domain's security context/],
    ["a policy file that is not there", { policy: "missing.conf" }, "/policy", /policy file "missing.conf" not found .*relative to the scenario file/],
    ["a duplicate domid", { domains: [DOMAINS[0], { ...DOMAINS[1], domid: 0 }] }, "/domains/1/domid", /duplicate domid 0/],
    ["a flask op under dummy", { xsm: "dummy", policy: undefined, steps: [{ op: "set_enforcing", enforcing: false }] }, "/steps/0/op", /set_enforcing needs "xsm": "flask"/],
    ["an unknown owner in an expectation", { steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0", expect: { devices: [{ sbdf: "0000:03:00.0", owner: "ghost" }] } }] }, "/steps/0/expect/devices/0/owner", /unknown domain "ghost"/],
  ])("reports %s at its path", (_what, patch, path, message) => {
    const errors = errorsOf(scenario(patch));
    expect(at(errors, path).join("\n"), JSON.stringify(errors)).toMatch(message);
  });

  it("checks contexts and booleans against the compiled policy before running", () => {
    const r = parseScenario(scenario({ domains: [DOMAINS[0], { ...DOMAINS[1], context: "gvp1_u:system_r:gvp1_guest_t" }], booleans: { nosuch: true } }), join(examples, "t.json"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = prepare(r);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.errors.map((e) => e.path)).toEqual(["/domains/1/context", "/booleans/nosuch"]);
    expect(p.errors[0]!.message).toMatch(/invalid context "gvp1_u:system_r:gvp1_guest_t" for this policy/);
  });

  it("reports a policy that does not compile at /policy with its file and line", () => {
    const r = parseScenario(scenario({ policy: "broken-policy.conf" }), join(fixtures, "t.json"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = prepare(r);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.errors[0]!.message).toMatch(/^does not compile: broken-policy.conf:\d+:\d+: /);
  });
});
