// Live campaign beyond gen-policy's own shapes (test/oracle/shapes.ts adds dotted names, aliases,
// role attributes, class sets, inherit-only classes, typebounds, permissive...): checkpolicy's
// verdict and binary (-c 30, -c 24, -M) against ours, checkpolicy -b's re-read binary against our
// reader, and every pair of sesearch's and seinfo's options on Xen's example policy and on two
// shaped seeds against xsm search / xsm info. Each found disagreements once (CHANGELOG: hierarchy
// bounds, constraint nodes per class name, version 24 role_transition, info listings).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzePolicy } from "../../src/analysis/load.js";
import { compileBinary } from "../../src/binary/compile.js";
import { avtabAllocMask } from "../../src/policy/hashtab.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import { xsm } from "../cli/run.js";
import { batch, sesearchArgs } from "./analysis-harness.js";
import { assertOracleAvailable, genPolicy, repoRoot, runTool } from "./harness.js";
import { mlsPolicy } from "./mls-policy.js";
import { addShapes, prng } from "./shapes.js";

const dir = mkdtempSync(join(tmpdir(), "xsm-shapes-"));
beforeAll(assertOracleAvailable);

interface Outcome {
  conf: string;
  bin?: string;
}

/** checkpolicy and compileBinary on one text: both refuse, or the same bytes. */
function compareBinary(name: string, text: string, version: 24 | 30, mls: boolean): Outcome {
  const conf = join(dir, `${name}.conf`);
  const ref = join(dir, `${name}.bin`);
  writeFileSync(conf, text);
  const cp = spawnSync("checkpolicy", ["-t", "Xen", "-c", String(version), ...(mls ? ["-M"] : []), conf, "-o", ref]);
  let ours: Uint8Array | undefined;
  let why = "";
  try {
    ours = compileBinary(text, { file: conf, version, mls }).bytes;
  } catch (err) {
    why = (err as Error).message;
  }
  expect(ours !== undefined, `${name}: checkpolicy ${cp.status === 0 ? "accepts" : "refuses"}, we ${ours ? "accept" : `refuse: ${why}`}`).toBe(cp.status === 0);
  if (!ours) return { conf };
  expect(Buffer.from(ours).equals(readFileSync(ref)), `${name}: our binary differs from checkpolicy's (bindump --diff)`).toBe(true);
  return { conf, bin: ref };
}

describe("shaped gen-policy seeds: binaries and verdicts", () => {
  it("40 seeds at -c 30 (20 with --xen-loadable), 20 at -c 24, 20 with -M; checkpolicy -b predicted", async () => {
    let accepted = 0;
    for (let seed = 9001; seed <= 9040; seed++) {
      const g = await runTool("gen-policy", ["--seed", String(seed), ...(seed % 2 === 0 ? ["--xen-loadable"] : [])]);
      expect(g.code, g.stderr).toBe(0);
      const plain = g.stdout;
      const text = addShapes(plain, seed);
      const o = compareBinary(`s${seed}`, text, 30, false);
      if (seed <= 9020) compareBinary(`s${seed}-v24`, text, 24, false);
      if (seed > 9020) compareBinary(`s${seed}-mls`, mlsPolicy(text, seed), 30, true);
      if (!o.bin) continue;
      accepted++;
      // the reader: checkpolicy -b re-reads and re-buckets; libsepol's validator refuses a
      // constraint with no permissions (a class named twice), which we read as Xen does
      const b = join(dir, `s${seed}.b.bin`);
      if (spawnSync("checkpolicy", ["-b", "-t", "Xen", "-c", "30", o.bin, "-o", b]).status !== 0) continue;
      const { policy } = readPolicy(new Uint8Array(readFileSync(o.bin)));
      expect(Buffer.from(writePolicy(policy, { avtabMask: avtabAllocMask(policy.avtab.length), ownTypeBits: true })).equals(readFileSync(b)), `seed ${seed}: checkpolicy -b`).toBe(true);
    }
    expect(accepted).toBeGreaterThan(20);
  });
});

/** sesearch's options, each as a function giving one use of it on the policy. */
function searchPairs(text: string, file: string, seed: number): string[][] {
  const sym = analyzePolicy(text, file).sym;
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const types = sym.types.map((t) => t.name);
  const attrs = sym.attrs.map((a) => a.name);
  const classes = sym.classes.filter((c) => c.perms.length > 0);
  const bools = sym.bools.map((b) => b.name);
  const perm = () => {
    const c = pick(classes);
    return rnd() < 0.5 ? pick(c.perms) : `${pick(c.perms)},${pick(c.perms)}`;
  };
  const opts: Record<string, () => string[]> = {
    "-s": () => ["-s", rnd() < 0.3 ? pick(attrs) : pick(types)],
    "-t": () => ["-t", rnd() < 0.3 ? pick(attrs) : pick(types)],
    "-c": () => ["-c", rnd() < 0.3 ? `${pick(classes).name},${pick(classes).name}` : pick(classes).name],
    "-p": () => ["-p", perm()],
    "-D": () => ["-D", pick(types)],
    "-b": () => (bools.length ? ["-b", pick(bools)] : []),
    "--ds": () => ["--ds", "-s", rnd() < 0.5 ? pick(attrs) : pick(types)],
    "--dt": () => ["--dt", "-t", rnd() < 0.5 ? pick(attrs) : pick(types)],
    "--ep": () => ["--ep", "-p", perm()],
    "--Sp": () => ["--Sp", "-p", perm()],
    "--eb": () => (bools.length ? ["--eb", "-b", pick(bools)] : []),
    "--rs": () => ["--rs", "-s", pick(["_t$", "^d", "[a-c]"])],
    "--rt": () => ["--rt", "-t", pick(["_t$", "^o", "e"])],
    "--rc": () => ["--rc", "-c", pick(["^dom", "2$", "e"])],
    "--rd": () => ["--rd", "-D", pick(["_t$", "x"])],
    "--rb": () => (bools.length ? ["--rb", "-b", pick(["^b", "."])] : []),
  };
  const kinds = [["-A", "--auditallow", "--dontaudit", "-T", "--type_change", "--type_member"], ["-A"], ["--dontaudit", "--auditallow"], ["-T", "--type_change", "--type_member"]];
  const names = Object.keys(opts);
  const cases: string[][] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i; j < names.length; j++) {
      const flags = [...opts[names[i]!]!(), ...(i === j ? [] : opts[names[j]!]!())];
      const given = flags.filter((f) => f.startsWith("-"));
      if (new Set(given).size === given.length) cases.push([...pick(kinds), ...flags]);
    }
  }
  return cases;
}

/** seinfo's listings, in pairs, with and without a name and -x. */
function infoPairs(text: string, file: string, seed: number): string[][] {
  const sym = analyzePolicy(text, file).sym;
  const rnd = prng(seed + 1);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
  const named: Record<string, () => string | undefined> = {
    "-t": () => pick(sym.types.map((t) => t.name)),
    "-a": () => pick(sym.attrs.map((a) => a.name)),
    "-c": () => pick(sym.classes.map((c) => c.name)),
    "-b": () => pick(sym.bools.map((b) => b.name)),
    "-u": () => pick(sym.users.map((u) => u.name)),
    "-r": () => pick(sym.roles.map((r) => r.name)),
    "--constrain": () => pick(sym.classes.map((c) => c.name)),
    "--validatetrans": () => pick(sym.classes.map((c) => c.name)),
  };
  const opts = Object.keys(named);
  const cases: string[][] = [];
  for (let i = 0; i < opts.length; i++) {
    for (let j = i + 1; j < opts.length; j++) {
      for (const x of [[], ["-x"]]) {
        const a = named[opts[i]!]!();
        cases.push([opts[i]!, ...(a !== undefined && rnd() < 0.5 ? [a] : []), opts[j]!, ...x]);
      }
    }
  }
  return cases;
}

/** The first shaped seed from `seed` on that checkpolicy accepts (the shapes may conflict). */
async function acceptedShape(seed: number): Promise<string> {
  for (let s = seed; ; s++) {
    const text = addShapes(await genPolicy(s, "small"), s);
    const conf = join(dir, `try-${s}.conf`);
    writeFileSync(conf, text);
    if (spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", "/dev/null"]).status === 0) return text;
  }
}

// setools prints a constraint's name set in Python's per-run set order: compared sorted
const sortedSets = (s: string) => s.replace(/^Statistics for policy file: .*\n/, "").replace(/\{ ([^{}]*) \}/g, (_, b: string) => `{ ${b.trim().split(/\s+/).sort().join(" ")} }`);

describe("every pair of sesearch's and seinfo's options", () => {
  const policies: [string, () => Promise<string>][] = [
    ["xen-flask", async () => readFileSync(join(repoRoot, "examples/xen-flask/policy.conf"), "utf8")],
    ["shaped-9003", async () => acceptedShape(9003)],
    ["shaped-9011", async () => acceptedShape(9011)],
  ];
  for (const [name, text] of policies) {
    it(name, async () => {
      const conf = join(dir, `pairs-${name}.conf`);
      writeFileSync(conf, await text());
      const bin = join(dir, `pairs-${name}.bin`);
      expect(spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", bin]).status).toBe(0);
      const src = readFileSync(conf, "utf8");
      const search = searchPairs(src, conf, 7);
      const info = infoPairs(src, conf, 7);
      const refs = await batch([...search.map((a) => ({ tool: "sesearch" as const, args: [...sesearchArgs(a), bin] })), ...info.map((a) => ({ tool: "seinfo" as const, args: [bin, ...a] }))]);
      let compared = 0;
      for (const [k, args] of [...search.map((a) => ["search", a] as const), ...info.map((a) => ["info", a] as const)].entries()) {
        const ref = refs[k]!;
        // a permission the class lacks is an error for both (the words differ)
        if (ref.code !== 0) {
          expect((await xsm(args[0], conf, ...args[1])).code, `xsm ${args[0]} ${args[1].join(" ")}: sesearch/seinfo refused`).not.toBe(0);
          continue;
        }
        for (const input of [conf, bin]) {
          const r = await xsm(args[0], input, ...args[1]);
          expect(sortedSets(r.stdout), `xsm ${args[0]} ${input} ${args[1].join(" ")}`).toBe(sortedSets(ref.stdout));
        }
        compared++;
      }
      expect(compared).toBeGreaterThan((search.length + info.length) * 0.8);
    });
  }
});
