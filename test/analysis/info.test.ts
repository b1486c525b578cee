// xsm info against seinfo: each case of test/fixtures/analysis/info.json is seinfo's stdout on the
// binary of the same policy (scripts/gen-analysis-fixtures.ts); Xen ocontext listings are the
// statements of setools' own queries (seinfo 4.4.1 does not print them on a Xen policy).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/info.json", "utf8")) as Fixture[];
const byPolicy = new Map<string, Fixture[]>();
for (const f of fixtures) byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);

/** Xen ocontext fixtures are setools' statements, one a line: seinfo's listing would frame them. */
const XEN_TITLES: Record<string, string> = { "--pcidevicecon": "Pcidevicecon", "--iomemcon": "Iomemcon", "--ioportcon": "Ioportcon", "--pirqcon": "Pirqcon", "--devicetreecon": "Devicetreecon" };
function expected(f: Fixture): string {
  const title = XEN_TITLES[f.args[0]!];
  if (!title) return f.stdout;
  const lines = f.stdout.split("\n").filter((l) => l !== "");
  return `\n${title}: ${lines.length}\n${lines.map((l) => `   ${l}\n`).join("")}`;
}

/** seinfo names the binary's path in the first line; ours names the policy.conf. */
const withoutPath = (s: string) => s.replace(/^Statistics for policy file: .*\n/, "");

describe("xsm info prints what seinfo prints for the binary", () => {
  it("has fixtures for the example policies and generated seeds", () => {
    expect(byPolicy.size).toBeGreaterThanOrEqual(40);
  });
  for (const [policy, cases] of byPolicy) {
    it(`${policy}: ${cases.length} queries`, async () => {
      for (const f of cases) {
        const r = await xsm("info", f.policy, ...f.args);
        expect({ args: f.args, code: r.code, stdout: withoutPath(r.stdout) }).toEqual({ args: f.args, code: 0, stdout: withoutPath(expected(f)) });
        if (f.args.length === 0) expect(r.stdout.startsWith(`Statistics for policy file: ${f.policy}\n`)).toBe(true);
      }
    });
  }
});

describe("xsm info: names, JSON, bad input", () => {
  const small = "test/fixtures/cli/small.conf";
  it("initial SIDs carry the policy's own names (setools guesses them from a table that lacks xenboot)", async () => {
    const r = await xsm("info", small, "--initialsid", "-x");
    expect(r.stdout).toBe(
      "\nInitial SIDs: 4\n   sid device system_u:object_r:device_t\n   sid dom0 system_u:system_r:dom0_t\n   sid unlabeled system_u:object_r:unlabeled_t\n   sid xen system_u:system_r:xen_t\n",
    );
  });
  it("an unknown name is an error that suggests the nearest one", async () => {
    const r = await xsm("info", small, "-t", "guest_a");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("xsm: error: -t: unknown type 'guest_a' (did you mean 'guest_a_t'?)\n");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
  it("an alias names its type", async () => {
    const r = await xsm("info", small, "-t", "guest_alias_t", "-x");
    expect(r.stdout).toBe("\nTypes: 1\n   type guest_a_t alias guest_alias_t, guest_type, domain_type;\n");
  });
  it("--json gives the statistics and the listings as data", async () => {
    const s = JSON.parse((await xsm("info", small, "--json")).stdout);
    expect(s.statistics).toMatchObject({ types: 7, attributes: 3, allow: 5, condExprs: 1, pcidevicecon: 1 });
    const l = JSON.parse((await xsm("info", small, "-b", "-x", "--json")).stdout);
    expect(l).toEqual({ booleans: ["bool guests_may_plug false;"] });
  });
});
