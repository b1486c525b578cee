// A domain:transition that TE and the constraints grant, between two roles no `role allow` pairs:
// Xen denies it (context_struct_compute_av's role check) and audit2why gives its RBAC cause,
// "Missing role allow rule." (libsepol's process class is `domain` for the Xen target). The
// expected texts are audit2why -p's and audit2allow -p's on checkpolicy's binaries of these policies
// (Debian policycoreutils 3.4, 2026-12-03); the constraint case checks TE, constraint, role order.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const dir = mkdtempSync(join(tmpdir(), "xsm-why-role-"));
const base = readFileSync("test/fixtures/cli/small.conf", "utf8")
  .replace("class domain inherits basic { create destroy pause unpause }", "class domain inherits basic { create destroy pause unpause transition }")
  .replace("allow dom0_t guest_type:domain { create destroy getattr };", "allow dom0_t guest_type:domain { create destroy getattr transition };");
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const noRoleAllow = write("no-role-allow.conf", base);
const withRoleAllow = write("role-allow.conf", base.replace("role vm_r;\n", "role vm_r;\nallow system_r vm_r;\n"));
const withConstraint = write("constraint.conf", base.replace("constrain resource", "constrain domain create ( r1 == r2 );\nconstrain resource"));
const avc = (perms: string) => `(XEN) avc:  denied  { ${perms} } for domid=0 scontext=system_u:system_r:dom0_t tcontext=system_u:vm_r:guest_a_t tclass=domain\n`;
const log = write("log", avc("transition"));
const ROLE = "\tWas caused by:\n\t\tMissing role allow rule.\n\n\t\tAdd an allow rule for the role pair.\n\n";

describe("xsm why and xsm allow on a role-caused denial", () => {
  it("is audit2why's 'Missing role allow rule.', with the role pair named", async () => {
    const check = await xsm("check", noRoleAllow, "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:vm_r:guest_a_t", "--class", "domain", "--perm", "transition");
    expect(check.stdout).toContain("denied");
    const plain = await xsm("why", noRoleAllow, log, "--plain");
    expect(plain.stdout).toBe(`${avc("transition")}\n${ROLE}`);
    const r = await xsm("why", noRoleAllow, log);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("\txsm: no `allow system_r vm_r;` (role allow): Xen denies domain transition from role system_r to role vm_r without it\n");
    const json = JSON.parse((await xsm("why", noRoleAllow, log, "--json")).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ cause: "role", roleDenied: { role: "system_r", newRole: "vm_r" } });
    const allow = await xsm("allow", noRoleAllow, log);
    expect(allow.stdout).toBe("\n\n#============= dom0_t ==============\nallow dom0_t guest_a_t:domain transition;\n");
  });

  it("is allowed once a role allow pairs the roles", async () => {
    const r = await xsm("why", withRoleAllow, log);
    expect(r.stdout).toContain("\t\tUnknown - would be allowed by active policy\n");
    expect(r.stdout).toContain("\txsm: allowed by this policy");
  });

  it("comes after TE and the constraints, as in libsepol", async () => {
    const log2 = write("log2", avc("create transition") + avc("transition getattr") + avc("transition pause"));
    const plain = (await xsm("why", withConstraint, log2, "--plain")).stdout;
    const parts = plain.split("(XEN) avc:").slice(1);
    expect(parts[0]).toContain("#Constraint rule:");
    expect(parts[1]).toContain("Missing role allow rule.");
    expect(parts[2]).toContain("Missing type enforcement (TE) allow rule.");
    const allow = await xsm("allow", withConstraint, log2);
    expect(allow.stdout).toContain("\nallow dom0_t guest_a_t:domain { getattr transition };\nallow dom0_t guest_a_t:domain { pause transition };");
    expect(allow.stdout).not.toContain("allowed in the current policy");
  });
});

describe("xsm why: libsepol's role check, where it is not Xen's", () => {
  // expected: audit2why -p and audit2allow -p on checkpolicy's binary of the fixture (policycoreutils 3.4)
  const mixed = "test/fixtures/analysis/why-role/mixed.conf";
  const line = (perm: string, s: string, t: string) => `(XEN) avc:  denied  { ${perm} } for domid=0 scontext=system_u:${s} tcontext=system_u:${t} tclass=domain\n`;
  const lines = [line("dyntransition", "system_r:dom0_t", "vm_r:guest_a_t"), line("transition", "system_r:guest_b_t", "vm_r:guest_a_t"), line("transition", "vm_r:guest_b_t", "system_r:guest_a_t")];
  const TE = "\tWas caused by:\n\t\tMissing type enforcement (TE) allow rule.\n\n\t\tYou can use audit2allow to generate a loadable module to allow this access.\n\n";
  const BOOL = "\tWas caused by:\n\tThe boolean guests_may_plug was set incorrectly. \n\tDescription:\n\tAllow guests to may plug\n\n\tAllow access by executing:\n\t# setsebool -P guests_may_plug 1\n";

  it("dyntransition between unpaired roles is the role cause (libsepol's process_trans_dyntrans; Xen checks only transition)", async () => {
    const log = write("dyn.log", lines[0]!);
    expect((await xsm("why", mixed, log, "--plain")).stdout).toBe(`${lines[0]}\n${ROLE}`);
    expect((await xsm("allow", mixed, log)).stdout).toBe("\n\n#============= dom0_t ==============\nallow dom0_t guest_a_t:domain dyntransition;\n");
  });

  it("a boolean that grants a transition the missing role allow still blocks is no boolean cause: te-rule", async () => {
    const log = write("bool.log", lines[1]! + lines[2]!);
    expect((await xsm("why", mixed, log, "--plain")).stdout).toBe(`${lines[1]}\n${TE}${lines[2]}\n${BOOL}`);
    expect((await xsm("allow", mixed, log)).stdout).toBe(
      "\n\n#============= guest_b_t ==============\nallow guest_b_t guest_a_t:domain transition;\n\n#!!!! This avc can be allowed using the boolean 'guests_may_plug'\nallow guest_b_t guest_a_t:domain transition;\n",
    );
  });
});
