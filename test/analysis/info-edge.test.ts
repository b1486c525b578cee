// xsm info's statistics against seinfo on checkpolicy's binaries of the edge cases: from the
// binary and from its policy.conf alike (scripts/gen-info-edge-fixtures.sh records seinfo). These
// hold the counts the example policies leave at 0: Role_trans, Typebounds (dotted names too),
// Defaults (glblub not kept at version 30), Permissives, Polcap, filename type_transitions.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/info-edge.json", "utf8")) as Record<string, string>;
const body = (s: string) => s.replace(/^Statistics for policy file: .*\n/, "");
/** A policy.conf carries no handle_unknown (checkpolicy -U made t8's binary): deny, as compiled. */
const sourceView = (s: string) => body(s).replace(/^Handle unknown classes: +\w+$/m, "Handle unknown classes:     deny");

describe("xsm info counts what seinfo counts on the edge binaries", () => {
  it("has the fixtures", () => expect(Object.keys(fixtures).length).toBeGreaterThanOrEqual(15));
  for (const [bin, expected] of Object.entries(fixtures)) {
    it(bin, async () => {
      const fromBinary = await xsm("info", bin);
      expect(fromBinary.code).toBe(0);
      expect(body(fromBinary.stdout)).toBe(body(expected));
      const conf = bin.replace(/\.bin$/, ".conf");
      if (!existsSync(conf)) return;
      const fromSource = await xsm("info", conf);
      expect(fromSource.code).toBe(0);
      expect(body(fromSource.stdout)).toBe(sourceView(expected));
    });
  }
});

describe("a permissive source type, from a binary as from its source", () => {
  for (const file of ["test/fixtures/binary/edge/t8.conf", "test/fixtures/binary/edge/t8.bin"]) {
    it(`${file}: denied by the security server, and says Xen's AVC grants it`, async () => {
      const r = await xsm("check", file, "--scontext", "system_u:system_r:d1_t", "--tcontext", "system_u:system_r:d2_t", "--class", "domain", "--perm", "z", "--json");
      expect(r.code).toBe(0);
      const d = JSON.parse(r.stdout) as { allowed: boolean; reasons: { kind: string; text: string }[] };
      expect(d.allowed).toBe(false);
      expect(d.reasons.map((x) => x.kind)).toEqual(["no-rule", "permissive"]);
      expect(d.reasons[1]!.text).toMatch(/^d1_t is permissive/);
    });
  }
});
