// Decisions on the attribute-keyed table: the forms of the hot-path lookup (a dense array, the table
// over classes of types, a packed hash of the expansion to type pairs, and the walk over each type's
// attributes with its cache), each as allowsIds's closure and as allows()'s Decider object, must
// answer every (source, target, class, permission) exactly as the table expanded to type pairs does,
// on policies with attributes, self, negations and conditionals.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PolicyTables, boolState } from "../../src/policy/image.js";
import { compile } from "../../src/policy/index.js";
import { decider, lookupOf } from "../../src/policy/typeattr.js";

const POLICIES = ["test/fixtures/cli/small.conf", "examples/svp/svp.conf", "examples/xen-flask/policy.conf", "bench/data/gen-seed1-small.conf"];

describe.each(POLICIES)("%s", (file) => {
  const text = readFileSync(file, "utf8");
  const run = compile(text, { file });
  if (!run.ok) throw new Error(`${file} does not compile`);
  const tables = new PolicyTables(run.value.symbols, run.value.expanded, text);
  const core = { sym: tables.sym, tam: tables.tam, effective: boolState(tables, tables.defaults).table };
  const pairs = core.tam.expandToTypes(core.effective);
  const nt = core.sym.types.length;
  const classes = core.sym.classes;

  const forms = ["dense", "classes", "packed", "walk"] as const;
  const cases = forms.flatMap((how) => [
    { how, as: "closure", make: () => lookupOf(decider(core.effective, core.tam, how)) },
    { how, as: "decider", make: () => {
      const d = decider(core.effective, core.tam, how);
      return (s: number, t: number, c: number, m: number) => d.allowed(s, t, c, m);
    } },
  ]);
  it.each(cases)("the $how lookup ($as) answers as the expanded table", ({ make }) => {
    const lookup = make();
    let granted = 0;
    // twice: the walk's second pass answers from its cache
    for (let pass = 0; pass < 2; pass++) {
      for (let s = 0; s < nt; s++) {
        for (let t = 0; t < nt; t++) {
          for (const c of classes) {
            const h = pairs.find(pairs.key(s, t, c.id));
            const want = h < 0 ? 0 : pairs.allow[h]!;
            expect(core.tam.allowed(core.effective, s, t, c.id)).toBe(want);
            for (let bit = 0; bit < c.perms.length; bit++) {
              const got = lookup(s, t, c.id, 1 << bit);
              if (got !== ((want >>> bit) & 1) > 0) expect([s, t, c.id, bit, got]).toEqual([s, t, c.id, bit, !got]);
              if (got) granted++;
            }
          }
        }
      }
    }
    expect(granted).toBeGreaterThan(0);
  });
});

describe("N types in one attribute under one rule", () => {
  it("is one avtab entry, decided through the attribute (no N^2 expansion)", async () => {
    const { compilePolicy } = await import("../../src/policy/index.js");
    const { oneAttributePolicy } = await import("../../bench/gen/one-attribute.js");
    const n = 3000; // 9M type pairs: past the expansion limit, so allows() walks the attribute
    const text = oneAttributePolicy(n);
    const p = compilePolicy(text, { file: "one-attribute.conf" });
    expect(p.stats.allow).toBe(1);
    for (let i = 0; i < 1000; i++) {
      const s = `d${(i * 7919) % n}_t`;
      const t = `d${(i * 104729) % n}_t`;
      expect(p.allows(s, t, "resource", "plug")).toBe(true);
    }
    const run = compile(text, { file: "one-attribute.conf" });
    expect(run.ok && run.value.expanded.base.size).toBe(1);
  });
});
