// examples/api/*.ts run as a user runs them (`npx tsx examples/api/X.ts`, importing "xsm-policy").
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const run = (file: string) => execFileSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8" });

describe("library examples", () => {
  it("decide.ts answers, explains and reports a located error", () => {
    const out = run("examples/api/decide.ts");
    expect(out).toContain("svp_hwdom_t may unplug gvp1_pci_t: true");
    expect(out).toContain("gvp1_hwdom_t may unplug gvp2_pci_t: false");
    expect(out).toMatch(/granted-by: examples\/svp\/svp\.conf:\d+:/);
    expect(out).toMatch(/broken\.conf:\d+:\d+: error: unknown type no_such_t/);
  });

  it("registry.ts refuses the guest platform's PF removal with Xen's avc line, then the supervisor removes all", () => {
    const out = run("examples/api/registry.ts");
    expect(out).toContain("gvp1 removes the PF: -EACCES");
    expect(out).toContain(
      "avc:  denied  { unplug } for domid=1 device=0x300 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    );
    expect(out).toContain("svp removes the PF:  0");
    expect(out).toContain("devices left: []");
    expect(out).toContain("invariants: hold");
  });
});
