// Live relabel differential (npm run test:oracle): gen-policy seeds with random validatetrans
// (and, made MLS, mlsvalidatetrans) statements; every relabel question gets libsepol's answer
// (scripts/oracle-validatetrans: sepol_validate_transition_reason_buffer on checkpolicy's binary)
// and ours, from the source and from checkpolicy's binary; our binary equals checkpolicy's.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { compilePolicy } from "../../src/policy/index.js";
import { assertOracleAvailable, genPolicy, repoRoot, type MatrixDoc } from "./harness.js";
import { mlsPolicy, mlsShape } from "./mls-policy.js";
import { relabelAnswer } from "../policy/relabel.js";
import { relabelQueries, validatetransPolicy, type RelabelAnswer } from "./validatetrans-policy.js";

let tmp: string;
beforeAll(async () => {
  await assertOracleAvailable();
  tmp = mkdtempSync(join(tmpdir(), "xsm-vt-"));
});

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: tmp, maxBuffer: 1 << 26, encoding: "utf8" }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function compareSeed(seed: number, mls: boolean): Promise<{ denied: number; allowed: number }> {
  const plain = await genPolicy(seed, "small");
  const doc = JSON.parse(compilePolicy(plain).matrixJson()) as MatrixDoc;
  const shape = mls ? mlsShape(seed) : undefined;
  const conf = validatetransPolicy(mls ? mlsPolicy(plain, seed) : plain, doc, seed, shape);
  const name = `vt-${mls ? "mls-" : ""}${seed}.conf`;
  writeFileSync(join(tmp, name), conf);
  const queries = relabelQueries(doc, seed, shape);
  writeFileSync(join(tmp, `${name}.queries.json`), JSON.stringify(queries));
  const oracle = await run(join(repoRoot, "scripts/oracle-validatetrans"), [...(mls ? ["-M"] : []), name, `${name}.queries.json`]);
  expect(oracle.code, oracle.stdout + oracle.stderr).toBe(0);
  const answers = JSON.parse(oracle.stdout) as RelabelAnswer[];
  const bin = join(tmp, `${name}.bin`);
  const cp = await run("checkpolicy", [...(mls ? ["-M"] : []), "-t", "Xen", "-c", "30", name, "-o", bin]);
  expect(cp.code, cp.stderr).toBe(0);
  expect(Buffer.from(compileBinary(conf, { file: name, mls }).bytes).equals(readFileSync(bin)), `${name}: our binary differs from checkpolicy's`).toBe(true);
  const fromSource = compilePolicy(conf, { file: name, mls });
  const fromBinary = loadBinary(new Uint8Array(readFileSync(bin)), `${name}.bin`).policy;
  const shapeOf = (a: RelabelAnswer) => (a.error !== undefined ? "refused" : a.allowed ? "allowed" : "denied");
  let denied = 0;
  let allowed = 0;
  queries.forEach((q, i) => {
    const want = shapeOf(answers[i]!);
    for (const [side, policy] of [["source", fromSource], ["binary", fromBinary]] as const) {
      const got = shapeOf(relabelAnswer(policy, q));
      if (got !== want) expect.fail(`${name} (${side}) query ${i} ${JSON.stringify(q)}: ours ${got}, libsepol ${want}`);
    }
    if (want === "denied") denied++;
    if (want === "allowed") allowed++;
  });
  return { denied, allowed };
}

describe("validatetrans / mlsvalidatetrans = libsepol's sepol_validate_transition, live", () => {
  it("agree on 20 gen-policy seeds with validatetrans, and 20 made MLS with mlsvalidatetrans", async () => {
    let denied = 0;
    let allowed = 0;
    for (let seed = 1; seed <= 20; seed++) {
      for (const mls of [false, true]) {
        const r = await compareSeed(seed, mls);
        denied += r.denied;
        allowed += r.allowed;
      }
    }
    // the questions are not one-sided
    expect(denied).toBeGreaterThan(100);
    expect(allowed).toBeGreaterThan(100);
  }, 600_000);
});
