// Live: xsm flow against seinfoflow on fresh gen-policy seeds (not the committed fixtures) under
// random permission maps, a medium seed, and the example policies under the Xen map; and xsm's
// permission map reader against setools' PermissionMap on maps it must refuse or accept.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePermMap } from "../../src/analysis/permmap.js";
import { expandPolicyText } from "../../src/policy/svp.js";
import { xsm } from "../cli/run.js";
import { XEN_MAP, classesOf, flowCases, graphOf, randomMap } from "../analysis/flow-cases.js";
import { batch, buildBinary, repoRoot, run } from "./analysis-harness.js";
import { genPolicy } from "./harness.js";

async function compare(name: string, text: string, mapText: string, seed: number, heavy = true, keep: (i: number) => boolean = () => true): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "xsm-flow-"));
  const conf = join(dir, `${name}.conf`);
  const map = join(dir, `${name}.permmap`);
  writeFileSync(conf, text);
  writeFileSync(map, mapText);
  const bin = await buildBinary(expandPolicyText(text, name).text!, name.replace(/\W/g, "_"));
  const cases = flowCases(graphOf(text, name, mapText), seed, heavy).filter((_, i) => keep(i));
  const refs = await batch(cases.map((args) => ({ tool: "seinfoflow", args: ["-p", bin, "-m", map, ...args] })));
  let flows = 0;
  for (const [k, args] of cases.entries()) {
    const ours = await xsm("flow", conf, "-m", map, ...args);
    expect(ours.code, `${name} ${args.join(" ")}: ${ours.stderr}`).toBe(refs[k]!.code);
    expect(ours.stdout, `xsm flow ${name} ${args.join(" ")}`).toBe(refs[k]!.stdout);
    flows += Number(/(\d+) information flow\(s\) found/.exec(ours.stdout)?.[1] ?? 0);
  }
  return flows;
}

describe("xsm flow = seinfoflow (live)", () => {
  for (const seed of [301, 302, 303, 304, 305, 306, 307, 308]) {
    it(`gen-policy seed ${seed}`, async () => {
      const text = await genPolicy(seed);
      expect(await compare(`seed${seed}`, text, randomMap(classesOf(text, "p"), seed), seed)).toBeGreaterThan(0);
    });
  }
  // seinfoflow takes 6-25 s a query on a medium policy (it reads the binary and builds its graph
  // for each), so the medium seed asks one query of each kind the small seeds ask in full: all
  // flows out, a shortest path, all paths with a limit, booleans at default and overridden, stats.
  it("gen-policy seed 9 medium", async () => {
    const text = await genPolicy(9, "medium");
    const kinds = new Set([0, 4, 10, 14, 16, 18]);
    expect(await compare("seed9m", text, randomMap(classesOf(text, "p"), 9), 9, false, (i) => kinds.has(i))).toBeGreaterThan(0);
  });
  for (const [policy, seed] of [["examples/xen-flask/policy.conf", 11], ["examples/svp/svp.conf", 12], ["examples/xen-flask/policy.conf", 13]] as const) {
    it(`${policy} under the Xen map (seed ${seed})`, async () => {
      const text = readFileSync(join(repoRoot, policy), "utf8");
      expect(await compare(policy.replace(/\W/g, "_"), text, readFileSync(join(repoRoot, XEN_MAP), "utf8"), seed)).toBeGreaterThan(0);
    });
  }
});

// setools' reader: where it refuses a map (the line its message names), or that it accepts one
const LOAD = `
import sys, setools
try:
    setools.PermissionMap(sys.argv[1])
    print("ok")
except Exception as e:
    print("error", e)
`;

export const MAP_CASES: Record<string, string> = {
  good: "2\nclass a 2\n x r 1\n y w 10 # trailing words are ignored\nclass b 1\n z b 5\n",
  goodComments: "# c\n\n  2 classes\nclass a 1\n#x\n x n 3\nclass b 1\n y u 1\n",
  fewerClasses: "3\nclass a 1\n x r 1\n",
  fewerPerms: "1\nclass a 3\n x r 1\n",
  underscores: "1\nclass a 1\n x r 1_0\n",
  plusSign: "+1\nclass a 1\n x r +4\n",
  crlf: "1\r\nclass a 1\r\n x r 2\r\n",
  badCount: "two\nclass a 1\n x r 1\n",
  zeroCount: "0\nclass a 1\n x r 1\n",
  badClassLine: "1\nclass a 1 # no comment here\n x r 1\n",
  notClass: "1\nklass a 1\n x r 1\n",
  badPermCount: "1\nclass a many\n x r 1\n",
  zeroPerms: "1\nclass a 0\n",
  extraClass: "1\nclass a 1\n x r 1\nclass b 1\n y r 1\n",
  badDirection: "1\nclass a 1\n x R 1\n",
  badWeight: "1\nclass a 1\n x r heavy\n",
  weightRange: "1\nclass a 1\n x r 11\n",
  weightZero: "1\nclass a 2\n x r 1\n y w 0\n",
  missingWeight: "1\nclass a 1\n x r\n",
  missingDirection: "1\nclass a 1\n x\n",
  countShort: "2\nclass a 1\n x r 1\n y w 2\nclass b 1\n z r 1\n",
};

describe("permission map reader = setools PermissionMap.load", () => {
  it("accepts and refuses the same maps, at the same line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-permmap-"));
    const script = join(dir, "load.py");
    writeFileSync(script, LOAD);
    for (const [name, text] of Object.entries(MAP_CASES)) {
      const file = join(dir, `${name}.permmap`);
      writeFileSync(file, text);
      const ref = (await run("/usr/bin/python3", [script, file])).stdout.trim();
      const ours = parsePermMap(text, file);
      if (ref === "ok") {
        expect(ours.map, `${name}: setools accepts it; ours: ${ours.diagnostics[0]?.message}`).toBeDefined();
      } else {
        expect(ours.map, `${name}: setools refuses it (${ref})`).toBeUndefined();
        // setools' messages start file:line: (except an IndexError, "list index out of range")
        const line = new RegExp(`^error ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):`).exec(ref)?.[1];
        if (line) expect(ours.diagnostics[0]!.span!.line, name).toBe(Number(line));
      }
    }
  });
});
