// xsm search against sesearch: each case of test/fixtures/analysis/search.json is sesearch's
// stdout on the binary checkpolicy built from the same policy (scripts/gen-analysis-fixtures.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  args: string[];
  /** sesearch's exit status: 1 when it crashed on a dontaudit entry with no permission. */
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/search.json", "utf8")) as Fixture[];
const byPolicy = new Map<string, Fixture[]>();
for (const f of fixtures) byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);

describe("xsm search prints what sesearch prints for the binary", () => {
  it("has fixtures for the example policies and generated seeds", () => {
    expect(byPolicy.size).toBeGreaterThanOrEqual(40);
    expect(fixtures.filter((f) => f.stdout.includes("]:True")).length).toBeGreaterThan(20);
  });
  for (const [policy, cases] of byPolicy) {
    it(`${policy}: ${cases.length} queries`, async () => {
      for (const f of cases) {
        const r = await xsm("search", f.policy, ...f.args);
        if (f.code !== 0) {
          // sesearch dies sorting a rule with no permission of its class left (`~{ all }` keeps only
          // undefined bits; an auditdeny of every permission); we print it with `{ }`
          expect(f.stdout).toBe("list index out of range\n");
          expect(r.stdout).toMatch(/^(allow|auditallow|dontaudit) .* \{ \};/m);
          continue;
        }
        expect({ args: f.args, code: r.code, stdout: r.stdout }).toEqual({ args: f.args, code: 0, stdout: f.stdout });
      }
    });
  }
});

const small = "test/fixtures/cli/small.conf";

describe("xsm search: origins, effective access, bad input", () => {
  it("--origins lists the source rules behind a merged rule", async () => {
    const r = await xsm("search", small, "-A", "-s", "dom0_t", "-c", "resource", "--origins");
    expect(r.stdout).toBe(
      "allow dom0_t device_type:resource { add_device plug remove_device setup unplug };\n" +
        "    test/fixtures/cli/small.conf:26: allow dom0_t device_type:resource { plug unplug setup add_device remove_device };\n",
    );
  });
  it("--effective expands attributes and evaluates booleans", async () => {
    const off = await xsm("search", small, "--effective", "-t", "nic_t", "-c", "resource", "-p", "plug");
    expect(off.stdout).toBe(
      "dom0_t nic_t:resource plug;\n    plug only if the constraint at test/fixtures/cli/small.conf:40 holds (give --scontext and --tcontext to decide)\n",
    );
    const on = await xsm("search", small, "--effective", "-t", "nic_t", "-p", "plug", "--set", "guests_may_plug=true", "--json");
    expect(JSON.parse(on.stdout).map((r: { source: string }) => r.source)).toEqual(["dom0_t", "guest_a_t", "guest_b_t"]);
  });
  it("--effective with both contexts applies the constraints", async () => {
    const r = await xsm("search", small, "--effective", "--scontext", "vm_u:vm_r:guest_a_t", "--tcontext", "system_u:object_r:nic_t", "--set", "guests_may_plug=true");
    expect(r.stdout).toBe("guest_a_t nic_t:resource use;\n");
  });
  it("an unknown name is an error that suggests the nearest one", async () => {
    const r = await xsm("search", small, "-A", "-s", "nic");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: -s: unknown type or attribute 'nic' (did you mean 'nic_t'?)\n");
    const c = await xsm("search", small, "-A", "-c", "resourse");
    expect(c.stderr).toContain("unknown class 'resourse' (did you mean 'resource'?)");
    const p = await xsm("search", small, "-A", "-p", "unplugg");
    expect(p.stderr).toContain("unknown permission 'unplugg' (did you mean 'unplug'?)");
  });
  it("contradicting or missing options are usage errors (exit 2)", async () => {
    for (const argv of [["search", small], ["search", small, "-A", "--effective"], ["search", small, "-A", "-p", "x", "--ep", "--Sp"], ["search", small, "-A", "--scontext", "a:b:c"]]) {
      const r = await xsm(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });
  it("-D NAME=VALUE, the other commands' m4 definition, is a usage error naming --define", async () => {
    // xsm info/why/... DIR -D prot_doms_locked_conf=true: search's -D is sesearch's default type
    const r = await xsm("search", small, "-A", "-D", "prot_doms_locked_conf=true");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("xsm: error: -D is sesearch's default type (of -T rules; a new role, a range); for an m4 definition of a policy tree give --define prot_doms_locked_conf=true\n");
  });
  it("sesearch's single-dash option names are accepted", async () => {
    const a = await xsm("search", small, "-A", "-s", "guest_type", "-ds");
    const b = await xsm("search", small, "-A", "-s", "guest_type", "--ds");
    expect(a).toEqual(b);
    expect(a.stdout).toBe("allow guest_type nic_t:resource plug; [ guests_may_plug ]:True\nallow guest_type nic_t:resource use;\n");
  });
  it("a bad regular expression is a located error", async () => {
    const r = await xsm("search", small, "-A", "-s", "(", "-rs");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xsm: error: -s: invalid regular expression '\('/);
  });
});
