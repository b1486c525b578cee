// The rules near a denial (src/policy/nearest.ts, CompiledPolicy.nearest): exactly the rules of the
// fixture, nearest first and capped; the same access vectors sesearch -A lists for the source (or
// target) and the permission, stored from setools' run on the binary; and on random policies, every
// type a near rule names is one the policy grants the permission for, every such type is named, and
// the proposed rule, added, grants the denial.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy, NearMisses } from "../../src/policy/types.js";

const NEAR = "test/fixtures/cli/nearest.conf";
const XF = "examples/xen-flask/policy.conf";
const ctx = (type: string, role = "system_r") => `system_u:${role}:${type}`;

describe("the rules near a denial", () => {
  const policy = compilePolicy(readFileSync(NEAR, "utf8"), { file: NEAR });
  const near = policy.nearest(ctx("guest_t"), ctx("nic2_t", "object_r"), "resource", ["plug"])!;
  const texts = (g: NearMisses["otherPerms"]) => g.rules.map((r) => r.rule.text);

  it("names the pair's rules that grant other permissions, the narrowest first, with what they grant", () => {
    expect(near.otherPerms.rules.map((r) => [r.rule.text, r.rule.span.line, r.perms])).toEqual([
      ["allow guest_t nic2_t:resource { use setup };", 34, ["use", "setup"]],
      ["allow guest_type device_type:resource use;", 33, ["use"]],
    ]);
  });

  it("names the source's rules that grant it to other targets: most attributes shared first, five, the rest counted", () => {
    expect(texts(near.otherTargets)).toEqual([
      "allow guest_t nic0_t:resource plug;",
      "allow guest_t nic1_t:resource { plug unplug };",
      "allow guest_t usb_t:resource { plug unplug };",
      "allow guest_t serial_t:resource plug;",
      "allow guest_t { disk_t usb_t gpu_t audio_t serial_t }:resource plug;",
    ]);
    expect(near.otherTargets.more).toBe(2);
    expect(near.otherTargets.rules[4]!.types).toEqual(["disk_t", "usb_t", "gpu_t", "audio_t", "serial_t"]);
    const all = policy.nearest(ctx("guest_t"), ctx("nic2_t", "object_r"), "resource", ["plug"], 100)!;
    expect(all.otherTargets.more).toBe(0);
    // the branch that is off last, and the type that shares no attribute with nic2_t before it
    expect(all.otherTargets.rules.slice(5).map((r) => [r.rule.text, r.condition, r.enabled])).toEqual([
      ["allow guest_t xen_t:resource plug;", undefined, undefined],
      ["allow guest_t gpu_t:resource { plug unplug };", "guest_gpu", false],
    ]);
  });

  it("names the target's rules that grant it from other sources, and the rule audit2allow writes", () => {
    expect(near.otherSources.rules.map((r) => [r.rule.text, r.types])).toEqual([["allow dom0_t device_type:resource { plug unplug };", ["dom0_t"]]]);
    expect(near.allow).toBe("allow guest_t nic2_t:resource plug;");
  });

  it("reads `self` as the source paired with itself, on either side", () => {
    const self = policy.nearest(ctx("guest_t"), ctx("dom0_t"), "event", ["send"])!;
    expect(self.otherTargets.rules.map((r) => [r.rule.text, r.types])).toEqual([["allow domain_type self:event send;", ["guest_t"]]]);
    expect(self.otherSources.rules.map((r) => [r.rule.text, r.types])).toEqual([["allow domain_type self:event send;", ["dom0_t"]]]);
    expect(policy.nearest(ctx("guest_t"), ctx("guest_t"), "event", ["send", "bind"])).toBeUndefined();
    expect(policy.nearest(ctx("guest_t"), ctx("guest_t"), "event", ["bind"])!.allow).toBe("allow guest_t self:event bind;");
  });

  it("has nothing to say of an access a rule grants, or of a question that cannot be asked", () => {
    expect(policy.nearest(ctx("guest_t"), ctx("nic0_t", "object_r"), "resource", ["plug"])).toBeUndefined();
    expect(policy.nearest(ctx("guest_t"), ctx("nic0_t", "object_r"), "resource", ["fly"])).toBeUndefined();
    expect(policy.nearest(ctx("nosuch_t"), ctx("nic0_t", "object_r"), "resource", ["plug"])).toBeUndefined();
    expect(policy.nearest(ctx("guest_t"), ctx("nic0_t", "object_r"), "nosuch", ["plug"])).toBeUndefined();
  });

  it("follows the view's booleans: a rule in a branch now on grants, and is no longer near", () => {
    const on = policy.withBooleans({ guest_gpu: true });
    expect(on.nearest(ctx("guest_t"), ctx("gpu_t", "object_r"), "resource", ["unplug"])).toBeUndefined();
    const all = on.nearest(ctx("guest_t"), ctx("nic2_t", "object_r"), "resource", ["plug"], 100)!;
    expect(all.otherTargets.rules.find((r) => r.condition === "guest_gpu")).toMatchObject({ enabled: true });
  });
});

/** sesearch -A's lines as (source, target, conditional?) with each attribute expanded to its types. */
function sesearchPairs(file: string, members: (name: string) => string[]): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^allow (\S+) (\S+):\S+ .*;( \[.*\]:True)?$/.exec(line);
    if (!m) continue;
    for (const s of members(m[1]!)) for (const t of members(m[2]!)) out.add(`${s} ${t}${m[3] ? " (cond)" : ""}`);
  }
  return out;
}

describe("the near rules are the access vectors sesearch -A lists (setools on the binary, stored)", () => {
  const cases: { conf: string; s: string; t: string; tclass: string; perm: string; fixture: string; role?: string }[] = [
    { conf: NEAR, s: "guest_t", t: "nic2_t", tclass: "resource", perm: "plug", fixture: "near", role: "object_r" },
    { conf: NEAR, s: "guest_t", t: "dom0_t", tclass: "event", perm: "send", fixture: "near" },
    { conf: XF, s: "domU_t", t: "isolated_domU_t", tclass: "grant", perm: "map_read", fixture: "xf" },
    { conf: XF, s: "isolated_domU_t", t: "nic_dev_t", tclass: "resource", perm: "use_iommu", fixture: "xf", role: "object_r" },
    { conf: XF, s: "domU_t", t: "xen_t", tclass: "xen", perm: "kexec", fixture: "xf" },
  ];
  const pairFile: Record<string, string> = { resource: "resource", grant: "grant", xen: "xen", event: "" };
  for (const c of cases) {
    it(`${c.s} -> ${c.t} ${c.tclass} ${c.perm}`, () => {
      const run = compile(readFileSync(c.conf, "utf8"), { file: c.conf });
      if (!run.ok) throw new Error(`${c.conf} does not compile`);
      const sym = run.value.symbols;
      const members = (name: string) => {
        const a = sym.attrs.find((x) => x.name === name);
        return a ? Array.from(a.members, (id) => sym.types[id]!.name) : [name];
      };
      const policy: CompiledPolicy = run.value.policy;
      const n = policy.nearest(ctx(c.s), ctx(c.t, c.role ?? "system_r"), c.tclass, [c.perm], 1000)!;
      const dir = "test/fixtures/nearest";
      const mark = (r: NearMisses["otherPerms"]["rules"][number]) => (r.condition !== undefined ? " (cond)" : "");
      const targets = new Set(n.otherTargets.rules.flatMap((r) => r.types!.map((u) => `${c.s} ${u}${mark(r)}`)));
      // (sesearch lists the source's rules whatever their target; the pair itself is no near rule)
      const pair = (p: string) => p.split(" ") as [string, string];
      expect(targets).toEqual(new Set([...sesearchPairs(`${dir}/${c.fixture}-s-${c.perm}.txt`, members)].filter((p) => pair(p)[0] === c.s && pair(p)[1] !== c.t)));
      const sources = new Set(n.otherSources.rules.flatMap((r) => r.types!.map((u) => `${u} ${c.t}${mark(r)}`)));
      expect(sources).toEqual(new Set([...sesearchPairs(`${dir}/${c.fixture}-t-${c.perm}.txt`, members)].filter((p) => pair(p)[1] === c.t && pair(p)[0] !== c.s)));
      if (pairFile[c.tclass]) {
        // the pair's rules: the permissions they grant, in all, are those sesearch's entries hold
        const st = readFileSync(`${dir}/${c.fixture}-st-${pairFile[c.tclass]}.txt`, "utf8");
        const want = new Set(st.split("\n").filter((l) => l.startsWith("allow")).flatMap((l) => /:\S+ (?:\{ (.*) \}|(\S+));/.exec(l)!.slice(1).filter(Boolean).join(" ").split(" ")));
        expect(new Set(n.otherPerms.rules.flatMap((r) => r.perms))).toEqual(want);
      }
    });
  }
});

const PERMS = ["p0", "p1", "p2"];

/** Random small policies: types in overlapping attributes, rules on types, attributes and `self`,
 *  one conditional branch. */
const randomPolicy = fc
  .record({
    types: fc.integer({ min: 1, max: 8 }),
    attrs: fc.integer({ min: 0, max: 3 }),
  })
  .chain(({ types: nt, attrs: na }) => {
    const types = Array.from({ length: nt }, (_, i) => `d${i}_t`);
    const attrs = Array.from({ length: na }, (_, i) => `a${i}`);
    const name = fc.constantFrom(...types, ...attrs);
    const perms = fc.uniqueArray(fc.constantFrom(...PERMS), { minLength: 1, maxLength: 2 }).map((ps) => `{ ${ps.join(" ")} }`);
    const rule = fc.tuple(name, fc.oneof({ weight: 4, arbitrary: name }, { weight: 1, arbitrary: fc.constant("self") }), perms).map(([s, t, p]) => `allow ${s} ${t}:c ${p};`);
    return fc.record({
      members: fc.array(fc.uniqueArray(fc.constantFrom(...(attrs.length ? attrs : ["-"])), { maxLength: 2 }), { minLength: nt, maxLength: nt }),
      te: fc.array(rule, { maxLength: 10 }),
      cond: fc.array(rule, { maxLength: 2 }),
      on: fc.boolean(),
      s: fc.constantFrom(...types),
      t: fc.constantFrom(...types),
      perm: fc.constantFrom(...PERMS),
    }).map((p) => {
      const head = [
        "class c",
        "sid kernel",
        `class c { ${PERMS.join(" ")} }`,
        ...attrs.map((a) => `attribute ${a};`),
        ...types.map((t, i) => `type ${t}${p.members[i]!.filter((a) => a !== "-").map((a) => `, ${a}`).join("")};`),
        `bool b ${p.on};`,
        ...p.te,
        ...(p.cond.length ? [`if (b) {\n${p.cond.join("\n")}\n}`] : []),
      ];
      const tail = ["role r;", `role r types { ${types.join(" ")} };`, "user u roles { r };", "sid kernel u:r:d0_t"];
      return { head, tail, types, s: p.s, t: p.t, perm: p.perm };
    });
  });

describe("near rules on random policies", () => {
  it("name exactly the types the policy grants the permission for, and the proposed rule grants it", () => {
    fc.assert(
      fc.property(randomPolicy, ({ head, tail, types, s, t, perm }) => {
        const text = `${[...head, ...tail].join("\n")}\n`;
        const policy = compilePolicy(text, { file: "random.conf" });
        const n = policy.nearest(`u:r:${s}`, `u:r:${t}`, "c", [perm], 1000);
        if (policy.allows(s, t, "c", perm)) {
          expect(n).toBeUndefined();
          return;
        }
        expect(n).toBeDefined();
        const enabled = (g: NearMisses["otherPerms"]) => g.rules.filter((r) => r.enabled !== false);
        expect(new Set(enabled(n!.otherTargets).flatMap((r) => r.types!))).toEqual(new Set(types.filter((u) => policy.allows(s, u, "c", perm))));
        expect(new Set(enabled(n!.otherSources).flatMap((r) => r.types!))).toEqual(new Set(types.filter((u) => policy.allows(u, t, "c", perm))));
        for (const r of enabled(n!.otherPerms)) {
          expect(r.perms).not.toContain(perm);
          for (const q of r.perms) expect(policy.allows(s, t, "c", q)).toBe(true);
        }
        const fixed = compilePolicy(`${[...head, n!.allow, ...tail].join("\n")}\n`, { file: "fixed.conf" });
        expect(fixed.allows(s, t, "c", perm)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
