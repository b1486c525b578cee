// A repeatable NAME=VALUE option given one NAME twice with values that differ contradicts itself:
// `check --bool a=1 --bool a=0`, `search --set`, `-D x=1 -D x=2` are usage errors (exit 2) naming
// both, where the last was kept silently; the same value again, in any spelling (`a=1`, `a=true`;
// `-D x`, `-D x=`), is accepted (src/cli/repeats.ts). Golden files: test/fixtures/cli/repeats/.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";
import { STACK_LINE, xsm } from "./run.js";

const goldens = "test/fixtures/cli/repeats";
const policy = "test/fixtures/cli/small.conf";
const tree = "examples/xen-flask";
const check = ["check", policy, "--scontext", "vm_u:vm_r:guest_a_t", "--tcontext", "system_u:object_r:nic_t", "--class", "resource", "--perm", "plug"];
const effective = ["search", policy, "--effective", "-s", "guest_a_t", "-t", "nic_t"];

function expectGolden(name: string, argv: string[], actual: { code: number; stdout: string; stderr: string }): void {
  const text = `$ xsm ${argv.join(" ")}\nexit ${actual.code}\n--- stdout\n${actual.stdout}--- stderr\n${actual.stderr}`;
  const file = join(goldens, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/repeated-values.test.ts`);
  expect(text).toBe(readFileSync(file, "utf8"));
}

const REFUSED: Record<string, string[]> = {
  "check-bool-both-ways": [...check, "--bool", "guests_may_plug=1", "--bool", "guests_may_plug=0"],
  "check-bool-both-ways-spelled": [...check, "--bool", "guests_may_plug=true", "--bool", "guests_may_plug=1", "--bool", "guests_may_plug=false"],
  "search-set-both-ways": [...effective, "--set", "guests_may_plug=1", "--set", "guests_may_plug=false"],
  "build-define-both-ways": ["build", tree, "-D", "prot_doms_locked_conf=true", "-D", "prot_doms_locked_conf=false"],
  "lint-define-empty-and-value": ["lint", tree, "-D", "x", "-D", "x=1"],
};

describe("a repeatable NAME=VALUE option given two values for one NAME", () => {
  for (const [name, argv] of Object.entries(REFUSED)) {
    it(`${name}: exit 2, both named`, async () => {
      const r = await xsm(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expectGolden(name, argv, r);
    });
  }
});

describe("the same value again is accepted, as given once", () => {
  const SAME: [string[], string[]][] = [
    [[...check, "--bool", "guests_may_plug=1", "--bool", "guests_may_plug=true"], [...check, "--bool", "guests_may_plug=1"]],
    [[...check, "--bool", "guests_may_plug=0", "--bool", "guests_may_plug=false", "--bool", "guests_may_plug=0"], [...check, "--bool", "guests_may_plug=0"]],
    [[...effective, "--set", "guests_may_plug=true", "--set", "guests_may_plug=1"], [...effective, "--set", "guests_may_plug=1"]],
    // (a tree is built with GNU m4: where it is missing, test:m4 runs these)
    ...(hasM4
      ? ([
          [["build", tree, "--conf", "-", "-D", "x", "-D", "x="], ["build", tree, "--conf", "-", "-D", "x"]],
          [["build", tree, "--conf", "-", "-D", "x=1", "-D", "y=1", "-D", "x=1"], ["build", tree, "--conf", "-", "-D", "x=1", "-D", "y=1"]],
        ] as [string[], string[]][])
      : []),
  ];
  for (const [twice, once] of SAME) {
    it(`${twice.slice(twice.length - 4).join(" ")}`, async () => {
      const a = await xsm(...twice);
      expect(a.code, a.stderr).toBe(0);
      expect(a).toEqual(await xsm(...once));
    });
  }
});
