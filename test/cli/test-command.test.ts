// `xsm test`: what it prints for passing, failing and malformed test files and scenarios (golden
// files in test/fixtures/policytest/golden/, exit status included), and the JUnit XML it writes.
// After an intended change of output: UPDATE_GOLDEN=1 npx vitest run test/cli/test-command.test.ts
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const dir = "test/fixtures/policytest";

const CASES: Record<string, string[]> = {
  "pass-verbose": ["test", `${dir}/small.tests.json`, "-v"],
  "fail-coverage": ["test", `${dir}/failing.tests.json`, "--coverage"],
  "fail-json": ["test", `${dir}/failing.tests.json`, "--json", "--coverage"],
  "several-files": ["test", `${dir}/small.tests.json`, `${dir}/scenario-fails.json`, `${dir}/failing.tests.json`],
  "scenario-coverage": ["test", `${dir}/scenario-fails.json`, "--coverage"],
  "scenario-reload-coverage": ["test", `${dir}/scenario-reload.json`, "--coverage"],
  "bad-schema": ["test", `${dir}/bad-schema.json`],
  "bad-names": ["test", `${dir}/bad-names.json`],
  "duplicate-names": ["test", `${dir}/duplicate-names.json`],
  "bad-and-good": ["test", `${dir}/small.tests.json`, `${dir}/bad-names.json`, `${dir}/missing.json`],
  "no-tests": ["test", `${dir}/no-expect.json`],
};

function golden(name: string, actual: string): void {
  const file = join(dir, "golden", `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/test-command.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("xsm test (golden files)", () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      expect(r.stderr).not.toMatch(STACK_LINE);
      golden(name, `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
    });
  }

  it("exits 0 when every test passes, 1 when one fails", async () => {
    expect((await xsm("test", `${dir}/small.tests.json`)).code).toBe(0);
    expect((await xsm("test", `${dir}/failing.tests.json`)).code).toBe(1);
    expect((await xsm("test", `${dir}/scenario-fails.json`)).code).toBe(1);
    expect((await xsm("test", `${dir}/bad-names.json`)).code).toBe(1);
    expect((await xsm("test")).code).toBe(2);
    expect((await xsm("test", `${dir}/small.tests.json`, "--frobnicate")).code).toBe(2);
  });

  it("--json is one document with every test and the coverage", async () => {
    const r = await xsm("test", `${dir}/failing.tests.json`, `${dir}/small.tests.json`, "--json", "--coverage");
    const doc = JSON.parse(r.stdout) as { passed: number; failed: number; files: { tests: unknown[] }[]; coverage: { covered: number; total: number }[] };
    expect(doc.passed + doc.failed).toBe(10);
    expect(doc.files.map((f) => f.tests.length)).toEqual([4, 6]);
    // both files test the same policy: one coverage entry, the union of what they exercised
    expect(doc.coverage).toHaveLength(1);
    expect(doc.coverage[0]).toMatchObject({ covered: 5, total: 5 });
  });

  it("--junit writes JUnit XML for CI systems", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "xsm-junit-"));
    try {
      const out = join(tmp, "results.xml");
      const r = await xsm("test", `${dir}/small.tests.json`, `${dir}/failing.tests.json`, `${dir}/scenario-fails.json`, "--junit", out);
      expect(r.code).toBe(1);
      golden("junit-xml", readFileSync(out, "utf8"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("refuses a test file over its size limit without reading it", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "xsm-big-"));
    try {
      const big = join(tmp, "big.json");
      writeFileSync(big, `{"policy":"x.conf","tests":[${" ".repeat(9 * 1024 * 1024)}]}`);
      const r = await xsm("test", big);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/file is too large \(9\.0 MB; the limit for a test file is 8\.0 MB\)/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
