// Golden tests of what `xsm` prints: each case's exit status, stdout and stderr are kept in
// test/fixtures/cli/NAME.txt. After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "./run.js";

const dir = "test/fixtures/cli";
const policy = `${dir}/small.conf`;
const dom0 = "system_u:system_r:dom0_t";
const guestA = "vm_u:vm_r:guest_a_t";
const nic = "system_u:object_r:nic_t";
const device = "system_u:object_r:device_t";
const check = (s: string, t: string, cls: string, perm: string, ...more: string[]) =>
  ["check", policy, "--scontext", s, "--tcontext", t, "--class", cls, "--perm", perm, ...more];

const CASES: Record<string, string[]> = {
  "compile-summary": ["compile", policy],
  "compile-errors": ["compile", `${dir}/errors.conf`],
  "compile-neverallow": ["compile", `${dir}/neverallow.conf`],
  "check-allowed": check(dom0, nic, "resource", "plug"),
  "check-auditallow": check(dom0, nic, "resource", "unplug"),
  "check-no-rule": check("vm_u:vm_r:guest_b_t", device, "resource", "plug"),
  "check-dontaudit": check("vm_u:vm_r:guest_b_t", device, "resource", "use"),
  "check-disabled-by-bool": check(guestA, nic, "resource", "plug"),
  "check-constraint-fails": check(guestA, nic, "resource", "plug", "--bool", "guests_may_plug=true"),
  "check-json": check(dom0, nic, "resource", "unplug", "--json"),
  "check-json-disabled-by-bool": check(guestA, nic, "resource", "plug", "--json"),
  "check-several-perms": check(guestA, nic, "resource", "plug", "--perm", "use", "--perm", "unplug", "--bool", "guests_may_plug=1"),
  "check-several-perms-json": check(dom0, nic, "resource", "plug", "--perm", "use", "--json"),
  "check-bool-zero": check(guestA, nic, "resource", "plug", "--bool", "guests_may_plug=0"),
  "check-bool-bad-value": check(guestA, nic, "resource", "plug", "--bool", "guests_may_plug=yes"),
  "check-line-directives": ["check", `${dir}/lined.conf`, "--scontext", dom0, "--tcontext", nic, "--class", "resource", "--perm", "unplug"],
  "check-invalid-context": check("vm_u:system_r:dom0_t", nic, "resource", "plug"),
  "check-unknown-bool": check(dom0, nic, "resource", "plug", "--bool", "nope=true"),
  "check-queries-json": ["check", policy, "--queries", `${dir}/queries.json`, "--json"],
  "check-queries-human": ["check", policy, "--queries", `${dir}/queries.json`],
  "usage-unknown-option": ["compile", policy, "--frobnicate"],
  "usage-unknown-command": ["comple", policy],
};

describe("xsm output (golden files)", () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      const actual = `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
      const file = join(dir, `${name}.txt`);
      if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
      if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts`);
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }
});
