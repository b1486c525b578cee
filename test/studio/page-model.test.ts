// What the studio page knows, tested under Node: the names of a policy (hover, definitions, outline,
// platforms) and the platform picture's DOT after a step, as the studio styles it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/parse.js";
import { loadScenario } from "../../src/sim/load.js";
import { prepare, runPrepared, type Prepared } from "../../src/sim/run.js";
import { indexNames, NAME_KINDS } from "../../src/policy/name-index.js";
import { indexPolicy } from "../../src/studio/page/symbols.js";
import { runTopology } from "../../src/sim/report.js";
import { topologyDot } from "../../src/sim/topology.js";
import { studioStyle } from "../../src/studio/page/topology-style.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const text = readFileSync(join(examples, "svp.conf"), "utf8");
const index = indexPolicy(parsePolicy(text, "svp.conf").ast);

describe("the policy's names", () => {
  it("points each name at its declaration", () => {
    const at = (name: string) => {
      const s = index.symbols.get(name)!;
      return text.slice(s.span.offset, s.span.offset + s.span.length);
    };
    expect(at("xen_t")).toBe("xen_t");
    expect(at("resource")).toBe("resource");
    expect(at("gvp1_pci_t")).toBe("gvp1_pci_t"); // declared by its platform block
    expect(at("gvp1")).toBe("gvp1");
    expect(index.symbols.get("gvp1_hwdoms")!.kind).toBe("attribute"); // made by platform gvp1
  });

  it("says what a name is on hover", () => {
    expect(index.symbols.get("gvp1_pci_t")!.detail).toContain("device label of platform gvp1: 0000:03:10.0 0000:03:10.2 0000:04:10.0 0000:05:00.0");
    expect(index.symbols.get("gvp1_pci_t")!.detail.join("\n")).toMatch(/attributes: .*gvp1_devices.*svp_managed_devices/);
    expect(index.symbols.get("gvp1_hwdoms")!.detail).toContain("members: gvp1_hwdom_t");
    expect(index.symbols.get("resource")!.detail[0]).toMatch(/^permissions: add remove use .* plug unplug setup$/);
    expect(index.perms.get("unplug")).toEqual(["resource"]);
    expect(index.symbols.get("gvp2")!.detail).toEqual(["guest platform of svp", "hwdom: gvp2_hwdom_t", "guest: gvp2_guest_t", "device gvp2_pci_t: 0000:03:10.1 0000:03:10.3 0000:04:10.1 0000:05:10.0"]);
  });

  it("outlines platforms nested as declared, then classes, permissions, names by kind, ocontexts and rules", () => {
    expect(index.outline.map((g) => g.title)).toEqual(["Platforms", "Classes", "Permissions", "Types", "Attributes", "Roles", "Users", "Initial SIDs", "Ocontexts", "Rules"]);
    expect(index.outline[0]!.items.map((i) => [i.name, i.depth])).toEqual([["svp", 0], ["gvp1", 1], ["gvp2", 1]]);
    // an ocontext says its label's type, its whole context on hover
    const pci = index.outline.find((g) => g.title === "Ocontexts")!.items.find((i) => i.name === "pcidevicecon 0x300")!;
    expect([pci.note, pci.title]).toEqual(["svp_pci_t", "system_u:object_r:svp_pci_t"]);
  });
});

describe("the platform picture", () => {
  const loaded = loadScenario(join(examples, "nested-trust.json"));
  if (!loaded.ok) throw new Error("nested-trust.json does not load");
  const p = prepare(loaded.value);
  if (!p.ok) throw new Error("nested-trust.json does not prepare");
  const prepared: Prepared = p.value;
  const dotAfter = (strategy: "upstream" | "authority", step: number) => {
    const run = runPrepared(prepared, { strategy, until: step });
    return { run, dot: topologyDot(runTopology(run, prepared), studioStyle(run.steps[step - 1]!.sbdf)) };
  };
  const node = (dot: string, id: string) => dot.split("\n").find((l) => l.includes(`id="${id}"`)) ?? "";

  it("nests the guest platforms' clusters inside the supervisor's", () => {
    const { dot } = dotAfter("upstream", 5);
    const svp = dot.indexOf('subgraph "cluster_svp"');
    const gvp1 = dot.indexOf('subgraph "cluster_gvp1"');
    expect(svp).toBeGreaterThan(0);
    expect(gvp1).toBeGreaterThan(svp);
    expect(dot.slice(svp, gvp1)).not.toMatch(/\n  }\n/); // svp's cluster is still open at gvp1's
  });

  it("marks the PF and its VF broken after step 14 under upstream, greys the destroyed domains", () => {
    const { run, dot } = dotAfter("upstream", 14);
    const broken = run.state.devices.filter((d) => d.broken);
    expect(broken.map((d) => d.kind).sort()).toEqual(["pf", "vf"]);
    for (const d of broken) expect(node(dot, `dev-${d.sbdf}`)).toMatch(/class="device (pf|vf) broken.*BROKEN/);
    expect(node(dot, "dev-0000:04:00.0")).toMatch(/BROKEN · STALE/);
    expect(node(dot, "dom-gvp1-hwdom")).toMatch(/class="domain destroyed", shape=box, style="rounded,filled,dashed", fillcolor="#e5e7eb".*destroyed/);
    expect(node(dot, "dom-gvp2-hwdom")).not.toMatch(/destroyed/);
  });

  it("draws the step's denied access in red", () => {
    const { run, dot } = dotAfter("authority", 10);
    expect(run.steps[9]!.rc).toBe("-EACCES");
    expect(dot).toMatch(/"gvp1-hwdom" -> "0000:03:00.0" \[id="denied-\d+", class="denied", color="#dc2626".*label="unplug denied"/);
  });
});

describe("a role attribute is declared where checkpolicy declares it", () => {
  it("at its attribute_role, not a later `role` line: the studio's declarations are the shared name index's", () => {
    for (const file of ["attrboth.conf", "undeclared.conf", "objr.conf"]) {
      const conf = readFileSync(join(import.meta.dirname, "../fixtures/role-dominance", file), "utf8");
      const ast = parsePolicy(conf, file).ast;
      const names = indexNames(ast);
      const declared = new Map<string, number>();
      for (let i = 0; i < names.count; i++) {
        const name = names.names[names.name[i]!]!;
        if (NAME_KINDS[names.kind[i]!] === "role" && names.decl[i] === 1 && !declared.has(name)) declared.set(name, names.offset[i]!);
      }
      const roles = [...indexPolicy(ast).symbols.values()].filter((s) => s.kind === "role");
      expect(new Map(roles.map((s) => [s.name, s.span.offset])), file).toEqual(declared);
    }
    const conf = readFileSync(join(import.meta.dirname, "../fixtures/role-dominance/attrboth.conf"), "utf8");
    const ra = indexPolicy(parsePolicy(conf, "attrboth.conf").ast).symbols.get("ra")!;
    expect(conf.slice(0, ra.span.offset).split("\n").pop()).toBe("attribute_role ");
  });
});
