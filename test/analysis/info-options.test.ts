// xsm info against seinfo where the example policies have nothing to list: a class that only
// inherits a common (-c -x keeps Class.statement's last newline), a class with no permissions,
// --constrain/--validatetrans naming a class that has none (an empty listing, not an error), an
// unknown class (an error, as seinfo's "not a valid class"). From the policy.conf and from its
// binary (byte-identical to checkpolicy's: test/binary/accept-set.test.ts covers the writer).
// seinfo's answers: scripts/gen-info-options-fixtures.sh.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { xsm } from "../cli/run.js";

const conf = "test/fixtures/analysis/info-options.conf";
const expected = JSON.parse(readFileSync("test/fixtures/analysis/info-options.seinfo.json", "utf8")) as Record<string, string>;
const bin = join(mkdtempSync(join(tmpdir(), "xsm-info-options-")), "p.bin");
writeFileSync(bin, compileBinary(readFileSync(conf, "utf8"), { file: conf }).bytes);

describe("xsm info = seinfo on classes without permissions or constraints", () => {
  for (const [query, want] of Object.entries(expected)) {
    it(query, async () => {
      for (const input of [conf, bin]) {
        const r = await xsm("info", input, ...query.split(" "));
        expect(r.stderr).toBe("");
        expect(r.stdout).toBe(want);
      }
    });
  }
  it("an unknown class is an error", async () => {
    const r = await xsm("info", conf, "--constrain", "nosuch");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown class 'nosuch'/);
  });
});
