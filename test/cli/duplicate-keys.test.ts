// A key given twice in one object of a JSON file xsm reads: JSON.parse keeps the last value without
// a word, so every such file refuses it, each repeat at its line:col and JSON path, with the first's
// place, exit 1 and nothing run (golden files in test/fixtures/cli/duplicate-keys/golden/). A
// scenario's repeats come with its other errors, in the document's order; the studio opens such a
// scenario and shows them in the page, as it does the schema's.
// After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/duplicate-keys.test.ts
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const dir = "test/fixtures/cli/duplicate-keys";
const CASES: Record<string, string[]> = {
  "check-queries": ["check", `${dir}/small.conf`, "--queries", `${dir}/queries.json`, "--json"],
  "check-queries-several": ["check", `${dir}/small.conf`, "--queries", `${dir}/queries-several.json`],
  "lint-config": ["lint", `${dir}/small.conf`, "--config", `${dir}/lint.json`],
  "test-file": ["test", `${dir}/small.tests.json`],
  "simulate-scenario": ["simulate", `${dir}/scenario.json`],
  "test-scenario": ["test", `${dir}/scenario.json`],
};

function golden(name: string, actual: string): void {
  const file = join(dir, "golden", `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/duplicate-keys.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("a repeated JSON key is refused where it stands", () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(STACK_LINE);
      golden(name, `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stderr\n${r.stderr}`);
    });
  }

  const tmp = mkdtempSync(join(tmpdir(), "xsm-duplicate-keys-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("the same file with each key once is read", async () => {
    const once = join(tmp, "queries.json");
    writeFileSync(once, readFileSync(`${dir}/queries.json`, "utf8").replace(/\n\s*"perm": "getdomaininfo",/, ""));
    const r = await xsm("check", `${dir}/small.conf`, "--queries", once, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
  });

  it("xsm studio opens a scenario with a repeated key: the page shows it, as the schema's errors", async () => {
    const site = join(tmp, "site");
    const r = await xsm("studio", `${dir}/scenario.json`, "--export", site);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(join(site, "files.json"))).toBe(true);
  });
});
