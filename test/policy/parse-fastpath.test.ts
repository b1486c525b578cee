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

describe("the fast path's sets with `*`, `~` and `-`", () => {
  // every flat shape the scanner reads (and some it leaves to the grammar), with blanks and
  // comments where the grammar allows them
  const rules = [
    "allow a_t b_t:c *;",
    "allow a_t b_t:c ~p;",
    "allow a_t b_t:c ~ p;",
    "allow a_t b_t:c ~{ p q };",
    "allow a_t b_t:c ~ # why\n { p -q r };",
    "allow attr -a_t b_t:c p;",
    "allow attr - a_t b_t:c p;",
    "allow attr -a_t -b_t c_t:c p;",
    "allow { attr -a_t b_t } { -c_t d_t }:c { p q };",
    "allow { - a_t } b_t:c p;",
    "allow { a_t { b_t } } c_t:c p;",
    "allow { } b_t:c p;",
    "allow { a_t - } b_t:c p;",
    "allow a_t -type b_t:c p;",
    "allow ~{ a_t } *:c ~{ p };",
    "auditallow * ~a_t:c *;",
    "dontaudit { a_t -b_t }b_t:c p;",
    "allow a_t b_t:c *p;",
    "allow a_t b_t:c ~;",
    "neverallow { a_t -b_t } ~self:c *;",
  ];
  const parse = (text: string, grammarOnly: boolean) => json(parsePolicy(text, "sets.conf", { sections: false, grammarOnly }));

  it("builds the grammar's AST and diagnostics for each shape", () => {
    for (const rule of rules) expect(parse(rule, false), rule).toBe(parse(rule, true));
  });

  it("and on every copy with one character removed", () => {
    const text = rules.join("\n");
    for (let i = 0; i < text.length; i++) {
      const damaged = text.slice(0, i) + text.slice(i + 1);
      expect(parse(damaged, false), `character ${i} removed`).toBe(parse(damaged, true));
    }
  });
});
