// How `xsm allow -R` writes an interface it does not offer because too many types tie for the
// parameter the denial leaves open (src/analysis/audit2.ts): on its own line when it ranks before
// every offered call (or none is offered), else among the alternatives by its distance; never with
// audit2allow's `#!!!!`, which marks only why an access is denied.
import { describe, expect, it } from "vitest";
import { AllowSet } from "../../src/analysis/audit2.js";
import type { InterfaceAnswer, InterfaceGrant, UndecidedCall } from "../../src/policy/interface-grants.js";
import { parseAvcLine } from "../../src/analysis/avcline.js";

const LINE = "(XEN) avc:  denied  { bind } for domid=2 scontext=system_u:object_r:a_channel tcontext=system_u:system_r:b_t tclass=event";

function render(answer: InterfaceAnswer): string {
  const parsed = parseAvcLine(LINE, 1, true);
  if (parsed.kind !== "avc") throw new Error("not an avc line");
  const set = new AllowSet();
  set.add(parsed.avc, { line: 1, cause: "te-rule", perms: ["bind"] });
  return set.render(undefined, () => answer);
}

const grant = (call: string, distance: number): InterfaceGrant => ({ call, name: call.replace(/\(.*/, ""), file: "modules/x.if", rules: 1, perms: 1, distance });
const open = (distance: number): UndecidedCall => ({ call: "wide(a_t, DEST, a_channel)", name: "wide", file: "modules/x.if", parameter: "dest", types: 20, examples: ["a_t", "b_t", "c_t"], reason: "the policy relates none to the denial's types", distance });
const NOTE = (d: number) => `# not offered: wide(a_t, DEST, a_channel) [${d}] from modules/x.if grants it with any of 20 types as dest, such as a_t, b_t, c_t (the policy relates none to the denial's types): too many to guess`;

describe("xsm allow -R: an interface too many types tie for", () => {
  it("farther than the offered call: one more alternative, by its distance", () => {
    const out = render({ grants: [grant("near(a_t, b_t)", 5), grant("far(a_t, b_t)", 90)], undecided: [open(40)] });
    expect(out).toContain("# also: wide(a_t, DEST, a_channel) [40], far(a_t, b_t) [90]\nnear(a_t, b_t)\n");
    expect(out).not.toContain("not offered");
  });

  it("nearer than the offered call: said on its own line above the call", () => {
    const out = render({ grants: [grant("near(a_t, b_t)", 50)], undecided: [open(3)] });
    expect(out).toContain(`${NOTE(3)}\nnear(a_t, b_t)\n`);
    expect(out).not.toContain("# also");
  });

  it("a covering call ranks before one that does not cover the denial, whatever the magnitudes", () => {
    expect(render({ grants: [grant("near(a_t, b_t)", -2)], undecided: [open(30)] })).toContain(`${NOTE(30)}\nnear(a_t, b_t)\n`);
    expect(render({ grants: [grant("near(a_t, b_t)", 30)], undecided: [open(-2)] })).toContain("# also: wide(a_t, DEST, a_channel) [-2]\n");
  });

  it("with no call offered: said above the rule, which stays", () => {
    const out = render({ grants: [], undecided: [open(12)] });
    expect(out).toBe(`\n\n#============= a_channel ==============\n\n${NOTE(12)}\nallow a_channel b_t:event bind;\n`);
    expect(out).not.toContain("#!!!!");
  });
});
