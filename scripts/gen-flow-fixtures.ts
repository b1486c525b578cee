// Records seinfoflow's answers so `npm test` compares `xsm flow` against them with only Node.
//
//   npx tsx scripts/gen-flow-fixtures.ts [--seeds 1-12]
//
// For the example policies (under xsm's Xen map, src/analysis/xen.permmap) and the committed
// gen-policy seeds under test/fixtures/oracle (each under a random map written beside the
// fixtures, test/fixtures/flow/seed-NNN.permmap), it builds the binary with
// `checkpolicy -t Xen -c 30`, runs seinfoflow -p BINARY -m MAP with each question of flowCases,
// and writes test/fixtures/flow/cases.json (policy, map, arguments, exit status, stdout).
// Needs checkpolicy and setools (seinfoflow).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expandPolicyText } from "../src/policy/svp.js";
import { batch, buildBinary, repoRoot } from "../test/oracle/analysis-harness.js";
import { XEN_MAP, classesOf, flowCases, graphOf, randomMap, type FlowFixture } from "../test/analysis/flow-cases.js";

function range(text: string): number[] {
  const [a, b] = text.split("-").map(Number);
  return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
}

const i = process.argv.indexOf("--seeds");
const seeds = range(i >= 0 ? process.argv[i + 1]! : "1-12");
const outDir = join(repoRoot, "test/fixtures/flow");
mkdirSync(outDir, { recursive: true });

const policies: { policy: string; map: string; seed: number }[] = [
  { policy: "examples/xen-flask/policy.conf", map: XEN_MAP, seed: 1 },
  { policy: "examples/svp/svp.conf", map: XEN_MAP, seed: 2 },
  { policy: "examples/xen-flask/policy.conf", map: XEN_MAP, seed: 3 },
];
for (const n of seeds) {
  const name = `seed-${String(n).padStart(3, "0")}`;
  const policy = `test/fixtures/oracle/${name}.conf`;
  const map = `test/fixtures/flow/${name}.permmap`;
  writeFileSync(join(repoRoot, map), randomMap(classesOf(readFileSync(join(repoRoot, policy), "utf8"), policy), n));
  policies.push({ policy, map, seed: n });
}

const fixtures: FlowFixture[] = [];
for (const { policy, map, seed } of policies) {
  const text = readFileSync(join(repoRoot, policy), "utf8");
  const bin = await buildBinary(expandPolicyText(text, policy).text!, policy.replace(/\W/g, "_"));
  const cases = flowCases(graphOf(text, policy, readFileSync(join(repoRoot, map), "utf8")), seed);
  const runs = await batch(cases.map((args) => ({ tool: "seinfoflow", args: ["-p", bin, "-m", join(repoRoot, map), ...args] })));
  cases.forEach((args, k) => fixtures.push({ policy, map, args, code: runs[k]!.code, stdout: runs[k]!.stdout }));
  console.log(`${policy}: ${cases.length} questions`);
}
writeFileSync(join(outDir, "cases.json"), `${JSON.stringify(fixtures, null, 1)}\n`);
console.log(`wrote ${fixtures.length} answers to test/fixtures/flow/cases.json`);
