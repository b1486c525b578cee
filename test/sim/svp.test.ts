// The SVP extension: what platform blocks desugar to, the mistakes it reports, and that the
// printed policy.conf is the same policy (our compiler, and checkpolicy's recorded matrix).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { desugarPlatforms, expandPolicyText, printPolicyConf } from "../../src/policy/svp.js";

const root = join(import.meta.dirname, "../..");
const svpConf = readFileSync(join(root, "examples/svp/svp.conf"), "utf8");
const fixture = (name: string) => readFileSync(join(root, "test/fixtures/sim", name), "utf8");

function desugar(text: string, file = "t.conf") {
  const parsed = parsePolicy(text, file, { sections: false });
  expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return desugarPlatforms(parsed.ast);
}

const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error").map((d) => `${d.code}@${d.span?.line}: ${d.message}`);

/** A minimal Xen-target policy around some platform blocks. */
function policy(platforms: string, extra = ""): string {
  return `class resource
sid kernel
sid device
class resource { add remove use use_iommu use_iommu_nointremap use_noiommu stat_device add_device remove_device plug unplug setup }
type kernel_t;
type device_t;
${platforms}
${extra}
role system_r;
role system_r types { kernel_t svp_platform_domain };
role vm_r;
role vm_r types { gvp1_guests };
user system_u roles { system_r vm_r };
sid kernel system_u:system_r:kernel_t
sid device system_u:object_r:device_t
`;
}

const PLATFORMS = `platform svp supervisor {
  hwdom svp_hwdom_t;
  device svp_pci_t { 0000:03:00.0 };
}
platform gvp1 guest of svp {
  hwdom gvp1_hwdom_t;
  guest gvp1_guest_t;
  device gvp1_pci_t { 0000:03:10.0 0000:03:10.1 };
}`;

describe("platform desugaring", () => {
  it("gives the supervisor's hwdom every nested platform's devices and a guest platform's hwdom only its own", () => {
    const p = compilePolicy(policy(PLATFORMS), { file: "t.conf" });
    for (const perm of ["plug", "unplug", "setup", "add_device", "remove_device", "stat_device"]) {
      expect(p.allows("svp_hwdom_t", "svp_pci_t", "resource", perm)).toBe(true);
      expect(p.allows("svp_hwdom_t", "gvp1_pci_t", "resource", perm)).toBe(true);
      expect(p.allows("gvp1_hwdom_t", "gvp1_pci_t", "resource", perm)).toBe(true);
      expect(p.allows("gvp1_hwdom_t", "svp_pci_t", "resource", perm)).toBe(false);
    }
    expect(p.allows("svp_hwdom_t", "gvp1_guest_t", "resource", "add")).toBe(true);
    expect(p.allows("gvp1_hwdom_t", "gvp1_guest_t", "resource", "add")).toBe(true);
    expect(p.allows("gvp1_hwdom_t", "svp_hwdom_t", "resource", "add")).toBe(false);
    expect(p.allows("gvp1_guest_t", "gvp1_pci_t", "resource", "use_iommu")).toBe(true);
    expect(p.allows("gvp1_guest_t", "gvp1_pci_t", "resource", "use_noiommu")).toBe(false);
    expect(p.allows("gvp1_guest_t", "svp_pci_t", "resource", "use_iommu")).toBe(false);
    expect(p.allows("gvp1_guest_t", "gvp1_pci_t", "resource", "unplug")).toBe(false);
  });

  it("labels each SBDF with pcidevicecon (seg<<16 | bus<<8 | devfn) under the `sid device` user", () => {
    const p = compilePolicy(policy(PLATFORMS), { file: "t.conf" });
    expect(p.pcideviceContext(0x300)).toBe("system_u:object_r:svp_pci_t");
    expect(p.pcideviceContext(0x381)).toBe("system_u:object_r:gvp1_pci_t");
    expect(p.pcideviceContext(0x382)).toBeUndefined();
  });

  it("enforces isolation with neverallows that name the platform block", () => {
    const bad = policy(PLATFORMS, "allow gvp1_hwdoms svp_pci_t:resource unplug;");
    try {
      compilePolicy(bad, { file: "t.conf" });
      expect.unreachable("a guest platform's hwdom unplugging the supervisor's device must be refused");
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      const d = (err as PolicyError).diagnostics.find((x) => x.code === "neverallow");
      expect(d, JSON.stringify((err as PolicyError).diagnostics)).toBeDefined();
      expect(d!.span?.line).toBe(11); // the `platform gvp1` block
    }
  });

  it("joins types the policy declares itself through typeattribute, after their declaration", () => {
    const { ast, diagnostics } = desugar(policy(`type gvp1_guest_t;\n${PLATFORMS}`));
    expect(errors(diagnostics)).toEqual([]);
    const text = printPolicyConf(ast);
    expect(text).toMatch(/^type gvp1_guest_t;$/m);
    expect(text).toMatch(/^typeattribute gvp1_guest_t gvp1_platform_domain, gvp1_guests, gvp1_managed_domains, svp_managed_domains;$/m);
    expect(text.indexOf("attribute svp_managed_domains;")).toBeLessThan(text.indexOf("typeattribute gvp1_guest_t"));
    expect(() => compilePolicy(text, { file: "expanded.conf" })).not.toThrow();
  });

  it("declares a parent's attributes before a child declared above it uses them", () => {
    const swapped = `platform gvp1 guest of svp {\n  hwdom gvp1_hwdom_t;\n  guest gvp1_guest_t;\n}\nplatform svp supervisor {\n  hwdom svp_hwdom_t;\n}`;
    const { ast } = desugar(policy(swapped));
    const text = printPolicyConf(ast);
    expect(text.indexOf("attribute svp_managed_domains;")).toBeLessThan(text.indexOf("type gvp1_hwdom_t"));
    expect(() => compilePolicy(text, { file: "expanded.conf" })).not.toThrow();
  });

  it.each([
    ["an unknown parent", `platform gvp1 guest of nowhere { hwdom a_t; }`, /undeclared@1: platform gvp1 is a guest of nowhere/],
    ["a platform declared twice", `platform p supervisor { hwdom a_t; }\nplatform p supervisor { hwdom b_t; }`, /duplicate@2: platform p is declared twice/],
    ["a malformed SBDF", `platform p supervisor { device d_t { 0000:03:20.0 }; }`, /bad-sbdf@1: .*device 20 out of range/],
    ["an SBDF labeled twice", `platform p supervisor { device d_t { 0000:03:00.0 }; device e_t { 0000:03:00.0 }; }`, /duplicate@1: 0000:03:00.0 is already labeled/],
    ["a type in two platforms", `platform p supervisor { hwdom a_t; }\nplatform q guest of p { hwdom a_t; }`, /duplicate@2: a_t is already a member of platform p/],
    ["a nesting cycle", `platform p guest of q { hwdom a_t; }\nplatform q guest of p { hwdom b_t; }`, /platform-cycle@\d: platform [pq] is nested under itself/],
    ["an attribute as a member", `attribute a_t;\nplatform p supervisor { hwdom a_t; }`, /not-a-type@2: a_t is an attribute/],
  ])("reports %s at its line", (_what, text, want) => {
    const { diagnostics } = desugar(text);
    expect(errors(diagnostics).join("\n")).toMatch(want);
  });

  it("leaves a policy without platforms untouched", () => {
    const parsed = parsePolicy("type a_t;\n", "t.conf", { sections: false });
    const out = desugarPlatforms(parsed.ast);
    expect(out.ast).toBe(parsed.ast);
    expect(out.diagnostics).toEqual([]);
  });
});

describe("the expanded policy.conf (xsm compile --expand)", () => {
  const expanded = () => {
    const parsed = parsePolicy(svpConf, "examples/svp/svp.conf");
    return printPolicyConf(desugarPlatforms(parsed.ast).ast);
  };

  it("is what test/fixtures/sim/svp-expanded.conf records (regenerate.sh)", () => {
    expect(expanded()).toBe(fixture("svp-expanded.conf"));
  });

  it("is what expandPolicyText (xsm compile --expand) returns; a mistake returns no text and its diagnostics", () => {
    expect(expandPolicyText(svpConf, "examples/svp/svp.conf")).toEqual({ text: fixture("svp-expanded.conf"), diagnostics: [] });
    const bad = expandPolicyText(svpConf.replace("0000:03:10.2", "0000:03:10.9"), "svp.conf");
    expect(bad.text).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.code, d.span?.line])).toEqual([["bad-sbdf", 55]]);
  });

  it("compiles to the same matrix as the platform syntax", () => {
    const original = compilePolicy(svpConf, { file: "svp.conf" }).matrixJson();
    const plain = compilePolicy(expanded(), { file: "svp-expanded.conf" }).matrixJson();
    expect(plain).toBe(original);
  });

  it("has checkpolicy's matrix byte for byte (recorded by oracle-matrix)", () => {
    const ours = compilePolicy(svpConf, { file: "svp.conf" }).matrixJson().trim();
    expect(ours).toBe(fixture("svp-expanded.matrix.json").trim());
  });

  it("prints every statement kind back as checkpolicy syntax", () => {
    const text = `class c
sid s
common f { r }
class c inherits f { w }
attribute at;
type t alias { ta tb }, at;
typealias t alias tc;
typeattribute t at;
bool b true;
if (b && ! b) { allow t t:c r; } else { dontaudit t t:c w; }
allow { t -ta } ~t:c *;
type_transition t t:c t;
role r types t;
allow r r;
user u roles r;
constrain c { r w } (t1 == t2 or not (u1 != u2 and r1 == { r }));
validatetrans c (t1 == t2 or t3 == t);
sid s u:r:t
pirqcon 10 u:r:t
iomemcon 0x10-0x20 u:r:t
ioportcon 0x60 u:r:t
pcidevicecon 0x300 u:r:t
devicetreecon "/a/b" u:r:t
`;
    const parsed = parsePolicy(text, "t.conf", { sections: false });
    expect(parsed.diagnostics).toEqual([]);
    const printed = printPolicyConf(parsed.ast);
    const again = parsePolicy(printed, "t2.conf", { sections: false });
    expect(again.diagnostics).toEqual([]);
    expect(printPolicyConf(again.ast)).toBe(printed);
    expect(printed).toContain("if ((b && ! b)) {");
    expect(printed).toContain("allow { t -ta } ~t:c *;");
    expect(printed).toContain("iomemcon 0x10-0x20 u:r:t");
  });
});

describe("nesting", () => {
  it("lets each hwdom manage its own platform and every platform below it, never one beside or above", () => {
    const three = `platform svp supervisor { hwdom svp_hwdom_t; device svp_pci_t { 0000:01:00.0 }; }
platform gvp1 guest of svp { hwdom gvp1_hwdom_t; guest gvp1_guest_t; device gvp1_pci_t { 0000:02:00.0 }; }
platform inner guest of gvp1 { hwdom inner_hwdom_t; device inner_pci_t { 0000:03:00.0 }; }
platform gvp2 guest of svp { hwdom gvp2_hwdom_t; device gvp2_pci_t { 0000:04:00.0 }; }`;
    const p = compilePolicy(policy(three, "role system_r types { gvp1_hwdoms inner_hwdoms gvp2_hwdoms };"), { file: "t.conf" });
    const can = (s: string, t: string) => p.allows(s, t, "resource", "unplug");
    expect(["svp_pci_t", "gvp1_pci_t", "inner_pci_t", "gvp2_pci_t"].map((t) => can("svp_hwdom_t", t))).toEqual([true, true, true, true]);
    expect(["svp_pci_t", "gvp1_pci_t", "inner_pci_t", "gvp2_pci_t"].map((t) => can("gvp1_hwdom_t", t))).toEqual([false, true, true, false]);
    expect(["svp_pci_t", "gvp1_pci_t", "inner_pci_t", "gvp2_pci_t"].map((t) => can("inner_hwdom_t", t))).toEqual([false, false, true, false]);
    expect(p.allows("gvp1_hwdom_t", "inner_hwdom_t", "resource", "add")).toBe(true);
    expect(p.allows("inner_hwdom_t", "gvp1_guest_t", "resource", "add")).toBe(false);
  });
});
