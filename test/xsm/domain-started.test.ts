// A domain's self label is computed once, when Xen creates it (flask_domain_create), under the
// policy and booleans of that moment. A library caller's domains that were neither created
// (domainCreate) nor announced (domainStarted) are labelled on first use, which is the same thing
// until the policy or its booleans change; after that it is refused with a clear error, and a
// PciRegistry given its domains as an array announces them itself.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PciRegistry, compilePolicy, createXsm } from "../../src/index.js";
import type { Domain, XsmCheck } from "../../src/xsm/types.js";

const POLICY = readFileSync(new URL("../fixtures/xsm/io.conf", import.meta.url), "utf8");
const dom0: Domain = { domid: 0, name: "dom0", context: "system_u:system_r:dom0_t", control: true, hardware: true };
const a: Domain = { domid: 1, name: "a", context: "system_u:system_r:domU_t", control: false, hardware: false };
const b: Domain = { domid: 2, name: "b", context: "system_u:system_r:domU_t", control: false, hardware: false };
const flask = () => createXsm({ module: "flask", compile: compilePolicy, policyText: POLICY, file: "io.conf" });

describe("domains the XSM module was never told about", () => {
  it("are labelled on first use while nothing changed; after a boolean commit a new one is refused (-ESRCH) with a check that says what to do", () => {
    const xsm = flask();
    const checks: XsmCheck[] = [];
    xsm.onCheck = (c) => checks.push(c);
    expect(xsm.module.irqPermission(a, a, 33, true)).toBe("-EACCES"); // a acting on itself: labelled now
    expect(xsm.setBool("guest_nointremap", true, true)).toBe(0);
    expect(xsm.module.irqPermission(a, a, 33, true)).toBe("-EACCES"); // a's label is known
    checks.length = 0;
    expect(xsm.module.irqPermission(b, b, 33, true)).toBe("-ESRCH");
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ hook: "irq_permission", rc: "-ESRCH", allowed: false });
    expect(checks[0]!.error).toMatch(/domain 2 \(b\) was neither created \(domainCreate\) nor announced \(domainStarted\).*domainStarted\(d, target\)/);
    // nothing was labelled: announcing b now (as created now) is what the message says to do
    xsm.module.domainStarted(b);
    expect(xsm.module.irqPermission(b, b, 33, true)).toBe("-EACCES");
  });

  it("a device model's view of its target is refused the same way", () => {
    const xsm = flask();
    const dm: Domain = { domid: 3, name: "dm", context: "system_u:system_r:dm_t", control: false, hardware: false, target: 2 };
    xsm.module.irqPermission(a, a, 33, true); // a labelled on first use, before the commit
    xsm.setBool("guest_nointremap", true, true);
    expect(xsm.module.irqPermission(dm, b, 33, true)).toBe("-ESRCH");
  });

  it("announced with domainStarted before the change, they are fine", () => {
    const xsm = flask();
    xsm.module.domainStarted(b);
    xsm.setBool("guest_nointremap", true, true);
    expect(xsm.module.irqPermission(b, b, 33, true)).toBe("-EACCES");
  });

  it("a PciRegistry given an array of domains announces them (a device model with its target)", () => {
    const xsm = flask();
    const dm: Domain = { domid: 3, name: "dm", context: "system_u:system_r:dm_t", control: false, hardware: false, target: 2 };
    new PciRegistry(xsm.module, [dom0, a, b, dm], { strategy: "upstream", vfWithoutPf: "reject" });
    xsm.setBool("guest_nointremap", true, true);
    expect(xsm.module.irqPermission(b, b, 33, true)).toBe("-EACCES");
    expect(xsm.module.irqPermission(dm, b, 33, true)).toBe(0); // dm_t -> domU_t (its target's view) resource:add
    expect(xsm.module.irqPermission(dm, dm, 33, true)).toBe("-EACCES");
  });

  it("the dummy module has no labels: nothing to announce", () => {
    const xsm = createXsm({ module: "dummy", assignCheck: "xsm_domctl" });
    xsm.module.irqPermission(a, a, 33, true);
    expect(xsm.module.irqPermission(b, b, 33, true)).toBe("-EPERM");
  });
});
