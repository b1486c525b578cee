// xsm why / xsm allow on MLS policies = audit2why -p / audit2allow -p on checkpolicy -M's binary:
// each case of test/fixtures/analysis/why-mls.json is a log with levels and ranges for one policy
// of test/fixtures/mls (scripts/gen-analysis-fixtures.ts). What only MLS shows: libsepol names a
// constraint that compares levels `mlsconstrain` and a level equality `eq`, and sepolgen adds the
// contexts' differing levels to a constraint's possible causes.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  binary: string;
  log: string;
  audit2why: string;
  audit2allow: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/why-mls.json", "utf8")) as Fixture[];
const dir = mkdtempSync(join(tmpdir(), "xsm-why-mls-"));

describe("xsm why --plain / xsm allow on MLS policies = audit2why -p / audit2allow -p", () => {
  it("the fixtures hold the MLS texts", () => {
    const all = fixtures.map((f) => f.audit2why).join("");
    for (const text of ["#\tmlsconstrain ", " eq ", "Possible cause is the source level ("]) expect(all).toContain(text);
  });
  fixtures.forEach((f, i) => {
    it(f.policy, async () => {
      const log = join(dir, `log-${i}.txt`);
      writeFileSync(log, f.log);
      for (const input of [["-M", f.policy], [f.binary]]) {
        expect((await xsm("why", ...input, log, "--plain")).stdout, input.join(" ")).toBe(f.audit2why);
        expect((await xsm("allow", ...input, log)).stdout, input.join(" ")).toBe(f.audit2allow);
      }
    });
  });
});
