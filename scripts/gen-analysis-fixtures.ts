// Records what the reference tools answer for the analysis commands, so `npm test` compares
// xsm search/info/... against them with only Node.
//
//   npx tsx scripts/gen-analysis-fixtures.ts [--seeds 1-40] [--only info|why|diff]
//
// For each policy (the example policies and the committed gen-policy seeds under
// test/fixtures/oracle; for why.json also the role-cause policies under
// test/fixtures/analysis/why-role; why-mls.json: the MLS policies of test/fixtures/mls and their
// binaries) it builds the binary with `checkpolicy -t Xen -c 30` and writes
// test/fixtures/analysis/search.json (per query, xsm search's arguments and sesearch's exit status
// and stdout on the binary) and info.json (the same for seinfo; Xen ocontext listings from
// setools' own queries, which seinfo 4.4.1 fails to print). Needs checkpolicy and setools.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzePolicy } from "../src/analysis/load.js";
import { expandPolicyText } from "../src/policy/svp.js";
import { ROLE_WHY_POLICIES, SEDIFF_SECTIONS, XEN_OCONTEXTS, avcLog, batch, mlsAvcLog, mutatePolicy, buildBinary, infoCases, roleOnlyLog, searchCases, sesearchArgs } from "../test/oracle/analysis-harness.js";

export interface SearchFixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

function range(text: string): number[] {
  const [a, b] = text.split("-").map(Number);
  return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
}

const i = process.argv.indexOf("--seeds");
const j = process.argv.indexOf("--only");
const only = j >= 0 ? process.argv[j + 1] : undefined;
const seeds = range(i >= 0 ? process.argv[i + 1]! : "1-40");
const policies = [
  "examples/xen-flask/policy.conf",
  "examples/svp/svp.conf",
  "test/fixtures/cli/small.conf",
  ...seeds.map((n) => `test/fixtures/oracle/seed-${String(n).padStart(3, "0")}.conf`),
];

/** The policy.conf checkpolicy reads: SVP `platform` blocks expanded as `xsm compile --expand` does. */
export function plainText(path: string): string {
  const text = readFileSync(path, "utf8");
  const expanded = expandPolicyText(text, path);
  if (expanded.text === undefined) throw new Error(`${path}: cannot expand`);
  return expanded.text;
}

const out: SearchFixture[] = [];
const info: SearchFixture[] = [];
const why: { policy: string; log: string; audit2why: string; audit2allow: string }[] = [];
for (const [k, path] of only === "diff" ? [] : policies.entries()) {
  const text = readFileSync(path, "utf8");
  const ap = analyzePolicy(text, path);
  const bin = await buildBinary(plainText(path));
  const cases = only === undefined ? searchCases(ap, k + 1) : [];
  const answers = await batch(cases.map((args) => ({ tool: "sesearch", args: [...sesearchArgs(args), bin] })));
  cases.forEach((args, j) => {
    const r = answers[j]!;
    // sesearch fails ("list index out of range") on a dontaudit entry with no permission left
    // (an auditdeny of every permission); the fixture keeps its exit status and message
    out.push({ policy: path, args, code: r.code, stdout: r.stdout });
  });
  const icases = only === undefined || only === "info" ? infoCases(ap, k + 1) : [];
  const ianswers = icases.length === 0 ? [] : await batch([
    // the policy first: seinfo's -t, -a ... take an optional name and would swallow it
    ...icases.map((args) => ({ tool: "seinfo" as const, args: [bin, ...args] })),
    ...Object.values(XEN_OCONTEXTS).map((q) => ({ tool: "xen-ocontexts" as const, args: [q, bin] })),
  ]);
  icases.forEach((args, j) => info.push({ policy: path, args, code: ianswers[j]!.code, stdout: ianswers[j]!.stdout }));
  if (icases.length > 0) Object.keys(XEN_OCONTEXTS).forEach((option, j) => info.push({ policy: path, args: [option], code: 0, stdout: ianswers[icases.length + j]!.stdout }));
  if (only === undefined || only === "why") {
    const log = avcLog(ap, k + 1);
    const [w, a] = await batch([
      { tool: "audit2why", args: ["-p", bin], stdin: log },
      { tool: "audit2allow", args: ["-p", bin], stdin: log },
    ]);
    why.push({ policy: path, log, audit2why: w!.stdout, audit2allow: a!.stdout });
  }
  process.stderr.write(`${path}\n`);
}
// the role cause (domain transitions between roles no role allow pairs): alone, and among the others
if (only === undefined || only === "why") {
  for (const [k, path] of ROLE_WHY_POLICIES.entries()) {
    const ap = analyzePolicy(readFileSync(path, "utf8"), path);
    const bin = await buildBinary(plainText(path));
    const logs = [avcLog(ap, k + 1, 40, 30), ...(k === 0 ? [roleOnlyLog(ap, 1)] : [])];
    for (const log of logs) {
      const [w, a] = await batch([
        { tool: "audit2why", args: ["-p", bin], stdin: log },
        { tool: "audit2allow", args: ["-p", bin], stdin: log },
      ]);
      why.push({ policy: path, log, audit2why: w!.stdout, audit2allow: a!.stdout });
    }
    process.stderr.write(`${path}\n`);
  }
}
// MLS: the committed MLS policies and their checkpolicy -M binaries, logs with levels and ranges
const whyMls: { policy: string; binary: string; log: string; audit2why: string; audit2allow: string }[] = [];
if (only === undefined || only === "why") {
  for (const n of [1, 2, 3, 4, 5, 6]) {
    const path = `test/fixtures/mls/seed-${n}.conf`;
    const binary = path.replace(/\.conf$/, ".bin");
    const log = mlsAvcLog(analyzePolicy(readFileSync(path, "utf8"), path, { mls: true }), n);
    const [w, a] = await batch([
      { tool: "audit2why", args: ["-p", binary], stdin: log },
      { tool: "audit2allow", args: ["-p", binary], stdin: log },
    ]);
    whyMls.push({ policy: path, binary, log, audit2why: w!.stdout, audit2allow: a!.stdout });
    process.stderr.write(`${path}\n`);
  }
}
mkdirSync("test/fixtures/analysis", { recursive: true });
// diffs: each seed against its mutation, and against the next seed
const diffs: { old: string; new: string; code: number; stdout: string }[] = [];
if (only === undefined || only === "diff") {
  mkdirSync("test/fixtures/analysis/diff", { recursive: true });
  for (const n of seeds.slice(0, 12)) {
    const name = `seed-${String(n).padStart(3, "0")}`;
    const oldPath = `test/fixtures/oracle/${name}.conf`;
    const mutated = `test/fixtures/analysis/diff/${name}.mutated.conf`;
    writeFileSync(mutated, mutatePolicy(readFileSync(oldPath, "utf8")));
    const next = `test/fixtures/oracle/seed-${String(n + 1).padStart(3, "0")}.conf`;
    for (const newPath of [mutated, next]) {
      const a = await buildBinary(plainText(oldPath), "old");
      const b = await buildBinary(plainText(newPath), "new");
      const [r] = await batch([{ tool: "sediff", args: [...SEDIFF_SECTIONS, a, b] }]);
      diffs.push({ old: oldPath, new: newPath, code: r!.code, stdout: r!.stdout });
    }
    process.stderr.write(`diff ${name}\n`);
  }
  writeFileSync(join("test/fixtures/analysis", "diff.json"), `${JSON.stringify(diffs, null, 1)}\n`);
}
if (only === undefined) writeFileSync(join("test/fixtures/analysis", "search.json"), `${JSON.stringify(out, null, 1)}\n`);
if (only === undefined || only === "info") writeFileSync(join("test/fixtures/analysis", "info.json"), `${JSON.stringify(info, null, 1)}\n`);
if (only === undefined || only === "why") {
  writeFileSync(join("test/fixtures/analysis", "why.json"), `${JSON.stringify(why, null, 1)}\n`);
  writeFileSync(join("test/fixtures/analysis", "why-mls.json"), `${JSON.stringify(whyMls, null, 1)}\n`);
}
