// MLS (checkpolicy -M): the language (sensitivities, dominance, categories, levels, ranges in
// users and contexts, mlsconstrain, range_transition), its errors located as checkpolicy reports
// them, the one error a non-MLS compile gives, and decisions equal to libsepol's on the committed
// fixtures (scripts/gen-mls-fixtures.ts: checkpolicy -M and audit2why's constraint_expr_eval).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compile, compilePolicy } from "../../src/policy/index.js";

const dir = join(import.meta.dirname, "../fixtures/mls");
const read = (name: string) => readFileSync(join(dir, name), "utf8");
const DEVICES = read("devices.conf");

function errors(text: string, mls = true): Diagnostic[] {
  const r = compile(text, { file: "m.conf", mls });
  return r.ok ? [] : r.error.filter((d) => d.severity === "error");
}

/** The devices policy with one line replaced (the line must be there). */
function edit(from: string, to: string): string {
  expect(DEVICES).toContain(from);
  return DEVICES.replace(from, to);
}

const lineOf = (text: string, fragment: string) => text.slice(0, text.indexOf(fragment)).split("\n").length;

describe("MLS symbols", () => {
  const run = compile(DEVICES, { file: "devices.conf", mls: true });
  if (!run.ok) throw new Error(JSON.stringify(run.error));
  const { symbols, policy } = run.value;
  const mls = symbols.mls!;

  it("orders sensitivities by dominance and keeps aliases", () => {
    expect(mls.sens.map((s) => [s.name, s.order, s.aliases])).toEqual([
      ["s0", 1, []],
      ["s1", 2, ["secret"]],
      ["s2", 3, []],
    ]);
    expect(mls.sensIds.get("secret")).toBe(1);
    expect(mls.sens.map((s) => s.cats)).toEqual([[0, 1], [0, 1, 2, 3], [0, 1, 2, 3]]);
    expect(mls.cats.map((c) => [c.name, c.aliases])).toEqual([["c0", []], ["c1", ["blue"]], ["c2", []], ["c3", []]]);
  });

  it("gives users their range and default level, contexts their range", () => {
    const vm = symbols.users[symbols.userIds.get("vm_u")!]!;
    expect(vm.range).toEqual({ low: { sens: 1, cats: [] }, high: { sens: 2, cats: [0, 1] } });
    expect(vm.level).toEqual({ sens: 1, cats: [] });
    expect(policy.initialSidContext("dom0")).toBe("system_u:system_r:dom0_t:s0-s2:c0.c3");
    expect(policy.initialSidContext("device")).toBe("system_u:object_r:nic_t:s1:c1");
    expect(symbols.ocontexts.pirqcon[0]!.context.text).toBe("system_u:object_r:dev2_t:s1:c1.c3");
    expect(symbols.ocontexts.pcidevicecon[0]!.context.text).toBe("system_u:object_r:nic_t:s0-s1:c0,c2");
  });

  it("prints a context's range as the kernel does, whatever names it was written with", () => {
    const parsed = policy.parseContext("system_u:system_r:dom0_t:s0:c0,blue-secret:c0,c1,c2,c3");
    if (!parsed.ok) throw new Error(parsed.error);
    expect(policy.contextToString(parsed.value)).toBe("system_u:system_r:dom0_t:s0:c0,c1-s1:c0.c3");
  });

  it("resolves range_transition rules, one per statement", () => {
    expect(mls.rangeTransitions.map((r) => [r.classes, r.range])).toEqual([
      [[2], { low: { sens: 1, cats: [] }, high: { sens: 2, cats: [0] } }],
      [[1], { low: { sens: 2, cats: [1, 3] }, high: { sens: 2, cats: [1, 3] } }],
    ]);
  });
});

describe("MLS decisions equal libsepol's (committed checkpolicy -M + audit2why answers)", () => {
  for (const name of ["devices", "seed-1", "seed-2", "seed-3", "seed-4", "seed-5", "seed-6"]) {
    it(name, () => {
      const policy = compilePolicy(read(`${name}.conf`), { file: `${name}.conf`, mls: true });
      const queries = JSON.parse(read(`${name}.queries.json`)) as { scontext: string; tcontext: string; tclass: string; perm: string }[];
      const answers = JSON.parse(read(`${name}.answers.json`)) as { allowed: boolean; audited: boolean; error?: string }[];
      expect(queries.length).toBe(answers.length);
      const shape = (a: { allowed: boolean; audited: boolean; error?: string }) => (a.error !== undefined ? "refused" : `${a.allowed}/${a.audited}`);
      const ours = queries.map((q) => shape(policy.check(q.scontext, q.tcontext, q.tclass, q.perm)));
      expect(ours).toEqual(answers.map(shape));
    });
  }

  it("explains a denial by the mlsconstrain that fails", () => {
    const policy = compilePolicy(DEVICES, { mls: true });
    const d = policy.explain("system_u:system_r:dom0_t:s0", "system_u:object_r:nic_t:s1:c1", "resource", "plug");
    expect(d.allowed).toBe(false);
    expect(d.reasons).toContainEqual({ kind: "constraint-failed", rule: expect.objectContaining({ text: "mlsconstrain resource { plug unplug } ( l1 dom l2 and h1 domby h2 );" }) });
  });
});

describe("MLS mode and its absence", () => {
  it("without -M, the first MLS statement is one error saying to use -M", () => {
    const diags = errors(DEVICES, false);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: "mls-disabled", span: { line: lineOf(DEVICES, "sensitivity s0;"), col: 1 } });
    expect(diags[0]!.message).toMatch(/^sensitivity definition in a non-MLS policy: compile with -M \(--mls\) to use MLS \(\d+ more MLS statements or fields follow\)$/);
  });

  it("without -M, a context's level alone is the error, at the level", () => {
    const text = read("../cli/small.conf").replace("sid xen system_u:system_r:xen_t", "sid xen system_u:system_r:xen_t:s0");
    const diags = errors(text, false);
    expect(diags).toMatchObject([{ code: "mls-disabled", message: expect.stringMatching(/^MLS range in context system_u:system_r:xen_t in a non-MLS policy/) }]);
    expect([diags[0]!.span!.line, diags[0]!.span!.col]).toEqual([lineOf(text, "sid xen system_u"), 33]);
  });

  it("without -M, MLS operands in a plain constrain compare the empty levels (checkpolicy writes them)", () => {
    const text = read("../cli/small.conf").replace("constrain resource { plug unplug } ( r1 == system_r or t1 == dom0_t );", "constrain resource { plug unplug } ( l1 dom l2 and not l1 incomp h2 );");
    const p = compilePolicy(text);
    expect(p.check("system_u:system_r:dom0_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(true);
  });

  it("with -M, a policy without MLS declarations, users' levels or contexts' levels is refused", () => {
    const diags = errors(read("../cli/small.conf"));
    // the declarations, two users, four initial SID contexts and a pcidevicecon
    expect(diags.map((d) => d.code)).toEqual(new Array(8).fill("mls-required"));
    expect(diags[0]!.message).toMatch(/needs its sensitivity, dominance and level declarations/);
    expect(diags[1]!.message).toBe("no default level specified for user system_u: an MLS policy needs 'level L range R'");
    expect(diags[3]!.message).toBe("context system_u:system_r:xen_t has no MLS level: an MLS policy needs user:role:type:level");
  });

  it("contexts given to check need a level in an MLS policy, and none in a plain one", () => {
    const mls = compilePolicy(DEVICES, { mls: true });
    expect(mls.check("system_u:system_r:dom0_t", "system_u:object_r:nic_t:s0", "resource", "use").error).toMatch(/malformed context/);
    expect(mls.check("system_u:system_r:dom0_t:s0", "system_u:object_r:nic_t:s9", "resource", "use").error).toBe("invalid MLS range 's9'");
    expect(mls.check("vm_u:vm_r:guest_t:s2", "system_u:object_r:nic_t:s0", "resource", "use").error).toBe("MLS range s2 not authorized for user vm_u");
    // object_r is exempt from the user's range, as mls_context_isvalid
    expect(mls.check("system_u:system_r:dom0_t:s0", "vm_u:object_r:nic_t:s2:c3", "resource", "use").error).toBeUndefined();
  });
});

describe("MLS errors, located as checkpolicy reports them", () => {
  it("a sensitivity without a level comes after the errors of both passes (checkpolicy's check_level)", () => {
    const diags = errors(edit("level s2:c0,c1,c2,c3;\n", ""));
    expect(diags.at(-1)).toMatchObject({ code: "mls-level", message: "sensitivity s2 was not used in a level definition" });
    expect(diags.at(-1)!.span?.line).toBe(lineOf(DEVICES, "sensitivity s2;"));
  });

  const cases: [string, string, string, string, RegExp][] = [
    // (policy_parse.y: sensitivities dominance opt_categories levels mlspolicy; checkpolicy: 'syntax error' at 'category')
    ["no dominance", "dominance { s0 s1 s2 }\n", "", "syntax", /^a category declaration belongs to the categories, but the MLS dominance must come first/],
    ["dominance misses one", "dominance { s0 s1 s2 }", "dominance { s0 s1 }", "mls-required", /all sensitivities must be specified in dominance definition \(missing: s2\)/],
    ["dominance names one twice", "dominance { s0 s1 s2 }", "dominance { s0 s1 secret s2 }", "duplicate", /sensitivity secret occurs multiply in dominance definition/],
    ["duplicate category", "category c3;", "category c3;\ncategory c1;", "duplicate", /duplicate declaration of category c1/],
    ["alias taken", "category c3;", "category c3 alias c0;", "duplicate", /duplicate declaration of category alias c0/],
    ["level twice", "level s2:c0,c1,c2,c3;", "level s2:c0,c1,c2,c3;\nlevel s2:c0;", "duplicate", /sensitivity s2 used in multiple level definitions/],
    ["level of an unknown sensitivity", "level s0:c0.c1;", "level s9:c0.c1;", "undeclared", /unknown sensitivity s9 used in level definition/],
    ["unknown category in a level", "level s0:c0.c1;", "level s0:c0.c9;", "undeclared", /unknown category c9/],
    ["backwards category range", "level s0:c0.c1;", "level s0:c1.c0;", "mls-level", /category range c1.c0 is invalid/],
    // (checkpolicy reports a context's level of s2 in its second pass; check_level runs after both)
    ["sensitivity without level", "level s2:c0,c1,c2,c3;\n", "", "mls-level", /category c0 can not be associated with level s2/],
    ["category not allowed at the level", "sid xen system_u:system_r:xen_t:s0", "sid xen system_u:system_r:xen_t:s0:c3", "mls-level", /category c3 can not be associated with level s0/],
    ["unknown sensitivity in a context", "sid xen system_u:system_r:xen_t:s0", "sid xen system_u:system_r:xen_t:s0-s1", "undeclared", /sensitivity s0-s1 is not defined/],
    ["high below low", "range_transition dom0_t nic_t:resource s0 - s1:c0;", "range_transition dom0_t nic_t:resource s1 - s0;", "mls-level", /MLS range high level does not dominate low level/],
    ["context outside the user's range", "user vm_u roles { vm_r } level s0 range s0 - secret:c0,blue;", "user vm_u roles { vm_r } level s0 range s0 - secret:c0,blue;\nuser system_u roles { system_r } level s0 range s0 - s1;", "invalid-context", /the range is not within user system_u's range s0-s1/],
    ["default level outside the range", "level s0 range s0 - secret:c0,blue;", "level s2 range s0 - secret:c0,blue;", "mls-level", /default level not within user range of vm_u/],
    ["conflicting range_transition", "range_transition dom0_t nic_t:resource s0 - s1:c0;", "range_transition dom0_t nic_t:resource s0 - s1:c0;\nrange_transition dom0_t nic_t:resource s0;", "duplicate", /conflicting range_transition rules for dom0_t nic_t:resource: s0-s1:c0 and s0/],
    ["legacy range_transition without a process class", "range_transition dom0_t nic_t:resource s0 - s1:c0;", "range_transition dom0_t nic_t s0 - s1:c0;", "undeclared", /could not find process class for legacy range_transition statement/],
    ["level pair the grammar lacks", "( l1 incomp h2 or t1 == dom0_t )", "( l2 dom h1 )", "syntax", /l2 cannot be compared with h1/],
    ["mlsconstrain among the constraints", "constrain resource { use }", "mlsconstrain resource { use }", "syntax", /an mlsconstrain statement belongs to the MLS constraints/],
  ];
  for (const [what, from, to, code, message] of cases) {
    it(what, () => {
      const text = edit(from, to);
      const diags = errors(text);
      expect(diags.length, JSON.stringify(diags)).toBeGreaterThan(0);
      expect(diags[0]).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(diags[0]!.span?.line).toBeGreaterThan(0);
    });
  }
});
