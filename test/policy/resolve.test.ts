// Stage `resolve`: every undeclared or duplicate identifier is a located error, as checkpolicy
// reports it; MLS statements without -M are one located "mls-disabled" error; section order is enforced.
import { describe, expect, it } from "vitest";
import { PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import { TE_LINE, policyText, type PolicyParts } from "./policy-text.js";

function diagnostics(parts: PolicyParts): Diagnostic[] {
  try {
    compilePolicy(policyText(parts), { file: "t.conf" });
  } catch (e) {
    if (e instanceof PolicyError) return e.diagnostics;
    throw e;
  }
  return expect.fail("the policy compiled");
}

function only(parts: PolicyParts): Diagnostic {
  const diags = diagnostics(parts);
  expect(diags, JSON.stringify(diags)).toHaveLength(1);
  return diags[0]!;
}

describe("undeclared identifiers", () => {
  it("an unknown type in a rule is an error at the name", () => {
    const d = only({ te: "allow dom0_t nope_t:resource plug;" });
    expect(d).toMatchObject({ code: "undeclared", message: "unknown type nope_t" });
    expect(d.span).toMatchObject({ file: "t.conf", line: TE_LINE, col: 14 });
  });

  it("an unknown class in a rule", () => {
    expect(only({ te: "allow dom0_t dev_t:nocls plug;" }).message).toBe("unknown class nocls");
  });

  it("a permission the class does not have, checked per class of the rule", () => {
    expect(only({ te: "allow dom0_t dev_t:resource getattr;" }).message).toBe("permission getattr is not defined for class resource");
    expect(only({ te: "allow dom0_t dev_t:{ xen resource } a;" }).message).toBe("permission a is not defined for class resource");
  });

  it("an unknown attribute in typeattribute, and a type where an attribute belongs", () => {
    expect(only({ te: "typeattribute dev_t nope;" }).message).toBe("unknown attribute nope");
    expect(only({ te: "typeattribute dev_t dom0_t;" }).message).toBe("dom0_t is a type, not an attribute");
  });

  it("an unknown boolean in a conditional", () => {
    expect(only({ te: "if (nob) { allow dom0_t dev_t:resource plug; }" }).message).toBe("unknown boolean nob");
  });

  it("an unknown user, role or type in a constraint", () => {
    expect(only({ constraints: "constrain resource plug ( u1 == nobody_u );" }).message).toBe("unknown user nobody_u");
    expect(only({ constraints: "constrain resource plug ( r1 == nobody_r );" }).message).toBe("unknown role nobody_r");
    expect(only({ constraints: "constrain resource plug ( t1 == nobody_t );" }).message).toBe("unknown type nobody_t");
  });

  it("an attribute is not a type in a context", () => {
    expect(only({ contexts: "pirqcon 3 system_u:object_r:devices" }).message).toBe("type devices is not defined or is an attribute");
  });

  it("a mistyped name: did you mean the declared one near it, also as data for a quick fix", () => {
    const meant = (parts: PolicyParts) => {
      const d = only(parts);
      return [d.message, d.suggestion];
    };
    expect(meant({ te: "allow dom0_t dev_tt:resource plug;" })).toEqual(["unknown type dev_tt (did you mean 'dev_t'?)", { written: "dev_tt", meant: "dev_t" }]);
    expect(meant({ te: "allow dom0_t dev_t:resourse plug;" })).toEqual(["unknown class resourse (did you mean 'resource'?)", { written: "resourse", meant: "resource" }]);
    expect(meant({ te: "allow dom0_t dev_t:resource plg;" })).toEqual(["permission plg is not defined for class resource (did you mean 'plug'?)", { written: "plg", meant: "plug" }]);
    expect(meant({ te: "allow dom0_t dev_t:resource ~{ plug unplg };" })).toEqual(["permission unplg is not defined for class resource (did you mean 'unplug'?)", { written: "unplg", meant: "unplug" }]);
    expect(meant({ constraints: "constrain resource plug ( u1 == system_v );" })).toEqual(["unknown user system_v (did you mean 'system_u'?)", { written: "system_v", meant: "system_u" }]);
    expect(meant({ constraints: "constrain resource plug ( r1 == system_t );" })).toEqual(["unknown role system_t (did you mean 'system_r'?)", { written: "system_t", meant: "system_r" }]);
    expect(meant({ contexts: "pirqcon 3 system_u:object_r:dev_tt" })).toEqual(["type dev_tt is not defined or is an attribute (did you mean 'dev_t'?)", { written: "dev_tt", meant: "dev_t" }]);
    // nothing near: no suggestion
    expect(meant({ te: "allow dom0_t zzzzzz_q:resource plug;" })).toEqual(["unknown type zzzzzz_q", undefined]);
  });

  it("`self` only as a target", () => {
    expect(only({ te: "allow self dev_t:resource plug;" }).message).toBe("self is only allowed in the target of a rule");
  });

  it("forward references inside the TE section resolve, as checkpolicy's two passes allow", () => {
    const p = compilePolicy(policyText({ te: "allow late_t dev_t:resource plug;\ntype late_t;\nrole system_r types late_t;" }));
    expect(p.allows("late_t", "dev_t", "resource", "plug")).toBe(true);
  });
});

describe("duplicate declarations", () => {
  it("a type declared twice", () => {
    const d = only({ te: "type dev_t;" });
    expect(d).toMatchObject({ code: "duplicate", message: "duplicate declaration of type dev_t" });
    expect(d.span?.line).toBe(TE_LINE);
  });

  it("an attribute named like a type, an alias named like a type", () => {
    expect(only({ te: "attribute dom0_t;" }).message).toBe("duplicate declaration of attribute dom0_t");
    expect(only({ te: "type x_t alias dom0_t;" }).message).toBe("duplicate declaration of alias dom0_t");
    expect(only({ te: "typealias dev2_t alias dev_alias_t;" }).message).toBe("duplicate declaration of alias dev_alias_t");
  });

  it("a boolean declared twice", () => {
    expect(only({ te: "bool b true;\nbool b false;" }).message).toBe("duplicate declaration of boolean b");
  });

  it("repeated users and roles merge, as checkpolicy allows", () => {
    const p = compilePolicy(policyText({ te: "role system_r;" , constraints: "" }).replace("user vm_u roles { vm_r };", "user vm_u roles { vm_r };\nuser vm_u roles { system_r };"));
    expect(p.parseContext("vm_u:system_r:dom0_t").ok).toBe(true);
  });

  it("duplicate ocontexts and overlapping ranges, with the first one noted", () => {
    const d = only({ contexts: "pcidevicecon 0x300 system_u:object_r:dev_t\npcidevicecon 0x300 system_u:object_r:dev2_t" });
    expect(d.message).toBe("duplicate pcidevicecon entry for 0x300");
    expect(d.notes?.[0]?.message).toBe("first defined here");
    expect(only({ contexts: "iomemcon 0x10-0x20 system_u:object_r:dev_t\niomemcon 0x15-0x30 system_u:object_r:dev2_t" }).message).toBe(
      "iomemcon entry for 0x15-0x30 overlaps with earlier entry 0x10-0x20",
    );
    expect(only({ contexts: "ioportcon 0x30-0x20 system_u:object_r:dev_t" }).message).toBe("low ioport 0x30 exceeds high ioport 0x20");
  });
});

describe("roles, users and contexts", () => {
  it("`role R types ...` needs a `role R;` declaration, as libsepol does", () => {
    const text = policyText().replace("role vm_r;\n", "");
    expect(() => compilePolicy(text)).toThrow(/unknown role vm_r/);
  });

  it("a user naming an unknown role", () => {
    const text = policyText().replace("user vm_u roles { vm_r };", "user vm_u roles { vm_r nope_r };");
    expect(() => compilePolicy(text)).toThrow(/unknown role nope_r/);
  });

  it("an initial SID context whose type its role does not hold", () => {
    const d = only({ contexts: "pirqcon 5 vm_u:vm_r:dom0_t" });
    expect(d).toMatchObject({ code: "invalid-context", message: "invalid security context vm_u:vm_r:dom0_t: type dom0_t not authorized for role vm_r" });
  });

  it("object_r is valid for every user and type", () => {
    const p = compilePolicy(policyText({ contexts: "pirqcon 5 vm_u:object_r:dev2_t" }));
    expect(p.stats.ocontexts).toBe(1);
  });
});

describe("classes and permissions", () => {
  it("more than 32 permissions in a class is an error", () => {
    const perms = Array.from({ length: 33 }, (_, i) => `p${i}`).join(" ");
    const text = policyText().replace("class resource { plug unplug use add }", `class resource { plug unplug use add ${perms} }`);
    expect(() => compilePolicy(text)).toThrow(/at most 32/);
  });

  it("a permission repeating an inherited one", () => {
    const text = policyText().replace("class xen inherits basic { a b }", "class xen inherits basic { a getattr }");
    expect(() => compilePolicy(text)).toThrow(/permission getattr conflicts with an inherited permission/);
  });

  it("numbers permissions as libsepol does: the common's first", () => {
    const p = compilePolicy(policyText());
    const xen = p.classId("xen");
    expect(p.permNames(xen, 0xf)).toEqual(["getattr", "setattr", "a", "b"]);
    expect(p.permMask(xen, "a")).toBe(4);
  });
});

describe("MLS and section order", () => {
  it("without MLS, the first MLS statement is the one error, telling to use -M", () => {
    const text = policyText().replace("class resource { plug unplug use add }\n", "class resource { plug unplug use add }\nsensitivity s0;\n");
    let diags: Diagnostic[] = [];
    try {
      compilePolicy(text, { file: "m.conf" });
    } catch (e) {
      diags = (e as PolicyError).diagnostics;
    }
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: "mls-disabled", message: "sensitivity definition in a non-MLS policy: compile with -M (--mls) to use MLS" });
    expect(diags[0]!.span).toMatchObject({ file: "m.conf", line: 8, col: 1 });
  });

  it("a context with an MLS level needs -M", () => {
    expect(only({ contexts: "pirqcon 5 system_u:object_r:dev_t:s0" }).code).toBe("mls-disabled");
  });

  it("a user declaration among the TE rules breaks checkpolicy's section order", () => {
    const diags = diagnostics({ te: "user late_u roles { system_r };\nallow dom0_t dev_t:resource plug;" });
    expect(diags[0]!.message).toMatch(/must come before the users/);
    expect(diags[0]!.span?.line).toBe(TE_LINE + 1);
    expect(diags[0]!.notes?.[0]?.span?.line).toBe(TE_LINE);
  });
});

it("reports every error of a stage at once", () => {
  const diags = diagnostics({ te: "allow a_t dev_t:resource plug;\nallow dom0_t b_t:resource plug;\nallow dom0_t dev_t:resource nope;" });
  expect(diags.map((d) => d.message)).toEqual(["unknown type a_t", "unknown type b_t", "permission nope is not defined for class resource"]);
  expect(diags.map((d) => d.span?.line)).toEqual([TE_LINE, TE_LINE + 1, TE_LINE + 2]);
});
