// The permission map reader (setools' permmap.py state machine) and xsm's Xen map.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mapCoverage, parsePermMap, pythonInt } from "../../src/analysis/permmap.js";
import { repoRoot } from "../oracle/analysis-harness.js";
import { classesOf } from "./flow-cases.js";

const XEN = readFileSync(join(repoRoot, "src/analysis/xen.permmap"), "utf8");

function refusal(text: string): { line: number; col: number; message: string } {
  const r = parsePermMap(text, "m.permmap");
  expect(r.map).toBeUndefined();
  const d = r.diagnostics[0]!;
  expect(d.code).toBe("permission-map");
  expect(d.severity).toBe("error");
  return { line: d.span!.line, col: d.span!.col, message: d.message };
}

describe("parsePermMap", () => {
  it("reads classes, directions and weights; comments, blank lines and trailing words", () => {
    const r = parsePermMap("# map\n\n2 classes\nclass a 2\n  x r 1\n  y w 10 # why\nclass b 1\n z b 5\n", "m");
    expect(r.diagnostics).toEqual([]);
    expect([...r.map!.classes.get("a")!].map(([p, m]) => [p, m.direction, m.weight])).toEqual([["x", "r", 1], ["y", "w", 10]]);
    expect(r.map!.classes.get("b")!.get("z")!.span).toMatchObject({ line: 8, col: 2 });
  });

  it("locates each refusal at the word setools names", () => {
    expect(refusal("two\n")).toMatchObject({ line: 1, col: 1, message: expect.stringContaining("invalid number of classes: 'two'") });
    expect(refusal("0\n")).toMatchObject({ line: 1, message: expect.stringContaining("must be positive") });
    expect(refusal("1\nclass a 1 # c\n x r 1\n")).toMatchObject({ line: 2, col: 1, message: expect.stringContaining("expected 'class NAME COUNT'") });
    expect(refusal("1\nclass a x\n")).toMatchObject({ line: 2, col: 9, message: expect.stringContaining("invalid number of permissions: 'x'") });
    expect(refusal("1\nclass a 0\n")).toMatchObject({ line: 2, col: 9 });
    expect(refusal("1\nclass a 1\n x r 1\nclass b 1\n")).toMatchObject({ line: 4, col: 7, message: expect.stringContaining("extra class 'b'") });
    expect(refusal("1\nclass a 1\n x R 1\n")).toMatchObject({ line: 3, col: 4, message: expect.stringContaining("invalid information flow direction 'R' for a:x") });
    expect(refusal("1\nclass a 1\n x r 11\n")).toMatchObject({ line: 3, col: 6, message: expect.stringContaining("1-10") });
    expect(refusal("1\nclass a 1\n x r ten\n")).toMatchObject({ line: 3, col: 6 });
    expect(refusal("1\nclass a 1\n x r\n").message).toContain("no weight");
    expect(refusal("1\nclass a 1\n x\n").message).toContain("no flow direction");
    expect(refusal("# only a comment\n").message).toContain("empty");
    // a class line read as a permission: the count was too high
    expect(refusal("2\nclass a 2\n x r 1\nclass bb 1\n").message).toContain("class a declared 2 permissions and 1 came before this line");
  });

  it("counts lines as Python's universal newlines do", () => {
    expect(refusal("1\r\nclass a 1\r x q 1\n")).toMatchObject({ line: 3 });
  });

  it("warns when the file ends before what it declares (setools says nothing)", () => {
    const r = parsePermMap("3\nclass a 2\n x r 1\n", "m");
    expect(r.map).toBeDefined();
    expect(r.diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ["warning", "class a declares 2 permissions but the file ends after 1"],
      ["warning", "the map declares 3 classes but holds 1"],
    ]);
  });

  it("reads numbers as Python's int() does", () => {
    expect([pythonInt("10"), pythonInt("+3"), pythonInt("-1"), pythonInt("1_0"), pythonInt("007")]).toEqual([10, 3, -1, 10, 7]);
    expect([pythonInt("1__0"), pythonInt("_1"), pythonInt("1.0"), pythonInt("0x1"), pythonInt("")]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe("the Xen permission map", () => {
  const map = parsePermMap(XEN, "xen.permmap");
  it("is a map setools reads, without warnings", () => {
    expect(map.diagnostics).toEqual([]);
  });

  it("maps every class and permission of Xen's access_vectors, and nothing else", () => {
    const av = readFileSync(join(repoRoot, "examples/xen-flask/flask/access_vectors"), "utf8").replace(/#.*/g, "");
    const classes = new Map([...av.matchAll(/class\s+(\w+)\s*\{([^}]*)\}/g)].map((m) => [m[1]!, m[2]!.split(/\s+/).filter(Boolean)]));
    expect(classes.size).toBe(13);
    expect(mapCoverage(map.map!, classes)).toEqual({ unmapped: [], extra: [] });
    for (const perms of map.map!.classes.values()) for (const m of perms.values()) expect(m.direction).not.toBe("u");
  });

  it("covers the example policies' classes (xen-flask, the SVP policy)", () => {
    for (const policy of ["examples/xen-flask/policy.conf", "examples/svp/svp.conf"]) {
      const classes = classesOf(readFileSync(join(repoRoot, policy), "utf8"), policy);
      expect(mapCoverage(map.map!, classes).unmapped, policy).toEqual([]);
    }
  });

  it("says what the brief's examples say", () => {
    const m = (c: string, p: string) => `${map.map!.classes.get(c)!.get(p)!.direction}`;
    expect([m("domain", "getdomaininfo"), m("domain", "setvcpucontext"), m("mmu", "map_read"), m("grant", "map_write"), m("resource", "add")]).toEqual(["r", "w", "r", "b", "w"]);
  });
});
