// Live: audit2why and audit2allow still answer the broken and odd avc lines of
// test/analysis/avc-lines.ts as test/fixtures/analysis/avc-lines.json records (which
// test/analysis/avc-lines.test.ts holds xsm why and allow to).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { askAvcLines } from "./avc-lines-oracle.js";
import { repoRoot } from "./harness.js";

describe("audit2why and audit2allow on broken avc lines, live", () => {
  it("answer as the committed fixture says", () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/analysis/avc-lines.json"), "utf8")) as unknown;
    expect(askAvcLines()).toEqual(committed);
  }, 120_000);
});
