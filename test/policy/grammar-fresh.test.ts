import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dtsPath, generateGrammar, outputPath } from "../../scripts/build-grammar.mjs";

// The parser is generated from grammar/policy.peggy and committed; editing one without the other
// (or hand-editing the output) makes this fail. Fix: npm run build:grammar.
describe("src/policy/grammar.generated.js", () => {
  const fresh = generateGrammar();

  it("is what `npm run build:grammar` makes of grammar/policy.peggy", () => {
    expect(readFileSync(outputPath, "utf8") === fresh.js, "stale: run npm run build:grammar").toBe(true);
  });

  it("has current declarations", () => {
    expect(readFileSync(dtsPath, "utf8")).toBe(fresh.dts);
  });
});
