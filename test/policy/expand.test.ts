// Stage `expand`: libsepol's semantics of attributes, self, ~, -, *, aliases and class sets,
// conditionals kept per branch, and booleans changed atomically.
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import { policyText } from "./policy-text.js";

const compile = (te: string) => compilePolicy(policyText({ te }), { file: "t.conf" });

describe("type sets", () => {
  it("an attribute stands for each of its member types", () => {
    const p = compile("allow domains devices:resource plug;");
    for (const s of ["dom0_t", "domU_t"]) for (const t of ["dev_t", "dev2_t"]) expect(p.allows(s, t, "resource", "plug")).toBe(true);
    expect(p.allows("dom0_t", "domU_t", "resource", "plug")).toBe(false);
  });

  it("typeattribute adds members wherever it appears", () => {
    const p = compile("allow devices dom0_t:resource use;\ntypeattribute dom0_t devices;");
    expect(p.allows("dom0_t", "dom0_t", "resource", "use")).toBe(true);
  });

  it("self pairs every source type with itself only", () => {
    const p = compile("allow domains self:resource use;");
    expect(p.allows("dom0_t", "dom0_t", "resource", "use")).toBe(true);
    expect(p.allows("domU_t", "domU_t", "resource", "use")).toBe(true);
    expect(p.allows("dom0_t", "domU_t", "resource", "use")).toBe(false);
  });

  it("self beside other targets", () => {
    const p = compile("allow dom0_t { self dev_t }:resource use;");
    expect(p.allows("dom0_t", "dom0_t", "resource", "use")).toBe(true);
    expect(p.allows("dom0_t", "dev_t", "resource", "use")).toBe(true);
  });

  it("`-` removes types from a set, attributes included", () => {
    const p = compile("allow { domains -domU_t } dev_t:resource plug;\nallow dom0_t { domains devices -devices }:resource add;");
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("domU_t", "dev_t", "resource", "plug")).toBe(false);
    expect(p.allows("dom0_t", "domU_t", "resource", "add")).toBe(true);
    expect(p.allows("dom0_t", "dev_t", "resource", "add")).toBe(false);
  });

  it("`~` and `*` on types are for neverallow only, as checkpolicy rules", () => {
    expect(() => compile("allow dom0_t ~devices:resource add;")).toThrow(/~ not allowed in this type of rule/);
    expect(() => compile("allow * dev_t:resource add;")).toThrow(/\* not allowed in this type of rule/);
    expect(() => compile("type_transition dom0_t *:resource dev_t;")).toThrow(/\* not allowed in this type of rule/);
    expect(() => compile("allow dom0_t dev_t:{ xen -resource } getattr;")).toThrow(/- not allowed in this type of rule/);
  });

  it("in a neverallow, `~` complements over all types and `*` is every type", () => {
    expect(() => compile("neverallow dom0_t ~devices:resource add;\nallow dom0_t dev_t:resource add;")).not.toThrow();
    expect(() => compile("neverallow dom0_t ~devices:resource add;\nallow dom0_t domU_t:resource add;")).toThrow(/neverallow violated/);
    expect(() => compile("neverallow * dev2_t:resource add;\nallow domU_t dev2_t:resource add;")).toThrow(/neverallow violated by allow domU_t dev2_t/);
  });

  it("an alias is the same type, in rules and in queries", () => {
    const p = compile("allow dom0_t dev_alias_t:resource plug;");
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("dom0_t", "dev_alias_t", "resource", "plug")).toBe(true);
    expect(p.typeId("dev_alias_t")).toBe(p.typeId("dev_t"));
    expect(p.typeName(p.typeId("dev_alias_t"))).toBe("dev_t");
    expect(p.typeId("devices")).toBe(-1);
  });
});

describe("permission and class sets", () => {
  it("`~` complements the permissions of the class", () => {
    const p = compile("allow dom0_t dev_t:resource ~plug;");
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(false);
    for (const perm of ["unplug", "use", "add"]) expect(p.allows("dom0_t", "dev_t", "resource", perm)).toBe(true);
  });

  it("`*` is every permission of each class, common ones included", () => {
    const p = compile("allow dom0_t dev_t:{ xen resource } *;");
    for (const perm of ["getattr", "setattr", "a", "b"]) expect(p.allows("dom0_t", "dev_t", "xen", perm)).toBe(true);
    for (const perm of ["plug", "unplug", "use", "add"]) expect(p.allows("dom0_t", "dev_t", "resource", perm)).toBe(true);
  });

  it("masks of several rules on one (source, target, class) add up", () => {
    const p = compile("allow dom0_t dev_t:resource plug;\nallow domains devices:resource unplug;");
    const mask = p.permMask(p.classId("resource"), "plug") | p.permMask(p.classId("resource"), "unplug");
    expect(p.allowsIds(p.typeId("dom0_t"), p.typeId("dev_t"), p.classId("resource"), mask)).toBe(true);
    expect(p.allowsIds(p.typeId("domU_t"), p.typeId("dev_t"), p.classId("resource"), mask)).toBe(false);
  });

  it("unknown names in a query answer undefined, distinct from a denial", () => {
    const p = compile("allow dom0_t dev_t:resource plug;");
    expect(p.allows("", "", "", "")).toBeUndefined();
    expect(p.allows("dom0_t", "dev_t", "", "")).toBeUndefined();
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("dom0_t", "dev_t", "resource", "")).toBeUndefined();
    expect(p.allows("dom0_t", "dev2_t", "resource", "plug")).toBe(false);
    expect(p.allows("dom0_t", "dev_alias_t", "resource", "plug")).toBe(true);
    expect(p.allows("nope_t", "dev_t", "resource", "plug")).toBeUndefined();
    expect(p.allows("dom0_t", "dev_t", "nocls", "plug")).toBeUndefined();
    expect(p.allows("dom0_t", "dev_t", "resource", "nope")).toBeUndefined();
  });
});

describe("conditionals and booleans", () => {
  const te = "bool hotplug true;\nbool strict false;\nif (hotplug && !strict) { allow dom0_t dev_t:resource plug; } else { allow dom0_t dev_t:resource unplug; }";

  it("the branch the expression selects is enabled, booleans at their defaults", () => {
    const p = compile(te);
    expect(p.booleanNames()).toEqual(["hotplug", "strict"]);
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("dom0_t", "dev_t", "resource", "unplug")).toBe(false);
  });

  it("withBooleans switches branches in a new view and leaves the old one as it was", () => {
    const p = compile(te);
    const strict = p.withBooleans({ strict: true });
    expect(strict.getBoolean("strict")).toBe(true);
    expect(strict.allows("dom0_t", "dev_t", "resource", "plug")).toBe(false);
    expect(strict.allows("dom0_t", "dev_t", "resource", "unplug")).toBe(true);
    expect(p.getBoolean("strict")).toBe(false);
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    const back = strict.withBooleans({ strict: false, hotplug: true });
    expect(back.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(strict.allows("dom0_t", "dev_t", "resource", "plug")).toBe(false);
  });

  it("views share their image: image.withBooleans starts from the defaults", () => {
    const p = compile(te);
    const strict = p.withBooleans({ strict: true });
    expect(strict.image).toBe(p.image);
    expect(p.image.defaults).toBe(p);
    expect(strict.withBooleans({ hotplug: false }).booleans()).toEqual({ hotplug: false, strict: true });
    expect(strict.image.withBooleans({ hotplug: false }).booleans()).toEqual({ hotplug: false, strict: false });
  });

  it("withBooleans with an unknown name throws and changes nothing", () => {
    const p = compile(te);
    expect(() => p.withBooleans({ strict: true, nosuch: true })).toThrow(PolicyError);
    expect(p.getBoolean("strict")).toBe(false);
    expect(p.getBoolean("nosuch")).toBeUndefined();
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
  });

  it("`if (!b)` is stored as `if (b)` with the branches swapped, as libsepol normalizes it", () => {
    const p = compile("bool b true;\nif (!b) { allow dom0_t dev_t:resource plug; }\nif (b) { allow dom0_t dev_t:resource use; }");
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(false);
    expect(p.allows("dom0_t", "dev_t", "resource", "use")).toBe(true);
    const off = p.withBooleans({ b: false });
    expect(off.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(off.allows("dom0_t", "dev_t", "resource", "use")).toBe(false);
  });

  it("^, == and != on booleans", () => {
    const p = compile("bool x true;\nbool y false;\nif (x ^ y) { allow dom0_t dev_t:resource plug; }\nif (x == y) { allow dom0_t dev_t:resource use; }\nif (x != y) { allow dom0_t dev_t:resource add; }");
    expect(p.allows("dom0_t", "dev_t", "resource", "plug")).toBe(true);
    expect(p.allows("dom0_t", "dev_t", "resource", "use")).toBe(false);
    expect(p.allows("dom0_t", "dev_t", "resource", "add")).toBe(true);
    const y = p.withBooleans({ y: true });
    expect(y.allows("dom0_t", "dev_t", "resource", "plug")).toBe(false);
    expect(y.allows("dom0_t", "dev_t", "resource", "use")).toBe(true);
  });
});

describe("statistics as setools counts them", () => {
  it("a rule on attributes is one avtab entry; `-` expands its own set, self both", () => {
    expect(compile("allow domains devices:resource plug;").stats.allow).toBe(1);
    expect(compile("allow { dom0_t domU_t } devices:resource plug;").stats.allow).toBe(2);
    expect(compile("allow { domains -domU_t } devices:resource plug;").stats.allow).toBe(1);
    expect(compile("allow { domains -domU_t } { devices -dev_t }:resource plug;").stats.allow).toBe(1);
    expect(compile("allow { domains -dev_t } { devices -dev_t }:resource plug;").stats.allow).toBe(2);
    expect(compile("allow domains self:resource plug;").stats.allow).toBe(2);
  });

  it("each branch of each conditional node keeps its own entries", () => {
    const p = compile("bool b true;\nallow dom0_t dev_t:resource plug;\nif (b) { allow dom0_t dev_t:resource plug; } else { allow dom0_t dev_t:resource plug; }");
    expect(p.stats.allow).toBe(3);
    expect(p.stats.booleans).toBe(1);
  });
});

describe("type rules", () => {
  it("a repeated type_transition with the same default is fine; a different one is a conflict", () => {
    expect(() => compile("type_transition dom0_t dev_t:resource dev2_t;\ntype_transition domains dev_t:resource dev2_t;")).not.toThrow();
    expect(() => compile("type_transition dom0_t dev_t:resource dev2_t;\ntype_transition domains dev_t:resource dev_t;")).toThrow(
      /conflicting TE rule for \(dom0_t dev_t:resource\): old was dev2_t, new is dev_t/,
    );
  });
});
