// The public surface is reviewed as a file: docs/api.md lists every export of src/index.ts with
// its signature. After a deliberate change, `npx tsx scripts/api-report.ts` rewrites it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiReport } from "../../scripts/api-report.js";

describe("the public API report", () => {
  it("is what src/index.ts exports (run `npx tsx scripts/api-report.ts` after a deliberate change)", () => {
    expect(readFileSync("docs/api.md", "utf8")).toBe(apiReport());
  }, 120_000);

  it("keeps engine parts out of the facade", () => {
    const report = readFileSync("docs/api.md", "utf8");
    for (const internal of ["class FlaskXsm", "class SecurityServer", "class SidTable", "class Avc ", "desugarPlatforms", "PolicyTables"]) {
      expect(report).not.toContain(internal);
    }
  });
});
