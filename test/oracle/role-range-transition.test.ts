// Live: the role_transition and range_transition records security_compute_sid reads, against
// checkpolicy and setools. roles.conf compiles to the committed roles.bin, whose role_tr order the
// Node test (test/policy/role-range-transition.test.ts) takes as Xen's, and `sesearch --role_trans`
// lists the committed rules; every `sesearch --range_trans` rule of the MLS seeds' binaries gives
// our computed context its range.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import type { SecurityContext } from "../../src/policy/types.js";
import { repoRoot } from "./harness.js";

const work = mkdtempSync(join(tmpdir(), "xsm-roletrans-"));

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28 }, (err, stdout, stderr) => (err ? fail(new Error(`${cmd}: ${stderr || err.message}`)) : done(stdout))),
  );
}

/** `s0 - s1:c0.c2,c5` -> `s0-s1:c0,c1,c2,c5`: setools and the context text write a run of
 *  categories differently (the seeds name categories cN, in value order). */
function expandCats(range: string): string {
  return range
    .replace(/ /g, "")
    .replace(/c(\d+)\.c(\d+)/g, (_, a: string, b: string) => Array.from({ length: Number(b) - Number(a) + 1 }, (_x, i) => `c${Number(a) + i}`).join(","));
}

describe("role_transition records, live", () => {
  it("roles.conf: checkpolicy's binary and setools' list are the committed ones", async () => {
    const dir = join(repoRoot, "test/fixtures/transition");
    const bin = join(work, "roles.bin");
    await run("checkpolicy", ["-t", "Xen", "-c", "30", join(dir, "roles.conf"), "-o", bin]);
    expect(Buffer.compare(readFileSync(bin), readFileSync(join(dir, "roles.bin")))).toBe(0);
    expect(await run("sesearch", ["--role_trans", bin])).toBe(readFileSync(join(dir, "roles.sesearch.txt"), "utf8"));
  });
});

describe("range_transition in mls_compute_sid, live", () => {
  it.each([1, 2, 3, 4, 5, 6])("MLS seed %i: each rule sesearch lists sets the range", async (seed) => {
    const conf = join(repoRoot, `test/fixtures/mls/seed-${seed}.conf`);
    const bin = join(work, `seed-${seed}.bin`);
    await run("checkpolicy", ["-M", "-t", "Xen", "-c", "30", conf, "-o", bin]);
    const policy = compileBinary(readFileSync(conf, "utf8"), { file: conf, mls: true }).policy;
    const xen = policy.parseContext(policy.initialSidContext("xen")!);
    if (!xen.ok) throw new Error(xen.error);
    const rules = (await run("sesearch", ["--range_trans", bin])).split("\n").filter((l) => l.startsWith("range_transition"));
    expect(rules.length).toBeGreaterThan(0);
    for (const line of rules) {
      const m = /^range_transition (\S+) (\S+):(\S+) (.*);$/.exec(line)!;
      const ctx = (type: string): SecurityContext => ({ ...xen.value, type: policy.typeId(type) });
      const got = policy.computeCreate(ctx(m[1]!), ctx(m[2]!), policy.classId(m[3]!));
      const range = policy.contextToString(got.context).split(":").slice(3).join(":");
      expect(expandCats(range), line).toBe(expandCats(m[4]!));
    }
  });
});
