// Records libsepol's relabel answers for test/policy/validatetrans.test.ts so `npm test` needs
// only Node: gen-policy seeds with validatetrans statements (test/oracle/validatetrans-policy.ts),
// some made MLS with mlsvalidatetrans, checkpolicy's binary of each, the relabel questions and
// scripts/oracle-validatetrans's answers. Needs Debian's checkpolicy and libsepol.
// Run: npx tsx scripts/gen-validatetrans-fixtures.ts
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "../src/policy/index.js";
import { genPolicy, repoRoot, type MatrixDoc } from "../test/oracle/harness.js";
import { mlsPolicy, mlsShape } from "../test/oracle/mls-policy.js";
import { relabelQueries, validatetransPolicy } from "../test/oracle/validatetrans-policy.js";

const dir = join(repoRoot, "test/fixtures/validatetrans");

async function record(seed: number, mls: boolean): Promise<void> {
  const plain = await genPolicy(seed, "small");
  const doc = JSON.parse(compilePolicy(plain).matrixJson()) as MatrixDoc;
  const shape = mls ? mlsShape(seed) : undefined;
  const name = `${mls ? "mls-" : ""}seed-${seed}`;
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, validatetransPolicy(mls ? mlsPolicy(plain, seed) : plain, doc, seed, shape));
  const m = mls ? ["-M"] : [];
  execFileSync("checkpolicy", [...m, "-t", "Xen", "-c", "30", conf, "-o", join(dir, `${name}.bin`)], { stdio: "pipe" });
  const queries = join(dir, `${name}.queries.json`);
  writeFileSync(queries, `${JSON.stringify(relabelQueries(doc, seed, shape, 200))}\n`);
  writeFileSync(join(dir, `${name}.answers.json`), execFileSync(join(repoRoot, "scripts/oracle-validatetrans"), [...m, conf, queries], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }) + "\n");
}

mkdirSync(dir, { recursive: true });
for (const seed of [1, 2, 3]) {
  await record(seed, false);
  await record(seed, true);
}
