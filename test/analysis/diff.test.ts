// xsm diff against sediff: each case of test/fixtures/analysis/diff.json is sediff's report on the
// binaries of two policies (a seed against a mutation of it, and against the next seed), recorded by
// scripts/gen-analysis-fixtures.ts. sediff prints a modified rule's permissions in Python set order,
// so those lines are compared as sorted tokens; every other line byte for byte.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sediffComparable } from "../oracle/analysis-harness.js";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  old: string;
  new: string;
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/diff.json", "utf8")) as Fixture[];

describe("xsm diff = sediff on the binaries", () => {
  it("has fixtures with added, removed and modified rules", () => {
    const all = fixtures.map((f) => f.stdout).join("");
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    for (const text of ["   Added Allow Rules:", "   Removed Allow Rules:", "   Modified Allow Rules:", "(Modified default state)", "   Modified Classes:"]) expect(all).toContain(text);
  });
  for (const f of fixtures) {
    it(`${f.old} -> ${f.new}`, async () => {
      const r = await xsm("diff", f.old, f.new);
      expect(sediffComparable(r.stdout, false)).toBe(sediffComparable(f.stdout, true));
      expect(r.code).toBe(1);
    });
  }
});

describe("xsm diff: commons, roles, users, role allows, constraints, initial SIDs, Xen ocontexts", () => {
  // small.changed.conf: a common gains a permission, a role a type, a user a role, a user and a role
  // allow rule are added, a constraint and an initial SID change, pcidevicecons and a pirqcon change
  const dir = "test/fixtures/analysis/diff";
  it("equals sediff's report on the binaries, sections sediff knows", async () => {
    const r = await xsm("diff", "test/fixtures/cli/small.conf", `${dir}/small.changed.conf`);
    expect(r.code).toBe(1);
    expect(sediffComparable(r.stdout, false)).toBe(sediffComparable(readFileSync(`${dir}/small.changed.sediff.txt`, "utf8"), true));
  });
  it("names initial SIDs as the policy does and reports Xen's ocontexts (golden)", async () => {
    const r = await xsm("diff", "test/fixtures/cli/small.conf", `${dir}/small.changed.conf`);
    expect(r.stdout).toBe(readFileSync(`${dir}/small.changed.xsm.txt`, "utf8"));
    expect(r.stdout).toContain("      * device +[system_u:object_r:nic_t] -[system_u:object_r:device_t];\n");
    expect(r.stdout).toContain("      * pcidevicecon 768 +[system_u:object_r:device_t] -[system_u:object_r:nic_t];\n");
  });
  it("--json carries the new sections", async () => {
    const r = await xsm("diff", "test/fixtures/cli/small.conf", `${dir}/small.changed.conf`, "--json");
    const sections = JSON.parse(r.stdout) as { title: string; added: string[] }[];
    expect(sections.find((s) => s.title === "Users")!.added).toEqual(["new_u"]);
    expect(sections.find((s) => s.title === "Role allow Rules")!.added).toEqual(["allow system_r vm_r;"]);
  });
});

describe("xsm diff: exit statuses, --access", () => {
  const small = "test/fixtures/cli/small.conf";
  it("exit 0 when equal, 2 when a policy cannot be read", async () => {
    const same = await xsm("diff", small, small);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("Allow Rules (0 Added, 0 Removed, 0 Modified)\n");
    const missing = await xsm("diff", small, "nope.conf");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("xsm: error: nope.conf: no such file\n");
    expect(missing.stderr).not.toMatch(STACK_LINE);
  });
  it("--access lists the effective permissions gained and lost, grouped by source", async () => {
    const f = fixtures.find((x) => x.new.includes("mutated"))!;
    const r = await xsm("diff", f.old, f.new, "--access", "--json");
    expect(r.code).toBe(1);
    const changes = JSON.parse(r.stdout) as { source: string; gained: string[]; lost: string[] }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect(c.gained.length + c.lost.length).toBeGreaterThan(0);
    const text = await xsm("diff", f.old, f.new, "--access");
    expect(text.stdout).toMatch(/^\S+\n {4}\S+:\S+ [+-]/);
  });
});

describe("xsm diff: role_transition records", () => {
  // sediff --role_trans (with the sections of SEDIFF_SECTIONS) on checkpolicy's binaries of the two
  // policies, setools 4.4.1: a change only in role_transition used to be "no difference", exit 0
  const dir = "test/fixtures/analysis/diff";
  it("equals sediff's Role_transition section: added, removed and modified (new role) records, attributes expanded", async () => {
    const r = await xsm("diff", `${dir}/role-trans-old.conf`, `${dir}/role-trans-new.conf`);
    expect(r.code).toBe(1);
    expect(sediffComparable(r.stdout, false)).toBe(sediffComparable(readFileSync(`${dir}/role-trans.sediff.txt`, "utf8"), true));
  });
  it("is printed only when either policy has a role_transition record, as sediff prints it only when asked", async () => {
    const r = await xsm("diff", "test/fixtures/cli/small.conf", `${dir}/small.changed.conf`);
    expect(r.stdout).not.toContain("Role_transition");
  });
});

describe("xsm diff: policy capabilities and default_* rules", () => {
  // sediff --polcap --default (with SEDIFF_SECTIONS) on checkpolicy's binaries, setools 4.4.1: a
  // change only there used to be "no difference", exit 0
  const dir = "test/fixtures/analysis/diff";
  it("equals sediff's Policy Capabilities and Defaults sections", async () => {
    const r = await xsm("diff", `${dir}/defaults-old.conf`, `${dir}/defaults-new.conf`);
    expect(r.code).toBe(1);
    expect(sediffComparable(r.stdout, false)).toBe(sediffComparable(readFileSync(`${dir}/defaults.sediff.txt`, "utf8"), true));
    expect(r.stdout).toContain("      * default_range xen +target -source +low_high -low;\n");
  });
})

describe("xsm diff: typebounds", () => {
  // sediff --typebounds (with SEDIFF_SECTIONS) on checkpolicy's binaries, setools 4.4.1
  const dir = "test/fixtures/analysis/diff";
  it("equals sediff's Typebounds section: by bounded type, a dotted type's implicit bound included", async () => {
    for (const [a, b] of [["old", "new"], ["new", "old"]]) {
      const r = await xsm("diff", `${dir}/typebounds-${a}.conf`, `${dir}/typebounds-${b}.conf`);
      expect(r.code).toBe(1);
      if (a === "old") expect(sediffComparable(r.stdout, false)).toBe(sediffComparable(readFileSync(`${dir}/typebounds.sediff.txt`, "utf8"), true));
    }
    const r = await xsm("diff", `${dir}/typebounds-old.conf`, `${dir}/typebounds-new.conf`);
    expect(r.stdout).toContain("   Modified Typebounds: 1\n      * typebounds +p2_t -p1_t c1_t;\n");
  });
});

describe("xsm diff: policy properties", () => {
  // sediff --property (with SEDIFF_SECTIONS) between checkpolicy -t Xen -c 30's binary of small.conf
  // and small.v24-allow.bin (checkpolicy -t Xen -c 24 -U allow), setools 4.4.1; a source counts as
  // version 30, handle_unknown deny
  const dir = "test/fixtures/analysis/diff";
  it("prints sediff's Policy Properties when handle_unknown, MLS or the version differ", async () => {
    const r = await xsm("diff", "test/fixtures/cli/small.conf", `${dir}/small.v24-allow.bin`);
    expect(r.code).toBe(1);
    const want = readFileSync(`${dir}/properties.sediff.txt`, "utf8");
    expect(r.stdout.startsWith("Policy Properties (2 Modified)\n      * handle_unknown +allow -deny\n      * version +24 -30\n\n")).toBe(true);
    // initial SIDs: the binary names them by number (Xen's names), the source as declared
    const noSids = (t: string) => t.replace(/^Initial SIDs \(.*\n(?:.+\n)*\n/m, "");
    expect(noSids(sediffComparable(r.stdout, false))).toBe(noSids(sediffComparable(want, true)));
    const mls = await xsm("diff", "test/fixtures/cli/small.conf", "test/fixtures/mls/devices.bin");
    expect(mls.stdout.startsWith("Policy Properties (1 Modified)\n      * MLS +True -False\n\n")).toBe(true);
    expect((await xsm("diff", "test/fixtures/cli/small.conf", "test/fixtures/cli/small.conf")).stdout).not.toContain("Policy Properties");
  });
});
