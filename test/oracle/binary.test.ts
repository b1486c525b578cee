// Live: our binary policy against checkpolicy 3.4's, byte for byte, on gen-policy seeds (300
// small, 20 medium, 2 large, with and without --xen-loadable), Xen's example policy and the
// expanded SVP example; the reader on checkpolicy's files (write(read(b)) == b, and `checkpolicy -b`
// re-bucketing predicted); setools reading our files sees what it sees in checkpolicy's (seinfo,
// sesearch, sediff). Needs checkpolicy and setools (Debian).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { avtabAllocMask } from "../../src/policy/hashtab.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import { expandPolicyText } from "../../src/policy/svp.js";
import { assertOracleAvailable, repoRoot, runTool, type Size } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "xsm-oracle-bin-"));

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(cmd, args, { maxBuffer: 1 << 30, encoding: "utf8" }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr })),
  );
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** checkpolicy's binary of `conf`, and ours. */
async function both(name: string, text: string): Promise<{ ours: Uint8Array; ref: Uint8Array; refPath: string; oursPath: string }> {
  const conf = join(dir, `${name}.conf`);
  const refPath = join(dir, `${name}.ref.bin`);
  const oursPath = join(dir, `${name}.ours.bin`);
  writeFileSync(conf, text);
  const r = await run("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", refPath]);
  if (r.code !== 0) throw new Error(`checkpolicy refused ${name}: ${r.stderr}`);
  const ours = compileBinary(text, { file: conf }).bytes;
  writeFileSync(oursPath, ours);
  return { ours, ref: new Uint8Array(readFileSync(refPath)), refPath, oursPath };
}

/** Runs `fn` over `items`, two at a time (checkpolicy runs beside our compile). */
async function pool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all([worker(), worker()]);
}

interface Case {
  seed: number;
  size: Size;
  loadable: boolean;
}

const cases: Case[] = [
  ...Array.from({ length: 300 }, (_, i) => ({ seed: i + 1, size: "small" as Size, loadable: i % 2 === 1 })),
  ...Array.from({ length: 20 }, (_, i) => ({ seed: i + 1, size: "medium" as Size, loadable: i % 2 === 1 })),
  { seed: 1, size: "large", loadable: false },
  { seed: 2, size: "large", loadable: true },
];

beforeAll(assertOracleAvailable);

describe("binary policy equals checkpolicy's", () => {
  for (const size of ["small", "medium", "large"] as const) {
    const mine = cases.filter((c) => c.size === size);
    it(`${mine.length} gen-policy ${size} seeds, with and without --xen-loadable`, async () => {
      const mismatched: string[] = [];
      const notRoundTripped: string[] = [];
      await pool(mine, async (c) => {
        const g = await runTool("gen-policy", ["--seed", String(c.seed), "--size", c.size, ...(c.loadable ? ["--xen-loadable"] : [])]);
        if (g.code !== 0) throw new Error(g.stderr);
        const name = `${c.size}-${c.seed}${c.loadable ? "-loadable" : ""}`;
        const { ours, ref, oursPath, refPath } = await both(name, g.stdout);
        if (!same(ours, ref)) {
          let at = 0;
          while (at < ours.length && ours[at] === ref[at]) at++;
          mismatched.push(`${name}: first difference at byte ${at} (bindump --diff ${oursPath} ${refPath})`);
        }
        if (!same(writePolicy(readPolicy(ref).policy), ref)) notRoundTripped.push(name);
      });
      console.log(`binary: gen-policy ${size}: ${mine.length - mismatched.length}/${mine.length} byte-identical, ${mine.length - notRoundTripped.length}/${mine.length} round-tripped`);
      expect(mismatched).toEqual([]);
      expect(notRoundTripped).toEqual([]);
    });
  }

  it("Xen's example policy and the expanded SVP example", async () => {
    const xen = await both("xen-flask", readFileSync(join(repoRoot, "examples/xen-flask/policy.conf"), "utf8"));
    expect(same(xen.ours, xen.ref)).toBe(true);
    const svp = expandPolicyText(readFileSync(join(repoRoot, "examples/svp/svp.conf"), "utf8"), "svp.conf").text!;
    const s = await both("svp", svp);
    expect(same(s.ours, s.ref)).toBe(true);
  });

  it("-c 24 too", async () => {
    for (const seed of [1, 2, 3, 4]) {
      const g = await runTool("gen-policy", ["--seed", String(seed), "--xen-loadable"]);
      const conf = join(dir, `v24-${seed}.conf`);
      writeFileSync(conf, g.stdout);
      const out = join(dir, `v24-${seed}.bin`);
      expect((await run("checkpolicy", ["-t", "Xen", "-c", "24", conf, "-o", out])).code).toBe(0);
      expect(same(compileBinary(g.stdout, { file: conf, version: 24 }).bytes, new Uint8Array(readFileSync(out)))).toBe(true);
    }
    // a filename transition is left out at 24 (Xen then loads it): the same bytes, --strict or not
    const t11 = join(repoRoot, "test/fixtures/binary/edge/t11.conf");
    const out = join(dir, "v24-t11.bin");
    const r = await run("checkpolicy", ["-t", "Xen", "-c", "24", t11, "-o", out]);
    expect(r.stderr).toMatch(/Discarding filename type transition rules/);
    expect(same(compileBinary(readFileSync(t11, "utf8"), { file: t11, version: 24, strict: true }).bytes, new Uint8Array(readFileSync(out)))).toBe(true);
  });
});

describe("the reader on checkpolicy's files", () => {
  it("checkpolicy -b re-buckets the avtab exactly as predicted (20 seeds)", async () => {
    const off: string[] = [];
    await pool(
      Array.from({ length: 20 }, (_, i) => i + 1),
      async (seed) => {
        const g = await runTool("gen-policy", ["--seed", String(seed), "--size", seed <= 3 ? "medium" : "small"]);
        const { ref, refPath } = await both(`rb-${seed}`, g.stdout);
        const out = join(dir, `rb-${seed}.b.bin`);
        const r = await run("checkpolicy", ["-b", "-t", "Xen", "-c", "30", refPath, "-o", out]);
        if (r.code !== 0) throw new Error(r.stderr);
        const { policy } = readPolicy(ref);
        if (!same(writePolicy(policy, { avtabMask: avtabAllocMask(policy.avtab.length), ownTypeBits: true }), new Uint8Array(readFileSync(out)))) off.push(`seed ${seed}`);
      },
    );
    expect(off).toEqual([]);
  });
});

describe("setools sees no difference between ours and checkpolicy's", () => {
  it("seinfo, sesearch -A -T, sediff -A -T on 6 seeds", async () => {
    for (const [seed, size] of [[1, "small"], [2, "small"], [3, "small"], [4, "small"], [5, "medium"], [6, "medium"]] as const) {
      const g = await runTool("gen-policy", ["--seed", String(seed), "--size", size]);
      const { oursPath, refPath } = await both(`setools-${seed}`, g.stdout);
      const strip = (s: string) => s.replaceAll(oursPath, "X").replaceAll(refPath, "X");
      const seinfo = await Promise.all([oursPath, refPath].map((p) => run("seinfo", [p])));
      expect(strip(seinfo[0]!.stdout)).toBe(strip(seinfo[1]!.stdout));
      const sesearch = await Promise.all([oursPath, refPath].map((p) => run("sesearch", ["-A", "-T", p])));
      expect(sesearch[0]!.stdout).toBe(sesearch[1]!.stdout);
      const sediff = await run("sediff", ["-A", "-T", "--stats", oursPath, refPath]);
      expect(sediff.code).toBe(0);
      expect(sediff.stdout).not.toMatch(/[1-9]\d* (Added|Removed|Modified)/);
    }
  });
});
