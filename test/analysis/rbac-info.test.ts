// xsm info --common, --default, --permissive, --polcap, --typebounds, --flat and --all against
// seinfo: each case of test/fixtures/analysis/rbac/info.json is seinfo's answer on the binary
// checkpolicy builds from the policy (scripts/gen-rbac-info-fixtures.ts; --all put together from
// seinfo's listings, as seinfo 4.4.1 fails or stops short on a Xen policy). xsm reads the
// policy.conf and our own binary of it. Initial SIDs are compared by count (setools names Xen's
// SIDs from a table off by one), braced name sets sorted (setools prints Python's set order).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { comparableInfo } from "../oracle/rbac-info-harness.js";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

const fixtures = JSON.parse(readFileSync("test/fixtures/analysis/rbac/info.json", "utf8")) as Fixture[];
const byPolicy = new Map<string, Fixture[]>();
for (const f of fixtures) byPolicy.set(f.policy, [...(byPolicy.get(f.policy) ?? []), f]);
const dir = mkdtempSync(join(tmpdir(), "xsm-rbac-info-"));
const isMls = (policy: string) => policy.endsWith("-mls.conf");

function binaryOf(policy: string): string {
  const bin = join(dir, `${policy.replace(/\W/g, "_")}.bin`);
  writeFileSync(bin, compileBinary(readFileSync(policy, "utf8"), { file: policy, mls: isMls(policy) }).bytes);
  return bin;
}

describe("xsm info's listings print what seinfo prints for the binary", () => {
  it("has fixtures listing commons, defaults, permissive types, capabilities and bounds", () => {
    expect(byPolicy.size).toBeGreaterThanOrEqual(5);
    for (const title of ["Commons", "Default rules", "Permissive Types", "Polcap", "Typebounds"]) {
      expect(fixtures.filter((f) => new RegExp(`^${title}: [1-9]`, "m").test(f.stdout)).length, title).toBeGreaterThan(3);
    }
    expect(fixtures.filter((f) => f.stdout.includes("default_range ")).length).toBeGreaterThan(0);
  });
  for (const [policy, cases] of byPolicy) {
    it(`${policy}: ${cases.length} queries, from the policy.conf and its binary`, async () => {
      const inputs = [[policy, ...(isMls(policy) ? ["-M"] : [])], [binaryOf(policy)]];
      for (const f of cases) {
        for (const input of inputs) {
          const r = await xsm("info", ...input, ...f.args);
          if (f.code !== 0) {
            // a class seinfo refuses ("not a valid class")
            expect({ args: f.args, code: r.code }).toEqual({ args: f.args, code: 1 });
            expect(r.stderr).toMatch(/^xsm: error: --default: unknown class/);
            continue;
          }
          expect({ args: f.args, input: input[0], code: r.code, stderr: r.stderr, stdout: comparableInfo(r.stdout) }).toEqual({ args: f.args, input: input[0], code: 0, stderr: "", stdout: comparableInfo(f.stdout) });
        }
      }
    });
  }
});

describe("xsm info listings: what seinfo leaves unsaid", () => {
  const conf = "test/fixtures/analysis/rbac/rbac.conf";
  const err = async (...args: string[]) => {
    const r = await xsm("info", conf, ...args);
    expect(r.stderr).not.toMatch(STACK_LINE);
    return { code: r.code, stderr: r.stderr };
  };
  it("--flat without a listing, and --flat with --json, are usage errors (seinfo --flat alone prints nothing)", async () => {
    expect(await err("--flat")).toEqual({ code: 2, stderr: "xsm: error: --flat prints listings without titles; give one (-t, -a, -c, --common, ... or --all)\n(run 'npx xsm info --help' for usage)\n" });
    expect(await err("--flat", "-t", "--json")).toEqual({ code: 2, stderr: "xsm: error: --flat and --json are two output formats; give one\n(run 'npx xsm info --help' for usage)\n" });
  });
  it("a name seinfo would match to nothing is an error saying why (seinfo prints an empty listing)", async () => {
    expect(await err("--permissive", "ga2_t")).toEqual({ code: 1, stderr: "xsm: error: --permissive: 'ga2_t' is an alias of guest_a_t; seinfo matches --permissive against primary names (give guest_a_t)\n" });
    expect(await err("--typebounds", "domain_type")).toEqual({ code: 1, stderr: "xsm: error: --typebounds: 'domain_type' is a type attribute; --typebounds names a type\n" });
    expect(await err("--typebounds", "bnd")).toEqual({ code: 1, stderr: "xsm: error: --typebounds: unknown type 'bnd' (did you mean 'bnd_t'?)\n" });
    expect(await err("--common", "zet")).toEqual({ code: 1, stderr: "xsm: error: --common: unknown common 'zet' (did you mean 'zeta'?)\n" });
    expect((await err("--polcap", "open_perm")).stderr).toBe("xsm: error: --polcap: unknown policy capability 'open_perm' (did you mean 'open_perms'?)\n");
  });
  it("a declared name with nothing to list is an empty listing, as in seinfo", async () => {
    expect((await xsm("info", conf, "--permissive", "guest_a_t")).stdout).toBe("\nPermissive Types: 0\n");
    expect((await xsm("info", conf, "--polcap", "cgroup_seclabel")).stdout).toBe("\nPolcap: 0\n");
    expect((await xsm("info", conf, "--default", "xen")).stdout).toBe("\nDefault rules: 0\n");
  });
  it("--all --json: the statistics and every listing", async () => {
    const doc = JSON.parse((await xsm("info", conf, "--all", "--json")).stdout) as Record<string, unknown>;
    expect(doc.file).toBe(conf);
    expect((doc.statistics as { polcap: number }).polcap).toBe(2);
    expect(doc.polcaps).toEqual(["network_peer_controls", "open_perms"]);
    expect(doc.typebounds).toHaveLength(5);
    expect(doc.pcidevicecon).toEqual([]);
  });
  it("--all with a listing's NAME lists only that item there, as seinfo --all -t T", async () => {
    const r = await xsm("info", conf, "--all", "-t", "xen_t");
    expect(r.stdout).toMatch(/\nTypes: 1\n {3}xen_t\n\nType Attributes: 3\n/);
  });
});
