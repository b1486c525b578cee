import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/index.js";
import { createXsm, type Xsm } from "../../src/xsm/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";
import { DOM_IO } from "../../src/hypervisor/types.js";

// test/fixtures/xsm/pci.conf (checkpolicy -t Xen -c 30 accepts it); the expected decisions below
// were confirmed with test/oracle/tools/oracle-decide.
const FILE = new URL("../fixtures/xsm/pci.conf", import.meta.url);
const POLICY = readFileSync(FILE, "utf8");

const dom0: Domain = { domid: 0, name: "svp-hwdom", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const hw1: Domain = { domid: 1, name: "gvp1-hwdom", context: "system_u:system_r:gvp1_hwdom_t", control: false, hardware: true };
const guest: Domain = { domid: 2, name: "gvp1-guest", context: "vm_u:vm_r:gvp1_guest_t", control: false, hardware: false };
const rogue: Domain = { domid: 3, name: "rogue", context: "vm_u:vm_r:gvp1_rogue_t", control: false, hardware: false };

const SVP_PF = 0x300; // 0000:03:00.0 svp_pci_t
const SVP_VF = 0x380; // 0000:03:10.0 svp_pci_t
const GVP1_VF = 0x381; // 0000:03:10.1 gvp1_pci_t
const GVP1_SEG1 = 0x10500; // 0001:05:00.0 labelled through the alias gvp1_dev_t
const UNLABELED = 0x400; // 0000:04:00.0 no pcidevicecon: the `device` initial SID

const S_DOM0 = "system_u:system_r:dom0_t";
const S_HW1 = "system_u:system_r:gvp1_hwdom_t";
const S_GUEST = "vm_u:vm_r:gvp1_guest_t";
const S_ROGUE = "vm_u:vm_r:gvp1_rogue_t";
const T_SVP = "system_u:object_r:svp_pci_t";
const T_GVP1 = "system_u:object_r:gvp1_pci_t";
const T_DEVICE = "system_u:object_r:device_t";

function flask(options: { enforcing?: boolean; iommu?: "intremap" | "nointremap" | "none"; assignCheck?: "xsm_assign_device" | "xsm_domctl" } = {}): Xsm {
  return createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "pci.conf", ...options });
}

/** The (source, target, class, perm) questions a call asked, with what each returned. */
function questions(checks: XsmCheck[]): [string | undefined, string | undefined, string | undefined, string | undefined, XsmCheck["rc"]][] {
  return checks.map((c) => [c.scontext, c.tcontext, c.tclass, c.perm, c.rc]);
}

describe("flask PCI hooks ask Xen's questions (hooks.c)", () => {
  it("flask_resource_plug_pci / unplug / setup: current -> device label, resource:plug|unplug|setup", () => {
    const xsm = flask();
    const plug = xsm.record(() => xsm.module.resourcePlugPci(hw1, GVP1_VF));
    expect(plug.result).toBe(0);
    expect(questions(plug.checks)).toEqual([[S_HW1, T_GVP1, "resource", "plug", 0]]);
    const unplug = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(unplug.result).toBe("-EACCES");
    expect(questions(unplug.checks)).toEqual([[S_HW1, T_SVP, "resource", "unplug", "-EACCES"]]);
    const setup = xsm.record(() => xsm.module.resourceSetupPci(dom0, SVP_PF));
    expect(questions(setup.checks)).toEqual([[S_DOM0, T_SVP, "resource", "setup", 0]]);
    expect(unplug.checks[0]).toMatchObject({ hook: "resource_unplug_pci", xen: "flask_resource_unplug_pci", domid: 1, allowed: false });
  });

  it("a device without pcidevicecon takes the `device` initial SID", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourceSetupPci(hw1, UNLABELED));
    expect(questions(r.checks)).toEqual([[S_HW1, T_DEVICE, "resource", "setup", "-EACCES"]]);
  });

  it("a pcidevicecon key carries the segment (seg<<16 | bus<<8 | devfn), its alias label reads as the type", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourcePlugPci(hw1, GVP1_SEG1));
    expect(questions(r.checks)).toEqual([[S_HW1, T_GVP1, "resource", "plug", 0]]);
  });

  it("constraints are part of the decision: the rogue guest's TE allow is not enough", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourcePlugPci(rogue, GVP1_VF));
    expect(questions(r.checks)).toEqual([[S_ROGUE, T_GVP1, "resource", "plug", "-EACCES"]]);
  });

  it("flask_assign_device: current -> domain add, current -> device add_device, domain -> device use_iommu", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.assignDevice(hw1, guest, GVP1_VF));
    expect(r.result).toBe(0);
    expect(questions(r.checks)).toEqual([
      [S_HW1, S_GUEST, "resource", "add", 0],
      [S_HW1, T_GVP1, "resource", "add_device", 0],
      [S_GUEST, T_GVP1, "resource", "use_iommu", 0],
    ]);
    expect(r.checks.every((c) => c.hook === "assign_device" && c.xen === "flask_assign_device" && c.domid === 1)).toBe(true);
  });

  it("iommu_do_pci_domctl's refusals come before flask_assign_device; since XSA-492 (assignCheck xsm_domctl) after it", () => {
    const refuse = () => "-EINVAL" as const;
    const before = flask();
    const r1 = before.record(() => before.module.assignDevice(hw1, guest, GVP1_VF, refuse));
    expect([r1.result, r1.checks.length]).toEqual(["-EINVAL", 0]);
    const after = flask({ assignCheck: "xsm_domctl" });
    const r2 = after.record(() => after.module.assignDevice(hw1, guest, GVP1_VF, refuse));
    expect(r2.result).toBe("-EINVAL");
    expect(questions(r2.checks).map((q) => q[3])).toEqual(["add", "add_device", "use_iommu"]);
    // a denial is returned before the refusal is asked
    let asked = false;
    const r3 = after.record(() => after.module.assignDevice(hw1, dom0, GVP1_VF, () => ((asked = true), "-EINVAL")));
    expect([r3.result, asked]).toEqual(["-EACCES", false]);
    const r4 = after.record(() => after.module.deassignDevice(hw1, guest, GVP1_VF, refuse));
    expect([r4.result, questions(r4.checks).map((q) => q[3])]).toEqual(["-EINVAL", ["remove", "remove_device"]]);
  });

  it("assignment stops at the first denial", () => {
    const xsm = flask();
    const toDom0 = xsm.record(() => xsm.module.assignDevice(hw1, dom0, GVP1_VF));
    expect(questions(toDom0.checks)).toEqual([[S_HW1, S_DOM0, "resource", "add", "-EACCES"]]);
    const svpDevice = xsm.record(() => xsm.module.assignDevice(hw1, guest, SVP_VF));
    expect(questions(svpDevice.checks)).toEqual([
      [S_HW1, S_GUEST, "resource", "add", 0],
      [S_HW1, T_SVP, "resource", "add_device", "-EACCES"],
    ]);
  });

  it("the IOMMU mode picks the use perm (flask_iommu_resource_use_perm)", () => {
    for (const [iommu, perm] of [
      ["intremap", "use_iommu"],
      ["nointremap", "use_iommu_nointremap"],
      ["none", "use_noiommu"],
    ] as const) {
      const xsm = flask({ iommu });
      const r = xsm.record(() => xsm.module.assignDevice(dom0, dom0, SVP_VF));
      expect(r.checks.map((c) => c.perm)).toEqual(["add", "add_device", perm]);
      expect(r.result).toBe(0);
      const g = xsm.record(() => xsm.module.assignDevice(hw1, guest, GVP1_VF));
      expect(g.checks[2]).toMatchObject({ perm, allowed: perm === "use_iommu" });
    }
  });

  it("flask_deassign_device: current -> domain remove, current -> device remove_device", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.deassignDevice(hw1, guest, GVP1_VF));
    expect(r.result).toBe(0);
    expect(questions(r.checks)).toEqual([
      [S_HW1, S_GUEST, "resource", "remove", 0],
      [S_HW1, T_GVP1, "resource", "remove_device", 0],
    ]);
    const denied = xsm.record(() => xsm.module.deassignDevice(hw1, dom0, SVP_VF));
    expect(questions(denied.checks)).toEqual([[S_HW1, S_DOM0, "resource", "remove", "-EACCES"]]);
  });

  it("flask_test_assign_device: current -> device stat_device", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.testAssignDevice(hw1, GVP1_VF));
    expect(questions(r.checks)).toEqual([[S_HW1, T_GVP1, "resource", "stat_device", 0]]);
  });

  it("a domain without a context gets Xen's default SID (dom0 for domid 0, else unlabeled)", () => {
    const xsm = flask();
    const bare0: Domain = { domid: 0, name: "dom0", control: true, hardware: true };
    const bare5: Domain = { domid: 5, name: "d5", control: false, hardware: false };
    const r = xsm.record(() => [xsm.module.resourcePlugPci(bare0, SVP_VF), xsm.module.resourcePlugPci(bare5, SVP_VF)]);
    expect(r.result).toEqual([0, "-EACCES"]);
    expect(r.checks.map((c) => c.scontext)).toEqual([S_DOM0, "system_u:system_r:unlabeled_t"]);
  });

  it("a domain context the policy rejects is -EINVAL with the reason, before any AVC question", () => {
    const xsm = flask();
    const bad: Domain = { domid: 9, name: "bad", context: "vm_u:system_r:dom0_t", control: false, hardware: false };
    const r = xsm.record(() => xsm.module.resourcePlugPci(bad, SVP_VF));
    expect(r.result).toBe("-EINVAL");
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0]!.error).toMatch(/vm_u:system_r:dom0_t/);
    expect(xsm.avcStats().lookups).toBe(0);
  });
});

describe("audit lines (avc.c avc_audit)", () => {
  it("a denial, in Xen's form", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(r.audit).toEqual([
      "avc:  denied  { unplug } for domid=1 device=0x380 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    ]);
    expect(r.checks[0]!.audit).toBe(r.audit[0]);
    expect(xsm.auditLog).toEqual(r.audit);
  });

  it("auditallow: granted", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourceUnplugPci(dom0, SVP_VF));
    expect(r.result).toBe(0);
    expect(r.audit).toEqual([
      "avc:  granted  { unplug } for domid=0 device=0x380 scontext=system_u:system_r:dom0_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    ]);
  });

  it("dontaudit: denied without a line", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.testAssignDevice(hw1, SVP_VF));
    expect(r.result).toBe("-EACCES");
    expect(r.audit).toEqual([]);
    expect(r.checks[0]!.audit).toBeUndefined();
  });

  it("an allowed decision without auditallow has no line", () => {
    const xsm = flask();
    expect(xsm.record(() => xsm.module.resourcePlugPci(hw1, GVP1_VF)).audit).toEqual([]);
  });

  it("domain checks name current and target; the use check names current and the device", () => {
    const xsm = flask({ iommu: "none" });
    const toDom0 = xsm.record(() => xsm.module.assignDevice(hw1, dom0, GVP1_VF));
    expect(toDom0.audit).toEqual([
      "avc:  denied  { add } for domid=1 target=0 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:system_r:dom0_t tclass=resource",
    ]);
    const use = xsm.record(() => xsm.module.assignDevice(hw1, guest, GVP1_VF));
    expect(use.audit).toEqual([
      "avc:  denied  { use_noiommu } for domid=1 device=0x381 scontext=vm_u:vm_r:gvp1_guest_t tcontext=system_u:object_r:gvp1_pci_t tclass=resource",
    ]);
  });

  it("deassign's remove_device and test_assign carry no audit data: no device= field", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.deassignDevice(hw1, guest, SVP_VF));
    expect(r.audit).toEqual([
      "avc:  denied  { remove_device } for domid=1 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource",
    ]);
  });

  it("device 0000:00:00.0 prints device=0, as %#lx does", () => {
    const xsm = flask();
    expect(xsm.record(() => xsm.module.resourcePlugPci(hw1, 0)).audit[0]).toContain(" for domid=1 device=0 scontext=");
  });
});

describe("permissive mode", () => {
  it("logs a denial and allows it; the AVC then grants it, so it is logged once until a reset", () => {
    const xsm = flask({ enforcing: false });
    const first = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(first.result).toBe(0);
    expect(first.checks[0]).toMatchObject({ allowed: false, rc: 0 });
    expect(first.audit).toHaveLength(1);
    expect(first.audit[0]).toMatch(/^avc: {2}denied {2}\{ unplug \}/);
    const again = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(again.result).toBe(0);
    expect(again.checks[0]).toMatchObject({ allowed: false, rc: 0 });
    expect(again.audit).toEqual([]);
  });

  it("switching to enforcing flushes the AVC and denies again", () => {
    const xsm = flask({ enforcing: false });
    xsm.module.resourceUnplugPci(hw1, SVP_VF);
    expect(xsm.setEnforcing(true)).toBe(0);
    expect(xsm.avcStats().entries).toBe(0);
    const r = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(r.result).toBe("-EACCES");
    expect(r.audit).toHaveLength(1);
  });

  it("permissive runs every check of a hook that enforcing would stop", () => {
    const xsm = flask({ enforcing: false });
    const r = xsm.record(() => xsm.module.assignDevice(hw1, dom0, SVP_VF));
    expect(r.result).toBe(0);
    expect(r.checks.map((c) => [c.perm, c.allowed])).toEqual([
      ["add", false],
      ["add_device", false],
      ["use_iommu", true],
    ]);
    expect(r.audit).toHaveLength(2);
  });
});

describe("booleans (flask_op.c setbool / commitbools)", () => {
  it("a pending value changes nothing until committed; the commit flushes the AVC", () => {
    const xsm = flask({ iommu: "nointremap" });
    expect(xsm.module.assignDevice(hw1, guest, GVP1_VF)).toBe("-EACCES");
    expect(xsm.setBool("allow_nointremap", true)).toBe(0);
    expect(xsm.getBool("allow_nointremap")).toEqual({ current: false, pending: true });
    expect(xsm.module.assignDevice(hw1, guest, GVP1_VF)).toBe("-EACCES");
    const before = xsm.avcStats();
    expect(before.entries).toBeGreaterThan(0);
    expect(xsm.commitBools()).toBe(0);
    const after = xsm.avcStats();
    expect(after.entries).toBe(0);
    expect(after.resets).toBe(before.resets + 1);
    expect(xsm.getBool("allow_nointremap")).toEqual({ current: true, pending: true });
    expect(xsm.module.assignDevice(hw1, guest, GVP1_VF)).toBe(0);
  });

  it("setbool with commit takes effect at once", () => {
    const xsm = flask({ iommu: "nointremap" });
    expect(xsm.module.assignDevice(hw1, guest, GVP1_VF)).toBe("-EACCES");
    expect(xsm.setBool("allow_nointremap", true, true)).toBe(0);
    expect(xsm.module.assignDevice(hw1, guest, GVP1_VF)).toBe(0);
  });

  it("an unknown boolean is -ENOENT", () => {
    expect(flask().setBool("no_such_bool", true)).toBe("-ENOENT");
  });
});

describe("policy load (security_load_policy)", () => {
  it("a policy that does not compile changes nothing: policy, SIDs, AVC and decisions stay", () => {
    const xsm = flask();
    xsm.module.resourceUnplugPci(hw1, SVP_VF);
    xsm.module.resourcePlugPci(hw1, GVP1_VF);
    const policy = xsm.policy;
    const stats = xsm.avcStats();
    const broken = POLICY.replace("allow dom0_t domain_type:resource { add remove };", "allow dom0_t no_such_t:resource add;");
    const r = xsm.loadPolicy(broken, "broken.conf");
    expect(r.rc).toBe("-EINVAL");
    expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(xsm.policy).toBe(policy);
    expect(xsm.avcStats()).toEqual(stats);
    const again = xsm.record(() => [xsm.module.resourceUnplugPci(hw1, SVP_VF), xsm.module.resourcePlugPci(hw1, GVP1_VF)]);
    expect(again.result).toEqual(["-EACCES", 0]);
    expect(xsm.avcStats().hits).toBe(stats.hits + 2);
  });

  it("a policy without class resource is refused, like Xen's validate_classes", () => {
    const xsm = flask();
    const r = xsm.loadPolicy(
      "class xen\nsid xen\nclass xen { a }\ntype t;\nrole r;\nrole r types t;\nuser u roles r;\nsid xen u:r:t\n",
      "tiny.conf",
    );
    expect(r.rc).toBe("-EINVAL");
    expect(xsm.policy?.classId("resource")).toBeGreaterThanOrEqual(0);
  });

  it("a new policy takes effect at once with a flushed AVC, keeping the booleans' values", () => {
    const xsm = flask();
    expect(xsm.setBool("allow_nointremap", true, true)).toBe(0);
    expect(xsm.module.resourceUnplugPci(hw1, SVP_VF)).toBe("-EACCES");
    const relaxed = POLICY.replace("dontaudit gvp1_hwdom_t", "allow gvp1_hwdom_t svp_pci_t:resource unplug;\ndontaudit gvp1_hwdom_t");
    const r = xsm.loadPolicy(relaxed, "relaxed.conf");
    expect(r.rc).toBe(0);
    expect(xsm.avcStats().entries).toBe(0);
    expect(xsm.module.resourceUnplugPci(hw1, SVP_VF)).toBe(0);
    expect(xsm.getBool("allow_nointremap")).toEqual({ current: true, pending: true });
  });

  it("a running domain whose context the new policy rejects reads as unlabeled", () => {
    const xsm = flask();
    expect(xsm.module.resourcePlugPci(hw1, GVP1_VF)).toBe(0);
    const renamed = POLICY.replaceAll("gvp1_hwdom_t", "gvp1_hw_t");
    const r = xsm.loadPolicy(renamed, "renamed.conf");
    expect(r.rc).toBe(0);
    expect(r.diagnostics.map((d) => d.code)).toContain("xsm-invalidated");
    const after = xsm.record(() => xsm.module.resourcePlugPci(hw1, GVP1_VF));
    expect(after.result).toBe("-EACCES");
    expect(after.checks[0]!.scontext).toBe("system_u:system_r:unlabeled_t");
  });

  it("the dummy module has no policy: -ENOSYS", () => {
    const xsm = createXsm({ module: "dummy" });
    expect(xsm.loadPolicy(POLICY).rc).toBe("-ENOSYS");
    expect(xsm.setBool("allow_nointremap", true)).toBe("-ENOSYS");
    expect(xsm.setEnforcing(false)).toBe("-ENOSYS");
    expect(xsm.module.resourcePlugPci(hw1, SVP_VF)).toBe("-EPERM");
  });
});

describe("the front object", () => {
  it("record() gathers a step's checks and audit lines, and leaves the fast path after", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.resourceUnplugPci(hw1, SVP_VF));
    expect(r.checks).toHaveLength(1);
    expect(xsm.module.onCheck).toBeUndefined();
  });

  it("onCheck listens to every check", () => {
    const xsm = flask();
    const seen: XsmCheck[] = [];
    xsm.onCheck = (c) => seen.push(c);
    xsm.module.assignDevice(hw1, guest, GVP1_VF);
    expect(seen.map((c) => c.perm)).toEqual(["add", "add_device", "use_iommu"]);
    xsm.onCheck = undefined;
    expect(xsm.module.onCheck).toBeUndefined();
  });

  it("counts AVC lookups, hits and misses", () => {
    const xsm = flask();
    xsm.module.resourcePlugPci(hw1, GVP1_VF);
    xsm.module.resourcePlugPci(hw1, GVP1_VF);
    xsm.module.resourceUnplugPci(hw1, GVP1_VF); // same (ssid, tsid, class): a hit
    expect(xsm.avcStats()).toMatchObject({ lookups: 3, hits: 2, misses: 1, entries: 1 });
  });
});

describe("the AVC never changes an answer", () => {
  it("every hook returns what the uncached decision (policy.check) says, across calls and boolean commits", () => {
    const policy = compilePolicy(POLICY, { file: "pci.conf" });
    const defaultValue = policy.getBoolean("allow_nointremap");
    const domains = [dom0, hw1, guest, rogue];
    const devices = [SVP_PF, SVP_VF, GVP1_VF, GVP1_SEG1, UNLABELED];
    const label = (bdf: number) => policy.pcideviceContext(bdf) ?? policy.initialSidContext("device")!;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("call" as const),
        dom: fc.integer({ min: 0, max: domains.length - 1 }),
        dev: fc.constantFrom(...devices),
        perm: fc.constantFrom("plug", "unplug", "setup", "stat_device", "use"),
      }),
      fc.record({ kind: fc.constant("bool" as const), value: fc.boolean(), commit: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.constantFrom("intremap", "nointremap", "none"), fc.array(op, { maxLength: 60 }), (iommu, ops) => {
        const xsm = createXsm({ module: "flask", policy, iommu });
        const usePerm = { intremap: "use_iommu", nointremap: "use_iommu_nointremap", none: "use_noiommu" }[iommu];
        for (const o of ops) {
          if (o.kind === "bool") {
            xsm.setBool("allow_nointremap", o.value);
            if (o.commit) xsm.commitBools();
            continue;
          }
          const d = domains[o.dom]!;
          const perm = o.perm === "use" ? usePerm : o.perm;
          // the XSM's own view (its committed booleans), never the caller's policy
          const want = xsm.policy!.check(d.context!, label(o.dev), "resource", perm).allowed ? 0 : "-EACCES";
          const got =
            o.perm === "plug"
              ? xsm.module.resourcePlugPci(d, o.dev)
              : o.perm === "unplug"
                ? xsm.module.resourceUnplugPci(d, o.dev)
                : o.perm === "setup"
                  ? xsm.module.resourceSetupPci(d, o.dev)
                  : o.perm === "stat_device"
                    ? xsm.module.testAssignDevice(d, o.dev)
                    : xsm.module.assignDevice(dom0, d, o.dev); // dom0 passes add and add_device: the use check decides
          if (got !== want) return false;
        }
        return policy.getBoolean("allow_nointremap") === defaultValue;
      }),
      { numRuns: 150 },
    );
  });
});

describe("a policy missing a resource permission", () => {
  it("loads with a warning, and every check of that permission is denied with the bit printed as %#x", () => {
    const without = POLICY.replace(" use_iommu use_iommu_nointremap use_noiommu }", " use_iommu use_iommu_nointremap }").replace(
      "allow dom0_t svp_pci_t:resource { use_iommu use_iommu_nointremap use_noiommu };",
      "allow dom0_t svp_pci_t:resource { use_iommu use_iommu_nointremap };",
    );
    const xsm = createXsm({ module: "flask", compile: compilePolicy, policyText: without, file: "without.conf", iommu: "none" });
    expect(xsm.warnings.map((w) => w.code)).toContain("xsm-perm");
    const r = xsm.record(() => xsm.module.assignDevice(dom0, dom0, SVP_VF));
    expect(r.result).toBe("-EACCES");
    expect(r.checks.map((c) => [c.perm, c.allowed])).toEqual([
      ["add", true],
      ["add_device", true],
      ["use_noiommu", false],
    ]);
    expect(r.audit[0]).toMatch(/^avc: {2}denied {2}\{ 0x80000000 \} for domid=0 device=0x380 scontext=system_u:system_r:dom0_t /);
  });
});

describe("XEN_DOMCTL_get_device_group and dom_io (decisions confirmed with oracle-decide on pci.conf)", () => {
  it("flask_get_device_group: current -> device stat_device, without audit data (the line names current only)", () => {
    const xsm = flask();
    const r = xsm.record(() => [xsm.module.getDeviceGroup(hw1, guest, GVP1_VF, false), xsm.module.getDeviceGroup(rogue, guest, GVP1_VF, true)]);
    expect(r.result).toEqual([0, "-EACCES"]);
    expect(questions(r.checks)).toEqual([
      [S_HW1, T_GVP1, "resource", "stat_device", 0],
      [S_ROGUE, T_GVP1, "resource", "stat_device", "-EACCES"],
    ]);
    expect(r.checks.map((c) => c.xen)).toEqual(["flask_get_device_group", "flask_get_device_group"]);
    expect(r.checks.map((c) => c.audit)).toEqual([undefined, "avc:  denied  { stat_device } for domid=3 scontext=vm_u:vm_r:gvp1_rogue_t tcontext=system_u:object_r:gvp1_pci_t tclass=resource"]);
  });

  it("the same question whichever release: flask_domctl asks nothing for the command before or after XSA-492", () => {
    for (const assignCheck of ["xsm_assign_device", "xsm_domctl"] as const) {
      const xsm = flask({ assignCheck });
      const r = xsm.record(() => xsm.module.getDeviceGroup(hw1, dom0, SVP_VF, false));
      // dontaudit gvp1_hwdom_t svp_pci_t:resource stat_device: denied, not printed
      expect([r.result, questions(r.checks), r.checks[0]!.audit]).toEqual(["-EACCES", [[S_HW1, T_SVP, "resource", "stat_device", "-EACCES"]], undefined]);
    }
  });

  it("assignment to dom_io asks about dom_io's domio initial SID: current -> dom_io resource:add, dom_io -> device use_*", () => {
    const xsm = flask();
    const r = xsm.record(() => xsm.module.assignDevice(dom0, DOM_IO, SVP_VF));
    expect(r.result).toBe("-EACCES");
    expect(questions(r.checks)).toEqual([[S_DOM0, "system_u:system_r:domio_t", "resource", "add", "-EACCES"]]);
    expect(r.checks[0]!.audit).toBe("avc:  denied  { add } for domid=0 target=32753 scontext=system_u:system_r:dom0_t tcontext=system_u:system_r:domio_t tclass=resource");
    const deassign = xsm.record(() => xsm.module.deassignDevice(dom0, DOM_IO, SVP_VF));
    expect(questions(deassign.checks)).toEqual([[S_DOM0, "system_u:system_r:domio_t", "resource", "remove", "-EACCES"]]);
  });
});
