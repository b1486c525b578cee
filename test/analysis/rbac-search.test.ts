// xsm search --role_allow / --role_trans against sesearch: each case of
// test/fixtures/analysis/rbac/search.json is sesearch's answer on the binary checkpolicy builds from
// the policy (scripts/gen-rbac-info-fixtures.ts); xsm reads the policy.conf and our own binary of it
// (byte-identical to checkpolicy's: test/binary covers the writer). A name sesearch refuses (a type
// as a role, an unknown class) is an error here too, with our words.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/rbac/search.json", "utf8")) as Fixture[];
const byPolicy = new Map<string, Fixture[]>();
for (const f of fixtures) byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);
const dir = mkdtempSync(join(tmpdir(), "xsm-rbac-search-"));
const isMls = (policy: string) => policy.endsWith("-mls.conf");

function binaryOf(policy: string): string {
  const bin = join(dir, `${policy.replace(/\W/g, "_")}.bin`);
  writeFileSync(bin, compileBinary(readFileSync(policy, "utf8"), { file: policy, mls: isMls(policy) }).bytes);
  return bin;
}

describe("xsm search --role_allow/--role_trans prints what sesearch prints for the binary", () => {
  it("has fixtures with role rules of both kinds", () => {
    expect(byPolicy.size).toBeGreaterThanOrEqual(5);
    expect(fixtures.filter((f) => /^allow \S+ \S+;$/m.test(f.stdout)).length).toBeGreaterThan(20);
    expect(fixtures.filter((f) => f.stdout.includes("role_transition ")).length).toBeGreaterThan(20);
  });
  for (const [policy, cases] of byPolicy) {
    it(`${policy}: ${cases.length} queries, from the policy.conf and its binary`, async () => {
      const inputs = [[policy, ...(isMls(policy) ? ["-M"] : [])], [binaryOf(policy)]];
      for (const f of cases) {
        for (const input of inputs) {
          const r = await xsm("search", ...input, ...f.args);
          if (f.stdout === "list index out of range\n") {
            // sesearch dies sorting a TE rule with no permission of its class left (search.test.ts)
            expect(r.stdout).toMatch(/^(allow|auditallow|dontaudit) .* \{ \};/m);
            continue;
          }
          if (f.code !== 0) {
            expect({ args: f.args, code: r.code }).toEqual({ args: f.args, code: 1 });
            expect(r.stderr).toMatch(/^xsm: error: -[sctD]: /);
            expect(r.stderr).not.toMatch(STACK_LINE);
            continue;
          }
          expect({ args: f.args, input: input[0], code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args: f.args, input: input[0], code: 0, stderr: "", stdout: f.stdout });
        }
      }
    });
  }
});

describe("xsm search role rules: what sesearch would ignore or cannot say", () => {
  const conf = "test/fixtures/analysis/rbac/rbac.conf";
  it("-p, -b, -ep, -Sp, -eb, -rb with role rules alone are usage errors (sesearch ignores them)", async () => {
    for (const args of [["-p", "create"], ["-b", "x"], ["--ep", "-p", "create"], ["--Sp", "-p", "create"], ["--eb", "-b", "x"], ["--rb", "-b", "x"]]) {
      const r = await xsm("search", conf, "--role_allow", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/(apply|applies) to TE rules/);
    }
  });
  it("with a TE rule type too, -p filters the TE rules and the role rules are all printed, as in sesearch", async () => {
    const r = await xsm("search", conf, "--role_allow", "-A", "-p", "create");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("allow dom0_t guest_type:domain { create destroy getattr };\nallow dev_r system_r;\nallow system_r dev_r;\nallow system_r vm_r;\nallow vm_r dev_r;\nallow vm_r system_r;\nallow vm_r vm_r.sub;\n");
  });
  it("a role attribute names its roles (the binary keeps no role attribute)", async () => {
    const r = await xsm("search", conf, "--role_allow", "-s", "guest_roles");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: -s: 'guest_roles' is a role attribute, which the binary policy does not keep (sesearch: not a valid role): give one of its roles (dev_r, vm_r)\n");
  });
  it("a type given as a role says so; a misspelt role gets the nearest name", async () => {
    expect((await xsm("search", conf, "--role_trans", "-D", "xen_t")).stderr).toBe("xsm: error: -D: 'xen_t' is a type, not a role (-D of a role rule names a role)\n");
    expect((await xsm("search", conf, "--role_trans", "-s", "sytem_r")).stderr).toBe("xsm: error: -s: unknown role 'sytem_r' (did you mean 'system_r'?)\n");
  });
  it("--origins names the source rules behind each record (role attributes and type attributes expanded)", async () => {
    const r = await xsm("search", conf, "--role_trans", "-s", "dev_r", "--origins");
    expect(r.stdout).toBe(
      "role_transition dev_r dev_t:grant dev_r;\n" +
        `    ${conf}:66: role_transition dev_r dev_t:grant dev_r;\n` +
        "role_transition dev_r dev_t:resource system_r;\n" +
        `    ${conf}:64: role_transition guest_roles dev_t:resource system_r;\n`,
    );
  });
  it("--json gives each rule's parts", async () => {
    const r = await xsm("search", conf, "--role_allow", "--role_trans", "-s", "vm_r", "-t", "vm_r.sub", "--json");
    expect(JSON.parse(r.stdout)).toEqual([{ rule: "allow vm_r vm_r.sub;", kind: "role_allow", source: "vm_r", target: "vm_r.sub", origins: [{ file: conf, line: 60, text: "allow vm_r vm_r.sub;" }] }]);
  });
});
