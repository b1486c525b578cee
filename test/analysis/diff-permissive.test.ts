// xsm diff = sediff on types made or no longer permissive ("Added permissive" after a type's member
// counts), from the policy.conf files and from checkpolicy-identical binaries. sediff -t's report
// on checkpolicy's binaries: test/fixtures/analysis/diff/permissive.sediff.txt.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { xsm } from "../cli/run.js";

const dir = "test/fixtures/analysis/diff";
const want = readFileSync(join(dir, "permissive.sediff.txt"), "utf8");
/** xsm diff's Types section. */
const types = (report: string) => /^Types \(.*\n(?:.*\S.*\n)*\n/m.exec(report)?.[0];

it("reports permissive changes as sediff does", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "xsm-diff-permissive-"));
  const bins = ["old", "new"].map((v) => {
    const conf = join(dir, `permissive.${v}.conf`);
    const bin = join(tmp, `${v}.bin`);
    writeFileSync(bin, compileBinary(readFileSync(conf, "utf8"), { file: conf }).bytes);
    return { conf, bin };
  });
  for (const [a, b] of [[bins[0]!.conf, bins[1]!.conf], [bins[0]!.bin, bins[1]!.bin]]) {
    const r = await xsm("diff", a!, b!);
    expect(r.code).toBe(1);
    expect(types(r.stdout)).toBe(want);
  }
});
