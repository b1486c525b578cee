// A reload whose policy declares as an attribute a name the running policy had as a type
// (test/fixtures/sim/reload/attributes.conf: device_t, the `device` initial SID's type, and
// gvp1_rogue_t, a guest's). What Xen does (xen/xsm/flask/ss/services.c, policydb.c):
// - convert_context looks the type's name up in the new p_types, which holds attributes too
//   (policy version >= 24), and takes the attribute's value without looking at its `attribute`
//   flag (security_context_to_sid does look, and refuses the text);
// - policydb_context_isvalid skips the role/type check for object_r: the device SID is kept, valid,
//   with nothing printed; under vm_r the role's types bitmap holds no attribute, so the guest's SID
//   is invalid: removed when enforcing, kept when permissive, as any other invalid context;
// - context_struct_compute_av walks type_attr_map[type - 1], whose row for an attribute is the
//   attribute itself (checkpolicy writes it, policydb_read sets it again; empty under
//   `expandattribute A true`, whose rules checkpolicy expands): only avtab entries keyed on the
//   attribute itself reach the SID, constraints are evaluated as for any context.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { compile } from "../../src/policy/index.js";
import { loadPolicyBytes } from "../../src/binary/load.js";
import { decisionJson, parseQueries } from "../../src/cli/check.js";
import { readPolicy } from "../../src/binary/read.js";
import { createXsm } from "../../src/xsm/index.js";
import { SECINITSID_DEVICE, SidTable } from "../../src/xsm/sidtab.js";
import type { Domain } from "../../src/xsm/types.js";
import { allowed, expectSameConversion, sidOf } from "./reload-harness.js";

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const OLD = readFileSync(fixture("xsm/pci.conf"), "utf8");
const ATTRS = readFileSync(fixture("sim/reload/attributes.conf"), "utf8");
const EXPAND = readFileSync(fixture("sim/reload/attributes-expand.conf"), "utf8");

const ROGUE = "vm_u:vm_r:gvp1_rogue_t";
const DOM0 = "system_u:system_r:dom0_t";
const DEVICE = "system_u:object_r:device_t";
const WHY = "type gvp1_rogue_t not authorized for role vm_r: it is an attribute in this policy";

/** Every stage of a compile: symbols and expanded rules for the checks on ids. */
function stages(text: string, file: string) {
  const r = compile(text, { file });
  if (!r.ok) throw new Error(`fixture ${file} does not compile`);
  return r.value;
}

function running() {
  const old = compilePolicy(OLD, { file: "pci.conf" });
  const t = SidTable.load(old).table;
  const sid = (text: string) => sidOf(t, text);
  return { t, rogue: sid(ROGUE), dom0: sid(DOM0) };
}

describe("a reload to a policy where a type became an attribute: the conversion", () => {
  const next = compilePolicy(ATTRS, { file: "attributes.conf" });

  for (const enforcing of [true, false]) {
    it(`under object_r the SID is kept, valid, with the attribute as its type (${enforcing ? "enforcing" : "permissive"})`, () => {
      const { t } = running();
      const r = t.convert(next, enforcing);
      expect(r.problems).toEqual([]);
      expect(r.attributes).toEqual([{ context: DEVICE, attribute: "device_t" }]);
      expect(r.table.sidToString(SECINITSID_DEVICE)).toBe(DEVICE);
      expect(r.table.isInvalid(SECINITSID_DEVICE)).toBe(false);
      expect(r.table.invalidatedContext(SECINITSID_DEVICE)).toBeUndefined();
      const c = r.table.sidToContext(SECINITSID_DEVICE)!;
      expect(c.type).toBe(next.stats.types + stages(ATTRS, "attributes.conf").symbols.attrIds.get("device_t")!);
      expect(next.contextNames(c)).toEqual({ user: "system_u", role: "object_r", type: "device_t" });
      // security_context_to_sid checks the attribute flag: the text is refused, the SID stays held
      expect(r.table.contextToSid(DEVICE)).toEqual({ ok: false, error: "unknown type 'device_t'" });
      expect(r.table.lookup(DEVICE)).toBe(SECINITSID_DEVICE);
      expect(r.table.contextOfText(DEVICE)).toEqual(c);
    });
  }

  it("under a domain's role it is invalid (roles hold no attribute): removed when enforcing", () => {
    const { t, rogue } = running();
    const r = t.convert(next, true);
    expect(r.invalidated).toEqual([{ context: ROGUE, why: WHY }]);
    expect(r.kept).toEqual([]);
    expect(r.table.sidToString(rogue)).toBe("system_u:system_r:unlabeled_t");
    expect(r.table.lookup(ROGUE)).toBe(rogue);
  });

  it("under a domain's role, permissive: kept with the attribute as its type, marked invalid", () => {
    const { t, rogue } = running();
    const r = t.convert(next, false);
    expect(r.invalidated).toEqual([]);
    expect(r.kept).toEqual([{ context: ROGUE, why: WHY }]);
    expect(r.table.sidToString(rogue)).toBe(ROGUE);
    expect(r.table.isInvalid(rogue)).toBe(true);
    expect(next.contextNames(r.table.sidToContext(rogue)!).type).toBe("gvp1_rogue_t");
    expect(r.table.contextToSid(ROGUE).ok).toBe(false);
  });

  it("the next reload converts by the attribute's name: back to a policy with the type, the SIDs are as before", () => {
    const { t, rogue } = running();
    const kept = t.convert(next, false).table;
    const back = kept.convert(compilePolicy(OLD, { file: "pci.conf" }), true);
    expect(back.invalidated).toEqual([]);
    expect(back.attributes).toEqual([]);
    expect(back.table.contextToSid(DEVICE)).toEqual({ ok: true, value: SECINITSID_DEVICE });
    expect(back.table.contextToSid(ROGUE)).toEqual({ ok: true, value: rogue });
  });
});

describe("decisions for a SID whose type is an attribute", () => {
  const next = compilePolicy(ATTRS, { file: "attributes.conf" });
  const { t, rogue, dom0 } = running();
  const r = t.convert(next, false).table;
  const device = r.sidToContext(SECINITSID_DEVICE)!;
  const rogueCtx = r.sidToContext(rogue)!;
  const dom0Ctx = r.sidToContext(dom0)!;
  const gvp1Pci = next.parseContext("system_u:object_r:gvp1_pci_t");
  if (!gvp1Pci.ok) throw new Error(gvp1Pci.error);

  it("as target: only the rule keyed on the attribute, not those on resource_type (which its types are in)", () => {
    expect(allowed(next, dom0Ctx, device)).toEqual(["stat_device"]);
    const ofType = next.parseContext("system_u:object_r:pci_default_t");
    expect(ofType.ok && allowed(next, dom0Ctx, ofType.value)).toEqual(["stat_device", "add_device", "remove_device", "plug", "unplug", "setup"]);
  });

  it("as source: the rule keyed on the attribute; constraints still apply (r1 == system_r removes plug and unplug)", () => {
    expect(allowed(next, rogueCtx, gvp1Pci.value)).toEqual(["stat_device"]);
    // the same rule reaches the attribute's type, under vm_r the same constraint
    const member = next.parseContext("vm_u:vm_r:gvp1_rogue_new_t");
    expect(member.ok && allowed(next, member.value, gvp1Pci.value)).toEqual(["stat_device"]);
    // domain_type's rules (dom0_t domain_type:resource { add remove }) do not reach it as target
    expect(allowed(next, dom0Ctx, rogueCtx)).toEqual([]);
  });

  it("explanations name the rule keyed on the attribute, and say no rule where only the types' attributes had one", () => {
    const yes = next.explainContexts(dom0Ctx, device, "resource", "stat_device");
    expect(yes.allowed).toBe(true);
    expect(yes.reasons.map((x) => (x.kind === "granted-by" ? x.rule.text : x.kind))).toEqual(["allow dom0_t device_t:resource stat_device;"]);
    const no = next.explainContexts(dom0Ctx, device, "resource", "plug");
    expect(no).toMatchObject({ allowed: false, reasons: [{ kind: "no-rule" }] });
    const constrained = next.explainContexts(rogueCtx, gvp1Pci.value, "resource", "plug");
    expect(constrained.reasons.map((x) => x.kind)).toEqual(["granted-by", "constraint-failed"]);
  });

  it("under `expandattribute device_t true` no rule is keyed on the attribute: nothing reaches the SID", () => {
    const expanded = compilePolicy(EXPAND, { file: "attributes-expand.conf" });
    const c = running().t.convert(expanded, true);
    expect(c.attributes).toEqual([{ context: DEVICE, attribute: "device_t" }]);
    const d0 = c.table.sidToContext(dom0)!;
    expect(allowed(expanded, d0, c.table.sidToContext(SECINITSID_DEVICE)!)).toEqual([]);
    expect(expanded.explainContexts(d0, c.table.sidToContext(SECINITSID_DEVICE)!, "resource", "stat_device").reasons).toEqual([{ kind: "no-rule" }]);
  });

  it("a domain created from it gets the attribute as its type only under object_r; under its role the label is invalid", () => {
    const domain = next.classId("domain");
    const self = next.computeCreate(rogueCtx, rogueCtx, domain);
    expect(next.contextToString(self.context)).toBe(ROGUE);
    expect(self.valid).toBe(false);
    // another class takes object_r and the target's type: valid, as Xen's policydb_context_isvalid says
    const object = next.computeCreate(dom0Ctx, rogueCtx, next.classId("resource"));
    expect(next.contextToString(object.context)).toBe("system_u:object_r:gvp1_rogue_t");
    expect(object.valid).toBe(true);
  });

  it("type rule lookups by an attribute's id find no other pair's rule (keys count attributes)", () => {
    const text = `${ATTRS.replace("\nrole system_r;", "\ntype_transition dom0_t xen_t:domain gvp1_hwdom_t;\ntype_transition gvp1_hwdom_t dom0_t:domain gvp1_guest_t;\nrole system_r;")}`;
    const { policy: p, symbols: sym, expanded } = stages(text, "transitions.conf");
    const nt = sym.types.length;
    expect(expanded.typeRules.length).toBe(2);
    for (const e of expanded.typeRules) {
      // the pair (s - 1, an attribute's id) multiplied by the types alone would land on (s, t)
      if (e.stype < 1 || e.ttype >= sym.attrs.length) continue;
      expect(p.typeRuleDefault("type_transition", e.stype - 1, nt + e.ttype, e.tclass)).toBe(-1);
    }
  });
});

describe("oracle-decide on the new policy (committed answers): a context naming an attribute is refused", () => {
  it("as security_context_to_sid refuses it, in the same words; the rest as decided here", () => {
    const path = fixture("sim/reload/attributes.queries.json");
    const queries = parseQueries(JSON.parse(readFileSync(path, "utf8")), "attributes.queries.json");
    const next = compilePolicy(ATTRS, { file: "attributes.conf" });
    const ours = `[${queries.map((q) => decisionJson(next.check(q.scontext, q.tcontext, q.tclass, q.perm))).join(",")}]\n`;
    expect(ours).toBe(readFileSync(fixture("sim/reload/attributes.decisions.json"), "utf8"));
  });
});

describe("checkpolicy's binary of the new policy (committed) decides the same for such SIDs", () => {
  for (const [name, text] of [
    ["attributes", ATTRS],
    ["attributes-expand", EXPAND],
  ] as const) {
    it(`${name}: the attribute's type_attr_map row, and every decision between the converted SIDs`, () => {
      const bytes = new Uint8Array(readFileSync(fixture(`sim/reload/${name}.bin`)));
      const k = readPolicy(bytes).policy;
      const value = (n: string) => k.types.entries.find((e) => e.name === n)!.value;
      // checkpolicy's row for an attribute: itself, or nothing when expanded
      expect(k.typeAttrMap[value("device_t") - 1]).toEqual(name === "attributes" ? [value("device_t") - 1] : []);
      expect(k.typeAttrMap[value("gvp1_rogue_t") - 1]).toEqual([value("gvp1_rogue_t") - 1]);
      const source = compilePolicy(text, { file: `${name}.conf` });
      const binary = loadPolicyBytes(bytes, `${name}.bin`, { asXen: true }).policy;
      for (const enforcing of [true, false]) {
        const { t } = running();
        // a SID for each of the old policy's types under object_r, then the conversion
        for (const type of stages(OLD, "pci.conf").symbols.types) t.contextToSid(`system_u:object_r:${type.name}`);
        expect(expectSameConversion(t, source, binary, enforcing).length).toBeGreaterThan(20);
      }
    });
  }
});

describe("a reload through the XSM, hooks on such SIDs", () => {
  const dom0: Domain = { domid: 0, name: "dom0", context: DOM0, control: true, hardware: true };
  const rogue: Domain = { domid: 3, name: "rogue", context: ROGUE, control: false, hardware: false };
  const UNLISTED = 0x400; // 0000:04:00.0: no pcidevicecon, the `device` initial SID
  const GVP1_VF = 0x381;

  function flask(enforcing: boolean) {
    const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: OLD, file: "pci.conf", enforcing });
    xsm.module.resourcePlugPci(rogue, GVP1_VF);
    return xsm;
  }

  it("the load's lines: nothing Xen prints for the device SID (our warning says so), Xen's line for the guest", () => {
    const permissive = flask(false).loadPolicy(ATTRS, "attributes.conf");
    expect(permissive.rc).toBe(0);
    expect(permissive.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["xsm-invalid-kept", `Flask:  context ${ROGUE} is invalid (${WHY})`],
      ["xsm-attribute-context", `context ${DEVICE} now has attribute device_t as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)`],
    ]);
    const enforcing = flask(true).loadPolicy(ATTRS, "attributes.conf");
    expect(enforcing.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["xsm-invalidated", `Flask:  invalidating context ${ROGUE} (${WHY})`],
      ["xsm-attribute-context", `context ${DEVICE} now has attribute device_t as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)`],
    ]);
  });

  it("enforcing: dom0 may no longer plug a device without pcidevicecon, but may stat it", () => {
    const xsm = flask(true);
    expect(xsm.module.resourcePlugPci(dom0, UNLISTED)).toBe(0);
    expect(xsm.loadPolicy(ATTRS, "attributes.conf").rc).toBe(0);
    const plug = xsm.record(() => xsm.module.resourcePlugPci(dom0, UNLISTED));
    expect(plug.result).toBe("-EACCES");
    expect(plug.audit).toEqual([expect.stringContaining(`tcontext=${DEVICE} tclass=resource`)]);
    expect(xsm.module.testAssignDevice(dom0, UNLISTED)).toBe(0);
    // the guest's SID was removed: it reads as unlabeled
    expect(xsm.record(() => xsm.module.testAssignDevice(rogue, GVP1_VF)).checks[0]!.scontext).toBe("system_u:system_r:unlabeled_t");
  });

  it("permissive: the guest keeps the attribute; stat_device granted by the rule on it, plug denied and logged", () => {
    const xsm = flask(false);
    expect(xsm.loadPolicy(ATTRS, "attributes.conf").rc).toBe(0);
    const stat = xsm.record(() => xsm.module.testAssignDevice(rogue, GVP1_VF));
    expect(stat.checks[0]).toMatchObject({ scontext: ROGUE, allowed: true, rc: 0 });
    expect(stat.audit).toEqual([]);
    const plug = xsm.record(() => xsm.module.resourcePlugPci(rogue, GVP1_VF));
    expect(plug.checks[0]).toMatchObject({ scontext: ROGUE, allowed: false, rc: 0 });
    expect(plug.audit).toEqual([`avc:  denied  { plug } for domid=3 device=0x381 scontext=${ROGUE} tcontext=system_u:object_r:gvp1_pci_t tclass=resource`]);
    // the toolstack cannot label a new domain with the text
    expect(xsm.module.domainCreate(dom0, { ...rogue, domid: 7, name: "rogue2" })).toBe("-EINVAL");
  });
});

describe("names of a context whose type is an attribute", () => {
  it("typeName answers the attribute's name for its key id, from a policy.conf and from checkpolicy's binary (it threw)", () => {
    const source = compilePolicy(ATTRS, { file: "attributes.conf" });
    const binary = loadPolicyBytes(new Uint8Array(readFileSync(fixture("sim/reload/attributes.bin"))), "attributes.bin", { asXen: true }).policy;
    for (const policy of [source, binary]) {
      const r = running().t.convert(policy, true);
      const c = r.table.sidToContext(SECINITSID_DEVICE)!;
      expect(c.type).toBeGreaterThanOrEqual(policy.stats.types);
      expect(policy.typeName(c.type)).toBe("device_t");
      expect(policy.contextToString(c)).toBe(DEVICE);
      // a type's id as before; attributes are still no type by name
      expect(policy.typeName(policy.typeId("pci_default_t"))).toBe("pci_default_t");
      expect(policy.typeId("device_t")).toBe(-1);
      // past both, as before past the types
      expect(() => policy.typeName(policy.stats.types + policy.stats.attributes)).toThrow(RangeError);
      expect(() => policy.typeName(-1)).toThrow(RangeError);
    }
  });
});
