// -M with a binary policy: a binary says itself whether it is MLS (POLICYDB_CONFIG_MLS), so every
// command reads an MLS binary without -M; -M with a binary that is not MLS is refused, exit 1, as
// checkpolicy -b -M refuses it ("non-MLS policy, but MLS is specified"), instead of being ignored.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-mls-binary-"));
const plain = join(tmp, "small.bin");
const mls = "test/fixtures/mls/devices.bin";
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  expect((await xsm("compile", "test/fixtures/cli/small.conf", "-o", plain)).code).toBe(0);
});

const refusal = (name: string) => `xsm: error: ${name}: -M: this binary policy is not MLS (checkpolicy -b -M refuses it: "non-MLS policy, but MLS is specified"); leave -M out: a binary says itself whether it is MLS\n`;

/** Each command that reads a binary and takes -M, with the rest of its arguments, and its exit
 *  status for a policy it cannot read (diff's is 2, as diff(1)'s trouble: 1 says they differ). */
const COMMANDS: [string, (bin: string) => string[], number?][] = [
  ["compile", (bin) => ["compile", bin, "-M"]],
  ["compile -o", (bin) => ["compile", bin, "-M", "-o", join(tmp, "out.bin")]],
  ["check", (bin) => ["check", bin, "-M", "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug"]],
  ["info", (bin) => ["info", bin, "-M"]],
  ["search", (bin) => ["search", bin, "-M", "-A"]],
  ["flow", (bin) => ["flow", bin, "-M", "-s", "dom0_t"]],
  ["diff", (bin) => ["diff", "-M", bin, bin], 2],
];

describe("-M with a binary policy that is not MLS", () => {
  for (const [name, argv, code = 1] of COMMANDS) {
    it(`xsm ${name}: refused, exit ${code}, nothing written`, async () => {
      const r = await xsm(...argv(plain));
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code, stdout: "", stderr: refusal(plain) });
      expect(existsSync(join(tmp, "out.bin"))).toBe(false);
    });
  }

  it("without -M the same binary is read", async () => {
    expect((await xsm("info", plain)).code).toBe(0);
    expect((await xsm("compile", plain)).code).toBe(0);
  });
});

describe("an MLS binary says so itself", () => {
  it("is read with -M and without it, alike", async () => {
    for (const argv of [["info", mls], ["compile", mls]]) {
      const without = await xsm(...argv);
      const withM = await xsm(...argv, "-M");
      expect(without.code, without.stderr).toBe(0);
      expect(withM).toEqual(without);
    }
  });
});
