// Every scenario under examples/ meets its own expectations when run beside the releases
// (--compare-xen): the column standing for the file's own run agrees with it, and a column that
// differs is listed under the table as that release's result, not as the command's failure.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const root = join(import.meta.dirname, "../..");
const scenarios = ["examples/svp", "examples/xen-flask"].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".json"))
    .map((f) => relative(process.cwd(), join(root, dir, f))),
);

describe("every example under --compare-xen", () => {
  it("finds the examples", () => expect(scenarios.length).toBeGreaterThanOrEqual(22));
  it.each(scenarios)("%s meets its expectations in the column of its own run", async (file) => {
    const out = await xsm("simulate", file, "--compare-xen");
    expect([out.code, out.stderr]).toEqual([0, ""]);
    // whatever fails is some release's, named: never an unexplained mark
    const failed = out.stdout.split("\n").filter((l) => /^ {2}step \d+ expect /.test(l));
    for (const line of failed) expect(line).toMatch(/: (4\.\d+\.\d+|master)( pre-links)? /);
  });
});
