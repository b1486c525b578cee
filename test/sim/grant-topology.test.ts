// The grant picture: `xsm simulate --dot/--svg` (and the studio, through the same Topology) draws
// each live domain's mappings of another's grants as one edge from the granter to the mapper,
// labelled with the refs and ro/rw, as it draws event channels; a granter dying while mapped keeps
// its edges. UPDATE_GOLDEN=1 rewrites the DOT golden.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildTopology, grantLabel, topologyDot, type MappingInput } from "../../src/sim/topology.js";
import { studioStyle } from "../../src/studio/page/topology-style.js";
import { xsm } from "../cli/run.js";
import { golden } from "./support.js";

const grants = "examples/xen-flask/grants.json";

const input = (domains: { name: string; domid: number; live: boolean; mappings?: MappingInput[] }[]) =>
  buildTopology({
    title: "t",
    caption: "c",
    platforms: [],
    domains: domains.map((d) => ({ ...d, hardware: false, control: false })),
    devices: [],
    stale: [],
    labelOf: () => null,
    denied: [],
  });

describe("grant mappings in the picture", () => {
  it("--dot draws granter -> mapper edges with the refs, read-only or writable", async () => {
    const r = await xsm("simulate", grants, "--dot", "--until", "9");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('"web" -> "dom0" [color=darkgreen, fontcolor=darkgreen, label="grant ref 8 rw, ref 9 ro"];');
    expect(r.stdout).toContain('"web" -> "xenstore" [color=darkgreen, fontcolor=darkgreen, label="grant ref 1 rw"];');
    golden("grants.until9.dot", r.stdout);
  });

  it("a granter dying while mapped keeps its edges, drawn from its destroyed node; the last unmap takes them", async () => {
    const dying = await xsm("simulate", grants, "--dot", "--until", "26");
    expect(dying.stdout).toContain('"web" [shape=box, style="rounded,dashed", label="web (d2)\\ndomU_t\\nDESTROYED"');
    expect(dying.stdout).toContain('"web" -> "dom0" [color=darkgreen, fontcolor=darkgreen, label="grant ref 9 ro"];');
    const end = await xsm("simulate", grants, "--dot");
    expect(end.stdout).not.toContain("grant ref");
  });

  it("groups a mapper's mappings by granter, refs in order; a destroyed mapper has none; the studio gives each edge an id", () => {
    const t = input([
      { name: "a", domid: 1, live: true, mappings: [{ handle: 3, domid: 2, ref: 9, readonly: true }, { handle: 0, domid: 2, ref: 8, readonly: false }, { handle: 1, domid: 3, ref: 1, readonly: false }] },
      { name: "b", domid: 2, live: true },
      { name: "c", domid: 3, live: false },
      { name: "gone", domid: 4, live: false, mappings: [{ handle: 0, domid: 2, ref: 1, readonly: false }] },
    ]);
    expect(t.grants).toEqual([
      { from: "b", to: "a", maps: [{ ref: 8, readonly: false, handle: 0 }, { ref: 9, readonly: true, handle: 3 }] },
      { from: "c", to: "a", maps: [{ ref: 1, readonly: false, handle: 1 }] },
    ]);
    expect(grantLabel(t.grants[0]!)).toBe("grant ref 8 rw, ref 9 ro");
    expect(topologyDot(t, studioStyle(null))).toContain('"b" -> "a" [id="grant-b-a", class="grant"');
  });

  it("property: every live domain's mapping is on exactly one edge, from its granter to it", () => {
    const mapping = fc.record({ handle: fc.nat(600), domid: fc.integer({ min: 0, max: 4 }), ref: fc.nat(1023), readonly: fc.boolean() });
    const domain = (domid: number) => fc.record({ name: fc.constant(`d${domid}x` as string), domid: fc.constant(domid), live: fc.boolean(), mappings: fc.array(mapping, { maxLength: 6 }) });
    fc.assert(
      fc.property(fc.tuple(domain(0), domain(1), domain(2), domain(3)), (doms) => {
        const t = input(doms);
        const want = doms.filter((d) => d.live).flatMap((d) => d.mappings.map((m) => `${m.domid}>${d.name} ${m.ref} ${m.readonly} ${m.handle}`));
        const names = new Map(doms.map((d) => [d.name, d.domid]));
        const got = t.grants.flatMap((g) => g.maps.map((m) => `${names.get(g.from) ?? Number(g.from.slice(1))}>${g.to} ${m.ref} ${m.readonly} ${m.handle}`));
        expect(got.sort()).toEqual(want.sort());
        const pairs = t.grants.map((g) => `${g.from}>${g.to}`);
        expect(new Set(pairs).size).toBe(pairs.length);
      }),
      { numRuns: 150 },
    );
  });
});
