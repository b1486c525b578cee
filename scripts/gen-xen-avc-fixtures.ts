// Records what audit2why and audit2allow answer for avc lines in the shapes Xen's releases print
// them, and what sesearch answers for repeated -c/-p/-b, on examples/xen-flask/policy.conf, so
// `npm test` (test/analysis/xen-avc.test.ts) compares xsm why/allow/search with them with only
// Node. test/oracle/xen-tags.test.ts asks the same of Xen's own policy at its release tags, live.
//
//   PATH=/usr/bin:$PATH npx tsx scripts/gen-xen-avc-fixtures.ts
//
// test/fixtures/analysis/xen-avc/:
//   LOG.log            avc lines as Xen 4.6-4.16 (domid.log) and 4.17+ (pd.log) print them
//   LOG.audit2why      audit2why -p BIN < LOG
//   LOG.audit2allow    audit2allow -p BIN < LOG
//   LOG.audit2allow-m  audit2allow -p BIN -m local < LOG (its require block in Python's set order)
//   sesearch.json      [{args, code, stdout}]: sesearch -A with -c, -p, -b given once as a list
//                      and repeated (sesearch keeps the last; xsm joins them, README)
// Needs checkpolicy and Debian's setools and policycoreutils-python-utils.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzePolicy } from "../src/analysis/load.js";
import { expandPolicyText } from "../src/policy/svp.js";
import { avcLog, batch, buildBinary, run, xenAvcLog } from "../test/oracle/analysis-harness.js";

const POLICY = "examples/xen-flask/policy.conf";
const OUT = "test/fixtures/analysis/xen-avc";
mkdirSync(OUT, { recursive: true });
const text = readFileSync(POLICY, "utf8");
const ap = analyzePolicy(text, POLICY);
const bin = await buildBinary(expandPolicyText(text, POLICY).text!, "xen_flask");

for (const [name, pd, seed] of [["domid", false, 11], ["pd", true, 12]] as const) {
  const log = xenAvcLog(avcLog(ap, seed, 60), seed, pd);
  writeFileSync(join(OUT, `${name}.log`), log);
  const [why, allow] = await batch([
    { tool: "audit2why", args: ["-p", bin], stdin: log },
    { tool: "audit2allow", args: ["-p", bin], stdin: log },
  ]);
  // sepolgen refuses a second -m in one process ("init called multiple times")
  const module = await run("/usr/bin/audit2allow", ["-p", bin, "-m", "local"], log);
  for (const [ext, r] of [["audit2why", why!], ["audit2allow", allow!], ["audit2allow-m", module]] as const) {
    if (r.code !== 0) throw new Error(`${ext} ${name}.log: exit ${r.code}: ${r.stdout}${r.stderr}`);
    writeFileSync(join(OUT, `${name}.${ext}`), r.stdout);
  }
}

const SEARCHES = [
  ["-A", "-c", "domain,resource"],
  ["-A", "-c", "domain", "-c", "resource"],
  ["-A", "-c", "resource"],
  ["-A", "-p", "plug,create"],
  ["-A", "-p", "plug", "-p", "create"],
  ["-A", "-p", "create"],
  ["-A", "-c", "resource", "-c", "domain", "-p", "plug,create"],
  ["-A", "-b", ap.sym.bools.map((b) => b.name).join(",")],
  ["-A", ...ap.sym.bools.flatMap((b) => ["-b", b.name])],
  ["-A", "-b", ap.sym.bools.at(-1)!.name],
];
const refs = await batch(SEARCHES.map((args) => ({ tool: "sesearch", args: [...args, bin] })));
writeFileSync(join(OUT, "sesearch.json"), `${JSON.stringify(SEARCHES.map((args, i) => ({ args, code: refs[i]!.code, stdout: refs[i]!.stdout })), null, 1)}\n`);
console.log(`wrote ${OUT}`);
