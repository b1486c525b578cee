import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AvRule, CondExpr, ConstraintExpr, NameSet, Statement } from "../../src/policy/ast.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { LineMap } from "../../src/policy/lines.js";
import { parsePolicy } from "../../src/policy/parse.js";

const root = join(import.meta.dirname, "..", "..");
const fixtures = join(root, "test", "fixtures", "parse");

/** Parses a fragment (no section checks) that must be free of diagnostics. */
function parse(text: string): Statement[] {
  const { ast, diagnostics } = parsePolicy(text, "t.conf", { sections: false });
  expect(diagnostics).toEqual([]);
  return ast.statements;
}

function only<K extends Statement["kind"]>(text: string, kind: K): Extract<Statement, { kind: K }> {
  const statements = parse(text);
  expect(statements).toHaveLength(1);
  expect(statements[0]!.kind).toBe(kind);
  return statements[0] as Extract<Statement, { kind: K }>;
}

/** The diagnostics of a fragment that must not parse cleanly. */
function problems(text: string, sections = false): Diagnostic[] {
  const { diagnostics } = parsePolicy(text, "t.conf", { sections });
  expect(diagnostics.length).toBeGreaterThan(0);
  return diagnostics;
}

function firstProblem(text: string): Diagnostic {
  return problems(text)[0]!;
}

const names = (set: NameSet) => ({
  star: set.star,
  complement: set.complement,
  include: set.include.map((i) => i.name),
  exclude: set.exclude.map((i) => i.name),
});

function showCond(e: CondExpr): string {
  switch (e.op) {
    case "bool":
      return e.name.name;
    case "not":
      return `!${showCond(e.arg)}`;
    default:
      return `(${showCond(e.left)} ${e.op} ${showCond(e.right)})`;
  }
}

function showConstraint(e: ConstraintExpr): string {
  switch (e.op) {
    case "not":
      return `not ${showConstraint(e.arg)}`;
    case "and":
    case "or":
      return `(${showConstraint(e.left)} ${e.op} ${showConstraint(e.right)})`;
    case "cmp":
      return `${e.left} ${e.cmp} ${e.right}`;
    case "names":
      return `${e.left} ${e.cmp} {${e.names.complement ? "~" : ""}${e.names.include.map((i) => i.name).join(" ")}}`;
  }
}

describe("declarations", () => {
  it("reads class and initial SID declarations (no semicolon, as checkpolicy)", () => {
    const [c, s] = parse("class xen\nsid dom0\n");
    expect(c).toMatchObject({ kind: "class", name: { name: "xen" } });
    expect(s).toMatchObject({ kind: "sid_decl", name: { name: "dom0" } });
  });

  it("reads commons and access vectors with and without inherits", () => {
    const [common, plain, inherits, both] = parse(
      "common basic { getattr setattr }\nclass xen { p1 p2 }\nclass domain inherits basic\nclass event inherits basic { send }\n",
    );
    expect(common).toMatchObject({ kind: "common", name: { name: "basic" } });
    expect((common as Extract<Statement, { kind: "common" }>).perms.map((p) => p.name)).toEqual(["getattr", "setattr"]);
    expect(plain).toMatchObject({ kind: "av", className: { name: "xen" } });
    expect(plain).not.toHaveProperty("inherits");
    expect(inherits).toMatchObject({ kind: "av", className: { name: "domain" }, inherits: { name: "basic" }, perms: [] });
    expect(both).toMatchObject({ kind: "av", inherits: { name: "basic" }, perms: [{ name: "send" }] });
  });

  it("reads attributes, types with aliases and attributes, typealias and typeattribute", () => {
    const [attr, t1, t2, t3, alias, ta] = parse(`
      attribute domain_type;
      type a_t;
      type b_t alias b_alias_t, domain_type, other;
      type c_t alias { c1 c2 };
      typealias a_t alias { a1 a2 };
      typeattribute a_t domain_type, other;
    `);
    expect(attr).toMatchObject({ kind: "attribute", name: { name: "domain_type" } });
    expect(t1).toMatchObject({ kind: "type", name: { name: "a_t" }, aliases: [], attributes: [] });
    expect(t2).toMatchObject({ kind: "type", aliases: [{ name: "b_alias_t" }], attributes: [{ name: "domain_type" }, { name: "other" }] });
    expect(t3).toMatchObject({ kind: "type", aliases: [{ name: "c1" }, { name: "c2" }], attributes: [] });
    expect(alias).toMatchObject({ kind: "typealias", type: { name: "a_t" }, aliases: [{ name: "a1" }, { name: "a2" }] });
    expect(ta).toMatchObject({ kind: "typeattribute", type: { name: "a_t" }, attributes: [{ name: "domain_type" }, { name: "other" }] });
  });

  it("reads booleans", () => {
    const [on, off] = parse("bool b1 true;\nbool b2 false;");
    expect(on).toMatchObject({ kind: "bool", name: { name: "b1" }, value: true });
    expect(off).toMatchObject({ kind: "bool", name: { name: "b2" }, value: false });
  });

  it("reads roles, role types, role allow and users", () => {
    const [r, rt, ra, u, umls] = parse(`
      role system_r;
      role vm_r types { a_t b_t };
      allow system_r vm_r;
      user system_u roles { system_r vm_r };
      user mls_u roles system_r level s0 range s0 - s15:c0.c255;
    `);
    expect(r).toMatchObject({ kind: "role", name: { name: "system_r" } });
    expect(r).not.toHaveProperty("types");
    expect(names((rt as Extract<Statement, { kind: "role" }>).types!)).toEqual({ star: false, complement: false, include: ["a_t", "b_t"], exclude: [] });
    expect(ra!.kind).toBe("role_allow");
    expect(names((ra as Extract<Statement, { kind: "role_allow" }>).sources).include).toEqual(["system_r"]);
    expect(u).toMatchObject({ kind: "user", name: { name: "system_u" } });
    expect(u).not.toHaveProperty("mls");
    expect(umls).toMatchObject({
      kind: "user",
      mls: { level: { sens: { name: "s0" }, cats: [] }, range: { low: { sens: { name: "s0" } }, high: { sens: { name: "s15" }, cats: [{ name: "c0.c255" }] } } },
    });
  });

  it("accepts identifiers as checkpolicy's scanner does: dots and dashes inside", () => {
    const t = only("type my-domain.v2_t;", "type");
    expect(t.name.name).toBe("my-domain.v2_t");
  });

  it("accepts upper-case keywords, as policy_scan.l does", () => {
    expect(only("ALLOW a b:c d;", "avrule").rule).toBe("allow");
    expect(only("TYPE a_t;", "type").name.name).toBe("a_t");
  });
});

describe("access vector rules", () => {
  const rule = (text: string) => only(text, "avrule") as AvRule;

  it("reads each rule kind", () => {
    for (const k of ["allow", "auditallow", "dontaudit", "neverallow", "auditdeny"] as const) {
      expect(rule(`${k} a_t b_t:xen p;`).rule).toBe(k);
    }
  });

  it("reads single names, sets, several classes and self", () => {
    const r = rule("allow { a_t b_t } self:{ xen domain } { p1 p2 };");
    expect(names(r.sources).include).toEqual(["a_t", "b_t"]);
    expect(names(r.targets).include).toEqual(["self"]);
    expect(names(r.classes).include).toEqual(["xen", "domain"]);
    expect(names(r.perms).include).toEqual(["p1", "p2"]);
  });

  it("reads *, ~ and - exclusions", () => {
    const r = rule("allow { domain_type -d2_t } ~o1_t:xen *;");
    expect(names(r.sources)).toEqual({ star: false, complement: false, include: ["domain_type"], exclude: ["d2_t"] });
    expect(names(r.targets)).toEqual({ star: false, complement: true, include: ["o1_t"], exclude: [] });
    expect(names(r.perms)).toEqual({ star: true, complement: false, include: [], exclude: [] });
    const c = rule("allow a_t b_t:xen ~{ p1 p2 };");
    expect(names(c.perms)).toEqual({ star: false, complement: true, include: ["p1", "p2"], exclude: [] });
  });

  it("flattens nested sets as checkpolicy does", () => {
    const r = rule("allow { a_t { b_t -c_t { d_t } } -e_t } f_t:xen p;");
    expect(names(r.sources)).toEqual({ star: false, complement: false, include: ["a_t", "b_t", "d_t"], exclude: ["c_t", "e_t"] });
  });

  it("reads `a -b` without braces", () => {
    const r = rule("allow domain_type -d2_t o_t:xen p;");
    expect(names(r.sources)).toEqual({ star: false, complement: false, include: ["domain_type"], exclude: ["d2_t"] });
    expect(names(r.targets).include).toEqual(["o_t"]);
  });

  it("keeps `a-b` as one identifier, as the scanner does", () => {
    expect(names(rule("allow a-b c:xen p;").sources).include).toEqual(["a-b"]);
  });
});

describe("type rules", () => {
  it("reads type_transition, type_change and type_member", () => {
    const [t, c, m] = parse("type_transition a_t b_t:xen c_t;\ntype_change a_t { b_t d_t }:domain c_t;\ntype_member a_t b_t:{ xen domain } c_t;");
    expect(t).toMatchObject({ kind: "typerule", rule: "type_transition", defaultType: { name: "c_t" } });
    expect(c).toMatchObject({ kind: "typerule", rule: "type_change" });
    expect(m).toMatchObject({ kind: "typerule", rule: "type_member" });
    if (m!.kind !== "typerule") throw new Error("unreachable");
    expect(names(m.classes).include).toEqual(["xen", "domain"]);
  });
});

describe("conditionals", () => {
  const cond = (expr: string) => showCond(only(`if (${expr}) { allow a b:c d; }`, "if").expr);

  it("reads if/else with its rules", () => {
    const c = only("if (b1) {\n allow a_t b_t:xen p;\n type_transition a_t b_t:xen c_t;\n} else {\n dontaudit a_t b_t:xen q;\n}", "if");
    expect(c.then.map((r) => r.kind)).toEqual(["avrule", "typerule"]);
    expect(c.else).toHaveLength(1);
    expect(c.else[0]).toMatchObject({ kind: "avrule", rule: "dontaudit" });
  });

  it("allows empty branches and no parentheses, as cond_expr does", () => {
    const c = only("if b1 { }", "if");
    expect(c.then).toEqual([]);
    expect(c.else).toEqual([]);
  });

  it("binds operators as policy_parse.y's precedence: || < ^ < && < ! < == !=", () => {
    expect(cond("a || b && c")).toBe("(a or (b and c))");
    expect(cond("a ^ b || c")).toBe("((a xor b) or c)");
    expect(cond("a && b ^ c")).toBe("((a and b) xor c)");
    expect(cond("!a && b")).toBe("(!a and b)");
    expect(cond("!a == b")).toBe("!(a eq b)");
    expect(cond("a == b != c")).toBe("((a eq b) neq c)");
    expect(cond("a == !b && c")).toBe("((a eq !b) and c)");
    expect(cond("!(a != b)")).toBe("!(a neq b)");
    expect(cond("(a || b) && c")).toBe("((a or b) and c)");
    expect(cond("a and not b or c xor d")).toBe("((a and !b) or (c xor d))");
  });

  it("gives every expression node a span covering its text", () => {
    const text = "if (b1 && !b2) { }";
    const e = only(text, "if").expr;
    expect(text.slice(e.span.offset, e.span.offset + e.span.length)).toBe("b1 && !b2");
  });
});

describe("constraints", () => {
  it("reads constrain with names, attribute comparisons and and/or/not", () => {
    const c = only("constrain resource { plug unplug } ( r1 == system_r or ( t2 == attr0 and not u1 == vm_u ) );", "constrain");
    expect(names(c.classes).include).toEqual(["resource"]);
    expect(names(c.perms).include).toEqual(["plug", "unplug"]);
    expect(showConstraint(c.expr)).toBe("(r1 == {system_r} or (t2 == {attr0} and not u1 == {vm_u}))");
  });

  it("binds not over and over or", () => {
    const c = only("constrain xen p (u1 == u2 or t1 != t2 and not r1 dom r2);", "constrain");
    expect(showConstraint(c.expr)).toBe("(u1 == u2 or (t1 != t2 and not r1 dom r2))");
  });

  it("reads role dominance operators and sets on the right", () => {
    const c = only("constrain xen p (r1 domby r2 and r1 incomp r2 and t1 == { a_t b_t } and u2 != ~{ x_u });", "constrain");
    expect(showConstraint(c.expr)).toBe("(((r1 domby r2 and r1 incomp r2) and t1 == {a_t b_t}) and u2 != {~x_u})");
  });

  it("reads validatetrans with u3 r3 t3", () => {
    const v = only("validatetrans xen (u1 == u2 or t3 == a_t);", "validatetrans");
    expect(showConstraint(v.expr)).toBe("(u1 == u2 or t3 == {a_t})");
  });

  it("reads sameuser and source/target role/type as their u/r/t forms", () => {
    const c = only("constrain xen p (sameuser and source type a_t and target role r);", "constrain");
    expect(showConstraint(c.expr)).toBe("((u1 == u2 and t1 == {a_t}) and r2 == {r})");
  });

  it("rejects comparisons checkpolicy's grammar does not have", () => {
    expect(firstProblem("constrain xen p (u1 == t2);").message).toMatch(/u1 can only be compared with u2/);
    expect(firstProblem("constrain xen p (t1 dom t2);").message).toMatch(/'dom' only compares roles/);
    expect(firstProblem("constrain xen p (t1 foo t2);").message).toBe(
      "expected '==', '!=', 'dom', 'domby' or 'incomp' in constrain statement, found 'foo'",
    );
  });
});

describe("contexts", () => {
  it("reads initial SID contexts, with their MLS range", () => {
    const [plain, mls] = parse("sid xen system_u:system_r:xen_t\nsid dom0 system_u:system_r:dom0_t:s0 - s15:c0.c255\n");
    expect(plain).toMatchObject({ kind: "sid_context", name: { name: "xen" }, context: { user: { name: "system_u" }, role: { name: "system_r" }, type: { name: "xen_t" } } });
    if (plain!.kind !== "sid_context" || mls!.kind !== "sid_context") throw new Error("unreachable");
    expect(plain.context).not.toHaveProperty("mls");
    expect(mls.context.mls).toMatchObject({ low: { sens: { name: "s0" }, cats: [] }, high: { sens: { name: "s15" }, cats: [{ name: "c0.c255" }] } });
    expect(mls.context.mls!.span.length).toBe("s0 - s15:c0.c255".length);
  });

  it("reads pirqcon, iomemcon, ioportcon, pcidevicecon and devicetreecon", () => {
    const [pirq, mem1, mem2, port1, port2, pci1, pci2, dt] = parse(`
      pirqcon 33 u:r:t
      iomemcon 0xfe000-0xfe0ff u:r:t
      iomemcon 0xfeb00 u:r:t
      ioportcon 0xcf8-0xcff u:r:t
      ioportcon 96 u:r:t
      pcidevicecon 0x0310 u:r:t
      pcidevicecon 784 u:r:t
      devicetreecon "/soc/pcie@40000" u:r:t
    `);
    expect(pirq).toMatchObject({ kind: "pirqcon", irq: 33 });
    expect(mem1).toMatchObject({ kind: "iomemcon", low: 0xfe000n, high: 0xfe0ffn });
    expect(mem2).toMatchObject({ kind: "iomemcon", low: 0xfeb00n, high: 0xfeb00n });
    expect(port1).toMatchObject({ kind: "ioportcon", low: 0xcf8, high: 0xcff });
    expect(port2).toMatchObject({ kind: "ioportcon", low: 96, high: 96 });
    expect(pci1).toMatchObject({ kind: "pcidevicecon", device: 0x310 });
    expect(pci2).toMatchObject({ kind: "pcidevicecon", device: 784 });
    expect(dt).toMatchObject({ kind: "devicetreecon", path: "/soc/pcie@40000", context: { type: { name: "t" } } });
  });

  it("reads numbers as strtoul(.., 0) does: a leading 0 is octal", () => {
    expect(only("pirqcon 010 u:r:t", "pirqcon").irq).toBe(8);
  });

  it("keeps 64-bit iomem addresses exact", () => {
    expect(only("iomemcon 0xfffffffffffff000-0xffffffffffffffff u:r:t", "iomemcon")).toMatchObject({
      low: 0xfffffffffffff000n,
      high: 0xffffffffffffffffn,
    });
  });

  it("rejects numbers too wide for their field", () => {
    expect(firstProblem("pcidevicecon 0x100000000 u:r:t").message).toMatch(/does not fit in 32 bits/);
  });
});

describe("MLS statements", () => {
  it("parses each into its own node at its span", () => {
    const text = [
      "sensitivity s0 alias unclassified;",
      "dominance { s0 s1 }",
      "category c0;",
      "level s0:c0.c255;",
      "mlsconstrain xen p (l1 dom l2);",
      "mlsvalidatetrans xen (h1 domby h2);",
      "range_transition a_t b_t:xen s0 - s1;",
    ].join("\n");
    const statements = parse(text);
    expect(statements.map((s) => ((s.kind === "constrain" || s.kind === "validatetrans") && s.mls ? `mls${s.kind}` : s.kind))).toEqual([
      "sensitivity",
      "dominance",
      "category",
      "level",
      "mlsconstrain",
      "mlsvalidatetrans",
      "range_transition",
    ]);
    expect(statements.map((s) => s.span.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(statements[1]!.span.length).toBe("dominance { s0 s1 }".length);
    expect(statements[0]).toMatchObject({ name: { name: "s0" }, aliases: [{ name: "unclassified" }] });
    expect(statements[1]).toMatchObject({ order: [{ name: "s0" }, { name: "s1" }] });
    expect(statements[3]).toMatchObject({ level: { sens: { name: "s0" }, cats: [{ name: "c0.c255" }] } });
    expect(statements[4]).toMatchObject({ kind: "constrain", mls: true, expr: { op: "cmp", cmp: "dom", left: "l1", right: "l2" } });
    expect(statements[5]).toMatchObject({ kind: "validatetrans", mls: true, expr: { op: "cmp", cmp: "domby", left: "h1", right: "h2" } });
    expect(statements[6]).toMatchObject({ classes: { include: [{ name: "xen" }] }, range: { low: { sens: { name: "s0" } }, high: { sens: { name: "s1" } } } });
  });

  it("reads the legacy range_transition (no class) and category lists", () => {
    const [rt] = parse("range_transition a_t b_t s0:c0,c2.c4 - s1:c0.c7;");
    expect(rt).toMatchObject({ kind: "range_transition", range: { low: { cats: [{ name: "c0" }, { name: "c2.c4" }] }, high: { cats: [{ name: "c0.c7" }] } } });
    expect(rt).not.toHaveProperty("classes");
  });

  it("names an unterminated one by its keyword", () => {
    expect(firstProblem("sensitivity s0 alias x").message).toBe("expected ';' in sensitivity declaration, found end of file");
  });

  it("compares only the level pairs checkpolicy's grammar has", () => {
    expect(firstProblem("mlsconstrain xen p (l2 dom h1);").message).toMatch(/l2 cannot be compared with h1/);
    expect(firstProblem("mlsconstrain xen p (l1 dom t2);").message).toBe("expected l2, h1 or h2 in mlsconstrain statement, found 't2'");
  });
});

describe("statements checkpolicy accepts that xsm-policy does not model", () => {
  it("reports each as unsupported at its span and keeps parsing", () => {
    const { ast, diagnostics } = parsePolicy("portcon tcp 80 u:r:t;\nfs_use_task pipefs u:r:t;\ntype c_t;", "t.conf", { sections: false });
    expect(ast.statements.map((s) => s.kind)).toEqual(["type"]);
    expect(diagnostics.map((d) => [d.code, d.span?.line])).toEqual([
      ["unsupported", 1],
      ["unsupported", 2],
    ]);
    expect(diagnostics[0]!.message).toMatch(/'portcon' statements are accepted by checkpolicy but not supported/);
  });

  it("reads typebounds, role_transition and the class defaults", () => {
    const statements = parse(
      "typebounds p_t c_t, d_t;\nrole_transition { ra rb } a:{ c1 c2 } rc;\nrole_transition r t rx;\ndefault_user c source;\ndefault_type { c d } target;\ndefault_range c target low-high;\ndefault_range d glblub;\n",
    );
    expect(statements.map((s) => s.kind)).toEqual(["typebounds", "role_transition", "role_transition", "default", "default", "default", "default"]);
    expect(statements[0]).toMatchObject({ parent: { name: "p_t" }, children: [{ name: "c_t" }, { name: "d_t" }] });
    expect(statements[1]).toMatchObject({ roles: { include: [{ name: "ra" }, { name: "rb" }] }, classes: { include: [{ name: "c1" }, { name: "c2" }] }, newRole: { name: "rc" } });
    expect(statements[2]).not.toHaveProperty("classes");
    expect(statements.slice(3).map((s) => (s.kind === "default" ? [s.field, s.value] : []))).toEqual([
      ["user", "source"],
      ["type", "target"],
      ["range", "target low-high"],
      ["range", "glblub"],
    ]);
    expect(parsePolicy("default_user c sideways;", "t.conf", { sections: false }).diagnostics[0]?.message).toMatch(/expected 'source' or 'target'/);
    expect(parsePolicy("default_range c source middle;", "t.conf", { sections: false }).diagnostics[0]?.message).toMatch(/expected 'low', 'high' or 'low-high'/);
  });

  it("reads the statements checkpolicy accepts for Xen: permissive, policycap, tunable, expandattribute, attribute_role", () => {
    const statements = parse("permissive a_t;\npolicycap open_perms;\ntunable t true;\nexpandattribute { a b } false;\nattribute_role ra;\n");
    expect(statements.map((s) => s.kind)).toEqual(["permissive", "policycap", "bool", "expandattribute", "attribute_role"]);
    expect(statements[2]).toMatchObject({ name: { name: "t" }, value: true, tunable: true });
    expect(statements[3]).toMatchObject({ value: false, names: { include: [{ name: "a" }, { name: "b" }] } });
  });

  it("reads filename type transitions, which only type_transition takes, and not in a conditional", () => {
    expect(parse('type_transition a b:c d "name";')[0]).toMatchObject({ kind: "typerule", rule: "type_transition", filename: "name" });
    // policy_scan.l FILENAME: not empty, no '/'; a `"` that opens none is a character of its own,
    // skipped after an error ('unrecognized character'), and the parser reads on
    const codes = (text: string) => parsePolicy(text, "t.conf", { sections: false }).diagnostics.map((d) => `${d.code} ${d.span?.col}`);
    expect(codes('type_transition a b:c d "";')).toEqual(["bad-character 25"]);
    expect(codes('type_transition a b:c d "a/b";')).toEqual(["bad-character 25", "syntax 26"]);
    expect(codes('type_change a b:c d "name";')).toEqual(["syntax 21"]);
    const inCond = parsePolicy('if (b) { type_transition a b:c d "name"; }', "t.conf", { sections: false });
    expect(inCond.diagnostics[0]?.message).toMatch(/filename are not allowed inside conditionals/);
  });
});

describe("SVP platforms", () => {
  it("reads supervisor and guest platforms with their members and SBDFs", () => {
    const [svp, gvp] = parse(`
platform svp supervisor {
  hwdom svp_hwdom_t;
  device svp_pci_t { 0000:03:00.0 };
}
platform gvp1 guest of svp {
  hwdom gvp1_hwdom_t;
  guest gvp1_guest_t;
  device gvp1_pci_t { 0000:03:10.0 03:10.1 };
  device gvp1_other_t;
};
`);
    expect(svp).toMatchObject({ kind: "platform", name: { name: "svp" }, level: "supervisor" });
    expect(svp).not.toHaveProperty("parent");
    if (svp!.kind !== "platform" || gvp!.kind !== "platform") throw new Error("unreachable");
    expect(svp.members.map((m) => [m.kind, m.type.name, m.devices.map((d) => d.text)])).toEqual([
      ["hwdom", "svp_hwdom_t", []],
      ["device", "svp_pci_t", ["0000:03:00.0"]],
    ]);
    expect(gvp).toMatchObject({ level: "guest", parent: { name: "svp" } });
    expect(gvp.members.map((m) => m.kind)).toEqual(["hwdom", "guest", "device", "device"]);
    const sbdf = gvp.members[2]!.devices[1];
    expect(sbdf).toMatchObject({ text: "03:10.1", span: { line: 9, col: 36, length: 7 } });
  });

  it("keeps `platform` usable as an ordinary name", () => {
    expect(names(only("allow platform b:c d;", "avrule").sources).include).toEqual(["platform"]);
  });

  it("rejects unknown members with a located message", () => {
    const d = firstProblem("platform p supervisor {\n  domain x_t;\n}");
    expect(d.message).toBe("expected 'hwdom', 'guest', 'device' or '}' in platform declaration, found 'domain'");
    expect(d.span).toMatchObject({ line: 2, col: 3 });
  });
});

describe("spans", () => {
  it("locates statements and names by line and column, with physical offsets", () => {
    const text = "# header\ntype a_t;\n  allow a_t\n    b_t:xen p;\n";
    const [t, r] = parse(text);
    expect(t!.span).toMatchObject({ file: "t.conf", line: 2, col: 1, endLine: 2, endCol: 10, offset: 9, length: 9 });
    expect(r!.span).toMatchObject({ line: 3, col: 3, endLine: 4, endCol: 15 });
    if (r!.kind !== "avrule") throw new Error("unreachable");
    const b = r.targets.include[0];
    expect(b!.span).toMatchObject({ line: 4, col: 5, endLine: 4, endCol: 8 });
    expect(text.slice(b!.span.offset, b!.span.offset + b!.span.length)).toBe("b_t");
  });

  it("maps lines after `#line 1 \"file\"` and `#line N` to the original file, as m4 -s writes them", () => {
    const text = ['#line 1 "policy/modules/xen.te"', "type a_t;", "#line 40", "type b_t;", "type c_t;", '#line 1 "other.te"', "type d_t;"].join("\n");
    const { ast } = parsePolicy(text, "policy.conf", { sections: false });
    expect(ast.statements.map((s) => [s.span.file, s.span.line])).toEqual([
      ["policy/modules/xen.te", 1],
      ["policy/modules/xen.te", 40],
      ["policy/modules/xen.te", 41],
      ["other.te", 1],
    ]);
    // offsets stay physical
    expect(ast.statements[3]!.span.offset).toBe(text.indexOf("type d_t"));
  });

  it("points a syntax error after a directive at the original file and line", () => {
    const text = ['type a_t;', '#line 1 "modules/dom0.te"', "", "allow a b:c d foo;"].join("\n");
    const d = firstProblem(text);
    expect(d.message).toBe("expected ';' in allow rule, found 'foo'");
    expect(d.span).toMatchObject({ file: "modules/dom0.te", line: 2, col: 15, offset: text.indexOf("foo"), length: 3 });
  });

  it("maps the real m4-expanded Xen policy to its modules", () => {
    const text = readFileSync(join(root, "examples", "xen-flask", "policy.conf"), "utf8");
    const { ast, diagnostics } = parsePolicy(text, "policy.conf");
    expect(diagnostics).toEqual([]);
    const files = new Set(ast.statements.map((s) => s.span.file));
    expect(files.has("policy.conf")).toBe(false);
    for (const s of ast.statements.slice(0, 50)) {
      const physical = text.slice(s.span.offset, s.span.offset + s.span.length);
      expect(physical.length).toBe(s.span.length);
    }
  });
});

describe("LineMap", () => {
  const text = ["aaa", '#line 1 "x.te"', "bbb", "ccc", "#line 3", "ddd\r", '  #line 1 "y.te"', "eee"].join("\n");
  const at = (s: string) => text.indexOf(s);

  it("maps offsets in any order, through every directive", () => {
    const map = new LineMap(text, "main.conf");
    const expected: [string, string, number][] = [
      ["eee", "y.te", 1],
      ["aaa", "main.conf", 1],
      ["ddd", "x.te", 3],
      ["bbb", "x.te", 1],
      ["ccc", "x.te", 2],
    ];
    for (const [token, file, line] of expected) {
      expect(map.position(at(token)), token).toEqual({ file, line, col: 1 });
    }
  });

  it("ends a span on the line of its last character", () => {
    const map = new LineMap(text, "main.conf");
    expect(map.span(at("bbb"), at("ccc") + 3)).toMatchObject({ file: "x.te", line: 1, endLine: 2, endCol: 4 });
    expect(map.span(at("bbb"), at("bbb") + 4)).toMatchObject({ line: 1, endLine: 1, endCol: 5 });
  });

  // checkpolicy's scanner honours `#line N` and `#line N "file"` wherever a comment may start; xsm
  // reads a name after any N, as m4 means it and checkpolicy 3.10 reads it (3.4 only after a
  // literal 1: test/fixtures/line-directive)
  it("honours a #line after a statement on its line, and `#line 5 \"z\"` with its name", () => {
    const text = 'x #line 5 "z"\ny #line 5\nz "a#b" #line 1 "q"\nw';
    const map = new LineMap(text, "f");
    expect(map.position(text.indexOf("y"))).toEqual({ file: "z", line: 5, col: 1 });
    expect(map.position(text.indexOf("z "))).toEqual({ file: "z", line: 5, col: 1 });
    expect(map.position(text.indexOf("w"))).toEqual({ file: "q", line: 1, col: 1 });
  });

  // checkpolicy reads `#line 1 "x.te"\r` and `#line 50 ` as comments (flex's longest match), and
  // numbers the lines after them as if they were not there
  it("treats a #line followed by a CR or a blank as a comment, as checkpolicy does", () => {
    for (const directive of ['#line 1 "x.te"\r', '#line 1 "x.te" ', "#line 50\r", "#line 50\t", "#line\t50", "#line  50", '#line 1 "x.te', '#line 1 "x.te"x']) {
      const text = `a\n${directive}\nb`;
      expect(new LineMap(text, "f").position(text.indexOf("b")), JSON.stringify(directive)).toEqual({ file: "f", line: 3, col: 1 });
    }
    const text = '#line 1 "x.te"\na\n#line 50\r\nb';
    expect(new LineMap(text, "f").position(text.indexOf("b"))).toEqual({ file: "x.te", line: 3, col: 1 });
  });

  // checkpolicy has no file name after `#line N ""` ("(unknown source)::", no line) until a directive
  // names one: xsm names the physical place in the text it reads
  it("names the text's own file and physical line after `#line 1 \"\"`, until a directive names a file", () => {
    const text = ["A", '#line 1 "x.te"', "B", '#line 1 ""', "C", "#line 40", "D", '#line 7 "y.te"', "E"].join("\n");
    const map = new LineMap(text, "f");
    const where = (s: string) => {
      const p = map.position(text.indexOf(s));
      return `${p.file}:${p.line}`;
    };
    expect(["A", "B", "C", "D", "E"].map(where)).toEqual(["f:1", "x.te:1", "f:5", "f:7", "y.te:7"]);
  });

  it("warns at `#line 0 \"x.te\"`, which only checkpolicy 3.10 numbers, and leaves it and its name unapplied", () => {
    const text = 'type a;\n#line 0 "x.te"\ntype b;';
    const r = parsePolicy(text, "f", { sections: false });
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.line} ${d.message}`)).toEqual([
      "line-directive 2 checkpolicy 3.10 numbers the line after this directive 18446744073709551615 (3.4 reads it as a comment), past the numbers xsm holds exactly; xsm numbers the lines after it as if it were not there",
    ]);
    expect(new LineMap(text, "f").position(text.indexOf("type b"))).toEqual({ file: "f", line: 3, col: 1 });
  });
});

describe("syntax errors", () => {
  it("says what was expected, where, and what was found", () => {
    const d = firstProblem("type a_t;\nallow a_t b_t:xen p foo;");
    expect(d).toMatchObject({ code: "syntax", severity: "error", message: "expected ';' in allow rule, found 'foo'" });
    expect(d.span).toMatchObject({ file: "t.conf", line: 2, col: 21, length: 3 });
  });

  it("names a missing colon", () => {
    expect(firstProblem("auditallow a b c d;").message).toBe("expected ':' in auditallow rule, found 'c'");
  });

  it("rejects a word that starts no statement", () => {
    const d = firstProblem("type a_t;\nfoo bar;");
    expect(d.message).toBe("expected a statement, found 'foo'");
    expect(d.span).toMatchObject({ line: 2, col: 1, length: 3 });
  });

  it("rejects stray punctuation at the top level", () => {
    expect(firstProblem("type a_t;\n}").message).toBe("expected a statement, found '}'");
  });

  it("reports an unterminated block at the end of the file", () => {
    const d = firstProblem("if (b) {\n  allow a b:c d;\n");
    expect(d.message).toBe("expected '}' in conditional, found end of file");
    // after the last token, on a line the renderer can show (not on the empty line past the final
    // newline); blank lines and comments after it are skipped
    expect(d.span).toMatchObject({ line: 2, col: 17, length: 0 });
    expect(firstProblem("if (b) {\n  allow a b:c d;\n\n# the end\n\n").span).toMatchObject({ line: 2, col: 17, length: 0 });
    expect(firstProblem("allow a { b c:d e;").message).toMatch(/expected .*'}'.* in allow rule, found ':'/);
  });

  it("rejects keywords used as names", () => {
    expect(firstProblem("type types;").message).toBe("expected a name in type declaration, found 'types'");
  });

  it("rejects neverallow and declarations inside conditionals, as checkpolicy does", () => {
    expect(firstProblem("if (b) { neverallow a b:c d; }").message).toMatch(/neverallow cannot appear inside a conditional/);
    expect(firstProblem("if (b) { type a_t; }").message).toMatch(/'type' cannot appear inside a conditional block/);
    expect(firstProblem("if (b) { allow r1_r r2_r; }").message).toMatch(/role allow .* cannot appear inside a conditional/);
  });

  it("rejects an empty set", () => {
    const d = firstProblem("allow a_t b_t:xen { };");
    expect(d.message).toBe("an empty set '{}' in allow rule: checkpolicy needs at least one name");
    expect(d.span).toMatchObject({ col: 19, length: 3 });
    expect(firstProblem("class xen { }").message).toBe("an empty permission list '{}' in class declaration");
  });

  it("points at the token that is missing, not at the start of the construct", () => {
    expect(firstProblem("constrain xen p (u1 == );").message).toBe(
      "expected a name or a set ('{...}', '~', '*') in constrain statement, found ')'",
    );
    expect(firstProblem("type a_t, ;").message).toBe("expected a name in type declaration, found ';'");
    expect(firstProblem("platform p guest of { }").message).toBe("expected a name in platform declaration, found '{'");
    expect(firstProblem("allow a_t b_t:xen ;").message).toBe("expected a name or a set ('{...}', '~', '*') in allow rule, found ';'");
    expect(firstProblem("ioportcon 0x60 ;").message).toBe("expected a context (user:role:type) in ioportcon, found ';'");
    expect(firstProblem("ioportcon 0x60- u:r:t").message).toBe("expected a number in ioportcon, found 'u'");
  });

  it("rejects an incomplete context", () => {
    expect(firstProblem("pirqcon 3 u:r").message).toBe("expected ':' in pirqcon, found end of file");
  });

  it("rejects unknown characters", () => {
    expect(firstProblem("allow a b:c d; $").message).toBe("expected a statement, found '$'");
  });

  it("limits nesting instead of overflowing the stack", () => {
    const deep = `if (${"(".repeat(100_000)}b${")".repeat(100_000)}) { }`;
    expect(firstProblem(deep).message).toMatch(/nesting deeper than/);
    const sets = `allow ${"{ ".repeat(20_000)}a${" }".repeat(20_000)} b:c d;`;
    expect(firstProblem(sets).message).toMatch(/nesting deeper than/);
    expect(firstProblem(`if (${"!".repeat(1_000_000)}b) { }`).message).toMatch(/nesting deeper than/);
    expect(firstProblem(`constrain c p (${"not ".repeat(100_000)}u1 == u2);`).message).toMatch(/nesting deeper than/);
    expect(firstProblem(`allow ${"{ ".repeat(100_000)}`).message).toMatch(/nesting deeper than/);
    // operator chains are not limited, as in checkpolicy (later stages fold them with an explicit stack)
    const chain = parsePolicy(`if (b${" || b".repeat(100_000)}) { }`, "t.conf", { sections: false });
    expect(chain.diagnostics).toEqual([]);
  });

  it("reports a byte order mark, as checkpolicy rejects it, and reads on", () => {
    const { ast, diagnostics } = parsePolicy("\ufefftype a_t;", "t.conf", { sections: false });
    expect(ast.statements).toHaveLength(1);
    expect(diagnostics).toEqual([expect.objectContaining({ code: "bad-character", message: expect.stringMatching(/byte-order mark/) })]);
  });

  it("never throws, whatever the input", () => {
    const samples = ["", "{", "}", "allow", "if (", "class", "sid x a:b", "#line", '"', "platform", "constrain x y (", "\u00e9t\u00e9", "0x"];
    for (const s of samples) expect(() => parsePolicy(s, "t.conf")).not.toThrow();
  });
});

describe("whole-file checks", () => {
  it("rejects an empty policy, comments only included", () => {
    for (const text of ["", "  \n", "# nothing here\n"]) {
      const d = problems(text);
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({ code: "syntax", message: expect.stringMatching(/the policy is empty/) });
    }
  });

  it("reports a NUL byte outside a comment as a likely binary file, at its place, and nothing else", () => {
    const d = problems("class xen\n\u0000\u0001\u0002\u0000garbage");
    expect(d).toEqual([expect.objectContaining({ code: "bad-character", message: expect.stringMatching(/NUL byte outside a comment \(is this a binary file\?\)/) })]);
    expect(d[0]!.span).toMatchObject({ line: 2, col: 1 });
  });

  it("reports other control characters once each, and skips them as checkpolicy does", () => {
    const d = problems("class xen\n\u0001\u0002\u0001class domain\n");
    expect(d).toEqual([expect.objectContaining({ code: "bad-character", message: expect.stringMatching(/control character 0x01/) })]);
    expect(d[0]!.span).toMatchObject({ line: 2, col: 1 });
  });

  it("accepts NUL, CR and bytes that are not UTF-8 inside a comment (policy_scan.l #[^\\n]*)", () => {
    const { diagnostics } = parsePolicy("# \u0000 \r \ufffd \ufeff\nclass xen\n", "t.conf", { sections: false });
    expect(diagnostics).toEqual([]);
  });

  it("enforces checkpolicy's section order", () => {
    const text = readFileSync(join(fixtures, "out-of-order.conf"), "utf8");
    const d = problems(text, true);
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toBe("a type declaration belongs to the TE and RBAC statements, which must come before the users");
    expect(d[0]!.span).toMatchObject({ line: 10 });
    expect(d[0]!.notes?.[0]!.span).toMatchObject({ line: 9 });
  });

  it("reports a misplaced section once, however many statements it has", () => {
    const text = readFileSync(join(fixtures, "out-of-order.conf"), "utf8").replace("type b_t;", "type b_t;\n".repeat(200_000));
    expect(problems(text, true)).toHaveLength(1);
  });

  it("names every required section that is missing", () => {
    const d = problems("class xen\nsid xen\nclass xen { p }\ntype a_t;\n", true);
    expect(d.map((x) => x.message)).toEqual([
      "the policy has no users (user NAME roles R;) and initial SID contexts (sid NAME user:role:type): checkpolicy requires every one of these sections",
    ]);
    expect(d[0]!.span).toMatchObject({ line: 5, col: 1, length: 0 });
  });

  it("lets platform blocks stand anywhere", () => {
    const text = readFileSync(join(root, "examples", "svp", "svp.conf"), "utf8");
    expect(parsePolicy(text, "svp.conf").diagnostics).toEqual([]);
  });
});

describe("generated policies", () => {
  it("parses gen-policy seeds 1..50 (and their neverallow violations) with no diagnostics", () => {
    const dir = join(root, "test", "fixtures", "oracle");
    for (let seed = 1; seed <= 50; seed++) {
      const id = String(seed).padStart(3, "0");
      const text = readFileSync(join(dir, `seed-${id}.conf`), "utf8");
      const { ast, diagnostics } = parsePolicy(text, `seed-${id}.conf`);
      expect(diagnostics, `seed ${seed}`).toEqual([]);
      expect(ast.statements.length).toBeGreaterThan(100);
      // every statement's span covers text that starts with its keyword
      for (const s of ast.statements) {
        const head = text.slice(s.span.offset, s.span.offset + 12);
        expect(head.length).toBeGreaterThan(0);
        expect(/^[a-z]/.test(head), `seed ${seed}: ${head}`).toBe(true);
      }
    }
    const violations = readdirSync(dir).filter((f) => f.endsWith(".violate.conf"));
    expect(violations.length).toBeGreaterThan(0);
    for (const f of violations) {
      expect(parsePolicy(readFileSync(join(dir, f), "utf8"), f).diagnostics, f).toEqual([]);
    }
  });
});
