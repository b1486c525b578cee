// The questions `xsm flow` is compared with seinfoflow on (scripts/gen-flow-fixtures.ts records the
// answers; test/oracle/flow.oracle.test.ts asks live), and the permission maps for policies Xen's
// map does not cover (gen-policy's classes): random but fixed by the seed, with unmapped classes
// and permissions, `n` and `u` directions and a class the policy lacks, as setools must cope.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FlowGraph } from "../../src/analysis/flow.js";
import { flowInputFromSource } from "../../src/analysis/flowquery.js";
import { parsePermMap } from "../../src/analysis/permmap.js";
import { mulberry32 } from "../../bench/gen/prng.js";

export const XEN_MAP = "src/analysis/xen.permmap";

/** A permission map in setools' format for these classes. */
export function randomMap(classes: ReadonlyMap<string, readonly string[]>, seed: number): string {
  const r = mulberry32(seed * 7919 + 17);
  const blocks: string[] = [];
  const dirs = ["r", "w", "b", "b", "r", "w", "n", "u"];
  for (const [cls, perms] of [...classes, ["not_in_policy", ["p0", "p1"]] as const]) {
    if (r() < 0.12) continue; // the class left unmapped
    const lines = perms.filter(() => r() >= 0.1).map((p) => `${p.padStart(20)} ${dirs[Math.floor(r() * dirs.length)]!.padStart(9)} ${String(1 + Math.floor(r() * 10)).padStart(9)}`);
    if (lines.length === 0) continue;
    blocks.push(`class ${cls} ${lines.length}\n${lines.join("\n")}\n`);
  }
  return `# random permission map, seed ${seed}\n${blocks.length}\n\n${blocks.join("\n")}`;
}

/** The graph xsm builds for a policy and map (to pick questions with answers). */
export function graphOf(text: string, name: string, mapText: string): FlowGraph {
  const map = parsePermMap(mapText, "map").map!;
  return new FlowGraph(flowInputFromSource(text, name).kernel, map);
}

export function classesOf(text: string, name: string): Map<string, string[]> {
  return new FlowGraph(flowInputFromSource(text, name).kernel, { file: "none", classes: new Map() }).classPerms();
}

/** seinfoflow's arguments (after -p/-m), picked from the graph's own types by `seed`. */
export function flowCases(g: FlowGraph, seed: number, heavy = true): string[][] {
  const nodes = [...g.nodes].map((n) => g.typeName[n]!).sort();
  const types = [...g.typeByName.keys()].sort();
  if (nodes.length === 0) return [["-s", types[0]!]];
  const r = mulberry32(seed);
  const pick = (xs: string[]): string => xs[Math.floor(r() * xs.length)]!;
  const a = pick(nodes);
  let b = pick(nodes);
  if (b === a && nodes.length > 1) b = nodes[(nodes.indexOf(a) + 1) % nodes.length]!;
  const c = pick(nodes);
  const isolated = types.find((t) => !nodes.includes(t));
  const bools = [...g.boolDefaults].sort(([x], [y]) => (x < y ? -1 : 1));
  const cases: string[][] = [
    ["-s", a],
    ["-s", a, "--full", "--stats"],
    ["-s", a, "-w", "1", "--full"],
    ["-s", b, "-w", "7"],
    ["-s", a, "-t", b, "-S", "--full"],
    ["-s", a, "-t", b, "-S", "-w", "1"],
    ["-s", b, "-t", a, "-S", "-w", "2", "--full"],
    ["-s", a, "-t", b, "-S", "-w", "1", c],
    ["-s", a, "-t", a, "-S"],
    ["-s", a, "-t", b, "-A", "2", "-w", "1", "--full"],
    ["-s", a, "-t", b, "-A", heavy ? "4" : "3", "-w", "1", "-l", "40"],
    ["-s", a, "-t", c, "-A", "3", "-w", "4", "-l", "60"],
    ["-s", a, "-w", "1", "-l", "2", "--full"],
    ["-s", a, "-t", b, "-S", "-w", "1", "-l", "1", "--full"],
    ["-s", a, "-b", "default", "-w", "1", "--full"],
    ["-s", a, "-t", b, "-S", "-b", "default", "-w", "1"],
  ];
  if (bools.length > 0) {
    const [name, value] = bools[Math.floor(r() * bools.length)]!;
    cases.push(["-s", a, "-b", `${name}:${value ? "false" : "true"}`, "-w", "1", "--full"]);
    cases.push(["-s", b, "-t", a, "-S", "-b", `${name}:${value ? "FALSE" : "TRUE"}`, "-w", "3"]);
  }
  if (isolated) cases.push(["-s", isolated, "--stats"], ["-s", isolated, "-t", a, "-S"]);
  return cases;
}

export interface FlowFixture {
  policy: string;
  map: string;
  args: string[];
  code: number;
  stdout: string;
}

export function readFlowFixtures(root: string): FlowFixture[] {
  return JSON.parse(readFileSync(join(root, "test/fixtures/flow/cases.json"), "utf8")) as FlowFixture[];
}
