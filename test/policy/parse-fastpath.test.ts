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

describe("the fast path's rules keep sets as names", () => {
  // a set of one name or a plain `{ ... }` is kept as names; its node is made (all four at once,
  // from the text) when first read, in whatever order the sets are read
  const text = ["allow { a_t b_t } { attr -c_t }:c { p q };", "allow a_t self:{ c d } { p };", "dontaudit { a_t } b_t : c # x\n { p\n q };"].join("\n");
  const orders = [
    ["sources", "targets", "classes", "perms"],
    ["perms", "classes", "targets", "sources"],
    ["targets", "perms", "sources", "classes"],
  ] as const;

  it("makes the grammar's nodes, each read giving the same node", () => {
    const slow = parsePolicy(text, "names.conf", { sections: false, grammarOnly: true }).ast.statements;
    for (const order of orders) {
      const fast = parsePolicy(text, "names.conf", { sections: false }).ast.statements;
      expect(fast.length).toBe(slow.length);
      for (let i = 0; i < fast.length; i++) {
        const r = fast[i] as unknown as Record<string, unknown>;
        const g = slow[i] as unknown as Record<string, unknown>;
        for (const key of order) {
          const node = r[key];
          expect(json(node), `${key} of rule ${i}`).toBe(json(g[key]));
          expect(r[key], `${key} read again`).toBe(node);
        }
        expect(json(r)).toBe(json(g));
      }
    }
  });
});

describe("the fast path's whole statements", () => {
  // statements scan.ts reads keyword to end (and some it leaves to the grammar): keywords in both
  // cases, pcidevicecon numbers of every form strtoul reads, contexts with blanks, comments and MLS ranges
  const statements = [
    "ALLOW a_t b_t:c p;",
    "allow r1 r2;",
    "NEVERALLOW a_t b_t:c p;",
    "auditdeny a_t b_t:c p;",
    "TYPE a_t, attr;",
    "type a_t alias b_t;",
    "typeattribute a_t attr, attr2;",
    "ATTRIBUTE attr;",
    "allowx a_t b_t:c p;",
    "types a_t;",
    "pcidevicecon 0x300 system_u:object_r:a_t",
    "PCIDEVICECON 768 system_u:object_r:a_t",
    "pcidevicecon 0 u:r:t",
    "pcidevicecon 0x0 u:r:t",
    "pcidevicecon 0xFFFFFFFF u:r:t",
    "pcidevicecon 0x100000000 u:r:t",
    "pcidevicecon 0x000000001 u:r:t",
    "pcidevicecon 4294967295 u:r:t",
    "pcidevicecon 4294967296 u:r:t",
    "pcidevicecon 999999999 u:r:t",
    "pcidevicecon 0777 u:r:t",
    "pcidevicecon 09 u:r:t",
    "pcidevicecon 0X10 u:r:t",
    "pcidevicecon 0x u:r:t",
    "pcidevicecon 12a u:r:t",
    "pcidevicecon 12.5 u:r:t",
    "pcidevicecon 12-13 u:r:t",
    "pcidevicecon 0x30 u : r : t",
    "pcidevicecon 0x30 # where\n u:\nr:t",
    "pcidevicecon 0x30 u:r:t:s0",
    "pcidevicecon 0x30 u:r:t :s0 - s1",
    "pcidevicecon 0x30 u:r",
    "pcidevicecon 0x30 u:type:t",
    "pcidevicecon 0x30 u:r:t;",
    "pcidevicecon u:r:t",
    "type_transition a_t b_t:c d_t;",
    "TYPE_TRANSITION a_t b_t : c d_t ;",
    "type_change { a_t b_t } ~c_t:{ c d } d_t;",
    "type_member * a_t -b_t:c d_t;",
    "type_transition a_t b_t:c d_t \"name\";",
    "type_transition a_t b_t:c;",
    "type_transition a_t b_t:c d_t e_t;",
    "type_transition a_t self:c d_t;",
    "type_transition a_t b_t:c allow;",
    "type_transition { a_t { b_t } } c_t:c d_t;",
  ];
  const parse = (text: string, grammarOnly: boolean) => json(parsePolicy(text, "statements.conf", { sections: false, grammarOnly }));

  it("builds the grammar's AST and diagnostics for each", () => {
    for (const statement of statements) {
      expect(parse(statement, false), statement).toBe(parse(statement, true));
      const followed = `${statement}\nallow a_t b_t:c p;\n`;
      expect(parse(followed, false), followed).toBe(parse(followed, true));
    }
  });

  it("and on every copy with one character removed", () => {
    const text = statements.join("\n");
    for (let i = 0; i < text.length; i++) {
      const damaged = text.slice(0, i) + text.slice(i + 1);
      expect(parse(damaged, false), `character ${i} removed`).toBe(parse(damaged, true));
    }
  });
});

describe("the fast path's conditionals", () => {
  // random expressions over the grammar's tokens, well formed or not, with blanks and comments
  const TOKENS = ["b", "c_1", "x.y", "or", "OR", "and", "AND", "xor", "XOR", "not", "NOT", "eq", "EQ", "||", "&&", "^", "!", "==", "!=", "(", ")", "order", "nota", "Or", "if", "{"];
  const BLANKS = [" ", "", "\n", "  # note\n", "\t"];
  function expression(seed: number): string {
    let s = seed >>> 0;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    // mostly well formed: operand (op operand)*, with prefixes and groups
    const operand = (depth: number): string => {
      const r = next();
      if (r < 0.15) return `${pick(["!", "not ", "NOT ", "! "])}${operand(depth + 1)}`;
      if (r < 0.3 && depth < 6) return `(${pick(BLANKS)}${expr(depth + 1)}${pick(BLANKS)})`;
      return pick(["b", "c_1", "x.y", "order", "nota"]);
    };
    const expr = (depth: number): string => {
      let e = operand(depth);
      for (let n = Math.floor(next() * 3); n > 0; n--) e += `${pick(BLANKS)}${pick(["||", "&&", "^", "==", "!=", "or", "and", "xor", "eq", "OR", "AND"])}${pick(BLANKS)}${operand(depth)}`;
      return e;
    };
    let text = expr(0);
    if (next() < 0.3) {
      // damage: a token inserted or a character dropped
      const at = Math.floor(next() * (text.length + 1));
      text = next() < 0.5 ? `${text.slice(0, at)} ${pick(TOKENS)} ${text.slice(at)}` : text.slice(0, at) + text.slice(at + 1);
    }
    return text;
  }

  it("builds the grammar's AST and diagnostics on 3,000 random conditionals, well formed or not", () => {
    for (let i = 0; i < 3000; i++) {
      const text = `bool b true;\nif ${expression(i)} { allow a_t b_t:c p; }\n`;
      const [fast, slow] = both(text, "cond.conf");
      expect(fast, text).toBe(slow);
    }
  });

  it("reads a conditional as deep as checkpolicy's parser stack goes, and reports past it as checkpolicy does", () => {
    // 9,987 levels of parentheses, or `(` and 9,987 `!`s (test/fixtures/accept-set/cond-*.conf has
    // checkpolicy's verdicts on the same shapes)
    const parens = (n: number) => `bool b true;\nif ${"(\n".repeat(n)}b${"\n)".repeat(n)} { allow a_t b_t:c p; }\n`;
    const nots = (n: number) => `bool b true;\nif (${"!\n".repeat(n)}b) { allow a_t b_t:c p; }\n`;
    for (const [shape, text] of [["parentheses", parens], ["!", nots]] as const) {
      const ok = parsePolicy(text(9987), "deep.conf", { sections: false });
      expect(ok.diagnostics.filter((d) => d.severity === "error"), shape).toEqual([]);
      expect(ok.ast.statements.find((s) => s.kind === "if"), shape).toBeDefined();
      const past = parsePolicy(text(9988), "deep.conf", { sections: false });
      expect(past.diagnostics[0]?.message, shape).toMatch(/^nesting deeper than checkpolicy's parser goes: checkpolicy rejects this \('memory exhausted'/);
    }
    // a malformed expression nested past what the grammar's recursive rules read is worded where
    // the flat reader stopped, the token checkpolicy calls a syntax error (not as a limit of xsm's)
    const close = `bool b true;\nif ${"(".repeat(5000)}b ${")".repeat(5000)} ) { }\n`;
    const broken = parsePolicy(close, "deep.conf", { sections: false }).diagnostics.find((d) => d.severity === "error");
    expect(broken?.message).toBe("expected '{' in conditional, found ')'");
    expect(broken?.span?.offset).toBe(close.lastIndexOf(")"));
    const open = `bool b true;\nif ${"(".repeat(5000)}b ${")".repeat(4999)} { allow a_t b_t:c p; }\n`;
    const unclosed = parsePolicy(open, "deep.conf", { sections: false }).diagnostics.find((d) => d.severity === "error");
    expect(unclosed?.message).toBe("expected ')' in conditional, found '{'");
    expect(unclosed?.span?.offset).toBe(open.indexOf("{"));
  });
});
