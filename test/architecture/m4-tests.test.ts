// The tests that skip without GNU m4 (they import test/tools.ts) are exactly the ones .ci/run runs
// again after installing it (vitest.m4.config.ts), so none is skipped everywhere.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import config from "../../vitest.m4.config.js";

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? testFiles(path) : e.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("tests needing m4", () => {
  it("every test file importing test/tools.ts is in vitest.m4.config.ts, and no other", () => {
    const importing = testFiles("test").filter((f) => /from "\.\.\/tools\.js"/.test(readFileSync(f, "utf8"))).sort();
    expect([...(config.test?.include ?? [])].sort()).toEqual(importing);
  });
});
