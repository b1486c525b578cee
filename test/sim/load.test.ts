// Scenario files: every mistake is reported before anything runs, at its JSON path, saying what
// was expected there.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatScenarioErrors, loadScenario, parseScenario } from "../../src/sim/load.js";
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
  return r.ok ? [] : r.error;
}

const at = (errors: ScenarioError[], path: string) => errors.filter((e) => e.path === path).map((e) => e.message);

describe("scenario schema", () => {
  it("accepts every example", () => {
    for (const name of ["nested-trust", "alejandro-authority", "stewart-hot-unplug", "jan-reassociate", "vf-before-pf", "vf-before-pf-add-pf", "dummy-module", "xen-4.19.0-vf-before-pf", "xsa-492-assign-order"]) {
      const r = loadScenario(join(examples, `${name}.json`));
      expect(r.ok ? [] : r.error, name).toEqual([]);
    }
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["an unknown strategy", { strategy: "yolo" }, "/strategy", /expected one of "upstream", "unlink-broken", .*"authority"; got "yolo"/],
    ["an unknown xsm module", { xsm: "selinux" }, "/xsm", /expected one of "flask", "dummy"/],
    ["an unknown iommu mode", { iommu: "maybe" }, "/iommu", /expected one of "intremap", "nointremap", "none"/],
    ["an unknown op", { steps: [{ as: "svp-hwdom", op: "pci_frob", sbdf: "0000:03:00.0" }] }, "/steps/0/op", /expected one of "pci_add_device", .*"set_enforcing", .*"unbind_pt_irq", .*; got "pci_frob"/],
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
    if (!r.ok) expect(r.error[0]!).toMatchObject({ path: "", line: 2, col: 1, message: "not JSON: expected a value, found the end of the file" });
  });
});

describe("scenario errors in one pass", () => {
  const work = mkdtempSync(join(tmpdir(), "xsm-load-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(work, name);
    writeFileSync(file, text);
    return file;
  };

  it.each([
    ["a trailing comma", '{\n  "name": "t",\n  "xsm": "dummy",\n}\n', 4, 1, "expected a property name in double quotes, found '}'"],
    ["a misspelt literal", '{"name": "t",\n "enforcing": tru }', 2, 15, "expected a value, found 't'"],
    ["a missing comma", '{"name": "t"\n "xsm": "dummy"}', 2, 2, "expected ',' or '}' after a property, found '\"'"],
    ["a raw newline in a string", '{"name": "a\nb"}', 1, 12, "a control character (e.g. a newline) inside a string; escape it"],
    ["text after the document", '{}\n{}', 2, 1, "unexpected '{' after the JSON document"],
  ])("a JSON syntax error (%s) has its line and column", (_what, text, line, col, message) => {
    const file = write("syntax.json", text);
    const r = loadScenario(file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toEqual([{ code: "scenario-file", severity: "error", path: "", line, col, message: `not JSON: ${message}` }]);
    expect(formatScenarioErrors(file, r.error)).toBe(`${file}:${line}:${col}: not JSON: ${message}\n`);
  });

  it("schema errors and meaning errors come together, in the document's order", () => {
    const errors = errorsOf(scenario({ strategy: "nope", steps: [{ as: "gvp9-hwdom", op: "pci_add_device", sbdf: "0000:03:20.0" }, { op: "frob" }] }));
    // (scenario() puts the steps before the strategy given here)
    expect(errors.map((e) => e.path)).toEqual(["/steps/0/as", "/steps/0/sbdf", "/steps/1/op", "/strategy"]);
    expect(errors[0]!.message).toMatch(/unknown domain "gvp9-hwdom"/);
  });

  it("a malformed document never crashes the meaning checks", () => {
    for (const doc of [{}, { domains: 3, steps: "x" }, { domains: [null, 1, { name: 5 }], steps: [null, { expect: { devices: [null, { owner: 1 }] } }] }, { xsm: "flask", policy: 7 }]) {
      expect(errorsOf(doc).length).toBeGreaterThan(0);
    }
  });

  it("a file over the size limit is refused with the limit named", () => {
    const file = write("big.json", `{"name": "${"x".repeat(2048)}"}`);
    const r = loadScenario(file, 1024);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]!.message).toBe("cannot read scenario: file is too large (0.0 MB; the limit for a scenario file is 0.0 MB)");
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
    const p = prepare(r.value);
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.error.map((e) => e.path)).toEqual(["/domains/1/context", "/booleans/nosuch"]);
    expect(p.error[0]!.message).toMatch(/invalid context "gvp1_u:system_r:gvp1_guest_t" for this policy/);
  });

  it("reports a policy that does not compile at /policy with its file and line", () => {
    const r = parseScenario(scenario({ policy: "broken-policy.conf" }), join(fixtures, "t.json"));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const p = prepare(r.value);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.error[0]!.message).toMatch(/^does not compile: broken-policy.conf:\d+:\d+: /);
  });
});

describe("a device model that exists from the start and a target made later", () => {
  it("is a scenario error at /domains/N/target, and nothing runs", () => {
    const loaded = parseScenario(
      {
        name: "late-target",
        xsm: "dummy",
        domains: [
          { name: "dom0", domid: 0, control: true, hardware: true },
          { name: "stubdom", domid: 2, target: "guest" },
          { name: "guest", domid: 1 },
          { name: "dm2", domid: 3, target: "guest" },
        ],
        steps: [
          { as: "dom0", op: "create_domain", domain: "guest" },
          { as: "dom0", op: "create_domain", domain: "dm2" },
        ],
      },
      "late.json",
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.code} ${e.path}: ${e.message}`)).toEqual([
      'scenario /domains/1/target: "guest" is made by /steps/0 (create_domain), so it does not exist when "stubdom" starts: a device model\'s target is set by XEN_DOMCTL_set_target, which needs both domains. Make "stubdom" with a create_domain step after it (libxl sets the target then)',
    ]);
  });
});

describe("a device model that exists from the start with a target Xen's set_target refuses", () => {
  // XEN_DOMCTL_set_target is the only way Xen sets d->target (every release tag's common/domctl.c),
  // and it refuses d == e (-EINVAL) and a target that is not HVM (!is_hvm_domain(e), -EOPNOTSUPP)
  const errors = (domains: object[], steps: object[] = []) => {
    const loaded = parseScenario({ name: "dm", xsm: "dummy", domains: [{ name: "dom0", domid: 0, control: true, hardware: true }, ...domains], steps } as never, "dm.json");
    return loaded.ok ? [] : loaded.error.map((e) => `${e.code} ${e.path}: ${e.message}`);
  };

  it("refuses a target that is not HVM at /domains/N/target, with the reason; nothing runs", () => {
    expect(errors([{ name: "pv", domid: 1 }, { name: "stubdom", domid: 2, target: "pv" }])).toEqual([
      'scenario /domains/2/target: "pv" is not an HVM guest (no "hvm": true), so "stubdom" cannot start as its device model: XEN_DOMCTL_set_target, the only way Xen sets d->target, refuses a target that is not HVM (!is_hvm_domain(e): -EOPNOTSUPP, in every release modelled), and a domain\'s type is fixed when it is created. Mark "pv" "hvm": true, or make "stubdom" with a create_domain step to see the refusal',
    ]);
    expect(errors([{ name: "pv", domid: 1, hvm: false }, { name: "stubdom", domid: 2, target: "pv" }])).toHaveLength(1);
  });

  it("refuses a domain that is its own target", () => {
    expect(errors([{ name: "stubdom", domid: 2, target: "stubdom" }])).toEqual([
      'scenario /domains/1/target: "stubdom" cannot be its own device model: XEN_DOMCTL_set_target refuses d == e (-EINVAL), and it is the only way Xen sets d->target',
    ]);
  });

  it("takes an HVM target, and leaves a device model made by create_domain to the step's -EOPNOTSUPP", () => {
    expect(errors([{ name: "hvm", domid: 1, hvm: true }, { name: "stubdom", domid: 2, target: "hvm" }])).toEqual([]);
    expect(errors([{ name: "pv", domid: 1 }, { name: "stubdom", domid: 2, target: "pv" }], [{ as: "dom0", op: "create_domain", domain: "stubdom" }])).toEqual([]);
  });
});
