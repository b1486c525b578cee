// Records oracle-decide's answers to every AVC question a scenario's run asks, so a test can check
// the simulator decided each as the reference toolchain does with only Node. The scenario's policy
// must be a policy.conf (booleans at the scenario's values: the run changes none); one in the SVP
// syntax is asked as the plain policy.conf its platforms desugar to (xsm compile --expand).
// Needs Debian's checkpolicy and python3-setools.
// Run: npx tsx scripts/gen-scenario-oracle.ts examples/xen-flask/interrupts.json test/fixtures/xen-flask/interrupts.oracle.json
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadScenario } from "../src/sim/load.js";
import { prepare, runPrepared } from "../src/sim/run.js";
import { oracleDir } from "../test/oracle/harness.js";
import { parsePolicy } from "../src/policy/parse.js";
import { desugarPlatforms, printPolicyConf } from "../src/policy/svp.js";

const [scenarioPath, outPath] = process.argv.slice(2);
if (!scenarioPath || !outPath) throw new Error("usage: gen-scenario-oracle.ts SCENARIO.json OUT.json");
const loaded = loadScenario(resolve(scenarioPath));
if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
const prepared = prepare(loaded.value);
if (!prepared.ok) throw new Error(JSON.stringify(prepared.error));
const { scenario, dir } = loaded.value;
if (scenario.steps.some((s) => s.op === "set_bool" || s.op === "load_policy")) throw new Error("the scenario changes its policy or booleans: record per policy state instead");
const keys = new Set<string>();
for (const step of runPrepared(prepared.value, { explain: "none" }).steps) {
  for (const d of step.decisions) {
    if (d.perm === undefined || d.scontext === undefined || d.tcontext === undefined || d.error !== undefined) continue;
    // a question of several permissions (grant map_read map_write) is one query per permission
    for (const perm of d.perm.split(" ")) keys.add(JSON.stringify({ scontext: d.scontext, tcontext: d.tcontext, tclass: d.tclass, perm }));
  }
}
const queries = [...keys].sort().map((k) => JSON.parse(k) as Record<string, string>);
const work = mkdtempSync(join(tmpdir(), "scenario-oracle-"));
const file = join(work, "queries.json");
writeFileSync(file, JSON.stringify(queries));
const source = join(dir, scenario.policy!);
const text = readFileSync(source, "utf8");
const plain = join(work, "policy.conf");
writeFileSync(plain, /^\s*platform\s/m.test(text) ? printPolicyConf(desugarPlatforms(parsePolicy(text, source).ast).ast) : text);
const bools = Object.entries(scenario.booleans ?? {}).flatMap(([name, v]) => ["--bool", `${name}=${v}`]);
const answers = JSON.parse(execFileSync(join(oracleDir(), "oracle-decide"), [plain, file, ...bools], { encoding: "utf8" })) as unknown[];
const out = queries.map((query, i) => ({ query, answer: answers[i] }));
writeFileSync(outPath, `${JSON.stringify(out).replace(/\},\{"query"/g, '},\n{"query"')}\n`);
console.log(`${out.length} answers`);
