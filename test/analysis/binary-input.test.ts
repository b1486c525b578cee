// The analysis commands on a binary policy: the binary xsm compile writes (byte-identical to
// checkpolicy's, test/binary) must give what sesearch, seinfo, audit2why, audit2allow and sediff
// gave on checkpolicy's binary of the same source (the committed fixtures), and `xsm test` the same
// results as on the source. Only what a binary cannot hold differs: rule locations cite lines of
// the binary's rule listing, and initial SIDs are named by their number, as Xen names them.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { expandPolicyText } from "../../src/policy/svp.js";
import { sediffComparable } from "../oracle/analysis-harness.js";
import { STACK_LINE, xsm } from "../cli/run.js";

interface Fixture {
  policy: string;
  args: string[];
  code: number;
  stdout: string;
}

const dir = mkdtempSync(join(tmpdir(), "xsm-bin-analysis-"));
const binaries = new Map<string, string>();

/** The policy's binary, written once (SVP platform blocks expanded, as checkpolicy needs them). */
function binaryOf(policy: string): string {
  let path = binaries.get(policy);
  if (!path) {
    const text = readFileSync(policy, "utf8");
    const plain = expandPolicyText(text, policy).text ?? text;
    path = join(dir, `${binaries.size}-${policy.replace(/[^A-Za-z0-9.]+/g, "_")}.bin`);
    writeFileSync(path, compileBinary(plain, { file: policy }).bytes);
    binaries.set(policy, path);
  }
  return path;
}

const read = <T>(name: string) => JSON.parse(readFileSync(`test/fixtures/analysis/${name}`, "utf8")) as T;
const byPolicy = (fs: Fixture[]) => {
  const m = new Map<string, Fixture[]>();
  for (const f of fs) m.set(f.policy, [...(m.get(f.policy) ?? []), f]);
  return [...m].slice(0, 12);
};

describe("xsm search on a binary = sesearch on checkpolicy's binary", () => {
  for (const [policy, cases] of byPolicy(read<Fixture[]>("search.json"))) {
    it(`${policy}: ${cases.length} queries`, async () => {
      const bin = binaryOf(policy);
      for (const f of cases.filter((c) => c.code === 0)) {
        const r = await xsm("search", bin, ...f.args);
        expect({ args: f.args, stdout: r.stdout, stderr: r.stderr }).toEqual({ args: f.args, stdout: f.stdout, stderr: "" });
      }
    });
  }
});

describe("xsm info on a binary = seinfo", () => {
  const XEN = new Set(["--pcidevicecon", "--iomemcon", "--ioportcon", "--pirqcon", "--devicetreecon"]);
  for (const [policy, cases] of byPolicy(read<Fixture[]>("info.json"))) {
    it(`${policy}: ${cases.length} listings`, async () => {
      const bin = binaryOf(policy);
      for (const f of cases.filter((c) => !XEN.has(c.args[0]!))) {
        const r = await xsm("info", bin, ...f.args);
        const strip = (s: string) => s.replace(/^Statistics for policy file: .*\n/, "");
        expect({ args: f.args, stdout: strip(r.stdout) }).toEqual({ args: f.args, stdout: strip(f.stdout) });
      }
    });
  }
});

describe("xsm why / allow on a binary = audit2why -p / audit2allow -p", () => {
  const fixtures = read<{ policy: string; log: string; audit2why: string; audit2allow: string }[]>("why.json")
    // the first seeds and the role cause's policies (the binary's role allow list, as libsepol reads it)
    .filter((f, i) => i < 12 || f.policy.includes("/why-role/"));
  for (const f of fixtures) {
    it(f.policy, async () => {
      const bin = binaryOf(f.policy);
      const log = join(dir, "avc.log");
      writeFileSync(log, f.log);
      const why = await xsm("why", bin, log, "--plain");
      expect(why.stdout).toBe(f.audit2why);
      expect((await xsm("allow", bin, log)).stdout).toBe(f.audit2allow);
    });
  }
});

describe("xsm diff across binaries and sources = sediff", () => {
  const fixtures = read<{ old: string; new: string; stdout: string }[]>("diff.json").slice(0, 8);
  for (const f of fixtures) {
    it(`${f.old} (binary) -> ${f.new}`, async () => {
      const r = await xsm("diff", binaryOf(f.old), f.new);
      // initial SIDs: the binary names them by number (Xen's names), the source as declared
      const noSids = (s: string) => s.replace(/^Initial SIDs \(.*\n(?:.+\n)*\n/m, "");
      expect(noSids(sediffComparable(r.stdout, false))).toBe(noSids(sediffComparable(f.stdout, true)));
      const same = await xsm("diff", binaryOf(f.old), f.old);
      expect(same.stdout.replace(/^Initial SIDs \(.*\n(?:.+\n)*\n/m, "")).not.toMatch(/^ {3}(Added|Removed|Modified) /m);
    });
  }
});

describe("xsm test on a binary", () => {
  it("gives the results it gives on the source", async () => {
    const src = "test/fixtures/policytest/failing.tests.json";
    const doc = JSON.parse(readFileSync(src, "utf8")) as { policy: string };
    const bin = binaryOf("test/fixtures/policytest/small.conf");
    const file = join(dir, "failing.tests.json");
    writeFileSync(file, JSON.stringify({ ...doc, policy: bin }));
    const a = JSON.parse((await xsm("test", src, "--json")).stdout) as { files: { tests: { passed: boolean; perms: { allowed: boolean }[] }[] }[] };
    const b = JSON.parse((await xsm("test", file, "--json")).stdout) as typeof a;
    const verdicts = (d: typeof a) => d.files[0]!.tests.map((t) => [t.passed, t.perms.map((p) => p.allowed)]);
    expect(verdicts(b)).toEqual(verdicts(a));
  });
  it("a truncated binary is one located error, no stack trace", async () => {
    const bin = readFileSync(binaryOf("test/fixtures/cli/small.conf"));
    const cut = join(dir, "cut.bin");
    writeFileSync(cut, bin.subarray(0, 200));
    for (const cmd of [["search", cut, "-A"], ["info", cut], ["diff", cut, cut]]) {
      const r = await xsm(...cmd);
      expect(r.code).toBe(cmd[0] === "diff" ? 2 : 1);
      expect(r.stderr).toMatch(/offset \d+/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });
});
