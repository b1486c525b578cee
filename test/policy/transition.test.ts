// security_compute_sid's rule lookup and defaults (src/policy/transition.ts) against checkpolicy:
// every (source, target, class) of every committed gen-policy seed and of examples/xen-flask asks
// typeRuleDefault, and the rules that answer must be exactly oracle-matrix's type rule lists; a
// policy with conditional type rules (test/fixtures/transition/cond.conf) is compared under its
// defaults and with every boolean flipped. Then the contexts computeCreate builds from them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy, TypeRuleKindName } from "../../src/policy/types.js";
import { fixtureDir, repoRoot, seedName } from "../oracle/harness.js";

type Rows = Record<TypeRuleKindName, string[][]>;
const KINDS: TypeRuleKindName[] = ["type_transition", "type_member", "type_change"];

/** Every rule the view answers with, as oracle-matrix lists them: [source, target, class, default]. */
function lookupRows(policy: CompiledPolicy): Rows {
  const out = { type_transition: [], type_member: [], type_change: [] } as Rows;
  const nt = policy.stats.types;
  const nc = policy.stats.classes;
  for (const kind of KINDS) {
    for (let s = 0; s < nt; s++) {
      for (let t = 0; t < nt; t++) {
        for (let c = 0; c < nc; c++) {
          const d = policy.typeRuleDefault(kind, s, t, c);
          if (d >= 0) out[kind].push([policy.typeName(s), policy.typeName(t), policy.className(c), policy.typeName(d)]);
        }
      }
    }
  }
  return out;
}

const sorted = (rows: string[][]) => rows.map((r) => r.join(" ")).sort();

function expectSameRules(policy: CompiledPolicy, oracle: Rows): void {
  const ours = lookupRows(policy);
  for (const kind of KINDS) expect(sorted(ours[kind]), kind).toEqual(sorted(oracle[kind]));
}

interface Manifest {
  seeds: { seed: number }[];
}
const manifest = JSON.parse(readFileSync(join(fixtureDir, "manifest.json"), "utf8")) as Manifest;

describe("typeRuleDefault equals checkpolicy's type rules", () => {
  it("for every committed gen-policy seed (booleans at their defaults)", () => {
    let rules = 0;
    for (const { seed } of manifest.seeds) {
      const name = seedName(seed);
      const policy = compilePolicy(readFileSync(join(fixtureDir, `${name}.conf`), "utf8"), { file: `${name}.conf` });
      const matrix = JSON.parse(readFileSync(join(fixtureDir, `${name}.matrix.json`), "utf8")) as Rows;
      expectSameRules(policy, matrix);
      rules += matrix.type_transition.length;
    }
    expect(rules).toBeGreaterThan(100);
  });

  it("for examples/xen-flask (Xen's *_self and *_channel transitions)", () => {
    const policy = compilePolicy(readFileSync(join(repoRoot, "examples/xen-flask/policy.conf"), "utf8"));
    const matrix = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/xen-flask/matrix.json"), "utf8")) as Rows;
    expect(matrix.type_transition.length).toBeGreaterThan(10);
    expectSameRules(policy, matrix);
  });

  const dir = join(repoRoot, "test/fixtures/transition");
  const cond = compilePolicy(readFileSync(join(dir, "cond.conf"), "utf8"), { file: "cond.conf" });
  const oracle = JSON.parse(readFileSync(join(dir, "cond.oracle.json"), "utf8")) as {
    defaults: Rows;
    flipped: Rows & { booleans: Record<string, boolean> };
  };

  it("for conditional type rules under the booleans' defaults", () => {
    expectSameRules(cond, oracle.defaults);
  });

  it("for conditional type rules with every boolean flipped", () => {
    const flipped = cond.withBooleans(oracle.flipped.booleans);
    expect(Object.values(flipped.booleans())).toEqual(Object.values(cond.booleans()).map((v) => !v));
    expectSameRules(flipped, oracle.flipped);
    // the view the caller holds is not changed by asking another
    expectSameRules(cond, oracle.defaults);
  });
});

describe("computeCreate labels as security_transition_sid", () => {
  const policy = compilePolicy(readFileSync(join(repoRoot, "test/fixtures/transition/cond.conf"), "utf8"), { file: "cond.conf" });
  const ctx = (text: string) => {
    const c = policy.parseContext(text);
    if (!c.ok) throw new Error(c.error);
    return c.value;
  };
  const create = (s: string, t: string, tclass: string, p: CompiledPolicy = policy) => {
    const r = p.computeCreate(ctx(s), ctx(t), p.classId(tclass));
    return { context: p.contextToString(r.context), valid: r.valid, rule: r.rule?.text };
  };

  it("gives a domain its *_self type from type_transition on class domain (flask_domain_create)", () => {
    expect(create("system_u:system_r:domU_t", "system_u:system_r:domU_t", "domain")).toEqual({
      context: "system_u:system_r:domU_t_self",
      valid: true,
      rule: "type_transition domU_t domU_t:domain domU_t_self;",
    });
    expect(create("system_u:system_r:dm_t", "system_u:system_r:dm_t", "domain").context).toBe("system_u:system_r:dm_t_self");
  });

  it("keeps the source's user, role and type for class domain when no rule matches", () => {
    expect(create("system_u:system_r:dom0_t", "system_u:system_r:dom0_t", "domain")).toEqual({ context: "system_u:system_r:dom0_t", valid: true, rule: undefined });
    // flask_set_target asks (target, device model): the default is the target's label
    expect(create("system_u:system_r:iso_t", "system_u:system_r:dm_t", "domain").context).toBe("system_u:system_r:iso_t");
  });

  it("labels an event channel object_r with the rule's type, the source's user (flask_evtchn_unbound)", () => {
    expect(create("guest_u:guest_r:domU_t", "system_u:system_r:dom0_t", "event")).toEqual({
      context: "guest_u:object_r:domU_t_channel",
      valid: true,
      rule: "type_transition domU_t domain_type:event domU_t_channel;",
    });
  });

  it("gives other objects object_r and the target's type when no rule matches", () => {
    expect(create("system_u:system_r:dom0_t", "system_u:object_r:device_t", "resource").context).toBe("system_u:object_r:device_t");
  });

  it("follows the enabled branch of a conditional rule, and says when the role does not hold the new type", () => {
    expect(create("guest_u:guest_r:iso_t", "guest_u:guest_r:iso_t", "domain").context).toBe("guest_u:guest_r:iso_t_self");
    const relabel = policy.withBooleans({ iso_relabel: true });
    const r = create("guest_u:guest_r:iso_t", "guest_u:guest_r:iso_t", "domain", relabel);
    expect(r).toEqual({ context: "guest_u:guest_r:iso_alt_t", valid: false, rule: "type_transition iso_t iso_t:domain iso_alt_t;" });
  });
});
