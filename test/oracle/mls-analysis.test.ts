// Live (npm run test:oracle): xsm info and xsm search on fresh MLS policies (gen-policy seeds made
// MLS, with mlsvalidatetrans and validatetrans) = seinfo and sesearch on checkpolicy -M's binary,
// from the source with -M and from that binary.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzePolicy } from "../../src/analysis/load.js";
import { compilePolicy } from "../../src/policy/index.js";
import { xsm } from "../cli/run.js";
import { batch, mlsAvcLog } from "./analysis-harness.js";
import { assertOracleAvailable, genPolicy, type MatrixDoc } from "./harness.js";
import { diffComparable, mlsAnalysisCases, normalise, sediffFlags } from "./mls-analysis.js";
import { mlsPolicy, mlsShape } from "./mls-policy.js";
import { validatetransPolicy } from "./validatetrans-policy.js";

let tmp: string;
beforeAll(async () => {
  await assertOracleAvailable();
  tmp = mkdtempSync(join(tmpdir(), "xsm-mls-analysis-"));
});

describe("xsm info / search / diff on MLS policies = seinfo / sesearch / sediff, live", () => {
  it("agree on 12 fresh MLS seeds: statistics, sensitivities, categories, users, constraints, validatetrans, range_transition; xsm diff = sediff between consecutive seeds", async () => {
    let ranges = 0;
    let previous: { src: string; bin: string } | undefined;
    let diffs = 0;
    for (let seed = 30; seed < 42; seed++) {
      const plain = await genPolicy(seed, "small");
      const doc = JSON.parse(compilePolicy(plain).matrixJson()) as MatrixDoc;
      const conf = validatetransPolicy(mlsPolicy(plain, seed), doc, seed, mlsShape(seed));
      const src = join(tmp, `mls-${seed}.conf`);
      const bin = join(tmp, `mls-${seed}.bin`);
      writeFileSync(src, conf);
      const cp = await new Promise<string>((done) => execFile("checkpolicy", ["-M", "-t", "Xen", "-c", "30", src, "-o", bin], (err, out, errOut) => done(err ? `${out}${errOut}` : "")));
      expect(cp).toBe("");
      const cases = mlsAnalysisCases(analyzePolicy(conf, src, { mls: true }), seed);
      const answers = await batch(cases.map((c) => ({ tool: c.tool, args: c.tool === "seinfo" ? [bin, ...c.args] : [...c.args, bin] })));
      for (const [i, c] of cases.entries()) {
        const command = c.tool === "seinfo" ? "info" : "search";
        const want = normalise(answers[i]!.stdout);
        if (c.tool === "sesearch") ranges += (want.match(/^range_transition /gm) ?? []).length;
        expect({ seed, args: c.args, stdout: normalise((await xsm(command, "-M", src, ...c.args)).stdout) }).toEqual({ seed, args: c.args, stdout: want });
        expect({ seed, args: c.args, stdout: normalise((await xsm(command, bin, ...c.args)).stdout) }).toEqual({ seed, args: c.args, stdout: want });
      }
      // xsm diff against the previous seed = sediff on the two binaries
      const before = previous;
      previous = { src, bin };
      if (before) {
        const [theirs] = await batch([{ tool: "sediff", args: [...sediffFlags(true), before.bin, bin] }]);
        // sediff 4.4.1 fails ("list index out of range") on a dontaudit entry with no permission left
        if (theirs!.code !== 0 || /list index out of range/.test(theirs!.stdout)) continue;
        diffs++;
        const want = diffComparable(theirs!.stdout);
        expect({ seed, diff: diffComparable((await xsm("diff", "-M", before.src, src)).stdout) }).toEqual({ seed, diff: want });
        expect({ seed, diff: diffComparable((await xsm("diff", before.bin, bin)).stdout) }).toEqual({ seed, diff: want });
      }
    }
    expect(ranges).toBeGreaterThan(0);
    expect(diffs).toBeGreaterThan(5);
  }, 600_000);
});

describe("xsm why / allow on MLS policies = audit2why / audit2allow, live", () => {
  it("agree on 8 fresh MLS seeds, from the source with -M and from the binary", async () => {
    let mlsTexts = 0;
    for (let seed = 50; seed < 58; seed++) {
      const conf = mlsPolicy(await genPolicy(seed, "small"), seed);
      const src = join(tmp, `why-mls-${seed}.conf`);
      const bin = join(tmp, `why-mls-${seed}.bin`);
      writeFileSync(src, conf);
      const cp = await new Promise<string>((done) => execFile("checkpolicy", ["-M", "-t", "Xen", "-c", "30", src, "-o", bin], (err, out, errOut) => done(err ? `${out}${errOut}` : "")));
      expect(cp).toBe("");
      const log = mlsAvcLog(analyzePolicy(conf, src, { mls: true }), seed);
      const logPath = join(tmp, `why-mls-${seed}.log`);
      writeFileSync(logPath, log);
      const [why, allow] = await batch([
        { tool: "audit2why", args: ["-p", bin], stdin: log },
        { tool: "audit2allow", args: ["-p", bin], stdin: log },
      ]);
      mlsTexts += (why!.stdout.match(/mlsconstrain |Possible cause is the source level/g) ?? []).length;
      for (const input of [["-M", src], [bin]]) {
        expect({ seed, input, why: (await xsm("why", ...input, logPath, "--plain")).stdout }).toEqual({ seed, input, why: why!.stdout });
        expect({ seed, input, allow: (await xsm("allow", ...input, logPath)).stdout }).toEqual({ seed, input, allow: allow!.stdout });
      }
    }
    expect(mlsTexts).toBeGreaterThan(5);
  }, 600_000);
});
