import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateValidator, outputPath } from "../../scripts/build-validator.mjs";

// The scenario validator is ajv's standalone code for scenario.schema.json, generated and committed;
// editing the schema without rebuilding (or hand-editing the output) makes this fail. Fix: npm run build.
describe("src/sim/scenario.validate.generated.js", () => {
  it("is what scripts/build-validator.mjs makes of scenario.schema.json", () => {
    expect(readFileSync(outputPath, "utf8") === generateValidator(), "stale: run npm run build").toBe(true);
  });
});
