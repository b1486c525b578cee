// The parser reads simple AV rules and declarations by hand (src/policy/scan.ts, called from the grammar) and
// everything else through the grammar's rules. Both must build the same AST, spans included, and
// the same diagnostics: compare them on every committed policy and on damaged copies.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/parse.js";

const oracle = "test/fixtures/oracle";
const policies = [
  ...readdirSync(oracle)
    .filter((f) => f.endsWith(".conf"))
    .map((f) => join(oracle, f)),
  "examples/xen-flask/policy.conf",
  "examples/svp/svp.conf",
];

// JSON gives the plain shape of the parser's lazy nodes (and resolves their spans); iomemcon
// addresses are bigints
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
const both = (text: string, file: string) => {
  const fast = parsePolicy(text, file);
  const slow = parsePolicy(text, file, { grammarOnly: true });
  return [json(fast), json(slow)] as const;
};

describe("the parser's fast path", () => {
  it(`builds the grammar's AST on all ${policies.length} committed policies`, () => {
    for (const file of policies) {
      const [fast, slow] = both(readFileSync(file, "utf8"), file);
      expect(fast === slow, file).toBe(true);
    }
  });

  it("gives the grammar's diagnostics and partial results on damaged policies", () => {
    // deterministic damage at many places: drop a character, which breaks rules in every way
    const text = readFileSync(join(oracle, "seed-001.conf"), "utf8");
    for (let i = 0, n = 0; i < text.length && n < 300; i += 37, n++) {
      const damaged = text.slice(0, i) + text.slice(i + 1);
      const [fast, slow] = both(damaged, "damaged.conf");
      expect(fast === slow, `character ${i} removed`).toBe(true);
    }
  });
});
