// fast-check arbitraries that build whole policy.conf files in checkpolicy's Xen-target grammar:
// the required sections in order, names drawn from what was declared (and sometimes not), sets
// with `*`, `~` and `-`, conditionals, constraints and ocontexts. Most are valid; the rest fail in
// the many ways a name or a shape can be wrong, which is what the fuzz tests want.
import fc from "fast-check";

const ident = (prefix: string) => fc.integer({ min: 0, max: 7 }).map((n) => `${prefix}${n}`);

export interface PolicyShape {
  classes: number;
  perms: number;
  types: number;
  attrs: number;
  bools: number;
}

function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** A policy.conf text. */
export const policyText: fc.Arbitrary<string> = fc
  .record({
    classes: fc.integer({ min: 1, max: 3 }),
    perms: fc.integer({ min: 1, max: 5 }),
    types: fc.integer({ min: 1, max: 8 }),
    attrs: fc.integer({ min: 0, max: 3 }),
    bools: fc.integer({ min: 0, max: 3 }),
  })
  .chain((shape) => {
    const classes = names("c", shape.classes);
    const perms = names("p", shape.perms);
    const types = names("t", shape.types);
    const attrs = names("a", shape.attrs);
    const bools = names("b", shape.bools);
    const typeOrAttr = fc.oneof(fc.constantFrom(...types, ...attrs), ident("t"), ident("a"));
    const set = (item: fc.Arbitrary<string>) =>
      fc.oneof(
        { weight: 6, arbitrary: item },
        { weight: 2, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }).map((xs) => `{ ${xs.join(" ")} }`) },
        { weight: 1, arbitrary: fc.constant("*") },
        { weight: 1, arbitrary: item.map((x) => `~${x}`) },
        { weight: 1, arbitrary: fc.tuple(item, item).map(([a, b]) => `{ ${a} -${b} }`) },
      );
    const permSet = set(fc.oneof(fc.constantFrom(...perms), ident("p")));
    const classSet = set(fc.oneof(fc.constantFrom(...classes), ident("c")));
    const avRule = fc
      .tuple(fc.constantFrom("allow", "auditallow", "dontaudit", "neverallow", "auditdeny"), set(typeOrAttr), set(fc.oneof(typeOrAttr, fc.constant("self"))), classSet, permSet)
      .map(([k, s, t, c, p]) => `${k} ${s} ${t}:${c} ${p};`);
    const typeRule = fc
      .tuple(fc.constantFrom("type_transition", "type_change", "type_member"), set(typeOrAttr), set(typeOrAttr), classSet, fc.constantFrom(...types), fc.option(fc.constantFrom('"f"', '"g"')))
      .map(([k, s, t, c, d, f]) => `${k} ${s} ${t}:${c} ${d}${f === null ? "" : ` ${f}`};`);
    const boolName = fc.oneof(bools.length > 0 ? fc.constantFrom(...bools) : ident("b"), ident("b"));
    const condExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        boolName,
        tie("e").map((e) => `!${e}`),
        fc.tuple(tie("e"), fc.constantFrom("&&", "||", "^", "==", "!="), tie("e")).map(([a, op, b]) => `(${a} ${op} ${b})`),
      ),
    })).e;
    const conditional = fc
      .tuple(condExpr, fc.array(avRule, { maxLength: 3 }), fc.option(fc.array(avRule, { maxLength: 2 })))
      .map(([e, t, f]) => `if (${e}) {\n${t.join("\n")}\n}${f === null ? "" : ` else {\n${f.join("\n")}\n}`}`);
    const te = fc.array(fc.oneof({ weight: 5, arbitrary: avRule }, { weight: 1, arbitrary: typeRule }, { weight: 1, arbitrary: conditional }), { maxLength: 12 });
    const constraint = fc
      .tuple(classSet, permSet, fc.constantFrom("u1 == u2", "r1 == r2", "t1 == t2", "t1 == t0", "r1 dom r2", "not (u1 == u2)", "u1 == u2 or t1 != t2", "t1 == { t0 a0 }"))
      .map(([c, p, e]) => `constrain ${c} ${p} (${e});`);
    return fc
      .record({
        te,
        typeAttrs: fc.array(fc.tuple(fc.constantFrom(...types), attrs.length > 0 ? fc.constantFrom(...attrs) : ident("a")), { maxLength: 3 }),
        constraints: fc.array(constraint, { maxLength: 2 }),
        boolValues: fc.array(fc.boolean(), { minLength: bools.length, maxLength: bools.length }),
        pirq: fc.option(fc.integer({ min: 0, max: 70000 })),
        extra: fc.array(fc.constantFrom("permissive t0;", "policycap open_perms;", "tunable tun0 true;", "expandattribute a0 false;", "attribute_role ra0;"), { maxLength: 2 }),
      })
      .map((p) =>
        [
          ...classes.map((c) => `class ${c}`),
          "sid kernel",
          ...classes.map((c) => `class ${c} { ${perms.join(" ")} }`),
          ...attrs.map((a) => `attribute ${a};`),
          ...types.map((t) => `type ${t};`),
          ...p.typeAttrs.map(([t, a]) => `typeattribute ${t} ${a};`),
          ...bools.map((b, i) => `bool ${b} ${p.boolValues[i]};`),
          ...p.extra,
          ...p.te,
          "role r0;",
          `role r0 types { ${types.join(" ")} };`,
          "user u0 roles r0;",
          ...p.constraints,
          "sid kernel u0:r0:t0",
          ...(p.pirq === null ? [] : [`pirqcon ${p.pirq} u0:r0:t0`]),
          "",
        ].join("\n"),
      );
  });
