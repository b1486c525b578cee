// audit2allow -R's ranking of interface calls: src/analysis/interface-match.ts gives the distance
// sepolgen's AccessMatcher.av_set_match gives (recorded by scripts/gen-interface-distance-fixture.ts
// from Debian's python3-sepolgen under xsm's Xen map): the calls xsm allow -R offers on
// examples/xen-flask, and made-up sets for the information-flow penalty, a set that covers nothing,
// self, permissions and classes the map lacks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { interfaceDistance, type InterfaceAccess } from "../../src/analysis/interface-match.js";
import { parsePermMap } from "../../src/analysis/permmap.js";

interface Case {
  want: InterfaceAccess;
  access: InterfaceAccess[];
  params: string[];
  sepolgen: number;
}

const cases = JSON.parse(readFileSync("test/fixtures/analysis/interface-distance.json", "utf8")) as Case[];
const map = parsePermMap(readFileSync("src/analysis/xen.permmap", "utf8"), "xen.permmap").map!;

describe("interfaceDistance is sepolgen's av_set_match", () => {
  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_, c) => {
    expect(interfaceDistance(c.want, c.access, new Set(c.params), map)).toBe(c.sepolgen);
  });

  it("covers the kinds of distance: exact, beyond the denial, the write penalty, not covering", () => {
    const d = cases.map((c) => c.sepolgen);
    expect(d).toContain(67); // use_device_iommu for use_iommu
    expect(d.some((x) => x < 0)).toBe(true);
    expect(d.some((x) => x >= 100)).toBe(true);
  });
});
