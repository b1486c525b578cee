// The class table (typeclasses.ts) answers every (source, target, class) exactly as the walk over the
// types' attributes (TypeAttrMap.allowed, services.c context_struct_compute_av) on random policies:
// types in overlapping attributes, rules on types, attributes, sets with `-`, `self`, a
// type named as both source and target, and conditionals under random booleans. Both widths of row
// numbers are checked, and so are the decision function built on it and its fallback when the
// classes are too many.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyTables, boolState } from "../../src/policy/image.js";
import { compile, compilePolicy } from "../../src/policy/index.js";
import { allowedLookup } from "../../src/policy/typeattr.js";
import { type ClassTable, classTable } from "../../src/policy/typeclasses.js";

const PERMS = ["p0", "p1", "p2", "p3", "p4"];

interface Shape {
  types: number;
  attrs: number;
  classes: number;
  bools: number;
}

const policy: fc.Arbitrary<{ text: string; bools: boolean[] }> = fc
  .record({
    types: fc.integer({ min: 1, max: 24 }),
    attrs: fc.integer({ min: 0, max: 6 }),
    classes: fc.integer({ min: 1, max: 3 }),
    bools: fc.integer({ min: 0, max: 2 }),
  })
  .chain((shape: Shape) => {
    const types = Array.from({ length: shape.types }, (_, i) => `d${i}_t`);
    const attrs = Array.from({ length: shape.attrs }, (_, i) => `a${i}`);
    const classes = Array.from({ length: shape.classes }, (_, i) => `c${i}`);
    const name = fc.constantFrom(...types, ...attrs);
    const set = fc.oneof(
      { weight: 6, arbitrary: name },
      { weight: 2, arbitrary: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }).map((xs) => `{ ${xs.join(" ")} }`) },
      { weight: 1, arbitrary: fc.tuple(name, name).map(([a, b]) => `{ ${a} -${b} }`) },
    );
    const perms = fc.oneof(fc.constant("*"), fc.uniqueArray(fc.constantFrom(...PERMS), { minLength: 1, maxLength: 3 }).map((ps) => `{ ${ps.join(" ")} }`));
    const rule = fc
      .tuple(set, fc.oneof({ weight: 4, arbitrary: set }, { weight: 1, arbitrary: fc.constant("self") }), fc.constantFrom(...classes), perms)
      .map(([s, t, c, p]) => `allow ${s} ${t}:${c} ${p};`);
    // (checkpolicy takes no `*` or `~` in a conditional)
    const condSet = fc.oneof(name, fc.uniqueArray(name, { minLength: 1, maxLength: 3 }).map((xs) => `{ ${xs.join(" ")} }`));
    const condRule = fc
      .tuple(condSet, fc.oneof({ weight: 4, arbitrary: condSet }, { weight: 1, arbitrary: fc.constant("self") }), fc.constantFrom(...classes), perms)
      .map(([s, t, c, p]) => `allow ${s} ${t}:${c} ${p};`);
    // x to x: a key whose only entries are on the diagonal
    const selfPair = fc.constantFrom(...types).map((x) => `allow ${x} ${x}:${classes[0]} p1;`);
    const te = fc.array(fc.oneof({ weight: 5, arbitrary: rule }, { weight: 1, arbitrary: selfPair }), { maxLength: 14 });
    const cond = shape.bools === 0 ? fc.constant([] as string[]) : fc.array(fc.tuple(fc.integer({ min: 0, max: shape.bools - 1 }), condRule, fc.option(condRule)), { maxLength: 3 }).map((cs) => cs.map(([b, r, e]) => `if (b${b}) {\n${r}\n}${e === null ? "" : ` else {\n${e}\n}`}`));
    return fc.record({
      members: fc.array(fc.uniqueArray(fc.constantFrom(...attrs.length > 0 ? attrs : ["-"]), { maxLength: 3 }), { minLength: shape.types, maxLength: shape.types }),
      te,
      cond,
      defaults: fc.array(fc.boolean(), { minLength: shape.bools, maxLength: shape.bools }),
      bools: fc.array(fc.boolean(), { minLength: shape.bools, maxLength: shape.bools }),
    }).map((p) => {
      const lines = [
        ...classes.map((c) => `class ${c}`),
        "sid kernel",
        ...classes.map((c) => `class ${c} { ${PERMS.join(" ")} }`),
        ...attrs.map((a) => `attribute ${a};`),
        ...types.map((t, i) => `type ${t}${p.members[i]!.filter((a) => a !== "-").map((a) => `, ${a}`).join("")};`),
        ...p.defaults.map((v, i) => `bool b${i} ${v};`),
        ...p.te,
        ...p.cond,
        "role r;",
        `role r types { ${types.join(" ")} };`,
        "user u roles { r };",
        "sid kernel u:r:d0_t",
      ];
      return { text: `${lines.join("\n")}\n`, bools: p.bools };
    });
  });

/** The mask a class table gives (s, t, c), read as allowedLookup reads it. */
function cell(ct: ClassTable, nc: number, s: number, t: number, c: number): number {
  const row = s === t ? ct.diagRow[s]! : ct.pair[ct.srcRow[s]! + ct.tgtCol[t]!]!;
  return ct.rows[row * nc + c]!;
}

describe("the class table", () => {
  it("answers as the walk over the types' attributes, on random policies", () => {
    fc.assert(
      fc.property(policy, ({ text, bools }) => {
        const run = compile(text, { file: "random.conf" });
        if (!run.ok) throw new Error(`does not compile:\n${text}\n${JSON.stringify(run.error)}`);
        const tables = new PolicyTables(run.value.symbols, run.value.expanded, text);
        const values = new Uint8Array(bools.map((b) => (b ? 1 : 0)));
        for (const assignment of [tables.defaults, values]) {
          const tab = boolState(tables, assignment).table;
          const tam = tables.tam;
          const nt = tam.ntypes;
          const nc = tab.nclasses;
          const narrow = classTable(tab, tam)!;
          const wide = classTable(tab, tam, { narrow: false })!;
          expect(narrow.pair).toBeInstanceOf(Uint8Array);
          expect(wide.pair).toBeInstanceOf(Uint16Array);
          const lookup = allowedLookup(tab, tam, "classes");
          for (let s = 0; s < nt; s++) {
            for (let t = 0; t < nt; t++) {
              for (let c = 0; c < nc; c++) {
                const want = tam.allowed(tab, s, t, c);
                if (cell(narrow, nc, s, t, c) !== want || cell(wide, nc, s, t, c) !== want) {
                  expect({ s, t, c, narrow: cell(narrow, nc, s, t, c), wide: cell(wide, nc, s, t, c) }).toEqual({ s, t, c, narrow: want, wide: want });
                }
                for (let bit = 0; bit < PERMS.length; bit++) {
                  if (lookup(s, t, c, 1 << bit) !== (((want >>> bit) & 1) === 1)) expect({ s, t, c, bit }).toBe("answered as the walk");
                }
              }
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("is not made past its limit of class pairs", () => {
    const text = "class c\nsid kernel\nclass c { p }\ntype x_t;\ntype y_t;\nallow x_t y_t:c p;\nrole r;\nrole r types { x_t y_t };\nuser u roles { r };\nsid kernel u:r:x_t\n";
    const run = compile(text, { file: "two.conf" });
    if (!run.ok) throw new Error("does not compile");
    const tables = new PolicyTables(run.value.symbols, run.value.expanded, text);
    const tab = boolState(tables, tables.defaults).table;
    expect(classTable(tab, tables.tam, { limit: 4 })).toBeDefined();
    expect(classTable(tab, tables.tam, { limit: 3 })).toBeUndefined();
  });

  it("gives way to the packed expansion when every type is its own class", () => {
    // 3000 types each named in a rule of its own: 9M class pairs, past the limit
    const n = 3000;
    const lines = ["class c", "sid kernel", "class c { p q }"];
    for (let i = 0; i < n; i++) lines.push(`type d${i}_t;`);
    for (let i = 0; i < n; i++) lines.push(`allow d${i}_t d${(i * 7 + 1) % n}_t:c p;`);
    lines.push("role r;", "role r types { d0_t };", "user u roles { r };", "sid kernel u:r:d0_t");
    const p = compilePolicy(`${lines.join("\n")}\n`, { file: "distinct.conf" });
    for (let i = 0; i < 2000; i++) {
      const s = (i * 7919) % n;
      const t = i % 2 === 0 ? (s * 7 + 1) % n : (i * 104729) % n;
      expect(p.allows(`d${s}_t`, `d${t}_t`, "c", "p")).toBe(t === (s * 7 + 1) % n);
      expect(p.allows(`d${s}_t`, `d${t}_t`, "c", "q")).toBe(false);
    }
  });
});
