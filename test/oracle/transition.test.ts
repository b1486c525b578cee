// Live: security_compute_sid's rule lookup (CompiledPolicy.typeRuleDefault) against checkpolicy and
// setools. Fresh gen-policy seeds: `sesearch -T` (and --type_member, --type_change) on the binary
// checkpolicy writes lists exactly the rules our lookup answers with. The conditional fixture
// (test/fixtures/transition/cond.conf): under each of the 8 assignments of its booleans, the
// policy with those defaults through oracle-matrix equals our view withBooleans(assignment).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy, TypeRuleKindName } from "../../src/policy/types.js";
import { assertOracleAvailable, genPolicy, repoRoot, runTool } from "./harness.js";

let work: string;
beforeAll(async () => {
  await assertOracleAvailable();
  work = mkdtempSync(join(tmpdir(), "xsm-transition-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KINDS: TypeRuleKindName[] = ["type_transition", "type_member", "type_change"];

function ours(policy: CompiledPolicy, kind: TypeRuleKindName): string[] {
  const rows: string[] = [];
  const nt = policy.stats.types;
  for (let s = 0; s < nt; s++)
    for (let t = 0; t < nt; t++)
      for (let c = 0; c < policy.stats.classes; c++) {
        const d = policy.typeRuleDefault(kind, s, t, c);
        if (d >= 0) rows.push(`${kind} ${policy.typeName(s)} ${policy.typeName(t)}:${policy.className(c)} ${policy.typeName(d)};`);
      }
  return rows.sort();
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((done, fail) =>
    execFile(cmd, args, { maxBuffer: 1 << 28, encoding: "utf8" }, (err, stdout, stderr) => (err ? fail(new Error(`${cmd}: ${stderr || err.message}`)) : done(stdout))),
  );
}

describe("typeRuleDefault against sesearch on checkpolicy's binary", () => {
  it.each([401, 402, 403, 404, 405, 406, 407, 408])("gen-policy --seed %i --size medium", async (seed) => {
    const text = await genPolicy(seed, "medium");
    const conf = join(work, `seed-${seed}.conf`);
    const bin = join(work, `seed-${seed}.bin`);
    writeFileSync(conf, text);
    await run("checkpolicy", ["-t", "Xen", "-c", "30", "-o", bin, conf]);
    const policy = compilePolicy(text, { file: conf });
    for (const kind of KINDS) {
      const flag = kind === "type_transition" ? "-T" : `--${kind}`;
      // gen-policy writes no conditional type rules: every line is one rule, enabled
      const oracle = (await run("sesearch", [flag, bin])).split("\n").filter((l) => l.startsWith(kind)).sort();
      expect(ours(policy, kind), `${kind} of seed ${seed}`).toEqual(oracle);
    }
  });
});

describe("conditional type rules under every boolean assignment, against oracle-matrix", () => {
  const text = readFileSync(join(repoRoot, "test/fixtures/transition/cond.conf"), "utf8");
  const policy = compilePolicy(text, { file: "cond.conf" });
  const names = policy.booleanNames();
  const assignments = Array.from({ length: 1 << names.length }, (_, m) => Object.fromEntries(names.map((n, i) => [n, ((m >> i) & 1) === 1])));

  it.each(assignments)("%j", async (values) => {
    let variant = text;
    for (const [name, v] of Object.entries(values)) variant = variant.replace(new RegExp(`^bool ${name} (true|false);`, "m"), `bool ${name} ${v};`);
    const path = join(work, `cond-${Object.values(values).map(Number).join("")}.conf`);
    writeFileSync(path, variant);
    const r = await runTool("oracle-matrix", [path]);
    expect(r.code, r.stderr).toBe(0);
    const matrix = JSON.parse(r.stdout) as Record<TypeRuleKindName, string[][]>;
    const view = policy.withBooleans(values);
    for (const kind of KINDS) {
      const oracle = matrix[kind].map(([s, t, c, d]) => `${kind} ${s} ${t}:${c} ${d};`).sort();
      expect(ours(view, kind), kind).toEqual(oracle);
    }
  });
});
