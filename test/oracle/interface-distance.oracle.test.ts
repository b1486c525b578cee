// Live: python3-sepolgen's av_set_match (test/oracle/sepolgen-distance.py) gives the distance
// src/analysis/interface-match.ts gives, for every case of test/fixtures/analysis/interface-distance.json
// (what npm test compares with the recorded answers).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { interfaceDistance, type InterfaceAccess } from "../../src/analysis/interface-match.js";
import { parsePermMap } from "../../src/analysis/permmap.js";

interface Case {
  want: InterfaceAccess;
  access: InterfaceAccess[];
  params: string[];
}

describe("interfaceDistance against python3-sepolgen", () => {
  it("the fixture's cases, live", () => {
    const cases = JSON.parse(readFileSync("test/fixtures/analysis/interface-distance.json", "utf8")) as Case[];
    const map = parsePermMap(readFileSync("src/analysis/xen.permmap", "utf8"), "xen.permmap").map!;
    const entries = [...map.classes].flatMap(([cls, perms]) => [...perms].map(([perm, m]) => [cls, perm, m.direction, m.weight]));
    const r = spawnSync("/usr/bin/python3", ["test/oracle/sepolgen-distance.py"], { input: JSON.stringify({ map: entries, cases }), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(cases.map((c) => interfaceDistance(c.want, c.access, new Set(c.params), map))).toEqual(JSON.parse(r.stdout));
  });
});
