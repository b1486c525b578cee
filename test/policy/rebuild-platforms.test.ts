// A binary keeps no `platform` blocks, only what svp.ts desugars them to; rebuild-platforms.ts reads
// the platforms back from those attributes and pcidevicecon entries. For examples/svp/svp.conf the
// rebuilt platforms are the blocks as written; where a binary cannot hold a platform's place in the
// nesting (no hwdom, guest or device of its own) the rebuild says which.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { rebuildPlatforms, unplacedNote } from "../../src/policy/rebuild-platforms.js";
import { platformsOf } from "../../src/sim/topology.js";

const svp = readFileSync(join(import.meta.dirname, "../../examples/svp/svp.conf"), "utf8");

/** The platforms of `text`'s binary, without the spans (lines of the binary's listing). */
function rebuilt(text: string) {
  const { platforms, unplaced } = rebuildPlatforms(loadBinary(toBinary(text, { file: "p.conf" }).bytes, "p.bin").symbols);
  return { platforms: platforms.map(({ span: _span, ...p }) => p), unplaced };
}

/** A policy whose platform blocks are `blocks`, each hwdom type declared (and in a role). */
function policy(blocks: string, hwdoms: string[]): string {
  return [
    "class xen", "class domain", "class resource",
    "sid xen", "sid device",
    "class xen { physinfo }", "class domain { create }",
    "class resource { add remove plug unplug setup add_device remove_device stat_device use use_iommu use_iommu_nointremap }",
    "type xen_t;", "type pci_t;",
    ...hwdoms.map((t) => `type ${t};`),
    blocks,
    "allow xen_t xen_t:xen physinfo;",
    "role system_r;", `role system_r types { xen_t ${hwdoms.join(" ")} };`,
    "user system_u roles { system_r };",
    "sid xen system_u:system_r:xen_t", "sid device system_u:object_r:xen_t",
  ].join("\n");
}

describe("rebuildPlatforms", () => {
  it("reads svp.conf's binary back into the platform blocks as written", () => {
    const source = platformsOf(parsePolicy(svp, "svp.conf").ast.statements);
    expect(source.map((p) => p.name)).toEqual(["svp", "gvp1", "gvp2"]);
    expect(rebuilt(svp)).toEqual({ platforms: source, unplaced: [] });
  });

  it("places a platform with no members of its own above the one it holds", () => {
    const text = policy("platform top supervisor {\n}\nplatform mid guest of top {\n  hwdom b_t;\n}\nplatform x supervisor {\n  hwdom a_t;\n}", ["a_t", "b_t"]);
    const r = rebuilt(text);
    // (in the binary's order of their attributes, which need not be the blocks')
    const placed = r.platforms.map((p) => [p.name, p.level, p.parent]).sort();
    expect(placed).toEqual([["mid", "guest", "top"], ["top", "supervisor", null], ["x", "supervisor", null]]);
    expect(r.unplaced).toEqual([]);
  });

  it("says which platforms it cannot place: one that manages nothing, two memberless ones holding the same", () => {
    // g holds nothing at all: its `guest of x` is not in the binary
    const empty = rebuilt(policy("platform x supervisor {\n  hwdom a_t;\n}\nplatform g guest of x {\n}", ["a_t"]));
    expect(empty.platforms.find((p) => p.name === "g")).toMatchObject({ level: "supervisor", parent: null });
    expect(empty.unplaced).toEqual(["g"]);
    // m1 and m2 both manage only c's hwdom: which of them holds the other is not in the binary
    const twins = rebuilt(policy("platform m1 supervisor {\n}\nplatform m2 guest of m1 {\n}\nplatform c guest of m2 {\n  hwdom a_t;\n}", ["a_t"]));
    expect([...twins.unplaced].sort()).toEqual(["c", "m1", "m2"]);
    expect(unplacedNote(["m1", "m2"])).toContain("where platforms m1, m2 nest is not among them");
    expect(unplacedNote(["g"])).toContain("where platform g nests is not among them");
    expect(unplacedNote([])).toBeUndefined();
  });
});
