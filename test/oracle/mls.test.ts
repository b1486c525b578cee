// Live MLS differential test (npm run test:oracle): gen-policy seeds made MLS (mls-policy.ts),
// compiled by checkpolicy -M and by us with mls, the binaries byte-identical; every derived query, its contexts given random
// levels and ranges, gets libsepol's answer (scripts/oracle-mls-decide: audit2why's
// sepol_compute_av_reason, constraint_expr_eval with levels). An invalid context must be
// refused by both (the words differ: libsepol prints none).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { assertOracleAvailable, deriveQueries, genPolicy, repoRoot, type MatrixDoc, type OracleAnswer, type Query } from "./harness.js";
import { mlsPolicy, mlsQueries } from "./mls-policy.js";
import { execFile } from "node:child_process";

let tmp: string;
beforeAll(async () => {
  await assertOracleAvailable();
  tmp = mkdtempSync(join(tmpdir(), "xsm-mls-"));
});

export function oracleMlsDecide(conf: string, queries: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(join(repoRoot, "scripts/oracle-mls-decide"), [conf, queries], { cwd, maxBuffer: 1 << 28, encoding: "utf8" }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** An answer as both sides can give it: an error is just "refused". */
function shape(a: OracleAnswer): string {
  return a.error !== undefined ? "refused" : `${a.allowed ? "allowed" : "denied"}${a.audited ? "+audited" : ""}`;
}

function ours(policy: CompiledPolicy, q: Query): OracleAnswer {
  const d = policy.check(q.scontext, q.tcontext, q.tclass, q.perm);
  return d.error !== undefined ? { allowed: false, audited: true, error: d.error } : { allowed: d.allowed, audited: d.audited };
}

async function compareSeed(seed: number): Promise<number> {
  const plain = await genPolicy(seed, "small");
  const conf = mlsPolicy(plain, seed);
  const name = `mls-${seed}.conf`;
  writeFileSync(join(tmp, name), conf);
  const doc = JSON.parse(compilePolicy(plain).matrixJson()) as MatrixDoc;
  const queries = mlsQueries(deriveQueries(seed, doc, plain), seed);
  writeFileSync(join(tmp, `${name}.queries.json`), JSON.stringify(queries));
  const oracle = await oracleMlsDecide(name, `${name}.queries.json`, tmp);
  expect(oracle.code, oracle.stdout + oracle.stderr).toBe(0);
  const answers = JSON.parse(oracle.stdout) as OracleAnswer[];
  const policy = compilePolicy(conf, { file: name, mls: true });
  // the binary: checkpolicy -M -t Xen -c 30's bytes
  const bin = join(tmp, `${name}.bin`);
  const cp = await new Promise<number>((done) => execFile("checkpolicy", ["-M", "-t", "Xen", "-c", "30", name, "-o", bin], { cwd: tmp }, (err) => done(err ? 1 : 0)));
  expect(cp).toBe(0);
  const written = compileBinary(conf, { file: name, mls: true }).bytes;
  expect(Buffer.from(written).equals(readFileSync(bin)), `seed ${seed}: our MLS binary differs from checkpolicy -M's`).toBe(true);
  let denied = 0;
  queries.forEach((q, i) => {
    const mine = ours(policy, q);
    if (shape(mine) !== shape(answers[i]!)) expect.fail(`seed ${seed} query ${i} ${JSON.stringify(q)}: ours ${JSON.stringify(mine)}, libsepol ${JSON.stringify(answers[i])}`);
    if (!mine.allowed && mine.error === undefined) denied++;
  });
  return denied;
}

describe("MLS decisions = libsepol's (checkpolicy -M, audit2why), live", () => {
  it("agree on 30 MLS-made gen-policy seeds, with random levels and ranges, and write the same binary", async () => {
    let denied = 0;
    for (let seed = 1; seed <= 30; seed++) denied += await compareSeed(seed);
    // the queries are not all trivially allowed: constraints deny some
    expect(denied).toBeGreaterThan(0);
  }, 300_000);
});
