// Golden tests of what `xsm` prints: each case's exit status, stdout and stderr are kept in
// test/fixtures/cli/NAME.txt. After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts
// A case that reads standard input runs the built CLI (bin/xsm.cjs) with a file on it, as an
// editor's filter does (in-process it would wait for the test runner's own standard input).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_TIMEOUT_MS, xsm, xsmBuilt } from "./run.js";

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
  // a permission the class lacks: the nearest of its own (its common's too), as for a type or class
  "compile-unknown-perms": ["compile", `${dir}/unknown-perms.conf`],
  "check-unknown-perm": check(dom0, nic, "resource", "plgu"),
  "check-unknown-perm-common": check(dom0, guestA, "domain", "getatr"),
  "check-queries-unknown-perm": ["check", policy, "--queries", `${dir}/queries-unknown-perm.json`],
  "check-queries-unknown-perm-json": ["check", policy, "--queries", `${dir}/queries-unknown-perm.json`, "--json"],
  "search-unknown-perm": ["search", policy, "-A", "-c", "domain", "-p", "getatr"],
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
  // what the file holds that a terminal would act on is escaped in the quoted line, as clang shows
  // it; a binary file's line is not quoted at all
  "compile-control-chars": ["compile", `${dir}/control-chars.conf`],
  "compile-binary-not-policy": ["compile", `${dir}/elf-like.bin`],
  // a binary policy's diagnostics are placed by file and byte offset, in every form and command
  "compile-binary-truncated": ["compile", `${dir}/truncated.bin`],
  "compile-binary-truncated-json": ["compile", `${dir}/truncated.bin`, "--format", "json"],
  "compile-binary-truncated-sarif": ["compile", `${dir}/truncated.bin`, "--format", "sarif"],
  "info-binary-truncated": ["info", `${dir}/truncated.bin`],
  "compile-binary-warning": ["compile", "test/fixtures/binary/hand-made/constrain-extra-bits.bin"],
  "compile-binary-warning-json": ["compile", "test/fixtures/binary/hand-made/constrain-extra-bits.bin", "--format", "json"],
  // what Xen loads and libsepol refuses: a warning, and the binary is read as Xen reads it
  "compile-binary-libsepol-only": ["compile", "test/fixtures/binary/libsepol-only/role-dominates-attribute.bin"],
  // what a rewrite to another version leaves out is about the whole file: named, no place in it
  "compile-binary-version-dropped": ["compile", "test/fixtures/binary/edge/t11.bin", "-c", "24", "-o", "/dev/null"],
  "compile-binary-version-dropped-json": ["compile", "test/fixtures/binary/edge/t11.bin", "-c", "24", "-o", "/dev/null", "--format", "json"],
  "compile-binary-version-dropped-sarif": ["compile", "test/fixtures/binary/edge/t11.bin", "-c", "24", "-o", "/dev/null", "--format", "sarif"],
  "usage-unknown-option": ["compile", policy, "--frobnicate"],
  "usage-unknown-command": ["comple", policy],
  // --stdin-filepath is refused before standard input is read
  "fmt-stdin-filepath-without-stdin": ["fmt", policy, "--stdin-filepath", "x.conf"],
  "fmt-stdin-filepath-write": ["fmt", "--write", "-", "--stdin-filepath", "x.conf"],
  "fmt-stdin-filepath-dash": ["fmt", "-", "--stdin-filepath", "-"],
  "fmt-stdin-filepath-empty": ["fmt", "-", "--stdin-filepath", ""],
  "lint-stdin-filepath-without-stdin": ["lint", policy, "--stdin-filepath", "x.conf"],
  "lint-stdin-filepath-dash": ["lint", "-", "--stdin-filepath", "-"],
  // severities .xsm-lint.json sets: info and hint said as such, counted, SARIF's `note`, never exit 1
  "lint-info": ["lint", `${dir}/lint-info/planted.conf`],
  "lint-info-json": ["lint", `${dir}/lint-info/planted.conf`, "--format", "json"],
  "lint-info-sarif": ["lint", `${dir}/lint-info/planted.conf`, "--format", "sarif"],
  // an error among them: exit 1, every severity counted
  "lint-info-error": ["lint", `${dir}/lint-info/planted.conf`, "--config", `${dir}/lint-info/error.json`],
  // a scenario run as another Xen release than its own, and several releases side by side
  "simulate-xen": ["simulate", "examples/svp/xsa-492-assign-order.json", "--xen", "4.20.3"],
  "simulate-compare-xen": ["simulate", "examples/svp/xsa-492-assign-order.json", "--compare-xen"],
  "simulate-compare-xen-list": ["simulate", "examples/svp/xen-4.19.0-vf-before-pf.json", "--compare-xen", "4.20,master", "--strategy", "cascade"],
  "simulate-compare-xen-strategy": ["simulate", "examples/svp/xen-4.19.0-pf-removal.json", "--compare-xen", "--strategy", "cascade"],
  "simulate-compare-xen-no-release": ["simulate", "examples/svp/vf-before-pf-add-pf.json", "--compare-xen"],
  "simulate-xen-unknown": ["simulate", "examples/svp/nested-trust.json", "--xen", "4.19"],
  "simulate-compare-xen-unknown": ["simulate", "examples/svp/nested-trust.json", "--compare-xen", "4.18,4.19.0"],
  "simulate-compare-xen-with-compare": ["simulate", "examples/svp/nested-trust.json", "--compare", "--compare-xen"],
};

const stdin = `${dir}/fmt-stdin`;
const lintStdin = `${dir}/lint-stdin`;
/** Cases with a file on standard input: [argv, the file]. */
const STDIN_CASES: Record<string, [string[], string]> = {
  // the same text as the file PATH would be: a policy.conf's layout, refusals and name...
  "fmt-stdin-conf": [["fmt", "-", "--stdin-filepath", "x.conf"], `${stdin}/messy.in`],
  "fmt-stdin-conf-refused": [["fmt", "-", "--stdin-filepath", "x.conf"], `${stdin}/semi.in`],
  "fmt-stdin-conf-check": [["fmt", "--check", "-", "--stdin-filepath", "policy/x.conf"], `${stdin}/messy.in`],
  "fmt-stdin-conf-with-files": [["fmt", "--check", policy, "-", "--stdin-filepath", "x.conf"], `${stdin}/semi.in`],
  // ...an m4 source's...
  "fmt-stdin-te": [["fmt", "-", "--stdin-filepath", "policy/modules/xen.te"], `${stdin}/messy-te.in`],
  "fmt-stdin-te-refused": [["fmt", "-", "--stdin-filepath", "policy/modules/xen.te"], `${stdin}/nonascii-te.in`],
  // ...a tree's modules.conf, which is not a policy.conf
  "fmt-stdin-modules": [["fmt", "-", "--stdin-filepath", "policy/modules/modules.conf"], `${stdin}/modules.in`],
  "fmt-stdin-modules-as-conf": [["fmt", "-", "--stdin-filepath", "x.conf"], `${stdin}/modules.in`],
  // without the option, as before: m4 source named <stdin> (a missing ';' is laid out)
  "fmt-stdin": [["fmt", "-"], `${stdin}/messy.in`],
  "fmt-stdin-semi": [["fmt", "-"], `${stdin}/semi.in`],
  "fmt-stdin-check": [["fmt", "--check", "-"], `${stdin}/messy.in`],
  "fmt-stdin-te-refused-plain": [["fmt", "-"], `${stdin}/nonascii-te.in`],
  // lint as the file PATH: PATH named, PATH's directory's .xsm-lint.json read (an error, one check off)...
  "lint-stdin-filepath": [["lint", "-", "--stdin-filepath", `${lintStdin}/policy/x.conf`], `${lintStdin}/spare.in`],
  "lint-stdin-filepath-json": [["lint", "-", "--stdin-filepath", `${lintStdin}/policy/x.conf`, "--format", "json"], `${lintStdin}/spare.in`],
  // ...PATH need not exist, nor its directory; without the option, <stdin> and the current directory's config
  "lint-stdin-filepath-elsewhere": [["lint", "-", "--stdin-filepath", "no/such/dir/x.conf"], `${lintStdin}/spare.in`],
  "lint-stdin": [["lint", "-"], `${lintStdin}/spare.in`],
};

function expectGolden(name: string, actual: string): void {
  const file = join(dir, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("xsm output (golden files)", () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      const shown = argv.map((a) => (a === "" ? "''" : a)).join(" ");
      expectGolden(name, `$ xsm ${shown}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    });
  }
  for (const [name, [argv, input]] of Object.entries(STDIN_CASES)) {
    it(name, () => {
      const r = xsmBuilt(argv, { input: readFileSync(input) });
      expectGolden(name, `$ xsm ${argv.join(" ")} < ${input}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    });
  }
  it("a case on standard input that does not end fails naming its command, before vitest's own timeout", () => {
    // (no xsm start-up takes under 10 ms)
    expect(() => xsmBuilt(["fmt", "-"], { input: "type t;\n", timeoutMs: 10 })).toThrow("xsm fmt -: still running after 0.01 s (killed)");
    expect(BUILT_TIMEOUT_MS).toBeLessThan(60_000);
  });
});
