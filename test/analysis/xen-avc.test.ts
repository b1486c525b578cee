// xsm why / allow on avc lines in the shapes Xen's releases print (xen/xsm/flask/avc.c avc_audit:
// 4.6-4.16 `domid=N target=M`, 4.17+ `source=dN target=dM` / `current=d[IDLE]` from 6cecffc7a6's
// %pd, then `device=`, `irq=`, `range=`, `pte= mfn=` or `dtdevice=`), and xsm search with -c, -p, -b
// repeated, against audit2why, audit2allow and sesearch's answers on examples/xen-flask's binary
// (Debian policycoreutils 3.4 and setools 4.4.1, 2026-12-04; scripts/gen-xen-avc-fixtures.ts).
// test/oracle/xen-tags.test.ts asks the same of Xen's own policy at its release tags, live.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { sortRequire } from "../oracle/analysis-harness.js";

const POLICY = "examples/xen-flask/policy.conf";
const DIR = "test/fixtures/analysis/xen-avc";
const read = (file: string) => readFileSync(join(DIR, file), "utf8");

describe("xsm why and allow on Xen's avc lines, release by release", () => {
  for (const [log, shape] of [["domid", /for (domid=\d+ target=\d+|domid=\d+|target=\d+) /], ["pd", /for (source=d\d+ target=d\d+|source=d\d+|current=d(\d+|\[IDLE\])) /]] as const) {
    const path = join(DIR, `${log}.log`);
    it(`${log}.log is in its release's shape, with each audit data field`, () => {
      const lines = read(`${log}.log`).split("\n").filter((l) => l.includes("avc:"));
      expect(lines.every((l) => shape.test(l))).toBe(true);
      for (const field of [/ device=0x[0-9a-f]+ /, / irq=\d+ /, / range=0x[0-9a-f]+-0x[0-9a-f]+ /, / pte=0x[0-9a-f]+ mfn=0x[0-9a-f]+ /, / dtdevice=\/\S+ /]) {
        expect(lines.some((l) => field.test(l)), String(field)).toBe(true);
      }
    });
    it(`${log}.log: xsm why --plain = audit2why -p`, async () => {
      expect((await xsm("why", POLICY, path, "--plain")).stdout).toBe(read(`${log}.audit2why`));
    });
    it(`${log}.log: xsm allow = audit2allow -p`, async () => {
      expect((await xsm("allow", POLICY, path)).stdout).toBe(read(`${log}.audit2allow`));
    });
    it(`${log}.log: xsm allow -m = audit2allow -p -m, the require block sorted`, async () => {
      const ours = (await xsm("allow", POLICY, path, "-m", "local")).stdout;
      expect(ours).toBe(sortRequire(read(`${log}.audit2allow-m`)));
      expect(sortRequire(ours)).toBe(ours);
    });
  }
});

describe("xsm search with -c, -p, -b repeated: the lists are joined (sesearch keeps the last)", () => {
  const refs = JSON.parse(read("sesearch.json")) as { args: string[]; code: number; stdout: string }[];
  const ref = (...args: string[]) => refs.find((r) => r.args.join(" ") === args.join(" "))!;
  const bools = ref("-A", "-b", "dom0_reads_cmdline,guest_writeconsole,prot_doms_locked");
  const cases: [string[], string[], string[]][] = [
    [["-A", "-c", "domain", "-c", "resource"], ["-A", "-c", "domain,resource"], ["-A", "-c", "resource"]],
    [["-A", "-p", "plug", "-p", "create"], ["-A", "-p", "plug,create"], ["-A", "-p", "create"]],
    [["-A", "-b", "dom0_reads_cmdline", "-b", "guest_writeconsole", "-b", "prot_doms_locked"], bools.args, ["-A", "-b", "prot_doms_locked"]],
  ];
  for (const [repeated, list, last] of cases) {
    it(`${repeated.join(" ")} prints what sesearch prints for ${list.join(" ")}`, async () => {
      expect(ref(...repeated).stdout).toBe(ref(...last).stdout);
      expect(ref(...list).stdout).not.toBe(ref(...last).stdout);
      for (const args of [repeated, list]) {
        const r = await xsm("search", POLICY, ...args);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(ref(...list).stdout);
      }
    });
  }
  it("-c resource -c domain -p plug,create: sesearch's 'not in the specified classes' is not ours", async () => {
    const r = ref("-A", "-c", "resource", "-c", "domain", "-p", "plug,create");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Permission\(s\) do not exist in the specified classes: plug/);
    const ours = await xsm("search", POLICY, ...r.args);
    expect(ours.code).toBe(0);
    expect(ours.stdout.split("\n").filter(Boolean).every((l) => /:(resource|domain) /.test(l))).toBe(true);
    expect(ours.stdout).toMatch(/:resource .*plug/);
    expect(ours.stdout).toMatch(/:domain .*create/);
  });
});
