// A scenario's errors come in one report, in the file's order: the schema's and the meaning checks'
// with those found while preparing it (its policy compiled, its contexts and booleans read against
// the policy), which used to come in a second run, after the first batch was fixed. Exit 1, nothing
// run. Golden files in test/fixtures/cli/scenario-errors/golden/.
// After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/scenario-errors.test.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const dir = "test/fixtures/cli/scenario-errors";
const CASES: Record<string, string[]> = {
  // an unknown boolean and a context the policy lacks (prepare) around a domid of the wrong type (schema)
  "simulate-prepare-order": ["simulate", `${dir}/prepare-order.json`],
  "test-prepare-order": ["test", `${dir}/prepare-order.json`],
  // no policy to read the contexts against: its compile errors, not each context
  "simulate-broken-policy": ["simulate", `${dir}/broken-policy.json`],
};

function golden(name: string, actual: string): void {
  const file = join(dir, "golden", `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/scenario-errors.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("a scenario's errors, all at once in the file's order", () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(STACK_LINE);
      golden(name, `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stderr\n${r.stderr}`);
    });
  }

  it("each error is reported once: the schema's at a path hides prepare's there", async () => {
    const r = await xsm("simulate", `${dir}/prepare-order.json`);
    const paths = r.stderr.trim().split("\n").map((l) => l.split(": ")[1]);
    expect(paths).toEqual(["/booleans/no_such_bool", "/domains/2/context", "/domains/3/domid"]);
  });
});
