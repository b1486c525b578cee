// Records sesearch's answers to the role rule queries (--role_allow, --role_trans) and seinfo's to
// the component listings --common, --default, --permissive, --polcap, --typebounds, --flat and
// --all, on the binaries checkpolicy builds from test/oracle/rbac-info-harness.ts's policies, so
// `npm test` compares xsm search/info against them with only Node.
//
//   npx tsx scripts/gen-rbac-info-fixtures.ts
//
// Writes test/fixtures/analysis/rbac/search.json and info.json: per query, the policy, xsm's
// arguments, the tool's exit status and stdout. Needs checkpolicy and setools (Debian's python3).
import { readFileSync, writeFileSync } from "node:fs";
import { analyzePolicy } from "../src/analysis/load.js";
import { batch, buildBinary, sesearchArgs, run } from "../test/oracle/analysis-harness.js";
import { RBAC_POLICIES, infoComponentCases, rbacSearchCases, seinfoExpectedMany } from "../test/oracle/rbac-info-harness.js";

interface Fixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

const search: Fixture[] = [];
const info: Fixture[] = [];
for (const [k, [path, mls]] of RBAC_POLICIES.entries()) {
  const text = readFileSync(path, "utf8");
  const ap = analyzePolicy(text, path, { mls });
  let bin: string;
  if (mls) {
    bin = `/tmp/xsm-rbac-${k}.bin`;
    const r = await run("checkpolicy", ["-M", "-t", "Xen", "-c", "30", path, "-o", bin]);
    if (r.code !== 0) throw new Error(`checkpolicy -M ${path}: ${r.stdout}${r.stderr}`);
  } else bin = await buildBinary(text, `rbac${k}`);
  const cases = rbacSearchCases(ap, k + 1);
  const answers = await batch(cases.map((args) => ({ tool: "sesearch", args: [...sesearchArgs(args), bin] })));
  cases.forEach((args, j) => search.push({ policy: path, args, code: answers[j]!.code, stdout: answers[j]!.stdout }));
  const infoCases = infoComponentCases(ap, k + 1);
  const infoAnswers = await seinfoExpectedMany(bin, infoCases);
  infoCases.forEach((args, j) => info.push({ policy: path, args, code: infoAnswers[j]!.code, stdout: infoAnswers[j]!.stdout }));
  process.stderr.write(`${path}: ${cases.length} searches\n`);
}
writeFileSync("test/fixtures/analysis/rbac/search.json", `${JSON.stringify(search, null, 1)}\n`);
writeFileSync("test/fixtures/analysis/rbac/info.json", `${JSON.stringify(info, null, 1)}\n`);
